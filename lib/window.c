/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * window.c - Flink's window semantics over a table of cells.
 *
 * Three storage shapes share the firing and lateness rules:
 *  - time windows (tumbling, hopping, cumulating): a cell per (window or
 *    pane, key), grouped by end in a sorted array, so that firing at W
 *    walks the groups whose end is at most W;
 *  - sessions: a cell per (session, key), a per-key list of sessions,
 *    and a heap of ends with lazy deletion (sessions grow and merge);
 *  - count windows: a cell per (pane number, key) and a per-key counter.
 * A window "has fired" when its end is at most the watermark of the last
 * win_advance() (fired_upto): windows fire in end order, so one number
 * says it, and W, not arrival, decides lateness, as in SPEC 4.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fault.h"
#include "hash.h"
#include "jcur.h"
#include "key.h"
#include "sat.h"
#include "stage.h"
#include "table.h"
#include "timeparse.h"
#include "watermark.h"
#include "window.h"
#include "xmalloc.h"

#define PFX	16		/* cell key prefix: start, end (big-endian) */

struct cell {
	int64_t		 start, end;
	int64_t		 count;		/* events in the payload */
	int64_t		 tmin, tmax;	/* count windows: time range */
	uint64_t	 sid;		/* sessions: identity in the heap */
	uint32_t	 revision;
	uint8_t		 fired;
	uint8_t		 truncated;
	uint8_t		 pad[2];
};
#define CELL_HDR	((sizeof(struct cell) + 7) & ~(size_t)7)

struct group {
	int64_t		 end;
	int64_t		 start;
	int64_t		*cells;
	uint32_t	 n, cap;
};

struct hent {
	int64_t		 end;
	int64_t		 cell;
	uint64_t	 sid;
};

struct emit {
	int64_t		 end, start;
	int64_t		 cell;		/* -1: a merged window (sliced) */
	const char	*key;
	size_t		 keylen;
	void		*payload;
};

/*
 * The windows one record or pane falls in: WIN_PER_RECORD_MAX starts
 * and ends (64 KiB), filled by windows_of() and read straight after.
 */
struct spans {
	int64_t		 s[WIN_PER_RECORD_MAX];
	int64_t		 e[WIN_PER_RECORD_MAX];
};

struct windows {
	struct win_config cfg;
	const struct win_ops *ops;
	void		*ctx;
	struct table	*cells;
	struct table	*aux;		/* sessions/count: per key; sliced:
					   revisions per (end, key) */
	struct group	*groups;
	size_t		 ngroups, capgroups;
	struct hent	*heap;		/* sessions */
	size_t		 nheap, capheap;
	uint64_t	 next_sid;
	int64_t		 pane;		/* sliced pane width */
	int64_t		 fired_upto;
	struct win_counts counts;
	struct buf	 kb;		/* scratch cell keys */
	struct emit	*em;
	size_t		 nem, capem;
	struct fault	*f;
	struct spans	 spans;		/* scratch of the add and fire paths */
};

struct session_list {
	uint32_t	 n, cap;
	int64_t		*cells;
};

struct count_key {
	int64_t		 total;
	int64_t		 first;		/* oldest live pane number */
};

static int64_t
gcd64(int64_t a, int64_t b)
{
	while (b != 0) {
		int64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static inline void *
payload(struct cell *c)
{
	return (char *)c + CELL_HDR;
}

static inline struct cell *
cell_at(const struct windows *w, int64_t id)
{
	return tab_value(w->cells, id);
}

static inline void
put64(unsigned char *p, int64_t v)
{
	uint64_t u = (uint64_t)v ^ (UINT64_C(1) << 63);

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	u = __builtin_bswap64(u);
#endif
	memcpy(p, &u, 8);
}

/* The cell key: start and end (order-preserving), then the key. */
static void
cell_key(struct windows *w, int64_t start, int64_t end, const char *key,
    size_t keylen)
{
	buf_reserve(&w->kb, PFX + keylen);
	put64((unsigned char *)w->kb.data, start);
	put64((unsigned char *)w->kb.data + 8, end);
	if (keylen > 0)
		memcpy(w->kb.data + PFX, key, keylen);
	w->kb.len = PFX + keylen;
}

static const char *
cell_userkey(const struct windows *w, int64_t id, size_t *len)
{
	const char *k = tab_key(w->cells, id, len);

	*len -= PFX;
	return k + PFX;
}

struct windows *
win_new(const struct win_config *cfg, const struct win_ops *ops, void *ctx,
    struct fault *f)
{
	struct windows *w;

	w = xcalloc(1, sizeof(*w));
	w->cfg = *cfg;
	w->ops = ops;
	w->ctx = ctx;
	w->fired_upto = WM_MIN;
	buf_init(&w->kb);
	w->cells = tab_new(CELL_HDR + ops->size);
	w->aux = tab_new(sizeof(struct session_list) > sizeof(uint32_t) ?
	    sizeof(struct session_list) : sizeof(uint32_t));
	switch (cfg->kind) {
	case WIN_HOPPING:
		w->pane = gcd64(cfg->size_ns, cfg->slide_ns);
		if (!cfg->sliced &&
		    cfg->size_ns / cfg->slide_ns > WIN_PER_RECORD_MAX) {
			win_free(w);
			return fault_null(f, EX_USAGE, "--hopping: more than %d "
			    "windows per record", WIN_PER_RECORD_MAX);
		}
		break;
	case WIN_CUMULATE:
		w->pane = cfg->slide_ns;
		break;
	case WIN_COUNT:
		w->pane = cfg->count_slide > 0 ?
		    gcd64(cfg->count_n, cfg->count_slide) : cfg->count_n;
		break;
	default:
		w->pane = cfg->size_ns;
		break;
	}
	if (cfg->kind == WIN_TUMBLING || cfg->kind == WIN_SESSION ||
	    cfg->kind == WIN_COUNT || cfg->kind == WIN_GIVEN)
		w->cfg.sliced = 0;
	return w;
}

static void
release_cell(struct windows *w, int64_t id)
{
	w->ops->release(w->ctx, payload(cell_at(w, id)));
	tab_del(w->cells, id);
}

void
win_free(struct windows *w)
{
	int64_t it;
	size_t i;

	if (w == NULL)
		return;
	if (w->cells != NULL)
		for (it = tab_next(w->cells, -1); it >= 0;
		    it = tab_next(w->cells, it))
			w->ops->release(w->ctx, payload(cell_at(w, it)));
	if (w->aux != NULL && w->cfg.kind == WIN_SESSION)
		for (it = tab_next(w->aux, -1); it >= 0;
		    it = tab_next(w->aux, it))
			free(((struct session_list *)tab_value(w->aux,
			    it))->cells);
	for (i = 0; i < w->ngroups; i++)
		free(w->groups[i].cells);
	free(w->groups);
	free(w->heap);
	free(w->em);
	tab_free(w->cells);
	tab_free(w->aux);
	buf_release(&w->kb);
	free(w);
}

/* --- groups: cells by end, sorted --- */

static size_t
group_find(const struct windows *w, int64_t end, int64_t start)
{
	size_t lo = 0, hi = w->ngroups;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct group *g = &w->groups[mid];

		if (g->end < end || (g->end == end && g->start < start))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
group_add(struct windows *w, int64_t start, int64_t end, int64_t id)
{
	size_t i = group_find(w, end, start);
	struct group *g;

	if (i == w->ngroups || w->groups[i].end != end ||
	    w->groups[i].start != start) {
		if (w->ngroups == w->capgroups) {
			size_t cap = w->capgroups ? w->capgroups * 2 : 16;

			w->groups = xrealloc(w->groups, cap * sizeof(*g));
			w->capgroups = cap;
		}
		memmove(&w->groups[i + 1], &w->groups[i],
		    (w->ngroups - i) * sizeof(*g));
		memset(&w->groups[i], 0, sizeof(*g));
		w->groups[i].end = end;
		w->groups[i].start = start;
		w->ngroups++;
	}
	g = &w->groups[i];
	if (g->n == g->cap) {
		uint32_t cap = g->cap ? g->cap * 2 : 8;

		g->cells = xrealloc(g->cells, cap * sizeof(*g->cells));
		g->cap = cap;
	}
	g->cells[g->n++] = id;
}

static void
group_drop(struct windows *w, size_t i)
{
	struct group *g = &w->groups[i];
	uint32_t k;

	for (k = 0; k < g->n; k++)
		release_cell(w, g->cells[k]);
	free(g->cells);
	memmove(&w->groups[i], &w->groups[i + 1],
	    (w->ngroups - i - 1) * sizeof(*g));
	w->ngroups--;
}

/* Find or create the cell (start, end, key); -1 on a full table. */
static int64_t
cell_get(struct windows *w, int64_t start, int64_t end, const char *key,
    size_t keylen, uint64_t hash, int grouped, int *created)
{
	struct cell *c;
	int64_t id;
	uint64_t h = hash ^ (uint64_t)start * 0x9E3779B97F4A7C15ULL ^
	    (uint64_t)end * 0xC2B2AE3D27D4EB4FULL;

	cell_key(w, start, end, key, keylen);
	if (tab_count(w->cells) >= WIN_CELLS_MAX &&
	    tab_find(w->cells, w->kb.data, w->kb.len, h) < 0)
		return fault_set(w->f, EX_DATAERR, "more than %d open "
		    "windows (keys x windows)", WIN_CELLS_MAX);
	id = tab_put(w->cells, w->kb.data, w->kb.len, h, created);
	if (id < 0)
		return fault_set(w->f, EX_SOFTWARE, "out of memory");
	if (!*created)
		return id;
	c = cell_at(w, id);
	c->start = start;
	c->end = end;
	c->tmin = INT64_MAX;
	c->tmax = INT64_MIN;
	w->ops->init(w->ctx, payload(c));
	if (grouped)
		group_add(w, start, end, id);
	return id;
}

static int64_t
cell_find(struct windows *w, int64_t start, int64_t end, const char *key,
    size_t keylen, uint64_t hash)
{
	uint64_t h = hash ^ (uint64_t)start * 0x9E3779B97F4A7C15ULL ^
	    (uint64_t)end * 0xC2B2AE3D27D4EB4FULL;

	cell_key(w, start, end, key, keylen);
	return tab_find(w->cells, w->kb.data, w->kb.len, h);
}

/* --- assignment --- */

static int64_t
expiry_of(const struct windows *w, int64_t end)
{
	return sat_add_ns(end, w->cfg.lateness_ns);
}


/*
 * Window bounds are worked out in 128 bits and then stick at the ends of
 * int64 nanoseconds (SPEC 3): a window whose end would pass INT64_MAX
 * ends there, one whose start would fall below INT64_MIN starts there.
 * Two windows never share both bounds that way, so a cell's (start, end)
 * still names one window.  A pane's stored start may be such a clamped
 * INT64_MIN: pane_start() gives back the real one.
 */
__extension__ typedef __int128 i128;

static int64_t
clamp_ns(i128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN :
	    (int64_t)v;
}

/* start = t - ((t - offset) mod size). */
static i128
align(i128 t, int64_t size, int64_t offset)
{
	i128 r = (t - offset) % size;

	return t - (r < 0 ? r + size : r);
}

/* The real start of the pane that begins at p, or holds p. */
static i128
pane_start(const struct windows *w, int64_t p)
{
	return align(p, w->pane, tp_mod(w->cfg.offset_ns, w->pane));
}

/*
 * The windows [s, e) that contain the span [t, t + width) (width 1 for
 * an event; a pane's width and start for a pane), ascending by end, their
 * bounds clamped.  Returns their number.
 */
static int
windows_of(const struct windows *w, int64_t t0, int64_t width, int64_t *s,
    int64_t *e)
{
	const struct win_config *c = &w->cfg;
	i128 t = width > 1 ? pane_start(w, t0) : t0, first, ws, end;
	int n = 0;

	switch (c->kind) {
	case WIN_TUMBLING:
		ws = align(t, c->size_ns, c->offset_ns);
		s[0] = clamp_ns(ws);
		e[0] = clamp_ns(ws + c->size_ns);
		return 1;
	case WIN_HOPPING:
		/* Starts s = offset (mod slide), s <= t, s + size >= t + w. */
		ws = align(t, c->slide_ns, c->offset_ns);
		first = ws - (ws + c->size_ns - t - width) / c->slide_ns *
		    c->slide_ns;
		for (; first <= ws && n < WIN_PER_RECORD_MAX;
		    first += c->slide_ns) {
			s[n] = clamp_ns(first);
			e[n++] = clamp_ns(first + c->size_ns);
		}
		return n;
	case WIN_CUMULATE:
		ws = align(t, c->size_ns, c->offset_ns);
		for (end = ws + c->slide_ns; end <= ws + c->size_ns &&
		    n < WIN_PER_RECORD_MAX; end += c->slide_ns) {
			if (end < t + width)
				continue;
			s[n] = clamp_ns(ws);
			e[n++] = clamp_ns(end);
		}
		return n;
	default:
		return 0;
	}
}

/* --- emitting --- */

static int
emit_cmp(const void *a, const void *b)
{
	const struct emit *x = a, *y = b;

	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return key_cmp(x->key, x->keylen, y->key, y->keylen);
}

static void
em_push(struct windows *w, int64_t start, int64_t end, int64_t cell,
    const char *key, size_t keylen, void *p)
{
	struct emit *e;

	if (w->nem == w->capem) {
		size_t cap = w->capem ? w->capem * 2 : 64;

		w->em = xrealloc(w->em, cap * sizeof(*w->em));
		w->capem = cap;
	}
	e = &w->em[w->nem++];
	e->start = start;
	e->end = end;
	e->cell = cell;
	e->key = key;
	e->keylen = keylen;
	e->payload = p;
}

static void
fire(struct windows *w, int64_t start, int64_t end, const char *key,
    size_t keylen, const void *p, int late, uint32_t rev, int trunc)
{
	struct win_fired wf;

	memset(&wf, 0, sizeof(wf));
	wf.start = start;
	wf.end = end;
	wf.key = key;
	wf.keylen = keylen;
	wf.late = late;
	wf.revision = rev;
	wf.truncated = trunc;
	w->counts.fired++;
	if (late)
		w->counts.late_firings++;
	w->ops->emit(w->ctx, &wf, p);
}

/* --max-events: fire the window early, truncated, and empty it. */
static void
check_full(struct windows *w, struct cell *c, const char *key,
    size_t keylen)
{
	if (w->cfg.max_events == 0 || c->count < w->cfg.max_events)
		return;
	c->truncated = 1;
	fire(w, c->start, c->end, key, keylen, payload(c), 0, 0, 1);
	w->ops->release(w->ctx, payload(c));
	w->ops->init(w->ctx, payload(c));
	c->count = 0;
}

/* --- time windows, one cell per window --- */

/* Add to the n windows (sp->s[i], sp->e[i]). */
static int
add_to(struct windows *w, const struct spans *sp, int n, const char *key,
    size_t keylen, uint64_t h, int64_t t, const void *ev, int64_t wm)
{
	struct cell *c;
	int64_t id;
	int i, created, accepted = 0;

	for (i = 0; i < n; i++) {
		int fired = sp->e[i] <= w->fired_upto;

		if (fired && expiry_of(w, sp->e[i]) <= wm) {
			w->counts.missed++;
			continue;
		}
		id = cell_get(w, sp->s[i], sp->e[i], key, keylen, h, 1, &created);
		if (id < 0)
			return -1;
		c = cell_at(w, id);
		w->ops->add(w->ctx, payload(c), ev, t);
		c->count++;
		accepted++;
		if (fired) {
			c->revision++;
			c->fired = 1;
			fire(w, c->start, c->end, key, keylen, payload(c), 1,
			    c->revision, c->truncated);
		} else {
			check_full(w, c, key, keylen);
		}
	}
	return accepted;
}

static int
add_direct(struct windows *w, const char *key, size_t keylen, uint64_t h,
    int64_t t, const void *ev, int64_t wm)
{
	struct spans *sp = &w->spans;
	int n = windows_of(w, t, 1, sp->s, sp->e);

	return add_to(w, sp, n, key, keylen, h, t, ev, wm);
}

int
win_add_at(struct windows *w, int64_t start, int64_t end, const char *key,
    size_t keylen, uint64_t h, const void *ev, int64_t wm, struct fault *f)
{
	struct spans *sp = &w->spans;
	int r;

	w->f = f;
	if (start >= end)
		return fault_set(f, EX_DATAERR, "window ends before it starts");
	sp->s[0] = start;
	sp->e[0] = end;
	r = add_to(w, sp, 1, key, keylen, h, end - 1, ev, wm);
	if (r == 0)
		w->counts.late_dropped++;
	return r;
}

/* --- time windows over shared panes (stream-agg) --- */

/* Merge the panes of window [s, e) for one key into dst. */
static void
merge_panes(struct windows *w, int64_t s, int64_t e, const char *key,
    size_t keylen, uint64_t h, void *dst)
{
	int64_t id;
	i128 p;

	for (p = pane_start(w, s); p < e; p += w->pane) {
		if ((id = cell_find(w, clamp_ns(p), clamp_ns(p + w->pane), key,
		    keylen, h)) < 0)
			continue;
		w->ops->merge(w->ctx, dst, payload(cell_at(w, id)));
	}
}

/* The revision counter of a fired window (end, key), in w->aux. */
static uint32_t
next_revision(struct windows *w, int64_t s, int64_t e, const char *key,
    size_t keylen, uint64_t h)
{
	uint32_t *rev;
	int64_t id;
	int created;

	cell_key(w, s, e, key, keylen);
	id = tab_put(w->aux, w->kb.data, w->kb.len, h ^ (uint64_t)e, &created);
	if (id < 0)
		return 1;
	rev = tab_value(w->aux, id);
	return ++*rev;
}

/*
 * Into the pane of t: one event (ev), or a decode thread's part of a
 * block's events (part, n of them) merged in; as one event would, every
 * window already fired that the pane is part of fires again.
 */
static int
to_pane(struct windows *w, const char *key, size_t keylen, uint64_t h,
    int64_t t, const void *ev, const void *part, uint64_t n, int64_t wm)
{
	struct spans *sp = &w->spans;
	int64_t p, pe, id;
	int i, k, created, accepted = 0;
	struct cell *c;
	void *tmp;

	p = clamp_ns(pane_start(w, t));
	pe = clamp_ns(pane_start(w, t) + w->pane);
	k = windows_of(w, p, w->pane, sp->s, sp->e);
	for (i = 0; i < k; i++)
		if (sp->e[i] > w->fired_upto || expiry_of(w, sp->e[i]) > wm)
			accepted++;
	w->counts.missed += (uint64_t)(k - accepted) * n;
	if (accepted == 0)
		return 0;
	if ((id = cell_get(w, p, pe, key, keylen, h, 1, &created)) < 0)
		return -1;
	c = cell_at(w, id);
	if (part != NULL)
		w->ops->merge(w->ctx, payload(c), part);
	else
		w->ops->add(w->ctx, payload(c), ev, t);
	c->count += (int64_t)n;
	tmp = xmalloc(w->ops->size);
	for (i = 0; i < k; i++) {
		if (sp->e[i] > w->fired_upto || expiry_of(w, sp->e[i]) <= wm)
			continue;
		w->ops->init(w->ctx, tmp);
		merge_panes(w, sp->s[i], sp->e[i], key, keylen, h, tmp);
		fire(w, sp->s[i], sp->e[i], key, keylen, tmp, 1,
		    next_revision(w, sp->s[i], sp->e[i], key, keylen, h), 0);
		w->ops->release(w->ctx, tmp);
	}
	free(tmp);
	return accepted;
}

static int
add_sliced(struct windows *w, const char *key, size_t keylen, uint64_t h,
    int64_t t, const void *ev, int64_t wm)
{
	return to_pane(w, key, keylen, h, t, ev, NULL, 1, wm);
}

int
win_paned(const struct windows *w)
{
	return w->cfg.sliced && (w->cfg.kind == WIN_TUMBLING ||
	    w->cfg.kind == WIN_HOPPING);
}

int64_t
win_pane_of(const struct windows *w, int64_t t)
{
	return clamp_ns(pane_start(w, t));
}

int
win_merge_pane(struct windows *w, const char *key, size_t keylen,
    uint64_t h, int64_t t, const void *part, uint64_t n, int64_t wm,
    struct fault *f)
{
	int r;

	w->f = f;
	if ((r = to_pane(w, key, keylen, h, t, NULL, part, n, wm)) == 0)
		w->counts.late_dropped += n;
	return r;
}

/* --- sessions --- */

static void
heap_push(struct windows *w, int64_t end, int64_t cell, uint64_t sid)
{
	struct hent x = { end, cell, sid };
	size_t i;

	if (w->nheap == w->capheap) {
		size_t cap = w->capheap ? w->capheap * 2 : 64;

		w->heap = xrealloc(w->heap, cap * sizeof(*w->heap));
		w->capheap = cap;
	}
	for (i = w->nheap++; i > 0 && w->heap[(i - 1) / 2].end > end;
	    i = (i - 1) / 2)
		w->heap[i] = w->heap[(i - 1) / 2];
	w->heap[i] = x;
}

static struct hent
heap_pop(struct windows *w)
{
	struct hent top = w->heap[0], last = w->heap[--w->nheap];
	size_t i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= w->nheap)
			break;
		if (c + 1 < w->nheap && w->heap[c + 1].end < w->heap[c].end)
			c++;
		if (w->heap[c].end >= last.end)
			break;
		w->heap[i] = w->heap[c];
		i = c;
	}
	if (w->nheap > 0)
		w->heap[i] = last;
	return top;
}

static struct session_list *
sessions_of(struct windows *w, const char *key, size_t keylen, uint64_t h,
    int create)
{
	int64_t id;
	int created;

	if (!create) {
		id = tab_find(w->aux, key, keylen, h);
		return id < 0 ? NULL : tab_value(w->aux, id);
	}
	id = tab_put(w->aux, key, keylen, h, &created);
	return id < 0 ? NULL : tab_value(w->aux, id);
}

static void
session_unlink(struct windows *w, const char *key, size_t keylen,
    uint64_t h, int64_t cell)
{
	struct session_list *sl = sessions_of(w, key, keylen, h, 0);
	uint32_t i;

	if (sl == NULL)
		return;
	for (i = 0; i < sl->n; i++) {
		if (sl->cells[i] == cell) {
			sl->cells[i] = sl->cells[--sl->n];
			break;
		}
	}
	if (sl->n == 0) {
		free(sl->cells);
		tab_del(w->aux, tab_find(w->aux, key, keylen, h));
	}
}

static void
session_link(struct session_list *sl, int64_t cell)
{
	if (sl->n == sl->cap) {
		uint32_t cap = sl->cap ? sl->cap * 2 : 2;

		sl->cells = xrealloc(sl->cells, cap * sizeof(*sl->cells));
		sl->cap = cap;
	}
	sl->cells[sl->n++] = cell;
}

/*
 * Absorb every session of the key that the span [s, e) touches into one
 * cell (a gap-long span starting at t: touching sessions merge too).
 * Returns that cell, or -1 when there is none.
 */
static int64_t
session_merge(struct windows *w, const char *key, size_t keylen,
    uint64_t h, int64_t *s, int64_t *e, int *anyfired, uint32_t *rev)
{
	struct session_list *sl;
	struct cell *c, *t;
	int64_t target = -1, id;
	uint32_t i;

	*anyfired = 0;
	*rev = 0;
	if ((sl = sessions_of(w, key, keylen, h, 0)) == NULL)
		return -1;
	for (i = 0; i < sl->n; i++) {
		c = cell_at(w, sl->cells[i]);
		if (c->start > *e || c->end < *s)
			continue;
		*s = c->start < *s ? c->start : *s;
		*e = c->end > *e ? c->end : *e;
		*anyfired |= c->fired;
		*rev = c->revision > *rev ? c->revision : *rev;
		if (target < 0) {
			target = sl->cells[i];
			continue;
		}
		id = sl->cells[i];
		t = cell_at(w, target);
		w->ops->merge(w->ctx, payload(t), payload(c));
		t->count += c->count;
		t->truncated |= c->truncated;
		release_cell(w, id);
		sl->cells[i--] = sl->cells[--sl->n];
	}
	return target;
}

static int
add_session(struct windows *w, const char *key, size_t keylen, uint64_t h,
    int64_t t, const void *ev, int64_t wm)
{
	struct session_list *sl;
	struct cell *c;
	int64_t s = t, e, id;
	uint32_t rev;
	int fired, created, created_new, grown;

	e = sat_add_ns(t, w->cfg.size_ns);
	/* Would the merged session still be wanted?  Look before merging. */
	{
		int64_t ms = s, me = e;
		struct session_list *l = sessions_of(w, key, keylen, h, 0);
		uint32_t i;

		for (i = 0; l != NULL && i < l->n; i++) {
			c = cell_at(w, l->cells[i]);
			if (c->start <= me && c->end >= ms && c->end > me)
				me = c->end;
		}
		if (me <= w->fired_upto && expiry_of(w, me) <= wm) {
			w->counts.missed++;
			return 0;
		}
	}
	id = session_merge(w, key, keylen, h, &s, &e, &fired, &rev);
	created_new = id < 0;
	if (id < 0) {
		cell_key(w, (int64_t)w->next_sid, 0, key, keylen);
		id = tab_put(w->cells, w->kb.data, w->kb.len,
		    h ^ w->next_sid * 0x9E3779B97F4A7C15ULL, &created);
		if (id < 0 || (sl = sessions_of(w, key, keylen, h, 1)) == NULL)
			return fault_set(w->f, EX_SOFTWARE, "out of memory");
		session_link(sl, id);
		c = cell_at(w, id);
		c->sid = w->next_sid++;
		w->ops->init(w->ctx, payload(c));
	}
	c = cell_at(w, id);
	grown = created_new || c->end != e;
	c->start = s;
	c->end = e;
	c->fired = (uint8_t)fired;
	c->revision = rev;
	w->ops->add(w->ctx, payload(c), ev, t);
	c->count++;
	/* One heap entry per end a session has had; stale ones are skipped. */
	if (grown)
		heap_push(w, e, id, c->sid);
	if (e <= w->fired_upto) {
		c->revision++;
		c->fired = 1;
		fire(w, s, e, key, keylen, payload(c), 1, c->revision,
		    c->truncated);
		heap_push(w, expiry_of(w, e), id, c->sid);
	} else {
		/* Grown past W: it fires at its end, replacing what fired. */
		if (fired)
			c->revision = rev + 1;
		c->fired = 0;
		check_full(w, c, key, keylen);
	}
	return 1;
}

/* --- count windows --- */

static struct count_key *
count_of(struct windows *w, const char *key, size_t keylen, uint64_t h)
{
	int64_t id;
	int created;

	id = tab_put(w->aux, key, keylen, h, &created);
	return id < 0 ? NULL : tab_value(w->aux, id);
}

/* Fire the count window made of panes [from, to] of a key. */
static void
fire_count(struct windows *w, const char *key, size_t keylen, uint64_t h,
    int64_t from, int64_t to, int incomplete)
{
	struct win_fired wf;
	struct cell *c;
	int64_t q, id, tmin = INT64_MAX, tmax = INT64_MIN;
	void *tmp;

	tmp = xmalloc(w->ops->size);
	w->ops->init(w->ctx, tmp);
	for (q = from; q <= to; q++) {
		if ((id = cell_find(w, q, 0, key, keylen, h)) < 0)
			continue;
		c = cell_at(w, id);
		w->ops->merge(w->ctx, tmp, payload(c));
		tmin = c->tmin < tmin ? c->tmin : tmin;
		tmax = c->tmax > tmax ? c->tmax : tmax;
	}
	memset(&wf, 0, sizeof(wf));
	wf.start = tmin;
	wf.end = tmax;
	wf.key = key;
	wf.keylen = keylen;
	wf.incomplete = incomplete;
	w->counts.fired++;
	w->ops->emit(w->ctx, &wf, tmp);
	w->ops->release(w->ctx, tmp);
	free(tmp);
}

static void
drop_count_panes(struct windows *w, const char *key, size_t keylen,
    uint64_t h, struct count_key *ck, int64_t upto)
{
	int64_t id;

	for (; ck->first < upto; ck->first++)
		if ((id = cell_find(w, ck->first, 0, key, keylen, h)) >= 0)
			release_cell(w, id);
}

static int
add_count(struct windows *w, const char *key, size_t keylen, uint64_t h,
    int64_t t, const void *ev)
{
	int64_t slide = w->cfg.count_slide > 0 ? w->cfg.count_slide :
	    w->cfg.count_n, span = w->cfg.count_n / w->pane, q, id;
	struct count_key *ck;
	struct cell *c;
	int created;

	if ((ck = count_of(w, key, keylen, h)) == NULL)
		return fault_set(w->f, EX_SOFTWARE, "out of memory");
	q = ck->total / w->pane;
	if ((id = cell_get(w, q, 0, key, keylen, h, 0, &created)) < 0)
		return -1;
	c = cell_at(w, id);
	w->ops->add(w->ctx, payload(c), ev, t);
	c->count++;
	/* INT64_MIN: a record without a time (source.h SRC_NO_TIME). */
	if (t != INT64_MIN) {
		c->tmin = t < c->tmin ? t : c->tmin;
		c->tmax = t > c->tmax ? t : c->tmax;
	}
	ck = count_of(w, key, keylen, h);
	ck->total++;
	if (ck->total % slide != 0)
		return 1;
	fire_count(w, key, keylen, h, q - span + 1 > ck->first ?
	    q - span + 1 : ck->first, q, 0);
	/* The next firing, slide records on, needs the newest panes only. */
	drop_count_panes(w, key, keylen, h, ck,
	    (ck->total + slide - 1) / w->pane - span + 1);
	return 1;
}

static void
flush_counts(struct windows *w)
{
	int64_t slide = w->cfg.count_slide > 0 ? w->cfg.count_slide :
	    w->cfg.count_n, span = w->cfg.count_n / w->pane, it, q;
	struct count_key ck;
	const char *key;
	size_t keylen;
	char *copy;
	uint64_t h;

	for (it = tab_next(w->aux, -1); it >= 0; it = tab_next(w->aux, it)) {
		memcpy(&ck, tab_value(w->aux, it), sizeof(ck));
		if (ck.total % slide == 0)
			continue;
		key = tab_key(w->aux, it, &keylen);
		h = tab_hash(w->aux, it);
		copy = xmalloc(keylen + 1);
		memcpy(copy, key, keylen);
		q = (ck.total - 1) / w->pane;
		fire_count(w, copy, keylen, h, q - span + 1 > ck.first ?
		    q - span + 1 : ck.first, q, 1);
		free(copy);
	}
}

int
win_add(struct windows *w, const char *key, size_t keylen, uint64_t h,
    int64_t t, const void *ev, int64_t wm, struct fault *f)
{
	int r;

	w->f = f;
	switch (w->cfg.kind) {
	case WIN_SESSION:
		r = add_session(w, key, keylen, h, t, ev, wm);
		break;
	case WIN_COUNT:
		r = add_count(w, key, keylen, h, t, ev);
		break;
	default:
		r = w->cfg.sliced ? add_sliced(w, key, keylen, h, t, ev, wm) :
		    add_direct(w, key, keylen, h, t, ev, wm);
		break;
	}
	if (r == 0)
		w->counts.late_dropped++;
	return r;
}

/* --- firing --- */

static void
emit_sorted(struct windows *w)
{
	struct emit *e;
	struct cell *c;
	size_t i;

	if (w->nem > 1)
		qsort(w->em, w->nem, sizeof(*w->em), emit_cmp);
	for (i = 0; i < w->nem; i++) {
		e = &w->em[i];
		if (e->cell < 0) {
			fire(w, e->start, e->end, e->key, e->keylen,
			    e->payload, 0, 0, 0);
			continue;
		}
		c = cell_at(w, e->cell);
		c->fired = 1;
		/* Emptied by --max-events and nothing came after. */
		if (c->count == 0 && c->truncated)
			continue;
		fire(w, c->start, c->end, e->key, e->keylen, payload(c), 0, 0,
		    c->truncated);
	}
	w->nem = 0;
}

static void
advance_direct(struct windows *w, int64_t wm)
{
	const char *key;
	size_t i, keylen;
	uint32_t k;

	for (i = 0; i < w->ngroups && w->groups[i].end <= wm; i++) {
		struct group *g = &w->groups[i];

		if (g->end <= w->fired_upto)
			continue;
		for (k = 0; k < g->n; k++) {
			key = cell_userkey(w, g->cells[k], &keylen);
			em_push(w, g->start, g->end, g->cells[k], key, keylen,
			    NULL);
		}
	}
	emit_sorted(w);
	w->fired_upto = wm;
	while (w->ngroups > 0 && (wm == WM_MAX ||
	    expiry_of(w, w->groups[0].end) <= wm))
		group_drop(w, 0);
}

/* (end, start) pairs, by end then start. */
static int
cmp_span(const void *a, const void *b)
{
	const int64_t *x = a, *y = b;

	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* Fire window [s, e): merge its panes per key, emit in key order. */
static void
fire_sliced(struct windows *w, struct table *tmp, int64_t s, int64_t e)
{
	const char *key;
	size_t i, keylen;
	uint32_t k;
	int64_t id, it;
	int created;

	tab_clear(tmp);
	for (i = group_find(w, clamp_ns(pane_start(w, s) + w->pane), s);
	    i < w->ngroups &&
	    w->groups[i].end <= e; i++) {
		struct group *g = &w->groups[i];

		if (g->start < s)
			continue;
		for (k = 0; k < g->n; k++) {
			key = cell_userkey(w, g->cells[k], &keylen);
			id = tab_put(tmp, key, keylen, hash_bytes(key, keylen),
			    &created);
			if (id < 0)
				continue;
			if (created)
				w->ops->init(w->ctx, tab_value(tmp, id));
			w->ops->merge(w->ctx, tab_value(tmp, id),
			    payload(cell_at(w, g->cells[k])));
		}
	}
	for (it = tab_next(tmp, -1); it >= 0; it = tab_next(tmp, it)) {
		key = tab_key(tmp, it, &keylen);
		em_push(w, s, e, -1, key, keylen, tab_value(tmp, it));
	}
	emit_sorted(w);
	for (it = tab_next(tmp, -1); it >= 0; it = tab_next(tmp, it))
		w->ops->release(w->ctx, tab_value(tmp, it));
}

/* The last end among the windows that contain pane p. */
static int64_t
pane_last_end(struct windows *w, int64_t p)
{
	struct spans *sp = &w->spans;
	int n = windows_of(w, p, w->pane, sp->s, sp->e);

	return n > 0 ? sp->e[n - 1] : clamp_ns(pane_start(w, p) + w->pane);
}

/* Late-firing counters of windows past their allowed lateness. */
static void
expire_revisions(struct windows *w, int64_t wm)
{
	const unsigned char *k;
	int64_t it, next, end;
	size_t len;
	int i;

	for (it = tab_next(w->aux, -1); it >= 0; it = next) {
		next = tab_next(w->aux, it);
		k = (const unsigned char *)tab_key(w->aux, it, &len);
		for (end = 0, i = 8; i < 16; i++)
			end = (int64_t)((uint64_t)end << 8 | k[i]);
		end = (int64_t)((uint64_t)end ^ (UINT64_C(1) << 63));
		if (wm == WM_MAX || expiry_of(w, end) <= wm)
			tab_del(w->aux, it);
	}
}

/*
 * The windows W passed, by end and start: an end alone does not name a
 * window once two of them stick at INT64_MAX.
 */
static void
advance_sliced(struct windows *w, int64_t wm)
{
	struct spans *sp = &w->spans;
	struct table *tmp;
	int64_t *ends = NULL, last;
	size_t i, nends = 0, cap = 0, u;
	int n, j;

	for (i = 0; i < w->ngroups && w->groups[i].start < wm; i++) {
		n = windows_of(w, w->groups[i].start, w->pane, sp->s,
		    sp->e);
		for (j = 0; j < n; j++) {
			if (sp->e[j] <= w->fired_upto || sp->e[j] > wm)
				continue;
			if (nends == cap) {
				cap = cap ? cap * 2 : 64;
				ends = xrealloc(ends, cap * 2 * sizeof(*ends));
			}
			ends[2 * nends] = sp->e[j];
			ends[2 * nends++ + 1] = sp->s[j];
		}
	}
	if (nends > 1)
		qsort(ends, nends, 2 * sizeof(*ends), cmp_span);
	tmp = tab_new(w->ops->size);
	for (i = 0, u = 0; i < nends; i++) {
		if (u > 0 && ends[2 * i] == ends[2 * (u - 1)] &&
		    ends[2 * i + 1] == ends[2 * (u - 1) + 1])
			continue;
		ends[2 * u] = ends[2 * i];
		ends[2 * u++ + 1] = ends[2 * i + 1];
		fire_sliced(w, tmp, ends[2 * i + 1], ends[2 * i]);
	}
	tab_free(tmp);
	free(ends);
	w->fired_upto = wm;
	expire_revisions(w, wm);
	while (w->ngroups > 0) {
		last = pane_last_end(w, w->groups[0].start);
		if (wm != WM_MAX && expiry_of(w, last) > wm)
			break;
		group_drop(w, 0);
	}
}

static void
session_drop(struct windows *w, int64_t id)
{
	const char *key;
	size_t keylen;

	key = cell_userkey(w, id, &keylen);
	session_unlink(w, key, keylen, hash_bytes(key, keylen), id);
	release_cell(w, id);
}

/*
 * The heap holds one entry per session end (stale ones are skipped by
 * sid and end) and, for fired sessions, one at end + lateness that drops
 * them.
 */
static void
advance_sessions(struct windows *w, int64_t wm)
{
	struct hent h;
	struct cell *c;
	struct emit *e;
	const char *key;
	size_t keylen, i;

	while (w->nheap > 0 && w->heap[0].end <= wm) {
		h = heap_pop(w);
		if (!tab_live(w->cells, h.cell))
			continue;
		c = cell_at(w, h.cell);
		if (c->sid != h.sid)
			continue;
		if (c->end == h.end && !c->fired) {
			key = cell_userkey(w, h.cell, &keylen);
			em_push(w, c->start, c->end, h.cell, key, keylen, NULL);
		} else if (c->fired && (wm == WM_MAX ||
		    expiry_of(w, c->end) <= wm)) {
			session_drop(w, h.cell);
		}
	}
	if (w->nem > 1)
		qsort(w->em, w->nem, sizeof(*w->em), emit_cmp);
	for (i = 0; i < w->nem; i++) {
		e = &w->em[i];
		if (i > 0 && e->cell == w->em[i - 1].cell)
			continue;	/* two heap entries for one end */
		c = cell_at(w, e->cell);
		if (c->count > 0 || !c->truncated)
			fire(w, c->start, c->end, e->key, e->keylen,
			    payload(c), c->revision > 0, c->revision,
			    c->truncated);
		c->fired = 1;
		if (wm == WM_MAX || expiry_of(w, c->end) <= wm)
			session_drop(w, e->cell);
		else
			heap_push(w, expiry_of(w, c->end), e->cell, c->sid);
	}
	w->nem = 0;
	w->fired_upto = wm;
}

void
win_advance(struct windows *w, int64_t wm)
{
	if (wm <= w->fired_upto)
		return;
	switch (w->cfg.kind) {
	case WIN_SESSION:
		advance_sessions(w, wm);
		break;
	case WIN_COUNT:
		w->fired_upto = wm;
		break;
	default:
		if (w->cfg.sliced)
			advance_sliced(w, wm);
		else
			advance_direct(w, wm);
		break;
	}
}

void
win_flush(struct windows *w)
{
	if (w->cfg.kind == WIN_COUNT) {
		flush_counts(w);
		return;
	}
	win_advance(w, WM_MAX);
}

const struct win_counts *
win_counts(const struct windows *w)
{
	return &w->counts;
}

size_t
win_open_cells(const struct windows *w)
{
	return tab_count(w->cells);
}

size_t
win_bytes(const struct windows *w)
{
	size_t n = tab_bytes(w->cells) + tab_bytes(w->aux);
	int64_t it;

	if (w->ops->bytes != NULL)
		for (it = tab_next(w->cells, -1); it >= 0;
		    it = tab_next(w->cells, it))
			n += w->ops->bytes(w->ctx, payload(cell_at(w, it)));
	return n;
}

int
win_windows_of(struct windows *w, int64_t t, int64_t *s, int64_t *e)
{
	return windows_of(w, t, 1, s, e);
}

/* --- writing fired windows --- */

static void
put_time(struct buf *b, const char *key, int64_t t, enum tp_out fmt)
{
	char tb[TP_BUF];

	buf_json_key(b, key);
	buf_add(b, tb, tp_format_json(t, fmt, tb));
}

/* A count window none of whose records had a time has null bounds. */
void
win_put_bounds(struct buf *b, const struct win_fired *wf, enum tp_out fmt)
{
	if (wf->start > wf->end) {
		buf_json_key(b, "window_start");
		buf_adds(b, "null");
		buf_json_key(b, "window_end");
		buf_adds(b, "null");
		return;
	}
	put_time(b, "window_start", wf->start, fmt);
	put_time(b, "window_end", wf->end, fmt);
}

void
win_put_flags(struct buf *b, const struct win_fired *wf)
{
	if (wf->truncated)
		buf_adds(b, ",\"truncated\":true");
	if (wf->incomplete)
		buf_adds(b, ",\"incomplete\":true");
	if (wf->late)
		buf_printf(b, ",\"late\":true,\"revision\":%u", wf->revision);
}

/* --- state --- */

static int64_t
get64(const unsigned char *p)
{
	uint64_t u = 0;
	int i;

	for (i = 0; i < 8; i++)
		u = u << 8 | p[i];
	return (int64_t)(u ^ (UINT64_C(1) << 63));
}

void
win_save(struct windows *w, struct buf *b)
{
	const char *k;
	struct cell *c;
	size_t n;
	int64_t it;
	int first = 1;

	buf_printf(b, "{\"fired_upto\":%lld,\"next_sid\":%llu,\"counts\":"
	    "[%llu,%llu,%llu,%llu],\"cells\":[", (long long)w->fired_upto,
	    (unsigned long long)w->next_sid,
	    (unsigned long long)w->counts.fired,
	    (unsigned long long)w->counts.late_firings,
	    (unsigned long long)w->counts.late_dropped,
	    (unsigned long long)w->counts.missed);
	for (it = tab_next(w->cells, -1); it >= 0;
	    it = tab_next(w->cells, it), first = 0) {
		c = cell_at(w, it);
		k = tab_key(w->cells, it, &n);
		buf_printf(b, "%s\n[\"", first ? "" : ",");
		buf_hex(b, k, n);
		buf_printf(b, "\",%lld,%lld,%lld,%lld,%lld,%llu,%u,%u,%u,",
		    (long long)c->start, (long long)c->end,
		    (long long)c->count, (long long)c->tmin,
		    (long long)c->tmax, (unsigned long long)c->sid,
		    c->revision, c->fired, c->truncated);
		w->ops->encode(w->ctx, payload(c), b);
		buf_addc(b, ']');
	}
	buf_adds(b, "],\n\"aux\":[");
	first = 1;
	if (w->cfg.kind != WIN_SESSION)
		for (it = tab_next(w->aux, -1); it >= 0;
		    it = tab_next(w->aux, it), first = 0) {
			struct count_key ck;

			k = tab_key(w->aux, it, &n);
			memcpy(&ck, tab_value(w->aux, it), sizeof(ck));
			buf_adds(b, first ? "[\"" : ",[\"");
			buf_hex(b, k, n);
			buf_printf(b, "\",%lld,%lld]", (long long)ck.total,
			    (long long)ck.first);
		}
	buf_adds(b, "]}\n");
}

/* Put a cell back: table, group or session list, and heap. */
static int
load_cell(struct windows *w, const struct buf *kb, struct cell *hdr,
    struct jcur *jc, struct fault *f)
{
	const unsigned char *k = (const unsigned char *)kb->data;
	struct session_list *sl;
	struct cell *c;
	uint64_t h;
	int64_t id;
	int created;

	if (kb->len < PFX || hdr->count < 0)
		return jc_fail(jc, "bad window cell");
	h = hash_bytes(kb->data + PFX, kb->len - PFX);
	id = tab_put(w->cells, kb->data, kb->len, h ^ (uint64_t)get64(k) *
	    0x9E3779B97F4A7C15ULL ^ (uint64_t)get64(k + 8) *
	    0xC2B2AE3D27D4EB4FULL, &created);
	if (id < 0 || !created)
		return jc_fail(jc, id < 0 ? "out of memory" :
		    "duplicate window cell");
	c = cell_at(w, id);
	*c = *hdr;
	w->ops->init(w->ctx, payload(c));
	if (w->ops->decode(w->ctx, payload(c), jc, f) == -1)
		return -1;
	if (w->cfg.kind == WIN_SESSION) {
		sl = sessions_of(w, kb->data + PFX, kb->len - PFX, h, 1);
		if (sl == NULL)
			return jc_fail(jc, "out of memory");
		session_link(sl, id);
		heap_push(w, c->fired ? expiry_of(w, c->end) : c->end, id,
		    c->sid);
	} else if (w->cfg.kind != WIN_COUNT) {
		group_add(w, c->start, c->end, id);
	}
	return 0;
}

static int
load_aux(struct windows *w, struct jcur *jc, struct buf *hx, struct buf *kb)
{
	struct count_key ck;
	int64_t id;
	int created;

	while (jc_more(jc) == 1) {
		if (jc_begin_array(jc) == -1 || jc_more(jc) != 1 ||
		    jc_string(jc, hx) == -1 ||
		    buf_unhex(kb, hx->data, hx->len) == -1 ||
		    jc_more(jc) != 1 || jc_int(jc, &ck.total) == -1 ||
		    jc_more(jc) != 1 || jc_int(jc, &ck.first) == -1 ||
		    jc_more(jc) != 0)
			return jc_fail(jc, "bad window counter");
		/* Sessions keep no counters; revisions are (end, key). */
		if (w->cfg.kind == WIN_SESSION ||
		    (w->cfg.kind != WIN_COUNT && kb->len < PFX) ||
		    ck.total < 0 || ck.first < 0)
			return jc_fail(jc, "bad window counter");
		id = tab_put(w->aux, kb->data, kb->len, w->cfg.kind ==
		    WIN_COUNT ? hash_bytes(kb->data, kb->len) :
		    hash_bytes(kb->data + PFX, kb->len - PFX) ^
		    (uint64_t)get64((const unsigned char *)kb->data + 8),
		    &created);
		if (id < 0)
			return jc_fail(jc, "out of memory");
		memcpy(tab_value(w->aux, id), &ck, sizeof(ck));
	}
	return jc->failed ? -1 : 0;
}

int
win_load(struct windows *w, struct jcur *jc, struct fault *f)
{
	struct buf hx, kb;
	struct cell hdr;
	int64_t v[9], fu;
	uint64_t sid, cnt[4];
	int i, r = -1;

	buf_init(&hx);
	buf_init(&kb);
	if (jc_begin_object(jc) == -1 || jc_more(jc) != 1 ||
	    jc_expect_key(jc, "fired_upto") == -1 || jc_int(jc, &fu) == -1 ||
	    jc_more(jc) != 1 || jc_expect_key(jc, "next_sid") == -1 ||
	    jc_uint(jc, &sid) == -1 || jc_more(jc) != 1 ||
	    jc_expect_key(jc, "counts") == -1 || jc_begin_array(jc) == -1)
		goto out;
	for (i = 0; i < 4; i++)
		if (jc_more(jc) != 1 || jc_uint(jc, &cnt[i]) == -1)
			goto out;
	if (jc_more(jc) != 0 || jc_more(jc) != 1 ||
	    jc_expect_key(jc, "cells") == -1 || jc_begin_array(jc) == -1)
		goto out;
	while (jc_more(jc) == 1) {
		if (jc_begin_array(jc) == -1 || jc_more(jc) != 1 ||
		    jc_string(jc, &hx) == -1 ||
		    buf_unhex(&kb, hx.data, hx.len) == -1) {
			jc_fail(jc, "bad window key");
			goto out;
		}
		for (i = 0; i < 9; i++)
			if (jc_more(jc) != 1 || jc_int(jc, &v[i]) == -1)
				goto out;
		memset(&hdr, 0, sizeof(hdr));
		hdr.start = v[0];
		hdr.end = v[1];
		hdr.count = v[2];
		hdr.tmin = v[3];
		hdr.tmax = v[4];
		hdr.sid = (uint64_t)v[5];
		hdr.revision = (uint32_t)v[6];
		hdr.fired = v[7] != 0;
		hdr.truncated = v[8] != 0;
		if (jc_more(jc) != 1 || load_cell(w, &kb, &hdr, jc, f) == -1 ||
		    jc_more(jc) != 0)
			goto out;
	}
	if (jc_more(jc) != 1 || jc_expect_key(jc, "aux") == -1 ||
	    jc_begin_array(jc) == -1 || load_aux(w, jc, &hx, &kb) == -1 ||
	    jc_more(jc) != 0)
		goto out;
	w->fired_upto = fu;
	w->next_sid = sid;
	w->counts.fired = cnt[0];
	w->counts.late_firings = cnt[1];
	w->counts.late_dropped = cnt[2];
	w->counts.missed = cnt[3];
	r = 0;
out:
	if (r == -1 && !jc->failed)
		jc_fail(jc, "bad window state");
	buf_release(&hx);
	buf_release(&kb);
	return r;
}

/* --- as the stage of stream-window (stage.h) --- */

static void
stage_advance(void *w, int64_t wm)
{
	win_advance(w, wm);
}

static void
stage_flush(void *w)
{
	win_flush(w);
}

static uint64_t
stage_bytes(void *w)
{
	return win_bytes(w);
}

static void
stage_save(void *w, struct buf *b)
{
	win_save(w, b);
}

static int
stage_load(void *w, const char *p, size_t n, struct fault *f)
{
	struct jcur jc;

	jc_init(&jc, p, n, f);
	if (win_load(w, &jc, f) == -1)
		return -1;
	return jc_end(&jc) == 0 ? 0 : jc_fail(&jc, "trailing data");
}

void
win_stats(const struct windows *w, struct buf *b)
{
	buf_printf(b, ", windows fired %llu (late %llu), open cells %zu",
	    (unsigned long long)w->counts.fired,
	    (unsigned long long)w->counts.late_firings, win_open_cells(w));
}

static void
stage_stats(void *w, struct buf *b)
{
	win_stats(w, b);
}

const struct stage_ops win_stage = {
	stage_advance, stage_flush, stage_bytes, stage_save, stage_load,
	stage_stats
};
