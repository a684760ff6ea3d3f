/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_POLICY_H
#define _NFSEC_POLICY_H

#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/xarray.h>

#include "sa.h"
#include "uapi/nfsec.h"

struct nfsec_net;
struct netlink_ext_ack;
struct sk_buff;

struct nfsec_selector {
	union nfsec_addr saddr;	/* of the family below */
	union nfsec_addr daddr;
	u8 family;		/* AF_INET or AF_INET6 */
	u8 splen;
	u8 dplen;
	u8 proto;		/* 0: any */
	u16 sport_min;
	u16 sport_max;
	u16 dport_min;
	u16 dport_max;
};

struct nfsec_policy {
	struct list_head list;		/* in spd.dir[dir], match order */
	struct rcu_head rcu;
	u32 index;
	u8 dir;
	u8 action;			/* enum nfsec_action */
	u32 priority;
	struct nfsec_selector sel;
	struct nfsec_sa_key sa;		/* for NFSEC_ACTION_PROTECT, or */
	u32 reqid;			/* the request id of its SAs */
	atomic64_t hits;
	u64 use_jiffies;		/* the last packet's; 0: none yet */
	unsigned long acquire_at;	/* jiffies of the last acquire event */
};

/* A packet matched pol. */
static inline void nfsec_policy_hit(struct nfsec_policy *pol)
{
	atomic64_inc(&pol->hits);
	nfsec_use_now(&pol->use_jiffies);
}

struct nfsec_spd {
	struct list_head dir[__NFSEC_DIR_MAX];
	struct xarray index;
	u32 next_index;
	unsigned int count;
	u32 gen;
};

/* What a packet offers to the selectors; ports in host order. */
struct nfsec_flow {
	union nfsec_addr saddr;
	union nfsec_addr daddr;
	u8 family;
	u8 proto;		/* IPv6: the upper layer's */
	bool has_ports;
	bool nd;		/* ICMPv6 neighbour or listener discovery */
	u16 sport;
	u16 dport;
};

void nfsec_spd_init(struct nfsec_spd *spd);
void nfsec_spd_destroy(struct nfsec_net *nn);
int nfsec_policy_add(struct nfsec_net *nn, const struct nfsec_policy *tmpl,
		     u32 *index, struct netlink_ext_ack *extack);
int nfsec_policy_del(struct nfsec_net *nn, struct nfsec_policy *tmpl,
		     bool by_index);
unsigned int nfsec_policy_flush(struct nfsec_net *nn, int dir);
bool nfsec_selector_match(const struct nfsec_selector *sel,
			  const struct nfsec_flow *flow);
struct nfsec_policy *nfsec_policy_lookup_rcu(struct nfsec_net *nn, u8 dir,
					     const struct nfsec_flow *flow);
bool nfsec_proto_has_ports(u8 proto);
void nfsec_flow(const struct sk_buff *skb, struct nfsec_flow *fl);
bool nfsec_in_policy_ok(struct nfsec_sa *sa, struct sk_buff *skb);
#ifdef NFSEC_DEBUG
int __init nfsec_policy_selftest(void);
#else
static inline int nfsec_policy_selftest(void)
{
	return 0;
}
#endif
int __init nfsec_policy_module_init(void);
void nfsec_policy_module_exit(void);

#endif /* _NFSEC_POLICY_H */
