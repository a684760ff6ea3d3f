/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFSEC_UTIL_H
#define NFSEC_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Report an error: one line on stderr, "nfsec: [batch line N: ]MESSAGE".
 * Always returns -1 so callers can write "return nfsec_error(...)".
 */
#define nfsec_error(...) nfsec_error_status(1, __VA_ARGS__)
/* The same for a refusal of the kernel (exit status 2, as ip(8)'s). */
#define nfsec_error_kernel(...) nfsec_error_status(2, __VA_ARGS__)
/* @status: the exit status the error calls for (nfsec_exit_status()). */
int nfsec_error_status(int status, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * The exit status of the error reported last: 1 for a usage error, 2 for
 * a refusal of the kernel.
 */
int nfsec_exit_status(void);

/* The batch line that errors are attributed to (0: not in batch mode). */
void nfsec_error_set_line(unsigned int line);
unsigned int nfsec_error_line(void);

/* Tests: keep errors off stderr and look at the last one instead. */
void nfsec_error_set_quiet(int quiet);
const char *nfsec_error_last(void);

/*
 * Batch mode: keep the first error (with its line) instead of printing it,
 * so that an earlier failure still in flight can be reported first.
 */
struct nfsec_error_state {
	int set;
	int status;		/* exit status: 1 or 2 */
	unsigned int line;
	char msg[512];
};
void nfsec_error_defer(int on);
void nfsec_error_take(struct nfsec_error_state *st);
/* Print a taken error now. */
void nfsec_error_emit(const struct nfsec_error_state *st);

/*
 * Standard output is about to carry keys: if it is a regular file that
 * others may read, make it 0600 (or warn on stderr when that fails).
 */
void nfsec_private_stdout(void);

/* What became of each line of a batch file. */
enum nfsec_line_state {
	NFSEC_LINE_NONE,	/* blank, a comment, or not reached */
	NFSEC_LINE_DONE,	/* ran, and the kernel took its requests */
	NFSEC_LINE_FAILED,
};

/*
 * " (applied: lines 1-3, 6)" or " (applied: nothing)" into @out: the lines
 * whose @state (by line number, @n entries) is NFSEC_LINE_DONE; a run of
 * them bridges blank and comment lines, not a failed one.
 */
void nfsec_batch_applied(char *out, size_t size, const uint8_t *state,
			 unsigned int n);

/* Lower-case hex of @len bytes into @out (2 * len + 1 bytes). */
void nfsec_hex(char *out, const uint8_t *in, size_t len);

#endif
