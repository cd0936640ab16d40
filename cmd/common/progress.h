/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_PROGRESS_H
#define SK_PROGRESS_H
/*
 * progress.h - the self-rewriting progress line on stderr (--progress).
 *
 * One line, rewritten in place ("\r", then the line, then "\033[K" to
 * clear what a longer one left): bytes read of the inputs' total (when
 * every input is a regular file), records, rate and time left, as pv or
 * dd status=progress show them.  On by default when stderr is a
 * terminal and an input is a regular file; --progress forces it (to a
 * file too), --no-progress turns it off.  Redrawn at most every
 * PROGRESS_EVERY_MS, and erased before any other message (diag.h calls
 * back) and at exit.  Off, it costs the caller one pointer test.
 * progress_new() gives the caller a progress (or NULL when off) for
 * progress_free(), which erases the line.
 */
#include <stdint.h>

struct opts;
struct progress;

#define PROGRESS_EVERY_MS	250

/* NULL when the line is off; streams as run_open() takes them. */
struct progress *progress_new(const struct opts *, char **const *streams,
	    int nstreams);
/* Redraw when PROGRESS_EVERY_MS have passed since the last time. */
void	progress_update(struct progress *, uint64_t bytes, uint64_t records);
void	progress_erase(struct progress *);
void	progress_free(struct progress *);
#endif
