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

static void print_json(const char *module, const struct module_version *mv)
{
	struct nfsec_json j;

	nfsec_json_init(&j, stdout);
	nfsec_json_obj_open(&j, NULL);
	nfsec_json_str(&j, "tool", VERSION);
	if (module)
		nfsec_json_str(&j, "module", module);
	else
		nfsec_json_null(&j, "module");
	if (mv && mv->has_api)
		nfsec_json_u64(&j, "api", mv->api);
	else
		nfsec_json_null(&j, "api");
	nfsec_json_obj_close(&j);
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
	if (!ctx->json)
		printf("nfsec tool %s\n", VERSION);
	nl = nfsec_ctx_nl(ctx);
	if (!nl) {
		if (ctx->json)
			print_json(NULL, NULL);
		return -1;
	}
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_GET_VERSION, 0);
	if (nfsec_nl_do(nl, &m, "version", version_cb, &mv))
		return -1;
	if (ctx->json)
		print_json(mv.version, &mv);
	else if (mv.has_api)
		printf("nfsec module %s (API %u)\n", mv.version, mv.api);
	else
		printf("nfsec module %s\n", mv.version);
	return 0;
}
