/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_OPTS_H
#define SK_OPTS_H
/*
 * opts.h - every flag of every tool, parsed in one place.
 *
 * One table (opts.c) lists each option once with the tools that take it,
 * its argument, its help line and how to complete it; the same rows
 * drive getopt_long, --help and the shell completions (--dump-options),
 * so the three cannot drift apart.  opt_parse() fills a struct opts that
 * the caller owns; strings in it point into argv or into memory the
 * struct keeps until opt_release().  Bad usage prints a message naming
 * the flag and exits 64: usage errors happen before anything runs.
 * Part of the tool runtime; the engine's structs it fills (windows,
 * expression variables, time formats) come from the engine's headers.
 */
#include <stdint.h>

#include "expr.h"
#include "path.h"
#include "timeparse.h"
#include "window.h"

struct buf;

#define OPT_THREADS_MAX	64	/* -j; par.h's PAR_THREADS_MAX */

enum tool {
	T_FILTER = 1 << 0,
	T_WATERMARK = 1 << 1,
	T_WINDOW = 1 << 2,
	T_AGG = 1 << 3,
	T_JOIN = 1 << 4
};

enum eof_mode { EOF_DEFAULT, EOF_FLUSH, EOF_KEEP };
enum wm_out { WMO_AUTO, WMO_ALWAYS, WMO_NEVER };

struct opts {
	enum tool	 tool;
	const char	*prog;
	char	       **args;		/* positional arguments */
	int		 nargs;

	/* event time */
	const char	*time_path;	/* --time, "@kafka" allowed */
	int		 time_set;	/* --time was given */
	struct timefmt	 time_fmt;	/* --time-format, with --year */
	int		 time_format_set; /* --time-format was given */
	int		 year;		/* --year; 0: not given */
	enum tp_out	 time_out;
	int		 processing_time;
	int64_t		 max_delay_ns;	/* -1: not given */
	int64_t		 idle_ns;	/* 0: off */
	enum wm_out	 wm_out;	/* --emit-watermarks/--no-watermarks */
	enum eof_mode	 eof;

	/* input */
	int		 kcat;
	int		 partitions;	/* --partitions N; 0: not given */
	int		 kcat_pad;	/* --kcat-pad */
	int		 keep_envelope;
	int		 strict;
	const char	*errors_output;
	size_t		 max_line_bytes;
	int		 threads;	/* -j N; 0: auto (SPEC 10) */

	/* operations */
	int64_t		 stats_ns;	/* 0: off */
	const char	*metrics;
	int		 verbose;	/* -v: a summary at exit */
	int		 progress;	/* --progress 1, --no-progress 0,
					   -1: on a terminal, for files */
	const char	*state;
	int		 state_reset;
	const char	*state_check;	/* --state-check FILE */
	int64_t		 checkpoint_ns;	/* wall clock; 0 when by count */
	int64_t		 checkpoint_n;	/* records; 0 when by time */

	/* late data */
	const char	*late_output;
	int		 late_pass;	/* stream-watermark --late pass */
	int64_t		 lateness_ns;

	/* keys */
	const char	*by;		/* --by as written */
	int		 shard_i, shard_n;	/* shard_n 0: off */
	int		 part_i, part_n;	/* --partition; part_n 0: off */

	/* stream-filter */
	int		 exit_status, invert, count_only;
	const char	*keep, *drop, *dedupe;
	int64_t		 within_ns;	/* also stream-join --within */
	int		 within_set;
	double		 sample;	/* -1: off */
	struct expr_var	*vars;	/* --arg, --argjson */
	int		 nvars;

	/* stream-watermark */
	int64_t		 emit_every_n;
	int64_t		 emit_every_ns;
	int		 sort;
	const char	*annotate;

	/* windows */
	enum win_kind	 win;
	int64_t		 size_ns;	/* tumbling/hopping size, session gap,
					   cumulate max */
	int64_t		 slide_ns;	/* hopping slide, cumulate step */
	int64_t		 count_n, count_slide;
	int64_t		 offset_ns;
	int		 emit_assign;	/* stream-window --emit assign */
	int64_t		 max_events;

	/* stream-agg */
	enum { EMIT_FINAL, EMIT_UPDATES, EMIT_EVERY, EMIT_PARTIAL } emit;
	int64_t		 emit_every_agg_ns;
	int		 exact;
	int		 merge;
	int		 kafka_key;	/* --kafka-key M; 0: off */
	int		 inst_i, inst_n;	/* --instance; inst_n 0: off */
	int		 instances;	/* --instances N; 0: off */

	/* stream-join */
	const char	*right;
	const char	*on;
	int64_t		 between_lo_ns, between_hi_ns;
	int		 between_set;
	enum { JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL } join_type;
	int		 table, as_of, nest, right_kcat;
	const char	*prefix_right;
	const char	*left_time, *right_time;
};

/* Parse argv for tool t; prints usage and exits 64 on a bad flag. */
void	opt_parse(struct opts *, enum tool t, int argc, char **argv);
void	opt_release(struct opts *);
/* Exit 64 with "prog: msg" and a hint to --help. */
void	opt_usage_error(const struct opts *, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
/* The state-shaping options as "name=value" lines, for the state file. */
void	opt_fingerprint(const struct opts *, struct buf *);
#endif
