/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_hash.c - unit tests for lib/hash.c: XXH64 and --by key encoding.
 *
 * The XXH64 vectors are the published ones for seed 0 ("" EF46DB37
 * 51D8E999, "a" D24EC4F1A98C6E5B, "abc" 44BC2CF5AD770999, "Nobody
 * inspects the spammish repetition" FBCEA83C8A378BF1); the others, and
 * the seed 1 column, were computed with the reference implementation
 * (python3-xxhash over libxxhash 0.8), not with lib/hash.c.  Encoded keys
 * are written out byte by byte from the format in hash.h (1.5 is the
 * IEEE double 3FF8000000000000, -2.5 is C004000000000000, 0.1 is
 * 3FB999999999999A).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "arena.h"
#include "buf.h"
#include "check.h"
#include "fault.h"
#include "hash.h"
#include "key.h"
#include "path.h"
#include "record.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_xxh64(void)
{
	static const struct {
		const char	*in;
		uint64_t	 seed0, seed1;
	} v[] = {
		{ "", UINT64_C(0xEF46DB3751D8E999),
		    UINT64_C(0xD5AFBA1336A3BE4B) },
		{ "a", UINT64_C(0xD24EC4F1A98C6E5B),
		    UINT64_C(0xDEC2BC81C3CD46C6) },
		{ "abc", UINT64_C(0x44BC2CF5AD770999),
		    UINT64_C(0xBEA9CA8199328908) },
		{ "abcdefgh", UINT64_C(0x3AD351775B4634B7),
		    UINT64_C(0x8305125710212A61) },
		{ "abcdefghijkl", UINT64_C(0x4B09B7D3A233D4B3),
		    UINT64_C(0x0864D2AA7E89BD8B) },
		{ "0123456789abcdef0123456789abcdef",
		    UINT64_C(0x642A94958E71E6C5),
		    UINT64_C(0x048B8B580878A4A4) },
		{ "Nobody inspects the spammish repetition",
		    UINT64_C(0xFBCEA83C8A378BF1),
		    UINT64_C(0x43F425448D954DB6) },
		{ "0123456789abcdef0123456789abcdef0123456789abcdefX",
		    UINT64_C(0x3C6DD0B57C9773E4),
		    UINT64_C(0xE04F096F83F777BA) },
	};
	char buf[128];
	size_t i, n, off;

	for (i = 0; i < NELEM(v); i++) {
		n = strlen(v[i].in);
		CHECK_INT_EQ((long long)hash_xxh64(v[i].in, n, 0),
		    (long long)v[i].seed0);
		CHECK_INT_EQ((long long)hash_xxh64(v[i].in, n, 1),
		    (long long)v[i].seed1);
		CHECK_INT_EQ((long long)hash_bytes(v[i].in, n),
		    (long long)v[i].seed0);
		/* Unaligned copies hash the same. */
		for (off = 1; off < 8; off += 3) {
			memcpy(buf + off, v[i].in, n);
			CHECK_INT_EQ((long long)hash_xxh64(buf + off, n, 0),
			    (long long)v[i].seed0);
		}
	}
}

/* --- keys from records --- */

struct kh {
	struct fields	*fl;
	struct arena	*ar;
	struct parser	*ps;
	struct keyspec	 k;
};

static int
kh_open(struct kh *h, const char *by)
{
	struct fault f;

	memset(h, 0, sizeof(*h));
	h->fl = rec_fields_new();
	h->ar = arena_new();
	fault_clear(&f);
	if (key_init(&h->k, by, h->fl, &f) == -1) {
		fprintf(stderr, "key_init(%s): %s\n", by, f.msg);
		check_failures++;
		return -1;
	}
	h->ps = rec_parser_new(h->fl, h->ar, &f);
	return 0;
}

static void
kh_close(struct kh *h)
{
	rec_parser_free(h->ps);
	key_release(&h->k);
	rec_fields_free(h->fl);
	arena_free(h->ar);
}

/* The encoded key of line into b (cleared first); -1 on a bad line. */
static int
kh_key(struct kh *h, const char *line, struct buf *b)
{
	struct record rec;
	struct fault f;

	buf_clear(b);
	arena_reset(h->ar);
	if (rec_parse(h->ps, line, strlen(line), &rec, &f) == -1) {
		fprintf(stderr, "rec_parse(%s): %s\n", line, f.msg);
		return -1;
	}
	key_encode(&h->k, &rec, b);
	return 0;
}

static void
expect_bytes(const char *what, const struct buf *b, const char *want,
    size_t n)
{
	size_t i;

	check_count++;
	if (b->len == n && memcmp(b->data, want, n) == 0)
		return;
	check_failures++;
	fprintf(stderr, "%s: got", what);
	for (i = 0; i < b->len; i++)
		fprintf(stderr, " %02X", (unsigned char)b->data[i]);
	fprintf(stderr, "; want");
	for (i = 0; i < n; i++)
		fprintf(stderr, " %02X", (unsigned char)want[i]);
	fprintf(stderr, "\n");
}


/* key_encode_raw: where it answers, the parser's encoding. */
static void
test_encode_raw(void)
{
	static const struct { const char *v; int ok; } cases[] = {
		{ "\"auth\"", 1 }, { "\"\"", 1 }, { "\"caf\xc3\xa9\"", 1 },
		{ "null", 1 }, { "true", 1 }, { "false", 1 },
		{ "0", 1 }, { "-0", 1 }, { "7", 1 }, { "-42", 1 },
		{ "9223372036854775807", 1 }, { "-9223372036854775808", 1 },
		{ "9223372036854775808", 1 }, { "-9223372036854775809", 1 },
		{ "18446744073709551616", 1 }, { "1.0", 1 }, { "1e3", 1 },
		{ "-1.5e-7", 1 }, { "12345678901234567890123", 1 },
		{ "\"a\\u0062\"", 0 }, { "[1]", 0 }, { "{}", 0 },
	};
	struct kh h;
	struct buf want, got;
	char line[128];
	size_t i, n;
	int esc;

	if (kh_open(&h, ".k") == -1)
		return;
	buf_init(&want);
	buf_init(&got);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(line, sizeof(line), "{\"k\":%s}", cases[i].v);
		CHECK(kh_key(&h, line, &want) == 0);
		n = strlen(cases[i].v);
		esc = memchr(cases[i].v, '\\', n) != NULL;
		buf_clear(&got);
		CHECK_INT_EQ(key_encode_raw(&got, cases[i].v, n, esc) == 0,
		    cases[i].ok);
		if (cases[i].ok)
			expect_bytes(cases[i].v, &got, want.data, want.len);
	}
	/* Missing is null. */
	CHECK(kh_key(&h, "{\"j\":1}", &want) == 0);
	buf_clear(&got);
	CHECK_INT_EQ(key_encode_raw(&got, NULL, 0, 0), 0);
	expect_bytes("missing", &got, want.data, want.len);
	buf_release(&want);
	buf_release(&got);
	kh_close(&h);
}

static void
test_encode(void)
{
	static const struct {
		const char	*x;	/* JSON text of .x; NULL: missing */
		const char	*want;
		size_t		 n;
	} c[] = {
		{ "null", "n", 1 },
		{ NULL, "n", 1 },
		{ "false", "f", 1 },
		{ "true", "t", 1 },
		{ "1", "i\0\0\0\0\0\0\0\1", 9 },
		{ "1.0", "i\0\0\0\0\0\0\0\1", 9 },
		{ "1e0", "i\0\0\0\0\0\0\0\1", 9 },
		{ "10e-1", "i\0\0\0\0\0\0\0\1", 9 },
		{ "0.1e1", "i\0\0\0\0\0\0\0\1", 9 },
		{ "0", "i\0\0\0\0\0\0\0\0", 9 },
		{ "-0", "i\0\0\0\0\0\0\0\0", 9 },
		{ "-0.0", "i\0\0\0\0\0\0\0\0", 9 },
		{ "1e3", "i\0\0\0\0\0\0\x03\xe8", 9 },
		{ "1000", "i\0\0\0\0\0\0\x03\xe8", 9 },
		{ "-1", "i\xff\xff\xff\xff\xff\xff\xff\xff", 9 },
		{ "9223372036854775807", "i\x7f\xff\xff\xff\xff\xff\xff\xff",
		    9 },
		{ "-9223372036854775808", "i\x80\0\0\0\0\0\0\0", 9 },
		{ "1.5", "d\x3f\xf8\0\0\0\0\0\0", 9 },
		{ "-2.5", "d\xc0\x04\0\0\0\0\0\0", 9 },
		{ "0.1", "d\x3f\xb9\x99\x99\x99\x99\x99\x9a", 9 },
		{ "\"ab\"", "s\0\0\0\2ab", 7 },
		{ "\"a\\u0062\"", "s\0\0\0\2ab", 7 },
		{ "\"\"", "s\0\0\0\0", 5 },
		{ "\"\\u00e9\"", "s\0\0\0\2\xc3\xa9", 7 },
		{ "[1, 2]", "j\0\0\0\5[1,2]", 10 },
		{ "{ \"a\" : 1 }", "j\0\0\0\7{\"a\":1}", 12 },
		{ "[]", "j\0\0\0\2[]", 7 },
	};
	struct kh h;
	struct buf b;
	char line[256];
	size_t i;

	if (kh_open(&h, ".x") == -1)
		return;
	buf_init(&b);
	for (i = 0; i < NELEM(c); i++) {
		if (c[i].x != NULL)
			snprintf(line, sizeof(line), "{\"y\":0,\"x\":%s}",
			    c[i].x);
		else
			snprintf(line, sizeof(line), "{\"y\":0}");
		if (kh_key(&h, line, &b) == -1) {
			CHECK(0);
			continue;
		}
		expect_bytes(line, &b, c[i].want, c[i].n);
	}
	kh_close(&h);

	/* Two paths: the encodings one after the other. */
	if (kh_open(&h, ".a,.b.c") == -1)
		return;
	CHECK_INT_EQ(h.k.n, 2);
	kh_key(&h, "{\"b\":{\"c\":\"z\"},\"a\":2}", &b);
	expect_bytes("two paths", &b, "i\0\0\0\0\0\0\0\2s\0\0\0\1z", 15);
	kh_key(&h, "{\"b\":{}}", &b);
	expect_bytes("two missing", &b, "nn", 2);
	kh_close(&h);

	/* No --by: the empty key. */
	if (kh_open(&h, NULL) == -1)
		return;
	CHECK_INT_EQ(h.k.n, 0);
	kh_key(&h, "{\"a\":1}", &b);
	CHECK_INT_EQ(b.len, 0);
	kh_close(&h);
	buf_release(&b);
}

static void
test_key_init_errors(void)
{
	struct keyspec k;
	struct fields *fl = rec_fields_new();
	struct fault f;
	char by[512];
	int i;

	fault_clear(&f);
	CHECK_INT_EQ(key_init(&k, "a", fl, &f), -1);
	CHECK_INT_EQ(f.code, EX_USAGE);
	CHECK_INT_EQ(key_init(&k, ".a,", fl, &f), -1);
	by[0] = '\0';
	for (i = 0; i < KEY_PATHS_MAX; i++)
		snprintf(by + strlen(by), sizeof(by) - strlen(by), "%s.k%d",
		    i > 0 ? "," : "", i);
	CHECK_INT_EQ(key_init(&k, by, fl, &f), 0);
	CHECK_INT_EQ(k.n, KEY_PATHS_MAX);
	key_release(&k);
	strcat(by, ",.one_more");
	fault_clear(&f);
	CHECK_INT_EQ(key_init(&k, by, fl, &f), -1);
	CHECK_INT_EQ(f.code, EX_USAGE);
	rec_fields_free(fl);
}

/* --- decoding, validity, order --- */

static void
test_decode(void)
{
	static const char key[] = "nft" "i\xff\xff\xff\xff\xff\xff\xff\xfe"
	    "d\x3f\xf8\0\0\0\0\0\0" "s\0\0\0\3abc" "j\0\0\0\5[1,2]"
	    "j\0\0\0\7{\"a\":1}" "s\0\0\0\0";
	size_t n = sizeof(key) - 1;
	struct value v;

	CHECK_INT_EQ(key_valid(key, n, 9), 1);
	CHECK_INT_EQ(key_valid(key, n, 8), 0);
	CHECK_INT_EQ(key_valid(key, n, 10), 0);
	CHECK_INT_EQ(key_decode(key, n, 0, &v), 0);
	CHECK_INT_EQ(v.type, V_NULL);
	CHECK_INT_EQ(key_decode(key, n, 1, &v), 0);
	CHECK_INT_EQ(v.type, V_FALSE);
	CHECK_INT_EQ(key_decode(key, n, 2, &v), 0);
	CHECK_INT_EQ(v.type, V_TRUE);
	CHECK_INT_EQ(key_decode(key, n, 3, &v), 0);
	CHECK_INT_EQ(v.type, V_NUMBER);
	CHECK_INT_EQ(v.isint, 1);
	CHECK_INT_EQ(v.i, -2);
	CHECK_DBL_NEAR(v.d, -2.0, 0);
	CHECK_INT_EQ(key_decode(key, n, 4, &v), 0);
	CHECK_INT_EQ(v.type, V_NUMBER);
	CHECK_INT_EQ(v.isint, 0);
	CHECK_DBL_NEAR(v.d, 1.5, 0);
	CHECK_INT_EQ(key_decode(key, n, 5, &v), 0);
	CHECK_INT_EQ(v.type, V_STRING);
	CHECK_INT_EQ(v.slen, 3);
	CHECK(v.s != NULL && memcmp(v.s, "abc", 3) == 0);
	CHECK_INT_EQ(key_decode(key, n, 6, &v), 0);
	CHECK_INT_EQ(v.type, V_ARRAY);
	CHECK(v.rawlen == 5 && memcmp(v.raw, "[1,2]", 5) == 0);
	CHECK_INT_EQ(key_decode(key, n, 7, &v), 0);
	CHECK_INT_EQ(v.type, V_OBJECT);
	CHECK(v.rawlen == 7 && memcmp(v.raw, "{\"a\":1}", 7) == 0);
	CHECK_INT_EQ(key_decode(key, n, 8, &v), 0);
	CHECK_INT_EQ(v.type, V_STRING);
	CHECK_INT_EQ(v.slen, 0);
	CHECK_INT_EQ(key_decode(key, n, 9, &v), -1);

	/* Malformed: unknown tags, short numbers, lengths past the end. */
	CHECK_INT_EQ(key_decode("", 0, 0, &v), -1);
	CHECK_INT_EQ(key_decode("x", 1, 0, &v), -1);
	CHECK_INT_EQ(key_decode("i\0\0\0", 4, 0, &v), -1);
	CHECK_INT_EQ(key_decode("d\0\0\0\0\0\0\0", 8, 0, &v), -1);
	CHECK_INT_EQ(key_decode("s\0\0\0\5ab", 7, 0, &v), -1);
	CHECK_INT_EQ(key_decode("s\0\0", 3, 0, &v), -1);
	CHECK_INT_EQ(key_decode("s\xff\xff\xff\xff" "ab", 7, 0, &v), -1);
	CHECK_INT_EQ(key_decode("j\0\0\0\3[1", 7, 0, &v), -1);
	CHECK_INT_EQ(key_valid("", 0, 0), 1);
	CHECK_INT_EQ(key_valid("n", 1, 1), 1);
	CHECK_INT_EQ(key_valid("nn", 2, 1), 0);
	CHECK_INT_EQ(key_valid("n", 1, 2), 0);
	CHECK_INT_EQ(key_valid("q", 1, 1), 0);
	CHECK_INT_EQ(key_valid("i\0\0\0\0\0\0\0", 8, 1), 0);
	CHECK_INT_EQ(key_valid("i\0\0\0\0\0\0\0\0", 9, 1), 1);
	CHECK_INT_EQ(key_valid("s\0\0\0\2ab", 7, 1), 1);
	CHECK_INT_EQ(key_valid("s\0\0\0\2abc", 8, 1), 0);
	CHECK_INT_EQ(key_valid("s\0\0\0\3ab", 7, 1), 0);
}

/* Encode then decode: the same values come back. */
static void
test_roundtrip(void)
{
	static const char *const vals[] = {
		"null", "true", "false", "0", "-1", "42", "1.25", "-1e-300",
		"9223372036854775807", "-9223372036854775808", "\"\"",
		"\"hello\"", "\"\xc3\xa9\\n\"", "[1,[2,3]]", "{\"k\":[true]}",
	};
	struct kh h;
	struct buf b, all, out;
	struct value v;
	char line[256];
	size_t i;

	if (kh_open(&h, ".x") == -1)
		return;
	buf_init(&b);
	buf_init(&all);
	buf_init(&out);
	for (i = 0; i < NELEM(vals); i++) {
		snprintf(line, sizeof(line), "{\"x\":%s}", vals[i]);
		if (kh_key(&h, line, &b) == -1) {
			CHECK(0);
			continue;
		}
		buf_add(&all, b.data, b.len);
		CHECK_INT_EQ(key_valid(b.data, b.len, 1), 1);
		CHECK_INT_EQ(key_decode(b.data, b.len, 0, &v), 0);
		/* Written back as JSON, it is the value, compact. */
		buf_clear(&out);
		if (v.type == V_NUMBER)
			v.raw = NULL;
		val_write_json(&out, &v);
		buf_cstr(&out);
		check_count++;
		if (strcmp(out.data, vals[i]) != 0 &&
		    !(strcmp(vals[i], "-1e-300") == 0 &&
		    strtod(out.data, NULL) == -1e-300)) {
			check_failures++;
			fprintf(stderr, "round trip of %s gave %s\n", vals[i],
			    out.data);
		}
	}
	/* The concatenation holds them all, in order. */
	CHECK_INT_EQ(key_valid(all.data, all.len, (int)NELEM(vals)), 1);
	CHECK_INT_EQ(key_decode(all.data, all.len, 6, &v), 0);
	CHECK(v.type == V_NUMBER && v.isint == 0 && v.d == 1.25);
	CHECK_INT_EQ(key_decode(all.data, all.len, 11, &v), 0);
	CHECK(v.type == V_STRING && v.slen == 5 &&
	    memcmp(v.s, "hello", 5) == 0);
	buf_release(&b);
	buf_release(&all);
	buf_release(&out);
	kh_close(&h);
}

static int
sign(int c)
{
	return c < 0 ? -1 : c > 0;
}

/* Keys in ascending order, each from a {"x":...} line. */
static void
test_cmp(void)
{
	static const char *const asc[] = {
		"null", "false", "true", "-1e300", "-5", "-1.5", "0", "0.5",
		"1", "1.5", "2", "1e300", "\"\"", "\"A\"", "\"Z\"", "\"a\"",
		"\"ab\"", "\"b\"", "\"\\u00e9\"", "[1]", "{\"a\":1}",
	};
	struct kh h;
	struct buf k[NELEM(asc)];
	char line[128];
	size_t i, j;

	if (kh_open(&h, ".x") == -1)
		return;
	for (i = 0; i < NELEM(asc); i++) {
		buf_init(&k[i]);
		snprintf(line, sizeof(line), "{\"x\":%s}", asc[i]);
		kh_key(&h, line, &k[i]);
	}
	for (i = 0; i < NELEM(asc); i++)
		for (j = 0; j < NELEM(asc); j++) {
			int want = i < j ? -1 : i > j;
			int got = sign(key_cmp(k[i].data, k[i].len,
			    k[j].data, k[j].len));

			check_count++;
			if (got != want) {
				check_failures++;
				fprintf(stderr, "key_cmp(%s, %s) == %d, want "
				    "%d\n", asc[i], asc[j], got, want);
			}
		}
	for (i = 0; i < NELEM(asc); i++)
		buf_release(&k[i]);
	kh_close(&h);

	/* Tuples compare value by value; equal encodings are equal. */
	if (kh_open(&h, ".a,.b") == -1)
		return;
	{
		static const char *const t[] = {
			"{\"a\":null,\"b\":9}", "{\"a\":\"a\",\"b\":1}",
			"{\"a\":\"a\",\"b\":2}", "{\"a\":\"b\",\"b\":0}",
			"{\"a\":\"b\",\"b\":\"0\"}",
		};
		struct buf x, y, z;

		buf_init(&x);
		buf_init(&y);
		for (i = 0; i + 1 < NELEM(t); i++) {
			kh_key(&h, t[i], &x);
			kh_key(&h, t[i + 1], &y);
			CHECK(key_cmp(x.data, x.len, y.data, y.len) < 0);
			CHECK(key_cmp(y.data, y.len, x.data, x.len) > 0);
		}
		kh_key(&h, "{\"a\":1,\"b\":2}", &x);
		kh_key(&h, "{\"b\":2.0,\"a\":1e0}", &y);
		CHECK_INT_EQ(key_cmp(x.data, x.len, y.data, y.len), 0);
		CHECK(x.len == y.len && memcmp(x.data, y.data, x.len) == 0);
		/* missing and null: the same key */
		buf_init(&z);
		kh_key(&h, "{\"b\":1}", &x);
		kh_key(&h, "{\"a\":null,\"b\":1}", &z);
		CHECK_INT_EQ(key_cmp(x.data, x.len, z.data, z.len), 0);
		CHECK(x.len == z.len && memcmp(x.data, z.data, x.len) == 0);
		buf_release(&x);
		buf_release(&y);
		buf_release(&z);
	}
	kh_close(&h);
}

static void
test_write_fields(void)
{
	struct kh h;
	struct buf k, out;

	if (kh_open(&h, ".a,.req.service,.[\"x.y\"],.arr[0]") == -1)
		return;
	buf_init(&k);
	buf_init(&out);
	kh_key(&h, "{\"a\":1.0,\"req\":{\"service\":\"api\"},\"x.y\":1.5,"
	    "\"arr\":[true]}", &k);
	buf_addc(&out, '{');
	key_write_fields(&h.k, k.data, k.len, &out);
	buf_addc(&out, '}');
	CHECK_STR_EQ(buf_cstr(&out), "{\"a\":1,\"service\":\"api\","
	    "\"x.y\":1.5,\"arr\":true}");
	kh_key(&h, "{}", &k);
	buf_clear(&out);
	buf_addc(&out, '{');
	key_write_fields(&h.k, k.data, k.len, &out);
	buf_addc(&out, '}');
	CHECK_STR_EQ(buf_cstr(&out), "{\"a\":null,\"service\":null,"
	    "\"x.y\":null,\"arr\":null}");
	buf_release(&k);
	buf_release(&out);
	kh_close(&h);
}

int
main(void)
{
	test_xxh64();
	test_encode();
	test_encode_raw();
	test_key_init_errors();
	test_decode();
	test_roundtrip();
	test_cmp();
	test_write_fields();
	return check_done("test_hash");
}
