// SPDX-License-Identifier: GPL-2.0
/*
 * AH (RFC 4302) for IPv4, transport and tunnel mode. The ICV is an HMAC
 * from the crypto API (one keyed ahash per SA), truncated, over the IPv4
 * header with its mutable fields and options zeroed, the AH header with the
 * ICV field zeroed, the payload and, with extended sequence numbers, the
 * high half of the sequence number after it. The header is changed in place
 * for the computation and put back afterwards, so the per-packet state keeps
 * a copy. Asynchronous implementations complete in a callback that continues
 * the packet.
 */

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <net/ip.h>

#include "ah.h"
#include "pernet.h"
#include "sa.h"
#include "xform.h"

#define NFSEC_AH_FIXED		12	/* up to the ICV */
#define NFSEC_AH_MAX_IPH	60
#define NFSEC_AH_MAX_ICV	32

/* IPv4 options whose value is the same at the receiver (RFC 4302 A.1). */
#define NFSEC_IPOPT_ESEC	133	/* extended security */
#define NFSEC_IPOPT_CIPSO	134	/* commercial security */
#define NFSEC_IPOPT_SDMDD	149	/* sender directed delivery */

/* Per-packet state, followed by the digest, the request and the sg. */
struct nfsec_ah_pkt {
	struct sk_buff *skb;
	struct nfsec_sa *sa;		/* holds a reference */
	struct nfsec_cont cont;
	u64 seq;
	unsigned int hlen;		/* outer IPv4 header length */
	unsigned int ahlen;		/* AH header, ICV and its padding */
	__be32 seqhi;
	u8 *digest;
	u8 iph[NFSEC_AH_MAX_IPH];	/* the IPv4 header as it was */
	u8 icv[NFSEC_AH_MAX_ICV];	/* inbound: the ICV received */
};

/*
 * AH with the ICV, padded to a multiple of 64 bits: RFC 4302 2.2 asks for
 * 32 bits in IPv4 and allows more; XFRM sends 64 and, unless told
 * otherwise, accepts nothing else.
 */
static unsigned int nfsec_ah_len(const struct nfsec_sa *sa)
{
	return ALIGN(NFSEC_AH_FIXED + sa->icv_len, 8);
}

unsigned int nfsec_ah_overhead(const struct nfsec_sa *sa)
{
	return (sa->mode == NFSEC_MODE_TUNNEL ? sizeof(struct iphdr) : 0) +
	       nfsec_ah_len(sa);
}

/*
 * Zeroes in place what may change on the way (RFC 4302 3.3.3.1.1.1 and
 * appendix A.1): DSCP and ECN, flags and fragment offset, TTL, checksum and
 * every option not known to be immutable. A source route's value at the
 * receiver is its final destination, which takes the destination's place.
 * false if the options are malformed.
 */
static bool nfsec_ah_zero_mutable(struct iphdr *iph)
{
	u8 *opt = (u8 *)(iph + 1);
	int len = iph->ihl * 4 - sizeof(*iph);
	int optlen;

	iph->tos = 0;
	iph->frag_off = 0;
	iph->ttl = 0;
	iph->check = 0;
	while (len > 0) {
		if (opt[0] == IPOPT_END)
			return true;
		if (opt[0] == IPOPT_NOOP) {
			opt++;
			len--;
			continue;
		}
		if (len < 2)
			return false;
		optlen = opt[1];
		if (optlen < 2 || optlen > len)
			return false;
		switch (opt[0]) {
		case IPOPT_SEC:
		case NFSEC_IPOPT_ESEC:
		case NFSEC_IPOPT_CIPSO:
		case IPOPT_RA:
		case NFSEC_IPOPT_SDMDD:
			break;
		case IPOPT_LSRR:
		case IPOPT_SSRR:
			if (optlen < 7)
				return false;
			memcpy(&iph->daddr, opt + optlen - 4, 4);
			fallthrough;
		default:
			memset(opt, 0, optlen);
		}
		opt += optlen;
		len -= optlen;
	}
	return true;
}

static struct nfsec_ah_pkt *nfsec_ah_pkt_alloc(struct crypto_ahash *ahash,
					       struct ahash_request **req,
					       struct scatterlist **sg)
{
	unsigned int len;
	u8 *p;

	len = sizeof(struct nfsec_ah_pkt) + crypto_ahash_alignmask(ahash);
	len = ALIGN(len + crypto_ahash_digestsize(ahash),
		    crypto_tfm_ctx_alignment());
	len += sizeof(struct ahash_request) + crypto_ahash_reqsize(ahash);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * 2;

	p = kmalloc(len, GFP_ATOMIC);
	if (!p)
		return NULL;
	((struct nfsec_ah_pkt *)p)->digest =
		PTR_ALIGN(p + sizeof(struct nfsec_ah_pkt),
			  crypto_ahash_alignmask(ahash) + 1);
	*req = (void *)PTR_ALIGN(((struct nfsec_ah_pkt *)p)->digest +
				 crypto_ahash_digestsize(ahash),
				 crypto_tfm_ctx_alignment());
	*sg = PTR_ALIGN((void *)((u8 *)(*req + 1) + crypto_ahash_reqsize(ahash)),
			__alignof__(struct scatterlist));
	return (struct nfsec_ah_pkt *)p;
}

/*
 * The per-packet state and the request over the whole (linear) packet,
 * whose mutable fields it zeroes after keeping a copy of the header, plus
 * the high sequence bits with ESN. NULL (counted, header unchanged) if it
 * cannot be had.
 */
static struct nfsec_ah_pkt *
nfsec_ah_pkt_prepare(struct nfsec_sa *sa, struct sk_buff *skb,
		     const struct nfsec_cont *cont, u64 seq,
		     unsigned int hlen, unsigned int ahlen,
		     crypto_completion_t done)
{
	struct ahash_request *req;
	struct nfsec_ah_pkt *pkt;
	struct scatterlist *sg;
	unsigned int len = skb->len;

	pkt = nfsec_ah_pkt_alloc(sa->ahash, &req, &sg);
	if (!pkt) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		return NULL;
	}
	pkt->skb = skb;
	pkt->sa = sa;
	pkt->cont = *cont;
	pkt->seq = seq;
	pkt->hlen = hlen;
	pkt->ahlen = ahlen;
	memcpy(pkt->iph, skb->data, hlen);
	if (!nfsec_ah_zero_mutable((struct iphdr *)skb->data)) {
		memcpy(skb->data, pkt->iph, hlen);
		kfree(pkt);
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
		return NULL;
	}

	sg_init_table(sg, 2);
	sg_set_buf(sg, skb->data, skb->len);
	if (sa->flags & NFSEC_SA_F_ESN) {
		pkt->seqhi = htonl(upper_32_bits(seq));
		sg_set_buf(sg + 1, &pkt->seqhi, sizeof(pkt->seqhi));
		len += sizeof(pkt->seqhi);
	} else {
		sg_mark_end(sg);
	}
	ahash_request_set_tfm(req, sa->ahash);
	ahash_request_set_crypt(req, sg, pkt->digest, len);
	ahash_request_set_callback(req, 0, done, pkt);
	return pkt;
}

static struct ahash_request *nfsec_ah_pkt_req(struct nfsec_ah_pkt *pkt)
{
	return (void *)PTR_ALIGN(pkt->digest +
				 crypto_ahash_digestsize(pkt->sa->ahash),
				 crypto_tfm_ctx_alignment());
}

/* The ICV into its field, the header back as it was. */
static void nfsec_ah_output_finish(struct nfsec_ah_pkt *pkt)
{
	struct sk_buff *skb = pkt->skb;
	struct ip_auth_hdr *ah;

	memcpy(skb->data, pkt->iph, pkt->hlen);
	ah = (struct ip_auth_hdr *)(skb->data + pkt->hlen);
	memcpy(ah->auth_data, pkt->digest, pkt->sa->icv_len);
}

static void nfsec_ah_output_done(struct crypto_async_request *base, int err)
{
	struct nfsec_ah_pkt *pkt = base->data;
	struct nfsec_sa *sa = pkt->sa;

	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_CRYPTO);
		kfree_skb(pkt->skb);
	} else {
		nfsec_ah_output_finish(pkt);
		nfsec_xform_output_xmit(sa, pkt->skb, &pkt->cont,
					pkt->skb->sk);
	}
	kfree(pkt);
	nfsec_xform_release(sa);
}

/*
 * Builds [IPv4][AH][payload] around skb, the payload being the transport
 * payload (transport mode) or the whole packet (tunnel mode), and computes
 * the ICV.
 */
unsigned int nfsec_ah_output(struct nfsec_sa *sa, struct sk_buff *skb,
			     const struct nfsec_cont *cont)
{
	bool tunnel = sa->mode == NFSEC_MODE_TUNNEL;
	unsigned int ahlen = nfsec_ah_len(sa);
	struct iphdr *iph = ip_hdr(skb);
	unsigned int hlen, plen;
	struct ip_auth_hdr *ah;
	struct nfsec_ah_pkt *pkt;
	u8 nexthdr;
	u64 seq;
	int err;

	hlen = tunnel ? sizeof(struct iphdr) : iph->ihl * 4;
	plen = tunnel ? skb->len : skb->len - hlen;
	nexthdr = tunnel ? IPPROTO_IPIP : iph->protocol;
	if (skb->len + nfsec_ah_overhead(sa) > IP_MAX_MTU) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
		goto drop;
	}

	if (!nfsec_sa_next_seq(sa, &seq) ||
	    !nfsec_sa_account(sa, plen, false))
		goto drop;

	err = nfsec_xform_make_room(skb, ahlen + (tunnel ? hlen : 0) +
				    LL_RESERVED_SPACE(skb_dst(skb)->dev), 0);
	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		goto drop;
	}
	nfsec_xform_push(sa, skb, cont, ahlen);

	ah = (struct ip_auth_hdr *)(skb->data + hlen);
	ah->nexthdr = nexthdr;
	ah->hdrlen = ahlen / 4 - 2;	/* RFC 4302 2.2 */
	ah->reserved = 0;
	ah->spi = sa->key.spi;
	ah->seq_no = htonl(lower_32_bits(seq));
	memset(ah->auth_data, 0, ahlen - NFSEC_AH_FIXED);

	pkt = nfsec_ah_pkt_prepare(sa, skb, cont, seq, hlen, ahlen,
				   nfsec_ah_output_done);
	if (!pkt)
		goto drop;
	if (!nfsec_xform_hold(sa)) {
		kfree(pkt);
		goto drop;	/* being deleted */
	}
	err = crypto_ahash_digest(nfsec_ah_pkt_req(pkt));
	if (err == -EINPROGRESS)
		return NF_STOLEN;	/* nfsec_ah_output_done() goes on */
	if (!err)
		nfsec_ah_output_finish(pkt);
	kfree(pkt);
	nfsec_xform_release(sa);
	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_CRYPTO);
		goto drop;
	}

	if (!tunnel && !cont->xmit)
		return NF_ACCEPT;
	nfsec_xform_output_xmit(sa, skb, cont, cont->sk);
	return NF_STOLEN;

drop:
	kfree_skb(skb);
	return NF_STOLEN;
}

/*
 * After the digest: the header back, the ICV compared, then window,
 * lifetimes and the packet without AH. NF_ACCEPT to continue, or NF_STOLEN
 * when dropped and counted.
 */
static unsigned int nfsec_ah_input_finish(struct nfsec_ah_pkt *pkt, int err)
{
	struct sk_buff *skb = pkt->skb;
	struct nfsec_sa *sa = pkt->sa;
	struct ip_auth_hdr *ah;

	memcpy(skb->data, pkt->iph, pkt->hlen);
	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_CRYPTO);
		goto drop;
	}
	if (crypto_memneq(pkt->digest, pkt->icv, sa->icv_len)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_ICV);
		goto drop;
	}
	if (!nfsec_sa_replay_advance(sa, pkt->seq) ||
	    !nfsec_sa_account(sa, skb->len - pkt->hlen - pkt->ahlen, true))
		goto drop;

	ah = (struct ip_auth_hdr *)(skb->data + pkt->hlen);
	return nfsec_xform_decap(sa, skb, pkt->hlen, pkt->ahlen, ah->nexthdr);

drop:
	kfree_skb(skb);
	return NF_STOLEN;
}

static void nfsec_ah_input_done(struct crypto_async_request *base, int err)
{
	struct nfsec_ah_pkt *pkt = base->data;
	struct net_device *dev = pkt->skb->dev;
	struct nfsec_sa *sa = pkt->sa;

	nfsec_xform_input_resume(pkt->skb, &pkt->cont,
				 nfsec_ah_input_finish(pkt, err));
	dev_put(dev);
	kfree(pkt);
	nfsec_xform_release(sa);
}

/* seq: the full sequence number the replay check inferred. */
unsigned int nfsec_ah_input(struct nfsec_sa *sa, struct sk_buff *skb,
			    u64 seq, const struct nfsec_cont *cont)
{
	unsigned int hlen, ahlen, verdict;
	struct nfsec_ah_pkt *pkt;
	struct ip_auth_hdr *ah;
	int err;

	if (skb_linearize_cow(skb)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		goto drop;
	}
	hlen = ip_hdr(skb)->ihl * 4;
	if (skb->len < hlen + NFSEC_AH_FIXED)
		goto malformed;
	ah = (struct ip_auth_hdr *)(skb->data + hlen);
	ahlen = (ah->hdrlen + 2) * 4;
	/* Padded to 32 bits, or to 64 as nfsec and XFRM send. */
	if ((ahlen != ALIGN(NFSEC_AH_FIXED + sa->icv_len, 4) &&
	     ahlen != ALIGN(NFSEC_AH_FIXED + sa->icv_len, 8)) ||
	    skb->len < hlen + ahlen)
		goto malformed;

	pkt = nfsec_ah_pkt_prepare(sa, skb, cont, seq, hlen, ahlen,
				   nfsec_ah_input_done);
	if (!pkt)
		goto drop;
	memcpy(pkt->icv, ah->auth_data, sa->icv_len);
	memset(ah->auth_data, 0, sa->icv_len);

	if (!nfsec_xform_hold(sa)) {
		memcpy(skb->data, pkt->iph, hlen);
		kfree(pkt);
		goto drop;	/* being deleted */
	}
	/* The completion needs the device the packet came in on. */
	dev_hold(skb->dev);
	err = crypto_ahash_digest(nfsec_ah_pkt_req(pkt));
	if (err == -EINPROGRESS)
		return NF_STOLEN;	/* nfsec_ah_input_done() goes on */
	dev_put(skb->dev);
	verdict = nfsec_ah_input_finish(pkt, err);
	kfree(pkt);
	nfsec_xform_release(sa);
	return verdict;

malformed:
	nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
drop:
	kfree_skb(skb);
	return NF_STOLEN;
}
