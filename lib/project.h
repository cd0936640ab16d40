/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_PROJECT_H
#define SK_PROJECT_H
/*
 * project.h - --keep and --drop: records cut down to some fields.
 *
 * Both work on the record's own bytes, not on a re-parsed tree: --keep
 * builds a new object from the raw text of the kept values (nested paths
 * make nested objects, in --keep order; an index keeps its element at its
 * place, earlier ones null, as jq's pick(); missing ones are left out),
 * and --drop copies the record with the spans of the dropped members and
 * elements cut out, as jq's del().  Numbers and strings therefore come
 * out exactly as they came in (no float reformatting, no lost precision
 * on big integers), only compacted.  Paths register in the tool's fields
 * set, so the single parse pass finds them.  proj_new() gives the caller
 * a projection for proj_free().
 */
#include <stddef.h>

struct buf;
struct fault;
struct fields;
struct record;

struct projection;

/* keep or drop (exactly one non-NULL): a comma-separated path list. */
struct projection *proj_new(const char *keep, const char *drop,
	    struct fields *, struct fault *);
void	proj_free(struct projection *);
/* Write the projected record (compact JSON, no newline). */
void	proj_write(struct projection *, const struct record *,
	    struct buf *);
/*
 * The same on any thread: the projection is only read, work is the
 * caller's scratch (not b).
 */
void	proj_write_work(const struct projection *, const struct record *,
	    struct buf *b, struct buf *work);
#endif
