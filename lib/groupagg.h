/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_GROUPAGG_H
#define SK_GROUPAGG_H
/*
 * groupagg.h - aggregates per key over the whole stream (no window).
 *
 * stream-agg without a window keeps one aggregate block per --by key
 * and writes, by --emit: every key once at the end (final, partial),
 * the key's new result after each record (updates), or each key that
 * changed since the last time whenever the watermark crosses a multiple
 * of D (every D, Flink's continuous event-time trigger; at the end when
 * nothing moves W).  Keys go out in key order.  --merge feeds it the
 * windowless partials of shards (ga_merge).  The blocks live in one
 * table, with a changed flag before each.  ga_new() gives the caller a
 * struct groupagg for ga_free(); the aggset and the result_out are
 * borrowed.
 */
#include <stddef.h>
#include <stdint.h>

struct agg_in;
struct aggset;
struct buf;
struct fault;
struct result_out;
struct value;

enum ga_emit { GA_FINAL, GA_UPDATES, GA_EVERY };

struct groupagg;

struct groupagg *ga_new(struct aggset *, const struct result_out *,
	    enum ga_emit, int64_t every_ns);
void	ga_free(struct groupagg *);
/*
 * One record of key (hash h), with its prepared inputs (agg.h) or NULL;
 * -1 with the fault when the table is full.
 */
int	ga_add(struct groupagg *, const char *key, size_t keylen, uint64_t h,
	    const struct value *v, const struct agg_in *in, int64_t t_ns,
	    uint64_t seq, struct fault *);
/* A shard's block for key, merged in (src is left as it is). */
int	ga_merge(struct groupagg *, const char *key, size_t keylen,
	    const void *blk, struct fault *);
/* W moved: --emit every writes what changed when W crossed a boundary. */
void	ga_advance(struct groupagg *, int64_t wm);
/* End of input: write what --emit says is left (flush 0: keep it). */
void	ga_finish(struct groupagg *, int flush);
uint64_t ga_bytes(const struct groupagg *);

/*
 * Aggregating on the decode threads (-j N, SPEC 10): when every
 * aggregate's result is independent of the order of its inputs
 * (aggset_order_free()) and nothing goes out before the end, each
 * worker adds a block's records into a part of its own, and the one
 * thread merges the block's part when it reaches the block, so the
 * results are those of one thread, byte for byte.  A part has its own
 * copy of the aggset (its counters), taken from the one that
 * ga_parts_new() was given, as it was then (before the threads start:
 * the one thread's counters go on changing).  ga_parts_new() gives the
 * caller
 * the parts' registry for ga_parts_free(), which frees the parts never
 * absorbed (blocks in flight at a stop); begin and add run on workers,
 * absorb on the one thread.
 */
struct ga_parts;
struct ga_part;

struct ga_parts *ga_parts_new(const struct aggset *);
void	ga_parts_free(struct ga_parts *);
struct ga_part *ga_part_begin(struct ga_parts *);
int	ga_part_add(struct ga_part *, const char *key, size_t keylen,
	    uint64_t h, const struct value *v, const struct agg_in *in,
	    struct fault *);
/* Many keys for its records (the merge would cost what it saves)? */
int	ga_part_dense(const struct ga_part *);
/*
 * The part's keys, their blocks and how many records each took: from
 * it -1, the next, or -1 at the end.
 */
int64_t	ga_part_next(const struct ga_part *, int64_t it, const char **key,
	    size_t *keylen, const void **blk, uint64_t *n);
/* Done with a part: its counters into into (NULL: dropped), freed. */
void	ga_part_done(struct ga_parts *, struct ga_part *, struct aggset *into);
/* Parts stopped paying (the one thread adds itself): make no more. */
void	ga_parts_stop(struct ga_parts *);
int	ga_parts_stopped(const struct ga_parts *);
/* The part merged into G (its counters into G's aggset), and freed. */
int	ga_absorb(struct groupagg *G, struct ga_parts *, struct ga_part *,
	    struct fault *);
/* {"next_every":…,"keys":[["<hex key>",changed,<states>],…]}, and back. */
void	ga_save(const struct groupagg *, struct buf *);
int	ga_load(struct groupagg *, const char *, size_t, int nkeys,
	    struct fault *);
#endif
