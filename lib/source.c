/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * source.c - the shared read loop: lines, envelopes, marks, event time.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "clock.h"
#include "fault.h"
#include "hash.h"
#include "jcur.h"
#include "kcat.h"
#include "par.h"
#include "key.h"
#include "kpart.h"
#include "path.h"
#include "reader.h"
#include "sat.h"
#include "sink.h"
#include "source.h"
#include "timeparse.h"
#include "xmalloc.h"

struct side {
	struct parser	*ev;		/* the event's paths */
	struct parser	*env;		/* the envelope's, with --kcat */
	struct fields	*envfl;
	struct fields	*fields;	/* the event's, borrowed */
	int		 kslots[KC_NSLOTS];
	int		 time_slot;	/* -1: processing time or @kafka */
	int		 time_kafka;
	const char	*time_text;
	int		 kcat;
	int		 channel;	/* without --kcat */
	int		 group;
	int		 tombstones;
	int		 need_time;
	struct par_tool	*tool;
};

/*
 * --shard I/N: the records of the other shards are passed over from their
 * raw bytes (rec_scan_top): the --by key and the event time when both are
 * plain top-level fields, else the line is parsed as usual.  The time
 * still moves the watermark, so every shard's W is one process's W.
 */
struct skip {
	int		 fast;		/* the paths are top-level keys */
	int		 nkeys;
	const char	*names[KEY_PATHS_MAX + 1];
	size_t		 lens[KEY_PATHS_MAX + 1];
	struct rec_span	 spans[KEY_PATHS_MAX + 1];
	int		 time;		/* index of the time key, or -1 */
	uint64_t	 missing;	/* hash of a key with no values */
	struct path	*paths;
	struct buf	 kb;
};

struct source {
	struct src_config cfg;
	struct reader	*rd;
	struct par	*par;		/* -j N: the lines come from it */
	int		 par_tried;
	int		 whole_blocks;	/* a stop waits for a block's end */
	struct arena	*arena;
	struct watermark wm;
	struct side	*sides;
	int		 nsides;
	struct sink	*errout;
	struct sink	*lateout;
	struct src_counters cnt;
	struct kcat_part *parts;
	int		 nparts, capparts, lastpart;
	int		 curpart;	/* the envelope's, in take() */
	int		*pre;		/* --partitions: channel per partition */
	unsigned char	*pre_bound;	/* ... taken by a topic-partition */
	struct kcat_env	 env;
	int64_t		 deadline_ms;
	unsigned	 tick;
	int		 processing;
	int		 need_clock;
	int		 forced;	/* -1 never, 0 auto, 1 always */
	int64_t		 wm_written;	/* last W written, as truncated */
	struct timefmt	 markfmt;
	struct skip	*skip;		/* --shard */
	int		(*raw)(void *, const char *, size_t, int);
	void		*raw_ctx;
};

/* A path that is one object key: its name. */
static int
top_key(const struct path *p, const char **name, size_t *len)
{
	if (p->nsteps != 1 || p->steps[0].key == NULL)
		return 0;
	*name = p->steps[0].key;
	*len = p->steps[0].keylen;
	return 1;
}

static int
skip_open(struct source *S, struct fault *f)
{
	const struct src_config *o = &S->cfg;
	struct side *sd = &S->sides[0];
	struct skip *k;
	struct path tp;
	int i;

	if (o->shard_n == 0 || o->by == NULL)
		return 0;
	S->skip = k = xcalloc(1, sizeof(*k));
	buf_init(&k->kb);
	k->time = -1;
	if ((k->nkeys = path_parse_list(o->by, &k->paths, f)) == -1)
		return -1;
	for (i = 0; i < k->nkeys; i++)
		buf_addc(&k->kb, 'n');
	k->missing = hash_bytes(k->kb.data, k->kb.len);
	k->fast = S->nsides == 1 && !sd->kcat && !S->processing &&
	    k->nkeys <= KEY_PATHS_MAX;
	for (i = 0; k->fast && i < k->nkeys; i++)
		k->fast = top_key(&k->paths[i], &k->names[i], &k->lens[i]);
	if (k->fast && sd->time_slot >= 0) {
		if (path_parse(&tp, sd->time_text, f) == -1)
			return -1;
		k->fast = top_key(&tp, &k->names[k->nkeys],
		    &k->lens[k->nkeys]);
		/* The name points into the path: keep it in the list. */
		if (k->fast) {
			k->names[k->nkeys] = xstrndup(k->names[k->nkeys],
			    k->lens[k->nkeys]);
			k->time = k->nkeys;
		}
		path_release(&tp);
	}
	return 0;
}

static void
skip_free(struct skip *k)
{
	if (k == NULL)
		return;
	if (k->time >= 0)
		free((char *)k->names[k->time]);
	path_free_list(k->paths, k->nkeys > 0 ? k->nkeys : 0);
	buf_release(&k->kb);
	free(k);
}

static int
side_init(struct source *S, struct side *sd, const struct src_side *cfg,
    struct fault *f)
{
	const struct src_config *o = &S->cfg;
	struct path p;

	sd->kcat = cfg->kcat;
	sd->fields = cfg->fields;
	sd->group = cfg->group;
	sd->tombstones = cfg->tombstones;
	sd->need_time = cfg->need_time;
	sd->tool = cfg->tool;
	sd->time_text = cfg->time_path != NULL ? cfg->time_path : o->time_path;
	sd->time_slot = -1;
	if (strcmp(sd->time_text, "@kafka") == 0) {
		if (!sd->kcat)
			return fault_set(f, EX_USAGE, "--time @kafka needs "
			    "kcat envelopes");
		sd->time_kafka = 1;
	} else if (!o->processing_time && sd->need_time) {
		if (path_parse(&p, sd->time_text, f) == -1) {
			fault_prefix(f, "--time");
			return -1;
		}
		sd->time_slot = rec_fields_add(cfg->fields, &p, f);
		path_release(&p);
		if (sd->time_slot == -1)
			return -1;
	}
	if ((sd->ev = rec_parser_new(cfg->fields, S->arena, f)) == NULL)
		return -1;
	if (sd->kcat) {
		sd->envfl = rec_fields_new();
		if (kcat_fields(sd->envfl, sd->kslots, f) == -1)
			return -1;
		if ((sd->env = rec_parser_new(sd->envfl, S->arena, f)) == NULL)
			return -1;
	}
	return 0;
}

/*
 * --partitions N: a channel for each of partitions 0..N-1 of side 0
 * before any record, each holding W at its minimum until its partition
 * is seen (it takes the channel over) or it is idle past --idle, so a
 * backlog that kcat delivers a partition at a time fires nothing early.
 */
static int
pre_open(struct source *S, struct fault *f)
{
	int i, n = S->cfg.partitions;

	if (n <= 0 || S->nsides < 1 || !S->sides[0].kcat)
		return 0;
	S->pre = xcalloc((size_t)n, sizeof(*S->pre));
	S->pre_bound = xcalloc((size_t)n, 1);
	for (i = 0; i < n; i++)
		if ((S->pre[i] = wm_channel_add(&S->wm, S->sides[0].group,
		    clock_mono_ms(), f)) == -1)
			return -1;
	return 0;
}

struct source *
src_open(const struct src_config *o, char **const *streams,
    const struct src_side *cfg, int nsides, struct fault *f)
{
	struct rd_config rc;
	struct source *S;
	int i;

	S = xcalloc(1, sizeof(*S));
	S->sides = xcalloc((size_t)nsides, sizeof(*S->sides));
	S->arena = arena_new();
	S->cfg = *o;
	S->nsides = nsides;
	S->processing = o->processing_time;
	S->need_clock = o->idle_ns > 0 || o->processing_time;
	S->forced = o->watermarks;
	S->wm_written = WM_MIN;
	S->markfmt.kind = TP_AUTO;
	wm_init(&S->wm, o->processing_time && o->max_delay_ns < 0 ? 0 :
	    o->max_delay_ns, o->idle_ns);
	for (i = 0; i < nsides; i++) {
		if (side_init(S, &S->sides[i], &cfg[i], f) == -1)
			goto fail;
		if (!S->sides[i].kcat && (S->sides[i].channel =
		    wm_channel_add(&S->wm, cfg[i].group, clock_mono_ms(),
		    f)) == -1)
			goto fail;
	}
	if (pre_open(S, f) == -1)
		goto fail;
	if (o->errors_path != NULL &&
	    (S->errout = o->sink_open(o->arg, o->errors_path, f)) == NULL)
		goto fail;
	if (o->late_path != NULL &&
	    (S->lateout = o->sink_open(o->arg, o->late_path, f)) == NULL)
		goto fail;
	memset(&rc, 0, sizeof(rc));
	rc.line_max = o->max_line_bytes;
	rc.flush = o->wait;
	rc.flush_arg = o->arg;
	rc.spill = S->errout;
	rc.wake_fd = o->wake_fd;
	if ((S->rd = rd_open(streams, nsides, &rc, f)) == NULL)
		goto fail;
	for (i = 0; i < nsides; i++)
		if (cfg[i].first)
			rd_first(S->rd, i);
	if (skip_open(S, f) == -1)
		goto fail;
	return S;
fail:
	src_free(S);
	return NULL;
}

void
src_free(struct source *S)
{
	int i;

	if (S == NULL)
		return;
	for (i = 0; S->sides != NULL && i < S->nsides; i++) {
		rec_parser_free(S->sides[i].ev);
		rec_parser_free(S->sides[i].env);
		rec_fields_free(S->sides[i].envfl);
	}
	for (i = 0; i < S->nparts; i++) {
		free(S->parts[i].topic);
		free(S->parts[i].ich);
	}
	free(S->parts);
	free(S->pre);
	free(S->pre_bound);
	free(S->sides);
	if (S->errout != NULL)
		S->cfg.sink_close(S->cfg.arg, S->errout);
	if (S->lateout != NULL)
		S->cfg.sink_close(S->cfg.arg, S->lateout);
	par_free(S->par);
	rd_free(S->rd);
	skip_free(S->skip);
	arena_free(S->arena);
	wm_release(&S->wm);
	free(S);
}

/*
 * --instances N: the topic-partition's channel is instance 0's, and
 * N - 1 more, held at the minimum until their instance's marks come.
 */
static int
inst_channels(struct source *S, struct kcat_part *p, struct fault *f)
{
	int i, n = S->cfg.instances;

	if (n <= 0)
		return 0;
	p->ich = xmalloc((size_t)n * sizeof(int));
	p->ich[0] = p->channel;
	for (i = 1; i < n; i++)
		if ((p->ich[i] = wm_channel_add(&S->wm, S->sides[p->stream].group,
		    clock_mono_ms(), f)) == -1)
			return -1;
	return 0;
}

/* The channel of a topic-partition, created on first sight. */
static struct kcat_part *
part_get(struct source *S, int stream, const char *topic, size_t tlen,
    int64_t partition, struct fault *f)
{
	struct kcat_part *p;
	int i;

	for (i = 0; i < S->nparts; i++) {
		int k = (S->lastpart + i) % S->nparts;

		p = &S->parts[k];
		if (p->partition == partition && p->stream == stream &&
		    strlen(p->topic) == tlen &&
		    memcmp(p->topic, topic, tlen) == 0) {
			S->lastpart = k;
			return p;
		}
	}
	if (S->nparts == SRC_PARTITIONS_MAX)
		return fault_null(f, EX_DATAERR, "more than %d partitions",
		    SRC_PARTITIONS_MAX);
	if (S->nparts == S->capparts) {
		int cap = S->capparts ? S->capparts * 2 : 16;

		S->parts = xrealloc(S->parts, sizeof(*p) * (size_t)cap);
		S->capparts = cap;
	}
	p = &S->parts[S->nparts];
	memset(p, 0, sizeof(*p));
	p->topic = xstrndup(topic, tlen);
	p->stream = stream;
	p->partition = partition;
	p->offset = -1;
	if (stream == 0 && S->pre != NULL && partition >= 0 &&
	    partition < S->cfg.partitions && !S->pre_bound[partition]) {
		p->channel = S->pre[partition];
		S->pre_bound[partition] = 1;
	} else {
		p->channel = wm_channel_add(&S->wm, S->sides[stream].group,
		    clock_mono_ms(), f);
	}
	if (p->channel == -1 || inst_channels(S, p, f) == -1) {
		free(p->topic);
		free(p->ich);
		return NULL;
	}
	S->lastpart = S->nparts;
	return &S->parts[S->nparts++];
}

int
src_part_restore(struct source *S, int stream, const char *topic,
    int64_t partition, int64_t offset, struct fault *f)
{
	struct kcat_part *p;

	if (stream < 0 || stream >= S->nsides || !S->sides[stream].kcat)
		return fault_set(f, EX_CONFIG, "Kafka offsets for an input "
		    "that is not --kcat");
	p = part_get(S, stream, topic, strlen(topic), partition, f);
	if (p == NULL)
		return -1;
	p->offset = offset;
	return 0;
}

static void
errout_line(struct source *S, const char *p, size_t n)
{
	if (S->errout != NULL)
		sink_line(S->errout, p, n);
}

/*
 * SKIP_OTHER when the line is another shard's (its time, when readable,
 * moved the watermark), SKIP_OURS when its key is this shard's, SKIP_UNREAD
 * when the key could not be read without a parse.
 */
enum { SKIP_UNREAD, SKIP_OURS, SKIP_OTHER };

static int
skip_other(struct source *S, const char *p, size_t n, int ch, int64_t now)
{
	struct skip *k = S->skip;
	const struct rec_span *v;
	struct fault f;
	int64_t t;
	int i;

	if (rec_scan_top(p, n, k->names, k->lens, k->nkeys +
	    (k->time >= 0), k->spans) == -1)
		return SKIP_UNREAD;
	buf_clear(&k->kb);
	for (i = 0; i < k->nkeys; i++) {
		v = &k->spans[i];
		if (key_encode_raw(&k->kb, v->p, v->n, v->esc) == -1)
			return SKIP_UNREAD;
	}
	if (key_shard_keeps(hash_bytes(k->kb.data, k->kb.len), S->cfg.shard_i,
	    S->cfg.shard_n))
		return SKIP_OURS;
	S->cnt.in++;
	if (k->time < 0)
		return SKIP_OTHER;
	v = &k->spans[k->time];
	if (v->p == NULL || v->esc)
		return SKIP_OTHER;	/* its shard says what is wrong */
	if (*v->p == '"' ? tp_from_string(&S->cfg.time_fmt, v->p + 1,
	    v->n - 2, &t, &f) : tp_from_number(&S->cfg.time_fmt, v->p, v->n,
	    &t, &f))
		return SKIP_OTHER;
	wm_observe(&S->wm, ch, t, now);
	return SKIP_OTHER;
}

/* The time in the side's time slot; S and sd are only read. */
static int
slot_time(const struct source *S, const struct side *sd,
    const struct record *rec, int64_t *t, struct fault *f)
{
	const struct value *v = &rec->v[sd->time_slot];

	switch (v->type) {
	case V_NUMBER:
		return tp_from_number(&S->cfg.time_fmt, v->raw, v->rawlen, t, f);
	case V_STRING:
		return tp_from_string(&S->cfg.time_fmt, v->s, v->slen, t, f);
	case V_MISSING:
		return fault_set(f, EX_DATAERR, "no time field %s",
		    sd->time_text);
	default:
		return fault_set(f, EX_DATAERR, "time field %s is %s",
		    sd->time_text, v->type == V_NULL ? "null" :
		    val_type_name(v->type));
	}
}

static int
event_time(struct source *S, struct side *sd, struct src_event *ev,
    int64_t *t, struct fault *f)
{
	if (S->processing) {
		*t = clock_wall_ns();
		return 0;
	}
	if (sd->time_kafka) {
		if (!S->env.has_ts)
			return fault_set(f, EX_DATAERR, "kcat envelope has no "
			    "\"ts\"");
		if (__builtin_mul_overflow(S->env.ts_ms, 1000000, t))
			return fault_set(f, EX_DATAERR, "time out of range");
		return 0;
	}
	return slot_time(S, sd, &ev->rec, t, f);
}

static int
mark_time(struct source *S, const struct value *v, int64_t *t,
    struct fault *f)
{
	if (v->type == V_STRING)
		return tp_from_string(&S->markfmt, v->s, v->slen, t, f);
	if (v->type == V_NUMBER)
		return tp_from_number(&S->markfmt, v->raw, v->rawlen, t, f);
	return fault_set(f, EX_DATAERR, "bad @watermark: expected a time");
}

/*
 * --instances N: the channel of the instance whose mark this is, from
 * its "@from":[I,N] on the envelope's topic-partition.
 */
static int
mark_channel(struct source *S, const struct value *v, int *ch,
    struct fault *f)
{
	struct jcur jc;
	int64_t i, n;

	if (v->type == V_MISSING)
		return fault_set(f, EX_DATAERR, "bad @watermark: no \"@from\" "
		    "(--instances reads the marks of stream-agg --instance)");
	jc_init(&jc, v->raw, v->rawlen, f);
	if (jc_begin_array(&jc) == -1 || jc_element(&jc, "@from") == -1 ||
	    jc_int(&jc, &i) == -1 || jc_element(&jc, "@from") == -1 ||
	    jc_int(&jc, &n) == -1 || jc_closing(&jc, "@from") == -1 ||
	    jc_end(&jc) != 0) {
		fault_prefix(f, "bad @watermark");
		return -1;
	}
	if (n != S->cfg.instances || i < 0 || i >= n)
		return fault_set(f, EX_DATAERR, "bad @watermark: from instance "
		    "%lld/%lld, and --instances is %d", (long long)i,
		    (long long)n, S->cfg.instances);
	*ch = S->parts[S->curpart].ich[i];
	return 0;
}

/* Open a kcat envelope; 1 when the record is to be skipped. */
static int
open_envelope(struct source *S, struct side *sd, const struct line *l,
    struct src_event *ev, int *channel, struct fault *f)
{
	struct kcat_part *p;

	if (rec_parse(sd->env, l->p, l->len, &ev->rec, f) == -1)
		return -1;
	if (kcat_decode(&ev->rec, sd->kslots, S->arena, &S->env, f) == -1)
		return -1;
	p = part_get(S, l->stream, S->env.topic, S->env.topiclen,
	    S->env.partition, f);
	if (p == NULL)
		return -1;
	if (S->env.offset <= p->offset) {
		S->cnt.replayed++;
		return 1;
	}
	p->offset = S->env.offset;
	*channel = p->channel;
	S->curpart = (int)(p - S->parts);
	ev->env = &S->env;	/* tombstones too: their key says what goes */
	if (S->env.tombstone) {
		S->cnt.tombstones++;
		return sd->tombstones ? 2 : 1;
	}
	return 0;
}

/*
 * One line to an event, a mark or a partial.  Returns an SRC_ code, or
 * -1 for "skip this line".
 */
static int
take(struct source *S, const struct line *l, const struct par_rec *pre,
    struct src_event *ev, struct fault *f)
{
	struct side *sd = &S->sides[l->stream];
	const char *p = l->p;
	size_t n = l->len;
	int64_t t, now = S->need_clock ? clock_mono_ms() : 0;
	int ch = sd->channel, r, sk = SKIP_UNREAD;

	arena_reset(S->arena);
	ev->env = NULL;
	ev->side = l->stream;
	ev->prep = NULL;
	ev->prep_fault = NULL;
	if (sd->kcat) {
		if ((r = open_envelope(S, sd, l, ev, &ch, f)) != 0)
			return r == 1 ? -1 : r == 2 ? SRC_TOMBSTONE : SRC_BAD;
		p = S->env.payload;
		n = S->env.payloadlen;
	}
	if (S->skip != NULL && S->skip->fast && !sd->kcat) {
		t = S->wm.wm_ns;
		if ((sk = skip_other(S, p, n, ch, now)) == SKIP_OTHER)
			return S->wm.wm_ns != t ? SRC_MOVED : -1;
	}
	if (S->raw != NULL && !sd->kcat && S->raw(S->raw_ctx, p, n,
	    l->stream))
		return -1;
	if (pre != NULL) {
		/* Parsed on a decode thread (-j N): no kcat, no --shard. */
		if (!pre->ok) {
			*f = *pre->fault;
			return SRC_BAD;
		}
		ev->rec = pre->rec;
		if (pre->prepped && sd->tool != NULL) {
			ev->prep = &pre->prep;
			ev->prep_fault = pre->prep_fault;
		}
	} else if (rec_parse(sd->ev, p, n, &ev->rec, f) == -1) {
		/*
		 * A bad line is its key's shard's to report; one whose key
		 * could not be read, the shard of the missing key's.
		 */
		if (S->skip != NULL && sk != SKIP_OURS &&
		    !key_shard_keeps(S->skip->missing, S->cfg.shard_i,
		    S->cfg.shard_n))
			return -1;
		return SRC_BAD;
	}
	ev->rec.lineno = l->lineno;
	ev->rec.stream = l->stream;
	ev->out_p = S->cfg.keep_envelope ? l->p : p;
	ev->out_len = S->cfg.keep_envelope ? l->len : n;
	if (ev->rec.kind == REC_WATERMARK) {
		if (mark_time(S, &ev->rec.v[REC_SLOT_WATERMARK], &t, f) == -1)
			return SRC_BAD;
		if (S->cfg.instances > 0 && sd->kcat && mark_channel(S,
		    &ev->rec.v[REC_SLOT_FROM], &ch, f) == -1)
			return SRC_BAD;
		S->cnt.marks++;
		wm_inband(&S->wm, ch, t, now);
		return SRC_WATERMARK;
	}
	if (ev->rec.kind == REC_PARTIAL)
		return SRC_PARTIAL;
	if (sd->need_time == SRC_TIME_NONE) {
		ev->rec.time_ns = SRC_NO_TIME;
		S->cnt.in++;
		return SRC_EVENT;
	}
	if (pre != NULL && pre->timed) {
		r = 0;
		t = pre->time_ns;
		if (pre->time_fault != NULL) {
			*f = *pre->time_fault;
			r = -1;
		}
	} else {
		r = event_time(S, sd, ev, &t, f);
	}
	if (r == -1) {
		if (sd->need_time == SRC_TIME_NEEDED)
			return SRC_BAD;
		ev->rec.time_ns = SRC_NO_TIME;
		S->cnt.in++;
		return SRC_EVENT;
	}
	ev->rec.time_ns = t;
	if (S->processing)
		wm_advance_to(&S->wm, sat_sub_ns(t, S->cfg.max_delay_ns > 0 ?
		    S->cfg.max_delay_ns : 0));
	else
		wm_observe(&S->wm, ch, t, now);
	S->cnt.in++;
	return SRC_EVENT;
}

void
src_set_raw(struct source *S, int (*fn)(void *, const char *, size_t, int),
    void *ctx)
{
	S->raw = fn;
	S->raw_ctx = ctx;
}

static int
timeout_ms(struct source *S)
{
	int64_t now = clock_mono_ms(), t = -1, idle;

	if (S->deadline_ms > 0)
		t = S->deadline_ms > now ? S->deadline_ms - now : 0;
	idle = wm_idle_in_ms(&S->wm, now);
	if (idle >= 0 && (t < 0 || idle + 5 < t))
		t = idle + 5;
	if (S->processing && (t < 0 || t > 1000))
		t = 1000;
	return t > INT32_MAX ? INT32_MAX : (int)t;
}

static void
ticked(struct source *S)
{
	int64_t now = clock_mono_ms();

	wm_tick(&S->wm, now);
	if (S->processing)
		wm_advance_to(&S->wm, sat_sub_ns(clock_wall_ns(),
		    S->cfg.max_delay_ns > 0 ? S->cfg.max_delay_ns : 0));
}

/* While records stream: idleness of other inputs, and deadlines. */
static int
periodic(struct source *S)
{
	int64_t now;

	if (S->deadline_ms <= 0 && S->wm.idle_ns <= 0 && !S->processing)
		return 0;
	now = clock_mono_ms();
	if (S->wm.idle_ns > 0 && wm_tick(&S->wm, now))
		return 1;
	if (S->processing)
		ticked(S);
	return S->deadline_ms > 0 && now >= S->deadline_ms;
}

/* One input of several has ended: it no longer holds W back. */
static int
stream_end(struct source *S, int stream)
{
	int i, k;

	if (!S->sides[stream].kcat) {
		wm_channel_end(&S->wm, S->sides[stream].channel);
		return SRC_TICK;
	}
	for (i = 0; i < S->nparts; i++) {
		if (S->parts[i].stream != stream)
			continue;
		wm_channel_end(&S->wm, S->parts[i].channel);
		for (k = 1; k < S->cfg.instances; k++)
			wm_channel_end(&S->wm, S->parts[i].ich[k]);
	}
	for (i = 0; stream == 0 && S->pre != NULL && i < S->cfg.partitions;
	    i++)
		if (!S->pre_bound[i])
			wm_channel_end(&S->wm, S->pre[i]);
	return SRC_TICK;
}

/*
 * -j N: decode on threads when what take() does before the parse needs
 * no order and what it does after it needs nothing but the parse: one
 * input or a join's two, no kcat envelopes (offsets, per-partition channels), no
 * --shard skipping, no raw look (--merge), no wall clock in the
 * semantics (--idle, --processing-time).  Anything else reads on one
 * thread, as -j 1, rather than risk a difference.
 */
/* par.h's time hook: slot_time() on a decode thread; 1: not here. */
static int
worker_time(void *arg, const struct record *rec, int64_t *t,
    struct fault *f)
{
	const struct source *S = arg;
	const struct side *sd = &S->sides[rec->stream];

	if (sd->need_time == SRC_TIME_NONE || sd->time_slot < 0)
		return 1;
	return slot_time(S, sd, rec, t, f);
}

_Static_assert(SRC_NO_TIME == PAR_NO_TIME, "one value for no time");

static int
par_open(struct source *S, struct fault *f)
{
	struct par_config pc;
	struct par_tool *tool = NULL;
	int i;

	S->par_tried = 1;
	if (S->cfg.threads < 2 || S->nsides > PAR_STREAMS_MAX ||
	    S->skip != NULL || S->raw != NULL || S->processing ||
	    S->cfg.idle_ns > 0)
		return 0;
	memset(&pc, 0, sizeof(pc));
	for (i = 0; i < S->nsides; i++) {
		if (S->sides[i].kcat)
			return 0;
		if (S->sides[i].tool != NULL) {
			if (tool != NULL && tool != S->sides[i].tool)
				return 0;
			tool = S->sides[i].tool;
		}
		pc.fields[i] = S->sides[i].fields;
		if (S->sides[i].need_time != SRC_TIME_NONE &&
		    S->sides[i].time_slot >= 0) {
			pc.time = worker_time;
			pc.time_arg = S;
		}
	}
	pc.nstreams = S->nsides;
	pc.nthreads = S->cfg.threads;
	pc.block_bytes = S->cfg.block_bytes;
	pc.spill = S->errout;
	pc.flush = S->cfg.wait;
	pc.flush_arg = S->cfg.arg;
	pc.stop = S->cfg.stop;
	if (tool != NULL) {
		tool->untimed = S->sides[0].need_time == SRC_TIME_OPTIONAL;
		pc.tool = tool;
	}
	if ((S->par = par_start(S->rd, &pc, f)) == NULL)
		return -1;
	return 0;
}

int
src_next(struct source *S, struct src_event *ev, struct fault *f)
{
	const struct par_rec *pre = NULL;
	struct line l;
	int r;

	if (!S->par_tried && par_open(S, f) == -1)
		return SRC_FATAL;
	for (;;) {
		if (S->cfg.stop != NULL && *S->cfg.stop &&
		    !(S->whole_blocks && S->par != NULL &&
		    par_mid_block(S->par)))
			return SRC_STOP;
		if ((++S->tick & 1023) == 0 && periodic(S))
			return SRC_TICK;
		if (S->par != NULL)
			r = par_next(S->par, &l, &pre, timeout_ms(S), f);
		else
			r = rd_next(S->rd, &l, timeout_ms(S), f);
		switch (r) {
		case RD_LINE:
			r = take(S, &l, pre, ev, f);
			if (r == -1)
				continue;
			if (r == SRC_BAD) {
				f->line = l.lineno;
				if (rd_many_files(S->rd))
					fault_prefix(f, l.file);
				S->cnt.bad++;
				errout_line(S, l.p, l.len);
			}
			return r;
		case RD_OVERSIZE:
			fault_set(f, EX_DATAERR, "longer than --max-line-bytes "
			    "(%zu)", S->cfg.max_line_bytes);
			f->line = l.lineno;
			S->cnt.bad++;
			return SRC_BAD;
		case RD_TIMEOUT:
			ticked(S);
			return SRC_TICK;
		case RD_STREAM_END:
			if (rd_nstreams(S->rd) > 1)
				return stream_end(S, l.stream);
			continue;
		case RD_EOF:
			return SRC_EOF;
		default:
			return SRC_FATAL;
		}
	}
}

const struct par_prep *
src_peek(const struct source *S, size_t ahead)
{
	return S->par != NULL ? par_peek(S->par, ahead) : NULL;
}

int
src_side_ended(const struct source *S, int side)
{
	if (S->par != NULL)
		return par_stream_ended(S->par, side);
	return rd_stream_ended(S->rd, side);
}

struct watermark *
src_wm(struct source *S)
{
	return &S->wm;
}

struct src_counters *
src_counters(struct source *S)
{
	return &S->cnt;
}

struct arena *
src_arena(struct source *S)
{
	return S->arena;
}

uint64_t
src_bytes(const struct source *S)
{
	return S->par != NULL ? par_bytes(S->par) : rd_bytes(S->rd);
}

void
src_set_deadline(struct source *S, int64_t ms)
{
	S->deadline_ms = ms;
}

void
src_bad(struct source *S, const struct src_event *ev, const struct fault *f)
{
	S->cnt.bad++;
	errout_line(S, ev->rec.p, ev->rec.len);
	if (S->cfg.bad != NULL)
		S->cfg.bad(S->cfg.arg, f);
}

void
src_late(struct source *S, const struct src_event *ev)
{
	S->cnt.late++;
	if (S->lateout != NULL)
		sink_line(S->lateout, ev->out_p, ev->out_len);
}

void
src_set_whole_blocks(struct source *S, int on)
{
	S->whole_blocks = on;
}

void
src_set_forwarding(struct source *S, int on)
{
	if (S->forced == 0)
		S->forced = on ? 1 : 0;
}

int
src_forwarding(const struct source *S)
{
	return S->forced > 0 || (S->forced == 0 && S->wm.inband_seen);
}

/* W as the output format can say it: truncated toward the past. */
static int64_t
truncated(int64_t w, enum tp_out fmt)
{
	static const int64_t unit[] = { 1000000, 1000000000, 1000000, 1000,
	    1 };

	return sat_sub_ns(w, tp_mod(w, unit[fmt]));
}

int
src_forward_wm(struct source *S, struct sink *o)
{
	struct buf *b;
	char tb[TP_BUF];
	const struct kp_marks *k = S->cfg.marks;
	int64_t w = S->wm.wm_ns, tw;
	size_t tn;
	int m;

	if (!src_forwarding(S) || w == WM_MIN || w == WM_MAX)
		return 0;
	tw = truncated(w, S->cfg.time_out);
	if (tw <= S->wm_written)
		return 0;
	S->wm_written = tw;
	tn = tp_format_json(tw, S->cfg.time_out, tb);
	for (m = 0; m < (k != NULL ? k->n : 1); m++) {
		b = sink_buf(o);
		if (k != NULL) {
			buf_adds(b, k->keys[m]);
			buf_addc(b, '\t');
		}
		buf_adds(b, "{\"@watermark\":");
		buf_add(b, tb, tn);
		if (S->cfg.from_n > 0)
			buf_printf(b, ",\"@from\":[%d,%d]", S->cfg.from_i,
			    S->cfg.from_n);
		buf_adds(b, "}\n");
		sink_commit(o);
	}
	return 1;
}

struct kcat_part *
src_parts(struct source *S, int *n)
{
	*n = S->nparts;
	return S->parts;
}

/* --- the source's part of a snapshot --- */

/* The source's part: watermark, channels, offsets, counters. */
void
src_save(struct source *S, struct buf *b)
{
	struct watermark *w = &S->wm;
	struct src_counters *c = &S->cnt;
	struct kcat_part *p;
	int i, n;

	buf_printf(b, "{\"wm\":%lld,\"max\":%lld,\"disorder\":%lld,"
	    "\"inband\":%d,\"channels\":[", (long long)w->wm_ns,
	    (long long)w->max_ns, (long long)w->disorder_ns, w->inband_seen);
	for (i = 0; i < w->nch; i++)
		buf_printf(b, "%s[%lld,%lld,%lld]", i ? "," : "",
		    (long long)w->ch[i].max_ns, (long long)w->ch[i].inband_ns,
		    (long long)w->ch[i].wm_ns);
	buf_adds(b, "],\"parts\":[");
	p = src_parts(S, &n);
	for (i = 0; i < n; i++) {
		buf_printf(b, "%s[%d,", i ? "," : "", p[i].stream);
		buf_json_cstr(b, p[i].topic);
		buf_printf(b, ",%lld,%lld]", (long long)p[i].partition,
		    (long long)p[i].offset);
	}
	buf_printf(b, "],\"counters\":[%llu,%llu,%llu,%llu,%llu]}",
	    (unsigned long long)c->in, (unsigned long long)c->out,
	    (unsigned long long)c->bad, (unsigned long long)c->late,
	    (unsigned long long)c->replayed);
}

static int
restore_parts(struct source *S, struct jcur *jc, struct fault *f)
{
	struct buf topic;
	int64_t stream, part, off;
	int r = 0;

	buf_init(&topic);
	if (jc_expect_key(jc, "parts") == -1 || jc_begin_array(jc) == -1)
		r = -1;
	while (r == 0 && jc_more(jc) == 1) {
		if (jc_begin_array(jc) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &stream) == -1 || jc_more(jc) != 1 ||
		    jc_string(jc, &topic) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &part) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &off) == -1 || jc_more(jc) != 0) {
			r = -1;
			break;
		}
		if (stream < 0 || stream >= RD_STREAMS_MAX) {
			r = jc_fail(jc, "bad stream number");
			break;
		}
		if (src_part_restore(S, (int)stream, buf_cstr(&topic),
		    part, off, f) == -1) {
			r = -1;
			break;
		}
	}
	buf_release(&topic);
	return r == 0 && !jc->failed ? 0 : -1;
}

static int
restore_channels(struct watermark *w, struct jcur *jc)
{
	int64_t v[3];
	int i = 0, k;

	if (jc_begin_array(jc) == -1)
		return -1;
	while (jc_more(jc) == 1) {
		if (i >= w->nch)
			return jc_fail(jc, "more channels than inputs");
		if (jc_begin_array(jc) == -1)
			return -1;
		for (k = 0; k < 3; k++)
			if (jc_more(jc) != 1 || jc_int(jc, &v[k]) == -1)
				return -1;
		if (jc_more(jc) != 0)
			return -1;
		w->ch[i].max_ns = v[0];
		w->ch[i].inband_ns = v[1];
		w->ch[i].wm_ns = v[2];
		i++;
	}
	return jc->failed ? -1 : 0;
}

/*
 * The source section: partitions first (restoring them recreates their
 * watermark channels in their original order), then the channels.
 */
int
src_load(struct source *S, const char *p, size_t n, struct fault *f)
{
	struct watermark *w = &S->wm;
	struct src_counters *c = &S->cnt;
	struct jcur jc, chans;
	int64_t wm, max, dis, inband, cnt[5];
	int k;

	jc_init(&jc, p, n, f);
	if (jc_begin_object(&jc) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "wm") == -1 || jc_int(&jc, &wm) == -1 ||
	    jc_more(&jc) != 1 || jc_expect_key(&jc, "max") == -1 ||
	    jc_int(&jc, &max) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "disorder") == -1 ||
	    jc_int(&jc, &dis) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "inband") == -1 ||
	    jc_int(&jc, &inband) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "channels") == -1)
		return -1;
	chans = jc;
	if (jc_skip(&jc) == -1 || jc_more(&jc) != 1 ||
	    restore_parts(S, &jc, f) == -1 || restore_channels(w, &chans) == -1)
		return -1;
	if (jc_more(&jc) != 1 || jc_expect_key(&jc, "counters") == -1 ||
	    jc_begin_array(&jc) == -1)
		return -1;
	for (k = 0; k < 5; k++)
		if (jc_more(&jc) != 1 || jc_int(&jc, &cnt[k]) == -1 ||
		    cnt[k] < 0)
			return jc_fail(&jc, "bad counters");
	if (jc_more(&jc) != 0 || jc_more(&jc) != 0 || jc_end(&jc) != 0)
		return jc_fail(&jc, "trailing data");
	w->wm_ns = wm;
	w->max_ns = max;
	w->disorder_ns = dis;
	w->inband_seen = inband != 0;
	c->in = (uint64_t)cnt[0];
	c->out = (uint64_t)cnt[1];
	c->bad = (uint64_t)cnt[2];
	c->late = (uint64_t)cnt[3];
	c->replayed = (uint64_t)cnt[4];
	wm_restored(w);
	return 0;
}
