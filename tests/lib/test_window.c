/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_window.c - unit tests for lib/window.c: assignment and firing.
 *
 * A tiny win_ops counts events per window and logs every emitted window
 * as text, "[start,end)key:nCOUNT" plus L<revision> for a late firing,
 * T for truncated and I for incomplete, so that each scenario is one
 * string worked out by hand from SPEC 4 and 5 and Flink's rules: a
 * tumbling window starts at t - ((t - offset) mod size) with a
 * non-negative modulus; hopping windows start on the slide grid and hold
 * t; cumulating windows share a start and end every step up to the
 * maximum; sessions merge when they overlap or touch; windows fire once
 * W >= end, ordered by end, start, then key (null < false < true <
 * numbers < strings); lateness keeps a fired window until W >= end + L.
 * Sliced mode (stream-agg's shared panes) must emit what direct mode
 * does.  Every payload the window code init()s must be release()d.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "check.h"
#include "fault.h"
#include "hash.h"
#include "jcur.h"
#include "key.h"
#include "watermark.h"
#include "window.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define S		INT64_C(1000000000)

/* --- the ops: a count per window, a log of what fired --- */

struct ctx {
	struct buf	 log;
	long		 live;		/* payloads init()ed, not released */
};

static void
op_init(void *ctx, void *p)
{
	((struct ctx *)ctx)->live++;
	*(int64_t *)p = 0;
}

static void
op_add(void *ctx, void *p, const void *ev, int64_t t)
{
	(void)ctx;
	(void)ev;
	(void)t;
	(*(int64_t *)p)++;
}

static void
op_merge(void *ctx, void *dst, const void *src)
{
	(void)ctx;
	*(int64_t *)dst += *(const int64_t *)src;
}

static void
op_release(void *ctx, void *p)
{
	(void)p;
	((struct ctx *)ctx)->live--;
}

/* The first value of an encoded key, as text; "" for the empty key. */
static void
key_text(struct buf *b, const char *k, size_t n)
{
	struct value v;

	if (n == 0)
		return;
	if (key_decode(k, n, 0, &v) == -1) {
		buf_adds(b, "?");
		return;
	}
	switch (v.type) {
	case V_STRING:
		buf_add(b, v.s, v.slen);
		break;
	case V_NUMBER:
		buf_printf(b, "%lld", (long long)v.i);
		break;
	case V_TRUE:
		buf_adds(b, "true");
		break;
	case V_FALSE:
		buf_adds(b, "false");
		break;
	default:
		buf_adds(b, "null");
		break;
	}
}

static void
op_emit(void *ctx, const struct win_fired *wf, const void *p)
{
	struct buf *b = &((struct ctx *)ctx)->log;

	if (b->len > 0)
		buf_addc(b, '|');
	buf_printf(b, "[%lld,%lld)", (long long)wf->start,
	    (long long)wf->end);
	key_text(b, wf->key, wf->keylen);
	buf_printf(b, ":n%lld", (long long)*(const int64_t *)p);
	if (wf->late)
		buf_printf(b, "L%u", wf->revision);
	if (wf->truncated)
		buf_addc(b, 'T');
	if (wf->incomplete)
		buf_addc(b, 'I');
}

static void
op_encode(void *ctx, const void *p, struct buf *b)
{
	(void)ctx;
	buf_printf(b, "%lld", (long long)*(const int64_t *)p);
}

static int
op_decode(void *ctx, void *p, struct jcur *jc, struct fault *f)
{
	(void)ctx;
	(void)f;
	return jc_int(jc, (int64_t *)p);
}

static const struct win_ops ops = {
	sizeof(int64_t), op_init, op_add, op_merge, op_release, op_emit,
	op_encode, op_decode, NULL
};

/* --- keys --- */

struct key {
	char		 b[64];
	size_t		 n;
	uint64_t	 h;
};

static struct key
key_str(const char *s)
{
	struct value v;
	struct buf b;
	struct key k;

	memset(&v, 0, sizeof(v));
	memset(&k, 0, sizeof(k));
	buf_init(&b);
	if (s == NULL) {
		v.type = V_NULL;
	} else if (strcmp(s, "#true") == 0) {
		v.type = V_TRUE;
	} else if (s[0] == '#') {
		v.type = V_NUMBER;
		v.isint = 1;
		v.i = atoll(s + 1);
		v.d = (double)v.i;
	} else {
		v.type = V_STRING;
		v.s = s;
		v.slen = strlen(s);
	}
	key_encode_value(&b, &v);
	memcpy(k.b, b.data, b.len < sizeof(k.b) ? b.len : sizeof(k.b));
	k.n = b.len;
	k.h = hash_bytes(k.b, k.n);
	buf_release(&b);
	return k;
}

/* --- a harness --- */

struct wh {
	struct windows	*w;
	struct ctx	 c;
	struct fault	 f;
};

static int
wh_open(struct wh *h, const struct win_config *cfg)
{
	memset(h, 0, sizeof(*h));
	buf_init(&h->c.log);
	fault_clear(&h->f);
	if ((h->w = win_new(cfg, &ops, &h->c, &h->f)) == NULL) {
		fprintf(stderr, "win_new: %s\n", h->f.msg);
		check_failures++;
		return -1;
	}
	return 0;
}

static int
wh_add(struct wh *h, const char *key, int64_t t, int64_t wm)
{
	struct key k;

	if (key == NULL || strcmp(key, "") != 0) {
		k = key_str(key);
		return win_add(h->w, k.b, k.n, k.h, t, NULL, wm, &h->f);
	}
	return win_add(h->w, "", 0, hash_bytes("", 0), t, NULL, wm, &h->f);
}

/* The log since the last call, as a C string. */
static const char *
wh_log(struct wh *h)
{
	static char out[4096];

	snprintf(out, sizeof(out), "%.*s", (int)h->c.log.len,
	    h->c.log.data != NULL ? h->c.log.data : "");
	buf_clear(&h->c.log);
	return out;
}

static void
wh_close(struct wh *h)
{
	win_free(h->w);
	CHECK_INT_EQ(h->c.live, 0);
	buf_release(&h->c.log);
}

static struct win_config
config(enum win_kind kind, int64_t size, int64_t slide, int64_t offset)
{
	struct win_config c;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.size_ns = size;
	c.slide_ns = slide;
	c.offset_ns = offset;
	return c;
}

static void
expect_log(struct wh *h, const char *what, const char *want)
{
	const char *got = wh_log(h);

	check_count++;
	if (strcmp(got, want) != 0) {
		check_failures++;
		fprintf(stderr, "%s:\n  got  %s\n  want %s\n", what, got, want);
	}
}

/* The windows of t, as "[s,e)[s,e)". */
static void
expect_windows(struct wh *h, int64_t t, const char *want)
{
	int64_t s[WIN_PER_RECORD_MAX], e[WIN_PER_RECORD_MAX];
	char got[512];
	size_t o = 0;
	int n, i;

	n = win_windows_of(h->w, t, s, e);
	got[0] = '\0';
	for (i = 0; i < n && o + 48 < sizeof(got); i++)
		o += (size_t)snprintf(got + o, sizeof(got) - o,
		    "[%lld,%lld)", (long long)s[i], (long long)e[i]);
	check_count++;
	if (strcmp(got, want) != 0) {
		check_failures++;
		fprintf(stderr, "windows of %lld: %s, want %s\n", (long long)t,
		    got, want);
	}
}

/* --- assignment --- */

static void
test_tumbling(void)
{
	struct win_config c = config(WIN_TUMBLING, 10, 0, 0);
	struct wh h;

	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, 0, "[0,10)");
	expect_windows(&h, 9, "[0,10)");
	expect_windows(&h, 10, "[10,20)");
	expect_windows(&h, -1, "[-10,0)");
	expect_windows(&h, -10, "[-10,0)");
	expect_windows(&h, -11, "[-20,-10)");
	CHECK_INT_EQ(wh_add(&h, "", 1, WM_MIN), 1);
	CHECK_INT_EQ(wh_add(&h, "", 5, WM_MIN), 1);
	CHECK_INT_EQ(wh_add(&h, "", -1, WM_MIN), 1);
	CHECK_INT_EQ(wh_add(&h, "", -10, WM_MIN), 1);
	CHECK_INT_EQ(wh_add(&h, "", -11, WM_MIN), 1);
	CHECK_INT_EQ(wh_add(&h, "", 10, WM_MIN), 1);
	CHECK_INT_EQ(wh_add(&h, "", 19, WM_MIN), 1);
	CHECK_INT_EQ(win_open_cells(h.w), 4);
	win_advance(h.w, -1);
	expect_log(&h, "tumbling W=-1", "[-20,-10):n1");
	win_advance(h.w, 0);
	expect_log(&h, "tumbling W=0", "[-10,0):n2");
	win_advance(h.w, 9);
	expect_log(&h, "tumbling W=9", "");
	win_advance(h.w, 10);
	expect_log(&h, "tumbling W=10", "[0,10):n2");
	win_flush(h.w);
	expect_log(&h, "tumbling flush", "[10,20):n2");
	CHECK_INT_EQ(win_open_cells(h.w), 0);
	CHECK_INT_EQ(win_counts(h.w)->fired, 4);
	wh_close(&h);

	/* --offset 3: start = t - ((t - 3) mod 10). */
	c = config(WIN_TUMBLING, 10, 0, 3);
	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, 2, "[-7,3)");
	expect_windows(&h, 3, "[3,13)");
	expect_windows(&h, 12, "[3,13)");
	expect_windows(&h, 13, "[13,23)");
	expect_windows(&h, -8, "[-17,-7)");
	expect_windows(&h, -7, "[-7,3)");
	wh_add(&h, "", 2, WM_MIN);
	wh_add(&h, "", 12, WM_MIN);
	wh_add(&h, "", 3, WM_MIN);
	win_flush(h.w);
	expect_log(&h, "offset 3", "[-7,3):n1|[3,13):n2");
	wh_close(&h);

	/* --offset -3. */
	c = config(WIN_TUMBLING, 10, 0, -3);
	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, 2, "[-3,7)");
	expect_windows(&h, 6, "[-3,7)");
	expect_windows(&h, 7, "[7,17)");
	expect_windows(&h, -3, "[-3,7)");
	expect_windows(&h, -4, "[-13,-3)");
	wh_close(&h);

	/* Real units: 1m windows offset by 15s. */
	c = config(WIN_TUMBLING, 60 * S, 0, 15 * S);
	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, 125 * S, "[75000000000,135000000000)");
	expect_windows(&h, -61 * S, "[-105000000000,-45000000000)");
	wh_close(&h);

	/* 1d windows: days start at midnight UTC, also before 1970. */
	c = config(WIN_TUMBLING, 86400 * S, 0, 0);
	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, INT64_C(1731405600) * S,
	    "[1731369600000000000,1731456000000000000)");
	expect_windows(&h, -1, "[-86400000000000,0)");
	wh_close(&h);
}

static void
test_hopping(void)
{
	struct win_config c = config(WIN_HOPPING, 10, 5, 0);
	struct wh h;
	int sliced, n;
	int64_t s[WIN_PER_RECORD_MAX], e[WIN_PER_RECORD_MAX];

	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, 7, "[0,10)[5,15)");
	expect_windows(&h, 5, "[0,10)[5,15)");
	expect_windows(&h, 4, "[-5,5)[0,10)");
	expect_windows(&h, -1, "[-10,0)[-5,5)");
	wh_close(&h);

	c = config(WIN_HOPPING, 10, 3, 0);
	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, 7, "[0,10)[3,13)[6,16)");
	expect_windows(&h, 0, "[-9,1)[-6,4)[-3,7)[0,10)");
	wh_close(&h);

	c = config(WIN_HOPPING, 10, 4, 0);
	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, 0, "[-8,2)[-4,6)[0,10)");
	expect_windows(&h, 1, "[-8,2)[-4,6)[0,10)");
	expect_windows(&h, 2, "[-4,6)[0,10)");
	wh_close(&h);

	c = config(WIN_HOPPING, 10, 5, 2);
	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, 7, "[2,12)[7,17)");
	expect_windows(&h, 1, "[-8,2)[-3,7)");
	wh_close(&h);

	c = config(WIN_HOPPING, 10, 5, -2);
	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, 0, "[-7,3)[-2,8)");
	expect_windows(&h, 3, "[-2,8)[3,13)");
	wh_close(&h);

	c = config(WIN_HOPPING, 10, 10, 0);
	if (wh_open(&h, &c) == -1)
		return;
	expect_windows(&h, 5, "[0,10)");
	wh_close(&h);

	/* size / slide windows per record, ascending by end. */
	c = config(WIN_HOPPING, 60 * S, S, 0);
	if (wh_open(&h, &c) == -1)
		return;
	n = win_windows_of(h.w, 90 * S + 1, s, e);
	CHECK_INT_EQ(n, 60);
	CHECK(n == 60 && s[0] == 31 * S && e[0] == 91 * S &&
	    s[59] == 90 * S && e[59] == 150 * S);
	wh_close(&h);

	/* The same events, direct and sliced: the same windows fire. */
	for (sliced = 0; sliced <= 1; sliced++) {
		c = config(WIN_HOPPING, 10, 5, 0);
		c.sliced = sliced;
		if (wh_open(&h, &c) == -1)
			return;
		CHECK_INT_EQ(wh_add(&h, "", 7, WM_MIN), 2);
		wh_add(&h, "", 3, WM_MIN);
		wh_add(&h, "", 12, WM_MIN);
		win_advance(h.w, 10);
		expect_log(&h, sliced ? "hopping sliced W=10" :
		    "hopping W=10", "[-5,5):n1|[0,10):n2");
		win_flush(h.w);
		expect_log(&h, sliced ? "hopping sliced flush" :
		    "hopping flush", "[5,15):n2|[10,20):n1");
		wh_close(&h);
	}
}

/*
 * Sliced mode is only a way of storing hopping and cumulating windows:
 * the same events, keys, watermarks and lateness must give the same
 * firings, late firings, return values and counters as direct mode.
 */
static void
sliced_same(const char *what, struct win_config c)
{
	static const char *const keys[] = { "a", "b", NULL };
	struct wh h[2];
	struct buf log[2];
	uint64_t seed;
	int64_t t, base, wm;
	int mode, i, r;

	for (mode = 0; mode < 2; mode++) {
		c.sliced = mode;
		buf_init(&log[mode]);
		if (wh_open(&h[mode], &c) == -1)
			return;
		seed = 0x9e3779b97f4a7c15ULL;
		base = -100;
		wm = WM_MIN;
		for (i = 0; i < 400; i++) {
			seed = seed * 6364136223846793005ULL +
			    1442695040888963407ULL;
			base += (int64_t)(seed >> 60);
			t = base - (int64_t)((seed >> 40) % 45);
			r = wh_add(&h[mode], keys[(seed >> 20) % 3], t, wm);
			buf_printf(&h[mode].c.log, "%s+%d",
			    h[mode].c.log.len ? "|" : "", r);
			if (i % 7 == 6 && base - 12 > wm) {
				wm = base - 12;
				win_advance(h[mode].w, wm);
			}
		}
		win_flush(h[mode].w);
		buf_add(&log[mode], h[mode].c.log.data, h[mode].c.log.len);
		buf_cstr(&log[mode]);
	}
	check_count++;
	if (strcmp(log[0].data, log[1].data) != 0) {
		size_t k = 0;

		while (log[0].data[k] == log[1].data[k])
			k++;
		check_failures++;
		fprintf(stderr, "%s: sliced differs at byte %zu:\n  direct "
		    "...%.60s\n  sliced ...%.60s\n", what, k,
		    log[0].data + (k > 20 ? k - 20 : 0),
		    log[1].data + (k > 20 ? k - 20 : 0));
	}
	CHECK(win_counts(h[0].w)->fired == win_counts(h[1].w)->fired);
	CHECK(win_counts(h[0].w)->late_firings ==
	    win_counts(h[1].w)->late_firings);
	CHECK(win_counts(h[0].w)->late_dropped ==
	    win_counts(h[1].w)->late_dropped);
	CHECK(win_counts(h[0].w)->missed == win_counts(h[1].w)->missed);
	/* The scenario has late firings and drops to compare. */
	CHECK(win_counts(h[0].w)->late_firings > 0);
	CHECK(win_counts(h[0].w)->missed > 0);
	for (mode = 0; mode < 2; mode++) {
		wh_close(&h[mode]);
		buf_release(&log[mode]);
	}
}

static void
test_sliced_same(void)
{
	struct win_config c;

	c = config(WIN_HOPPING, 10, 5, 0);
	c.lateness_ns = 4;
	sliced_same("hopping 10/5", c);
	c = config(WIN_HOPPING, 10, 4, 2);
	c.lateness_ns = 3;
	sliced_same("hopping 10/4 offset 2", c);
	c = config(WIN_HOPPING, 9, 3, -1);
	c.lateness_ns = 6;
	sliced_same("hopping 9/3 offset -1", c);
	c = config(WIN_CUMULATE, 30, 10, 0);
	c.lateness_ns = 5;
	sliced_same("cumulate 30/10", c);
	c = config(WIN_CUMULATE, 12, 4, 5);
	c.lateness_ns = 2;
	sliced_same("cumulate 12/4 offset 5", c);
}

static void
test_hopping_limit(void)
{
	struct win_config c = config(WIN_HOPPING, 4096, 1, 0);
	struct wh h;
	struct fault f;

	if (wh_open(&h, &c) == -1)
		return;
	wh_close(&h);
	c = config(WIN_HOPPING, 4097, 1, 0);
	fault_clear(&f);
	h.c.live = 0;
	CHECK(win_new(&c, &ops, &h.c, &f) == NULL);
	CHECK_INT_EQ(f.code, EX_USAGE);
}

static void
test_cumulate(void)
{
	struct win_config c;
	struct wh h;
	int sliced;

	for (sliced = 0; sliced <= 1; sliced++) {
		c = config(WIN_CUMULATE, 30, 10, 0);
		c.sliced = sliced;
		if (wh_open(&h, &c) == -1)
			return;
		expect_windows(&h, 5, "[0,10)[0,20)[0,30)");
		expect_windows(&h, 15, "[0,20)[0,30)");
		expect_windows(&h, 25, "[0,30)");
		expect_windows(&h, 30, "[30,40)[30,50)[30,60)");
		expect_windows(&h, -5, "[-30,0)");
		wh_add(&h, "", 15, WM_MIN);
		wh_add(&h, "", 5, WM_MIN);
		wh_add(&h, "", 25, WM_MIN);
		wh_add(&h, "", 31, WM_MIN);
		win_advance(h.w, 20);
		expect_log(&h, "cumulate W=20", "[0,10):n1|[0,20):n2");
		win_flush(h.w);
		expect_log(&h, "cumulate flush",
		    "[0,30):n3|[30,40):n1|[30,50):n1|[30,60):n1");
		wh_close(&h);
	}
}

static void
test_sessions(void)
{
	struct win_config c = config(WIN_SESSION, 10, 0, 0);
	struct wh h;

	/* A record that bridges two sessions merges them. */
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "k", 0, WM_MIN);
	wh_add(&h, "k", 20, WM_MIN);
	CHECK_INT_EQ(win_open_cells(h.w), 2);
	wh_add(&h, "k", 10, WM_MIN);
	CHECK_INT_EQ(win_open_cells(h.w), 1);
	win_flush(h.w);
	expect_log(&h, "session bridge", "[0,30)k:n3");
	wh_close(&h);

	/* Touching sessions merge; 1 past the end does not. */
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "", 0, WM_MIN);
	wh_add(&h, "", 10, WM_MIN);
	wh_add(&h, "", 21, WM_MIN);
	win_advance(h.w, 19);
	expect_log(&h, "session touch W=19", "");
	win_advance(h.w, 20);
	expect_log(&h, "session touch W=20", "[0,20):n2");
	win_flush(h.w);
	expect_log(&h, "session touch flush", "[21,31):n1");
	wh_close(&h);

	/* Overlap on one side, touch on the other. */
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "", 0, WM_MIN);
	wh_add(&h, "", 25, WM_MIN);
	wh_add(&h, "", 12, WM_MIN);
	CHECK_INT_EQ(win_open_cells(h.w), 3);
	wh_add(&h, "", 15, WM_MIN);
	CHECK_INT_EQ(win_open_cells(h.w), 2);
	win_flush(h.w);
	expect_log(&h, "session merge", "[0,10):n1|[12,35):n3");
	wh_close(&h);

	/* Keys have their own sessions; same end: by start, then key. */
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "a", 5, WM_MIN);
	wh_add(&h, "b", 0, WM_MIN);
	wh_add(&h, "b", 5, WM_MIN);
	wh_add(&h, "b", 20, WM_MIN);
	wh_add(&h, "a", 20, WM_MIN);
	win_advance(h.w, 15);
	expect_log(&h, "session order W=15", "[0,15)b:n2|[5,15)a:n1");
	win_flush(h.w);
	expect_log(&h, "session order flush", "[20,30)a:n1|[20,30)b:n1");
	wh_close(&h);

	/* A late record that grows a fired session: a revision. */
	c.lateness_ns = 10;
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "", 0, WM_MIN);
	win_advance(h.w, 10);
	expect_log(&h, "session fired", "[0,10):n1");
	CHECK_INT_EQ(wh_add(&h, "", 5, 10), 1);
	expect_log(&h, "session grown past W waits", "");
	win_advance(h.w, 15);
	expect_log(&h, "session grown late", "[0,15):n2L1");
	/* Inside the fired session, W < end + L: fires again at once. */
	CHECK_INT_EQ(wh_add(&h, "", 3, 15), 1);
	expect_log(&h, "session late in place", "[0,15):n3L2");
	win_advance(h.w, 25);
	/* W >= end + L: a record that only it could take is dropped. */
	CHECK_INT_EQ(wh_add(&h, "", 1, 25), 0);
	CHECK_INT_EQ(win_counts(h.w)->late_dropped, 1);
	win_flush(h.w);
	expect_log(&h, "session after drop", "");
	wh_close(&h);

	/*
	 * Lateness 0: the fired session is gone at W = its end, so a record
	 * behind W starts a session of its own, which has not fired.
	 */
	c.lateness_ns = 0;
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "", 0, WM_MIN);
	win_advance(h.w, 10);
	expect_log(&h, "session L0 fired", "[0,10):n1");
	CHECK_INT_EQ(wh_add(&h, "", 5, 10), 1);
	win_advance(h.w, 15);
	expect_log(&h, "session L0 new", "[5,15):n1");
	win_advance(h.w, 30);
	CHECK_INT_EQ(wh_add(&h, "", 6, 30), 0);
	win_flush(h.w);
	expect_log(&h, "session L0 flush", "");
	wh_close(&h);
}

static void
test_count(void)
{
	struct win_config c;
	struct wh h;

	memset(&c, 0, sizeof(c));
	c.kind = WIN_COUNT;
	c.count_n = 3;
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "", 10, WM_MIN);
	wh_add(&h, "", 20, WM_MIN);
	expect_log(&h, "count before 3", "");
	wh_add(&h, "", 30, WM_MIN);
	expect_log(&h, "count at 3", "[10,30):n3");
	wh_add(&h, "", 40, WM_MIN);
	win_advance(h.w, WM_MAX - 1);
	expect_log(&h, "count W does not fire", "");
	win_flush(h.w);
	expect_log(&h, "count flush", "[40,40):n1I");
	wh_close(&h);

	/* Keyed: each key counts its own records; times in any order. */
	c.count_n = 2;
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "a", 5, WM_MIN);
	wh_add(&h, "b", 2, WM_MIN);
	wh_add(&h, "a", 1, WM_MIN);
	expect_log(&h, "count a", "[1,5)a:n2");
	wh_add(&h, "a", 3, WM_MIN);
	wh_add(&h, "b", 6, WM_MIN);
	expect_log(&h, "count b", "[2,6)b:n2");
	win_flush(h.w);
	expect_log(&h, "count keyed flush", "[3,3)a:n1I");
	wh_close(&h);

	/* Sliding: every 2 records, the last up to 3. */
	c.count_n = 3;
	c.count_slide = 2;
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "", 1, WM_MIN);
	wh_add(&h, "", 2, WM_MIN);
	wh_add(&h, "", 3, WM_MIN);
	wh_add(&h, "", 4, WM_MIN);
	wh_add(&h, "", 5, WM_MIN);
	wh_add(&h, "", 6, WM_MIN);
	expect_log(&h, "count 3 slide 2", "[1,2):n2|[2,4):n3|[4,6):n3");
	win_flush(h.w);
	expect_log(&h, "count 3 slide 2 flush", "");
	wh_close(&h);

	c.count_n = 3;
	c.count_slide = 1;
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "", 1, WM_MIN);
	wh_add(&h, "", 2, WM_MIN);
	wh_add(&h, "", 3, WM_MIN);
	wh_add(&h, "", 4, WM_MIN);
	expect_log(&h, "count 3 slide 1",
	    "[1,1):n1|[1,2):n2|[1,3):n3|[2,4):n3");
	wh_close(&h);
}

/* --- firing order and lateness --- */

static void
test_order(void)
{
	struct win_config c = config(WIN_TUMBLING, 10, 0, 0);
	struct wh h;

	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "b", 15, WM_MIN);
	wh_add(&h, "a", 12, WM_MIN);
	wh_add(&h, "b", 3, WM_MIN);
	wh_add(&h, "a", 7, WM_MIN);
	wh_add(&h, "#5", 8, WM_MIN);
	wh_add(&h, "#-2", 8, WM_MIN);
	wh_add(&h, NULL, 9, WM_MIN);
	wh_add(&h, "#true", 1, WM_MIN);
	wh_add(&h, "A", 2, WM_MIN);
	wh_add(&h, "a", 25, WM_MIN);
	win_advance(h.w, 20);
	expect_log(&h, "order at one W",
	    "[0,10)null:n1|[0,10)true:n1|[0,10)-2:n1|[0,10)5:n1|"
	    "[0,10)A:n1|[0,10)a:n1|[0,10)b:n1|[10,20)a:n1|[10,20)b:n1");
	win_flush(h.w);
	expect_log(&h, "order flush", "[20,30)a:n1");
	wh_close(&h);
}

static void
test_lateness(void)
{
	struct win_config c = config(WIN_TUMBLING, 10, 0, 0);
	const struct win_counts *n;
	struct wh h;
	int sliced;

	for (sliced = 0; sliced <= 1; sliced++) {
		c = config(sliced ? WIN_HOPPING : WIN_TUMBLING, 10, 10, 0);
		c.lateness_ns = 5;
		c.sliced = sliced;
		if (wh_open(&h, &c) == -1)
			return;
		CHECK_INT_EQ(wh_add(&h, "", 1, WM_MIN), 1);
		win_advance(h.w, 5);
		/* Behind W, but its window has not fired: just added. */
		CHECK_INT_EQ(wh_add(&h, "", 2, 5), 1);
		expect_log(&h, "late unfired", "");
		win_advance(h.w, 10);
		expect_log(&h, "fires at end", "[0,10):n2");
		/* Fired, W < end + L: a late firing, the whole window. */
		CHECK_INT_EQ(wh_add(&h, "", 3, 10), 1);
		expect_log(&h, "late firing 1", "[0,10):n3L1");
		win_advance(h.w, 12);
		expect_log(&h, "nothing new at 12", "");
		CHECK_INT_EQ(wh_add(&h, "", 4, 12), 1);
		expect_log(&h, "late firing 2", "[0,10):n4L2");
		win_advance(h.w, 15);
		/* W >= end + L: dropped. */
		CHECK_INT_EQ(wh_add(&h, "", 5, 15), 0);
		expect_log(&h, "dropped", "");
		CHECK_INT_EQ(wh_add(&h, "", 15, 15), 1);
		n = win_counts(h.w);
		CHECK_INT_EQ(n->fired, 3);
		CHECK_INT_EQ(n->late_firings, 2);
		CHECK_INT_EQ(n->late_dropped, 1);
		CHECK_INT_EQ(n->missed, 1);
		win_flush(h.w);
		expect_log(&h, "late flush", "[10,20):n1");
		wh_close(&h);
	}

	/* Hopping: a record some of whose windows are gone. */
	c = config(WIN_HOPPING, 10, 5, 0);
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "", 1, WM_MIN);
	win_advance(h.w, 10);
	expect_log(&h, "hopping fired", "[-5,5):n1|[0,10):n1");
	CHECK_INT_EQ(wh_add(&h, "", 7, 10), 1);
	CHECK_INT_EQ(win_counts(h.w)->missed, 1);
	CHECK_INT_EQ(win_counts(h.w)->late_dropped, 0);
	CHECK_INT_EQ(wh_add(&h, "", 3, 10), 0);
	CHECK_INT_EQ(win_counts(h.w)->missed, 3);
	CHECK_INT_EQ(win_counts(h.w)->late_dropped, 1);
	win_flush(h.w);
	expect_log(&h, "hopping rest", "[5,15):n1");
	wh_close(&h);
}

static void
test_max_events(void)
{
	struct win_config c = config(WIN_TUMBLING, 10, 0, 0);
	struct wh h;

	c.max_events = 2;
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "", 2, WM_MIN);
	expect_log(&h, "max-events 1", "");
	wh_add(&h, "", 1, WM_MIN);
	expect_log(&h, "max-events 2", "[0,10):n2T");
	wh_add(&h, "", 12, WM_MIN);
	wh_add(&h, "", 5, WM_MIN);
	wh_add(&h, "", 3, WM_MIN);
	expect_log(&h, "max-events 4", "[0,10):n2T");
	wh_add(&h, "", 6, WM_MIN);
	win_flush(h.w);
	expect_log(&h, "max-events flush", "[0,10):n1T|[10,20):n1");
	wh_close(&h);

	/* Emptied exactly at the limit and nothing after: no empty firing. */
	if (wh_open(&h, &c) == -1)
		return;
	wh_add(&h, "k", 1, WM_MIN);
	wh_add(&h, "k", 2, WM_MIN);
	expect_log(&h, "max-events exact", "[0,10)k:n2T");
	win_advance(h.w, 10);
	expect_log(&h, "max-events exact at end", "");
	wh_close(&h);
}

static void
test_add_at(void)
{
	struct win_config c = config(WIN_TUMBLING, 10, 0, 0);
	struct key k = key_str("p");
	struct wh h;

	c.lateness_ns = 5;
	if (wh_open(&h, &c) == -1)
		return;
	CHECK_INT_EQ(win_add_at(h.w, 0, 10, k.b, k.n, k.h, NULL, WM_MIN,
	    &h.f), 1);
	CHECK_INT_EQ(win_add_at(h.w, 0, 10, k.b, k.n, k.h, NULL, WM_MIN,
	    &h.f), 1);
	win_advance(h.w, 10);
	expect_log(&h, "add_at fires", "[0,10)p:n2");
	CHECK_INT_EQ(win_add_at(h.w, 0, 10, k.b, k.n, k.h, NULL, 12, &h.f),
	    1);
	expect_log(&h, "add_at late", "[0,10)p:n3L1");
	win_advance(h.w, 15);
	CHECK_INT_EQ(win_add_at(h.w, 0, 10, k.b, k.n, k.h, NULL, 15, &h.f),
	    0);
	fault_clear(&h.f);
	CHECK_INT_EQ(win_add_at(h.w, 20, 20, k.b, k.n, k.h, NULL, 15, &h.f),
	    -1);
	CHECK(h.f.code != 0);
	wh_close(&h);
}

/* --- state: save, load into a fresh struct, same output after --- */

enum { A_ADD, A_ADV, A_FLUSH };

struct step {
	int		 op;
	const char	*key;
	int64_t		 t, wm;
};

static void
run_steps(struct wh *h, const struct step *s, size_t n, struct buf *log)
{
	size_t i;
	int r;

	for (i = 0; i < n; i++) {
		switch (s[i].op) {
		case A_ADD:
			r = wh_add(h, s[i].key, s[i].t, s[i].wm);
			buf_printf(&h->c.log, "%s+%d", h->c.log.len ? "|" : "",
			    r);
			break;
		case A_ADV:
			win_advance(h->w, s[i].wm);
			break;
		default:
			win_flush(h->w);
			break;
		}
	}
	if (log != NULL)
		buf_add(log, h->c.log.data, h->c.log.len);
	buf_clear(&h->c.log);
}

static void
save_load(const char *what, struct win_config c, const struct step *s1,
    size_t n1, const struct step *s2, size_t n2)
{
	struct wh a, b;
	struct buf st, la, lb;
	struct jcur jc;
	struct fault f;
	const struct win_counts *ca, *cb;

	if (wh_open(&a, &c) == -1 || wh_open(&b, &c) == -1)
		return;
	buf_init(&st);
	buf_init(&la);
	buf_init(&lb);
	run_steps(&a, s1, n1, NULL);
	win_save(a.w, &st);
	fault_clear(&f);
	jc_init(&jc, st.data, st.len, &f);
	check_count++;
	if (win_load(b.w, &jc, &f) == -1 || jc_end(&jc) != 0) {
		check_failures++;
		fprintf(stderr, "%s: win_load: %s\n", what, f.msg);
	}
	CHECK_INT_EQ(win_open_cells(b.w), win_open_cells(a.w));
	run_steps(&a, s2, n2, &la);
	run_steps(&b, s2, n2, &lb);
	buf_cstr(&la);
	buf_cstr(&lb);
	check_count++;
	if (strcmp(la.data, lb.data) != 0) {
		check_failures++;
		fprintf(stderr, "%s: after load\n  got  %s\n  want %s\n", what,
		    lb.data, la.data);
	}
	ca = win_counts(a.w);
	cb = win_counts(b.w);
	CHECK(ca->fired == cb->fired && ca->late_firings == cb->late_firings &&
	    ca->late_dropped == cb->late_dropped && ca->missed == cb->missed);
	/* The log is not empty: the scenario tests something. */
	CHECK(la.len > 20);
	buf_release(&st);
	buf_release(&la);
	buf_release(&lb);
	wh_close(&a);
	wh_close(&b);
}

static void
test_state(void)
{
	static const struct step t1[] = {
		{ A_ADD, "a", 1, WM_MIN }, { A_ADD, "b", 2, WM_MIN },
		{ A_ADD, "a", 11, WM_MIN }, { A_ADD, "b", 25, WM_MIN },
		{ A_ADV, NULL, 0, 10 },
	};
	static const struct step t2[] = {
		{ A_ADD, "a", 3, 12 }, { A_ADD, "b", 15, 12 },
		{ A_ADV, NULL, 0, 20 }, { A_ADD, "a", 4, 20 },
		{ A_ADD, "a", 18, 20 }, { A_ADD, "c", 21, 20 },
		{ A_ADV, NULL, 0, 30 }, { A_FLUSH, NULL, 0, 0 },
	};
	static const struct step s1[] = {
		{ A_ADD, "a", 0, WM_MIN }, { A_ADD, "a", 5, WM_MIN },
		{ A_ADD, "b", 3, WM_MIN }, { A_ADD, "a", 40, WM_MIN },
		{ A_ADV, NULL, 0, 16 },
	};
	static const struct step s2[] = {
		{ A_ADD, "a", 12, 16 }, { A_ADD, "b", 30, 16 },
		{ A_ADD, "a", 25, 16 }, { A_ADV, NULL, 0, 36 },
		{ A_ADD, "b", 4, 36 }, { A_FLUSH, NULL, 0, 0 },
	};
	static const struct step k1[] = {
		{ A_ADD, "a", 1, WM_MIN }, { A_ADD, "a", 2, WM_MIN },
		{ A_ADD, "b", 3, WM_MIN }, { A_ADD, "a", 4, WM_MIN },
		{ A_ADD, "a", 5, WM_MIN },
	};
	static const struct step k2[] = {
		{ A_ADD, "a", 6, WM_MIN }, { A_ADD, "b", 7, WM_MIN },
		{ A_ADD, "a", 8, WM_MIN }, { A_ADD, "b", 9, WM_MIN },
		{ A_FLUSH, NULL, 0, 0 },
	};
	struct win_config c;

	c = config(WIN_TUMBLING, 10, 0, 0);
	c.lateness_ns = 10;
	save_load("tumbling", c, t1, NELEM(t1), t2, NELEM(t2));
	c = config(WIN_HOPPING, 10, 5, 0);
	c.lateness_ns = 10;
	save_load("hopping", c, t1, NELEM(t1), t2, NELEM(t2));
	c.sliced = 1;
	save_load("hopping sliced", c, t1, NELEM(t1), t2, NELEM(t2));
	c = config(WIN_CUMULATE, 20, 10, 0);
	c.lateness_ns = 5;
	c.sliced = 1;
	save_load("cumulate sliced", c, t1, NELEM(t1), t2, NELEM(t2));
	c = config(WIN_TUMBLING, 10, 0, 0);
	c.max_events = 2;
	save_load("max-events", c, t1, NELEM(t1), t2, NELEM(t2));
	c = config(WIN_SESSION, 10, 0, 0);
	c.lateness_ns = 10;
	save_load("session", c, s1, NELEM(s1), s2, NELEM(s2));
	memset(&c, 0, sizeof(c));
	c.kind = WIN_COUNT;
	c.count_n = 3;
	c.count_slide = 2;
	save_load("count", c, k1, NELEM(k1), k2, NELEM(k2));
}

/* A load of something that is not window state fails cleanly. */
static void
test_load_bad(void)
{
	static const char *const bad[] = {
		"", "{}", "[]", "{\"fired_upto\":0}",
		"{\"fired_upto\":0,\"next_sid\":0,\"counts\":[0,0,0,0],"
		    "\"cells\":[[\"zz\",0,10,1,0,0,0,0,0,0,1]],\"aux\":[]}",
		"{\"fired_upto\":0,\"next_sid\":0,\"counts\":[0,0,0,0],"
		    "\"cells\":[[\"00\",0,10,1,0,0,0,0,0,0,1]],\"aux\":[]}",
		"{\"fired_upto\":0,\"next_sid\":0,\"counts\":[0,0,0],"
		    "\"cells\":[],\"aux\":[]}",
	};
	struct win_config c = config(WIN_TUMBLING, 10, 0, 0);
	struct jcur jc;
	struct fault f;
	struct wh h;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		if (wh_open(&h, &c) == -1)
			return;
		fault_clear(&f);
		jc_init(&jc, bad[i], strlen(bad[i]), &f);
		check_count++;
		if (win_load(h.w, &jc, &f) != -1 || f.code == 0) {
			check_failures++;
			fprintf(stderr, "win_load(%s) accepted\n", bad[i]);
		}
		wh_close(&h);
	}
}

int
main(void)
{
	test_tumbling();
	test_hopping();
	test_hopping_limit();
	test_sliced_same();
	test_cumulate();
	test_sessions();
	test_count();
	test_order();
	test_lateness();
	test_max_events();
	test_add_at();
	test_state();
	test_load_bad();
	return check_done("test_window");
}
