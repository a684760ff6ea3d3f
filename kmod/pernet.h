/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_PERNET_H
#define _NFSEC_PERNET_H

#include <linux/mutex.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "policy.h"
#include "sa.h"

struct nfsec_net {
	struct net *net;
	struct mutex lock;		/* serialises all writers of sad and spd */
	struct nfsec_sad sad;
	struct nfsec_spd spd;
	atomic64_t stats[__NFSEC_NSTATS_A_MAX];	/* enum nfsec_net_stats_attr */
	atomic_t inflight;		/* packets in asynchronous crypto */
};

static inline void nfsec_net_count(struct nfsec_net *nn, unsigned int stat)
{
	atomic64_inc(&nn->stats[stat]);
}

extern unsigned int nfsec_net_id;

static inline struct nfsec_net *nfsec_pernet(const struct net *net)
{
	return net_generic(net, nfsec_net_id);
}

int nfsec_pernet_init(void);
void nfsec_pernet_exit(void);

#endif /* _NFSEC_PERNET_H */
