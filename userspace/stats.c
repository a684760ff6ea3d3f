// SPDX-License-Identifier: GPL-2.0
/* nfsec stats: the namespace's counters of packets dropped before any SA. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "msg.h"
#include "netlink.h"
#include "print.h"
#include "subcommands.h"
#include "util.h"

struct stats_state {
	struct nfsec_print p;
	bool seen;
};

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats_state *st = data;
	const struct nlattr *a = nfsec_genl_attr(nlh, NFSEC_A_STATS);

	if (!a || st->seen)
		return 0;
	st->seen = true;
	return nfsec_print_net_stats(a, &st->p);
}

int stats_print(struct nfsec_ctx *ctx, struct nfsec_json *j, const char *key,
		bool quiet)
{
	struct stats_state st = {
		.p = { .f = stdout, .json = j, .key = key, .schema = !key },
	};
	struct nfsec_nl *nl = nfsec_ctx_nl(ctx);
	struct nfsec_msg m;
	int r;

	if (!nl)
		return -1;
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_GET_STATS, 0);
	r = nfsec_nl_do_quiet(nl, &m, "stats", stats_cb, &st,
			      quiet ? EOPNOTSUPP : 0);
	if (r == -EOPNOTSUPP && quiet)
		return 0;
	if (r)
		return -1;
	if (!st.seen && !quiet)
		return nfsec_error("stats: no counters in the kernel's reply");
	return 0;
}

int stats_main(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_json j;

	if (argc > 1) {
		if (!strcmp(argv[1], "help")) {
			printf("Usage: nfsec stats\n"
			       "Print the namespace's counters of packets dropped before any SA:\n"
			       "stats no-sa N discard N plaintext N malformed N nomem N\n");
			return 0;
		}
		return nfsec_error("unknown keyword \"%s\" in \"stats\"",
				   argv[1]);
	}
	nfsec_json_init(&j, stdout);
	return stats_print(ctx, ctx->json ? &j : NULL, NULL, false);
}
