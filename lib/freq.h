/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_FREQ_H
#define SK_FREQ_H
/*
 * freq.h - exact counts of values: top(P, k).
 *
 * One count per distinct value, values given as canonical bytes (key.h
 * key_canon: 1 and 1.0 are one value), so the k most frequent come out
 * with their true counts, ordered as `sort | uniq -c | sort -rn` would
 * order them, ties by value (key_cmp, jq's order).  The memory is the
 * distinct values', so adding is bounded: past FREQ_VALUES_MAX distinct
 * values in one summary a new value is refused (add returns -1; the
 * caller reports it, and approx_top is the bounded alternative).  A
 * merge or a decode holds the union of its inputs, each of which was
 * bounded.  NULL is the empty summary; freq_add() and freq_merge() make
 * one on demand, freq_free() releases it.  freq_ops is top's table
 * (sketch.h).  Memory exhaustion goes to xmalloc.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "sketch.h"

struct buf;
struct jcur;
struct freq;

#define FREQ_VALUES_MAX	(1 << 20)	/* distinct values added per group */

/* One more of key; -1 (nothing changed) when it is new and the set full. */
int	freq_add(struct freq **, const char *key, size_t len);
void	freq_merge(struct freq **, const struct freq *);
/* [{"value":V,"count":N},...]: the k largest, by count, then value. */
void	freq_result(const struct freq *, int k, struct buf *);
/* [[value,count],...] in first-seen order; [] when empty. */
void	freq_encode(const struct freq *, struct buf *);
int	freq_decode(struct freq **, struct jcur *);
size_t	freq_bytes(const struct freq *);
void	freq_free(struct freq *);

extern const struct sketch_ops freq_ops;
#endif
