/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * diag.c - the only place that writes messages to stderr.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "diag.h"
#include "out.h"
#include "xmalloc.h"

static const char *progname = "streamkit";
static int strict;
static int quiet_bad;
static uint64_t bad_count;
static void (*exit_hook)(void);
static void (*erase_hook)(void);

void
diag_set_erase(void (*fn)(void))
{
	erase_hook = fn;
}

void
diag_erase(void)
{
	if (erase_hook != NULL)
		erase_hook();
}

/*
 * A closed stdout (`| head`) ends the tool the Unix way: quietly, by
 * SIGPIPE, without a checkpoint of output that never arrived.  Any other
 * failed write is exit 74 naming the file.
 */
static void
on_write_error(struct out *o, int err)
{
	if (err == EPIPE && o == out_stdout) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
		_exit(EX_IOERR);
	}
	exit_hook = NULL;
	diag_erase();
	if (err == OUT_STALLED)
		fprintf(stderr, "%s: %s: output stalled for %d s after the "
		    "stop signal: exiting without a checkpoint (the previous "
		    "snapshot stands)\n", progname, o->name,
		    OUT_STALL_MS / 1000);
	else
		fprintf(stderr, "%s: write %s: %s\n", progname, o->name,
		    strerror(err));
	exit(EX_IOERR);
}

/*
 * Memory ran out somewhere (xmalloc.h): write out what is already in
 * stdout's buffer, which needs no memory, then say so and exit 70.
 */
static void
on_oom(size_t n)
{
	static int once;

	(void)n;
	if (!once++)
		out_flush(out_stdout);
	diag_erase();
	fprintf(stderr, "%s: out of memory\n", progname);
	_exit(EX_SOFTWARE);
}

void
diag_init(const char *name)
{
	progname = name;
	out_on_error = on_write_error;
	xmalloc_set_oom(on_oom);
	/* A file size limit (ulimit -f) is a write error, not a death. */
	signal(SIGXFSZ, SIG_IGN);
	out_init_stdout();
}

const char *
diag_progname(void)
{
	return progname;
}

void
diag_set_strict(int on)
{
	strict = on;
}

void
diag_set_quiet_bad(int on)
{
	quiet_bad = on;
}

void
diag_atexit(void (*fn)(void))
{
	exit_hook = fn;
}

static void
print_fault(const struct fault *f)
{
	diag_erase();
	if (f->line > 0)
		fprintf(stderr, "%s: line %lld: %s\n", progname,
		    (long long)f->line, f->msg);
	else
		fprintf(stderr, "%s: %s\n", progname, f->msg);
}

void
diag_die(const struct fault *f)
{
	void (*hook)(void) = exit_hook;

	exit_hook = NULL;
	out_flush(out_stdout);
	if (hook != NULL)
		hook();
	print_fault(f);
	exit(f->code != 0 ? f->code : EX_SOFTWARE);
}

void
diag_fatal(int code, const char *fmt, ...)
{
	struct fault f;
	va_list ap;

	fault_clear(&f);
	va_start(ap, fmt);
	fault_vset(&f, code, fmt, ap);
	va_end(ap);
	diag_die(&f);
}

void
diag_bad(const struct fault *f)
{
	bad_count++;
	if (strict) {
		struct fault g = *f;

		g.code = EX_DATAERR;
		diag_die(&g);
	}
	if (bad_count <= DIAG_BAD_SHOWN && !quiet_bad)
		print_fault(f);
}

static void
vsay(const char *fmt, va_list ap)
{
	diag_erase();
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void
diag_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

void
diag_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

uint64_t
diag_bad_count(void)
{
	return bad_count;
}

int
diag_finish(void)
{
	diag_erase();
	if (bad_count > DIAG_BAD_SHOWN && !quiet_bad)
		fprintf(stderr, "%s: %llu bad records in all (%llu not shown)\n",
		    progname, (unsigned long long)bad_count,
		    (unsigned long long)(bad_count - DIAG_BAD_SHOWN));
	else if (bad_count > 0 && !quiet_bad)
		fprintf(stderr, "%s: %llu bad record%s\n", progname,
		    (unsigned long long)bad_count, bad_count == 1 ? "" : "s");
	return bad_count > 0 ? EX_DATAERR : 0;
}
