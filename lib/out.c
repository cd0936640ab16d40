/*
 * out.c - buffered record output with full-write and error discipline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fault.h"
#include "out.h"
#include "xmalloc.h"

static struct out stdout_out = { .fd = 1, .name = "stdout" };
struct out *out_stdout = &stdout_out;

static void
default_on_error(struct out *o, int err)
{
	(void)o;
	(void)err;
}

void (*out_on_error)(struct out *, int) = default_on_error;

void
out_init_stdout(void)
{
	buf_reserve(&stdout_out.b, OUT_FLUSH_AT * 2);
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
	o->fd = fd;
	o->name = path;
	return o;
}

int
out_flush(struct out *o)
{
	size_t off = 0;
	ssize_t n;

	while (off < o->b.len) {
		n = write(o->fd, o->b.data + off, o->b.len - off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			o->b.len = 0;
			out_on_error(o, errno);
			return -1;
		}
		off += (size_t)n;
	}
	o->bytes += off;
	o->b.len = 0;
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
		buf_release(&o->b);
		free(o);
	}
}

void
out_commit(struct out *o)
{
	o->records++;
	if (o->b.len >= OUT_FLUSH_AT)
		out_flush(o);
}

void
out_line(struct out *o, const char *p, size_t n)
{
	struct buf *b = &o->b;

	if (b->cap - b->len <= n + 1)
		buf_reserve(b, n + 1);
	memcpy(b->data + b->len, p, n);
	b->data[b->len + n] = '\n';
	b->len += n + 1;
	out_commit(o);
}
