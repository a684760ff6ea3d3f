// SPDX-License-Identifier: GPL-2.0
/* Error reporting shared by the whole tool. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static unsigned int error_line;
static int error_quiet;
static char error_last[512];
static int error_deferring;
static int error_status = 1;
static struct nfsec_error_state error_deferred;

void nfsec_error_set_line(unsigned int line)
{
	error_line = line;
}

unsigned int nfsec_error_line(void)
{
	return error_line;
}

void nfsec_error_set_quiet(int quiet)
{
	error_quiet = quiet;
}

const char *nfsec_error_last(void)
{
	return error_last;
}

int nfsec_exit_status(void)
{
	return error_status;
}

__attribute__((format(printf, 2, 0)))
static int verror(int status, const char *fmt, va_list ap)
{
	vsnprintf(error_last, sizeof(error_last), fmt, ap);
	if (error_deferring) {
		if (!error_deferred.set) {
			error_deferred.set = 1;
			error_deferred.status = status;
			error_deferred.line = error_line;
			snprintf(error_deferred.msg, sizeof(error_deferred.msg),
				 "%s", error_last);
		}
		return -1;
	}
	error_status = status;
	if (error_quiet)
		return -1;
	fflush(stdout);
	if (error_line)
		fprintf(stderr, "nfsec: batch line %u: %s\n", error_line, error_last);
	else
		fprintf(stderr, "nfsec: %s\n", error_last);
	return -1;
}

int nfsec_error_status(int status, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = verror(status, fmt, ap);
	va_end(ap);
	return r;
}

void nfsec_hex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

void nfsec_error_defer(int on)
{
	error_deferring = on;
}

void nfsec_error_take(struct nfsec_error_state *st)
{
	*st = error_deferred;
	error_deferred.set = 0;
}

void nfsec_error_emit(const struct nfsec_error_state *st)
{
	if (!st->set)
		return;
	error_status = st->status;
	fflush(stdout);
	if (st->line)
		fprintf(stderr, "nfsec: batch line %u: %s\n", st->line, st->msg);
	else
		fprintf(stderr, "nfsec: %s\n", st->msg);
}

void nfsec_private_stdout(void)
{
	struct stat st;

	if (fstat(STDOUT_FILENO, &st) || !S_ISREG(st.st_mode) ||
	    !(st.st_mode & 077))
		return;
	if (!fchmod(STDOUT_FILENO, st.st_mode & 0700))
		return;
	fflush(stdout);
	fprintf(stderr, "nfsec: warning: the file on standard output can be read by others and cannot be made 0600: %s\n",
		strerror(errno));
}

/* " (applied: lines 1-3, 6)": the lines that took effect, as ranges. */
void nfsec_batch_applied(char *out, size_t size, const uint8_t *state,
			 unsigned int n)
{
	unsigned int i, first = 0, last = 0, count = 0, done_lines = 0;
	size_t len;
	bool gap = false;

	for (i = 1; i < n; i++)
		done_lines += state[i] == NFSEC_LINE_DONE;
	snprintf(out, size, " (applied:%s", !done_lines ? " nothing" :
		 done_lines == 1 ? " line" : " lines");
	for (i = 1; i <= n; i++) {
		bool done = i < n && state[i] == NFSEC_LINE_DONE;

		if (done && first && !gap) {
			last = i;
			continue;
		}
		if (i < n && state[i] == NFSEC_LINE_FAILED)
			gap = true;
		if (!done && i < n)
			continue;
		if (first) {
			len = strlen(out);
			if (first == last)
				snprintf(out + len, size - len, "%s %u",
					 count ? "," : "", first);
			else
				snprintf(out + len, size - len, "%s %u-%u",
					 count ? "," : "", first, last);
			count++;
		}
		first = last = done ? i : 0;
		gap = false;
	}
	len = strlen(out);
	snprintf(out + len, size - len, ")");
}
