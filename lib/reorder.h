/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_REORDER_H
#define SK_REORDER_H
/*
 * reorder.h - stream-watermark's engine: records held until W passes
 * them (--sort), and the pace of the @watermark records it writes.
 *
 * With sort, each on-time record is copied into a min-heap by (event
 * time, arrival) and written once the watermark passes its time, so the
 * output is in event-time order; without, it is written at once.
 * Watermarks go downstream at most once per N events or D of event
 * time (--emit-every), by default once per second of event time; an
 * idle release always goes.  Records are written through the config's
 * write hook, which adds what the tool adds (--annotate).  The
 * snapshot (stage.h) holds the last mark written and the held records.
 * reorder_new() gives the caller one for reorder_free().
 */
#include <stddef.h>
#include <stdint.h>

struct stage_ops;

struct reorder_config {
	int		 sort;		/* --sort */
	int64_t		 every_n;	/* --emit-every N, or 0 */
	int64_t		 every_ns;	/* --emit-every D, or 0: 1 s */
	void		(*write)(void *, const char *, size_t, int64_t t_ns);
	void		*arg;
};

struct reorder;

struct reorder *reorder_new(const struct reorder_config *);
void	reorder_free(struct reorder *);
/* A record arrived (on time or not): counted for the pace. */
void	reorder_arrival(struct reorder *);
/* An on-time record: held until W passes t (sort), or written now. */
void	reorder_event(struct reorder *, int64_t t_ns, const char *, size_t);
/* May a mark at W go now?  (tick: an idle release.)  1: it is written. */
int	reorder_may_mark(struct reorder *, int64_t wm, int tick);

/* --sort's state as the tool's stage: held records, release, snapshot. */
extern const struct stage_ops reorder_stage;
#endif
