/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_DDS_H
#define SK_DDS_H
/*
 * dds.h - DDSketch: quantiles within a relative error, in bounded space.
 *
 * A summary of numbers that answers "the k-th smallest" within
 * DDS_ALPHA of the true value (printed within DDS_ERROR, in the digits
 * that error supports), in at most DDS_BINS_MAX bins however many
 * values it saw, and merges exactly (the merge of two sketches is the
 * sketch of the union).  NULL is the empty sketch; dds_add() and
 * dds_merge() make one on demand, dds_free() releases it.  dds_ops is
 * the quantile aggregates' table (sketch.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "sketch.h"

struct buf;
struct jcur;

/*
 * The answers are within DDS_ERROR of the true value, as printed.  The
 * sketch itself is twice as accurate, so that what is printed can be
 * rounded to the few digits that DDS_ERROR supports and stay within it.
 */
#define DDS_ERROR	0.01	/* relative error of a printed answer */
#define DDS_ALPHA	0.005	/* relative accuracy of the sketch */
#define DDS_BINS_MAX	2048	/* bins per sketch before collapsing */
/* gamma = (1 + a) / (1 - a), and 1 / ln(gamma) to the last bit. */
#define DDS_GAMMA	((1 + DDS_ALPHA) / (1 - DDS_ALPHA))
#define DDS_INV_LN	0x1.8fff258b92eeap+6	/* test_agg checks it */

struct dds;

void	dds_add(struct dds **, double x);	/* x finite */
/* x's bin (any thread), and dds_add() with it: dds_bin(x) == key. */
uint64_t dds_bin(double x);
void	dds_add_keyed(struct dds **, double x, uint64_t key);
void	dds_merge(struct dds **, const struct dds *);
uint64_t dds_count(const struct dds *);
/* Estimate of the k-th smallest value, 1 <= k <= count. */
double	dds_rank(const struct dds *, uint64_t k);
/*
 * The same estimate, and the span [*lo, *hi] of values within DDS_ERROR
 * of every value the k-th smallest may be (its bin's bounds within [min,
 * max]); what is printed may be any of them.
 */
double	dds_rank_span(const struct dds *, uint64_t k, double *lo,
	    double *hi);
void	dds_encode(const struct dds *, struct buf *);
int	dds_decode(struct dds **, struct jcur *);
size_t	dds_bytes(const struct dds *);
void	dds_free(struct dds *);

extern const struct sketch_ops dds_ops;
#endif
