/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_UTF8_H
#define SK_UTF8_H
/*
 * utf8.h - UTF-8 and JSON string bytes, in one place.
 *
 * Strict UTF-8 validation of input lines (RFC 3629: no overlong forms,
 * no surrogates, nothing past U+10FFFF), writing a code point, reading
 * the four hex digits of a \uXXXX escape, and decoding the body of a
 * JSON string.  Every decoder in streamkit treats a lone surrogate
 * escape the same way, as U+FFFD, so a value compares equal however it
 * was read (record.c, path.c, jcur.c, join.c).  No allocation.
 */
#include <stddef.h>

/*
 * 0 when s[0..n) is valid UTF-8 without the raw control characters
 * JSON never allows (\v, \f), else the offset of the bad byte plus one.
 */
size_t	utf8_check(const char *, size_t);
/* Write code point cp (at most U+10FFFF) at o: 1 to 4 bytes. */
size_t	utf8_put(char *o, unsigned cp);
/* Four hex digits at s into *cp; -1 if they are not. */
int	utf8_hex4(const char *s, unsigned *cp);
/*
 * The code point of the \uXXXX escape whose digits start at s (left
 * bytes available), joined with a following \uXXXX low surrogate when it
 * is a high one; a surrogate alone, or bad digits, is U+FFFD.  *used gets
 * the bytes taken after the first "\u".
 */
unsigned utf8_escape(const char *s, size_t left, size_t *used);
/*
 * Decode the body of a JSON string already known to be valid (between
 * the quotes) into dst, which needs n bytes; returns the decoded length.
 */
size_t	utf8_unescape(char *dst, const char *src, size_t n);
#endif
