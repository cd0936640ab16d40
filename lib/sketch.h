#ifndef SK_SKETCH_H
#define SK_SKETCH_H
/*
 * sketch.h - the approximate aggregates: DDSketch quantiles (dds_),
 * HyperLogLog distinct counts (hll_) and Space-Saving heavy hitters
 * (ss_).
 *
 * Each sketch is one heap object, and a NULL pointer is the empty
 * sketch, so a group that never saw a value costs a pointer.  Adding and
 * merging go through a pointer to that pointer and allocate on demand;
 * x_free() releases (NULL-safe).  Merging leaves the source alone.  The
 * encodings are compact JSON (documented in streamkit(7)) and decoding
 * reads them back with jcur, rejecting malformed input through
 * jc_fail() and never trusting a claimed size.  HyperLogLog and
 * Space-Saving take values as canonical bytes (key.h, so 1 and 1.0 are
 * one value); they know nothing of paths or records.  Memory exhaustion
 * goes to xmalloc.h, the one place that handles it.
 */
#include <stddef.h>
#include <stdint.h>

struct buf;
struct jcur;
struct value;

/* DDSketch: relative accuracy DDS_ALPHA, at most DDS_BINS_MAX bins. */
#define DDS_ALPHA	0.01	/* quantile sketch relative accuracy */
#define DDS_BINS_MAX	2048	/* bins per sketch before collapsing */
struct dds;

void	dds_add(struct dds **, double x);	/* x finite */
void	dds_merge(struct dds **, const struct dds *);
uint64_t dds_count(const struct dds *);
/* Estimate of the k-th smallest value, 1 <= k <= count. */
double	dds_rank(const struct dds *, uint64_t k);
void	dds_encode(const struct dds *, struct buf *);
int	dds_decode(struct dds **, struct jcur *);
size_t	dds_bytes(const struct dds *);
void	dds_free(struct dds *);

/* HyperLogLog over 64-bit hashes, exact while sparse. */
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

/* Space-Saving with m counters over canonical value bytes. */
struct ss;

uint32_t ss_capacity(int k);
void	ss_add(struct ss **, uint32_t m, const char *key, size_t len);
void	ss_merge(struct ss **, const struct ss *, uint32_t m);
/* [{"value":V,"count":N},...]: the k largest, by count, then value. */
void	ss_result(const struct ss *, int k, struct buf *);
void	ss_encode(const struct ss *, struct buf *);
int	ss_decode(struct ss **, uint32_t m, struct jcur *);
size_t	ss_bytes(const struct ss *);
void	ss_free(struct ss *);
#endif
