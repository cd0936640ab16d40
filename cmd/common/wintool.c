/*
 * wintool.c - shared setup and output of the windowed tools.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "hash.h"
#include "jcur.h"
#include "out.h"
#include "record.h"
#include "source.h"
#include "timeparse.h"
#include "window.h"
#include "wintool.h"
#include "xmalloc.h"

void
wintool_parse(struct wintool *wt, enum tool t, int argc, char **argv)
{
	struct fault f;

	opt_parse(&wt->o, t, argc, argv);
	wt->fl = rec_fields_new();
	if (key_init(&wt->key, wt->o.by, wt->fl, &f) == -1)
		opt_usage_error(&wt->o, "%s", f.msg);
	buf_init(&wt->kb);
}

static void
advance(void *ctx, int64_t wm)
{
	struct wintool *wt = ctx;

	win_advance(wt->w, wm);
}

static void
finish(void *ctx, int flush)
{
	struct wintool *wt = ctx;

	if (flush)
		win_flush(wt->w);
}

static uint64_t
state_bytes(void *ctx)
{
	struct wintool *wt = ctx;

	return win_bytes(wt->w);
}

static void
save(void *ctx, struct buf *b)
{
	struct wintool *wt = ctx;

	win_save(wt->w, b);
}

static int
load(void *ctx, const char *p, size_t n, struct fault *f)
{
	struct wintool *wt = ctx;
	struct jcur jc;

	jc_init(&jc, p, n, f);
	if (win_load(wt->w, &jc, f) == -1)
		return -1;
	return jc_end(&jc) == 0 ? 0 : jc_fail(&jc, "trailing data");
}

static void
stats(void *ctx, struct buf *b)
{
	struct wintool *wt = ctx;
	const struct win_counts *c = win_counts(wt->w);

	buf_printf(b, ", windows fired %llu (late %llu), open cells %zu",
	    (unsigned long long)c->fired,
	    (unsigned long long)c->late_firings, win_open_cells(wt->w));
}

static struct win_config
config(const struct opts *o)
{
	struct win_config c;

	memset(&c, 0, sizeof(c));
	c.kind = o->win;
	c.size_ns = o->size_ns;
	c.slide_ns = o->slide_ns;
	c.offset_ns = o->offset_ns;
	c.count_n = o->count_n;
	c.count_slide = o->count_slide;
	c.lateness_ns = o->lateness_ns;
	c.max_events = o->max_events;
	c.sliced = o->tool == T_AGG;
	return c;
}

/*
 * One side over all files, read one after another; with --merge one side
 * per file, read concurrently, each its own watermark channel.
 */
static void
open_source(struct wintool *wt, char **files)
{
	struct src_side *sides;
	char ***streams;
	int i, n = 0;

	while (files[n] != NULL)
		n++;
	if (!wt->o.merge)
		n = 1;
	else if (n == 0)
		opt_usage_error(&wt->o, "--merge needs the shards' outputs as "
		    "FILE arguments");
	sides = xcalloc((size_t)n, sizeof(*sides));
	streams = xcalloc((size_t)n, sizeof(*streams));
	wt->merge_files = xcalloc((size_t)n * 2, sizeof(char *));
	for (i = 0; i < n; i++) {
		sides[i].fields = wt->fl;
		sides[i].kcat = wt->o.kcat;
		sides[i].need_time = !wt->o.merge;
		if (wt->o.merge) {
			wt->merge_files[2 * i] = files[i];
			streams[i] = &wt->merge_files[2 * i];
		} else {
			streams[i] = files;
		}
	}
	wt->run.o = &wt->o;
	run_open(&wt->run, streams, sides, n);
	wt->src = wt->run.src;
	free(sides);
	free(streams);
}

void
wintool_open(struct wintool *wt, char **files, const struct win_ops *ops,
    void *ctx, const struct run_hooks *h)
{
	struct win_config c;
	struct fault f;

	if (wt->o.count_slide > 0 && wt->o.count_slide > wt->o.count_n)
		opt_usage_error(&wt->o, "--slide must not exceed --count");
	open_source(wt, files);
	wt->ctx = ctx;
	wt->hooks = *h;
	if (wt->o.win != WIN_NONE) {
		c = config(&wt->o);
		if ((wt->w = win_new(&c, ops, ctx, &f)) == NULL)
			diag_die(&f);
		if (wt->hooks.advance == NULL)
			wt->hooks.advance = advance;
		if (wt->hooks.finish == NULL)
			wt->hooks.finish = finish;
		if (wt->hooks.state_bytes == NULL)
			wt->hooks.state_bytes = state_bytes;
		if (wt->hooks.save == NULL)
			wt->hooks.save = save;
		if (wt->hooks.load == NULL)
			wt->hooks.load = load;
		if (wt->hooks.stats == NULL)
			wt->hooks.stats = stats;
	}
	wt->run.o = &wt->o;
	wt->run.forward_on_fire = wt->w != NULL;
	wt->run.src = wt->src;
	wt->run.h = &wt->hooks;
	wt->run.ctx = ctx;
}

int
wintool_run(struct wintool *wt)
{
	int rc = run_loop(&wt->run);

	win_free(wt->w);
	src_free(wt->src);
	key_release(&wt->key);
	rec_fields_free(wt->fl);
	buf_release(&wt->kb);
	free(wt->merge_files);
	opt_release(&wt->o);
	return rc;
}

uint64_t
wintool_keyof(struct wintool *wt, const struct src_event *ev)
{
	buf_clear(&wt->kb);
	key_encode(&wt->key, &ev->rec, &wt->kb);
	return hash_bytes(wt->kb.data, wt->kb.len);
}

int
wintool_selected(struct wintool *wt, const struct src_event *ev)
{
	uint64_t h = wintool_keyof(wt, ev);

	return key_shard_keeps(h, wt->o.shard_i, wt->o.shard_n);
}

void
wintool_event(struct wintool *wt, struct src_event *ev)
{
	struct fault f;
	uint64_t h = wintool_keyof(wt, ev);
	int r;

	if (!key_shard_keeps(h, wt->o.shard_i, wt->o.shard_n))
		return;
	r = win_add(wt->w, wt->kb.data, wt->kb.len, h, ev->rec.time_ns, ev,
	    src_wm(wt->src)->wm_ns, &f);
	if (r == -1)
		diag_die(&f);
	if (r == 0)
		src_late(wt->src, ev);
}

void
wintool_time(const struct wintool *wt, struct buf *b, const char *key,
    int64_t t)
{
	char tb[TP_BUF];

	buf_json_key(b, key);
	buf_add(b, tb, tp_format_json(t, wt->o.time_out, tb));
}

void
wintool_bounds(const struct wintool *wt, struct buf *b,
    const struct win_fired *wf)
{
	wintool_time(wt, b, "window_start", wf->start);
	wintool_time(wt, b, "window_end", wf->end);
}

void
wintool_key(const struct wintool *wt, struct buf *b, const char *k,
    size_t n)
{
	key_write_fields(&wt->key, k, n, b);
}

void
wintool_flags(struct buf *b, const struct win_fired *wf)
{
	if (wf->truncated)
		buf_adds(b, ",\"truncated\":true");
	if (wf->incomplete)
		buf_adds(b, ",\"incomplete\":true");
	if (wf->late)
		buf_printf(b, ",\"late\":true,\"revision\":%u", wf->revision);
}
