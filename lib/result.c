/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * result.c - aggregate blocks out as results, partials or final partials.
 */
#include <string.h>

#include "agg.h"
#include "buf.h"
#include "key.h"
#include "partial.h"
#include "result.h"
#include "sink.h"
#include "window.h"

/*
 * ,"name":value for each aggregate, without a comma straight after the
 * record's opening brace (no window and no --by).
 */
static void
put_results(const struct result_out *r, struct buf *b, const void *blk)
{
	size_t at = b->len;

	aggset_result(r->aggs, blk, b);
	if (at > 0 && b->data[at - 1] == '{' && b->len > at &&
	    b->data[at] == ',') {
		memmove(b->data + at, b->data + at + 1, b->len - at - 1);
		b->len--;
	}
}

/* --kafka-key: the key as kcat -K reads it, before the partial. */
static void
put_key(const struct result_out *r, struct buf *b, const char *key,
    size_t keylen)
{
	if (!r->kafka_key)
		return;
	buf_hex(b, key, keylen);
	buf_addc(b, '\t');
}

static void
done(const struct result_out *r)
{
	sink_commit(r->out);
	(*r->count)++;
}

/* {"window_start":…,"window_end":…,"service":…,"count":…,…} */
void
result_window(const struct result_out *r, const struct win_fired *wf,
    const void *blk)
{
	struct buf *b = sink_buf(r->out);
	size_t at = 0;

	if (r->partial)
		put_key(r, b, wf->key, wf->keylen);
	if (r->partial && !r->owned) {
		partial_write(b, r->key, r->aggs, r->sig, wf, 1, blk,
		    r->from);
	} else {
		if (r->owned)
			at = partial_open_final(b, r->sig, wf, r->partition,
			    r->part_i, r->part_n, r->from);
		buf_addc(b, '{');
		win_put_bounds(b, wf, r->time_out);
		key_write_fields(r->key, wf->key, wf->keylen, b);
		put_results(r, b, blk);
		win_put_flags(b, wf);
		buf_addc(b, '}');
		if (r->owned)
			partial_close_final(b, at, wf);
		else
			buf_addc(b, '\n');
	}
	done(r);
}

/* {"service":…,"count":…,…} */
void
result_key(const struct result_out *r, const char *key, size_t keylen,
    const void *blk)
{
	struct buf *b = sink_buf(r->out);
	struct win_fired wf;

	if (r->partial) {
		memset(&wf, 0, sizeof(wf));
		wf.key = key;
		wf.keylen = keylen;
		put_key(r, b, key, keylen);
		partial_write(b, r->key, r->aggs, r->sig, &wf, 0, blk,
		    r->from);
	} else {
		buf_addc(b, '{');
		key_write_fields(r->key, key, keylen, b);
		put_results(r, b, blk);
		buf_adds(b, "}\n");
	}
	done(r);
}
