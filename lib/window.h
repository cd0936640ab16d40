/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_WINDOW_H
#define SK_WINDOW_H
/*
 * window.h - window assignment, open-window state, firing and lateness.
 *
 * Flink's windows over event time (SPEC 4, 5): tumbling, hopping,
 * cumulating, session and count windows, and windows the input names
 * (--merge's partials), keyed by the --by key, firing
 * once the watermark W reaches their end, with allowed lateness and late
 * firings (revisions), dropped-late records and --max-events.  What a
 * window holds is the caller's business, through struct win_ops: an
 * aggregate block for stream-agg, an event list for stream-window.
 *
 * Storage is a table of cells, one per (slice start, key).  In sliced
 * mode (stream-agg with hopping or cumulating windows) a cell is a pane of
 * gcd(size, slide) (or the cumulate step) and a window is merged from its
 * panes when it fires, so a record touches one cell however many windows
 * overlap; otherwise a cell is a whole window.  Sessions are cells whose
 * bounds grow and merge.  Fired windows are emitted through ops->emit in
 * order of end, then start, then key.  The caller owns the ops context;
 * win_new() gives it a struct windows for win_free().
 */
#include <stddef.h>
#include <stdint.h>

#include "timeparse.h"

struct buf;
struct fault;
struct jcur;
struct stage_ops;

enum win_kind {
	WIN_NONE,
	WIN_TUMBLING,
	WIN_HOPPING,
	WIN_SESSION,
	WIN_CUMULATE,
	WIN_COUNT,
	WIN_GIVEN		/* each record names its window (--merge) */
};

#define WIN_CELLS_MAX	(64 * 1024 * 1024)	/* open (slice, key) cells */
#define WIN_PER_RECORD_MAX 4096		/* hopping size / slide */

/* A window being emitted. */
struct win_fired {
	int64_t		 start, end;
	const char	*key;
	size_t		 keylen;
	int		 late;		/* a late firing */
	uint32_t	 revision;	/* 1 for the first late firing */
	int		 truncated;	/* --max-events reached */
	int		 incomplete;	/* count window cut short at EOF */
};

struct win_ops {
	size_t	 size;			/* payload bytes per cell */
	void	(*init)(void *ctx, void *p);
	void	(*add)(void *ctx, void *p, const void *event, int64_t t);
	void	(*merge)(void *ctx, void *dst, const void *src);
	void	(*release)(void *ctx, void *p);
	void	(*emit)(void *ctx, const struct win_fired *, const void *p);
	/* State file: the payload as JSON, and back into an init'ed one. */
	void	(*encode)(void *ctx, const void *p, struct buf *);
	int	(*decode)(void *ctx, void *p, struct jcur *, struct fault *);
	size_t	(*bytes)(void *ctx, const void *p);	/* heap, for stats */
};

struct win_config {
	enum win_kind	 kind;
	int64_t		 size_ns;	/* tumbling/hopping size, session
					   gap, cumulate max */
	int64_t		 slide_ns;	/* hopping slide, cumulate step */
	int64_t		 offset_ns;
	int64_t		 count_n, count_slide;
	int64_t		 lateness_ns;
	int64_t		 max_events;	/* 0: no limit */
	int		 sliced;	/* share panes between windows */
};

struct win_counts {
	uint64_t	 fired;		/* windows emitted */
	uint64_t	 late_firings;
	uint64_t	 late_dropped;	/* records no window accepted */
	uint64_t	 missed;	/* (record, window) pairs too late */
};

struct windows;

struct windows *win_new(const struct win_config *, const struct win_ops *,
	    void *ctx, struct fault *);
void	win_free(struct windows *);
/*
 * Add an event at time t under key (hash from hash.h), given the current
 * watermark.  Late firings it causes are emitted before it returns.
 * Returns the number of windows that took it (0: dropped late, the
 * caller writes it to --late-output), or -1 with a fault (table full).
 */
int	win_add(struct windows *, const char *key, size_t keylen,
	    uint64_t hash, int64_t t, const void *event, int64_t wm,
	    struct fault *);
/*
 * Add to the window [start, end) itself, with the same lateness rules
 * (WIN_GIVEN: stream-agg --merge's partials carry their window).  Returns 1, or 0
 * when it is past end + lateness, or -1 with a fault.
 */
int	win_add_at(struct windows *, int64_t start, int64_t end,
	    const char *key, size_t keylen, uint64_t hash, const void *event,
	    int64_t wm, struct fault *);
/*
 * Windows over shared panes (stream-agg's tumbling and hopping): an
 * event is added to the pane of its time alone, so the events of a pane
 * may be aggregated elsewhere (a decode thread, -j N) and merged in with
 * win_merge_pane(), as n events at once, given any time in the pane.
 * win_pane_of() only reads the windows (any thread).
 */
int	win_paned(const struct windows *);
int64_t	win_pane_of(const struct windows *, int64_t t);
int	win_merge_pane(struct windows *, const char *key, size_t keylen,
	    uint64_t hash, int64_t t, const void *part, uint64_t n,
	    int64_t wm, struct fault *);
/* The windows containing t (time windows only), ascending by end. */
int	win_windows_of(struct windows *, int64_t t, int64_t *s, int64_t *e);
/* Fire every window with end <= wm, drop state past end + lateness. */
void	win_advance(struct windows *, int64_t wm);
/* End of input with --eof flush: fire everything, incomplete included. */
void	win_flush(struct windows *);
const struct win_counts *win_counts(const struct windows *);
size_t	win_open_cells(const struct windows *);
size_t	win_bytes(const struct windows *);
/* "window_start":…,"window_end":… (a comma first unless after '{'). */
void	win_put_bounds(struct buf *, const struct win_fired *, enum tp_out);
/* ,"truncated":true, ,"incomplete":true, ,"late":true,"revision":N */
void	win_put_flags(struct buf *, const struct win_fired *);
/* ", windows fired N (late M), open cells K", for --stats. */
void	win_stats(const struct windows *, struct buf *);
/* State: every cell, its bounds, flags and payload. */
void	win_save(struct windows *, struct buf *);
int	win_load(struct windows *, struct jcur *, struct fault *);

/* The windows as a tool's stage (stage.h): the void * is the windows. */
extern const struct stage_ops win_stage;
#endif
