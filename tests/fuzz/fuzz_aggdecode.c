/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_aggdecode.c - aggset_decode() of encoded aggregate states.
 *
 * A fixed aggset ("count", "sum(.x)", "avg(.x)", "p99(.x)", ...) decodes
 * the input (after one mode byte: bit 0 selects --exact quantiles) the
 * way stream-agg reads {"@partial"} records and state files.  With bit 1
 * the input is a whole {"@partial":...} line instead (partial.h): it is
 * parsed by rec_parse() and partial_read(), and its "aggs" decoded; a
 * partial read must carry both window bounds or neither, and a final
 * partial (a shard's finished result) is read the fast way too, which
 * must agree.  A state
 * that decodes must encode to valid compact JSON that decodes again to
 * the same encoding and the same results; it must survive merge and add
 * (a decoder that lets a broken sketch in is caught here); a block must
 * be releasable whether its decode succeeded or not.
 *
 * SK_FUZZ_GEN_SEEDS=DIR in the environment writes encoded states of
 * small streams to DIR at start-up (make-seeds.sh uses it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "fault.h"
#include "jcur.h"
#include "partial.h"
#include "path.h"
#include "record.h"
#include "arena.h"
#include "value.h"

#include "fuzz_common.h"
#include "json_oracle.h"

static char *specs[] = {
	"count", "sum(.x)", "avg(.x)", "p99(.x)", "approx_distinct(.x)",
	"top(.x, 3)", "distinct(.x)", "collect(.x)", "first(.x)",
	"last(.x)", "min(.x)", "max(.x)", "var(.x)", "stddev(.x)",
	"quantile(.x, 0.5)", "approx_top(.x, 2)",
};
#define NSPECS	((int)(sizeof(specs) / sizeof(specs[0])))

struct fixture {
	struct aggset	 set;
	struct fields	*fl;
	int		 slot;		/* of .x */
	int		 nslots;
};

static void
fixture_init(struct fixture *F, int exact)
{
	struct fault f;
	struct path p;
	int used;

	memset(F, 0, sizeof(*F));
	CHECK((F->fl = rec_fields_new()) != NULL);
	if (aggset_parse(&F->set, specs, NSPECS, &used, exact, F->fl,
	    &f) != 0) {
		fprintf(stderr, "aggset_parse: %s\n", f.msg);
		abort();
	}
	CHECK(used == NSPECS && F->set.n == NSPECS);
	CHECK(path_parse(&p, ".x", &f) == 0);
	F->slot = rec_fields_add(F->fl, &p, &f);
	path_release(&p);
	F->nslots = rec_fields_count(F->fl);
	CHECK(F->slot >= 0 && F->slot < F->nslots);
}

static void
fixture_release(struct fixture *F)
{
	aggset_release_specs(&F->set);
	rec_fields_free(F->fl);
}

static void *
block_new(const struct fixture *F)
{
	void *b = calloc(1, F->set.state_size > 0 ? F->set.state_size : 1);

	CHECK(b != NULL);
	aggset_init(&F->set, b);
	return b;
}

static void
block_free(const struct fixture *F, void *b)
{
	aggset_release(&F->set, b);
	free(b);
}

/* aggset_result() gives ,"name":v,... : it must make a JSON object. */
static void
check_result(const struct buf *r)
{
	struct buf o;
	struct jo J;

	buf_init(&o);
	buf_addc(&o, '{');
	if (r->len > 0) {
		CHECK(r->data[0] == ',');
		buf_add(&o, r->data + 1, r->len - 1);
	}
	buf_addc(&o, '}');
	if (jo_check(&J, o.data, o.len, 1000) != 0) {
		fprintf(stderr, "result is not JSON: %.*s\n", (int)o.len,
		    o.data);
		abort();
	}
	buf_release(&o);
}

static void
add_values(struct fixture *F, void *b, const uint8_t *p, size_t n)
{
	static const char *const nums[] = { "0", "-1", "2.5", "1e300",
	    "-1e-300", "9223372036854775807", "-0" };
	static const char *const strs[] = { "\"s\"", "\"st\"", "\"\u00e9t\"" };
	struct value *v;
	size_t i;

	CHECK((v = calloc((size_t)F->nslots, sizeof(*v))) != NULL);
	for (i = 0; i < n && i < 16; i++) {
		memset(&v[F->slot], 0, sizeof(v[F->slot]));
		switch (p[i] % 4) {
		case 0:
			val_number(&v[F->slot], nums[p[i] / 4 % 7],
			    strlen(nums[p[i] / 4 % 7]));
			break;
		case 1:
			v[F->slot].type = V_STRING;
			v[F->slot].raw = strs[p[i] / 4 % 3];
			v[F->slot].rawlen = strlen(v[F->slot].raw);
			v[F->slot].s = v[F->slot].raw + 1;
			v[F->slot].slen = v[F->slot].rawlen - 2;
			break;
		case 2:
			v[F->slot].type = V_NULL;
			v[F->slot].raw = "null";
			v[F->slot].rawlen = 4;
			break;
		default:
			break;		/* missing */
		}
		aggset_add(&F->set, b, v, (int64_t)(p[i] - 128) * 1000000000,
		    i);
	}
	free(v);
}

static void
encode_checked(struct fixture *F, const void *b, struct buf *e)
{
	struct jo J;

	buf_clear(e);
	aggset_encode(&F->set, b, e);
	if (jo_check(&J, e->data, e->len, JC_DEPTH_MAX) != 0 ||
	    J.top_kind != '[' || !jo_is_compact(e->data, e->len)) {
		fprintf(stderr, "encoding is not a compact JSON array: %.*s\n",
		    (int)(e->len > 300 ? 300 : e->len), e->data);
		abort();
	}
}

/* Decode e into a fresh block; it must succeed. */
static void *
redecode(struct fixture *F, const struct buf *e)
{
	struct jcur j;
	struct fault f;
	void *b = block_new(F);

	fault_clear(&f);
	jc_init(&j, e->data, e->len, &f);
	if (aggset_decode(&F->set, b, &j, &f) != 0 || jc_end(&j) != 0) {
		fprintf(stderr, "own encoding does not decode: %s: %.*s\n",
		    f.msg, (int)(e->len > 300 ? 300 : e->len), e->data);
		abort();
	}
	return b;
}

static void
gen_seeds(const char *dir)
{
#define S(x)	{ x, sizeof(x) - 1 }
	static const struct { const char *p; size_t n; } streams[] = {
		S(""), S("\001"), S("\000\004\010"),
		S("\000\001\002\004\005\006\010\011\014\015\020\024\030"),
		S("\030\030\030\030\001\001\002"),
		S("\024\020\014\010\004\000\034\040\200\300\374"),
	};
#undef S
	struct fixture F;
	struct buf e;
	size_t k;
	int exact;
	char *name;
	FILE *fp;
	void *b;

	buf_init(&e);
	for (exact = 0; exact < 2; exact++) {
		fixture_init(&F, exact);
		for (k = 0; k < sizeof(streams) / sizeof(streams[0]); k++) {
			b = block_new(&F);
			add_values(&F, b, (const uint8_t *)streams[k].p,
			    streams[k].n);
			buf_clear(&e);
			aggset_encode(&F.set, b, &e);
			CHECK(asprintf(&name, "%s/gen-%d-%zu", dir, exact,
			    k) > 0);
			CHECK((fp = fopen(name, "w")) != NULL);
			fputc(exact, fp);
			fwrite(e.data, 1, e.len, fp);
			fclose(fp);
			free(name);
			CHECK(asprintf(&name, "%s/gen-partial-%d-%zu", dir,
			    exact, k) > 0);
			CHECK((fp = fopen(name, "w")) != NULL);
			fputc(exact | 2, fp);
			fprintf(fp, "{\"@partial\":{\"v\":%d,\"sig\":\"%016llx\","
			    "%s\"key\":\"6e\",\"fields\":{},\"aggs\":",
			    PARTIAL_VERSION,
			    (unsigned long long)partial_sig(&F.set), k % 2 ?
			    "\"window_start\":0,\"window_end\":60000000000," :
			    "");
			fwrite(e.data, 1, e.len, fp);
			fputs(k == 3 ? ",\"late\":true,\"revision\":2}}" : "}}",
			    fp);
			fclose(fp);
			free(name);
			block_free(&F, b);
		}
		fixture_release(&F);
	}
	buf_release(&e);
}

/*
 * partial_read_final(), the merge's reading of a final partial without a
 * parse: whatever the line, it stays inside it; where the slow way (p,
 * or NULL if it refused the line) reads the line too, both agree.
 */
static void
check_fast(struct fixture *F, const char *line, size_t n,
    const struct partial *p)
{
	static struct buf key;
	struct partial q;
	struct fault f;
	char sig[17];

	snprintf(sig, sizeof(sig), "%016llx",
	    (unsigned long long)partial_sig(&F->set));
	buf_clear(&key);
	q.key = &key;
	if (partial_read_final(line, n, sig, &q) != 0)
		return;
	CHECK(q.final > line && q.final + q.finallen <= line + n);
	CHECK(q.finallen >= 1 && q.final[0] == '{');
	CHECK(q.shard_i >= 0 && q.shard_i < q.shard_n && q.windowed);
	fuzz_touch(q.final, q.finallen);
	fuzz_touch(key.data, key.len);
	if (partial_final_intact(&q, &f) != 0)
		CHECK(f.code == EX_DATAERR && f.msg[0] != '\0');
	if (p == NULL)
		return;		/* the final part is not JSON, say */
	CHECK(p->final == q.final && p->finallen == q.finallen);
	CHECK(p->start == q.start && p->end == q.end);
	CHECK(p->shard_i == q.shard_i && p->shard_n == q.shard_n);
	CHECK(p->partition == q.partition && p->sum == q.sum);
	CHECK(p->key->len == key.len &&
	    memcmp(p->key->data, key.data, key.len) == 0);
}

/* The line as stream-agg --merge reads it; 0 with p->aggs set. */
static int
read_partial(struct fixture *F, const char *line, size_t n,
    struct partial *p, struct fault *f)
{
	static struct buf key;
	struct fields *fl;
	struct parser *P;
	struct arena *A;
	struct record rec;
	int64_t unset;
	int r = -1;

	CHECK((fl = rec_fields_new()) != NULL);
	CHECK((A = arena_new()) != NULL);
	CHECK((P = rec_parser_new(fl, A, f)) != NULL);
	buf_release(&key);
	memset(p, 0x5a, sizeof(*p));
	p->key = &key;
	if (rec_parse(P, line, n, &rec, f) == 0 && rec.kind == REC_PARTIAL) {
		r = partial_read(&rec.v[REC_SLOT_PARTIAL],
		    partial_sig(&F->set), p, f);
		/* EX_CONFIG: a partial of another version (partial.h). */
		if (r == -1)
			CHECK((f->code == EX_DATAERR || f->code == EX_CONFIG) &&
			    f->msg[0] != '\0');
	}
	if (r == 0 && p->final != NULL) {
		CHECK(p->aggs == NULL && p->windowed && p->shard_n > 0);
		CHECK(p->final >= line && p->final + p->finallen <= line + n);
	} else if (r == 0) {
		CHECK(p->aggs != NULL);
		CHECK(p->aggs >= line && p->aggs + p->aggslen <= line + n);
		/* Both bounds or neither: never a bound nobody wrote. */
		if (p->windowed) {
			memset(&unset, 0x5a, sizeof(unset));
			CHECK(p->start != unset && p->end != unset);
		}
		fuzz_touch(key.data, key.len);
	}
	rec_parser_free(P);
	arena_free(A);
	rec_fields_free(fl);
	check_fast(F, line, n, r == 0 ? p : NULL);
	if (r == 0 && key.len == 0)
		buf_release(&key);
	return r;
}

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("SK_FUZZ_GEN_SEEDS");

	(void)argc;
	(void)argv;
	if (dir != NULL && *dir != '\0')
		gen_seeds(dir);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fixture F;
	struct jcur j;
	struct fault f;
	struct buf e1, e2, r1, r2;
	struct partial pa;
	void *b1, *b2, *b3;
	char *text;
	size_t n;

	if (size < 1)
		return 0;
	fixture_init(&F, data[0] & 1);
	n = size - 1;
	text = fuzz_dup(data + 1, n);
	buf_init(&e1);
	buf_init(&e2);
	buf_init(&r1);
	buf_init(&r2);
	b1 = block_new(&F);
	fault_clear(&f);
	if (data[0] & 2) {
		if (read_partial(&F, text, n, &pa, &f) != 0 ||
		    pa.aggs == NULL)
			goto done;
		jc_init(&j, pa.aggs, pa.aggslen, &f);
	} else {
		jc_init(&j, text, n, &f);
	}
	if (aggset_decode(&F.set, b1, &j, &f) != 0) {
		CHECK(f.code == EX_DATAERR && f.msg[0] != '\0');
		goto done;
	}
	(void)aggset_bytes(&F.set, b1);
	encode_checked(&F, b1, &e1);
	aggset_result(&F.set, b1, &r1);
	check_result(&r1);

	b2 = redecode(&F, &e1);
	encode_checked(&F, b2, &e2);
	if (e1.len != e2.len || memcmp(e1.data, e2.data, e1.len) != 0) {
		fprintf(stderr, "re-encoding differs:\n%.*s\n%.*s\n",
		    (int)e1.len, e1.data, (int)e2.len, e2.data);
		abort();
	}
	aggset_result(&F.set, b2, &r2);
	CHECK(r1.len == r2.len && memcmp(r1.data, r2.data, r1.len) == 0);

	/* Decoded states must be as good as built ones. */
	b3 = block_new(&F);
	aggset_merge(&F.set, b3, b1);
	aggset_merge(&F.set, b3, b2);
	add_values(&F, b3, data, size);
	buf_clear(&r2);
	aggset_result(&F.set, b3, &r2);
	check_result(&r2);
	encode_checked(&F, b3, &e2);
	block_free(&F, redecode(&F, &e2));
	(void)aggset_bytes(&F.set, b3);
	block_free(&F, b3);
	block_free(&F, b2);
done:
	block_free(&F, b1);
	buf_release(&e1);
	buf_release(&e2);
	buf_release(&r1);
	buf_release(&r2);
	free(text);
	fixture_release(&F);
	return 0;
}
