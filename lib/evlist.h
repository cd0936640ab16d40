/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_EVLIST_H
#define SK_EVLIST_H
/*
 * evlist.h - what stream-window's windows hold: the events themselves.
 *
 * Each window keeps the compact text of its records with their event
 * time and arrival number, and when it fires it is written as one
 * record: {"window_start":…,"window_end":…,"key":{…},"count":N,
 * "events":[…]} with the events in (time, arrival) order, then the
 * late/revision flags.  evlist_ops is the struct win_ops to give
 * win_new() with a struct evlist as its context, which the caller owns
 * and sets (seq before each win_add()).
 */
#include <stdint.h>

#include "timeparse.h"

struct keyspec;
struct sink;
struct win_ops;

struct evlist {
	enum tp_out		 time_out;	/* window bounds */
	const struct keyspec	*key;		/* the "key" object */
	struct sink		*out;
	uint64_t		*count;		/* one more per window */
	uint64_t		 seq;		/* the record being added */
};

extern const struct win_ops evlist_ops;
#endif
