/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_EXPR_H
#define SK_EXPR_H
/*
 * expr.h - the stream-filter expression language.
 *
 * EXPR is tokenized and parsed once (precedence, low to high: or, and,
 * not, comparisons and in, + -, * / %, unary minus) into a tree whose
 * leaves are constants, $variables (folded in at compile time), @time
 * and paths.  Paths are registered in the tool's fields set, so the
 * single yajl pass of record.c extracts exactly what EXPR reads.  Regex
 * literals are compiled once with PCRE2 and JIT, with match and depth
 * limits so that no pattern can hang a tool.  Semantics follow jq where
 * SPEC is silent: a missing field is null, values of different types are
 * unequal and never ordered.  expr_compile() gives the caller an expr
 * for expr_free(); expr_holds() borrows the record and uses the arena for
 * temporaries.
 */
#include <stdint.h>

#include "value.h"

struct arena;
struct buf;
struct fault;
struct fields;
struct record;

#define EXPR_TEXT_MAX	65536	/* bytes of EXPR */
#define EXPR_NODES_MAX	10000
#define EXPR_DEPTH_MAX	200	/* nesting of parentheses and operators */
#define EXPR_MATCH_LIMIT 1000000	/* PCRE2 match limit per record */

struct expr;
struct expr_run;

/* A $NAME bound by --arg or --argjson: its value as JSON text. */
struct expr_var {
	char	*name;
	char	*json;
};

/*
 * On a syntax error the fault's message says what was expected and
 * *col gets the 0-based byte offset for the caret.
 */
struct expr *expr_compile(const char *text, struct fields *,
	    const struct expr_var *vars, int nvars, int *col, struct fault *);
void	expr_free(struct expr *);
/* Does EXPR read @time? */
int	expr_uses_time(const struct expr *);
/* 1 true, 0 false, -1 a per-record failure (regex limit) in the fault. */
int	expr_holds(struct expr *, const struct record *, struct arena *,
	    struct fault *);
/*
 * Another thread's evaluations: the compiled expr is shared read only,
 * the PCRE2 match data is each thread's own.  expr_run_new() gives the
 * caller a run for expr_run_free(); the run borrows the expr.
 */
struct expr_run *expr_run_new(const struct expr *);
void	expr_run_free(struct expr_run *);
/* expr_holds() with the run's match data; the expr is only read. */
int	expr_run_holds(struct expr_run *, const struct record *,
	    struct arena *, struct fault *);
/*
 * For a syntax error at column col: "  EXPR\n  ^\n" with the caret under
 * it, when EXPR is one short line (else nothing).
 */
void	expr_caret(struct buf *, const char *text, int col);
#endif
