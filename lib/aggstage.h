/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_AGGSTAGE_H
#define SK_AGGSTAGE_H
/*
 * aggstage.h - stream-agg's state as one stage: windows, totals, finals.
 *
 * stream-agg keeps its aggregate blocks in one of three shapes: in
 * windows (window.h, one block per window and key), per key over the
 * whole stream (groupagg.h), or, with --merge, the shards' states in the
 * windows they name, their windowless states per key, and their
 * finished results (merge.h).  This module puts the one that is in use
 * behind stage.h for the run loop: the watermark moving, the end of
 * input, the bytes held, and the tool's section of a snapshot,
 * {"windows":…,"totals":…[,"finals":…]}, with null for a shape not in
 * use.  It also is what a window holds for windowed aggregation (an
 * aggregate block, through struct win_ops).  aggstage_new() gives the
 * caller one for aggstage_free(); the config's pointers are borrowed.
 */
#include <stdint.h>

#include "groupagg.h"

struct agg_in;
struct ga_part;
struct ga_parts;
struct aggset;
struct fault;
struct merge;
struct result_out;
struct source;
struct win_config;
struct windows;

struct aggstage_config {
	struct aggset		*aggs;
	const struct result_out	*out;
	const struct win_config	*win;		/* NULL: no window */
	enum ga_emit		 emit;		/* without a window */
	int64_t			 every_ns;	/* of GA_EVERY */
	int			 merge;		/* --merge: the inputs */
	struct source		*src;		/* of --merge */
	int			 nkeys;		/* --by values in a key */
	int64_t			 lateness_ns;	/* of --merge */
};

struct aggstage;

/* NULL with the fault when the windows cannot be (--hopping limits). */
struct aggstage *aggstage_new(const struct aggstage_config *,
	    struct fault *);
void	aggstage_free(struct aggstage *);
struct windows *aggstage_windows(struct aggstage *);	/* or NULL */
struct groupagg *aggstage_groups(struct aggstage *);	/* or NULL */
/*
 * A decode thread's part of a block (groupagg.h) merged in, and done
 * with: into the totals, or, windowed, into the panes its keys name
 * (the pane's start in 8 bytes before the key, win_merge_pane()) under
 * watermark wm.  -1 with the fault.
 */
int	aggstage_absorb(struct aggstage *, struct ga_parts *,
	    struct ga_part *, int64_t wm, struct fault *);
struct merge *aggstage_merge(struct aggstage *);	/* or NULL */
/* A record arrived: its arrival number (first/last break ties by it). */
uint64_t aggstage_arrival(struct aggstage *);
/*
 * The next record's prepared inputs (agg.h aggset_prepare(), borrowed
 * until the next call), or NULL: what its windows' blocks add from.
 */
void	aggstage_set_in(struct aggstage *, const struct agg_in *);

extern const struct stage_ops aggstage_ops;
#endif
