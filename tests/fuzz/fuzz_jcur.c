/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_jcur.c - the pull reader of jcur.h against the RFC 8259 oracle.
 *
 * Input: a mode byte, then JSON text.  The text is read as one value in
 * one of several ways (a typed walk with jc_peek/jc_more/jc_key and the
 * scalar readers, jc_skip, jc_raw, or a walk that reads numbers with
 * jc_int/jc_uint/jc_double), then jc_end().  For the exact ways the
 * cursor must accept exactly what the oracle accepts with nesting up to
 * JC_DEPTH_MAX; decoded strings and keys must be valid UTF-8 (lone
 * surrogate escapes become U+FFFD); jc_raw() must give the value's text;
 * a failure must fill the fault once and make every later call fail.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fault.h"
#include "jcur.h"
#include "value.h"

#include "fuzz_common.h"
#include "json_oracle.h"

struct walk {
	struct jcur	*j;
	struct buf	*b;
	int		 numbers;	/* 0 jc_number, 1 int/uint/double */
};

static int
check_int(const char *t, size_t n, int64_t v)
{
	char tmp[32];

	if (n >= sizeof(tmp))
		return 0;
	memcpy(tmp, t, n);
	tmp[n] = '\0';
	return strtoll(tmp, NULL, 10) == v;
}

static int
walk_number(struct walk *W)
{
	struct jcur save = *W->j;
	struct value v;
	const char *raw;
	size_t rawlen;
	int64_t i;
	uint64_t u;
	double d;

	if (!W->numbers) {
		if (jc_number(W->j, &v) == -1)
			return -1;
		CHECK(v.type == V_NUMBER && v.raw != NULL);
		CHECK(v.raw >= W->j->start && v.raw + v.rawlen <= W->j->end);
		fuzz_touch(v.raw, v.rawlen);
		if (v.isint)
			CHECK(check_int(v.raw, v.rawlen, v.i));
		return 0;
	}
	/* Find the text first, then read it three ways from copies. */
	if (jc_raw(W->j, &raw, &rawlen) == -1)
		return -1;
	*W->j = save;
	if (jc_int(W->j, &i) == 0)
		CHECK(check_int(raw, rawlen, i));
	*W->j = save;
	if (jc_uint(W->j, &u) == 0)
		CHECK(raw[0] != '-');
	*W->j = save;
	if (jc_double(W->j, &d) == 0)
		CHECK(!isnan(d));
	return 0;
}

static int
walk(struct walk *W)
{
	const char *k;
	size_t n;
	int c, r, bv;

	switch ((c = jc_peek(W->j))) {
	case '{':
	case '[':
		if ((c == '{' ? jc_begin_object(W->j) :
		    jc_begin_array(W->j)) == -1)
			return -1;
		while ((r = jc_more(W->j)) == 1) {
			if (c == '{') {
				if (jc_key(W->j, &k, &n) == -1)
					return -1;
				CHECK(k != NULL);
				fuzz_touch(k, n);
				CHECK(jo_utf8_valid(k, n));
			}
			if (walk(W) == -1)
				return -1;
		}
		return r;
	case '"':
		if (jc_string(W->j, W->b) == -1)
			return -1;
		fuzz_touch(W->b->data, W->b->len);
		CHECK(jo_utf8_valid(W->b->data, W->b->len));
		return 0;
	case 'n':
		return jc_null(W->j);
	case 't':
	case 'f':
		if (jc_bool(W->j, &bv) == -1)
			return -1;
		CHECK(bv == (c == 't'));
		return 0;
	case '0':
		return walk_number(W);
	default:
		return jc_fail(W->j, "no value");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jcur j;
	struct fault f;
	struct walk W;
	struct buf b;
	struct jo J;
	const char *raw;
	size_t n, rawlen;
	char *text;
	int mode, r, ok;
	struct value v;

	if (size < 1)
		return 0;
	mode = data[0] & 3;
	n = size - 1;
	text = fuzz_dup(data + 1, n);
	buf_init(&b);
	fault_clear(&f);
	jc_init(&j, text, n, &f);
	W.j = &j;
	W.b = &b;
	W.numbers = mode == 3;
	switch (mode) {
	case 0:
	case 3:
		r = walk(&W);
		break;
	case 1:
		r = jc_skip(&j);
		break;
	default:
		r = jc_raw(&j, &raw, &rawlen);
		if (r == 0) {
			CHECK(raw >= text && raw + rawlen <= text + n);
			CHECK(jo_check(&J, raw, rawlen, JC_DEPTH_MAX) == 0);
		}
		break;
	}
	if (r == 0)
		r = jc_end(&j);
	ok = jo_check(&J, text, n, JC_DEPTH_MAX) == 0;
	/*
	 * A documented limit, not a disagreement: jc_key() has no buffer
	 * for an escaped key that decodes to more than JC_KEY_MAX bytes
	 * (jcur reads our own encodings, whose keys are short names).
	 */
	if (mode != 3 && r == -1 && ok &&
	    strstr(f.msg, "escaped key too long") != NULL)
		ok = 0;
	if (mode != 3 && (r == 0) != ok) {
		fprintf(stderr, "jcur %s text the oracle %s (mode %d): %s\n",
		    r == 0 ? "accepted" : "rejected",
		    ok ? "accepts" : "rejects", mode, f.msg);
		abort();
	}
	if (r == -1) {
		CHECK(j.failed);
		CHECK(f.code == EX_DATAERR && f.msg[0] != '\0');
		/* Sticky: everything fails now, and the fault stays. */
		CHECK(jc_peek(&j) == 0);
		CHECK(jc_more(&j) == -1);
		CHECK(jc_number(&j, &v) == -1);
		CHECK(jc_string(&j, &b) == -1);
		CHECK(jc_skip(&j) == -1);
		CHECK(jc_end(&j) == -1);
	}
	buf_release(&b);
	free(text);
	return 0;
}
