/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_SKETCH_H
#define SK_SKETCH_H
/*
 * sketch.h - the one table every summary of an aggregate's values fills.
 *
 * Six aggregates keep a summary of the values they saw rather than a
 * fixed-size state: quantiles (DDSketch, dds.h; with --exact, the values
 * themselves), approx_distinct (HyperLogLog, hll.h), top (exact counts,
 * freq.h), approx_top (Space-Saving, ss.h) and distinct (the exact set).  Each summary is one heap object
 * behind a pointer in the aggregate block, and NULL is the empty
 * summary, so a group that never saw a value costs a pointer.  agg.c
 * drives them all through struct sketch_ops: one set of calls, not one
 * per aggregate.  Adding and merging go through a pointer to that
 * pointer and allocate on demand; merging leaves the source alone.  The
 * encodings are compact JSON (documented in streamkit(7)); decoding
 * reads them with jcur, rejects malformed input through jc_fail() and
 * never trusts a claimed size.  Summaries of values take them as
 * canonical bytes (key.h key_canon: 1 and 1.0 are one value); they know
 * nothing of paths or records.  Memory exhaustion goes to xmalloc.h.
 */
#include <stddef.h>
#include <stdint.h>

struct buf;
struct jcur;

struct sketch_ops {
	/*
	 * One value: a finite number, or its canonical bytes (one is set).
	 * add_canon returns -1 when a bounded summary refused a new value
	 * (freq.h), else 0.
	 */
	void	(*add_num)(void **, double);
	int	(*add_canon)(void **, const char *, size_t, int k);
	/* *dst += src. */
	void	(*merge)(void **dst, const void *src, int k);
	/* The result: q of quantiles, k of top; NULL when empty. */
	void	(*result)(void *, double q, int k, struct buf *);
	void	(*encode)(const void *, struct buf *);
	/* Into an empty summary; -1 through the cursor. */
	int	(*decode)(void **, int k, struct jcur *);
	size_t	(*bytes)(const void *);		/* heap bytes, for --stats */
	void	(*free)(void *);		/* NULL-safe */
	/*
	 * Optional, with add_num: a number's bin (read only, any thread,
	 * -j N), and add_num() given it: add_keyed(pp, x, num_key(x)) is
	 * add_num(pp, x).
	 */
	uint64_t (*num_key)(double);
	void	(*add_keyed)(void **, double, uint64_t key);
};

/*
 * The nearest rank of quantile q among n values: k = ceil(q n), at
 * least 1 and at most n, exact for decimal q (0.99 of 100 is 99).
 */
uint64_t sketch_rank(double q, uint64_t n);
#endif
