/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * kcat.c - decoding kcat -J envelopes.
 */
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "fault.h"
#include "kcat.h"
#include "path.h"
#include "record.h"

static const char *const names[KC_NSLOTS] = {
	".topic", ".partition", ".offset", ".ts", ".key", ".payload"
};

int
kcat_fields(struct fields *fl, int slots[KC_NSLOTS], struct fault *f)
{
	struct path p;
	int i;

	for (i = 0; i < KC_NSLOTS; i++) {
		if (path_parse(&p, names[i], f) == -1)
			return -1;
		slots[i] = rec_fields_add(fl, &p, f);
		path_release(&p);
		if (slots[i] == -1)
			return -1;
	}
	return 0;
}

static int
int_field(const struct value *v, const char *name, int64_t *out,
    struct fault *f)
{
	if (v->type != V_NUMBER || !v->isint)
		return fault_set(f, EX_DATAERR, "not a kcat -J envelope: "
		    "\"%s\" is %s", name, v->type == V_MISSING ? "missing" :
		    "not an integer");
	*out = v->i;
	return 0;
}

/* Payload text as one line: compact it when it spans several. */
static int
payload_text(struct kcat_env *e, const struct value *v, struct arena *a,
    struct fault *f)
{
	struct buf b;
	char *p;

	if (memchr(v->s, '\n', v->slen) == NULL &&
	    memchr(v->s, '\r', v->slen) == NULL) {
		e->payload = v->s;
		e->payloadlen = v->slen;
		return 0;
	}
	buf_init(&b);
	buf_json_compact(&b, v->s, v->slen);
	p = arena_alloc(a, b.len + 1);
	if (p == NULL) {
		buf_release(&b);
		return fault_set(f, EX_SOFTWARE, "out of memory");
	}
	memcpy(p, b.data, b.len);
	e->payload = p;
	e->payloadlen = b.len;
	buf_release(&b);
	return 0;
}

int
kcat_decode(const struct record *r, const int s[KC_NSLOTS], struct arena *a,
    struct kcat_env *e, struct fault *f)
{
	const struct value *v;

	memset(e, 0, sizeof(*e));
	v = &r->v[s[KC_TOPIC]];
	if (v->type == V_STRING) {
		e->topic = v->s;
		e->topiclen = v->slen;
	} else {
		e->topic = "";
	}
	if (int_field(&r->v[s[KC_PARTITION]], "partition", &e->partition,
	    f) == -1 ||
	    int_field(&r->v[s[KC_OFFSET]], "offset", &e->offset, f) == -1)
		return -1;
	v = &r->v[s[KC_TS]];
	if (v->type == V_NUMBER && v->isint) {
		e->ts_ms = v->i;
		e->has_ts = 1;
	}
	v = &r->v[s[KC_KEY]];
	if (v->type == V_STRING) {
		e->key = v->s;
		e->keylen = v->slen;
	}
	v = &r->v[s[KC_PAYLOAD]];
	switch (v->type) {
	case V_NULL:
		e->tombstone = 1;
		return 0;
	case V_STRING:
		return payload_text(e, v, a, f);
	case V_OBJECT:
		e->payload = v->raw;
		e->payloadlen = v->rawlen;
		return 0;
	case V_MISSING:
		return fault_set(f, EX_DATAERR, "not a kcat -J envelope: "
		    "\"payload\" is missing");
	default:
		return fault_set(f, EX_DATAERR, "kcat payload is %s, not JSON "
		    "text", val_type_name(v->type));
	}
}
