#ifndef SK_WINTOOL_H
#define SK_WINTOOL_H
/*
 * wintool.h - what stream-window and stream-agg share around windows.
 *
 * Both tools parse the same flags, key records by --by, keep open
 * windows in a struct windows, fire them as the watermark moves, send
 * records no window takes to --late-output, and write window bounds,
 * key fields and the late/revision flags the same way.  The tool brings
 * its win_ops (what a window holds and how it is written) and may
 * override any run hook.  The tool's context struct must begin with its
 * struct wintool: the shared hooks receive that context.  The caller
 * owns struct wintool (static is fine); wintool_run() releases it.
 */
#include "key.h"
#include "opts.h"
#include "run.h"

struct buf;
struct src_event;
struct win_fired;
struct win_ops;
struct windows;

struct wintool {
	struct opts	 o;
	struct fields	*fl;
	struct keyspec	 key;
	struct source	*src;
	struct windows	*w;
	struct run	 run;
	struct run_hooks hooks;
	struct buf	 kb;		/* the current record's key */
	void		*ctx;
	char		**merge_files;	/* --merge: one list per file */
};

/* Options, fields and --by; the tool adds its own paths after this. */
void	wintool_parse(struct wintool *, enum tool, int argc, char **argv);
/* Source over files, windows (when a window flag was given), hooks. */
void	wintool_open(struct wintool *, char **files, const struct win_ops *,
	    void *ctx, const struct run_hooks *);
int	wintool_run(struct wintool *);
/* --shard; and the key of the record into wt->kb, its hash returned. */
int	wintool_selected(struct wintool *, const struct src_event *);
uint64_t wintool_keyof(struct wintool *, const struct src_event *);
/* Add an event to its windows; late ones to --late-output. */
void	wintool_event(struct wintool *, struct src_event *);
/* "window_start":…,"window_end":… in --time-output form. */
void	wintool_bounds(const struct wintool *, struct buf *,
	    const struct win_fired *);
void	wintool_time(const struct wintool *, struct buf *, const char *key,
	    int64_t t);
/* The --by fields of an encoded key: "service":"api",… */
void	wintool_key(const struct wintool *, struct buf *, const char *,
	    size_t);
/* ,"truncated":true / ,"late":true,"revision":N as they apply. */
void	wintool_flags(struct buf *, const struct win_fired *);
#endif
