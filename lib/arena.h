/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_ARENA_H
#define SK_ARENA_H
/*
 * arena.h - per-record scratch memory, reset at each line.
 *
 * Decoded strings, materialised values and expression temporaries of one
 * record live here and die together at arena_reset(), so the hot path
 * makes no malloc per field.  The arena grows in chunks and keeps its
 * largest chunk across resets; a single record can ask for at most
 * ARENA_MAX bytes in all (a bound the line limit already implies).
 * arena_new() gives the caller an arena for arena_free().
 */
#include <stddef.h>

#define ARENA_CHUNK	(64 * 1024)
#define ARENA_MAX	((size_t)1 << 31)

struct arena;
struct fault;

struct arena *arena_new(void);
void	arena_free(struct arena *);
/* NULL only when the request is over ARENA_MAX. */
void	*arena_alloc(struct arena *, size_t);
char	*arena_strndup(struct arena *, const char *, size_t);
void	arena_reset(struct arena *);
size_t	arena_used(const struct arena *);
#endif
