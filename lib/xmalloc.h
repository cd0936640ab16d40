/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_XMALLOC_H
#define SK_XMALLOC_H
/*
 * xmalloc.h - one policy for running out of memory, as redis' zmalloc.
 *
 * Every allocation of streamkit goes through these wrappers, which never
 * return NULL: when memory runs out they call the out-of-memory hook,
 * which the tool runtime installs (it flushes what can be flushed and
 * exits 70 with a message, SPEC 8).  The engine's own default hook, for
 * programs that install none, stops the process with a trap: the engine
 * never exits by itself.  So no caller checks for NULL, and there is one
 * place where memory exhaustion is handled.  Sizes that overflow count
 * as exhaustion.  What these return is freed with free(3).
 */
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xrealloc(void *, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
/* Memory ran out (n bytes were asked for): the hook, which never returns. */
void	xmalloc_oom(size_t n) __attribute__((noreturn));
/* The hook xmalloc_oom() calls; NULL restores the default (a trap). */
void	xmalloc_set_oom(void (*)(size_t));
#endif
