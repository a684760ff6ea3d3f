// SPDX-License-Identifier: GPL-2.0
/*
 * Per network namespace state: each namespace has its own SA and policy
 * databases and its own writer lock.
 */

#include "hooks.h"
#include "pernet.h"

unsigned int nfsec_net_id __read_mostly;

static int __net_init nfsec_net_init(struct net *net)
{
	struct nfsec_net *nn = nfsec_pernet(net);
	int err, i;

	nn->net = net;
	mutex_init(&nn->lock);
	for (i = 0; i < ARRAY_SIZE(nn->stats); i++)
		atomic64_set(&nn->stats[i], 0);
	atomic_set(&nn->inflight, 0);
	nfsec_spd_init(&nn->spd);
	err = nfsec_sad_init(&nn->sad);
	if (err)
		return err;
	err = nfsec_hooks_register(net);
	if (err)
		nfsec_sad_destroy(nn);
	return err;
}

static void __net_exit nfsec_net_exit(struct net *net)
{
	struct nfsec_net *nn = nfsec_pernet(net);

	nfsec_hooks_unregister(net);
	/* Asynchronous transforms still use nn, net and the SAs. */
	wait_var_event(&nn->inflight, !atomic_read(&nn->inflight));
	mutex_lock(&nn->lock);
	nfsec_policy_flush(nn, -1);
	nfsec_sa_flush(nn, 0);
	mutex_unlock(&nn->lock);
	nfsec_sad_destroy(nn);
	nfsec_spd_destroy(nn);
}

static struct pernet_operations nfsec_net_ops = {
	.init = nfsec_net_init,
	.exit = nfsec_net_exit,
	.id = &nfsec_net_id,
	.size = sizeof(struct nfsec_net),
};

int nfsec_pernet_init(void)
{
	return register_pernet_subsys(&nfsec_net_ops);
}

void nfsec_pernet_exit(void)
{
	unregister_pernet_subsys(&nfsec_net_ops);
}
