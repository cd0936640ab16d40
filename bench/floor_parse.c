/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * floor_parse.c - the parse floor: yajl over every line, nothing else.
 *
 * floor_parse [FILE]
 *
 * One yajl handle, allow_multiple_values, no callbacks: yajl still lexes
 * and validates every byte (UTF-8 included), which any streamkit tool has
 * to do too, so this is the most a tool can hope to run at.  Prints the
 * line count, and the bad line count when there are any.
 */
#define _POSIX_C_SOURCE 200809L
#include <yajl/yajl_parse.h>

#include "floor.h"

struct parse {
	yajl_handle	 h;
	uint64_t	 lines;
	uint64_t	 bad;
};

static yajl_handle
parse_handle(void)
{
	yajl_handle h;

	if ((h = yajl_alloc(NULL, NULL, NULL)) == NULL)
		fl_die("yajl_alloc");
	yajl_config(h, yajl_allow_multiple_values, 1);
	return h;
}

static void
parse_line(void *ctx, const unsigned char *p, size_t n)
{
	struct parse *ps = ctx;

	ps->lines++;
	/* complete_parse: a line must hold one whole value, no more. */
	if (yajl_parse(ps->h, p, n) != yajl_status_ok ||
	    yajl_complete_parse(ps->h) != yajl_status_ok) {
		/* yajl cannot be reset after an error: start over. */
		ps->bad++;
		yajl_free(ps->h);
		ps->h = parse_handle();
	}
}

int
main(int argc, char *argv[])
{
	struct parse ps;

	memset(&ps, 0, sizeof(ps));
	ps.h = parse_handle();
	fl_lines(fl_open_input(argc, argv, 1), parse_line, &ps);
	yajl_free(ps.h);
	printf("%llu lines", (unsigned long long)ps.lines);
	if (ps.bad > 0)
		printf(", %llu bad", (unsigned long long)ps.bad);
	printf("\n");
	return ps.bad > 0 ? 65 : 0;
}
