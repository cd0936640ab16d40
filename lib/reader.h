/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_READER_H
#define SK_READER_H
/*
 * reader.h - bytes from files and pipes into bounded lines.
 *
 * A reader has one or more streams.  A stream is a list of files read one
 * after another, like cat ("-" is stdin); streams are read concurrently
 * through one poll() loop, so stream-join's two sides and stream-agg
 * --merge's shards never block each other.  Lines come out of large
 * per-stream buffers without a copy or an allocation: a struct line
 * points into the buffer and lives until the next rd_next().  '\n' ends
 * a line, a '\r' before it is dropped, blank lines are skipped, the last
 * line may lack its newline.  A line longer than line_max is never held
 * whole: its bytes go to the spill sink (--errors-output) as they arrive
 * and rd_next() reports RD_OVERSIZE once the newline is found.  Before
 * rd_next() waits for a pipe it calls the flush hook, so results leave
 * while input is slow; when nothing arrives for timeout_ms it returns
 * RD_TIMEOUT, which is how tools notice idleness and take checkpoints.
 * This module knows nothing of JSON.  rd_open() gives the caller a reader
 * for rd_free().
 */
#include <stddef.h>
#include <stdint.h>

struct fault;
struct sink;

#define RD_BLOCK	(256 * 1024)		/* one read(2) */
#define RD_LINE_MAX	(16 * 1024 * 1024)	/* --max-line-bytes default */
#define RD_STREAMS_MAX	1024

enum {
	RD_LINE = 1,		/* a line is in *line */
	RD_OVERSIZE,		/* line->lineno was over line_max; skipped */
	RD_TIMEOUT,		/* nothing for timeout_ms, or woken (wake_fd) */
	RD_STREAM_END,		/* line->stream has ended (more may follow) */
	RD_EOF,			/* every stream has ended */
	RD_ERROR		/* read or open failure, in the fault */
};

struct line {
	const char	*p;		/* bytes, no '\n', no final '\r' */
	size_t		 len;
	int64_t		 lineno;	/* in its file, from 1 */
	int		 stream;
	const char	*file;		/* "-" for stdin */
};

struct rd_config {
	size_t		 line_max;
	void		(*flush)(void *);	/* before waiting for input */
	void		*flush_arg;
	struct sink	*spill;			/* oversize lines go here */
	/*
	 * Polled with the inputs when > 0: readable means "wake up" (a
	 * signal handler wrote to its pipe).  rd_next() drains it and
	 * returns RD_TIMEOUT.  Must be non-blocking; the caller owns it.
	 */
	int		 wake_fd;
};

struct reader;

/*
 * streams[i] is a NULL-terminated list of file names; an empty list means
 * stdin.  Every named file must exist and be readable (else EX_NOINPUT);
 * files are opened as they are reached.
 */
struct reader *rd_open(char **const *streams, int nstreams,
	    const struct rd_config *, struct fault *);
void	rd_free(struct reader *);
/*
 * Swap the flush hook, its argument and the spill sink with c's (c gets
 * the reader's): par.c reads through the reader on a thread of its own.
 */
void	rd_swap_hooks(struct reader *, struct rd_config *c);
/*
 * Read stream i to its end before any other stream, as long as the file
 * it is on is a regular one (whose reads never wait; a pipe's turn would
 * stall the others).  Call it before the first rd_next().
 */
void	rd_first(struct reader *, int i);
/* timeout_ms: -1 waits for ever, 0 never waits. */
int	rd_next(struct reader *, struct line *, int timeout_ms,
	    struct fault *);
int	rd_nstreams(const struct reader *);
int	rd_stream_ended(const struct reader *, int stream);
/* Total bytes read, for --stats. */
uint64_t rd_bytes(const struct reader *);
/* 1 when more than one file is read: messages then name the file. */
int	rd_many_files(const struct reader *);
/*
 * Stream i's files when every one is a regular file (par.c then reads
 * them by offsets), else NULL; stdin redirected from a regular file is
 * { "-" }.  Nothing must have been read yet.
 */
char *const *rd_regular_files(const struct reader *, int i);
size_t	rd_line_max(const struct reader *);
/* Is a line blank (spaces, tabs and CRs only), so skipped? */
int	rd_blank(const char *p, size_t n);
/* rd_first()'s stream, or -1. */
int	rd_first_stream(const struct reader *);
/* Is path a regular file (not "-", a pipe or a FIFO)? */
int	rd_regular(const char *path);
#endif
