/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_HLL_H
#define SK_HLL_H
/*
 * hll.h - HyperLogLog: distinct values counted in 12 KiB at most.
 *
 * Takes 64-bit hashes (XXH64 of a value's canonical bytes), counts them
 * exactly while there are few (sparse), then in 2^HLL_P registers with
 * a 0.81% standard error; merging is exact in both forms.  NULL is the
 * empty set; hll_add() and hll_merge() make one on demand, hll_free()
 * releases it.  hll_ops is approx_distinct's table (sketch.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "sketch.h"

struct buf;
struct jcur;

#define HLL_P		14	/* 2^14 registers: 0.81% standard error */
#define HLL_SPARSE_MAX	512	/* hashes: 4 KiB, a quarter of dense */

struct hll;

void	hll_add(struct hll **, uint64_t hash);
void	hll_merge(struct hll **, const struct hll *);
uint64_t hll_estimate(const struct hll *);
int	hll_is_dense(const struct hll *);
void	hll_encode(const struct hll *, struct buf *);
int	hll_decode(struct hll **, struct jcur *);
size_t	hll_bytes(const struct hll *);
void	hll_free(struct hll *);

extern const struct sketch_ops hll_ops;
#endif
