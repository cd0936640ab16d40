/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_SS_H
#define SK_SS_H
/*
 * ss.h - Space-Saving: the most frequent values, with bounded error.
 *
 * m counters over values given as canonical bytes; every count is an
 * upper bound, at most N / m above the truth, and exact while fewer
 * than m values were seen.  approx_top(P, k) keeps ss_capacity(k)
 * counters.
 * NULL is the empty summary; ss_add() and ss_merge() make one on
 * demand, ss_free() releases it.  ss_ops is approx_top's table
 * (sketch.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "sketch.h"

struct buf;
struct jcur;

struct ss;

uint32_t ss_capacity(int k);
void	ss_add(struct ss **, uint32_t m, const char *key, size_t len);
void	ss_merge(struct ss **, const struct ss *, uint32_t m);
/*
 * [{"value":V,"count":N,"error":E},...]: the k largest, by count, then
 * value; the true count is in [N - E, N].
 */
void	ss_result(const struct ss *, int k, struct buf *);
void	ss_encode(const struct ss *, struct buf *);
int	ss_decode(struct ss **, uint32_t m, struct jcur *);
size_t	ss_bytes(const struct ss *);
void	ss_free(struct ss *);

extern const struct sketch_ops ss_ops;
#endif
