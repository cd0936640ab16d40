/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_AGG_H
#define SK_AGG_H
/*
 * agg.h - incremental, mergeable aggregates.
 *
 * AGG arguments ("count", "sum(.bytes)", "p99(.latency_ms) as p99",
 * "quantile(.x, 0.95)", "top(.path, 5)") parse into a struct aggset: one
 * struct agg_spec per aggregate, each naming a small vtable (init, add,
 * merge, result, encode, decode, release).  The states of all aggregates
 * of one group (a key in a window, a slice, a session) sit side by side
 * in one block of aggset.state_size bytes that the caller allocates;
 * fixed-size aggregates (count, sum, min, max, avg, var, first, last)
 * live wholly inside it, sketches hang their heap part off it and free
 * it in release.  Windows, slices, sessions and --merge shards combine
 * through the same merge, and the state file and {"@partial"} records use
 * the same encoding (compact JSON per aggregate, documented in
 * streamkit(7)), so there is one format to keep right.  Adding never
 * allocates for the fixed-size aggregates, but for a sum whose terms
 * outgrow the block (numbers outside its fixed point's range, from
 * about 2e-6 to 3e16, spread over many orders of magnitude, or past
 * 2^960), and first and last keeping a long value's text.
 *
 * Threads (-j N): the aggset is read-only to adding but for two
 * counters, nonnumeric and refused.  So a struct copy of it (mine =
 * *shared) is a valid aggset for adding into blocks of its own on
 * another thread: the specs' paths, names and sketch tables are only
 * read there (never aggset_release_specs() a copy); when done, fold its
 * counters into the shared one with aggset_counts_merge().
 */
#include <stddef.h>
#include <stdint.h>

#include "path.h"
#include "value.h"

struct buf;
struct fault;
struct fields;
struct jcur;
struct sketch_ops;

#define AGG_MAX		64	/* aggregates per command line */
/*
 * The encoding of the states, in state files and partials.  3: sums of
 * non-integers exact too (terms of an expansion, "f", in place of
 * version 2's Neumaier sum and compensation, "d" and "c").  Version 2
 * is still read: d + c is held exactly, so its sums go on as they
 * were.  2: sums of integers exact (an int128), avg a sum and a count,
 * top exact counts, approx_top Space-Saving.  Version 1 (a running
 * mean, Space-Saving under top) cannot give version 2's answers, so it
 * is refused, not read.
 */
#define AGG_STATES_VERSION 3
#define AGG_STATES_OLDEST 2	/* the oldest version read */
#define AGG_TOP_MAX	10000	/* k of top(P, k) */

struct agg_fn;

struct agg_spec {
	const struct agg_fn *fn;
	struct path	 path;		/* nsteps 0 and slot -1 for count */
	int		 slot;		/* in the caller's fields set */
	double		 q;		/* quantiles */
	int		 k;		/* top */
	int		 exact;		/* --exact quantiles */
	const struct sketch_ops *sketch;	/* its summary, or NULL */
	char		*name;		/* output field name */
	size_t		 offset;	/* of its state in the block */
};

struct aggset {
	struct agg_spec	 specs[AGG_MAX];
	int		 n;
	size_t		 state_size;	/* bytes per block, 8-aligned */
	uint64_t	 nonnumeric;	/* values skipped by numeric aggs */
	int		 refused;	/* 1 + the spec whose bounded summary
					   refused a value; 0: none */
};

/*
 * Parse AGG arguments from args[0..nargs): aggregate specs until the
 * first argument that is not one (the FILE operands).  "as NAME" may be
 * part of the argument or the next two arguments.  *used gets how many
 * arguments were aggregates.  Usage errors are EX_USAGE.
 */
int	aggset_parse(struct aggset *, char **args, int nargs, int *used,
	    int exact, struct fields *, struct fault *);
void	aggset_release_specs(struct aggset *);
/* Do the aggregates read event time (first, last)? */
int	aggset_uses_time(const struct aggset *);
/*
 * Is every aggregate's result independent of the order of adds and
 * merges (so per-thread states merged give -j 1's bytes)?  Given the
 * same multiset of (value, t_ns, seq), seq the global arrival number.
 * No for var, stddev, top, approx_top and collect (agg.c says why).
 */
int	aggset_order_free(const struct aggset *);
/*
 * And the encoded states too (--emit partial, --state)?  Not distinct
 * or --exact quantiles either: they list values in arrival order.
 */
int	aggset_states_order_free(const struct aggset *);
/*
 * dst->nonnumeric += src's; dst->refused takes src's when src's spec
 * comes first (or dst has none): fold a per-thread copy's counters.
 */
void	aggset_counts_merge(struct aggset *dst, const struct aggset *src);
/* Does args[0] look like an aggregate (so it is not a file)? */
int	agg_looks_like(const char *);

void	aggset_init(const struct aggset *, void *block);
void	aggset_release(const struct aggset *, void *block);
/* One record: v is rec->v (indexed by each spec's slot). */
void	aggset_add(struct aggset *, void *block, const struct value *v,
	    int64_t t_ns, uint64_t seq);
/*
 * What aggset_add() works out of a record's values before it touches a
 * group's block, worked out ahead (on a decode thread, -j N): a
 * summary's bin of each number (DDSketch's logarithm).  Does any
 * aggregate have such work?  aggset_prepare() fills in[0..n) (the
 * aggset is only read: any thread); aggset_add_in() is aggset_add()
 * given them, with the same result.
 */
struct agg_in {
	uint64_t	 key;
	int		 ready;
};

int	aggset_preparable(const struct aggset *);
void	aggset_prepare(const struct aggset *, const struct value *v,
	    struct agg_in *in);
void	aggset_add_in(struct aggset *, void *block, const struct value *v,
	    const struct agg_in *in, int64_t t_ns, uint64_t seq);
/*
 * After adding: -1 with the fault once a bounded summary (top's exact
 * counts, freq.h) refused a value, which makes the results wrong; the
 * caller stops.
 */
int	aggset_check(const struct aggset *, struct fault *);
/* dst += src; src is left valid (release it separately). */
void	aggset_merge(const struct aggset *, void *dst, const void *src);
/* ,"name":result for each aggregate (a comma before each). */
void	aggset_result(const struct aggset *, const void *block,
	    struct buf *);
/* The mergeable states as a JSON array, one element per aggregate. */
void	aggset_encode(const struct aggset *, const void *block, struct buf *);
/* The inverse, into an initialised block; -1 with the fault. */
int	aggset_decode(const struct aggset *, void *block, struct jcur *,
	    struct fault *);
/* Heap bytes held by a block beyond state_size (for --stats). */
size_t	aggset_bytes(const struct aggset *, const void *block);
/* A text naming the aggregates and their parameters, for fingerprints. */
void	aggset_describe(const struct aggset *, struct buf *);
#endif
