/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_NETLINK_H
#define _NFSEC_NETLINK_H

#include <linux/types.h>

struct nfsec_flow;
struct nfsec_net;
struct nfsec_policy;
struct nfsec_sa;

int nfsec_genl_init(void);
void nfsec_genl_exit(void);
void nfsec_nl_notify_sa(struct nfsec_net *nn, struct nfsec_sa *sa, u32 event,
			gfp_t gfp);
void nfsec_nl_notify_acquire(struct nfsec_net *nn,
			     const struct nfsec_policy *pol,
			     const struct nfsec_flow *fl);

#endif /* _NFSEC_NETLINK_H */
