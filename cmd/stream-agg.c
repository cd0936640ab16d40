/*
 * stream-agg: incremental aggregates per key, per window or overall.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "diag.h"
#include "hash.h"
#include "jcur.h"
#include "key.h"
#include "opts.h"
#include "out.h"
#include "partial.h"
#include "record.h"
#include "run.h"
#include "sat.h"
#include "source.h"
#include "table.h"
#include "timeparse.h"
#include "window.h"
#include "wintool.h"
#include "xmalloc.h"

struct atool {
	struct wintool	 wt;		/* first: the shared hooks see it */
	struct aggset	 aggs;
	int		 nshards;	/* --merge inputs */
	int		 owned;		/* --shard: write final partials */
	char		 sighex[17];
	struct finq	*finq;		/* --merge: one per input */
	int		 fin_n;		/* the shards' N, 0 until seen */
	int		 fin_owner_i;	/* the first shard seen */
	int		 fin_part;	/* they are --partition instances */
	struct buf	 fin_last;	/* the last key written, */
	int64_t		 fin_last_end, fin_last_start;
	int		 fin_last_in;	/* and its input, -1 before */
	int		*fin_owner;	/* shard -> input, -1 */
	uint64_t	 sig;		/* of the aggregates, for partials */
	void		*scratch;	/* one block */
	struct buf	 pkey;
	struct table	*keys;		/* no window: key -> block */
	uint64_t	 seq;
	int64_t		 next_every;	/* --emit every: next boundary */
	int64_t		 max_t;
	struct buf	 tmp;
};

/*
 * ,"name":value for each aggregate, without a comma straight after the
 * record's opening brace (no window and no --by).
 */
static void
put_results(struct atool *A, struct buf *b, const void *blk)
{
	size_t at = b->len;

	aggset_result(&A->aggs, blk, b);
	if (at > 0 && b->data[at - 1] == '{' && b->len > at &&
	    b->data[at] == ',') {
		memmove(b->data + at, b->data + at + 1, b->len - at - 1);
		b->len--;
	}
}

/* The aggregate block is the window payload. */
static void
a_init(void *ctx, void *p)
{
	struct atool *A = ctx;

	aggset_init(&A->aggs, p);
}

static void
a_add(void *ctx, void *p, const void *event, int64_t t)
{
	struct atool *A = ctx;
	const struct src_event *ev = event;

	aggset_add(&A->aggs, p, ev->rec.v, t, A->seq);
}

static void
a_merge(void *ctx, void *dst, const void *src)
{
	struct atool *A = ctx;

	aggset_merge(&A->aggs, dst, src);
}

static void
a_release(void *ctx, void *p)
{
	struct atool *A = ctx;

	aggset_release(&A->aggs, p);
}

/* {"window_start":…,"window_end":…,"service":…,"count":…,…} */
static void
a_emit(void *ctx, const struct win_fired *wf, const void *p)
{
	struct atool *A = ctx;
	struct buf *b = out_buf(out_stdout);

	size_t at = 0;

	if (A->wt.o.emit == EMIT_PARTIAL && !A->owned) {
		partial_write(b, &A->wt.key, &A->aggs, A->sig, wf, 1, p);
	} else {
		if (A->owned)
			at = partial_open_final(b, A->sig, wf,
			    A->wt.o.part_n > 0, A->wt.o.part_n > 0 ?
			    A->wt.o.part_i : A->wt.o.shard_i,
			    A->wt.o.part_n > 0 ? A->wt.o.part_n :
			    A->wt.o.shard_n);
		buf_addc(b, '{');
		wintool_bounds(&A->wt, b, wf);
		wintool_key(&A->wt, b, wf->key, wf->keylen);
		put_results(A, b, p);
		wintool_flags(b, wf);
		buf_addc(b, '}');
		if (A->owned)
			partial_close_final(b, at, wf);
		else
			buf_addc(b, '\n');
	}
	out_commit(out_stdout);
	src_counters(A->wt.src)->out++;
}

static void
a_encode(void *ctx, const void *p, struct buf *b)
{
	struct atool *A = ctx;

	aggset_encode(&A->aggs, p, b);
}

static int
a_decode(void *ctx, void *p, struct jcur *jc, struct fault *f)
{
	struct atool *A = ctx;

	return aggset_decode(&A->aggs, p, jc, f);
}

static size_t
a_bytes(void *ctx, const void *p)
{
	struct atool *A = ctx;

	return aggset_bytes(&A->aggs, p);
}

static const struct win_ops agg_ops = {
	0, a_init, a_add, a_merge, a_release, a_emit, a_encode, a_decode,
	a_bytes
};

/* --- --merge: partial states from several shards --- */

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
m_put(struct atool *A, struct mcell *c, int shard, const void *blk)
{
	if (c->blocks == NULL)
		c->blocks = xcalloc((size_t)A->nshards, sizeof(void *));
	if (c->blocks[shard] != NULL)
		aggset_release(&A->aggs, c->blocks[shard]);
	else
		c->blocks[shard] = xmalloc(A->aggs.state_size);
	aggset_init(&A->aggs, c->blocks[shard]);
	aggset_merge(&A->aggs, c->blocks[shard], blk);
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
	struct atool *A = ctx;
	const struct mcell *s = src;
	int i;

	for (i = 0; s->blocks != NULL && i < A->nshards; i++)
		if (s->blocks[i] != NULL)
			m_put(A, dst, i, s->blocks[i]);
}

static void
m_release(void *ctx, void *p)
{
	struct atool *A = ctx;
	struct mcell *c = p;
	int i;

	for (i = 0; c->blocks != NULL && i < A->nshards; i++) {
		if (c->blocks[i] != NULL)
			aggset_release(&A->aggs, c->blocks[i]);
		free(c->blocks[i]);
	}
	free(c->blocks);
	c->blocks = NULL;
}

static void
m_emit(void *ctx, const struct win_fired *wf, const void *p)
{
	struct atool *A = ctx;
	const struct mcell *c = p;
	int i;

	aggset_init(&A->aggs, A->scratch);
	for (i = 0; c->blocks != NULL && i < A->nshards; i++)
		if (c->blocks[i] != NULL)
			aggset_merge(&A->aggs, A->scratch, c->blocks[i]);
	a_emit(ctx, wf, A->scratch);
	aggset_release(&A->aggs, A->scratch);
}

static void
m_encode(void *ctx, const void *p, struct buf *b)
{
	struct atool *A = ctx;
	const struct mcell *c = p;
	int i, first = 1;

	buf_addc(b, '[');
	for (i = 0; c->blocks != NULL && i < A->nshards; i++) {
		if (c->blocks[i] == NULL)
			continue;
		buf_printf(b, "%s[%d,", first ? "" : ",", i);
		aggset_encode(&A->aggs, c->blocks[i], b);
		buf_addc(b, ']');
		first = 0;
	}
	buf_addc(b, ']');
}

static int
m_decode(void *ctx, void *p, struct jcur *jc, struct fault *f)
{
	struct atool *A = ctx;
	int64_t shard;
	int r = 0;

	if (jc_begin_array(jc) == -1)
		return -1;
	while (r == 0 && jc_more(jc) == 1) {
		if (jc_begin_array(jc) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &shard) == -1 || jc_more(jc) != 1)
			return -1;
		if (shard < 0 || shard >= A->nshards)
			return jc_fail(jc, "more shards than inputs");
		aggset_init(&A->aggs, A->scratch);
		r = aggset_decode(&A->aggs, A->scratch, jc, f);
		if (r == 0)
			m_put(A, p, (int)shard, A->scratch);
		aggset_release(&A->aggs, A->scratch);
		if (r == 0 && jc_more(jc) != 0)
			r = -1;
	}
	return r == 0 && !jc->failed ? 0 : -1;
}

static size_t
m_bytes(void *ctx, const void *p)
{
	struct atool *A = ctx;
	const struct mcell *c = p;
	size_t n = 0;
	int i;

	for (i = 0; c->blocks != NULL && i < A->nshards; i++)
		if (c->blocks[i] != NULL)
			n += A->aggs.state_size +
			    aggset_bytes(&A->aggs, c->blocks[i]);
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
fin_open(struct atool *A)
{
	int i;

	A->finq = xcalloc((size_t)A->nshards, sizeof(*A->finq));
	for (i = 0; i < A->nshards; i++) {
		buf_init(&A->finq[i].bytes);
		A->finq[i].shard = -1;
	}
	buf_init(&A->fin_last);
	A->fin_last_in = -1;
}

static void
fin_free(struct atool *A)
{
	int i;

	for (i = 0; A->finq != NULL && i < A->nshards; i++) {
		free(A->finq[i].v);
		buf_release(&A->finq[i].bytes);
	}
	free(A->finq);
	free(A->fin_owner);
	buf_release(&A->fin_last);
}

static void
fin_push(struct atool *A, int in, int64_t start, int64_t end,
    const char *key, size_t keylen, const char *p, size_t n)
{
	struct finq *q = &A->finq[in];
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
fin_write(struct atool *A, int in, const struct finq *q, const struct fin *e)
{
	const char *key = q->bytes.data + e->off, *rec = key + e->keylen;
	struct src_event ev;
	struct fault f;

	if (A->fin_last_in != -1 && A->fin_last_in != in &&
	    A->fin_last_end == e->end && A->fin_last_start == e->start &&
	    key_cmp(A->fin_last.data, A->fin_last.len, key, e->keylen) == 0) {
		fault_set(&f, EX_DATAERR, "bad @partial: inputs %d and %d both "
		    "sent this window and key (is the input keyed by --by?)",
		    A->fin_last_in + 1, in + 1);
		memset(&ev, 0, sizeof(ev));
		ev.rec.p = ev.out_p = rec;
		ev.rec.len = ev.out_len = e->len;
		src_bad(A->wt.src, &ev, &f);
		return;
	}
	out_line(out_stdout, rec, e->len);
	src_counters(A->wt.src)->out++;
	A->fin_last_in = in;
	A->fin_last_end = e->end;
	A->fin_last_start = e->start;
	buf_clear(&A->fin_last);
	buf_add(&A->fin_last, key, e->keylen);
}

/*
 * Write the least waiting result while its window ends at or before wm,
 * or while every input has one waiting: an input's results come in
 * order, so nothing it sends later can go before its first waiting one.
 * Shards that write everything at the end (no source of progress) are
 * merged as they write, not held until the last one ends.
 */
static void
fin_release(struct atool *A, int64_t wm)
{
	struct finq *q, *bq;
	struct fin *e, *best;
	int i, all;

	if (A->finq == NULL)
		return;
	for (;;) {
		best = NULL;
		bq = NULL;
		all = 1;
		for (i = 0; i < A->nshards; i++) {
			q = &A->finq[i];
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
		fin_write(A, (int)(bq - A->finq), bq, best);
		bq->head++;
		fin_compact(bq);
	}
}

/* A final result's claims: its key, its shard, its bytes. */
static int
fin_check(struct atool *A, int in, const struct partial *p, struct fault *f)
{
	static const char *const what[] = { "shard", "partition" };
	struct finq *q = &A->finq[in];
	int i = p->shard_i, n = p->shard_n;

	if (!key_valid(p->key->data, p->key->len, A->wt.key.n))
		return fault_set(f, EX_DATAERR, "bad @partial: its key does "
		    "not match --by (give --merge the shards' --by)");
	if (A->fin_n != 0 && (n != A->fin_n || p->partition != A->fin_part))
		return fault_set(f, EX_DATAERR, "bad @partial: input %d sent "
		    "%s %d/%d, another input %s %d/%d (give every instance "
		    "the same N)", in + 1, what[p->partition], i, n,
		    what[A->fin_part], A->fin_owner_i, A->fin_n);
	if (!p->partition &&
	    !key_shard_keeps(hash_bytes(p->key->data, p->key->len), i, n))
		return fault_set(f, EX_DATAERR, "bad @partial: its key is not "
		    "one of shard %d/%d (give every shard the same --by)", i, n);
	if (q->shard != -1 && q->shard != i)
		return fault_set(f, EX_DATAERR, "bad @partial: input %d sent "
		    "%s %d/%d and %d/%d", in + 1, what[p->partition],
		    q->shard, n, i, n);
	if (A->fin_n != 0 && A->fin_owner[i] != -1 && A->fin_owner[i] != in)
		return fault_set(f, EX_DATAERR, "bad @partial: inputs %d and "
		    "%d both sent %s %d/%d", A->fin_owner[i] + 1, in + 1,
		    what[p->partition], i, n);
	if (partial_final_intact(p, f) == -1)
		return -1;
	if (A->fin_n == 0) {
		A->fin_owner = xmalloc((size_t)n * sizeof(int));
		memset(A->fin_owner, 0xff, (size_t)n * sizeof(int));
		A->fin_n = n;
		A->fin_part = p->partition;
		A->fin_owner_i = i;
	}
	A->fin_owner[i] = in;
	q->shard = i;
	return 0;
}

/*
 * Queue it, or (a shard's late revision, W already past the window)
 * write it now; 1 when it is past --lateness too: a late record.
 */
static int
fin_put(struct atool *A, int in, const struct partial *p)
{
	int64_t wm = src_wm(A->wt.src)->wm_ns;

	if (p->end > wm) {
		fin_push(A, in, p->start, p->end, p->key->data, p->key->len,
		    p->final, p->finallen);
		fin_release(A, wm);
		return 0;
	}
	if (sat_add_ns(p->end, A->wt.o.lateness_ns) <= wm)
		return 1;
	out_line(out_stdout, p->final, p->finallen);
	src_counters(A->wt.src)->out++;
	return 0;
}

/* The fast way in: a line exactly as a shard writes it. */
static int
fin_line(void *ctx, const char *p, size_t n, int in)
{
	struct atool *A = ctx;
	struct partial pt;
	struct fault f;

	pt.key = &A->pkey;
	if (partial_read_final(p, n, A->sighex, &pt) == -1 ||
	    fin_check(A, in, &pt, &f) == -1)
		return 0;	/* the slow way says what is wrong */
	return fin_put(A, in, &pt) == 0;
}

/* Does a shard that sends final results own this key?  (--shard only:
   a --partition's keys are not told by their hash.) */
static int
fin_owned(const struct atool *A, const struct buf *key)
{
	return A->fin_n != 0 && !A->fin_part && A->fin_owner[hash_bytes(
	    key->data, key->len) % (uint64_t)A->fin_n] != -1;
}

static void
fin_save(struct atool *A, struct buf *b)
{
	const struct finq *q;
	const struct fin *e;
	size_t j;
	int i, first = 1;

	buf_adds(b, ",\"finals\":[");
	for (i = 0; i < A->nshards; i++) {
		q = &A->finq[i];
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

static int
fin_load(struct atool *A, struct jcur *jc, struct fault *f)
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
		    buf_unhex(&A->pkey, hx.data, hx.len) == -1 ||
		    jc_element(jc, "finals") || jc_raw(jc, &raw, &rn) == -1 ||
		    jc_closing(jc, "finals") != 0)
			goto out;
		if (in < 0 || in >= A->nshards || *raw != '{' ||
		    shard < -1 || shard >= 65536 ||
		    !key_valid(A->pkey.data, A->pkey.len, A->wt.key.n)) {
			jc_fail(jc, "bad final result (as many inputs as "
			    "before?)");
			goto out;
		}
		A->finq[in].shard = (int)shard;
		fin_push(A, (int)in, start, end, A->pkey.data, A->pkey.len,
		    raw, rn);
	}
	r = jc->failed ? -1 : 0;
out:
	buf_release(&hx);
	(void)f;
	return r;
}

static void g_merge_partial(struct atool *, const struct partial *,
	    const void *blk);

/* One {"@partial"} from input ev->side. */
static void
partial(void *ctx, struct src_event *ev)
{
	struct atool *A = ctx;
	struct partial p;
	struct mevent me;
	struct jcur jc;
	struct fault f;
	int r;

	if (!A->wt.o.merge) {
		out_line(out_stdout, ev->out_p, ev->out_len);
		return;
	}
	p.key = &A->pkey;
	if (partial_read(&ev->rec.v[REC_SLOT_PARTIAL], A->sig, &p, &f) == -1)
		goto bad;
	if (p.final != NULL) {
		if (fin_check(A, ev->side, &p, &f) == -1)
			goto bad;
		if (fin_put(A, ev->side, &p) == 1)
			src_late(A->wt.src, ev);
		return;
	}
	if (fin_owned(A, p.key)) {
		fault_set(&f, EX_DATAERR, "bad @partial: a shard that owns "
		    "its keys (--shard) sent results for this key too");
		goto bad;
	}
	if (!key_valid(p.key->data, p.key->len, A->wt.key.n)) {
		fault_set(&f, EX_DATAERR, "bad @partial: its key does not "
		    "match --by (give --merge the shards' --by)");
		goto bad;
	}
	aggset_init(&A->aggs, A->scratch);
	jc_init(&jc, p.aggs, p.aggslen, &f);
	if (aggset_decode(&A->aggs, A->scratch, &jc, &f) == -1 ||
	    jc_end(&jc) != 0) {
		aggset_release(&A->aggs, A->scratch);
		fault_prefix(&f, "bad @partial");
		goto bad;
	}
	if (!p.windowed) {
		g_merge_partial(A, &p, A->scratch);
	} else {
		me.shard = ev->side;
		me.block = A->scratch;
		r = win_add_at(A->wt.w, p.start, p.end, p.key->data,
		    p.key->len, hash_bytes(p.key->data, p.key->len), &me,
		    src_wm(A->wt.src)->wm_ns, &f);
		if (r == -1)
			diag_die(&f);
		if (r == 0)
			src_late(A->wt.src, ev);
	}
	aggset_release(&A->aggs, A->scratch);
	return;
bad:
	f.line = ev->rec.lineno;
	src_bad(A->wt.src, ev, &f);
}

/* --- no window: one block per key over the whole stream --- */

#define G_HDR	8	/* a changed flag before the block */

static void *
g_block(struct atool *A, int64_t id)
{
	return (char *)tab_value(A->keys, id) + G_HDR;
}

static void
g_write(struct atool *A, const char *key, size_t keylen, const void *blk)
{
	struct buf *b = out_buf(out_stdout);
	struct win_fired wf;

	if (A->wt.o.emit == EMIT_PARTIAL) {
		memset(&wf, 0, sizeof(wf));
		wf.key = key;
		wf.keylen = keylen;
		partial_write(b, &A->wt.key, &A->aggs, A->sig, &wf, 0, blk);
	} else {
		buf_addc(b, '{');
		wintool_key(&A->wt, b, key, keylen);
		put_results(A, b, blk);
		buf_adds(b, "}\n");
	}
	out_commit(out_stdout);
	src_counters(A->wt.src)->out++;
}

static int
g_cmp(const void *a, const void *b, void *arg)
{
	struct atool *A = arg;
	size_t na, nb;
	const char *ka = tab_key(A->keys, *(const int64_t *)a, &na);
	const char *kb = tab_key(A->keys, *(const int64_t *)b, &nb);

	return key_cmp(ka, na, kb, nb);
}

/* Every key (or every changed key), in key order. */
static void
g_emit_all(struct atool *A, int changed_only)
{
	int64_t *ids, it;
	size_t n = 0, i, klen;
	const char *k;
	uint8_t *flag;

	ids = xmalloc((tab_count(A->keys) + 1) * sizeof(*ids));
	for (it = tab_next(A->keys, -1); it >= 0; it = tab_next(A->keys, it)) {
		flag = tab_value(A->keys, it);
		if (!changed_only || *flag)
			ids[n++] = it;
	}
	qsort_r(ids, n, sizeof(*ids), g_cmp, A);
	for (i = 0; i < n; i++) {
		k = tab_key(A->keys, ids[i], &klen);
		g_write(A, k, klen, g_block(A, ids[i]));
		*(uint8_t *)tab_value(A->keys, ids[i]) = 0;
	}
	free(ids);
}

static void
g_event(struct atool *A, struct src_event *ev)
{
	uint64_t h = wintool_keyof(&A->wt, ev);
	int64_t id, t = ev->rec.time_ns;
	int created;

	if (!key_shard_keeps(h, A->wt.o.shard_i, A->wt.o.shard_n))
		return;
	id = tab_put(A->keys, A->wt.kb.data, A->wt.kb.len, h, &created);
	if (id < 0)
		diag_fatal(EX_SOFTWARE, "out of memory (%zu keys)",
		    tab_count(A->keys));
	if (created)
		aggset_init(&A->aggs, g_block(A, id));
	aggset_add(&A->aggs, g_block(A, id), ev->rec.v, t, A->seq);
	*(uint8_t *)tab_value(A->keys, id) = 1;
	if (A->wt.o.emit == EMIT_UPDATES)
		g_write(A, A->wt.kb.data, A->wt.kb.len, g_block(A, id));
}

/*
 * --emit every D: when the watermark crosses a multiple of D, every key
 * that changed since the last emission, as it stands (Flink's continuous
 * event-time trigger).  Without a source of progress that is at the end.
 */
static void
g_advance(void *ctx, int64_t wm)
{
	struct atool *A = ctx;
	int64_t d = A->wt.o.emit_every_agg_ns;

	if (A->wt.o.emit != EMIT_EVERY || wm == WM_MAX)
		return;
	if (A->next_every != INT64_MIN && wm >= A->next_every)
		g_emit_all(A, 1);
	if (A->next_every == INT64_MIN || wm >= A->next_every)
		A->next_every = wm - tp_mod(wm, d) + d;
}

static void
g_merge_partial(struct atool *A, const struct partial *p, const void *blk)
{
	int64_t id;
	int created;

	id = tab_put(A->keys, p->key->data, p->key->len,
	    hash_bytes(p->key->data, p->key->len), &created);
	if (id < 0)
		diag_fatal(EX_SOFTWARE, "out of memory");
	if (created)
		aggset_init(&A->aggs, g_block(A, id));
	aggset_merge(&A->aggs, g_block(A, id), blk);
	*(uint8_t *)tab_value(A->keys, id) = 1;
}

static void
g_finish(void *ctx, int flush)
{
	struct atool *A = ctx;

	if (!flush)
		return;
	if (A->wt.o.emit == EMIT_FINAL || A->wt.o.emit == EMIT_PARTIAL)
		g_emit_all(A, 0);
	else if (A->wt.o.emit == EMIT_EVERY)
		g_emit_all(A, 1);
}

static uint64_t
g_state_bytes(void *ctx)
{
	struct atool *A = ctx;
	uint64_t n = tab_bytes(A->keys);
	int64_t it;

	for (it = tab_next(A->keys, -1); it >= 0; it = tab_next(A->keys, it))
		n += aggset_bytes(&A->aggs, g_block(A, it));
	return n;
}

static void
g_save(void *ctx, struct buf *b)
{
	struct atool *A = ctx;
	const char *k;
	size_t n;
	int64_t it;
	int first = 1;

	buf_printf(b, "{\"next_every\":%lld,\"keys\":[",
	    (long long)A->next_every);
	for (it = tab_next(A->keys, -1); it >= 0;
	    it = tab_next(A->keys, it), first = 0) {
		k = tab_key(A->keys, it, &n);
		buf_adds(b, first ? "\n[\"" : ",\n[\"");
		buf_hex(b, k, n);
		buf_printf(b, "\",%u,", *(uint8_t *)tab_value(A->keys, it));
		aggset_encode(&A->aggs, g_block(A, it), b);
		buf_addc(b, ']');
	}
	buf_adds(b, "]}\n");
}

static int
g_load(void *ctx, const char *p, size_t n, struct fault *f)
{
	struct atool *A = ctx;
	struct buf hx, key;
	struct jcur jc;
	int64_t changed, id;
	int created, r = -1;

	buf_init(&hx);
	buf_init(&key);
	jc_init(&jc, p, n, f);
	if (jc_begin_object(&jc) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "next_every") == -1 ||
	    jc_int(&jc, &A->next_every) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "keys") == -1 || jc_begin_array(&jc) == -1)
		goto out;
	while (jc_more(&jc) == 1) {
		if (jc_begin_array(&jc) == -1 || jc_more(&jc) != 1 ||
		    jc_string(&jc, &hx) == -1 ||
		    buf_unhex(&key, hx.data, hx.len) == -1)
			goto bad;
		if (!key_valid(key.data, key.len, A->wt.key.n) ||
		    jc_more(&jc) != 1 || jc_int(&jc, &changed) == -1 ||
		    jc_more(&jc) != 1)
			goto bad;
		id = tab_put(A->keys, key.data, key.len,
		    hash_bytes(key.data, key.len), &created);
		if (id < 0 || !created)
			goto bad;
		aggset_init(&A->aggs, g_block(A, id));
		*(uint8_t *)tab_value(A->keys, id) = changed != 0;
		if (aggset_decode(&A->aggs, g_block(A, id), &jc, f) == -1 ||
		    jc_more(&jc) != 0)
			goto out;
	}
	if (jc_more(&jc) != 0 || jc_end(&jc) != 0)
		goto bad;
	r = 0;
	goto out;
bad:
	jc_fail(&jc, "bad aggregate key");
out:
	buf_release(&hx);
	buf_release(&key);
	return r;
}

static void
event(void *ctx, struct src_event *ev)
{
	struct atool *A = ctx;
	struct fault f;

	A->seq++;
	if (A->wt.o.merge) {
		fault_set(&f, EX_DATAERR, "not a @partial record (--merge "
		    "reads the output of stream-agg --emit partial)");
		f.line = ev->rec.lineno;
		src_bad(A->wt.src, ev, &f);
		return;
	}
	if (A->wt.w != NULL)
		wintool_event(&A->wt, ev);
	else
		g_event(A, ev);
}

static void
fingerprint(void *ctx, struct buf *b)
{
	struct atool *A = ctx;

	buf_adds(b, "aggregates=");
	aggset_describe(&A->aggs, b);
	buf_printf(b, "\nmerge=%d\n", A->wt.o.merge);
}

/* --- hooks over both parts: windows and per-key totals --- */

static void
m_advance(void *ctx, int64_t wm)
{
	struct atool *A = ctx;

	win_advance(A->wt.w, wm);
	fin_release(A, wm);
}

static void
finish(void *ctx, int flush)
{
	struct atool *A = ctx;

	if (flush && A->wt.w != NULL)
		win_flush(A->wt.w);
	if (flush)
		fin_release(A, WM_MAX);
	if (A->keys != NULL)
		g_finish(ctx, flush);
}

static uint64_t
state_bytes(void *ctx)
{
	struct atool *A = ctx;

	uint64_t n = 0;
	int i;

	for (i = 0; A->finq != NULL && i < A->nshards; i++)
		n += A->finq[i].bytes.cap + A->finq[i].cap *
		    sizeof(struct fin);
	return n + (A->wt.w != NULL ? win_bytes(A->wt.w) : 0) +
	    (A->keys != NULL ? g_state_bytes(ctx) : 0);
}

static void
save(void *ctx, struct buf *b)
{
	struct atool *A = ctx;

	buf_adds(b, "{\"windows\":");
	if (A->wt.w != NULL)
		win_save(A->wt.w, b);
	else
		buf_adds(b, "null");
	buf_adds(b, ",\"totals\":");
	if (A->keys != NULL)
		g_save(ctx, b);
	else
		buf_adds(b, "null");
	if (A->finq != NULL)
		fin_save(A, b);
	buf_adds(b, "}\n");
}

static int
load(void *ctx, const char *p, size_t n, struct fault *f)
{
	struct atool *A = ctx;
	struct jcur jc;
	const char *raw;
	size_t rn;

	jc_init(&jc, p, n, f);
	if (jc_begin_object(&jc) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "windows") == -1)
		return -1;
	if (A->wt.w != NULL ? win_load(A->wt.w, &jc, f) == -1 :
	    jc_null(&jc) == -1)
		return -1;
	if (jc_more(&jc) != 1 || jc_expect_key(&jc, "totals") == -1)
		return -1;
	if (A->keys != NULL) {
		if (jc_raw(&jc, &raw, &rn) == -1 ||
		    g_load(ctx, raw, rn, f) == -1)
			return -1;
	} else if (jc_null(&jc) == -1) {
		return -1;
	}
	if (A->finq != NULL && jc_more(&jc) == 1 &&
	    (jc_expect_key(&jc, "finals") == -1 || fin_load(A, &jc, f) == -1))
		return -1;
	return jc_more(&jc) == 0 && jc_end(&jc) == 0 ? 0 :
	    jc_fail(&jc, "trailing data");
}

int
main(int argc, char *argv[])
{
	static struct atool A;
	static struct win_ops ops;
	struct run_hooks h;
	struct fault f;
	int used;

	diag_init("stream-agg");
	wintool_parse(&A.wt, T_AGG, argc, argv);
	if (aggset_parse(&A.aggs, A.wt.o.args, A.wt.o.nargs, &used,
	    A.wt.o.exact, A.wt.fl, &f) == -1)
		opt_usage_error(&A.wt.o, "%s", f.msg);
	if (used == 0)
		opt_usage_error(&A.wt.o, "no aggregate given (e.g. count, "
		    "'avg(.latency_ms)', 'p99(.latency_ms) as p99')");
	if (A.wt.o.win == WIN_NONE && A.wt.o.lateness_ns > 0 &&
	    !A.wt.o.merge)
		opt_usage_error(&A.wt.o, "--lateness needs a window");
	if (A.wt.o.part_n > 0 && (A.wt.o.emit != EMIT_PARTIAL ||
	    A.wt.o.win == WIN_NONE || A.wt.o.merge))
		opt_usage_error(&A.wt.o, "--partition is for --emit partial "
		    "with a window");
	if (A.wt.o.win != WIN_NONE && (A.wt.o.emit == EMIT_UPDATES ||
	    A.wt.o.emit == EMIT_EVERY))
		opt_usage_error(&A.wt.o, "--emit updates and --emit every "
		    "are for aggregates without a window");
	A.sig = partial_sig(&A.aggs);
	snprintf(A.sighex, sizeof(A.sighex), "%016llx",
	    (unsigned long long)A.sig);
	A.scratch = xmalloc(A.aggs.state_size + 8);
	buf_init(&A.pkey);
	memset(&h, 0, sizeof(h));
	h.event = event;
	h.partial = partial;
	h.fingerprint = fingerprint;
	h.finish = finish;
	h.state_bytes = state_bytes;
	h.save = save;
	h.load = load;
	ops = agg_ops;
	ops.size = A.aggs.state_size;
	if (A.wt.o.merge) {
		/* Partials carry their windows; the cells just hold them. */
		for (A.nshards = 0; A.wt.o.args[used + A.nshards] != NULL;
		    A.nshards++)
			;
		A.wt.o.win = WIN_TUMBLING;
		A.wt.o.size_ns = 1;
		A.wt.o.offset_ns = 0;
		ops = merge_ops;
		h.advance = m_advance;
		fin_open(&A);
	}
	if (A.wt.o.win == WIN_NONE || A.wt.o.merge) {
		A.keys = tab_new(G_HDR + A.aggs.state_size);
		A.next_every = INT64_MIN;
	}
	if (A.wt.o.win == WIN_NONE)
		h.advance = g_advance;
	wintool_open(&A.wt, A.wt.o.args + used, &ops, &A, &h);
	if (A.wt.o.emit == EMIT_PARTIAL)
		src_set_forwarding(A.wt.src, 1);
	if (A.wt.o.merge)
		src_set_raw(A.wt.src, fin_line, &A);
	/* A shard's keys are its own: its results need no merging. */
	A.owned = A.wt.o.emit == EMIT_PARTIAL && (A.wt.o.shard_n > 0 ||
	    A.wt.o.part_n > 0) && A.wt.o.win != WIN_NONE;
	used = wintool_run(&A.wt);
	if (A.keys != NULL) {
		int64_t it;

		for (it = tab_next(A.keys, -1); it >= 0;
		    it = tab_next(A.keys, it))
			aggset_release(&A.aggs, g_block(&A, it));
	}
	tab_free(A.keys);
	fin_free(&A);
	free(A.scratch);
	buf_release(&A.pkey);
	aggset_release_specs(&A.aggs);
	return used;
}
