/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_WATERMARK_H
#define SK_WATERMARK_H
/*
 * watermark.h - how far event time has provably advanced.
 *
 * The watermark W says "no record older than W is still expected"
 * (SPEC 4).  Input arrives on channels: one per input stream, or one per
 * Kafka topic-partition under --kcat.  Each channel has its own W: the
 * highest in-band {"@watermark"} it carried, or else its newest event
 * time minus --max-delay, or else the minimum until end of input.  The
 * combined W is the minimum over channels that are neither idle (no
 * input for --idle of wall clock) nor ended; when every channel is idle,
 * W moves to the newest time seen, releasing the held-back disorder.
 * Channels can be put in groups (stream-join's two sides) and a group's
 * own W asked for.  Every W only goes forward.  This module knows
 * nothing of windows or output: callers ask where W is and decide.
 * Plain data owned by the caller; state.c saves it field by field.
 */
#include <stdint.h>

#define WM_MIN		INT64_MIN	/* nothing known yet */
#define WM_MAX		INT64_MAX	/* end of input: everything fires */
#define WM_CHANNELS_MAX	65536
#define WM_GROUPS_MAX	4

struct fault;

struct wm_channel {
	int64_t	max_ns;		/* newest event time, WM_MIN if none */
	int64_t	inband_ns;	/* highest in-band mark, WM_MIN if none */
	int64_t	wm_ns;		/* this channel's W */
	int64_t	last_ms;	/* monotonic ms of the last arrival */
	int	group;
	int	idle;
	int	ended;
};

struct watermark {
	int64_t	 wm_ns;		/* combined W */
	int64_t	 group_wm_ns[WM_GROUPS_MAX];
	int64_t	 max_ns;	/* newest event time over all channels */
	int64_t	 delay_ns;	/* --max-delay; -1: not given */
	int64_t	 idle_ns;	/* --idle; 0: off */
	int64_t	 disorder_ns;	/* most a record was behind max_ns */
	int	 ngroups;
	int	 nch;
	int	 cap;
	struct wm_channel *ch;
	int	 inband_seen;	/* some input carried @watermark records */
};

void	wm_init(struct watermark *, int64_t delay_ns, int64_t idle_ns);
void	wm_release(struct watermark *);
/* A new channel in group g; its index, or -1 when full. */
int	wm_channel_add(struct watermark *, int group, int64_t now_ms,
	    struct fault *);
/* An event at t arrived on channel c.  Returns 1 when W moved. */
int	wm_observe(struct watermark *, int c, int64_t t_ns, int64_t now_ms);
/* The channels were restored from a snapshot: derive the groups' W. */
void	wm_restored(struct watermark *);
/* An in-band mark arrived on channel c.  Returns 1 when W moved. */
int	wm_inband(struct watermark *, int c, int64_t mark_ns, int64_t now_ms);
/* Channel c has ended (its input closed). */
int	wm_channel_end(struct watermark *, int c);
/* Wall-clock progress: idleness.  Returns 1 when W moved. */
int	wm_tick(struct watermark *, int64_t now_ms);
/* Force W forward (processing time, restored state). */
int	wm_advance_to(struct watermark *, int64_t w_ns);
/* End of input: W becomes WM_MAX. */
void	wm_finish(struct watermark *);
/* ms until some channel turns idle, -1 when none will. */
int64_t	wm_idle_in_ms(const struct watermark *, int64_t now_ms);
static inline int
wm_is_late(const struct watermark *w, int64_t t_ns)
{
	return t_ns < w->wm_ns;
}
#endif
