/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * value.c - numbers, ordering and output of extracted values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "buf.h"
#include "value.h"
#include "xmalloc.h"

static const double pow10tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/*
 * Integers are read exactly when they fit int64.  Decimals with at most
 * 15 significant digits and a small exponent are exact in a double
 * (Clinger's fast path: both the mantissa and the power of ten are
 * exact, and one IEEE division or multiplication rounds correctly); the
 * rest goes to strtod.
 */
void
val_number(struct value *v, const char *t, size_t n)
{
	const char *p = t, *e = t + n;
	uint64_t m = 0;
	int neg = 0, digits = 0, frac = 0, exact = 1;
	char tmp[64];

	v->type = V_NUMBER;
	v->raw = t;
	v->rawlen = n;
	v->isint = 0;
	if (p < e && *p == '-') {
		neg = 1;
		p++;
	}
	for (; p < e && *p >= '0' && *p <= '9'; p++, digits++) {
		if (m > (UINT64_MAX - 9) / 10)
			exact = 0;
		else
			m = m * 10 + (uint64_t)(*p - '0');
	}
	if (p == e && exact) {
		if (!neg && m <= (uint64_t)INT64_MAX) {
			v->isint = 1;
			v->i = (int64_t)m;
			v->d = (double)m;
			return;
		}
		if (neg && m <= (uint64_t)INT64_MAX + 1) {
			v->isint = 1;
			v->i = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
			    -(int64_t)m;
			v->d = -(double)m;
			return;
		}
	}
	if (p < e && *p == '.') {
		for (p++; p < e && *p >= '0' && *p <= '9'; p++, frac++) {
			if (m > (UINT64_MAX - 9) / 10)
				exact = 0;
			else
				m = m * 10 + (uint64_t)(*p - '0');
		}
	}
	if (p == e && exact && m < ((uint64_t)1 << 53) && frac <= 22 &&
	    digits + frac <= 19) {
		v->d = (double)m / pow10tab[frac];
		if (neg)
			v->d = -v->d;
		return;
	}
	if (n >= sizeof(tmp)) {
		char *heap = xstrndup(t, n);

		v->d = strtod(heap, NULL);
		free(heap);
		return;
	}
	memcpy(tmp, t, n);
	tmp[n] = '\0';
	v->d = strtod(tmp, NULL);
}

static int
type_rank(enum vtype t)
{
	return t == V_MISSING ? V_NULL : (int)t;
}

static int
bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c < 0 ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

static int
num_cmp(const struct value *a, const struct value *b)
{
	if (a->isint && b->isint)
		return a->i < b->i ? -1 : a->i > b->i;
	if (a->d < b->d)
		return -1;
	if (a->d > b->d)
		return 1;
	if (isnan(a->d) || isnan(b->d))
		return isnan(a->d) - isnan(b->d);
	return 0;
}

static int
compact_cmp(const struct value *a, const struct value *b)
{
	struct buf x, y;
	int c;

	buf_init(&x);
	buf_init(&y);
	buf_json_canon(&x, a->raw, a->rawlen);
	buf_json_canon(&y, b->raw, b->rawlen);
	c = bytes_cmp(x.data, x.len, y.data, y.len);
	buf_release(&x);
	buf_release(&y);
	return c;
}

int
val_cmp(const struct value *a, const struct value *b)
{
	int ra = type_rank(a->type), rb = type_rank(b->type);

	if (ra != rb)
		return ra < rb ? -1 : 1;
	switch (a->type) {
	case V_NUMBER:
		return num_cmp(a, b);
	case V_STRING:
		return bytes_cmp(a->s, a->slen, b->s, b->slen);
	case V_ARRAY:
	case V_OBJECT:
		return compact_cmp(a, b);
	default:
		return 0;
	}
}

/*
 * Objects are equal whatever the order of their keys, as in jq; jansson
 * compares the trees, with every number read as a double so that 2 and
 * 2.0 are equal inside them too.  Text it cannot read falls back to
 * comparing the compact texts.
 */
static int
container_equal(const struct value *a, const struct value *b)
{
	json_t *x, *y;
	int eq;

	x = json_loadb(a->raw, a->rawlen, JSON_DECODE_ANY |
	    JSON_DECODE_INT_AS_REAL, NULL);
	y = json_loadb(b->raw, b->rawlen, JSON_DECODE_ANY |
	    JSON_DECODE_INT_AS_REAL, NULL);
	if (x == NULL || y == NULL)
		eq = compact_cmp(a, b) == 0;
	else
		eq = json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return eq;
}

int
val_equal(const struct value *a, const struct value *b)
{
	if (type_rank(a->type) != type_rank(b->type))
		return 0;
	if (a->type == V_STRING)
		return a->slen == b->slen && memcmp(a->s, b->s, a->slen) == 0;
	if ((a->type == V_OBJECT || a->type == V_ARRAY) && a->raw != NULL &&
	    b->raw != NULL)
		return container_equal(a, b);
	return val_cmp(a, b) == 0;
}

int
val_truthy(const struct value *v)
{
	return v->type != V_MISSING && v->type != V_NULL && v->type != V_FALSE;
}

void
val_write_json(struct buf *b, const struct value *v)
{
	switch (v->type) {
	case V_MISSING:
	case V_NULL:
		buf_adds(b, "null");
		break;
	case V_FALSE:
		buf_adds(b, "false");
		break;
	case V_TRUE:
		buf_adds(b, "true");
		break;
	case V_STRING:
		buf_json_str(b, v->s, v->slen);
		break;
	case V_NUMBER:
		if (v->raw != NULL)
			buf_add(b, v->raw, v->rawlen);
		else if (v->isint)
			buf_json_i64(b, v->i);
		else
			buf_json_dbl(b, v->d);
		break;
	case V_ARRAY:
	case V_OBJECT:
		buf_json_canon(b, v->raw, v->rawlen);
		break;
	}
}

const char *
val_type_name(enum vtype t)
{
	static const char *names[] = { "missing", "null", "boolean",
	    "boolean", "number", "string", "array", "object" };

	return names[t];
}
