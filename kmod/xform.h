/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_XFORM_H
#define _NFSEC_XFORM_H

#include <linux/bottom_half.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/types.h>

struct nfsec_sa;
struct netlink_ext_ack;

typedef int (*nfsec_okfn_t)(struct net *net, struct sock *sk,
			    struct sk_buff *skb);

/* Where a packet goes once its crypto is done. */
struct nfsec_cont {
	struct net *net;
	struct sock *sk;
	nfsec_okfn_t okfn;	/* the hook's continuation */
	u8 pf;			/* the hook's family: NFPROTO_IPV4 or _IPV6 */
	bool xmit;		/* call okfn even when done synchronously */
};

/*
 * How an outbound packet is cut for the IPsec header: ihl bytes of it stay
 * in front (transport mode: the IPv4 header, or the IPv6 header with the
 * extension headers that come before ESP and AH; tunnel mode: none), and
 * the IPsec header then sits hlen bytes into the packet sent.
 */
struct nfsec_xform_out {
	unsigned int ihl;
	unsigned int hlen;
	unsigned int nhoff;	/* transport: the byte that names the next */
	u8 nexthdr;		/* what the IPsec header's next header says */
};

/* The start of ESP's and AH's per-packet state. */
struct nfsec_xform_pkt {
	struct sk_buff *skb;
	struct nfsec_sa *sa;		/* holds a reference */
	struct nfsec_cont cont;
	u64 seq;
	unsigned int hlen;		/* bytes before the IPsec header */
	/*
	 * Inbound: the device the packet came in on, held for the
	 * completion, which may find the packet freed (dropped).
	 */
	struct net_device *dev;
	netdevice_tracker dev_tracker;
};

static inline void nfsec_xform_pkt_init(struct nfsec_xform_pkt *xp,
					struct sk_buff *skb,
					struct nfsec_sa *sa,
					const struct nfsec_cont *cont,
					u64 seq, unsigned int hlen)
{
	xp->skb = skb;
	xp->sa = sa;
	xp->cont = *cont;
	xp->seq = seq;
	xp->hlen = hlen;
	xp->dev = NULL;
}

/* Before an inbound transform that may complete asynchronously. */
static inline void nfsec_xform_hold_dev(struct nfsec_xform_pkt *xp)
{
	xp->dev = xp->skb->dev;
	netdev_hold(xp->dev, &xp->dev_tracker, GFP_ATOMIC);
}

static inline void nfsec_xform_put_dev(struct nfsec_xform_pkt *xp)
{
	netdev_put(xp->dev, &xp->dev_tracker);
}

/*
 * Around the whole of a crypto completion, which may run in a crypto
 * engine's thread or a threaded interrupt: the receive and transmit paths
 * expect BHs off and the RCU read lock that softirq gives them, and the
 * module's exit waits for a grace period after the last transform is
 * released, which then covers the completion to its last instruction.
 */
static inline void nfsec_xform_async_begin(void)
{
	local_bh_disable();
	rcu_read_lock();
}

static inline void nfsec_xform_async_end(void)
{
	rcu_read_unlock();
	local_bh_enable();
}

/*
 * Frees the per-packet state xp starts. Its crypto request holds
 * key-derived state (HMAC's keyed inner state, GHASH's, GMAC's salted
 * nonce): it is wiped, as aead_request_free() and ahash_request_free() do.
 */
static inline void nfsec_xform_pkt_free(struct nfsec_xform_pkt *xp)
{
	kfree_sensitive(xp);
}

/*
 * What one protocol does (esp.c, ah.c); an SA holds its protocol's in
 * sa->ops, and the shared paths call them without naming the protocol.
 * output and input return NF_ACCEPT when the packet was transformed
 * synchronously in place and may continue through the hook chain, or
 * NF_STOLEN when nfsec took it: sent on, in flight in an asynchronous
 * transform, or dropped and counted. The caller holds a reference on sa
 * for the call.
 */
struct nfsec_proto_ops {
	u8 proto;		/* IPPROTO_ESP or IPPROTO_AH */
	/* Where the SPI, then the sequence number, sit in the header. */
	u8 spi_offset;
	/* At SA creation: allocate and key the transform (sa->icv_len set). */
	int (*init)(struct nfsec_sa *sa, struct netlink_ext_ack *extack);
	/* The most the protocol adds to a packet. */
	unsigned int (*overhead)(const struct nfsec_sa *sa);
	unsigned int (*output)(struct nfsec_sa *sa, struct sk_buff *skb,
			       const struct nfsec_cont *cont);
	/*
	 * hlen: the bytes before the IPsec header, as the hook found them;
	 * seq: the full sequence number the replay check inferred.
	 */
	unsigned int (*input)(struct nfsec_sa *sa, struct sk_buff *skb,
			      unsigned int hlen, u64 seq,
			      const struct nfsec_cont *cont);
};

const struct nfsec_proto_ops *nfsec_xform_find(u8 proto);

/* Shared by the two protocols. */
int nfsec_xform_ipv6_walk(const struct sk_buff *skb, u8 *proto,
			  unsigned int *nhoff);
bool nfsec_xform_out_split(const struct nfsec_sa *sa, struct sk_buff *skb,
			   struct nfsec_xform_out *xo);
unsigned int nfsec_xform_outer_len(const struct nfsec_sa *sa);
unsigned int nfsec_xform_max_len(const struct nfsec_sa *sa);
int nfsec_xform_make_room(struct sk_buff *skb, unsigned int head,
			  unsigned int tail);
void *nfsec_xform_push(struct nfsec_sa *sa, struct sk_buff *skb,
		       const struct nfsec_cont *cont,
		       const struct nfsec_xform_out *xo, unsigned int xlen);
unsigned int nfsec_xform_path_mtu(const struct nfsec_sa *sa,
				  const struct dst_entry *dst);
bool nfsec_xform_whole6(const struct nfsec_sa *sa, const struct sk_buff *skb);
void nfsec_xform_neigh_xmit6(struct sk_buff *skb);
void nfsec_xform_output_xmit(struct nfsec_sa *sa, struct sk_buff *skb,
			     const struct nfsec_cont *cont, struct sock *sk);
void nfsec_xform_decap(struct nfsec_sa *sa, struct sk_buff *skb,
		       const struct nfsec_cont *cont, unsigned int hlen,
		       unsigned int xlen, u8 nexthdr);
bool nfsec_xform_hold(struct nfsec_sa *sa);
void nfsec_xform_release(struct nfsec_sa *sa);
unsigned int nfsec_xform_output_sync(struct nfsec_xform_pkt *xp, int err);
void nfsec_xform_output_end(struct nfsec_xform_pkt *xp, int err);
void nfsec_xform_input_end(struct nfsec_xform_pkt *xp);

#endif /* _NFSEC_XFORM_H */
