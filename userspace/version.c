// SPDX-License-Identifier: GPL-2.0
/* nfsec version: the tool's and the module's versions. */

#include <stdio.h>
#include <string.h>

#include "json.h"
#include "msg.h"
#include "netlink.h"
#include "print.h"
#include "subcommands.h"
#include "util.h"

struct module_version {
	char version[64];
	uint32_t api;
	bool has_api;
};

static int version_cb(const struct nlmsghdr *nlh, void *data)
{
	struct module_version *mv = data;
	const struct nlattr *a;

	a = nfsec_genl_attr(nlh, NFSEC_A_VERSION);
	if (a && !mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
		snprintf(mv->version, sizeof(mv->version), "%s",
			 mnl_attr_get_str(a));
	a = nfsec_genl_attr(nlh, NFSEC_A_API_VERSION);
	if (a && mnl_attr_get_payload_len(a) == sizeof(uint32_t)) {
		mv->api = mnl_attr_get_u32(a);
		mv->has_api = true;
	}
	return 0;
}

/* The module's @mv, or NULL when it could not be asked. */
static void print_version(const struct nfsec_ctx *ctx,
			  const struct module_version *mv)
{
	struct nfsec_json j;
	struct nfsec_print p = { .f = stdout, .json = ctx->json ? &j : NULL,
				 .schema = true };

	nfsec_json_init(&j, stdout);
	nfsec_print_open(&p, NULL, '{');
	nfsec_print_schema(&p);
	nfsec_print_str(&p, NFSEC_PRINT_ANY, "tool", "nfsec tool %s\n", VERSION);
	if (mv)
		nfsec_print_str(&p, NFSEC_PRINT_ANY, "module", "nfsec module %s",
				mv->version);
	else
		nfsec_print_null(&p, "module");
	if (mv && mv->has_api)
		nfsec_print_u32(&p, NFSEC_PRINT_ANY, "api", " (API %u)", mv->api);
	else
		nfsec_print_null(&p, "api");
	if (mv)
		nfsec_print_str(&p, NFSEC_PRINT_TEXT, NULL, "%s", "\n");
	nfsec_print_close(&p, '}');
}

int version_main(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct module_version mv = { "unknown", 0, false };
	struct nfsec_nl *nl;
	struct nfsec_msg m;

	if (argc > 1) {
		if (!strcmp(argv[1], "help")) {
			printf("Usage: nfsec version\n");
			return 0;
		}
		return nfsec_error("unknown keyword \"%s\" in \"version\"",
				   argv[1]);
	}
	nl = nfsec_ctx_nl(ctx);
	if (!nl) {
		print_version(ctx, NULL);
		return -1;
	}
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_GET_VERSION, 0);
	if (nfsec_nl_do(nl, &m, "version", version_cb, &mv)) {
		print_version(ctx, NULL);
		return -1;
	}
	print_version(ctx, &mv);
	return 0;
}
