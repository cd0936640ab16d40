/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_SOURCE_H
#define SK_SOURCE_H
/*
 * source.h - records with event time, from the inputs to a tool's loop.
 *
 * Every tool reads the same way: lines from the reader, one yajl pass,
 * kcat envelopes opened (--kcat), replayed Kafka offsets skipped, in-band
 * @watermark records taken as watermarks, the event time read, the
 * watermark moved, bad lines written to --errors-output and handed back
 * for the runtime to report.  source.c does all of it once, so a tool's
 * main loop is a switch over src_next().  Sides: one per reader stream
 * (stream-join's left and right, stream-agg --merge's inputs), each with
 * its own paths, time field, kcat flag and watermark group.  What the
 * flags say comes in a struct src_config (the runtime fills it from its
 * options); side files are opened and closed through its hooks, and a
 * stop is asked for through its flag.  The source owns the reader,
 * parsers, arena and watermark; the caller owns the fields it passes.
 * src_open() gives the caller a source for src_free().
 */
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "timeparse.h"
#include "watermark.h"

struct arena;
struct fault;
struct kp_marks;
struct par_prep;
struct par_tool;
struct fields;
struct buf;
struct sink;

#define SRC_PARTITIONS_MAX	65536

enum {
	SRC_EVENT,		/* rec holds an event with time_ns */
	SRC_WATERMARK,		/* an in-band mark was taken */
	SRC_PARTIAL,		/* rec is a {"@partial"} record */
	SRC_TOMBSTONE,		/* kcat null payload (only if asked for) */
	SRC_TICK,		/* time passed: idleness, deadlines, signals */
	SRC_MOVED,		/* another shard's record moved W */
	SRC_BAD,		/* a bad record; the fault says why */
	SRC_STOP,		/* SIGTERM or SIGINT: finish cleanly */
	SRC_EOF,
	SRC_FATAL
};

struct src_side {
	struct fields	*fields;	/* the tool's paths for this side */
	const char	*time_path;	/* NULL: the config's time_path */
	int		 kcat;
	int		 group;		/* watermark group */
	int		 tombstones;	/* return SRC_TOMBSTONE */
	int		 need_time;	/* SRC_TIME_*: is the time used? */
	int		 first;		/* read to its end before the other
					   sides while on a regular file
					   (reader.h rd_first) */
	/*
	 * -j N: the tool's work on each event, done on the decode threads
	 * (par.h); its result reaches the tool in src_event.prep.  NULL:
	 * none.  Sides that have one share it (rec->stream says whose
	 * event it is); untimed is the source's to set, from side 0.
	 */
	struct par_tool	*tool;
};

/*
 * A tool reads the time field only when something uses it (SPEC 3).
 * NONE: it is never read and every event has time_ns SRC_NO_TIME;
 * NEEDED: a missing or unreadable time is a bad record; OPTIONAL (count
 * windows, whose bounds show the times they saw): a time that is there
 * and readable is taken, any other event has SRC_NO_TIME, and is no
 * bad record.  In-band watermarks are taken whatever need_time says.
 */
enum { SRC_TIME_NONE, SRC_TIME_NEEDED, SRC_TIME_OPTIONAL };
#define SRC_NO_TIME	INT64_MIN

/* What the flags say, for every side. */
struct src_config {
	const char	*time_path;	/* --time: sides without their own */
	struct timefmt	 time_fmt;	/* --time-format */
	enum tp_out	 time_out;	/* --time-output, for @watermark */
	int		 processing_time;
	int64_t		 max_delay_ns;	/* -1: not given */
	int64_t		 idle_ns;	/* 0: off */
	int		 watermarks;	/* 1 always, -1 never, 0 once in-band */
	int		 keep_envelope;
	int		 partitions;	/* --partitions N of side 0; 0: off */
	/*
	 * --instances N (a merge of instances that publish keyed by group
	 * key, so that a partition mixes them): every topic-partition has
	 * a channel per instance, and a mark moves the channel of the
	 * instance its "@from" names.  0: off.
	 */
	int		 instances;
	/* --instance I/N: written marks say "@from":[I,N]; from_n 0: off */
	int		 from_i, from_n;
	/* --kafka-key M: a mark is written M times, KEY<TAB>, one a key */
	const struct kp_marks *marks;
	size_t		 max_line_bytes;
	const char	*by;		/* with shard_n: --shard I/N */
	int		 shard_i, shard_n;
	int		 threads;	/* -j: decode threads (par.h) */
	size_t		 block_bytes;	/* their block; 0: the default */
	const char	*errors_path;	/* --errors-output, or NULL */
	const char	*late_path;	/* --late-output, or NULL */
	/* Side files: opened when the source opens, closed by src_free. */
	struct sink	*(*sink_open)(void *, const char *, struct fault *);
	void		(*sink_close)(void *, struct sink *);
	/* Before the reader waits for input (flush what is written). */
	void		(*wait)(void *);
	/* A record the tool found bad after all (src_bad): report it. */
	void		(*bad)(void *, const struct fault *);
	void		*arg;		/* of the four hooks */
	const volatile sig_atomic_t *stop;	/* set: SRC_STOP */
	int		 wake_fd;	/* > 0: ends a wait (reader.h) */
};

struct kcat_part {
	char		*topic;
	int		 stream;
	int64_t		 partition;
	int64_t		 offset;	/* last accepted offset */
	int		 channel;
	int		*ich;		/* --instances: a channel each (the
					   first is channel), else NULL */
};

struct src_counters {
	uint64_t	 in;		/* events returned */
	uint64_t	 out;		/* records written (tools add) */
	uint64_t	 bad;
	uint64_t	 late;		/* dropped late (tools add) */
	uint64_t	 replayed;	/* kcat offsets already seen */
	uint64_t	 tombstones;
	uint64_t	 marks;		/* in-band watermark records */
};

struct source;

/* The event record as a tool sees it (valid until the next src_next). */
struct src_event {
	struct record	 rec;
	const char	*out_p;		/* bytes to pass through */
	size_t		 out_len;
	const struct kcat_env *env;	/* with --kcat, else NULL */
	int		 side;
	/* The side's tool hook ran on a decode thread: what it made. */
	const struct par_prep *prep;	/* NULL: it did not run */
	const struct fault *prep_fault;	/* non-NULL: it failed, why */
};

/*
 * streams[i]: the files of side i (NULL-terminated; empty: stdin).
 * The source adds the time path to each side's fields.
 */
struct source *src_open(const struct src_config *, char **const *streams,
	    const struct src_side *sides, int nsides, struct fault *);
void	src_free(struct source *);
int	src_next(struct source *, struct src_event *, struct fault *);
struct watermark *src_wm(struct source *);
/*
 * -j N: what the tool hook made of the event ahead events after the
 * current one, when the decode threads have it at hand (par_peek()), or
 * NULL: for hints only.
 */
const struct par_prep *src_peek(const struct source *, size_t ahead);
/* Has side i's input ended (every file read to its end)? */
int	src_side_ended(const struct source *, int side);
struct src_counters *src_counters(struct source *);
struct arena *src_arena(struct source *);
uint64_t src_bytes(const struct source *);
/* Wall-clock deadline (monotonic ms) at which src_next returns TICK. */
void	src_set_deadline(struct source *, int64_t mono_ms);
/*
 * A record the tool found bad after all: count it, --errors-output, and
 * hand the fault to the config's bad hook.
 */
void	src_bad(struct source *, const struct src_event *,
	    const struct fault *);
/* Write a late record to --late-output, counting it. */
void	src_late(struct source *, const struct src_event *);
/*
 * Write {"@watermark":...} to o when forwarding is on (--emit-watermarks,
 * or in-band input without --no-watermarks) and W, as written, moved;
 * with ,"@from":[I,N] for --instance, and once per key of the config's
 * marks, KEY<TAB> first, for --kafka-key.
 */
int	src_forward_wm(struct source *, struct sink *);
/*
 * A look at each line before it is parsed (not kcat envelopes): fn
 * returns 1 when it took the line, 0 to have it parsed as usual.
 */
void	src_set_raw(struct source *, int (*fn)(void *ctx, const char *,
	    size_t, int side), void *ctx);
/*
 * A stop is taken at the end of a decode block (-j N), not inside one:
 * for a tool whose decode threads aggregate each block in one piece.
 */
void	src_set_whole_blocks(struct source *, int);
/* Force forwarding on or off (stream-watermark decides itself). */
void	src_set_forwarding(struct source *, int);
int	src_forwarding(const struct source *);
/* Kafka partitions seen, for the state file. */
struct kcat_part *src_parts(struct source *, int *n);
int	src_part_restore(struct source *, int stream, const char *topic,
	    int64_t partition, int64_t offset, struct fault *);
/*
 * The source's part of a snapshot: the watermark, its channels, Kafka
 * offsets and counters (state.h's "source" section), and back.
 */
void	src_save(struct source *, struct buf *);
int	src_load(struct source *, const char *, size_t, struct fault *);
#endif
