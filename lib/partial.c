/*
 * partial.c - writing and reading {"@partial"} records.
 */
#include <stdio.h>
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "diag.h"
#include "hash.h"
#include "jcur.h"
#include "partial.h"
#include "value.h"
#include "window.h"
#include "wintool.h"

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

void
partial_write(struct buf *b, const struct wintool *wt,
    const struct aggset *a, const struct win_fired *wf, int windowed,
    const void *blk)
{
	buf_printf(b, "{\"@partial\":{\"v\":%d,\"sig\":\"%016llx\"",
	    PARTIAL_VERSION, (unsigned long long)partial_sig(a));
	if (windowed)
		buf_printf(b, ",\"window_start\":%lld,\"window_end\":%lld",
		    (long long)wf->start, (long long)wf->end);
	buf_adds(b, ",\"key\":\"");
	buf_hex(b, wf->key, wf->keylen);
	buf_adds(b, "\",\"fields\":{");
	wintool_key(wt, b, wf->key, wf->keylen);
	buf_adds(b, "},\"aggs\":");
	aggset_encode(a, blk, b);
	if (wf->late)
		buf_printf(b, ",\"late\":true,\"revision\":%u", wf->revision);
	buf_adds(b, "}}\n");
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
	int r, more;

	if (v->type != V_OBJECT)
		return fault_set(f, EX_DATAERR, "bad @partial: not an object");
	buf_init(&s);
	p->windowed = 0;
	p->late = 0;
	p->revision = 0;
	p->aggs = NULL;
	jc_init(&jc, v->raw, v->rawlen, f);
	if (jc_begin_object(&jc) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "v") == -1 || jc_int(&jc, &ver) == -1)
		goto bad;
	if (ver != PARTIAL_VERSION) {
		buf_release(&s);
		return fault_set(f, EX_DATAERR, "bad @partial: version %lld, "
		    "this stream-agg reads version %d", (long long)ver,
		    PARTIAL_VERSION);
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
	if (more == -1 || p->aggs == NULL || jc_end(&jc) != 0)
		goto bad;
	if (p->windowed == 1 || p->windowed == 2) {
		buf_release(&s);
		return fault_set(f, EX_DATAERR, "bad @partial: a window needs "
		    "both window_start and window_end");
	}
	p->windowed = p->windowed == 3;
	buf_release(&s);
	return 0;
bad:
	buf_release(&s);
	if (!jc.failed)
		fault_set(f, EX_DATAERR, "bad @partial record");
	else
		fault_prefix(f, "bad @partial");
	return -1;
}
