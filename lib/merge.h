/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_MERGE_H
#define SK_MERGE_H
/*
 * merge.h - stream-agg --merge: one result from the partials of shards.
 *
 * Each input is a shard's output (stream-agg --emit partial, partial.h)
 * and its own watermark channel.  Two kinds of partial arrive:
 *
 * - Mergeable states of a window and key.  The merge keeps, per window
 *   and key, the latest block from each input (a shard's late firing
 *   carries its whole window again and replaces what it sent before),
 *   in windows that the partials name (window.h WIN_GIVEN), and writes
 *   the union when W passes the window's end, with the same lateness
 *   and revisions as one process.  Windowless states go to a groupagg.
 * - Finished results of shards that own their keys (--shard, and
 *   --partition instances).  Each input's results wait in arrival order,
 *   which is its shard's firing order; they go out least first across
 *   inputs once W has passed their window or every input has one
 *   waiting, so the merge writes one process's order at whatever pace
 *   the inputs come, checked on the way: a key that is not the shard's,
 *   two inputs claiming one shard or one window and key, a result that
 *   does not match its sum.
 *
 * Partials that are wrong are bad records (src_bad); everything written
 * goes through the result_out.  merge_new() gives the caller a struct
 * merge for merge_free(); the aggset, result_out, groupagg and source
 * are borrowed.
 */
#include <stddef.h>
#include <stdint.h>

struct aggset;
struct buf;
struct fault;
struct groupagg;
struct jcur;
struct result_out;
struct source;
struct src_event;
struct windows;

struct merge;

/*
 * n inputs, keys of nkeys --by values, windows kept lateness_ns after
 * they end; windowless partials go to g.
 */
struct merge *merge_new(struct aggset *, const struct result_out *,
	    struct source *, struct groupagg *g, int n, int nkeys,
	    int64_t lateness_ns);
void	merge_free(struct merge *);
/*
 * by_from: the n inputs are the instances that partials and marks name
 * ("from", --instances), not the FILEs or partitions; own_n > 0
 * (--partition I/M): only keys that kcat's partitioner sends to
 * partition own_i of own_n are this merge's, any other is a bad record.
 */
void	merge_set_inputs(struct merge *, int by_from, int own_i, int own_n);
/* The windows of the mergeable states (for the run loop's stats). */
struct windows *merge_windows(struct merge *);
/* A {"@partial"} from input ev->side; -1 with the fault: a full table. */
int	merge_partial(struct merge *, struct src_event *, struct fault *);
/* Any other record: a bad one (the inputs are partials). */
void	merge_event(struct merge *, const struct src_event *);
/*
 * A look at each line before it is parsed (src_set_raw): a final
 * result exactly as a shard writes it is taken without a parse (1).
 */
int	merge_raw_line(void *merge, const char *, size_t, int input);
/*
 * W moved: write the finished results it released (the windows of
 * states fire through win_advance() on merge_windows()).
 */
void	merge_advance(struct merge *, int64_t wm);
/* End of input: every waiting result out (flush 0: kept in the state). */
void	merge_finish(struct merge *, int flush);
uint64_t merge_bytes(const struct merge *);
/* The waiting results: ,"finals":[…] (after the windows), and back. */
void	merge_save(const struct merge *, struct buf *);
int	merge_load(struct merge *, struct jcur *, struct fault *);
#endif
