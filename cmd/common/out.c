/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * out.c - buffered record output with full-write and error discipline.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "fault.h"
#include "out.h"
#include "xmalloc.h"

static void
drain(struct sink *s)
{
	out_flush((struct out *)(void *)s);
}

static struct out stdout_out = {
	.s = { .drain = drain }, .fd = 1, .name = "stdout"
};
struct out *out_stdout = &stdout_out;

static void
default_on_error(struct out *o, int err)
{
	(void)o;
	(void)err;
}

void (*out_on_error)(struct out *, int) = default_on_error;
const volatile sig_atomic_t *out_stop;

static int64_t stall_deadline_ms;

/*
 * The tool is stopping (SIGTERM, SIGINT) and a write was interrupted or
 * is due: wait for room with poll(), at most until OUT_STALL_MS after the
 * stop was first seen, then write no more than a pipe takes without
 * blocking.  Returns the bytes written, or -1 with errno (OUT_STALLED
 * when the time is up).
 */
static ssize_t
write_stopping(struct out *o, const char *p, size_t n)
{
	struct pollfd pf = { .fd = o->fd, .events = POLLOUT };
	int64_t now = clock_mono_ms(), left;
	int r;

	if (stall_deadline_ms == 0)
		stall_deadline_ms = now + OUT_STALL_MS;
	for (;;) {
		left = stall_deadline_ms - now;
		if (left <= 0) {
			errno = OUT_STALLED;
			return -1;
		}
		r = poll(&pf, 1, (int)left);
		if (r > 0)
			break;
		if (r == -1 && errno != EINTR)
			return -1;
		now = clock_mono_ms();
	}
	return write(o->fd, p, n < PIPE_BUF ? n : PIPE_BUF);
}

void
out_init_stdout(void)
{
	buf_reserve(&stdout_out.s.b, SINK_DRAIN_AT * 2);
}

struct out *
out_open(const char *path, struct fault *f)
{
	struct out *o;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
	if (fd == -1)
		return fault_null(f, EX_CANTCREAT, "cannot open %s: %s", path,
		    strerror(errno));
	o = xcalloc(1, sizeof(*o));
	o->s.drain = drain;
	o->fd = fd;
	o->name = path;
	return o;
}

int
out_flush(struct out *o)
{
	struct buf *b = &o->s.b;
	size_t off = 0, k;
	ssize_t n;

	if (o->pad > 0 && b->len > 0 && b->data[b->len - 1] == '\n' &&
	    (k = (o->pad - (o->bytes + b->len) % o->pad) % o->pad) > 0) {
		buf_reserve(b, k);
		memset(b->data + b->len - 1, ' ', k);
		b->len += k;
		b->data[b->len - 1] = '\n';
	}
	while (off < b->len) {
		if (out_stop != NULL && *out_stop)
			n = write_stopping(o, b->data + off, b->len - off);
		else
			n = write(o->fd, b->data + off, b->len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			b->len = 0;
			out_on_error(o, errno);
			return -1;
		}
		off += (size_t)n;
	}
	o->bytes += off;
	b->len = 0;
	return 0;
}

/*
 * A regular file's bytes reach the disk (fdatasync) before a snapshot
 * that accounts for them is written; pipes and terminals have no disk.
 */
int
out_sync(struct out *o)
{
	struct stat st;

	if (out_flush(o) == -1)
		return -1;
	if (fstat(o->fd, &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	while (fdatasync(o->fd) == -1) {
		if (errno == EINTR)
			continue;
		out_on_error(o, errno);
		return -1;
	}
	return 0;
}

void
out_close(struct out *o)
{
	if (o == NULL)
		return;
	out_flush(o);
	if (o != out_stdout) {
		close(o->fd);
		buf_release(&o->s.b);
		free(o);
	}
}
