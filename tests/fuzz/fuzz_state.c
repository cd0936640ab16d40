/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_state.c - state files: section framing and checksum, window cells
 * and dedupe sets read back, never trusted.
 *
 * The input is tried as a whole snapshot (state_check) and as the
 * tool-state JSON of stream-window-like windows (tumbling, session and
 * count, with a counting payload) and of a dedupe set.  Whatever loads
 * must save to text that loads again and saves to the same bytes, and
 * firing everything afterwards must not crash.
 */
#include "fuzz_common.h"

#include "buf.h"
#include "dedupe.h"
#include "fault.h"
#include "jcur.h"
#include "state.h"
#include "window.h"

static void p_init(void *c, void *p) { (void)c; memset(p, 0, 8); }
static void p_add(void *c, void *p, const void *e, int64_t t)
{ (void)c; (void)e; (void)t; ++*(int64_t *)p; }
static void p_merge(void *c, void *d, const void *s)
{ (void)c; *(int64_t *)d += *(const int64_t *)s; }
static void p_release(void *c, void *p) { (void)c; (void)p; }
static void p_emit(void *c, const struct win_fired *w, const void *p)
{ (void)c; (void)w; (void)p; }
static void p_encode(void *c, const void *p, struct buf *b)
{ (void)c; buf_json_i64(b, *(const int64_t *)p); }
static int
p_decode(void *c, void *p, struct jcur *j, struct fault *f)
{
	(void)c;
	(void)f;
	if (jc_int(j, (int64_t *)p) == -1)
		return -1;
	return *(int64_t *)p < 0 ? jc_fail(j, "negative") : 0;
}
static size_t p_bytes(void *c, const void *p) { (void)c; (void)p; return 0; }

static const struct win_ops ops = {
	8, p_init, p_add, p_merge, p_release, p_emit, p_encode, p_decode,
	p_bytes
};

static void
windows(const uint8_t *d, size_t n, enum win_kind k)
{
	struct win_config cfg;
	struct windows *w, *w2;
	struct buf a, b;
	struct fault f;
	struct jcur j;

	memset(&cfg, 0, sizeof(cfg));
	cfg.kind = k;
	cfg.size_ns = 10000000000;
	cfg.count_n = 3;
	cfg.lateness_ns = 5000000000;
	w = win_new(&cfg, &ops, NULL, &f);
	CHECK(w != NULL);
	jc_init(&j, (const char *)d, n, &f);
	if (win_load(w, &j, &f) == 0) {
		buf_init(&a);
		buf_init(&b);
		win_save(w, &a);
		w2 = win_new(&cfg, &ops, NULL, &f);
		jc_init(&j, a.data, a.len, &f);
		CHECK(win_load(w2, &j, &f) == 0);
		win_save(w2, &b);
		CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
		win_advance(w2, 1731405600000000000);
		win_flush(w2);
		win_free(w2);
		buf_release(&a);
		buf_release(&b);
	}
	win_free(w);
}

static void
dedupe(const uint8_t *d, size_t n)
{
	struct dedupe *dd = dd_new(1000000000), *d2;
	struct buf a, b;
	struct fault f;
	struct jcur j;

	CHECK(dd != NULL);
	jc_init(&j, (const char *)d, n, &f);
	if (dd_load(dd, &j) == 0) {
		buf_init(&a);
		buf_init(&b);
		dd_save(dd, &a);
		d2 = dd_new(1000000000);
		jc_init(&j, a.data, a.len, &f);
		CHECK(dd_load(d2, &j) == 0);
		dd_save(d2, &b);
		CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
		dd_evict(d2, INT64_MAX);
		dd_free(d2);
		buf_release(&a);
		buf_release(&b);
	}
	dd_free(dd);
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct fault f;

	(void)state_check((const char *)d, n, &f);
	windows(d, n, WIN_TUMBLING);
	windows(d, n, WIN_SESSION);
	windows(d, n, WIN_COUNT);
	dedupe(d, n);
	return 0;
}
