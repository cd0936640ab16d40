/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef SK_DIAG_H
#define SK_DIAG_H
/*
 * diag.h - messages and exit codes: what a struct fault means.
 *
 * The engine never prints and never exits: a function that fails fills
 * a struct fault (fault.h) and returns -1 or NULL.  Only the commands
 * speak, through diag_*, in err(3) form: "stream-agg: line 1234: invalid
 * JSON: ...".  diag also keeps the bad-record count that decides exit
 * status 65 at the end, and installs the runtime's policies for a failed
 * write (out.h) and for memory running out (xmalloc.h).
 */
#include <stdint.h>

#include "fault.h"

#define DIAG_BAD_SHOWN	10	/* bad records reported one by one (SPEC 8) */

void	diag_init(const char *progname);
const char *diag_progname(void);
void	diag_set_strict(int);
void	diag_set_quiet_bad(int);
/* Print the fault, flush output, exit with its code (70 when unset). */
void	diag_die(const struct fault *) __attribute__((noreturn));
void	diag_fatal(int code, const char *, ...)
	    __attribute__((format(printf, 2, 3), noreturn));
/* A bad record: counted, the first DIAG_BAD_SHOWN printed; --strict exits. */
void	diag_bad(const struct fault *);
void	diag_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	diag_note(const char *, ...) __attribute__((format(printf, 1, 2)));
uint64_t diag_bad_count(void);
/* End of run: report the bad count, return 0 or EX_DATAERR. */
int	diag_finish(void);
/* Hook run before diag exits (flush stdout, release locks). */
void	diag_atexit(void (*)(void));
/* Hook run before any message (the progress line erases itself). */
void	diag_set_erase(void (*)(void));
/* Run that hook: before a message printed outside diag (--stats). */
void	diag_erase(void);
#endif
