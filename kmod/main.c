// SPDX-License-Identifier: GPL-2.0
/*
 * nfsec: IPsec AH and ESP for IPv4, from netfilter hooks.
 */

#include <linux/init.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "pernet.h"
#include "policy.h"
#include "replay.h"
#include "sa.h"
#include "uapi/nfsec.h"
#include "version.h"

static int __init nfsec_init(void)
{
	int err;

	err = nfsec_policy_selftest();
	if (err)
		return err;
	err = nfsec_replay_selftest();
	if (err)
		return err;

	err = nfsec_policy_module_init();
	if (err)
		return err;

	err = nfsec_sa_module_init();
	if (err)
		goto err_sa;

	err = nfsec_pernet_init();
	if (err)
		goto err_pernet;

	err = nfsec_genl_init();
	if (err)
		goto err_genl;

	pr_info("version %s loaded\n", NFSEC_VERSION);
	return 0;

err_genl:
	nfsec_pernet_exit();
err_pernet:
	nfsec_sa_module_exit();
err_sa:
	nfsec_policy_module_exit();
	return err;
}

static void __exit nfsec_exit(void)
{
	nfsec_genl_exit();
	nfsec_pernet_exit();
	nfsec_sa_module_exit();
	nfsec_policy_module_exit();
	pr_info("unloaded\n");
}

module_init(nfsec_init);
module_exit(nfsec_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("IPsec AH and ESP for IPv4 from netfilter hooks");
MODULE_VERSION(NFSEC_VERSION);
MODULE_ALIAS_GENL_FAMILY(NFSEC_GENL_NAME);
