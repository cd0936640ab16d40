/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_OUT_H
#define SK_OUT_H
/*
 * out.h - where records go: stdout and the side files.
 *
 * A struct out is a file descriptor behind an engine sink (sink.h):
 * tools and the engine append to its buffer and commit each record, and
 * the buffer goes to the descriptor when it passes SINK_DRAIN_AT bytes,
 * when the reader is about to wait for input, and before a checkpoint.
 * Writes retry on EINTR and on short counts, except once the tool is
 * stopping: then output that cannot leave within OUT_STALL_MS is given
 * up (SPEC 6).  A failed write calls
 * out_on_error, which diag sets: EPIPE on stdout ends the tool quietly
 * (SPEC 7), anything else is exit 74.  Side files (--late-output,
 * --errors-output) are opened for appending, so successive runs of a
 * cron job keep every record.  out_open() gives the caller a struct out
 * for out_close().
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>

#include "sink.h"

struct fault;

struct out {
	struct sink	 s;		/* first: what the engine writes to */
	int		 fd;
	const char	*name;		/* for messages */
	unsigned long long bytes;	/* written to fd so far */
	size_t		 pad;		/* --kcat-pad: KCAT_PAD, else 0 */
};

/*
 * kcat -P (1.7) reads its input with fread() 1024 bytes at a time and
 * sends a line only once the chunk holding its end is full: a quiet
 * instance's last partials would wait for the next ones.  --kcat-pad
 * ends every write at a multiple of KCAT_PAD bytes from the start of
 * the stream, with spaces before the last newline (JSON allows them).
 */
#define KCAT_PAD	1024

extern struct out *out_stdout;
/* The error handler: errno of the failed write; set by diag. */
extern void (*out_on_error)(struct out *, int err);
/*
 * Set: the tool is stopping (SIGTERM, SIGINT).  Pending output then has
 * OUT_STALL_MS to leave; after that out_on_error gets OUT_STALLED.
 */
extern const volatile sig_atomic_t *out_stop;
#define OUT_STALL_MS	5000
#define OUT_STALLED	ETIMEDOUT

void	out_init_stdout(void);
struct out *out_open(const char *path, struct fault *);
int	out_flush(struct out *);
/* Flush, then fdatasync when fd is a regular file; -1 after on_error. */
int	out_sync(struct out *);
void	out_close(struct out *);	/* flushes; NULL-safe */

static inline struct sink *
out_sink(struct out *o)
{
	return &o->s;
}

static inline struct buf *
out_buf(struct out *o)
{
	return &o->s.b;
}

/* A record is complete: count it, flush if the buffer is big. */
static inline void
out_commit(struct out *o)
{
	sink_commit(&o->s);
}

/* Copy one line as it came in, ended by '\n', and commit it. */
static inline void
out_line(struct out *o, const char *p, size_t n)
{
	sink_line(&o->s, p, n);
}
#endif
