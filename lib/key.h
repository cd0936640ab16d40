/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_KEY_H
#define SK_KEY_H
/*
 * key.h - the canonical encoding of --by keys and of values.
 *
 * A key is the tuple of a record's --by values.  key_encode() writes it
 * in a canonical byte form (equal keys, equal bytes: 1 and 1.0 are the
 * same number, missing is null) that is hashed with XXH64 (hash.h), used
 * as the hash-table key and saved in state files.  --shard I/N keeps a
 * record when XXH64(encoding) mod N == I, and --sample P when
 * XXH64(encoding) < P * 2^64: both stable across runs and machines.
 * Encoding, per value: 'n' null; 'f' false; 't' true; 'i' + 8 bytes
 * big-endian int64; 'd' + 8 bytes big-endian IEEE double; 's' + 4 bytes
 * big-endian length + UTF-8 bytes; 'j' + 4 bytes length + the JSON
 * text in jq -c's form (arrays and objects; buf_json_canon).  The same bytes name one value alone (distinct,
 * approx_distinct, top: key_canon).  struct keyspec is the caller's;
 * key_init() fills it and key_release() empties it.
 */
#include <stddef.h>
#include <stdint.h>

#include "value.h"

struct buf;
struct fault;
struct fields;
struct jcur;
struct path;
struct record;

#define KEY_PATHS_MAX	32

struct keyspec {
	struct path	*paths;
	int		 n;
	int		 slots[KEY_PATHS_MAX];
};

/* --shard I/N: does the shard keep a key of hash h?  (n 0: no --shard) */
static inline int
key_shard_keeps(uint64_t h, int i, int n)
{
	return n == 0 || h % (uint64_t)n == (uint64_t)i;
}

/* Parse "--by .a,.b" and register the paths; by == NULL: no key. */
int	key_init(struct keyspec *, const char *by, struct fields *,
	    struct fault *);
/*
 * stream-join --on: "P,..." (the same paths on both sides) or
 * "L=R,..." pairs, into the left and the right key.  EX_USAGE faults.
 */
int	key_init_pairs(struct keyspec *left, struct keyspec *right,
	    const char *on, struct fields *, struct fields *,
	    struct fault *);
void	key_release(struct keyspec *);
void	key_encode(const struct keyspec *, const struct record *,
	    struct buf *);
/*
 * The key into b (cleared first), or NULL when a value is null or
 * missing (a join key that matches nothing, as in SQL).
 */
const char *key_encode_nonnull(const struct keyspec *, const struct record *,
	    struct buf *);
void	key_encode_value(struct buf *, const struct value *);
void	key_encode_string(struct buf *, const char *, size_t);
/*
 * The encoding of a raw JSON value (p NULL: missing) when it is null, a
 * boolean, a string without escapes (esc 0) or a number: 0; -1 for
 * anything that needs a parse first.
 */
int	key_encode_raw(struct buf *, const char *p, size_t n, int esc);
/* Read back value i of an encoded key; 0, or -1 if malformed. */
int	key_decode(const char *, size_t, int i, struct value *);
/* Write "name":value,... for each --by path (names: last segments). */
void	key_write_fields(const struct keyspec *, const char *, size_t,
	    struct buf *);
/* Order of keys (jq order, value by value). */
int	key_cmp(const char *, size_t, const char *, size_t);
/* Is the encoding well formed, with n values? (state and partials) */
int	key_valid(const char *, size_t, int n);

/*
 * One value's canonical bytes (as key_encode_value): in tmp when they
 * fit in KEY_CANON_TMP bytes, else in heap (which the caller releases).
 */
#define KEY_CANON_TMP	128
void	key_canon(const struct value *, char *tmp, struct buf *heap,
	    const char **out, size_t *n);
/* Length of the one canonical value at p, or 0 if it runs past avail. */
size_t	key_canon_len(const char *p, size_t avail);
/* The canonical value as compact JSON (non-finite numbers as 1e999). */
void	key_canon_json(struct buf *, const char *, size_t);
/* Read any JSON value into its canonical bytes (out is cleared). */
int	key_canon_read(struct jcur *, struct buf *out, struct buf *scratch);
#endif
