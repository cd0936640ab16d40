/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stream-window: group records into windows, emit each when it fires.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "evlist.h"
#include "opts.h"
#include "out.h"
#include "run.h"
#include "source.h"
#include "stage.h"
#include "window.h"
#include "wintool.h"

struct wtool {
	struct wintool	 wt;
	struct evlist	 ev;		/* what the windows hold */
};

/* --emit assign: the record with its window's bounds, at once. */
static void
assign(struct wtool *T, const struct src_event *ev)
{
	struct win_fired wf;
	int64_t s[WIN_PER_RECORD_MAX], e[WIN_PER_RECORD_MAX];
	struct buf *b = out_buf(out_stdout);
	size_t end = ev->out_len;
	int i, n;

	/* Drop the closing brace (and white space) so fields follow. */
	while (end > 0 && ev->out_p[end - 1] != '}')
		end--;
	n = win_windows_of(T->wt.w, ev->rec.time_ns, s, e);
	memset(&wf, 0, sizeof(wf));
	for (i = 0; i < n; i++) {
		wf.start = s[i];
		wf.end = e[i];
		buf_add(b, ev->out_p, end - 1);
		while (b->len > 0 && strchr(" \t\r", b->data[b->len - 1]))
			b->len--;
		win_put_bounds(b, &wf, T->wt.o.time_out);
		buf_adds(b, "}\n");
		out_commit(out_stdout);
		src_counters(T->wt.src)->out++;
	}
}

static void
event(void *ctx, struct src_event *ev)
{
	struct wtool *T = ctx;

	T->ev.seq++;
	if (T->wt.o.emit_assign) {
		if (key_shard_keeps(wintool_keyof(&T->wt, ev),
		    T->wt.o.shard_i, T->wt.o.shard_n))
			assign(T, ev);
		return;
	}
	wintool_event(&T->wt, ev);
}

int
main(int argc, char *argv[])
{
	static struct wtool T;
	static struct run_hooks h;
	struct win_config c;
	struct fault f;
	int rc;

	diag_init("stream-window");
	h.event = event;
	wintool_parse(&T.wt, T_WINDOW, argc, argv);
	if (T.wt.o.win == WIN_NONE)
		opt_usage_error(&T.wt.o, "a window is needed: --tumbling, "
		    "--hopping, --session, --cumulate or --count");
	wintool_open(&T.wt, T.wt.o.args);
	T.ev.time_out = T.wt.o.time_out;
	T.ev.key = &T.wt.key;
	T.ev.out = out_sink(out_stdout);
	T.ev.count = &src_counters(T.wt.src)->out;
	wintool_config(&T.wt, &c);
	if ((T.wt.w = win_new(&c, &evlist_ops, &T.ev, &f)) == NULL)
		diag_die(&f);
	if (T.wt.o.emit_assign && (T.wt.o.win == WIN_SESSION ||
	    T.wt.o.win == WIN_COUNT))
		opt_usage_error(&T.wt.o, "--emit assign needs --tumbling, "
		    "--hopping or --cumulate");
	T.wt.run.h = &h;
	T.wt.run.ctx = &T;
	T.wt.run.stage = &win_stage;
	T.wt.run.obj = T.wt.w;
	rc = wintool_run(&T.wt);
	win_free(T.wt.w);
	return rc;
}
