// SPDX-License-Identifier: GPL-2.0
/*
 * AH (RFC 4302) for IPv4 and IPv6, transport and tunnel mode. The ICV is
 * an HMAC from the crypto API (one keyed ahash per SA), truncated, over the
 * IP header (IPv6: with the extension headers before AH) with its mutable
 * fields and options zeroed, the AH header with the
 * ICV field zeroed, the payload and, with extended sequence numbers, the
 * high half of the sequence number after it. The header is changed in place
 * for the computation and put back afterwards, so the per-packet state keeps
 * a copy. Asynchronous implementations complete in a callback that continues
 * the packet.
 *
 * With AES-GMAC (RFC 4543 section 5) the field after the sequence number
 * holds an 8-byte IV, then the 16-byte ICV. The ICV is GCM's tag over the
 * same bytes, IV and ICV zeroed, given to GCM as associated data with
 * nothing to encrypt; the nonce is the salt (the key's last 4 bytes) and
 * the IV. The IV is the 64-bit sequence number XORed with a random value
 * the SA draws when it is added, as seqiv makes ESP's: never used twice by
 * one SA, and not the same series again when a key is reused (an SA added
 * again, or started at a lower sequence number). The receiver reads the
 * IV from the packet, so the peer sees no difference.
 */

#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "ah.h"
#include "compat.h"
#include "crypto.h"
#include "pernet.h"
#include "sa.h"
#include "xform.h"

#define NFSEC_AH_FIXED		12	/* up to the ICV */
/* The most header before AH: IPv4's 60 bytes, or IPv6 with extensions. */
#define NFSEC_AH_MAX_HDR	256
#define NFSEC_AH_MAX_ICV	32
#define NFSEC_AH_GMAC_IV	8	/* RFC 4543 5.1 */
#define NFSEC_AH_GMAC_SALT	4

/* IPv4 options whose value is the same at the receiver (RFC 4302 A.1). */
#define NFSEC_IPOPT_ESEC	133	/* extended security */
#define NFSEC_IPOPT_CIPSO	134	/* commercial security */
#define NFSEC_IPOPT_SDMDD	149	/* sender directed delivery */

/*
 * Per-packet state, followed by the digest (HMAC) or the nonce (GMAC), the
 * request and the sg.
 */
struct nfsec_ah_pkt {
	struct nfsec_xform_pkt x;	/* first: freed through it */
	unsigned int ahlen;		/* AH header, ICV and its padding */
	__be32 seqhi;
	u8 *digest;			/* HMAC: digest; GMAC: nonce */
	void *req;			/* ahash_request or aead_request */
	u8 iph[NFSEC_AH_MAX_HDR];	/* the header before AH as it was */
	u8 icv[NFSEC_AH_MAX_ICV];	/* the ICV received; GMAC: also sent */
};

static bool nfsec_ah_gmac(const struct nfsec_sa *sa)
{
	return sa->aead;
}

/* The bytes after the sequence number before any padding: [IV] ICV. */
static unsigned int nfsec_ah_auth_len(const struct nfsec_sa *sa)
{
	return (nfsec_ah_gmac(sa) ? NFSEC_AH_GMAC_IV : 0) + sa->icv_len;
}

/*
 * AH with the ICV, padded to a multiple of 64 bits: RFC 4302 2.2 asks for
 * 32 bits in IPv4 and allows more; XFRM sends 64 and, unless told
 * otherwise (XFRM_STATE_ALIGN4, NFSEC_SA_F_ALIGN4 here), accepts nothing
 * else. AES-GMAC, which XFRM's AH does not offer, is sent as RFC 4543 5
 * draws it: 36 bytes, 32-bit aligned.
 */
static unsigned int nfsec_ah_len(const struct nfsec_sa *sa)
{
	bool align4 = sa->key.family == AF_INET &&
		      (nfsec_ah_gmac(sa) || sa->flags & NFSEC_SA_F_ALIGN4);

	return ALIGN(NFSEC_AH_FIXED + nfsec_ah_auth_len(sa), align4 ? 4 : 8);
}

static unsigned int nfsec_ah_overhead(const struct nfsec_sa *sa)
{
	return (sa->mode == NFSEC_MODE_TUNNEL ? nfsec_xform_outer_len(sa) : 0) +
	       nfsec_ah_len(sa);
}

/*
 * Zeroes in place what may change on the way (RFC 4302 3.3.3.1.1.1 and
 * appendix A.1): DSCP and ECN, flags and fragment offset, TTL, checksum and
 * every option not known to be immutable. Outbound, a source route's
 * final destination is the destination the receiver will see, and takes
 * its place; inbound, the destination is already that one. false if the
 * options are malformed.
 */
static bool nfsec_ah_zero_mutable4(struct iphdr *iph, bool out)
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
			if (out)
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

/*
 * The options of a hop-by-hop or destination options header whose type
 * says they may change on the way (RFC 8200 4.2, the third bit) have their
 * data zeroed (RFC 4302 3.3.3.1.2.2). false if the options are malformed.
 */
static bool nfsec_ah_zero_options6(u8 *h, unsigned int len)
{
	unsigned int off = 2, optlen;

	while (off < len) {
		if (h[off] == IPV6_TLV_PAD1) {
			off++;
			continue;
		}
		if (off + 2 > len)
			return false;
		optlen = h[off + 1] + 2;
		if (off + optlen > len)
			return false;
		if (h[off] & 0x20)
			memset(h + off + 2, 0, optlen - 2);
		off += optlen;
	}
	return true;
}

/*
 * Outbound, a routing header as it will be at the destination (RFC 4302
 * 3.3.3.1.2.2): no segment left, the final destination in the IPv6
 * header, the addresses visited before it in the list.
 */
static bool nfsec_ah_final_route6(struct ipv6hdr *ip6h, u8 *h,
				  unsigned int len)
{
	struct ipv6_rt_hdr *rt = (struct ipv6_rt_hdr *)h;
	struct in6_addr *addrs = (struct in6_addr *)(h + 8), final;
	unsigned int n = (len - 8) / sizeof(*addrs);

	if (!rt->segments_left)
		return true;
	/* Types 0 and 2 list the hops in order; others are not followed. */
	if ((rt->type != IPV6_SRCRT_TYPE_0 && rt->type != IPV6_SRCRT_TYPE_2) ||
	    rt->segments_left != n)
		return false;
	final = addrs[n - 1];
	memmove(addrs + 1, addrs, (n - 1) * sizeof(*addrs));
	addrs[0] = ip6h->daddr;
	ip6h->daddr = final;
	rt->segments_left = 0;
	return true;
}

/*
 * Zeroes in place what may change on the way in an IPv6 header and the
 * extension headers of the hlen bytes before AH (RFC 4302 3.3.3.1.2):
 * traffic class, flow label and hop limit; the data of mutable options;
 * outbound, a routing header is put as the destination will see it.
 * false if the headers are malformed or of a kind AH cannot follow.
 */
static bool nfsec_ah_zero_mutable6(u8 *hdr, unsigned int hlen, bool out)
{
	struct ipv6hdr *ip6h = (struct ipv6hdr *)hdr;
	unsigned int off = sizeof(*ip6h), len;
	u8 nexthdr = ip6h->nexthdr;

	ip6h->priority = 0;
	memset(ip6h->flow_lbl, 0, sizeof(ip6h->flow_lbl));
	ip6h->hop_limit = 0;
	while (off < hlen) {
		if (off + 8 > hlen)
			return false;
		len = ipv6_optlen((struct ipv6_opt_hdr *)(hdr + off));
		if (off + len > hlen)
			return false;
		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
			if (!nfsec_ah_zero_options6(hdr + off, len))
				return false;
			break;
		case NEXTHDR_ROUTING:
			if (out && !nfsec_ah_final_route6(ip6h, hdr + off, len))
				return false;
			break;
		default:
			return false;
		}
		nexthdr = hdr[off];
		off += len;
	}
	return off == hlen;
}

static bool nfsec_ah_zero_mutable(u8 *hdr, unsigned int hlen, bool out)
{
	if (((struct iphdr *)hdr)->version == 6)
		return nfsec_ah_zero_mutable6(hdr, hlen, out);
	return nfsec_ah_zero_mutable4((struct iphdr *)hdr, out);
}

/*
 * The per-packet state with, after it, buflen bytes aligned to alignmask
 * (pkt->digest), a request of reqlen bytes (pkt->req) and three sg entries.
 */
static struct nfsec_ah_pkt *nfsec_ah_pkt_alloc(unsigned int alignmask,
					       unsigned int buflen,
					       unsigned int reqlen,
					       struct scatterlist **sg)
{
	struct nfsec_ah_pkt *pkt;
	unsigned int len;

	len = sizeof(*pkt) + alignmask;
	len = ALIGN(len + buflen, crypto_tfm_ctx_alignment());
	len = ALIGN(len + reqlen, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * 3;

	pkt = kmalloc(len, GFP_ATOMIC);
	if (!pkt)
		return NULL;
	pkt->digest = PTR_ALIGN((u8 *)(pkt + 1), alignmask + 1);
	pkt->req = PTR_ALIGN(pkt->digest + buflen, crypto_tfm_ctx_alignment());
	*sg = PTR_ALIGN((struct scatterlist *)((u8 *)pkt->req + reqlen),
			__alignof__(struct scatterlist));
	return pkt;
}

static struct nfsec_ah_pkt *nfsec_ah_pkt_new(struct nfsec_sa *sa,
					     struct scatterlist **sg)
{
	if (nfsec_ah_gmac(sa))
		return nfsec_ah_pkt_alloc(crypto_aead_alignmask(sa->aead),
					  crypto_aead_ivsize(sa->aead),
					  sizeof(struct aead_request) +
					  crypto_aead_reqsize(sa->aead), sg);
	return nfsec_ah_pkt_alloc(nfsec_ahash_alignmask(sa->ahash),
				  crypto_ahash_digestsize(sa->ahash),
				  sizeof(struct ahash_request) +
				  crypto_ahash_reqsize(sa->ahash), sg);
}

/*
 * The per-packet state and the request over the whole (linear) packet,
 * whose mutable fields it zeroes after keeping a copy of the header, plus
 * the high sequence bits with ESN. With GMAC the request's last sg entry
 * is pkt->icv, where GCM puts the tag (outbound, cryptlen 0) or finds the
 * one to check (inbound, cryptlen the ICV), and pkt->digest is the nonce,
 * whose IV part the caller fills in. NULL (counted, header unchanged) if
 * it cannot be had.
 */
static struct nfsec_ah_pkt *
nfsec_ah_pkt_prepare(struct nfsec_sa *sa, struct sk_buff *skb,
		     const struct nfsec_cont *cont, u64 seq,
		     unsigned int hlen, unsigned int ahlen, bool out,
		     crypto_completion_t done)
{
	struct nfsec_ah_pkt *pkt;
	struct scatterlist *sg;
	unsigned int len = skb->len, n = 1;

	pkt = nfsec_ah_pkt_new(sa, &sg);
	if (!pkt) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		return NULL;
	}
	nfsec_xform_pkt_init(&pkt->x, skb, sa, cont, seq, hlen);
	pkt->ahlen = ahlen;
	memcpy(pkt->iph, skb->data, hlen);
	if (!nfsec_ah_zero_mutable(skb->data, hlen, out)) {
		memcpy(skb->data, pkt->iph, hlen);
		nfsec_xform_pkt_free(&pkt->x);
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
		return NULL;
	}

	sg_init_table(sg, 3);
	sg_set_buf(sg, skb->data, skb->len);
	if (sa->flags & NFSEC_SA_F_ESN) {
		pkt->seqhi = htonl(upper_32_bits(seq));
		sg_set_buf(sg + n++, &pkt->seqhi, sizeof(pkt->seqhi));
		len += sizeof(pkt->seqhi);
	}
	if (nfsec_ah_gmac(sa)) {
		struct aead_request *req = pkt->req;

		sg_set_buf(sg + n++, pkt->icv, sa->icv_len);
		sg_mark_end(sg + n - 1);
		memcpy(pkt->digest, sa->auth_key + sa->auth_key_len -
		       NFSEC_AH_GMAC_SALT, NFSEC_AH_GMAC_SALT);
		aead_request_set_tfm(req, sa->aead);
		aead_request_set_ad(req, len);
		aead_request_set_crypt(req, sg, sg, out ? 0 : sa->icv_len,
				       pkt->digest);
		aead_request_set_callback(req, 0, done, pkt);
	} else {
		struct ahash_request *req = pkt->req;

		sg_mark_end(sg + n - 1);
		ahash_request_set_tfm(req, sa->ahash);
		ahash_request_set_crypt(req, sg, pkt->digest, len);
		ahash_request_set_callback(req, 0, done, pkt);
	}
	return pkt;
}

/* The IV of a GMAC packet, in its place in the nonce. */
static u8 *nfsec_ah_gmac_iv(struct nfsec_ah_pkt *pkt)
{
	return pkt->digest + NFSEC_AH_GMAC_SALT;
}

/* The ICV into its field, the header back as it was. */
static void nfsec_ah_output_finish(struct nfsec_ah_pkt *pkt)
{
	struct sk_buff *skb = pkt->x.skb;
	struct nfsec_sa *sa = pkt->x.sa;
	struct ip_auth_hdr *ah;

	memcpy(skb->data, pkt->iph, pkt->x.hlen);
	ah = (struct ip_auth_hdr *)(skb->data + pkt->x.hlen);
	if (nfsec_ah_gmac(sa)) {
		memcpy(ah->auth_data, nfsec_ah_gmac_iv(pkt), NFSEC_AH_GMAC_IV);
		memcpy(ah->auth_data + NFSEC_AH_GMAC_IV, pkt->icv, sa->icv_len);
	} else {
		memcpy(ah->auth_data, pkt->digest, sa->icv_len);
	}
}

/* Starts the digest (HMAC) or the tag computation or check (GMAC). */
static int nfsec_ah_crypt(struct nfsec_ah_pkt *pkt, bool out)
{
	if (!nfsec_ah_gmac(pkt->x.sa))
		return crypto_ahash_digest(pkt->req);
	return out ? crypto_aead_encrypt(pkt->req) :
		     crypto_aead_decrypt(pkt->req);
}

static void nfsec_ah_output_done(nfsec_crypto_done_t *arg, int err)
{
	struct nfsec_ah_pkt *pkt = nfsec_crypto_done_data(arg);

	nfsec_xform_async_begin();
	if (!err)
		nfsec_ah_output_finish(pkt);
	nfsec_xform_output_end(&pkt->x, err);
	nfsec_xform_async_end();
}

/*
 * Builds [IPv4][AH][payload] around skb, the payload being the transport
 * payload (transport mode) or the whole packet (tunnel mode), and computes
 * the ICV.
 */
static unsigned int nfsec_ah_output(struct nfsec_sa *sa,
				    struct sk_buff *skb,
				    const struct nfsec_cont *cont)
{
	bool tunnel = sa->mode == NFSEC_MODE_TUNNEL;
	unsigned int ahlen = nfsec_ah_len(sa);
	struct nfsec_xform_out xo;
	unsigned int hlen, plen;
	struct ip_auth_hdr *ah;
	struct nfsec_ah_pkt *pkt;
	u64 seq;
	int err;

	if (!nfsec_xform_out_split(sa, skb, &xo) ||
	    skb->len + nfsec_ah_overhead(sa) > nfsec_xform_max_len(sa)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
		goto drop;
	}
	hlen = xo.hlen;
	plen = skb->len - xo.ihl;
	if (hlen > NFSEC_AH_MAX_HDR) {
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
	nfsec_xform_push(sa, skb, cont, &xo, ahlen);

	ah = (struct ip_auth_hdr *)(skb->data + hlen);
	ah->nexthdr = xo.nexthdr;
	ah->hdrlen = ahlen / 4 - 2;	/* RFC 4302 2.2 */
	ah->reserved = 0;
	ah->spi = sa->key.spi;
	ah->seq_no = htonl(lower_32_bits(seq));
	memset(ah->auth_data, 0, ahlen - NFSEC_AH_FIXED);

	pkt = nfsec_ah_pkt_prepare(sa, skb, cont, seq, hlen, ahlen, true,
				   nfsec_ah_output_done);
	if (!pkt)
		goto drop;
	if (nfsec_ah_gmac(sa))
		put_unaligned_be64(seq ^ sa->gmac_iv_mask,
				   nfsec_ah_gmac_iv(pkt));
	if (!nfsec_xform_hold(sa)) {
		nfsec_xform_pkt_free(&pkt->x);
		goto drop;	/* being deleted */
	}
	err = nfsec_ah_crypt(pkt, true);
	if (err == -EINPROGRESS)
		return NF_STOLEN;	/* nfsec_ah_output_done() goes on */
	if (!err)
		nfsec_ah_output_finish(pkt);
	return nfsec_xform_output_sync(&pkt->x, err);

drop:
	kfree_skb(skb);
	return NF_STOLEN;
}

/*
 * After the digest: the header back, the ICV compared, then window,
 * lifetimes, and the packet without AH is delivered, or it is dropped and
 * counted.
 */
static void nfsec_ah_input_finish(struct nfsec_ah_pkt *pkt, int err)
{
	struct sk_buff *skb = pkt->x.skb;
	struct nfsec_sa *sa = pkt->x.sa;
	struct ip_auth_hdr *ah;

	memcpy(skb->data, pkt->iph, pkt->x.hlen);
	if (err == -EBADMSG && nfsec_ah_gmac(sa)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_ICV);
		goto drop;
	}
	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_CRYPTO);
		goto drop;
	}
	if (!nfsec_ah_gmac(sa) &&
	    crypto_memneq(pkt->digest, pkt->icv, sa->icv_len)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_ICV);
		goto drop;
	}
	if (!nfsec_sa_replay_advance(sa, pkt->x.seq) ||
	    !nfsec_sa_account(sa, skb->len - pkt->x.hlen - pkt->ahlen, true))
		goto drop;

	ah = (struct ip_auth_hdr *)(skb->data + pkt->x.hlen);
	nfsec_xform_decap(sa, skb, &pkt->x.cont, pkt->x.hlen, pkt->ahlen,
			  ah->nexthdr);
	return;

drop:
	kfree_skb(skb);
}

static void nfsec_ah_input_done(nfsec_crypto_done_t *arg, int err)
{
	struct nfsec_ah_pkt *pkt = nfsec_crypto_done_data(arg);

	nfsec_xform_async_begin();
	nfsec_ah_input_finish(pkt, err);
	nfsec_xform_input_end(&pkt->x);
	nfsec_xform_async_end();
}

/* hlen: where the hook found the AH header; seq: the inferred number. */
static unsigned int nfsec_ah_input(struct nfsec_sa *sa, struct sk_buff *skb,
				   unsigned int hlen, u64 seq,
				   const struct nfsec_cont *cont)
{
	unsigned int ahlen, authlen;
	struct nfsec_ah_pkt *pkt;
	struct ip_auth_hdr *ah;
	int err;

	if (skb_linearize_cow(skb)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		goto drop;
	}
	if (hlen > NFSEC_AH_MAX_HDR || skb->len < hlen + NFSEC_AH_FIXED)
		goto malformed;
	ah = (struct ip_auth_hdr *)(skb->data + hlen);
	ahlen = (ah->hdrlen + 2) * 4;
	authlen = nfsec_ah_auth_len(sa);
	/*
	 * IPv4: padded to 32 bits, or to 64 as nfsec and XFRM send; IPv6:
	 * to 64 (RFC 4302 2.2).
	 */
	if ((ahlen != ALIGN(NFSEC_AH_FIXED + authlen, 8) &&
	     (sa->key.family == AF_INET6 ||
	      ahlen != ALIGN(NFSEC_AH_FIXED + authlen, 4))) ||
	    skb->len < hlen + ahlen)
		goto malformed;

	pkt = nfsec_ah_pkt_prepare(sa, skb, cont, seq, hlen, ahlen, false,
				   nfsec_ah_input_done);
	if (!pkt)
		goto drop;
	if (nfsec_ah_gmac(sa)) {
		memcpy(nfsec_ah_gmac_iv(pkt), ah->auth_data, NFSEC_AH_GMAC_IV);
		memcpy(pkt->icv, ah->auth_data + NFSEC_AH_GMAC_IV, sa->icv_len);
	} else {
		memcpy(pkt->icv, ah->auth_data, sa->icv_len);
	}
	memset(ah->auth_data, 0, authlen);

	if (!nfsec_xform_hold(sa)) {
		memcpy(skb->data, pkt->iph, hlen);
		nfsec_xform_pkt_free(&pkt->x);
		goto drop;	/* being deleted */
	}
	/* The completion needs the device the packet came in on. */
	nfsec_xform_hold_dev(&pkt->x);
	err = nfsec_ah_crypt(pkt, false);
	if (err == -EINPROGRESS)
		return NF_STOLEN;	/* nfsec_ah_input_done() goes on */
	nfsec_xform_put_dev(&pkt->x);
	nfsec_ah_input_finish(pkt, err);
	nfsec_xform_pkt_free(&pkt->x);
	nfsec_xform_release(sa);
	return NF_STOLEN;

malformed:
	nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
drop:
	kfree_skb(skb);
	return NF_STOLEN;
}

static int nfsec_ah_init(struct nfsec_sa *sa, struct netlink_ext_ack *extack)
{
	/*
	 * AES-GMAC's IV is the sequence number XORed with a mask drawn for
	 * each SA. The IV travels in the clear, so the mask is no secret:
	 * what matters is that no IV is used twice with one key (RFC 4543),
	 * also when an SA is added again with the key it had before.
	 */
	get_random_bytes(&sa->gmac_iv_mask, sizeof(sa->gmac_iv_mask));
	return nfsec_crypto_init_ah(sa, extack);
}

const struct nfsec_proto_ops nfsec_ah_ops = {
	.proto = IPPROTO_AH,
	.spi_offset = offsetof(struct ip_auth_hdr, spi),
	.init = nfsec_ah_init,
	.overhead = nfsec_ah_overhead,
	.output = nfsec_ah_output,
	.input = nfsec_ah_input,
};
