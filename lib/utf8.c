/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * utf8.c - validation, encoding and JSON string decoding.
 */
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "utf8.h"

size_t
utf8_check(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	uint64_t w;
	unsigned c;

	while (i < n) {
		/* No byte >= 0x80 and none < 0x20: plain ASCII, 16 at a time. */
#ifdef __SSE2__
		while (i + 16 <= n) {
			/* Signed: bytes >= 0x80 are negative, so one compare. */
			__m128i v = _mm_loadu_si128((const __m128i *)(p + i));

			if (_mm_movemask_epi8(_mm_cmplt_epi8(v,
			    _mm_set1_epi8(0x20))) != 0)
				break;
			i += 16;
		}
#else
		while (i + 16 <= n) {
			uint64_t w2;

			memcpy(&w, p + i, 8);
			memcpy(&w2, p + i + 8, 8);
			if (((w | ((w - 0x2020202020202020ULL) & ~w) | w2 |
			    ((w2 - 0x2020202020202020ULL) & ~w2)) &
			    0x8080808080808080ULL) != 0)
				break;
			i += 16;
		}
#endif
		if (i == n)
			break;
		if (i + 8 <= n) {
			memcpy(&w, p + i, 8);
			if (((w | ((w - 0x2020202020202020ULL) & ~w)) &
			    0x8080808080808080ULL) == 0) {
				i += 8;
				continue;
			}
		}
		c = p[i];
		if (c == 0x0b || c == 0x0c) {
			/*
			 * yajl skips \v and \f as white space; RFC 8259 does
			 * not, and they are invalid inside strings too.
			 */
			return i + 1;
		} else if (c < 0x80) {
			i++;
		} else if (c >= 0xc2 && c <= 0xdf) {
			if (i + 1 >= n || (p[i + 1] & 0xc0) != 0x80)
				return i + 1;
			i += 2;
		} else if (c >= 0xe0 && c <= 0xef) {
			unsigned lo = c == 0xe0 ? 0xa0 : 0x80;
			unsigned hi = c == 0xed ? 0x9f : 0xbf;

			if (i + 2 >= n || p[i + 1] < lo || p[i + 1] > hi ||
			    (p[i + 2] & 0xc0) != 0x80)
				return i + 1;
			i += 3;
		} else if (c >= 0xf0 && c <= 0xf4) {
			unsigned lo = c == 0xf0 ? 0x90 : 0x80;
			unsigned hi = c == 0xf4 ? 0x8f : 0xbf;

			if (i + 3 >= n || p[i + 1] < lo || p[i + 1] > hi ||
			    (p[i + 2] & 0xc0) != 0x80 ||
			    (p[i + 3] & 0xc0) != 0x80)
				return i + 1;
			i += 4;
		} else {
			return i + 1;
		}
	}
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
utf8_put(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int
utf8_hex4(const char *s, unsigned *cp)
{
	int i, h;

	*cp = 0;
	for (i = 0; i < 4; i++) {
		if ((h = hexval((unsigned char)s[i])) < 0)
			return -1;
		*cp = *cp << 4 | (unsigned)h;
	}
	return 0;
}

/*
 * One \uXXXX escape at s (after the backslash and 'u'), combined with a
 * following low surrogate when it is a high one; *used gets the bytes
 * read after "\u".  A surrogate alone is U+FFFD.
 */
unsigned
utf8_escape(const char *s, size_t left, size_t *used)
{
	unsigned cp, lo;

	*used = 4;
	if (left < 4 || utf8_hex4(s, &cp) == -1)
		return 0xfffd;
	if (cp >= 0xd800 && cp < 0xdc00 && left >= 10 && s[4] == '\\' &&
	    s[5] == 'u' && utf8_hex4(s + 6, &lo) == 0 &&
	    lo >= 0xdc00 && lo < 0xe000) {
		*used = 10;
		return 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	return cp >= 0xd800 && cp < 0xe000 ? 0xfffd : cp;
}

size_t
utf8_unescape(char *dst, const char *src, size_t n)
{
	const char *bs;
	size_t i = 0, o = 0, used, run;
	char c;

	while (i < n) {
		/* Copy up to the next backslash in one go. */
		bs = memchr(src + i, '\\', n - i);
		run = bs != NULL ? (size_t)(bs - (src + i)) : n - i;
		memcpy(dst + o, src + i, run);
		o += run;
		i += run;
		if (i + 1 >= n) {
			if (i < n)
				dst[o++] = src[i++];
			break;
		}
		c = src[i + 1];
		i += 2;
		switch (c) {
		case 'b': dst[o++] = '\b'; break;
		case 'f': dst[o++] = '\f'; break;
		case 'n': dst[o++] = '\n'; break;
		case 'r': dst[o++] = '\r'; break;
		case 't': dst[o++] = '\t'; break;
		case 'u':
			o += utf8_put(dst + o, utf8_escape(src + i, n - i,
			    &used));
			i += used;
			break;
		default: dst[o++] = c; break;
		}
	}
	return o;
}
