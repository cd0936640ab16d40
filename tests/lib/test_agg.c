/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_agg.c - unit tests for lib/agg.c and lib/sketch.c.
 *
 * Expected values are worked out apart from the code: by hand for small
 * sets (2,4,4,4,5,5,7,9 has mean 5 and squared deviations summing to
 * 32, so sample variance 32/7 and stddev 2.1380899352993950), from the
 * definition for nearest-rank quantiles (sorted values, index
 * ceil(q n) - 1, with q n worked out in integers), and by brute force
 * (sorting, exact counting) for the sketches, whose results must stay
 * within their documented error.  Random data comes from a fixed-seed
 * splitmix64, so every run is the same run.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "agg.h"
#include "arena.h"
#include "buf.h"
#include "check.h"
#include "fault.h"
#include "hash.h"
#include "jcur.h"
#include "key.h"
#include "record.h"
#include "dds.h"
#include "freq.h"
#include "hll.h"
#include "sketch.h"
#include "ss.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double
unif(uint64_t *s)
{
	return (double)((rnd(s) >> 11) + 1) * 0x1p-53;	/* (0, 1] */
}

static double
normal(uint64_t *s)
{
	return sqrt(-2 * log(unif(s))) * cos(2 * M_PI * unif(s));
}

/* --- a harness: aggregates over NDJSON lines, through record.c --- */

struct h {
	struct fields	*fl;
	struct arena	*ar;
	struct parser	*ps;
	struct aggset	 as;
	uint64_t	 seq;
};

static int
h_open(struct h *h, const char *const *args, int exact)
{
	struct fault f;
	int n = 0, used;

	memset(h, 0, sizeof(*h));
	while (args[n] != NULL)
		n++;
	h->fl = rec_fields_new();
	h->ar = arena_new();
	fault_clear(&f);
	if (aggset_parse(&h->as, (char **)args, n, &used, exact, h->fl,
	    &f) == -1) {
		fprintf(stderr, "h_open(%s): %s\n", args[0], f.msg);
		check_failures++;
		return -1;
	}
	h->ps = rec_parser_new(h->fl, h->ar, &f);
	return 0;
}

static void *
h_block(struct h *h)
{
	void *b = malloc(h->as.state_size > 0 ? h->as.state_size : 1);

	aggset_init(&h->as, b);
	return b;
}

static void
h_free_block(struct h *h, void *b)
{
	aggset_release(&h->as, b);
	free(b);
}

static void
h_add(struct h *h, void *block, const char *line, int64_t t)
{
	struct record rec;
	struct fault f;

	arena_reset(h->ar);
	if (rec_parse(h->ps, line, strlen(line), &rec, &f) == -1) {
		fprintf(stderr, "h_add(%s): %s\n", line, f.msg);
		check_failures++;
		return;
	}
	aggset_add(&h->as, block, rec.v, t, h->seq++);
}

static void
h_close(struct h *h)
{
	rec_parser_free(h->ps);
	rec_fields_free(h->fl);
	arena_free(h->ar);
	aggset_release_specs(&h->as);
}

/* The result record {"name":value,...} as a C string in b. */
static const char *
h_result(struct h *h, const void *block, struct buf *b)
{
	buf_clear(b);
	aggset_result(&h->as, block, b);
	if (b->len == 0)
		buf_addc(b, '{');
	b->data[0] = '{';	/* over the leading comma */
	buf_addc(b, '}');
	return buf_cstr(b);
}

/* The value text of field name in a compact object, into out. */
static const char *
field(const char *obj, const char *name, char *out, size_t size)
{
	struct jcur j;
	const char *k, *p;
	size_t n, vn;

	jc_init(&j, obj, strlen(obj), NULL);
	snprintf(out, size, "(missing)");
	if (jc_begin_object(&j) == -1)
		return out;
	while (jc_more(&j) == 1) {
		if (jc_key(&j, &k, &n) == -1 || jc_raw(&j, &p, &vn) == -1)
			break;
		if (n == strlen(name) && memcmp(k, name, n) == 0) {
			snprintf(out, size, "%.*s", (int)vn, p);
			break;
		}
	}
	return out;
}

static void
expect_field(const char *where, const char *obj, const char *name,
    const char *want)
{
	char got[4096];

	field(obj, name, got, sizeof(got));
	check_count++;
	if (strcmp(got, want) == 0)
		return;
	check_failures++;
	fprintf(stderr, "%s: %s == %s, want %s\n", where, name, got, want);
}

static double
field_num(const char *obj, const char *name)
{
	char got[4096];

	field(obj, name, got, sizeof(got));
	return strcmp(got, "null") == 0 ? NAN : strtod(got, NULL);
}

static void
add_x(struct h *h, void *block, const char *text, int64_t t)
{
	char line[4200];

	snprintf(line, sizeof(line), "{\"x\":%s}", text);
	h_add(h, block, line, t);
}

/* --- parsing --- */

struct parse_case {
	const char	*args[4];
	const char	*name;
	double		 q;
	int		 k;
};

static void
test_parse_ok(void)
{
	static const struct parse_case cases[] = {
		{ { "count" }, "count", 0, 0 },
		{ { "  count  " }, "count", 0, 0 },
		{ { "count()" }, "count", 0, 0 },
		{ { "sum(.bytes)" }, "sum_bytes", 0, 0 },
		{ { "avg(.latency_ms)" }, "avg_latency_ms", 0, 0 },
		{ { "min(.a.b)" }, "min_b", 0, 0 },
		{ { "max(.a[0])" }, "max_a", 0, 0 },
		{ { "first(.[\"k.y\"])" }, "first_k.y", 0, 0 },
		{ { "last( .x )" }, "last_x", 0, 0 },
		{ { "var (.x)" }, "var_x", 0, 0 },
		{ { "stddev(.x)" }, "stddev_x", 0, 0 },
		{ { "p99(.latency_ms)" }, "p99_latency_ms", 0.99, 0 },
		{ { "p50(.x)" }, "p50_x", 0.5, 0 },
		{ { "p999(.x)" }, "p999_x", 0.999, 0 },
		{ { "p5(.x)" }, "p5_x", 0.05, 0 },
		{ { "p05(.x)" }, "p05_x", 0.05, 0 },
		{ { "p100(.x)" }, "p100_x", 1.0, 0 },
		{ { "p0(.x)" }, "p0_x", 0.0, 0 },
		{ { "p001(.x)" }, "p001_x", 0.001, 0 },
		{ { "quantile(.x, 0.95)" }, "p95_x", 0.95, 0 },
		{ { "quantile(.x,0.999)" }, "p999_x", 0.999, 0 },
		{ { "quantile( .x , 0.5 )" }, "p50_x", 0.5, 0 },
		{ { "quantile(.x, 0.05)" }, "p5_x", 0.05, 0 },
		{ { "quantile(.x, 1)" }, "p100_x", 1.0, 0 },
		{ { "quantile(.x, 0.001)" }, "p001_x", 0.001, 0 },
		{ { "quantile(.x, 0.3333333333)" }, "quantile_x", 0.3333333333,
		    0 },
		{ { "distinct(.user)" }, "distinct_user", 0, 0 },
		{ { "approx_distinct(.user)" }, "approx_distinct_user", 0, 0 },
		{ { "top(.path, 5)" }, "top_path", 0, 5 },
		{ { "top(.path,10000)" }, "top_path", 0, 10000 },
		{ { "collect(.)" }, "collect_value", 0, 0 },
		{ { "p99(.x) as p" }, "p", 0.99, 0 },
		{ { "p99(.x)  as  my p  " }, "my p", 0.99, 0 },
		{ { "p99(.x)", "as", "p" }, "p", 0.99, 0 },
		{ { "count as n" }, "n", 0, 0 },
		{ { "count", "as", "n" }, "n", 0, 0 },
	};
	struct aggset as;
	struct fault f;
	size_t i;
	int n, used;

	for (i = 0; i < NELEM(cases); i++) {
		const struct parse_case *c = &cases[i];

		for (n = 0; n < 4 && c->args[n] != NULL; n++)
			;
		fault_clear(&f);
		check_count++;
		if (aggset_parse(&as, (char **)c->args, n, &used, 0, NULL,
		    &f) == -1 || as.n != 1 || used != n ||
		    strcmp(as.specs[0].name, c->name) != 0 ||
		    as.specs[0].q != c->q || as.specs[0].k != c->k) {
			check_failures++;
			fprintf(stderr, "parse(%s): %s name %s q %g k %d\n",
			    c->args[0], f.msg, as.n == 1 ?
			    as.specs[0].name : "-", as.n == 1 ?
			    as.specs[0].q : -1, as.n == 1 ? as.specs[0].k : -1);
			continue;
		}
		aggset_release_specs(&as);
	}
}

static void
test_parse_operands(void)
{
	const char *a1[] = { "count", "sum(.x)", "file.ndjson", "p50(.y)" };
	const char *a2[] = { "count", "./count" };
	const char *a3[] = { "p99(.x)", "as", "p", "-" };
	struct fields *fl = rec_fields_new();
	struct aggset as;
	struct fault f;
	int used;

	CHECK_INT_EQ(aggset_parse(&as, (char **)a1, 4, &used, 1, fl, &f), 0);
	CHECK_INT_EQ(used, 2);
	CHECK_INT_EQ(as.n, 2);
	CHECK_INT_EQ(as.specs[0].slot, -1);
	CHECK(as.specs[1].slot >= 0);
	CHECK_INT_EQ(as.specs[1].offset, 8);
	CHECK_INT_EQ(as.state_size % 8, 0);
	aggset_release_specs(&as);
	CHECK_INT_EQ(aggset_parse(&as, (char **)a2, 2, &used, 0, fl, &f), 0);
	CHECK_INT_EQ(used, 1);
	aggset_release_specs(&as);
	CHECK_INT_EQ(aggset_parse(&as, (char **)a3, 4, &used, 1, fl, &f), 0);
	CHECK_INT_EQ(used, 3);
	CHECK(as.specs[0].exact);
	aggset_release_specs(&as);
	rec_fields_free(fl);

	CHECK(agg_looks_like("count"));
	CHECK(agg_looks_like("count as n"));
	CHECK(agg_looks_like("sum(.x)"));
	CHECK(agg_looks_like("p99 (.x)"));
	CHECK(agg_looks_like("foo(.x)"));	/* then: unknown aggregate */
	CHECK(!agg_looks_like("./count"));
	CHECK(!agg_looks_like("count.json"));
	CHECK(!agg_looks_like("counts"));
	CHECK(!agg_looks_like("-"));
	CHECK(!agg_looks_like("data.ndjson"));
	CHECK(!agg_looks_like("as"));
	CHECK(agg_looks_like("sum"));		/* then: expected '(' */
	CHECK(agg_looks_like("p99 .x"));
	CHECK(!agg_looks_like("sum.x"));
	CHECK(!agg_looks_like(""));
	CHECK(!agg_looks_like("9(x)"));
}

struct bad_case {
	const char	*args[4];
	const char	*reason;
};

static void
test_parse_bad(void)
{
	static const struct bad_case cases[] = {
		{ { "foo(.x)" }, "unknown aggregate \"foo(.x)\": expected "
		    "count, sum, avg, min, max, first, last, var, stddev, pNN, "
		    "quantile, distinct, approx_distinct, top, approx_top or "
		    "collect" },
		{ { "p(.x)" }, "unknown aggregate" },
		{ { "p12345678901(.x)" }, "unknown aggregate" },
		{ { "sum(.x" }, "missing ')'" },
		{ { "sum .x)" }, "expected '('" },
		{ { "sum" }, "expected '('" },
		{ { "sum(x)" }, "a path starts with '.'" },
		{ { "sum()" }, "a path starts with '.'" },
		{ { "sum(.x) trailing" }, "unexpected text" },
		{ { "sum(.x) as" }, "missing NAME" },
		{ { "sum(.x) as   " }, "missing NAME" },
		{ { "sum(.x)", "as" }, "missing NAME" },
		{ { "sum(.x) as a", "as", "b" }, "named twice" },
		{ { "sum(.x, 2)" }, "missing ')'" },
		{ { "count(.x)" }, "count takes no path" },
		{ { "quantile(.x)" }, "expected \", q\"" },
		{ { "quantile(.x, 1.5)" }, "q must be a number from 0 to 1" },
		{ { "quantile(.x, -0.1)" }, "q must be" },
		{ { "quantile(.x, abc)" }, "q must be" },
		{ { "quantile(.x, nan)" }, "q must be" },
		{ { "quantile(.x, 0.5 0.6)" }, "missing ')'" },
		{ { "top(.x)" }, "expected \", k\"" },
		{ { "top(.x, 0)" }, "k must be an integer from 1 to 10000" },
		{ { "top(.x, 10001)" }, "k must be" },
		{ { "top(.x, 99999999999999999999)" }, "k must be" },
		{ { "top(.x, 2.5)" }, "missing ')'" },
		{ { "top(.x, -1)" }, "k must be" },
		{ { "sum(.x)", "sum(.x)" }, "two aggregates named \"sum_x\" "
		    "(rename one with 'as NAME')" },
		{ { "count", "p50(.y) as count" }, "two aggregates named "
		    "\"count\"" },
		{ { "quantile(.x, 0.5)", "p50(.x)" }, "named \"p50_x\"" },
		{ { "file.ndjson" }, "expected an aggregate" },
	};
	struct aggset as;
	struct fault f;
	size_t i;
	int n, used, rc;

	for (i = 0; i < NELEM(cases); i++) {
		const struct bad_case *c = &cases[i];

		for (n = 0; n < 4 && c->args[n] != NULL; n++)
			;
		fault_clear(&f);
		rc = aggset_parse(&as, (char **)c->args, n, &used, 0, NULL, &f);
		check_count++;
		if (rc == -1 && f.code == EX_USAGE &&
		    strstr(f.msg, c->reason) != NULL && as.n == 0)
			continue;
		check_failures++;
		fprintf(stderr, "parse(%s): rc %d code %d \"%s\", want "
		    "\"%s\"\n", c->args[0], rc, f.code, f.msg, c->reason);
		if (rc == 0)
			aggset_release_specs(&as);
	}
}

static void
test_parse_limits(void)
{
	char *args[AGG_MAX + 1], names[AGG_MAX + 1][32];
	struct aggset as;
	struct fault f;
	int i, used;

	for (i = 0; i <= AGG_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "sum(.x) as s%d", i);
		args[i] = names[i];
	}
	CHECK_INT_EQ(aggset_parse(&as, args, AGG_MAX, &used, 0, NULL, &f), 0);
	CHECK_INT_EQ(as.n, AGG_MAX);
	aggset_release_specs(&as);
	CHECK_INT_EQ(aggset_parse(&as, args, AGG_MAX + 1, &used, 0, NULL,
	    &f), -1);
	CHECK(strstr(f.msg, "more than 64 aggregates") != NULL);
}

static void
test_describe(void)
{
	const char *args[] = { "count", "p99(.x)", "top(.[\"a b\"], 5) as t",
	    "quantile(.a[2].b, 0.25)", "sum(.[\"x\"])" };
	struct aggset as;
	struct fault f;
	struct buf b;
	int used;

	buf_init(&b);
	CHECK_INT_EQ(aggset_parse(&as, (char **)args, 5, &used, 1, NULL, &f),
	    0);
	aggset_describe(&as, &b);
	CHECK_STR_EQ(buf_cstr(&b), "count as \"count\" "
	    "quantile(.x,0.99) exact as \"p99_x\" "
	    "top(.[\"a b\"],5) as \"t\" "
	    "quantile(.a[2].b,0.25) exact as \"p25_b\" "
	    "sum(.x) as \"sum_x\"");
	aggset_release_specs(&as);
	buf_release(&b);
}

/* --- exact aggregates --- */

static void
test_small_set(void)
{
	static const char *const xs[] = { "4", "2", "9", "4", "5", "7", "4",
	    "5" };
	struct h h;
	struct buf b;
	const char *r;
	void *blk;
	size_t i;

	if (h_open(&h, (const char *[]){ "count", "sum(.x)", "avg(.x)",
	    "var(.x)", "stddev(.x)", "min(.x)", "max(.x)", "p50(.x)",
	    "p90(.x)", "p25(.x)", "p0(.x)", NULL }, 1) == -1)
		return;
	buf_init(&b);
	blk = h_block(&h);
	for (i = 0; i < NELEM(xs); i++)
		add_x(&h, blk, xs[i], 0);
	r = h_result(&h, blk, &b);
	expect_field("small", r, "count", "8");
	expect_field("small", r, "sum_x", "40");
	expect_field("small", r, "min_x", "2");
	expect_field("small", r, "max_x", "9");
	CHECK_DBL_NEAR(field_num(r, "avg_x"), 5.0, 1e-12);
	CHECK_DBL_NEAR(field_num(r, "var_x"), 32.0 / 7, 1e-12);
	CHECK_DBL_NEAR(field_num(r, "stddev_x"), 2.1380899352993950, 1e-12);
	/* Sorted 2 4 4 4 5 5 7 9: ranks 4, 8 (ceil 7.2), 2 and 1. */
	expect_field("small", r, "p50_x", "4");
	expect_field("small", r, "p90_x", "9");
	expect_field("small", r, "p25_x", "4");
	expect_field("small", r, "p0_x", "2");
	CHECK_INT_EQ(h.as.nonnumeric, 0);
	h_free_block(&h, blk);
	/* One value: var and stddev need two. */
	blk = h_block(&h);
	add_x(&h, blk, "3", 0);
	r = h_result(&h, blk, &b);
	expect_field("one", r, "var_x", "null");
	expect_field("one", r, "stddev_x", "null");
	expect_field("one", r, "avg_x", "3");
	add_x(&h, blk, "1", 0);
	r = h_result(&h, blk, &b);
	expect_field("two", r, "var_x", "2");
	h_free_block(&h, blk);
	buf_release(&b);
	h_close(&h);
}

static void
test_kinds(void)
{
	static const struct {
		const char	*xs[4];
		const char	*sum, *min, *max;
	} cases[] = {
		{ { "1", "2" }, "3", "1", "2" },
		{ { "1", "2.5" }, "3.5", "1", "2.5" },
		{ { "1.5", "1.5" }, "3", "1.5", "1.5" },
		{ { "9007199254740993", "1" }, "9007199254740994", "1",
		    "9007199254740993" },
		/* 2^53 as a double against 2^53 + 1 as an integer. */
		{ { "9007199254740993", "9007199254740992.0" },
		    "18014398509481984", "9007199254740992",
		    "9007199254740993" },
		{ { "-9223372036854775808", "9223372036854775807" }, "-1",
		    "-9223372036854775808", "9223372036854775807" },
		/* Past int64 a sum of integers stays exact (int128). */
		{ { "9223372036854775807", "1" }, "9223372036854775808",
		    "1", "9223372036854775807" },
		{ { "-9223372036854775808", "-1" }, "-9223372036854775809",
		    "-9223372036854775808", "-1" },
		/* 2^63 + 0.5: the nearest double of the exact total. */
		{ { "9223372036854775807", "1", "0.5" },
		    "9.223372036854776e+18", "0.5", "9223372036854775807" },
		/* Integers exact beside the double part: 2^53 + 1 + 0.5 - 0.5. */
		{ { "9007199254740993", "0.5", "-0.5" }, "9007199254740992",
		    "-0.5", "9007199254740993" },
		/* Neumaier keeps the 1 that naive summation loses. */
		{ { "1e100", "1", "-1e100" }, "1", "-1e+100", "1e+100" },
		{ { "0.1", "0.2", "0.3" }, "0.6", "0.1", "0.3" },
		{ { "3", "3.0" }, "6", "3", "3" },
		{ { "-0.0" }, "0", "-0", "-0" },
	};
	struct h h;
	struct buf b;
	const char *r;
	void *blk;
	size_t i, k;

	if (h_open(&h, (const char *[]){ "sum(.x)", "min(.x)", "max(.x)",
	    NULL }, 0) == -1)
		return;
	buf_init(&b);
	for (i = 0; i < NELEM(cases); i++) {
		blk = h_block(&h);
		for (k = 0; k < 4 && cases[i].xs[k] != NULL; k++)
			add_x(&h, blk, cases[i].xs[k], 0);
		r = h_result(&h, blk, &b);
		expect_field(cases[i].xs[0], r, "sum_x", cases[i].sum);
		expect_field(cases[i].xs[0], r, "min_x", cases[i].min);
		expect_field(cases[i].xs[0], r, "max_x", cases[i].max);
		h_free_block(&h, blk);
	}
	/* 0.1 added ten times: naive summation gives 0.9999999999999999. */
	blk = h_block(&h);
	for (i = 0; i < 10; i++)
		add_x(&h, blk, "0.1", 0);
	expect_field("0.1 x 10", h_result(&h, blk, &b), "sum_x", "1");
	h_free_block(&h, blk);
	buf_release(&b);
	h_close(&h);
}

static void
test_nonnumeric(void)
{
	static const char *const lines[] = { "{\"x\":\"a\"}", "{\"x\":true}",
	    "{\"x\":null}", "{\"y\":1}", "{\"x\":{\"y\":1}}", "{\"x\":[1]}",
	    "{\"x\":1e999}", "{\"x\":3}" };
	struct h h;
	struct buf b;
	const char *r;
	void *blk;
	size_t i;

	if (h_open(&h, (const char *[]){ "count", "sum(.x)", "p50(.x)",
	    "collect(.x)", "distinct(.x)", NULL }, 0) == -1)
		return;
	buf_init(&b);
	blk = h_block(&h);
	for (i = 0; i < NELEM(lines); i++)
		h_add(&h, blk, lines[i], 0);
	r = h_result(&h, blk, &b);
	expect_field("mixed", r, "count", "8");
	expect_field("mixed", r, "sum_x", "3");
	expect_field("mixed", r, "p50_x", "3");
	expect_field("mixed", r, "collect_x",
	    "[\"a\",true,null,{\"y\":1},[1],1e999,3]");
	expect_field("mixed", r, "distinct_x", "7");
	/* "a", true, {"y":1}, [1] and 1e999, for each of two numeric aggs. */
	CHECK_INT_EQ(h.as.nonnumeric, 10);
	h_free_block(&h, blk);
	h_close(&h);

	if (h_open(&h, (const char *[]){ "count", "sum(.x)", "avg(.x)",
	    "min(.x)", "max(.x)", "var(.x)", "stddev(.x)", "p50(.x)",
	    "first(.x)", "last(.x)", "distinct(.x)", "approx_distinct(.x)",
	    "top(.x, 2)", "collect(.x)", NULL }, 0) == -1)
		return;
	blk = h_block(&h);
	h_add(&h, blk, "{\"x\":\"a\"}", 0);
	h_add(&h, blk, "{\"y\":1}", 0);
	r = h_result(&h, blk, &b);
	CHECK_STR_EQ(r, "{\"count\":2,\"sum_x\":null,\"avg_x\":null,"
	    "\"min_x\":null,\"max_x\":null,\"var_x\":null,\"stddev_x\":null,"
	    "\"p50_x\":null,\"first_x\":\"a\",\"last_x\":\"a\","
	    "\"distinct_x\":1,\"approx_distinct_x\":1,"
	    "\"top_x\":[{\"value\":\"a\",\"count\":1}],\"collect_x\":[\"a\"]}");
	h_free_block(&h, blk);
	blk = h_block(&h);
	r = h_result(&h, blk, &b);
	CHECK_STR_EQ(r, "{\"count\":0,\"sum_x\":null,\"avg_x\":null,"
	    "\"min_x\":null,\"max_x\":null,\"var_x\":null,\"stddev_x\":null,"
	    "\"p50_x\":null,\"first_x\":null,\"last_x\":null,"
	    "\"distinct_x\":0,\"approx_distinct_x\":0,\"top_x\":[],"
	    "\"collect_x\":[]}");
	CHECK_INT_EQ(aggset_bytes(&h.as, blk), 0);
	h_free_block(&h, blk);
	buf_release(&b);
	h_close(&h);
}

static void
test_first_last(void)
{
	static const struct {
		const char	*v;
		int64_t		 t;
	} ev[] = { { "\"e\"", 5 }, { "\"a\"", 1 }, { "\"c\"", 3 },
	    { "\"a2\"", 1 }, { "[1, {\"k\": \"v w\"}]", 9 },
	    { "\"z2 is a much longer text than sixteen bytes\"", 9 },
	    { "\"m\"", 4 } };
	struct h h;
	struct buf b;
	const char *r;
	void *blk, *a, *c;
	size_t i;

	if (h_open(&h, (const char *[]){ "first(.x)", "last(.x)", NULL }, 0)
	    == -1)
		return;
	buf_init(&b);
	blk = h_block(&h);
	a = h_block(&h);
	c = h_block(&h);
	for (i = 0; i < NELEM(ev); i++) {
		add_x(&h, blk, ev[i].v, ev[i].t);
		add_x(&h, i % 2 ? a : c, ev[i].v, ev[i].t);
	}
	r = h_result(&h, blk, &b);
	expect_field("pick", r, "first_x", "\"a\"");
	expect_field("pick", r, "last_x",
	    "\"z2 is a much longer text than sixteen bytes\"");
	aggset_merge(&h.as, a, c);
	CHECK_STR_EQ(h_result(&h, a, &b), "{\"first_x\":\"a\",\"last_x\":"
	    "\"z2 is a much longer text than sixteen bytes\"}");
	CHECK(aggset_bytes(&h.as, a) > 0);
	h_free_block(&h, blk);
	/* A container is kept compact; a tie goes to the later arrival. */
	blk = h_block(&h);
	add_x(&h, blk, "\"x\"", 9);
	add_x(&h, blk, "[1, {\"k\": \"v w\"}]", 9);
	CHECK_STR_EQ(h_result(&h, blk, &b),
	    "{\"first_x\":\"x\",\"last_x\":[1,{\"k\":\"v w\"}]}");
	h_free_block(&h, blk);
	h_free_block(&h, a);
	h_free_block(&h, c);
	buf_release(&b);
	h_close(&h);
}

static void
test_distinct_collect(void)
{
	static const char *const xs[] = { "1", "1.0", "\"1\"", "null", "[1,2]",
	    "[ 1, 2 ]", "{\"a\":1}", "true", "1e0", "\"1\"", "-0.0", "0" };
	struct h h;
	struct buf b;
	const char *r;
	char line[64];
	void *blk;
	size_t i;

	if (h_open(&h, (const char *[]){ "distinct(.x)", "collect(.x)",
	    NULL }, 0) == -1)
		return;
	buf_init(&b);
	blk = h_block(&h);
	for (i = 0; i < NELEM(xs); i++)
		add_x(&h, blk, xs[i], 0);
	h_add(&h, blk, "{\"y\":2}", 0);
	r = h_result(&h, blk, &b);
	/* 1, "1", null, [1,2], {"a":1}, true, 0. */
	expect_field("distinct", r, "distinct_x", "7");
	expect_field("collect", r, "collect_x", "[1,1.0,\"1\",null,[1,2],"
	    "[1,2],{\"a\":1},true,1e0,\"1\",-0.0,0]");
	h_free_block(&h, blk);
	/* Past the small list: a table. */
	blk = h_block(&h);
	for (i = 0; i < 3000; i++) {
		snprintf(line, sizeof(line), "{\"x\":\"user%zu\"}", i % 1000);
		h_add(&h, blk, line, 0);
	}
	expect_field("distinct 1000", h_result(&h, blk, &b), "distinct_x",
	    "1000");
	h_free_block(&h, blk);
	buf_release(&b);
	h_close(&h);
}

/* Canonical bytes made on the stack match hash.h's. */
static void
test_canon(void)
{
	static const char *const xs[] = { "1", "-1", "1.0", "1.5", "1e300",
	    "-0.0", "9.3e18", "-9.2e18", "9223372036854775807", "true",
	    "false", "null", "\"\"", "\"short\"", "[1, 2]", "{\"a\" : 1}",
	    "\"a string of well over one hundred and twenty-eight bytes, "
	    "so that the canonical bytes do not fit the stack buffer of "
	    "sk_canon\"" };
	struct fields *fl = rec_fields_new();
	struct arena *ar = arena_new();
	struct parser *ps;
	struct record rec;
	struct fault f;
	struct path p;
	struct buf want, heap, js;
	char tmp[KEY_CANON_TMP], line[512];
	const char *k;
	size_t i, n;
	int slot;

	path_parse(&p, ".x", &f);
	slot = rec_fields_add(fl, &p, &f);
	ps = rec_parser_new(fl, ar, &f);
	buf_init(&want);
	buf_init(&heap);
	buf_init(&js);
	for (i = 0; i < NELEM(xs); i++) {
		snprintf(line, sizeof(line), "{\"x\":%s}", xs[i]);
		arena_reset(ar);
		CHECK_INT_EQ(rec_parse(ps, line, strlen(line), &rec, &f), 0);
		buf_clear(&want);
		key_encode_value(&want, &rec.v[slot]);
		key_canon(&rec.v[slot], tmp, &heap, &k, &n);
		CHECK(n == want.len && memcmp(k, want.data, n) == 0);
		CHECK_INT_EQ(key_canon_len(k, n), n);
		CHECK_INT_EQ(key_canon_len(k, n - 1), 0);
	}
	buf_clear(&js);
	key_canon_json(&js, "d\x7f\xf0\0\0\0\0\0\0", 9);	/* +inf */
	CHECK_STR_EQ(buf_cstr(&js), "1e999");
	buf_release(&want);
	buf_release(&heap);
	buf_release(&js);
	path_release(&p);
	rec_parser_free(ps);
	rec_fields_free(fl);
	arena_free(ar);
}

/* --- quantiles --- */

/* Nearest rank for q = num / den, in integers. */
static uint64_t
rank_int(uint64_t num, uint64_t den, uint64_t n)
{
	uint64_t k = (num * n + den - 1) / den;

	return k < 1 ? 1 : k;
}

static void
test_quantiles_1_100(void)
{
	static const struct {
		const char	*name;
		const char	*want;
	} cases[] = {
		{ "p50_x", "50" }, { "p99_x", "99" }, { "p100_x", "100" },
		{ "p0_x", "1" }, { "p1_x", "1" }, { "p7_x", "7" },
		{ "p995_x", "100" }, { "p999_x", "100" }, { "p10_x", "10" },
		{ "p001_x", "1" }, { "p25_x", "25" },
	};
	const char *args[] = { "p50(.x)", "p99(.x)", "p100(.x)", "p0(.x)",
	    "p1(.x)", "quantile(.x, 0.07)", "quantile(.x, 0.995)", "p999(.x)",
	    "p10(.x)", "p001(.x)", "p25(.x)", NULL };
	struct h h;
	struct buf b;
	const char *r;
	char v[16];
	uint64_t seed = 7;
	int xs[100], i, k, t, exact;
	void *blk;
	size_t c;

	for (i = 0; i < 100; i++)
		xs[i] = i + 1;
	for (i = 99; i > 0; i--) {
		k = (int)(rnd(&seed) % (uint64_t)(i + 1));
		t = xs[i];
		xs[i] = xs[k];
		xs[k] = t;
	}
	buf_init(&b);
	for (exact = 1; exact >= 0; exact--) {
		if (h_open(&h, args, exact) == -1)
			return;
		blk = h_block(&h);
		for (i = 0; i < 100; i++) {
			snprintf(v, sizeof(v), "%d", xs[i]);
			add_x(&h, blk, v, 0);
		}
		r = h_result(&h, blk, &b);
		for (c = 0; c < NELEM(cases); c++) {
			if (exact)
				expect_field("exact", r, cases[c].name,
				    cases[c].want);
			else
				CHECK_DBL_NEAR(field_num(r, cases[c].name),
				    atof(cases[c].want),
				    atof(cases[c].want) * DDS_ERROR);
		}
		/* The ends are exact even in the sketch. */
		expect_field("ends", r, "p0_x", "1");
		expect_field("ends", r, "p100_x", "100");
		h_free_block(&h, blk);
		h_close(&h);
	}
	buf_release(&b);
}

static void
check_sketch(const char *what, const double *sorted, size_t n,
    const struct dds *d)
{
	static const uint64_t qs[][2] = { { 1, 100 }, { 1, 10 }, { 1, 4 },
	    { 1, 2 }, { 3, 4 }, { 9, 10 }, { 99, 100 }, { 999, 1000 } };
	double want, got;
	uint64_t k;
	size_t i;

	CHECK_INT_EQ(dds_count(d), n);
	for (i = 0; i < NELEM(qs); i++) {
		k = rank_int(qs[i][0], qs[i][1], n);
		want = sorted[k - 1];
		got = dds_rank(d, k);
		check_count++;
		if (fabs(got - want) <= DDS_ALPHA * fabs(want) * (1 + 1e-9))
			continue;
		check_failures++;
		fprintf(stderr, "%s: q %g: %.17g, exact %.17g\n", what,
		    (double)qs[i][0] / (double)qs[i][1], got, want);
	}
	CHECK(dds_rank(d, 1) == sorted[0]);
	CHECK(dds_rank(d, n) == sorted[n - 1]);
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
test_dds(void)
{
	enum { N = 100000 };
	double *v = malloc(N * sizeof(double));
	struct dds *d = NULL, *one = NULL;
	uint64_t seed = 12345;
	size_t i;

	/* The constant the sketch uses is 1 / ln(gamma), to the last bit. */
	CHECK(DDS_INV_LN == 1 / log(DDS_GAMMA));

	for (i = 0; i < N; i++) {
		v[i] = exp(3 + 1.5 * normal(&seed));	/* lognormal */
		dds_add(&d, v[i]);
	}
	qsort(v, N, sizeof(double), dbl_cmp);
	check_sketch("lognormal", v, N, d);
	dds_free(d);
	d = NULL;
	/* Negative values, zeros and positive ones. */
	for (i = 0; i < N; i++) {
		v[i] = i % 10 == 0 ? 0 : 100 * normal(&seed);
		dds_add(&d, v[i]);
	}
	qsort(v, N, sizeof(double), dbl_cmp);
	check_sketch("signed", v, N, d);
	dds_free(d);
	d = NULL;
	/* 1e-300 to 1e300 needs ~69000 bins: the lowest collapse. */
	for (i = 0; i < 10000; i++)
		v[i] = pow(10, -300 + 600.0 * (double)i / 9999);
	for (i = 0; i < 10000; i++)
		dds_add(&d, v[9999 - i]);
	CHECK(dds_bytes(d) <= 64 + (DDS_BINS_MAX + 1) * 8);
	CHECK_DBL_NEAR(dds_rank(d, 9900), v[9899], v[9899] * DDS_ALPHA);
	CHECK_DBL_NEAR(dds_rank(d, 9999), v[9998], v[9998] * DDS_ALPHA);
	CHECK(dds_rank(d, 10000) == v[9999]);
	CHECK(dds_rank(d, 1) == v[0]);
	dds_free(d);
	/* A sketch of one value is a few dozen bytes. */
	dds_add(&one, 42.5);
	CHECK(dds_bytes(one) <= 64);
	CHECK(dds_rank(one, 1) == 42.5);
	dds_free(one);
	free(v);
}

/* The sketch through aggset: p99 within 1% of the exact one. */
static void
test_dds_agg(void)
{
	struct h hx, hs;
	struct buf b;
	char v[32];
	void *bx, *bs;
	uint64_t seed = 99;
	double want, got;
	int i;

	if (h_open(&hx, (const char *[]){ "p99(.x)", "p999(.x)", NULL }, 1)
	    == -1 || h_open(&hs, (const char *[]){ "p99(.x)", "p999(.x)",
	    NULL }, 0) == -1)
		return;
	buf_init(&b);
	bx = h_block(&hx);
	bs = h_block(&hs);
	for (i = 0; i < 20000; i++) {
		snprintf(v, sizeof(v), "%.6f", exp(2 * normal(&seed)));
		add_x(&hx, bx, v, 0);
		add_x(&hs, bs, v, 0);
	}
	want = field_num(h_result(&hx, bx, &b), "p99_x");
	got = field_num(h_result(&hs, bs, &b), "p99_x");
	CHECK_DBL_NEAR(got, want, want * DDS_ERROR);
	want = field_num(h_result(&hx, bx, &b), "p999_x");
	got = field_num(h_result(&hs, bs, &b), "p999_x");
	CHECK_DBL_NEAR(got, want, want * DDS_ERROR);
	h_free_block(&hx, bx);
	h_free_block(&hs, bs);
	h_close(&hx);
	h_close(&hs);
	buf_release(&b);
}

/* Significant digits of a JSON number's text (no sign, exponent). */
static int
sig_digits(const char *s)
{
	int n = 0, lead = 1, zeros = 0;

	for (; *s != '\0' && *s != 'e' && *s != 'E'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (lead && *s == '0')
			continue;
		lead = 0;
		if (*s == '0') {
			zeros++;
			continue;
		}
		n += zeros + 1;
		zeros = 0;
	}
	return n;
}

/*
 * Sketch quantiles are printed in the digits their 1% supports: never
 * more than 3 significant ones (the span of a bin is 1% wide, and 3
 * digits step by at most 1%), and still within 1% of the exact answer
 * (from --exact), over random sets of either sign.  The ends (rank 1
 * and n: p0, p100, and p99 of fewer than 100 values) are known exactly
 * and printed as the exact ones are.
 */
static void
test_quantile_digits(void)
{
	static const char *const args[] = { "p1(.x)", "p25(.x)", "p50(.x)",
	    "p90(.x)", "p99(.x)", "p999(.x)", "p0(.x)", "p100(.x)", NULL };
	static const char *const names[] = { "p1_x", "p25_x", "p50_x",
	    "p90_x", "p99_x", "p999_x", "p0_x", "p100_x" };
	struct h hx, hs;
	struct buf bx, bs;
	char v[32], gx[64], gs[64];
	uint64_t seed = 4242;
	void *kx, *ks;
	double want, got;
	int set, i, worst = 0;
	size_t c;

	if (h_open(&hx, args, 1) == -1 || h_open(&hs, args, 0) == -1)
		return;
	buf_init(&bx);
	buf_init(&bs);
	for (set = 0; set < 200; set++) {
		kx = h_block(&hx);
		ks = h_block(&hs);
		for (i = 0; i < 1 + (int)(rnd(&seed) % 3000); i++) {
			snprintf(v, sizeof(v), "%.17g", (set % 4 == 3 ? -1 : 1) *
			    exp(3 * normal(&seed) + (double)(set % 7) * 4 - 12));
			add_x(&hx, kx, v, 0);
			add_x(&hs, ks, v, 0);
		}
		h_result(&hx, kx, &bx);
		h_result(&hs, ks, &bs);
		for (c = 0; c < NELEM(names); c++) {
			field(bx.data, names[c], gx, sizeof(gx));
			field(bs.data, names[c], gs, sizeof(gs));
			want = atof(gx);
			got = atof(gs);
			check_count++;
			if (c >= 6 ? strcmp(gs, gx) != 0 :
			    strcmp(gs, gx) != 0 &&
			    (fabs(got - want) > DDS_ERROR * fabs(want) ||
			    sig_digits(gs) > 3)) {
				check_failures++;
				fprintf(stderr, "digits: set %d %s: %s, exact "
				    "%s\n", set, names[c], gs, gx);
			}
			if (c < 6 && strcmp(gs, gx) != 0)
				worst = sig_digits(gs) > worst ?
				    sig_digits(gs) : worst;
		}
		h_free_block(&hx, kx);
		h_free_block(&hs, ks);
	}
	CHECK_INT_EQ(worst, 3);
	buf_release(&bx);
	buf_release(&bs);
	h_close(&hx);
	h_close(&hs);
}

/*
 * buf_json_canon(): jq -c's form of JSON text, worked out by hand from
 * jq's rules (escape only '"', '\\', control characters and DEL; \b \f
 * \n \r \t by name, the rest as \u00XX lowercase; everything else as
 * UTF-8); numbers keep their digits.
 */
static void
test_string_form(void)
{
	static const struct {
		const char	*in, *want;
	} cases[] = {
		{ "\"caf\\u00e9\"", "\"caf\xc3\xa9\"" },
		{ "\"caf\xc3\xa9\"", "\"caf\xc3\xa9\"" },
		{ "\"\\/\"", "\"/\"" },
		{ "\"\\u0041\\u0009\\u000a\\u0008\\u000C\\u000d\"",
		    "\"A\\t\\n\\b\\f\\r\"" },
		{ "\"\\u0001\\u001F\\u007f\x7f\"",
		    "\"\\u0001\\u001f\\u007f\\u007f\"" },
		{ "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"" },
		{ "\"\\\"\\\\\"", "\"\\\"\\\\\"" },
		{ "{ \"k\\u0031\" : [ 1.50 , \"\\/\" , null ] }",
		    "{\"k1\":[1.50,\"/\",null]}" },
		{ "[\"a b\" , 1e2 ,true]", "[\"a b\",1e2,true]" },
		{ "\"\"", "\"\"" },
	};
	struct buf b;
	size_t i;

	buf_init(&b);
	for (i = 0; i < NELEM(cases); i++) {
		buf_clear(&b);
		buf_json_canon(&b, cases[i].in, strlen(cases[i].in));
		CHECK_STR_EQ(buf_cstr(&b), cases[i].want);
	}
	CHECK(!buf_json_escaped("\"caf\xc3\xa9\"", 7));
	CHECK(buf_json_escaped("\"a\x7f\"", 4));
	buf_release(&b);
}

/* --- HyperLogLog --- */

static uint64_t
int_hash(int64_t i)
{
	char tmp[KEY_CANON_TMP];
	struct value v;
	struct buf heap;
	const char *k;
	size_t n;

	memset(&v, 0, sizeof(v));
	v.type = V_NUMBER;
	v.isint = 1;
	v.i = i;
	v.d = (double)i;
	buf_init(&heap);
	key_canon(&v, tmp, &heap, &k, &n);
	return hash_bytes(k, n);
}

static void
test_hll(void)
{
	static const uint64_t ns[] = { 10, 512, 513, 1000, 5000, 30000,
	    100000, 1000000 };
	struct hll *s;
	uint64_t est, i, n;
	double tol;
	size_t c;

	for (c = 0; c < NELEM(ns); c++) {
		n = ns[c];
		s = NULL;
		for (i = 0; i < n; i++) {
			hll_add(&s, int_hash((int64_t)i * 7919));
			if (i % 3 == 0)	/* repeats do not count */
				hll_add(&s, int_hash((int64_t)i * 7919));
		}
		est = hll_estimate(s);
		if (n <= HLL_SPARSE_MAX) {
			CHECK(!hll_is_dense(s));
			CHECK_INT_EQ(est, n);
		} else {
			CHECK(hll_is_dense(s));
			tol = 3 * 1.04 / sqrt(1 << HLL_P) * (double)n;
			check_count++;
			if (fabs((double)est - (double)n) > tol) {
				check_failures++;
				fprintf(stderr, "hll: %llu for %llu\n",
				    (unsigned long long)est,
				    (unsigned long long)n);
			}
		}
		if (n == 10)
			CHECK(hll_bytes(s) <= 16 + 16 * 8);
		hll_free(s);
	}
	CHECK_INT_EQ(hll_estimate(NULL), 0);
}

/* --- top --- */

static void
test_top_small(void)
{
	static const char *const xs[] = { "\"a\"", "\"c\"", "\"a\"", "\"b\"",
	    "1", "\"a\"", "\"c\"", "\"b\"", "\"a\"", "1.0", "\"d\"", "\"b\"",
	    "\"c\"", "\"a\"", "null" };
	struct h h;
	struct buf b;
	const char *r;
	void *blk;
	size_t i;

	if (h_open(&h, (const char *[]){ "top(.x, 3)", "top(.x, 6) as t6",
	    NULL }, 0) == -1)
		return;
	buf_init(&b);
	blk = h_block(&h);
	for (i = 0; i < NELEM(xs); i++)
		add_x(&h, blk, xs[i], 0);
	r = h_result(&h, blk, &b);
	expect_field("top3", r, "top_x", "[{\"value\":\"a\",\"count\":5},"
	    "{\"value\":\"b\",\"count\":3},{\"value\":\"c\",\"count\":3}]");
	/* Ties by jq order: null < numbers < strings. */
	expect_field("top6", r, "t6", "[{\"value\":\"a\",\"count\":5},"
	    "{\"value\":\"b\",\"count\":3},{\"value\":\"c\",\"count\":3},"
	    "{\"value\":1,\"count\":2},{\"value\":null,\"count\":1},"
	    "{\"value\":\"d\",\"count\":1}]");
	h_free_block(&h, blk);
	buf_release(&b);
	h_close(&h);
}

/* Zipf(s) over 1..nv by inverse CDF. */
static int
zipf(uint64_t *seed, const double *cdf, int nv)
{
	double u = unif(seed) * cdf[nv - 1];
	int lo = 0, hi = nv - 1, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct exact_rank {
	int		 v;
	uint64_t	 count;
};

static int
exact_cmp(const void *a, const void *b)
{
	const struct exact_rank *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->v - y->v;
}

/*
 * top: the k largest true counts, ties by value, exactly.  approx_top:
 * each count N an upper bound with its error E, the truth in [N - E, N],
 * and E at most total / m; the top-k set exact (Zipf leaves no doubt).
 */
static void
check_top(const char *what, const char *r, const uint64_t *truth, int nv,
    uint64_t total, int k, int approx)
{
	struct exact_rank *ex = malloc((size_t)nv * sizeof(*ex));
	struct jcur j;
	int64_t v;
	uint64_t c, e = 0, last = UINT64_MAX, slack = total / ss_capacity(k);
	int i, n = 0, inset = 0, ok = 1;

	for (i = 0; i < nv; i++) {
		ex[i].v = i;
		ex[i].count = truth[i];
	}
	qsort(ex, (size_t)nv, sizeof(*ex), exact_cmp);
	jc_init(&j, r, strlen(r), NULL);
	jc_begin_array(&j);
	while (jc_more(&j) == 1) {
		if (jc_begin_object(&j) || jc_more(&j) != 1 ||
		    jc_expect_key(&j, "value") || jc_int(&j, &v) ||
		    jc_more(&j) != 1 || jc_expect_key(&j, "count") ||
		    jc_uint(&j, &c))
			break;
		if (approx && (jc_more(&j) != 1 ||
		    jc_expect_key(&j, "error") || jc_uint(&j, &e)))
			break;
		if (jc_more(&j) != 0)
			break;
		if (approx)
			ok &= v >= 0 && v < nv && c >= truth[v] &&
			    c - e <= truth[v] && e <= c && e <= slack &&
			    c <= last;
		else
			ok &= n < k && v == ex[n].v && c == ex[n].count;
		n++;
		last = c;
		for (i = 0; i < k; i++)
			inset += ex[i].v == v;
	}
	check_count++;
	if (j.failed || n != k || !ok || inset != k) {
		check_failures++;
		fprintf(stderr, "%s: n %d ok %d inset %d: %.200s\n", what, n,
		    ok, inset, r);
	}
	free(ex);
}

static void
test_top_zipf(void)
{
	enum { NV = 10000, N = 200000, K = 10 };
	double *cdf = malloc(NV * sizeof(double));
	uint64_t *truth = calloc(NV, sizeof(uint64_t)), seed = 2024;
	struct h h;
	struct buf b;
	char line[64], got[8192];
	void *all, *half[2];
	int i, x;

	for (i = 0; i < NV; i++)
		cdf[i] = (i > 0 ? cdf[i - 1] : 0) + pow(i + 1, -1.1);
	if (h_open(&h, (const char *[]){ "top(.x, 10)", "approx_top(.x, 10)",
	    NULL }, 0) == -1)
		return;
	buf_init(&b);
	all = h_block(&h);
	half[0] = h_block(&h);
	half[1] = h_block(&h);
	for (i = 0; i < N; i++) {
		x = zipf(&seed, cdf, NV);
		truth[x]++;
		snprintf(line, sizeof(line), "{\"x\":%d}", x);
		h_add(&h, all, line, 0);
		h_add(&h, half[x * 7 % 3 == 0 ? 0 : (i & 1)], line, 0);
	}
	field(h_result(&h, all, &b), "top_x", got, sizeof(got));
	check_top("zipf", got, truth, NV, N, K, 0);
	field(h_result(&h, all, &b), "approx_top_x", got, sizeof(got));
	check_top("zipf approx", got, truth, NV, N, K, 1);
	aggset_merge(&h.as, half[0], half[1]);
	field(h_result(&h, half[0], &b), "top_x", got, sizeof(got));
	check_top("zipf merged", got, truth, NV, N, K, 0);
	field(h_result(&h, half[0], &b), "approx_top_x", got, sizeof(got));
	check_top("zipf approx merged", got, truth, NV, N, K, 1);
	h_free_block(&h, all);
	h_free_block(&h, half[0]);
	h_free_block(&h, half[1]);
	h_close(&h);

	/* approx_top alone stays in its m counters. */
	if (h_open(&h, (const char *[]){ "approx_top(.x, 10)", NULL }, 0) ==
	    -1)
		return;
	all = h_block(&h);
	for (i = 0; i < N; i++) {
		snprintf(line, sizeof(line), "{\"x\":%d}", zipf(&seed, cdf,
		    NV));
		h_add(&h, all, line, 0);
	}
	CHECK(aggset_bytes(&h.as, all) < 80 * 100);
	h_free_block(&h, all);
	buf_release(&b);
	h_close(&h);
	free(cdf);
	free(truth);
}

/*
 * top counts every distinct value, up to FREQ_VALUES_MAX of them: the
 * next new one is refused and aggset_check() says so, naming the
 * aggregate; values already counted still count.
 */
static void
test_top_limit(void)
{
	struct h h;
	struct fault f;
	struct buf b;
	char line[64];
	void *blk;
	int i;

	if (h_open(&h, (const char *[]){ "top(.x, 1) as t", NULL }, 0) == -1)
		return;
	buf_init(&b);
	blk = h_block(&h);
	for (i = 0; i < FREQ_VALUES_MAX; i++) {
		snprintf(line, sizeof(line), "{\"x\":%d}", i);
		h_add(&h, blk, line, 0);
	}
	h_add(&h, blk, "{\"x\":7}", 0);
	CHECK_INT_EQ(aggset_check(&h.as, &f), 0);
	expect_field("limit", h_result(&h, blk, &b), "t",
	    "[{\"value\":7,\"count\":2}]");
	h_add(&h, blk, "{\"x\":-1}", 0);
	CHECK_INT_EQ(aggset_check(&h.as, &f), -1);
	CHECK_INT_EQ(f.code, EX_DATAERR);
	CHECK(strstr(f.msg, "t: more than 1048576 distinct values") != NULL);
	CHECK(strstr(f.msg, "approx_top") != NULL);
	h_free_block(&h, blk);
	buf_release(&b);
	h_close(&h);
}

static void	check_roundtrip(struct h *, const void *, const char *);

/*
 * Sums exact past int64, avg one division of the same sum.  The
 * expected values are worked out apart: the example by hand
 * (101106 / 4), the large ones with python3's integers and
 * float(Fraction(sum, n)), the double nearest the exact average.
 */
static void
test_sum_avg(void)
{
	static const struct {
		const char	*xs[12];
		const char	*sum, *avg;
	} cases[] = {
		{ { "7", "99999", "100", "1000" }, "101106", "25276.5" },
		/* ten 18-digit ids: 9999999999999999990 (python3). */
		{ { "999999999999999999", "999999999999999999",
		    "999999999999999999", "999999999999999999",
		    "999999999999999999", "999999999999999999",
		    "999999999999999999", "999999999999999999",
		    "999999999999999999", "999999999999999999" },
		    "9999999999999999990", "1e+18" },
		/* 2^63 - 1 three times, and -2^63 twice: 2^63 - 3. */
		{ { "9223372036854775807", "9223372036854775807",
		    "9223372036854775807", "-9223372036854775808",
		    "-9223372036854775808" }, "9223372036854775805",
		    "1.8446744073709553e+18" },
		/* 0.1 + 0.2 + 0.3 compensated, then / 3. */
		{ { "0.1", "0.2", "0.3" }, "0.6", "0.19999999999999998" },
		{ { "1", "2" }, "3", "1.5" },
		{ { "-3", "2" }, "-1", "-0.5" },
		{ { "1.5" }, "1.5", "1.5" },
	};
	struct h h;
	struct buf b;
	const char *r;
	void *blk;
	size_t i, k;

	if (h_open(&h, (const char *[]){ "sum(.x)", "avg(.x)", NULL }, 0) ==
	    -1)
		return;
	buf_init(&b);
	for (i = 0; i < NELEM(cases); i++) {
		blk = h_block(&h);
		for (k = 0; k < 12 && cases[i].xs[k] != NULL; k++)
			add_x(&h, blk, cases[i].xs[k], 0);
		r = h_result(&h, blk, &b);
		expect_field(cases[i].xs[0], r, "sum_x", cases[i].sum);
		expect_field(cases[i].xs[0], r, "avg_x", cases[i].avg);
		check_roundtrip(&h, blk, cases[i].xs[0]);
		h_free_block(&h, blk);
	}
	buf_release(&b);
	h_close(&h);
}

/*
 * An int128 that wraps gives the 2^128 it lost to the terms: decoded
 * states near 2^127 merged give the nearest double of the exact total
 * (the total passed the int128), the state says so ("w", in units of
 * 2^128), and once the total is back within the int128 the sum is an
 * integer again, whatever the order that got it there.
 */
static void
test_sum_spill(void)
{
	static const char big[] =
	    "[{\"i\":\"170141183460469231731687303715884105727\"}]";
	static const char neg[] =
	    "[{\"i\":\"-170141183460469231731687303715884105727\"}]";
	struct h h;
	struct buf b, e;
	struct fault f;
	struct jcur j;
	void *x, *y;

	if (h_open(&h, (const char *[]){ "sum(.x)", NULL }, 0) == -1)
		return;
	buf_init(&b);
	buf_init(&e);
	x = h_block(&h);
	y = h_block(&h);
	jc_init(&j, big, strlen(big), NULL);
	CHECK_INT_EQ(aggset_decode(&h.as, x, &j, &f), 0);
	expect_field("int128 max", h_result(&h, x, &b), "sum_x",
	    "170141183460469231731687303715884105727");
	jc_init(&j, big, strlen(big), NULL);
	CHECK_INT_EQ(aggset_decode(&h.as, y, &j, &f), 0);
	aggset_merge(&h.as, x, y);
	/* 2^128 - 2 is 3.402823669209385e+38 as a double (python3). */
	expect_field("spilled", h_result(&h, x, &b), "sum_x",
	    "3.402823669209385e+38");
	aggset_encode(&h.as, x, &e);
	/* (2^127 - 1) 2 = 2^128 - 2: -2 and one wrap. */
	CHECK_STR_EQ(buf_cstr(&e), "[{\"i\":-2,\"w\":1}]");
	check_roundtrip(&h, x, "spilled");
	add_x(&h, x, "1", 0);		/* integers count on beside it */
	expect_field("spilled + 1", h_result(&h, x, &b), "sum_x",
	    "3.402823669209385e+38");
	/* Less 2^127 - 1 twice: 1, an integer again. */
	aggset_release(&h.as, y);
	aggset_init(&h.as, y);
	jc_init(&j, neg, strlen(neg), NULL);
	CHECK_INT_EQ(aggset_decode(&h.as, y, &j, &f), 0);
	aggset_merge(&h.as, x, y);
	aggset_merge(&h.as, x, y);
	expect_field("back", h_result(&h, x, &b), "sum_x", "1");
	buf_clear(&e);
	aggset_encode(&h.as, x, &e);
	CHECK_STR_EQ(buf_cstr(&e), "[{\"i\":1}]");
	h_free_block(&h, x);
	h_free_block(&h, y);
	buf_release(&b);
	buf_release(&e);
	h_close(&h);
}

/* --- merge, encode, decode --- */

static const char *const every[] = { "count", "sum(.i)", "sum(.d)",
    "avg(.d)", "min(.d)", "max(.i)", "first(.s)", "last(.s)", "var(.d)",
    "stddev(.d)", "p90(.d)", "quantile(.i, 0.5)", "distinct(.s)",
    "distinct(.i)", "approx_distinct(.i)", "approx_distinct(.s)",
    "top(.s, 3)", "collect(.s)", NULL };

/* Names whose merged result must equal the single run's, text for text. */
static const char *const same[] = { "count", "sum_i", "sum_d", "min_d",
    "max_i", "first_s", "last_s", "p90_d", "p50_i", "distinct_s",
    "distinct_i", "approx_distinct_i", "approx_distinct_s", "top_s" };

static void
random_line(uint64_t *seed, char *line, size_t size, int nint, int nstr)
{
	snprintf(line, size, "{\"i\":%lld,\"d\":%.3f,\"s\":\"s%d\"}",
	    (long long)(rnd(seed) % (uint64_t)nint) - nint / 2,
	    (double)(int64_t)(rnd(seed) % 1601 - 800) / 8,
	    (int)(rnd(seed) % (uint64_t)nstr));
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* collect results as multisets: the elements sorted. */
static void
sorted_elements(const char *arr, struct buf *out)
{
	struct jcur j;
	const char *p;
	size_t n, k = 0, i;
	char **v = calloc(strlen(arr) + 1, sizeof(char *));

	jc_init(&j, arr, strlen(arr), NULL);
	jc_begin_array(&j);
	while (jc_more(&j) == 1 && jc_raw(&j, &p, &n) == 0)
		v[k++] = strndup(p, n);
	qsort(v, k, sizeof(char *), str_cmp);
	buf_clear(out);
	for (i = 0; i < k; i++) {
		buf_adds(out, v[i]);
		buf_addc(out, ';');
		free(v[i]);
	}
	free(v);
	buf_cstr(out);
}

static void
check_merge(struct h *h, void *u, void *a, const char *what)
{
	static char x[1 << 16], y[1 << 16];
	struct buf b1, b2, s1, s2;
	const char *ru, *ra;
	size_t i;

	buf_init(&b1);
	buf_init(&b2);
	buf_init(&s1);
	buf_init(&s2);
	ru = h_result(h, u, &b1);
	ra = h_result(h, a, &b2);
	for (i = 0; i < NELEM(same); i++)
		expect_field(what, ra, same[i], field(ru, same[i], x,
		    sizeof(x)));
	CHECK_DBL_NEAR(field_num(ra, "avg_d"), field_num(ru, "avg_d"), 1e-12);
	CHECK_DBL_NEAR(field_num(ra, "var_d"), field_num(ru, "var_d"),
	    1e-9 * field_num(ru, "var_d"));
	CHECK_DBL_NEAR(field_num(ra, "stddev_d"), field_num(ru, "stddev_d"),
	    1e-9 * field_num(ru, "stddev_d"));
	sorted_elements(field(ru, "collect_s", x, sizeof(x)), &s1);
	sorted_elements(field(ra, "collect_s", y, sizeof(y)), &s2);
	CHECK(strcmp(s1.data, s2.data) == 0);
	buf_release(&b1);
	buf_release(&b2);
	buf_release(&s1);
	buf_release(&s2);
}

/* decode(encode(x)) encodes the same and gives the same results. */
static void
check_roundtrip(struct h *h, const void *blk, const char *what)
{
	struct buf e1, e2, r1, r2;
	struct fault f;
	struct jcur j;
	void *copy = h_block(h);

	buf_init(&e1);
	buf_init(&e2);
	buf_init(&r1);
	buf_init(&r2);
	aggset_encode(&h->as, blk, &e1);
	jc_init(&j, e1.data, e1.len, NULL);
	fault_clear(&f);
	check_count++;
	if (aggset_decode(&h->as, copy, &j, &f) == -1 || jc_end(&j) == -1) {
		check_failures++;
		fprintf(stderr, "%s: decode: %s\n", what, f.msg);
	}
	aggset_encode(&h->as, copy, &e2);
	CHECK(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
	CHECK_STR_EQ(h_result(h, copy, &r2), h_result(h, blk, &r1));
	h_free_block(h, copy);
	buf_release(&e1);
	buf_release(&e2);
	buf_release(&r1);
	buf_release(&r2);
}

static void
test_merge_roundtrip(void)
{
	static const int sizes[][2] = { { 20, 5 }, { 100, 40 },
	    { 4000, 50 } };
	struct h h;
	char line[128];
	int64_t t;
	uint64_t seed = 5;
	void *u, *a, *bb, *e;
	size_t s;
	int i, exact;

	for (exact = 0; exact <= 1; exact++) {
		if (h_open(&h, every, exact) == -1)
			return;
		for (s = 0; s < NELEM(sizes); s++) {
			u = h_block(&h);
			a = h_block(&h);
			bb = h_block(&h);
			e = h_block(&h);
			check_roundtrip(&h, e, "empty");
			for (i = 0; i < 3000; i++) {
				random_line(&seed, line, sizeof(line),
				    sizes[s][0], sizes[s][1]);
				t = (int64_t)(rnd(&seed) % 50);
				h_add(&h, u, line, t);
				h.seq--;	/* the same arrival */
				h_add(&h, i % 3 ? a : bb, line, t);
			}
			check_roundtrip(&h, u, "full");
			check_roundtrip(&h, bb, "part");
			aggset_merge(&h.as, a, e);	/* empty: no-op */
			aggset_merge(&h.as, e, bb);	/* into empty */
			aggset_merge(&h.as, a, bb);
			check_merge(&h, u, a, "merge");
			check_merge(&h, bb, e, "merge into empty");
			check_roundtrip(&h, a, "merged");
			h_free_block(&h, u);
			h_free_block(&h, a);
			h_free_block(&h, bb);
			h_free_block(&h, e);
		}
		h_close(&h);
	}
}

static const char *const dec_specs[] = { "count", "sum(.x)", "avg(.x)",
    "var(.x)", "min(.x)", "first(.x)", "p99(.x)", "approx_distinct(.x)",
    "approx_top(.x, 2)", "distinct(.x)", "collect(.x)", "top(.x, 2)",
    NULL };
static const char *const dec_empty[] = { "0", "null", "null", "[0,0,0]",
    "null", "null", "null", "null", "null", "[]", "[]", "[]" };

/* The empty states with element at replaced by text. */
static void
dec_doc(struct buf *b, int at, const char *text)
{
	size_t i;

	buf_clear(b);
	buf_addc(b, '[');
	for (i = 0; i < NELEM(dec_empty); i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_adds(b, (int)i == at ? text : dec_empty[i]);
	}
	buf_addc(b, ']');
}

/* Decode b from an exact-size copy; 0 or -1 with the fault. */
static int
dec_try(struct h *h, void *blk, const char *s, size_t n, struct fault *f)
{
	char *copy = malloc(n > 0 ? n : 1);
	struct jcur j;
	int rc;

	memcpy(copy, s, n);
	jc_init(&j, copy, n, NULL);
	fault_clear(f);
	rc = aggset_decode(&h->as, blk, &j, f);
	if (rc == 0 && jc_end(&j) == -1)
		rc = fault_set(f, EX_DATAERR, "trailing");
	free(copy);
	return rc;
}

static void
expect_dec_fail(struct h *h, const char *doc, const char *reason)
{
	struct fault f;
	struct buf e;
	void *blk = h_block(h);
	int rc = dec_try(h, blk, doc, strlen(doc), &f);

	buf_init(&e);
	aggset_encode(&h->as, blk, &e);
	buf_cstr(&e);
	check_count++;
	if (rc != -1 || f.code != EX_DATAERR || strstr(f.msg, reason) == NULL ||
	    aggset_bytes(&h->as, blk) != 0) {
		check_failures++;
		fprintf(stderr, "decode(%.120s): rc %d code %d \"%s\", want "
		    "\"%s\"\n", doc, rc, f.code, f.msg, reason);
	}
	h_free_block(h, blk);
	buf_release(&e);
}

static void
big_list(struct buf *b, const char *head, int n, const char *fmt,
    const char *tail)
{
	int i;

	buf_clear(b);
	buf_adds(b, head);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_printf(b, fmt, i + 1, i + 1);
	}
	buf_adds(b, tail);
	buf_cstr(b);
}

/* Whole documents of the wrong length, and states too big to accept. */
static void
test_decode_big(void)
{
	struct h h;
	struct buf b, big;
	struct fault f;
	void *blk;
	size_t i;

	if (h_open(&h, dec_specs, 0) == -1)
		return;
	buf_init(&b);
	buf_init(&big);
	expect_dec_fail(&h, "", "expected '['");
	expect_dec_fail(&h, "{}", "expected '['");
	expect_dec_fail(&h, "[]", "expected 12 aggregate states, got 0");
	expect_dec_fail(&h, "[0,null]", "expected 12 aggregate states, got 2");
	dec_doc(&b, -1, NULL);
	b.data[b.len - 1] = ',';
	buf_adds(&b, "0]");
	expect_dec_fail(&h, buf_cstr(&b), "got more");

	big_list(&big, "{\"n\":2049,\"min\":1,\"max\":1,\"zero\":0,\"pos\":[",
	    2049, "[%d,%d]", "],\"neg\":[]}");
	dec_doc(&b, 6, big.data);
	expect_dec_fail(&h, buf_cstr(&b), "too many DDSketch bins");
	big_list(&big, "{\"sparse\":[", HLL_SPARSE_MAX + 1, "%d%.0d", "]}");
	dec_doc(&b, 7, big.data);
	expect_dec_fail(&h, buf_cstr(&b), "too many sparse");
	big_list(&big, "{\"m\":64,\"items\":[", 65, "[%d,%d,0]", "]}");
	dec_doc(&b, 8, big.data);
	expect_dec_fail(&h, buf_cstr(&b), "more top items than counters");

	/* Dense registers: 21848 base64 bytes, each register <= 51. */
	buf_clear(&big);
	buf_adds(&big, "{\"dense\":\"");
	for (i = 0; i < 5461; i++)
		buf_adds(&big, "AAAA");
	buf_adds(&big, "AA==\"}");
	dec_doc(&b, 7, buf_cstr(&big));
	blk = h_block(&h);
	CHECK_INT_EQ(dec_try(&h, blk, b.data, b.len, &f), 0);
	h_free_block(&h, blk);
	memcpy(big.data + 10, "/wAA", 4);		/* register 255 */
	dec_doc(&b, 7, big.data);
	expect_dec_fail(&h, buf_cstr(&b), "register out of range");
	memcpy(big.data + 10, "*AAA", 4);
	dec_doc(&b, 7, big.data);
	expect_dec_fail(&h, buf_cstr(&b), "bad base64");
	memcpy(big.data + 10, "AAAA", 4);
	memcpy(big.data + big.len - 6, "AB==", 4);
	dec_doc(&b, 7, big.data);
	expect_dec_fail(&h, buf_cstr(&b), "padding");
	buf_release(&b);
	buf_release(&big);
	h_close(&h);
}

struct dec_case {
	int		 at;
	const char	*text;
	const char	*reason;
};

static void
test_decode_bad(void)
{
	static const struct dec_case cases[] = {
		{ 0, "-1", "expected an unsigned integer" },
		{ 0, "1.5", "expected an unsigned integer" },
		{ 0, "\"a\"", "expected a number" },
		{ 1, "{\"x\":1}", "expected key \"i\", \"f\" or \"d\"" },
		{ 1, "{\"i\":1.5}", "expected an integer" },
		{ 1, "{\"d\":1}", "missing key \"c\"" },
		{ 1, "{\"d\":1,\"c\":\"x\"}", "expected a number" },
		{ 1, "{\"i\":1,\"j\":2}", "unexpected key in sum" },
		{ 1, "{}", "empty sum" },
		{ 1, "{\"i\":\"12a\"}", "expected an integer sum" },
		{ 1, "{\"i\":\"\"}", "expected an integer sum" },
		{ 1, "{\"i\":\"-\"}", "expected an integer sum" },
		{ 1, "{\"i\":\"012\"}", "expected an integer sum" },
		{ 1, "{\"i\":\"170141183460469231731687303715884105728\"}",
		    "expected an integer sum" },
		{ 1, "{\"i\":1,\"c\":1}", "unexpected key in sum" },
		{ 1, "{\"i\":1,\"d\":1}", "missing key \"c\"" },
		{ 1, "{\"n\":1,\"i\":1}", "expected key \"i\", \"f\" or \"d\"" },
		{ 2, "[1,2]", "expected '{'" },
		{ 2, "{\"i\":1}", "expected key \"n\"" },
		{ 2, "{\"n\":0,\"i\":1}", "count out of range" },
		{ 2, "{\"n\":-1,\"i\":1}", "unsigned" },
		{ 2, "{\"n\":2}", "missing key \"i\", \"f\" or \"d\"" },
		{ 2, "{\"n\":2,\"x\":1}", "expected key \"i\", \"f\" or \"d\"" },
		{ 3, "[2,1,-1]", "variance out of range" },
		{ 3, "[1,1,5]", "variance out of range" },
		{ 4, "\"a\"", "expected a number" },
		{ 4, "1e999", "number out of range" },
		{ 5, "[1,2]", "short pick" },
		{ 5, "[1,2,3,4]", "long pick" },
		{ 5, "[1,-2,3]", "unsigned" },
		{ 5, "[1,2,[}]", "at byte" },
		{ 6, "[1]", "expected '{'" },
		{ 6, "{\"n\":0,\"min\":1,\"max\":1,\"zero\":0,\"pos\":[],"
		    "\"neg\":[]}", "state of \"p99_x\": DDSketch count" },
		{ 6, "{\"n\":2,\"min\":1,\"max\":2,\"zero\":0,\"pos\":[[5,1],"
		    "[5,1]],\"neg\":[]}", "not increasing" },
		{ 6, "{\"n\":2,\"min\":1,\"max\":2,\"zero\":0,\"pos\":[[5,0],"
		    "[6,2]],\"neg\":[]}", "bin count out of range" },
		{ 6, "{\"n\":3,\"min\":1,\"max\":2,\"zero\":0,\"pos\":[[5,1],"
		    "[6,1]],\"neg\":[]}", "do not add up" },
		{ 6, "{\"n\":1,\"min\":1,\"max\":2,\"zero\":1,\"pos\":[[5,1]],"
		    "\"neg\":[]}", "do not add up" },
		{ 6, "{\"n\":1,\"min\":2,\"max\":1,\"zero\":0,\"pos\":[[5,1]],"
		    "\"neg\":[]}", "min and max" },
		{ 6, "{\"n\":1,\"min\":1,\"max\":1,\"zero\":0,\"pos\":[[140000,"
		    "1]],\"neg\":[]}", "index out of range" },
		{ 6, "{\"n\":1,\"max\":1,\"min\":1,\"zero\":0,\"pos\":[[1,1]],"
		    "\"neg\":[]}", "expected key \"min\"" },
		{ 6, "{\"n\":1,\"min\":1,\"max\":1,\"zero\":0,\"pos\":[[1,1]],"
		    "\"neg\":[],\"x\":1}", "unexpected key in DDSketch" },
		{ 6, "{\"n\":1,\"min\":1,\"max\":1,\"zero\":0,"
		    "\"pos\":[[1,1,1]],\"neg\":[]}", "long bin" },
		{ 6, "{\"n\":1,\"min\":1,\"max\":1,\"zero\":0,\"pos\":[[1]],"
		    "\"neg\":[]}", "short bin" },
		{ 6, "{\"n\":1,\"min\":1,\"max\":1,\"zero\":0,\"pos\":[[1,1]]}",
		    "missing key \"neg\"" },
		{ 7, "{\"sparse\":[5,3]}", "not increasing" },
		{ 7, "{\"sparse\":[5,5]}", "not increasing" },
		{ 7, "{\"sparse\":[]}", "empty sparse" },
		{ 7, "{\"sparse\":[-1]}", "unsigned" },
		{ 7, "{\"dense\":\"AAAA\"}", "wrong size" },
		{ 7, "{\"foo\":1}", "expected \"sparse\" or \"dense\"" },
		{ 7, "{\"sparse\":[1],\"dense\":\"\"}", "unexpected key" },
		{ 7, "{}", "empty HyperLogLog" },
		{ 8, "{\"m\":5,\"items\":[[\"a\",1,0]]}", "capacity" },
		{ 8, "{\"m\":64,\"items\":[[\"a\",2,3]]}", "out of range" },
		{ 8, "{\"m\":64,\"items\":[[\"a\",0,0]]}", "out of range" },
		{ 8, "{\"m\":64,\"items\":[[\"a\",1,0],[\"a\",1,0]]}",
		    "duplicate top item" },
		{ 8, "{\"m\":64,\"items\":[[1,1,0],[1.0,1,0]]}",
		    "duplicate top item" },
		{ 8, "{\"m\":64,\"items\":[]}", "no top items" },
		{ 8, "{\"m\":64,\"items\":[[\"a\",1]]}", "short top item" },
		{ 8, "{\"items\":[],\"m\":64}", "expected key \"m\"" },
		{ 9, "[1,1.0]", "duplicate distinct value" },
		{ 9, "[1,2", "at byte" },
		{ 10, "[1,]", "expected a value" },
		{ 10, "{}", "expected '['" },
		{ 11, "[[\"a\",0]]", "top count out of range" },
		{ 11, "[[\"a\",1],[\"a\",2]]", "duplicate top item" },
		{ 11, "[[1,1],[1.0,1]]", "duplicate top item" },
		{ 11, "[[\"a\",1,0]]", "long top item" },
		{ 11, "[[\"a\"]]", "short top item" },
		{ 11, "[[\"a\",-1]]", "unsigned" },
		{ 11, "null", "expected '['" },
	};
	struct h h;
	struct buf b;
	struct fault f;
	void *blk;
	size_t i;

	if (h_open(&h, dec_specs, 0) == -1)
		return;
	buf_init(&b);
	dec_doc(&b, -1, NULL);
	blk = h_block(&h);
	CHECK_INT_EQ(dec_try(&h, blk, b.data, b.len, &f), 0);
	h_free_block(&h, blk);
	for (i = 0; i < NELEM(cases); i++) {
		dec_doc(&b, cases[i].at, cases[i].text);
		expect_dec_fail(&h, buf_cstr(&b), cases[i].reason);
	}
	buf_release(&b);
	h_close(&h);

	if (h_open(&h, (const char *[]){ "p50(.x)", NULL }, 1) == -1)
		return;
	expect_dec_fail(&h, "[[1,\"a\"]]", "expected a number");
	expect_dec_fail(&h, "[[1,1e999]]", "number out of range");
	expect_dec_fail(&h, "[null]", "expected '['");
	h_close(&h);
}

/* A state with something in every aggregate, sketches still sparse. */
static void
rich_state(struct h *h, void *blk)
{
	static const char *const xs[] = { "1", "2.5", "\"s\"", "[1, 2]",
	    "{\"k\": \"v\\n\"}", "null", "-7", "1e-3", "\"\\u00e9\"", "true" };
	uint64_t seed = 77;
	char v[32];
	size_t i;

	for (i = 0; i < NELEM(xs); i++)
		add_x(h, blk, xs[i], (int64_t)i);
	for (i = 0; i < 60; i++) {
		snprintf(v, sizeof(v), "%lld", (long long)(rnd(&seed) % 100));
		add_x(h, blk, v, (int64_t)(rnd(&seed) % 20));
	}
}

static void
test_decode_truncated(void)
{
	struct h h;
	struct buf e, e2;
	struct fault f;
	void *blk, *copy;
	uint64_t seed = 3;
	size_t n, at;
	int fails = 0, ok = 0, i, k;
	char *m;

	if (h_open(&h, dec_specs, 0) == -1)
		return;
	buf_init(&e);
	buf_init(&e2);
	blk = h_block(&h);
	rich_state(&h, blk);
	check_roundtrip(&h, blk, "rich");
	aggset_encode(&h.as, blk, &e);
	copy = h_block(&h);
	for (n = 0; n < e.len; n++)
		fails += dec_try(&h, copy, e.data, n, &f) == -1 &&
		    f.code == EX_DATAERR && aggset_bytes(&h.as, copy) == 0;
	CHECK_INT_EQ(fails, e.len);
	/* Mutations: rejected cleanly, or accepted and then stable. */
	m = malloc(e.len);
	for (i = 0; i < 3000; i++) {
		memcpy(m, e.data, e.len);
		for (k = 1 + (int)(rnd(&seed) % 3); k > 0; k--) {
			at = rnd(&seed) % e.len;
			m[at] = "[]{},:\"0123456789-.e \\nxA"[rnd(&seed) % 25];
		}
		if (dec_try(&h, copy, m, e.len, &f) == -1) {
			ok += f.code == EX_DATAERR &&
			    aggset_bytes(&h.as, copy) == 0;
			continue;
		}
		buf_clear(&e2);
		aggset_encode(&h.as, copy, &e2);
		aggset_release(&h.as, copy);
		aggset_init(&h.as, copy);
		ok += dec_try(&h, copy, e2.data, e2.len, &f) == 0;
		aggset_release(&h.as, copy);
		aggset_init(&h.as, copy);
	}
	CHECK_INT_EQ(ok, 3000);
	free(m);
	h_free_block(&h, copy);
	h_free_block(&h, blk);
	buf_release(&e);
	buf_release(&e2);
	h_close(&h);
}

/* Sums and variances that overflow are null, and their states survive. */
static void
test_overflow(void)
{
	struct h h;
	struct buf b;
	void *blk;

	if (h_open(&h, (const char *[]){ "sum(.x)", "avg(.x)", "var(.x)",
	    NULL }, 0) == -1)
		return;
	buf_init(&b);
	blk = h_block(&h);
	add_x(&h, blk, "1e200", 0);
	add_x(&h, blk, "-1e200", 0);
	add_x(&h, blk, "1.5e308", 0);
	add_x(&h, blk, "1.5e308", 0);
	/* avg is sum / count: an infinite sum has no average either. */
	CHECK_STR_EQ(h_result(&h, blk, &b),
	    "{\"sum_x\":null,\"avg_x\":null,\"var_x\":null}");
	buf_clear(&b);
	aggset_encode(&h.as, blk, &b);
	CHECK(strstr(buf_cstr(&b), "1e999") != NULL);
	check_roundtrip(&h, blk, "overflow");
	h_free_block(&h, blk);
	buf_release(&b);
	h_close(&h);
}

/*
 * A record may nest 1000 deep, so a value kept whole (first, last, top,
 * distinct, collect) may nest 999 deep, and its state must decode.
 */
static void
test_deep_value(void)
{
	enum { D = REC_DEPTH_MAX - 1 };
	struct h h;
	char *line = malloc(2 * D + 16);
	void *blk;
	size_t n = 0;
	int i;

	if (h_open(&h, (const char *[]){ "first(.x)", "top(.x, 1)",
	    "distinct(.x)", "collect(.x)", NULL }, 0) == -1)
		return;
	n += (size_t)sprintf(line, "{\"x\":");
	for (i = 0; i < D; i++)
		line[n++] = '[';
	for (i = 0; i < D; i++)
		line[n++] = ']';
	strcpy(line + n, "}");
	blk = h_block(&h);
	h_add(&h, blk, line, 0);
	check_roundtrip(&h, blk, "deep");
	h_free_block(&h, blk);
	h_close(&h);
	free(line);
}

/* Big states round trip too: dense HLL, a table, a full top, collapse. */
static void
test_roundtrip_big(void)
{
	struct h h;
	char v[64];
	void *blk;
	int i;

	if (h_open(&h, (const char *[]){ "approx_distinct(.x)",
	    "distinct(.x)", "top(.x, 3)", "p99(.x)", "first(.x)", "last(.x)",
	    "collect(.x)", NULL }, 0) == -1)
		return;
	blk = h_block(&h);
	for (i = 0; i < 5000; i++) {
		snprintf(v, sizeof(v), "%.17g",
		    pow(10, -300 + 600.0 * i / 4999));
		add_x(&h, blk, v, i % 7);
	}
	add_x(&h, blk, "-5", 0);
	add_x(&h, blk, "0", 0);
	add_x(&h, blk, "\"a long string that is not stored inline at all\"", 3);
	check_roundtrip(&h, blk, "big");
	h_free_block(&h, blk);
	h_close(&h);
}

static void
test_sizes(void)
{
	struct h h;

	/*
	 * An exact sum is two int128s (integers, fixed point), a count, a
	 * length and room and three terms of an expansion: 72 bytes.
	 */
	if (h_open(&h, (const char *[]){ "count", "avg(.x)", NULL }, 0) == 0) {
		CHECK(h.as.state_size <= 80);
		h_close(&h);
	}
	if (h_open(&h, (const char *[]){ "count", "sum(.x)", "avg(.x)",
	    "p99(.x)", NULL }, 0) == 0) {
		CHECK(h.as.state_size <= 160);
		h_close(&h);
	}
}

/* --- order: the same multiset of values, any order, any merges --- */

/*
 * The sets and the expected sums and averages: the exact total of the
 * values as parsed (JSON integers as integers, the rest as doubles)
 * with python3's fractions.Fraction, rounded once by float() (nearest,
 * ties to even; an OverflowError is null), avg that double divided by
 * the count, both printed as buf_fmt_double() prints (the shortest of
 * %.15g, %.16g, %.17g that reads back).  The decimals were drawn once
 * with python3's random.seed(16).  math.fsum gives the same sums but
 * for "wide" and "under", where it overflows midway: the order
 * dependence these sets are here for.
 */
static const char *const set_dec[] = {
	"38.20", "-2623.46", "367.6", "3323.0", "-1112.5", "1991.01",
	"202.753", "401", "-4786.38", "-4540.819", "1277.69", "-939.6",
	"-593.04", "662", "418.44", "-83.907", "-1293.3", "-38", "-2537.94",
	"-951.6", "-167.30", "-2847.1", "-4780.760", "-4853.33", "-2937.409",
	"-3688.799", "-4618.247", "-1103.298", "-4653.69", "3642.4",
	"358.215", "-3810.622", "-3941.95", "198", "168.3", "182", "754",
	"-713.834", "2629.8", "439", "-3478.4", "251", "-732.38", "779",
	"2824.950", "-4590.69", "12", "1995.70", "5", "5.0", "-0.0", "0",
	"0.0", "-0", "12.3", "12.30", "0.1", "0.2", "0.3", NULL };
static const char *const set_wide[] = {
	"1e-300", "1e300", "-1e300", "3.14", "4.9e-324", "-2.5e-310",
	"1e308", "1e308", "-1e308", "1.7976931348623157e308",
	"-1.7976931348623157e308", "9223372036854775807",
	"-9223372036854775808", "9007199254740993", "123.456", "-0.001",
	"1e-5", "7.25e200", "-6.5e-200", "2.5", "1e16", "1", "-1e16",
	"0.5e-323", "5", "5.0", NULL };
static const char *const set_cancel[] = {
	"0.1", "0.2", "-0.3", "-0.0", "1e-20", "-1e-20", "1e22", "-1e22",
	"1", "-1", "0.7", "-0.7", NULL };
static const char *const set_over[] = {
	"1.7976931348623157e308", "1.7976931348623157e308",
	"1.7976931348623157e308", "-1e308", NULL };
static const char *const set_under[] = {
	"1.7976931348623157e308", "1.7976931348623157e308",
	"-1.7976931348623157e308", "1e292", "-1e292", NULL };
static const char *const set_mix[] = {
	"1e308", "1e308", "-1e308", "-1e308", "1e-300", "3.14",
	"-2.5e-310", "9007199254740993", "0.1", "-7", "1e300", "-1e300",
	NULL };
/* Equal values of other spellings: min and max pick the integer. */
static const char *const set_ties[] = {
	"1e15", "1000000000000000", "-0.0", "0", "0.0",
	"1152921504606846976", "1.152921504606846976e18", "-0", NULL };
static const char *const set_negz[] = { "-0.0", "0.0", "-0.0", "0.0",
	NULL };
/* The fixed point (2^-72 to 2^55) wraps and comes back. */
static const char *const set_fixwrap[] = { "3.5e16", "3.5e16", "3.5e16",
	"-3.5e16", "0.001", "12.5", "-3.5e16", "3.4999999999999996e16",
	"-0.001", "1e-7", NULL };

/*
 * Half-way cases at the top, rounded as integers of 2^960 (the largest
 * double plus half its last place, 2^970, rounds to even: infinity;
 * 2^1013 + 2^960 to 2^1013), and a hair either side of them.
 */
static const char *const set_tieover[] = { "1.7976931348623157e308",
	"9.9792015476736e+291", NULL };
static const char *const set_tieunder[] = { "1.7976931348623157e308",
	"9.9792015476736e+291", "-1e-300", NULL };
static const char *const set_tiemid[] = { "8.777798510069902e+304",
	"9.7453140114e+288", NULL };
static const char *const set_tieup[] = { "8.777798510069902e+304",
	"9.7453140114e+288", "1e-300", NULL };
static const char *const set_tiedown[] = { "8.777798510069902e+304",
	"9.7453140114e+288", "-1e-300", NULL };

static const struct {
	const char		*name;
	const char *const	*vals;
	const char		*sum, *avg, *min, *max;
} ord_sets[] = {
	{ "dec", set_dec, "-43467.097", "-736.7304576271187", "-4853.33",
	    "3642.4" },
	{ "wide", set_wide, "1e+308", "3.8461538461538465e+306",
	    "-1.7976931348623157e+308", "1.7976931348623157e+308" },
	{ "cancel", set_cancel, "2.7755575615628914e-17",
	    "2.3129646346357427e-18", "-1e+22", "1e+22" },
	{ "over", set_over, "null", "null", "-1e+308",
	    "1.7976931348623157e+308" },
	{ "under", set_under, "1.7976931348623157e+308",
	    "3.5953862697246315e+307", "-1.7976931348623157e+308",
	    "1.7976931348623157e+308" },
	{ "mix", set_mix, "9007199254740989", "750599937895082.4", "-1e+308",
	    "1e+308" },
	{ "ties", set_ties, "2.307843009213694e+18",
	    "2.8848037615171174e+17", "0", "1152921504606846976" },
	{ "negz", set_negz, "0", "0", "-0", "0" },
	{ "fixwrap", set_fixwrap, "7.000000000000001e+16", "7000000000000001",
	    "-3.5e+16", "3.5e+16" },
	{ "tieover", set_tieover, "null", "null", "9.9792015476736e+291",
	    "1.7976931348623157e+308" },
	{ "tieunder", set_tieunder, "1.7976931348623157e+308",
	    "5.992310449541053e+307", "-1e-300", "1.7976931348623157e+308" },
	{ "tiemid", set_tiemid, "8.777798510069902e+304",
	    "4.388899255034951e+304", "9.7453140114e+288",
	    "8.777798510069902e+304" },
	{ "tieup", set_tieup, "8.777798510069904e+304",
	    "2.925932836689968e+304", "1e-300", "8.777798510069902e+304" },
	{ "tiedown", set_tiedown, "8.777798510069902e+304",
	    "2.925932836689967e+304", "-1e-300", "8.777798510069902e+304" },
};

/* Every order-free aggregate, states too; and results only. */
static const char *const ord_all[] = { "count", "sum(.x)", "avg(.x)",
    "min(.x)", "max(.x)", "first(.x)", "last(.x)", "p50(.x)", "p99(.x)",
    "quantile(.x, 0)", "approx_distinct(.x)", NULL };
static const char *const ord_results[] = { "sum(.x)", "avg(.x)",
    "p50(.x)", "p10(.x)", "distinct(.x)", NULL };

static void
o_add(struct h *h, void *blk, const char *text, int64_t t, uint64_t seq)
{
	char line[256];
	struct record rec;
	struct fault f;

	snprintf(line, sizeof(line), "{\"x\":%s}", text);
	arena_reset(h->ar);
	if (rec_parse(h->ps, line, strlen(line), &rec, &f) == -1) {
		fprintf(stderr, "o_add(%s): %s\n", line, f.msg);
		check_failures++;
		return;
	}
	aggset_add(&h->as, blk, rec.v, t, seq);
}

/*
 * vals[perm[0..n)] cut at random into nb blocks (some may be empty),
 * the blocks merged in a random order, into one of them or into a new
 * one: the result into r, the state into e.  A value keeps its time (a
 * third of them tie) and its arrival number whatever its place.
 */
static void
o_run(struct h *h, const char *const *vals, const size_t *perm, size_t n,
    int nb, uint64_t *seed, struct buf *r, struct buf *e)
{
	void *blk[5];
	size_t cut[5], t;
	int i, k, order[4];

	cut[0] = 0;
	cut[nb] = n;
	for (i = 1; i < nb; i++)
		cut[i] = (size_t)(rnd(seed) % (n + 1));
	for (i = 1; i < nb; i++)		/* insertion sort */
		for (k = i; k > 1 && cut[k - 1] > cut[k]; k--) {
			t = cut[k];
			cut[k] = cut[k - 1];
			cut[k - 1] = t;
		}
	for (i = 0; i < nb; i++) {
		blk[i] = h_block(h);
		for (t = cut[i]; t < cut[i + 1]; t++)
			o_add(h, blk[i], vals[perm[t]], (int64_t)(perm[t] % 3),
			    perm[t]);
		order[i] = i;
	}
	for (i = nb - 1; i > 0; i--) {
		k = (int)(rnd(seed) % (uint64_t)(i + 1));
		t = (size_t)order[i];
		order[i] = order[k];
		order[k] = (int)t;
	}
	blk[nb] = h_block(h);
	k = rnd(seed) % 2 ? nb : order[0];
	for (i = 0; i < nb; i++)
		if (order[i] != k)
			aggset_merge(&h->as, blk[k], blk[order[i]]);
	h_result(h, blk[k], r);
	buf_clear(e);
	aggset_encode(&h->as, blk[k], e);
	for (i = 0; i <= nb; i++)
		h_free_block(h, blk[i]);
}

/* 40 orders and cuts of one set give one result (and state) text. */
static void
o_check(struct h *h, const char *name, const char *const *vals,
    int states, uint64_t *seed, struct buf *r0)
{
	struct buf e0, r, e;
	size_t perm[64], n = 0, i, k, t;
	int run;

	while (vals[n] != NULL)
		n++;
	buf_init(&e0);
	buf_init(&r);
	buf_init(&e);
	for (i = 0; i < n; i++)
		perm[i] = i;
	o_run(h, vals, perm, n, 1, seed, r0, &e0);
	for (run = 0; run < 40; run++) {
		for (i = n - 1; i > 0; i--) {
			k = (size_t)(rnd(seed) % (i + 1));
			t = perm[i];
			perm[i] = perm[k];
			perm[k] = t;
		}
		o_run(h, vals, perm, n, 1 + (int)(rnd(seed) % 4), seed, &r,
		    &e);
		check_count++;
		if (strcmp(buf_cstr(&r), buf_cstr(r0)) != 0 || (states &&
		    strcmp(buf_cstr(&e), buf_cstr(&e0)) != 0)) {
			check_failures++;
			fprintf(stderr, "order %s, run %d:\n  %s\n  %s\n  "
			    "want\n  %s\n  %s\n", name, run, buf_cstr(&r),
			    buf_cstr(&e), buf_cstr(r0), buf_cstr(&e0));
			break;
		}
	}
	buf_release(&e0);
	buf_release(&r);
	buf_release(&e);
}

static void
test_order_free(void)
{
	struct h h, hx;
	struct buf r;
	uint64_t seed = 16;
	size_t s;

	if (h_open(&h, ord_all, 0) == -1)
		return;
	if (h_open(&hx, ord_results, 1) == -1) {
		h_close(&h);
		return;
	}
	CHECK(aggset_order_free(&h.as));
	CHECK(aggset_states_order_free(&h.as));
	CHECK(aggset_order_free(&hx.as));
	CHECK(!aggset_states_order_free(&hx.as));	/* distinct, --exact */
	buf_init(&r);
	for (s = 0; s < NELEM(ord_sets); s++) {
		o_check(&h, ord_sets[s].name, ord_sets[s].vals, 1, &seed, &r);
		expect_field(ord_sets[s].name, buf_cstr(&r), "sum_x",
		    ord_sets[s].sum);
		expect_field(ord_sets[s].name, buf_cstr(&r), "avg_x",
		    ord_sets[s].avg);
		expect_field(ord_sets[s].name, buf_cstr(&r), "min_x",
		    ord_sets[s].min);
		expect_field(ord_sets[s].name, buf_cstr(&r), "max_x",
		    ord_sets[s].max);
		o_check(&hx, ord_sets[s].name, ord_sets[s].vals, 0, &seed, &r);
		expect_field(ord_sets[s].name, buf_cstr(&r), "sum_x",
		    ord_sets[s].sum);
	}
	buf_release(&r);
	h_close(&h);
	h_close(&hx);
}

/*
 * Decimals stay in the block (the fixed point, a few terms); numbers
 * from 1e-300 to 1e308 put the terms on the heap, counted, and freed
 * (the sanitizer run sees that).
 */
static void
test_sum_heap(void)
{
	struct h h;
	void *blk;
	size_t i;

	if (h_open(&h, (const char *[]){ "sum(.x)", "avg(.x)", NULL }, 0) ==
	    -1)
		return;
	blk = h_block(&h);
	for (i = 0; set_dec[i] != NULL; i++)
		add_x(&h, blk, set_dec[i], 0);
	for (i = 0; set_cancel[i] != NULL; i++)
		add_x(&h, blk, set_cancel[i], 0);
	CHECK_INT_EQ(aggset_bytes(&h.as, blk), 0);
	for (i = 0; set_wide[i] != NULL; i++)
		add_x(&h, blk, set_wide[i], 0);
	CHECK(aggset_bytes(&h.as, blk) > 0);
	check_roundtrip(&h, blk, "heap");
	h_free_block(&h, blk);
	h_close(&h);
}

/* The others say so; a shallow copy adds, and its counters fold back. */
static void
test_order_flags(void)
{
	static const char *const no[] = { "var(.x)", "stddev(.x)",
	    "top(.x, 2)", "approx_top(.x, 2)", "collect(.x)" };
	struct aggset copy;
	struct h h;
	void *blk;
	size_t i;

	for (i = 0; i < NELEM(no); i++) {
		if (h_open(&h, (const char *[]){ "count", no[i], NULL }, 0) ==
		    -1)
			continue;
		CHECK(!aggset_order_free(&h.as));
		CHECK(!aggset_states_order_free(&h.as));
		h_close(&h);
	}
	if (h_open(&h, (const char *[]){ "sum(.x)", "top(.y, 1)", NULL },
	    0) == -1)
		return;
	copy = h.as;
	copy.nonnumeric = 0;
	blk = h_block(&h);
	h.as.nonnumeric = 2;
	h.as.refused = 2;
	aggset_add(&copy, blk, (struct value[]){ { .type = V_TRUE },
	    { .type = V_MISSING } }, 0, 0);
	CHECK_INT_EQ(copy.nonnumeric, 1);
	copy.refused = 1;
	aggset_counts_merge(&h.as, &copy);
	CHECK_INT_EQ(h.as.nonnumeric, 3);
	CHECK_INT_EQ(h.as.refused, 1);		/* the lower spec */
	copy.refused = 2;
	h.as.refused = 0;
	aggset_counts_merge(&h.as, &copy);
	CHECK_INT_EQ(h.as.refused, 2);
	h_free_block(&h, blk);
	h_close(&h);
}

/*
 * aggset_prepare() then aggset_add_in() is aggset_add(): the same
 * results and the same encoded states, over numbers of every size and
 * sign, zero, non-numbers and missing fields, with and without --exact.
 */
static void
test_prepared(void)
{
	static const char *const a1[] = { "count", "p99(.x)",
	    "quantile(.x, 0.3) as q3", "p50(.y)", "sum(.x)", "max(.x)",
	    "approx_distinct(.x)", "top(.y, 3)", NULL };
	static const char *const a2[] = { "p90(.x)", "count", NULL };
	const char *const *sets[] = { a1, a2, a1 };
	struct buf b1, b2, e1, e2;
	struct agg_in in[AGG_MAX];
	struct record rec;
	struct fault f;
	struct h h;
	void *k1, *k2;
	char line[128];
	uint64_t s = 7;
	size_t t;
	int i, n;

	buf_init(&b1);
	buf_init(&b2);
	buf_init(&e1);
	buf_init(&e2);
	for (t = 0; t < NELEM(sets); t++) {
		if (h_open(&h, sets[t], t == 2) == -1)
			return;
		CHECK_INT_EQ(aggset_preparable(&h.as), t < 2);
		k1 = h_block(&h);
		k2 = h_block(&h);
		for (i = 0; i < 5000; i++) {
			double x = normal(&s) * pow(10, (double)(i % 40) - 20);

			switch (i % 9) {
			case 0: n = snprintf(line, sizeof(line),
			    "{\"x\":0,\"y\":-0.0}"); break;
			case 1: n = snprintf(line, sizeof(line),
			    "{\"x\":\"7\",\"y\":null}"); break;
			case 2: n = snprintf(line, sizeof(line), "{\"y\":%d}",
			    i); break;
			case 3: n = snprintf(line, sizeof(line),
			    "{\"x\":1e308,\"y\":-1e-308}"); break;
			default: n = snprintf(line, sizeof(line),
			    "{\"x\":%.17g,\"y\":%d}", x, i % 50 - 25); break;
			}
			arena_reset(h.ar);
			if (rec_parse(h.ps, line, (size_t)n, &rec, &f) == -1) {
				CHECK(0);
				break;
			}
			aggset_prepare(&h.as, rec.v, in);
			aggset_add_in(&h.as, k1, rec.v, in, i, h.seq);
			aggset_add(&h.as, k2, rec.v, i, h.seq++);
		}
		CHECK_STR_EQ(h_result(&h, k1, &b1), h_result(&h, k2, &b2));
		buf_clear(&e1);
		buf_clear(&e2);
		aggset_encode(&h.as, k1, &e1);
		aggset_encode(&h.as, k2, &e2);
		CHECK(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
		if (t == 0)	/* the test is about something */
			CHECK(strstr(buf_cstr(&b1), "\"p99_x\":1e+308") !=
			    NULL && strstr(buf_cstr(&b1), "\"q3\":-") != NULL);
		h_free_block(&h, k1);
		h_free_block(&h, k2);
		h_close(&h);
	}
	buf_release(&b1);
	buf_release(&b2);
	buf_release(&e1);
	buf_release(&e2);
}

int
main(void)
{
	test_parse_ok();
	test_parse_operands();
	test_parse_bad();
	test_parse_limits();
	test_describe();
	test_small_set();
	test_kinds();
	test_nonnumeric();
	test_first_last();
	test_distinct_collect();
	test_canon();
	test_quantiles_1_100();
	test_dds();
	test_dds_agg();
	test_quantile_digits();
	test_string_form();
	test_hll();
	test_top_small();
	test_top_zipf();
	test_top_limit();
	test_sum_avg();
	test_sum_spill();
	test_merge_roundtrip();
	test_decode_bad();
	test_decode_big();
	test_decode_truncated();
	test_roundtrip_big();
	test_overflow();
	test_deep_value();
	test_sizes();
	test_prepared();
	test_order_free();
	test_sum_heap();
	test_order_flags();
	return check_done("test_agg");
}
