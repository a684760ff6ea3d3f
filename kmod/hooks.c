// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter entry points. Outbound, at POST_ROUTING after source NAT,
 * locally generated and forwarded packets meet the outbound policies:
 * bypass, discard, or protect with the SA the policy names. Inbound, at
 * PRE_ROUTING after defragmentation, ESP and AH are looked up by (protocol,
 * source, SPI), checked against the replay window and verified (ESP also
 * decrypted), and the inner packet must match an inbound policy that names
 * the SA it arrived on; a packet in the clear that matches a protect policy
 * is dropped.
 */

#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/netfilter/nf_conntrack.h>

#include "compat.h"
#include "hooks.h"
#include "netlink.h"
#include "pernet.h"
#include "policy.h"
#include "sa.h"
#include "xform.h"

static bool nfsec_spd_empty(struct nfsec_net *nn, u8 dir)
{
	return list_empty_careful(&nn->spd.dir[dir]);
}

/*
 * Makes a local TCP GSO packet segment to fit mtu once ESP is added, so
 * that nothing is fragmented while the sender learns the smaller MTU.
 */
static bool nfsec_shrink_gso(struct sk_buff *skb, unsigned int mtu)
{
	struct skb_shared_info *shinfo = skb_shinfo(skb);
	unsigned int hdrlen, size;

	if (!skb_is_gso_tcp(skb) || shinfo->gso_size == GSO_BY_FRAGS)
		return false;
	hdrlen = skb_transport_offset(skb) + tcp_hdrlen(skb);
	if (mtu <= hdrlen + 8)
		return false;
	size = mtu - hdrlen;
	if (size >= shinfo->gso_size)
		return true;
	/* TCP keeps a clone for retransmission: change only ours. */
	if (skb_unclone(skb, GFP_ATOMIC))
		return false;
	skb_decrease_gso_size(skb_shinfo(skb), skb_shinfo(skb)->gso_size - size);
	skb_shinfo(skb)->gso_segs = 0;
	return true;
}

/*
 * What fits of a packet of sa once it is protected: the link's MTU (the
 * route's own may already be the lowered one), or the SA's path MTU when
 * ICMP gave a smaller one, less the SA's overhead; min at least.
 */
static unsigned int nfsec_mtu_left(struct nfsec_sa *sa, struct dst_entry *dst,
				   unsigned int min)
{
	unsigned int mtu = nfsec_xform_path_mtu(sa, dst);

	return mtu > sa->ops->overhead(sa) + min ?
	       mtu - sa->ops->overhead(sa) : min;
}

static bool nfsec_fits(struct sk_buff *skb, unsigned int mtu)
{
	return skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) :
				 skb->len <= mtu;
}

/*
 * Path MTU: a packet with DF set that will not fit once ESP is added is
 * refused with ICMP "fragmentation needed" carrying the MTU left for it
 * (RFC 4301 8.2), which a local sender receives too. A local TCP GSO packet
 * is instead resegmented to fit while its route learns the MTU.
 * Returns false if the packet was refused.
 */
static bool nfsec_check_mtu4(struct nfsec_sa *sa, struct sk_buff *skb)
{
	struct dst_entry *dst = skb_dst(skb);
	unsigned int mtu;

	if (!dst || skb->ignore_df || !(ip_hdr(skb)->frag_off & htons(IP_DF)))
		return true;
	mtu = nfsec_mtu_left(sa, dst, 68);
	if (nfsec_fits(skb, mtu))
		return true;
	if (skb->sk && skb_is_gso(skb) && nfsec_shrink_gso(skb, mtu)) {
		if (dst_mtu(dst) > mtu)
			skb_dst_update_pmtu_no_confirm(skb, mtu);
		return true;
	}
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	return false;
}

/*
 * IPv6 routers do not fragment (RFC 8200 5), senders do. A local packet
 * that will not fit once protected is protected, and the protected packet
 * fragmented by this host, its sender, by the route to the peer, which
 * takes the path MTU the SA learns (nfsec_in_icmp6()); a local TCP GSO
 * packet is resegmented to fit instead, as XFRM's transport mode does
 * neither. A forwarded packet is refused with ICMPv6 "packet too big"
 * carrying the MTU left for it (RFC 4301 8.2), unless it is no larger
 * than the least IPv6 MTU, which every link carries and below which no
 * sender goes: that one is protected and the protected packet fragmented.
 */
static bool nfsec_check_mtu6(struct nfsec_sa *sa, struct sk_buff *skb)
{
	struct dst_entry *dst = skb_dst(skb);
	unsigned int mtu;

	if (!dst || skb->ignore_df)
		return true;
	mtu = nfsec_mtu_left(sa, dst, 0);
	if (nfsec_fits(skb, mtu))
		return true;
	if (skb->sk && skb_is_gso(skb) && nfsec_shrink_gso(skb, mtu)) {
		if (mtu >= IPV6_MIN_MTU && dst_mtu(dst) > mtu)
			skb_dst_update_pmtu_no_confirm(skb, mtu);
		return true;
	}
	/* Local: not received (IP6SKB_FORWARDED is multicast routing's). */
	if (!skb->skb_iif || nfsec_fits(skb, IPV6_MIN_MTU))
		return true;
	icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, max(mtu, IPV6_MIN_MTU));
	return false;
}

static unsigned int nfsec_protect(struct nfsec_sa *sa, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct nfsec_cont cont = {
		.net = state->net,
		.sk = state->sk,
		.okfn = state->okfn,
		.pf = state->pf,
	};
	struct sk_buff *segs, *seg, *next;
	unsigned int verdict;

	/*
	 * ip_output() and ip_forward() route a packet before POST_ROUTING;
	 * the transforms size and send it by its route. That route is often
	 * borrowed for the hook's RCU section only (skb_dst_set_noref(),
	 * ip_route_input_noref()), and a transform that completes
	 * asynchronously sends the packet after it: take a reference, as
	 * XFRM's output does, before segmentation copies the route to each
	 * segment. A route being freed drops the packet.
	 */
	if (unlikely(!skb_dst_force(skb))) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOROUTE);
		return NF_DROP;
	}
	if (state->pf == NFPROTO_IPV6 ? !nfsec_check_mtu6(sa, skb) :
					!nfsec_check_mtu4(sa, skb))
		return NF_DROP;

	if (!skb_is_gso(skb)) {
		if (skb->ip_summed == CHECKSUM_PARTIAL &&
		    skb_csum_hwoffload_help(skb, 0)) {
			nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
			return NF_DROP;
		}
		return sa->ops->output(sa, skb, &cont);
	}

	/* Encrypt each segment; they go on through the continuation. */
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		return NF_DROP;
	}
	consume_skb(skb);
	cont.xmit = true;
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		if (seg->ip_summed == CHECKSUM_PARTIAL &&
		    skb_csum_hwoffload_help(seg, 0)) {
			nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
			kfree_skb(seg);
			continue;
		}
		verdict = sa->ops->output(sa, seg, &cont);
		WARN_ON_ONCE(verdict != NF_STOLEN);
	}
	return NF_STOLEN;
}

/*
 * The policy of direction dir for skb: NULL with *verdict set when the
 * packet is decided here (no policy or bypass: accept; discard: drop),
 * else the protect policy.
 */
static struct nfsec_policy *nfsec_decide(struct nfsec_net *nn, u8 dir,
					 struct sk_buff *skb,
					 unsigned int *verdict)
{
	struct nfsec_policy *pol;
	struct nfsec_flow fl;

	*verdict = NF_ACCEPT;
	if (nfsec_spd_empty(nn, dir))
		return NULL;
	nfsec_flow(skb, &fl);
	/* Hooks run under rcu_read_lock(). */
	pol = nfsec_policy_lookup_rcu(nn, dir, &fl);
	if (!pol)
		return NULL;
	nfsec_policy_hit(pol);
	switch (pol->action) {
	case NFSEC_ACTION_BYPASS:
		return NULL;
	case NFSEC_ACTION_DISCARD:
		nfsec_net_count(nn, NFSEC_NSTATS_A_DISCARD);
		*verdict = NF_DROP;
		return NULL;
	}
	return pol;
}

/*
 * Conntrack confirms a flow's first packet at the end of POST_ROUTING
 * (NF_IP_PRI_CONNTRACK_CONFIRM), just after nfsec's hook. A packet nfsec
 * protects is confirmed here, before it changes, as XFRM's are after all
 * of POST_ROUTING: helpers and NAT saw the plaintext, and the replies find
 * the entry. The protected packet then carries no entry of its own, so
 * conntrack's hook does not confirm it, run its helpers or adjust its
 * sequence numbers a second time: it is a new packet of another flow
 * (tunnel mode sends it through LOCAL_OUT, where conntrack may track it).
 */
static unsigned int nfsec_ct_confirm(struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	unsigned int verdict;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct)
		return NF_ACCEPT;
	verdict = nfsec_nf_confirm(skb, ct, ctinfo, state);
	if (verdict == NF_ACCEPT)
		nf_reset_ct(skb);
	return verdict;
}

/*
 * A tunnel SA's IPv6 packet (nfsec_xform_tunnel_xmit6()) on its way out:
 * sent whole if the route's MTU is only the one lowered for plaintext to
 * the peer (nfsec_xform_whole6()). The tunnel puts ESP or AH right after
 * the IPv6 header; the SA is found by it.
 */
static unsigned int nfsec_out_tunnel6(struct nfsec_net *nn,
				      struct sk_buff *skb,
				      const struct nf_hook_state *state)
{
	unsigned int off = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct nfsec_sa_key key = {};
	unsigned int verdict;
	struct nfsec_sa *sa;

	if (!skb_dst(skb) || skb->len <= dst_mtu(skb_dst(skb)))
		return NF_ACCEPT;
	key.proto = ip6h->nexthdr;
	if (key.proto == IPPROTO_AH)
		off += 4;
	else if (key.proto != IPPROTO_ESP)
		return NF_ACCEPT;
	if (skb_copy_bits(skb, off, &key.spi, sizeof(key.spi)))
		return NF_ACCEPT;
	key.family = AF_INET6;
	key.saddr.in6 = ip6h->saddr;
	sa = nfsec_sa_lookup_rcu(nn, &key);
	if (!sa || sa->mode != NFSEC_MODE_TUNNEL || !nfsec_xform_whole6(sa, skb))
		return NF_ACCEPT;
	verdict = nfsec_ct_confirm(skb, state);
	if (verdict != NF_ACCEPT)
		return verdict;
	nfsec_xform_neigh_xmit6(skb);
	return NF_STOLEN;
}

/*
 * A packet of pol found no SA of its request id: ask the key exchange
 * daemon for one (NFSEC_EV_ACQUIRE), at most once a second per policy.
 */
static void nfsec_acquire(struct nfsec_net *nn, struct nfsec_policy *pol,
			  const struct sk_buff *skb)
{
	unsigned long last = READ_ONCE(pol->acquire_at), now = jiffies;
	struct nfsec_flow fl;

	if (last && time_before(now, last + HZ))
		return;
	/* One CPU sends it; the others see the new time. */
	if (cmpxchg(&pol->acquire_at, last, now ?: 1) != last)
		return;
	nfsec_flow(skb, &fl);
	nfsec_nl_notify_acquire(nn, pol, &fl);
}

static unsigned int nfsec_out_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct nfsec_net *nn = nfsec_pernet(state->net);
	struct nfsec_policy *pol;
	unsigned int verdict;
	struct nfsec_sa *sa;

	/*
	 * A packet sent through a VRF device crosses POST_ROUTING twice:
	 * first with the VRF device, then with the real one it leaves by.
	 * nfsec protects it once, on the second pass, as conntrack confirms.
	 */
	if (netif_is_l3_master(state->out))
		return NF_ACCEPT;
	if (state->pf == NFPROTO_IPV6 ?
	    IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED :
	    IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED)
		return state->pf == NFPROTO_IPV6 ?
		       nfsec_out_tunnel6(nn, skb, state) : NF_ACCEPT;
	pol = nfsec_decide(nn, NFSEC_DIR_OUT, skb, &verdict);
	if (!pol)
		return verdict;

	sa = pol->reqid ? nfsec_sa_reqid_rcu(&nn->sad, pol->reqid) :
	     nfsec_sa_lookup_dir_rcu(nn, &pol->sa, NFSEC_DIR_OUT);
	if (!sa || !nfsec_sa_carries(sa, pol->sel.family)) {
		/* Fail closed; a key exchange may bring the SA. */
		nfsec_net_count(nn, NFSEC_NSTATS_A_NO_SA);
		if (pol->reqid)
			nfsec_acquire(nn, pol, skb);
		return NF_DROP;
	}
	verdict = nfsec_ct_confirm(skb, state);
	if (verdict != NF_ACCEPT)
		return verdict;
	return nfsec_protect(sa, skb, state);
}

/*
 * An ESP or AH packet hlen bytes into skb (after the IPv4 header, or the
 * IPv6 header and the extension headers before it): looked up, checked
 * against the replay window and handed to its protocol.
 */
static unsigned int nfsec_in_ipsec(struct nfsec_net *nn,
				   const struct nfsec_proto_ops *ops,
				   struct sk_buff *skb, unsigned int hlen,
				   const struct nf_hook_state *state)
{
	struct nfsec_cont cont = {
		.net = state->net,
		.okfn = state->okfn,
		.pf = state->pf,
	};
	struct nfsec_sa_key key = {};
	union nfsec_addr daddr = {};
	struct nfsec_sa *sa;
	__be32 buf[2];
	const __be32 *hdr;
	u64 seq;

	hdr = skb_header_pointer(skb, hlen + ops->spi_offset, sizeof(buf), buf);
	if (!hdr) {
		nfsec_net_count(nn, NFSEC_NSTATS_A_MALFORMED);
		return NF_DROP;
	}
	key.proto = ops->proto;
	if (state->pf == NFPROTO_IPV6) {
		key.family = AF_INET6;
		key.saddr.in6 = ipv6_hdr(skb)->saddr;
		daddr.in6 = ipv6_hdr(skb)->daddr;
	} else {
		key.family = AF_INET;
		key.saddr.ip = ip_hdr(skb)->saddr;
		daddr.ip = ip_hdr(skb)->daddr;
	}
	key.spi = hdr[0];
	sa = nfsec_sa_lookup_dir_rcu(nn, &key, NFSEC_DIR_IN);
	if (!sa || !nfsec_addr_equal(key.family, &sa->daddr, &daddr)) {
		/*
		 * Not one of ours: transit, for XFRM, or a copy of one nfsec
		 * sent, reflected back to it.
		 */
		nfsec_net_count(nn, NFSEC_NSTATS_A_NO_SA);
		return NF_ACCEPT;
	}
	if (!nfsec_sa_replay_check(sa, ntohl(hdr[1]), &seq))
		return NF_DROP;
	/*
	 * A route already attached (a looped-back packet's, one of a bridge)
	 * may be borrowed for this RCU section only, and the transform may
	 * complete after it: take a reference, as XFRM's input does.
	 */
	if (skb_dst(skb) && unlikely(!skb_dst_force(skb))) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOROUTE);
		return NF_DROP;
	}
	return sa->ops->input(sa, skb, hlen, seq, &cont);
}

/*
 * An ICMP "fragmentation needed" that quotes an ESP or AH packet of one of
 * nfsec's SAs: the SA takes the path MTU (RFC 4301 8.2). The error itself
 * goes on to the stack, which has no use for it. Anyone on the path can
 * send one, so as for the kernel's routes: only with a sound checksum and
 * an MTU no lower than the namespace's least (net.ipv4.route.min_pmtu,
 * 552 by default), or a forged error could make every packet of the SA a
 * few fragments; and only one the inbound policies let in (the caller).
 */
static void nfsec_in_icmp(struct nfsec_net *nn, struct sk_buff *skb,
			  const struct nf_hook_state *state)
{
	unsigned int off = ip_hdrlen(skb);
	struct nfsec_sa_key key = {};
	const struct nfsec_proto_ops *ops;
	const struct icmphdr *icmph;
	const struct iphdr *qiph;
	struct nfsec_sa *sa;
	struct {
		struct icmphdr icmp;
		struct iphdr iph;
	} buf;
	__be32 spibuf[2];
	const __be32 *spi;
	unsigned int qlen;
	u32 mtu;

	icmph = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!icmph || icmph->type != ICMP_DEST_UNREACH ||
	    icmph->code != ICMP_FRAG_NEEDED)
		return;
	if (nf_ip_checksum(skb, state->hook, off, IPPROTO_ICMP))
		return;
	qiph = (const struct iphdr *)(icmph + 1);
	if (qiph->version != 4 || qiph->ihl < 5 ||
	    (qiph->frag_off & htons(IP_OFFSET)))
		return;
	ops = nfsec_xform_find(qiph->protocol);
	if (!ops)
		return;
	qlen = off + sizeof(*icmph) + qiph->ihl * 4;
	spi = skb_header_pointer(skb, qlen, sizeof(spibuf), spibuf);
	if (!spi)
		return;
	key.proto = qiph->protocol;
	key.family = AF_INET;
	key.saddr.ip = qiph->saddr;
	key.spi = spi[ops->spi_offset / sizeof(*spi)];
	sa = nfsec_sa_lookup_dir_rcu(nn, &key, NFSEC_DIR_OUT);
	if (!sa || sa->daddr.ip != qiph->daddr)
		return;
	mtu = ntohs(icmph->un.frag.mtu);
	/* Below the least also when a router names no MTU (RFC 1191). */
	if (mtu < READ_ONCE(state->net->ipv4.ip_rt_min_pmtu) ||
	    mtu >= ntohs(qiph->tot_len))
		return;
	nfsec_sa_set_pmtu(sa, mtu);
}

/*
 * ICMPv6 "packet too big" quoting an ESP or AH packet of one of nfsec's
 * SAs, as nfsec_in_icmp() for IPv4: with a sound checksum, an MTU no
 * lower than the least IPv6 MTU (RFC 8200 5: a smaller one is no reason
 * to send smaller packets), and let in by the inbound policies. off: the
 * ICMPv6 header's offset.
 */
static void nfsec_in_icmp6(struct nfsec_net *nn, struct sk_buff *skb,
			   unsigned int off, const struct nf_hook_state *state)
{
	struct nfsec_sa_key key = { .family = AF_INET6 };
	const struct nfsec_proto_ops *ops;
	const struct icmp6hdr *icmph;
	const struct ipv6hdr *qip6h;
	struct nfsec_sa *sa;
	struct {
		struct icmp6hdr icmp;
		struct ipv6hdr ip6h;
	} buf;
	__be32 spibuf[2];
	const __be32 *spi;
	u32 mtu;

	icmph = skb_header_pointer(skb, off, sizeof(buf), &buf);
	if (!icmph || icmph->icmp6_type != ICMPV6_PKT_TOOBIG)
		return;
	if (nf_ip6_checksum(skb, state->hook, off, IPPROTO_ICMPV6))
		return;
	qip6h = (const struct ipv6hdr *)(icmph + 1);
	/* ESP and AH right after the header: as nfsec sends them. */
	ops = nfsec_xform_find(qip6h->nexthdr);
	if (qip6h->version != 6 || !ops)
		return;
	spi = skb_header_pointer(skb, off + sizeof(buf), sizeof(spibuf),
				 spibuf);
	if (!spi)
		return;
	key.proto = qip6h->nexthdr;
	key.saddr.in6 = qip6h->saddr;
	key.spi = spi[ops->spi_offset / sizeof(*spi)];
	sa = nfsec_sa_lookup_dir_rcu(nn, &key, NFSEC_DIR_OUT);
	if (!sa || !ipv6_addr_equal(&sa->daddr.in6, &qip6h->daddr))
		return;
	mtu = ntohl(icmph->icmp6_mtu);
	if (mtu < IPV6_MIN_MTU ||
	    mtu >= ntohs(qip6h->payload_len) + sizeof(*qip6h))
		return;
	nfsec_sa_set_pmtu(sa, mtu);
	/*
	 * And the route to the peer, as the stack's own error handler would
	 * (XFRM's, which finds no state of its own here, does not): the
	 * protected packets, which this host fragments, are cut to it.
	 */
	off += sizeof(*icmph);
	if (!pskb_may_pull(skb, off + sizeof(*qip6h)))
		return;
	__skb_pull(skb, off);
	ip6_update_pmtu(skb, state->net, htonl(mtu), 0, 0,
			sock_net_uid(state->net, NULL));
	__skb_push(skb, off);
}

/*
 * Whether nfsec decrypted skb (nfsec_xform_decap() marks it), taking the
 * mark off: it is for the input hook only, and a packet forwarded on must
 * meet the outbound policies like any other.
 */
static bool nfsec_take_decap_mark(struct sk_buff *skb, u8 pf)
{
	if (pf == NFPROTO_IPV6) {
		if (!(IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED))
			return false;
		IP6CB(skb)->flags &= ~IP6SKB_XFRM_TRANSFORMED;
		return true;
	}
	if (!(IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED))
		return false;
	IPCB(skb)->flags &= ~IPSKB_XFRM_TRANSFORMED;
	return true;
}

static unsigned int nfsec_in_hook(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct nfsec_net *nn = nfsec_pernet(state->net);
	const struct nfsec_proto_ops *ops;
	struct nfsec_policy *pol;
	unsigned int verdict, nhoff;
	struct nfsec_sa *sa;
	int hlen;
	u8 proto;

	/*
	 * A packet that came in on a device enslaved to a VRF crosses
	 * PRE_ROUTING twice: first with that device, then with the VRF
	 * device, marked IPSKB_L3SLAVE (vrf_ip_rcv()). nfsec saw it on the
	 * first pass (and sent a decrypted one through PRE_ROUTING again,
	 * which took its mark off): the second would take it for plaintext.
	 */
	if (state->pf == NFPROTO_IPV6 ?
	    IP6CB(skb)->flags & IP6SKB_L3SLAVE :
	    IPCB(skb)->flags & IPSKB_L3SLAVE)
		return NF_ACCEPT;
	/* Decrypted by nfsec and sent through PRE_ROUTING again. */
	if (nfsec_take_decap_mark(skb, state->pf))
		return NF_ACCEPT;

	/*
	 * Where ESP or AH would be. With SAs to protect, IPv6 headers that
	 * cannot be followed to it (unreadable, more than eight, hop-by-hop
	 * not first) could hide one: such a packet is dropped. Without, it
	 * is not nfsec's to judge.
	 */
	if (state->pf == NFPROTO_IPV6) {
		proto = IPPROTO_NONE;
		hlen = 0;
		if (READ_ONCE(nn->sad.count)) {
			hlen = nfsec_xform_ipv6_walk(skb, &proto, &nhoff);
			if (hlen < 0) {
				nfsec_net_count(nn, NFSEC_NSTATS_A_MALFORMED);
				return NF_DROP;
			}
		}
	} else {
		proto = ip_hdr(skb)->protocol;
		hlen = ip_hdrlen(skb);
	}
	ops = nfsec_xform_find(proto);
	if (ops && READ_ONCE(nn->sad.count)) {
		verdict = nfsec_in_ipsec(nn, ops, skb, hlen, state);
		/* Taken (delivered, in flight or dropped), unless not ours. */
		if (verdict != NF_ACCEPT)
			return verdict;
	}
	pol = nfsec_decide(nn, NFSEC_DIR_IN, skb, &verdict);
	if (!pol) {
		if (verdict == NF_ACCEPT && READ_ONCE(nn->sad.count)) {
			if (state->pf == NFPROTO_IPV4 && proto == IPPROTO_ICMP)
				nfsec_in_icmp(nn, skb, state);
			if (state->pf == NFPROTO_IPV6 && proto == IPPROTO_ICMPV6)
				nfsec_in_icmp6(nn, skb, hlen, state);
		}
		return verdict;
	}
	/* In the clear but should have been protected. */
	nfsec_net_count(nn, NFSEC_NSTATS_A_PLAINTEXT);
	sa = nfsec_sa_lookup_rcu(nn, &pol->sa);
	if (sa)
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_POLICY);
	return NF_DROP;
}

static const struct nf_hook_ops nfsec_nf_ops[] = {
	{
		.hook = nfsec_out_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		/*
		 * After NAT and helpers, and always just before conntrack's
		 * confirmation, which nfsec_ct_confirm() does in its place
		 * for the packets nfsec protects.
		 */
		.priority = NF_IP_PRI_CONNTRACK_CONFIRM - 1,
	}, {
		.hook = nfsec_in_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		/* After defragmentation, before conntrack and NAT. */
		.priority = NF_IP_PRI_CONNTRACK_DEFRAG + 1,
	}, {
		.hook = nfsec_out_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_POST_ROUTING,
		/* As for IPv4: conntrack confirms at NF_IP6_PRI_LAST. */
		.priority = NF_IP6_PRI_LAST - 1,
	}, {
		.hook = nfsec_in_hook,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_CONNTRACK_DEFRAG + 1,
	},
};

int nfsec_hooks_register(struct net *net)
{
	int err;

	err = nf_defrag_ipv4_enable(net);
	if (err)
		return err;
	err = nf_defrag_ipv6_enable(net);
	if (err)
		goto err_v4;
	err = nf_register_net_hooks(net, nfsec_nf_ops,
				    ARRAY_SIZE(nfsec_nf_ops));
	if (err)
		goto err_v6;
	return 0;

err_v6:
	nf_defrag_ipv6_disable(net);
err_v4:
	nf_defrag_ipv4_disable(net);
	return err;
}

void nfsec_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, nfsec_nf_ops, ARRAY_SIZE(nfsec_nf_ops));
	nf_defrag_ipv6_disable(net);
	nf_defrag_ipv4_disable(net);
}
