/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_watermark.c - unit tests for lib/watermark.c.
 *
 * Each scenario is worked out by hand from SPEC 4 and watermark.h: a
 * channel's W is its highest in-band mark, else its newest time minus
 * --max-delay, else the minimum; the combined W is the minimum over the
 * channels that are neither idle nor ended, the newest time seen when
 * all are idle; every W only goes forward.  Wall-clock time is a fake
 * now_ms passed in.  Cases that could overflow int64 run in a child
 * process, so that a sanitizer abort there is reported as a failed
 * check instead of ending the whole program.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "check.h"
#include "fault.h"
#include "watermark.h"

static int
add(struct watermark *w, int group, int64_t now_ms)
{
	struct fault f;
	int c;

	fault_clear(&f);
	c = wm_channel_add(w, group, now_ms, &f);
	if (c < 0)
		fprintf(stderr, "wm_channel_add: %s\n", f.msg);
	return c;
}

/* Run fn in a child; it passes when the child's checks all pass. */
static void
in_child(const char *what, void (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(stderr);
	fflush(stdout);
	check_count++;
	if ((pid = fork()) == -1) {
		check_failures++;
		perror("fork");
		return;
	}
	if (pid == 0) {
		fn();
		_exit(check_failures > 0 ? 1 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		check_failures++;
		fprintf(stderr, "%s: the child %s\n", what, WIFSIGNALED(st) ?
		    "was killed by a signal" : "failed");
	}
}

static void
test_one_channel(void)
{
	struct watermark w;
	int c;

	wm_init(&w, 10, 0);
	CHECK_INT_EQ(w.wm_ns, WM_MIN);
	CHECK_INT_EQ(w.max_ns, WM_MIN);
	c = add(&w, 0, 0);
	CHECK_INT_EQ(c, 0);
	CHECK_INT_EQ(w.wm_ns, WM_MIN);
	CHECK_INT_EQ(wm_observe(&w, c, 100, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 90);
	CHECK_INT_EQ(w.max_ns, 100);
	CHECK_INT_EQ(wm_observe(&w, c, 95, 0), 0);
	CHECK_INT_EQ(w.wm_ns, 90);
	CHECK_INT_EQ(w.disorder_ns, 5);
	CHECK_INT_EQ(wm_observe(&w, c, 100, 0), 0);
	CHECK_INT_EQ(wm_observe(&w, c, 150, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 140);
	CHECK_INT_EQ(wm_observe(&w, c, 50, 0), 0);
	CHECK_INT_EQ(w.wm_ns, 140);
	CHECK_INT_EQ(w.max_ns, 150);
	CHECK_INT_EQ(w.disorder_ns, 100);
	CHECK_INT_EQ(wm_observe(&w, c, 120, 0), 0);
	CHECK_INT_EQ(w.disorder_ns, 100);
	CHECK_INT_EQ(wm_is_late(&w, 139), 1);
	CHECK_INT_EQ(wm_is_late(&w, 140), 0);
	CHECK_INT_EQ(wm_is_late(&w, 141), 0);
	CHECK_INT_EQ(w.group_wm_ns[0], 140);
	CHECK_INT_EQ(w.ch[c].max_ns, 150);
	CHECK_INT_EQ(w.ch[c].wm_ns, 140);
	CHECK_INT_EQ(w.inband_seen, 0);
	wm_finish(&w);
	CHECK_INT_EQ(w.wm_ns, WM_MAX);
	wm_release(&w);

	/* Delay 0: W is the newest time. */
	wm_init(&w, 0, 0);
	c = add(&w, 0, 0);
	CHECK_INT_EQ(wm_observe(&w, c, 5, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 5);
	CHECK_INT_EQ(wm_observe(&w, c, 4, 0), 0);
	CHECK_INT_EQ(w.wm_ns, 5);
	CHECK_INT_EQ(wm_observe(&w, c, -3, 0), 0);
	CHECK_INT_EQ(w.disorder_ns, 8);
	wm_release(&w);

	/* No --max-delay: no progress until the end. */
	wm_init(&w, -1, 0);
	c = add(&w, 0, 0);
	CHECK_INT_EQ(wm_observe(&w, c, 100, 0), 0);
	CHECK_INT_EQ(wm_observe(&w, c, 1000000, 0), 0);
	CHECK_INT_EQ(w.wm_ns, WM_MIN);
	CHECK_INT_EQ(w.max_ns, 1000000);
	CHECK_INT_EQ(wm_is_late(&w, INT64_MIN + 1), 0);
	CHECK_INT_EQ(wm_tick(&w, 1000000), 0);
	CHECK_INT_EQ(w.wm_ns, WM_MIN);
	wm_finish(&w);
	CHECK_INT_EQ(w.wm_ns, WM_MAX);
	wm_release(&w);
}

/* Subtracting the delay near INT64_MIN must not wrap. */
static void
test_edges(void)
{
	struct watermark w;
	int c;

	wm_init(&w, 10, 0);
	c = add(&w, 0, 0);
	CHECK_INT_EQ(wm_observe(&w, c, INT64_MIN + 5, 0), 0);
	CHECK_INT_EQ(w.wm_ns, WM_MIN);
	CHECK_INT_EQ(wm_observe(&w, c, INT64_MIN + 10, 0), 0);
	CHECK_INT_EQ(w.wm_ns, INT64_MIN);
	CHECK_INT_EQ(wm_observe(&w, c, INT64_MIN + 11, 0), 1);
	CHECK_INT_EQ(w.wm_ns, INT64_MIN + 1);
	CHECK_INT_EQ(wm_observe(&w, c, INT64_MAX, 0), 1);
	CHECK_INT_EQ(w.wm_ns, INT64_MAX - 10);
	CHECK_INT_EQ(w.max_ns, INT64_MAX);
	wm_release(&w);

	wm_init(&w, INT64_MAX, 0);
	c = add(&w, 0, 0);
	CHECK_INT_EQ(wm_observe(&w, c, -5, 0), 0);
	CHECK_INT_EQ(w.wm_ns, WM_MIN);
	CHECK_INT_EQ(wm_observe(&w, c, 0, 0), 1);
	CHECK_INT_EQ(w.wm_ns, -INT64_MAX);
	CHECK_INT_EQ(wm_observe(&w, c, INT64_MAX, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 0);
	wm_release(&w);

	wm_init(&w, 0, 0);
	c = add(&w, 0, 0);
	CHECK_INT_EQ(wm_observe(&w, c, INT64_MAX, 0), 1);
	CHECK_INT_EQ(w.wm_ns, INT64_MAX);
	CHECK_INT_EQ(wm_inband(&w, c, INT64_MAX, 0), 0);
	wm_release(&w);
}

/*
 * A record far behind the newest: the disorder is more than int64 can
 * hold; it must not wrap (it stays the largest value, saturated).
 */
static void
disorder_overflow(void)
{
	struct watermark w;
	int c;

	wm_init(&w, 0, 0);
	c = add(&w, 0, 0);
	wm_observe(&w, c, INT64_MAX, 0);
	wm_observe(&w, c, 0, 0);
	CHECK_INT_EQ(w.disorder_ns, INT64_MAX);
	wm_observe(&w, c, -1, 0);
	CHECK_INT_EQ(w.disorder_ns, INT64_MAX);
	wm_observe(&w, c, INT64_MIN + 1, 0);
	CHECK_INT_EQ(w.disorder_ns, INT64_MAX);
	CHECK_INT_EQ(w.wm_ns, INT64_MAX);
	wm_release(&w);
}

static void
test_inband(void)
{
	struct watermark w;
	int c;

	wm_init(&w, 10, 0);
	c = add(&w, 0, 0);
	CHECK_INT_EQ(wm_observe(&w, c, 100, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 90);
	/* A mark below W: W never goes back. */
	CHECK_INT_EQ(wm_inband(&w, c, 50, 0), 0);
	CHECK_INT_EQ(w.wm_ns, 90);
	CHECK_INT_EQ(w.inband_seen, 1);
	/* Now the channel's marks rule: --max-delay no longer moves it. */
	CHECK_INT_EQ(wm_observe(&w, c, 200, 0), 0);
	CHECK_INT_EQ(w.wm_ns, 90);
	CHECK_INT_EQ(w.max_ns, 200);
	CHECK_INT_EQ(wm_inband(&w, c, 150, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 150);
	CHECK_INT_EQ(wm_inband(&w, c, 120, 0), 0);
	CHECK_INT_EQ(wm_inband(&w, c, 150, 0), 0);
	CHECK_INT_EQ(w.wm_ns, 150);
	CHECK_INT_EQ(w.ch[c].inband_ns, 150);
	CHECK_INT_EQ(wm_inband(&w, c, 300, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 300);
	CHECK_INT_EQ(wm_observe(&w, c, 1000, 0), 0);
	CHECK_INT_EQ(w.wm_ns, 300);
	CHECK_INT_EQ(wm_is_late(&w, 299), 1);
	wm_release(&w);

	/* Marks without --max-delay. */
	wm_init(&w, -1, 0);
	c = add(&w, 0, 0);
	CHECK_INT_EQ(wm_inband(&w, c, 5, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 5);
	CHECK_INT_EQ(wm_observe(&w, c, 100, 0), 0);
	CHECK_INT_EQ(w.wm_ns, 5);
	wm_release(&w);

	/* Marks on one channel leave the others on --max-delay. */
	wm_init(&w, 0, 0);
	add(&w, 0, 0);
	add(&w, 0, 0);
	CHECK_INT_EQ(wm_inband(&w, 0, 500, 0), 0);
	CHECK_INT_EQ(w.wm_ns, WM_MIN);
	CHECK_INT_EQ(wm_observe(&w, 1, 200, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 200);
	CHECK_INT_EQ(wm_observe(&w, 0, 900, 0), 0);
	CHECK_INT_EQ(wm_observe(&w, 1, 700, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 500);
	wm_release(&w);
}

static void
test_channels(void)
{
	struct watermark w;

	wm_init(&w, 0, 0);
	CHECK_INT_EQ(add(&w, 0, 0), 0);
	CHECK_INT_EQ(add(&w, 0, 0), 1);
	CHECK_INT_EQ(add(&w, 0, 0), 2);
	CHECK_INT_EQ(w.nch, 3);
	CHECK_INT_EQ(wm_observe(&w, 0, 100, 0), 0);
	CHECK_INT_EQ(wm_observe(&w, 1, 50, 0), 0);
	CHECK_INT_EQ(w.wm_ns, WM_MIN);
	CHECK_INT_EQ(wm_observe(&w, 2, 70, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 50);
	CHECK_INT_EQ(wm_observe(&w, 1, 200, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 70);
	CHECK_INT_EQ(wm_observe(&w, 2, 300, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 100);
	CHECK_INT_EQ(w.max_ns, 300);
	/* A record behind another channel's newest counts as disorder. */
	CHECK_INT_EQ(w.disorder_ns, 50);
	CHECK_INT_EQ(wm_observe(&w, 0, 120, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 120);
	CHECK_INT_EQ(w.disorder_ns, 180);
	wm_release(&w);

	/* Ended channels no longer hold W back. */
	wm_init(&w, 0, 0);
	add(&w, 0, 0);
	add(&w, 0, 0);
	wm_observe(&w, 0, 100, 0);
	wm_observe(&w, 1, 50, 0);
	CHECK_INT_EQ(w.wm_ns, 50);
	CHECK_INT_EQ(wm_channel_end(&w, 1), 1);
	CHECK_INT_EQ(w.wm_ns, 100);
	CHECK_INT_EQ(wm_observe(&w, 0, 150, 0), 1);
	CHECK_INT_EQ(w.wm_ns, 150);
	wm_release(&w);

	/* Every channel ended: W stays, it does not jump to the end. */
	wm_init(&w, 0, 0);
	add(&w, 0, 0);
	add(&w, 0, 0);
	wm_observe(&w, 0, 100, 0);
	wm_observe(&w, 1, 50, 0);
	wm_channel_end(&w, 0);
	CHECK_INT_EQ(w.wm_ns, 50);
	CHECK_INT_EQ(wm_channel_end(&w, 1), 0);
	CHECK_INT_EQ(w.wm_ns, 50);
	wm_release(&w);

	/* A channel that has seen nothing holds W at the minimum. */
	wm_init(&w, 0, 0);
	add(&w, 0, 0);
	add(&w, 0, 0);
	CHECK_INT_EQ(wm_observe(&w, 0, 100, 0), 0);
	CHECK_INT_EQ(w.wm_ns, WM_MIN);
	wm_release(&w);
}

static void
test_idle(void)
{
	struct watermark w;

	wm_init(&w, 0, INT64_C(1000000000));	/* --idle 1s */
	add(&w, 0, 0);
	add(&w, 0, 0);
	wm_observe(&w, 0, 100, 0);
	wm_observe(&w, 1, 50, 0);
	CHECK_INT_EQ(w.wm_ns, 50);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 0), 1000);
	CHECK_INT_EQ(wm_tick(&w, 500), 0);
	CHECK_INT_EQ(w.wm_ns, 50);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 500), 500);
	CHECK_INT_EQ(wm_observe(&w, 0, 200, 900), 0);
	CHECK_INT_EQ(w.wm_ns, 50);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 950), 50);
	CHECK_INT_EQ(wm_tick(&w, 999), 0);
	CHECK_INT_EQ(w.wm_ns, 50);
	/* Channel 1 has been quiet for 1s: it no longer holds W back. */
	CHECK_INT_EQ(wm_tick(&w, 1000), 1);
	CHECK_INT_EQ(w.ch[1].idle, 1);
	CHECK_INT_EQ(w.ch[0].idle, 0);
	CHECK_INT_EQ(w.wm_ns, 200);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 1000), 900);
	/* It wakes up behind W: W stays, the record is late. */
	CHECK_INT_EQ(wm_observe(&w, 1, 60, 1100), 0);
	CHECK_INT_EQ(w.ch[1].idle, 0);
	CHECK_INT_EQ(w.wm_ns, 200);
	CHECK_INT_EQ(wm_is_late(&w, 60), 1);
	CHECK_INT_EQ(wm_observe(&w, 1, 300, 1200), 0);
	CHECK_INT_EQ(w.wm_ns, 200);
	CHECK_INT_EQ(wm_observe(&w, 0, 400, 1300), 1);
	CHECK_INT_EQ(w.wm_ns, 300);
	/* All idle: W goes to the newest time seen. */
	CHECK_INT_EQ(wm_tick(&w, 5000), 1);
	CHECK_INT_EQ(w.wm_ns, 400);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 5000), -1);
	CHECK_INT_EQ(wm_tick(&w, 6000), 0);
	CHECK_INT_EQ(wm_observe(&w, 0, 500, 5100), 1);
	CHECK_INT_EQ(w.wm_ns, 500);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 5100), 1000);
	wm_release(&w);

	/* One channel with a delay: idleness releases the held-back part. */
	wm_init(&w, 10, INT64_C(2000000000));
	add(&w, 0, 1000);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 1000), 2000);
	wm_observe(&w, 0, 100, 1000);
	CHECK_INT_EQ(w.wm_ns, 90);
	CHECK_INT_EQ(wm_tick(&w, 2999), 0);
	CHECK_INT_EQ(wm_tick(&w, 3000), 1);
	CHECK_INT_EQ(w.wm_ns, 100);
	wm_release(&w);

	/* --idle rounds up to whole ms when asked how long to wait. */
	wm_init(&w, 0, INT64_C(1500000));
	add(&w, 0, 10);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 10), 2);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 100), 0);
	wm_release(&w);

	/* --idle off: nothing turns idle. */
	wm_init(&w, 0, 0);
	add(&w, 0, 0);
	wm_observe(&w, 0, 100, 0);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 0), -1);
	CHECK_INT_EQ(wm_tick(&w, INT64_C(1000000000)), 0);
	CHECK_INT_EQ(w.ch[0].idle, 0);
	wm_release(&w);

	/* An ended channel is not waited for. */
	wm_init(&w, 0, INT64_C(1000000000));
	add(&w, 0, 0);
	add(&w, 0, 500);
	wm_channel_end(&w, 0);
	CHECK_INT_EQ(wm_idle_in_ms(&w, 600), 900);
	wm_release(&w);
}

static void
test_groups(void)
{
	struct watermark w;

	wm_init(&w, 0, 0);
	add(&w, 0, 0);
	add(&w, 0, 0);
	add(&w, 1, 0);
	CHECK_INT_EQ(w.ngroups, 2);
	wm_observe(&w, 0, 100, 0);
	wm_observe(&w, 1, 80, 0);
	CHECK_INT_EQ(w.group_wm_ns[0], 80);
	CHECK_INT_EQ(w.group_wm_ns[1], WM_MIN);
	CHECK_INT_EQ(w.wm_ns, WM_MIN);
	CHECK_INT_EQ(wm_observe(&w, 2, 50, 0), 1);
	CHECK_INT_EQ(w.group_wm_ns[1], 50);
	CHECK_INT_EQ(w.wm_ns, 50);
	wm_observe(&w, 2, 500, 0);
	CHECK_INT_EQ(w.group_wm_ns[1], 500);
	CHECK_INT_EQ(w.group_wm_ns[0], 80);
	CHECK_INT_EQ(w.wm_ns, 80);
	wm_observe(&w, 1, 90, 0);
	CHECK_INT_EQ(w.group_wm_ns[0], 90);
	CHECK_INT_EQ(w.wm_ns, 90);
	/* Group W only goes forward too. */
	wm_inband(&w, 2, 10, 0);
	CHECK_INT_EQ(w.group_wm_ns[1], 500);
	CHECK_INT_EQ(wm_advance_to(&w, 1000), 1);
	CHECK_INT_EQ(w.wm_ns, 1000);
	CHECK_INT_EQ(w.group_wm_ns[0], 1000);
	CHECK_INT_EQ(w.group_wm_ns[1], 1000);
	CHECK_INT_EQ(wm_advance_to(&w, 10), 0);
	CHECK_INT_EQ(w.wm_ns, 1000);
	wm_finish(&w);
	CHECK_INT_EQ(w.wm_ns, WM_MAX);
	CHECK_INT_EQ(w.group_wm_ns[0], WM_MAX);
	CHECK_INT_EQ(w.group_wm_ns[1], WM_MAX);
	wm_release(&w);
}

static void
test_capacity(void)
{
	struct watermark w;
	struct fault f;
	int i, bad = 0;

	wm_init(&w, 0, 0);
	for (i = 0; i < WM_CHANNELS_MAX; i++)
		if (wm_channel_add(&w, 0, 0, &f) != i)
			bad++;
	CHECK_INT_EQ(bad, 0);
	fault_clear(&f);
	CHECK_INT_EQ(wm_channel_add(&w, 0, 0, &f), -1);
	CHECK(f.code != 0 && f.msg[0] != '\0');
	CHECK_INT_EQ(w.nch, WM_CHANNELS_MAX);
	wm_release(&w);
	CHECK(w.ch == NULL && w.nch == 0);
}

int
main(void)
{
	test_one_channel();
	test_edges();
	in_child("disorder near the int64 edges", disorder_overflow);
	test_inband();
	test_channels();
	test_idle();
	test_groups();
	test_capacity();
	return check_done("test_watermark");
}
