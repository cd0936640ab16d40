/*
 * stream-window: group records into windows, emit each when it fires.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "hash.h"
#include "jcur.h"
#include "opts.h"
#include "out.h"
#include "record.h"
#include "run.h"
#include "source.h"
#include "timeparse.h"
#include "window.h"
#include "wintool.h"

/* A window's events: compact texts with their time and arrival. */
struct ev {
	int64_t		 t;
	uint64_t	 seq;
	size_t		 off, len;
};

struct evlist {
	struct ev	*items;
	uint32_t	 n, cap;
	struct buf	 text;
};

struct wtool {
	struct wintool	 wt;
	uint64_t	 seq;
	struct buf	 line;
};

static void
ev_init(void *ctx, void *p)
{
	struct evlist *l = p;

	memset(l, 0, sizeof(*l));
	buf_init(&l->text);
}

static void
ev_release(void *ctx, void *p)
{
	struct evlist *l = p;

	free(l->items);
	buf_release(&l->text);
	memset(l, 0, sizeof(*l));
}

static void
ev_push(struct evlist *l, int64_t t, uint64_t seq, const char *p, size_t n)
{
	struct ev *e;

	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 4;

		if ((e = realloc(l->items, cap * sizeof(*e))) == NULL) {
			buf_oom();
			return;
		}
		l->items = e;
		l->cap = cap;
	}
	e = &l->items[l->n++];
	e->t = t;
	e->seq = seq;
	e->off = l->text.len;
	buf_json_compact(&l->text, p, n);
	e->len = l->text.len - e->off;
}

static void
ev_add(void *ctx, void *p, const void *event, int64_t t)
{
	struct wtool *T = ctx;
	const struct src_event *ev = event;

	ev_push(p, t, T->seq, ev->out_p, ev->out_len);
}

static void
ev_merge(void *ctx, void *dst, const void *src)
{
	const struct evlist *s = src;
	uint32_t i;

	for (i = 0; i < s->n; i++)
		ev_push(dst, s->items[i].t, s->items[i].seq,
		    s->text.data + s->items[i].off, s->items[i].len);
}

static int
ev_cmp(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
ev_emit(void *ctx, const struct win_fired *wf, const void *p)
{
	struct wtool *T = ctx;
	struct evlist *l = (struct evlist *)p;
	struct buf *b = out_buf(out_stdout);
	uint32_t i;

	if (l->n > 1)
		qsort(l->items, l->n, sizeof(*l->items), ev_cmp);
	buf_addc(b, '{');
	wintool_bounds(&T->wt, b, wf);
	buf_adds(b, ",\"key\":{");
	wintool_key(&T->wt, b, wf->key, wf->keylen);
	buf_printf(b, "},\"count\":%u,\"events\":[", l->n);
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_add(b, l->text.data + l->items[i].off, l->items[i].len);
	}
	buf_addc(b, ']');
	wintool_flags(b, wf);
	buf_adds(b, "}\n");
	out_commit(out_stdout);
	src_counters(T->wt.src)->out++;
}

static void
ev_encode(void *ctx, const void *p, struct buf *b)
{
	const struct evlist *l = p;
	uint32_t i;

	buf_addc(b, '[');
	for (i = 0; i < l->n; i++) {
		buf_printf(b, "%s[%lld,%llu,", i ? "," : "",
		    (long long)l->items[i].t,
		    (unsigned long long)l->items[i].seq);
		buf_add(b, l->text.data + l->items[i].off, l->items[i].len);
		buf_addc(b, ']');
	}
	buf_addc(b, ']');
}

static int
ev_decode(void *ctx, void *p, struct jcur *jc, struct fault *f)
{
	struct wtool *T = ctx;
	int64_t t;
	uint64_t seq;
	const char *raw;
	size_t n;

	if (jc_begin_array(jc) == -1)
		return -1;
	while (jc_more(jc) == 1) {
		if (jc_begin_array(jc) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &t) == -1 || jc_more(jc) != 1 ||
		    jc_uint(jc, &seq) == -1 || jc_more(jc) != 1 ||
		    jc_raw(jc, &raw, &n) == -1 || jc_more(jc) != 0)
			return -1;
		if (*raw != '{')
			return jc_fail(jc, "an event is not an object");
		ev_push(p, t, seq, raw, n);
		/* Records after the restore arrive after these (ties). */
		if (seq > T->seq)
			T->seq = seq;
	}
	return jc->failed ? -1 : 0;
}

static size_t
ev_bytes(void *ctx, const void *p)
{
	const struct evlist *l = p;

	return l->cap * sizeof(struct ev) + l->text.cap;
}

static const struct win_ops ev_ops = {
	sizeof(struct evlist), ev_init, ev_add, ev_merge, ev_release,
	ev_emit, ev_encode, ev_decode, ev_bytes
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
		wintool_bounds(&T->wt, b, &wf);
		buf_adds(b, "}\n");
		out_commit(out_stdout);
		src_counters(T->wt.src)->out++;
	}
}

static void
event(void *ctx, struct src_event *ev)
{
	struct wtool *T = ctx;

	T->seq++;
	if (T->wt.o.emit_assign) {
		if (wintool_selected(&T->wt, ev))
			assign(T, ev);
		return;
	}
	wintool_event(&T->wt, ev);
}

int
main(int argc, char *argv[])
{
	static struct wtool T;
	struct run_hooks h;

	diag_init("stream-window");
	memset(&h, 0, sizeof(h));
	h.event = event;
	wintool_parse(&T.wt, T_WINDOW, argc, argv);
	if (T.wt.o.win == WIN_NONE)
		opt_usage_error(&T.wt.o, "a window is needed: --tumbling, "
		    "--hopping, --session, --cumulate or --count");
	wintool_open(&T.wt, T.wt.o.args, &ev_ops, &T, &h);
	if (T.wt.o.emit_assign && (T.wt.o.win == WIN_SESSION ||
	    T.wt.o.win == WIN_COUNT))
		opt_usage_error(&T.wt.o, "--emit assign needs --tumbling, "
		    "--hopping or --cumulate");
	return wintool_run(&T.wt);
}
