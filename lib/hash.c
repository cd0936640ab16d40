/*
 * hash.c - XXH64 (Yann Collet's algorithm) and key encoding.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fault.h"
#include "hash.h"
#include "path.h"
#include "record.h"

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static inline uint64_t
rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t
rd64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint32_t
rd32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline uint64_t
round64(uint64_t acc, uint64_t in)
{
	acc += in * P2;
	return rotl(acc, 31) * P1;
}

static inline uint64_t
merge64(uint64_t acc, uint64_t v)
{
	acc ^= round64(0, v);
	return acc * P1 + P4;
}

uint64_t
xxh64(const void *data, size_t len, uint64_t seed)
{
	const unsigned char *p = data, *end = p + len;
	uint64_t h;

	if (len >= 32) {
		uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed,
		    v4 = seed - P1;

		do {
			v1 = round64(v1, rd64(p));
			v2 = round64(v2, rd64(p + 8));
			v3 = round64(v3, rd64(p + 16));
			v4 = round64(v4, rd64(p + 24));
			p += 32;
		} while (end - p >= 32);
		h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
		h = merge64(h, v1);
		h = merge64(h, v2);
		h = merge64(h, v3);
		h = merge64(h, v4);
	} else {
		h = seed + P5;
	}
	h += (uint64_t)len;
	for (; end - p >= 8; p += 8) {
		h ^= round64(0, rd64(p));
		h = rotl(h, 27) * P1 + P4;
	}
	if (end - p >= 4) {
		h ^= (uint64_t)rd32(p) * P1;
		h = rotl(h, 23) * P2 + P3;
		p += 4;
	}
	for (; p < end; p++) {
		h ^= (uint64_t)*p * P5;
		h = rotl(h, 11) * P1;
	}
	h ^= h >> 33;
	h *= P2;
	h ^= h >> 29;
	h *= P3;
	h ^= h >> 32;
	return h;
}

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

void
key_release(struct keyspec *k)
{
	path_free_list(k->paths, k->n);
	k->paths = NULL;
	k->n = 0;
}

static void
put_be64(struct buf *b, uint64_t v)
{
	unsigned char x[8];
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		x[i] = (unsigned char)v;
	buf_add(b, x, 8);
}

static void
put_be32(struct buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)(v >> 24),
	    (unsigned char)(v >> 16), (unsigned char)(v >> 8),
	    (unsigned char)v };

	buf_add(b, x, 4);
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
		if (v->isint || (v->d == floor(v->d) && v->d >= -9.2e18 &&
		    v->d <= 9.2e18)) {
			buf_addc(b, 'i');
			put_be64(b, (uint64_t)(v->isint ? v->i : (int64_t)v->d));
		} else {
			buf_addc(b, 'd');
			memcpy(&bits, &v->d, 8);
			put_be64(b, bits);
		}
		break;
	case V_STRING:
		key_encode_string(b, v->s, v->slen);
		break;
	case V_ARRAY:
	case V_OBJECT:
		buf_addc(b, 'j');
		start = b->len;
		put_be32(b, 0);
		buf_json_compact(b, v->raw, v->rawlen);
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
