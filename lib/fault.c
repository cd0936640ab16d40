/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fault.c - filling a struct fault.
 */
#include <stdio.h>
#include <string.h>

#include "fault.h"

int
fault_vset(struct fault *f, int code, const char *fmt, va_list ap)
{
	if (f == NULL)
		return -1;
	f->code = code;
	f->line = 0;
	vsnprintf(f->msg, sizeof(f->msg), fmt, ap);
	return -1;
}

int
fault_set(struct fault *f, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vset(f, code, fmt, ap);
	va_end(ap);
	return -1;
}

void *
fault_null(struct fault *f, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vset(f, code, fmt, ap);
	va_end(ap);
	return NULL;
}

void
fault_clear(struct fault *f)
{
	f->code = 0;
	f->line = 0;
	f->msg[0] = '\0';
}

void
fault_prefix(struct fault *f, const char *what)
{
	char tmp[FAULT_MSG_MAX];
	size_t n = strlen(what);

	if (n > FAULT_MSG_MAX / 2)
		n = FAULT_MSG_MAX / 2;
	memcpy(tmp, what, n);
	tmp[n] = ':';
	tmp[n + 1] = ' ';
	memcpy(tmp + n + 2, f->msg, FAULT_MSG_MAX - n - 2);
	tmp[FAULT_MSG_MAX - 1] = '\0';
	memcpy(f->msg, tmp, sizeof(f->msg));
}
