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
 * event time and canonical key (hash.h key_encode; NULL: the key is null
 * or missing and never matches).  Everything kept is copied.  Output
 * records are written to the sink given to join_new(): the left
 * record's members, then the right record's members that the left lacks
 * (renamed with the prefix if one is set), or {"left":..,"right":..}
 * with nest; compact JSON.  The module knows nothing of sources or
 * watermarks: callers say when time has advanced.  join_new() gives the
 * caller a join for join_free().
 */
#include <stddef.h>
#include <stdint.h>

struct buf;
struct fault;
struct jcur;
struct sink;

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
 * A left row: enriched now, or held while the table loads.  Returns 0,
 * 1 when holding had to stop because JOIN_HELD_MAX was reached (the
 * held rows were released against the table as it is), -1 on error.
 */
int	join_probe(struct join *, int64_t t_ns, const char *key,
	    size_t keylen, const char *rec, size_t len, struct fault *);
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

/* End of input: write everything still pending (outer rows, waits). */
void	join_flush(struct join *);

const struct join_counts *join_counts(const struct join *);
uint64_t join_bytes(const struct join *);
/* State: buffers, table, versions, held rows and counters as JSON. */
void	join_save(const struct join *, struct buf *);
int	join_load(struct join *, struct jcur *, int nkeys, struct fault *);
#endif
