/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_FILTER_H
#define SK_FILTER_H
/*
 * filter.h - what stream-filter decides of one record alone: EXPR's
 * verdict, the --shard/--sample hash, the projection of a match.  The
 * same code runs in input order (flt_verdict) and, with -j N, on the
 * decode threads (flt_par_tool), so both give the same bytes.
 *
 * struct flt is filled by the tool and owns nothing: ex, key and proj
 * stay the caller's.  It is read-only once flt_par_tool() has been
 * called; each decode thread has its own context (PCRE2 match data).
 */
#include <stddef.h>
#include <stdint.h>

#include "key.h"

struct arena;
struct buf;
struct expr;
struct fault;
struct par_tool;
struct projection;
struct record;

struct flt {
	struct expr		*ex;
	struct keyspec		*key;		/* --by: what the hash reads */
	struct projection	*proj;		/* NULL: the record's bytes */
	int			 shard_i, shard_n;	/* shard_n 0: off */
	int			 sampled;	/* --sample given */
	uint64_t		 sample_max;	/* keep when hash <= this */
	int			 invert;	/* -v: a match is a false EXPR */
	int			 project;	/* matches are written out */
};

/* --sample FRACTION as the largest hash kept. */
uint64_t	flt_sample_max(double fraction);

/* 1 when --shard or --sample needs the hash. */
static inline int
flt_hashes(const struct flt *F)
{
	return F->shard_n > 0 || F->sampled;
}

/* The hash of the --by key, or of the line p[0..n); kb is scratch. */
uint64_t	flt_hash(const struct flt *, const struct record *,
		    const char *p, size_t n, struct buf *kb);

/* 1 when a record of hash h is this shard's and in the sample. */
static inline int
flt_selected(const struct flt *F, uint64_t h)
{
	if (!key_shard_keeps(h, F->shard_i, F->shard_n))
		return 0;
	return !F->sampled || h <= F->sample_max;
}

/*
 * Fills t so that the decode threads set, per record, the hash (when
 * flt_hashes), the verdict (1, 0; a fault fails the record) and, for a
 * match with a projection, out/outlen: the projected line.
 */
void		flt_par_tool(struct flt *, struct par_tool *t);

#endif
