/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_RUN_H
#define SK_RUN_H
/*
 * run.h - the main loop every tool runs.
 *
 * Open the source with the options' flags, then read with src_next(),
 * hand events to the tool, fire what the watermark released, forward the
 * watermark, report bad records, print --stats and write --metrics, take
 * checkpoints on time, stop cleanly on SIGTERM/SIGINT, and at end of
 * input fire everything or keep it (--eof, SPEC 4).  The tool supplies
 * hooks; run_loop() owns the order in which they are called, which is
 * where the SPEC's promises about output order live: an event, then the
 * windows its watermark advance fired, then the watermark record.  The
 * caller owns struct run.
 */
#include <stdint.h>

#include "buf.h"
#include "state.h"

struct fault;
struct opts;
struct progress;
struct source;
struct src_event;
struct src_side;
struct stage_ops;

struct run_hooks {
	/* An event (rec.time_ns set when the tool needs time). */
	void	(*event)(void *ctx, struct src_event *);
	/* A {"@partial"} record (stream-agg --merge); NULL: passed on. */
	void	(*partial)(void *ctx, struct src_event *);
	/* W moved forward (after the stage's own advance). */
	void	(*advance)(void *ctx, int64_t wm);
	/* Options beyond the common ones that shape the tool's state. */
	void	(*fingerprint)(void *ctx, struct buf *);
	/* May the watermark be written now?  NULL: whenever it moves. */
	int	(*may_forward)(void *ctx, int64_t wm, int tick);
	/* Extra words for the --stats line (before the stage's). */
	void	(*stats)(void *ctx, struct buf *);
	/* A kcat tombstone (a side with tombstones set); ev->env has the key. */
	void	(*tombstone)(void *ctx, struct src_event *);
};

struct run {
	const struct opts	*o;
	struct source		*src;
	const struct run_hooks	*h;
	void			*ctx;
	/*
	 * The engine piece that holds the tool's state, or NULL: W moving,
	 * the end of input, --stats, the "tool-state" of --state.
	 */
	const struct stage_ops	*stage;
	void			*obj;
	int64_t			 advanced;	/* W given to advance */
	int64_t			 forwarded;	/* W last written */
	int			 stopped;	/* by a signal */
	struct state		*st;		/* --state */
	int64_t			 started_ms;
	int64_t			 next_stats_ms;
	int64_t			 next_ckpt_ms;
	uint64_t		 next_ckpt_n;
	int			 metrics_failed;
	int			 quiet_late;	/* the tool reports late itself,
						   and is its own -v */
	int			 forward_on_fire; /* W only after firings */
	int64_t			 restore_ns;	/* time to read --state */
	int64_t			 ckpt_ns;	/* the last checkpoint's */
	uint64_t		 ckpt_bytes;	/* its size */
	struct state_part	 parts[2];	/* source, tool-state */
	struct buf		 fp;		/* the fingerprint */
	struct progress		*progress;	/* --progress, or NULL */
	uint64_t		 steps;		/* of the loop, for it */
};

/*
 * R->src: a source over streams (the files of each side) with the flags
 * of R->o: side files, the signals that stop it.  Dies on failure.
 */
void	run_open(struct run *, char **const *streams,
	    const struct src_side *sides, int nsides);
/* Returns the exit status (0, 65, ...). */
int	run_loop(struct run *);
#endif
