/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_SAT_H
#define SK_SAT_H
/*
 * sat.h - saturating arithmetic on times and counts.
 *
 * Time is int64 nanoseconds (SPEC 3), and sums of times and durations
 * can leave that range at its ends (a lateness added to a window end
 * near 2262, a delay taken from a time near 1677).  Those sums stick at
 * INT64_MAX or INT64_MIN instead of overflowing, which is undefined in
 * C and, worse, silently wraps a far future into the past.  Counts
 * (sketch bins, heavy hitters) stick at UINT64_MAX the same way.  Header
 * only: each is a __builtin_*_overflow and a branch.
 */
#include <stdint.h>

static inline int64_t
sat_add_ns(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return b > 0 ? INT64_MAX : INT64_MIN;
	return r;
}

static inline int64_t
sat_sub_ns(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_sub_overflow(a, b, &r))
		return b < 0 ? INT64_MAX : INT64_MIN;
	return r;
}

/* |a - b|, at most INT64_MAX: how far apart two times are. */
static inline int64_t
sat_dist_ns(int64_t a, int64_t b)
{
	return a > b ? sat_sub_ns(a, b) : sat_sub_ns(b, a);
}

/* a * b for a count of durations, sticking at the ends. */
static inline int64_t
sat_mul_ns(int64_t a, int64_t b)
{
	int64_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return (a < 0) != (b < 0) ? INT64_MIN : INT64_MAX;
	return r;
}

static inline uint64_t
sat_add_u64(uint64_t a, uint64_t b)
{
	uint64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return UINT64_MAX;
	return r;
}
#endif
