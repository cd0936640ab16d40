/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * state.c - snapshot files: sections, CRC, atomic replace, lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fault.h"
#include "hash.h"
#include "jcur.h"
#include "reader.h"
#include "state.h"
#include "xmalloc.h"

struct state {
	struct state_config cfg;
	char		*path;
	char		*tmp;
	char		*lock;
	int		 lockfd;
	struct buf	 b;
	uint64_t	 size;		/* of the last snapshot */
};


static char *
concat(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	char *p = xmalloc(n + m + 1);

	memcpy(p, a, n);
	memcpy(p + n, b, m + 1);
	return p;
}

void
state_close(struct state *st)
{
	if (st == NULL)
		return;
	if (st->lockfd >= 0) {
		flock(st->lockfd, LOCK_UN);
		close(st->lockfd);
	}
	free(st->path);
	free(st->tmp);
	free(st->lock);
	buf_release(&st->b);
	free(st);
}

/* flock FILE.lock and write our pid in it; 75 names the holder. */
static int
take_lock(struct state *st, struct fault *f)
{
	char pid[32];
	ssize_t n;
	int len;

	st->lockfd = open(st->lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (st->lockfd == -1)
		return fault_set(f, EX_CANTCREAT, "cannot create %s: %s",
		    st->lock, strerror(errno));
	if (flock(st->lockfd, LOCK_EX | LOCK_NB) == -1) {
		n = pread(st->lockfd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		return fault_set(f, EX_TEMPFAIL, "state file %s is in use by "
		    "another process (pid %s)", st->path, n > 0 ? pid : "?");
	}
	len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(st->lockfd, 0) == 0 &&
	    pwrite(st->lockfd, pid, (size_t)len, 0) != len)
		return fault_set(f, EX_IOERR, "write %s: %s", st->lock,
		    strerror(errno));
	return 0;
}

static void
section(struct buf *b, const char *name, const char *p, size_t n)
{
	buf_printf(b, "@%s %zu\n", name, n);
	buf_add(b, p, n);
	buf_addc(b, '\n');
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == 0)
			errno = EIO;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
fsync_fd(int fd)
{
	int r;

	while ((r = fsync(fd)) == -1 && errno == EINTR)
		;
	return r;
}

/* The rename reaches the disk: fsync the directory; -1 with errno. */
static int
fsync_dir(const char *path)
{
	char *copy = xstrdup(path), *dir;
	int fd, r = -1, e;

	dir = dirname(copy);
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		while ((r = fsync(fd)) == -1 && errno == EINTR)
			;
		e = errno;
		close(fd);
		errno = e;
	}
	free(copy);
	return r;
}

int
state_checkpoint(struct state *st, struct fault *f)
{
	const struct state_part *pt;
	struct buf *b = &st->b, part;
	uint32_t crc;
	int fd, e, i;

	buf_clear(b);
	buf_init(&part);
	buf_printf(b, "%s %d\n", STATE_FORMAT, STATE_VERSION);
	section(b, "tool", st->cfg.tool, strlen(st->cfg.tool));
	section(b, "fingerprint", st->cfg.fingerprint,
	    st->cfg.fingerprint_len);
	for (i = 0; i < st->cfg.nparts; i++) {
		pt = &st->cfg.parts[i];
		buf_clear(&part);
		if (pt->save != NULL)
			pt->save(pt->ctx, &part);
		section(b, pt->name, part.data, part.len);
	}
	buf_release(&part);
	crc = hash_crc32(0, b->data, b->len);
	buf_printf(b, "@crc %08x\n", crc);

	unlink(st->tmp);
	fd = open(st->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1)
		return fault_set(f, EX_CANTCREAT, "cannot create %s: %s",
		    st->tmp, strerror(errno));
	if (write_all(fd, b->data, b->len) == -1 || fsync_fd(fd) == -1) {
		e = errno;
		close(fd);
		unlink(st->tmp);
		return fault_set(f, EX_IOERR, "checkpoint to %s failed: %s "
		    "(the previous snapshot is intact)", st->tmp, strerror(e));
	}
	if (close(fd) == -1 || rename(st->tmp, st->path) == -1) {
		e = errno;
		unlink(st->tmp);
		return fault_set(f, EX_IOERR, "checkpoint to %s failed: %s "
		    "(the previous snapshot is intact)", st->path,
		    strerror(e));
	}
	if (fsync_dir(st->path) == -1)
		return fault_set(f, EX_IOERR, "checkpoint to %s: cannot sync "
		    "its directory: %s", st->path, strerror(errno));
	st->size = b->len;
	return 0;
}

uint64_t
state_size(const struct state *st)
{
	return st->size;
}

struct sect {
	char		 name[32];
	const char	*p;
	size_t		 n;
};

#define SECT_MAX	16

static int
corrupt(struct fault *f, const char *path, const char *why)
{
	return fault_set(f, EX_CONFIG, "state file %s is unusable: %s "
	    "(it was left as it is; --state-reset starts fresh)", path, why);
}

/* Eight lowercase hex digits (no terminator is needed or read). */
static int
hex32(const char *p, uint32_t *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 8; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			*v = *v << 4 | (uint32_t)(p[i] - '0');
		else if (p[i] >= 'a' && p[i] <= 'f')
			*v = *v << 4 | (uint32_t)(p[i] - 'a' + 10);
		else
			return -1;
	}
	return 0;
}

/* "@NAME LEN" in [p, e): a name of [a-z-] and a decimal length. */
static int
section_header(const char *p, const char *e, char name[32], size_t *len)
{
	uint64_t v = 0;
	size_t k = 0;

	if (p == e || *p++ != '@')
		return -1;
	for (; p < e && *p != ' '; p++) {
		if (k == 31 || ((*p < 'a' || *p > 'z') && *p != '-'))
			return -1;
		name[k++] = *p;
	}
	name[k] = '\0';
	if (k == 0 || p == e || ++p == e)
		return -1;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9' || v > STATE_SECTION_MAX)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > STATE_SECTION_MAX)
		return -1;
	*len = (size_t)v;
	return 0;
}

/* Split a snapshot into sections and check its CRC. */
static int
parse_sections(const char *path, const char *d, size_t n, struct sect *s,
    int *ns, struct fault *f)
{
	char head[64];
	size_t i, len, hl;
	const char *nl;
	uint32_t want;
	int k = 0;

	hl = (size_t)snprintf(head, sizeof(head), "%s %d\n", STATE_FORMAT,
	    STATE_VERSION);
	if (n == 0)
		return corrupt(f, path, "it is empty");
	if (n < hl || memcmp(d, head, hl) != 0)
		return corrupt(f, path, strncmp(d, STATE_FORMAT,
		    n < strlen(STATE_FORMAT) ? n : strlen(STATE_FORMAT)) == 0 ?
		    "unsupported format version" : "not a streamkit state file");
	for (i = hl; i < n;) {
		if (d[i] != '@' || (nl = memchr(d + i, '\n', n - i)) == NULL)
			return corrupt(f, path, "truncated or damaged");
		if ((size_t)(nl - d) - i > 8 + 1 + 20 &&
		    strncmp(d + i, "@crc ", 5) != 0)
			return corrupt(f, path, "damaged section header");
		if (strncmp(d + i, "@crc ", 5) == 0) {
			if (nl - (d + i) != 13 || nl + 1 != d + n ||
			    hex32(d + i + 5, &want) == -1)
				return corrupt(f, path, "damaged checksum");
			if (hash_crc32(0, d, i) != want)
				return corrupt(f, path, "checksum mismatch "
				    "(truncated or damaged)");
			*ns = k;
			return 0;
		}
		if (k == SECT_MAX ||
		    section_header(d + i, nl, s[k].name, &len) == -1)
			return corrupt(f, path, "damaged section header");
		i = (size_t)(nl - d) + 1;
		if (len > n - i || len + 1 > n - i || d[i + len] != '\n')
			return corrupt(f, path, "truncated");
		s[k].p = d + i;
		s[k].n = len;
		k++;
		i += len + 1;
	}
	return corrupt(f, path, "truncated (no checksum)");
}

int
state_check(const char *d, size_t n, struct fault *f)
{
	struct sect s[SECT_MAX];
	int ns;

	return parse_sections("input", d, n, s, &ns, f);
}

static const struct sect *
find(const struct sect *s, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0)
			return &s[i];
	return NULL;
}

/* Name the first option line that differs. */
static int
compare_fingerprint(const char *path, const struct sect *s,
    const char *now, size_t nowlen, struct fault *f)
{
	const char *a = s->p, *ae = s->p + s->n, *b = now, *be = now + nowlen,
	    *an, *bn;

	while (a < ae || b < be) {
		an = memchr(a, '\n', (size_t)(ae - a));
		bn = memchr(b, '\n', (size_t)(be - b));
		an = an != NULL ? an : ae;
		bn = bn != NULL ? bn : be;
		if (an - a != bn - b || memcmp(a, b, (size_t)(an - a)) != 0)
			return fault_set(f, EX_CONFIG, "state file %s was "
			    "written with other options: %.*s there, %.*s "
			    "now (use the same options, or --state-reset to "
			    "start fresh)", path, (int)(an - a < 80 ? an - a :
			    80), a, (int)(bn - b < 80 ? bn - b : 80), b);
		a = an + (an < ae);
		b = bn + (bn < be);
	}
	return 0;
}

/* A part failed to load: EX_CONFIG as it is, else the file is unusable. */
static int
part_failed(const struct state *st, const struct state_part *pt,
    struct fault *f)
{
	char why[FAULT_MSG_MAX];

	if (f->code == EX_CONFIG)
		return -1;
	snprintf(why, sizeof(why), "%s: %.200s", pt->label, f->msg);
	return corrupt(f, st->path, why);
}

static int
restore(struct state *st, const char *d, size_t n, struct fault *f)
{
	const struct state_config *c = &st->cfg;
	const struct state_part *pt;
	struct sect s[SECT_MAX];
	const struct sect *x;
	char why[64];
	int ns, i;

	if (parse_sections(st->path, d, n, s, &ns, f) == -1)
		return -1;
	if ((x = find(s, ns, "tool")) == NULL || x->n != strlen(c->tool) ||
	    memcmp(x->p, c->tool, x->n) != 0)
		return fault_set(f, EX_CONFIG, "state file %s was written by "
		    "%.*s, not %s", st->path, x ? (int)(x->n < 40 ? x->n : 40) :
		    7, x ? x->p : "another", c->tool);
	if ((x = find(s, ns, "fingerprint")) == NULL)
		return corrupt(f, st->path, "no fingerprint");
	if (compare_fingerprint(st->path, x, c->fingerprint,
	    c->fingerprint_len, f) == -1)
		return -1;
	for (i = 0; i < c->nparts; i++) {
		pt = &c->parts[i];
		if ((x = find(s, ns, pt->name)) == NULL) {
			snprintf(why, sizeof(why), "no %s section", pt->name);
			return corrupt(f, st->path, why);
		}
		if (pt->load != NULL && pt->load(pt->ctx, x->p, x->n, f) == -1)
			return part_failed(st, pt, f);
	}
	return 0;
}

static int
read_file(int fd, struct buf *b)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		buf_add(b, chunk, (size_t)n);
	}
}

struct state *
state_open(const struct state_config *c, struct fault *f)
{
	struct state *st;
	int fd, r;

	fault_clear(f);
	st = xcalloc(1, sizeof(*st));
	st->cfg = *c;
	st->lockfd = -1;
	buf_init(&st->b);
	st->path = xstrdup(c->path);
	st->tmp = concat(c->path, ".tmp");
	st->lock = concat(c->path, ".lock");
	if (take_lock(st, f) == -1) {
		state_close(st);
		return NULL;
	}
	if (c->reset)
		return st;
	if ((fd = open(st->path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return st;
		fault_set(f, EX_CONFIG, "cannot read state file %s: %s",
		    st->path, strerror(errno));
		state_close(st);
		return NULL;
	}
	r = read_file(fd, &st->b);
	close(fd);
	if (r == -1 || restore(st, st->b.data, st->b.len, f) == -1) {
		if (r == -1)
			fault_set(f, EX_CONFIG, "cannot read state file %s",
			    st->path);
		state_close(st);
		return NULL;
	}
	buf_release(&st->b);
	return st;
}

/* --- --state-check: what a snapshot holds, read without touching it --- */

static void
info_count(struct state_info *si, const char *name, uint64_t n)
{
	if (si->ncounts < STATE_INFO_COUNTS_MAX) {
		si->counts[si->ncounts].name = name;
		si->counts[si->ncounts].n = n;
		si->ncounts++;
	}
}

static int
info_parts(struct state_info *si, struct jcur *jc)
{
	struct state_offset *o;
	struct buf topic;
	int64_t stream, part, off;
	int r = 0;

	buf_init(&topic);
	if (jc_begin_array(jc) == -1)
		r = -1;
	while (r == 0 && jc_more(jc) == 1) {
		if (jc_begin_array(jc) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &stream) == -1 || jc_more(jc) != 1 ||
		    jc_string(jc, &topic) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &part) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &off) == -1 || jc_more(jc) != 0 ||
		    stream < 0 || stream >= RD_STREAMS_MAX) {
			r = jc_fail(jc, "bad Kafka offset");
			break;
		}
		si->offsets = xrealloc(si->offsets, sizeof(*o) *
		    (size_t)(si->noffsets + 1));
		o = si->offsets + si->noffsets;
		o->stream = (int)stream;
		o->partition = part;
		o->offset = off;
		o->topic = xstrdup(buf_cstr(&topic));
		si->noffsets++;
	}
	buf_release(&topic);
	return r == 0 && !jc->failed ? 0 : -1;
}

/* The source section, in the order save_source() writes it. */
static int
info_source(struct state_info *si, const struct sect *s, struct fault *f)
{
	struct jcur jc;
	int64_t v, cnt[5];
	int k;

	jc_init(&jc, s->p, s->n, f);
	if (jc_begin_object(&jc) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "wm") == -1 || jc_int(&jc, &si->wm_ns) == -1 ||
	    jc_more(&jc) != 1 || jc_expect_key(&jc, "max") == -1 ||
	    jc_int(&jc, &si->max_ns) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "disorder") == -1 || jc_int(&jc, &v) == -1 ||
	    jc_more(&jc) != 1 || jc_expect_key(&jc, "inband") == -1 ||
	    jc_int(&jc, &v) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "channels") == -1 || jc_begin_array(&jc) == -1)
		return -1;
	while (jc_more(&jc) == 1) {
		if (jc_skip(&jc) == -1)
			return -1;
		si->inputs++;
	}
	if (jc_more(&jc) != 1 || jc_expect_key(&jc, "parts") == -1 ||
	    info_parts(si, &jc) == -1 || jc_more(&jc) != 1 ||
	    jc_expect_key(&jc, "counters") == -1 || jc_begin_array(&jc) == -1)
		return -1;
	for (k = 0; k < 5; k++)
		if (jc_more(&jc) != 1 || jc_int(&jc, &cnt[k]) == -1 ||
		    cnt[k] < 0)
			return jc_fail(&jc, "bad counters");
	if (jc_more(&jc) != 0 || jc_more(&jc) != 0 || jc_end(&jc) != 0)
		return jc_fail(&jc, "trailing data");
	si->in = (uint64_t)cnt[0];
	si->out = (uint64_t)cnt[1];
	si->bad = (uint64_t)cnt[2];
	si->late = (uint64_t)cnt[3];
	si->replayed = (uint64_t)cnt[4];
	return 0;
}

/* A "counts" array: the window table's or the join's counters. */
static int
info_counters(struct state_info *si, struct jcur *jc)
{
	static const char *win[] = { "windows_fired", "late_firings",
	    "late_dropped", "missed_windows" };
	static const char *join[] = { "join_matches", "join_unmatched",
	    "join_dropped", "join_nokey", "join_deletes" };
	uint64_t v[5];
	int n = 0, k;

	if (jc_begin_array(jc) == -1)
		return -1;
	while (jc_more(jc) == 1)
		if (n == 5 || jc_uint(jc, &v[n++]) == -1)
			return jc_fail(jc, "bad counts");
	if (jc->failed || (n != 4 && n != 5))
		return jc_fail(jc, "bad counts");
	for (k = 0; k < n; k++)
		info_count(si, n == 4 ? win[k] : join[k], v[k]);
	return 0;
}

/* A join's rows, by kind (join.c: left, right, table, version, ...). */
static int
info_rows(struct state_info *si, struct jcur *jc)
{
	static const char *name[] = { "left_rows", "right_rows",
	    "table_rows", "versions", "waiting_rows", "held_rows" };
	uint64_t by[6] = { 0 }, n = 0;
	int64_t kind;
	int k;

	if (jc_begin_array(jc) == -1)
		return -1;
	while (jc_more(jc) == 1) {
		if (jc_begin_array(jc) == -1 || jc_more(jc) != 1 ||
		    jc_int(jc, &kind) == -1 || kind < 0 || kind > 5)
			return jc_fail(jc, "bad join row");
		while (jc_more(jc) == 1)
			if (jc_skip(jc) == -1)
				return -1;
		by[kind]++;
		n++;
	}
	if (jc->failed)
		return -1;
	info_count(si, "join_rows", n);
	for (k = 0; k < 6; k++)
		info_count(si, name[k], by[k]);
	return 0;
}

/* The elements of an array, counted under name. */
static int
info_elements(struct state_info *si, struct jcur *jc, const char *name)
{
	uint64_t n = 0;

	if (jc_begin_array(jc) == -1)
		return -1;
	while (jc_more(jc) == 1) {
		if (jc_skip(jc) == -1)
			return -1;
		n++;
	}
	if (jc->failed)
		return -1;
	if (name != NULL)
		info_count(si, name, n);
	return 0;
}

/*
 * The tool's section: count what it keeps by the names the tools save
 * it under (window cells, dedupe or aggregate keys, sorted records,
 * join rows, merge results), without the tool's own decoder.
 */
static int
info_tool_object(struct state_info *si, struct jcur *jc, int depth)
{
	const char *k, *name;
	char key[16];
	size_t kn;
	uint64_t v;
	int r;

	if (jc_begin_object(jc) == -1)
		return -1;
	while ((r = jc_more(jc)) == 1) {
		if (jc_key(jc, &k, &kn) == -1)
			return -1;
		snprintf(key, sizeof(key), "%.*s", (int)(kn < 15 ? kn : 15), k);
		if (jc_peek(jc) == '{' && depth == 0)
			r = info_tool_object(si, jc, 1);
		else if (jc_peek(jc) == '[' && strcmp(key, "counts") == 0)
			r = info_counters(si, jc);
		else if (jc_peek(jc) == '[' && strcmp(key, "rows") == 0)
			r = info_rows(si, jc);
		else if (jc_peek(jc) == '[') {
			name = strcmp(key, "cells") == 0 ? "open_windows" :
			    strcmp(key, "held") == 0 ? "held_records" :
			    strcmp(key, "finals") == 0 ? "pending_results" :
			    strcmp(key, "keys") != 0 ? NULL :
			    si->tool_len == 13 && memcmp(si->tool,
			    "stream-filter", 13) == 0 ? "dedupe_keys" : "keys";
			r = info_elements(si, jc, name);
		} else if (strcmp(key, "dropped") == 0) {
			if ((r = jc_uint(jc, &v)) == 0)
				info_count(si, "dedupe_dropped", v);
		} else
			r = jc_skip(jc);
		if (r == -1)
			return -1;
	}
	return r == 0 ? 0 : -1;
}

static int
info_tool(struct state_info *si, const struct sect *s, struct fault *f)
{
	struct jcur jc;

	jc_init(&jc, s->p, s->n, f);
	if (jc_peek(&jc) == 0 && !jc.failed)
		return 0;		/* a tool that keeps nothing */
	if (info_tool_object(si, &jc, 0) == -1 || jc_end(&jc) != 0)
		return jc_fail(&jc, "trailing data");
	return 0;
}

int
state_inspect(const char *path, const char *tool, struct state_info *si,
    struct fault *f)
{
	struct sect s[SECT_MAX];
	const struct sect *x;
	struct buf b;
	char why[FAULT_MSG_MAX];
	int fd, r, ns;

	memset(si, 0, sizeof(*si));
	fault_clear(f);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return fault_set(f, EX_CONFIG, "cannot read state file %s: %s",
		    path, strerror(errno));
	buf_init(&b);
	r = read_file(fd, &b);
	close(fd);
	si->data = b.data;
	si->len = b.len;
	if (r == -1)
		return fault_set(f, EX_CONFIG, "cannot read state file %s: "
		    "%s", path, strerror(errno));
	if (parse_sections(path, si->data, si->len, s, &ns, f) == -1)
		return -1;
	if ((x = find(s, ns, "tool")) == NULL)
		return corrupt(f, path, "no tool section");
	si->tool = x->p;
	si->tool_len = x->n;
	if (tool != NULL && (x->n != strlen(tool) ||
	    memcmp(x->p, tool, x->n) != 0))
		return fault_set(f, EX_CONFIG, "state file %s was written by "
		    "%.*s, not %s", path, (int)(x->n < 40 ? x->n : 40), x->p,
		    tool);
	if ((x = find(s, ns, "fingerprint")) == NULL)
		return corrupt(f, path, "no fingerprint");
	si->options = x->p;
	si->options_len = x->n;
	if ((x = find(s, ns, "source")) == NULL)
		return corrupt(f, path, "no source section");
	if (info_source(si, x, f) == -1) {
		snprintf(why, sizeof(why), "source section: %.200s", f->msg);
		return corrupt(f, path, why);
	}
	if ((x = find(s, ns, "tool-state")) == NULL)
		return corrupt(f, path, "no tool-state section");
	if (info_tool(si, x, f) == -1) {
		snprintf(why, sizeof(why), "tool section: %.200s", f->msg);
		return corrupt(f, path, why);
	}
	return 0;
}

void
state_info_release(struct state_info *si)
{
	int i;

	for (i = 0; i < si->noffsets; i++)
		free(si->offsets[i].topic);
	free(si->offsets);
	free(si->data);
	memset(si, 0, sizeof(*si));
}
