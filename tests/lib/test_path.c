/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_path.c - unit tests for lib/path.c.
 *
 * The grammar is the one path.h and SPEC 2 give: '.' then steps, each an
 * identifier (letters, digits, '_', '@', not starting with a digit)
 * after a dot, a JSON string after a dot or in brackets, or a
 * non-negative index in brackets; "." alone is the whole record.  The
 * decoded bytes of escapes are written out by hand from the Unicode
 * tables (U+00E9 is C3 A9, U+20AC is E2 82 AC, U+1F600 is the pair
 * D83D DE00 and the bytes F0 9F 98 80, U+FFFD is EF BF BD).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "check.h"
#include "fault.h"
#include "path.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The steps as text: "k:a|i:0"; bytes outside printable ASCII as \xNN. */
static void
steps_text(const struct path *p, char *out, size_t size)
{
	size_t o = 0, j;
	int i;

	out[0] = '\0';
	for (i = 0; i < p->nsteps && o + 16 < size; i++) {
		const struct path_step *s = &p->steps[i];

		if (i > 0)
			out[o++] = '|';
		if (s->key == NULL) {
			o += (size_t)snprintf(out + o, size - o, "i:%lld",
			    (long long)s->index);
			continue;
		}
		out[o++] = 'k';
		out[o++] = ':';
		for (j = 0; j < s->keylen && o + 8 < size; j++) {
			unsigned char c = (unsigned char)s->key[j];

			if (c >= 0x20 && c < 0x7f)
				out[o++] = (char)c;
			else
				o += (size_t)snprintf(out + o, size - o,
				    "\\x%02X", c);
		}
		out[o] = '\0';
	}
	out[o] = '\0';
}

static void
expect_steps(const char *text, const char *want)
{
	struct path p;
	struct fault f;
	char got[512];

	fault_clear(&f);
	check_count++;
	if (path_parse(&p, text, &f) == -1) {
		check_failures++;
		fprintf(stderr, "path_parse(%s): failed: %s\n", text, f.msg);
		return;
	}
	steps_text(&p, got, sizeof(got));
	if (strcmp(got, want) != 0 || p.text == NULL ||
	    strcmp(p.text, text) != 0) {
		check_failures++;
		fprintf(stderr, "path_parse(%s): steps \"%s\", want \"%s\" "
		    "(text \"%s\")\n", text, got, want,
		    p.text != NULL ? p.text : "(null)");
	}
	path_release(&p);
	CHECK(p.steps == NULL && p.nsteps == 0 && p.text == NULL);
}

static void
expect_bad(const char *text)
{
	struct path p;
	struct fault f;
	int rc;

	fault_clear(&f);
	rc = path_parse(&p, text, &f);
	check_count++;
	if (rc != -1 || f.code != EX_USAGE || f.msg[0] == '\0') {
		check_failures++;
		fprintf(stderr, "path_parse(\"%s\"): rc %d code %d msg \"%s\", "
		    "want an EX_USAGE error\n", text, rc, f.code, f.msg);
		if (rc == 0)
			path_release(&p);
	}
}

static void
test_syntax(void)
{
	static const struct {
		const char	*text;
		const char	*steps;
	} ok[] = {
		{ ".", "" },
		{ ".a", "k:a" },
		{ ".a.b", "k:a|k:b" },
		{ ".a[0]", "k:a|i:0" },
		{ ".[\"k.y\"]", "k:k.y" },
		{ ".\"quoted\"", "k:quoted" },
		{ ".@timestamp", "k:@timestamp" },
		{ ".a[0][1].b", "k:a|i:0|i:1|k:b" },
		{ ".[0]", "i:0" },
		{ ".[12345]", "i:12345" },
		{ ".[007]", "i:7" },
		{ ".a_b9", "k:a_b9" },
		{ "._", "k:_" },
		{ ".Ab.cD", "k:Ab|k:cD" },
		{ ".a.\"b c\"", "k:a|k:b c" },
		{ ".\"a.b\".c", "k:a.b|k:c" },
		{ ".a[\"b\"]", "k:a|k:b" },
		{ ".[\"a\\\"b\"]", "k:a\"b" },
		{ ".[\"\"]", "k:" },
		{ ".[\"\\u00e9\"]", "k:\\xC3\\xA9" },
		{ ".[\"\\ud83d\\ude00\"]", "k:\\xF0\\x9F\\x98\\x80" },
		{ ".[\"\\ud800\"]", "k:\\xEF\\xBF\\xBD" },
		{ ".[\"a,b\"][2]", "k:a,b|i:2" },
		{ ".x.y.z[3].w", "k:x|k:y|k:z|i:3|k:w" },
		{ ".\"1a\"", "k:1a" },
		{ ".a1", "k:a1" },
	};
	static const char *const bad[] = {
		"", "..a", ".a.", ".[", ".[-1]", ".[\"x\"", "a", ".a b",
		".1a", ".[0", ".[x]", ".a[]", ".[\"x\"x]", ".\"unterminated",
		".[\"\\x\"]", ".a..b", ". a", ".[\"a\x01\"]", ".a-b",
		".[99999999999999999999]", ".a[0]b", ".a\"b\"", " .a",
		".a ", ".[\"\\u12\"]", ".[\"\\u12g4\"]", ".[1.5]",
	};
	size_t i;

	for (i = 0; i < NELEM(ok); i++)
		expect_steps(ok[i].text, ok[i].steps);
	for (i = 0; i < NELEM(bad); i++)
		expect_bad(bad[i]);
}

/* PATH_STEPS_MAX steps parse, one more does not; likewise the length. */
static void
test_limits(void)
{
	char text[PATH_TEXT_MAX + 8];
	struct path p;
	struct fault f;
	int i;

	text[0] = '\0';
	for (i = 0; i < PATH_STEPS_MAX; i++)
		strcat(text, ".a");
	CHECK_INT_EQ(path_parse(&p, text, &f), 0);
	CHECK_INT_EQ(p.nsteps, PATH_STEPS_MAX);
	path_release(&p);
	strcat(text, ".a");
	expect_bad(text);

	/* "." and PATH_TEXT_MAX - 1 letters: exactly the limit. */
	text[0] = '.';
	memset(text + 1, 'a', PATH_TEXT_MAX - 1);
	text[PATH_TEXT_MAX] = '\0';
	CHECK_INT_EQ(path_parse(&p, text, &f), 0);
	CHECK_INT_EQ(p.nsteps, 1);
	CHECK_INT_EQ(p.nsteps == 1 ? p.steps[0].keylen : 0,
	    PATH_TEXT_MAX - 1);
	path_release(&p);
	text[PATH_TEXT_MAX] = 'a';
	text[PATH_TEXT_MAX + 1] = '\0';
	expect_bad(text);
}

static void
test_prefix(void)
{
	static const struct {
		const char	*text;
		size_t		 used;
		int		 nsteps;
	} c[] = {
		{ ".a == 1", 2, 1 },
		{ ".a.b[0] > 3", 7, 3 },
		{ ".a", 2, 1 },
		{ ". == 1", 1, 0 },
		{ ".[\"x y\"] foo", 8, 1 },
		{ ".a,.b", 2, 1 },
		{ ".a)", 2, 1 },
		{ ".a.b.c)", 6, 3 },
		{ ".a[0]+1", 5, 2 },
		{ ".\"q\"x", 4, 1 },
		{ ".[0]]", 4, 1 },
		{ ".a and .b", 2, 1 },
		{ ".@time<5", 6, 1 },
	};
	struct path p;
	struct fault f;
	size_t i, used;

	for (i = 0; i < NELEM(c); i++) {
		used = 9999;
		fault_clear(&f);
		check_count++;
		if (path_parse_prefix(&p, c[i].text, &used, &f) == -1) {
			check_failures++;
			fprintf(stderr, "path_parse_prefix(%s): %s\n",
			    c[i].text, f.msg);
			continue;
		}
		if (used != c[i].used || p.nsteps != c[i].nsteps) {
			check_failures++;
			fprintf(stderr, "path_parse_prefix(%s): used %zu, %d "
			    "steps; want %zu, %d\n", c[i].text, used,
			    p.nsteps, c[i].used, c[i].nsteps);
		}
		/* The text is the part taken. */
		CHECK(p.text != NULL && strlen(p.text) == c[i].used &&
		    strncmp(p.text, c[i].text, c[i].used) == 0);
		path_release(&p);
	}
	CHECK_INT_EQ(path_parse_prefix(&p, "x.a", &used, &f), -1);
	CHECK_INT_EQ(f.code, EX_USAGE);
	CHECK_INT_EQ(path_parse_prefix(&p, ".[", &used, &f), -1);
	CHECK_INT_EQ(path_parse_prefix(&p, ".[\"a\" == 1", &used, &f), -1);
}

static void
expect_name(const char *text, const char *want)
{
	struct path p;
	struct fault f;
	const char *name = NULL;
	size_t len = 0;

	check_count++;
	if (path_parse(&p, text, &f) == -1) {
		check_failures++;
		fprintf(stderr, "path_name(%s): parse failed\n", text);
		return;
	}
	path_name(&p, &name, &len);
	if (name == NULL || len != strlen(want) ||
	    memcmp(name, want, len) != 0) {
		check_failures++;
		fprintf(stderr, "path_name(%s) == \"%.*s\", want \"%s\"\n",
		    text, (int)len, name != NULL ? name : "", want);
	}
	path_release(&p);
}

static void
test_name(void)
{
	expect_name(".req.service", "service");
	expect_name(".a", "a");
	expect_name(".a[0]", "a");
	expect_name(".", "value");
	expect_name(".[0]", "value");
	expect_name(".[0][1]", "value");
	expect_name(".a.b[1][2]", "b");
	expect_name(".[\"k.y\"]", "k.y");
	expect_name(".@timestamp", "@timestamp");
	expect_name(".a[0].\"x y\"", "x y");
}

static int
equal_texts(const char *a, const char *b)
{
	struct path x, y;
	struct fault f;
	int eq;

	if (path_parse(&x, a, &f) == -1)
		return -1;
	if (path_parse(&y, b, &f) == -1) {
		path_release(&x);
		return -1;
	}
	eq = path_equal(&x, &y);
	if (path_equal(&y, &x) != eq)
		eq = -2;
	path_release(&x);
	path_release(&y);
	return eq;
}

static void
test_equal(void)
{
	CHECK_INT_EQ(equal_texts(".a.b", ".[\"a\"][\"b\"]"), 1);
	CHECK_INT_EQ(equal_texts(".a", ".\"a\""), 1);
	CHECK_INT_EQ(equal_texts(".A", ".[\"\\u0041\"]"), 1);
	CHECK_INT_EQ(equal_texts(".", "."), 1);
	CHECK_INT_EQ(equal_texts(".a[0]", ".a[0]"), 1);
	CHECK_INT_EQ(equal_texts(".a[0]", ".a[00]"), 1);
	CHECK_INT_EQ(equal_texts(".a[0]", ".a[1]"), 0);
	CHECK_INT_EQ(equal_texts(".a[0]", ".a.\"0\""), 0);
	CHECK_INT_EQ(equal_texts(".a", ".a.b"), 0);
	CHECK_INT_EQ(equal_texts(".", ".a"), 0);
	CHECK_INT_EQ(equal_texts(".a", ".b"), 0);
	CHECK_INT_EQ(equal_texts(".ab", ".a"), 0);
	CHECK_INT_EQ(equal_texts(".[\"\"]", "."), 0);
	CHECK_INT_EQ(equal_texts(".a.b", ".b.a"), 0);
}

static void
test_list(void)
{
	struct path *v = NULL;
	struct fault f;
	char got[256];
	int n;
	size_t i;
	static const char *const bad[] = {
		"", ",.a", ".a,", ".a,,.b", ".a;.b", "a,b", ".a,b", ".a .b",
		".a,.[",
	};

	n = path_parse_list(".a,.b", &v, &f);
	CHECK_INT_EQ(n, 2);
	if (n == 2) {
		steps_text(&v[0], got, sizeof(got));
		CHECK_STR_EQ(got, "k:a");
		steps_text(&v[1], got, sizeof(got));
		CHECK_STR_EQ(got, "k:b");
		CHECK_STR_EQ(v[0].text, ".a");
		CHECK_STR_EQ(v[1].text, ".b");
	}
	if (n > 0)
		path_free_list(v, n);

	n = path_parse_list(".a", &v, &f);
	CHECK_INT_EQ(n, 1);
	if (n > 0)
		path_free_list(v, n);

	/* A comma inside a quoted key does not split. */
	n = path_parse_list(".[\"x,y\"],.b", &v, &f);
	CHECK_INT_EQ(n, 2);
	if (n == 2) {
		steps_text(&v[0], got, sizeof(got));
		CHECK_STR_EQ(got, "k:x,y");
		steps_text(&v[1], got, sizeof(got));
		CHECK_STR_EQ(got, "k:b");
	}
	if (n > 0)
		path_free_list(v, n);

	n = path_parse_list(".a[0],.b.c,.", &v, &f);
	CHECK_INT_EQ(n, 3);
	if (n == 3) {
		steps_text(&v[0], got, sizeof(got));
		CHECK_STR_EQ(got, "k:a|i:0");
		steps_text(&v[1], got, sizeof(got));
		CHECK_STR_EQ(got, "k:b|k:c");
		CHECK_INT_EQ(v[2].nsteps, 0);
	}
	if (n > 0)
		path_free_list(v, n);

	for (i = 0; i < NELEM(bad); i++) {
		fault_clear(&f);
		v = NULL;
		n = path_parse_list(bad[i], &v, &f);
		check_count++;
		if (n != -1 || f.code != EX_USAGE) {
			check_failures++;
			fprintf(stderr, "path_parse_list(\"%s\") == %d, "
			    "code %d; want -1, EX_USAGE\n", bad[i], n, f.code);
			if (n > 0)
				path_free_list(v, n);
		}
	}
}

/* Decode a literal; compare bytes and the count taken. */
static void
expect_json_string(const char *in, const char *want, size_t wantlen,
    size_t wantused)
{
	struct fault f;
	size_t used = 0, len = 0;
	char *s;

	fault_clear(&f);
	s = path_json_string(in, &used, &len, &f);
	check_count++;
	if (s == NULL || len != wantlen || memcmp(s, want, len) != 0 ||
	    used != wantused || s[len] != '\0') {
		check_failures++;
		fprintf(stderr, "path_json_string(%s): %s, len %zu used %zu; "
		    "want len %zu used %zu\n", in, s == NULL ? f.msg : "bytes",
		    len, used, wantlen, wantused);
	}
	free(s);
}

/* A bad literal: where it is wrong, and the message. */
static void
expect_json_string_bad(const char *in, size_t wantused, const char *msg)
{
	struct fault f;
	size_t used, len;
	char *s;

	fault_clear(&f);
	s = path_json_string(in, &used, &len, &f);
	check_count++;
	if (s != NULL || f.code != EX_USAGE || used != wantused ||
	    strcmp(f.msg, msg) != 0) {
		check_failures++;
		fprintf(stderr, "path_json_string(%s): code %d at %zu \"%s\"; "
		    "want 64 at %zu \"%s\"\n", in, f.code, used, f.msg,
		    wantused, msg);
	}
	free(s);
}

static void
test_json_string(void)
{
	expect_json_string("\"abc\"", "abc", 3, 5);
	expect_json_string("\"abc\" tail", "abc", 3, 5);
	expect_json_string("\"\"", "", 0, 2);
	expect_json_string("\"a\\\"b\"", "a\"b", 3, 6);
	expect_json_string("\"\\\\\\/\\b\\f\\n\\r\\t\"", "\\/\b\f\n\r\t", 7,
	    16);
	expect_json_string("\"\\u0041\"", "A", 1, 8);
	expect_json_string("\"\\u00e9\"", "\xc3\xa9", 2, 8);
	expect_json_string("\"\\u00E9\"", "\xc3\xa9", 2, 8);
	expect_json_string("\"\\u20ac\"", "\xe2\x82\xac", 3, 8);
	expect_json_string("\"\\u07ff\\u0800\"", "\xdf\xbf\xe0\xa0\x80", 5,
	    14);
	expect_json_string("\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4, 14);
	expect_json_string("\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80", 4, 14);
	expect_json_string("\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4, 14);
	expect_json_string("\"\\ud800\\udc00\"", "\xf0\x90\x80\x80", 4, 14);
	/* Lone surrogates become U+FFFD; what follows them is kept. */
	expect_json_string("\"\\ud800\"", "\xef\xbf\xbd", 3, 8);
	expect_json_string("\"\\udc00\"", "\xef\xbf\xbd", 3, 8);
	expect_json_string("\"\\ud800x\"", "\xef\xbf\xbdx", 4, 9);
	expect_json_string("\"\\ud800\\u0041\"", "\xef\xbf\xbd" "A", 4, 14);
	expect_json_string("\"\\ud800\\ud83d\\ude00\"",
	    "\xef\xbf\xbd\xf0\x9f\x98\x80", 7, 20);
	expect_json_string("\"\\udc00\\ud800\"", "\xef\xbf\xbd\xef\xbf\xbd",
	    6, 14);
	expect_json_string("\"\\ud800\\n\"", "\xef\xbf\xbd\n", 4, 10);
	expect_json_string("\"\\u0000\"", "\0", 1, 8);
	expect_json_string("\"\xc3\xa9t\xc3\xa9\"", "\xc3\xa9t\xc3\xa9", 5,
	    7);
	expect_json_string_bad("\"abc", 0, "unterminated string");
	expect_json_string_bad("\"a\\x\"", 2, "bad escape \\x in string "
	    "(JSON escapes: write \\\\x to get \\x)");
	expect_json_string_bad("\"^10\\.47\"", 4, "bad escape \\. in string "
	    "(JSON escapes: write \\\\. to get \\.)");
	expect_json_string_bad("\"\\\\\\d\"", 3, "bad escape \\d in string "
	    "(JSON escapes: write \\\\d to get \\d)");
	expect_json_string_bad("\"\\u12\"", 1, "bad escape \\u in string "
	    "(JSON escapes: \\u takes 4 hex digits)");
	expect_json_string_bad("\"ab\\u12g4\"", 3, "bad escape \\u in string "
	    "(JSON escapes: \\u takes 4 hex digits)");
	expect_json_string_bad("\"a\nb\"", 2, "control character in string");
	expect_json_string_bad("\"a\tb\"", 2, "control character in string");
	expect_json_string_bad("\"\\", 1, "bad escape in string (JSON "
	    "escapes: write \\\\ for a backslash)");
	expect_json_string_bad("\"\\'\"", 1, "bad escape \\' in string "
	    "(JSON escapes: write \\\\' to get \\')");
	expect_json_string_bad("\"\\\xc3\xa9\"", 1, "bad escape in string "
	    "(JSON escapes: write \\\\ for a backslash)");
}

static void
expect_unescape(const char *src, size_t n, const char *want, size_t wantlen)
{
	char dst[64];
	size_t len;

	memset(dst, 'Z', sizeof(dst));
	len = utf8_unescape(dst, src, n);
	check_count++;
	if (len != wantlen || memcmp(dst, want, wantlen) != 0) {
		check_failures++;
		fprintf(stderr, "utf8_unescape(%.*s) gave %zu bytes, want "
		    "%zu\n", (int)n, src, len, wantlen);
	}
}

static void
test_unescape(void)
{
	const char *s;

	expect_unescape("abc", 3, "abc", 3);
	expect_unescape("", 0, "", 0);
	expect_unescape("a\\nb", 4, "a\nb", 3);
	expect_unescape("\\\"\\\\\\/", 6, "\"\\/", 3);
	expect_unescape("\\b\\f\\r\\t", 8, "\b\f\r\t", 4);
	expect_unescape("\\u0041\\u00e9", 12, "A\xc3\xa9", 3);
	expect_unescape("\\u20AC", 6, "\xe2\x82\xac", 3);
	expect_unescape("\\ud83d\\ude00", 12, "\xf0\x9f\x98\x80", 4);
	expect_unescape("\\ud800", 6, "\xef\xbf\xbd", 3);
	expect_unescape("\\udc00", 6, "\xef\xbf\xbd", 3);
	expect_unescape("\\ud800\\u0041", 12, "\xef\xbf\xbd" "A", 4);
	expect_unescape("\\ud800x", 7, "\xef\xbf\xbdx", 4);
	expect_unescape("x\\udfff\\ud800y", 14,
	    "x\xef\xbf\xbd\xef\xbf\xbdy", 8);
	/* Only n bytes are read: the escape after them is not seen. */
	s = "ab\\ncd\\u0041";
	expect_unescape(s, 4, "ab\n", 3);
	expect_unescape(s, 6, "ab\ncd", 5);
}

int
main(void)
{
	test_syntax();
	test_limits();
	test_prefix();
	test_name();
	test_equal();
	test_list();
	test_json_string();
	test_unescape();
	return check_done("test_path");
}
