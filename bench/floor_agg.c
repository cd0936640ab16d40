/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * floor_agg.c - the aggregation floor: yajl plus a hash table probe.
 *
 * floor_agg [-g FIELD] [-v FIELD] [FILE]
 *
 * Per distinct top-level -g value (default "service"): count, and sum and
 * mean of the top-level number -v (default "latency_ms").  One reused yajl
 * handle; the group value is copied once per line into a scratch buffer
 * and looked up in an open-addressing table of dense entries, the least a
 * `stream-agg --by .service count 'avg(.latency_ms)'` can do.  Prints one
 * line per group at the end, in first-seen order.  A missing group field
 * groups under null, as stream-agg does.
 */
#define _POSIX_C_SOURCE 200809L
#include <yajl/yajl_parse.h>

#include "floor.h"

enum want { WANT_NONE, WANT_KEY, WANT_VAL };

struct group {
	struct fl_key	 k;
	uint64_t	 count;
	uint64_t	 nval;
	double		 sum;
};

struct agg {
	yajl_handle	 h;
	const char	*key_field;
	const char	*val_field;
	int		 depth;
	enum want	 want;
	unsigned char	*key;		/* this line's group value */
	size_t		 key_len;
	size_t		 key_cap;
	int		 has_key;
	int		 has_val;
	double		 val;
	uint64_t	 bad;
	struct fl_table	 groups;
};

static int
cb_start(void *ctx)
{
	((struct agg *)ctx)->depth++;
	return 1;
}

static int
cb_end(void *ctx)
{
	((struct agg *)ctx)->depth--;
	return 1;
}

static int
cb_key(void *ctx, const unsigned char *s, size_t n)
{
	struct agg *a = ctx;

	a->want = WANT_NONE;
	if (a->depth != 1)
		return 1;
	if (strlen(a->key_field) == n && memcmp(s, a->key_field, n) == 0)
		a->want = WANT_KEY;
	else if (strlen(a->val_field) == n && memcmp(s, a->val_field, n) == 0)
		a->want = WANT_VAL;
	return 1;
}

static void
agg_set_key(struct agg *a, const unsigned char *s, size_t n)
{
	if (n > a->key_cap) {
		a->key_cap = n * 2;
		a->key = fl_xrealloc(a->key, a->key_cap);
	}
	memcpy(a->key, s, n);
	a->key_len = n;
	a->has_key = 1;
}

static int
cb_string(void *ctx, const unsigned char *s, size_t n)
{
	struct agg *a = ctx;

	if (a->depth == 1 && a->want == WANT_KEY)
		agg_set_key(a, s, n);
	a->want = WANT_NONE;
	return 1;
}

static int
cb_number(void *ctx, const char *s, size_t n)
{
	struct agg *a = ctx;
	char tmp[64];

	if (a->depth == 1 && a->want == WANT_VAL && n < sizeof(tmp)) {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		a->val = strtod(tmp, NULL);
		a->has_val = 1;
	}
	a->want = WANT_NONE;
	return 1;
}

static const yajl_callbacks callbacks = {
	NULL, NULL, NULL, NULL, cb_number, cb_string,
	cb_start, cb_key, cb_end, cb_start, cb_end
};

static void
agg_handle(struct agg *a)
{
	if ((a->h = yajl_alloc(&callbacks, NULL, a)) == NULL)
		fl_die("yajl_alloc");
	yajl_config(a->h, yajl_allow_multiple_values, 1);
}

static void
agg_line(void *ctx, const unsigned char *p, size_t n)
{
	struct agg *a = ctx;
	struct group *g;
	int created;

	a->depth = 0;
	a->want = WANT_NONE;
	a->has_key = a->has_val = 0;
	if (yajl_parse(a->h, p, n) != yajl_status_ok ||
	    yajl_complete_parse(a->h) != yajl_status_ok) {
		a->bad++;
		yajl_free(a->h);
		agg_handle(a);
		return;
	}
	/* A missing key groups under null; "\0" cannot clash with a string. */
	if (!a->has_key)
		agg_set_key(a, (const unsigned char *)"\0null", 5);
	g = fl_table_get(&a->groups, a->key, a->key_len, 1, &created);
	g->count++;
	if (a->has_val) {
		g->nval++;
		g->sum += a->val;
	}
}

static void
agg_print(struct agg *a)
{
	struct fl_out o;
	struct group *g;
	char num[128];
	size_t i;
	int n;

	fl_out_init(&o, 1);
	for (i = 0; i < a->groups.n; i++) {
		g = fl_table_ent(&a->groups, i);
		fl_out_put(&o, "{", 1);
		fl_out_json_str(&o, (const unsigned char *)a->key_field,
		    strlen(a->key_field));
		fl_out_put(&o, ":", 1);
		if (g->k.len == 5 && a->groups.keys[g->k.off] == '\0')
			fl_out_put(&o, "null", 4);
		else
			fl_out_json_str(&o, (unsigned char *)a->groups.keys +
			    g->k.off, g->k.len);
		n = snprintf(num, sizeof(num), ",\"count\":%llu,",
		    (unsigned long long)g->count);
		fl_out_put(&o, num, (size_t)n);
		if (g->nval > 0)
			n = snprintf(num, sizeof(num), "\"sum_%s\":%.3f,"
			    "\"avg_%s\":%.6f}\n", a->val_field, g->sum,
			    a->val_field, g->sum / (double)g->nval);
		else
			n = snprintf(num, sizeof(num), "\"sum_%s\":null,"
			    "\"avg_%s\":null}\n", a->val_field, a->val_field);
		fl_out_put(&o, num, (size_t)n < sizeof(num) ? (size_t)n :
		    sizeof(num) - 1);
	}
	fl_out_flush(&o);
}

static void
usage(void)
{
	fprintf(stderr, "usage: floor_agg [-g FIELD] [-v FIELD] [FILE]\n");
	exit(64);
}

int
main(int argc, char *argv[])
{
	struct agg a;
	int i;

	memset(&a, 0, sizeof(a));
	a.key_field = "service";
	a.val_field = "latency_ms";
	for (i = 1; i + 1 < argc && argv[i][0] == '-' && argv[i][1]; i += 2) {
		if (strcmp(argv[i], "-g") == 0)
			a.key_field = argv[i + 1];
		else if (strcmp(argv[i], "-v") == 0)
			a.val_field = argv[i + 1];
		else
			usage();
	}
	fl_table_init(&a.groups, sizeof(struct group));
	agg_handle(&a);
	fl_lines(fl_open_input(argc, argv, i), agg_line, &a);
	yajl_free(a.h);
	agg_print(&a);
	if (a.bad > 0)
		fprintf(stderr, "floor_agg: %llu bad lines\n",
		    (unsigned long long)a.bad);
	return a.bad > 0 ? 65 : 0;
}
