// SPDX-License-Identifier: GPL-2.0
/*
 * What ESP and AH share: making room in a packet, the outer header of
 * tunnel mode or the moved one of transport mode, sending a protected packet
 * on, taking the IPsec header off a verified packet (and, in tunnel mode,
 * checking the inner one) before the inbound policy check, and the
 * bookkeeping of transforms that complete asynchronously.
 */

#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
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

/*
 * Opens xlen bytes for the IPsec header: after the IPv4 header in transport
 * mode, after a new outer header in tunnel mode (skb holds the whole inner
 * packet). The headroom was made by nfsec_xform_make_room(). Returns the
 * outer header, complete but for the checksum's final value.
 */
struct iphdr *nfsec_xform_push(struct nfsec_sa *sa, struct sk_buff *skb,
			       const struct nfsec_cont *cont, unsigned int xlen)
{
	struct iphdr *iph = ip_hdr(skb), *outer;
	unsigned int ihl = iph->ihl * 4;

	if (sa->mode == NFSEC_MODE_TUNNEL) {
		outer = skb_push(skb, sizeof(*outer) + xlen);
		outer->version = 4;
		outer->ihl = 5;
		outer->tos = iph->tos;
		/*
		 * DF as the inner packet has it, as XFRM does: the path MTU
		 * then reaches the SA (ICMP) and the inner flow.
		 */
		outer->frag_off = iph->frag_off & htons(IP_DF);
		outer->ttl = IPDEFTTL;
		outer->saddr = sa->key.saddr.ip;
		outer->daddr = sa->daddr.ip;
		ihl = sizeof(*outer);
	} else {
		outer = skb_push(skb, xlen);
		memmove(outer, iph, ihl);
	}
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, ihl);
	outer->protocol = sa->key.proto;
	outer->tot_len = htons(skb->len);
	if (sa->mode == NFSEC_MODE_TUNNEL) {
		/* Before AH's ICV, which covers the identification. */
		ip_select_ident(cont->net, skb, NULL);
	} else {
		/*
		 * The route's MTU may be the one lowered for the plaintext
		 * (see nfsec_check_mtu()): size the packet by the link's.
		 */
		IPCB(skb)->flags |= IPSKB_FORWARDED;
		/* POST_ROUTING: ip_output() and ip_forward() set the route. */
		if (skb->len > READ_ONCE(skb_dst(skb)->dev->mtu)) {
			/* Fragmented after IPsec rather than a black hole. */
			outer->frag_off &= ~htons(IP_DF);
			skb->ignore_df = 1;
		}
	}
	ip_send_check(outer);
	return outer;
}

static void nfsec_xform_tunnel_xmit(struct nfsec_sa *sa, struct sk_buff *skb,
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
	if (ip_is_fragment(ip_hdr(skb))) {
		/*
		 * Queued, or dropped and counted by the IP MIB; a whole
		 * datagram comes back with its header checksum made.
		 */
		if (ip_defrag(cont->net, skb, nfsec_xform_defrag_user(sa)))
			return;
		/*
		 * As after netfilter's reassembly: a datagram whose fragments
		 * all had DF has DF too, and is forwarded in fragments no
		 * larger than those (IPCB(skb)->frag_max_size), not refused
		 * for its whole size.
		 */
		skb->ignore_df = 1;
	}
	if (!nfsec_in_policy_ok(sa, skb)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_POLICY);
		kfree_skb(skb);
		return;
	}
	nf_reset_ct(skb);
	/* For nfsec's input hook only, which takes it off. */
	IPCB(skb)->flags |= IPSKB_XFRM_TRANSFORMED;
	NF_HOOK(NFPROTO_IPV4, NF_INET_PRE_ROUTING, cont->net, NULL, skb,
		skb->dev, NULL, cont->okfn);
}

/*
 * A verified packet: hlen bytes of outer IPv4 header, xlen bytes of ESP or
 * AH header, then the payload of protocol nexthdr (any trailer already cut
 * off). Transport mode moves the IPv4 header up over the IPsec header;
 * tunnel mode takes out the inner packet, which must be a sound IPv4
 * packet. Then the inner packet is delivered (nfsec_xform_deliver()).
 * Always takes skb: the caller's hook returns NF_STOLEN.
 */
void nfsec_xform_decap(struct nfsec_sa *sa, struct sk_buff *skb,
		       const struct nfsec_cont *cont, unsigned int hlen,
		       unsigned int xlen, u8 nexthdr)
{
	struct iphdr *iph;
	int iif;

	if (sa->mode == NFSEC_MODE_TUNNEL) {
		u8 outer_tos = ip_hdr(skb)->tos;

		if (nexthdr != IPPROTO_IPIP)
			goto malformed;
		skb_pull(skb, hlen + xlen);
		skb_reset_network_header(skb);
		if (!pskb_may_pull(skb, sizeof(*iph)))
			goto malformed;
		iph = ip_hdr(skb);
		if (iph->version != 4 || iph->ihl < 5 ||
		    !pskb_may_pull(skb, iph->ihl * 4))
			goto malformed;
		iph = ip_hdr(skb);
		if (ip_fast_csum((u8 *)iph, iph->ihl) ||
		    ntohs(iph->tot_len) > skb->len ||
		    ntohs(iph->tot_len) < iph->ihl * 4 ||
		    pskb_trim(skb, ntohs(iph->tot_len)))
			goto malformed;
		skb->protocol = htons(ETH_P_IP);
		/*
		 * RFC 6040: congestion met by the outer packet marks an
		 * ECN-capable inner one (one that is not is left as it is,
		 * as XFRM leaves it, where RFC 6040 would drop it).
		 */
		if (INET_ECN_is_ce(outer_tos))
			IP_ECN_set_ce(iph);
		/* Routed by its own destination, not by the outer one's. */
		skb_dst_drop(skb);
	} else {
		iph = ip_hdr(skb);
		memmove((u8 *)iph + xlen, iph, hlen);
		skb_pull(skb, xlen);
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		iph->protocol = nexthdr;
		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
	}
	skb_set_transport_header(skb, ip_hdr(skb)->ihl * 4);
	skb->ip_summed = CHECKSUM_NONE;
	iif = IPCB(skb)->iif;
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	IPCB(skb)->iif = iif;
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
	if (sa->mode != NFSEC_MODE_TUNNEL && !cont.xmit)
		return NF_ACCEPT;
	nfsec_xform_output_xmit(sa, skb, &cont, cont.sk);
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
