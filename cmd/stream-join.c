/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * stream-join: join the left stream with the right stream on a key.
 *
 * What the three joins do, and when rows come out, is join.h's story.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "join.h"
#include "kcat.h"
#include "key.h"
#include "opts.h"
#include "out.h"
#include "par.h"
#include "reader.h"
#include "record.h"
#include "run.h"
#include "sat.h"
#include "source.h"
#include "stage.h"

struct jtool {
	struct opts	 o;
	enum join_mode	 mode;
	struct fields	*fl[2];
	struct keyspec	 key[2];
	struct join	*J;
	struct source	*src;
	struct run	 run;
	struct buf	 kb;
	char		*right[2];	/* the reader keeps pointing at it */
	struct join_pace pace;		/* when W goes out */
	int		 warned;
	struct join_keys jk;		/* -j N: what the workers read */
	struct par_tool	 tool;		/* -j N: the workers' part */
};

/* The join itself, once the source (and its counters) exist. */
static void
make_join(struct jtool *T)
{
	const struct opts *o = &T->o;
	struct join_config c;

	memset(&c, 0, sizeof(c));
	c.mode = T->mode;
	c.outer_left = o->join_type == JOIN_LEFT || o->join_type == JOIN_FULL;
	c.outer_right = o->join_type == JOIN_RIGHT ||
	    o->join_type == JOIN_FULL;
	c.lo_ns = o->within_set ? -o->within_ns : o->between_lo_ns;
	c.hi_ns = o->within_set ? o->within_ns : o->between_hi_ns;
	c.lateness_ns = o->lateness_ns;
	c.nest = o->nest;
	c.prefix = o->prefix_right;
	c.out = out_sink(out_stdout);
	c.out_count = &src_counters(T->src)->out;
	c.nkeys = T->key[0].n;
	T->J = join_new(&c, NULL);
	/* A --right file is read whole before the table is used. */
	if (T->mode == JOIN_TABLE && rd_regular(o->right))
		join_set_loading(T->J, 1);
}

static void
event(void *ctx, struct src_event *ev)
{
	struct jtool *T = ctx;
	const struct watermark *wm = src_wm(T->src);
	struct join_left jl;
	const char *key;
	size_t keylen;
	int64_t t = ev->rec.time_ns;
	int side = ev->side, r, i;
	static const int ahead[3] = { 24, 16, 8 };
	const struct par_prep *a;
	struct fault f;

	/* Joined on a decode thread: only the writing is left. */
	if (side == 0 && ev->prep != NULL && ev->prep_fault == NULL &&
	    (ev->prep->verdict & JOIN_PREP_DONE)) {
		join_take_done(T->J, (int)ev->prep->auxn, ev->prep->out,
		    ev->prep->outlen);
		return;
	}
	if (T->mode != JOIN_TABLE &&
	    t < sat_sub_ns(wm->group_wm_ns[side], T->o.lateness_ns)) {
		join_late(T->J, side);
		src_late(T->src, ev);
		return;
	}
	if (ev->prep != NULL && ev->prep_fault == NULL) {
		key = ev->prep->verdict ? ev->prep->key : NULL;
		keylen = ev->prep->keylen;
	} else {
		key = key_encode_nonnull(&T->key[side], &ev->rec, &T->kb);
		keylen = T->kb.len;
	}
	/* The table's memory for the rows ahead, in three steps. */
	for (i = 0; T->mode == JOIN_TABLE && ev->prep != NULL && i < 3; i++)
		if ((a = src_peek(T->src, ahead[i])) != NULL &&
		    a->verdict == 1)
			join_prefetch(T->J, a->hash, i);
	if (ev->prep != NULL && ev->prep_fault == NULL &&
	    ev->prep->out != NULL) {
		jl.text = ev->prep->out;
		jl.len = ev->prep->outlen;
		jl.names = ev->prep->aux;
		jl.nnames = (uint32_t)ev->prep->auxn;
		r = join_probe_left(T->J, t, key, keylen, ev->out_p,
		    ev->out_len, &jl, &f);
	} else {
		r = join_row(T->J, side, t, key, keylen, ev->out_p,
		    ev->out_len, &f);
	}
	if (r == -1)
		diag_die(&f);
	if (r == 1 && !T->warned++)
		diag_warn("the --right file is still loading after %zu MiB of "
		    "left input; joining with the rows read so far",
		    JOIN_HELD_MAX >> 20);
}

/* A kcat tombstone on the right of --table: delete the key's row. */
static void
tombstone(void *ctx, struct src_event *ev)
{
	struct jtool *T = ctx;

	if (T->mode == JOIN_TABLE && ev->side == 1 && ev->env != NULL)
		join_tombstone(T->J, ev->env->key, ev->env->keylen);
}

static void
advance(void *ctx, int64_t w)
{
	struct jtool *T = ctx;

	join_pace_advance(&T->pace, w);
}

static int
may_forward(void *ctx, int64_t w, int tick)
{
	struct jtool *T = ctx;

	return join_pace_may_forward(&T->pace, w, tick);
}

/* The left (the FILEs) and the right (--right), read at once. */
static void
open_source(struct jtool *T)
{
	const struct opts *o = &T->o;
	struct src_side s[2];
	char **streams[2] = { o->args, T->right };

	memset(s, 0, sizeof(s));
	s[0].fields = T->fl[0];
	s[0].time_path = o->left_time;
	s[0].kcat = o->kcat;
	/* A --table join reads time only for a watermark of its own. */
	s[0].need_time = o->max_delay_ns >= 0 || o->idle_ns > 0 ||
	    o->processing_time || T->mode != JOIN_TABLE ?
	    SRC_TIME_NEEDED : SRC_TIME_NONE;
	s[1].fields = T->fl[1];
	s[1].time_path = o->right_time;
	s[1].kcat = o->right_kcat;
	s[1].group = 1;
	s[1].tombstones = T->mode == JOIN_TABLE && o->right_kcat;
	s[1].need_time = T->mode != JOIN_TABLE ? SRC_TIME_NEEDED :
	    SRC_TIME_NONE;
	/*
	 * A --right file is the whole table before a left row is read:
	 * no left row is held back while it loads (make_join()).
	 */
	s[1].first = T->mode == JOIN_TABLE && rd_regular(o->right);
	T->jk.mode = T->mode;
	T->jk.key[0] = &T->key[0];
	T->jk.key[1] = &T->key[1];
	join_par_tool(&T->jk, &T->tool);
	s[0].tool = s[1].tool = &T->tool;
	T->right[0] = (char *)o->right;
	T->run.o = o;
	run_open(&T->run, streams, s, 2);
	T->src = T->run.src;
}

int
main(int argc, char *argv[])
{
	static struct jtool T;
	static struct run_hooks h = { .event = event, .advance = advance,
	    .may_forward = may_forward, .tombstone = tombstone };
	struct fault f;
	int rc;

	diag_init("stream-join");
	opt_parse(&T.o, T_JOIN, argc, argv);
	T.mode = T.o.table ? JOIN_TABLE : T.o.as_of ? JOIN_ASOF :
	    JOIN_INTERVAL;
	T.fl[0] = rec_fields_new();
	T.fl[1] = rec_fields_new();
	if (key_init_pairs(&T.key[0], &T.key[1], T.o.on, T.fl[0], T.fl[1],
	    &f) == -1)
		opt_usage_error(&T.o, "%s", f.msg);
	buf_init(&T.kb);
	open_source(&T);
	make_join(&T);
	if (T.mode == JOIN_TABLE)
		T.jk.J = T.J;
	join_pace_init(&T.pace, T.J, T.src, T.mode);
	T.run.h = &h;
	T.run.ctx = &T;
	T.run.stage = &join_stage;
	T.run.obj = T.J;
	rc = run_loop(&T.run);
	join_free(T.J);
	src_free(T.src);
	key_release(&T.key[0]);
	key_release(&T.key[1]);
	rec_fields_free(T.fl[0]);
	rec_fields_free(T.fl[1]);
	buf_release(&T.kb);
	opt_release(&T.o);
	return rc;
}
