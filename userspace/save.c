// SPDX-License-Identifier: GPL-2.0
/* nfsec save: the commands that make the SAs and policies again. */

#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "netlink.h"
#include "print.h"
#include "subcommands.h"
#include "util.h"

struct save_state {
	bool with_keys;
	unsigned int count;
};

static int save_sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct save_state *st = data;
	const struct nlattr *sa = nfsec_genl_attr(nlh, NFSEC_A_SA);

	if (!sa)
		return 0;
	st->count++;
	return nfsec_save_sa(sa, stdout, st->with_keys);
}

static int save_policy_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *pol = nfsec_genl_attr(nlh, NFSEC_A_POLICY);

	(void)data;
	if (!pol)
		return 0;
	return nfsec_save_policy(pol, stdout);
}

static void save_usage(void)
{
	printf("Usage: nfsec save [ with-keys ]\n"
	       "Print the \"sa add\" and \"policy add\" commands that make every SA and\n"
	       "policy of the namespace again, for \"nfsec -b FILE\". Without with-keys\n"
	       "each key is written \"%s\", which \"sa add\" refuses until the\n"
	       "key is put in its place.\n", NFSEC_KEY_OMITTED);
}

int save_main(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct save_state st = { 0 };
	struct nfsec_nl *nl;
	struct nfsec_msg m;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "help")) {
			save_usage();
			return 0;
		}
		if (strcmp(argv[i], "with-keys"))
			return nfsec_error("unknown keyword \"%s\" in \"save\"",
					   argv[i]);
		st.with_keys = true;
	}
	nl = nfsec_ctx_nl(ctx);
	if (!nl)
		return -1;
	if (st.with_keys)
		nfsec_private_stdout();
	printf("# nfsec save%s: restore with \"nfsec -b FILE\" into a namespace without SAs and policies\n",
	       st.with_keys ? " with-keys" : "");
	if (!st.with_keys)
		printf("# keys are left out: replace each \"%s\" with the key (or save with-keys)\n",
		       NFSEC_KEY_OMITTED);
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_SA_GET, NLM_F_DUMP);
	if (st.with_keys)
		NFSEC_PUT(&m, u32, NFSEC_A_FLAGS, NFSEC_F_WITH_KEYS);
	if (nfsec_nl_dump(nl, &m, "save", save_sa_cb, &st))
		return -1;
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_POLICY_GET,
		       NLM_F_DUMP);
	return nfsec_nl_dump(nl, &m, "save", save_policy_cb, &st);
}
