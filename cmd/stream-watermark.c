/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stream-watermark: decide event time; pass events, write @watermark.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "opts.h"
#include "out.h"
#include "record.h"
#include "reorder.h"
#include "run.h"
#include "source.h"
#include "stage.h"
#include "timeparse.h"

struct wtool {
	struct opts	 o;
	struct fields	*fl;
	struct source	*src;
	struct run	 run;
	struct reorder	*R;		/* --sort, and the marks' pace */
};

/* The record, with --annotate's field spliced in before the '}'. */
static void
write_event(void *ctx, const char *p, size_t n, int64_t t)
{
	struct wtool *T = ctx;
	struct buf *b = out_buf(out_stdout);
	char tb[TP_BUF];

	if (T->o.annotate == NULL) {
		out_line(out_stdout, p, n);
	} else {
		while (n > 0 && p[n - 1] != '}')
			n--;
		buf_add(b, p, n - 1);
		while (b->len > 0 && strchr(" \t\r", b->data[b->len - 1]))
			b->len--;
		buf_json_key(b, T->o.annotate);
		buf_add(b, tb, tp_format_json(t, T->o.time_out, tb));
		buf_adds(b, "}\n");
		out_commit(out_stdout);
	}
	src_counters(T->src)->out++;
}

static void
event(void *ctx, struct src_event *ev)
{
	struct wtool *T = ctx;
	int64_t t = ev->rec.time_ns;

	reorder_arrival(T->R);
	if (!wm_is_late(src_wm(T->src), t)) {
		reorder_event(T->R, t, ev->out_p, ev->out_len);
	} else if (!T->o.late_pass) {
		src_late(T->src, ev);
	} else {
		src_counters(T->src)->late++;
		write_event(T, ev->out_p, ev->out_len, t);
	}
}

/*
 * --emit-every N|D throttles the marks; by default at most one per
 * second of event time.  An idle release is always written: downstream
 * windows are waiting for it.
 */
static int
may_forward(void *ctx, int64_t wm, int tick)
{
	struct wtool *T = ctx;

	return reorder_may_mark(T->R, wm, tick);
}

/*
 * Silence on success (SPEC 7): the report (records in and out, late ones
 * dropped or passed, the largest disorder seen) is printed when asked
 * (-v, --stats) and whenever records were dropped as late, which is
 * always reported.
 */
static void
report(struct wtool *T)
{
	struct src_counters *c = src_counters(T->src);
	struct watermark *w = src_wm(T->src);
	char d[TP_BUF];

	if (!T->o.verbose && T->o.stats_ns == 0 &&
	    (c->late == 0 || T->o.late_pass))
		return;
	tp_format_duration(w->disorder_ns, d);
	fprintf(stderr, "%s: in %llu, out %llu, late %s %llu, max disorder "
	    "%s%s\n", T->o.prog, (unsigned long long)c->in,
	    (unsigned long long)c->out, T->o.late_pass ? "passed" : "dropped",
	    (unsigned long long)c->late + 0, d,
	    w->disorder_ns > T->o.max_delay_ns && T->o.max_delay_ns >= 0 ?
	    " (more than --max-delay: raise it to keep such records)" : "");
}

int
main(int argc, char *argv[])
{
	static struct wtool T;
	static struct run_hooks h = { .event = event,
	    .may_forward = may_forward };
	struct reorder_config rc;
	struct src_side side;
	char **files;
	int status;

	diag_init("stream-watermark");
	opt_parse(&T.o, T_WATERMARK, argc, argv);
	T.fl = rec_fields_new();
	memset(&side, 0, sizeof(side));
	side.fields = T.fl;
	side.kcat = T.o.kcat;
	side.need_time = SRC_TIME_NEEDED;
	files = T.o.args;
	T.run.o = &T.o;
	run_open(&T.run, &files, &side, 1);
	T.src = T.run.src;
	src_set_forwarding(T.src, 1);
	memset(&rc, 0, sizeof(rc));
	rc.sort = T.o.sort;
	rc.every_n = T.o.emit_every_n;
	rc.every_ns = T.o.emit_every_ns;
	rc.write = write_event;
	rc.arg = &T;
	T.R = reorder_new(&rc);
	T.run.h = &h;
	T.run.ctx = &T;
	if (T.o.sort) {
		T.run.stage = &reorder_stage;
		T.run.obj = T.R;
	}
	T.run.quiet_late = 1;
	status = run_loop(&T.run);
	report(&T);
	src_free(T.src);
	rec_fields_free(T.fl);
	reorder_free(T.R);
	opt_release(&T.o);
	return status;
}
