/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * expr.c - tokenizer, recursive-descent parser and evaluator of EXPR.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <pcre2.h>

#include "arena.h"
#include "buf.h"
#include "expr.h"
#include "fault.h"
#include "path.h"
#include "record.h"
#include "timeparse.h"
#include "xmalloc.h"

enum op {
	N_CONST, N_PATH, N_TIME, N_NOT, N_AND, N_OR,
	N_EQ, N_NE, N_LT, N_LE, N_GT, N_GE, N_MATCH, N_NMATCH, N_IN,
	N_ADD, N_SUB, N_MUL, N_DIV, N_MOD, N_NEG,
	N_EXISTS, N_CONTAINS, N_STARTS, N_ENDS, N_LENGTH, N_LIST
};

struct node {
	enum op		 op;
	int		 col;		/* where it starts in EXPR */
	struct node	*a, *b;
	struct value	 k;		/* N_CONST */
	int		 slot;		/* N_PATH, N_EXISTS */
	pcre2_code	*re;		/* N_MATCH, N_NMATCH */
	struct node	**items;	/* N_LIST */
	int		 nitems;
	int		 timecmp;	/* compare as event times */
};

/* What one thread's evaluation writes to: PCRE2's match data. */
struct expr_run {
	const struct expr *ex;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
};

struct expr {
	char		*text;
	struct node	*root;
	struct node	**all;		/* every node, for expr_free */
	int		 nall, capall;
	char		**strs;		/* decoded literals */
	int		 nstrs;
	struct expr_run	 run;		/* expr_holds()'s */
	int		 uses_time;
};

enum tok {
	K_EOF, K_NUM, K_STR, K_PATH, K_VAR, K_TIME, K_IDENT,
	K_LP, K_RP, K_LB, K_RB, K_COMMA,
	K_EQ, K_NE, K_LT, K_LE, K_GT, K_GE, K_MATCH, K_NMATCH,
	K_PLUS, K_MINUS, K_STAR, K_SLASH, K_PCT
};

struct parse {
	struct expr	*ex;
	struct fields	*fl;
	const struct expr_var *vars;
	int		 nvars;
	const char	*s;		/* the text */
	size_t		 pos;		/* after the current token */
	enum tok	 tok;
	size_t		 tstart;	/* current token's offset */
	size_t		 tlen;
	struct fault	*f;
	int		 err;
	int		*col;
	int		 depth;
};

static int
perr(struct parse *P, size_t col, const char *fmt, const char *arg)
{
	char copy[FAULT_MSG_MAX];

	if (P->err)
		return -1;
	P->err = 1;
	*P->col = (int)col;
	/* arg may be the fault's own message: copy before formatting. */
	snprintf(copy, sizeof(copy), "%s", arg);
	fault_set(P->f, EX_USAGE, fmt, copy);
	return -1;
}

static int
is_ident(int c, int first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	    (!first && c >= '0' && c <= '9');
}

/* Skip a JSON-style string literal; the parser decodes it later. */
static int
skip_string(struct parse *P, size_t i)
{
	for (i++; P->s[i] != '\0'; i++) {
		if (P->s[i] == '\\' && P->s[i + 1] != '\0')
			i++;
		else if (P->s[i] == '"')
			return (int)(i + 1);
	}
	return perr(P, P->tstart, "%sunterminated string", "");
}

static int
skip_number(const char *s, size_t i)
{
	while (s[i] >= '0' && s[i] <= '9')
		i++;
	if (s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9')
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			;
	if (s[i] == 'e' || s[i] == 'E') {
		size_t j = i + 1;

		if (s[j] == '+' || s[j] == '-')
			j++;
		if (s[j] >= '0' && s[j] <= '9') {
			for (i = j; s[i] >= '0' && s[i] <= '9'; i++)
				;
		}
	}
	return (int)i;
}

static int
next(struct parse *P)
{
	const char *s = P->s;
	size_t i = P->pos;
	int r;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	P->tstart = i;
	switch (s[i]) {
	case '\0': P->tok = K_EOF; break;
	case '(': P->tok = K_LP; i++; break;
	case ')': P->tok = K_RP; i++; break;
	case '[': P->tok = K_LB; i++; break;
	case ']': P->tok = K_RB; i++; break;
	case ',': P->tok = K_COMMA; i++; break;
	case '+': P->tok = K_PLUS; i++; break;
	case '-': P->tok = K_MINUS; i++; break;
	case '*': P->tok = K_STAR; i++; break;
	case '/': P->tok = K_SLASH; i++; break;
	case '%': P->tok = K_PCT; i++; break;
	case '=':
		if (s[i + 1] == '=')
			P->tok = K_EQ;
		else if (s[i + 1] == '~')
			P->tok = K_MATCH;
		else
			return perr(P, i, "%sexpected '==' or '=~'", "");
		i += 2;
		break;
	case '!':
		if (s[i + 1] == '=')
			P->tok = K_NE;
		else if (s[i + 1] == '~')
			P->tok = K_NMATCH;
		else
			return perr(P, i, "%sexpected '!=' or '!~' "
			    "(negation is 'not')", "");
		i += 2;
		break;
	case '<':
	case '>':
		P->tok = s[i] == '<' ? (s[i + 1] == '=' ? K_LE : K_LT) :
		    (s[i + 1] == '=' ? K_GE : K_GT);
		i += s[i + 1] == '=' ? 2 : 1;
		break;
	case '"':
		P->tok = K_STR;
		if ((r = skip_string(P, i)) == -1)
			return -1;
		i = (size_t)r;
		break;
	case '.':
		P->tok = K_PATH;
		i++;	/* the parser reads the whole path */
		break;
	case '$':
	case '@':
		P->tok = s[i] == '$' ? K_VAR : K_TIME;
		for (i++; is_ident((unsigned char)s[i], 0); i++)
			;
		break;
	default:
		if (s[i] >= '0' && s[i] <= '9') {
			P->tok = K_NUM;
			i = (size_t)skip_number(s, i);
		} else if (is_ident((unsigned char)s[i], 1)) {
			P->tok = K_IDENT;
			while (is_ident((unsigned char)s[i], 0))
				i++;
		} else {
			char c[2] = { s[i], '\0' };

			return perr(P, i, "unexpected character '%s'", c);
		}
	}
	P->tlen = i - P->tstart;
	P->pos = i;
	return 0;
}

static int
tok_is(const struct parse *P, const char *word)
{
	return P->tok == K_IDENT && strlen(word) == P->tlen &&
	    memcmp(P->s + P->tstart, word, P->tlen) == 0;
}

static struct node *
node_new(struct parse *P, enum op op)
{
	struct expr *ex = P->ex;
	struct node *n;

	if (ex->nall == EXPR_NODES_MAX) {
		perr(P, P->tstart, "%sexpression too large", "");
		return NULL;
	}
	if (ex->nall == ex->capall) {
		int cap = ex->capall ? ex->capall * 2 : 16;

		ex->all = xrealloc(ex->all, sizeof(*ex->all) * (size_t)cap);
		ex->capall = cap;
	}
	n = xcalloc(1, sizeof(*n));
	n->op = op;
	n->slot = -1;
	n->col = (int)P->tstart;
	ex->all[ex->nall++] = n;
	return n;
}

static struct node *parse_or(struct parse *);

/* The expression keeps s (for expr_free); NULL is jansson out of memory. */
static char *
keep_str(struct parse *P, char *s)
{
	if (s == NULL)
		xmalloc_oom(0);
	P->ex->strs = xrealloc(P->ex->strs, sizeof(*P->ex->strs) *
	    (size_t)(P->ex->nstrs + 1));
	P->ex->strs[P->ex->nstrs++] = s;
	return s;
}

/* A constant from JSON text (a --arg/--argjson binding). */
static struct node *
const_json(struct parse *P, json_t *j, size_t col)
{
	struct node *n, *it;
	char *s;
	size_t i;

	if (json_is_array(j)) {
		if ((n = node_new(P, N_LIST)) == NULL)
			return NULL;
		n->items = xcalloc(json_array_size(j) + 1, sizeof(*n->items));
		for (i = 0; i < json_array_size(j); i++) {
			if ((it = const_json(P, json_array_get(j, i), col)) ==
			    NULL)
				return NULL;
			n->items[n->nitems++] = it;
		}
		return n;
	}
	if ((n = node_new(P, N_CONST)) == NULL)
		return NULL;
	switch (json_typeof(j)) {
	case JSON_NULL: n->k.type = V_NULL; break;
	case JSON_TRUE: n->k.type = V_TRUE; break;
	case JSON_FALSE: n->k.type = V_FALSE; break;
	case JSON_STRING:
		s = keep_str(P, xstrndup(json_string_value(j),
		    json_string_length(j)));
		n->k.type = V_STRING;
		n->k.s = s;
		n->k.slen = json_string_length(j);
		break;
	case JSON_INTEGER:
		n->k.type = V_NUMBER;
		n->k.isint = 1;
		n->k.i = json_integer_value(j);
		n->k.d = (double)n->k.i;
		break;
	case JSON_REAL:
		n->k.type = V_NUMBER;
		n->k.d = json_real_value(j);
		break;
	default:
		s = keep_str(P, json_dumps(j, JSON_COMPACT));
		n->k.type = V_OBJECT;
		n->k.raw = s;
		n->k.rawlen = strlen(s);
		n->k.nchildren = (int64_t)json_object_size(j);
		break;
	}
	return n;
}

static struct node *
parse_var(struct parse *P)
{
	size_t col = P->tstart, len = P->tlen - 1;
	const char *name = P->s + P->tstart + 1;
	struct node *n;
	json_t *j;
	int i;
	char tmp[128];

	for (i = 0; i < P->nvars; i++) {
		if (strlen(P->vars[i].name) != len ||
		    memcmp(P->vars[i].name, name, len) != 0)
			continue;
		j = json_loads(P->vars[i].json, JSON_DECODE_ANY, NULL);
		if (j == NULL)
			return NULL;
		n = const_json(P, j, col);
		json_decref(j);
		if (next(P) == -1)
			return NULL;
		return n;
	}
	snprintf(tmp, sizeof(tmp), "%.*s", (int)(len < 100 ? len : 100),
	    name);
	perr(P, col, "$%s is not defined (use --arg or --argjson)", tmp);
	return NULL;
}

static struct node *
parse_path(struct parse *P, enum op op)
{
	struct path p;
	struct node *n;
	size_t used;

	if (path_parse_prefix(&p, P->s + P->tstart, &used, P->f) == -1) {
		perr(P, P->tstart, "%s", P->f->msg);
		return NULL;
	}
	P->pos = P->tstart + used;
	if ((n = node_new(P, op)) == NULL) {
		path_release(&p);
		return NULL;
	}
	n->slot = rec_fields_add(P->fl, &p, P->f);
	path_release(&p);
	if (n->slot == -1) {
		perr(P, P->tstart, "%s", P->f->msg);
		return NULL;
	}
	return next(P) == -1 ? NULL : n;
}

static int
expect(struct parse *P, enum tok t, const char *what)
{
	if (P->tok != t)
		return perr(P, P->tstart, "expected %s", what);
	return next(P);
}

/* exists(.p), length(e), contains(e, e), startswith, endswith. */
static struct node *
parse_call(struct parse *P)
{
	static const struct { const char *name; enum op op; int nargs; }
	    fns[] = {
		{ "exists", N_EXISTS, 1 }, { "length", N_LENGTH, 1 },
		{ "contains", N_CONTAINS, 2 }, { "startswith", N_STARTS, 2 },
		{ "endswith", N_ENDS, 2 },
	};
	struct node *n;
	size_t i, col = P->tstart;
	char name[32];

	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		if (tok_is(P, fns[i].name))
			break;
	if (i == sizeof(fns) / sizeof(fns[0])) {
		snprintf(name, sizeof(name), "%.*s",
		    (int)(P->tlen < 30 ? P->tlen : 30), P->s + P->tstart);
		perr(P, col, "unknown word '%s' (functions: exists, length, "
		    "contains, startswith, endswith)", name);
		return NULL;
	}
	if (next(P) == -1 || expect(P, K_LP, "'('") == -1)
		return NULL;
	if (fns[i].op == N_EXISTS) {
		if (P->tok != K_PATH) {
			perr(P, P->tstart, "%sexists() takes a path", "");
			return NULL;
		}
		n = parse_path(P, N_EXISTS);
	} else {
		if ((n = node_new(P, fns[i].op)) == NULL ||
		    (n->a = parse_or(P)) == NULL)
			return NULL;
		if (fns[i].nargs == 2 && (expect(P, K_COMMA, "','") == -1 ||
		    (n->b = parse_or(P)) == NULL))
			return NULL;
	}
	if (n == NULL || expect(P, K_RP, "')'") == -1)
		return NULL;
	return n;
}

static struct node *
parse_list(struct parse *P)
{
	struct node *n, *it;

	if ((n = node_new(P, N_LIST)) == NULL || next(P) == -1)
		return NULL;
	while (P->tok != K_RB) {
		if ((it = parse_or(P)) == NULL)
			return NULL;
		n->items = xrealloc(n->items, sizeof(*n->items) *
		    (size_t)(n->nitems + 1));
		n->items[n->nitems++] = it;
		if (P->tok == K_COMMA) {
			if (next(P) == -1)
				return NULL;
		} else if (P->tok != K_RB) {
			perr(P, P->tstart, "%sexpected ',' or ']'", "");
			return NULL;
		}
	}
	return next(P) == -1 ? NULL : n;
}

static struct node *
parse_primary(struct parse *P)
{
	struct node *n;
	size_t used, len;
	char *s;

	switch (P->tok) {
	case K_NUM:
		if ((n = node_new(P, N_CONST)) == NULL)
			return NULL;
		val_number(&n->k, P->s + P->tstart, P->tlen);
		return next(P) == -1 ? NULL : n;
	case K_STR:
		s = path_json_string(P->s + P->tstart, &used, &len, P->f);
		if (s == NULL) {
			/* The caret goes to the escape, not to the quote. */
			perr(P, P->tstart + used, "%s", P->f->msg);
			return NULL;
		}
		keep_str(P, s);
		if ((n = node_new(P, N_CONST)) == NULL)
			return NULL;
		n->k.type = V_STRING;
		n->k.s = s;
		n->k.slen = len;
		return next(P) == -1 ? NULL : n;
	case K_PATH:
		return parse_path(P, N_PATH);
	case K_VAR:
		return parse_var(P);
	case K_TIME:
		if (P->tlen != 5 || memcmp(P->s + P->tstart, "@time", 5) != 0) {
			perr(P, P->tstart, "%sunknown name (did you mean @time?)",
			    "");
			return NULL;
		}
		P->ex->uses_time = 1;
		if ((n = node_new(P, N_TIME)) == NULL)
			return NULL;
		return next(P) == -1 ? NULL : n;
	case K_LP:
		if (next(P) == -1 || (n = parse_or(P)) == NULL)
			return NULL;
		return expect(P, K_RP, "')'") == -1 ? NULL : n;
	case K_LB:
		return parse_list(P);
	case K_IDENT:
		if (tok_is(P, "true") || tok_is(P, "false") ||
		    tok_is(P, "null")) {
			if ((n = node_new(P, N_CONST)) == NULL)
				return NULL;
			n->k.type = tok_is(P, "true") ? V_TRUE :
			    tok_is(P, "false") ? V_FALSE : V_NULL;
			return next(P) == -1 ? NULL : n;
		}
		return parse_call(P);
	case K_EOF:
		perr(P, P->tstart, "%sunexpected end of expression", "");
		return NULL;
	default:
		perr(P, P->tstart, "%sexpected a value, a path or '('", "");
		return NULL;
	}
}

static struct node *
binary(struct parse *P, enum op op, struct node *a, struct node *b)
{
	struct node *n;

	if (a == NULL || b == NULL || (n = node_new(P, op)) == NULL)
		return NULL;
	n->a = a;
	n->b = b;
	return n;
}

static int
enter(struct parse *P)
{
	if (++P->depth > EXPR_DEPTH_MAX)
		return perr(P, P->tstart, "%sexpression nested too deeply", "");
	return 0;
}

static struct node *
parse_unary(struct parse *P)
{
	struct node *n, *a;

	if (enter(P) == -1)
		return NULL;
	if (P->tok == K_MINUS) {
		if (next(P) == -1 || (a = parse_unary(P)) == NULL ||
		    (n = node_new(P, N_NEG)) == NULL)
			return NULL;
		n->a = a;
	} else {
		n = parse_primary(P);
	}
	P->depth--;
	return n;
}

static struct node *
parse_mul(struct parse *P)
{
	struct node *n = parse_unary(P);
	enum op op;

	while (n != NULL && (P->tok == K_STAR || P->tok == K_SLASH ||
	    P->tok == K_PCT)) {
		op = P->tok == K_STAR ? N_MUL : P->tok == K_SLASH ? N_DIV :
		    N_MOD;
		if (next(P) == -1)
			return NULL;
		n = binary(P, op, n, parse_unary(P));
	}
	return n;
}

static struct node *
parse_add(struct parse *P)
{
	struct node *n = parse_mul(P);
	enum op op;

	while (n != NULL && (P->tok == K_PLUS || P->tok == K_MINUS)) {
		op = P->tok == K_PLUS ? N_ADD : N_SUB;
		if (next(P) == -1)
			return NULL;
		n = binary(P, op, n, parse_mul(P));
	}
	return n;
}

static int
compile_regex(struct parse *P, struct node *n, size_t col)
{
	int errcode;
	PCRE2_SIZE erroff;
	PCRE2_UCHAR msg[256];
	struct node *pat = n->b;

	if (pat->op != N_CONST || pat->k.type != V_STRING)
		return perr(P, col, "%sthe right side of =~ must be a string "
		    "literal or $variable", "");
	n->re = pcre2_compile((PCRE2_SPTR)pat->k.s, pat->k.slen,
	    PCRE2_UTF, &errcode, &erroff, NULL);
	if (n->re == NULL) {
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		return perr(P, col, "bad regex: %s", (const char *)msg);
	}
	pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE);
	return 0;
}

static enum op
cmp_op(enum tok t)
{
	switch (t) {
	case K_EQ: return N_EQ;
	case K_NE: return N_NE;
	case K_LT: return N_LT;
	case K_LE: return N_LE;
	case K_GT: return N_GT;
	case K_GE: return N_GE;
	case K_MATCH: return N_MATCH;
	case K_NMATCH: return N_NMATCH;
	default: return N_CONST;
	}
}

static int as_time(const struct value *, int64_t *);

/* A constant compared with @time becomes a time in ns. */
static int
fold_time(struct parse *P, struct node *n, size_t col)
{
	struct node *c = n->a->op == N_TIME ? n->b : n->a;
	int64_t t;
	int r = 0;

	if (n->a->op != N_TIME && n->b->op != N_TIME)
		return 0;
	if (c->op != N_CONST) {
		n->timecmp = 1;
		return 0;
	}
	if (c->k.type == V_STRING || c->k.type == V_NUMBER)
		r = as_time(&c->k, &t) == -1 ? fault_set(P->f, EX_USAGE,
		    "not a time") : 0;
	else
		return perr(P, col, "%s@time compares with a time string or "
		    "number", "");
	if (r == -1)
		return perr(P, col, "%s", P->f->msg);
	c->k.type = V_NUMBER;
	c->k.isint = 1;
	c->k.i = t;
	c->k.d = (double)t;
	c->k.raw = NULL;
	return 0;
}

static struct node *
parse_cmp(struct parse *P)
{
	struct node *n = parse_add(P);
	enum op op;
	size_t col = P->tstart;

	if (n == NULL)
		return NULL;
	if (tok_is(P, "in")) {
		if (next(P) == -1)
			return NULL;
		if ((n = binary(P, N_IN, n, parse_add(P))) == NULL)
			return NULL;
		if (n->b->op != N_LIST) {
			perr(P, col, "%s'in' takes a list: .x in [1, 2] or "
			    "$list", "");
			return NULL;
		}
		return n;
	}
	if ((op = cmp_op(P->tok)) == N_CONST)
		return n;
	if (next(P) == -1 || (n = binary(P, op, n, parse_add(P))) == NULL)
		return NULL;
	if ((op == N_MATCH || op == N_NMATCH) &&
	    compile_regex(P, n, col) == -1)
		return NULL;
	if (op != N_MATCH && op != N_NMATCH && fold_time(P, n, col) == -1)
		return NULL;
	if (cmp_op(P->tok) != N_CONST) {
		perr(P, P->tstart, "%scomparisons do not chain; use 'and'", "");
		return NULL;
	}
	return n;
}

static struct node *
parse_not(struct parse *P)
{
	struct node *n, *a;

	if (enter(P) == -1)
		return NULL;
	if (tok_is(P, "not")) {
		if (next(P) == -1 || (a = parse_not(P)) == NULL ||
		    (n = node_new(P, N_NOT)) == NULL)
			return NULL;
		n->a = a;
	} else {
		n = parse_cmp(P);
	}
	P->depth--;
	return n;
}

static struct node *
parse_and(struct parse *P)
{
	struct node *n = parse_not(P);

	while (n != NULL && tok_is(P, "and")) {
		if (next(P) == -1)
			return NULL;
		n = binary(P, N_AND, n, parse_not(P));
	}
	return n;
}

static struct node *
parse_or(struct parse *P)
{
	struct node *n;

	if (enter(P) == -1)
		return NULL;
	n = parse_and(P);
	while (n != NULL && tok_is(P, "or")) {
		if (next(P) == -1)
			return NULL;
		n = binary(P, N_OR, n, parse_and(P));
	}
	P->depth--;
	return n;
}

/* A list is a value only on the right of 'in'. */
static void
check_lists(struct parse *P, const struct node *n, const struct node *up)
{
	int i;

	if (n == NULL || P->err)
		return;
	if (n->op == N_LIST) {
		if (up == NULL || up->op != N_IN || up->b != n)
			perr(P, (size_t)n->col, "%sa list [...] or an array "
			    "$variable can only follow 'in'", "");
		for (i = 0; i < n->nitems; i++)
			check_lists(P, n->items[i], n);
		return;
	}
	check_lists(P, n->a, n);
	check_lists(P, n->b, n);
}

static void
run_init(struct expr_run *r, const struct expr *ex)
{
	r->ex = ex;
	r->md = pcre2_match_data_create(1, NULL);
	r->mctx = pcre2_match_context_create(NULL);
	if (r->md == NULL || r->mctx == NULL)
		xmalloc_oom(0);
	pcre2_set_match_limit(r->mctx, EXPR_MATCH_LIMIT);
	pcre2_set_depth_limit(r->mctx, EXPR_MATCH_LIMIT / 10);
}

struct expr *
expr_compile(const char *text, struct fields *fl, const struct expr_var *vars,
    int nvars, int *col, struct fault *f)
{
	struct parse P;
	struct expr *ex;

	*col = -1;
	if (strlen(text) > EXPR_TEXT_MAX)
		return fault_null(f, EX_USAGE, "expression longer than %d bytes",
		    EXPR_TEXT_MAX);
	ex = xcalloc(1, sizeof(*ex));
	ex->text = xstrdup(text);
	memset(&P, 0, sizeof(P));
	P.ex = ex;
	P.fl = fl;
	P.vars = vars;
	P.nvars = nvars;
	P.s = ex->text;
	P.f = f;
	P.col = col;
	if (next(&P) == 0 && (ex->root = parse_or(&P)) != NULL &&
	    P.tok != K_EOF)
		perr(&P, P.tstart, "%sunexpected text after the expression",
		    "");
	if (!P.err && ex->root != NULL)
		check_lists(&P, ex->root, NULL);
	if (P.err || ex->root == NULL) {
		if (!P.err)
			fault_set(f, EX_SOFTWARE, "out of memory");
		expr_free(ex);
		return NULL;
	}
	run_init(&ex->run, ex);
	return ex;
}

static void
run_release(struct expr_run *r)
{
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mctx);
}

struct expr_run *
expr_run_new(const struct expr *ex)
{
	struct expr_run *r = xmalloc(sizeof(*r));

	run_init(r, ex);
	return r;
}

void
expr_run_free(struct expr_run *r)
{
	if (r == NULL)
		return;
	run_release(r);
	free(r);
}

void
expr_free(struct expr *ex)
{
	int i;

	if (ex == NULL)
		return;
	for (i = 0; i < ex->nall; i++) {
		pcre2_code_free(ex->all[i]->re);
		free(ex->all[i]->items);
		free(ex->all[i]);
	}
	for (i = 0; i < ex->nstrs; i++)
		free(ex->strs[i]);
	free(ex->strs);
	free(ex->all);
	run_release(&ex->run);
	free(ex->text);
	free(ex);
}

int
expr_uses_time(const struct expr *ex)
{
	return ex->uses_time;
}

void
expr_caret(struct buf *b, const char *text, int col)
{
	int i;

	if (col < 0 || strchr(text, '\n') != NULL || strlen(text) > 200)
		return;
	buf_printf(b, "  %s\n  ", text);
	for (i = 0; i < col; i++)
		buf_addc(b, text[i] == '\t' ? '\t' : ' ');
	buf_adds(b, "^\n");
}

/* --- evaluation --- */

struct eval {
	struct expr_run	*run;
	const struct record *rec;
	struct arena	*a;
	struct fault	*f;
	int		 failed;
};

static void eval(struct eval *, const struct node *, struct value *);

static void
set_bool(struct value *v, int b)
{
	memset(v, 0, sizeof(*v));
	v->type = b ? V_TRUE : V_FALSE;
}

static void
set_null(struct value *v)
{
	memset(v, 0, sizeof(*v));
	v->type = V_NULL;
}

static void
set_int(struct value *v, int64_t i)
{
	memset(v, 0, sizeof(*v));
	v->type = V_NUMBER;
	v->isint = 1;
	v->i = i;
	v->d = (double)i;
}

static void
set_dbl(struct value *v, double d)
{
	memset(v, 0, sizeof(*v));
	v->type = V_NUMBER;
	v->d = d;
}

/*
 * A value as an event time, read like --time-format auto: strings as
 * RFC 3339 or numeric text, numbers by magnitude (seconds, ms, us, ns),
 * whether they were written in EXPR, bound with --argjson or computed.
 */
static int
as_time(const struct value *v, int64_t *t)
{
	struct timefmt tf = { .kind = TP_AUTO };
	char num[32];

	if (v->type == V_STRING)
		return tp_from_string(&tf, v->s, v->slen, t, NULL);
	if (v->type != V_NUMBER)
		return -1;
	if (v->raw != NULL)
		return tp_from_number(&tf, v->raw, v->rawlen, t, NULL);
	if (v->isint)
		snprintf(num, sizeof(num), "%lld", (long long)v->i);
	else if (buf_fmt_double(v->d, num) == 4 && num[0] == 'n')
		return -1;
	return tp_from_number(&tf, num, strlen(num), t, NULL);
}

static int
same_kind(const struct value *a, const struct value *b)
{
	int ra = a->type == V_MISSING ? V_NULL : a->type;
	int rb = b->type == V_MISSING ? V_NULL : b->type;

	if (ra == V_TRUE)
		ra = V_FALSE;
	if (rb == V_TRUE)
		rb = V_FALSE;
	return ra == rb;
}

static void
compare(struct eval *E, const struct node *n, struct value *out)
{
	struct value a, b;
	int64_t ta, tb;
	int c;

	eval(E, n->a, &a);
	eval(E, n->b, &b);
	if (n->timecmp) {
		if (n->a->op == N_TIME ? as_time(&b, &tb) == -1 :
		    as_time(&a, &ta) == -1) {
			set_bool(out, n->op == N_NE);
			return;
		}
		if (n->a->op == N_TIME)
			ta = a.i;
		else
			tb = b.i;
		set_int(&a, ta);
		set_int(&b, tb);
	}
	if (n->op == N_EQ || n->op == N_NE) {
		set_bool(out, val_equal(&a, &b) == (n->op == N_EQ));
		return;
	}
	if (!same_kind(&a, &b)) {
		set_bool(out, 0);
		return;
	}
	c = val_cmp(&a, &b);
	switch (n->op) {
	case N_LT: set_bool(out, c < 0); break;
	case N_LE: set_bool(out, c <= 0); break;
	case N_GT: set_bool(out, c > 0); break;
	default: set_bool(out, c >= 0); break;
	}
}

static void
match(struct eval *E, const struct node *n, struct value *out)
{
	struct value a;
	int r;

	eval(E, n->a, &a);
	if (a.type != V_STRING) {
		set_bool(out, n->op == N_NMATCH);
		return;
	}
	r = pcre2_match(n->re, (PCRE2_SPTR)a.s, a.slen, 0, PCRE2_NO_UTF_CHECK,
	    E->run->md, E->run->mctx);
	if (r < 0 && r != PCRE2_ERROR_NOMATCH) {
		PCRE2_UCHAR msg[128];

		pcre2_get_error_message(r, msg, sizeof(msg));
		if (!E->failed)
			fault_set(E->f, EX_DATAERR, "regex: %s",
			    (const char *)msg);
		E->failed = 1;
		set_bool(out, 0);
		return;
	}
	set_bool(out, (r >= 0) == (n->op == N_MATCH));
}

/* Exact integer arithmetic; 0 when it overflows (then doubles). */
static int
int_arith(enum op op, int64_t a, int64_t b, struct value *out)
{
	int64_t r;
	int ovf;

	switch (op) {
	case N_ADD: ovf = __builtin_add_overflow(a, b, &r); break;
	case N_SUB: ovf = __builtin_sub_overflow(a, b, &r); break;
	case N_MUL: ovf = __builtin_mul_overflow(a, b, &r); break;
	case N_MOD:
		if (b == 0) {
			set_null(out);
			return 1;
		}
		ovf = 0;
		r = b == -1 ? 0 : a % b;
		break;
	default:
		return 0;
	}
	if (ovf)
		return 0;
	set_int(out, r);
	return 1;
}

static void
arith(struct eval *E, const struct node *n, struct value *out)
{
	struct value a, b;
	char *s;

	eval(E, n->a, &a);
	eval(E, n->b, &b);
	if (n->op == N_ADD && a.type == V_STRING && b.type == V_STRING) {
		if ((s = arena_alloc(E->a, a.slen + b.slen + 1)) == NULL) {
			set_null(out);
			return;
		}
		memcpy(s, a.s, a.slen);
		memcpy(s + a.slen, b.s, b.slen);
		memset(out, 0, sizeof(*out));
		out->type = V_STRING;
		out->s = s;
		out->slen = a.slen + b.slen;
		return;
	}
	if (a.type != V_NUMBER || b.type != V_NUMBER) {
		set_null(out);
		return;
	}
	if (a.isint && b.isint && int_arith(n->op, a.i, b.i, out))
		return;
	switch (n->op) {
	case N_ADD: set_dbl(out, a.d + b.d); break;
	case N_SUB: set_dbl(out, a.d - b.d); break;
	case N_MUL: set_dbl(out, a.d * b.d); break;
	case N_DIV:
		if (b.d == 0)
			set_null(out);
		else
			set_dbl(out, a.d / b.d);
		break;
	default: set_null(out); break;
	}
}

static int64_t
utf8_length(const char *s, size_t n)
{
	int64_t len = 0;
	size_t i;

	for (i = 0; i < n; i++)
		len += ((unsigned char)s[i] & 0xc0) != 0x80;
	return len;
}

static void
strfn(struct eval *E, const struct node *n, struct value *out)
{
	struct value a, b;

	eval(E, n->a, &a);
	eval(E, n->b, &b);
	if (a.type != V_STRING || b.type != V_STRING || b.slen > a.slen) {
		set_bool(out, 0);
		return;
	}
	switch (n->op) {
	case N_CONTAINS:
		set_bool(out, b.slen == 0 ||
		    memmem(a.s, a.slen, b.s, b.slen) != NULL);
		break;
	case N_STARTS:
		set_bool(out, memcmp(a.s, b.s, b.slen) == 0);
		break;
	default:
		set_bool(out, memcmp(a.s + a.slen - b.slen, b.s, b.slen) == 0);
		break;
	}
}

static void
length(struct eval *E, const struct node *n, struct value *out)
{
	struct value a;

	eval(E, n->a, &a);
	switch (a.type) {
	case V_STRING: set_int(out, utf8_length(a.s, a.slen)); break;
	case V_ARRAY:
	case V_OBJECT: set_int(out, a.nchildren); break;
	case V_NUMBER:
		if (a.isint && a.i != INT64_MIN)
			set_int(out, a.i < 0 ? -a.i : a.i);
		else
			set_dbl(out, fabs(a.d));
		break;
	case V_NULL:
	case V_MISSING: set_int(out, 0); break;
	default: set_null(out); break;
	}
}

static void
eval(struct eval *E, const struct node *n, struct value *out)
{
	struct value a;
	int i;

	switch (n->op) {
	case N_CONST: *out = n->k; break;
	case N_PATH: *out = E->rec->v[n->slot]; break;
	case N_TIME: set_int(out, E->rec->time_ns); break;
	case N_EXISTS:
		set_bool(out, E->rec->v[n->slot].type != V_MISSING);
		break;
	case N_NOT:
		eval(E, n->a, &a);
		set_bool(out, !val_truthy(&a));
		break;
	case N_AND:
	case N_OR:
		eval(E, n->a, &a);
		if (val_truthy(&a) == (n->op == N_OR)) {
			set_bool(out, n->op == N_OR);
			break;
		}
		eval(E, n->b, &a);
		set_bool(out, val_truthy(&a));
		break;
	case N_EQ: case N_NE: case N_LT: case N_LE: case N_GT: case N_GE:
		compare(E, n, out);
		break;
	case N_MATCH:
	case N_NMATCH:
		match(E, n, out);
		break;
	case N_IN:
		eval(E, n->a, &a);
		for (i = 0; i < n->b->nitems; i++) {
			struct value b;

			eval(E, n->b->items[i], &b);
			if (val_equal(&a, &b))
				break;
		}
		set_bool(out, i < n->b->nitems);
		break;
	case N_ADD: case N_SUB: case N_MUL: case N_DIV: case N_MOD:
		arith(E, n, out);
		break;
	case N_NEG:
		eval(E, n->a, &a);
		if (a.type != V_NUMBER)
			set_null(out);
		else if (a.isint && a.i != INT64_MIN)
			set_int(out, -a.i);
		else
			set_dbl(out, -a.d);
		break;
	case N_CONTAINS: case N_STARTS: case N_ENDS:
		strfn(E, n, out);
		break;
	case N_LENGTH:
		length(E, n, out);
		break;
	case N_LIST:
		set_null(out);
		break;
	}
}

int
expr_run_holds(struct expr_run *r, const struct record *rec,
    struct arena *a, struct fault *f)
{
	struct eval E = { r, rec, a, f, 0 };
	struct value v;

	eval(&E, r->ex->root, &v);
	if (E.failed)
		return -1;
	return val_truthy(&v);
}

int
expr_holds(struct expr *ex, const struct record *rec, struct arena *a,
    struct fault *f)
{
	return expr_run_holds(&ex->run, rec, a, f);
}
