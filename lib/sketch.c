/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sketch.c - what the summaries share: the nearest rank.
 */
#include <math.h>

#include "sketch.h"

static const double pow10tab[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9
};

/*
 * q is usually a short decimal (0.99 from p99): then q = num / 10^d
 * exactly and k is worked out in integers, for ceil(0.99 * 100) must be
 * 99 whatever the double product rounds to.
 */
uint64_t
sketch_rank(double q, uint64_t n)
{
	uint64_t num, den, k;
	int d;

	k = (uint64_t)ceil(q * (double)n);
	for (d = 0; d <= 9; d++) {
		den = (uint64_t)pow10tab[d];
		num = (uint64_t)llround(q * (double)den);
		if ((double)num / (double)den == q) {
			k = num * (n / den) + (num * (n % den) + den - 1) / den;
			break;
		}
	}
	return k < 1 ? 1 : k > n ? n : k;
}
