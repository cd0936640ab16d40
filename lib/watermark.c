/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * watermark.c - per-channel watermarks combined by minimum.
 */
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "sat.h"
#include "watermark.h"
#include "xmalloc.h"

void
wm_init(struct watermark *w, int64_t delay_ns, int64_t idle_ns)
{
	int g;

	memset(w, 0, sizeof(*w));
	w->wm_ns = WM_MIN;
	w->max_ns = WM_MIN;
	for (g = 0; g < WM_GROUPS_MAX; g++)
		w->group_wm_ns[g] = WM_MIN;
	w->delay_ns = delay_ns;
	w->idle_ns = idle_ns;
}

void
wm_release(struct watermark *w)
{
	free(w->ch);
	w->ch = NULL;
	w->nch = w->cap = 0;
}

int
wm_channel_add(struct watermark *w, int group, int64_t now_ms,
    struct fault *f)
{
	struct wm_channel *c;

	if (w->nch == WM_CHANNELS_MAX)
		return fault_set(f, EX_DATAERR, "more than %d input channels",
		    WM_CHANNELS_MAX);
	if (w->nch == w->cap) {
		int cap = w->cap ? w->cap * 2 : 8;

		w->ch = xrealloc(w->ch, sizeof(*w->ch) * (size_t)cap);
		w->cap = cap;
	}
	c = &w->ch[w->nch];
	memset(c, 0, sizeof(*c));
	c->max_ns = c->inband_ns = c->wm_ns = WM_MIN;
	c->last_ms = now_ms;
	c->group = group;
	if (group >= w->ngroups)
		w->ngroups = group + 1;
	return w->nch++;
}

/* A channel's own W from what it has seen. */
static int64_t
channel_wm(const struct watermark *w, const struct wm_channel *c)
{
	int64_t cand = WM_MIN;

	if (c->inband_ns != WM_MIN)
		cand = c->inband_ns;
	else if (w->delay_ns >= 0 && c->max_ns != WM_MIN)
		cand = sat_sub_ns(c->max_ns, w->delay_ns);
	return cand > c->wm_ns ? cand : c->wm_ns;
}

/*
 * Minimum over the active channels of group g (g < 0: all).  With no
 * active channel the newest time seen stands in: idle inputs release
 * what they held back.
 */
static int64_t
combine(const struct watermark *w, int g)
{
	int64_t min = WM_MAX, max = WM_MIN;
	int i, active = 0, any = 0;

	for (i = 0; i < w->nch; i++) {
		const struct wm_channel *c = &w->ch[i];

		if (g >= 0 && c->group != g)
			continue;
		any = 1;
		if (c->max_ns > max)
			max = c->max_ns;
		if (c->inband_ns > max)
			max = c->inband_ns;
		if (c->ended || c->idle)
			continue;
		active = 1;
		if (c->wm_ns < min)
			min = c->wm_ns;
	}
	if (active)
		return min;
	if (!any)
		return WM_MIN;
	for (i = 0; i < w->nch; i++)
		if ((g < 0 || w->ch[i].group == g) && !w->ch[i].ended)
			return max;
	/*
	 * Every input ended: W stays where it is, as at the end of a single
	 * input.  What is still open fires at the end unless --state keeps
	 * it for the next run, which must not find W at the end of time.
	 */
	return WM_MIN;
}

static int
recompute(struct watermark *w)
{
	int64_t cand;
	int g, moved = 0;

	for (g = 0; g < w->ngroups && w->ngroups > 1; g++) {
		cand = combine(w, g);
		if (cand > w->group_wm_ns[g])
			w->group_wm_ns[g] = cand;
	}
	cand = combine(w, -1);
	if (cand > w->wm_ns) {
		w->wm_ns = cand;
		moved = 1;
	}
	if (w->ngroups <= 1)
		w->group_wm_ns[0] = w->wm_ns;
	return moved;
}

static void
arrived(struct watermark *w, struct wm_channel *c, int64_t now_ms)
{
	c->last_ms = now_ms;
	c->idle = 0;
}

/*
 * After a restore (state.h): the per-group watermarks follow from the
 * restored channels.  Without this they would stay at WM_MIN until a
 * record moved its channel, and an out-of-order record, which moves
 * none, would escape the lateness test of its side (stream-join).
 */
void
wm_restored(struct watermark *w)
{
	recompute(w);
}

int
wm_observe(struct watermark *w, int ci, int64_t t, int64_t now_ms)
{
	struct wm_channel *c = &w->ch[ci];
	int64_t old;

	arrived(w, c, now_ms);
	if (w->max_ns != WM_MIN && t < w->max_ns) {
		int64_t d;

		if (__builtin_sub_overflow(w->max_ns, t, &d))
			d = INT64_MAX;
		if (d > w->disorder_ns)
			w->disorder_ns = d;
	}
	if (t > w->max_ns)
		w->max_ns = t;
	if (t <= c->max_ns)
		return 0;
	c->max_ns = t;
	old = c->wm_ns;
	c->wm_ns = channel_wm(w, c);
	if (c->wm_ns == old && w->nch == 1)
		return 0;
	return recompute(w);
}

int
wm_inband(struct watermark *w, int ci, int64_t mark, int64_t now_ms)
{
	struct wm_channel *c = &w->ch[ci];

	arrived(w, c, now_ms);
	w->inband_seen = 1;
	if (mark <= c->inband_ns)
		return 0;
	c->inband_ns = mark;
	c->wm_ns = channel_wm(w, c);
	return recompute(w);
}

int
wm_channel_end(struct watermark *w, int ci)
{
	w->ch[ci].ended = 1;
	return recompute(w);
}

int
wm_tick(struct watermark *w, int64_t now_ms)
{
	int i, changed = 0;

	if (w->idle_ns <= 0)
		return 0;
	for (i = 0; i < w->nch; i++) {
		struct wm_channel *c = &w->ch[i];

		if (!c->idle && !c->ended &&
		    (now_ms - c->last_ms) * 1000000 >= w->idle_ns) {
			c->idle = 1;
			changed = 1;
		}
	}
	return changed ? recompute(w) : 0;
}

int
wm_advance_to(struct watermark *w, int64_t t)
{
	int g;

	for (g = 0; g < WM_GROUPS_MAX; g++)
		if (t > w->group_wm_ns[g])
			w->group_wm_ns[g] = t;
	if (t <= w->wm_ns)
		return 0;
	w->wm_ns = t;
	return 1;
}

void
wm_finish(struct watermark *w)
{
	wm_advance_to(w, WM_MAX);
}

int64_t
wm_idle_in_ms(const struct watermark *w, int64_t now_ms)
{
	int64_t best = -1, idle_ms = (w->idle_ns + 999999) / 1000000, left;
	int i;

	if (w->idle_ns <= 0)
		return -1;
	for (i = 0; i < w->nch; i++) {
		const struct wm_channel *c = &w->ch[i];

		if (c->idle || c->ended)
			continue;
		left = c->last_ms + idle_ms - now_ms;
		if (left < 0)
			left = 0;
		if (best < 0 || left < best)
			best = left;
	}
	return best;
}
