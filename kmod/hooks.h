/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_HOOKS_H
#define _NFSEC_HOOKS_H

#include <linux/skbuff.h>
#include <linux/types.h>

struct net;
struct nfsec_sa;

int nfsec_hooks_register(struct net *net);
void nfsec_hooks_unregister(struct net *net);
bool nfsec_in_policy_ok(struct nfsec_sa *sa, struct sk_buff *skb);

#endif /* _NFSEC_HOOKS_H */
