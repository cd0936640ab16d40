/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_JOIN_H
#define SK_JOIN_H
/*
 * join.h - the buffers and tables of stream-join, and its output.
 *
 * Three joins share one struct join.  The interval join keeps each
 * side's rows by key and by time: a row that arrives is matched at once
 * against the other side's rows of its key, then kept until the
 * watermark says it can match nothing more; outer sides emit their
 * never-matched rows then, in (time, arrival) order.  The table join
 * keeps the latest right row per key and enriches each left row with
 * it on arrival; while a right FILE is being loaded, left rows are held
 * back (up to JOIN_HELD_MAX bytes) so that the whole file is the table.
 * The as-of join keeps per key the right versions still needed and the
 * left rows waiting for the right watermark; a released left row joins
 * the version with the greatest time at or before its own.
 *
 * Callers hand in rows as compact-or-not JSON object text with their
 * event time and canonical key (key.h key_encode; NULL: the key is null
 * or missing and never matches).  Everything kept is copied.  Output
 * records are written to the sink given to join_new(): the left
 * record's members, then the right record's members that the left lacks
 * (renamed with the prefix if one is set), or {"left":..,"right":..}
 * with nest; compact JSON.  The module knows nothing of sources or
 * watermarks: callers say when time has advanced.  join_new() gives the
 * caller a join for join_free().
 *
 * What stream-join does with it (SPEC 5):
 *
 * The left stream is stdin or the FILE arguments (read one after
 * another), the right stream --right FILE (a file, a FIFO, <(kcat ...));
 * both are read at once through one poll() loop, each with its own
 * paths, time field, --kcat flag and watermark (SPEC 5).
 *
 * Keys.  --on .a,.b uses the same paths on both sides, --on .id=.user_id
 * names the left and the right path of each pair.  Key values compare by
 * their canonical encoding (key.h): 1 equals 1.0, "1" does not.  A key
 * with a null or missing part never matches anything, as in SQL; on an
 * outer side such a row is written alone.
 *
 * Interval join (--within D, --between LO,HI).  A row of side S is late
 * when its time is below S's own watermark minus --lateness; it is
 * dropped-late (--late-output).  Other rows are matched at once against
 * the other side's rows of their key and kept; a left row goes once the
 * combined watermark passes l.t + HI + lateness, a right row once it
 * passes r.t - LO + lateness, and on an outer side a row that never
 * matched is written alone then.  Rows released together come out in
 * (time, arrival) order.  A joined record carries the left's time field,
 * so a match found late (a right row up to HI after the left) may follow
 * a watermark record that passed the left's time.
 *
 * Table join (--table).  The right side is a changelog: the latest row
 * per key.  A right kcat tombstone (null payload) deletes the row whose
 * key is the message key: the key text as a string, and also read as
 * JSON (42 deletes the number 42 and the string "42"; ["a",1] names a
 * two-path key), so the producer's message key must be the --on value's
 * text.  Each left row is enriched on arrival with the current row;
 * nothing is late.  When --right is a regular file it is read to its end
 * first: left rows that arrive meanwhile are held (at most 1 GiB, then a
 * warning and the rows are joined with the table read so far) and then
 * joined in order, so `--table --right dims.ndjson` is a lookup table
 * whatever the interleaving of the two inputs.  While rows are held no
 * watermark is written.  A FIFO or pipe is live: its rows apply as they
 * arrive.  The right side gives no event time: its channels leave the
 * minimum, and the watermark is the left's.
 *
 * As-of join (--as-of).  Each left row joins the right row of its key
 * with the greatest time at or before the left's time (the last arrived
 * among equal times).  Left rows wait until the right watermark passes
 * their time (plus --lateness), then come out in (time, arrival) order.
 * Per key, versions older than the newest one at or before the oldest
 * time a left row can still have (the oldest waiting row, and the left
 * watermark minus --lateness) are dropped.
 *
 * --type left/right/full write unmatched rows alone ({"left":..,
 * "right":null} with --nest; a right row alone is renamed by
 * --prefix-right too); --table and --as-of take inner and left.  When
 * all input has ended, what is pending is written (or kept, --eof keep).
 * Watermark records follow run.c's rule: after rows that time released,
 * on an idle tick, or once W moved a second.
 */
#include <stddef.h>
#include <stdint.h>

struct arena;
struct buf;
struct fault;
struct jname;
struct keyspec;
struct par_tool;
struct source;
struct jcur;
struct sink;
struct stage_ops;
struct watermark;

#define JOIN_ROWS_MAX	(1u << 28)		/* rows kept, all kinds */
#define JOIN_HELD_MAX	((size_t)1 << 30)	/* left bytes held back */
#define JOIN_KEY_MAX	((size_t)1 << 20)	/* bytes of one key */

enum join_mode { JOIN_INTERVAL, JOIN_TABLE, JOIN_ASOF };

struct join_config {
	enum join_mode	 mode;
	int		 outer_left;	/* emit unmatched left rows */
	int		 outer_right;	/* emit unmatched right rows */
	int64_t		 lo_ns, hi_ns;	/* r.t - l.t in [lo, hi] */
	int64_t		 lateness_ns;	/* rows are kept this much longer */
	int		 nest;
	const char	*prefix;	/* NULL: right names as they are */
	struct sink	*out;
	uint64_t	*out_count;	/* incremented per record written */
	int		 nkeys;		/* values in a key (--on paths) */
};

struct join_counts {
	uint64_t	 matches;	/* joined records written */
	uint64_t	 unmatched;	/* rows written alone */
	uint64_t	 dropped;	/* inner rows that found no match */
	uint64_t	 nokey;		/* rows with a null or missing key */
	uint64_t	 rows[2];	/* rows kept now, per side */
	uint64_t	 held;		/* left rows held while a table loads */
	uint64_t	 table;		/* table rows (keys) */
	uint64_t	 deletes;	/* tombstones that removed a row */
	uint64_t	 ignored;	/* tombstones that removed nothing */
	uint64_t	 late[2];	/* rows dropped late, per side */
};

struct join;

struct join *join_new(const struct join_config *, struct fault *);
void	join_free(struct join *);

/*
 * Interval join: a row of side 0 (left) or 1 (right) that is not late.
 * Its matches are written now; the row is kept until join_advance().
 */
int	join_add(struct join *, int side, int64_t t_ns, const char *key,
	    size_t keylen, const char *rec, size_t len, struct fault *);
/* The watermark is at w: release (and write, if outer) what it passed. */
void	join_advance(struct join *, int64_t w_ns);

/* Table join: set or delete the row of a key; enrich a left row. */
int	join_table_put(struct join *, const char *key, size_t keylen,
	    const char *rec, size_t len, struct fault *);
int	join_table_del(struct join *, const char *key, size_t keylen);
/*
 * A kcat tombstone (null payload) with message key k (NULL: a null
 * key): delete the row whose key is k's text as a string (one --on
 * path), and the row whose key is k read as JSON (one value, or an
 * array of nkeys; null matches nothing).  Returns the rows deleted; a
 * tombstone that deletes none is counted as ignored.
 */
int	join_tombstone(struct join *, const char *k, size_t n);
/*
 * A left row: enriched now, or held while the table loads.  Returns 0,
 * 1 when holding had to stop because JOIN_HELD_MAX was reached (the
 * held rows were released against the table as it is), -1 on error.
 */
int	join_probe(struct join *, int64_t t_ns, const char *key,
	    size_t keylen, const char *rec, size_t len, struct fault *);
/*
 * A left row made ready on another thread (-j N): its text in jq -c's
 * compact form and its top-level names (offsets into the row as read),
 * what the join works out when it writes the row.  A join_prep is one
 * thread's scratch (join_prep_new() for join_prep_free()), and
 * join_prep_left() needs no struct join; the bytes go to the arena
 * (NULL: they stay in the prep's scratch, until its next use).
 * join_probe_left() is join_probe() with them (pre NULL: without).
 */
struct join_left {
	const char	*text;
	size_t		 len;
	const struct jname *names;
	uint32_t	 nnames;
};

struct join_prep;

/*
 * A --table join's hint: a row whose key hashes to h (hash.h) comes
 * soon; step 0 and 1 as tab_prefetch()'s, step 2 (after step 1 had its
 * time) the table's row itself.  No effect on the output.
 */
void	join_prefetch(const struct join *, uint64_t h, int step);

struct join_prep *join_prep_new(void);
void	join_prep_free(struct join_prep *);
int	join_prep_left(struct join_prep *, const char *rec, size_t len,
	    struct arena *, struct join_left *);
int	join_probe_left(struct join *, int64_t t_ns, const char *key,
	    size_t keylen, const char *rec, size_t len,
	    const struct join_left *pre, struct fault *);
/*
 * -j N: the decode threads' work on a row of either side (par.h): its
 * key encoded (verdict 1 when it has one: key, keylen, hash) and, for
 * the left of a --table join, join_prep_left()'s row (out and outlen,
 * the names in aux and auxn).  The keyspecs (the left's, the right's)
 * are read-only while the threads run.
 */
struct join_keys {
	enum join_mode		 mode;
	const struct keyspec	*key[2];
	const struct join	*J;	/* --table: joined on the workers
					   once join_whole() */
};
/*
 * A --table join's left row joined on a decode thread: the prep's
 * verdict has JOIN_PREP_DONE, out/outlen is the record to write
 * (without its newline), auxn the JOIN_DONE_ code for
 * join_take_done(), which counts it and writes it.  That is done once
 * no right row can come any more (join_whole(): the right input has
 * ended), so the table a worker reads is the one the in-order thread
 * would have joined with.
 */
#define JOIN_PREP_DONE		2
#define JOIN_DONE_MATCH		1
#define JOIN_DONE_ALONE		2
#define JOIN_DONE_DROPPED	4
#define JOIN_DONE_NOKEY		8
int	join_whole(const struct join *);
int	join_prep_lookup(struct join_prep *, const struct join *,
	    const char *key, size_t keylen, const char *rec, size_t len,
	    const struct join_left *,
	    struct arena *, const char **out, size_t *outlen);
void	join_take_done(struct join *, int code, const char *out,
	    size_t outlen);
void	join_par_tool(const struct join_keys *, struct par_tool *);
/*
 * When stream-join lets its watermark out, as the run loop does for the
 * other tools: after rows that time released, on an idle tick, or once
 * it moved a second of event time; never while left rows are held for a
 * loading table.  A --table join's right channels stop holding W back
 * (the table gives no event time).  Borrows the join and the source.
 */
struct join_pace {
	struct join	*J;
	struct source	*src;
	enum join_mode	 mode;
	int		 nch;		/* table: channels already quieted */
	int		 fired;		/* rows released since W went out */
	int64_t		 forwarded;	/* W last let out */
};
void	join_pace_init(struct join_pace *, struct join *, struct source *,
	    enum join_mode);
void	join_pace_advance(struct join_pace *, int64_t w_ns);
int	join_pace_may_forward(struct join_pace *, int64_t w_ns, int tick);
/* Hold left rows until join_loaded() (a right FILE is being read). */
void	join_set_loading(struct join *, int);
int	join_loading(const struct join *);
/* The table is complete: release the held left rows, in order. */
void	join_loaded(struct join *);

/* As-of join: a right version; a left row to answer later. */
int	join_version(struct join *, int64_t t_ns, const char *key,
	    size_t keylen, const char *rec, size_t len, struct fault *);
int	join_wait(struct join *, int64_t t_ns, const char *key,
	    size_t keylen, const char *rec, size_t len, struct fault *);
/*
 * The right watermark is at wr and no left row below floor is still to
 * come: answer the waiting left rows that wr passed, drop the versions
 * no one can ask for any more.
 */
void	join_release(struct join *, int64_t wr_ns, int64_t floor_ns);

/*
 * A row of side 0 (left) or 1 (right) to the join its mode is: the
 * interval join's join_add(), the table's put (right) or probe (left),
 * the as-of join's version (right) or wait (left).  What those return.
 */
int	join_row(struct join *, int side, int64_t t_ns, const char *key,
	    size_t keylen, const char *rec, size_t len, struct fault *);
/*
 * After every input step (wm: the watermarks of the two sides, groups
 * 0 and 1): a table whose right side ended (right_ended) releases the
 * held left rows; the as-of join answers what the right W passed.
 */
void	join_progress(struct join *, const struct watermark *,
	    int right_ended);
/* A row of side dropped late (counted for --stats). */
void	join_late(struct join *, int side);

/* End of input: write everything still pending (outer rows, waits). */
void	join_flush(struct join *);

const struct join_counts *join_counts(const struct join *);
uint64_t join_bytes(const struct join *);
/* State: buffers, table, versions, held rows and counters as JSON. */
void	join_save(const struct join *, struct buf *);
int	join_load(struct join *, struct jcur *, int nkeys, struct fault *);

/* The join as stream-join's stage (stage.h): flush, size, snapshot. */
extern const struct stage_ops join_stage;
#endif
