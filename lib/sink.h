/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_SINK_H
#define SK_SINK_H
/*
 * sink.h - where the engine puts the records it writes.
 *
 * A sink is a buffer that someone else drains.  The engine appends one
 * record to sink_buf() with the buf_json_* writer (or copies a line with
 * sink_line()) and calls sink_commit(); once the buffer holds
 * SINK_DRAIN_AT bytes, commit calls the drain hook, which writes it out
 * and empties it.  What a sink writes to (a file descriptor, a side
 * file), when else it is drained (before the reader waits, before a
 * checkpoint) and what a failed write means are the tool runtime's
 * business (cmd/common/out.h): the engine never writes to a file
 * descriptor itself.  The caller that made a sink owns it.
 */
#include <stddef.h>
#include <string.h>

#include "buf.h"

#define SINK_DRAIN_AT	(64 * 1024)

struct sink {
	struct buf	 b;
	unsigned long long records;	/* sink_commit() calls */
	void		(*drain)(struct sink *);	/* write b, empty it */
};

static inline struct buf *
sink_buf(struct sink *s)
{
	return &s->b;
}

/* A record is complete: count it, drain the buffer if it is big. */
static inline void
sink_commit(struct sink *s)
{
	s->records++;
	if (s->b.len >= SINK_DRAIN_AT)
		s->drain(s);
}

/* Copy one line as it came in, ended by '\n', and commit it. */
static inline void
sink_line(struct sink *s, const char *p, size_t n)
{
	struct buf *b = &s->b;

	if (b->cap - b->len <= n + 1)
		buf_reserve(b, n + 1);
	memcpy(b->data + b->len, p, n);
	b->data[b->len + n] = '\n';
	b->len += n + 1;
	sink_commit(s);
}
#endif
