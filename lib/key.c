/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * key.c - the canonical encoding of --by keys and of values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fault.h"
#include "jcur.h"
#include "key.h"
#include "path.h"
#include "record.h"
#include "value.h"

int
key_init(struct keyspec *k, const char *by, struct fields *fl,
    struct fault *f)
{
	int i, n;

	memset(k, 0, sizeof(*k));
	if (by == NULL)
		return 0;
	if ((n = path_parse_list(by, &k->paths, f)) == -1) {
		fault_prefix(f, "--by");
		return -1;
	}
	k->n = n;
	if (n > KEY_PATHS_MAX) {
		key_release(k);
		return fault_set(f, EX_USAGE, "--by: at most %d paths",
		    KEY_PATHS_MAX);
	}
	for (i = 0; i < n; i++)
		if ((k->slots[i] = rec_fields_add(fl, &k->paths[i], f)) == -1) {
			key_release(k);
			return -1;
		}
	return 0;
}

/* --on: "P" or "L=R" pairs, comma separated, into two path lists. */
static int
split_pairs(const char *on, struct buf *l, struct buf *r, struct fault *f)
{
	const char *s = on, *p;
	struct path path;
	struct fault pf;
	size_t used;

	for (;;) {
		if (path_parse_prefix(&path, s, &used, &pf) == -1)
			return fault_set(f, EX_USAGE, "--on %s: %s", on, pf.msg);
		path_release(&path);
		if (l->len > 0) {
			buf_addc(l, ',');
			buf_addc(r, ',');
		}
		buf_add(l, s, used);
		p = s;
		s += used;
		if (*s == '=') {
			p = ++s;
			if (path_parse_prefix(&path, s, &used, &pf) == -1)
				return fault_set(f, EX_USAGE, "--on %s: %s", on,
				    pf.msg);
			path_release(&path);
			s += used;
		}
		buf_add(r, p, used);
		if (*s == '\0')
			return 0;
		if (*s != ',')
			return fault_set(f, EX_USAGE, "--on %s: unexpected "
			    "'%c'", on, *s);
		for (s++; *s == ' '; s++)
			;
	}
}

int
key_init_pairs(struct keyspec *kl, struct keyspec *kr, const char *on,
    struct fields *fl, struct fields *fr, struct fault *f)
{
	struct buf l, r;
	int rc;

	buf_init(&l);
	buf_init(&r);
	rc = split_pairs(on, &l, &r, f);
	if (rc == 0 && (key_init(kl, buf_cstr(&l), fl, f) == -1 ||
	    key_init(kr, buf_cstr(&r), fr, f) == -1)) {
		fault_prefix(f, "--on");
		rc = -1;
	}
	buf_release(&l);
	buf_release(&r);
	return rc;
}

void
key_release(struct keyspec *k)
{
	path_free_list(k->paths, k->n);
	k->paths = NULL;
	k->n = 0;
}

static void
put_be32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	    (unsigned char)v };

	buf_add(b, x, 4);
}

/*
 * A number's 9 bytes: 'i' and the big-endian int64 when it is integral
 * and in range (so 1 and 1.0 are one key), else 'd' and the double's.
 */
static void
canon_number(const struct value *v, char o[9])
{
	uint64_t u;
	int i;

	if (v->isint || (v->d == floor(v->d) && v->d >= -9.2e18 &&
	    v->d <= 9.2e18)) {
		o[0] = 'i';
		u = (uint64_t)(v->isint ? v->i : (int64_t)v->d);
	} else {
		o[0] = 'd';
		memcpy(&u, &v->d, 8);
	}
	for (i = 8; i >= 1; i--, u >>= 8)
		o[i] = (char)u;
}

void
key_encode_string(struct buf *b, const char *s, size_t n)
{
	buf_addc(b, 's');
	put_be32(b, (uint32_t)n);
	buf_add(b, s, n);
}

int
key_encode_raw(struct buf *b, const char *p, size_t n, int esc)
{
	struct value v;

	if (p == NULL || (n == 4 && memcmp(p, "null", 4) == 0)) {
		buf_addc(b, 'n');
		return 0;
	}
	if (n == 4 && memcmp(p, "true", 4) == 0) {
		buf_addc(b, 't');
		return 0;
	}
	if (n == 5 && memcmp(p, "false", 5) == 0) {
		buf_addc(b, 'f');
		return 0;
	}
	if (n >= 2 && p[0] == '"' && p[n - 1] == '"' && !esc) {
		key_encode_string(b, p + 1, n - 2);
		return 0;
	}
	/* A number is read as the parser reads it. */
	if (n > 0 && (*p == '-' || (*p >= '0' && *p <= '9'))) {
		val_number(&v, p, n);
		key_encode_value(b, &v);
		return 0;
	}
	return -1;
}

void
key_encode_value(struct buf *b, const struct value *v)
{
	size_t start;
	uint64_t bits;
	char num[9];

	switch (v->type) {
	case V_MISSING:
	case V_NULL:
		buf_addc(b, 'n');
		break;
	case V_FALSE:
		buf_addc(b, 'f');
		break;
	case V_TRUE:
		buf_addc(b, 't');
		break;
	case V_NUMBER:
		canon_number(v, num);
		buf_add(b, num, 9);
		break;
	case V_STRING:
		key_encode_string(b, v->s, v->slen);
		break;
	case V_ARRAY:
	case V_OBJECT:
		buf_addc(b, 'j');
		start = b->len;
		put_be32(b, 0);
		buf_json_canon(b, v->raw, v->rawlen);
		bits = b->len - start - 4;
		b->data[start] = (char)(bits >> 24);
		b->data[start + 1] = (char)(bits >> 16);
		b->data[start + 2] = (char)(bits >> 8);
		b->data[start + 3] = (char)bits;
		break;
	}
}

void
key_encode(const struct keyspec *k, const struct record *r, struct buf *b)
{
	int i;

	for (i = 0; i < k->n; i++)
		key_encode_value(b, &r->v[k->slots[i]]);
}

const char *
key_encode_nonnull(const struct keyspec *k, const struct record *r,
    struct buf *b)
{
	const struct value *v;
	int i;

	buf_clear(b);
	for (i = 0; i < k->n; i++) {
		v = &r->v[k->slots[i]];
		if (v->type == V_MISSING || v->type == V_NULL)
			return NULL;
		key_encode_value(b, v);
	}
	return b->data;
}

static uint64_t
get_be(const unsigned char *p, int n)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* One value at *off; advances it.  -1 when malformed. */
static int
decode_one(const char *s, size_t n, size_t *off, struct value *v)
{
	const unsigned char *p = (const unsigned char *)s + *off;
	size_t left = n - *off, len;
	uint64_t bits;

	memset(v, 0, sizeof(*v));
	if (left < 1)
		return -1;
	switch (p[0]) {
	case 'n': v->type = V_NULL; *off += 1; return 0;
	case 'f': v->type = V_FALSE; *off += 1; return 0;
	case 't': v->type = V_TRUE; *off += 1; return 0;
	case 'i':
	case 'd':
		if (left < 9)
			return -1;
		bits = get_be(p + 1, 8);
		v->type = V_NUMBER;
		if (p[0] == 'i') {
			v->isint = 1;
			v->i = (int64_t)bits;
			v->d = (double)v->i;
		} else {
			memcpy(&v->d, &bits, 8);
		}
		*off += 9;
		return 0;
	case 's':
	case 'j':
		if (left < 5)
			return -1;
		len = (size_t)get_be(p + 1, 4);
		if (len > left - 5)
			return -1;
		if (p[0] == 's') {
			v->type = V_STRING;
			v->s = s + *off + 5;
			v->slen = len;
		} else {
			v->type = len > 0 && p[5] == '[' ? V_ARRAY : V_OBJECT;
			v->raw = s + *off + 5;
			v->rawlen = len;
		}
		*off += 5 + len;
		return 0;
	default:
		return -1;
	}
}

int
key_decode(const char *s, size_t n, int i, struct value *v)
{
	size_t off = 0;
	int k;

	for (k = 0; k <= i; k++)
		if (decode_one(s, n, &off, v) == -1)
			return -1;
	return 0;
}

int
key_valid(const char *s, size_t n, int count)
{
	struct value v;
	size_t off = 0;
	int k;

	for (k = 0; k < count; k++)
		if (decode_one(s, n, &off, &v) == -1)
			return 0;
	return off == n;
}

void
key_write_fields(const struct keyspec *k, const char *s, size_t n,
    struct buf *b)
{
	struct value v;
	const char *name;
	size_t off = 0, nlen;
	int i;

	for (i = 0; i < k->n; i++) {
		if (decode_one(s, n, &off, &v) == -1)
			v.type = V_NULL;
		path_name(&k->paths[i], &name, &nlen);
		buf_json_keyn(b, name, nlen);
		if (v.type == V_NUMBER)
			v.raw = NULL;
		val_write_json(b, &v);
	}
}

int
key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	struct value x, y;
	size_t ao = 0, bo = 0;
	int c;

	while (ao < an && bo < bn) {
		if (decode_one(a, an, &ao, &x) == -1 ||
		    decode_one(b, bn, &bo, &y) == -1)
			break;
		if ((c = val_cmp(&x, &y)) != 0)
			return c;
	}
	return (ao < an) - (bo < bn);
}

/* --- one value's canonical bytes, alone --- */

/*
 * Scalars are encoded here, on the caller's stack, by the rules of
 * key_encode_value() (numbers by the same canon_number(); test_agg.c
 * checks the two agree); strings too long for tmp and containers (which
 * need compacting) go through it.
 */
void
key_canon(const struct value *v, char *tmp, struct buf *heap,
    const char **out, size_t *n)
{
	*out = tmp;
	switch (v->type) {
	case V_MISSING:
	case V_NULL:
		tmp[0] = 'n';
		*n = 1;
		return;
	case V_FALSE:
	case V_TRUE:
		tmp[0] = v->type == V_TRUE ? 't' : 'f';
		*n = 1;
		return;
	case V_NUMBER:
		canon_number(v, tmp);
		*n = 9;
		return;
	case V_STRING:
		if (v->slen + 5 > KEY_CANON_TMP)
			break;
		tmp[0] = 's';
		tmp[1] = (char)(v->slen >> 24);
		tmp[2] = (char)(v->slen >> 16);
		tmp[3] = (char)(v->slen >> 8);
		tmp[4] = (char)v->slen;
		if (v->slen > 0)
			memcpy(tmp + 5, v->s, v->slen);
		*n = v->slen + 5;
		return;
	default:
		break;
	}
	buf_clear(heap);
	key_encode_value(heap, v);
	*out = heap->data;
	*n = heap->len;
}

size_t
key_canon_len(const char *p, size_t avail)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t n;

	if (avail < 1)
		return 0;
	switch (p[0]) {
	case 'n':
	case 'f':
	case 't':
		return 1;
	case 'i':
	case 'd':
		return avail >= 9 ? 9 : 0;
	case 's':
	case 'j':
		if (avail < 5)
			return 0;
		n = (size_t)u[1] << 24 | (size_t)u[2] << 16 |
		    (size_t)u[3] << 8 | u[4];
		return n <= avail - 5 ? n + 5 : 0;
	default:
		return 0;
	}
}

void
key_canon_json(struct buf *b, const char *p, size_t n)
{
	struct value v;

	if (key_decode(p, n, 0, &v) == -1) {
		buf_adds(b, "null");
		return;
	}
	if (v.type == V_NUMBER && !v.isint && !isfinite(v.d))
		buf_adds(b, v.d < 0 ? "-1e999" : "1e999");
	else
		val_write_json(b, &v);
}

int
key_canon_read(struct jcur *j, struct buf *out, struct buf *scratch)
{
	struct value v;
	int x;

	memset(&v, 0, sizeof(v));
	switch (jc_peek(j)) {
	case 'n':
		v.type = V_NULL;
		if (jc_null(j) == -1)
			return -1;
		break;
	case 't':
	case 'f':
		if (jc_bool(j, &x) == -1)
			return -1;
		v.type = x ? V_TRUE : V_FALSE;
		break;
	case '0':
		if (jc_number(j, &v) == -1)
			return -1;
		break;
	case '"':
		if (jc_string(j, scratch) == -1)
			return -1;
		v.type = V_STRING;
		v.s = scratch->data;
		v.slen = scratch->len;
		break;
	case '[':
	case '{':
		v.type = jc_peek(j) == '[' ? V_ARRAY : V_OBJECT;
		if (jc_raw(j, &v.raw, &v.rawlen) == -1)
			return -1;
		break;
	default:
		return jc_fail(j, "expected a value");
	}
	buf_clear(out);
	key_encode_value(out, &v);
	return 0;
}
