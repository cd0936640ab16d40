/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_PARTIAL_H
#define SK_PARTIAL_H
/*
 * partial.h - {"@partial"} records: aggregate states between processes.
 *
 * `stream-agg --emit partial` writes, for each fired window and key (or
 * each key at the end, without a window), the mergeable states of its
 * aggregates; `stream-agg --merge` reads them from several shards and
 * combines them (SPEC 10).  The record:
 *
 *   {"@partial":{"v":2,"sig":"<16 hex>","window_start":NS,"window_end":NS,
 *    "key":"<hex of the canonical key>","fields":{"service":"api"},
 *    "aggs":[<state>,...],"late":true,"revision":N}}
 *
 * sig is XXH64 of the aggregate description, so a merge refuses partials
 * of other aggregates; window bounds are exact nanoseconds; "fields" is
 * for people reading the stream, "key" is what merges; the aggregate
 * states use the same encoding as the state file.  The window fields are
 * absent without a window, late/revision without a late firing.
 *
 * A shard that owns its keys (--shard I/N: no other shard sees them)
 * has nothing to merge: it writes each fired window's result as one
 * process would, under "final" in place of "fields" and "aggs", with its
 * shard and the XXH64 of the result's bytes (seeded with its window and
 * key, so the sum covers them too):
 *
 *   {"@partial":{"v":2,"sig":…,"window_start":NS,"window_end":NS,
 *    "key":"…","shard":[I,N],"sum":"<16 hex>",
 *    "final":{"window_start":"…",…,"count":3}}}
 *
 * An instance that reads partition I of N of a topic keyed by the --by
 * key (--partition I/N) owns its keys too, and writes "partition":[I,N]
 * there: no hash to check, but two inputs sending the same window and
 * key are caught when the merge writes them.
 *
 * An instance given --instance I/N says so in every partial, after the
 * key: "from":[I,N].  Its partials then travel keyed by their key
 * (--kafka-key), so one partition of the partials topic mixes every
 * instance's, and a merge given --instances N tells them apart by it.
 *
 * The merge writes those results as they came, ordered by window and
 * key over all inputs, once W has passed the window or every input has
 * one waiting: a line in exactly this form is read without a JSON parse
 * (the sum stands for it), any other form of it the slow way.
 */
#include <stddef.h>
#include <stdint.h>

struct aggset;
struct buf;
struct fault;
struct value;
struct keyspec;
struct win_fired;

/*
 * The version of the states inside (agg.h AGG_STATES_VERSION): 3, exact
 * sums of non-integers; 2, exact integer sums, avg as a sum and a
 * count, top as exact counts and approx_top.  A merge reads partials
 * from PARTIAL_VERSION_OLDEST on (a shard not yet upgraded); another
 * version is refused (EX_CONFIG).
 */
#define PARTIAL_VERSION	3
#define PARTIAL_VERSION_S "3"	/* the same, as text */
#define PARTIAL_VERSION_OLDEST 2

/*
 * k gives the "fields" of the key (key.h key_write_fields()); from,
 * when not NULL, is the instance {I, N} that wrote it (--instance).
 */
void	partial_write(struct buf *, const struct keyspec *k,
	    const struct aggset *, uint64_t sig, const struct win_fired *,
	    int windowed, const void *blk, const int *from);
/*
 * A final partial: the head, up to "final":, returning where the result
 * begins; the caller writes the result, then partial_close_final() sums
 * it and ends the line.
 */
size_t	partial_open_final(struct buf *, uint64_t sig,
	    const struct win_fired *, int partition, int shard_i,
	    int shard_n, const int *from);
void	partial_close_final(struct buf *, size_t at,
	    const struct win_fired *);

/* A partial read back; key and aggs point into the record's text. */
struct partial {
	int		 windowed;
	int64_t		 start, end;
	struct buf	*key;		/* decoded canonical key */
	const char	*aggs;		/* raw JSON array of states */
	size_t		 aggslen;
	const char	*final;		/* or a shard's finished result */
	size_t		 finallen;
	uint64_t	 sum;		/* of final */
	int		 shard_i, shard_n;	/* of final */
	int		 partition;	/* "partition", not "shard" */
	int		 from_i, from_n;	/* "from", from_n 0: none */
	int		 late;
	uint32_t	 revision;
};

/*
 * Parse the value of "@partial"; sig must match; exactly one of aggs and
 * final is set.  -1 with EX_DATAERR.
 */
int	partial_read(const struct value *, uint64_t sig, struct partial *,
	    struct fault *);
uint64_t partial_sig(const struct aggset *);
/*
 * A whole line that is a final partial exactly as partial_close_final()
 * writes it, with this sig (16 hex digits): 0, else -1 (read it with
 * partial_read).  Then check the result against its sum.
 */
int	partial_read_final(const char *, size_t, const char sig[16],
	    struct partial *);
int	partial_final_intact(const struct partial *, struct fault *);
#endif
