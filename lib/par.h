/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_PAR_H
#define SK_PAR_H
/*
 * par.h - the decode stage on N threads: lines parsed ahead, in order.
 *
 * Decoding (framing, JSON validation, extracting the wanted paths) is
 * most of a tool's cost and needs no order; event-time semantics need
 * all of it.  A par splits the two (SPEC 10, -j N): one thread reads the
 * reader's lines into blocks of about block_bytes, N workers run
 * rec_parse() over whole blocks, each with a parser of its own and the
 * block's arena, and the one thread that calls par_next() takes the
 * lines back in input order with their parse results, exactly as
 * rd_next() would have given them: the same line numbers, the same
 * oversize lines (whose bytes reach the spill sink in their place among
 * the others), the same errors.  Memory is bounded by the blocks in
 * flight: PAR_BLOCKS_PER_THREAD per worker.
 *
 * A reader of several streams (stream-join's left and right) is read
 * as rd_next() reads it, each line parsed with its stream's fields, and
 * RD_STREAM_END comes back at its place among the lines.
 *
 * The par borrows the reader (nobody else may touch it until
 * par_free()), the fields (read only while it runs) and the sinks.  A
 * parse result lives until the next par_next(); par_start() gives the
 * caller a par for par_free(), which stops and joins the threads.
 * Worker threads block every signal: they are the caller's to take.
 */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"

struct arena;
struct fault;
struct fields;
struct line;
struct reader;
struct sink;

#define PAR_THREADS_MAX		64
#define PAR_BLOCK_BYTES		(1024 * 1024)	/* default block */
#define PAR_BLOCK_LINES		16384		/* lines in a block at most */
#define PAR_BLOCKS_PER_THREAD	3
#define PAR_STREAMS_MAX		2		/* a join's two sides */

/*
 * What a tool made of one event on a worker (par_tool): a verdict, a
 * key's canonical bytes and hash, bytes to write in place of the line.
 * Pointers are into the block's arena: they live as the line does.
 */
struct par_prep {
	int		 verdict;
	uint64_t	 hash;
	const char	*key;
	size_t		 keylen;
	const char	*out;		/* NULL: nothing made */
	size_t		 outlen;
	const void	*aux;		/* the tool's own, and its count */
	size_t		 auxn;
};

/*
 * A tool's own work on each parsed event, on the workers, after the time
 * hook: rec->time_ns is its time, or PAR_NO_TIME (no time hook, or, with
 * untimed set, one that failed; a failed time and untimed clear: no
 * prep).  rec->stream and rec->lineno are set.  ctx_new() gives each
 * worker a context of its own for ctx_free(); prep() may only read arg,
 * and allocates what the consumer reads in keep (the block's arena).  0,
 * or -1 with the fault (the consumer decides what it means).
 */
#define PAR_NO_TIME	INT64_MIN

struct par_tool {
	void		*(*ctx_new)(void *arg);
	void		(*ctx_free)(void *arg, void *ctx);
	int		(*prep)(void *arg, void *ctx, const struct record *,
			    struct arena *keep, struct par_prep *,
			    struct fault *);
	void		*arg;
	int		 untimed;
	/*
	 * A block's work begins on a worker (NULL: not wanted): seq is
	 * the block's number in input order, counted from 1, so a prep
	 * may tie what it makes to its block.
	 */
	void		(*block)(void *arg, void *ctx, uint64_t seq);
	/* An in-band watermark line in the block (NULL: not wanted). */
	void		(*mark)(void *arg, void *ctx);
};

struct par_config {
	int		 nthreads;	/* workers, 1..PAR_THREADS_MAX */
	size_t		 block_bytes;	/* 0: PAR_BLOCK_BYTES */
	int		 nstreams;	/* the reader's, 0: 1 */
	struct fields	*fields[PAR_STREAMS_MAX]; /* what the workers
						   extract, per stream */
	struct sink	*spill;		/* oversize lines' bytes, or NULL */
	/* Before par_next() waits for a block (flush what is written). */
	void		(*flush)(void *);
	void		*flush_arg;
	const volatile sig_atomic_t *stop;	/* set: stop waiting */
	/*
	 * The event time of a parsed event, read on the worker (NULL: the
	 * consumer reads it); 0, -1 with the fault, or 1: not read here
	 * (rec->stream says whose event it is).  Called on any worker
	 * thread at once: it may only read what it is given.
	 */
	int		(*time)(void *arg, const struct record *, int64_t *,
			    struct fault *);
	void		*time_arg;
	const struct par_tool *tool;	/* NULL: none */
};

/* A line's parse: rec as rec_parse() filled it, or why it failed. */
struct par_rec {
	int		 ok;
	struct record	 rec;		/* p, len, kind, v, nv */
	struct fault	*fault;		/* when !ok */
	int		 timed;		/* the config's time hook ran: */
	int64_t		 time_ns;	/* its time, */
	struct fault	*time_fault;	/* or why not (NULL: it read one) */
	int		 prepped;	/* the tool's prep ran: */
	struct par_prep	 prep;		/* what it made, */
	struct fault	*prep_fault;	/* or why it failed */
};

struct par;

struct par *par_start(struct reader *, const struct par_config *,
	    struct fault *);
/*
 * rd_next()'s contract, over the blocks; with RD_LINE, *pr is the line's
 * parse.  RD_TIMEOUT after timeout_ms without a block (-1: for ever),
 * or at once when the stop flag is set.
 */
int	par_next(struct par *, struct line *, const struct par_rec **pr,
	    int timeout_ms, struct fault *);
/*
 * The prep of the line ahead lines after the one par_next() gave last,
 * when it is in the same block and was prepped (else NULL): a look
 * ahead for hints (prefetches), valid until the next par_next().
 */
const struct par_prep *par_peek(const struct par *, size_t ahead);
/*
 * Is a block partly taken (a tool whose preps make a block's work in one
 * piece stops at a block's end)?
 */
int	par_mid_block(const struct par *);
/* Input bytes of the blocks taken so far. */
uint64_t par_bytes(const struct par *);
/* Has the input ended and every line been taken? */
int	par_ended(const struct par *);
/* Has RD_STREAM_END of stream i been taken (or the input ended)? */
int	par_stream_ended(const struct par *, int i);
void	par_free(struct par *);
#endif
