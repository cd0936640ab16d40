/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_WINTOOL_H
#define SK_WINTOOL_H
/*
 * wintool.h - what stream-window and stream-agg share around windows.
 *
 * Both tools parse the same flags, key records by --by (with --shard),
 * read one source (with --merge, one side per FILE), keep open windows
 * in a struct windows, and send records no window takes to
 * --late-output.  The tool makes its engine (the windows, or
 * stream-agg's stage) from wintool_config() and puts it in w and
 * run.stage.  The caller owns struct wintool (static is fine);
 * wintool_run() releases what wintool made.
 */
#include "key.h"
#include "opts.h"
#include "run.h"

struct agg_in;
struct aggset;
struct ga_parts;
struct par_tool;
struct src_event;
struct win_config;
struct windows;

struct wintool {
	struct opts	 o;
	struct fields	*fl;
	struct keyspec	 key;
	struct source	*src;
	struct windows	*w;		/* the tool's, when it has windows */
	struct run	 run;
	struct buf	 kb;		/* scratch for the key */
	const char	*kp;		/* the current record's key */
	size_t		 kn;
	struct par_tool	*tool;		/* -j N: the key on the workers */
	const struct aggset *aggs;	/* and their inputs (stream-agg);
					   set before wintool_open() */
	struct ga_parts	*parts;		/* and the aggregates themselves,
					   per block (set before
					   wintool_open()), or NULL */
	char		**merge_files;	/* --merge: one list per file */
	int		 time_used;	/* the tool's own work reads event
					   time (first/last); set before
					   wintool_open() */
};

/* Options, fields and --by; the tool adds its own paths after this. */
void	wintool_parse(struct wintool *, enum tool, int argc, char **argv);
/* The source over files (with --merge, one side per file). */
void	wintool_open(struct wintool *, char **files);
/* The windows the flags ask for. */
void	wintool_config(const struct wintool *, struct win_config *);
int	wintool_run(struct wintool *);
/*
 * The key of the record in wt->kp and wt->kn (made on a decode thread
 * with -j N, else into wt->kb), its hash returned.  The record's
 * prepared aggregate inputs, when made (agg.h), go to *in, else NULL.
 */
uint64_t wintool_keyof(struct wintool *, const struct src_event *);
const struct agg_in *wintool_in(const struct src_event *);
/*
 * The block's part of aggregates when a decode thread took the record
 * into it (wt->parts), else NULL; *seq is the block's number (a part is
 * absorbed once, at its block's first such record).
 */
struct ga_part *wintool_part(const struct src_event *, uint64_t *seq);
/* Add an event to its windows (if --shard keeps it); late ones out. */
void	wintool_event(struct wintool *, struct src_event *);
#endif
