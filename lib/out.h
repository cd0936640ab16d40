#ifndef SK_OUT_H
#define SK_OUT_H
/*
 * out.h - where records go: stdout and the side files.
 *
 * A struct out is a file descriptor behind a struct buf.  Callers append
 * to out_buf() with the buf_json_* writer (or copy an input line with
 * out_line()) and call out_commit() after each record; the buffer goes to
 * the descriptor when it passes OUT_FLUSH_AT bytes, when the reader is
 * about to wait for input, and before a checkpoint.  Writes retry on
 * EINTR and on short counts.  A failed write calls out_on_error, which
 * cmd/ sets: EPIPE on stdout ends the tool quietly (SPEC 7), anything
 * else is exit 74.  Side files (--late-output, --errors-output) are
 * opened for appending, so successive runs of a cron job keep every
 * record.  out_open() gives the caller a struct out for out_close().
 */
#include <stddef.h>

#include "buf.h"

#define OUT_FLUSH_AT	(64 * 1024)

struct fault;

struct out {
	int		 fd;
	const char	*name;		/* for messages */
	struct buf	 b;
	unsigned long long bytes;	/* written to fd so far */
	unsigned long long records;	/* out_commit() calls */
};

extern struct out *out_stdout;
/* The error handler: errno of the failed write; set by cmd/. */
extern void (*out_on_error)(struct out *, int err);

void	out_init_stdout(void);
struct out *out_open(const char *path, struct fault *);
int	out_flush(struct out *);
void	out_close(struct out *);	/* flushes; NULL-safe */
static inline struct buf *out_buf(struct out *o) { return &o->b; }
/* A record is complete: count it, flush if the buffer is big. */
void	out_commit(struct out *);
/* Copy one line as it came in, ended by '\n', and commit it. */
void	out_line(struct out *, const char *, size_t);
#endif
