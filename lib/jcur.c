/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * jcur.c - a strict pull reader for JSON text.
 *
 * Every read checks p against end before it looks at a byte, so any
 * input, truncated or not, fails cleanly.  Nesting is tracked in two bit
 * arrays (one bit per level up to JC_DEPTH_MAX): whether a level is an
 * object, which tells jc_more() the closing bracket to expect, and
 * whether it has had an element yet, which tells it whether a ',' is due.
 * Nothing recurses, so the depth limit bounds no stack, only the arrays.
 * Nothing is allocated: strings go to the caller's buf, escaped keys to
 * the cursor's fixed scratch array (so an escaped key may decode to at
 * most JC_KEY_MAX bytes), numbers to a stack buffer.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fault.h"
#include "jcur.h"
#include "utf8.h"
#include "value.h"

/* Where decoded string bytes go: a buf, a fixed array, or nowhere. */
struct sink {
	struct buf	*b;
	char		*a;
	size_t		 cap;
	size_t		 len;
	int		 over;		/* the fixed array was too small */
};

void
jc_init(struct jcur *j, const char *s, size_t n, struct fault *f)
{
	memset(j, 0, sizeof(*j));
	j->start = s;
	j->p = s;
	j->end = s + n;
	j->f = f;
}

int
jc_fail(struct jcur *j, const char *what)
{
	if (!j->failed) {
		j->failed = 1;
		if (j->f != NULL)
			fault_set(j->f, EX_DATAERR, "%s at byte %zu", what,
			    (size_t)(j->p - j->start));
	}
	return -1;
}

static void
ws(struct jcur *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

int
jc_peek(struct jcur *j)
{
	char c;

	if (j->failed)
		return 0;
	ws(j);
	if (j->p == j->end)
		return 0;
	c = *j->p;
	if (c == '-' || (c >= '0' && c <= '9'))
		return '0';
	if (c == '{' || c == '[' || c == '"' || c == 'n' || c == 't' ||
	    c == 'f')
		return c;
	return 0;
}

/* Bit d - 1 of a level mask: level d. */
static int
bit_get(const uint64_t *m, int d)
{
	return (m[(d - 1) / 64] >> ((d - 1) % 64)) & 1;
}

static void
bit_put(uint64_t *m, int d, int on)
{
	uint64_t bit = (uint64_t)1 << ((d - 1) % 64);

	if (on)
		m[(d - 1) / 64] |= bit;
	else
		m[(d - 1) / 64] &= ~bit;
}

static int
begin(struct jcur *j, char open, int object)
{
	if (j->failed)
		return -1;
	ws(j);
	if (j->p == j->end || *j->p != open)
		return jc_fail(j, object ? "expected '{'" : "expected '['");
	if (j->depth == JC_DEPTH_MAX)
		return jc_fail(j, "nesting too deep");
	j->p++;
	j->depth++;
	bit_put(j->started, j->depth, 0);
	bit_put(j->objects, j->depth, object);
	return 0;
}

int
jc_begin_array(struct jcur *j)
{
	return begin(j, '[', 0);
}

int
jc_begin_object(struct jcur *j)
{
	return begin(j, '{', 1);
}

int
jc_more(struct jcur *j)
{
	int object;

	if (j->failed)
		return -1;
	if (j->depth == 0)
		return jc_fail(j, "not inside an array or object");
	object = bit_get(j->objects, j->depth);
	ws(j);
	if (j->p == j->end)
		return jc_fail(j, "unexpected end of input");
	if (*j->p == (object ? '}' : ']')) {
		j->p++;
		j->depth--;
		return 0;
	}
	if (!bit_get(j->started, j->depth)) {
		bit_put(j->started, j->depth, 1);
		return 1;
	}
	if (*j->p != ',')
		return jc_fail(j, object ? "expected ',' or '}'" :
		    "expected ',' or ']'");
	j->p++;
	return 1;
}

static void
sink_put(struct sink *s, const char *p, size_t n)
{
	if (s->b != NULL) {
		buf_add(s->b, p, n);
	} else if (s->a != NULL) {
		if (n > s->cap - s->len) {
			s->over = 1;
			return;
		}
		memcpy(s->a + s->len, p, n);
	}
	s->len += n;
}

/* Length of the valid UTF-8 sequence at p (RFC 3629), or 0. */
static size_t
utf8_len(const unsigned char *p, const unsigned char *end)
{
	size_t n, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/*
 * One escape after the backslash at j->p.  A high surrogate followed by
 * a low one is a pair; a lone surrogate becomes U+FFFD, as in jq and
 * path_json_string(), so what we hand on is always valid UTF-8.
 */
static int
escape(struct jcur *j, struct sink *s)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	char o[4];
	unsigned cp;
	size_t used;

	if (j->end - j->p < 2)
		return jc_fail(j, "unterminated string");
	if (j->p[1] != 'u') {
		if (j->p[1] == '\0' || (e = strchr(from, j->p[1])) == NULL)
			return jc_fail(j, "bad escape in string");
		sink_put(s, &to[e - from], 1);
		j->p += 2;
		return 0;
	}
	if (j->end - j->p < 6 || utf8_hex4(j->p + 2, &cp) == -1)
		return jc_fail(j, "bad \\u escape in string");
	cp = utf8_escape(j->p + 2, (size_t)(j->end - j->p - 2), &used);
	j->p += 2 + used;
	sink_put(s, o, utf8_put(o, cp));
	return 0;
}

/* A string at j->p, decoded into s; *escaped tells whether it had any. */
static int
string(struct jcur *j, struct sink *s, int *escaped)
{
	const unsigned char *q;
	const char *run;
	size_t n;

	*escaped = 0;
	ws(j);
	if (j->p == j->end || *j->p != '"')
		return jc_fail(j, "expected a string");
	run = ++j->p;
	for (;;) {
		if (j->p == j->end)
			return jc_fail(j, "unterminated string");
		q = (const unsigned char *)j->p;
		if (*q == '"' || *q == '\\') {
			sink_put(s, run, (size_t)(j->p - run));
			if (*q == '"')
				break;
			*escaped = 1;
			if (escape(j, s) == -1)
				return -1;
			run = j->p;
		} else if (*q < 0x20) {
			return jc_fail(j, "control character in string");
		} else if (*q < 0x80) {
			j->p++;
		} else if ((n = utf8_len(q,
		    (const unsigned char *)j->end)) == 0) {
			return jc_fail(j, "invalid UTF-8 in string");
		} else {
			j->p += n;
		}
	}
	j->p++;
	return 0;
}

int
jc_string(struct jcur *j, struct buf *b)
{
	struct sink s = { b, NULL, 0, 0, 0 };
	int escaped;

	if (j->failed)
		return -1;
	buf_clear(b);
	return string(j, &s, &escaped);
}

static int
in_object(struct jcur *j)
{
	return j->depth > 0 && bit_get(j->objects, j->depth);
}

static int
colon(struct jcur *j)
{
	ws(j);
	if (j->p == j->end || *j->p != ':')
		return jc_fail(j, "expected ':'");
	j->p++;
	return 0;
}

int
jc_key(struct jcur *j, const char **k, size_t *n)
{
	struct sink s = { NULL, j->key, sizeof(j->key), 0, 0 };
	const char *open;
	int escaped;

	if (j->failed)
		return -1;
	if (!in_object(j))
		return jc_fail(j, "a key outside an object");
	ws(j);
	open = j->p;
	if (string(j, &s, &escaped) == -1)
		return -1;
	if (escaped && s.over)
		return jc_fail(j, "escaped key too long");
	if (escaped) {
		*k = j->key;
		*n = s.len;
	} else {
		*k = open + 1;
		*n = (size_t)(j->p - open - 2);
	}
	return colon(j);
}

int
jc_expect_key(struct jcur *j, const char *want)
{
	char msg[JC_KEY_MAX + 32];
	const char *k;
	size_t n;

	if (jc_key(j, &k, &n) == -1)
		return -1;
	if (n != strlen(want) || memcmp(k, want, n) != 0) {
		snprintf(msg, sizeof(msg), "expected key \"%.*s\"",
		    JC_KEY_MAX, want);
		return jc_fail(j, msg);
	}
	return 0;
}

int
jc_member(struct jcur *j, const char *key)
{
	char msg[64];

	if (jc_more(j) != 1) {
		snprintf(msg, sizeof(msg), "missing key \"%.40s\"", key);
		return jc_fail(j, msg);
	}
	return jc_expect_key(j, key);
}

static int
literal(struct jcur *j, const char *word)
{
	size_t n = strlen(word);

	ws(j);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
		return -1;
	j->p += n;
	return 0;
}

int
jc_null(struct jcur *j)
{
	if (j->failed)
		return -1;
	if (literal(j, "null") == -1)
		return jc_fail(j, "expected null");
	return 0;
}

int
jc_bool(struct jcur *j, int *b)
{
	if (j->failed)
		return -1;
	if (literal(j, "true") == 0)
		*b = 1;
	else if (literal(j, "false") == 0)
		*b = 0;
	else
		return jc_fail(j, "expected true or false");
	return 0;
}

static const char *
digits(const char *p, const char *end)
{
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p;
}

/*
 * The number at j->p by the JSON grammar; *t gets its text, *isint
 * whether it is written as an integer.  Consumes it.
 */
static int
number_text(struct jcur *j, const char **t, size_t *n, int *isint)
{
	const char *p, *q, *e = j->end;

	ws(j);
	p = j->p;
	if (p < e && *p == '-')
		p++;
	if (p == e || *p < '0' || *p > '9')
		return jc_fail(j, "expected a number");
	q = *p == '0' ? p + 1 : digits(p, e);
	*isint = 1;
	if (q < e && *q == '.') {
		*isint = 0;
		if ((p = digits(q + 1, e)) == q + 1)
			return jc_fail(j, "expected a digit after '.'");
		q = p;
	}
	if (q < e && (*q == 'e' || *q == 'E')) {
		*isint = 0;
		q++;
		if (q < e && (*q == '+' || *q == '-'))
			q++;
		if ((p = digits(q, e)) == q)
			return jc_fail(j, "expected a digit in the exponent");
		q = p;
	}
	*t = j->p;
	*n = (size_t)(q - j->p);
	j->p = q;
	return 0;
}

/*
 * The double of a number text too long for val_number()'s stack copy,
 * without copying it whole: its sign, at most NUM_DIGITS significant
 * digits, a sticky 1 standing for any non-zero digit dropped, and the
 * decimal exponent, clamped where the result is 0 or infinite anyway.
 * A double is decided by its first 768 significant digits and whether
 * anything non-zero follows, so strtod() rounds this exactly as it
 * would the whole text.
 */
#define NUM_DIGITS	800

static double
long_number(const char *t, size_t n)
{
	char tmp[NUM_DIGITS + 40];
	const char *p = t, *e = t + n;
	long long exp = 0, x = 0;
	size_t o = 0, kept = 0;
	int frac = 0, sticky = 0, xneg = 0;

	if (*p == '-')
		tmp[o++] = *p++;
	for (; p < e && *p != 'e' && *p != 'E'; p++) {
		if (*p == '.') {
			frac = 1;
			continue;
		}
		if (kept == 0 && *p == '0') {
			exp -= frac;	/* a leading zero only shifts */
			continue;
		}
		if (kept < NUM_DIGITS) {
			tmp[o++] = *p;
			kept++;
			exp -= frac;
		} else {
			sticky |= *p != '0';
			exp += !frac;
		}
	}
	if (p < e && ++p < e && (*p == '+' || *p == '-'))
		xneg = *p++ == '-';
	for (; p < e; p++)
		if (x < 1000000000)
			x = x * 10 + (*p - '0');
	exp += xneg ? -x : x;
	if (kept == 0)
		tmp[o++] = '0';
	if (sticky) {
		tmp[o++] = '1';
		exp--;
	}
	if (exp < -2000000000 || exp > 2000000000)
		exp = exp < 0 ? -2000000000 : 2000000000;
	snprintf(tmp + o, sizeof(tmp) - o, "e%lld", exp);
	return strtod(tmp, NULL);
}

int
jc_number(struct jcur *j, struct value *v)
{
	const char *t;
	size_t n;
	int isint;

	if (j->failed || number_text(j, &t, &n, &isint) == -1)
		return -1;
	memset(v, 0, sizeof(*v));
	if (n < 64) {
		/* val_number() copies longer texts to the heap. */
		val_number(v, t, n);
		return 0;
	}
	/* No int64 is this long: a double. */
	v->type = V_NUMBER;
	v->raw = t;
	v->rawlen = n;
	v->d = long_number(t, n);
	return 0;
}

int
jc_double(struct jcur *j, double *d)
{
	struct value v;

	if (j->failed)
		return -1;
	if (jc_peek(j) == 'n') {
		*d = NAN;
		return jc_null(j);
	}
	if (jc_number(j, &v) == -1)
		return -1;
	*d = v.d;
	return 0;
}

/* Magnitude of an integer text (digits only) into *u; -1 on overflow. */
static int
magnitude(const char *t, size_t n, uint64_t *u)
{
	size_t i;
	uint64_t d;

	*u = 0;
	for (i = 0; i < n; i++) {
		d = (uint64_t)(t[i] - '0');
		if (*u > (UINT64_MAX - d) / 10)
			return -1;
		*u = *u * 10 + d;
	}
	return 0;
}

int
jc_int(struct jcur *j, int64_t *out)
{
	const char *t;
	size_t n;
	uint64_t u;
	int isint, neg;

	if (j->failed || number_text(j, &t, &n, &isint) == -1)
		return -1;
	if (!isint)
		return jc_fail(j, "expected an integer");
	neg = *t == '-';
	if (magnitude(t + neg, n - (size_t)neg, &u) == -1 ||
	    u > (uint64_t)INT64_MAX + (uint64_t)neg)
		return jc_fail(j, "integer out of range");
	*out = neg ? (u == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
	    -(int64_t)u) : (int64_t)u;
	return 0;
}

int
jc_uint(struct jcur *j, uint64_t *out)
{
	const char *t;
	size_t n;
	int isint;

	if (j->failed || number_text(j, &t, &n, &isint) == -1)
		return -1;
	if (!isint || *t == '-')
		return jc_fail(j, "expected an unsigned integer");
	if (magnitude(t, n, out) == -1)
		return jc_fail(j, "integer out of range");
	return 0;
}

/* A scalar, or the opening of a container (then depth grows). */
static int
value_start(struct jcur *j)
{
	struct sink s = { NULL, NULL, 0, 0, 0 };
	const char *t;
	size_t n;
	int c, x;

	switch ((c = jc_peek(j))) {
	case '[':
		return jc_begin_array(j);
	case '{':
		return jc_begin_object(j);
	case '"':
		return string(j, &s, &x);
	case 'n':
		return jc_null(j);
	case 't':
	case 'f':
		return jc_bool(j, &x);
	case '0':
		return number_text(j, &t, &n, &x);
	default:
		if (j->failed)
			return -1;
		return jc_fail(j, j->p == j->end ? "unexpected end of input" :
		    "expected a value");
	}
}

/*
 * Skip one value of any shape without recursion: after each scalar or
 * opening, close what has ended and read the next key, until the depth
 * is back where it started.  begin() keeps the depth in bounds.
 */
int
jc_skip(struct jcur *j)
{
	struct sink s = { NULL, NULL, 0, 0, 0 };
	int base = j->depth, r, x;

	if (j->failed)
		return -1;
	do {
		if (value_start(j) == -1)
			return -1;
		while (j->depth > base) {
			if ((r = jc_more(j)) == -1)
				return -1;
			if (r == 0)
				continue;
			if (in_object(j) && (string(j, &s, &x) == -1 ||
			    colon(j) == -1))
				return -1;
			break;
		}
	} while (j->depth > base);
	return 0;
}

int
jc_raw(struct jcur *j, const char **p, size_t *n)
{
	const char *start;

	if (j->failed)
		return -1;
	ws(j);
	start = j->p;
	if (jc_skip(j) == -1)
		return -1;
	*p = start;
	*n = (size_t)(j->p - start);
	return 0;
}

int
jc_end(struct jcur *j)
{
	if (j->failed)
		return -1;
	if (j->depth > 0)
		return jc_fail(j, "unclosed array or object");
	ws(j);
	if (j->p != j->end)
		return jc_fail(j, "trailing characters");
	return 0;
}

int
jc_element(struct jcur *j, const char *what)
{
	int r;

	if ((r = jc_more(j)) == 0)
		return jc_fail(j, what);
	return r == 1 ? 0 : -1;
}

int
jc_closing(struct jcur *j, const char *what)
{
	int r;

	if ((r = jc_more(j)) == 1)
		return jc_fail(j, what);
	return r;
}
