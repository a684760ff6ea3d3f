// SPDX-License-Identifier: GPL-2.0
/*
 * ESP (RFC 4303) for IPv4, transport and tunnel mode. The crypto API does
 * all cryptography through one AEAD per SA: an AEAD algorithm or an
 * authenc()/authencesn() pair, wrapped in the IV generator the algorithm
 * calls for (seqiv, echainiv), which derives IVs from the sequence number so
 * that they never repeat within an SA. The associated data (SPI, the high
 * half of an extended sequence number, the low half) is built in a separate
 * buffer chained in front of the packet's scatterlist. Asynchronous
 * implementations complete in a callback that continues the packet.
 */

#include <crypto/aead.h>
#include <linux/ip.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/route.h>

#include "esp.h"
#include "hooks.h"
#include "pernet.h"
#include "sa.h"

#define NFSEC_ESP_HLEN	8	/* SPI and sequence number */

/* Per-packet state, followed by the IV, the AEAD request and the sg. */
struct nfsec_esp_pkt {
	struct sk_buff *skb;
	struct nfsec_sa *sa;		/* holds a reference */
	struct nfsec_cont cont;
	u64 seq;
	__be32 ad[3];			/* SPI, [ESN high bits,] sequence */
	unsigned int hlen;		/* outer IPv4 header length */
};

static struct nfsec_esp_pkt *nfsec_esp_pkt_alloc(struct crypto_aead *aead,
						 int nsg, u8 **iv,
						 struct aead_request **req,
						 struct scatterlist **sg)
{
	unsigned int ivlen = crypto_aead_ivsize(aead);
	unsigned int len;
	u8 *p;

	len = sizeof(struct nfsec_esp_pkt) + crypto_aead_alignmask(aead);
	len = ALIGN(len + ivlen, crypto_tfm_ctx_alignment());
	len += sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nsg;

	p = kmalloc(len, GFP_ATOMIC);
	if (!p)
		return NULL;
	*iv = PTR_ALIGN(p + sizeof(struct nfsec_esp_pkt),
			crypto_aead_alignmask(aead) + 1);
	*req = (void *)PTR_ALIGN(*iv + ivlen, crypto_tfm_ctx_alignment());
	*sg = PTR_ALIGN((void *)((u8 *)(*req + 1) + crypto_aead_reqsize(aead)),
			__alignof__(struct scatterlist));
	return (struct nfsec_esp_pkt *)p;
}

static unsigned int nfsec_esp_set_ad(struct nfsec_esp_pkt *pkt);

/*
 * The per-packet state and AEAD request over [AD][skb from the IV on, len
 * bytes, of which cryptlen are IV and text]; NULL (counted) if it cannot be
 * had.
 */
static struct nfsec_esp_pkt *
nfsec_esp_pkt_prepare(struct nfsec_sa *sa, struct sk_buff *skb,
		      const struct nfsec_cont *cont, u64 seq,
		      unsigned int hlen, unsigned int len,
		      unsigned int cryptlen, u8 **iv,
		      struct aead_request **req, unsigned int *assoclen)
{
	struct nfsec_esp_pkt *pkt;
	struct scatterlist *sg;

	pkt = nfsec_esp_pkt_alloc(sa->aead, 2, iv, req, &sg);
	if (!pkt) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		return NULL;
	}
	pkt->skb = skb;
	pkt->sa = sa;
	pkt->cont = *cont;
	pkt->seq = seq;
	pkt->hlen = hlen;
	*assoclen = nfsec_esp_set_ad(pkt);

	sg_init_table(sg, 2);
	sg_set_buf(sg, pkt->ad, *assoclen);
	if (unlikely(skb_to_sgvec(skb, sg + 1, hlen + NFSEC_ESP_HLEN, len) < 0)) {
		kfree(pkt);
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
		return NULL;
	}
	aead_request_set_tfm(*req, sa->aead);
	aead_request_set_crypt(*req, sg, sg, cryptlen, *iv);
	aead_request_set_ad(*req, *assoclen);
	return pkt;
}

/* AD: SPI, then with ESN the high half, then the low half. */
static unsigned int nfsec_esp_set_ad(struct nfsec_esp_pkt *pkt)
{
	struct nfsec_sa *sa = pkt->sa;

	pkt->ad[0] = sa->key.spi;
	if (sa->flags & NFSEC_SA_F_ESN) {
		pkt->ad[1] = htonl(upper_32_bits(pkt->seq));
		pkt->ad[2] = htonl(lower_32_bits(pkt->seq));
		return 12;
	}
	pkt->ad[1] = htonl(lower_32_bits(pkt->seq));
	return 8;
}

/* Makes skb linear and private, with room for head and tail bytes more. */
static int nfsec_esp_make_room(struct sk_buff *skb, unsigned int head,
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

static void nfsec_esp_tunnel_xmit(struct nfsec_sa *sa, struct sk_buff *skb,
				  const struct nfsec_cont *cont)
{
	struct flowi4 fl4 = {
		.daddr = sa->daddr,
		.saddr = sa->key.saddr,
		.flowi4_proto = IPPROTO_ESP,
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
	ip_select_ident(cont->net, skb, NULL);
	ip_local_out(cont->net, skb->sk, skb);
}

/*
 * After encryption, synchronous or not: send the packet on. sk is the
 * hook's socket, or after an asynchronous transform the skb's own (which
 * the skb keeps alive; the hook's may be gone).
 */
static void nfsec_esp_output_xmit(struct nfsec_sa *sa, struct sk_buff *skb,
				  const struct nfsec_cont *cont, struct sock *sk)
{
	if (sa->mode == NFSEC_MODE_TUNNEL)
		nfsec_esp_tunnel_xmit(sa, skb, cont);
	else
		cont->okfn(cont->net, sk, skb);
}

/* The last thing an asynchronous completion does. */
static void nfsec_esp_async_end(struct nfsec_net *nn)
{
	if (atomic_dec_and_test(&nn->inflight))
		wake_up_var(&nn->inflight);
}

static void nfsec_esp_output_done(struct crypto_async_request *base, int err)
{
	struct nfsec_esp_pkt *pkt = base->data;
	struct nfsec_sa *sa = pkt->sa;
	struct nfsec_net *nn = sa->nn;

	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_CRYPTO);
		kfree_skb(pkt->skb);
	} else {
		nfsec_esp_output_xmit(sa, pkt->skb, &pkt->cont, pkt->skb->sk);
	}
	nfsec_sa_put(sa);
	kfree(pkt);
	nfsec_esp_async_end(nn);
}

/* The most ESP adds to a packet (worst-case padding). */
unsigned int nfsec_esp_overhead(const struct nfsec_sa *sa)
{
	struct crypto_aead *aead = sa->aead;

	return (sa->mode == NFSEC_MODE_TUNNEL ? sizeof(struct iphdr) : 0) +
	       NFSEC_ESP_HLEN + crypto_aead_ivsize(aead) +
	       ALIGN(crypto_aead_blocksize(aead), 4) - 1 + 2 +
	       crypto_aead_authsize(aead);
}

/*
 * Builds [IPv4][ESP][IV][payload][padding, pad length, next header][ICV]
 * around skb, the payload being the transport payload (transport mode) or
 * the whole packet (tunnel mode), and encrypts it.
 */
unsigned int nfsec_esp_output(struct nfsec_sa *sa, struct sk_buff *skb,
			      const struct nfsec_cont *cont)
{
	struct crypto_aead *aead = sa->aead;
	unsigned int ivlen = crypto_aead_ivsize(aead);
	unsigned int alen = crypto_aead_authsize(aead);
	unsigned int blksize = ALIGN(crypto_aead_blocksize(aead), 4);
	bool tunnel = sa->mode == NFSEC_MODE_TUNNEL;
	unsigned int ihl, hlen, plen, clen, padlen, assoclen, i;
	struct iphdr *iph = ip_hdr(skb), *outer;
	struct nfsec_esp_pkt *pkt;
	struct aead_request *req;
	u8 nexthdr, *tail, *iv;
	__be32 *esph;
	u64 seq;
	int err;

	ihl = iph->ihl * 4;
	hlen = tunnel ? sizeof(struct iphdr) : ihl;
	plen = tunnel ? skb->len : skb->len - ihl;
	nexthdr = tunnel ? IPPROTO_IPIP : iph->protocol;
	clen = ALIGN(plen + 2, blksize);
	padlen = clen - plen - 2;
	if (skb->len + nfsec_esp_overhead(sa) > IP_MAX_MTU) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
		goto drop;
	}

	if (!nfsec_sa_next_seq(sa, &seq) ||
	    !nfsec_sa_account(sa, plen, false))
		goto drop;

	err = nfsec_esp_make_room(skb, NFSEC_ESP_HLEN + ivlen +
				  (tunnel ? hlen : 0) + LL_RESERVED_SPACE(skb_dst(skb)->dev),
				  clen - plen + alen);
	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		goto drop;
	}
	iph = ip_hdr(skb);

	/* The trailer: padding 1, 2, 3..., its length, the next header. */
	tail = skb_put(skb, clen - plen + alen);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = nexthdr;

	if (tunnel) {
		outer = skb_push(skb, hlen + NFSEC_ESP_HLEN + ivlen);
		outer->version = 4;
		outer->ihl = 5;
		outer->tos = iph->tos;
		outer->frag_off = 0;
		outer->ttl = IPDEFTTL;
		outer->saddr = sa->key.saddr;
		outer->daddr = sa->daddr;
	} else {
		outer = skb_push(skb, NFSEC_ESP_HLEN + ivlen);
		memmove(outer, iph, ihl);
	}
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, hlen);
	outer->protocol = IPPROTO_ESP;
	outer->tot_len = htons(skb->len);
	if (!tunnel) {
		/*
		 * The route's MTU may be the one lowered for the plaintext
		 * (see nfsec_check_mtu()): size ESP packets by the link's.
		 */
		IPCB(skb)->flags |= IPSKB_FORWARDED;
		if (skb->len > READ_ONCE(skb_dst(skb)->dev->mtu)) {
			/* Fragmented after ESP rather than a black hole. */
			outer->frag_off &= ~htons(IP_DF);
			skb->ignore_df = 1;
		}
	}
	ip_send_check(outer);

	esph = (__be32 *)(skb->data + hlen);
	esph[0] = sa->key.spi;
	esph[1] = htonl(lower_32_bits(seq));

	/* The crypto API writes the ICV after the ciphertext. */
	pkt = nfsec_esp_pkt_prepare(sa, skb, cont, seq, hlen,
				    ivlen + clen + alen, ivlen + clen,
				    &iv, &req, &assoclen);
	if (!pkt)
		goto drop;

	/* The IV generator's seed: the 64-bit sequence number. */
	memset(iv, 0, ivlen);
	for (i = 0; i < min(ivlen, 8U); i++)
		iv[ivlen - 1 - i] = seq >> (8 * i);
	aead_request_set_callback(req, 0, nfsec_esp_output_done, pkt);

	if (!refcount_inc_not_zero(&sa->refcnt)) {
		kfree(pkt);
		goto drop;	/* being deleted */
	}
	atomic_inc(&sa->nn->inflight);
	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return NF_STOLEN;	/* nfsec_esp_output_done() goes on */
	atomic_dec(&sa->nn->inflight);
	nfsec_sa_put(sa);
	kfree(pkt);
	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_CRYPTO);
		goto drop;
	}

	if (!tunnel && !cont->xmit)
		return NF_ACCEPT;
	nfsec_esp_output_xmit(sa, skb, cont, cont->sk);
	return NF_STOLEN;

drop:
	kfree_skb(skb);
	return NF_STOLEN;
}

/*
 * After the ICV verified: window, padding, next header, then the packet
 * without ESP. Returns NF_ACCEPT to continue, or NF_STOLEN when dropped.
 */
static unsigned int nfsec_esp_input_finish(struct nfsec_esp_pkt *pkt)
{
	struct crypto_aead *aead = pkt->sa->aead;
	unsigned int ivlen = crypto_aead_ivsize(aead);
	unsigned int alen = crypto_aead_authsize(aead);
	struct sk_buff *skb = pkt->skb;
	struct nfsec_sa *sa = pkt->sa;
	unsigned int hlen = pkt->hlen, elen, i;
	u8 padlen, nexthdr, *trailer;
	int iif;
	struct iphdr *iph;

	if (!nfsec_sa_replay_advance(sa, pkt->seq))
		goto drop;

	/* Linear since nfsec_esp_input(); the length was checked there. */
	elen = skb->len - hlen - NFSEC_ESP_HLEN - ivlen - alen;
	trailer = skb_tail_pointer(skb) - alen - 2;
	padlen = trailer[0];
	nexthdr = trailer[1];
	if (padlen + 2 > elen)
		goto bad_padding;
	for (i = 0; i < padlen; i++)
		if ((trailer - padlen)[i] != i + 1)
			goto bad_padding;

	if (!nfsec_sa_account(sa, elen - padlen - 2, true))
		goto drop;

	if (nexthdr == IPPROTO_NONE) {	/* a dummy packet (RFC 4303 2.6) */
		consume_skb(skb);
		return NF_STOLEN;
	}

	if (pskb_trim(skb, skb->len - alen - 2 - padlen))
		goto malformed;

	if (sa->mode == NFSEC_MODE_TUNNEL) {
		if (nexthdr != IPPROTO_IPIP)
			goto malformed;
		skb_pull(skb, hlen + NFSEC_ESP_HLEN + ivlen);
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
	} else {
		iph = ip_hdr(skb);
		memmove((u8 *)iph + NFSEC_ESP_HLEN + ivlen, iph, hlen);
		skb_pull(skb, NFSEC_ESP_HLEN + ivlen);
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
	IPCB(skb)->flags |= IPSKB_XFRM_TRANSFORMED;	/* nfsec is done */

	if (!nfsec_in_policy_ok(sa, skb)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_POLICY);
		goto drop;
	}
	return NF_ACCEPT;

bad_padding:
	nfsec_sa_count(sa, NFSEC_STATS_A_DROP_PADDING);
	goto drop;
malformed:
	nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
drop:
	kfree_skb(skb);
	return NF_STOLEN;
}

static unsigned int nfsec_esp_input_result(struct nfsec_esp_pkt *pkt, int err)
{
	if (err) {
		nfsec_sa_count(pkt->sa, err == -EBADMSG ?
			       NFSEC_STATS_A_DROP_ICV : NFSEC_STATS_A_DROP_CRYPTO);
		kfree_skb(pkt->skb);
		return NF_STOLEN;
	}
	return nfsec_esp_input_finish(pkt);
}

static void nfsec_esp_input_done(struct crypto_async_request *base, int err)
{
	struct nfsec_esp_pkt *pkt = base->data;
	struct nfsec_net *nn = pkt->sa->nn;
	struct net_device *dev = pkt->skb->dev;

	/*
	 * Continue through PRE_ROUTING from its start, as XFRM does, so that
	 * conntrack and NAT see the packet; nfsec's hook lets it pass.
	 */
	if (nfsec_esp_input_result(pkt, err) == NF_ACCEPT)
		NF_HOOK(NFPROTO_IPV4, NF_INET_PRE_ROUTING, pkt->cont.net, NULL,
			pkt->skb, pkt->skb->dev, NULL, pkt->cont.okfn);
	dev_put(dev);
	nfsec_sa_put(pkt->sa);
	kfree(pkt);
	nfsec_esp_async_end(nn);
}

/* seq: the full sequence number the replay check inferred. */
unsigned int nfsec_esp_input(struct nfsec_sa *sa, struct sk_buff *skb,
			     u64 seq, const struct nfsec_cont *cont)
{
	struct crypto_aead *aead = sa->aead;
	unsigned int ivlen = crypto_aead_ivsize(aead);
	unsigned int alen = crypto_aead_authsize(aead);
	unsigned int hlen, assoclen, verdict;
	struct nfsec_esp_pkt *pkt;
	struct aead_request *req;
	u8 *iv;
	int err;

	if (skb_linearize_cow(skb)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		goto drop;
	}
	hlen = ip_hdr(skb)->ihl * 4;
	if (skb->len < hlen + NFSEC_ESP_HLEN + ivlen + 2 + alen) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
		goto drop;
	}

	/* IV, ciphertext and ICV; the IV is read from the packet. */
	pkt = nfsec_esp_pkt_prepare(sa, skb, cont, seq, hlen,
				    skb->len - hlen - NFSEC_ESP_HLEN,
				    skb->len - hlen - NFSEC_ESP_HLEN,
				    &iv, &req, &assoclen);
	if (!pkt)
		goto drop;
	aead_request_set_callback(req, 0, nfsec_esp_input_done, pkt);

	if (!refcount_inc_not_zero(&sa->refcnt)) {
		kfree(pkt);
		goto drop;	/* being deleted */
	}
	/* The completion needs the device the packet came in on. */
	dev_hold(skb->dev);
	atomic_inc(&sa->nn->inflight);
	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return NF_STOLEN;	/* nfsec_esp_input_done() goes on */
	atomic_dec(&sa->nn->inflight);
	dev_put(skb->dev);
	verdict = nfsec_esp_input_result(pkt, err);
	nfsec_sa_put(sa);
	kfree(pkt);
	return verdict;

drop:
	kfree_skb(skb);
	return NF_STOLEN;
}
