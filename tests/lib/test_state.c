/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * test_state.c - snapshots written and read back through state.h alone.
 *
 * A tool gives the state module its sections as struct state_part; here
 * two fake parts ("alpha" with some text, "beta" empty) stand for the
 * source and the tool.  The expected file is written out by hand from
 * SPEC 6 (format line, "@NAME LEN" sections, "@crc" last), its CRC-32
 * worked out with another implementation (Python's zlib.crc32).  Then
 * damaged snapshots: truncated at every length, a byte changed, another
 * tool, other options, a missing section, a part that refuses its text;
 * each is refused with exit 78 (EX_CONFIG) and left as it was.  And the
 * lock: a second holder gets 75 (EX_TEMPFAIL).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "hash.h"
#include "buf.h"
#include "check.h"
#include "fault.h"
#include "state.h"

/* A part: what it saves, what it was given back, how often. */
struct fake {
	const char	*text;
	struct buf	 got;
	int		 loads;
	int		 refuse;	/* load fails with this code */
};

static void
fake_save(void *ctx, struct buf *b)
{
	struct fake *k = ctx;

	buf_adds(b, k->text);
}

static int
fake_load(void *ctx, const char *p, size_t n, struct fault *f)
{
	struct fake *k = ctx;

	k->loads++;
	if (k->refuse != 0)
		return fault_set(f, k->refuse, "refused %zu bytes", n);
	buf_clear(&k->got);
	buf_add(&k->got, p, n);
	buf_cstr(&k->got);
	return 0;
}

static char dir[] = "/tmp/sk-test-state.XXXXXX";
static char path[256];
static struct fake alpha, beta;
static struct state_part parts[2];

static const char want_file[] = "streamkit-state 1\n"
    "@tool 9\ntest-tool\n"
    "@fingerprint 6\nby=.a\n\n"
    "@alpha 5\nhello\n"
    "@beta 0\n\n"
    "@crc b4abadbf\n";

static void
config(struct state_config *c, const char *tool, const char *fp)
{
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->tool = tool;
	c->fingerprint = fp;
	c->fingerprint_len = strlen(fp);
	c->parts = parts;
	c->nparts = 2;
}

static void
reset_fakes(void)
{
	alpha.loads = beta.loads = 0;
	alpha.refuse = beta.refuse = 0;
	buf_clear(&alpha.got);
	buf_clear(&beta.got);
}

static void
slurp(const char *p, struct buf *b)
{
	char chunk[4096];
	ssize_t n;
	int fd;

	buf_clear(b);
	if ((fd = open(p, O_RDONLY)) == -1)
		return;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(b, chunk, (size_t)n);
	close(fd);
}

static void
put_file(const char *p, const char *d, size_t n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd == -1 || write(fd, d, n) != (ssize_t)n)
		CHECK(0);
	if (fd != -1)
		close(fd);
}

/* state_open() on the current file must fail: code, and a word of why. */
static void
refused(const char *tool, const char *fp, int code, const char *why)
{
	struct state_config c;
	struct fault f;
	struct state *st;
	struct buf before, after;

	buf_init(&before);
	buf_init(&after);
	slurp(path, &before);
	config(&c, tool, fp);
	st = state_open(&c, &f);
	CHECK(st == NULL);
	state_close(st);
	CHECK_INT_EQ(f.code, code);
	if (strstr(f.msg, why) == NULL) {
		check_failures++;
		fprintf(stderr, "fault \"%s\" lacks \"%s\"\n", f.msg, why);
	}
	check_count++;
	slurp(path, &after);
	CHECK(before.len == after.len && (before.len == 0 ||
	    memcmp(before.data, after.data, before.len) == 0));
	buf_release(&before);
	buf_release(&after);
}

static void
test_crc(void)
{
	/* The CRC-32 check value of "123456789". */
	CHECK_INT_EQ(hash_crc32(0, "123456789", 9), 0xCBF43926u);
	CHECK_INT_EQ(hash_crc32(0, "", 0), 0);
	/* In two pieces, the same. */
	CHECK_INT_EQ(hash_crc32(hash_crc32(0, "1234", 4), "56789", 5),
	    0xCBF43926u);
}

static void
test_save_restore(void)
{
	struct state_config c;
	struct fault f;
	struct state *st;
	struct buf file;

	buf_init(&file);
	reset_fakes();
	config(&c, "test-tool", "by=.a\n");
	/* No file yet: nothing to restore. */
	st = state_open(&c, &f);
	CHECK(st != NULL);
	CHECK_INT_EQ(alpha.loads + beta.loads, 0);
	CHECK_INT_EQ(state_checkpoint(st, &f), 0);
	CHECK_INT_EQ(state_size(st), sizeof(want_file) - 1);
	/* The lock is held while st lives. */
	refused("test-tool", "by=.a\n", EX_TEMPFAIL, "in use by another");
	state_close(st);
	slurp(path, &file);
	CHECK_STR_EQ(buf_cstr(&file), want_file);
	CHECK_INT_EQ(state_check(file.data, file.len, &f), 0);

	/* Restored, each part gets its section's text. */
	st = state_open(&c, &f);
	CHECK(st != NULL);
	CHECK_INT_EQ(alpha.loads, 1);
	CHECK_INT_EQ(beta.loads, 1);
	CHECK_STR_EQ(alpha.got.data, "hello");
	CHECK_INT_EQ(beta.got.len, 0);
	state_close(st);

	/* --state-reset: the file is not read. */
	reset_fakes();
	c.reset = 1;
	st = state_open(&c, &f);
	CHECK(st != NULL);
	CHECK_INT_EQ(alpha.loads + beta.loads, 0);
	state_close(st);
	buf_release(&file);
}

static void
test_damaged(void)
{
	struct buf good, bad;
	struct fault f;
	size_t n;

	buf_init(&good);
	buf_init(&bad);
	slurp(path, &good);
	CHECK_INT_EQ(good.len, sizeof(want_file) - 1);

	/* Truncated anywhere, it is refused and kept. */
	for (n = 0; n < good.len; n++) {
		put_file(path, good.data, n);
		refused("test-tool", "by=.a\n", EX_CONFIG, "is unusable");
		CHECK_INT_EQ(state_check(good.data, n, &f), -1);
	}

	/* One byte of a section changed: the checksum says so. */
	buf_clear(&bad);
	buf_add(&bad, good.data, good.len);
	bad.data[strstr(want_file, "hello") - want_file] = 'j';
	put_file(path, bad.data, bad.len);
	refused("test-tool", "by=.a\n", EX_CONFIG, "checksum mismatch");

	/* Whole, but another tool's, or other options. */
	put_file(path, good.data, good.len);
	refused("other-tool", "by=.a\n", EX_CONFIG, "written by test-tool");
	refused("test-tool", "by=.b\n", EX_CONFIG,
	    "by=.a there, by=.b now");

	/* A part refuses its text: unusable, naming the part. */
	reset_fakes();
	beta.refuse = EX_DATAERR;
	refused("test-tool", "by=.a\n", EX_CONFIG, "beta section: refused 0");
	/* EX_CONFIG from a part passes as it is. */
	reset_fakes();
	alpha.refuse = EX_CONFIG;
	refused("test-tool", "by=.a\n", EX_CONFIG, "refused 5 bytes");
	CHECK_INT_EQ(beta.loads, 0);
	reset_fakes();
	buf_release(&good);
	buf_release(&bad);
}

/* A snapshot without a section some part needs. */
static void
test_missing_part(void)
{
	static const char head[] = "streamkit-state 1\n"
	    "@tool 9\ntest-tool\n"
	    "@fingerprint 6\nby=.a\n\n"
	    "@alpha 5\nhello\n";
	char text[256];
	int n;

	n = snprintf(text, sizeof(text), "%s@crc %08x\n", head,
	    hash_crc32(0, head, sizeof(head) - 1));
	put_file(path, text, (size_t)n);
	refused("test-tool", "by=.a\n", EX_CONFIG, "no beta section");
}

int
main(void)
{
	char lock[300];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/snap", dir);
	alpha.text = "hello";
	beta.text = "";
	buf_init(&alpha.got);
	buf_init(&beta.got);
	parts[0] = (struct state_part){ "alpha", "alpha section", fake_save,
	    fake_load, &alpha };
	parts[1] = (struct state_part){ "beta", "beta section", fake_save,
	    fake_load, &beta };
	test_crc();
	test_save_restore();
	test_damaged();
	test_missing_part();
	buf_release(&alpha.got);
	buf_release(&beta.got);
	snprintf(lock, sizeof(lock), "%s.lock", path);
	unlink(path);
	unlink(lock);
	rmdir(dir);
	return check_done("test_state");
}
