/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_RESULT_H
#define SK_RESULT_H
/*
 * result.h - the records stream-agg writes from aggregate blocks.
 *
 * A fired window's aggregates, or a key's over the whole stream, go out
 * as one of three records: the result itself
 * ({"window_start":…,"window_end":…,"service":"api","count":3}, without
 * the bounds for a key), the {"@partial"} of its mergeable states
 * (--emit partial, partial.h), or, from an instance that owns its keys
 * (--shard, --partition with --emit partial), the result wrapped in a
 * final partial that --merge passes through.  With --kafka-key a
 * partial line begins with its key for kcat -P -K'\t' (kpart.h): the
 * lowercase hex of the canonical key, then a TAB.  struct result_out
 * says which and where; each record is committed to its sink and
 * counted.
 * The caller owns struct result_out and everything it points to.
 */
#include <stddef.h>
#include <stdint.h>

#include "timeparse.h"

struct aggset;
struct keyspec;
struct sink;
struct win_fired;

struct result_out {
	const struct aggset	*aggs;
	const struct keyspec	*key;		/* the --by fields */
	enum tp_out		 time_out;	/* window bounds */
	int			 partial;	/* --emit partial */
	int			 owned;		/* windows as final partials */
	int			 partition;	/* owned by --partition I/N */
	int			 part_i, part_n;	/* the I/N it owns */
	int			 kafka_key;	/* KEY<TAB> before partials */
	const int		*from;		/* --instance {I, N}, or NULL */
	uint64_t		 sig;		/* partial_sig(aggs) */
	struct sink		*out;
	uint64_t		*count;		/* one more per record */
};

/* A fired window's block. */
void	result_window(const struct result_out *, const struct win_fired *,
	    const void *blk);
/* A key's block, with no window. */
void	result_key(const struct result_out *, const char *key, size_t keylen,
	    const void *blk);
#endif
