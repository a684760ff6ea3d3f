// SPDX-License-Identifier: GPL-2.0
/*
 * What ESP and AH share: making room in a packet, the outer header of
 * tunnel mode or the moved one of transport mode, sending a protected packet
 * on, taking the IPsec header off a verified packet (and, in tunnel mode,
 * checking the inner one) before the inbound policy check, and the
 * bookkeeping of transforms that complete asynchronously.
 */

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/skbuff.h>
#include <net/dsfield.h>
#include <net/inet_dscp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/ndisc.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>

#include "ah.h"
#include "esp.h"
#include "pernet.h"
#include "policy.h"
#include "sa.h"
#include "xform.h"

static const struct nfsec_proto_ops * const nfsec_protos[] = {
	&nfsec_esp_ops,
	&nfsec_ah_ops,
};

/* The operations of IP protocol proto, or NULL if nfsec does not do it. */
const struct nfsec_proto_ops *nfsec_xform_find(u8 proto)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(nfsec_protos); i++)
		if (nfsec_protos[i]->proto == proto)
			return nfsec_protos[i];
	return NULL;
}

/*
 * Where the IPsec header of a received IPv6 packet is: after the
 * hop-by-hop, routing and destination options headers, in any order (the
 * sender decides which destination options come first). Returns its offset
 * from the network header, with *proto the protocol found there and *nhoff
 * the offset of the byte that names it; -1 if the headers are unreadable.
 */
int nfsec_xform_ipv6_walk(const struct sk_buff *skb, u8 *proto,
			  unsigned int *nhoff)
{
	unsigned int off = sizeof(struct ipv6hdr);
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	int n;

	*nhoff = offsetof(struct ipv6hdr, nexthdr);
	for (n = 0;
	     nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING ||
	     nexthdr == NEXTHDR_DEST;
	     n++) {
		struct ipv6_opt_hdr buf;
		const struct ipv6_opt_hdr *h;

		/* Hop-by-hop comes first only (RFC 8200 4.1). */
		if (n >= 8 || (nexthdr == NEXTHDR_HOP && n))
			return -1;
		h = skb_header_pointer(skb, skb_network_offset(skb) + off,
				       sizeof(buf), &buf);
		if (!h)
			return -1;
		*nhoff = off;
		nexthdr = h->nexthdr;
		off += ipv6_optlen(h);
	}
	*proto = nexthdr;
	return off;
}

/* The MTU of sa's path by dst: the link's, or the smaller one ICMP gave. */
unsigned int nfsec_xform_path_mtu(const struct nfsec_sa *sa,
				  const struct dst_entry *dst)
{
	unsigned int mtu = READ_ONCE(dst->dev->mtu), pmtu;

	pmtu = nfsec_sa_pmtu(sa);
	return pmtu && pmtu < mtu ? pmtu : mtu;
}

/* The outer header tunnel mode adds. */
unsigned int nfsec_xform_outer_len(const struct nfsec_sa *sa)
{
	return sa->key.family == AF_INET6 ? sizeof(struct ipv6hdr) :
					     sizeof(struct iphdr);
}

/* The largest packet the SA's family can send. */
unsigned int nfsec_xform_max_len(const struct nfsec_sa *sa)
{
	return sa->key.family == AF_INET6 ?
	       IPV6_MAXPLEN + sizeof(struct ipv6hdr) : IP_MAX_MTU;
}

/*
 * Fills xo for skb, an outbound packet of sa. false if the packet cannot
 * be cut: a transport-mode SA given a packet of the other family, or IPv6
 * extension headers that cannot be read.
 */
bool nfsec_xform_out_split(const struct nfsec_sa *sa, struct sk_buff *skb,
			   struct nfsec_xform_out *xo)
{
	bool v6 = ip_hdr(skb)->version == 6;
	u8 *prevhdr;
	int off;

	if (sa->mode == NFSEC_MODE_TUNNEL) {
		xo->ihl = 0;
		xo->hlen = nfsec_xform_outer_len(sa);
		xo->nhoff = 0;
		xo->nexthdr = v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
		return true;
	}
	if (sa->key.family != (v6 ? AF_INET6 : AF_INET))
		return false;
	if (!v6) {
		xo->ihl = ip_hdrlen(skb);
		xo->nhoff = offsetof(struct iphdr, protocol);
		xo->nexthdr = ip_hdr(skb)->protocol;
	} else {
		/* Where the kernel would put a fragment header (RFC 4303 3.1.1). */
		off = ip6_find_1stfragopt(skb, &prevhdr);
		if (off < 0)
			return false;
		xo->ihl = off;
		xo->nhoff = prevhdr - skb_network_header(skb);
		xo->nexthdr = *prevhdr;
	}
	xo->hlen = xo->ihl;
	return true;
}

/* Makes skb linear and private, with room for head and tail bytes more. */
int nfsec_xform_make_room(struct sk_buff *skb, unsigned int head,
			  unsigned int tail)
{
	int dh, dt;

	if (skb_linearize_cow(skb))
		return -ENOMEM;
	dh = max_t(int, 0, head - skb_headroom(skb));
	dt = max_t(int, 0, tail - skb_tailroom(skb));
	if (dh || dt)
		return pskb_expand_head(skb, ALIGN(dh, NET_SKB_PAD), dt,
					GFP_ATOMIC);
	return 0;
}

/* The outer IPv4 header of tunnel mode, before the inner packet. */
static void nfsec_xform_push_outer4(struct nfsec_sa *sa, struct sk_buff *skb,
				    const struct nfsec_cont *cont,
				    unsigned int xlen)
{
	const void *inner = skb->data;
	struct iphdr *outer;
	__be16 df;
	u8 tos;

	if (ip_hdr(skb)->version == 4) {
		tos = ((const struct iphdr *)inner)->tos;
		/*
		 * DF as the inner packet has it, as XFRM does: the path MTU
		 * then reaches the SA (ICMP) and the inner flow.
		 */
		df = ((const struct iphdr *)inner)->frag_off & htons(IP_DF);
	} else {
		/* IPv6 is never fragmented on its way (RFC 8200 5). */
		tos = ipv6_get_dsfield(inner);
		df = htons(IP_DF);
	}
	outer = skb_push(skb, sizeof(*outer) + xlen);
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = tos;
	outer->frag_off = df;
	outer->ttl = IPDEFTTL;
	outer->saddr = sa->key.saddr.ip;
	outer->daddr = sa->daddr.ip;
	outer->protocol = sa->key.proto;
	outer->tot_len = htons(skb->len);
	skb_reset_network_header(skb);
	/* Before AH's ICV, which covers the identification. */
	ip_select_ident(cont->net, skb, NULL);
	ip_send_check(outer);
}

/*
 * The outer IPv6 header of tunnel mode; the hop limit is set once the
 * route is known (it is outside AH's ICV).
 */
static void nfsec_xform_push_outer6(struct nfsec_sa *sa, struct sk_buff *skb,
				    unsigned int xlen)
{
	const void *inner = skb->data;
	struct ipv6hdr *outer;
	__be32 label = 0;
	u8 tclass;

	if (ip_hdr(skb)->version == 4) {
		tclass = ((const struct iphdr *)inner)->tos;
	} else {
		tclass = ipv6_get_dsfield(inner);
		label = ip6_flowlabel(inner);
	}
	outer = skb_push(skb, sizeof(*outer) + xlen);
	ip6_flow_hdr(outer, tclass, label);
	outer->payload_len = htons(skb->len - sizeof(*outer));
	outer->nexthdr = sa->key.proto;
	outer->hop_limit = IPV6_DEFAULT_HOPLIMIT;
	outer->saddr = sa->key.saddr.in6;
	outer->daddr = sa->daddr.in6;
	skb_reset_network_header(skb);
}

/*
 * Opens xlen bytes for the IPsec header where xo says: after a new outer
 * header in tunnel mode (skb holds the whole inner packet), after the
 * first xo->ihl bytes in transport mode, whose next-header byte then names
 * the IPsec protocol. The headroom was made by nfsec_xform_make_room().
 * Returns the network header, complete (IPv4: with its checksum).
 */
void *nfsec_xform_push(struct nfsec_sa *sa, struct sk_buff *skb,
		       const struct nfsec_cont *cont,
		       const struct nfsec_xform_out *xo, unsigned int xlen)
{
	void *nh = skb_network_header(skb);
	u8 *outer;

	if (sa->mode == NFSEC_MODE_TUNNEL) {
		if (sa->key.family == AF_INET6)
			nfsec_xform_push_outer6(sa, skb, xlen);
		else
			nfsec_xform_push_outer4(sa, skb, cont, xlen);
		skb_set_transport_header(skb, xo->hlen);
		return skb_network_header(skb);
	}

	outer = skb_push(skb, xlen);
	memmove(outer, nh, xo->ihl);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, xo->hlen);
	outer[xo->nhoff] = sa->key.proto;
	/*
	 * The route's MTU may be the one lowered for the plaintext (see
	 * nfsec_check_mtu()): size the packet by the link's. POST_ROUTING:
	 * ip_output() and ip_forward() set the route.
	 */
	if (sa->key.family == AF_INET6) {
		ipv6_hdr(skb)->payload_len =
			htons(skb->len - sizeof(struct ipv6hdr));
		/*
		 * This host is the protected packet's sender, which fragments
		 * what is too big for the route (RFC 8200 5); what was too big
		 * to be protected was refused (nfsec_check_mtu6()).
		 */
		skb->ignore_df = 1;
		return outer;
	}
	IPCB(skb)->flags |= IPSKB_FORWARDED;
	ip_hdr(skb)->tot_len = htons(skb->len);
	if (skb->len > READ_ONCE(skb_dst(skb)->dev->mtu)) {
		/* Fragmented after IPsec rather than a black hole. */
		ip_hdr(skb)->frag_off &= ~htons(IP_DF);
		skb->ignore_df = 1;
	}
	ip_send_check(ip_hdr(skb));
	return outer;
}

static void nfsec_xform_tunnel_xmit4(struct nfsec_sa *sa, struct sk_buff *skb,
				     const struct nfsec_cont *cont)
{
	struct flowi4 fl4 = {
		.daddr = sa->daddr.ip,
		.saddr = sa->key.saddr.ip,
		.flowi4_proto = sa->key.proto,
	};
	struct rtable *rt;

	rt = ip_route_output_key(cont->net, &fl4);
	if (IS_ERR(rt)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOROUTE);
		kfree_skb(skb);
		return;
	}
	skb_dst_drop(skb);
	skb_dst_set(skb, &rt->dst);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	/*
	 * Not seen again by nfsec's own output hook, and sized by the link's
	 * MTU: the route to the peer may carry the MTU lowered for plaintext
	 * to the same address (see nfsec_check_mtu()).
	 */
	IPCB(skb)->flags |= IPSKB_XFRM_TRANSFORMED | IPSKB_FORWARDED;
	nf_reset_ct(skb);
	skb->protocol = htons(ETH_P_IP);
	skb->ignore_df = 1;
	ip_local_out(cont->net, skb->sk, skb);
}

static void nfsec_xform_tunnel_xmit6(struct nfsec_sa *sa, struct sk_buff *skb,
				     const struct nfsec_cont *cont)
{
	struct flowi6 fl6 = {
		.daddr = sa->daddr.in6,
		.saddr = sa->key.saddr.in6,
		.flowi6_proto = sa->key.proto,
	};
	struct dst_entry *dst;

	dst = ip6_route_output(cont->net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOROUTE);
		kfree_skb(skb);
		return;
	}
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	ipv6_hdr(skb)->hop_limit = ip6_dst_hoplimit(dst);
	memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
	/* Not seen again by nfsec's own output hook. */
	IP6CB(skb)->flags |= IP6SKB_XFRM_TRANSFORMED;
	nf_reset_ct(skb);
	skb->protocol = htons(ETH_P_IPV6);
	/* The tunnel's entry is the outer packet's sender: it may fragment. */
	skb->ignore_df = 1;
	ip6_local_out(cont->net, skb->sk, skb);
}

static void nfsec_xform_tunnel_xmit(struct nfsec_sa *sa, struct sk_buff *skb,
				    const struct nfsec_cont *cont)
{
	if (sa->key.family == AF_INET6)
		nfsec_xform_tunnel_xmit6(sa, skb, cont);
	else
		nfsec_xform_tunnel_xmit4(sa, skb, cont);
}

/*
 * An IPv6 packet of sa, protected: the route to the peer may also be the
 * plaintext's (transport mode, or a tunnel to the host at its end), and
 * its MTU the one lowered for the plaintext (nfsec_check_mtu6()), by
 * which IPv6's output would fragment nearly every protected packet.
 * Whether skb is over that MTU but fits the link and the path MTU the SA
 * learnt: then it is sent whole (nfsec_xform_neigh_xmit6()), as IPv4's
 * are sized by the link (IPSKB_FORWARDED, nfsec_xform_push()).
 */
bool nfsec_xform_whole6(const struct nfsec_sa *sa, const struct sk_buff *skb)
{
	const struct dst_entry *dst = skb_dst(skb);

	return dst && skb->len > dst_mtu(dst) &&
	       skb->len <= nfsec_xform_path_mtu(sa, dst);
}

static bool nfsec_xform_transport_whole6(const struct nfsec_sa *sa,
					 const struct sk_buff *skb)
{
	return sa->mode != NFSEC_MODE_TUNNEL && sa->key.family == AF_INET6 &&
	       nfsec_xform_whole6(sa, skb);
}

/* What IPv6's output does after its MTU check: to the next hop. */
void nfsec_xform_neigh_xmit6(struct sk_buff *skb)
{
	struct dst_entry *dst = skb_dst(skb);
	struct net_device *dev = dst->dev;
	const struct in6_addr *nexthop;
	struct neighbour *neigh;

	if (unlikely(skb_headroom(skb) < LL_RESERVED_SPACE(dev) &&
		     dev->header_ops)) {
		skb = skb_expand_head(skb, LL_RESERVED_SPACE(dev));
		if (!skb)
			return;
	}
	rcu_read_lock_bh();
	nexthop = rt6_nexthop(container_of(dst, struct rt6_info, dst),
			      &ipv6_hdr(skb)->daddr);
	neigh = __ipv6_neigh_lookup_noref(dev, nexthop);
	if (unlikely(!neigh))
		neigh = __neigh_create(&nd_tbl, nexthop, dev, false);
	if (IS_ERR(neigh)) {
		rcu_read_unlock_bh();
		kfree_skb(skb);
		return;
	}
	sock_confirm_neigh(skb, neigh);
	neigh_output(neigh, skb, false);
	rcu_read_unlock_bh();
}

/*
 * After the transform, synchronous or not: send the packet on. sk is the
 * hook's socket, or after an asynchronous transform the skb's own (which
 * the skb keeps alive; the hook's may be gone).
 */
void nfsec_xform_output_xmit(struct nfsec_sa *sa, struct sk_buff *skb,
			     const struct nfsec_cont *cont, struct sock *sk)
{
	if (sa->mode == NFSEC_MODE_TUNNEL)
		nfsec_xform_tunnel_xmit(sa, skb, cont);
	else if (nfsec_xform_transport_whole6(sa, skb))
		nfsec_xform_neigh_xmit6(skb);
	else
		cont->okfn(cont->net, sk, skb);
}

/*
 * The inner fragments nfsec decrypted are reassembled in queues of its own,
 * one per SA: the reassembly key's user is sa's id with bit 31 set, which
 * keeps clear of the kernel's users (enum ip_defrag_users: local delivery,
 * conntrack's zones, IPVS, AF_PACKET, macvlan, all below 2^18); the ids
 * are below 2^31 (sa.c). A fragment that arrived in the clear is queued by
 * conntrack's or local delivery's key, so it can never complete a datagram
 * whose other fragments were protected; and a peer can only put fragments
 * into the queues of its own SAs, never overlap (and so drop) or complete
 * with its own bytes a datagram that came under another SA's policy. The
 * cost: a datagram whose fragments straddle a rekey, some under the old SA
 * and some under the new, is never completed (the sender's retransmission
 * or the next datagram goes under the new SA whole).
 */
#define NFSEC_DEFRAG_USER_SA	BIT(31)

static u32 nfsec_xform_defrag_user(const struct nfsec_sa *sa)
{
	return NFSEC_DEFRAG_USER_SA | sa->id;
}

/*
 * A decrypted packet of the family other than the hook's (4in6, 6in4)
 * has no continuation from the hook: it is routed here, as the receive
 * path would route it after PRE_ROUTING.
 */
static int nfsec_xform_rcv_finish4(struct net *net, struct sock *sk,
				   struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (ip_route_input(skb, iph->daddr, iph->saddr,
			   inet_dsfield_to_dscp(iph->tos), skb->dev)) {
		kfree_skb(skb);
		return NET_RX_DROP;
	}
	return dst_input(skb);
}

static int nfsec_xform_rcv_finish6(struct net *net, struct sock *sk,
				   struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h = ipv6_hdr(skb);
	struct flowi6 fl6 = {
		.flowi6_iif = skb->dev->ifindex,
		.daddr = ip6h->daddr,
		.saddr = ip6h->saddr,
		.flowlabel = ip6_flowinfo(ip6h),
		.flowi6_mark = skb->mark,
		.flowi6_proto = ip6h->nexthdr,
	};

	/* As ip6_route_input(), which not every kernel exports. */
	skb_dst_drop(skb);
	skb_dst_set_noref(skb, ip6_route_input_lookup(net, skb->dev, &fl6, skb,
						      RT6_LOOKUP_F_HAS_SADDR |
						      RT6_LOOKUP_F_DST_NOREF));
	return dst_input(skb);
}

/*
 * The receive path's view of an IPv6 packet nfsec hands on: where the
 * upper layer starts after a hop-by-hop header, which was already read
 * (transport mode) or is passed over (an inner packet's).
 */
static void nfsec_xform_ipv6_nh(struct sk_buff *skb)
{
	unsigned int off = sizeof(struct ipv6hdr);
	const struct ipv6_opt_hdr *h;

	IP6CB(skb)->nhoff = offsetof(struct ipv6hdr, nexthdr);
	if (ipv6_hdr(skb)->nexthdr == NEXTHDR_HOP &&
	    pskb_may_pull(skb, off + 8)) {
		h = (const struct ipv6_opt_hdr *)(skb->data + off);
		if (pskb_may_pull(skb, off + ipv6_optlen(h))) {
			IP6CB(skb)->nhoff = off;
			off += ipv6_optlen(h);
		}
	}
	skb_set_transport_header(skb, off);
}

/* Inner fragments: put together in sa's own queue (see above). */
static bool nfsec_xform_defrag(struct nfsec_sa *sa, struct sk_buff *skb,
			       const struct nfsec_cont *cont, bool v6)
{
	int err;

	if (!v6) {
		if (!ip_is_fragment(ip_hdr(skb)))
			return true;
		/*
		 * Queued, or dropped and counted by the IP MIB; a whole
		 * datagram comes back with its header checksum made.
		 */
		if (ip_defrag(cont->net, skb, nfsec_xform_defrag_user(sa)))
			return false;
	} else {
		/* 0: not a fragment, or the whole datagram in skb. */
		err = nf_ct_frag6_gather(cont->net, skb,
					 nfsec_xform_defrag_user(sa));
		if (err == -EINPROGRESS)
			return false;
		if (err) {
			nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
			kfree_skb(skb);
			return false;
		}
		if (!IP6CB(skb)->frag_max_size)
			return true;
		nfsec_xform_ipv6_nh(skb);
	}
	/*
	 * As after netfilter's reassembly: a datagram whose fragments all
	 * had DF has DF too, and is forwarded in fragments no larger than
	 * those (IPCB(skb)->frag_max_size), not refused for its whole size.
	 */
	skb->ignore_df = 1;
	return true;
}

/*
 * The inner packet of sa, decrypted: a datagram that arrived in fragments
 * is put together first, so that its ports are known to the inbound
 * policy, which it must pass. Then it goes through PRE_ROUTING from its
 * start as a packet of its own, as XFRM's do: defragmentation, conntrack
 * and NAT see it as a new packet, and nfsec's hook lets it pass once.
 * Always takes skb.
 */
static void nfsec_xform_deliver(struct nfsec_sa *sa, struct sk_buff *skb,
				const struct nfsec_cont *cont)
{
	bool v6 = ip_hdr(skb)->version == 6;
	u8 pf = v6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	nfsec_okfn_t okfn = cont->okfn;

	if (!nfsec_xform_defrag(sa, skb, cont, v6))
		return;
	if (!nfsec_in_policy_ok(sa, skb)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_POLICY);
		kfree_skb(skb);
		return;
	}
	nf_reset_ct(skb);
	if (pf != cont->pf)
		okfn = v6 ? nfsec_xform_rcv_finish6 : nfsec_xform_rcv_finish4;
	/* For nfsec's input hook only, which takes it off. */
	if (v6)
		IP6CB(skb)->flags |= IP6SKB_XFRM_TRANSFORMED;
	else
		IPCB(skb)->flags |= IPSKB_XFRM_TRANSFORMED;
	NF_HOOK(pf, NF_INET_PRE_ROUTING, cont->net, NULL, skb, skb->dev, NULL,
		okfn);
}

/* The inner IPv4 packet of tunnel mode, at skb->data: sound, and trimmed. */
static bool nfsec_xform_inner4(struct sk_buff *skb)
{
	struct iphdr *iph;

	if (!pskb_may_pull(skb, sizeof(*iph)))
		return false;
	iph = ip_hdr(skb);
	if (iph->version != 4 || iph->ihl < 5 ||
	    !pskb_may_pull(skb, iph->ihl * 4))
		return false;
	iph = ip_hdr(skb);
	if (ip_fast_csum((u8 *)iph, iph->ihl) ||
	    ntohs(iph->tot_len) > skb->len ||
	    ntohs(iph->tot_len) < iph->ihl * 4 ||
	    pskb_trim(skb, ntohs(iph->tot_len)))
		return false;
	skb->protocol = htons(ETH_P_IP);
	return true;
}

/* The inner IPv6 packet likewise (a jumbogram is not taken). */
static bool nfsec_xform_inner6(struct sk_buff *skb)
{
	struct ipv6hdr *ip6h;
	unsigned int len;

	if (!pskb_may_pull(skb, sizeof(*ip6h)))
		return false;
	ip6h = ipv6_hdr(skb);
	len = ntohs(ip6h->payload_len) + sizeof(*ip6h);
	if (ip6h->version != 6 || !ip6h->payload_len || len > skb->len ||
	    pskb_trim(skb, len))
		return false;
	skb->protocol = htons(ETH_P_IPV6);
	return true;
}

/*
 * A verified packet: hlen bytes of outer header (IPv4, or IPv6 with the
 * extension headers before the IPsec header), xlen bytes of ESP or AH
 * header, then the payload of protocol nexthdr (any trailer already cut
 * off). Transport mode moves the outer header up over the IPsec header;
 * tunnel mode takes out the inner packet, which must be a sound IPv4 or
 * IPv6 packet. Then the inner packet is delivered (nfsec_xform_deliver()).
 * Always takes skb: the caller's hook returns NF_STOLEN.
 */
void nfsec_xform_decap(struct nfsec_sa *sa, struct sk_buff *skb,
		       const struct nfsec_cont *cont, unsigned int hlen,
		       unsigned int xlen, u8 nexthdr)
{
	bool outer6 = ip_hdr(skb)->version == 6;
	unsigned int nhoff;
	int iif;
	u8 *nh;

	iif = outer6 ? IP6CB(skb)->iif : IPCB(skb)->iif;
	if (sa->mode == NFSEC_MODE_TUNNEL) {
		u8 outer_tos = outer6 ? ipv6_get_dsfield(ipv6_hdr(skb)) :
					ip_hdr(skb)->tos;

		skb_pull(skb, hlen + xlen);
		skb_reset_network_header(skb);
		if (nexthdr == IPPROTO_IPIP ? !nfsec_xform_inner4(skb) :
		    nexthdr != IPPROTO_IPV6 || !nfsec_xform_inner6(skb))
			goto malformed;
		/*
		 * RFC 6040: congestion met by the outer packet marks an
		 * ECN-capable inner one (one that is not is left as it is,
		 * as XFRM leaves it, where RFC 6040 would drop it).
		 */
		if (INET_ECN_is_ce(outer_tos)) {
			if (nexthdr == IPPROTO_IPIP)
				IP_ECN_set_ce(ip_hdr(skb));
			else
				IP6_ECN_set_ce(skb, ipv6_hdr(skb));
		}
		/* Routed by its own destination, not by the outer one's. */
		skb_dst_drop(skb);
	} else if (outer6) {
		u8 proto;

		/* The byte that names the IPsec header names the payload. */
		if (nfsec_xform_ipv6_walk(skb, &proto, &nhoff) != hlen)
			goto malformed;
		nh = skb_network_header(skb);
		memmove(nh + xlen, nh, hlen);
		skb_pull(skb, xlen);
		skb_reset_network_header(skb);
		skb_network_header(skb)[nhoff] = nexthdr;
		ipv6_hdr(skb)->payload_len =
			htons(skb->len - sizeof(struct ipv6hdr));
	} else {
		struct iphdr *iph = ip_hdr(skb);

		memmove((u8 *)iph + xlen, iph, hlen);
		skb_pull(skb, xlen);
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		iph->protocol = nexthdr;
		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
	}
	skb->ip_summed = CHECKSUM_NONE;
	if (ip_hdr(skb)->version == 6) {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		IP6CB(skb)->iif = iif;
		nfsec_xform_ipv6_nh(skb);
	} else {
		skb_set_transport_header(skb, ip_hdrlen(skb));
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		IPCB(skb)->iif = iif;
	}
	nfsec_xform_deliver(sa, skb, cont);
	return;

malformed:
	nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
	kfree_skb(skb);
}

/*
 * Around a transform that may complete asynchronously: a reference on sa
 * and a count the namespace's exit waits for. false if sa is being deleted.
 */
bool nfsec_xform_hold(struct nfsec_sa *sa)
{
	if (!refcount_inc_not_zero(&sa->refcnt))
		return false;
	atomic_inc(&sa->nn->inflight);
	return true;
}

/* The last thing a transform does with sa. */
void nfsec_xform_release(struct nfsec_sa *sa)
{
	struct nfsec_net *nn = sa->nn;

	nfsec_sa_put(sa);
	if (atomic_dec_and_test(&nn->inflight))
		wake_up_var(&nn->inflight);
}

/*
 * An outbound transform completed synchronously with err: the packet goes
 * on through the hook chain (NF_ACCEPT), is sent on or dropped (NF_STOLEN).
 * Frees xp, the start of the per-packet state. The hook holds the RCU read
 * lock that keeps sa alive.
 */
unsigned int nfsec_xform_output_sync(struct nfsec_xform_pkt *xp, int err)
{
	struct nfsec_cont cont = xp->cont;
	struct sk_buff *skb = xp->skb;
	struct nfsec_sa *sa = xp->sa;

	nfsec_xform_pkt_free(xp);
	nfsec_xform_release(sa);
	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_CRYPTO);
		kfree_skb(skb);
		return NF_STOLEN;
	}
	if (sa->mode == NFSEC_MODE_TUNNEL || cont.xmit)
		nfsec_xform_output_xmit(sa, skb, &cont, cont.sk);
	else if (nfsec_xform_transport_whole6(sa, skb))
		nfsec_xform_neigh_xmit6(skb);
	else
		return NF_ACCEPT;
	return NF_STOLEN;
}

/*
 * An outbound transform completed asynchronously: the packet goes on, or
 * is dropped on err. Frees xp, the start of the per-packet state.
 */
void nfsec_xform_output_end(struct nfsec_xform_pkt *xp, int err)
{
	struct nfsec_sa *sa = xp->sa;

	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_CRYPTO);
		kfree_skb(xp->skb);
	} else {
		nfsec_xform_output_xmit(sa, xp->skb, &xp->cont, xp->skb->sk);
	}
	nfsec_xform_pkt_free(xp);
	nfsec_xform_release(sa);
}

/*
 * An inbound transform completed asynchronously; its packet was delivered
 * or dropped. Drops the reference on the device the packet came in on,
 * which the transform took, and frees xp.
 */
void nfsec_xform_input_end(struct nfsec_xform_pkt *xp)
{
	struct nfsec_sa *sa = xp->sa;

	nfsec_xform_put_dev(xp);
	nfsec_xform_pkt_free(xp);
	nfsec_xform_release(sa);
}
