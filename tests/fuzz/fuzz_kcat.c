/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_kcat.c - kcat -J envelopes: rec_parse, kcat_decode, the payload.
 *
 * Input: lines, each an envelope, decoded as source.c does: parse with
 * the envelope's fields, kcat_decode(), then parse the payload as an
 * event with a few paths of its own.  A payload that parses must be one
 * line (SPEC 4: every record stays on one line) and lie in the line or
 * the arena; a decoded envelope's fields must be consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "fault.h"
#include "kcat.h"
#include "path.h"
#include "record.h"

#include "fuzz_common.h"
#include "json_oracle.h"

static const char *const evpaths[] = { ".", ".ts", ".a.b", ".[\"k.y\"]" };
#define NEV	(sizeof(evpaths) / sizeof(evpaths[0]))

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_lines L = { data, data + size };
	struct fields *envfl, *evfl;
	struct parser *env, *ev;
	struct arena *A;
	struct record rec, prec;
	struct kcat_env e;
	struct fault f;
	struct path p;
	struct jo J;
	const uint8_t *lp;
	size_t len, i;
	int slots[KC_NSLOTS], evslots[NEV], r;
	char *line;

	CHECK((envfl = rec_fields_new()) != NULL);
	CHECK((evfl = rec_fields_new()) != NULL);
	CHECK(kcat_fields(envfl, slots, &f) == 0);
	for (i = 0; i < NEV; i++) {
		CHECK(path_parse(&p, evpaths[i], &f) == 0);
		CHECK((evslots[i] = rec_fields_add(evfl, &p, &f)) >= 0);
		path_release(&p);
	}
	CHECK((A = arena_new()) != NULL);
	CHECK((env = rec_parser_new(envfl, A, &f)) != NULL);
	CHECK((ev = rec_parser_new(evfl, A, &f)) != NULL);
	while (fuzz_next_line(&L, &lp, &len)) {
		line = fuzz_dup(lp, len);
		arena_reset(A);
		if (rec_parse(env, line, len, &rec, &f) == -1) {
			free(line);
			continue;
		}
		fault_clear(&f);
		if (kcat_decode(&rec, slots, A, &e, &f) == -1) {
			CHECK(f.code == EX_DATAERR || f.code == EX_SOFTWARE);
			CHECK(f.msg[0] != '\0');
			free(line);
			continue;
		}
		CHECK(e.topic != NULL);
		fuzz_touch(e.topic, e.topiclen);
		if (e.key != NULL)
			fuzz_touch(e.key, e.keylen);
		if (e.tombstone) {
			free(line);
			continue;
		}
		CHECK(e.payload != NULL);
		fuzz_touch(e.payload, e.payloadlen);
		r = rec_parse(ev, e.payload, e.payloadlen, &prec, &f);
		if (r == 0) {
			CHECK(memchr(e.payload, '\n', e.payloadlen) == NULL);
			CHECK(jo_check(&J, e.payload, e.payloadlen, 1000) == 0);
			for (i = 0; i < (size_t)prec.nv; i++)
				if (prec.v[i].type != V_MISSING)
					fuzz_touch(prec.v[i].raw,
					    prec.v[i].rawlen);
			CHECK(prec.v[evslots[0]].type == V_OBJECT);
		}
		free(line);
	}
	rec_parser_free(ev);
	rec_parser_free(env);
	arena_free(A);
	rec_fields_free(evfl);
	rec_fields_free(envfl);
	return 0;
}
