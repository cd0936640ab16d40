/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_record.c - rec_parse() against a strict RFC 8259 oracle.
 *
 * Input: lines ('\n'-separated), each parsed in turn with one parser, as
 * a tool does (the yajl handle is reused across good and bad lines).
 * Every line must be accepted exactly when it is one JSON object, valid
 * UTF-8, nested at most REC_DEPTH_MAX deep (json_oracle.h).  After a
 * good parse every extracted value is touched and checked: it lies in
 * the line, its raw text is one JSON value, val_write_json() writes
 * valid compact JSON, and top-level members are the ones the oracle saw
 * (the last of duplicate keys wins, as in jq).  rec_scan_top() is held
 * to the parser's values where it answers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "fault.h"
#include "path.h"
#include "record.h"
#include "value.h"

#include "fuzz_common.h"
#include "json_oracle.h"

static const char *const paths[] = {
	".", ".a", ".a.b[0]", ".[\"k.y\"]", ".@watermark", ".@partial",
	".a.b", ".a[1]", ".[\"\"]", ".x.y.z", ".ts",
};
#define NPATHS	(sizeof(paths) / sizeof(paths[0]))

/* Top-level keys the oracle can confirm, by path index. */
static const struct { int path; const char *key; } toplevel[] = {
	{ 1, "a" }, { 3, "k.y" }, { 4, "@watermark" }, { 5, "@partial" },
	{ 8, "" }, { 10, "ts" },
};

static int
is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void
check_value(const struct value *v, const char *line, size_t len,
    struct buf *b)
{
	struct jo J;
	size_t declen;
	char *dec;

	if (v->type == V_MISSING)
		return;
	CHECK(v->type >= V_NULL && v->type <= V_OBJECT);
	CHECK(v->raw != NULL);
	CHECK(v->raw >= line && v->raw + v->rawlen <= line + len);
	fuzz_touch(v->raw, v->rawlen);
	CHECK(jo_check(&J, v->raw, v->rawlen, REC_DEPTH_MAX) == 0);
	switch (v->type) {
	case V_NULL:
		CHECK(J.top_kind == 'n');
		break;
	case V_TRUE:
	case V_FALSE:
		CHECK(J.top_kind == (v->type == V_TRUE ? 't' : 'f'));
		break;
	case V_NUMBER:
		CHECK(J.top_kind == '0');
		if (v->isint)
			CHECK((double)v->i == v->d);
		break;
	case V_STRING:
		CHECK(J.top_kind == '"');
		CHECK(v->s != NULL || v->slen == 0);
		fuzz_touch(v->s, v->slen);
		/* buf.h: strings handed to the writer are valid UTF-8. */
		CHECK(jo_utf8_valid(v->s, v->slen));
		/* Decoded as path_json_string() decodes EXPR literals. */
		CHECK((dec = malloc(v->rawlen)) != NULL);
		declen = jo_decode_string(v->raw, v->rawlen, dec);
		CHECK(declen == v->slen &&
		    memcmp(dec, v->s, declen) == 0);
		free(dec);
		break;
	case V_ARRAY:
	case V_OBJECT:
		CHECK(J.top_kind == (v->type == V_ARRAY ? '[' : '{'));
		CHECK(v->nchildren >= 0);
		break;
	default:
		break;
	}
	buf_clear(b);
	val_write_json(b, v);
	CHECK(b->len > 0);
	if (v->type != V_STRING || jo_utf8_valid(v->s, v->slen)) {
		CHECK(jo_check(&J, b->data, b->len, REC_DEPTH_MAX) == 0);
		CHECK(jo_is_compact(b->data, b->len));
	}
}

/* What the oracle saw at top level, against the extracted values. */
static void
check_members(const struct jo *J, const struct record *rec,
    const int *slots, const char *line, size_t len)
{
	const struct jo_member *m;
	size_t t, k, lead = 0, trail = 0;
	int i, found;

	for (i = 0; i < J->nmembers && i < JO_MEMBERS_MAX; i++)
		if (J->m[i].kescaped)
			return;		/* the oracle does not decode keys */
	if (J->nmembers > JO_MEMBERS_MAX)
		return;
	/* "." is the whole object, without surrounding white space. */
	while (lead < len && is_ws((unsigned char)line[lead]))
		lead++;
	while (trail < len - lead && is_ws((unsigned char)line[len - 1 - trail]))
		trail++;
	CHECK(rec->v[slots[0]].type == V_OBJECT);
	CHECK(rec->v[slots[0]].raw == line + lead);
	CHECK(rec->v[slots[0]].rawlen == len - lead - trail);
	CHECK(rec->v[slots[0]].nchildren == J->nmembers);
	for (t = 0; t < sizeof(toplevel) / sizeof(toplevel[0]); t++) {
		const struct value *v = &rec->v[slots[toplevel[t].path]];
		size_t kl = strlen(toplevel[t].key);

		found = -1;
		for (i = 0; i < J->nmembers; i++) {
			m = &J->m[i];
			if (m->klen == kl &&
			    memcmp(line + m->kstart, toplevel[t].key, kl) == 0)
				found = i;	/* the last one wins */
		}
		if (found == -1) {
			CHECK(v->type == V_MISSING);
			continue;
		}
		m = &J->m[found];
		CHECK(v->type != V_MISSING);
		CHECK(v->raw == line + m->vstart);
		CHECK(v->rawlen == m->vlen);
	}
	k = J->nmembers == 1 ? J->m[0].klen : 0;
	if (J->nmembers == 1 && k == 10 &&
	    memcmp(line + J->m[0].kstart, "@watermark", 10) == 0)
		CHECK(rec->kind == REC_WATERMARK);
	else if (J->nmembers == 1 && k == 8 &&
	    memcmp(line + J->m[0].kstart, "@partial", 8) == 0)
		CHECK(rec->kind == REC_PARTIAL);
	else
		CHECK(rec->kind == REC_EVENT);
}

/*
 * rec_scan_top(), --shard's look without a parse: on any line it may
 * refuse (-1), but where it answers for a line the parser accepts, its
 * spans are the parser's values of those top-level keys.
 */
static void
check_scan(const struct record *rec, const int *slots, const char *line,
    size_t len, int parsed)
{
	static const char *const names[] = { "a", "ts", "", "k.y" };
	static const size_t lens[] = { 1, 2, 0, 3 };
	static const int at[] = { 1, 10, 8, 3 };
	struct rec_span sp[4];
	const struct value *v;
	int i;

	if (rec_scan_top(line, len, names, lens, 4, sp) == -1 || !parsed)
		return;
	for (i = 0; i < 4; i++) {
		v = &rec->v[slots[at[i]]];
		if (sp[i].p == NULL) {
			CHECK(v->type == V_MISSING);
			continue;
		}
		CHECK(v->type != V_MISSING);
		CHECK(sp[i].p == v->raw && sp[i].n == v->rawlen);
		CHECK(sp[i].esc == (v->type == V_STRING &&
		    memchr(v->raw, '\\', v->rawlen) != NULL));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fields *fl;
	struct parser *P;
	struct arena *A;
	struct fault f;
	struct record rec;
	struct path p;
	struct buf b;
	struct jo J;
	struct fuzz_lines L = { data, data + size };
	const uint8_t *lp;
	size_t len, i;
	int slots[NPATHS], r, ok;
	char *line;

	CHECK((fl = rec_fields_new()) != NULL);
	for (i = 0; i < NPATHS; i++) {
		CHECK(path_parse(&p, paths[i], &f) == 0);
		slots[i] = rec_fields_add(fl, &p, &f);
		CHECK(slots[i] >= 0);
		path_release(&p);
	}
	CHECK(slots[4] == REC_SLOT_WATERMARK && slots[5] == REC_SLOT_PARTIAL);
	CHECK((A = arena_new()) != NULL);
	CHECK((P = rec_parser_new(fl, A, &f)) != NULL);
	buf_init(&b);
	while (fuzz_next_line(&L, &lp, &len)) {
		line = fuzz_dup(lp, len);
		arena_reset(A);
		memset(&rec, 0, sizeof(rec));
		fault_clear(&f);
		r = rec_parse(P, line, len, &rec, &f);
		ok = jo_check(&J, line, len, REC_DEPTH_MAX) == 0 &&
		    J.top_kind == '{';
		if ((r == 0) != ok) {
			fprintf(stderr, "rec_parse %s a line the oracle %s: "
			    "%s\n", r == 0 ? "accepted" : "rejected",
			    ok ? "accepts" : "rejects", f.msg);
			abort();
		}
		check_scan(&rec, slots, line, len, r == 0);
		if (r == -1) {
			CHECK(f.code == EX_DATAERR);
			CHECK(f.msg[0] != '\0');
			CHECK(memchr(f.msg, '\0', sizeof(f.msg)) != NULL);
			free(line);
			continue;
		}
		CHECK(rec.p == line && rec.len == len);
		CHECK(rec.nv == rec_fields_count(fl));
		for (i = 0; i < (size_t)rec.nv; i++)
			check_value(&rec.v[i], line, len, &b);
		check_members(&J, &rec, slots, line, len);
		free(line);
	}
	buf_release(&b);
	rec_parser_free(P);
	arena_free(A);
	rec_fields_free(fl);
	return 0;
}
