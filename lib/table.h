/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_TABLE_H
#define SK_TABLE_H
/*
 * table.h - a hash table from byte-string keys to fixed-size values.
 *
 * Open addressing with linear probing over an index of (hash, entry)
 * pairs; entries live in a separate array so that a value's address only
 * changes when the entry array grows (callers keep entry numbers, not
 * pointers, across insertions).  Keys are copied in: up to TAB_INLINE
 * bytes inside the entry, longer ones in their own allocation.  Deleted
 * entries go on a free list.  The caller hashes (hash.h) so that one hash
 * serves the table and the shard.  tab_new() gives the caller a table for
 * tab_free(); values are zeroed when created and owned by the caller's
 * logic (free what they point to before tab_del()).
 */
#include <stddef.h>
#include <stdint.h>

#define TAB_INLINE	24
#define TAB_MAX		(UINT32_MAX / 2)	/* entries */

struct table;

struct table *tab_new(size_t value_size);
void	tab_free(struct table *);
/* The entry number of key, or -1. */
int64_t	tab_find(const struct table *, const void *key, size_t, uint64_t h);
/*
 * A hint that tab_find(h) comes soon: step 0 asks the memory for h's
 * index slot, step 1 (some finds later) for the entry it names.  No
 * effect on what the table holds or answers.
 */
void	tab_prefetch(const struct table *, uint64_t h, int step);
/*
 * Another hint, once step 1 had its time: the value of the entry h's
 * index slot names, or NULL.  Keys are not compared: it may be another
 * key's value (whose bytes stay valid), to be read only for prefetches.
 */
const void *tab_peek(const struct table *, uint64_t h);
/* Find or add; *created tells which.  -1 when full (TAB_MAX). */
int64_t	tab_put(struct table *, const void *key, size_t, uint64_t h,
	    int *created);
void	tab_del(struct table *, int64_t entry);
void	*tab_value(const struct table *, int64_t entry);
/* Is the entry number in use? (Numbers are reused after tab_del.) */
int	tab_live(const struct table *, int64_t entry);
const char *tab_key(const struct table *, int64_t entry, size_t *len);
uint64_t tab_hash(const struct table *, int64_t entry);
size_t	tab_count(const struct table *);
/* Bytes held, for --stats state size. */
size_t	tab_bytes(const struct table *);
/* Iterate: start with it = -1; returns the next live entry or -1. */
int64_t	tab_next(const struct table *, int64_t it);
/* Drop everything. */
void	tab_clear(struct table *);
#endif
