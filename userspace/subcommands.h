/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFSEC_SUBCOMMANDS_H
#define NFSEC_SUBCOMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef VERSION
#define VERSION "0.1.0"
#endif

struct nfsec_nl;
struct nfsec_json;
struct nlmsghdr;

/* Global options and the shared netlink connection of one invocation. */
struct nfsec_ctx {
	bool json;
	bool stats;
	bool verbose;
	bool batch;
	bool dry_run;		/* parse only, send nothing */
	/* told of every request answered (batch: which lines were applied) */
	void (*done)(unsigned int line, int err, void *data);
	void *done_data;
	struct nfsec_nl *nl;	/* opened on first use */
};


/* The connection, opened (and the family resolved) on first use. */
struct nfsec_nl *nfsec_ctx_nl(struct nfsec_ctx *ctx);

/* Send a request: pipelined in batch mode, else waiting for its ACK. */
struct nfsec_msg;
int nfsec_ctx_request(struct nfsec_ctx *ctx, const struct nfsec_msg *m,
		      const char *what, int (*cb)(const struct nlmsghdr *,
						  void *), void *data);

/* True if any argument is "help" (then the caller prints its grammar). */
bool nfsec_wants_help(int argc, char *argv[]);

/* A verb of a command ("sa add", "policy flush", ...). */
struct nfsec_verb {
	const char *name;
	int (*fn)(struct nfsec_ctx *ctx, int argc, char *argv[]);
};

/*
 * Runs the verb argv[1] of command cmd (argv[0]); with none, "show"; with
 * "help", verb_usage().
 */
int nfsec_run_verb(struct nfsec_ctx *ctx, const char *cmd,
		   const struct nfsec_verb *verbs, size_t n,
		   void (*verb_usage)(void), int argc, char *argv[]);

/*
 * Sends a flush request; with -v prints how many of noun were deleted
 * (the reply's NFSEC_A_COUNT).
 */
int nfsec_ctx_flush(struct nfsec_ctx *ctx, const struct nfsec_msg *m,
		    const char *what, const char *noun);

int sa_main(struct nfsec_ctx *ctx, int argc, char *argv[]);
int policy_main(struct nfsec_ctx *ctx, int argc, char *argv[]);
int show_main(struct nfsec_ctx *ctx, int argc, char *argv[]);
int monitor_main(struct nfsec_ctx *ctx, int argc, char *argv[]);
int genkey_main(struct nfsec_ctx *ctx, int argc, char *argv[]);
int version_main(struct nfsec_ctx *ctx, int argc, char *argv[]);
int stats_main(struct nfsec_ctx *ctx, int argc, char *argv[]);
int save_main(struct nfsec_ctx *ctx, int argc, char *argv[]);

/* Dump helpers shared by "show" and the "sa"/"policy" subcommands. */
int sa_dump(struct nfsec_ctx *ctx, bool with_keys, struct nfsec_json *j,
	    const char *key);
int policy_dump(struct nfsec_ctx *ctx, struct nfsec_json *j, const char *key);
/*
 * The namespace's counters (NFSEC_CMD_GET_STATS), as a line or as the JSON
 * member @key. With @quiet, a kernel that does not know the command, or a
 * reply without counters, prints nothing and is not an error.
 */
int stats_print(struct nfsec_ctx *ctx, struct nfsec_json *j, const char *key,
		bool quiet);

#endif
