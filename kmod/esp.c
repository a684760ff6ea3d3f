// SPDX-License-Identifier: GPL-2.0
/*
 * ESP (RFC 4303) for IPv4 and IPv6, transport and tunnel mode. The crypto API does
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

#include "compat.h"
#include "crypto.h"
#include "esp.h"
#include "pernet.h"
#include "sa.h"
#include "xform.h"

#define NFSEC_ESP_HLEN	8	/* SPI and sequence number */

/* Per-packet state, followed by the IV, the AEAD request and the sg. */
struct nfsec_esp_pkt {
	struct nfsec_xform_pkt x;	/* first: freed through it */
	__be32 ad[3];			/* SPI, [ESN high bits,] sequence */
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
	nfsec_xform_pkt_init(&pkt->x, skb, sa, cont, seq, hlen);
	*assoclen = nfsec_esp_set_ad(pkt);

	sg_init_table(sg, 2);
	sg_set_buf(sg, pkt->ad, *assoclen);
	if (unlikely(skb_to_sgvec(skb, sg + 1, hlen + NFSEC_ESP_HLEN, len) < 0)) {
		nfsec_xform_pkt_free(&pkt->x);
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
	struct nfsec_sa *sa = pkt->x.sa;

	pkt->ad[0] = sa->key.spi;
	if (sa->flags & NFSEC_SA_F_ESN) {
		pkt->ad[1] = htonl(upper_32_bits(pkt->x.seq));
		pkt->ad[2] = htonl(lower_32_bits(pkt->x.seq));
		return 12;
	}
	pkt->ad[1] = htonl(lower_32_bits(pkt->x.seq));
	return 8;
}

static void nfsec_esp_output_done(nfsec_crypto_done_t *arg, int err)
{
	struct nfsec_esp_pkt *pkt = nfsec_crypto_done_data(arg);

	nfsec_xform_async_begin();
	nfsec_xform_output_end(&pkt->x, err);
	nfsec_xform_async_end();
}

/* The most ESP adds to a packet (worst-case padding). */
static unsigned int nfsec_esp_overhead(const struct nfsec_sa *sa)
{
	struct crypto_aead *aead = sa->aead;

	return (sa->mode == NFSEC_MODE_TUNNEL ? nfsec_xform_outer_len(sa) : 0) +
	       NFSEC_ESP_HLEN + crypto_aead_ivsize(aead) +
	       ALIGN(crypto_aead_blocksize(aead), 4) - 1 + 2 +
	       crypto_aead_authsize(aead);
}

/*
 * Builds [IP][ESP][IV][payload][padding, pad length, next header][ICV]
 * around skb, the payload being the transport payload (transport mode:
 * after the IPv4 header, or the IPv6 header and the extension headers that
 * come before ESP) or the whole packet (tunnel mode), and encrypts it.
 */
static unsigned int nfsec_esp_output(struct nfsec_sa *sa,
				     struct sk_buff *skb,
				     const struct nfsec_cont *cont)
{
	struct crypto_aead *aead = sa->aead;
	unsigned int ivlen = crypto_aead_ivsize(aead);
	unsigned int alen = crypto_aead_authsize(aead);
	unsigned int blksize = ALIGN(crypto_aead_blocksize(aead), 4);
	bool tunnel = sa->mode == NFSEC_MODE_TUNNEL;
	unsigned int hlen, plen, clen, padlen, assoclen, i;
	struct nfsec_xform_out xo;
	struct nfsec_esp_pkt *pkt;
	struct aead_request *req;
	u8 *tail, *iv;
	__be32 *esph;
	u64 seq;
	int err;

	if (!nfsec_xform_out_split(sa, skb, &xo) ||
	    skb->len + nfsec_esp_overhead(sa) > nfsec_xform_max_len(sa)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
		goto drop;
	}
	hlen = xo.hlen;
	plen = skb->len - xo.ihl;
	clen = ALIGN(plen + 2, blksize);
	padlen = clen - plen - 2;

	if (!nfsec_sa_next_seq(sa, &seq) ||
	    !nfsec_sa_account(sa, plen, false))
		goto drop;

	err = nfsec_xform_make_room(skb, NFSEC_ESP_HLEN + ivlen +
				    (tunnel ? hlen : 0) +
				    LL_RESERVED_SPACE(skb_dst(skb)->dev),
				    clen - plen + alen);
	if (err) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		goto drop;
	}

	/* The trailer: padding 1, 2, 3..., its length, the next header. */
	tail = skb_put(skb, clen - plen + alen);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = xo.nexthdr;

	nfsec_xform_push(sa, skb, cont, &xo, NFSEC_ESP_HLEN + ivlen);

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

	if (!nfsec_xform_hold(sa)) {
		nfsec_xform_pkt_free(&pkt->x);
		goto drop;	/* being deleted */
	}
	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return NF_STOLEN;	/* nfsec_esp_output_done() goes on */
	return nfsec_xform_output_sync(&pkt->x, err);

drop:
	kfree_skb(skb);
	return NF_STOLEN;
}

/*
 * After the ICV verified: window, padding, next header, then the packet
 * without ESP is delivered, or it is dropped and counted.
 */
static void nfsec_esp_input_finish(struct nfsec_esp_pkt *pkt)
{
	struct crypto_aead *aead = pkt->x.sa->aead;
	unsigned int ivlen = crypto_aead_ivsize(aead);
	unsigned int alen = crypto_aead_authsize(aead);
	struct sk_buff *skb = pkt->x.skb;
	struct nfsec_sa *sa = pkt->x.sa;
	unsigned int hlen = pkt->x.hlen, elen, i;
	u8 padlen, nexthdr, *trailer;

	if (!nfsec_sa_replay_advance(sa, pkt->x.seq))
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
		return;
	}

	if (pskb_trim(skb, skb->len - alen - 2 - padlen))
		goto malformed;
	nfsec_xform_decap(sa, skb, &pkt->x.cont, hlen, NFSEC_ESP_HLEN + ivlen,
			  nexthdr);
	return;

bad_padding:
	nfsec_sa_count(sa, NFSEC_STATS_A_DROP_PADDING);
	goto drop;
malformed:
	nfsec_sa_count(sa, NFSEC_STATS_A_DROP_MALFORMED);
drop:
	kfree_skb(skb);
}

static void nfsec_esp_input_result(struct nfsec_esp_pkt *pkt, int err)
{
	if (err) {
		nfsec_sa_count(pkt->x.sa, err == -EBADMSG ?
			       NFSEC_STATS_A_DROP_ICV : NFSEC_STATS_A_DROP_CRYPTO);
		kfree_skb(pkt->x.skb);
		return;
	}
	nfsec_esp_input_finish(pkt);
}

static void nfsec_esp_input_done(nfsec_crypto_done_t *arg, int err)
{
	struct nfsec_esp_pkt *pkt = nfsec_crypto_done_data(arg);

	nfsec_xform_async_begin();
	nfsec_esp_input_result(pkt, err);
	nfsec_xform_input_end(&pkt->x);
	nfsec_xform_async_end();
}

/* hlen: where the hook found the ESP header; seq: the inferred number. */
static unsigned int nfsec_esp_input(struct nfsec_sa *sa, struct sk_buff *skb,
				    unsigned int hlen, u64 seq,
				    const struct nfsec_cont *cont)
{
	struct crypto_aead *aead = sa->aead;
	unsigned int ivlen = crypto_aead_ivsize(aead);
	unsigned int alen = crypto_aead_authsize(aead);
	unsigned int assoclen;
	struct nfsec_esp_pkt *pkt;
	struct aead_request *req;
	u8 *iv;
	int err;

	if (skb_linearize_cow(skb)) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_NOMEM);
		goto drop;
	}
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

	if (!nfsec_xform_hold(sa)) {
		nfsec_xform_pkt_free(&pkt->x);
		goto drop;	/* being deleted */
	}
	/* The completion needs the device the packet came in on. */
	nfsec_xform_hold_dev(&pkt->x);
	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return NF_STOLEN;	/* nfsec_esp_input_done() goes on */
	nfsec_xform_put_dev(&pkt->x);
	nfsec_esp_input_result(pkt, err);
	nfsec_xform_pkt_free(&pkt->x);
	nfsec_xform_release(sa);
	return NF_STOLEN;

drop:
	kfree_skb(skb);
	return NF_STOLEN;
}

const struct nfsec_proto_ops nfsec_esp_ops = {
	.proto = IPPROTO_ESP,
	.spi_offset = 0,
	.init = nfsec_crypto_init_esp,
	.overhead = nfsec_esp_overhead,
	.output = nfsec_esp_output,
	.input = nfsec_esp_input,
};
