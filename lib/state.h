/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_STATE_H
#define SK_STATE_H
/*
 * state.h - --state FILE: snapshots that survive the process.
 *
 * A snapshot is a text file of named sections (SPEC 6): a format line,
 * the tool, the fingerprint of the options that shape state, then one
 * section per part the tool gives (the source's watermark, channels,
 * Kafka offsets and counters; the tool's own state: open windows,
 * partial aggregates, join buffers, dedupe sets), and last a CRC-32 of
 * everything before it, so a truncated or damaged file is refused (exit
 * 78) and left as it is.  A checkpoint writes FILE.tmp (0600,
 * O_EXCL|O_NOFOLLOW), fsyncs it, renames it over FILE and fsyncs the
 * directory: a crash at any instant leaves the old or the new snapshot,
 * whole.  Flushing the output the snapshot accounts for comes first and
 * is the caller's.  FILE.lock is held with flock() for the life of the
 * struct state; a second holder gets exit 75 naming the first's pid.
 *
 * This module knows nothing of what the parts hold: the caller says
 * what to save and how to load it back (struct state_part), so a
 * snapshot can be written and read without a running tool.
 * state_open() gives the caller a struct state for state_close(); the
 * config, its fingerprint and parts are borrowed until then.
 */
#include <stddef.h>
#include <stdint.h>

struct buf;
struct fault;

#define STATE_FORMAT	"streamkit-state"
#define STATE_VERSION	1
#define STATE_SECTION_MAX ((size_t)1 << 34)	/* 16 GiB */

/* One section the tool saves and loads back, in this order. */
struct state_part {
	const char	*name;		/* the section: [a-z-], "source" */
	const char	*label;		/* in messages: "source section" */
	void		(*save)(void *ctx, struct buf *);
	/* -1 with the fault; EX_CONFIG passes as it is, else "unusable". */
	int		(*load)(void *ctx, const char *, size_t, struct fault *);
	void		*ctx;
};

struct state_config {
	const char	*path;		/* --state FILE */
	int		 reset;		/* --state-reset: start fresh */
	const char	*tool;		/* written, and checked on restore */
	const char	*fingerprint;	/* option lines; must match */
	size_t		 fingerprint_len;
	const struct state_part *parts;
	int		 nparts;
};

struct state;

/* Lock FILE and, unless reset, restore every part from it. */
struct state *state_open(const struct state_config *, struct fault *);
/* Write a snapshot of every part (output is the caller's to flush). */
int	state_checkpoint(struct state *, struct fault *);
void	state_close(struct state *);
/* Bytes of the last snapshot written. */
uint64_t state_size(const struct state *);
/* Is d[0..n) a well-formed snapshot (sections, checksum)?  For fuzzing. */
int	state_check(const char *d, size_t n, struct fault *);
/*
 * What a snapshot holds, for --state-check: read without a lock and
 * without writing anything.  tool and options point into data; the
 * struct owns data and the offsets until state_info_release().
 */
#define STATE_INFO_COUNTS_MAX	16

struct state_offset {
	int		 stream;	/* 0: the input, 1: a join's right */
	char		*topic;		/* owned */
	int64_t		 partition;
	int64_t		 offset;	/* last offset read */
};

struct state_count {
	const char	*name;		/* a static string */
	uint64_t	 n;
};

struct state_info {
	char		*data;		/* the file */
	size_t		 len;
	const char	*tool;
	size_t		 tool_len;
	const char	*options;	/* the fingerprint: name=value lines */
	size_t		 options_len;
	int64_t		 wm_ns;
	int64_t		 max_ns;
	int		 inputs;	/* watermark channels */
	uint64_t	 in, out, bad, late, replayed;
	struct state_offset *offsets;
	int		 noffsets;
	struct state_count counts[STATE_INFO_COUNTS_MAX];
	int		 ncounts;
};

/*
 * Read FILE into si: 0, or -1 with a fault (EX_CONFIG) naming what is
 * wrong (missing, empty, truncated, damaged, another format version,
 * another tool than tool when tool is not NULL).
 */
int	state_inspect(const char *path, const char *tool,
	    struct state_info *si, struct fault *);
void	state_info_release(struct state_info *);
#endif
