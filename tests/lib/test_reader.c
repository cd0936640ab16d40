/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_reader.c - unit tests for lib/reader.c: line framing.
 *
 * The expectations are SPEC 1 and reader.h read literally: '\n' ends a
 * line and one '\r' before it is dropped; blank lines (spaces, tabs,
 * CRs) are skipped but keep their numbers; the last line may lack its
 * newline; line numbers start at 1 in each file; files of one stream are
 * read one after another, streams side by side, each ending with one
 * RD_STREAM_END, then RD_EOF.  A line longer than line_max (its ending
 * not counted) is RD_OVERSIZE with its number, and its bytes, less that
 * ending, plus '\n' go to the spill sink.  Input comes from temporary
 * files and from pipes (named as /dev/fd/N), written before reading or
 * by a child process while the reader waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "fault.h"
#include "filesink.h"
#include "reader.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define KB		1024
#define MB		(1024 * 1024)

static char tmpdir[256];
static int nfiles;
static char made[64][300];

static const char *
temp_file(const char *name, const void *p, size_t n)
{
	char *path = made[nfiles];
	int fd;

	if (nfiles == (int)NELEM(made) - 1) {
		fprintf(stderr, "test bug: too many temp files\n");
		abort();
	}
	snprintf(path, sizeof(made[0]), "%s/%s", tmpdir, name);
	nfiles++;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    (n > 0 && write(fd, p, n) != (ssize_t)n)) {
		perror(path);
		check_failures++;
	}
	if (fd != -1)
		close(fd);
	return path;
}

static void
cleanup(void)
{
	int i;

	for (i = 0; i < nfiles; i++)
		unlink(made[i]);
	rmdir(tmpdir);
}

static void
slurp(const char *path, struct buf *b)
{
	char tmp[65536];
	ssize_t n;
	int fd;

	buf_clear(b);
	if ((fd = open(path, O_RDONLY)) == -1)
		return;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_add(b, tmp, (size_t)n);
	close(fd);
}

/* Line text with \r, \t and other control bytes spelled out. */
static void
add_text(struct buf *b, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r')
			buf_adds(b, "\\r");
		else if (c == '\t')
			buf_adds(b, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(b, "\\x%02X", c);
		else
			buf_addc(b, (char)c);
	}
}

/*
 * Drain rd into a summary: "L<n>:<text>" per line, "O<n>" per oversize
 * line, "E<stream>" per stream end, "EOF", joined by '|'.  With names,
 * each line says which of them it came from ("@<index>").  With
 * only >= 0, only that stream's events are written.
 */
static void
drain(struct reader *rd, struct buf *b, const char *const *names,
    int only)
{
	struct line l;
	struct fault f;
	int r, i, guard = 0;

	buf_clear(b);
	for (;;) {
		fault_clear(&f);
		r = rd_next(rd, &l, -1, &f);
		if (r == RD_EOF) {
			buf_adds(b, "EOF");
			break;
		}
		if (++guard > 100000) {
			buf_adds(b, "LOOP");
			break;
		}
		if (only >= 0 && l.stream != only)
			continue;
		switch (r) {
		case RD_LINE:
			buf_printf(b, "L%lld:", (long long)l.lineno);
			add_text(b, l.p, l.len);
			if (names != NULL) {
				for (i = 0; names[i] != NULL; i++)
					if (strcmp(names[i], l.file) == 0)
						break;
				buf_printf(b, "@%d", names[i] ? i : -1);
			}
			break;
		case RD_OVERSIZE:
			buf_printf(b, "O%lld", (long long)l.lineno);
			break;
		case RD_STREAM_END:
			buf_printf(b, "E%d", l.stream);
			break;
		case RD_TIMEOUT:
			buf_adds(b, "T");
			break;
		default:
			buf_printf(b, "R%d(%s)", r, f.msg);
			break;
		}
		buf_addc(b, '|');
	}
	buf_cstr(b);
}

static struct reader *
open1(const char *const *files, size_t line_max, struct sink *spill)
{
	char **const streams[1] = { (char **)files };
	struct rd_config cfg;
	struct fault f;
	struct reader *rd;

	memset(&cfg, 0, sizeof(cfg));
	cfg.line_max = line_max;
	cfg.spill = spill;
	fault_clear(&f);
	if ((rd = rd_open(streams, 1, &cfg, &f)) == NULL) {
		fprintf(stderr, "rd_open: %s\n", f.msg);
		check_failures++;
	}
	return rd;
}

/* One file through a reader; its summary. */
static void
expect_file(const char *what, const char *content, size_t n,
    size_t line_max, const char *want)
{
	const char *files[2] = { NULL, NULL };
	struct reader *rd;
	struct buf b;

	files[0] = temp_file(what, content, n);
	buf_init(&b);
	if ((rd = open1(files, line_max, NULL)) == NULL)
		return;
	drain(rd, &b, NULL, -1);
	check_count++;
	if (strcmp(b.data, want) != 0) {
		check_failures++;
		fprintf(stderr, "%s: got  %s\n%*s  want %s\n", what, b.data,
		    (int)strlen(what), "", want);
	}
	CHECK_INT_EQ(rd_bytes(rd), n);
	rd_free(rd);
	buf_release(&b);
}

static void
test_framing(void)
{
	static const struct {
		const char	*name;
		const char	*content;
		const char	*want;
	} c[] = {
		{ "plain", "a\nb\nc\n", "L1:a|L2:b|L3:c|E0|EOF" },
		{ "crlf", "a\r\nb\r\n", "L1:a|L2:b|E0|EOF" },
		{ "mixed", "a\nb\r\nc\n", "L1:a|L2:b|L3:c|E0|EOF" },
		{ "blank", "a\n\n   \n\t\r\n\r\nb\n",
		    "L1:a|L6:b|E0|EOF" },
		{ "no-final-newline", "a\nlast", "L1:a|L2:last|E0|EOF" },
		{ "no-final-newline-cr", "a\r\nlast\r", "L1:a|L2:last|E0|EOF" },
		{ "only-newline", "\n", "E0|EOF" },
		{ "only-blank", "\n\n  \n\t\n", "E0|EOF" },
		{ "blank-last", "x\n   ", "L1:x|E0|EOF" },
		{ "inner-cr", "a\r\rb\n", "L1:a\\r\\rb|E0|EOF" },
		{ "two-cr", "a\r\r\n", "L1:a\\r|E0|EOF" },
		{ "cr-only-line", "\r\r\nz\n", "L2:z|E0|EOF" },
		{ "spaces-kept", "  a b  \n", "L1:  a b  |E0|EOF" },
		{ "form-feed-not-blank", "\f\n", "L1:\\x0C|E0|EOF" },
		{ "one", "{}", "L1:{}|E0|EOF" },
	};
	size_t i;

	for (i = 0; i < NELEM(c); i++)
		expect_file(c[i].name, c[i].content, strlen(c[i].content), 0,
		    c[i].want);
	expect_file("empty", "", 0, 0, "E0|EOF");
	expect_file("nul", "a\0b\n", 4, 0, "L1:a\\x00b|E0|EOF");
}

static void
test_many_files(void)
{
	const char *files[5];
	struct reader *rd;
	struct buf b;

	files[0] = temp_file("m1", "a\nb\n", 4);
	files[1] = temp_file("m2", "", 0);
	files[2] = temp_file("m3", "\nc\n\nd", 5);
	files[3] = temp_file("m4", "e", 1);
	files[4] = NULL;
	buf_init(&b);
	if ((rd = open1(files, 0, NULL)) == NULL)
		return;
	CHECK_INT_EQ(rd_many_files(rd), 1);
	CHECK_INT_EQ(rd_nstreams(rd), 1);
	drain(rd, &b, files, -1);
	CHECK_STR_EQ(b.data, "L1:a@0|L2:b@0|L2:c@2|L4:d@2|L1:e@3|E0|EOF");
	CHECK_INT_EQ(rd_bytes(rd), 10);
	CHECK_INT_EQ(rd_stream_ended(rd, 0), 1);
	rd_free(rd);

	/* A file without a final newline does not run into the next. */
	files[0] = temp_file("j1", "x", 1);
	files[1] = temp_file("j2", "y\n", 2);
	files[2] = NULL;
	if ((rd = open1(files, 0, NULL)) == NULL)
		return;
	drain(rd, &b, files, -1);
	CHECK_STR_EQ(b.data, "L1:x@0|L1:y@1|E0|EOF");
	rd_free(rd);

	/* One file: messages need not name it. */
	files[1] = NULL;
	if ((rd = open1(files, 0, NULL)) == NULL)
		return;
	CHECK_INT_EQ(rd_many_files(rd), 0);
	rd_free(rd);
	buf_release(&b);
}

static void
test_streams(void)
{
	const char *s0[3], *s1[2], *s2[2];
	char **const streams[3] = { (char **)s0, (char **)s1, (char **)s2 };
	struct rd_config cfg;
	struct fault f;
	struct reader *rd;
	struct line l;
	struct buf b;
	int r, ends[3] = { 0, 0, 0 }, eof = 0, order_ok = 1, k;

	s0[0] = temp_file("s0a", "a1\na2\n", 6);
	s0[1] = temp_file("s0b", "a3\n", 3);
	s0[2] = NULL;
	s1[0] = temp_file("s1", "b1\n\nb3\n", 7);
	s1[1] = NULL;
	s2[0] = temp_file("s2", "", 0);
	s2[1] = NULL;
	memset(&cfg, 0, sizeof(cfg));
	buf_init(&b);
	if ((rd = rd_open(streams, 3, &cfg, &f)) == NULL) {
		CHECK(0);
		return;
	}
	CHECK_INT_EQ(rd_nstreams(rd), 3);
	CHECK_INT_EQ(rd_many_files(rd), 1);
	drain(rd, &b, NULL, 0);
	CHECK_STR_EQ(b.data, "L1:a1|L2:a2|L1:a3|E0|EOF");
	rd_free(rd);
	if ((rd = rd_open(streams, 3, &cfg, &f)) == NULL)
		return;
	drain(rd, &b, NULL, 1);
	CHECK_STR_EQ(b.data, "L1:b1|L3:b3|E1|EOF");
	rd_free(rd);

	/* Each stream ends once, after its lines; RD_EOF after all. */
	if ((rd = rd_open(streams, 3, &cfg, &f)) == NULL)
		return;
	for (k = 0; k < 100; k++) {
		r = rd_next(rd, &l, -1, &f);
		if (r == RD_EOF) {
			eof++;
			break;
		}
		if (r == RD_STREAM_END) {
			ends[l.stream]++;
			CHECK_INT_EQ(rd_stream_ended(rd, l.stream), 1);
		} else if (r == RD_LINE && ends[l.stream] > 0) {
			order_ok = 0;
		}
	}
	CHECK_INT_EQ(eof, 1);
	CHECK(ends[0] == 1 && ends[1] == 1 && ends[2] == 1);
	CHECK(order_ok);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_EOF);
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_EOF);
	CHECK_INT_EQ(rd_bytes(rd), 16);
	rd_free(rd);
	buf_release(&b);
}

static void
test_missing(void)
{
	const char *files[3];
	char **const streams[1] = { (char **)files };
	struct rd_config cfg;
	struct fault f;

	memset(&cfg, 0, sizeof(cfg));
	files[0] = "/nonexistent/streamkit-test-file";
	files[1] = NULL;
	fault_clear(&f);
	CHECK(rd_open(streams, 1, &cfg, &f) == NULL);
	CHECK_INT_EQ(f.code, EX_NOINPUT);
	CHECK(strstr(f.msg, "/nonexistent/streamkit-test-file") != NULL);
	/* A missing file later in the list is found at once too. */
	files[0] = temp_file("present", "a\n", 2);
	files[1] = "/nonexistent/second";
	files[2] = NULL;
	fault_clear(&f);
	CHECK(rd_open(streams, 1, &cfg, &f) == NULL);
	CHECK_INT_EQ(f.code, EX_NOINPUT);
}

/* --- line_max and the spill sink --- */

static void
expect_spill(const char *what, const char *content, size_t n,
    size_t line_max, const char *want, const char *want_spill,
    size_t spill_len)
{
	const char *files[2] = { NULL, NULL };
	char spname[320];
	struct reader *rd;
	struct sink *sp;
	struct buf b, got;

	files[0] = temp_file(what, content, n);
	snprintf(spname, sizeof(spname), "%s-spill", what);
	snprintf(spname, sizeof(spname), "%s", temp_file(spname, "", 0));
	buf_init(&b);
	buf_init(&got);
	if ((sp = filesink_open(spname)) == NULL) {
		CHECK(0);
		return;
	}
	if ((rd = open1(files, line_max, sp)) == NULL)
		return;
	drain(rd, &b, NULL, -1);
	rd_free(rd);
	filesink_close(sp);
	slurp(spname, &got);
	check_count++;
	if (strcmp(b.data, want) != 0) {
		check_failures++;
		fprintf(stderr, "%s: got  %s\n%*s  want %s\n", what, b.data,
		    (int)strlen(what), "", want);
	}
	check_count++;
	if (got.len != spill_len || (spill_len > 0 &&
	    memcmp(got.data, want_spill, spill_len) != 0)) {
		check_failures++;
		buf_clear(&b);
		add_text(&b, got.data, got.len);
		buf_cstr(&b);
		fprintf(stderr, "%s: spill got \"%s\" (%zu bytes), want %zu "
		    "bytes\n", what, b.data, got.len, spill_len);
	}
	buf_release(&b);
	buf_release(&got);
}

static void
test_line_max(void)
{
	static const char in[] = "0123456789\n0123456789A\nok\n"
	    "0123456789\r\n0123456789ABC\r\nx\n0123456789AB";
	static const char sp[] = "0123456789A\n0123456789ABC\n"
	    "0123456789AB\n";

	expect_spill("max", in, sizeof(in) - 1, 10,
	    "L1:0123456789|O2|L3:ok|L4:0123456789|O5|L6:x|O7|E0|EOF", sp,
	    sizeof(sp) - 1);
	/* A last line ending in a lone '\r': that '\r' is its ending. */
	expect_spill("max-cr-last", "aaaaaaaa\r", 9, 4, "O1|E0|EOF",
	    "aaaaaaaa\n", 9);
	expect_spill("max-cr-last-fits", "aaaa\r", 5, 4, "L1:aaaa|E0|EOF",
	    "", 0);
	/* A line whose own last byte is '\r', then the "\r\n" ending. */
	expect_spill("max-own-cr", "xxxxxxxx\r\r\nok\n", 14, 4,
	    "O1|L2:ok|E0|EOF", "xxxxxxxx\r\n", 10);
	/* line_max 1: every longer line is out, blank ones are skipped. */
	expect_spill("max-one", "a\nbb\n\n c\n", 9, 1, "L1:a|O2|O4|E0|EOF",
	    "bb\n c\n", 6);
}

/* Lines longer than one read(2) and than the initial buffer. */
static void
test_long_lines(void)
{
	size_t big = 3 * MB / 2, n;
	char *content = malloc(big + 64), spname[320];
	const char *files[2] = { NULL, NULL };
	struct reader *rd;
	struct sink *sp;
	struct fault f;
	struct line l;
	struct buf got;
	size_t i;
	int r, ok;

	if (content == NULL)
		return;
	memcpy(content, "first\n", 6);
	for (i = 0; i < big; i++)
		content[6 + i] = (char)('a' + i % 26);
	memcpy(content + 6 + big, "\r\nafter\n", 8);
	n = 6 + big + 8;
	files[0] = temp_file("long", content, n);
	if ((rd = open1(files, 0, NULL)) == NULL)
		return;
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_LINE);
	CHECK(l.len == 5 && memcmp(l.p, "first", 5) == 0);
	r = rd_next(rd, &l, -1, &f);
	CHECK_INT_EQ(r, RD_LINE);
	CHECK_INT_EQ(l.lineno, 2);
	CHECK_INT_EQ(l.len, big);
	ok = r == RD_LINE && l.len == big &&
	    memcmp(l.p, content + 6, big) == 0;
	CHECK(ok);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_LINE);
	CHECK(l.len == 5 && memcmp(l.p, "after", 5) == 0 && l.lineno == 3);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_STREAM_END);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_EOF);
	CHECK_INT_EQ(rd_bytes(rd), n);
	rd_free(rd);

	/* Exactly line_max bytes, far past the buffer, is still a line. */
	if ((rd = open1(files, big, NULL)) == NULL)
		return;
	rd_next(rd, &l, -1, &f);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_LINE);
	CHECK_INT_EQ(l.len, big);
	rd_free(rd);

	/* One byte over: oversize, spilled whole, and the next is fine. */
	snprintf(spname, sizeof(spname), "%s", temp_file("long-spill", "",
	    0));
	if ((sp = filesink_open(spname)) == NULL)
		return;
	if ((rd = open1(files, big - 1, sp)) == NULL)
		return;
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_LINE);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_OVERSIZE);
	CHECK_INT_EQ(l.lineno, 2);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_LINE);
	CHECK(l.len == 5 && memcmp(l.p, "after", 5) == 0 && l.lineno == 3);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_STREAM_END);
	rd_free(rd);
	filesink_close(sp);
	buf_init(&got);
	slurp(spname, &got);
	CHECK_INT_EQ(got.len, big + 1);
	CHECK(got.len == big + 1 && memcmp(got.data, content + 6, big) == 0 &&
	    got.data[big] == '\n');

	/* A small limit with a huge line: bounded, reported once. */
	snprintf(spname, sizeof(spname), "%s", temp_file("long-spill2", "",
	    0));
	if ((sp = filesink_open(spname)) == NULL)
		return;
	if ((rd = open1(files, 300 * KB, sp)) == NULL)
		return;
	drain(rd, &got, NULL, -1);
	CHECK_STR_EQ(got.data, "L1:first|O2|L3:after|E0|EOF");
	rd_free(rd);
	filesink_close(sp);
	slurp(spname, &got);
	CHECK_INT_EQ(got.len, big + 1);
	buf_release(&got);
	free(content);
}

/* --- pipes --- */

static int flushes;

static void
count_flush(void *arg)
{
	(void)arg;
	flushes++;
}

static int
put(int fd, const char *s)
{
	size_t n = strlen(s);

	return write(fd, s, n) == (ssize_t)n ? 0 : -1;
}

static void
test_pipe(void)
{
	char name[32], spname[320];
	const char *files[2] = { name, NULL };
	char **const streams[1] = { (char **)files };
	struct rd_config cfg;
	struct reader *rd;
	struct sink *sp;
	struct fault f;
	struct line l;
	struct buf got;
	int p[2];

	if (pipe(p) == -1) {
		CHECK(0);
		return;
	}
	snprintf(name, sizeof(name), "/dev/fd/%d", p[0]);
	snprintf(spname, sizeof(spname), "%s", temp_file("pipe-spill", "",
	    0));
	if ((sp = filesink_open(spname)) == NULL)
		return;
	memset(&cfg, 0, sizeof(cfg));
	cfg.line_max = 10;
	cfg.flush = count_flush;
	cfg.spill = sp;
	if ((rd = rd_open(streams, 1, &cfg, &f)) == NULL) {
		fprintf(stderr, "rd_open(%s): %s\n", name, f.msg);
		CHECK(0);
		return;
	}
	close(p[0]);
	put(p[1], "one\ntwo\n");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_LINE);
	CHECK(l.len == 3 && memcmp(l.p, "one", 3) == 0 && l.lineno == 1);
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_LINE);
	CHECK(l.len == 3 && memcmp(l.p, "two", 3) == 0 && l.lineno == 2);
	/* Nothing more yet: a timeout, not an end. */
	flushes = 0;
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_TIMEOUT);
	CHECK_INT_EQ(rd_next(rd, &l, 20, &f), RD_TIMEOUT);
	CHECK(flushes >= 1);
	/* Half a line is not a line. */
	put(p[1], "thr");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_TIMEOUT);
	put(p[1], "ee\n");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_LINE);
	CHECK(l.len == 5 && memcmp(l.p, "three", 5) == 0 && l.lineno == 3);
	/* line_max bytes, then the '\r' and the '\n' in separate reads. */
	put(p[1], "0123456789\r");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_TIMEOUT);
	put(p[1], "\n");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_LINE);
	CHECK(l.len == 10 && memcmp(l.p, "0123456789", 10) == 0);
	CHECK_INT_EQ(l.lineno, 4);
	/* An oversize line that arrives in pieces, its "\r\n" split. */
	put(p[1], "abcdefghijkl");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_TIMEOUT);
	put(p[1], "mn\r");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_TIMEOUT);
	put(p[1], "\nfour\n");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_OVERSIZE);
	CHECK_INT_EQ(l.lineno, 5);
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_LINE);
	CHECK(l.len == 4 && memcmp(l.p, "four", 4) == 0 && l.lineno == 6);
	/* A '\r' that turns out not to end the line counts. */
	put(p[1], "0123456789\r");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_TIMEOUT);
	put(p[1], "X\n");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_OVERSIZE);
	CHECK_INT_EQ(l.lineno, 7);
	put(p[1], "01234567890");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_TIMEOUT);
	put(p[1], "\r");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_TIMEOUT);
	put(p[1], "Y\n");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_OVERSIZE);
	CHECK_INT_EQ(l.lineno, 8);
	put(p[1], "01234567890");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_TIMEOUT);
	put(p[1], "\r");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_TIMEOUT);
	put(p[1], "\n");
	CHECK_INT_EQ(rd_next(rd, &l, 0, &f), RD_OVERSIZE);
	CHECK_INT_EQ(l.lineno, 9);
	/* The last line lacks its newline; closing ends the stream. */
	put(p[1], "\nlast");
	close(p[1]);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_LINE);
	CHECK(l.len == 4 && memcmp(l.p, "last", 4) == 0 && l.lineno == 11);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_STREAM_END);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_EOF);
	rd_free(rd);
	filesink_close(sp);
	buf_init(&got);
	slurp(spname, &got);
	{
		static const char want[] = "abcdefghijklmn\n"
		    "0123456789\rX\n" "01234567890\rY\n" "01234567890\n";

		CHECK(got.len == sizeof(want) - 1 &&
		    memcmp(got.data, want, got.len) == 0);
	}
	buf_release(&got);
}

/*
 * The wake pipe ends a wait for ever (timeout -1) on a quiet input, is
 * drained, and leaves the input's lines where they were.
 */
static void
test_wake(void)
{
	char name[32];
	const char *files[2] = { name, NULL };
	char **const streams[1] = { (char **)files };
	struct rd_config cfg;
	struct reader *rd;
	struct fault f;
	struct line l;
	int p[2], w[2];

	if (pipe(p) == -1 || pipe2(w, O_NONBLOCK) == -1) {
		CHECK(0);
		return;
	}
	snprintf(name, sizeof(name), "/dev/fd/%d", p[0]);
	memset(&cfg, 0, sizeof(cfg));
	cfg.wake_fd = w[0];
	if ((rd = rd_open(streams, 1, &cfg, &f)) == NULL) {
		CHECK(0);
		return;
	}
	close(p[0]);
	put(w[1], "xy");
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_TIMEOUT);
	/* Drained: the next wait times out on its own. */
	CHECK_INT_EQ(rd_next(rd, &l, 10, &f), RD_TIMEOUT);
	put(p[1], "one\n");
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_LINE);
	CHECK(l.len == 3 && memcmp(l.p, "one", 3) == 0);
	put(w[1], "x");
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_TIMEOUT);
	close(p[1]);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_STREAM_END);
	CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_EOF);
	rd_free(rd);
	close(w[0]);
	close(w[1]);
}

/* A writer process feeds a pipe in odd-sized pieces while we read. */
static void
writer(int fd, int nlines)
{
	char *all = malloc((size_t)nlines * 40 + 1);
	size_t n = 0, off = 0, step;
	unsigned seed = 12345;
	int i;

	if (all == NULL)
		_exit(2);
	for (i = 1; i <= nlines; i++)
		n += (size_t)sprintf(all + n, i % 10 == 0 ? "\n" :
		    i % 3 == 0 ? "{\"n\":%d}\r\n" : "{\"n\":%d}\n", i);
	while (off < n) {
		seed = seed * 1103515245 + 12345;
		step = 1 + (seed >> 16) % 700;
		if (step > n - off)
			step = n - off;
		if (write(fd, all + off, step) != (ssize_t)step)
			_exit(3);
		off += step;
		if ((seed >> 8) % 16 == 0)
			usleep(1000);
	}
	free(all);
	_exit(0);
}

static void
test_pipe_writer(void)
{
	char name[32];
	const char *files[2] = { name, NULL };
	char **streams[2] = { (char **)files, NULL };
	const char *other[2] = { NULL, NULL };
	struct rd_config cfg;
	struct reader *rd;
	struct fault f;
	struct line l;
	char want[64];
	int p[2], r, st, bad = 0, seen = 0, next = 1, others = 0;
	int nlines = 20000;
	pid_t pid;

	if (pipe(p) == -1) {
		CHECK(0);
		return;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == 0) {
		close(p[0]);
		writer(p[1], nlines);
	}
	close(p[1]);
	snprintf(name, sizeof(name), "/dev/fd/%d", p[0]);
	/* A second stream, a plain file, read side by side. */
	other[0] = temp_file("beside", "x\ny\n", 4);
	streams[1] = (char **)other;
	memset(&cfg, 0, sizeof(cfg));
	if ((rd = rd_open(streams, 2, &cfg, &f)) == NULL) {
		CHECK(0);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return;
	}
	close(p[0]);
	while ((r = rd_next(rd, &l, -1, &f)) != RD_EOF) {
		if (r == RD_STREAM_END)
			continue;
		if (r != RD_LINE) {
			bad++;
			break;
		}
		if (l.stream == 1) {
			others++;
			continue;
		}
		while (next % 10 == 0)
			next++;
		snprintf(want, sizeof(want), "{\"n\":%d}", next);
		if (l.lineno != next || l.len != strlen(want) ||
		    memcmp(l.p, want, l.len) != 0) {
			if (bad++ < 3)
				fprintf(stderr, "pipe line %lld: \"%.*s\", "
				    "want line %d \"%s\"\n",
				    (long long)l.lineno, (int)l.len, l.p, next,
				    want);
		}
		next++;
		seen++;
	}
	CHECK_INT_EQ(bad, 0);
	CHECK_INT_EQ(seen, nlines - nlines / 10);
	CHECK_INT_EQ(others, 2);
	CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0);
	rd_free(rd);
}

/* The order rd_next() gives: "0:a1|1:b1|E1|...|EOF". */
static void
order(struct reader *rd, struct buf *b)
{
	struct fault f;
	struct line l;
	char t[64];
	int r, k;

	buf_clear(b);
	for (k = 0; k < 100; k++) {
		r = rd_next(rd, &l, -1, &f);
		if (r == RD_EOF)
			break;
		if (r == RD_STREAM_END)
			snprintf(t, sizeof(t), "E%d|", l.stream);
		else if (r == RD_LINE)
			snprintf(t, sizeof(t), "%d:%.*s|", l.stream,
			    (int)l.len, l.p);
		else
			snprintf(t, sizeof(t), "?%d|", r);
		buf_adds(b, t);
	}
	buf_adds(b, "EOF");
	buf_addc(b, '\0');
}

/*
 * rd_first(): a regular file's stream is read to its end before the
 * others are read at all; a pipe's is not waited for.
 */
static void
test_first(void)
{
	const char *s0[2], *s1[2];
	char **const streams[2] = { (char **)s0, (char **)s1 };
	char name[32];
	struct rd_config cfg;
	struct fault f;
	struct reader *rd;
	struct line l;
	struct buf b;
	int p[2];

	s0[0] = temp_file("f0", "a1\na2\na3\n", 9);
	s0[1] = NULL;
	s1[0] = temp_file("f1", "b1\nb2\n", 6);
	s1[1] = NULL;
	memset(&cfg, 0, sizeof(cfg));
	buf_init(&b);
	if ((rd = rd_open(streams, 2, &cfg, &f)) == NULL) {
		CHECK(0);
		return;
	}
	order(rd, &b);
	CHECK_STR_EQ(b.data, "0:a1|1:b1|0:a2|1:b2|0:a3|E1|E0|EOF");
	rd_free(rd);
	if ((rd = rd_open(streams, 2, &cfg, &f)) == NULL) {
		CHECK(0);
		return;
	}
	rd_first(rd, 1);
	order(rd, &b);
	CHECK_STR_EQ(b.data, "1:b1|1:b2|E1|0:a1|0:a2|0:a3|E0|EOF");
	rd_free(rd);

	/* A pipe that never ends: the file beside it is read all the same. */
	if (pipe(p) == -1) {
		CHECK(0);
		return;
	}
	snprintf(name, sizeof(name), "/dev/fd/%d", p[0]);
	s1[0] = name;
	if ((rd = rd_open(streams, 2, &cfg, &f)) == NULL) {
		CHECK(0);
		close(p[0]);
		close(p[1]);
		return;
	}
	close(p[0]);
	rd_first(rd, 1);
	CHECK_INT_EQ(rd_next(rd, &l, 1000, &f), RD_LINE);
	CHECK_INT_EQ(l.stream, 0);
	close(p[1]);
	rd_free(rd);
	buf_release(&b);
}

/* "-" and the empty list both mean stdin. */
static void
test_stdin(void)
{
	const char *dash[2] = { "-", NULL };
	const char *none[1] = { NULL };
	const char *const *lists[2] = { dash, none };
	struct rd_config cfg;
	struct reader *rd;
	struct fault f;
	struct line l;
	int p[2], saved, k;

	memset(&cfg, 0, sizeof(cfg));
	for (k = 0; k < 2; k++) {
		char **const streams[1] = { (char **)lists[k] };

		if (pipe(p) == -1 || (saved = dup(0)) == -1) {
			CHECK(0);
			return;
		}
		dup2(p[0], 0);
		close(p[0]);
		put(p[1], "in\n");
		close(p[1]);
		if ((rd = rd_open(streams, 1, &cfg, &f)) != NULL) {
			CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_LINE);
			CHECK(l.len == 2 && memcmp(l.p, "in", 2) == 0);
			CHECK_STR_EQ(l.file, "-");
			CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_STREAM_END);
			CHECK_INT_EQ(rd_next(rd, &l, -1, &f), RD_EOF);
			rd_free(rd);
		} else {
			CHECK(0);
		}
		dup2(saved, 0);
		close(saved);
	}
}

int
main(void)
{
	const char *base = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/sk-test-reader.XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_framing();
	test_many_files();
	test_streams();
	test_missing();
	test_line_max();
	test_long_lines();
	test_pipe();
	test_wake();
	test_pipe_writer();
	test_first();
	test_stdin();
	cleanup();
	return check_done("test_reader");
}
