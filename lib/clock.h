/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_CLOCK_H
#define SK_CLOCK_H
/*
 * clock.h - the two clocks streamkit reads.
 *
 * The monotonic clock, coarse and in milliseconds, times idleness,
 * deadlines and --stats; the wall clock, in nanoseconds, is processing
 * time and the watermark's lag.  Event time never comes from here.
 * Header only.
 */
#include <stdint.h>
#include <time.h>

static inline int64_t
clock_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t
clock_wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
#endif
