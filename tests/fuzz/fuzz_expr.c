/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_expr.c - expr_compile() and expr_holds().
 *
 * Input: the first line is EXPR, the other lines are records.  EXPR is
 * compiled with a few $variables bound (as --arg/--argjson would); when
 * it compiles, it is evaluated on each record that rec_parse() accepts,
 * with an event time taken from the line so @time varies.  A syntax
 * error must be a usage error with a caret column inside the text.
 *
 * Differential: the same EXPR with each $variable replaced by its JSON
 * text as a literal must, when it compiles too, hold on exactly the same
 * records (a binding is a constant, SPEC 5; --argjson is jq's).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "buf.h"
#include "fault.h"
#include "expr.h"
#include "record.h"

#include "fuzz_common.h"

static struct expr_var vars[] = {
	{ "s", "\"str\"" },
	{ "re", "\"^a.*[0-9]+$\"" },
	{ "n", "1.5" },
	{ "i", "42" },
	{ "neg", "-7" },
	{ "big", "9223372036854775807" },
	{ "l", "[1, \"a\", null, true, [2], {\"k\": 1}]" },
	{ "o", "{\"a\": 1, \"b\": [1, 2]}" },
	{ "t", "\"2024-11-12T10:00:00Z\"" },
	{ "nul", "null" },
	{ "u", "\"\\u00e9\\ud83d\\ude00\"" },
	{ "ts", "1731405601" },		/* the first record is at ...600 s */
	{ "tsr", "1731405600.5" },
};
#define NVARS	((int)(sizeof(vars) / sizeof(vars[0])))

/* text with every $name outside string literals replaced by its JSON;
 * NULL when there is none. */
static char *
substitute(const char *text)
{
	struct buf b;
	const char *p = text, *q;
	size_t n;
	int i, any = 0;

	buf_init(&b);
	while (*p != '\0') {
		if (*p == '"') {
			for (q = p + 1; *q != '\0' && *q != '"'; q++)
				if (*q == '\\' && q[1] != '\0')
					q++;
			if (*q == '"')
				q++;
			buf_add(&b, p, (size_t)(q - p));
			p = q;
			continue;
		}
		if (*p != '$') {
			buf_addc(&b, *p++);
			continue;
		}
		for (q = p + 1; *q == '_' || (*q >= 'a' && *q <= 'z') ||
		    (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'); q++)
			;
		n = (size_t)(q - p - 1);
		for (i = 0; i < NVARS; i++)
			if (strlen(vars[i].name) == n &&
			    memcmp(vars[i].name, p + 1, n) == 0)
				break;
		if (i == NVARS) {
			buf_add(&b, p, (size_t)(q - p));
		} else {
			/* Parenthesised, so -7 stays one operand. */
			buf_addc(&b, '(');
			buf_adds(&b, vars[i].json);
			buf_addc(&b, ')');
			any = 1;
		}
		p = q;
	}
	if (!any) {
		buf_release(&b);
		return NULL;
	}
	buf_cstr(&b);
	return b.data;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_lines L = { data, data + size };
	struct fields *fl, *fl2;
	struct parser *P, *P2;
	struct arena *A;
	struct expr *ex, *ex2;
	struct record rec, rec2;
	struct fault f;
	const uint8_t *lp;
	size_t len;
	char *text, *text2, *line;
	int col, h, h2;
	int64_t t = 1731405600000000000;

	if (!fuzz_next_line(&L, &lp, &len))
		return 0;
	if (len > EXPR_TEXT_MAX + 16)
		return 0;
	text = fuzz_strdup(lp, len);
	CHECK((fl = rec_fields_new()) != NULL);
	fault_clear(&f);
	ex = expr_compile(text, fl, vars, NVARS, &col, &f);
	if (ex == NULL) {
		CHECK(f.code == EX_USAGE);
		CHECK(f.msg[0] != '\0');
		CHECK(col >= -1 && (size_t)(col < 0 ? 0 : col) <= strlen(text));
		rec_fields_free(fl);
		free(text);
		return 0;
	}
	(void)expr_uses_time(ex);
	CHECK((A = arena_new()) != NULL);
	CHECK((P = rec_parser_new(fl, A, &f)) != NULL);
	text2 = substitute(text);
	CHECK((fl2 = rec_fields_new()) != NULL);
	ex2 = text2 != NULL ? expr_compile(text2, fl2, NULL, 0, &col, &f) :
	    NULL;
	CHECK((P2 = rec_parser_new(fl2, A, &f)) != NULL);
	while (fuzz_next_line(&L, &lp, &len)) {
		line = fuzz_dup(lp, len);
		arena_reset(A);
		memset(&rec, 0, sizeof(rec));
		if (rec_parse(P, line, len, &rec, &f) == 0) {
			rec.lineno = 1;
			rec.time_ns = t;
			fault_clear(&f);
			h = expr_holds(ex, &rec, A, &f);
			CHECK(h == 0 || h == 1 || h == -1);
			if (h == -1)
				CHECK(f.code == EX_DATAERR);
			if (ex2 != NULL &&
			    rec_parse(P2, line, len, &rec2, &f) == 0) {
				rec2.lineno = 1;
				rec2.time_ns = t;
				h2 = expr_holds(ex2, &rec2, A, &f);
				if (h != -1 && h2 != -1 && h != h2) {
					fprintf(stderr, "\"%s\" is %d but \"%s\" "
					    "is %d\n", text, h, text2, h2);
					abort();
				}
			}
		}
		/* Next event time: far apart, both signs, the extremes. */
		t = len % 7 == 0 ? INT64_MIN : len % 7 == 1 ? INT64_MAX :
		    (int64_t)((uint64_t)t * 6364136223846793005ULL + len);
		free(line);
	}
	rec_parser_free(P2);
	expr_free(ex2);
	rec_fields_free(fl2);
	free(text2);
	rec_parser_free(P);
	arena_free(A);
	expr_free(ex);
	rec_fields_free(fl);
	free(text);
	return 0;
}
