/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * buf.c - growable buffer and compact JSON writer.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"
#include "xmalloc.h"

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_reserve(struct buf *b, size_t more)
{
	size_t cap;

	if (b->cap - b->len > more)
		return;
	cap = b->cap < 256 ? 256 : b->cap;
	while (cap - b->len <= more) {
		if (cap > SIZE_MAX / 2)
			xmalloc_oom(SIZE_MAX);
		cap *= 2;
	}
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
buf_addc(struct buf *b, char c)
{
	if (b->cap - b->len <= 1)
		buf_reserve(b, 1);
	b->data[b->len++] = c;
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *
buf_cstr(struct buf *b)
{
	buf_reserve(b, 1);
	b->data[b->len] = '\0';
	return b->data;
}

/* Escape table: 0 passes, 'u' needs \u00XX, other values are \X. */
static const char esc[256] = {
	['"'] = '"', ['\\'] = '\\', ['\b'] = 'b', ['\f'] = 'f',
	['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u',
	[0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u', [0x0e] = 'u',
	[0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u', [0x13] = 'u',
	[0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u', [0x18] = 'u',
	[0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u', [0x1d] = 'u',
	[0x1e] = 'u', [0x1f] = 'u', [0x7f] = 'u',
};

void
buf_json_str(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, run = 0;

	buf_reserve(b, n + 2);
	b->data[b->len++] = '"';
	for (i = 0; i < n; i++) {
		char e = esc[p[i]];

		if (e == 0)
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		if (e == 'u') {
			char u[6] = { '\\', 'u', '0', '0',
			    hex[p[i] >> 4], hex[p[i] & 15] };
			buf_add(b, u, 6);
		} else {
			char u[2] = { '\\', e };
			buf_add(b, u, 2);
		}
	}
	buf_add(b, s + run, n - run);
	buf_addc(b, '"');
}

void
buf_json_cstr(struct buf *b, const char *s)
{
	buf_json_str(b, s, strlen(s));
}

/* Decimal digits of v, ending at end; returns where they begin. */
static char *
put_u64(char *end, uint64_t v)
{
	do
		*--end = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return end;
}

void
buf_json_i64(struct buf *b, int64_t v)
{
	char tmp[24], *p;

	p = put_u64(tmp + sizeof(tmp), v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
buf_json_u64(struct buf *b, uint64_t v)
{
	char tmp[24], *p = put_u64(tmp + sizeof(tmp), v);

	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

size_t
buf_fmt_double(double d, char out[32])
{
	int prec, n = 0;

	if (!isfinite(d)) {
		memcpy(out, "null", 5);
		return 4;
	}
	if (d == 0) {
		if (signbit(d)) {
			memcpy(out, "-0", 3);
			return 2;
		}
		memcpy(out, "0", 2);
		return 1;
	}
	for (prec = 15; prec <= 17; prec++) {
		n = snprintf(out, 32, "%.*g", prec, d);
		if (strtod(out, NULL) == d)
			break;
	}
	return (size_t)n;
}

void
buf_json_dbl(struct buf *b, double d)
{
	char tmp[32];

	buf_add(b, tmp, buf_fmt_double(d, tmp));
}

/*
 * For d = 1, 2, ... significant digits, the multiples k 10^m of the
 * d-th digit's place that lie in [lo, hi] (0 < lo); each candidate is
 * read back from its decimal text, so it is the double nearest that
 * decimal and prints as it.  A span that holds 0 prints 0.
 */
static int
shortest_within(double lo, double hi, double near, double *out)
{
	char t[48];
	double step, p;
	long long k, klo, khi;
	int d, e, m;

	e = (int)floor(log10(hi));
	for (d = 1; d <= 17; d++) {
		m = e - d + 1;
		step = pow(10, m);
		if (!(step > 0) || !isfinite(step))
			continue;
		if (hi / step > 1e17)
			break;
		klo = (long long)ceil(lo / step);
		khi = (long long)floor(hi / step);
		if (klo > khi)
			continue;
		k = llround(near / step);
		k = k < klo ? klo : k > khi ? khi : k;
		snprintf(t, sizeof(t), "%llde%d", k, m);
		p = strtod(t, NULL);
		if (p >= lo && p <= hi) {
			*out = p;
			return 0;
		}
	}
	return -1;
}

void
buf_json_dbl_within(struct buf *b, double lo, double hi, double near)
{
	double p;

	if (!isfinite(lo) || !isfinite(hi) || !isfinite(near) || lo > hi ||
	    near < lo || near > hi) {
		buf_json_dbl(b, near);
		return;
	}
	if (lo <= 0 && hi >= 0) {
		buf_json_dbl(b, 0);
		return;
	}
	if (hi < 0 ? shortest_within(-hi, -lo, -near, &p) == 0 :
	    shortest_within(lo, hi, near, &p) == 0)
		buf_json_dbl(b, hi < 0 ? -p : p);
	else
		buf_json_dbl(b, near);
}

void
buf_json_compact(struct buf *b, const char *s, size_t n)
{
	size_t i, run = 0;
	int instr = 0;

	buf_reserve(b, n);
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (instr) {
			if (c == '\\')
				i++;
			else if (c == '"')
				instr = 0;
			continue;
		}
		if (c == '"') {
			instr = 1;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			buf_add(b, s + run, i - run);
			run = i + 1;
		}
	}
	buf_add(b, s + run, n - run);
}

void
buf_json_keyn(struct buf *b, const char *k, size_t n)
{
	if (b->len > 0 && b->data[b->len - 1] != '{')
		buf_addc(b, ',');
	buf_json_str(b, k, n);
	buf_addc(b, ':');
}

void
buf_json_key(struct buf *b, const char *k)
{
	buf_json_keyn(b, k, strlen(k));
}

void
buf_hex(struct buf *b, const void *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	const unsigned char *s = p;
	size_t i;

	buf_reserve(b, 2 * n);
	for (i = 0; i < n; i++) {
		b->data[b->len++] = d[s[i] >> 4];
		b->data[b->len++] = d[s[i] & 15];
	}
}

static int
hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
buf_unhex(struct buf *out, const char *s, size_t n)
{
	size_t i;
	int hi, lo;

	buf_clear(out);
	if (n % 2 != 0)
		return -1;
	buf_reserve(out, n / 2);
	for (i = 0; i < n; i += 2) {
		if ((hi = hexdigit(s[i])) < 0 || (lo = hexdigit(s[i + 1])) < 0)
			return -1;
		out->data[out->len++] = (char)(hi << 4 | lo);
	}
	return 0;
}

int
buf_json_escaped(const char *s, size_t n)
{
	return memchr(s, '\\', n) != NULL || memchr(s, 0x7f, n) != NULL;
}

/* The body s[0..n) of a valid JSON string, decoded and written again. */
static void
canon_string(struct buf *b, const char *s, size_t n)
{
	char small[256], *d = n <= sizeof(small) ? small : xmalloc(n);

	buf_json_str(b, d, utf8_unescape(d, s, n));
	if (d != small)
		free(d);
}

void
buf_json_canon(struct buf *b, const char *s, size_t n)
{
	size_t i = 0, run = 0, e;
	int plain;

	buf_reserve(b, n);
	while (i < n) {
		if (s[i] == '"') {
			plain = 1;
			for (e = i + 1; e < n && s[e] != '"'; e++) {
				if (s[e] == '\\') {
					plain = 0;
					e++;
				} else if (s[e] == 0x7f) {
					plain = 0;
				}
			}
			if (!plain) {
				buf_add(b, s + run, i - run);
				canon_string(b, s + i + 1, (e < n ? e : n) - i - 1);
				run = e + 1 < n ? e + 1 : n;
			}
			i = e + 1;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
			buf_add(b, s + run, i - run);
			run = i + 1;
		}
		i++;
	}
	if (run < n)
		buf_add(b, s + run, n - run);
}
