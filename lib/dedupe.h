/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_DEDUPE_H
#define SK_DEDUPE_H
/*
 * dedupe.h - stream-filter --dedupe KEY --within D.
 *
 * A record is a repeat when a record with the same key was kept at an
 * event time within D of its own (|t - t0| <= D, t0 the time of the
 * last record kept for the key).  Entries whose t0 + D is behind the
 * watermark can no longer match an on-time record and are evicted, so
 * memory follows the keys seen within D, not the stream; records behind
 * the watermark are late (SPEC 4) and the caller drops them before
 * asking.  Without a watermark (no --max-delay, --idle or in-band marks)
 * nothing is evicted until the end: memory is then one entry per key.
 * dd_new() gives the caller a set for dd_free().
 */
#include <stddef.h>
#include <stdint.h>

struct buf;
struct fault;
struct jcur;
struct keyspec;
struct record;
struct stage_ops;

struct dedupe;

struct dedupe *dd_new(int64_t within_ns);
void	dd_free(struct dedupe *);
/* 1: a repeat (drop it); 0: first of its key within D (kept). */
int	dd_seen(struct dedupe *, const char *key, size_t, uint64_t hash,
	    int64_t t, struct fault *);
/* dd_seen() for the record under the key k (its event time). */
int	dd_record(struct dedupe *, const struct keyspec *k,
	    const struct record *, struct fault *);
/* Forget keys that no on-time record can repeat any more. */
void	dd_evict(struct dedupe *, int64_t wm);
size_t	dd_count(const struct dedupe *);
size_t	dd_bytes(const struct dedupe *);
uint64_t dd_dropped(const struct dedupe *);
void	dd_save(const struct dedupe *, struct buf *);
int	dd_load(struct dedupe *, struct jcur *);

/* The set as stream-filter's stage (stage.h): evict, size, snapshot. */
extern const struct stage_ops dd_stage;
#endif
