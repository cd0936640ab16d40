/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_CHECK_H
#define SK_CHECK_H
/*
 * check.h - the smallest unit-test harness that reports well.
 *
 * CHECK(cond) and the typed CHECK_*_EQ macros record a failure with file,
 * line and both values and go on; check_done() prints a summary and gives
 * the exit status.  One test program per lib/ module.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond) do {						\
	check_count++;							\
	if (!(cond)) {							\
		check_failures++;					\
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n",		\
		    __FILE__, __LINE__, #cond);				\
	}								\
} while (0)

#define CHECK_INT_EQ(got, want) do {					\
	long long g_ = (long long)(got), w_ = (long long)(want);	\
	check_count++;							\
	if (g_ != w_) {							\
		check_failures++;					\
		fprintf(stderr, "%s:%d: %s == %lld, want %lld\n",	\
		    __FILE__, __LINE__, #got, g_, w_);			\
	}								\
} while (0)

#define CHECK_STR_EQ(got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	check_count++;							\
	if (g_ == NULL || strcmp(g_, w_) != 0) {			\
		check_failures++;					\
		fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n",	\
		    __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_);	\
	}								\
} while (0)

#define CHECK_DBL_NEAR(got, want, tol) do {				\
	double g_ = (got), w_ = (want);					\
	check_count++;							\
	if (!(g_ - w_ <= (tol) && w_ - g_ <= (tol))) {			\
		check_failures++;					\
		fprintf(stderr, "%s:%d: %s == %.17g, want %.17g\n",	\
		    __FILE__, __LINE__, #got, g_, w_);			\
	}								\
} while (0)

static inline int
check_done(const char *name)
{
	if (check_failures > 0) {
		fprintf(stderr, "%s: %d of %d checks failed\n", name,
		    check_failures, check_count);
		return 1;
	}
	printf("%s: %d checks passed\n", name, check_count);
	return 0;
}
#endif
