/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_FUZZ_COMMON_H
#define SK_FUZZ_COMMON_H
/*
 * fuzz_common.h - what every libFuzzer harness of lib/ shares.
 *
 * CHECK() turns a broken invariant into a crash that libFuzzer keeps as
 * an artifact.  An invariant that fails on a known, reported lib/ bug
 * uses LAX_CHECK() (or asks fuzz_lax()), which SK_FUZZ_LAX=1 in the
 * environment turns off so a long run can look past that bug; fuzz-smoke
 * replays regressions without it, so a known bug keeps failing until it
 * is fixed.  Drop the lax escape once the bug is.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "%s:%d: CHECK failed: %s\n",		\
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

static inline int
fuzz_lax(void)
{
	static int lax = -1;

	if (lax == -1) {
		const char *e = getenv("SK_FUZZ_LAX");

		lax = e != NULL && *e != '\0' && *e != '0';
	}
	return lax;
}

#define LAX_CHECK(c) do {						\
	if (!fuzz_lax())						\
		CHECK(c);						\
} while (0)

/* A copy of p[0..n) in its own allocation, so ASan sees overreads. */
static inline char *
fuzz_dup(const void *p, size_t n)
{
	char *d = malloc(n > 0 ? n : 1);

	if (d == NULL)
		abort();
	if (n > 0)
		memcpy(d, p, n);
	return d;
}

/* The same, NUL-terminated. */
static inline char *
fuzz_strdup(const void *p, size_t n)
{
	char *d = malloc(n + 1);

	if (d == NULL)
		abort();
	if (n > 0)
		memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

/* Consume every byte so that reads of uninitialised or freed memory
 * happen here, under ASan, rather than never. */
static inline unsigned
fuzz_touch(const void *p, size_t n)
{
	const volatile unsigned char *s = p;
	unsigned h = 0;
	size_t i;

	for (i = 0; i < n; i++)
		h = h * 31 + s[i];
	return h;
}

/* Split input into lines at '\n' like the reader (no '\r' handling). */
struct fuzz_lines {
	const uint8_t	*p, *end;
};

static inline int
fuzz_next_line(struct fuzz_lines *L, const uint8_t **line, size_t *len)
{
	const uint8_t *nl;

	if (L->p >= L->end)
		return 0;
	nl = memchr(L->p, '\n', (size_t)(L->end - L->p));
	if (nl == NULL)
		nl = L->end;
	*line = L->p;
	*len = (size_t)(nl - L->p);
	L->p = nl + (nl < L->end);
	return 1;
}
#endif
