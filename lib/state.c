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

/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320), byte-wise. */
static const uint32_t crc_table[256] = {
	0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau,
	0x076dc419u, 0x706af48fu, 0xe963a535u, 0x9e6495a3u,
	0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
	0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u,
	0x1db71064u, 0x6ab020f2u, 0xf3b97148u, 0x84be41deu,
	0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
	0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu,
	0x14015c4fu, 0x63066cd9u, 0xfa0f3d63u, 0x8d080df5u,
	0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
	0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu,
	0x35b5a8fau, 0x42b2986cu, 0xdbbbc9d6u, 0xacbcf940u,
	0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
	0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u,
	0x21b4f4b5u, 0x56b3c423u, 0xcfba9599u, 0xb8bda50fu,
	0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
	0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du,
	0x76dc4190u, 0x01db7106u, 0x98d220bcu, 0xefd5102au,
	0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
	0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u,
	0x7f6a0dbbu, 0x086d3d2du, 0x91646c97u, 0xe6635c01u,
	0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
	0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u,
	0x65b0d9c6u, 0x12b7e950u, 0x8bbeb8eau, 0xfcb9887cu,
	0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
	0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u,
	0x4adfa541u, 0x3dd895d7u, 0xa4d1c46du, 0xd3d6f4fbu,
	0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
	0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u,
	0x5005713cu, 0x270241aau, 0xbe0b1010u, 0xc90c2086u,
	0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
	0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u,
	0x59b33d17u, 0x2eb40d81u, 0xb7bd5c3bu, 0xc0ba6cadu,
	0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
	0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u,
	0xe3630b12u, 0x94643b84u, 0x0d6d6a3eu, 0x7a6a5aa8u,
	0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
	0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu,
	0xf762575du, 0x806567cbu, 0x196c3671u, 0x6e6b06e7u,
	0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
	0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u,
	0xd6d6a3e8u, 0xa1d1937eu, 0x38d8c2c4u, 0x4fdff252u,
	0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
	0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u,
	0xdf60efc3u, 0xa867df55u, 0x316e8eefu, 0x4669be79u,
	0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
	0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu,
	0xc5ba3bbeu, 0xb2bd0b28u, 0x2bb45a92u, 0x5cb36a04u,
	0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
	0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au,
	0x9c0906a9u, 0xeb0e363fu, 0x72076785u, 0x05005713u,
	0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
	0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u,
	0x86d3d2d4u, 0xf1d4e242u, 0x68ddb3f8u, 0x1fda836eu,
	0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
	0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu,
	0x8f659effu, 0xf862ae69u, 0x616bffd3u, 0x166ccf45u,
	0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
	0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu,
	0xaed16a4au, 0xd9d65adcu, 0x40df0b66u, 0x37d83bf0u,
	0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
	0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u,
	0xbad03605u, 0xcdd70693u, 0x54de5729u, 0x23d967bfu,
	0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
	0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

uint32_t
state_crc32(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	crc = ~crc;
	for (i = 0; i < n; i++)
		crc = crc_table[(crc ^ s[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

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
	crc = state_crc32(0, b->data, b->len);
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
			if (state_crc32(0, d, i) != want)
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
