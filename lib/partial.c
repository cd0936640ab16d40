/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * partial.c - writing and reading {"@partial"} records.
 */
#include <stdio.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "fault.h"
#include "hash.h"
#include "jcur.h"
#include "key.h"
#include "partial.h"
#include "record.h"
#include "utf8.h"
#include "value.h"
#include "window.h"

uint64_t
partial_sig(const struct aggset *a)
{
	struct buf b;
	uint64_t h;

	buf_init(&b);
	aggset_describe(a, &b);
	h = hash_bytes(b.data, b.len);
	buf_release(&b);
	return h;
}

static void
put_hex64(char *to, uint64_t v)
{
	static const char d[] = "0123456789abcdef";
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		to[i] = d[v & 15];
}

/*
 * A count window that saw no time has no bounds (start > end): on the
 * wire it sits at the end of time, so the merge holds it until its inputs
 * end, as one process does.
 */
static int64_t
wire_start(const struct win_fired *wf)
{
	return wf->start <= wf->end ? wf->start : INT64_MAX;
}

static int64_t
wire_end(const struct win_fired *wf)
{
	return wf->start <= wf->end ? wf->end : INT64_MAX;
}

/*
 * {"@partial":{"v":3,"sig":"…"[,"window_start":…,"window_end":…],"key":"…"
 * [,"from":[I,N]]
 */
static void
partial_head(struct buf *b, uint64_t sig, const struct win_fired *wf,
    int windowed, const int *from)
{
	buf_adds(b, "{\"@partial\":{\"v\":");
	buf_json_i64(b, PARTIAL_VERSION);
	buf_adds(b, ",\"sig\":\"0000000000000000\"");
	put_hex64(b->data + b->len - 17, sig);
	if (windowed) {
		buf_adds(b, ",\"window_start\":");
		buf_json_i64(b, wire_start(wf));
		buf_adds(b, ",\"window_end\":");
		buf_json_i64(b, wire_end(wf));
	}
	buf_adds(b, ",\"key\":\"");
	buf_hex(b, wf->key, wf->keylen);
	buf_addc(b, '"');
	if (from != NULL)
		buf_printf(b, ",\"from\":[%d,%d]", from[0], from[1]);
}

void
partial_write(struct buf *b, const struct keyspec *k,
    const struct aggset *a, uint64_t sig, const struct win_fired *wf,
    int windowed, const void *blk, const int *from)
{
	partial_head(b, sig, wf, windowed, from);
	buf_adds(b, ",\"fields\":{");
	key_write_fields(k, wf->key, wf->keylen, b);
	buf_adds(b, "},\"aggs\":");
	aggset_encode(a, blk, b);
	if (wf->late)
		buf_printf(b, ",\"late\":true,\"revision\":%u", wf->revision);
	buf_adds(b, "}}\n");
}

size_t
partial_open_final(struct buf *b, uint64_t sig, const struct win_fired *wf,
    int partition, int shard_i, int shard_n, const int *from)
{
	partial_head(b, sig, wf, 1, from);
	buf_adds(b, partition ? ",\"partition\":[" : ",\"shard\":[");
	buf_json_i64(b, shard_i);
	buf_addc(b, ',');
	buf_json_i64(b, shard_n);
	buf_adds(b, "],\"sum\":\"0000000000000000\",\"final\":");
	return b->len;
}

/* XXH64 of the result, seeded with its window and key. */
static uint64_t
final_sum(int64_t start, int64_t end, const char *key, size_t keylen,
    const char *p, size_t n)
{
	uint64_t seed = hash_xxh64(key, keylen, (uint64_t)start ^
	    ((uint64_t)end << 1 | (uint64_t)end >> 63));

	return hash_xxh64(p, n, seed);
}

void
partial_close_final(struct buf *b, size_t at, const struct win_fired *wf)
{
	/* The sum's 16 digits sit just before "\",\"final\":". */
	put_hex64(b->data + at - 26, final_sum(wire_start(wf), wire_end(wf),
	    wf->key, wf->keylen, b->data + at, b->len - at));
	buf_adds(b, "}}\n");
}

/* A lowercase hex digit's value plus one; 0 for anything else. */
static const unsigned char hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
};

static int
get_hex64(const char *s, uint64_t *v)
{
	unsigned d, bad = 0;
	int i;

	/* The table holds the digit plus one: 0 is "not a digit". */
	for (*v = 0, i = 0; i < 16; i++) {
		d = hexval[(unsigned char)s[i]];
		bad |= d == 0;
		*v = *v << 4 | (uint64_t)((d - 1) & 15);
	}
	return bad ? -1 : 0;
}

/* A JSON integer in int64 at *s, then c; advances. */
static inline int
get_int(const char **s, const char *e, char c, int64_t *v)
{
	const char *p, *d = *s + (*s < e && **s == '-');
	struct value x;

	for (p = d; p < e && *p >= '0' && *p <= '9'; p++)
		;
	if (p == d || p == e || *p != c || (*d == '0' && p - d > 1))
		return -1;
	val_number(&x, *s, (size_t)(p - *s));
	if (!x.isint)
		return -1;
	*v = x.i;
	*s = p + 1;
	return 0;
}

static inline int
get_lit(const char **s, const char *e, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(e - *s) < n || memcmp(*s, lit, n) != 0)
		return -1;
	*s += n;
	return 0;
}

int
partial_read_final(const char *line, size_t n, const char sig[16],
    struct partial *p)
{
	const char *s = line, *e = line + n, *k;
	int64_t i, m;

	if (get_lit(&s, e, "{\"@partial\":{\"v\":" PARTIAL_VERSION_S
	    ",\"sig\":\"") == -1 ||
	    e - s < 16 || memcmp(s, sig, 16) != 0)
		return -1;
	s += 16;
	if (get_lit(&s, e, "\",\"window_start\":") == -1 ||
	    get_int(&s, e, ',', &p->start) == -1 ||
	    get_lit(&s, e, "\"window_end\":") == -1 ||
	    get_int(&s, e, ',', &p->end) == -1 ||
	    get_lit(&s, e, "\"key\":\"") == -1)
		return -1;
	k = s;
	if ((s = memchr(s, '"', (size_t)(e - s))) == NULL ||
	    buf_unhex(p->key, k, (size_t)(s - k)) == -1)
		return -1;
	s++;
	p->partition = get_lit(&s, e, ",\"partition\":[") == 0;
	if ((!p->partition && get_lit(&s, e, ",\"shard\":[") == -1) ||
	    get_int(&s, e, ',', &i) == -1 || get_int(&s, e, ']', &m) == -1 ||
	    i < 0 || i >= m || m > 65536 ||
	    get_lit(&s, e, ",\"sum\":\"") == -1 || e - s < 16 ||
	    get_hex64(s, &p->sum) == -1)
		return -1;
	s += 16;
	if (get_lit(&s, e, "\",\"final\":{") == -1 || e - s < 3 ||
	    memcmp(e - 3, "}}}", 3) != 0)
		return -1;
	p->windowed = 1;
	p->late = 0;
	p->revision = 0;
	p->from_n = 0;
	p->aggs = NULL;
	p->final = s - 1;
	p->finallen = (size_t)(e - 2 - p->final);
	/* One object up to the closing "}}": nothing after "final". */
	if (rec_value_extent(p->final, p->finallen) != p->finallen)
		return -1;
	p->shard_i = (int)i;
	p->shard_n = (int)m;
	return 0;
}

int
partial_final_intact(const struct partial *p, struct fault *f)
{
	if (final_sum(p->start, p->end, p->key->data, p->key->len, p->final,
	    p->finallen) != p->sum)
		return fault_set(f, EX_DATAERR, "bad @partial: the final "
		    "result does not match its sum (a damaged or rewritten "
		    "line)");
	if (utf8_check(p->final, p->finallen) != 0)
		return fault_set(f, EX_DATAERR, "bad @partial: the final "
		    "result is not clean UTF-8 text");
	return 0;
}

/* "shard":[I,N], "partition":[I,N], "from":[I,N] */
static int
pair(struct jcur *jc, const char *what, int *pi, int *pn)
{
	int64_t i, n;

	if (jc_begin_array(jc) == -1 || jc_element(jc, what) == -1 ||
	    jc_int(jc, &i) == -1 || jc_element(jc, what) == -1 ||
	    jc_int(jc, &n) == -1 || jc_closing(jc, what) == -1)
		return -1;
	if (i < 0 || i >= n || n > 65536)
		return jc_fail(jc, "a pair [I,N] needs 0 <= I < N <= 65536");
	*pi = (int)i;
	*pn = (int)n;
	return 0;
}

int
partial_read(const struct value *v, uint64_t sig, struct partial *p,
    struct fault *f)
{
	struct jcur jc;
	struct buf s;
	const char *k;
	size_t kn;
	int64_t ver, rev;
	int r, more, sum_seen = 0;

	if (v->type != V_OBJECT)
		return fault_set(f, EX_DATAERR, "bad @partial: not an object");
	buf_init(&s);
	p->windowed = 0;
	p->late = 0;
	p->revision = 0;
	p->aggs = NULL;
	p->final = NULL;
	p->shard_n = 0;
	p->partition = 0;
	p->from_n = 0;
	jc_init(&jc, v->raw, v->rawlen, f);
	if (jc_begin_object(&jc) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "v") == -1 || jc_int(&jc, &ver) == -1)
		goto bad;
	if (ver < PARTIAL_VERSION_OLDEST || ver > PARTIAL_VERSION) {
		buf_release(&s);
		return fault_set(f, EX_CONFIG, "@partial of version %lld: "
		    "this stream-agg reads versions %d to %d (the shards and "
		    "the merge must run the same streamkit)", (long long)ver,
		    PARTIAL_VERSION_OLDEST, PARTIAL_VERSION);
	}
	if (jc_more(&jc) != 1 || jc_expect_key(&jc, "sig") == -1 ||
	    jc_string(&jc, &s) == -1)
		goto bad;
	{
		char want[17];

		snprintf(want, sizeof(want), "%016llx",
		    (unsigned long long)sig);
		if (s.len != 16 || memcmp(s.data, want, 16) != 0) {
			buf_release(&s);
			return fault_set(f, EX_DATAERR, "bad @partial: it was "
			    "made with other aggregates (give --merge the "
			    "same AGG arguments as the shards)");
		}
	}
	while ((more = jc_more(&jc)) == 1) {
		if (jc_key(&jc, &k, &kn) == -1)
			goto bad;
		if (kn == 12 && memcmp(k, "window_start", 12) == 0) {
			r = jc_int(&jc, &p->start);
			p->windowed |= 1;
		} else if (kn == 10 && memcmp(k, "window_end", 10) == 0) {
			r = jc_int(&jc, &p->end);
			p->windowed |= 2;
		} else if (kn == 3 && memcmp(k, "key", 3) == 0) {
			r = jc_string(&jc, &s);
			if (r == 0 && buf_unhex(p->key, s.data, s.len) == -1)
				r = jc_fail(&jc, "key is not hex");
		} else if (kn == 4 && memcmp(k, "aggs", 4) == 0) {
			r = jc_raw(&jc, &p->aggs, &p->aggslen);
		} else if (kn == 5 && memcmp(k, "final", 5) == 0) {
			r = jc_raw(&jc, &p->final, &p->finallen);
			if (r == 0 && *p->final != '{')
				r = jc_fail(&jc, "final is not an object");
		} else if ((kn == 5 && memcmp(k, "shard", 5) == 0) ||
		    (kn == 9 && memcmp(k, "partition", 9) == 0)) {
			r = p->shard_n != 0 ? jc_fail(&jc, "shard twice") :
			    pair(&jc, kn == 9 ? "partition" : "shard",
			    &p->shard_i, &p->shard_n);
			p->partition = kn == 9;
		} else if (kn == 4 && memcmp(k, "from", 4) == 0) {
			r = p->from_n != 0 ? jc_fail(&jc, "from twice") :
			    pair(&jc, "from", &p->from_i, &p->from_n);
		} else if (kn == 3 && memcmp(k, "sum", 3) == 0) {
			r = jc_string(&jc, &s);
			if (r == 0 && (s.len != 16 ||
			    get_hex64(s.data, &p->sum) == -1))
				r = jc_fail(&jc, "sum is not 16 hex digits");
			sum_seen = 1;
		} else if (kn == 4 && memcmp(k, "late", 4) == 0) {
			r = jc_bool(&jc, &p->late);
		} else if (kn == 8 && memcmp(k, "revision", 8) == 0) {
			r = jc_int(&jc, &rev);
			p->revision = (uint32_t)rev;
		} else {
			r = jc_skip(&jc);
		}
		if (r == -1)
			goto bad;
	}
	if (more == -1 || (p->aggs == NULL) == (p->final == NULL) ||
	    jc_end(&jc) != 0)
		goto bad;
	if (p->windowed == 1 || p->windowed == 2) {
		buf_release(&s);
		return fault_set(f, EX_DATAERR, "bad @partial: a window needs "
		    "both window_start and window_end");
	}
	p->windowed = p->windowed == 3;
	buf_release(&s);
	if (p->final != NULL && (!p->windowed || p->shard_n == 0 ||
	    !sum_seen))
		return fault_set(f, EX_DATAERR, "bad @partial: a final "
		    "result needs its window, shard and sum");
	return 0;
bad:
	buf_release(&s);
	if (!jc.failed)
		fault_set(f, EX_DATAERR, "bad @partial record");
	else
		fault_prefix(f, "bad @partial");
	return -1;
}
