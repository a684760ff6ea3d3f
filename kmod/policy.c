// SPDX-License-Identifier: GPL-2.0
/*
 * The security policy database. Each direction keeps its policies in one
 * RCU list in match order: ascending priority, then insertion order. The
 * first policy whose selectors all match a packet decides its fate. Writers
 * hold nfsec_net.lock; an xarray of indexes names policies for deletion.
 * The packet paths see a packet as a flow (nfsec_flow()); a packet nfsec
 * decrypted must match an inbound policy naming its SA.
 */

#include <linux/icmpv6.h>
#include <linux/in.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "pernet.h"
#include "policy.h"

static struct kmem_cache *nfsec_policy_cache __ro_after_init;

void nfsec_spd_init(struct nfsec_spd *spd)
{
	int dir;

	for (dir = 0; dir < __NFSEC_DIR_MAX; dir++)
		INIT_LIST_HEAD(&spd->dir[dir]);
	xa_init_flags(&spd->index, XA_FLAGS_ALLOC1);
	spd->next_index = 1;
	spd->count = 0;
	spd->gen = 0;
}

void nfsec_spd_destroy(struct nfsec_net *nn)
{
	WARN_ON(nn->spd.count);
	xa_destroy(&nn->spd.index);
}

static bool nfsec_prefix_match(u8 family, const union nfsec_addr *addr,
			       const union nfsec_addr *prefix, u8 plen)
{
	if (family == AF_INET6)
		return ipv6_prefix_equal(&addr->in6, &prefix->in6, plen);
	return !((addr->ip ^ prefix->ip) & inet_make_mask(plen));
}

bool nfsec_selector_match(const struct nfsec_selector *sel,
			  const struct nfsec_flow *flow)
{
	if (sel->family != flow->family ||
	    !nfsec_prefix_match(sel->family, &flow->saddr, &sel->saddr,
				sel->splen) ||
	    !nfsec_prefix_match(sel->family, &flow->daddr, &sel->daddr,
				sel->dplen))
		return false;
	/*
	 * Neighbour and listener discovery pass a catch-all: a policy for
	 * any protocol between any addresses.
	 */
	if (flow->nd && !sel->proto && !sel->splen && !sel->dplen)
		return false;
	if (sel->proto && sel->proto != flow->proto)
		return false;
	if (sel->sport_min == 0 && sel->sport_max == U16_MAX &&
	    sel->dport_min == 0 && sel->dport_max == U16_MAX)
		return true;
	/* A port selector never matches a packet that has no ports. */
	if (!flow->has_ports)
		return false;
	return flow->sport >= sel->sport_min && flow->sport <= sel->sport_max &&
	       flow->dport >= sel->dport_min && flow->dport <= sel->dport_max;
}

struct nfsec_policy *nfsec_policy_lookup_rcu(struct nfsec_net *nn, u8 dir,
					     const struct nfsec_flow *flow)
{
	struct nfsec_policy *pol;

	list_for_each_entry_rcu(pol, &nn->spd.dir[dir], list)
		if (nfsec_selector_match(&pol->sel, flow))
			return pol;
	return NULL;
}

static bool nfsec_selector_same(const struct nfsec_selector *a,
				const struct nfsec_selector *b)
{
	return a->family == b->family &&
	       !memcmp(&a->saddr, &b->saddr, sizeof(a->saddr)) &&
	       !memcmp(&a->daddr, &b->daddr, sizeof(a->daddr)) &&
	       a->splen == b->splen && a->dplen == b->dplen &&
	       a->proto == b->proto &&
	       a->sport_min == b->sport_min && a->sport_max == b->sport_max &&
	       a->dport_min == b->dport_min && a->dport_max == b->dport_max;
}

static bool nfsec_policy_same(const struct nfsec_policy *a,
			      const struct nfsec_policy *b)
{
	return a->dir == b->dir && a->priority == b->priority &&
	       nfsec_selector_same(&a->sel, &b->sel);
}

static struct nfsec_policy *nfsec_policy_find(struct nfsec_net *nn,
					      const struct nfsec_policy *tmpl)
{
	struct nfsec_policy *pol;

	lockdep_assert_held(&nn->lock);
	list_for_each_entry(pol, &nn->spd.dir[tmpl->dir], list)
		if (nfsec_policy_same(pol, tmpl))
			return pol;
	return NULL;
}

/*
 * Inserts a copy of tmpl after every policy of the same direction whose
 * priority is lower or equal, and reports its index.
 */
int nfsec_policy_add(struct nfsec_net *nn, const struct nfsec_policy *tmpl,
		     u32 *index, struct netlink_ext_ack *extack)
{
	struct list_head *head = &nn->spd.dir[tmpl->dir];
	struct nfsec_policy *pol, *pos;
	int err;

	lockdep_assert_held(&nn->lock);

	if (nfsec_policy_find(nn, tmpl)) {
		NL_SET_ERR_MSG(extack,
			       "NFSEC_A_POLICY: a policy with this direction, selectors and priority exists");
		return -EEXIST;
	}
	if (tmpl->action == NFSEC_ACTION_PROTECT) {
		struct nfsec_sa *sa;
		bool ok;

		/* An SA added later is checked per packet. */
		rcu_read_lock();
		sa = nfsec_sa_lookup_rcu(nn, &tmpl->sa);
		ok = !sa || nfsec_sa_carries(sa, tmpl->sel.family);
		rcu_read_unlock();
		if (!ok) {
			NL_SET_ERR_MSG(extack,
				       "NFSEC_POL_A_SA: a transport-mode SA of the other family cannot carry the policy's packets");
			return -EINVAL;
		}
	}
	pol = kmem_cache_alloc(nfsec_policy_cache, GFP_KERNEL);
	if (!pol)
		return -ENOMEM;
	*pol = *tmpl;
	atomic64_set(&pol->hits, 0);
	pol->use_jiffies = 0;
	pol->acquire_at = 0;
	err = xa_alloc_cyclic(&nn->spd.index, &pol->index, pol,
			      XA_LIMIT(1, U32_MAX), &nn->spd.next_index,
			      GFP_KERNEL_ACCOUNT);
	if (err < 0) {
		kmem_cache_free(nfsec_policy_cache, pol);
		return err;
	}

	list_for_each_entry(pos, head, list)
		if (pos->priority > pol->priority)
			break;
	/* Before pos, or at the tail if pos is the head itself. */
	list_add_tail_rcu(&pol->list, &pos->list);
	nn->spd.count++;
	nn->spd.gen++;
	*index = pol->index;
	return 0;
}

static void nfsec_policy_free_rcu(struct rcu_head *rcu)
{
	kmem_cache_free(nfsec_policy_cache,
			container_of(rcu, struct nfsec_policy, rcu));
}

static void nfsec_policy_unlink(struct nfsec_net *nn, struct nfsec_policy *pol)
{
	lockdep_assert_held(&nn->lock);
	list_del_rcu(&pol->list);
	xa_erase(&nn->spd.index, pol->index);
	nn->spd.count--;
	nn->spd.gen++;
	call_rcu(&pol->rcu, nfsec_policy_free_rcu);
}

/* Deletes by tmpl->index, or by direction, selectors and priority. */
int nfsec_policy_del(struct nfsec_net *nn, struct nfsec_policy *tmpl,
		     bool by_index)
{
	struct nfsec_policy *pol;

	lockdep_assert_held(&nn->lock);
	if (by_index)
		pol = xa_load(&nn->spd.index, tmpl->index);
	else
		pol = nfsec_policy_find(nn, tmpl);
	if (!pol)
		return -ENOENT;
	/* The caller announces what was deleted. */
	*tmpl = *pol;
	nfsec_policy_unlink(nn, pol);
	return 0;
}

/* Deletes the policies of one direction, or all with dir < 0. */
unsigned int nfsec_policy_flush(struct nfsec_net *nn, int dir)
{
	struct nfsec_policy *pol, *tmp;
	unsigned int n = 0;
	int d;

	lockdep_assert_held(&nn->lock);
	for (d = 0; d < __NFSEC_DIR_MAX; d++) {
		if (dir >= 0 && d != dir)
			continue;
		list_for_each_entry_safe(pol, tmp, &nn->spd.dir[d], list) {
			nfsec_policy_unlink(nn, pol);
			n++;
		}
	}
	return n;
}

/* Whether the selectors' ports apply to IP protocol proto. */
bool nfsec_proto_has_ports(u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_UDPLITE;
}

/* ICMPv6 messages of neighbour discovery (RFC 4861) and MLD (RFC 3810). */
static bool nfsec_icmpv6_nd(u8 type)
{
	switch (type) {
	case ICMPV6_MGM_QUERY:
	case ICMPV6_MGM_REPORT:
	case ICMPV6_MGM_REDUCTION:
	case ICMPV6_MLD2_REPORT:
	case NDISC_ROUTER_SOLICITATION:
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
	case NDISC_REDIRECT:
		return true;
	}
	return false;
}

/* The selectors' view of a packet whose network header is at skb->data. */
void nfsec_flow(const struct sk_buff *skb, struct nfsec_flow *fl)
{
	__be16 buf[2];
	const __be16 *ports;
	unsigned int off;

	memset(fl, 0, sizeof(*fl));
	if (ip_hdr(skb)->version == 6) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		u8 nexthdr = ip6h->nexthdr;
		__be16 frag_off;
		int hoff;

		fl->family = AF_INET6;
		fl->saddr.in6 = ip6h->saddr;
		fl->daddr.in6 = ip6h->daddr;
		hoff = ipv6_skip_exthdr(skb, skb_network_offset(skb) +
					sizeof(*ip6h), &nexthdr, &frag_off);
		fl->proto = nexthdr;
		if (hoff < 0 || (frag_off & htons(IP6_OFFSET)))
			return;
		if (nexthdr == IPPROTO_ICMPV6) {
			u8 tbuf;
			const u8 *type = skb_header_pointer(skb, hoff,
							    sizeof(tbuf), &tbuf);

			fl->nd = type && nfsec_icmpv6_nd(*type);
			return;
		}
		off = hoff;
	} else {
		const struct iphdr *iph = ip_hdr(skb);

		fl->family = AF_INET;
		fl->saddr.ip = iph->saddr;
		fl->daddr.ip = iph->daddr;
		fl->proto = iph->protocol;
		if (iph->frag_off & htons(IP_OFFSET))
			return;
		off = skb_network_offset(skb) + iph->ihl * 4;
	}
	if (!nfsec_proto_has_ports(fl->proto))
		return;
	ports = skb_header_pointer(skb, off, sizeof(buf), buf);
	if (!ports)
		return;
	fl->has_ports = true;
	fl->sport = ntohs(ports[0]);
	fl->dport = ntohs(ports[1]);
}

/*
 * The inner packet of sa (transport: the packet without ESP; tunnel: the
 * decapsulated one) must match an inbound protect policy naming sa, or its
 * request id: any SA of it, so that the one a rekey replaces still
 * accepts what was in flight.
 */
bool nfsec_in_policy_ok(struct nfsec_sa *sa, struct sk_buff *skb)
{
	struct nfsec_policy *pol;
	struct nfsec_flow fl;
	bool ok;

	nfsec_flow(skb, &fl);
	rcu_read_lock();
	pol = nfsec_policy_lookup_rcu(sa->nn, NFSEC_DIR_IN, &fl);
	ok = pol && pol->action == NFSEC_ACTION_PROTECT &&
	     (pol->reqid ? pol->reqid == sa->reqid :
	      !memcmp(&pol->sa, &sa->key, sizeof(sa->key)));
	if (pol)
		nfsec_policy_hit(pol);
	rcu_read_unlock();
	return ok;
}

int __init nfsec_policy_module_init(void)
{
	nfsec_policy_cache = KMEM_CACHE(nfsec_policy, SLAB_ACCOUNT);
	return nfsec_policy_cache ? 0 : -ENOMEM;
}

void nfsec_policy_module_exit(void)
{
	rcu_barrier();	/* for nfsec_policy_free_rcu() */
	kmem_cache_destroy(nfsec_policy_cache);
}

#ifdef NFSEC_DEBUG
/* Table-driven checks of the selector logic, run at module load. */
struct nfsec_sel_case {
	const char *what;
	struct nfsec_selector sel;
	struct nfsec_flow flow;
	bool match;
};

#define A(a, b, c, d) { .ip = cpu_to_be32(((a) << 24) | ((b) << 16) | \
					  ((c) << 8) | (d)) }
#define A6(a, b) { .in6 = { .s6_addr32 = { cpu_to_be32(a), 0, 0, \
					   cpu_to_be32(b) } } }
#define ANY_PORTS .sport_max = U16_MAX, .dport_max = U16_MAX
#define SEL4(...) { .family = AF_INET, ANY_PORTS, __VA_ARGS__ }
#define SEL4P(...) { .family = AF_INET, __VA_ARGS__ }
#define SEL6(...) { .family = AF_INET6, ANY_PORTS, __VA_ARGS__ }
#define FLOW4(...) { .family = AF_INET, __VA_ARGS__ }
#define FLOW6(...) { .family = AF_INET6, __VA_ARGS__ }

static const struct nfsec_sel_case nfsec_sel_cases[] __initconst = {
	{ "wildcard matches anything",
	  SEL4(), FLOW4(.saddr = A(1, 2, 3, 4), .daddr = A(5, 6, 7, 8),
			.proto = IPPROTO_UDP), true },
	{ "host /32 exact",
	  SEL4(.saddr = A(10, 0, 0, 1), .daddr = A(10, 0, 0, 2),
	       .splen = 32, .dplen = 32),
	  FLOW4(.saddr = A(10, 0, 0, 1), .daddr = A(10, 0, 0, 2),
		.proto = IPPROTO_ICMP), true },
	{ "host /32 other source",
	  SEL4(.saddr = A(10, 0, 0, 1), .daddr = A(10, 0, 0, 2),
	       .splen = 32, .dplen = 32),
	  FLOW4(.saddr = A(10, 0, 0, 3), .daddr = A(10, 0, 0, 2),
		.proto = IPPROTO_ICMP), false },
	{ "/24 inside",
	  SEL4(.saddr = A(192, 168, 1, 0), .splen = 24),
	  FLOW4(.saddr = A(192, 168, 1, 255), .daddr = A(8, 8, 8, 8),
		.proto = IPPROTO_TCP), true },
	{ "/24 just outside",
	  SEL4(.saddr = A(192, 168, 1, 0), .splen = 24),
	  FLOW4(.saddr = A(192, 168, 2, 0), .daddr = A(8, 8, 8, 8),
		.proto = IPPROTO_TCP), false },
	{ "/1 splits the space",
	  SEL4(.daddr = A(128, 0, 0, 0), .dplen = 1),
	  FLOW4(.saddr = A(1, 1, 1, 1), .daddr = A(127, 255, 255, 255),
		.proto = IPPROTO_TCP), false },
	{ "protocol mismatch",
	  SEL4(.proto = IPPROTO_TCP),
	  FLOW4(.proto = IPPROTO_UDP), false },
	{ "protocol match",
	  SEL4(.proto = IPPROTO_TCP),
	  FLOW4(.proto = IPPROTO_TCP), true },
	{ "port range lower edge",
	  SEL4P(.proto = IPPROTO_TCP, .sport_max = U16_MAX, .dport_min = 1000,
		.dport_max = 2000),
	  FLOW4(.proto = IPPROTO_TCP, .has_ports = true, .sport = 5,
		.dport = 1000), true },
	{ "port range upper edge",
	  SEL4P(.proto = IPPROTO_TCP, .sport_max = U16_MAX, .dport_min = 1000,
		.dport_max = 2000),
	  FLOW4(.proto = IPPROTO_TCP, .has_ports = true, .sport = 5,
		.dport = 2000), true },
	{ "port range above",
	  SEL4P(.proto = IPPROTO_TCP, .sport_max = U16_MAX, .dport_min = 1000,
		.dport_max = 2000),
	  FLOW4(.proto = IPPROTO_TCP, .has_ports = true, .sport = 5,
		.dport = 2001), false },
	{ "source port selector",
	  SEL4P(.proto = IPPROTO_UDP, .sport_min = 53, .sport_max = 53,
		.dport_max = U16_MAX),
	  FLOW4(.proto = IPPROTO_UDP, .has_ports = true, .sport = 53,
		.dport = 40000), true },
	{ "port selector, packet without ports (fragment)",
	  SEL4P(.proto = IPPROTO_UDP, .sport_min = 53, .sport_max = 53,
		.dport_max = U16_MAX),
	  FLOW4(.proto = IPPROTO_UDP), false },
	{ "IPv4 wildcard, IPv6 packet",
	  SEL4(), FLOW6(.proto = IPPROTO_UDP), false },
	{ "IPv6 wildcard, IPv4 packet",
	  SEL6(), FLOW4(.proto = IPPROTO_UDP), false },
	{ "IPv6 /64 inside",
	  SEL6(.saddr = A6(0x20010db8, 0), .splen = 64),
	  FLOW6(.saddr = A6(0x20010db8, 0xffff), .proto = IPPROTO_TCP),
	  true },
	{ "IPv6 /64 outside",
	  SEL6(.saddr = A6(0x20010db8, 0), .splen = 64),
	  FLOW6(.saddr = A6(0x20010db9, 1), .proto = IPPROTO_TCP), false },
	{ "IPv6 /128 exact",
	  SEL6(.daddr = A6(0x20010db8, 2), .dplen = 128),
	  FLOW6(.daddr = A6(0x20010db8, 2), .proto = IPPROTO_TCP), true },
	{ "IPv6 /128 last bit differs",
	  SEL6(.daddr = A6(0x20010db8, 2), .dplen = 128),
	  FLOW6(.daddr = A6(0x20010db8, 3), .proto = IPPROTO_TCP), false },
	{ "IPv6 wildcard passes over neighbour discovery",
	  SEL6(), FLOW6(.proto = IPPROTO_ICMPV6, .nd = true), false },
	{ "IPv6 ipv6-icmp policy catches neighbour discovery",
	  SEL6(.proto = IPPROTO_ICMPV6),
	  FLOW6(.proto = IPPROTO_ICMPV6, .nd = true), true },
	{ "IPv6 wildcard catches an echo request",
	  SEL6(), FLOW6(.proto = IPPROTO_ICMPV6), true },
	{ "IPv6 host policy catches neighbour discovery to the host",
	  SEL6(.daddr = A6(0x20010db8, 2), .dplen = 128),
	  FLOW6(.daddr = A6(0x20010db8, 2), .proto = IPPROTO_ICMPV6,
		.nd = true), true },
};

int __init nfsec_policy_selftest(void)
{
	unsigned int i, failed = 0;

	for (i = 0; i < ARRAY_SIZE(nfsec_sel_cases); i++) {
		const struct nfsec_sel_case *c = &nfsec_sel_cases[i];

		if (nfsec_selector_match(&c->sel, &c->flow) != c->match) {
			pr_err("selftest: selector case %u (%s) failed\n", i,
			       c->what);
			failed++;
		}
	}
	if (failed)
		return -EINVAL;
	pr_info("selftest: %zu selector cases passed\n",
		ARRAY_SIZE(nfsec_sel_cases));
	return 0;
}
#endif /* NFSEC_DEBUG */
