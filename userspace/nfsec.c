// SPDX-License-Identifier: GPL-2.0
/* nfsec: configure the nfsec IPsec module. Options, dispatch and batch. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "msg.h"
#include "netlink.h"
#include "parse.h"
#include "print.h"
#include "subcommands.h"
#include "util.h"

#define BATCH_WINDOW	256
#define BATCH_MAX_WORDS	128

static int help_main(struct nfsec_ctx *ctx, int argc, char *argv[]);

static const struct {
	const char *name;
	int (*fn)(struct nfsec_ctx *ctx, int argc, char *argv[]);
	const char *description;
} subcommands[] = {
	{ "sa", sa_main, "Add, delete, get, show or flush security associations" },
	{ "policy", policy_main, "Add, delete, show or flush security policies" },
	{ "show", show_main, "Show all security associations, then all policies" },
	{ "save", save_main, "Print the commands that make the SAs and policies again" },
	{ "stats", stats_main, "Print the namespace's drop counters" },
	{ "monitor", monitor_main, "Print kernel events as they happen" },
	{ "genkey", genkey_main, "Print a random key for an algorithm" },
	{ "version", version_main, "Print the tool's and the module's versions" },
	{ "help", help_main, "Show this message" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: nfsec [ OPTIONS ] COMMAND [ ARGUMENTS ]\n"
		   "       nfsec [ OPTIONS ] -b FILE\n"
		   "Options:\n"
		   "  -j, --json        JSON output (show, get, stats, version, monitor)\n"
		   "  -s, --stats       include counters\n"
		   "  -v, --verbose     report assigned policy indexes and flush counts\n"
		   "  -b, --batch FILE  run the commands in FILE (- for stdin)\n"
		   "  -n, --dry-run     check the commands, send nothing to the kernel\n"
		   "  -h, --help        show this message\n"
		   "Commands:\n");
	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		fprintf(f, "  %-8s  %s\n", subcommands[i].name,
			subcommands[i].description);
	fprintf(f, "Run \"nfsec COMMAND help\" for the grammar of a command.\n");
}

static int help_main(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	(void)ctx;
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

bool nfsec_wants_help(int argc, char *argv[])
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "help"))
			return true;
	return false;
}

struct nfsec_nl *nfsec_ctx_nl(struct nfsec_ctx *ctx)
{
	if (ctx->nl)
		return ctx->nl;
	if (ctx->dry_run)
		return nfsec_nl_open_dry(&ctx->nl) ? NULL : ctx->nl;
	if (nfsec_nl_open(&ctx->nl))
		return NULL;
	if (ctx->batch)
		nfsec_nl_set_window(ctx->nl, BATCH_WINDOW);
	if (ctx->done)
		nfsec_nl_set_done(ctx->nl, ctx->done, ctx->done_data);
	return ctx->nl;
}

int nfsec_ctx_request(struct nfsec_ctx *ctx, const struct nfsec_msg *m,
		      const char *what,
		      int (*cb)(const struct nlmsghdr *, void *), void *data)
{
	if (ctx->batch)
		return nfsec_nl_queue(ctx->nl, m, what, cb, data);
	return nfsec_nl_do(ctx->nl, m, what, cb, data);
}

int nfsec_run_verb(struct nfsec_ctx *ctx, const char *cmd,
		   const struct nfsec_verb *verbs, size_t n,
		   void (*verb_usage)(void), int argc, char *argv[])
{
	const char *verb = argc < 2 ? "show" : argv[1];
	size_t i;

	if (!strcmp(verb, "help")) {
		verb_usage();
		return 0;
	}
	for (i = 0; i < n; i++)
		if (!strcmp(verb, verbs[i].name))
			return argc < 2 ? verbs[i].fn(ctx, 0, argv + argc) :
					  verbs[i].fn(ctx, argc - 2, argv + 2);
	return nfsec_error("unknown command \"%s\" in \"%s\" (try \"nfsec %s help\")",
			   verb, cmd, cmd);
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *c = nfsec_genl_attr(nlh, NFSEC_A_COUNT);

	if (c && mnl_attr_get_payload_len(c) == sizeof(uint32_t))
		*(uint32_t *)data = mnl_attr_get_u32(c);
	return 0;
}

int nfsec_ctx_flush(struct nfsec_ctx *ctx, const struct nfsec_msg *m,
		    const char *what, const char *noun)
{
	uint32_t count = 0;

	if (ctx->batch && !ctx->verbose)
		return nfsec_ctx_request(ctx, m, what, NULL, NULL);
	if (nfsec_nl_do(ctx->nl, m, what, count_cb, &count))
		return -1;
	if (ctx->verbose)
		printf("flushed %u %s\n", count, noun);
	return 0;
}

static int run(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(subcommands); i++)
		if (!strcmp(argv[0], subcommands[i].name))
			return subcommands[i].fn(ctx, argc, argv);
	return nfsec_error("unknown command \"%s\" (try \"nfsec help\")",
			   argv[0]);
}

struct batch_lines {
	uint8_t *state;
	unsigned int n, cap;
};

static int lines_set(struct batch_lines *b, unsigned int line, uint8_t st)
{
	uint8_t *ns;
	unsigned int cap;

	if (line >= b->cap) {
		cap = b->cap ? 2 * b->cap : 1024;
		while (cap <= line)
			cap *= 2;
		ns = realloc(b->state, cap);
		if (!ns)
			return -1;
		memset(ns + b->cap, NFSEC_LINE_NONE, cap - b->cap);
		b->state = ns;
		b->cap = cap;
	}
	if (line >= b->n)
		b->n = line + 1;
	b->state[line] = st;
	return 0;
}

static uint8_t line_state(const struct batch_lines *b, unsigned int line)
{
	return line < b->n ? b->state[line] : NFSEC_LINE_NONE;
}

/* The kernel's answer to a request of @line; a failure is not undone. */
static void line_done(unsigned int line, int err, void *data)
{
	struct batch_lines *b = data;

	if (line_state(b, line) != NFSEC_LINE_FAILED)
		lines_set(b, line, err ? NFSEC_LINE_FAILED : NFSEC_LINE_DONE);
}

/*
 * Requests of earlier lines may still be in flight when a line fails: wait
 * for them, and report whichever failure comes first in the file, with the
 * lines that were applied.
 */
static int batch_fail(struct nfsec_ctx *ctx, struct batch_lines *b)
{
	struct nfsec_error_state line_err, flush_err, *st = &line_err;
	size_t len;

	nfsec_error_take(&line_err);
	if (line_err.set)
		lines_set(b, line_err.line, NFSEC_LINE_FAILED);
	if (ctx->nl && nfsec_nl_flush(ctx->nl)) {
		nfsec_error_take(&flush_err);
		if (flush_err.set && (!line_err.set ||
				      flush_err.line <= line_err.line))
			st = &flush_err;
	}
	if (st->set && st->line && !ctx->dry_run) {
		len = strlen(st->msg);
		nfsec_batch_applied(st->msg + len, sizeof(st->msg) - len,
				    b->state, b->n);
	}
	nfsec_error_emit(st);
	return -1;
}

static int batch(struct nfsec_ctx *ctx, const char *path)
{
	char *argv[BATCH_MAX_WORDS], *line = NULL;
	struct batch_lines lines = { 0 };
	unsigned int lineno = 0;
	size_t cap = 0;
	int argc, ret = 0;
	FILE *f;

	f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	if (!f)
		return nfsec_error("batch file \"%s\": %s", path, strerror(errno));
	ctx->batch = true;
	ctx->done = line_done;
	ctx->done_data = &lines;
	nfsec_error_defer(1);
	while (getline(&line, &cap, f) >= 0) {
		nfsec_error_set_line(++lineno);
		argc = nfsec_split_line(line, argv, BATCH_MAX_WORDS);
		if (argc < 0) {
			nfsec_error("more than %d words", BATCH_MAX_WORDS);
			ret = -1;
			break;
		}
		if (!argc)
			continue;
		if (run(ctx, argc, argv)) {
			ret = -1;
			break;
		}
		/* Answers still to come may yet make it a failure. */
		if (line_state(&lines, lineno) == NFSEC_LINE_NONE &&
		    lines_set(&lines, lineno, NFSEC_LINE_DONE)) {
			ret = nfsec_error("out of memory");
			break;
		}
	}
	if (!ret && ferror(f)) {
		nfsec_error_set_line(0);
		ret = nfsec_error("batch file \"%s\": read error", path);
	}
	if (!ret && ctx->nl && nfsec_nl_flush(ctx->nl))
		ret = -1;
	if (ret)
		batch_fail(ctx, &lines);
	nfsec_error_defer(0);
	nfsec_error_set_line(0);
	free(line);
	free(lines.state);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "stats", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "batch", required_argument, NULL, 'b' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct nfsec_ctx ctx = { 0 };
	const char *batch_file = NULL;
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+jsvb:nh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			ctx.json = true;
			break;
		case 's':
			ctx.stats = true;
			break;
		case 'v':
			ctx.verbose = true;
			break;
		case 'b':
			batch_file = optarg;
			break;
		case 'n':
			ctx.dry_run = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (optopt == 'b')
				nfsec_error("option \"-b\" needs a FILE");
			else if (optopt)
				nfsec_error("unknown option \"-%c\"", optopt);
			else
				nfsec_error("unknown option \"%s\"",
					    argv[optind - 1]);
			return 1;
		}
	}
	if (batch_file) {
		if (optind < argc) {
			nfsec_error("unexpected \"%s\" after \"-b %s\"",
				    argv[optind], batch_file);
			return 1;
		}
		ret = batch(&ctx, batch_file);
	} else if (optind == argc) {
		usage(stderr);
		nfsec_error("no command given");
		return 1;
	} else {
		ret = run(&ctx, argc - optind, argv + optind);
	}
	nfsec_nl_close(ctx.nl);
	if (fflush(stdout) == EOF || ferror(stdout))
		ret = nfsec_error("write error on stdout: %s", strerror(errno));
	return ret ? nfsec_exit_status() : 0;
}
