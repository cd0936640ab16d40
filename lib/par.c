/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * par.c - a reader thread, N parsing workers, one consumer in order.
 *
 * Blocks sit in a ring of nblocks slots, a block of sequence number s in
 * slot s % nblocks.  The reader thread fills the slot of wseq once it is
 * free, the workers parse the filled blocks in sequence (pseq), and the
 * consumer takes cseq once it is parsed and frees it when it has taken
 * every line.  One mutex guards the slots' states and the three
 * counters; a block's contents belong to whoever moved it to its state.
 *
 * A stream of regular files is read by offsets (SPEC 10): the reader
 * thread only opens the files and hands out byte ranges of block_bytes,
 * and each worker reads its range with pread(2) and cuts it into lines
 * itself, as reader.c would have: a block holds the lines that start in
 * its range, reading on past its end for the last one.  Line numbers are
 * counted per block and made whole by the consumer, which takes the
 * blocks in order.  A line over the limit is left in the file: the
 * consumer copies it to the spill sink from there.  A file is read to
 * the size it had when it was reached.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "clock.h"
#include "fault.h"
#include "par.h"
#include "reader.h"
#include "record.h"
#include "sink.h"
#include "xmalloc.h"

enum { B_FREE, B_FILLING, B_FILLED, B_PARSING, B_DONE };

/* What an item is, beyond rd_next()'s RD_LINE, RD_OVERSIZE, RD_ERROR. */
#define ITEM_SPILL	100	/* bytes of an oversize line */
#define SPILL_CHUNK	16384	/* an oversize line read from its file */
#define PAR_RANGE_MIN	64	/* bytes of a file a block reads at least */

struct item {
	int		 kind;
	int		 stream;
	int		 ok;		/* RD_LINE: parsed */
	enum rec_kind	 rk;
	int		 fault;		/* index in faults, or -1 */
	int		 timed;		/* the time hook ran */
	int		 tfault;	/* its fault's index, or -1 */
	int64_t		 time_ns;
	int		 prepped;	/* the tool's prep ran */
	int		 pfault;	/* its fault's index, or -1 */
	struct par_prep	 prep;
	size_t		 off, len;
	int64_t		 lineno;
	const char	*file;
};

struct block {
	int		 state;
	int		 last;		/* the input ends after it */
	char		*data;
	size_t		 len, cap;
	struct item	*it;
	size_t		 n, icap;
	struct value	*vals;		/* n * nslots, parsed */
	size_t		 vcap;
	struct fault	*faults;
	size_t		 nf, fcap;
	struct arena	*arena;
	uint64_t	 bytes;		/* read when it was filled */
	/* A range of a file (mf >= 0), read by the worker. */
	int		 mf;		/* index in par.mf, or -1 */
	uint64_t	 lo, hi;
	uint64_t	 base;		/* the file offset of data[0] */
	int64_t		 nlines;	/* lines that start in it */
	int		 file_last;	/* the file's last range */
};

/* A file read by offsets. */
struct mfile {
	const char	*name;
	int		 stream;
	int		 stream_last;	/* the stream ends after it */
	int		 fd;
	uint64_t	 start;		/* where reading starts (stdin's) */
	uint64_t	 size;		/* when it was opened */
};

struct worker {
	struct par	*P;
	pthread_t	 tid;
	struct parser	*parser[PAR_STREAMS_MAX];
	struct arena	*scratch;	/* the parser's, between blocks */
	void		*ctx;		/* the tool's, for this thread */
};

struct par {
	struct par_config cfg;
	struct reader	*rd;
	struct rd_config saved;		/* the reader's hooks, given back */
	int		 nstreams;
	int		 nslots[PAR_STREAMS_MAX];
	int		 stride;	/* values a line: the most slots */
	struct block	*b;
	int		 nblocks;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv_free;	/* a slot became free */
	pthread_cond_t	 cv_work;	/* a block was filled */
	pthread_cond_t	 cv_done;	/* a block was parsed */
	uint64_t	 wseq, pseq, cseq;
	int		 quit;
	/* The reader thread's. */
	pthread_t	 rtid;
	int		 rstarted;
	struct block	*cur;
	int		 rquit;		/* quit, as last seen */
	struct sink	 spill;		/* the reader's spill, into blocks */
	/* The workers. */
	struct worker	*w;
	int		 nw;
	/* The consumer's. */
	struct block	*taking;
	size_t		 ti;
	uint64_t	 bytes;
	int		 ended;
	int		 sended[PAR_STREAMS_MAX];	/* RD_STREAM_END taken */
	struct par_rec	 pr;
	/* Regular files, read by offsets (NULL: through the reader). */
	struct mfile	*mf;
	int		 nmf;
	size_t		 line_max;
	int64_t		 lbase;		/* lines of the file before */
};

static void
lock(struct par *P)
{
	pthread_mutex_lock(&P->mu);
}

static void
unlock(struct par *P)
{
	pthread_mutex_unlock(&P->mu);
}

static struct block *
slot(struct par *P, uint64_t seq)
{
	return &P->b[seq % (uint64_t)P->nblocks];
}

static int
add_fault(struct block *b, const struct fault *f)
{
	if (b->nf == b->fcap) {
		b->fcap = b->fcap ? b->fcap * 2 : 8;
		b->faults = xrealloc(b->faults, b->fcap * sizeof(*b->faults));
	}
	b->faults[b->nf] = *f;
	return (int)b->nf++;
}

/* --- the reader thread --- */

/* The block being filled, waiting for its slot; NULL when told to quit. */
static struct block *
cur_block(struct par *P)
{
	struct block *b;

	if (P->cur != NULL)
		return P->cur;
	lock(P);
	b = slot(P, P->wseq);
	while (!P->quit && b->state != B_FREE)
		pthread_cond_wait(&P->cv_free, &P->mu);
	if (P->quit) {
		unlock(P);
		return NULL;
	}
	b->state = B_FILLING;
	unlock(P);
	b->len = b->n = b->nf = 0;
	b->last = 0;
	b->mf = -1;
	b->nlines = 0;
	b->file_last = 0;
	arena_reset(b->arena);
	return P->cur = b;
}

static void
submit(struct par *P, int last)
{
	struct block *b = P->cur;

	if (b == NULL)
		return;
	b->last = last;
	if (b->mf < 0)
		b->bytes = rd_bytes(P->rd);
	lock(P);
	b->state = B_FILLED;
	P->wseq++;
	pthread_cond_signal(&P->cv_work);
	P->rquit = P->quit;
	unlock(P);
	P->cur = NULL;
}

/* An item at the end of block b, its bytes at off in b's data. */
static struct item *
push_item(struct block *b, int kind, size_t off, size_t n)
{
	struct item *it;

	if (b->n == b->icap) {
		b->icap = b->icap ? b->icap * 2 : 1024;
		b->it = xrealloc(b->it, b->icap * sizeof(*b->it));
	}
	it = &b->it[b->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->fault = it->tfault = it->pfault = -1;
	it->off = off;
	it->len = n;
	return it;
}

/* Room for n more bytes in b's data (an empty one gets first + n). */
static void
data_room(struct block *b, size_t n, size_t first)
{
	if (b->cap - b->len >= n)
		return;
	while (b->cap - b->len < n)
		b->cap = b->cap ? b->cap * 2 : first + n;
	b->data = xrealloc(b->data, b->cap);
}

static struct item *
add_item(struct par *P, int kind, const char *p, size_t n)
{
	struct block *b = cur_block(P);
	struct item *it;

	if (b == NULL)
		return NULL;
	data_room(b, n, P->cfg.block_bytes + 4096);
	it = push_item(b, kind, b->len, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return it;
}

static int
full(const struct par *P)
{
	const struct block *b = P->cur;

	return b != NULL && (b->len >= P->cfg.block_bytes ||
	    b->n >= PAR_BLOCK_LINES);
}

/* The reader spilled bytes of an oversize line: they go in the block. */
static void
spill_drain(struct sink *s)
{
	struct par *P = (struct par *)(void *)((char *)s -
	    offsetof(struct par, spill));

	if (s->b.len > 0 && add_item(P, ITEM_SPILL, s->b.data, s->b.len))
		if (full(P))
			submit(P, 0);
	buf_clear(&s->b);
}

/* The reader would wait for input: what is read so far goes on. */
static void
reader_waits(void *arg)
{
	struct par *P = arg;

	if (P->cur != NULL && P->cur->n > 0)
		submit(P, 0);
}

static int
quitting(struct par *P)
{
	int q;

	lock(P);
	q = P->quit;
	unlock(P);
	return q;
}

static void *
reader_main(void *arg)
{
	struct par *P = arg;
	struct item *it;
	struct line l;
	struct fault f;
	int r = 0;

	for (;;) {
		/* Asked under the mutex only when blocks change hands. */
		if (P->rquit || ((r == RD_TIMEOUT || P->cur == NULL) &&
		    quitting(P)))
			return NULL;
		r = rd_next(P->rd, &l, 100, &f);
		if (P->spill.b.len > 0)
			spill_drain(&P->spill);
		switch (r) {
		case RD_LINE:
		case RD_OVERSIZE:
			/* A block's buffer stays at its size, as a rule. */
			if (r == RD_LINE && P->cur != NULL && P->cur->n > 0 &&
			    P->cur->len + l.len > P->cfg.block_bytes)
				submit(P, 0);
			it = add_item(P, r, l.p, r == RD_LINE ? l.len : 0);
			if (it == NULL)
				return NULL;
			it->lineno = l.lineno;
			it->file = l.file;
			it->stream = l.stream;
			if (full(P))
				submit(P, 0);
			break;
		case RD_STREAM_END:
			if ((it = add_item(P, RD_STREAM_END, NULL, 0)) == NULL)
				return NULL;
			it->stream = l.stream;
			break;
		case RD_EOF:
			if (cur_block(P) == NULL)
				return NULL;
			submit(P, 1);
			return NULL;
		case RD_ERROR:
			if ((it = add_item(P, RD_ERROR, NULL, 0)) == NULL)
				return NULL;
			it->fault = add_fault(P->cur, &f);
			submit(P, 1);
			return NULL;
		default:	/* RD_TIMEOUT */
			break;
		}
	}
}

/* Regular files: opened in turn, cut into ranges for the workers. */
static void *
reader_files(void *arg)
{
	struct par *P = arg;
	uint64_t before = 0, lo;
	struct block *b;
	struct fault f;
	struct stat st;
	struct item *it;
	off_t off;
	size_t range = P->cfg.block_bytes;
	int i;

	/* Ranges of a few bytes would be blocks of nothing, in their 100s. */
	if (range < PAR_RANGE_MIN)
		range = PAR_RANGE_MIN;
	for (i = 0; i < P->nmf; i++) {
		struct mfile *m = &P->mf[i];

		if ((m->fd = strcmp(m->name, "-") == 0 ?
		    fcntl(0, F_DUPFD_CLOEXEC, 0) :
		    open(m->name, O_RDONLY | O_CLOEXEC)) == -1 ||
		    fstat(m->fd, &st) == -1) {
			fault_set(&f, EX_NOINPUT, "cannot open %s: %s",
			    m->name, strerror(errno));
			if ((b = cur_block(P)) == NULL)
				return NULL;
			it = push_item(b, RD_ERROR, 0, 0);
			it->fault = add_fault(b, &f);
			submit(P, 1);
			return NULL;
		}
		m->size = (uint64_t)st.st_size;
		if (strcmp(m->name, "-") == 0 &&
		    (off = lseek(0, 0, SEEK_CUR)) > 0)
			m->start = (uint64_t)off < m->size ? (uint64_t)off :
			    m->size;
		lo = m->start;
		do {
			if ((b = cur_block(P)) == NULL)
				return NULL;
			b->mf = i;
			b->lo = lo;
			b->hi = m->size - lo > range ? lo + range : m->size;
			b->file_last = b->hi == m->size;
			b->bytes = before + b->hi;
			lo = b->hi;
			submit(P, 0);
		} while (lo < m->size);
		before += m->size;
		if (m->stream_last) {
			if ((b = cur_block(P)) == NULL)
				return NULL;
			push_item(b, RD_STREAM_END, 0, 0)->stream = m->stream;
			b->bytes = before;
			submit(P, i == P->nmf - 1);
		}
	}
	return NULL;
}

/* --- the workers --- */

/*
 * Bytes of file m from off to the end of b's data, at most n: how many
 * (0 at the file's end, as it was), or -1 with the fault.
 */
static ssize_t
read_at(struct block *b, const struct mfile *m, uint64_t off, size_t n,
    struct fault *f)
{
	ssize_t r;

	if (off >= m->size)
		return 0;
	if (n > m->size - off)
		n = (size_t)(m->size - off);
	data_room(b, n, 4096);
	do
		r = pread(m->fd, b->data + b->len, n, (off_t)off);
	while (r == -1 && errno == EINTR);
	if (r == -1)
		return fault_set(f, EX_IOERR, "read %s: %s", m->name,
		    strerror(errno));
	b->len += (size_t)r;
	return r;
}

/* Past a range's end: 256 bytes, then twice as many each time. */
#define READ_ON_MIN	256
#define READ_ON_MAX	(64 * 1024)

/*
 * Block b's range of its file into lines, as reader.c cuts them: the
 * lines that start in [lo, hi), numbered from 1 in the block.  Reading
 * starts a byte early (does a line start at lo?) and goes on past hi to
 * the end of the last line, or until it is over the limit: an oversize
 * line is left in the file (base + it->off is its offset there).  0, or
 * -1 with the fault.
 */
static int
cut_range(struct par *P, struct block *b, struct fault *f)
{
	const struct mfile *m = &P->mf[b->mf];
	size_t start = 0, end, len, want, on, lim = P->line_max;
	const char *nl;
	struct item *it;
	ssize_t r;
	int eof;

	b->len = 0;
	b->base = b->lo > m->start ? b->lo - 1 : b->lo;
	want = (size_t)(b->hi - b->base);
	if ((r = read_at(b, m, b->base, want, f)) == -1)
		return -1;
	eof = (size_t)r < want || b->hi >= m->size;
	if (b->lo > m->start) {
		/* A line starts in the range after the first newline. */
		if ((nl = memchr(b->data, '\n', b->len)) == NULL)
			return 0;
		start = (size_t)(nl - b->data) + 1;
	}
	while (b->base + start < b->hi && start < b->len) {
		nl = memchr(b->data + start, '\n', b->len - start);
		on = READ_ON_MIN;
		while (nl == NULL && !eof && b->len - start <= lim + 1) {
			if ((r = read_at(b, m, b->base + b->len, on, f)) == -1)
				return -1;
			eof = (size_t)r < on || b->base + b->len >= m->size;
			if (on < READ_ON_MAX)
				on *= 2;
			nl = memchr(b->data + start, '\n', b->len - start);
		}
		end = nl != NULL ? (size_t)(nl - b->data) : b->len;
		len = end - start;
		if (len > 0 && b->data[end - 1] == '\r')
			len--;
		b->nlines++;
		if (len > lim) {
			/* Left in the file: the consumer copies it out. */
			it = push_item(b, RD_OVERSIZE, start, 0);
		} else if (len > 0 && !rd_blank(b->data + start, len)) {
			it = push_item(b, RD_LINE, start, len);
		} else {
			it = NULL;
		}
		if (it != NULL) {
			it->lineno = b->nlines;
			it->file = m->name;
			it->stream = m->stream;
		}
		if (nl == NULL)
			break;
		start = end + 1;
	}
	return 0;
}


static void
parse_block(struct worker *W, struct block *b, uint64_t seq)
{
	const struct par_config *c = &W->P->cfg;
	size_t stride = (size_t)W->P->stride;
	struct record rec;
	struct fault f;
	size_t i;
	int k, r;

	if (b->mf >= 0 && cut_range(W->P, b, &f) == -1)
		push_item(b, RD_ERROR, 0, 0)->fault = add_fault(b, &f);
	if (b->vcap < b->n * stride) {
		b->vcap = b->n * stride;
		b->vals = xrealloc(b->vals, b->vcap * sizeof(*b->vals));
	}
	for (k = 0; k < W->P->nstreams; k++)
		rec_parser_set_arena(W->parser[k], b->arena);
	if (c->tool != NULL && c->tool->block != NULL)
		c->tool->block(c->tool->arg, W->ctx, seq + 1);
	for (i = 0; i < b->n; i++) {
		struct item *it = &b->it[i];

		if (it->kind != RD_LINE)
			continue;
		if (rec_parse(W->parser[it->stream], b->data + it->off,
		    it->len, &rec, &f) == -1) {
			it->fault = add_fault(b, &f);
			continue;
		}
		it->ok = 1;
		it->rk = rec.kind;
		memcpy(b->vals + i * stride, rec.v,
		    (size_t)rec.nv * sizeof(*b->vals));
		if (rec.kind == REC_WATERMARK && c->tool != NULL &&
		    c->tool->mark != NULL)
			c->tool->mark(c->tool->arg, W->ctx);
		if (rec.kind != REC_EVENT)
			continue;
		rec.time_ns = PAR_NO_TIME;
		rec.stream = it->stream;
		rec.lineno = it->lineno;
		if (c->time != NULL && (r = c->time(c->time_arg, &rec,
		    &it->time_ns, &f)) != 1) {
			it->timed = 1;
			if (r == -1)
				it->tfault = add_fault(b, &f);
			else
				rec.time_ns = it->time_ns;
		}
		if (c->tool == NULL || c->tool->prep == NULL ||
		    (it->tfault >= 0 && !c->tool->untimed))
			continue;
		it->prepped = 1;
		if (c->tool->prep(c->tool->arg, W->ctx, &rec, b->arena,
		    &it->prep, &f) == -1)
			it->pfault = add_fault(b, &f);
	}
	for (k = 0; k < W->P->nstreams; k++)
		rec_parser_set_arena(W->parser[k], W->scratch);
}

static void *
worker_main(void *arg)
{
	struct worker *W = arg;
	struct par *P = W->P;
	struct block *b;
	uint64_t seq;

	for (;;) {
		lock(P);
		while (!P->quit && slot(P, P->pseq)->state != B_FILLED)
			pthread_cond_wait(&P->cv_work, &P->mu);
		if (P->quit) {
			unlock(P);
			return NULL;
		}
		seq = P->pseq++;
		b = slot(P, seq);
		b->state = B_PARSING;
		/* Another block may be waiting behind this one. */
		if (slot(P, P->pseq)->state == B_FILLED)
			pthread_cond_signal(&P->cv_work);
		unlock(P);
		parse_block(W, b, seq);
		lock(P);
		b->state = B_DONE;
		pthread_cond_broadcast(&P->cv_done);
		unlock(P);
	}
}

/* --- the consumer --- */

static void
stop_threads(struct par *P)
{
	int i;

	lock(P);
	P->quit = 1;
	pthread_cond_broadcast(&P->cv_free);
	pthread_cond_broadcast(&P->cv_work);
	pthread_cond_broadcast(&P->cv_done);
	unlock(P);
	if (P->rstarted)
		pthread_join(P->rtid, NULL);
	for (i = 0; i < P->nw; i++)
		pthread_join(P->w[i].tid, NULL);
	P->rstarted = 0;
	P->nw = 0;
}

/*
 * Read by offsets when every file is a regular one and the streams are
 * read one after another: one stream, or a join's two with one read to
 * its end first (rd_first()), as the reader would read them.
 */
static void
by_offsets(struct par *P, struct reader *rd)
{
	char *const *files[PAR_STREAMS_MAX];
	int order[PAR_STREAMS_MAX], k, j, n = 0;
	struct mfile *m;

	if (P->nstreams == 1)
		order[0] = 0;
	else if (P->nstreams == 2 && rd_first_stream(rd) >= 0) {
		order[0] = rd_first_stream(rd);
		order[1] = 1 - order[0];
	} else
		return;
	for (k = 0; k < P->nstreams; k++) {
		if ((files[k] = rd_regular_files(rd, order[k])) == NULL)
			return;
		for (j = 0; files[k][j] != NULL; j++)
			n++;
	}
	P->mf = xcalloc((size_t)n, sizeof(*P->mf));
	for (k = 0; k < P->nstreams; k++) {
		for (j = 0; files[k][j] != NULL; j++) {
			m = &P->mf[P->nmf++];
			m->name = files[k][j];
			m->stream = order[k];
			m->fd = -1;
		}
		P->mf[P->nmf - 1].stream_last = 1;
	}
	P->line_max = rd_line_max(rd);
}

struct par *
par_start(struct reader *rd, const struct par_config *cfg, struct fault *f)
{
	struct rd_config hooks;
	sigset_t all, old;
	struct par *P;
	int i, k, n = cfg->nthreads;

	if (n < 1 || n > PAR_THREADS_MAX)
		return fault_null(f, EX_USAGE, "-j: from 1 to %d threads",
		    PAR_THREADS_MAX);
	if (cfg->nstreams < 0 || cfg->nstreams > PAR_STREAMS_MAX ||
	    rd_nstreams(rd) != (cfg->nstreams ? cfg->nstreams : 1))
		return fault_null(f, EX_SOFTWARE, "par: %d streams",
		    rd_nstreams(rd));
	P = xcalloc(1, sizeof(*P));
	P->cfg = *cfg;
	if (P->cfg.block_bytes == 0)
		P->cfg.block_bytes = PAR_BLOCK_BYTES;
	P->rd = rd;
	P->nstreams = cfg->nstreams ? cfg->nstreams : 1;
	for (k = 0; k < P->nstreams; k++) {
		P->nslots[k] = rec_fields_count(cfg->fields[k]);
		if (P->nslots[k] > P->stride)
			P->stride = P->nslots[k];
	}
	if (getenv("STREAMKIT_NO_PREAD") == NULL)
		by_offsets(P, rd);
	P->nblocks = n * PAR_BLOCKS_PER_THREAD + 2;
	P->b = xcalloc((size_t)P->nblocks, sizeof(*P->b));
	for (i = 0; i < P->nblocks; i++)
		P->b[i].arena = arena_new();
	pthread_mutex_init(&P->mu, NULL);
	pthread_cond_init(&P->cv_free, NULL);
	pthread_cond_init(&P->cv_work, NULL);
	pthread_cond_init(&P->cv_done, NULL);
	buf_init(&P->spill.b);
	P->spill.drain = spill_drain;
	memset(&hooks, 0, sizeof(hooks));
	hooks.flush = reader_waits;
	hooks.flush_arg = P;
	hooks.spill = cfg->spill != NULL ? &P->spill : NULL;
	P->saved = hooks;
	rd_swap_hooks(rd, &P->saved);
	P->w = xcalloc((size_t)n, sizeof(*P->w));
	for (i = 0; i < n; i++) {
		P->w[i].P = P;
		P->w[i].scratch = arena_new();
		for (k = 0; k < P->nstreams; k++) {
			P->w[i].parser[k] = rec_parser_new(cfg->fields[k],
			    P->w[i].scratch, f);
			if (P->w[i].parser[k] == NULL) {
				par_free(P);
				return NULL;
			}
		}
		if (cfg->tool != NULL && cfg->tool->ctx_new != NULL)
			P->w[i].ctx = cfg->tool->ctx_new(cfg->tool->arg);
	}
	/* The threads take no signal: the caller's thread does. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < n; i++) {
		if (pthread_create(&P->w[i].tid, NULL, worker_main,
		    &P->w[i]) != 0)
			break;
		P->nw++;
	}
	if (P->nw == n && pthread_create(&P->rtid, NULL, P->mf != NULL ?
	    reader_files : reader_main, P) == 0)
		P->rstarted = 1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!P->rstarted) {
		par_free(P);
		return fault_null(f, EX_OSERR, "cannot start threads: %s",
		    strerror(errno));
	}
	return P;
}

void
par_free(struct par *P)
{
	int i, k;

	if (P == NULL)
		return;
	stop_threads(P);
	rd_swap_hooks(P->rd, &P->saved);
	for (i = 0; P->w != NULL && i < P->cfg.nthreads; i++) {
		for (k = 0; k < P->nstreams; k++)
			rec_parser_free(P->w[i].parser[k]);
		arena_free(P->w[i].scratch);
		if (P->w[i].ctx != NULL && P->cfg.tool->ctx_free != NULL)
			P->cfg.tool->ctx_free(P->cfg.tool->arg, P->w[i].ctx);
	}
	free(P->w);
	for (i = 0; i < P->nblocks; i++) {
		struct block *b = &P->b[i];

		free(b->data);
		free(b->it);
		free(b->vals);
		free(b->faults);
		arena_free(b->arena);
	}
	free(P->b);
	for (i = 0; i < P->nmf; i++)
		if (P->mf[i].fd >= 0)
			close(P->mf[i].fd);
	free(P->mf);
	buf_release(&P->spill.b);
	pthread_mutex_destroy(&P->mu);
	pthread_cond_destroy(&P->cv_free);
	pthread_cond_destroy(&P->cv_work);
	pthread_cond_destroy(&P->cv_done);
	free(P);
}

/*
 * Wait for block cseq to be parsed: 0, or -1 when timeout_ms passed or
 * the stop flag was set.  The wait is cut in slices so that a signal's
 * flag is seen within 50 ms.
 */
static int
wait_done(struct par *P, int timeout_ms)
{
	int64_t end = timeout_ms < 0 ? -1 : clock_mono_ms() + timeout_ms;
	struct block *b = slot(P, P->cseq);
	struct timespec ts;
	int64_t now, ms;
	int ready;

	lock(P);
	ready = b->state == B_DONE;
	unlock(P);
	if (ready)
		return 0;
	if (timeout_ms == 0)
		return -1;
	if (P->cfg.flush != NULL)
		P->cfg.flush(P->cfg.flush_arg);
	lock(P);
	while (b->state != B_DONE) {
		if (P->cfg.stop != NULL && *P->cfg.stop)
			break;
		now = clock_mono_ms();
		if (end >= 0 && now >= end)
			break;
		ms = end >= 0 && end - now < 50 ? end - now : 50;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(ms * 1000000);
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&P->cv_done, &P->mu, &ts);
	}
	ready = b->state == B_DONE;
	unlock(P);
	return ready ? 0 : -1;
}

static void
release(struct par *P)
{
	struct block *b = P->taking;

	if (b->mf >= 0) {
		P->lbase += b->nlines;
		if (b->file_last) {
			struct mfile *m = &P->mf[b->mf];

			P->lbase = 0;
			close(m->fd);
			m->fd = -1;
			/* Stdin is left where read(2) would have left it. */
			if (strcmp(m->name, "-") == 0)
				lseek(0, (off_t)m->size, SEEK_SET);
		}
	}
	lock(P);
	P->taking->state = B_FREE;
	P->cseq++;
	pthread_cond_signal(&P->cv_free);
	unlock(P);
	P->taking = NULL;
}

static void
spill_out(struct par *P, const char *p, size_t n)
{
	struct sink *o = P->cfg.spill;

	if (o == NULL)
		return;
	buf_add(&o->b, p, n);
	if (o->b.len >= SINK_DRAIN_AT)
		o->drain(o);
}

/*
 * An oversize line left in its file, to the spill sink as reader.c
 * spills: its bytes without the '\r' of its ending, then a newline.
 */
static void
spill_file(struct par *P, const struct block *b, const struct item *it)
{
	const struct mfile *m = &P->mf[b->mf];
	uint64_t off = b->base + it->off;
	char chunk[SPILL_CHUNK];
	const char *nl;
	size_t k, want;
	ssize_t n;
	int held = 0;

	while (off < m->size) {
		want = m->size - off < sizeof(chunk) ? (size_t)(m->size - off) :
		    sizeof(chunk);
		do
			n = pread(m->fd, chunk, want, (off_t)off);
		while (n == -1 && errno == EINTR);
		if (n <= 0)
			break;
		nl = memchr(chunk, '\n', (size_t)n);
		k = nl != NULL ? (size_t)(nl - chunk) : (size_t)n;
		/* A '\r' held back was content: bytes follow it. */
		if (held && k > 0)
			spill_out(P, "\r", 1);
		held = 0;
		if (k > 0 && chunk[k - 1] == '\r') {
			k--;
			held = 1;
		}
		spill_out(P, chunk, k);
		if (nl != NULL)
			break;
		off += (uint64_t)n;
	}
	spill_out(P, "\n", 1);
}

int
par_next(struct par *P, struct line *l, const struct par_rec **pr,
    int timeout_ms, struct fault *f)
{
	struct block *b;
	struct item *it;

	for (;;) {
		if (P->ended)
			return RD_EOF;
		if ((b = P->taking) == NULL) {
			if (wait_done(P, timeout_ms) == -1)
				return RD_TIMEOUT;
			b = P->taking = slot(P, P->cseq);
			P->ti = 0;
			P->bytes = b->bytes;
		}
		if (P->ti == b->n) {
			if (b->last)
				P->ended = 1;
			release(P);
			continue;
		}
		it = &b->it[P->ti++];
		l->p = b->data + it->off;
		l->len = it->len;
		l->lineno = it->lineno + (b->mf >= 0 ? P->lbase : 0);
		l->stream = it->stream;
		l->file = it->file;
		switch (it->kind) {
		case RD_STREAM_END:
			P->sended[it->stream] = 1;
			return RD_STREAM_END;
		case ITEM_SPILL:
			spill_out(P, l->p, l->len);
			continue;
		case RD_OVERSIZE:
			if (P->cfg.spill != NULL) {
				if (b->mf >= 0)
					spill_file(P, b, it);
				P->cfg.spill->records++;
			}
			return RD_OVERSIZE;
		case RD_ERROR:
			*f = b->faults[it->fault];
			return RD_ERROR;
		default:
			break;
		}
		P->pr.ok = it->ok;
		P->pr.rec.p = l->p;
		P->pr.rec.len = l->len;
		P->pr.rec.kind = it->rk;
		P->pr.rec.v = b->vals + (P->ti - 1) * (size_t)P->stride;
		P->pr.rec.nv = P->nslots[it->stream];
		P->pr.fault = it->ok ? NULL : &b->faults[it->fault];
		P->pr.timed = it->timed;
		P->pr.time_ns = it->time_ns;
		P->pr.time_fault = it->tfault >= 0 ? &b->faults[it->tfault] :
		    NULL;
		P->pr.prepped = it->prepped;
		P->pr.prep = it->prep;
		P->pr.prep_fault = it->pfault >= 0 ? &b->faults[it->pfault] :
		    NULL;
		*pr = &P->pr;
		return RD_LINE;
	}
}

int
par_mid_block(const struct par *P)
{
	return P->taking != NULL && P->ti > 0 && P->ti < P->taking->n;
}

uint64_t
par_bytes(const struct par *P)
{
	return P->bytes;
}

int
par_ended(const struct par *P)
{
	return P->ended;
}

int
par_stream_ended(const struct par *P, int i)
{
	return P->ended || (i >= 0 && i < P->nstreams && P->sended[i]);
}

const struct par_prep *
par_peek(const struct par *P, size_t ahead)
{
	const struct block *b = P->taking;
	const struct item *it;

	if (b == NULL || ahead == 0 || P->ti - 1 + ahead >= b->n)
		return NULL;
	it = &b->it[P->ti - 1 + ahead];
	return it->prepped && it->pfault < 0 ? &it->prep : NULL;
}
