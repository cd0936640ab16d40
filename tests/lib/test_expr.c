/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_expr.c - unit tests for lib/expr.c: the stream-filter language.
 *
 * Each case compiles EXPR, parses a record with rec_parse() and asks
 * expr_holds(); the answers are worked out from SPEC 5 (stream-filter),
 * expr.h and stream-filter(1), and from jq where they are silent:
 * precedence low to high or, and, not, comparisons and in, + -, * / %,
 * unary minus; a missing field is null; values of different types are
 * unequal and never ordered; '/' divides as floating point and gives
 * null on division by zero; '%' is C's remainder of two integers, else
 * null; length counts code points, elements, keys, or is |x|; @time
 * compares with RFC 3339 strings and with epoch numbers read by
 * magnitude (SPEC 3).  2024-11-12T10:00:00Z is 1731405600 s (date -u).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "check.h"
#include "expr.h"
#include "fault.h"
#include "record.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define T0		(INT64_C(1731405600) * 1000000000)
#define COMPILE_ERR	(-2)
#define BAD_LINE	(-3)

static const char rec_default[] = "{\"s\":\"hello\",\"n\":5,\"f\":2.5,"
    "\"neg\":-7,\"z\":0,\"t\":true,\"fa\":false,\"nu\":null,"
    "\"arr\":[1,2,3],\"obj\":{\"a\":1,\"b\":2},\"obj2\":{\"b\":2,\"a\":1},"
    "\"u\":\"h\xc3\xa9llo\xe2\x82\xac\xf0\x9f\x98\x80\",\"e\":\"\","
    "\"num_s\":\"10\",\"msg\":\"Connection TIMEOUT after 5s\","
    "\"big\":9223372036854775807,\"q\":\"a\\\"b\","
    "\"ts\":\"2024-11-12T09:00:00Z\",\"tsn\":1731405600,\"bad\":\"nope\","
    "\"esc\":\"\\u00e9\",\"sur\":\"\\ud800\"}";

struct result {
	int	 rc;		/* 1, 0, -1, COMPILE_ERR or BAD_LINE */
	int	 col;
	struct fault f;
};

static struct result
run(const char *text, const char *line, int64_t time_ns,
    const struct expr_var *vars, int nvars)
{
	struct result r;
	struct fields *fl = rec_fields_new();
	struct arena *ar = arena_new();
	struct parser *ps;
	struct record rec;
	struct expr *ex;

	memset(&r, 0, sizeof(r));
	fault_clear(&r.f);
	r.col = -99;
	if ((ex = expr_compile(text, fl, vars, nvars, &r.col, &r.f)) == NULL) {
		r.rc = COMPILE_ERR;
		goto out;
	}
	if ((ps = rec_parser_new(fl, ar, &r.f)) == NULL ||
	    rec_parse(ps, line, strlen(line), &rec, &r.f) == -1) {
		r.rc = BAD_LINE;
		rec_parser_free(ps);
		expr_free(ex);
		goto out;
	}
	rec.time_ns = time_ns;
	fault_clear(&r.f);
	r.rc = expr_holds(ex, &rec, ar, &r.f);
	rec_parser_free(ps);
	expr_free(ex);
out:
	rec_fields_free(fl);
	arena_free(ar);
	return r;
}

struct ecase {
	const char	*expr;
	int		 want;
};

static void
expect_cases(const char *group, const struct ecase *c, size_t n,
    const char *line, const struct expr_var *vars, int nvars)
{
	struct result r;
	size_t i;

	for (i = 0; i < n; i++) {
		r = run(c[i].expr, line, T0, vars, nvars);
		check_count++;
		if (r.rc != c[i].want) {
			check_failures++;
			fprintf(stderr, "%s: `%s` == %d, want %d %s\n", group,
			    c[i].expr, r.rc, c[i].want, r.f.msg);
		}
	}
}

static void
test_precedence(void)
{
	static const struct ecase c[] = {
		{ "true or false and false", 1 },
		{ "(true or false) and false", 0 },
		{ "false and false or true", 1 },
		{ "false and (false or true)", 0 },
		{ "not false and false", 0 },
		{ "not (false and false)", 1 },
		{ "not .nu == 1", 1 },
		{ "not .n == 5", 0 },
		{ "not not true", 1 },
		{ "false or not false", 1 },
		{ "not true or true", 1 },
		{ "1 + 2 * 3 == 7", 1 },
		{ "(1 + 2) * 3 == 9", 1 },
		{ "10 - 2 - 3 == 5", 1 },
		{ "8 / 2 / 2 == 2", 1 },
		{ "2 * 3 % 4 == 2", 1 },
		{ "2 + 7 % 4 == 5", 1 },
		{ "-2 * 3 == -6", 1 },
		{ "- -2 == 2", 1 },
		{ "1 - -1 == 2", 1 },
		{ "-.n == -5", 1 },
		{ "-(1 + 2) == -3", 1 },
		{ "1 + 2 == 3 and 2 * 2 == 4", 1 },
		{ ".n * 2 + 1 == 11", 1 },
		{ ".n + .f == 7.5", 1 },
		{ ".n - .neg == 12", 1 },
		{ "\"a\" + \"b\" == \"ab\"", 1 },
		{ "\t.n\n==\r5 ", 1 },
		{ ".n>4 and.n<6", 1 },
		{ "true", 1 },
		{ "false", 0 },
		{ "null", 0 },
	};

	expect_cases("precedence", c, NELEM(c), rec_default, NULL, 0);
}

static void
test_compare(void)
{
	static const struct ecase c[] = {
		{ ".n == 5", 1 }, { ".n == 5.0", 1 }, { ".n == 5e0", 1 },
		{ ".n != 5", 0 }, { ".n < 6", 1 }, { ".n <= 5", 1 },
		{ ".n > 4", 1 }, { ".n >= 5", 1 }, { ".n > 5", 0 },
		{ ".f > .n", 0 }, { ".f < .n", 1 }, { ".neg < .z", 1 },
		{ ".big == 9223372036854775807", 1 },
		{ "-0 == 0", 1 }, { "-0.0 == 0", 1 }, { ".z == -0", 1 },
		{ ".big > 9223372036854775806", 1 },
		{ ".s == \"hello\"", 1 }, { ".s < \"help\"", 1 },
		{ ".s > \"Hello\"", 1 }, { "\"B\" < \"a\"", 1 },
		{ "\"\" < \"a\"", 1 }, { ".s != \"hello\"", 0 },
		{ ".esc == \"\\u00e9\"", 1 }, { ".esc == \"\xc3\xa9\"", 1 },
		{ ".sur == \"\\ud800\"", 1 }, { ".q == \"a\\\"b\"", 1 },
		/* Mixed types: unequal, never ordered. */
		{ ".num_s == 10", 0 }, { ".num_s != 10", 1 },
		{ ".num_s < 11", 0 }, { ".num_s > 9", 0 },
		{ ".num_s >= 10", 0 }, { ".num_s <= 10", 0 },
		{ ".n < \"6\"", 0 }, { ".n > \"4\"", 0 },
		{ ".t == 1", 0 }, { ".t != 1", 1 }, { "null == false", 0 },
		{ ".nu < 1", 0 }, { ".nu > 1", 0 }, { ".nu >= 0", 0 },
		{ ".s > 1", 0 }, { ".arr > 1", 0 }, { ".arr == 1", 0 },
		/* Booleans order among themselves. */
		{ "true > false", 1 }, { "false < true", 1 },
		{ ".t >= .fa", 1 },
		/* Containers: equal when their members are. */
		{ ".arr == .arr", 1 }, { ".obj == .obj2", 1 },
		{ ".arr != .obj", 1 }, { ".obj != .obj2", 0 },
	};

	expect_cases("compare", c, NELEM(c), rec_default, NULL, 0);
}

static void
test_null_missing(void)
{
	static const struct ecase c[] = {
		{ ".missing == null", 1 }, { ".nu == null", 1 },
		{ ".missing == .nu", 1 }, { ".missing != null", 0 },
		{ ".a.b.c == null", 1 }, { ".arr[7] == null", 1 },
		{ "exists(.missing)", 0 }, { "exists(.nu)", 1 },
		{ "exists(.n)", 1 }, { "not exists(.missing)", 1 },
		{ "exists(.obj.a)", 1 }, { "exists(.obj.c)", 0 },
		{ "exists(.arr[2])", 1 }, { "exists(.arr[3])", 0 },
		{ "exists(.[\"s\"])", 1 },
		/* Truthiness, as in jq: only null, missing and false fail. */
		{ ".missing", 0 }, { ".nu", 0 }, { ".fa", 0 }, { ".t", 1 },
		{ ".z", 1 }, { ".e", 1 }, { ".arr", 1 }, { ".s", 1 },
		{ "not .missing", 1 }, { ".missing or .n", 1 },
		{ ".missing and .n", 0 },
	};

	expect_cases("null/missing", c, NELEM(c), rec_default, NULL, 0);
}

static void
test_functions(void)
{
	static const struct ecase c[] = {
		{ ".n in [1, 5, \"a\"]", 1 }, { ".n in [1, 2]", 0 },
		{ ".s in [\"hello\"]", 1 }, { ".num_s in [10]", 0 },
		{ ".missing in [null]", 1 }, { ".n in []", 0 },
		{ "5.0 in [5]", 1 }, { ".nu in [false]", 0 },
		{ ".n + 1 in [6]", 1 }, { "not .n in [5]", 0 },
		{ "contains(.s, \"ell\")", 1 }, { "contains(.s, \"\")", 1 },
		{ "contains(.s, \"xyz\")", 0 }, { "contains(.n, \"5\")", 0 },
		{ "contains(.missing, \"a\")", 0 },
		{ "contains(.s, .missing)", 0 },
		{ "contains(.u, \"\xe2\x82\xac\")", 1 },
		{ "contains(\"ab\", \"abc\")", 0 },
		{ "startswith(.s, \"he\")", 1 },
		{ "startswith(.s, \"lo\")", 0 },
		{ "startswith(.s, .s)", 1 }, { "startswith(.s, \"\")", 1 },
		{ "endswith(.s, \"lo\")", 1 },
		{ "endswith(.s, \"hello!\")", 0 },
		{ "endswith(.s, \"\")", 1 }, { "endswith(.n, \"5\")", 0 },
		{ "length(.s) == 5", 1 }, { "length(.u) == 7", 1 },
		{ "length(.e) == 0", 1 }, { "length(.esc) == 1", 1 },
		{ "length(.arr) == 3", 1 }, { "length(.obj) == 2", 1 },
		{ "length(.neg) == 7", 1 }, { "length(.f) == 2.5", 1 },
		{ "length(.nu) == 0", 1 }, { "length(.missing) == 0", 1 },
		{ "length(\"\xc3\xa9t\xc3\xa9\") == 3", 1 },
		{ "length(.s + \"!\") == 6", 1 },
	};

	expect_cases("functions", c, NELEM(c), rec_default, NULL, 0);
}

static void
test_regex(void)
{
	static const struct ecase c[] = {
		{ ".msg =~ \"(?i)timeout\"", 1 },
		{ ".msg =~ \"timeout\"", 0 },
		{ ".msg !~ \"timeout\"", 1 },
		{ ".msg !~ \"(?i)timeout\"", 0 },
		{ ".msg =~ \"^Conn\"", 1 },
		{ ".msg =~ \"^TIMEOUT\"", 0 },
		{ ".msg =~ \"\\\\d+s$\"", 1 },
		{ ".msg =~ \"\\\\d{2}\"", 0 },
		{ ".u =~ \"^h.llo\"", 1 },
		{ ".u =~ \"^.{7}$\"", 1 },
		{ ".s =~ \"\"", 1 },
		{ ".n =~ \"5\"", 0 }, { ".n !~ \"5\"", 1 },
		{ ".missing =~ \".*\"", 0 }, { ".missing !~ \".*\"", 1 },
		{ ".num_s =~ \"^1[0-9]$\"", 1 },
	};

	expect_cases("regex", c, NELEM(c), rec_default, NULL, 0);
}

static void
test_arith(void)
{
	static const struct ecase c[] = {
		{ "7 % 3 == 1", 1 }, { "-7 % 3 == -1", 1 },
		{ "7 % -3 == 1", 1 }, { "-7 % -3 == -1", 1 },
		{ "6 % 3 == 0", 1 }, { ".n % 2 == 1", 1 },
		{ ".neg % 2 == -1", 1 }, { ".big % -1 == 0", 1 },
		{ "(-9223372036854775807 - 1) % -1 == 0", 1 },
		{ "7 % 0 == null", 1 }, { "(7 % 0) == null", 1 },
		{ "7.5 % 2 == null", 1 }, { "7 % 2.5 == null", 1 },
		{ "\"a\" % 2 == null", 1 }, { ".missing % 2 == null", 1 },
		{ ".f % 2 == null", 1 },
		{ "1 / 0 == null", 1 }, { "0 / 0 == null", 1 },
		{ "-1 / 0 == null", 1 }, { ".n / .z == null", 1 },
		{ "1 / 4 == 0.25", 1 }, { "7 / 2 == 3.5", 1 },
		{ "6 / 3 == 2", 1 }, { ".n / 2 == 2.5", 1 },
		{ ".missing + 1 == null", 1 }, { ".s + 1 == null", 1 },
		{ "-.s == null", 1 }, { "-.missing == null", 1 },
		{ ".t * 2 == null", 1 }, { "0.1 + 0.2 > 0.3", 1 },
		{ "9223372036854775807 + 0 == .big", 1 },
		{ "-(-9223372036854775807 - 1) > 0", 1 },
	};

	expect_cases("arith", c, NELEM(c), rec_default, NULL, 0);
}

static void
test_time(void)
{
	static const struct ecase c[] = {
		{ "@time == \"2024-11-12T10:00:00Z\"", 1 },
		{ "@time == \"2024-11-12T10:00:00.000Z\"", 1 },
		{ "@time > \"2024-11-12T09:59:59.999Z\"", 1 },
		{ "@time < \"2024-11-12T10:00:00.001Z\"", 1 },
		{ "@time >= \"2024-11-12T11:00:00+01:00\"", 1 },
		{ "@time == \"2024-11-12T11:00:00+01:00\"", 1 },
		{ "@time == \"2024-11-12 10:00:00Z\"", 1 },
		{ "@time > \"2024-11-12T10:00:00Z\"", 0 },
		{ "\"2024-11-12T10:00:00Z\" == @time", 1 },
		{ "\"2024-11-12T09:00:00Z\" < @time", 1 },
		{ "@time == 1731405600", 1 },
		{ "@time == 1731405600000", 1 },
		{ "@time == 1731405600000000", 1 },
		{ "@time == 1731405600000000000", 1 },
		{ "@time > 1731405599.5", 1 },
		{ "@time < 1731405600.001", 1 },
		{ "@time == \"1731405600\"", 1 },
		{ "@time > .ts", 1 }, { "@time < .ts", 0 },
		{ "@time == .tsn", 1 }, { ".tsn == @time", 1 },
		{ "@time < .bad", 0 }, { "@time > .bad", 0 },
		{ "@time != .bad", 1 }, { "@time == .missing", 0 },
		{ "@time != .missing", 1 },
	};

	expect_cases("@time", c, NELEM(c), rec_default, NULL, 0);
	CHECK_INT_EQ(run("@time == \"2024-11-12T10:00:00Z\"", "{}", T0 + 1,
	    NULL, 0).rc, 0);
	CHECK_INT_EQ(run("@time > \"2024-11-12T10:00:00Z\"", "{}", T0 + 1,
	    NULL, 0).rc, 1);
	CHECK_INT_EQ(run("@time < 0", "{}", -1, NULL, 0).rc, 1);
	CHECK_INT_EQ(run("@time < \"1970-01-01T00:00:00Z\"", "{}", -1, NULL,
	    0).rc, 1);
	/* A constant that is no time is a usage error. */
	CHECK_INT_EQ(run("@time < \"not a time\"", "{}", T0, NULL, 0).rc,
	    COMPILE_ERR);
	CHECK_INT_EQ(run("@time < true", "{}", T0, NULL, 0).rc, COMPILE_ERR);
	CHECK_INT_EQ(run("@tim > 0", "{}", T0, NULL, 0).rc, COMPILE_ERR);
}

static void
test_uses_time(void)
{
	struct fields *fl = rec_fields_new();
	struct fault f;
	struct expr *ex;
	int col;

	ex = expr_compile("@time > 0 or .a", fl, NULL, 0, &col, &f);
	CHECK(ex != NULL && expr_uses_time(ex) == 1);
	expr_free(ex);
	ex = expr_compile(".a > 0", fl, NULL, 0, &col, &f);
	CHECK(ex != NULL && expr_uses_time(ex) == 0);
	CHECK(rec_fields_count(fl) >= 3);
	expr_free(ex);
	rec_fields_free(fl);
	expr_free(NULL);
}

static void
test_vars(void)
{
	static struct expr_var vars[] = {
		{ "name", "\"hello\"" },
		{ "n", "5" },
		{ "l", "[1,5,\"x\"]" },
		{ "o", "{\"a\":1,\"b\":2}" },
		{ "nul", "null" },
		{ "q", "\"a\\\"b\"" },
		{ "t", "1731405600" },
		{ "th", "1731405600.5" },
		{ "tms", "1731405600000" },
		{ "ts", "\"2024-11-12T10:00:00Z\"" },
		{ "re", "\"(?i)^HEL\"" },
		{ "empty", "[]" },
	};
	static const struct ecase c[] = {
		{ ".s == $name", 1 }, { ".n == $n", 1 }, { "$n + 1 == 6", 1 },
		{ ".n in $l", 1 }, { ".s in $l", 0 }, { "\"x\" in $l", 1 },
		{ ".n in $empty", 0 },
		{ ".obj == $o", 1 }, { ".obj2 == $o", 1 },
		{ "length($o) == 2", 1 },
		{ ".nu == $nul", 1 }, { ".missing == $nul", 1 },
		{ ".q == $q", 1 }, { "$name == \"hello\"", 1 },
		{ ".s =~ $re", 1 },
		{ "@time == $t", 1 }, { "@time < $th", 1 },
		{ "@time == $tms", 1 }, { "@time == $ts", 1 },
		{ "$t == @time", 1 },
		{ "$n", 1 }, { "$nul", 0 },
	};
	struct result r;

	expect_cases("vars", c, NELEM(c), rec_default, vars,
	    (int)NELEM(vars));
	r = run(".s == $nope", rec_default, T0, vars, (int)NELEM(vars));
	CHECK_INT_EQ(r.rc, COMPILE_ERR);
	CHECK_INT_EQ(r.col, 6);
	CHECK(strstr(r.f.msg, "nope") != NULL);
	r = run(".n == $l", rec_default, T0, vars, (int)NELEM(vars));
	CHECK_INT_EQ(r.rc, COMPILE_ERR);
	r = run(".s == $name", rec_default, T0, NULL, 0);
	CHECK_INT_EQ(r.rc, COMPILE_ERR);
}

static void
test_syntax_errors(void)
{
	static const struct {
		const char	*expr;
		int		 col;	/* -1: any column */
	} c[] = {
		{ ".a ==", 5 },
		{ ".status >=", 10 },
		{ ".a = 1", 3 },
		{ "(.a == 1", 8 },
		{ ".a == 1 )", 8 },
		{ "foo(.a)", 0 },
		{ ".a == 1 == 2", 8 },
		{ ".a < .b < .c", 8 },
		{ "1 +", 3 },
		{ "#", 0 },
		{ ".a == \"abc", 6 },
		{ "!.a", 0 },
		{ ".a in 1", 3 },
		{ "", 0 },
		{ "   ", 3 },
		{ "exists(1)", 7 },
		{ ".a and", 6 },
		{ "1 2", 2 },
		{ "not", 3 },
		{ ".[", 0 },
		{ ".a == .[", 6 },
		{ "contains(.a)", 11 },
		{ "contains(.a, \"b\", \"c\")", 16 },
		{ "[1, 2]", 0 },
		{ ".a == [1]", 6 },
		{ ".a == \"\\x\"", 7 },
		{ ".x =~ \"^10\\.47\"", 10 },
		{ ".a == \"ab\\u12\" or 1", 9 },
		{ ".a == \"ab\\\\\\d\"", 11 },
		{ ".a == \"a\tb\"", 8 },
		{ ".a =~ .b", -1 },
		{ ".a =~ \"(\"", -1 },
		{ ".a == 1 or", 10 },
		{ ".a == @now", 6 },
		{ "((1)", 4 },
		{ ".a ! .b", 3 },
	};
	struct result r;
	size_t i;

	for (i = 0; i < NELEM(c); i++) {
		r = run(c[i].expr, "{}", 0, NULL, 0);
		check_count++;
		if (r.rc != COMPILE_ERR || r.f.code != EX_USAGE ||
		    r.f.msg[0] == '\0' ||
		    (c[i].col >= 0 && r.col != c[i].col) || r.col < 0 ||
		    (size_t)r.col > strlen(c[i].expr)) {
			check_failures++;
			fprintf(stderr, "syntax `%s`: rc %d code %d col %d msg "
			    "\"%s\"; want EX_USAGE at col %d\n", c[i].expr,
			    r.rc, r.f.code, r.col, r.f.msg, c[i].col);
		}
	}
	/* A bad escape says how to write it (SPEC 5: JSON escapes). */
	r = run(".x =~ \"^10\\.47\"", "{}", 0, NULL, 0);
	CHECK_STR_EQ(r.f.msg, "bad escape \\. in string (JSON escapes: "
	    "write \\\\. to get \\.)");
	/* The regex error points at the operator or at the pattern. */
	r = run(".a =~ \"(\"", "{}", 0, NULL, 0);
	CHECK(r.col >= 3 && r.col <= 6);
	CHECK(strstr(r.f.msg, "regex") != NULL);
}

/* Limits: deep nesting and huge expressions fail cleanly. */
static void
test_limits(void)
{
	size_t n = 20000, i;
	char *s = malloc(n * 3 + 16);
	struct result r;

	if (s == NULL)
		return;
	/* 30 parentheses are fine. */
	for (i = 0; i < 30; i++)
		s[i] = '(';
	s[30] = '1';
	for (i = 0; i < 30; i++)
		s[31 + i] = ')';
	s[61] = '\0';
	CHECK_INT_EQ(run(s, "{}", 0, NULL, 0).rc, 1);
	/* 10000 are not, and do not overflow the stack. */
	for (i = 0; i < 10000; i++)
		s[i] = '(';
	s[10000] = '1';
	for (i = 0; i < 10000; i++)
		s[10001 + i] = ')';
	s[20001] = '\0';
	r = run(s, "{}", 0, NULL, 0);
	CHECK_INT_EQ(r.rc, COMPILE_ERR);
	CHECK_INT_EQ(r.f.code, EX_USAGE);
	for (i = 0; i < 10000; i++)
		memcpy(s + 4 * i, "not ", 4);
	memcpy(s + 40000 - 0, "true", 5);
	CHECK_INT_EQ(run(s, "{}", 0, NULL, 0).rc, COMPILE_ERR);
	memset(s, '-', 10000);
	memcpy(s + 10000, "1", 2);
	CHECK_INT_EQ(run(s, "{}", 0, NULL, 0).rc, COMPILE_ERR);
	free(s);

	/* EXPR_NODES_MAX: 9999 nodes compile, 10001 do not. */
	s = malloc(2 * 5001 + 8);
	if (s == NULL)
		return;
	s[0] = '1';
	for (i = 0; i < 4999; i++)
		memcpy(s + 1 + 2 * i, "+1", 2);
	s[1 + 2 * 4999] = '\0';
	CHECK_INT_EQ(run(s, "{}", 0, NULL, 0).rc, 1);
	for (i = 4999; i < 5000; i++)
		memcpy(s + 1 + 2 * i, "+1", 2);
	s[1 + 2 * 5000] = '\0';
	CHECK_INT_EQ(run(s, "{}", 0, NULL, 0).rc, COMPILE_ERR);
	free(s);

	/* EXPR_TEXT_MAX bytes of text. */
	s = malloc(EXPR_TEXT_MAX + 2);
	if (s == NULL)
		return;
	memset(s, ' ', EXPR_TEXT_MAX + 1);
	s[0] = '1';
	s[EXPR_TEXT_MAX + 1] = '\0';
	CHECK_INT_EQ(run(s, "{}", 0, NULL, 0).rc, COMPILE_ERR);
	s[EXPR_TEXT_MAX] = '\0';
	CHECK_INT_EQ(run(s, "{}", 0, NULL, 0).rc, 1);
	free(s);
}

/* A catastrophic pattern hits the match limit instead of hanging. */
static void
test_regex_limit(void)
{
	static const char line[] =
	    "{\"s\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}";
	struct fields *fl = rec_fields_new();
	struct arena *ar = arena_new();
	struct parser *ps;
	struct record rec;
	struct fault f;
	struct expr *ex;
	struct timespec a, b;
	int col, rc;

	ex = expr_compile(".s =~ \"(a+)+$\"", fl, NULL, 0, &col, &f);
	CHECK(ex != NULL);
	ps = rec_parser_new(fl, ar, &f);
	if (ex == NULL || ps == NULL)
		return;
	CHECK_INT_EQ(rec_parse(ps, line, strlen(line), &rec, &f), 0);
	fault_clear(&f);
	clock_gettime(CLOCK_MONOTONIC, &a);
	rc = expr_holds(ex, &rec, ar, &f);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK_INT_EQ(rc, -1);
	CHECK_INT_EQ(f.code, EX_DATAERR);
	CHECK(f.msg[0] != '\0');
	CHECK(b.tv_sec - a.tv_sec < 10);
	/* The next record is judged normally. */
	CHECK_INT_EQ(rec_parse(ps, "{\"s\":\"aaa\"}", 11, &rec, &f), 0);
	CHECK_INT_EQ(expr_holds(ex, &rec, ar, &f), 1);
	CHECK_INT_EQ(rec_parse(ps, "{\"s\":\"aab\"}", 11, &rec, &f), 0);
	CHECK_INT_EQ(expr_holds(ex, &rec, ar, &f), 0);
	rec_parser_free(ps);
	expr_free(ex);
	rec_fields_free(fl);
	arena_free(ar);
}

/* The caret under a syntax error's column, or nothing it cannot point. */
static void
test_caret(void)
{
	struct buf b;

	buf_init(&b);
	expr_caret(&b, ".a ==", 5);
	CHECK_STR_EQ(buf_cstr(&b), "  .a ==\n       ^\n");
	buf_clear(&b);
	expr_caret(&b, "\t.a >", 0);
	CHECK_STR_EQ(buf_cstr(&b), "  \t.a >\n  ^\n");
	buf_clear(&b);
	expr_caret(&b, "\t.a >", 3);
	CHECK_STR_EQ(buf_cstr(&b), "  \t.a >\n  \t  ^\n");
	buf_clear(&b);
	expr_caret(&b, "x", -1);
	expr_caret(&b, "a\nb", 1);
	CHECK_INT_EQ(b.len, 0);
	buf_release(&b);
}

int
main(void)
{
	test_precedence();
	test_compare();
	test_null_missing();
	test_functions();
	test_regex();
	test_arith();
	test_time();
	test_uses_time();
	test_vars();
	test_syntax_errors();
	test_limits();
	test_regex_limit();
	test_caret();
	return check_done("test_expr");
}
