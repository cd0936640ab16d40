/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz_reader.c - rd_open/rd_next framing against a line-splitting oracle.
 *
 * Input: a 4-byte header, then file content.  Header byte 0: bit 0 splits
 * the content into two files read as one stream (like cat), bits 1-2
 * pick line_max (64, 1, 7 or 300 bytes).  Bytes 1-3 drive read(2): this
 * harness is linked with -Wl,--wrap=read, and each read the reader makes
 * returns at most a few bytes (or EINTR), so lines straddle buffer fills
 * in every possible way while the run stays deterministic.
 *
 * Expected, per file: lines split at '\n' (the last may lack it), one
 * trailing '\r' dropped, numbered from 1 in each file; blank lines
 * (spaces, tabs, '\r') skipped but counted; a line longer than line_max
 * is RD_OVERSIZE with its number, and its bytes (less the '\r') plus
 * '\n' go to the spill sink; then RD_STREAM_END once, then RD_EOF.  The
 * reader must also close every descriptor it opened.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fault.h"
#include "../lib/filesink.h"
#include "reader.h"

#include "fuzz_common.h"

ssize_t __real_read(int, void *, size_t);
ssize_t __wrap_read(int, void *, size_t);

static int wrap_on;
static uint8_t wrap_seed[3];
static unsigned wrap_calls;

ssize_t
__wrap_read(int fd, void *p, size_t n)
{
	uint8_t s;

	if (wrap_on && n > 0) {
		s = wrap_seed[wrap_calls % 3] ^ (uint8_t)(wrap_calls / 3);
		wrap_calls++;
		if (s == 0xee) {
			errno = EINTR;
			return -1;
		}
		if ((s & 0x80) == 0 && n > (size_t)(s & 0x3f) + 1)
			n = (size_t)(s & 0x3f) + 1;
	}
	return __real_read(fd, p, n);
}

static char *
temp_file(const uint8_t *p, size_t n)
{
	const char *dir = getenv("TMPDIR");
	char *name;
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	CHECK(asprintf(&name, "%s/sk-fuzz-reader.XXXXXX", dir) > 0);
	CHECK((fd = mkstemp(name)) != -1);
	CHECK(n == 0 || write(fd, p, n) == (ssize_t)n);
	close(fd);
	return name;
}

static int
lowest_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);

	CHECK(fd != -1);
	close(fd);
	return fd;
}

struct expect {
	int		 kind;		/* RD_LINE or RD_OVERSIZE */
	const uint8_t	*p;
	size_t		 len;
	int64_t		 lineno;
	int		 file;
};

/* The oracle: what the reader must produce from one file. */
static size_t
expect_file(const uint8_t *p, size_t n, size_t line_max, int file,
    struct expect *e, struct buf *spill)
{
	const uint8_t *end = p + n, *nl;
	size_t k = 0, len, i;
	int64_t lineno = 0;
	int blank;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		lineno++;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		for (blank = 1, i = 0; i < len; i++)
			if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
				blank = 0;
		if (len > line_max) {
			e[k++] = (struct expect){ RD_OVERSIZE, p, len, lineno,
			    file };
			buf_add(spill, p, len);
			buf_addc(spill, '\n');
		} else if (!blank) {
			e[k++] = (struct expect){ RD_LINE, p, len, lineno,
			    file };
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return k;
}

/* Drop every run of '\r' before a '\n' or the end (lax mode). */
static void
strip_cr(struct buf *b)
{
	size_t i, j, k;

	for (i = j = 0; i < b->len; i++) {
		for (k = i; k < b->len && b->data[k] == '\r'; k++)
			;
		if (k > i && (k == b->len || b->data[k] == '\n')) {
			i = k - 1;
			continue;
		}
		b->data[j++] = b->data[i];
	}
	b->len = j;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = { 64, 1, 7, 300 };
	struct expect *ex;
	struct rd_config cfg;
	struct reader *rd;
	struct line l;
	struct fault f;
	struct sink *sp;
	struct buf want, got;
	char *names[3] = { NULL, NULL, NULL }, *spname;
	char **streams[1];
	const uint8_t *c;
	size_t n, split, nex, k, line_max;
	int two, fd0, r, fd;
	ssize_t m;
	char tmp[4096];

	if (size < 4)
		return 0;
	c = data + 4;
	n = size - 4;
	two = data[0] & 1;
	line_max = maxes[(data[0] >> 1) & 3];
	split = two ? (size_t)data[1] * n / 256 : n;
	fd0 = lowest_fd();
	buf_init(&want);
	buf_init(&got);
	CHECK((ex = calloc(n + 2, sizeof(*ex))) != NULL);
	nex = expect_file(c, split, line_max, 0, ex, &want);
	if (two)
		nex += expect_file(c + split, n - split, line_max, 1,
		    ex + nex, &want);
	names[0] = temp_file(c, split);
	if (two)
		names[1] = temp_file(c + split, n - split);
	spname = temp_file(NULL, 0);
	CHECK((sp = filesink_open(spname)) != NULL);
	memset(&cfg, 0, sizeof(cfg));
	cfg.line_max = line_max;
	cfg.spill = sp;
	streams[0] = names;
	CHECK((rd = rd_open(streams, 1, &cfg, &f)) != NULL);
	CHECK(rd_nstreams(rd) == 1);
	CHECK(rd_many_files(rd) == two);

	memcpy(wrap_seed, data + 1, 3);
	wrap_calls = 0;
	wrap_on = 1;
	for (k = 0;; ) {
		r = rd_next(rd, &l, -1, &f);
		if (r == RD_STREAM_END || r == RD_EOF || r == RD_ERROR)
			break;
		CHECK(r == RD_LINE || r == RD_OVERSIZE);
		if (k >= nex || r != ex[k].kind || l.lineno != ex[k].lineno) {
			fprintf(stderr, "reader: got %s line %lld, expected %s "
			    "line %lld (line_max %zu)\n",
			    r == RD_LINE ? "a" : "an oversize",
			    (long long)l.lineno, k >= nex ? "nothing" :
			    ex[k].kind == RD_LINE ? "a" : "an oversize",
			    k >= nex ? -1LL : (long long)ex[k].lineno,
			    line_max);
			abort();
		}
		if (r == RD_LINE) {
			CHECK(l.len == ex[k].len);
			CHECK(memcmp(l.p, ex[k].p, l.len) == 0);
			CHECK(l.stream == 0);
			CHECK(strcmp(l.file, names[ex[k].file]) == 0);
		}
		k++;
	}
	wrap_on = 0;
	CHECK(r == RD_STREAM_END);
	CHECK(k == nex);
	CHECK(rd_stream_ended(rd, 0));
	CHECK(rd_next(rd, &l, -1, &f) == RD_EOF);
	CHECK(rd_next(rd, &l, -1, &f) == RD_EOF);
	CHECK(rd_bytes(rd) == n);
	rd_free(rd);
	filesink_close(sp);

	CHECK((fd = open(spname, O_RDONLY)) != -1);
	while ((m = read(fd, tmp, sizeof(tmp))) > 0)
		buf_add(&got, tmp, (size_t)m);
	close(fd);
	/* Lax mode forgives a '\r' lost before a '\n' in the spill:
	 * regressions/reader/spill-drops-held-cr-before-crlf (open). */
	if (fuzz_lax()) {
		strip_cr(&got);
		strip_cr(&want);
	}
	if (got.len != want.len || (got.len > 0 &&
	    memcmp(got.data, want.data, got.len) != 0)) {
		fprintf(stderr, "spill: got %zu bytes, expected %zu\n",
		    got.len, want.len);
		abort();
	}
	CHECK(lowest_fd() == fd0);

	for (k = 0; k < 2; k++)
		if (names[k] != NULL) {
			unlink(names[k]);
			free(names[k]);
		}
	unlink(spname);
	free(spname);
	free(ex);
	buf_release(&want);
	buf_release(&got);
	return 0;
}
