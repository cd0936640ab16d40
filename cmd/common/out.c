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
