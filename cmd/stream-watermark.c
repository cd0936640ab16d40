/*
 * stream-watermark: decide event time; pass events, write @watermark.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "jcur.h"
#include "opts.h"
#include "out.h"
#include "record.h"
#include "run.h"
#include "source.h"
#include "timeparse.h"
#include "xmalloc.h"

/* A record held back by --sort. */
struct held {
	int64_t		 t;
	uint64_t	 seq;
	char		*p;
	size_t		 n;
};

struct wtool {
	struct opts	 o;
	struct fields	*fl;
	struct source	*src;
	struct run	 run;
	uint64_t	 seq;
	struct held	*heap;		/* --sort: min-heap by (t, seq) */
	size_t		 nheap, capheap, heldbytes;
	int64_t		 last_wm;	/* last written, for --emit-every */
	uint64_t	 since;		/* events since then */
	struct buf	 line;
};

static int
before(const struct held *a, const struct held *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static void
hold(struct wtool *T, int64_t t, uint64_t seq, const char *p, size_t n)
{
	struct held x;
	size_t i;

	if (T->nheap == T->capheap) {
		size_t cap = T->capheap ? T->capheap * 2 : 1024;

		T->heap = xrealloc(T->heap, cap * sizeof(*T->heap));
		T->capheap = cap;
	}
	x.t = t;
	x.seq = seq;
	x.n = n;
	x.p = xmalloc(n ? n : 1);
	memcpy(x.p, p, n);
	T->heldbytes += n;
	for (i = T->nheap++; i > 0 && before(&x, &T->heap[(i - 1) / 2]);
	    i = (i - 1) / 2)
		T->heap[i] = T->heap[(i - 1) / 2];
	T->heap[i] = x;
}

static struct held
unhold(struct wtool *T)
{
	struct held top = T->heap[0], last = T->heap[--T->nheap];
	size_t i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= T->nheap)
			break;
		if (c + 1 < T->nheap && before(&T->heap[c + 1], &T->heap[c]))
			c++;
		if (!before(&T->heap[c], &last))
			break;
		T->heap[i] = T->heap[c];
		i = c;
	}
	if (T->nheap > 0)
		T->heap[i] = last;
	T->heldbytes -= top.n;
	return top;
}

/* The record, with --annotate's field spliced in before the '}'. */
static void
write_event(struct wtool *T, const char *p, size_t n, int64_t t)
{
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

/* --sort: release, in time order, what W has passed. */
static void
release(struct wtool *T, int64_t wm)
{
	struct held h;

	while (T->nheap > 0 && T->heap[0].t < wm) {
		h = unhold(T);
		write_event(T, h.p, h.n, h.t);
		free(h.p);
	}
}

static void
event(void *ctx, struct src_event *ev)
{
	struct wtool *T = ctx;
	int64_t t = ev->rec.time_ns;

	T->seq++;
	T->since++;
	if (wm_is_late(src_wm(T->src), t)) {
		if (!T->o.late_pass) {
			src_late(T->src, ev);
			return;
		}
		src_counters(T->src)->late++;
		write_event(T, ev->out_p, ev->out_len, t);
		return;
	}
	if (T->o.sort)
		hold(T, t, T->seq, ev->out_p, ev->out_len);
	else
		write_event(T, ev->out_p, ev->out_len, t);
}

static void
advance(void *ctx, int64_t wm)
{
	struct wtool *T = ctx;

	if (T->o.sort)
		release(T, wm);
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
	int64_t every = T->o.emit_every_ns > 0 ? T->o.emit_every_ns :
	    1000000000;

	if (wm == WM_MIN || wm == WM_MAX || wm <= T->last_wm)
		return 0;
	if (!tick && T->last_wm != WM_MIN) {
		if (T->o.emit_every_n > 0 &&
		    T->since < (uint64_t)T->o.emit_every_n)
			return 0;
		if (T->o.emit_every_n == 0 && wm - T->last_wm < every)
			return 0;
	}
	T->last_wm = wm;
	T->since = 0;
	return 1;
}

static void
finish(void *ctx, int flush)
{
	struct wtool *T = ctx;

	if (flush)
		release(T, WM_MAX);
}

static uint64_t
state_bytes(void *ctx)
{
	struct wtool *T = ctx;

	return T->heldbytes + T->capheap * sizeof(struct held);
}

static void
save(void *ctx, struct buf *b)
{
	struct wtool *T = ctx;
	size_t i;

	buf_printf(b, "{\"last_wm\":%lld,\"held\":[", (long long)T->last_wm);
	for (i = 0; i < T->nheap; i++) {
		buf_printf(b, "%s\n[%lld,%llu,", i ? "," : "",
		    (long long)T->heap[i].t,
		    (unsigned long long)T->heap[i].seq);
		buf_json_str(b, T->heap[i].p, T->heap[i].n);
		buf_addc(b, ']');
	}
	buf_adds(b, "]}\n");
}

static int
load(void *ctx, const char *p, size_t n, struct fault *f)
{
	struct wtool *T = ctx;
	struct jcur jc;
	struct buf s;
	int64_t t;
	uint64_t seq;
	int r = -1;

	buf_init(&s);
	jc_init(&jc, p, n, f);
	if (jc_begin_object(&jc) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "last_wm") == -1 ||
	    jc_int(&jc, &T->last_wm) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "held") == -1 || jc_begin_array(&jc) == -1)
		goto out;
	while (jc_more(&jc) == 1) {
		if (jc_begin_array(&jc) == -1 || jc_more(&jc) != 1 ||
		    jc_int(&jc, &t) == -1 || jc_more(&jc) != 1 ||
		    jc_uint(&jc, &seq) == -1 || jc_more(&jc) != 1 ||
		    jc_string(&jc, &s) == -1 || jc_more(&jc) != 0)
			goto out;
		hold(T, t, seq, s.data, s.len);
		if (seq > T->seq)
			T->seq = seq;
	}
	if (jc_more(&jc) != 0 || jc_end(&jc) != 0)
		goto out;
	r = 0;
out:
	if (r == -1 && !jc.failed)
		jc_fail(&jc, "bad held records");
	buf_release(&s);
	return r;
}

static void
report(struct wtool *T)
{
	struct src_counters *c = src_counters(T->src);
	struct watermark *w = src_wm(T->src);
	char d[TP_BUF];

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
	struct run_hooks h;
	struct src_side side;
	char **files;
	int rc;

	diag_init("stream-watermark");
	opt_parse(&T.o, T_WATERMARK, argc, argv);
	T.fl = rec_fields_new();
	memset(&side, 0, sizeof(side));
	side.fields = T.fl;
	side.kcat = T.o.kcat;
	side.need_time = 1;
	files = T.o.args;
	T.run.o = &T.o;
	run_open(&T.run, &files, &side, 1);
	T.src = T.run.src;
	src_set_forwarding(T.src, 1);
	T.last_wm = WM_MIN;
	memset(&h, 0, sizeof(h));
	h.event = event;
	h.advance = advance;
	h.may_forward = may_forward;
	h.finish = finish;
	if (T.o.sort) {
		h.state_bytes = state_bytes;
		h.save = save;
		h.load = load;
	}
	T.run.o = &T.o;
	T.run.src = T.src;
	T.run.h = &h;
	T.run.ctx = &T;
	T.run.quiet_late = 1;
	rc = run_loop(&T.run);
	report(&T);
	src_free(T.src);
	rec_fields_free(T.fl);
	while (T.nheap > 0)
		free(T.heap[--T.nheap].p);	/* kept in --state */
	free(T.heap);
	opt_release(&T.o);
	return rc;
}
