/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_jcur.c - unit tests for lib/jcur.c.
 *
 * Expected values are written out by hand from RFC 8259 and RFC 3629
 * (the UTF-8 bytes of U+00E9 and U+1F600 are c3 a9 and f0 9f 98 80).
 * Inputs are copied into heap blocks of exactly their length, with no
 * terminating NUL, so that under SANITIZE=1 any read past the end is
 * caught; the truncation and mutation loops rely on that.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "check.h"
#include "fault.h"
#include "jcur.h"
#include "value.h"

/* An exact-size heap copy of s, so that overreads are caught. */
struct doc {
	char	*p;
	size_t	 n;
};

static struct doc
doc_of(const char *s, size_t n)
{
	struct doc d;

	d.p = malloc(n > 0 ? n : 1);
	d.n = n;
	memcpy(d.p, s, n);
	return d;
}

static void
open_doc(struct jcur *j, struct doc *d, const char *s, struct fault *f)
{
	*d = doc_of(s, strlen(s));
	fault_clear(f);
	jc_init(j, d->p, d->n, f);
}

static void
expect_fail(const char *fn, const char *in, int rc, const struct fault *f,
    const char *reason)
{
	check_count++;
	if (rc == -1 && f->code == EX_DATAERR &&
	    strstr(f->msg, reason) != NULL)
		return;
	check_failures++;
	fprintf(stderr, "%s(%s): rc %d code %d msg \"%s\", want \"%s\"\n", fn,
	    in, rc, f->code, f->msg, reason);
}

/*
 * Walk any document as a decoder would, with the typed calls, checking
 * nothing but success; depth comes from the cursor itself.
 */
static int
walk(struct jcur *j, struct buf *b)
{
	struct value v;
	const char *k;
	size_t n;
	int x, r;

	switch (jc_peek(j)) {
	case '[':
	case '{':
		x = jc_peek(j) == '{';
		if ((x ? jc_begin_object(j) : jc_begin_array(j)) == -1)
			return -1;
		while ((r = jc_more(j)) == 1)
			if ((x && jc_key(j, &k, &n) == -1) || walk(j, b) == -1)
				return -1;
		return r;
	case '"':
		return jc_string(j, b);
	case 'n':
		return jc_null(j);
	case 't':
	case 'f':
		return jc_bool(j, &x);
	case '0':
		return jc_number(j, &v);
	default:
		return jc_fail(j, "expected a value");
	}
}

static int
walk_all(const char *s, size_t n, struct fault *f)
{
	struct doc d = doc_of(s, n);
	struct jcur j;
	struct buf b;
	int rc;

	buf_init(&b);
	fault_clear(f);
	jc_init(&j, d.p, d.n, f);
	rc = walk(&j, &b) == -1 ? -1 : jc_end(&j);
	buf_release(&b);
	free(d.p);
	return rc;
}

static int
skip_all(const char *s, size_t n, struct fault *f)
{
	struct doc d = doc_of(s, n);
	struct jcur j;
	int rc;

	fault_clear(f);
	jc_init(&j, d.p, d.n, f);
	rc = jc_skip(&j) == -1 ? -1 : jc_end(&j);
	free(d.p);
	return rc;
}

static void
test_types(void)
{
	struct jcur j;
	struct doc d;
	struct fault f;
	struct value v;
	struct buf b;
	const char *k;
	size_t n;
	int64_t i;
	uint64_t u;
	double x;
	int t;

	buf_init(&b);
	open_doc(&j, &d, " {\"a\" : [ 1 , -2.5e3,true,false,null,\"x\\n\"],"
	    "\"b\":{}, \"c\":18446744073709551615 } ", &f);
	CHECK(jc_peek(&j) == '{');
	CHECK_INT_EQ(jc_begin_object(&j), 0);
	CHECK_INT_EQ(jc_more(&j), 1);
	CHECK_INT_EQ(jc_key(&j, &k, &n), 0);
	CHECK(n == 1 && k[0] == 'a');
	CHECK(jc_peek(&j) == '[');
	CHECK_INT_EQ(jc_begin_array(&j), 0);
	CHECK_INT_EQ(jc_more(&j), 1);
	CHECK(jc_peek(&j) == '0');
	CHECK_INT_EQ(jc_int(&j, &i), 0);
	CHECK_INT_EQ(i, 1);
	CHECK_INT_EQ(jc_more(&j), 1);
	CHECK_INT_EQ(jc_number(&j, &v), 0);
	CHECK(v.type == V_NUMBER && !v.isint && v.d == -2500.0);
	CHECK(v.rawlen == 6 && memcmp(v.raw, "-2.5e3", 6) == 0);
	CHECK_INT_EQ(jc_more(&j), 1);
	CHECK(jc_peek(&j) == 't');
	CHECK_INT_EQ(jc_bool(&j, &t), 0);
	CHECK_INT_EQ(t, 1);
	CHECK_INT_EQ(jc_more(&j), 1);
	CHECK(jc_peek(&j) == 'f');
	CHECK_INT_EQ(jc_bool(&j, &t), 0);
	CHECK_INT_EQ(t, 0);
	CHECK_INT_EQ(jc_more(&j), 1);
	CHECK(jc_peek(&j) == 'n');
	CHECK_INT_EQ(jc_double(&j, &x), 0);
	CHECK(x != x);			/* null reads as NaN */
	CHECK_INT_EQ(jc_more(&j), 1);
	CHECK(jc_peek(&j) == '"');
	CHECK_INT_EQ(jc_string(&j, &b), 0);
	CHECK(b.len == 2 && memcmp(b.data, "x\n", 2) == 0);
	CHECK_INT_EQ(jc_more(&j), 0);
	CHECK_INT_EQ(jc_more(&j), 1);
	CHECK_INT_EQ(jc_expect_key(&j, "b"), 0);
	CHECK_INT_EQ(jc_begin_object(&j), 0);
	CHECK_INT_EQ(jc_more(&j), 0);
	CHECK_INT_EQ(jc_more(&j), 1);
	CHECK_INT_EQ(jc_expect_key(&j, "c"), 0);
	CHECK_INT_EQ(jc_uint(&j, &u), 0);
	CHECK(u == UINT64_MAX);
	CHECK_INT_EQ(jc_more(&j), 0);
	CHECK_INT_EQ(jc_peek(&j), 0);
	CHECK_INT_EQ(jc_end(&j), 0);
	CHECK_INT_EQ(f.code, 0);
	free(d.p);
	buf_release(&b);
}

static void
test_numbers(void)
{
	static const char *const good[] = { "0", "-0", "1.5e-3", "1E+2",
	    "123456789", "-0.0", "1e999" };
	static const char *const bad[] = { "01", "-", "1.", ".5", "1e",
	    "+1", "1e+", "-01", "0x1", "--1", "1.e3", "-a" };
	struct jcur j;
	struct doc d;
	struct fault f;
	struct value v;
	int64_t i;
	uint64_t u;
	size_t k;
	double x;

	for (k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		open_doc(&j, &d, good[k], &f);
		CHECK(jc_number(&j, &v) == 0 && jc_end(&j) == 0);
		free(d.p);
	}
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		open_doc(&j, &d, bad[k], &f);
		if (jc_number(&j, &v) == 0)
			jc_end(&j);
		expect_fail("number", bad[k], -1, &f, "");
		CHECK(j.failed);
		free(d.p);
	}
	open_doc(&j, &d, "9223372036854775807", &f);
	CHECK(jc_int(&j, &i) == 0 && i == INT64_MAX);
	free(d.p);
	open_doc(&j, &d, "-9223372036854775808", &f);
	CHECK(jc_int(&j, &i) == 0 && i == INT64_MIN);
	free(d.p);
	open_doc(&j, &d, "9223372036854775808", &f);
	expect_fail("jc_int", "2^63", jc_int(&j, &i), &f, "out of range");
	free(d.p);
	open_doc(&j, &d, "1.0", &f);
	expect_fail("jc_int", "1.0", jc_int(&j, &i), &f, "expected an integer");
	free(d.p);
	open_doc(&j, &d, "18446744073709551616", &f);
	expect_fail("jc_uint", "2^64", jc_uint(&j, &u), &f, "out of range");
	free(d.p);
	open_doc(&j, &d, "-1", &f);
	expect_fail("jc_uint", "-1", jc_uint(&j, &u), &f, "unsigned");
	free(d.p);
	open_doc(&j, &d, "0.1", &f);
	CHECK(jc_double(&j, &x) == 0 && x == 0.1);
	free(d.p);
	open_doc(&j, &d, "\"1\"", &f);
	expect_fail("jc_double", "\"1\"", jc_double(&j, &x), &f,
	    "expected a number");
	free(d.p);
}

/* A long number is read digit by digit; strtod() of it whole decides. */
static void
expect_long_number(const char *head, int zeros, const char *tail)
{
	struct jcur j;
	struct doc d;
	struct fault f;
	struct value v;
	size_t n = strlen(head);
	char *s = malloc(n + (size_t)zeros + strlen(tail) + 1);

	memcpy(s, head, n);
	memset(s + n, '0', (size_t)zeros);
	strcpy(s + n + (size_t)zeros, tail);
	open_doc(&j, &d, s, &f);
	check_count++;
	if (jc_number(&j, &v) != 0 || jc_end(&j) != 0 || v.isint ||
	    v.rawlen != strlen(s) || memcmp(&v.d, &(double){ strtod(s, NULL) },
	    sizeof(double)) != 0) {
		check_failures++;
		fprintf(stderr, "long number %s[%d zeros]%s: %.17g (%s)\n",
		    head, zeros, tail, v.d, f.msg);
	}
	free(d.p);
	free(s);
}

static void
test_long_number(void)
{
	expect_long_number("0.", 200, "5");
	expect_long_number("0.", 300, "123");
	expect_long_number("-0.", 2000, "");
	expect_long_number("123", 400, "e-400");
	expect_long_number("1", 900, "1e-901");
	expect_long_number("9", 2000, "1E-2001");
	expect_long_number("1.", 1000, "1e+10");
	expect_long_number("1", 100, "e99999999999999999999");
	expect_long_number("1", 100, "e-99999999999999999999");
	/* Halfway between 1 and the next double, then a hair above it. */
	expect_long_number("1.0000000000000001110223024625156540"
	    "4236316680908203125", 0, "");
	expect_long_number("1.0000000000000001110223024625156540"
	    "4236316680908203125", 1500, "1");
	expect_long_number(
	    "2.470328229206232720882843964341106861825299013071623822127928"
	    "41250337753635104375932649918180817996189898282347722858865463"
	    "32835517796989819938739800539093906315035659515570226392290858"
	    "39244910518443593180284993653615250031937045767824921936562366"
	    "98636584807570015857692699037063119282795585513329278343384093"
	    "51978015531246597263579574622766465272827220056374006485499977"
	    "09659947045402082816622623785739345073633900796776193057750674"
	    "01763246736009689513405355374585166611342237666786041621596804"
	    "61914467291840300530057530849048765391711386591646239524912623"
	    "65388187963623937328042389101867234849766823508986338858792562"
	    "83027559956575244555072551893136908362547791869486679949683240"
	    "49705821028513185451396213837722826145437693412532098591327667"
	    "236328125",
	    500, "1e-324");
}

static void
expect_string(const char *in, const char *want, size_t wantlen)
{
	struct jcur j;
	struct doc d;
	struct fault f;
	struct buf b;

	buf_init(&b);
	open_doc(&j, &d, in, &f);
	check_count++;
	if (jc_string(&j, &b) != 0 || jc_end(&j) != 0 || b.len != wantlen ||
	    memcmp(b.data, want, wantlen) != 0) {
		check_failures++;
		fprintf(stderr, "jc_string(%s) failed: %s\n", in, f.msg);
	}
	free(d.p);
	buf_release(&b);
}

static void
test_strings(void)
{
	static const char *const bad[] = { "\"\\x\"", "\"\\u12\"",
	    "\"\\u12g4\"", "\"a\tb\"", "\"abc", "\"\\", "\"\xc0\x80\"",
	    "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"",
	    "\"\xff\"", "\"\x80\"", "abc", "\"\\u\"" };
	struct jcur j;
	struct doc d;
	struct fault f;
	struct buf b;
	size_t k;

	expect_string("\"\"", "", 0);
	expect_string("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8);
	expect_string("\"\\u00e9\\u00E9\"", "\xc3\xa9\xc3\xa9", 4);
	expect_string("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4);
	expect_string("\"\xf0\x9f\x98\x80\xc3\xa9\"",
	    "\xf0\x9f\x98\x80\xc3\xa9", 6);
	expect_string("\"\\u0000\"", "\0", 1);
	/* Lone surrogates become U+FFFD, ef bf bd. */
	expect_string("\"\\ud83dx\"", "\xef\xbf\xbdx", 4);
	expect_string("\"\\ude00\"", "\xef\xbf\xbd", 3);
	expect_string("\"\\ud83d\\u0041\"", "\xef\xbf\xbd" "A", 4);
	buf_init(&b);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		open_doc(&j, &d, bad[k], &f);
		expect_fail("jc_string", bad[k], jc_string(&j, &b), &f, "");
		free(d.p);
	}
	buf_release(&b);
}

static void
test_keys(void)
{
	char big[JC_KEY_MAX * 8 + 16];
	struct jcur j;
	struct doc d;
	struct fault f;
	const char *k;
	size_t n, i;

	open_doc(&j, &d, "{\"a\\u0062\":1}", &f);
	CHECK(jc_begin_object(&j) == 0 && jc_more(&j) == 1);
	CHECK(jc_key(&j, &k, &n) == 0 && n == 2 && memcmp(k, "ab", 2) == 0);
	CHECK(k == j.key);
	free(d.p);
	open_doc(&j, &d, "{\"ab\":1}", &f);
	CHECK(jc_begin_object(&j) == 0 && jc_more(&j) == 1);
	CHECK_INT_EQ(jc_expect_key(&j, "b"), -1);
	CHECK(strstr(f.msg, "expected key \"b\"") != NULL);
	free(d.p);
	/* Long keys: fine as written, too long to decode when escaped. */
	n = 0;
	big[n++] = '{';
	big[n++] = '"';
	for (i = 0; i < JC_KEY_MAX * 2; i++)
		big[n++] = 'k';
	memcpy(big + n, "\":1}", 5);
	open_doc(&j, &d, big, &f);
	CHECK(jc_begin_object(&j) == 0 && jc_more(&j) == 1);
	CHECK(jc_key(&j, &k, &n) == 0 && n == JC_KEY_MAX * 2);
	free(d.p);
	memcpy(big + 2, "\\n", 2);
	open_doc(&j, &d, big, &f);
	CHECK(jc_begin_object(&j) == 0 && jc_more(&j) == 1);
	expect_fail("jc_key", "long escaped", jc_key(&j, &k, &n), &f,
	    "too long");
	free(d.p);
	open_doc(&j, &d, "[\"a\":1]", &f);
	CHECK(jc_begin_array(&j) == 0 && jc_more(&j) == 1);
	expect_fail("jc_key", "in array", jc_key(&j, &k, &n), &f,
	    "outside an object");
	free(d.p);
}

static void
test_structure(void)
{
	static const char *const bad[] = { "[1,,2]", "[,1]", "[1,]", "[1 2]",
	    "[1}", "{\"a\":1]", "{\"a\" 1}", "{1:2}", "{\"a\":1,}", "[",
	    "{", "{\"a\"", "{\"a\":", "]", "[1]]", "nul", "tru", "[1] x",
	    "{\"a\":1 \"b\":2}", "" };
	static const char *const good[] = { "[]", "{}", " [ [ ] , { } ] ",
	    "{\"a\":[1,{\"b\":null}],\"c\":\"\\\"]\"}", "\"s\"", "-0.5e-7",
	    "[true,false,null]" };
	struct fault f;
	size_t k;
	int rc;

	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		rc = skip_all(bad[k], strlen(bad[k]), &f);
		expect_fail("skip", bad[k], rc, &f, "at byte");
		rc = walk_all(bad[k], strlen(bad[k]), &f);
		expect_fail("walk", bad[k], rc, &f, "at byte");
	}
	for (k = 0; k < sizeof(good) / sizeof(good[0]); k++) {
		CHECK_INT_EQ(skip_all(good[k], strlen(good[k]), &f), 0);
		CHECK_INT_EQ(walk_all(good[k], strlen(good[k]), &f), 0);
	}
}

static void
test_raw(void)
{
	struct jcur j;
	struct doc d;
	struct fault f;
	const char *p;
	size_t n;

	open_doc(&j, &d, "[ {\"a\" : [1, \"]\"]} , 2]", &f);
	CHECK(jc_begin_array(&j) == 0 && jc_more(&j) == 1);
	CHECK(jc_raw(&j, &p, &n) == 0);
	CHECK(n == 16 && memcmp(p, "{\"a\" : [1, \"]\"]}", 16) == 0);
	CHECK(jc_more(&j) == 1 && jc_raw(&j, &p, &n) == 0);
	CHECK(n == 1 && *p == '2');
	CHECK(jc_more(&j) == 0 && jc_end(&j) == 0);
	free(d.p);
}

static void
test_depth(void)
{
	char s[2 * (JC_DEPTH_MAX + 1) + 1];
	struct jcur j;
	struct doc d;
	struct fault f;
	int i;

	for (i = 0; i < JC_DEPTH_MAX; i++) {
		s[i] = '[';
		s[2 * JC_DEPTH_MAX - 1 - i] = ']';
	}
	s[2 * JC_DEPTH_MAX] = '\0';
	CHECK_INT_EQ(skip_all(s, strlen(s), &f), 0);
	CHECK_INT_EQ(walk_all(s, strlen(s), &f), 0);
	for (i = 0; i <= JC_DEPTH_MAX; i++) {
		s[i] = '[';
		s[2 * JC_DEPTH_MAX + 1 - i] = ']';
	}
	s[2 * JC_DEPTH_MAX + 2] = '\0';
	expect_fail("skip", "65 deep", skip_all(s, strlen(s), &f), &f,
	    "nesting too deep");
	expect_fail("walk", "65 deep", walk_all(s, strlen(s), &f), &f,
	    "nesting too deep");
	/* Depth counts from where the cursor is: skip inside 63 levels. */
	open_doc(&j, &d, "[[[1]]]", &f);
	CHECK(jc_begin_array(&j) == 0 && j.depth == 1);
	j.depth = JC_DEPTH_MAX - 1;	/* pretend: as if 63 levels open */
	CHECK(jc_more(&j) == 1);
	expect_fail("skip", "nested", jc_skip(&j), &f, "nesting too deep");
	free(d.p);
}

/* After the first failure every call fails, and the first reason stays. */
static void
test_sticky(void)
{
	struct jcur j;
	struct doc d;
	struct fault f;
	struct buf b;
	int64_t i;

	buf_init(&b);
	open_doc(&j, &d, "[x, 1]", &f);
	CHECK(jc_begin_array(&j) == 0 && jc_more(&j) == 1);
	CHECK_INT_EQ(jc_int(&j, &i), -1);
	CHECK(strstr(f.msg, "expected a number at byte 1") != NULL);
	CHECK_INT_EQ(jc_fail(&j, "second"), -1);
	CHECK(strstr(f.msg, "second") == NULL);
	CHECK_INT_EQ(jc_more(&j), -1);
	CHECK_INT_EQ(jc_peek(&j), 0);
	CHECK_INT_EQ(jc_skip(&j), -1);
	CHECK_INT_EQ(jc_string(&j, &b), -1);
	CHECK_INT_EQ(jc_end(&j), -1);
	CHECK_INT_EQ(f.code, EX_DATAERR);
	free(d.p);
	/* A NULL fault is allowed. */
	d = doc_of("]", 1);
	jc_init(&j, d.p, d.n, NULL);
	CHECK_INT_EQ(jc_skip(&j), -1);
	free(d.p);
	buf_release(&b);
}

static const char sample[] =
    "{\"n\":3,\"min\":-1.5e-3,\"max\":42,\"zero\":0,\"pos\":[[1,2],[7,1]],"
    "\"neg\":[],\"s\":\"caf\\u00e9 \xf0\x9f\x98\x80 \\ud83d\\ude00\","
    "\"o\":{\"a\":[true,false,null,{}],\"\\\"k\":-0}}";

/* Every proper prefix is bad; only the whole document is good. */
static void
test_truncation(void)
{
	struct fault f;
	size_t n, len = strlen(sample);
	int fails = 0;

	for (n = 0; n < len; n++) {
		if (skip_all(sample, n, &f) == -1 && f.code == EX_DATAERR)
			fails++;
		if (walk_all(sample, n, &f) == -1 && f.code == EX_DATAERR)
			fails++;
	}
	CHECK_INT_EQ(fails, 2 * (int)len);
	CHECK_INT_EQ(skip_all(sample, len, &f), 0);
	CHECK_INT_EQ(walk_all(sample, len, &f), 0);
}

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Mutations of the sample: each result must be either accepted by both
 * walks or rejected by both, with a fault; a crash or overread fails
 * the run (under SANITIZE=1).
 */
static void
test_mutation(void)
{
	static const char alphabet[] = "[]{}\",:\\ 0123456789-+.eEtrufalsn"
	    "u\x80\xc3\xff";
	char s[sizeof(sample)];
	struct fault f;
	uint64_t seed = 42;
	size_t len = strlen(sample), at;
	int i, k, a, b, agree = 0;

	for (i = 0; i < 20000; i++) {
		memcpy(s, sample, len);
		for (k = 1 + (int)(rnd(&seed) % 3); k > 0; k--) {
			at = rnd(&seed) % len;
			s[at] = alphabet[rnd(&seed) % (sizeof(alphabet) - 1)];
		}
		a = skip_all(s, len, &f);
		b = walk_all(s, len, &f);
		agree += a == b && (a == 0 || f.code == EX_DATAERR);
	}
	CHECK_INT_EQ(agree, 20000);
}

int
main(void)
{
	test_types();
	test_numbers();
	test_long_number();
	test_strings();
	test_keys();
	test_structure();
	test_raw();
	test_depth();
	test_sticky();
	test_truncation();
	test_mutation();
	return check_done("test_jcur");
}
