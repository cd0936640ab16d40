/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_record.c - unit tests for lib/record.c: validation and extraction.
 *
 * Expectations come from RFC 8259 (JSON: only space, tab, CR and LF are
 * white space; one value), RFC 3629 (UTF-8: no overlongs, no surrogates,
 * nothing above U+10FFFF), SPEC 1 and 8 (records are objects, nesting at
 * most 1000 with the record itself depth 1) and record.h / value.h (what
 * a value holds: raw JSON text, decoded string bytes, numbers as text,
 * double and, when exact, int64).  Duplicate keys follow jq: the last
 * one wins, whole.  Decoded bytes are written out from the Unicode
 * tables.  Every bad line is followed by a good one on the same parser.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "arena.h"
#include "check.h"
#include "fault.h"
#include "path.h"
#include "record.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define PATHS_MAX	64

struct rh {
	struct fields	*fl;
	struct arena	*ar;
	struct parser	*ps;
	const char	*names[PATHS_MAX];
	int		 slots[PATHS_MAX];
	int		 n;
	struct record	 rec;
	struct fault	 f;
};

static int
rh_open(struct rh *h, const char *const *paths)
{
	struct path p;
	struct fault f;

	memset(h, 0, sizeof(*h));
	h->fl = rec_fields_new();
	h->ar = arena_new();
	for (; *paths != NULL && h->n < PATHS_MAX; paths++) {
		if (path_parse(&p, *paths, &f) == -1) {
			fprintf(stderr, "path %s: %s\n", *paths, f.msg);
			check_failures++;
			return -1;
		}
		h->names[h->n] = *paths;
		h->slots[h->n++] = rec_fields_add(h->fl, &p, &f);
		path_release(&p);
	}
	h->ps = rec_parser_new(h->fl, h->ar, &f);
	return h->ps == NULL ? -1 : 0;
}

static void
rh_close(struct rh *h)
{
	rec_parser_free(h->ps);
	rec_fields_free(h->fl);
	arena_free(h->ar);
}

static int
rh_parse_n(struct rh *h, const char *line, size_t len)
{
	arena_reset(h->ar);
	fault_clear(&h->f);
	return rec_parse(h->ps, line, len, &h->rec, &h->f);
}

static int
rh_parse(struct rh *h, const char *line)
{
	return rh_parse_n(h, line, strlen(line));
}

static const struct value *
rh_get(struct rh *h, const char *path)
{
	static const struct value none;
	int i;

	for (i = 0; i < h->n; i++)
		if (strcmp(h->names[i], path) == 0)
			return &h->rec.v[h->slots[i]];
	fprintf(stderr, "test bug: path %s not registered\n", path);
	return &none;
}

static void
expect_type(struct rh *h, const char *path, enum vtype t)
{
	const struct value *v = rh_get(h, path);

	check_count++;
	if (v->type != t) {
		check_failures++;
		fprintf(stderr, "%s: type %s (%d), want %s (%d)\n", path,
		    val_type_name(v->type), v->type, val_type_name(t), t);
	}
}

static void
expect_raw(struct rh *h, const char *path, const char *raw)
{
	const struct value *v = rh_get(h, path);

	check_count++;
	if (v->raw == NULL || v->rawlen != strlen(raw) ||
	    memcmp(v->raw, raw, v->rawlen) != 0) {
		check_failures++;
		fprintf(stderr, "%s: raw \"%.*s\", want \"%s\"\n", path,
		    v->raw != NULL ? (int)v->rawlen : 6,
		    v->raw != NULL ? v->raw : "(null)", raw);
	}
}

static void
expect_str(struct rh *h, const char *path, const char *s, size_t n)
{
	const struct value *v = rh_get(h, path);

	check_count++;
	if (v->type != V_STRING || v->slen != n || (n > 0 &&
	    (v->s == NULL || memcmp(v->s, s, n) != 0))) {
		check_failures++;
		fprintf(stderr, "%s: string of %zu bytes \"%.*s\", want %zu "
		    "bytes\n", path, v->slen, v->s != NULL ? (int)v->slen : 0,
		    v->s != NULL ? v->s : "", n);
	}
}

static void
expect_int(struct rh *h, const char *path, int64_t i)
{
	const struct value *v = rh_get(h, path);

	check_count++;
	if (v->type != V_NUMBER || !v->isint || v->i != i ||
	    v->d != (double)i) {
		check_failures++;
		fprintf(stderr, "%s: number isint %d i %lld d %.17g, want int "
		    "%lld\n", path, v->isint, (long long)v->i, v->d,
		    (long long)i);
	}
}

/* A number that is not an int64: isint 0 and the double. */
static void
expect_dbl(struct rh *h, const char *path, double d)
{
	const struct value *v = rh_get(h, path);

	check_count++;
	if (v->type != V_NUMBER || v->isint || v->d != d) {
		check_failures++;
		fprintf(stderr, "%s: number isint %d d %.17g, want double "
		    "%.17g\n", path, v->isint, v->d, d);
	}
}

/* --- extraction --- */

static void
test_values(void)
{
	static const char *const paths[] = {
		".s", ".e", ".n", ".neg", ".f", ".z", ".zf", ".big", ".over",
		".min", ".under", ".exp", ".t", ".fa", ".nu", ".arr", ".obj",
		".ea", ".eo", ".arr[0]", ".arr[1][1]", ".arr[2].x",
		".obj.b.c[0]", ".missing", ".arr[5]", ".s.x", ".obj.a.b",
		".obj[0]", ".arr.x", ".[\"k.y\"]", ".ab", ".q1", ".q2", ".q3",
		".sur1", ".sur2", ".sur3", ".pair", ".raw8", ".e1", ".nf",
		NULL
	};
	static const char line[] = "{\"s\":\"hi\","
	    "\"e\":\"a\\\"b\\n\\u00e9\","
	    "\"n\":42,\"neg\":-7,\"f\":1.5,\"z\":-0,\"zf\":-0.0,"
	    "\"big\":9223372036854775807,\"over\":9223372036854775808,"
	    "\"min\":-9223372036854775808,\"under\":-9223372036854775809,"
	    "\"exp\":1e3,\"e1\":2.5E-1,\"nf\":12345678.125,"
	    "\"t\":true,\"fa\":false,\"nu\":null,"
	    "\"arr\": [1, [2,3] , {\"x\":4}] ,"
	    "\"obj\":{ \"a\" : 1,\"b\":{\"c\":[true]}},"
	    "\"ea\":[],\"eo\":{ },\"k.y\":\"dot\",\"a\\u0062\":\"esc key\","
	    "\"q1\":\"q\\\\\",\"q2\":\"\\\"\",\"q3\":\"\\\\\\\\\","
	    "\"sur1\":\"\\ud800\",\"sur2\":\"\\ud800\\u0041\","
	    "\"sur3\":\"\\udc00x\",\"pair\":\"\\ud83d\\ude00\","
	    "\"raw8\":\"\xc3\xa9\xe2\x82\xac\"}";
	struct rh h;
	const struct value *v;

	if (rh_open(&h, paths) == -1)
		return;
	CHECK_INT_EQ(rh_parse(&h, line), 0);
	if (h.f.code != 0)
		fprintf(stderr, "test_values: %s\n", h.f.msg);
	CHECK(h.rec.p == line);
	CHECK_INT_EQ(h.rec.len, strlen(line));
	CHECK_INT_EQ(h.rec.kind, REC_EVENT);
	CHECK_INT_EQ(h.rec.nv, rec_fields_count(h.fl));

	expect_str(&h, ".s", "hi", 2);
	expect_raw(&h, ".s", "\"hi\"");
	expect_str(&h, ".e", "a\"b\n\xc3\xa9", 6);
	expect_raw(&h, ".e", "\"a\\\"b\\n\\u00e9\"");
	expect_int(&h, ".n", 42);
	expect_raw(&h, ".n", "42");
	expect_int(&h, ".neg", -7);
	expect_dbl(&h, ".f", 1.5);
	expect_raw(&h, ".f", "1.5");
	/* -0: zero, whichever way it is held; its text is kept. */
	v = rh_get(&h, ".z");
	CHECK(v->type == V_NUMBER && v->d == 0 && (!v->isint || v->i == 0));
	expect_raw(&h, ".z", "-0");
	v = rh_get(&h, ".zf");
	CHECK(v->type == V_NUMBER && v->d == 0 && (!v->isint || v->i == 0));
	expect_raw(&h, ".zf", "-0.0");
	expect_int(&h, ".big", INT64_MAX);
	expect_dbl(&h, ".over", 9223372036854775808.0);
	expect_raw(&h, ".over", "9223372036854775808");
	expect_int(&h, ".min", INT64_MIN);
	expect_dbl(&h, ".under", -9223372036854775808.0);
	/* 1e3 is 1000 exactly; as an int64 too, if it is given as one. */
	v = rh_get(&h, ".exp");
	CHECK(v->type == V_NUMBER && v->d == 1000.0 &&
	    (!v->isint || v->i == 1000));
	expect_raw(&h, ".exp", "1e3");
	v = rh_get(&h, ".e1");
	CHECK(v->type == V_NUMBER && v->d == 0.25 && !v->isint);
	v = rh_get(&h, ".nf");
	CHECK(v->type == V_NUMBER && v->d == 12345678.125 && !v->isint);
	expect_type(&h, ".t", V_TRUE);
	expect_raw(&h, ".t", "true");
	expect_type(&h, ".fa", V_FALSE);
	expect_raw(&h, ".fa", "false");
	expect_type(&h, ".nu", V_NULL);
	expect_raw(&h, ".nu", "null");

	expect_type(&h, ".arr", V_ARRAY);
	expect_raw(&h, ".arr", "[1, [2,3] , {\"x\":4}]");
	CHECK_INT_EQ(rh_get(&h, ".arr")->nchildren, 3);
	expect_type(&h, ".obj", V_OBJECT);
	expect_raw(&h, ".obj", "{ \"a\" : 1,\"b\":{\"c\":[true]}}");
	CHECK_INT_EQ(rh_get(&h, ".obj")->nchildren, 2);
	expect_type(&h, ".ea", V_ARRAY);
	expect_raw(&h, ".ea", "[]");
	CHECK_INT_EQ(rh_get(&h, ".ea")->nchildren, 0);
	expect_type(&h, ".eo", V_OBJECT);
	expect_raw(&h, ".eo", "{ }");
	CHECK_INT_EQ(rh_get(&h, ".eo")->nchildren, 0);
	expect_int(&h, ".arr[0]", 1);
	expect_int(&h, ".arr[1][1]", 3);
	expect_int(&h, ".arr[2].x", 4);
	expect_type(&h, ".obj.b.c[0]", V_TRUE);

	expect_type(&h, ".missing", V_MISSING);
	expect_type(&h, ".arr[5]", V_MISSING);
	expect_type(&h, ".s.x", V_MISSING);
	expect_type(&h, ".obj.a.b", V_MISSING);
	expect_type(&h, ".obj[0]", V_MISSING);
	expect_type(&h, ".arr.x", V_MISSING);

	expect_str(&h, ".[\"k.y\"]", "dot", 3);
	expect_str(&h, ".ab", "esc key", 7);
	expect_str(&h, ".q1", "q\\", 2);
	expect_raw(&h, ".q1", "\"q\\\\\"");
	expect_str(&h, ".q2", "\"", 1);
	expect_raw(&h, ".q2", "\"\\\"\"");
	expect_str(&h, ".q3", "\\\\", 2);
	expect_raw(&h, ".q3", "\"\\\\\\\\\"");
	/* Lone surrogates: U+FFFD, as path.c decodes them. */
	expect_str(&h, ".sur1", "\xef\xbf\xbd", 3);
	expect_str(&h, ".sur2", "\xef\xbf\xbd" "A", 4);
	expect_str(&h, ".sur3", "\xef\xbf\xbdx", 4);
	expect_str(&h, ".pair", "\xf0\x9f\x98\x80", 4);
	expect_str(&h, ".raw8", "\xc3\xa9\xe2\x82\xac", 5);

	/* The next line replaces every value; absent ones are missing. */
	CHECK_INT_EQ(rh_parse(&h, "{\"n\":\"now a string\"}"), 0);
	expect_str(&h, ".n", "now a string", 12);
	expect_type(&h, ".s", V_MISSING);
	expect_type(&h, ".arr", V_MISSING);
	expect_type(&h, ".arr[0]", V_MISSING);
	rh_close(&h);
}

static void
test_root_and_slots(void)
{
	static const char *const paths[] = { ".", ".a", ".[\"a\"]", NULL };
	struct fields *fl;
	struct path p, q;
	struct fault f;
	struct rh h;
	int s1, s2;

	fl = rec_fields_new();
	CHECK_INT_EQ(rec_fields_count(fl), 3);
	path_parse(&p, ".x.y", &f);
	path_parse(&q, ".[\"x\"].\"y\"", &f);
	s1 = rec_fields_add(fl, &p, &f);
	s2 = rec_fields_add(fl, &q, &f);
	CHECK_INT_EQ(s1, 3);
	CHECK_INT_EQ(s2, 3);
	CHECK_INT_EQ(rec_fields_count(fl), 4);
	path_release(&p);
	path_release(&q);
	path_parse(&p, ".\"@watermark\"", &f);
	CHECK_INT_EQ(rec_fields_add(fl, &p, &f), REC_SLOT_WATERMARK);
	path_release(&p);
	rec_fields_free(fl);

	if (rh_open(&h, paths) == -1)
		return;
	CHECK_INT_EQ(h.slots[1], h.slots[2]);
	CHECK_INT_EQ(rh_parse(&h, " {\"a\": 1, \"b\": [2]}  "), 0);
	expect_type(&h, ".", V_OBJECT);
	expect_raw(&h, ".", "{\"a\": 1, \"b\": [2]}");
	CHECK_INT_EQ(rh_get(&h, ".")->nchildren, 2);
	expect_int(&h, ".a", 1);
	rh_close(&h);
}

/* Duplicate keys: the last value wins, whole, as in jq. */
static void
test_duplicates(void)
{
	static const char *const paths[] = { ".a", ".a.b", ".a.c", ".a[0]",
	    ".a[1]", NULL };
	struct rh h;

	if (rh_open(&h, paths) == -1)
		return;
	CHECK_INT_EQ(rh_parse(&h, "{\"a\":1,\"a\":2}"), 0);
	expect_int(&h, ".a", 2);
	CHECK_INT_EQ(rh_parse(&h, "{\"a\":{\"b\":1},\"a\":{\"c\":2}}"), 0);
	expect_raw(&h, ".a", "{\"c\":2}");
	expect_int(&h, ".a.c", 2);
	expect_type(&h, ".a.b", V_MISSING);
	CHECK_INT_EQ(rh_parse(&h, "{\"a\":{\"b\":1},\"a\":3}"), 0);
	expect_int(&h, ".a", 3);
	expect_type(&h, ".a.b", V_MISSING);
	CHECK_INT_EQ(rh_parse(&h, "{\"a\":[1,2],\"a\":[3]}"), 0);
	expect_int(&h, ".a[0]", 3);
	expect_type(&h, ".a[1]", V_MISSING);
	CHECK_INT_EQ(rh_get(&h, ".a")->nchildren, 1);
	CHECK_INT_EQ(rh_parse(&h, "{\"a\":1,\"a\":2,\"a\":{\"b\":1},"
	    "\"a\":[3]}"), 0);
	expect_type(&h, ".a", V_ARRAY);
	expect_int(&h, ".a[0]", 3);
	expect_type(&h, ".a.b", V_MISSING);
	rh_close(&h);
}

/* Keys are compared decoded: escapes in the line or in the path. */
static void
test_keys(void)
{
	static const char *const paths[] = { ".[\"\xc3\xa9\"]",
	    ".[\"\\u00e9x\"]", ".[\"a b\"].c", ".[\"\"]", NULL };
	struct rh h;

	if (rh_open(&h, paths) == -1)
		return;
	CHECK_INT_EQ(rh_parse(&h, "{\"\\u00e9\":1,\"\xc3\xa9x\":2,"
	    "\"a\\u0020b\":{\"c\":3},\"\":4}"), 0);
	expect_int(&h, ".[\"\xc3\xa9\"]", 1);
	expect_int(&h, ".[\"\\u00e9x\"]", 2);
	expect_int(&h, ".[\"a b\"].c", 3);
	expect_int(&h, ".[\"\"]", 4);
	rh_close(&h);
}

static void
test_kinds(void)
{
	static const struct {
		const char	*line;
		enum rec_kind	 kind;
	} c[] = {
		{ "{\"@watermark\":\"2024-11-12T10:00:05.000Z\"}",
		    REC_WATERMARK },
		{ " { \"@watermark\" : 5 } ", REC_WATERMARK },
		{ "{\"@watermark\":null}", REC_WATERMARK },
		{ "{\"@partial\":{\"a\":[1,2]}}", REC_PARTIAL },
		{ "{\"@watermark\":1,\"x\":2}", REC_EVENT },
		{ "{\"x\":2,\"@watermark\":1}", REC_EVENT },
		{ "{\"@watermark\":1,\"@partial\":2}", REC_EVENT },
		{ "{\"@watermark\":1,\"@from\":[0,4]}", REC_WATERMARK },
		{ "{\"@from\":[0,4],\"@watermark\":1}", REC_WATERMARK },
		{ "{\"@from\":[0,4]}", REC_EVENT },
		{ "{\"@partial\":{},\"@from\":[0,4]}", REC_EVENT },
		{ "{\"@watermark\":1,\"@from\":[0,4],\"x\":1}", REC_EVENT },
		{ "{\"@partial\":{},\"ts\":1}", REC_EVENT },
		{ "{}", REC_EVENT },
		{ "{\"a\":{\"@watermark\":1}}", REC_EVENT },
		{ "{\"@watermarks\":1}", REC_EVENT },
		{ "{\"watermark\":1}", REC_EVENT },
		{ "{\"a\":1}", REC_EVENT },
	};
	static const char *const paths[] = { ".a", NULL };
	struct rh h;
	size_t i;

	if (rh_open(&h, paths) == -1)
		return;
	for (i = 0; i < NELEM(c); i++) {
		check_count++;
		if (rh_parse(&h, c[i].line) != 0 || h.rec.kind != c[i].kind) {
			check_failures++;
			fprintf(stderr, "kind of %s: %d (%s), want %d\n",
			    c[i].line, h.rec.kind, h.f.msg, c[i].kind);
		}
	}
	CHECK_INT_EQ(rh_parse(&h, c[0].line), 0);
	CHECK_INT_EQ(h.rec.v[REC_SLOT_WATERMARK].type, V_STRING);
	CHECK_INT_EQ(h.rec.v[REC_SLOT_WATERMARK].slen, 24);
	CHECK_INT_EQ(rh_parse(&h, c[3].line), 0);
	CHECK_INT_EQ(h.rec.v[REC_SLOT_PARTIAL].type, V_OBJECT);
	rh_close(&h);
}

/* --- bad records --- */

static void
expect_bad(struct rh *h, const char *line, size_t len, const char *reason)
{
	int rc = rh_parse_n(h, line, len);

	check_count++;
	if (rc != -1 || h->f.code != EX_DATAERR ||
	    (reason != NULL && strstr(h->f.msg, reason) == NULL)) {
		check_failures++;
		fprintf(stderr, "bad line \"%.*s\": rc %d code %d msg \"%s\", "
		    "want EX_DATAERR \"%s\"\n", (int)(len < 60 ? len : 60),
		    line, rc, h->f.code, h->f.msg, reason ? reason : "");
	}
	/* The parser goes on with the next line. */
	check_count++;
	if (rh_parse(h, "{\"a\":7,\"b\":[1,{\"c\":\"x\"}]}") != 0 ||
	    h->rec.v[h->slots[0]].type != V_NUMBER ||
	    h->rec.v[h->slots[0]].i != 7 ||
	    h->rec.v[h->slots[1]].type != V_STRING) {
		check_failures++;
		fprintf(stderr, "after \"%.*s\": the next line failed: %s\n",
		    (int)(len < 60 ? len : 60), line, h->f.msg);
	}
}

static void
test_bad(void)
{
	static const struct {
		const char	*line;
		const char	*reason;
	} c[] = {
		{ "[1]", "not an object" },
		{ "[]", "not an object" },
		{ "[{\"a\":1}]", "not an object" },
		{ "\"s\"", "not an object" },
		{ "5", "not an object" },
		{ "-1.5", "not an object" },
		{ "null", "not an object" },
		{ "true", "not an object" },
		{ "false", "not an object" },
		{ "{} x", NULL },
		{ "{\"a\":1}}", NULL },
		{ "{}{}", "trailing" },
		{ "{} {}", "trailing" },
		{ "{\"a\":1} 5", "trailing" },
		{ "{\"a\":1} [", NULL },
		{ "{\"a\":1", NULL },
		{ "{\"a\":", NULL },
		{ "{\"a", NULL },
		{ "{", NULL },
		{ "}", NULL },
		{ "{\"a\":[1,2}", NULL },
		{ "{\"a\":\"\xc0\x80\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xc1\xbf\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xe0\x80\x80\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xed\xa0\x80\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xed\xbf\xbf\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xf0\x80\x80\x80\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xf4\x90\x80\x80\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xf5\x80\x80\x80\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xff\"}", "invalid UTF-8" },
		{ "{\"a\":\"\x80\"}", "invalid UTF-8" },
		{ "{\"a\":\"\xc3\"}", "invalid UTF-8" },
		{ "{\"\xe9\":1}", "invalid UTF-8" },
		{ "{\"a\":\f1}", NULL },
		{ "{\"a\":\v1}", NULL },
		{ "\f{\"a\":1}", NULL },
		{ "{\"a\":\"x\fy\"}", NULL },
		{ "{\"a\":\"x\x01y\"}", NULL },
		{ "{\"a\":\"x\ty\"}", NULL },
		{ "{\"a\":1,}", NULL },
		{ "{,\"a\":1}", NULL },
		{ "{'a':1}", NULL },
		{ "{a:1}", NULL },
		{ "{\"a\" 1}", NULL },
		{ "{\"a\":01}", NULL },
		{ "{\"a\":1.}", NULL },
		{ "{\"a\":.5}", NULL },
		{ "{\"a\":+1}", NULL },
		{ "{\"a\":NaN}", NULL },
		{ "{\"a\":Infinity}", NULL },
		{ "{\"a\":tru}", NULL },
		{ "{\"a\":True}", NULL },
		{ "{\"a\":\"\\x\"}", NULL },
		{ "{\"a\":\"\\u12\"}", NULL },
		{ "{\"a\":\"\\u12g4\"}", NULL },
		{ "{\"a\":\"abc}", NULL },
		{ "{\"a\":1 /* c */}", NULL },
		{ "{\"a\":\xc2\xa0" "1}", NULL },
		{ "", NULL },
		{ "   ", NULL },
	};
	static const char *const paths[] = { ".a", ".b[1].c", NULL };
	static const char nul_after[] = "{\"a\":1}\0";
	static const char nul_in[] = "{\"a\":\"x\0y\"}";
	struct rh h;
	size_t i;

	if (rh_open(&h, paths) == -1)
		return;
	for (i = 0; i < NELEM(c); i++)
		expect_bad(&h, c[i].line, strlen(c[i].line), c[i].reason);
	expect_bad(&h, nul_after, sizeof(nul_after) - 1, NULL);
	expect_bad(&h, nul_in, sizeof(nul_in) - 1, NULL);
	/* White space that JSON allows around the object and inside. */
	CHECK_INT_EQ(rh_parse(&h, "\t{ \"a\" :\r\n7 }\r"), 0);
	expect_int(&h, ".a", 7);
	rh_close(&h);
}

/* Nesting: the record is depth 1; 1000 is allowed, 1001 is not. */
static char *
nested(int depth, int objects)
{
	size_t n = (size_t)depth * 8 + 16, o = 0;
	char *s = malloc(n);
	int i;

	if (s == NULL)
		return NULL;
	/* The record, then depth - 1 more levels under "a". */
	memcpy(s + o, "{\"a\":", 5);
	o += 5;
	for (i = 1; i < depth; i++) {
		if (objects && i < depth - 1) {
			memcpy(s + o, "{\"a\":", 5);
			o += 5;
		} else if (objects) {
			memcpy(s + o, "{}", 2);
			o += 2;
		} else {
			s[o++] = '[';
		}
	}
	if (depth == 1) {
		s[o++] = '1';
	} else if (!objects) {
		for (i = 1; i < depth; i++)
			s[o++] = ']';
	} else {
		for (i = 1; i < depth - 1; i++)
			s[o++] = '}';
	}
	s[o++] = '}';
	s[o] = '\0';
	return s;
}

static void
test_depth(void)
{
	static const char *const paths[] = { ".a", ".b[1].c", NULL };
	struct rh h;
	char *s;
	int objects;

	if (rh_open(&h, paths) == -1)
		return;
	for (objects = 0; objects <= 1; objects++) {
		s = nested(REC_DEPTH_MAX, objects);
		check_count++;
		if (rh_parse(&h, s) != 0) {
			check_failures++;
			fprintf(stderr, "depth %d (%s): %s\n", REC_DEPTH_MAX,
			    objects ? "objects" : "arrays", h.f.msg);
		}
		expect_type(&h, ".a", objects ? V_OBJECT : V_ARRAY);
		free(s);
		s = nested(REC_DEPTH_MAX + 1, objects);
		expect_bad(&h, s, strlen(s), "nesting");
		free(s);
		s = nested(5000, objects);
		expect_bad(&h, s, strlen(s), NULL);
		free(s);
	}
	s = nested(2, 0);
	CHECK_STR_EQ(s, "{\"a\":[]}");
	free(s);
	s = nested(3, 1);
	CHECK_STR_EQ(s, "{\"a\":{\"a\":{}}}");
	free(s);
	rh_close(&h);
}

/* A long line, and many lines on one parser. */
static void
test_long(void)
{
	static const char *const paths[] = { ".a", ".s", NULL };
	size_t n = 3 * 1024 * 1024;
	struct rh h;
	char *s, line[64];
	int i, bad = 0;

	if (rh_open(&h, paths) == -1 || (s = malloc(n + 32)) == NULL)
		return;
	memcpy(s, "{\"s\":\"", 6);
	memset(s + 6, 'x', n);
	memcpy(s + 6 + n, "\",\"a\":1}", 9);
	CHECK_INT_EQ(rh_parse(&h, s), 0);
	CHECK_INT_EQ(rh_get(&h, ".s")->slen, n);
	expect_int(&h, ".a", 1);
	free(s);
	for (i = 0; i < 10000; i++) {
		snprintf(line, sizeof(line), "{\"a\":%d,\"s\":\"v\\n%d\"}", i,
		    i);
		if (rh_parse(&h, line) != 0 || rh_get(&h, ".a")->i != i ||
		    rh_get(&h, ".s")->slen < 3)
			bad++;
	}
	CHECK_INT_EQ(bad, 0);
	rh_close(&h);
}

static void
test_utf8(void)
{
	static const struct {
		const char	*s;
		size_t		 bad;
	} c[] = {
		{ "", 0 }, { "abc", 0 }, { "\xc3\xa9", 0 }, { "\xc2\x80", 0 },
		{ "\xdf\xbf", 0 }, { "\xe0\xa0\x80", 0 }, { "\xe2\x82\xac", 0 },
		{ "\xed\x9f\xbf", 0 }, { "\xee\x80\x80", 0 },
		{ "\xef\xbf\xbd", 0 }, { "\xef\xbb\xbf", 0 },
		{ "\xf0\x90\x80\x80", 0 }, { "\xf0\x9f\x98\x80", 0 },
		{ "\xf4\x8f\xbf\xbf", 0 }, { "a\tb\x01\x7f", 0 },
		{ "\xc0\x80", 1 }, { "\xc1\xbf", 1 }, { "a\xc0\x80", 2 },
		{ "\xe0\x80\x80", 1 }, { "\xe0\x9f\xbf", 1 },
		{ "\xed\xa0\x80", 1 }, { "\xed\xbf\xbf", 1 },
		{ "\xf0\x80\x80\x80", 1 }, { "\xf0\x8f\xbf\xbf", 1 },
		{ "\xf4\x90\x80\x80", 1 }, { "\xf5\x80\x80\x80", 1 },
		{ "\xf8\x88\x80\x80\x80", 1 }, { "\xfe", 1 }, { "\xff", 1 },
		{ "\x80", 1 }, { "\xbf", 1 }, { "\xc3", 1 }, { "\xe2\x82", 1 },
		{ "\xf0\x9f\x98", 1 }, { "\xc3\x41", 1 }, { "\xe2\x28\xa1", 1 },
		{ "\xe2\x82\x28", 1 }, { "\xf0\x9f\x28\x80", 1 },
		{ "\xf0\x9f\x98\x28", 1 }, { "ab\xc3\xa9\xff", 5 },
		{ "abcdefgh\xc3", 9 }, { "abcdefghij\xff", 11 },
		{ "abcdefgh\xc3\xa9ijklmnop\xed\xa0\x80", 19 },
	};
	char buf[128];
	size_t i, k;
	int bad = 0;

	for (i = 0; i < NELEM(c); i++) {
		size_t got = utf8_check(c[i].s, strlen(c[i].s));

		check_count++;
		if (got != c[i].bad) {
			check_failures++;
			fprintf(stderr, "utf8_check(case %zu) == %zu, want "
			    "%zu\n", i, got, c[i].bad);
		}
	}
	/* A bad byte at every offset of a long ASCII run. */
	for (k = 0; k < 100; k++) {
		memset(buf, 'a', 100);
		buf[k] = (char)0xff;
		if (utf8_check(buf, 100) != k + 1)
			bad++;
		buf[k] = 'a';
		if (k + 2 <= 100) {
			buf[k] = (char)0xc3;
			buf[k + 1] = (char)0xa9;
			if (utf8_check(buf, 100) != 0)
				bad++;
		}
	}
	CHECK_INT_EQ(bad, 0);
	/* Only n bytes are looked at. */
	CHECK_INT_EQ(utf8_check("\xc3\xa9", 1), 1);
	CHECK_INT_EQ(utf8_check("ab\xff", 2), 0);
	CHECK_INT_EQ(utf8_check("\0", 1), 0);
	/* Whole 16- and 8-byte blocks up to n, then a bad byte past it. */
	{
		char blk[64];
		size_t m;

		for (m = 8; m <= 48; m += 8) {
			memset(blk, 'x', sizeof(blk));
			blk[m] = (char)0xff;
			CHECK_INT_EQ(utf8_check(blk, m), 0);
			CHECK_INT_EQ(utf8_check(blk, m + 1), m + 1);
		}
	}
}

/* rec_scan_top: spans of top-level keys, read without a parse. */
static void
scan_one(const char *line, int want, const char *a, const char *b, int besc)
{
	static const char *const names[] = { "a", "b" };
	static const size_t lens[] = { 1, 1 };
	struct rec_span sp[2];
	int r = rec_scan_top(line, strlen(line), names, lens, 2, sp);

	CHECK_INT_EQ(r, want);
	if (r != 0 || want != 0)
		return;
	if (a == NULL)
		CHECK(sp[0].p == NULL);
	else
		CHECK(sp[0].p != NULL && sp[0].n == strlen(a) &&
		    memcmp(sp[0].p, a, sp[0].n) == 0);
	if (b == NULL)
		CHECK(sp[1].p == NULL);
	else
		CHECK(sp[1].p != NULL && sp[1].n == strlen(b) &&
		    memcmp(sp[1].p, b, sp[1].n) == 0);
	if (b != NULL)
		CHECK_INT_EQ(sp[1].esc, besc);
}

static void
test_scan_top(void)
{
	scan_one("{\"a\":1,\"b\":\"x\"}", 0, "1", "\"x\"", 0);
	scan_one("{}", 0, NULL, NULL, 0);
	scan_one(" { \"b\" : \"x y\" , \"a\" : -2.5e3 } \r", 0, "-2.5e3",
	    "\"x y\"", 0);
	/* The last of a repeated key, as the parser takes it. */
	scan_one("{\"a\":1,\"a\":2}", 0, "2", NULL, 0);
	/* Nested values are passed over, strings in them too. */
	scan_one("{\"c\":{\"a\":\"}\",\"d\":[1,{\"b\":2}]},\"b\":true}", 0,
	    NULL, "true", 0);
	scan_one("{\"a\":[\"]\",\"\\\"\"],\"b\":null}", 0, "[\"]\",\"\\\"\"]",
	    "null", 0);
	/* Escapes: in a value, flagged; an escaped quote does not end it. */
	scan_one("{\"b\":\"q\\\"r\\\\\"}", 0, NULL, "\"q\\\"r\\\\\"", 1);
	scan_one("{\"b\":\"0123456789abcdef\\\\\"}", 0, NULL,
	    "\"0123456789abcdef\\\\\"", 1);
	scan_one("{\"b\":\"0123456789abcdef0123456789\"}", 0, NULL,
	    "\"0123456789abcdef0123456789\"", 0);
	/* What the scan leaves to the parser. */
	scan_one("{\"a\\u0062\":1}", -1, NULL, NULL, 0);
	scan_one("{\"@watermark\":1}", -1, NULL, NULL, 0);
	scan_one("[1]", -1, NULL, NULL, 0);
	scan_one("{\"a\":1", -1, NULL, NULL, 0);
	scan_one("{\"a\":\"x}", -1, NULL, NULL, 0);
	scan_one("{\"a\":}", -1, NULL, NULL, 0);
	scan_one("{\"a\":1}x", -1, NULL, NULL, 0);
	scan_one("{\"a\":1,}", -1, NULL, NULL, 0);
	scan_one("{\"a\":{\"b\":1}", -1, NULL, NULL, 0);
	scan_one("{\"a\":1]", -1, NULL, NULL, 0);
	scan_one("", -1, NULL, NULL, 0);
	/* A string whose last byte is a lone backslash never ends. */
	scan_one("{\"a\":\"\\", -1, NULL, NULL, 0);
}

int
main(void)
{
	test_values();
	test_root_and_slots();
	test_duplicates();
	test_keys();
	test_kinds();
	test_bad();
	test_depth();
	test_long();
	test_utf8();
	test_scan_top();
	return check_done("test_record");
}
