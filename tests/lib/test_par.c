/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_par.c - unit tests for lib/par.c: the decode threads.
 *
 * par.h's promise read literally: par_next() gives what rd_next() and
 * rec_parse() give on one thread, in the same order, whatever the number
 * of threads and the block size: every line's number, bytes, parse (its
 * values, decoded strings included, or its fault), the oversize lines
 * with their bytes in the spill sink, and the time hook's answer for
 * each event.  The input is a temporary file with bad JSON, CRLF
 * endings, blank lines, escapes, oversize lines and no last newline.
 * Then two streams at once (a join's sides), each with its own fields
 * and a tool hook: the same lines in the same order, the ends of the
 * streams at their place, and the hook's answers.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "check.h"
#include "fault.h"
#include "par.h"
#include "path.h"
#include "reader.h"
#include "record.h"
#include "sink.h"
#include "xmalloc.h"

#define LINE_MAX_TEST	80

struct memsink {
	struct sink	 s;	/* first */
	struct buf	 all;
};

static void
mem_drain(struct sink *s)
{
	struct memsink *m = (struct memsink *)(void *)s;

	buf_add(&m->all, s->b.data, s->b.len);
	s->b.len = 0;
}

static void
mem_init(struct memsink *m)
{
	memset(m, 0, sizeof(*m));
	buf_init(&m->s.b);
	buf_init(&m->all);
	m->s.drain = mem_drain;
}

static void
mem_release(struct memsink *m)
{
	mem_drain(&m->s);
	buf_release(&m->s.b);
	buf_release(&m->all);
}

/* The test's time: .a as an integer, else a fault. */
static int
time_of(void *arg, const struct record *rec, int64_t *t, struct fault *f)
{
	const struct value *v = &rec->v[*(int *)arg];

	if (v->type != V_NUMBER || !v->isint)
		return fault_set(f, EX_DATAERR, "no time");
	*t = v->i * 1000;
	return 0;
}

/* One line of the trace: what a consumer sees of a line. */
static void
trace(struct buf *t, int r, const struct line *l, int ok,
    const struct record *rec, const struct fault *f, int slot,
    int timed, int64_t tns, const struct fault *tf)
{
	const struct value *v;

	buf_printf(t, "%d %lld", r, (long long)l->lineno);
	if (r != RD_LINE) {
		buf_addc(t, '\n');
		return;
	}
	buf_printf(t, " [%.*s] ", (int)l->len, l->p);
	if (!ok) {
		buf_printf(t, "bad %s\n", f->msg);
		return;
	}
	v = &rec->v[slot];
	buf_printf(t, "kind %d type %d", rec->kind, v->type);
	if (v->type == V_STRING)
		buf_printf(t, " s=%.*s", (int)v->slen, v->s);
	if (v->type == V_NUMBER)
		buf_printf(t, " raw=%.*s", (int)v->rawlen, v->raw);
	if (timed && tf != NULL)
		buf_printf(t, " time: %s", tf->msg);
	else if (timed)
		buf_printf(t, " time %lld", (long long)tns);
	buf_addc(t, '\n');
}

static struct reader *
open_rd(const char *file, struct sink *spill)
{
	/* The reader keeps the list (argv's, in a tool). */
	static char *files[2];
	static char **streams[] = { files };
	struct rd_config c;
	struct reader *rd;
	struct fault f;

	files[0] = (char *)file;
	memset(&c, 0, sizeof(c));
	c.line_max = LINE_MAX_TEST;
	c.spill = spill;
	if ((rd = rd_open(streams, 1, &c, &f)) == NULL) {
		fprintf(stderr, "rd_open: %s\n", f.msg);
		exit(1);
	}
	return rd;
}

/* One thread: rd_next() and rec_parse(), the time read after. */
static void
run_one(const char *file, struct fields *fl, int slot, struct buf *t,
    struct memsink *spill)
{
	struct reader *rd = open_rd(file, &spill->s);
	struct arena *a = arena_new();
	struct parser *P = rec_parser_new(fl, a, NULL);
	struct record rec;
	struct fault f, tf;
	struct line l;
	int64_t tns = 0;
	int r, ok, timed;

	while ((r = rd_next(rd, &l, -1, &f)) != RD_EOF) {
		if (r == RD_STREAM_END)
			continue;
		CHECK(r == RD_LINE || r == RD_OVERSIZE);
		if (r != RD_LINE && r != RD_OVERSIZE)
			break;
		ok = r == RD_LINE && rec_parse(P, l.p, l.len, &rec, &f) == 0;
		timed = ok && rec.kind == REC_EVENT;
		if (timed && time_of(&slot, &rec, &tns, &tf) == 0)
			trace(t, r, &l, ok, &rec, &f, slot, 1, tns, NULL);
		else
			trace(t, r, &l, ok, &rec, &f, slot, timed, tns, &tf);
	}
	rec_parser_free(P);
	arena_free(a);
	rd_free(rd);
}

static void
run_par(const char *file, struct fields *fl, int slot, int n, size_t block,
    struct buf *t, struct memsink *spill)
{
	struct reader *rd = open_rd(file, NULL);
	const struct par_rec *pr;
	struct par_config c;
	struct fault f;
	struct line l;
	struct par *p;
	int r;

	memset(&c, 0, sizeof(c));
	c.nthreads = n;
	c.block_bytes = block;
	c.fields[0] = fl;
	c.spill = &spill->s;
	c.time = time_of;
	c.time_arg = &slot;
	if ((p = par_start(rd, &c, &f)) == NULL) {
		fprintf(stderr, "par_start: %s\n", f.msg);
		exit(1);
	}
	while ((r = par_next(p, &l, &pr, -1, &f)) != RD_EOF) {
		if (r == RD_STREAM_END)
			continue;
		CHECK(r == RD_LINE || r == RD_OVERSIZE);
		if (r != RD_LINE && r != RD_OVERSIZE)
			break;
		if (r == RD_LINE)
			trace(t, r, &l, pr->ok, &pr->rec, pr->fault, slot,
			    pr->timed, pr->time_ns, pr->time_fault);
		else
			trace(t, r, &l, 0, NULL, NULL, slot, 0, 0, NULL);
	}
	CHECK(par_ended(p));
	par_free(p);
	rd_free(rd);
}

/* --- two streams and a tool hook --- */

struct two {
	int		 slot[2];	/* .a on stream 0, .b on stream 1 */
	int		 ctxs;		/* contexts alive */
};

/* Stream 0's time is .a's; stream 1's is not read here. */
static int
time2(void *arg, const struct record *rec, int64_t *t, struct fault *f)
{
	struct two *T = arg;

	if (rec->stream == 1)
		return 1;
	return time_of(&T->slot[0], rec, t, f);
}

static void *
ctx_new(void *arg)
{
	struct two *T = arg;

	__atomic_add_fetch(&T->ctxs, 1, __ATOMIC_SEQ_CST);
	return xcalloc(1, sizeof(int));
}

static void
ctx_free(void *arg, void *ctx)
{
	struct two *T = arg;

	__atomic_sub_fetch(&T->ctxs, 1, __ATOMIC_SEQ_CST);
	free(ctx);
}

/* The verdict: an odd number; a string is a fault; the key says all. */
static int
prep2(void *arg, void *ctx, const struct record *rec, struct arena *keep,
    struct par_prep *pp, struct fault *f)
{
	const struct two *T = arg;
	const struct value *v = &rec->v[T->slot[rec->stream]];
	char k[96];
	int n;

	(*(int *)ctx)++;
	if (v->type == V_STRING)
		return fault_set(f, EX_DATAERR, "a string");
	pp->verdict = v->type == V_NUMBER && v->isint && v->i % 2 != 0;
	n = snprintf(k, sizeof(k), "%d:%lld:%lld", rec->stream,
	    (long long)rec->lineno, (long long)rec->time_ns);
	pp->key = arena_strndup(keep, k, (size_t)n);
	pp->keylen = (size_t)n;
	pp->hash = (uint64_t)rec->lineno * 31;
	return 0;
}

static void
trace2(struct buf *t, int r, const struct line *l, int ok,
    const struct record *rec, const struct fault *f, int slot, int timed,
    int64_t tns, const struct fault *tf, int prepped,
    const struct par_prep *pp, const struct fault *pf)
{
	buf_printf(t, "stream %d ", l->stream);
	if (r == RD_STREAM_END) {
		buf_adds(t, "ends\n");
		return;
	}
	trace(t, r, l, ok, rec, f, slot, timed, tns, tf);
	if (!prepped)
		return;
	if (pf != NULL)
		buf_printf(t, " prep: %s\n", pf->msg);
	else
		buf_printf(t, " prep %d %.*s %llu\n", pp->verdict,
		    (int)pp->keylen, pp->key, (unsigned long long)pp->hash);
}

static struct reader *
open_rd2(char **a, char **b)
{
	static char **streams[2];
	struct rd_config c;
	struct reader *rd;
	struct fault f;

	streams[0] = a;
	streams[1] = b;
	memset(&c, 0, sizeof(c));
	c.line_max = LINE_MAX_TEST;
	if ((rd = rd_open(streams, 2, &c, &f)) == NULL) {
		fprintf(stderr, "rd_open: %s\n", f.msg);
		exit(1);
	}
	return rd;
}

static void
two_one(char **a, char **b, struct fields **fl, struct two *T,
    struct buf *t)
{
	struct reader *rd = open_rd2(a, b);
	struct arena *ar = arena_new(), *keep = arena_new();
	struct parser *P[2];
	struct par_prep pp;
	struct record rec;
	struct fault f, tf, pf;
	struct line l;
	int64_t tns;
	int r, ok, timed, tr, prepped, pr, ctx = 0;

	P[0] = rec_parser_new(fl[0], ar, NULL);
	P[1] = rec_parser_new(fl[1], ar, NULL);
	while ((r = rd_next(rd, &l, -1, &f)) != RD_EOF) {
		CHECK(r == RD_LINE || r == RD_OVERSIZE || r == RD_STREAM_END);
		if (r != RD_LINE && r != RD_OVERSIZE && r != RD_STREAM_END)
			break;
		ok = r == RD_LINE && rec_parse(P[l.stream], l.p, l.len, &rec,
		    &f) == 0;
		timed = prepped = 0;
		tr = 1;
		tns = 0;
		pr = 0;
		memset(&pp, 0, sizeof(pp));
		if (ok && rec.kind == REC_EVENT) {
			rec.stream = l.stream;
			rec.lineno = l.lineno;
			rec.time_ns = PAR_NO_TIME;
			tr = time2(T, &rec, &tns, &tf);
			timed = tr != 1;
			if (tr == 0)
				rec.time_ns = tns;
			if (tr != -1) {
				prepped = 1;
				pr = prep2(T, &ctx, &rec, keep, &pp, &pf);
			}
		}
		trace2(t, r, &l, ok, &rec, &f, T->slot[l.stream], timed, tns,
		    tr == -1 && timed ? &tf : NULL, prepped, &pp,
		    pr == -1 ? &pf : NULL);
	}
	rec_parser_free(P[0]);
	rec_parser_free(P[1]);
	arena_free(ar);
	arena_free(keep);
	rd_free(rd);
}

static void
two_par(char **a, char **b, struct fields **fl, struct two *T, int n,
    size_t block, struct buf *t)
{
	struct reader *rd = open_rd2(a, b);
	const struct par_rec *pr;
	struct par_tool tool;
	struct par_config c;
	struct fault f;
	struct line l;
	const struct par_prep *pp;
	struct par *p;
	char peeked[96];
	int r, npeek = 0, ended[2] = { 0, 0 };

	memset(&tool, 0, sizeof(tool));
	tool.ctx_new = ctx_new;
	tool.ctx_free = ctx_free;
	tool.prep = prep2;
	tool.arg = T;
	memset(&c, 0, sizeof(c));
	c.nthreads = n;
	c.block_bytes = block;
	c.nstreams = 2;
	c.fields[0] = fl[0];
	c.fields[1] = fl[1];
	c.time = time2;
	c.time_arg = T;
	c.tool = &tool;
	if ((p = par_start(rd, &c, &f)) == NULL) {
		fprintf(stderr, "par_start: %s\n", f.msg);
		exit(1);
	}
	CHECK_INT_EQ(T->ctxs, n);
	peeked[0] = '\0';
	while ((r = par_next(p, &l, &pr, -1, &f)) != RD_EOF) {
		/* What par_peek() showed one line ahead is this line's. */
		if (peeked[0] != '\0') {
			CHECK(r == RD_LINE && pr->prepped && pr->prep_fault ==
			    NULL);
			if (r == RD_LINE && pr->prepped)
				CHECK(strlen(peeked) == pr->prep.keylen &&
				    memcmp(peeked, pr->prep.key,
				    pr->prep.keylen) == 0);
			npeek++;
		}
		peeked[0] = '\0';
		if ((pp = par_peek(p, 1)) != NULL)
			snprintf(peeked, sizeof(peeked), "%.*s",
			    (int)pp->keylen, pp->key);
		CHECK(par_peek(p, 0) == NULL);
		CHECK(r == RD_LINE || r == RD_OVERSIZE || r == RD_STREAM_END);
		if (r != RD_LINE && r != RD_OVERSIZE && r != RD_STREAM_END)
			break;
		if (r != RD_STREAM_END)
			CHECK_INT_EQ(par_stream_ended(p, l.stream),
			    ended[l.stream]);
		if (r == RD_STREAM_END) {
			ended[l.stream] = 1;
			CHECK(par_stream_ended(p, l.stream));
			trace2(t, r, &l, 0, NULL, NULL, 0, 0, 0, NULL, 0, NULL,
			    NULL);
		} else if (r == RD_LINE) {
			trace2(t, r, &l, pr->ok, &pr->rec, pr->fault,
			    T->slot[l.stream], pr->timed, pr->time_ns,
			    pr->time_fault, pr->prepped, &pr->prep,
			    pr->prep_fault);
		} else {
			trace2(t, r, &l, 0, NULL, NULL, 0, 0, 0, NULL, 0, NULL,
			    NULL);
		}
	}
	CHECK(par_ended(p));
	CHECK(par_stream_ended(p, 0) && par_stream_ended(p, 1));
	CHECK(block == 1 || npeek > 100);
	par_free(p);
	CHECK_INT_EQ(T->ctxs, 0);
	rd_free(rd);
}

static void
two_streams(const char *dir, const char *path0)
{
	static const size_t blocks[] = { 1, 50, 4096, 0 };
	static char *a[3], *b[2];
	char path1[64], path2[64];
	struct fields *fl[2];
	struct two T;
	struct path p;
	struct fault f;
	struct buf t1, t2;
	FILE *fp;
	size_t k;
	int i, n;

	/* Right: 500 lines of .b, strings among them; left: two files. */
	snprintf(path1, sizeof(path1), "%s/right", dir);
	snprintf(path2, sizeof(path2), "%s/left2", dir);
	if ((fp = fopen(path1, "w")) == NULL)
		exit(1);
	for (i = 1; i <= 500; i++)
		if (i % 9 == 0)
			fprintf(fp, "{\"b\":\"s%d\"}\n", i);
		else if (i % 13 == 0)
			fprintf(fp, "{\"b\":\n");
		else
			fprintf(fp, "{\"b\":%d,\"a\":\"x\"}\n", i);
	fclose(fp);
	if ((fp = fopen(path2, "w")) == NULL)
		exit(1);
	for (i = 1; i <= 200; i++)
		fprintf(fp, "{\"a\":%d}\n", i * 3);
	fclose(fp);
	a[0] = (char *)path0;
	a[1] = path2;
	b[0] = path1;
	memset(&T, 0, sizeof(T));
	for (i = 0; i < 2; i++) {
		fl[i] = rec_fields_new();
		if (path_parse(&p, i == 0 ? ".a" : ".b", &f) == -1)
			exit(1);
		T.slot[i] = rec_fields_add(fl[i], &p, &f);
		path_release(&p);
	}
	buf_init(&t1);
	two_one(a, b, fl, &T, &t1);
	/* What the test is about: both ends, prep faults and verdicts. */
	CHECK(strstr(buf_cstr(&t1), "stream 1 ends") != NULL);
	CHECK(strstr(buf_cstr(&t1), "stream 0 ends") != NULL);
	CHECK(strstr(buf_cstr(&t1), "prep: a string") != NULL);
	CHECK(strstr(buf_cstr(&t1), " prep 1 1:") != NULL);
	CHECK(strstr(buf_cstr(&t1), " prep 0 0:") != NULL);
	for (n = 1; n <= 3; n++)
		for (k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++) {
			buf_init(&t2);
			two_par(a, b, fl, &T, n, blocks[k], &t2);
			CHECK_INT_EQ(t2.len, t1.len);
			CHECK(t1.len == t2.len &&
			    memcmp(t1.data, t2.data, t1.len) == 0);
			buf_release(&t2);
		}
	buf_release(&t1);
	rec_fields_free(fl[0]);
	rec_fields_free(fl[1]);
	unlink(path1);
	unlink(path2);
}

/* 3000 lines of every kind, the last without its newline. */
static void
write_input(const char *path)
{
	FILE *fp = fopen(path, "w");
	int i;

	if (fp == NULL) {
		perror(path);
		exit(1);
	}
	for (i = 1; i <= 3000; i++) {
		if (i % 37 == 0)
			fprintf(fp, "{\"a\":%d,", i);
		else if (i % 41 == 0)
			fprintf(fp, "{\"a\":\"caf\\u00e9 %d\"}\r", i);
		else if (i % 43 == 0)
			fprintf(fp, "{\"a\":%d,\"pad\":\"%090d\"}", i, 0);
		else if (i % 47 == 0)
			fprintf(fp, "{\"@watermark\":%d}", i);
		else if (i % 53 == 0)
			fprintf(fp, "  \t");
		else if (i % 59 == 0)
			fprintf(fp, "[%d]", i);
		else if (i % 61 == 0)
			fprintf(fp, "{\"b\":%d}", i);
		else
			fprintf(fp, "{\"a\":%d,\"s\":\"x\\\"%d\"}", i, i);
		if (i < 3000)
			fputc('\n', fp);
	}
	fclose(fp);
}

int
main(void)
{
	static const size_t blocks[] = { 1, 7, 100, 4096, 0 };
	char dir[] = "/tmp/test_par.XXXXXX", path[64];
	struct memsink s1, s2;
	struct buf t1, t2;
	struct fields *fl;
	struct path p;
	struct fault f;
	int slot, n;
	size_t b;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/in", dir);
	write_input(path);
	fl = rec_fields_new();
	if (path_parse(&p, ".a", &f) == -1)
		return 1;
	slot = rec_fields_add(fl, &p, &f);
	path_release(&p);
	buf_init(&t1);
	mem_init(&s1);
	run_one(path, fl, slot, &t1, &s1);
	mem_drain(&s1.s);
	/* The input holds what the test is about. */
	CHECK(strstr(buf_cstr(&t1), "s=caf\xc3\xa9 41") != NULL);
	CHECK(strstr(buf_cstr(&t1), "bad ") != NULL);
	CHECK(strstr(buf_cstr(&t1), "time: no time") != NULL);
	CHECK(s1.all.len > 0);
	for (n = 1; n <= 3; n++) {
		for (b = 0; b < sizeof(blocks) / sizeof(blocks[0]); b++) {
			buf_init(&t2);
			mem_init(&s2);
			run_par(path, fl, slot, n, blocks[b], &t2, &s2);
			mem_drain(&s2.s);
			CHECK_INT_EQ(t2.len, t1.len);
			CHECK(t1.len == t2.len &&
			    memcmp(t1.data, t2.data, t1.len) == 0);
			CHECK_INT_EQ(s2.all.len, s1.all.len);
			CHECK(s1.all.len == s2.all.len &&
			    memcmp(s1.all.data, s2.all.data, s1.all.len) == 0);
			CHECK_INT_EQ(s2.s.records, s1.s.records);
			buf_release(&t2);
			mem_release(&s2);
		}
	}
	buf_release(&t1);
	mem_release(&s1);
	rec_fields_free(fl);
	two_streams(dir, path);
	unlink(path);
	rmdir(dir);
	return check_done("test_par");
}
