/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_STAGE_H
#define SK_STAGE_H
/*
 * stage.h - what the run loop asks of the engine piece that holds state.
 *
 * Open windows, the --dedupe set, the --sort buffer, a join's buffers
 * and tables, and stream-agg's blocks all hold state across records.
 * The tool runtime drives whichever one a tool has through this table,
 * the same way for all: the watermark moved, input ended (fire what is
 * left), how many bytes it holds (--stats, --metrics), its section of a
 * --state snapshot and back, a few words for the --stats line.  Each
 * module that is a stage exports its table (win_stage, dd_stage, …);
 * any entry may be NULL.  The void * is the module's own object.
 */
#include <stddef.h>
#include <stdint.h>

struct buf;
struct fault;

struct stage_ops {
	void	(*advance)(void *, int64_t wm);
	/* End of input with --eof flush (or no --state): fire everything. */
	void	(*flush)(void *);
	uint64_t (*bytes)(void *);
	void	(*save)(void *, struct buf *);
	int	(*load)(void *, const char *, size_t, struct fault *);
	void	(*stats)(void *, struct buf *);
};
#endif
