// SPDX-License-Identifier: GPL-2.0
/*
 * Packet fuzzer: mutated ESP and AH packets aimed at the live inbound SAs of a
 * receiver namespace, sent from the namespace it runs in over a raw socket
 * (IP_HDRINCL, IP_NODEFRAG). The SAs, keys included, are read from the
 * receiver over netlink; valid packets are built with the kernel's own
 * crypto through AF_ALG, so that mutations behind a correct ICV (padding,
 * next header, inner packet, policy) are reached too.
 *
 * The IP header of every packet stays valid (the sender's kernel sets its
 * checksum and total length), so each packet, or each complete fragment set
 * once reassembled, reaches nfsec's PRE_ROUTING hook exactly once. What each
 * kind of packet must do there:
 *
 *   tiny       ESP shorter than its 8-byte header     nstats malformed
 *   nosa       an SPI no SA has                        nstats no-sa
 *   garbage    random ICV, body, length or sequence    SA replay, icv or
 *   truncated  a valid packet cut short or flipped      malformed: replay
 *   replay     a valid packet sent again                if the window (its
 *                                                      model here) refuses
 *                                                      the number, else
 *                                                      malformed if too
 *                                                      short (AH: a wrong
 *                                                      length field), else
 *                                                      icv
 *   valid      correct packet to the SA's UDP port     accepted: SA packets,
 *                                                      delivered to the port
 *   padding    correct ICV, wrong padding bytes/length  SA padding
 *   policy     correct, inner packet of no policy      SA packets + policy
 *   dummy      correct, next header 59 (RFC 4303 2.6)  SA packets, consumed
 *   inner      tunnel SA: correct ICV, bad inner packet SA packets + malformed
 *
 * Any kind may carry IP options (NOPs), be sent as a complete fragment set
 * (in order or shuffled, down to 8-byte fragments) or be huge (up to 64 KiB).
 * After every batch the receiver's counters are polled until they reach the
 * exact expected values; a mismatch that does not resolve is a failure.
 * Delivered datagrams are read and compared with what was sent.
 *
 * usage: fuzz_packets --rx NETNS --src A --dst A --sa [ah:]SPI:PORT
 *                     [--sa ...] [--inner-src A] [--seed N] [--count N]
 * The SA of each --sa is the receiver's ESP SA (AH with "ah:") from src A
 * with that SPI; PORT is the UDP port its inbound policy protects. AH
 * packets are built the same way (the ICV with hmac through AF_ALG, over
 * the IP header with its mutable fields zeroed); for AH, "padding" stands
 * for a wrong AH length field and falls in the garbage's group, and there
 * are no dummy packets. Exit 0 pass, 1 fail, 4 skip.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_alg.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"

#ifndef SOL_ALG
#define SOL_ALG 279
#endif
#ifndef IP_NODEFRAG
#define IP_NODEFRAG 22
#endif

#define MAX_SAS 8
#define MAX_PKT 65535
#define BATCH 24
#define BATCH_FRAMES 128
#define SAVED 8

enum kind {
	K_TINY, K_NOSA, K_GARBAGE, K_TRUNC, K_REPLAY, K_VALID, K_PADDING,
	K_POLICY, K_DUMMY, K_INNER, K_MAX
};

static const char *const kind_name[K_MAX] = {
	"tiny", "nosa", "garbage", "truncated", "replay", "valid", "padding",
	"policy", "dummy", "inner",
};

struct pkt {
	uint8_t *data;
	size_t len;
	enum kind kind;
};

struct sa {
	uint32_t spi;			/* host order */
	uint16_t port;
	bool ah, tunnel, esn, aead, gmac;
	unsigned int ivlen, icvlen, block;
	int opfd;			/* AF_ALG operation socket */
	int hashfd;			/* AH: AF_ALG hmac */
	uint8_t salt[4];		/* AH with AES-GMAC */
	uint64_t seq;			/* last sequence number used */
	struct pkt saved[SAVED];	/* valid packets, for replays */
	unsigned int nsaved;
	/* The receiver's window: its size, top, the numbers seen (n % size). */
	uint32_t window;
	uint64_t top;
	uint8_t seen[NFSEC_REPLAY_WINDOW_MAX / 8];
	/* Expected counter values (absolute) and the last ones read. */
	uint64_t exp[NFSEC_STATS_A_MAX + 1];
	uint64_t got[NFSEC_STATS_A_MAX + 1];
	uint64_t base[NFSEC_STATS_A_MAX + 1];
};

static struct nl nl;
static struct rng rng;
static struct sa sas[MAX_SAS];
static unsigned int nsas;
static uint32_t src, dst, inner_src;
static int raw = -1;
static int udp[MAX_SAS];
static uint64_t exp_net[NFSEC_NSTATS_A_MAX + 1], got_net[NFSEC_NSTATS_A_MAX + 1],
		base_net[NFSEC_NSTATS_A_MAX + 1];
static unsigned long sent[K_MAX], n_frag, n_opts, n_huge, n_fragments;
static unsigned long exp_udp, got_udp, bad_udp, reached, frames;
static unsigned long failures;
static uint32_t next_tag = 1;
static uint8_t *buf, *tmp;

/* The receiver's SAs and counters ---------------------------------------- */

struct sa_info {
	uint32_t spi, src;
	uint8_t proto;
	uint8_t mode;
	uint32_t flags;
	uint16_t icv_bits;
	uint32_t window;
	char enc[NFSEC_ALG_NAME_MAX], auth[NFSEC_ALG_NAME_MAX];
	uint8_t enc_key[NFSEC_KEY_MAX], auth_key[NFSEC_KEY_MAX];
	unsigned int enc_len, auth_len;
	uint64_t seq;
	uint64_t stats[NFSEC_STATS_A_MAX + 1];
};

struct dump {
	struct sa_info sa[64];
	unsigned int n;
};

static void dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	const struct nlattr *n = nl_attr(nlh, NFSEC_A_SA), *a, *s;
	struct sa_info *i;

	if (!n || d->n >= 64)
		return;
	i = &d->sa[d->n++];
	memset(i, 0, sizeof(*i));
	mnl_attr_for_each_nested(a, n) {
		switch (mnl_attr_get_type(a)) {
		case NFSEC_SA_A_SPI: i->spi = ntohl(mnl_attr_get_u32(a)); break;
		case NFSEC_SA_A_PROTO: i->proto = mnl_attr_get_u8(a); break;
		case NFSEC_SA_A_SRC: i->src = mnl_attr_get_u32(a); break;
		case NFSEC_SA_A_MODE: i->mode = mnl_attr_get_u8(a); break;
		case NFSEC_SA_A_FLAGS: i->flags = mnl_attr_get_u32(a); break;
		case NFSEC_SA_A_ICV_BITS: i->icv_bits = mnl_attr_get_u16(a); break;
		case NFSEC_SA_A_SEQ: i->seq = mnl_attr_get_u64(a); break;
		case NFSEC_SA_A_REPLAY_WINDOW: i->window = mnl_attr_get_u32(a); break;
		case NFSEC_SA_A_ENC_ALG:
			snprintf(i->enc, sizeof(i->enc), "%s", mnl_attr_get_str(a));
			break;
		case NFSEC_SA_A_AUTH_ALG:
			snprintf(i->auth, sizeof(i->auth), "%s", mnl_attr_get_str(a));
			break;
		case NFSEC_SA_A_ENC_KEY:
			i->enc_len = mnl_attr_get_payload_len(a);
			if (i->enc_len <= sizeof(i->enc_key))
				memcpy(i->enc_key, mnl_attr_get_payload(a), i->enc_len);
			break;
		case NFSEC_SA_A_AUTH_KEY:
			i->auth_len = mnl_attr_get_payload_len(a);
			if (i->auth_len <= sizeof(i->auth_key))
				memcpy(i->auth_key, mnl_attr_get_payload(a), i->auth_len);
			break;
		case NFSEC_SA_A_STATS:
			mnl_attr_for_each_nested(s, a)
				if (mnl_attr_get_type(s) <= NFSEC_STATS_A_MAX &&
				    mnl_attr_get_payload_len(s) == 8)
					i->stats[mnl_attr_get_type(s)] =
						mnl_attr_get_u64(s);
			break;
		}
	}
}

static bool read_sas(struct dump *d, bool with_keys)
{
	struct answer a;
	struct nlmsghdr *nlh;

	d->n = 0;
	nlh = nl_req(&nl, NFSEC_CMD_SA_GET, NLM_F_DUMP);
	if (with_keys)
		mnl_attr_put_u32(nlh, NFSEC_A_FLAGS, NFSEC_F_WITH_KEYS);
	if (nl_talk(&nl, &a, dump_cb, d) || a.err) {
		FAIL("SA dump in the receiver: %d %s", a.err, a.msg);
		return false;
	}
	return true;
}

static void stats_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *n = nl_attr(nlh, NFSEC_A_STATS), *a;
	uint64_t *v = arg;

	if (!n)
		return;
	mnl_attr_for_each_nested(a, n)
		if (mnl_attr_get_type(a) <= NFSEC_NSTATS_A_MAX &&
		    mnl_attr_get_payload_len(a) == 8)
			v[mnl_attr_get_type(a)] = mnl_attr_get_u64(a);
}

/* Current counters into got_net and each SA's got. */
static bool read_counters(void)
{
	static struct dump d;
	struct answer a;
	unsigned int i, j;

	nl_req(&nl, NFSEC_CMD_GET_STATS, 0);
	if (nl_talk(&nl, &a, stats_cb, got_net) || a.err) {
		FAIL("GET_STATS in the receiver: %d %s", a.err, a.msg);
		return false;
	}
	if (!read_sas(&d, false))
		return false;
	for (i = 0; i < nsas; i++) {
		for (j = 0; j < d.n; j++)
			if (d.sa[j].spi == sas[i].spi && d.sa[j].src == src &&
			    d.sa[j].proto == (sas[i].ah ? IPPROTO_AH : IPPROTO_ESP))
				break;
		if (j == d.n) {
			FAIL("SA 0x%x disappeared from the receiver", sas[i].spi);
			return false;
		}
		memcpy(sas[i].got, d.sa[j].stats, sizeof(sas[i].got));
	}
	return true;
}

/* AF_ALG ------------------------------------------------------------------ */

static int alg_open(const char *name, const void *key, unsigned int keylen,
		    unsigned int authsize)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "aead" };
	int tfm, op;

	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s", name);
	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0)
		return -1;
	if (bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, keylen) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, authsize)) {
		printf("# AF_ALG %s: %s\n", name, strerror(errno));
		close(tfm);
		return -1;
	}
	op = accept(tfm, NULL, 0);
	close(tfm);
	return op;
}

/*
 * Encrypts [ad][pt] with iv; writes [ad][ct][icv] to out. The AD is what
 * nfsec gives the transform: SPI, [ESN high half,] low half, IV.
 */
static bool alg_encrypt(struct sa *s, const uint8_t *ad, size_t adlen,
			const uint8_t *iv, const uint8_t *pt, size_t ptlen,
			uint8_t *out)
{
	char cbuf[CMSG_SPACE(4) + CMSG_SPACE(sizeof(struct af_alg_iv) + 16) +
		  CMSG_SPACE(4)] = { 0 };
	struct iovec iov[2] = {
		{ (void *)ad, adlen }, { (void *)pt, ptlen },
	};
	struct msghdr msg = {
		.msg_iov = iov, .msg_iovlen = 2,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	struct af_alg_iv *aiv;
	size_t want = adlen + ptlen + s->icvlen;
	ssize_t n;

	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = ALG_OP_ENCRYPT;
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*aiv) + 16);
	aiv = (void *)CMSG_DATA(c);
	/* GCM itself for AH's GMAC: salt and IV, 12 bytes. */
	aiv->ivlen = s->gmac ? 12 : s->ivlen;
	memcpy(aiv->iv, iv, aiv->ivlen);
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
	c->cmsg_len = CMSG_LEN(4);
	*(uint32_t *)CMSG_DATA(c) = adlen;

	if (sendmsg(s->opfd, &msg, 0) != (ssize_t)(adlen + ptlen)) {
		FAIL("AF_ALG sendmsg: %s", strerror(errno));
		return false;
	}
	n = read(s->opfd, out, want);
	if (n != (ssize_t)want) {
		FAIL("AF_ALG read: %zd of %zu: %s", n, want, strerror(errno));
		return false;
	}
	return true;
}

static const char *hmac_name(const char *auth)
{
	if (!strcmp(auth, "hmac-sha256"))
		return "hmac(sha256)";
	if (!strcmp(auth, "hmac-sha384"))
		return "hmac(sha384)";
	if (!strcmp(auth, "hmac-sha512"))
		return "hmac(sha512)";
	if (!strcmp(auth, "hmac-sha1"))
		return "hmac(sha1)";
	return NULL;
}

static bool sa_setup(struct sa *s, const struct sa_info *i)
{
	uint8_t blob[512];
	char name[128];
	struct rtattr *rta = (struct rtattr *)blob;

	s->tunnel = i->mode == NFSEC_MODE_TUNNEL;
	s->esn = i->flags & NFSEC_SA_F_ESN;
	s->seq = i->seq;
	s->top = i->seq;	/* an inbound SA's seq: the highest received */
	s->window = i->window;
	s->icvlen = i->icv_bits / 8;
	if (s->ah && !strcmp(i->auth, "aes-gmac")) {
		/*
		 * RFC 4543 5: GCM with the AES key, the nonce being the salt
		 * (the key's last 4 bytes) and the 8-byte IV after the
		 * sequence number.
		 */
		s->gmac = true;
		s->ivlen = 8;
		memcpy(s->salt, i->auth_key + i->auth_len - 4, 4);
		s->opfd = alg_open("gcm(aes)", i->auth_key, i->auth_len - 4,
				   s->icvlen);
		if (s->opfd < 0)
			FAIL("AH SA 0x%x: AF_ALG gcm(aes): %s", s->spi,
			     strerror(errno));
		return s->opfd >= 0;
	}
	if (s->ah) {
		struct sockaddr_alg sa = { .salg_family = AF_ALG,
					   .salg_type = "hash" };
		int tfm;

		if (!hmac_name(i->auth)) {
			FAIL("AH SA 0x%x: %s not supported by the fuzzer", s->spi,
			     i->auth);
			return false;
		}
		snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s",
			 hmac_name(i->auth));
		tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
		if (tfm < 0 || bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) ||
		    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, i->auth_key, i->auth_len)) {
			FAIL("AH SA 0x%x: AF_ALG %s: %s", s->spi, hmac_name(i->auth),
			     strerror(errno));
			return false;
		}
		s->hashfd = accept(tfm, NULL, 0);
		close(tfm);
		return s->hashfd >= 0;
	}
	if (!strcmp(i->enc, "aes-gcm") || !strcmp(i->enc, "chacha20-poly1305")) {
		s->aead = true;
		s->ivlen = 8;
		s->block = 4;
		s->opfd = alg_open(i->enc[0] == 'a' ? "rfc4106(gcm(aes))" :
				   "rfc7539esp(chacha20,poly1305)",
				   i->enc_key, i->enc_len, s->icvlen);
	} else if ((!strcmp(i->enc, "aes-cbc") || !strcmp(i->enc, "null")) &&
		   hmac_name(i->auth)) {
		bool cbc = i->enc[0] == 'a';

		s->ivlen = cbc ? 16 : 0;
		s->block = cbc ? 16 : 4;
		snprintf(name, sizeof(name), "%s(%s,%s)",
			 s->esn ? "authencesn" : "authenc", hmac_name(i->auth),
			 cbc ? "cbc(aes)" : "ecb(cipher_null)");
		rta->rta_type = 1;	/* CRYPTO_AUTHENC_KEYA_PARAM */
		rta->rta_len = RTA_LENGTH(4);
		*(uint32_t *)RTA_DATA(rta) = htonl(i->enc_len);
		memcpy(blob + RTA_SPACE(4), i->auth_key, i->auth_len);
		memcpy(blob + RTA_SPACE(4) + i->auth_len, i->enc_key, i->enc_len);
		s->opfd = alg_open(name, blob, RTA_SPACE(4) + i->auth_len +
				   i->enc_len, s->icvlen);
	} else {
		FAIL("SA 0x%x: algorithm %s/%s not supported by the fuzzer",
		     s->spi, i->enc, i->auth);
		return false;
	}
	if (s->opfd < 0) {
		FAIL("SA 0x%x: AF_ALG for %s/%s: %s", s->spi, i->enc, i->auth,
		     strerror(errno));
		return false;
	}
	return true;
}

/* Packets ----------------------------------------------------------------- */

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum);
}

/* An IPv4 header with optlen bytes of NOP options at p; returns its size. */
static size_t put_iph(uint8_t *p, uint32_t s, uint32_t d, uint8_t proto,
		      size_t optlen, size_t total)
{
	struct iphdr *iph = (struct iphdr *)p;

	memset(iph, 0, sizeof(*iph));
	iph->version = 4;
	iph->ihl = 5 + optlen / 4;
	iph->tos = rng_pct(&rng, 80) ? 0 : rng_below(&rng, 256) & ~3;
	iph->tot_len = htons(total);
	iph->id = htons(1 + rng_below(&rng, 65535));
	iph->frag_off = rng_pct(&rng, 30) ? htons(IP_DF) : 0;
	iph->ttl = 64;
	iph->protocol = proto;
	iph->saddr = s;
	iph->daddr = d;
	memset(p + sizeof(*iph), IPOPT_NOP, optlen);
	if (optlen && rng_pct(&rng, 50))
		p[sizeof(*iph) + optlen - 1] = IPOPT_END;
	iph->check = csum(p, iph->ihl * 4);
	return iph->ihl * 4;
}

/* UDP to port with a tag that identifies the datagram, then len bytes. */
static size_t put_udp(uint8_t *p, uint16_t port, uint32_t tag, size_t len)
{
	p[0] = 3000 >> 8;
	p[1] = 3000 & 0xff;
	p[2] = port >> 8;
	p[3] = port & 0xff;
	p[4] = (8 + 4 + len) >> 8;
	p[5] = (8 + 4 + len) & 0xff;
	p[6] = p[7] = 0;		/* no checksum */
	memcpy(p + 8, &tag, 4);
	memset(p + 12, tag & 0xff, len);
	return 8 + 4 + len;
}

/* Sizes: mostly small, sometimes around the MTU, rarely huge. */
static size_t pick_len(bool huge)
{
	if (huge)
		return 8000 + rng_below(&rng, 52000);
	switch (rng_below(&rng, 4)) {
	case 0:
		return rng_below(&rng, 16);
	case 1:
		return rng_below(&rng, 200);
	case 2:
		return 1300 + rng_below(&rng, 300);
	default:
		return rng_below(&rng, 1000);
	}
}

/*
 * A correct ESP packet for s (IP header with optlen bytes of options),
 * with what kind asks to be wrong behind the ICV. Returns its length.
 */
static size_t build_valid(struct sa *s, enum kind kind, size_t optlen,
			  bool huge, uint8_t *out)
{
	uint8_t ad[12 + 16], iv[16], *pt = tmp, *p;
	size_t hl, plen, ptlen, padlen, adlen, total, i;
	uint8_t nexthdr;
	uint64_t seq = ++s->seq;
	uint16_t port = kind == K_POLICY ? 5555 : s->port;
	uint32_t tag = next_tag++;
	size_t body = pick_len(huge);

	if (huge && body > MAX_PKT - 200)
		body = MAX_PKT - 200;
	/* The plaintext: [inner IPv4 header] UDP. */
	p = pt;
	if (s->tunnel) {
		size_t ulen = 8 + 4 + body;

		p += put_iph(p, inner_src, dst, IPPROTO_UDP, 0, 20 + ulen);
		nexthdr = IPPROTO_IPIP;
	} else {
		nexthdr = IPPROTO_UDP;
	}
	p += put_udp(p, port, tag, body);
	if (kind == K_VALID)
		exp_udp++;
	plen = p - pt;
	if (kind == K_DUMMY)
		nexthdr = IPPROTO_NONE;
	if (kind == K_INNER) {
		if (rng_pct(&rng, 50))
			nexthdr = IPPROTO_UDP;		/* not IPIP */
		else
			pt[10] ^= 0x55;			/* inner checksum */
	}

	/* Padding 1, 2, 3... to the block size, sometimes more. */
	padlen = (s->block - (plen + 2) % s->block) % s->block;
	if (rng_pct(&rng, 20) || (kind == K_PADDING && !padlen))
		padlen += s->block * (1 + rng_below(&rng, (253 - padlen) / s->block));
	for (i = 0; i < padlen; i++)
		p[i] = i + 1;
	p[padlen] = padlen;
	p[padlen + 1] = nexthdr;
	ptlen = plen + padlen + 2;
	if (kind == K_PADDING) {
		if (ptlen <= 256 && rng_pct(&rng, 40))
			p[padlen] = 255;	/* beyond the payload */
		else				/* a pad byte that is not its index */
			p[rng_below(&rng, padlen)] ^= 1 + rng_below(&rng, 255);
	}

	/* AD: SPI, [high half], low half, IV. */
	adlen = 0;
	*(uint32_t *)(ad + adlen) = htonl(s->spi);
	adlen += 4;
	if (s->esn) {
		*(uint32_t *)(ad + adlen) = htonl(seq >> 32);
		adlen += 4;
	}
	*(uint32_t *)(ad + adlen) = htonl((uint32_t)seq);
	adlen += 4;
	rng_bytes(&rng, iv, s->ivlen);
	memcpy(ad + adlen, iv, s->ivlen);
	adlen += s->ivlen;

	total = 20 + optlen + 8 + s->ivlen + ptlen + s->icvlen;
	hl = put_iph(out, src, dst, IPPROTO_ESP, optlen, total);
	/* [SPI][seq][IV][ciphertext][ICV]: the transform writes AD and all. */
	{
		uint8_t *enc = buf + MAX_PKT + 64;

		if (!alg_encrypt(s, ad, adlen, iv, pt, ptlen, enc))
			return 0;
		p = out + hl;
		*(uint32_t *)p = htonl(s->spi);
		*(uint32_t *)(p + 4) = htonl((uint32_t)seq);
		memcpy(p + 8, iv, s->ivlen);
		memcpy(p + 8 + s->ivlen, enc + adlen, ptlen + s->icvlen);
	}
	return total;
}

/*
 * The AH header length: the [IV and] ICV padded to 32 bits, as RFC 4302
 * asks for IPv4, or to 64 bits, as nfsec and XFRM send; either at random.
 */
static size_t ah_len(const struct sa *s)
{
	return rng_pct(&rng, 50) ? (12 + s->ivlen + s->icvlen + 3) & ~3UL :
				   (12 + s->ivlen + s->icvlen + 7) & ~7UL;
}

/*
 * A correct AH packet for s (RFC 4302): the ICV covers the IP header with
 * its mutable fields zeroed (NOP and EOL options are immutable), the AH
 * header with a zero ICV, the payload and, with ESN, the high half of the
 * sequence number. With AES-GMAC (RFC 4543 5) the field after the sequence
 * number is a random IV, then the tag GCM computes over the same bytes (IV
 * and ICV zeroed) as associated data, nothing encrypted, with the salt and
 * that IV as its nonce. kind K_PADDING stands for a wrong AH length field.
 */
static size_t build_ah(struct sa *s, enum kind kind, size_t optlen, bool huge,
		       uint8_t *out)
{
	uint8_t *pt = tmp, *p, *ah, mac[64];
	uint64_t seq = ++s->seq;
	uint16_t port = kind == K_POLICY ? 5555 : s->port;
	uint32_t tag = next_tag++, hi;
	size_t body = pick_len(huge), plen, hl, al = ah_len(s), total;
	struct iphdr *iph;
	uint8_t nexthdr;

	p = pt;
	if (s->tunnel) {
		p += put_iph(p, inner_src, dst, IPPROTO_UDP, 0, 20 + 12 + body);
		nexthdr = IPPROTO_IPIP;
	} else {
		nexthdr = IPPROTO_UDP;
	}
	p += put_udp(p, port, tag, body);
	plen = p - pt;
	if (kind == K_VALID)
		exp_udp++;
	if (kind == K_INNER) {
		if (rng_pct(&rng, 50))
			nexthdr = IPPROTO_UDP;
		else
			pt[10] ^= 0x55;
	}
	total = 20 + optlen + al + plen;
	hl = put_iph(out, src, dst, IPPROTO_AH, optlen, total);
	ah = out + hl;
	memset(ah, 0, al);
	ah[0] = nexthdr;
	ah[1] = al / 4 - 2;
	/* A wrong length: neither of the two paddings the receiver takes. */
	while (kind == K_PADDING &&
	       (ah[1] == ((12 + s->ivlen + s->icvlen + 3) & ~3UL) / 4 - 2 ||
		ah[1] == ((12 + s->ivlen + s->icvlen + 7) & ~7UL) / 4 - 2))
		ah[1] = rng_below(&rng, 256);
	*(uint32_t *)(ah + 4) = htonl(s->spi);
	*(uint32_t *)(ah + 8) = htonl((uint32_t)seq);
	memcpy(ah + al, pt, plen);

	/* The ICV over the packet with the mutable fields zeroed. */
	iph = (struct iphdr *)(buf + MAX_PKT + 64);
	memcpy(iph, out, total);
	iph->tos = 0;
	iph->frag_off = 0;
	iph->ttl = 0;
	iph->check = 0;
	hi = htonl(seq >> 32);
	if (s->gmac) {
		uint8_t nonce[12], *tagged = buf + 2 * MAX_PKT + 128;
		size_t adlen = total + (s->esn ? 4 : 0);

		memcpy((uint8_t *)iph + total, &hi, 4);
		memcpy(nonce, s->salt, 4);
		for (size_t k = 4; k < 12; k++)
			nonce[k] = (uint8_t)rng_below(&rng, 256);
		if (!alg_encrypt(s, (uint8_t *)iph, adlen, nonce, NULL, 0, tagged))
			return 0;
		memcpy(ah + 12, nonce + 4, 8);
		memcpy(ah + 20, tagged + adlen, s->icvlen);
		return total;
	}
	if (send(s->hashfd, iph, total, s->esn ? MSG_MORE : 0) != (ssize_t)total ||
	    (s->esn && send(s->hashfd, &hi, 4, 0) != 4) ||
	    read(s->hashfd, mac, sizeof(mac)) < (ssize_t)s->icvlen) {
		FAIL("AF_ALG hmac: %s", strerror(errno));
		return 0;
	}
	memcpy(ah + 12, mac, s->icvlen);
	return total;
}

static void save(struct sa *s, const uint8_t *p, size_t len, enum kind kind)
{
	struct pkt *k = &s->saved[s->nsaved++ % SAVED];

	k->kind = kind;
	free(k->data);
	k->data = malloc(len);
	if (!k->data) {
		k->len = 0;
		return;
	}
	memcpy(k->data, p, len);
	k->len = len;
}

/* Sends the datagram p as is, or as a complete set of fragments. */
static void send_ip(uint8_t *p, size_t len, bool frag)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = dst };
	struct iphdr *iph = (struct iphdr *)p;
	size_t hl = iph->ihl * 4, plen = len - hl, chunk, max, off, n, i, j;
	size_t offs[8192];
	uint8_t frame[1600];

	reached++;
	if (!frag && len <= 1500) {
		frames++;
		if (sendto(raw, p, len, 0, (struct sockaddr *)&to, sizeof(to)) !=
		    (ssize_t)len)
			FAIL("send of %zu bytes: %s", len, strerror(errno));
		return;
	}
	n_frag++;
	/* Fragment sizes: 8-byte multiples, tiny ones sometimes. */
	max = (1500 - hl) & ~7UL;
	chunk = rng_pct(&rng, 20) ? 8 * (1 + rng_below(&rng, 8)) :
		8 * (1 + rng_below(&rng, max / 8));
	if (plen / chunk > 60)
		chunk = ((plen + 59) / 60 + 7) & ~7UL;
	if (chunk > max)
		chunk = max;
	for (n = 0, off = 0; off < plen || !n; off += chunk)
		offs[n++] = off;
	/* Sometimes in a random order. */
	if (rng_pct(&rng, 30))
		for (i = n - 1; i > 0; i--) {
			j = rng_below(&rng, i + 1);
			off = offs[i];
			offs[i] = offs[j];
			offs[j] = off;
		}
	/* The ID stays: AH covers it, and put_iph() chose one. */
	for (i = 0; i < n; i++) {
		size_t fl = plen - offs[i] < chunk ? plen - offs[i] : chunk;
		struct iphdr *f = (struct iphdr *)frame;

		memcpy(frame, p, hl);
		memcpy(frame + hl, p + hl + offs[i], fl);
		f->frag_off = htons((offs[i] / 8) |
				    (offs[i] + fl < plen ? IP_MF : 0));
		f->tot_len = htons(hl + fl);
		f->check = 0;
		f->check = csum(frame, hl);
		n_fragments++;
		frames++;
		if (sendto(raw, frame, hl + fl, 0, (struct sockaddr *)&to,
			   sizeof(to)) != (ssize_t)(hl + fl))
			FAIL("send of a %zu-byte fragment: %s", hl + fl,
			     strerror(errno));
	}
}

/*
 * The receiver's anti-replay window (RFC 4303 3.4.3), with ESN the full
 * number inferred as in its appendix A2.2; no block precedes the first, and
 * past the last block nothing is new. Without a window (size 0) only 0 is
 * refused, and with ESN the span taken is 2^31.
 */
static bool seen_bit(const struct sa *s, uint64_t n)
{
	return s->seen[n % s->window / 8] & (1 << (n % s->window % 8));
}

static bool window_new(const struct sa *s, uint32_t lo)
{
	uint32_t tl = (uint32_t)s->top, th = s->top >> 32;
	uint32_t w = s->window ? s->window : 1U << 31, bottom = tl - (w - 1);
	uint64_t n = lo;

	if (s->esn) {
		if (tl >= w - 1 && lo < bottom) {
			if (th == UINT32_MAX)
				return false;
			th++;
		} else if (tl < w - 1 && lo >= bottom && th) {
			th--;
		}
		n = (uint64_t)th << 32 | lo;
	}
	if (!n)
		return false;
	if (!s->window || n > s->top)
		return true;
	return s->top - n < s->window && !seen_bit(s, n);
}

/* A packet of number n passed its ICV: the window records it. */
static void window_record(struct sa *s, uint64_t n)
{
	uint64_t i;

	if (s->window && n > s->top) {
		if (n - s->top >= s->window)
			memset(s->seen, 0, sizeof(s->seen));
		else
			for (i = s->top + 1; i <= n; i++)
				s->seen[i % s->window / 8] &= ~(1 << (i % s->window % 8));
	}
	if (n > s->top)
		s->top = n;
	if (s->window)
		s->seen[n % s->window / 8] |= 1 << (n % s->window % 8);
}

/*
 * The counter that drops the packet p of len bytes for s, whose ICV cannot
 * verify: the window refuses its number, or it is too short for the
 * transform (AH: its length field is not one of the two paddings), or the
 * ICV fails.
 */
static int drop_reason(const struct sa *s, const uint8_t *p, size_t len)
{
	size_t hl = (p[0] & 0xf) * 4, al;

	if (!window_new(s, ntohl(*(const uint32_t *)(p + hl + (s->ah ? 8 : 4)))))
		return NFSEC_STATS_A_DROP_REPLAY;
	if (!s->ah)
		return len < hl + 8 + s->ivlen + 2 + s->icvlen ?
		       NFSEC_STATS_A_DROP_MALFORMED : NFSEC_STATS_A_DROP_ICV;
	al = (p[hl + 1] + 2) * 4;
	if (len < hl + 12 || len < hl + al ||
	    (al != ((12 + s->ivlen + s->icvlen + 3) & ~3UL) &&
	     al != ((12 + s->ivlen + s->icvlen + 7) & ~7UL)))
		return NFSEC_STATS_A_DROP_MALFORMED;
	return NFSEC_STATS_A_DROP_ICV;
}

/* Expected counters of a packet of kind k for s. */
static void expect(struct sa *s, enum kind k)
{
	switch (k) {
	case K_TINY:
		exp_net[NFSEC_NSTATS_A_MALFORMED]++;
		break;
	case K_NOSA:
		exp_net[NFSEC_NSTATS_A_NO_SA]++;
		break;
	case K_VALID:
	case K_DUMMY:
		s->exp[NFSEC_STATS_A_PACKETS]++;
		break;
	case K_PADDING:
		/* For AH: a wrong length field. */
		s->exp[s->ah ? NFSEC_STATS_A_DROP_MALFORMED :
			       NFSEC_STATS_A_DROP_PADDING]++;
		break;
	case K_POLICY:
		s->exp[NFSEC_STATS_A_PACKETS]++;
		s->exp[NFSEC_STATS_A_DROP_POLICY]++;
		break;
	case K_INNER:
		s->exp[NFSEC_STATS_A_PACKETS]++;
		s->exp[NFSEC_STATS_A_DROP_MALFORMED]++;
		break;
	default:
		break;
	}
}

static enum kind pick_kind(struct sa *s)
{
	unsigned int r = rng_below(&rng, 100);

	if (r < 4)
		return K_TINY;
	if (r < 8)
		return K_NOSA;
	if (r < 30)
		return K_GARBAGE;
	if (r < 40)
		return K_TRUNC;
	if (r < 48)
		return s->nsaved ? K_REPLAY : K_GARBAGE;
	if (r < 70)
		return K_VALID;
	if (r < 78)
		return K_PADDING;
	if (r < 85)
		return K_POLICY;
	if (r < 90)
		return s->ah ? K_VALID : K_DUMMY;	/* AH has no dummies */
	return s->tunnel ? K_INNER : K_VALID;
}

static void one_packet(void)
{
	struct sa *s = &sas[rng_below(&rng, nsas)];
	enum kind k = pick_kind(s);
	size_t optlen = rng_pct(&rng, 15) ? 4 * (1 + rng_below(&rng, 10)) : 0;
	bool frag = rng_pct(&rng, 12);
	bool huge = rng_pct(&rng, 2);
	uint8_t *p = buf, proto = s->ah ? IPPROTO_AH : IPPROTO_ESP;
	size_t len = 0, hl, body, cut, spi_off = s->ah ? 4 : 0;
	size_t hdr = s->ah ? 12 : 8;	/* up to the sequence number */
	int drop = -1;

	if (optlen)
		n_opts++;
	if (huge)
		n_huge++;
	switch (k) {
	case K_TINY:
		body = rng_below(&rng, 8);
		hl = put_iph(p, src, dst, proto, optlen, 0);
		rng_bytes(&rng, p + hl, body);
		len = hl + body;
		break;
	case K_NOSA:
	case K_GARBAGE:
		body = hdr + pick_len(huge);
		if (huge && body > MAX_PKT - 100)
			body = MAX_PKT - 100;
		hl = put_iph(p, src, dst, proto, optlen, 0);
		rng_bytes(&rng, p + hl, body);
		if (k == K_NOSA) {
			uint32_t spi;
			unsigned int i;
again:
			spi = (uint32_t)rng_next(&rng);
			for (i = 0; i < nsas; i++)
				if (spi == sas[i].spi)
					goto again;
			*(uint32_t *)(p + hl + spi_off) = htonl(spi);
		} else {
			*(uint32_t *)(p + hl + spi_off) = htonl(s->spi);
			/* The next sequence numbers, or anything. */
			if (rng_pct(&rng, 60))
				*(uint32_t *)(p + hl + spi_off + 4) =
					htonl((uint32_t)(s->seq + 1 + rng_below(&rng, 64)));
		}
		len = hl + body;
		if (k == K_GARBAGE)
			drop = drop_reason(s, p, len);
		break;
	case K_TRUNC:
		len = s->ah ? build_ah(s, K_VALID, optlen, huge, p) :
			      build_valid(s, K_VALID, optlen, huge, p);
		if (!len)
			return;
		exp_udp--;		/* it will not arrive */
		hl = ((struct iphdr *)p)->ihl * 4;
		if (rng_pct(&rng, 50)) {
			cut = hl + rng_below(&rng, len - hl);
			if (cut < hl + hdr)
				cut = hl + hdr;	/* keep SPI and sequence */
			len = cut;
		} else {
			/* One bit flipped after the sequence number. */
			p[hl + hdr + rng_below(&rng, len - hl - hdr)] ^=
				1 << rng_below(&rng, 8);
		}
		drop = drop_reason(s, p, len);
		break;
	case K_REPLAY: {
		struct pkt *o = &s->saved[rng_below(&rng, s->nsaved < SAVED ?
						     s->nsaved : SAVED)];

		memcpy(p, o->data, o->len);
		len = o->len;
		/* Only AH with a wrong length never reached the window. */
		drop = drop_reason(s, p, len);
		if (drop != NFSEC_STATS_A_DROP_REPLAY && !(s->ah && o->kind == K_PADDING))
			FAIL("SA 0x%x: the model's window takes a packet sent before", s->spi);
		break;
	}
	default:
		len = s->ah ? build_ah(s, k, optlen, huge, p) :
			      build_valid(s, k, optlen, huge, p);
		if (!len)
			return;
		save(s, p, len, k);
		/* Its ICV verifies: the window records it. */
		if (!(s->ah && k == K_PADDING))
			window_record(s, s->seq);
		break;
	}
	sent[k]++;
	if (drop >= 0)
		s->exp[drop]++;
	else
		expect(s, k);
	send_ip(p, len, frag || huge || len > 1500);
}

/* Compares and waits --------------------------------------------------------- */

static void drain_udp(void)
{
	uint8_t d[MAX_PKT];
	unsigned int i;
	ssize_t n;

	for (i = 0; i < nsas; i++) {
		while ((n = recv(udp[i], d, sizeof(d), MSG_DONTWAIT)) >= 0) {
			uint32_t tag;

			if (n < 4) {
				bad_udp++;
				continue;
			}
			memcpy(&tag, d, 4);
			/* Its body is the tag's low byte repeated. */
			for (ssize_t j = 4; j < n; j++)
				if (d[j] != (tag & 0xff)) {
					bad_udp++;
					break;
				}
			got_udp++;
		}
	}
}

/* True when every counter has its expected value. */
static bool settled(bool report)
{
	unsigned int i, j;
	bool ok = true;

	drain_udp();
	if (!read_counters())
		return true;	/* already failed */
	for (j = 1; j <= NFSEC_NSTATS_A_MAX; j++)
		if (got_net[j] - base_net[j] != exp_net[j]) {
			ok = false;
			if (report)
				FAIL("namespace counter %u: +%llu, expected +%llu", j,
				     (unsigned long long)(got_net[j] - base_net[j]),
				     (unsigned long long)exp_net[j]);
		}
	for (i = 0; i < nsas; i++) {
		struct sa *s = &sas[i];
		uint64_t d[NFSEC_STATS_A_MAX + 1];

		for (j = 0; j <= NFSEC_STATS_A_MAX; j++)
			d[j] = s->got[j] - s->base[j];
		d[NFSEC_STATS_A_BYTES] = 0;
		/* Each drop reason counts exactly its own packets. */
		for (j = NFSEC_STATS_A_PACKETS; j <= NFSEC_STATS_A_MAX; j++) {
			uint64_t e = s->exp[j];

			if (d[j] != e) {
				ok = false;
				if (report)
					FAIL("SA 0x%x counter %u: +%llu, expected +%llu",
					     s->spi, j, (unsigned long long)d[j],
					     (unsigned long long)e);
			}
		}
	}
	if (got_udp != exp_udp || bad_udp) {
		ok = false;
		if (report)
			FAIL("datagrams delivered: %lu (%lu corrupt), expected %lu",
			     got_udp, bad_udp, exp_udp);
	}
	return ok;
}

/*
 * Where packets may be lost before nfsec: the backlog queues (softnet_stat,
 * all namespaces) and rx's IP counters (reassembly, discards).
 */
static int snmp_fd = -1;

static void diag(const char *when)
{
	char b[8192], *l, *save = NULL, *names = NULL;
	unsigned long long drops = 0, v[4];
	FILE *f = fopen("/proc/net/softnet_stat", "r");
	ssize_t n;

	while (f && fgets(b, sizeof(b), f))
		if (sscanf(b, "%llx %llx", &v[0], &v[1]) == 2)
			drops += v[1];
	if (f)
		fclose(f);
	printf("# %s: backlog drops (softnet_stat, all namespaces) %llu\n", when, drops);
	if (snmp_fd < 0)
		return;
	n = pread(snmp_fd, b, sizeof(b) - 1, 0);
	if (n <= 0)
		return;
	b[n] = 0;
	for (l = strtok_r(b, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (strncmp(l, "Ip: ", 4))
			continue;
		if (!names) {
			names = l;
			continue;
		}
		printf("# %s: rx %s\n# %s: rx %s\n", when, names, when, l);
		break;
	}
}

static bool wait_settled(unsigned long done)
{
	struct timespec ts = { 0, 2000000 };
	int i;

	for (i = 0; i < 2500; i++) {	/* 5 s at most */
		if (settled(false))
			return true;
		nanosleep(&ts, NULL);
	}
	printf("# after %lu packets the counters do not match:\n", done);
	settled(true);
	diag("now");
	return false;
}

static int enter_netns(const char *name)
{
	char path[256];
	int fd, r;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	r = setns(fd, CLONE_NEWNET);
	close(fd);
	return r;
}

static void usage(const char *prog)
{
	fprintf(stderr, "usage: %s --rx NETNS --src A --dst A --sa [ah:]SPI:PORT [--sa ...] [--inner-src A] [--seed N] [--count N]\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	struct fuzz_opts o = { .count = 2000 };
	static struct dump d;
	const char *rx = NULL;
	unsigned long i, dropped;
	unsigned int j, k;
	int self, one = 1, big = 4 << 20;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (k = 1; k < (unsigned int)argc; k++) {
		int ki = k;

		if (fuzz_opt(&o, argc, argv, &ki)) {
			k = ki;
			continue;
		}
		if (k + 1 >= (unsigned int)argc)
			usage(argv[0]);
		if (!strcmp(argv[k], "--rx")) {
			rx = argv[++k];
		} else if (!strcmp(argv[k], "--src")) {
			src = inet_addr(argv[++k]);
		} else if (!strcmp(argv[k], "--dst")) {
			dst = inet_addr(argv[++k]);
		} else if (!strcmp(argv[k], "--inner-src")) {
			inner_src = inet_addr(argv[++k]);
		} else if (!strcmp(argv[k], "--sa") && nsas < MAX_SAS) {
			char *c;

			c = argv[++k];
			if (!strncmp(c, "ah:", 3)) {
				sas[nsas].ah = true;
				c += 3;
			}
			sas[nsas].spi = strtoul(c, &c, 0);
			if (*c != ':')
				usage(argv[0]);
			sas[nsas++].port = strtoul(c + 1, NULL, 0);
		} else {
			usage(argv[0]);
		}
	}
	if (!rx || !src || !dst || !nsas)
		usage(argv[0]);
	fuzz_seed(&o, "fuzz_packets");
	rng.s = o.seed;
	buf = malloc(3 * MAX_PKT + 256);
	tmp = malloc(MAX_PKT + 512);
	if (!buf || !tmp)
		return 1;

	/* Netlink and the UDP sockets live in the receiver's namespace. */
	self = open("/proc/self/ns/net", O_RDONLY);
	if (self < 0 || enter_netns(rx)) {
		printf("SKIP: cannot enter namespace %s: %s\n", rx, strerror(errno));
		return 4;
	}
	if (nl_open(&nl)) {
		printf("SKIP: no nfsec family in %s\n", rx);
		return 4;
	}
	snmp_fd = open("/proc/net/snmp", O_RDONLY);
	for (j = 0; j < nsas; j++) {
		struct sockaddr_in a = {
			.sin_family = AF_INET, .sin_port = htons(sas[j].port),
		};

		udp[j] = socket(AF_INET, SOCK_DGRAM, 0);
		setsockopt(udp[j], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
		if (udp[j] < 0 || bind(udp[j], (struct sockaddr *)&a, sizeof(a))) {
			FAIL("UDP port %u in %s: %s", sas[j].port, rx, strerror(errno));
			return 1;
		}
	}
	if (setns(self, CLONE_NEWNET)) {
		FAIL("back to the sender's namespace: %s", strerror(errno));
		return 1;
	}
	close(self);

	/*
	 * One CPU: frames sent from two CPUs enter two backlog queues and
	 * may be reordered across fragment sets.
	 */
	{
		cpu_set_t cpus;
		int cpu = sched_getcpu();

		CPU_ZERO(&cpus);
		CPU_SET(cpu < 0 ? 0 : cpu, &cpus);
		sched_setaffinity(0, sizeof(cpus), &cpus);
	}
	raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (raw < 0 || setsockopt(raw, IPPROTO_IP, IP_NODEFRAG, &one, sizeof(one))) {
		FAIL("raw socket: %s", strerror(errno));
		return 1;
	}
	setsockopt(raw, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));

	if (!read_sas(&d, true))
		return 1;
	for (j = 0; j < nsas; j++) {
		for (k = 0; k < d.n; k++)
			if (d.sa[k].spi == sas[j].spi && d.sa[k].src == src &&
			    d.sa[k].proto == (sas[j].ah ? IPPROTO_AH : IPPROTO_ESP))
				break;
		if (k == d.n) {
			FAIL("no SA with SPI 0x%x from the sender in %s", sas[j].spi, rx);
			return 1;
		}
		if (!sa_setup(&sas[j], &d.sa[k]))
			return 1;
		printf("# %s SA 0x%x: %s%s%s, %s%s, ICV %u bytes, UDP port %u\n",
		       sas[j].ah ? "AH" : "ESP", sas[j].spi, d.sa[k].enc,
		       d.sa[k].enc[0] && d.sa[k].auth[0] ? "+" : "",
		       d.sa[k].auth, sas[j].tunnel ? "tunnel" : "transport",
		       sas[j].esn ? ", ESN" : "", sas[j].icvlen, sas[j].port);
	}
	if (!read_counters())
		return 1;
	memcpy(base_net, got_net, sizeof(base_net));
	diag("start");
	for (j = 0; j < nsas; j++)
		memcpy(sas[j].base, sas[j].got, sizeof(sas[j].base));

	for (i = 0; i < o.count && !failures; ) {
		/* Few enough frames that no queue on the way overflows. */
		frames = 0;
		for (k = 0; k < BATCH && frames < BATCH_FRAMES && i < o.count;
		     k++, i++)
			one_packet();
		if (!wait_settled(i))
			break;
		if (i % 10000 < BATCH && i >= 10000)
			printf("# %lu packets\n", i);
	}
	if (!failures)
		wait_settled(i);

	printf("# sent:");
	for (k = 0; k < K_MAX; k++)
		printf(" %s %lu", kind_name[k], sent[k]);
	printf("\n# %lu with IP options, %lu fragmented (%lu fragments), %lu huge\n",
	       n_opts, n_frag, n_fragments, n_huge);
	dropped = 0;
	for (j = 1; j <= NFSEC_NSTATS_A_MAX; j++)
		dropped += got_net[j] - base_net[j];
	for (j = 0; j < nsas; j++) {
		printf("# SA 0x%x:", sas[j].spi);
		for (k = NFSEC_STATS_A_PACKETS; k <= NFSEC_STATS_A_MAX; k++) {
			uint64_t v = sas[j].got[k] - sas[j].base[k];

			if (k != NFSEC_STATS_A_BYTES)
				printf(" %u:%llu", k, (unsigned long long)v);
			if (k >= NFSEC_STATS_A_DROP_REPLAY)
				dropped += v;
		}
		printf("\n");
	}
	/* For the wrapper, which checks the same with the nfsec tool. */
	printf("fuzz_packets: reached %lu accepted %lu dummy %lu dropped %lu\n",
	       reached, got_udp, sent[K_DUMMY], dropped);
	if (reached != dropped + got_udp + sent[K_DUMMY])
		FAIL("%lu packets reached nfsec but %lu were dropped, %lu delivered and %lu consumed",
		     reached, dropped, got_udp, sent[K_DUMMY]);
	if (failures) {
		printf("fuzz_packets: FAIL (seed %llu)\n", (unsigned long long)o.seed);
		return 1;
	}
	printf("fuzz_packets: PASS\n");
	return 0;
}
