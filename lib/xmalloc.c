/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xmalloc.c - allocation that succeeds or ends the process.
 */
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static void (*oom_hook)(size_t);

void
xmalloc_set_oom(void (*fn)(size_t))
{
	oom_hook = fn;
}

void
xmalloc_oom(size_t n)
{
	if (oom_hook != NULL)
		oom_hook(n);
	/* No hook, or one that returned: nothing sane is left to do. */
	__builtin_trap();
}

void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL && n > 0)
		xmalloc_oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL && n > 0 && size > 0)
		xmalloc_oom(n * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL && n > 0)
		xmalloc_oom(n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
