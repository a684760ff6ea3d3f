// SPDX-License-Identifier: GPL-2.0
/* nfsec show: every SA, then every policy, then (with -s) the counters. */

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "print.h"
#include "subcommands.h"
#include "util.h"

int show_main(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_json j;
	bool with_keys = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "help")) {
			printf("Usage: nfsec [ -s ] show [ with-keys ]\n"
			       "Print all SAs, then all policies; with -s, then the\n"
			       "namespace's counters (as \"nfsec stats\").\n");
			return 0;
		}
		if (strcmp(argv[i], "with-keys"))
			return nfsec_error("unknown keyword \"%s\" in \"show\"",
					   argv[i]);
		with_keys = true;
	}
	if (!ctx->json)
		return sa_dump(ctx, with_keys, NULL, NULL) ||
		       policy_dump(ctx, NULL, NULL) ||
		       (ctx->stats && stats_print(ctx, NULL, NULL, true)) ?
		       -1 : 0;
	/* No output at all if the module cannot be reached. */
	if (!nfsec_ctx_nl(ctx))
		return -1;
	nfsec_json_init(&j, stdout);
	nfsec_json_obj_open(&j, NULL);
	nfsec_json_u64(&j, "schema", NFSEC_JSON_SCHEMA);
	if (sa_dump(ctx, with_keys, &j, "sas") ||
	    policy_dump(ctx, &j, "policies") ||
	    (ctx->stats && stats_print(ctx, &j, "stats", true))) {
		fputs("}\n", stdout);
		return -1;
	}
	nfsec_json_obj_close(&j);
	return 0;
}
