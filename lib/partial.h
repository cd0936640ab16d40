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
 *   {"@partial":{"v":1,"sig":"<16 hex>","window_start":NS,"window_end":NS,
 *    "key":"<hex of the canonical key>","fields":{"service":"api"},
 *    "aggs":[<state>,...],"late":true,"revision":N}}
 *
 * sig is XXH64 of the aggregate description, so a merge refuses partials
 * of other aggregates; window bounds are exact nanoseconds; "fields" is
 * for people reading the stream, "key" is what merges; the aggregate
 * states use the same encoding as the state file.  The window fields are
 * absent without a window, late/revision without a late firing.
 */
#include <stddef.h>
#include <stdint.h>

struct aggset;
struct buf;
struct fault;
struct value;
struct win_fired;
struct wintool;

#define PARTIAL_VERSION	1

void	partial_write(struct buf *, const struct wintool *,
	    const struct aggset *, const struct win_fired *, int windowed,
	    const void *blk);

/* A partial read back; key and aggs point into the record's text. */
struct partial {
	int		 windowed;
	int64_t		 start, end;
	struct buf	*key;		/* decoded canonical key */
	const char	*aggs;		/* raw JSON array of states */
	size_t		 aggslen;
	int		 late;
	uint32_t	 revision;
};

/* Parse the value of "@partial"; sig must match.  -1 with EX_DATAERR. */
int	partial_read(const struct value *, uint64_t sig, struct partial *,
	    struct fault *);
uint64_t partial_sig(const struct aggset *);
#endif
