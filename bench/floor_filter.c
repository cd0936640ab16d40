/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * floor_filter.c - the filter floor: `.status >= 500`, byte for byte.
 *
 * floor_filter [FILE]
 *
 * One yajl handle for every line; callbacks track depth, spot the
 * top-level key "status" and read its number from the raw text yajl hands
 * over (the yajl_number callback, so yajl does no conversion of its own).
 * Matching lines are copied out unchanged, with \n, through one big
 * buffer.  The whole line is still parsed, as a tool must to reject bad
 * records, so this is what stream-filter's cost would be with a free
 * expression language.
 */
#define _POSIX_C_SOURCE 200809L
#include <yajl/yajl_parse.h>

#include "floor.h"

#define STATUS_MIN	500

struct filter {
	yajl_handle	 h;
	int		 depth;
	int		 at_status;	/* the next value is .status */
	int		 match;
	uint64_t	 bad;
	struct fl_out	 out;
};

static int
cb_start(void *ctx)
{
	((struct filter *)ctx)->depth++;
	return 1;
}

static int
cb_end(void *ctx)
{
	((struct filter *)ctx)->depth--;
	return 1;
}

static int
cb_key(void *ctx, const unsigned char *s, size_t n)
{
	struct filter *f = ctx;

	f->at_status = f->depth == 1 && n == 6 && memcmp(s, "status", 6) == 0;
	return 1;
}

static int
cb_number(void *ctx, const char *s, size_t n)
{
	struct filter *f = ctx;
	char tmp[64];

	if (f->at_status && f->depth == 1 && n < sizeof(tmp)) {
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		f->match = strtod(tmp, NULL) >= STATUS_MIN;
	}
	return 1;
}

static const yajl_callbacks callbacks = {
	NULL, NULL, NULL, NULL, cb_number, NULL,
	cb_start, cb_key, cb_end, cb_start, cb_end
};

static void
filter_handle(struct filter *f)
{
	if ((f->h = yajl_alloc(&callbacks, NULL, f)) == NULL)
		fl_die("yajl_alloc");
	yajl_config(f->h, yajl_allow_multiple_values, 1);
}

static void
filter_line(void *ctx, const unsigned char *p, size_t n)
{
	struct filter *f = ctx;

	f->depth = 0;
	f->at_status = 0;
	f->match = 0;
	if (yajl_parse(f->h, p, n) != yajl_status_ok ||
	    yajl_complete_parse(f->h) != yajl_status_ok) {
		f->bad++;
		yajl_free(f->h);
		filter_handle(f);
		return;
	}
	if (f->match) {
		fl_out_put(&f->out, p, n);
		fl_out_put(&f->out, "\n", 1);
	}
}

int
main(int argc, char *argv[])
{
	struct filter f;

	memset(&f, 0, sizeof(f));
	filter_handle(&f);
	fl_out_init(&f.out, 1);
	fl_lines(fl_open_input(argc, argv, 1), filter_line, &f);
	fl_out_flush(&f.out);
	yajl_free(f.h);
	if (f.bad > 0)
		fprintf(stderr, "floor_filter: %llu bad lines\n",
		    (unsigned long long)f.bad);
	return f.bad > 0 ? 65 : 0;
}
