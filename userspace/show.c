// SPDX-License-Identifier: GPL-2.0
/* nfsec show: every SA, then every policy. */

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "subcommands.h"
#include "util.h"

int show_main(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_json j;
	bool with_keys = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "help")) {
			printf("Usage: nfsec show [ with-keys ]\n"
			       "Print all SAs, then all policies.\n");
			return 0;
		}
		if (strcmp(argv[i], "with-keys"))
			return nfsec_error("unknown keyword \"%s\" in \"show\"",
					   argv[i]);
		with_keys = true;
	}
	if (!ctx->json)
		return sa_dump(ctx, with_keys, NULL, NULL) ||
		       policy_dump(ctx, NULL, NULL) ? -1 : 0;
	/* No output at all if the module cannot be reached. */
	if (!nfsec_ctx_nl(ctx))
		return -1;
	nfsec_json_init(&j, stdout);
	nfsec_json_obj_open(&j, NULL);
	if (sa_dump(ctx, with_keys, &j, "sas") ||
	    policy_dump(ctx, &j, "policies")) {
		fputs("}\n", stdout);
		return -1;
	}
	nfsec_json_obj_close(&j);
	return 0;
}
