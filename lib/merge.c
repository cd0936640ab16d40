/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * merge.c - stream-agg --merge: shards' partials into one result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "fault.h"
#include "groupagg.h"
#include "hash.h"
#include "jcur.h"
#include "kcat.h"
#include "key.h"
#include "kpart.h"
#include "merge.h"
#include "partial.h"
#include "record.h"
#include "result.h"
#include "sat.h"
#include "sink.h"
#include "source.h"
#include "watermark.h"
#include "window.h"
#include "xmalloc.h"

struct finq;

struct merge {
	struct aggset	*aggs;
	const struct result_out *out;
	struct source	*src;
	struct groupagg	*g;		/* windowless partials */
	struct windows	*w;		/* windowed states: struct mcell */
	int		 n;		/* inputs */
	int		 nkeys;		/* --by values in a key */
	int64_t		 lateness_ns;
	char		 sighex[17];
	void		*scratch;	/* one block */
	struct buf	 pkey;		/* a partial's key, decoded */
	struct finq	*finq;		/* finished results, one per input */
	int		 fin_n;		/* the shards' N, 0 until seen */
	int		 fin_owner_i;	/* the first shard seen */
	int		 fin_part;	/* they are --partition instances */
	struct buf	 fin_last;	/* the last key written, */
	int64_t		 fin_last_end, fin_last_start;
	int		 fin_last_in;	/* and its input, -1 before */
	int		*fin_owner;	/* shard -> input, -1 */
	int		 by_from;	/* inputs are instances ("from") */
	int		 own_i, own_n;	/* --partition I/M: its keys; 0 */
};

/* A finished result passed through, as its shard wrote it. */
static void
write_line(struct merge *M, const char *p, size_t n)
{
	sink_line(M->out->out, p, n);
	(*M->out->count)++;
}

/*
 * A merged window holds the latest state from each shard: a shard's late
 * firing carries its whole window again and replaces what it sent
 * before, so shards' revisions merge into revisions of the union.
 */
struct mcell {
	void		**blocks;	/* one per input, NULL until seen */
};

struct mevent {
	int		 shard;
	const void	*block;
};

static void
m_init(void *ctx, void *p)
{
	memset(p, 0, sizeof(struct mcell));
}

static void
m_put(struct merge *M, struct mcell *c, int shard, const void *blk)
{
	if (c->blocks == NULL)
		c->blocks = xcalloc((size_t)M->n, sizeof(void *));
	if (c->blocks[shard] != NULL)
		aggset_release(M->aggs, c->blocks[shard]);
	else
		c->blocks[shard] = xmalloc(M->aggs->state_size);
	aggset_init(M->aggs, c->blocks[shard]);
	aggset_merge(M->aggs, c->blocks[shard], blk);
}

static void
m_add(void *ctx, void *p, const void *event, int64_t t)
{
	const struct mevent *e = event;

	m_put(ctx, p, e->shard, e->block);
}

static void
m_merge(void *ctx, void *dst, const void *src)
{
	struct merge *M = ctx;
	const struct mcell *s = src;
	int i;

	for (i = 0; s->blocks != NULL && i < M->n; i++)
		if (s->blocks[i] != NULL)
			m_put(M, dst, i, s->blocks[i]);
}

static void
m_release(void *ctx, void *p)
{
	struct merge *M = ctx;
	struct mcell *c = p;
	int i;

	for (i = 0; c->blocks != NULL && i < M->n; i++) {
		if (c->blocks[i] != NULL)
			aggset_release(M->aggs, c->blocks[i]);
		free(c->blocks[i]);
	}
	free(c->blocks);
	c->blocks = NULL;
}

static void
m_emit(void *ctx, const struct win_fired *wf, const void *p)
{
	struct merge *M = ctx;
	const struct mcell *c = p;
	int i;

	aggset_init(M->aggs, M->scratch);
	for (i = 0; c->blocks != NULL && i < M->n; i++)
		if (c->blocks[i] != NULL)
			aggset_merge(M->aggs, M->scratch, c->blocks[i]);
	result_window(M->out, wf, M->scratch);
	aggset_release(M->aggs, M->scratch);
}

static void
m_encode(void *ctx, const void *p, struct buf *b)
{
	struct merge *M = ctx;
	const struct mcell *c = p;
	int i, first = 1;

	buf_addc(b, '[');
	for (i = 0; c->blocks != NULL && i < M->n; i++) {
		if (c->blocks[i] == NULL)
			continue;
		buf_printf(b, "%s[%d,", first ? "" : ",", i);
		aggset_encode(M->aggs, c->blocks[i], b);
		buf_addc(b, ']');
		first = 0;
	}
	buf_addc(b, ']');
}

static int
m_decode(void *ctx, void *p, struct jcur *jc, struct fault *f)
{
	struct merge *M = ctx;
	int64_t shard;
	int r = 0;

	if (jc_begin_array(jc) == -1)
		return -1;
	while (r == 0 && jc_more(jc) == 1) {
		if (jc_begin_array(jc) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &shard) == -1 || jc_more(jc) != 1)
			return -1;
		if (shard < 0 || shard >= M->n)
			return jc_fail(jc, "more shards than inputs");
		aggset_init(M->aggs, M->scratch);
		r = aggset_decode(M->aggs, M->scratch, jc, f);
		if (r == 0)
			m_put(M, p, (int)shard, M->scratch);
		aggset_release(M->aggs, M->scratch);
		if (r == 0 && jc_more(jc) != 0)
			r = -1;
	}
	return r == 0 && !jc->failed ? 0 : -1;
}

static size_t
m_bytes(void *ctx, const void *p)
{
	struct merge *M = ctx;
	const struct mcell *c = p;
	size_t n = 0;
	int i;

	for (i = 0; c->blocks != NULL && i < M->n; i++)
		if (c->blocks[i] != NULL)
			n += M->aggs->state_size +
			    aggset_bytes(M->aggs, c->blocks[i]);
	return n;
}

static const struct win_ops merge_ops = {
	sizeof(struct mcell), m_init, m_add, m_merge, m_release, m_emit,
	m_encode, m_decode, m_bytes
};

/* --- --merge: the results of shards that own their keys --- */

/*
 * Each input's final results wait in arrival order, which is its shard's
 * firing order: by window end, start, key.  When W moves, the heads with
 * end <= W go out, the least first across inputs, so the merge writes
 * one process's order at whatever pace the inputs come.
 */
struct fin {
	int64_t		 start, end;
	size_t		 off;		/* in bytes: the key, then the result */
	size_t		 keylen, len;
};

struct finq {
	struct fin	*v;
	size_t		 head, n, cap;
	struct buf	 bytes;
	int		 shard;		/* the I it sends, -1 until seen */
};

static void
fin_open(struct merge *M)
{
	int i;

	M->finq = xcalloc((size_t)M->n, sizeof(*M->finq));
	for (i = 0; i < M->n; i++) {
		buf_init(&M->finq[i].bytes);
		M->finq[i].shard = -1;
	}
	buf_init(&M->fin_last);
	M->fin_last_in = -1;
}

static void
fin_free(struct merge *M)
{
	int i;

	for (i = 0; M->finq != NULL && i < M->n; i++) {
		free(M->finq[i].v);
		buf_release(&M->finq[i].bytes);
	}
	free(M->finq);
	free(M->fin_owner);
	buf_release(&M->fin_last);
}

static void
fin_push(struct merge *M, int in, int64_t start, int64_t end,
    const char *key, size_t keylen, const char *p, size_t n)
{
	struct finq *q = &M->finq[in];
	struct fin *e;

	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 256;
		q->v = xrealloc(q->v, q->cap * sizeof(*q->v));
	}
	e = &q->v[q->n++];
	e->start = start;
	e->end = end;
	e->off = q->bytes.len;
	e->keylen = keylen;
	e->len = n;
	buf_add(&q->bytes, key, keylen);
	buf_add(&q->bytes, p, n);
}

/* Drop what went out: all of it, or the front once it is half. */
static void
fin_compact(struct finq *q)
{
	size_t base, i;

	if (q->head == q->n) {
		q->head = q->n = 0;
		buf_clear(&q->bytes);
		return;
	}
	if (q->head < 1024 || q->head * 2 < q->n)
		return;
	base = q->v[q->head].off;
	memmove(q->bytes.data, q->bytes.data + base, q->bytes.len - base);
	q->bytes.len -= base;
	memmove(q->v, q->v + q->head, (q->n - q->head) * sizeof(*q->v));
	q->n -= q->head;
	q->head = 0;
	for (i = 0; i < q->n; i++)
		q->v[i].off -= base;
}

static int
fin_less(const struct finq *qa, const struct fin *a, const struct finq *qb,
    const struct fin *b)
{
	if (a->end != b->end)
		return a->end < b->end;
	if (a->start != b->start)
		return a->start < b->start;
	return key_cmp(qa->bytes.data + a->off, a->keylen,
	    qb->bytes.data + b->off, b->keylen) < 0;
}

/*
 * Write one result, unless another input just wrote the same window and
 * key: two instances claimed one key (--partition on a topic that is not
 * keyed by --by), and the second is a bad record.
 */
static void
fin_write(struct merge *M, int in, const struct finq *q, const struct fin *e)
{
	const char *key = q->bytes.data + e->off, *rec = key + e->keylen;
	struct src_event ev;
	struct fault f;

	if (M->fin_last_in != -1 && M->fin_last_in != in &&
	    M->fin_last_end == e->end && M->fin_last_start == e->start &&
	    key_cmp(M->fin_last.data, M->fin_last.len, key, e->keylen) == 0) {
		fault_set(&f, EX_DATAERR, "bad @partial: inputs %d and %d both "
		    "sent this window and key (is the input keyed by --by?)",
		    M->fin_last_in + 1, in + 1);
		memset(&ev, 0, sizeof(ev));
		ev.rec.p = ev.out_p = rec;
		ev.rec.len = ev.out_len = e->len;
		src_bad(M->src, &ev, &f);
		return;
	}
	write_line(M, rec, e->len);
	M->fin_last_in = in;
	M->fin_last_end = e->end;
	M->fin_last_start = e->start;
	buf_clear(&M->fin_last);
	buf_add(&M->fin_last, key, e->keylen);
}

/*
 * Write the least waiting result while its window ends at or before wm,
 * or while every input has one waiting: an input's results come in
 * order, so nothing it sends later can go before its first waiting one.
 * Shards that write everything at the end (no source of progress) are
 * merged as they write, not held until the last one ends.
 */
static void
fin_release(struct merge *M, int64_t wm)
{
	struct finq *q, *bq;
	struct fin *e, *best;
	int i, all;

	if (M->finq == NULL)
		return;
	for (;;) {
		best = NULL;
		bq = NULL;
		all = 1;
		for (i = 0; i < M->n; i++) {
			q = &M->finq[i];
			if (q->head == q->n) {
				all = 0;
				continue;
			}
			e = &q->v[q->head];
			if (best == NULL || fin_less(q, e, bq, best)) {
				best = e;
				bq = q;
			}
		}
		if (best == NULL || (best->end > wm && !all))
			return;
		fin_write(M, (int)(bq - M->finq), bq, best);
		bq->head++;
		fin_compact(bq);
	}
}

/* M final result's claims: its key, its shard, its bytes. */
static int
fin_check(struct merge *M, int in, const struct partial *p, struct fault *f)
{
	static const char *const what[] = { "shard", "partition" };
	struct finq *q = &M->finq[in];
	int i = p->shard_i, n = p->shard_n;

	if (!key_valid(p->key->data, p->key->len, M->nkeys))
		return fault_set(f, EX_DATAERR, "bad @partial: its key does "
		    "not match --by (give --merge the shards' --by)");
	if (M->fin_n != 0 && (n != M->fin_n || p->partition != M->fin_part))
		return fault_set(f, EX_DATAERR, "bad @partial: input %d sent "
		    "%s %d/%d, another input %s %d/%d (give every instance "
		    "the same N)", in + 1, what[p->partition], i, n,
		    what[M->fin_part], M->fin_owner_i, M->fin_n);
	if (!p->partition &&
	    !key_shard_keeps(hash_bytes(p->key->data, p->key->len), i, n))
		return fault_set(f, EX_DATAERR, "bad @partial: its key is not "
		    "one of shard %d/%d (give every shard the same --by)", i, n);
	if (q->shard != -1 && q->shard != i)
		return fault_set(f, EX_DATAERR, "bad @partial: input %d sent "
		    "%s %d/%d and %d/%d", in + 1, what[p->partition],
		    q->shard, n, i, n);
	if (M->fin_n != 0 && M->fin_owner[i] != -1 && M->fin_owner[i] != in)
		return fault_set(f, EX_DATAERR, "bad @partial: inputs %d and "
		    "%d both sent %s %d/%d", M->fin_owner[i] + 1, in + 1,
		    what[p->partition], i, n);
	if (partial_final_intact(p, f) == -1)
		return -1;
	if (M->fin_n == 0) {
		M->fin_owner = xmalloc((size_t)n * sizeof(int));
		memset(M->fin_owner, 0xff, (size_t)n * sizeof(int));
		M->fin_n = n;
		M->fin_part = p->partition;
		M->fin_owner_i = i;
	}
	M->fin_owner[i] = in;
	q->shard = i;
	return 0;
}

/*
 * Queue it, or (a shard's late revision, W already past the window)
 * write it now; 1 when it is past --lateness too: a late record.
 */
static int
fin_put(struct merge *M, int in, const struct partial *p)
{
	int64_t wm = src_wm(M->src)->wm_ns;

	if (p->end > wm) {
		fin_push(M, in, p->start, p->end, p->key->data, p->key->len,
		    p->final, p->finallen);
		fin_release(M, wm);
		return 0;
	}
	if (sat_add_ns(p->end, M->lateness_ns) <= wm)
		return 1;
	write_line(M, p->final, p->finallen);
	return 0;
}

/* The fast way in: a line exactly as a shard writes it. */
int
merge_raw_line(void *ctx, const char *p, size_t n, int in)
{
	struct merge *M = ctx;
	struct partial pt;
	struct fault f;

	pt.key = &M->pkey;
	if (M->by_from || M->own_n > 0)
		return 0;	/* instances and owners: the slow way */
	if (partial_read_final(p, n, M->sighex, &pt) == -1 ||
	    fin_check(M, in, &pt, &f) == -1)
		return 0;	/* the slow way says what is wrong */
	return fin_put(M, in, &pt) == 0;
}

/* Does a shard that sends final results own this key?  (--shard only:
   a --partition's keys are not told by their hash.) */
static int
fin_owned(const struct merge *M, const struct buf *key)
{
	return M->fin_n != 0 && !M->fin_part && M->fin_owner[hash_bytes(
	    key->data, key->len) % (uint64_t)M->fin_n] != -1;
}

void
merge_save(const struct merge *M, struct buf *b)
{
	const struct finq *q;
	const struct fin *e;
	size_t j;
	int i, first = 1;

	buf_adds(b, ",\"finals\":[");
	for (i = 0; i < M->n; i++) {
		q = &M->finq[i];
		for (j = q->head; j < q->n; j++, first = 0) {
			e = &q->v[j];
			buf_printf(b, "%s[%d,%d,%lld,%lld,\"", first ? "\n" :
			    ",\n", i, q->shard, (long long)e->start,
			    (long long)e->end);
			buf_hex(b, q->bytes.data + e->off, e->keylen);
			buf_adds(b, "\",");
			buf_add(b, q->bytes.data + e->off + e->keylen, e->len);
			buf_addc(b, ']');
		}
	}
	buf_addc(b, ']');
}

int
merge_load(struct merge *M, struct jcur *jc, struct fault *f)
{
	struct buf hx;
	const char *raw;
	size_t rn;
	int64_t in, shard, start, end;
	int r = -1;

	buf_init(&hx);
	if (jc_begin_array(jc) == -1)
		goto out;
	while (jc_more(jc) == 1) {
		if (jc_begin_array(jc) == -1 || jc_element(jc, "finals") ||
		    jc_int(jc, &in) == -1 || jc_element(jc, "finals") ||
		    jc_int(jc, &shard) == -1 || jc_element(jc, "finals") ||
		    jc_int(jc, &start) == -1 || jc_element(jc, "finals") ||
		    jc_int(jc, &end) == -1 || jc_element(jc, "finals") ||
		    jc_string(jc, &hx) == -1 ||
		    buf_unhex(&M->pkey, hx.data, hx.len) == -1 ||
		    jc_element(jc, "finals") || jc_raw(jc, &raw, &rn) == -1 ||
		    jc_closing(jc, "finals") != 0)
			goto out;
		if (in < 0 || in >= M->n || *raw != '{' ||
		    shard < -1 || shard >= 65536 ||
		    !key_valid(M->pkey.data, M->pkey.len, M->nkeys)) {
			jc_fail(jc, "bad final result (as many inputs as "
			    "before?)");
			goto out;
		}
		M->finq[in].shard = (int)shard;
		fin_push(M, (int)in, start, end, M->pkey.data, M->pkey.len,
		    raw, rn);
	}
	r = jc->failed ? -1 : 0;
out:
	buf_release(&hx);
	(void)f;
	return r;
}

/*
 * The input a record came from: its FILE, or with --kcat the partition
 * of the partials topic (one instance writes each, kcat -P -p I), or
 * with --instances the instance that the partial names (keyed by group
 * key, a partition mixes them all).
 */
static int
input_of(const struct merge *M, const struct src_event *ev,
    const struct partial *p, struct fault *f)
{
	if (M->by_from) {
		if (p->from_n == 0)
			return fault_set(f, EX_DATAERR, "bad @partial: no "
			    "\"from\" (--instances reads the partials of "
			    "stream-agg --instance I/N)");
		if (p->from_n != M->n)
			return fault_set(f, EX_DATAERR, "bad @partial: from "
			    "instance %d/%d, and --instances is %d", p->from_i,
			    p->from_n, M->n);
		return p->from_i;
	}
	if (ev->env == NULL)
		return ev->side;
	if (ev->env->partition < 0 || ev->env->partition >= M->n)
		return fault_set(f, EX_DATAERR, "bad @partial: partition %lld "
		    "of the partials topic is not below --partitions %d",
		    (long long)ev->env->partition, M->n);
	return (int)ev->env->partition;
}

/*
 * --merge --partition I/M: the key is this merge's when kcat's
 * partitioner sends its hex to partition I of M (kpart.h).  Another
 * merge's key here means that the partials topic is not partitioned as
 * the merges are: that merge is missing it, so it is a bad record.
 */
static int
owned_here(const struct merge *M, const struct partial *p, struct fault *f)
{
	int m;

	if (M->own_n == 0 ||
	    (m = kp_partition_hex(p->key->data, p->key->len, M->own_n)) ==
	    M->own_i)
		return 0;
	return fault_set(f, EX_DATAERR, "bad @partial: its key is merge "
	    "%d/%d's, not this one's (%d/%d): is the partials topic keyed "
	    "by kcat -K with its default partitioner, in %d partitions?", m,
	    M->own_n, M->own_i, M->own_n, M->own_n);
}

void
merge_set_inputs(struct merge *M, int by_from, int own_i, int own_n)
{
	M->by_from = by_from;
	M->own_i = own_i;
	M->own_n = own_n;
}

/* One {"@partial"} from input ev->side, or from a partition. */
int
merge_partial(struct merge *M, struct src_event *ev, struct fault *fatal)
{
	struct partial p;
	struct mevent me;
	struct jcur jc;
	struct fault f;
	int r, in;

	p.key = &M->pkey;
	if (partial_read(&ev->rec.v[REC_SLOT_PARTIAL], M->out->sig, &p,
	    &f) == -1) {
		if (f.code != EX_CONFIG)
			goto bad;
		*fatal = f;	/* another version: no partial of it reads */
		fatal->line = ev->rec.lineno;
		return -1;
	}
	if ((in = input_of(M, ev, &p, &f)) == -1 ||
	    owned_here(M, &p, &f) == -1)
		goto bad;
	if (p.final != NULL) {
		if (fin_check(M, in, &p, &f) == -1)
			goto bad;
		if (fin_put(M, in, &p) == 1)
			src_late(M->src, ev);
		return 0;
	}
	if (fin_owned(M, p.key)) {
		fault_set(&f, EX_DATAERR, "bad @partial: a shard that owns "
		    "its keys (--shard) sent results for this key too");
		goto bad;
	}
	if (!key_valid(p.key->data, p.key->len, M->nkeys)) {
		fault_set(&f, EX_DATAERR, "bad @partial: its key does not "
		    "match --by (give --merge the shards' --by)");
		goto bad;
	}
	aggset_init(M->aggs, M->scratch);
	jc_init(&jc, p.aggs, p.aggslen, &f);
	if (aggset_decode(M->aggs, M->scratch, &jc, &f) == -1 ||
	    jc_end(&jc) != 0) {
		aggset_release(M->aggs, M->scratch);
		fault_prefix(&f, "bad @partial");
		goto bad;
	}
	if (!p.windowed) {
		r = ga_merge(M->g, p.key->data, p.key->len, M->scratch, fatal);
	} else {
		me.shard = in;
		me.block = M->scratch;
		r = win_add_at(M->w, p.start, p.end, p.key->data,
		    p.key->len, hash_bytes(p.key->data, p.key->len), &me,
		    src_wm(M->src)->wm_ns, fatal);
		if (r == 0)
			src_late(M->src, ev);
	}
	aggset_release(M->aggs, M->scratch);
	return r == -1 ? -1 : 0;
bad:
	f.line = ev->rec.lineno;
	src_bad(M->src, ev, &f);
	return 0;
}

struct merge *
merge_new(struct aggset *aggs, const struct result_out *out,
    struct source *src, struct groupagg *g, int n, int nkeys,
    int64_t lateness_ns)
{
	struct merge *M = xcalloc(1, sizeof(*M));
	struct win_config c;

	M->aggs = aggs;
	M->out = out;
	M->src = src;
	M->g = g;
	M->n = n;
	M->nkeys = nkeys;
	M->lateness_ns = lateness_ns;
	snprintf(M->sighex, sizeof(M->sighex), "%016llx",
	    (unsigned long long)out->sig);
	M->scratch = xmalloc(aggs->state_size + 8);
	buf_init(&M->pkey);
	memset(&c, 0, sizeof(c));
	c.kind = WIN_GIVEN;
	c.lateness_ns = lateness_ns;
	M->w = win_new(&c, &merge_ops, M, NULL);
	fin_open(M);
	return M;
}

void
merge_free(struct merge *M)
{
	if (M == NULL)
		return;
	win_free(M->w);
	fin_free(M);
	free(M->scratch);
	buf_release(&M->pkey);
	free(M);
}

struct windows *
merge_windows(struct merge *M)
{
	return M->w;
}

void
merge_event(struct merge *M, const struct src_event *ev)
{
	struct fault f;

	fault_set(&f, EX_DATAERR, "not a @partial record (--merge reads the "
	    "output of stream-agg --emit partial)");
	f.line = ev->rec.lineno;
	src_bad(M->src, ev, &f);
}

void
merge_advance(struct merge *M, int64_t wm)
{
	fin_release(M, wm);
}

void
merge_finish(struct merge *M, int flush)
{
	if (flush)
		fin_release(M, WM_MAX);
}

uint64_t
merge_bytes(const struct merge *M)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < M->n; i++)
		n += M->finq[i].bytes.cap + M->finq[i].cap *
		    sizeof(struct fin);
	return n;
}
