/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * evlist.c - the events of a window, kept and written as one record.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "evlist.h"
#include "fault.h"
#include "jcur.h"
#include "key.h"
#include "sink.h"
#include "source.h"
#include "window.h"
#include "xmalloc.h"

/* A window's events: compact texts with their time and arrival. */
struct ev {
	int64_t		 t;
	uint64_t	 seq;
	size_t		 off, len;
};

struct events {
	struct ev	*items;
	uint32_t	 n, cap;
	struct buf	 text;
};

static void
ev_init(void *ctx, void *p)
{
	struct events *l = p;

	memset(l, 0, sizeof(*l));
	buf_init(&l->text);
}

static void
ev_release(void *ctx, void *p)
{
	struct events *l = p;

	free(l->items);
	buf_release(&l->text);
	memset(l, 0, sizeof(*l));
}

static void
ev_push(struct events *l, int64_t t, uint64_t seq, const char *p, size_t n)
{
	struct ev *e;

	if (l->n == l->cap) {
		uint32_t cap = l->cap ? l->cap * 2 : 4;

		l->items = xrealloc(l->items, cap * sizeof(*l->items));
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
	struct evlist *E = ctx;
	const struct src_event *ev = event;

	ev_push(p, t, E->seq, ev->out_p, ev->out_len);
}

static void
ev_merge(void *ctx, void *dst, const void *src)
{
	const struct events *s = src;
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
	struct evlist *E = ctx;
	struct events *l = (struct events *)p;
	struct buf *b = sink_buf(E->out);
	uint32_t i;

	if (l->n > 1)
		qsort(l->items, l->n, sizeof(*l->items), ev_cmp);
	buf_addc(b, '{');
	win_put_bounds(b, wf, E->time_out);
	buf_adds(b, ",\"key\":{");
	key_write_fields(E->key, wf->key, wf->keylen, b);
	buf_printf(b, "},\"count\":%u,\"events\":[", l->n);
	for (i = 0; i < l->n; i++) {
		if (i > 0)
			buf_addc(b, ',');
		buf_add(b, l->text.data + l->items[i].off, l->items[i].len);
	}
	buf_addc(b, ']');
	win_put_flags(b, wf);
	buf_adds(b, "}\n");
	sink_commit(E->out);
	(*E->count)++;
}

static void
ev_encode(void *ctx, const void *p, struct buf *b)
{
	const struct events *l = p;
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
	struct evlist *E = ctx;
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
		if (seq > E->seq)
			E->seq = seq;
	}
	return jc->failed ? -1 : 0;
}

static size_t
ev_bytes(void *ctx, const void *p)
{
	const struct events *l = p;

	return l->cap * sizeof(struct ev) + l->text.cap;
}

const struct win_ops evlist_ops = {
	sizeof(struct events), ev_init, ev_add, ev_merge, ev_release,
	ev_emit, ev_encode, ev_decode, ev_bytes
};
