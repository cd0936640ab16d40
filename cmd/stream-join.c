/*
 * stream-join: join the left stream with the right stream on a key.
 *
 * The left stream is stdin or the FILE arguments (read one after
 * another), the right stream --right FILE (a file, a FIFO, <(kcat ...));
 * both are read at once through one poll() loop, each with its own
 * paths, time field, --kcat flag and watermark (SPEC 5).
 *
 * Keys.  --on .a,.b uses the same paths on both sides, --on .id=.user_id
 * names the left and the right path of each pair.  Key values compare by
 * their canonical encoding (hash.h): 1 equals 1.0, "1" does not.  A key
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
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "diag.h"
#include "jcur.h"
#include "join.h"
#include "kcat.h"
#include "key.h"
#include "opts.h"
#include "out.h"
#include "path.h"
#include "record.h"
#include "run.h"
#include "sat.h"
#include "source.h"

struct jtool {
	struct opts	 o;
	enum join_mode	 mode;
	struct fields	*fl[2];
	struct keyspec	 key[2];
	struct join	*J;
	struct source	*src;
	struct run	 run;
	struct buf	 kb;
	char		*right[2];	/* the reader keeps pointing at it */
	int		 nch;		/* table: channels already quieted */
	int		 fired;		/* rows released since W was written */
	int64_t		 forwarded;	/* W last allowed out */
	int		 warned;
	uint64_t	 late[2];
	uint64_t	 tomb_ignored;
};

/* --on: "P" or "L=R" pairs, comma separated, into two path lists. */
static void
parse_on(struct opts *o, struct buf *l, struct buf *r)
{
	const char *s = o->on, *p;
	struct path path;
	struct fault f;
	size_t used;

	for (;;) {
		if (path_parse_prefix(&path, s, &used, &f) == -1)
			opt_usage_error(o, "--on %s: %s", o->on, f.msg);
		path_release(&path);
		if (l->len > 0) {
			buf_addc(l, ',');
			buf_addc(r, ',');
		}
		buf_add(l, s, used);
		p = s;
		s += used;
		if (*s == '=') {
			p = ++s;
			if (path_parse_prefix(&path, s, &used, &f) == -1)
				opt_usage_error(o, "--on %s: %s", o->on, f.msg);
			path_release(&path);
			s += used;
		}
		buf_add(r, p, used);
		if (*s == '\0')
			break;
		if (*s != ',')
			opt_usage_error(o, "--on %s: unexpected '%c'", o->on,
			    *s);
		for (s++; *s == ' '; s++)
			;
	}
}

static void
check_usage(struct jtool *T)
{
	struct opts *o = &T->o;
	int interval = o->within_set || o->between_set;

	if (o->right == NULL)
		opt_usage_error(o, "missing --right FILE");
	if (o->on == NULL)
		opt_usage_error(o, "missing --on KEY");
	if (o->within_set && o->between_set)
		opt_usage_error(o, "--within and --between exclude each other");
	if (o->table && (interval || o->as_of))
		opt_usage_error(o, "--table excludes --within, --between and "
		    "--as-of");
	if (o->as_of && interval)
		opt_usage_error(o, "--as-of excludes --within and --between");
	if (!o->table && !o->as_of && !interval)
		opt_usage_error(o, "a join is needed: --within D, --between "
		    "LO,HI, --table or --as-of");
	if ((o->table || o->as_of) && (o->join_type == JOIN_RIGHT ||
	    o->join_type == JOIN_FULL))
		opt_usage_error(o, "--type right and full need an interval "
		    "join (--within or --between)");
	if (o->table && o->lateness_ns != 0)
		opt_usage_error(o, "--lateness does not apply to --table");
	if (o->nest && o->prefix_right != NULL)
		opt_usage_error(o, "--nest and --prefix-right exclude each "
		    "other");
	if (strcmp(o->right, "-") == 0 && (o->nargs == 0 ||
	    strcmp(o->args[0], "-") == 0))
		opt_usage_error(o, "the left and the right cannot both be "
		    "standard input");
	T->mode = o->table ? JOIN_TABLE : o->as_of ? JOIN_ASOF :
	    JOIN_INTERVAL;
}

/* Is --right a regular file (read whole before the table is used)? */
static int
regular_file(const char *path)
{
	struct stat st;

	return strcmp(path, "-") != 0 && stat(path, &st) == 0 &&
	    S_ISREG(st.st_mode);
}

static void
compile(struct jtool *T)
{
	struct opts *o = &T->o;
	struct buf l, r;
	struct fault f;
	int i;

	for (i = 0; i < 2; i++)
		T->fl[i] = rec_fields_new();
	buf_init(&l);
	buf_init(&r);
	parse_on(o, &l, &r);
	if (key_init(&T->key[0], buf_cstr(&l), T->fl[0], &f) == -1 ||
	    key_init(&T->key[1], buf_cstr(&r), T->fl[1], &f) == -1)
		opt_usage_error(o, "--on: %s", f.msg);
	buf_release(&l);
	buf_release(&r);
}

/* The join itself, once the source (and its counters) exist. */
static void
make_join(struct jtool *T)
{
	struct opts *o = &T->o;
	struct join_config c;
	struct fault f;

	memset(&c, 0, sizeof(c));
	c.mode = T->mode;
	c.outer_left = o->join_type == JOIN_LEFT || o->join_type == JOIN_FULL;
	c.outer_right = o->join_type == JOIN_RIGHT ||
	    o->join_type == JOIN_FULL;
	c.lo_ns = o->within_set ? -o->within_ns : o->between_lo_ns;
	c.hi_ns = o->within_set ? o->within_ns : o->between_hi_ns;
	c.lateness_ns = o->lateness_ns;
	c.nest = o->nest;
	c.prefix = o->prefix_right;
	c.out = out_sink(out_stdout);
	c.out_count = &src_counters(T->src)->out;
	T->J = join_new(&c, &f);
	if (T->mode == JOIN_TABLE && regular_file(o->right))
		join_set_loading(T->J, 1);
}

/* The row's key, or NULL when a part is null or missing. */
static const char *
keyof(struct jtool *T, int side, const struct record *rec)
{
	const struct keyspec *k = &T->key[side];
	const struct value *v;
	int i;

	buf_clear(&T->kb);
	for (i = 0; i < k->n; i++) {
		v = &rec->v[k->slots[i]];
		if (v->type == V_MISSING || v->type == V_NULL)
			return NULL;
		key_encode_value(&T->kb, v);
	}
	return T->kb.data;
}

static void
event(void *ctx, struct src_event *ev)
{
	struct jtool *T = ctx;
	const struct watermark *wm = src_wm(T->src);
	const char *key;
	int64_t t = ev->rec.time_ns;
	int side = ev->side, r = 0;
	struct fault f;

	if (T->mode != JOIN_TABLE &&
	    t < sat_sub_ns(wm->group_wm_ns[side], T->o.lateness_ns)) {
		T->late[side]++;
		src_late(T->src, ev);
		return;
	}
	key = keyof(T, side, &ev->rec);
	switch (T->mode) {
	case JOIN_INTERVAL:
		r = join_add(T->J, side, t, key, T->kb.len, ev->out_p,
		    ev->out_len, &f);
		break;
	case JOIN_TABLE:
		if (side == 1 && key != NULL)
			r = join_table_put(T->J, key, T->kb.len, ev->out_p,
			    ev->out_len, &f);
		else if (side == 0)
			r = join_probe(T->J, t, key, T->kb.len, ev->out_p,
			    ev->out_len, &f);
		if (r == 1 && !T->warned++)
			diag_warn("the --right file is still loading after "
			    "%zu MiB of left input; joining with the rows "
			    "read so far", JOIN_HELD_MAX >> 20);
		break;
	case JOIN_ASOF:
		r = side == 1 ? join_version(T->J, t, key, T->kb.len,
		    ev->out_p, ev->out_len, &f) : join_wait(T->J, t, key,
		    T->kb.len, ev->out_p, ev->out_len, &f);
		break;
	}
	if (r == -1)
		diag_die(&f);
}

/* One key value of a tombstone's message key, deleted as encoded. */
static int
tomb_value(struct jcur *jc, struct buf *kb, struct buf *sb)
{
	struct value v;
	int b;

	memset(&v, 0, sizeof(v));
	switch (jc_peek(jc)) {
	case '"':
		if (jc_string(jc, sb) == -1)
			return -1;
		v.type = V_STRING;
		v.s = sb->data != NULL ? sb->data : "";
		v.slen = sb->len;
		break;
	case '0':
		if (jc_number(jc, &v) == -1)
			return -1;
		break;
	case 't':
	case 'f':
		if (jc_bool(jc, &b) == -1)
			return -1;
		v.type = b ? V_TRUE : V_FALSE;
		break;
	case '[':
	case '{':
		if (jc_raw(jc, &v.raw, &v.rawlen) == -1)
			return -1;
		v.type = *v.raw == '[' ? V_ARRAY : V_OBJECT;
		break;
	default:
		return -1;	/* null never matches */
	}
	key_encode_value(kb, &v);
	return 0;
}

/* The message key read as JSON: one value, or an array of n. */
static int
tomb_json(struct jtool *T, const char *k, size_t n, struct buf *sb)
{
	struct jcur jc;
	struct fault f;
	int i;

	jc_init(&jc, k, n, &f);
	buf_clear(&T->kb);
	if (T->key[1].n == 1)
		return tomb_value(&jc, &T->kb, sb) == -1 || jc_end(&jc) != 0 ?
		    -1 : 0;
	if (jc_begin_array(&jc) == -1)
		return -1;
	for (i = 0; i < T->key[1].n; i++)
		if (jc_more(&jc) != 1 || tomb_value(&jc, &T->kb, sb) == -1)
			return -1;
	return jc_more(&jc) == 0 && jc_end(&jc) == 0 ? 0 : -1;
}

/* A kcat tombstone on the right of --table: delete the key's row. */
static void
tombstone(void *ctx, struct src_event *ev)
{
	struct jtool *T = ctx;
	const struct kcat_env *env = ev->env;
	struct value v;
	struct buf sb;
	int done = 0;

	if (T->mode != JOIN_TABLE || ev->side != 1 || env == NULL)
		return;
	if (env->key == NULL) {
		T->tomb_ignored++;
		return;
	}
	if (T->key[1].n == 1) {
		memset(&v, 0, sizeof(v));
		v.type = V_STRING;
		v.s = env->key;
		v.slen = env->keylen;
		buf_clear(&T->kb);
		key_encode_value(&T->kb, &v);
		done += join_table_del(T->J, T->kb.data, T->kb.len);
	}
	buf_init(&sb);
	if (tomb_json(T, env->key, env->keylen, &sb) == 0)
		done += join_table_del(T->J, T->kb.data, T->kb.len);
	buf_release(&sb);
	if (done == 0)
		T->tomb_ignored++;
}

/*
 * After every input step: the table side's channels stop holding the
 * watermark back, a loaded table releases the held left rows, and the
 * as-of join answers what the right watermark passed.
 */
static void
progress(struct jtool *T)
{
	struct watermark *wm = src_wm(T->src);
	int64_t wr, wl;

	if (T->mode == JOIN_TABLE) {
		for (; T->nch < wm->nch; T->nch++)
			if (wm->ch[T->nch].group == 1)
				wm_channel_end(wm, T->nch);
		if (join_counts(T->J)->held > 0 && (!join_loading(T->J) ||
		    src_side_ended(T->src, 1)))
			join_loaded(T->J);
		else if (join_loading(T->J) && src_side_ended(T->src, 1))
			join_set_loading(T->J, 0);
	}
	if (T->mode == JOIN_ASOF) {
		wr = wm->group_wm_ns[1];
		/* All input done: the finish hook decides (--eof). */
		if (wr == WM_MAX && wm->wm_ns == WM_MAX)
			return;
		/*
		 * An ended left input says nothing of the next run's rows
		 * (--state): only its own watermark prunes versions.
		 */
		wl = wm->group_wm_ns[0];
		join_release(T->J, wr, wl == WM_MAX ? WM_MIN :
		    sat_sub_ns(wl, T->o.lateness_ns));
	}
}

static void
advance(void *ctx, int64_t w)
{
	struct jtool *T = ctx;
	uint64_t out = src_counters(T->src)->out;

	if (w != WM_MAX)	/* end of all input: finish decides */
		join_advance(T->J, w);
	progress(T);
	T->fired |= src_counters(T->src)->out > out;
}

/*
 * Write the watermark as run.c does for other tools: after rows that
 * time released, on an idle tick, or once it moved a second of event
 * time; never while left rows are held for a loading table.
 */
static int
may_forward(void *ctx, int64_t w, int tick)
{
	struct jtool *T = ctx;
	uint64_t out = src_counters(T->src)->out;

	progress(T);
	T->fired |= src_counters(T->src)->out > out;
	if (join_counts(T->J)->held > 0 || w == T->forwarded)
		return 0;
	if (!T->fired && !tick && T->forwarded != WM_MIN &&
	    w - T->forwarded < 1000000000)
		return 0;
	T->fired = 0;
	T->forwarded = w;
	return 1;
}

static void
finish(void *ctx, int flush)
{
	struct jtool *T = ctx;

	if (flush)
		join_flush(T->J);
}

static uint64_t
state_bytes(void *ctx)
{
	struct jtool *T = ctx;

	return join_bytes(T->J);
}

static void
save(void *ctx, struct buf *b)
{
	struct jtool *T = ctx;

	join_save(T->J, b);
}

static int
load(void *ctx, const char *p, size_t n, struct fault *f)
{
	struct jtool *T = ctx;
	struct jcur jc;

	jc_init(&jc, p, n, f);
	return join_load(T->J, &jc, T->key[0].n, f);
}

static void
fingerprint(void *ctx, struct buf *b)
{
	struct jtool *T = ctx;
	const struct opts *o = &T->o;
	static const char *mode[] = { "interval", "table", "as-of" };

	/* The type shapes the interval buffers only (null keys kept). */
	buf_printf(b, "join=%s on=%s type=%d lo=%lld hi=%lld lateness=%lld\n",
	    mode[T->mode], o->on, T->mode == JOIN_INTERVAL ?
	    (int)o->join_type : 0,
	    (long long)(o->within_set ? -o->within_ns : o->between_lo_ns),
	    (long long)(o->within_set ? o->within_ns : o->between_hi_ns),
	    (long long)o->lateness_ns);
	buf_printf(b, "left-time=%s right-time=%s right-kcat=%d\n",
	    o->left_time != NULL ? o->left_time : "",
	    o->right_time != NULL ? o->right_time : "", o->right_kcat);
}

static void
stats(void *ctx, struct buf *b)
{
	struct jtool *T = ctx;
	const struct join_counts *c = join_counts(T->J);

	buf_printf(b, ", matches %llu, unmatched %llu, dropped %llu",
	    (unsigned long long)c->matches, (unsigned long long)c->unmatched,
	    (unsigned long long)c->dropped);
	if (T->mode == JOIN_TABLE)
		buf_printf(b, ", table rows %llu, deletes %llu, held %llu",
		    (unsigned long long)c->table,
		    (unsigned long long)c->deletes,
		    (unsigned long long)c->held);
	else
		buf_printf(b, ", buffered left %llu right %llu, late left "
		    "%llu right %llu", (unsigned long long)c->rows[0],
		    (unsigned long long)c->rows[1],
		    (unsigned long long)T->late[0],
		    (unsigned long long)T->late[1]);
	if (c->nokey > 0)
		buf_printf(b, ", null keys %llu", (unsigned long long)c->nokey);
	if (T->tomb_ignored > 0)
		buf_printf(b, ", tombstones ignored %llu",
		    (unsigned long long)T->tomb_ignored);
}

static void
open_source(struct jtool *T)
{
	struct opts *o = &T->o;
	struct src_side sides[2];
	char **streams[2];
	int time_wanted = o->time_set || o->left_time != NULL ||
	    o->max_delay_ns >= 0 || o->idle_ns > 0 || o->processing_time ||
	    T->mode != JOIN_TABLE;

	memset(sides, 0, sizeof(sides));
	sides[0].fields = T->fl[0];
	sides[0].time_path = o->left_time;
	sides[0].kcat = o->kcat;
	sides[0].group = 0;
	sides[0].need_time = time_wanted;
	sides[1].fields = T->fl[1];
	sides[1].time_path = o->right_time;
	sides[1].kcat = o->right_kcat;
	sides[1].group = 1;
	sides[1].tombstones = T->mode == JOIN_TABLE && o->right_kcat;
	sides[1].need_time = T->mode != JOIN_TABLE;
	T->right[0] = (char *)o->right;
	T->right[1] = NULL;
	streams[0] = o->args;
	streams[1] = T->right;
	T->run.o = o;
	run_open(&T->run, streams, sides, 2);
	T->src = T->run.src;
	T->forwarded = WM_MIN;
}

int
main(int argc, char *argv[])
{
	static struct jtool T;
	struct run_hooks h;
	int rc;

	diag_init("stream-join");
	opt_parse(&T.o, T_JOIN, argc, argv);
	check_usage(&T);
	compile(&T);
	buf_init(&T.kb);
	open_source(&T);
	make_join(&T);
	memset(&h, 0, sizeof(h));
	h.event = event;
	h.advance = advance;
	h.finish = finish;
	h.may_forward = may_forward;
	h.state_bytes = state_bytes;
	h.save = save;
	h.load = load;
	h.fingerprint = fingerprint;
	h.stats = stats;
	h.tombstone = tombstone;
	T.run.o = &T.o;
	T.run.src = T.src;
	T.run.h = &h;
	T.run.ctx = &T;
	rc = run_loop(&T.run);
	join_free(T.J);
	src_free(T.src);
	key_release(&T.key[0]);
	key_release(&T.key[1]);
	rec_fields_free(T.fl[0]);
	rec_fields_free(T.fl[1]);
	buf_release(&T.kb);
	opt_release(&T.o);
	return rc;
}
