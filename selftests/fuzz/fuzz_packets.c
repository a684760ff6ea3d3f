// SPDX-License-Identifier: GPL-2.0
/*
 * Packet fuzzer: mutated ESP and AH packets aimed at the live inbound SAs of a
 * receiver namespace, sent from the namespace it runs in: IPv4 over a raw
 * socket (IP_HDRINCL, IP_NODEFRAG), IPv6 over a packet socket straight to
 * the receiver's link address, so that the sender's own stack changes
 * nothing (no reassembly, no header checks). The SAs, keys included, are
 * read from the receiver over netlink; valid packets are built with the
 * kernel's own crypto through AF_ALG, so that mutations behind a correct
 * ICV (padding, next header, inner packet, policy) are reached too.
 *
 * The IPv4 header of every packet stays valid (the sender's kernel sets its
 * checksum and total length), and so does what the receiver's IPv6 stack
 * checks before PRE_ROUTING (payload length, hop-by-hop options), except
 * for the "stack" kind; so each packet, or each complete fragment set once
 * reassembled, reaches nfsec's PRE_ROUTING hook exactly once. What each
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
 *                                                      length field, or
 *                                                      IPv6 headers over
 *                                                      256 bytes), else
 *                                                      icv
 *   valid      correct packet to the SA's UDP port     accepted: SA packets,
 *                                                      delivered to the port
 *   padding    correct ICV, wrong padding bytes/length  SA padding
 *   policy     correct, inner packet of no policy      SA packets + policy
 *   dummy      correct, next header 59 (RFC 4303 2.6)  SA packets, consumed
 *   inner      tunnel SA: correct ICV, bad inner packet SA packets + malformed
 *                                                      (IPv6 inner: or policy,
 *                                                      or delivered, or
 *                                                      dropped by UDP)
 *
 * and for IPv6 only:
 *
 *   exthdr     extension headers before ESP/AH that    nstats malformed (more
 *              nfsec cannot walk, or AH cannot follow  than 8, hop-by-hop not
 *                                                      first, past the end);
 *                                                      AH: SA malformed (an
 *                                                      option past its header,
 *                                                      headers over 256 bytes)
 *   stack      what the receiver's IPv6 input drops     nothing: no counter
 *              before PRE_ROUTING (payload length past   moves
 *              the packet, bad hop-by-hop options, version)
 *   frag6      tunnel SA: one inner IPv6 fragment per  SA packets each; the
 *              correct packet; whole sets (tiny, many,  datagram delivered
 *              shuffled, duplicates) or overlapping     once, or malformed for
 *                                                      the overlapping one
 *   ptb        ICMPv6 packet too big quoting a packet   pmtu-updates of that
 *              of one of the receiver's outbound SAs    SA if sound (checksum,
 *              (valid, bad checksum, MTU below 1280 or  MTU, quote), else
 *              not below the quoted packet, quote cut,  nothing
 *              other SPI, address, protocol or type)
 *
 * An IPv6 packet may carry extension headers before ESP/AH: hop-by-hop
 * (first), routing (types 0, 2 and 4, any segments left) and destination
 * options (Pad1, PadN, unknown options to skip, options that may change on
 * the way, which AH's ICV does not cover: their data is random), up to the
 * 8 nfsec walks; a destination option the receiver's stack refuses makes a
 * transport-mode packet nfsec accepted a packet the stack drops
 * afterwards, as do routing headers of type 2 or 4, or with segments
 * left, on some kernels (those datagrams may or may not arrive). Its
 * payload length may be 0 behind a hop-by-hop header (the receiver then
 * takes the whole packet) or shorter than the packet (cut there). Traffic
 * class, flow label and hop limit are random.
 *
 * Any kind may carry IP options (NOPs), be sent as a complete fragment set
 * (in order or shuffled, down to 8-byte fragments) or be huge (up to 64 KiB).
 * After every batch the receiver's counters are polled until they reach the
 * exact expected values; a mismatch that does not resolve is a failure.
 * Delivered datagrams are read and compared with what was sent.
 *
 * usage: fuzz_packets --rx NETNS --src A --dst A --sa [ah:][v6:]SPI:PORT[:INNER]
 *                     [--sa ...] [--inner-src A] [--src6 A --dst6 A
 *                     --inner-src6 A --dev IF --lladdr MAC]
 *                     [--out-sa [ah:]v6:SPI] [--seed N] [--count N]
 *                     [--count6 N]
 * The SA of each --sa is the receiver's ESP SA (AH with "ah:") from src A
 * (src6 with "v6:") with that SPI; PORT is the UDP port its inbound
 * policies protect; INNER, for a tunnel-mode SA, the inner families they
 * take (4, 6 or 46; default 4 for an IPv4 SA, 46 for an IPv6 one). An
 * --out-sa is the receiver's outbound SA from dst6 to src6, which ICMPv6
 * errors quote. IPv6 packets leave by the sender's IF, addressed to MAC.
 * --count IPv4 packets and --count6 IPv6 ones (those of IPv6 SAs, and of
 * IPv4 SAs carrying IPv6) are sent interleaved. AH
 * packets are built the same way (the ICV with hmac through AF_ALG, over
 * the IP header with its mutable fields zeroed); for AH, "padding" stands
 * for a wrong AH length field and falls in the garbage's group, and there
 * are no dummy packets. Exit 0 pass, 1 fail, 4 skip.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_alg.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
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

#define MAX_SAS 16
#define MAX_PKT 65535
#define BATCH 24
#define BATCH_FRAMES 128
#define SAVED 8
#define MTU 1500

/* IPv6 options (RFC 8200 4.2): Pad1, PadN, router alert; two of RFC 4727's
 * experimental types, which a receiver skips (the highest two bits 00),
 * the second one with the bit that says it may change on the way. */
#define OPT_PAD1 0
#define OPT_PADN 1
#define OPT_RA 5
#define OPT_SKIP 0x1e
#define OPT_SKIP_MUT 0x3e
#define OPT_MUTABLE 0x20

enum kind {
	K_TINY, K_NOSA, K_GARBAGE, K_TRUNC, K_REPLAY, K_VALID, K_PADDING,
	K_POLICY, K_DUMMY, K_INNER, K_EXTHDR, K_STACK, K_FRAG6, K_PTB, K_MAX
};

static const char *const kind_name[K_MAX] = {
	"tiny", "nosa", "garbage", "truncated", "replay", "valid", "padding",
	"policy", "dummy", "inner", "exthdr", "stack", "frag6", "ptb",
};

struct pkt {
	uint8_t *data;
	size_t len;
	size_t hl;			/* where ESP or AH starts */
	enum kind kind;
};

struct sa {
	uint32_t spi;			/* host order */
	uint16_t port;
	bool ah, tunnel, esn, aead, gmac;
	bool v6;			/* its addresses are IPv6 */
	bool in4, in6;			/* tunnel: the inner families taken */
	bool out;			/* an outbound SA, for ICMPv6 errors */
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

/* What becomes of a packet nfsec verified and took its header off. */
enum fate {
	F_DELIVER,	/* its datagram reaches the UDP socket */
	F_MAYBE,	/* the stack may drop it after nfsec (kernel options) */
	F_CONSUMED,	/* the stack drops it after nfsec */
	F_MALFORMED,	/* nfsec: the inner packet is malformed */
	F_POLICY,	/* nfsec: no inbound policy takes it */
};

static struct nl nl;
static struct rng rng;
static struct sa sas[MAX_SAS];
static unsigned int nsas;
static uint32_t src, dst, inner_src;
static struct in6_addr src6, dst6, inner_src6;
static bool have6;
static int raw = -1, lnk = -1;
static struct sockaddr_ll lnk_to;
static int udp[MAX_SAS];
static uint64_t exp_net[NFSEC_NSTATS_A_MAX + 1], got_net[NFSEC_NSTATS_A_MAX + 1],
		base_net[NFSEC_NSTATS_A_MAX + 1];
static unsigned long sent[K_MAX], sent6[K_MAX], n_frag, n_opts, n_huge,
		     n_fragments;
static unsigned long exp_udp, got_udp, bad_udp, reached, frames;
/* Packets nfsec took that deliver nothing by design, besides dummies. */
static unsigned long consumed;
/* Datagrams that may or may not arrive (F_MAYBE): their tags. */
static unsigned long opt_sent, opt_got;
static uint8_t *optional;
static size_t optional_size;
static unsigned long failures;
static uint32_t next_tag = 1;
static uint8_t *buf, *tmp;
static bool cur6;		/* the packet being built is IPv6 traffic */

/* What the IPv6 packets covered, for the summary. */
enum shape { SH_T6, SH_66, SH_46, SH_64, SH_MAX };
static const char *const shape_name[SH_MAX] = {
	"transport", "6in6", "4in6", "6in4",
};
static struct {
	unsigned long shape[SH_MAX];
	unsigned long hbh, dst, rt[3], rt_left, chain5, pad1, padn, unknown,
		      mutable, bad_tlv, plen0, plen_short;
	unsigned long ex_long, ex_hbh2, ex_overrun, ex_cut, ex_tlv, ex_big;
	unsigned long st_plen, st_tlv, st_hbhlen, st_version;
	unsigned long in_version, in_nexthdr, in_jumbo, in_long, in_short,
		      in_cut, in_trail, in_exts;
	unsigned long f_sets, f_tiny, f_many, f_shuffled, f_dup, f_overlap;
	unsigned long ptb_ok, ptb_csum, ptb_tiny, ptb_huge, ptb_cut,
		      ptb_other;
	unsigned long frag_sets;
} cov;

/* The receiver's SAs and counters ---------------------------------------- */

struct sa_info {
	uint32_t spi, src;
	uint8_t src6[16];
	bool v6;
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
		case NFSEC_SA_A_SRC6:
			if (mnl_attr_get_payload_len(a) == 16) {
				memcpy(i->src6, mnl_attr_get_payload(a), 16);
				i->v6 = true;
			}
			break;
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

/* Whether i is s: protocol, SPI and source (the sender's, or for an
 * outbound SA the receiver's). */
static bool sa_is(const struct sa_info *i, const struct sa *s)
{
	if (i->spi != s->spi || i->v6 != s->v6 ||
	    i->proto != (s->ah ? IPPROTO_AH : IPPROTO_ESP))
		return false;
	if (s->v6)
		return !memcmp(i->src6, s->out ? &dst6 : &src6, 16);
	return i->src == (s->out ? dst : src);
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
			if (sa_is(&d.sa[j], &sas[i]))
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

/* The Internet checksum: a running sum of 16-bit words, then folded. */
static uint32_t sum16(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (p[i] << 8) | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum);
}

static uint16_t csum(const void *data, size_t len)
{
	return fold(sum16(0, data, len));
}

/* An upper-layer checksum over IPv6 (RFC 8200 8.1). */
static uint16_t csum6(const struct in6_addr *s, const struct in6_addr *d,
		      uint8_t proto, const void *data, size_t len)
{
	uint8_t ph[8] = { len >> 24, len >> 16, len >> 8, len, 0, 0, 0, proto };
	uint32_t sum = sum16(sum16(sum16(0, s, 16), d, 16), ph, 8);
	uint16_t c = fold(sum16(sum, data, len));

	return c ? c : 0xffff;
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

/* The same over IPv6, where the checksum is required. */
static size_t put_udp6(uint8_t *p, const struct in6_addr *s,
		       const struct in6_addr *d, uint16_t port, uint32_t tag,
		       size_t len)
{
	size_t n = put_udp(p, port, tag, len);
	uint16_t c = csum6(s, d, IPPROTO_UDP, p, n);

	memcpy(p + 6, &c, 2);
	return n;
}

/* Sizes: mostly small, sometimes around the MTU, rarely huge. */
static bool small;

static size_t pick_len(bool huge)
{
	if (small)
		return rng_below(&rng, 400);
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

/* IPv6 extension headers ---------------------------------------------------- */

/* What may be wrong with the options of a header. */
enum tlv_bad {
	TLV_OK,
	TLV_UNKNOWN,	/* an unknown option the receiver must not skip */
	TLV_PADN_DATA,	/* PadN with data other than zeroes */
	TLV_PAD_RUN,	/* more than 7 bytes of padding in a row */
	TLV_OVERRUN,	/* an option longer than its header */
};

/*
 * The options of a hop-by-hop or destination options header of len bytes
 * (a multiple of 8) at h, after its two first bytes: as a receiver takes
 * them (padding runs under 8 bytes, at most 8 options that are not
 * padding, PadN of zeroes, unknown options of a type to skip), or with
 * bad wrong.
 */
static void put_tlvs(uint8_t *h, size_t len, bool hbh, enum tlv_bad bad)
{
	size_t off = 2, rem, d;
	unsigned int nopt = 0;
	bool last_pad = false;
	uint8_t t;

	h[1] = len / 8 - 1;
	switch (bad) {
	case TLV_OK:
		break;
	case TLV_UNKNOWN:
		/* 01: discard; 10, 11: discard and report. */
		h[2] = (uint8_t[]){ 0x40, 0x80, 0xc0 }[rng_below(&rng, 3)] | OPT_SKIP;
		h[3] = len - 4;
		rng_bytes(&rng, h + 4, len - 4);
		return;
	case TLV_PADN_DATA:
		h[2] = OPT_PADN;
		h[3] = 4;
		memset(h + 4, 0, 4);
		h[4 + rng_below(&rng, 4)] = 1 + rng_below(&rng, 255);
		if (len > 8) {
			h[8] = OPT_SKIP;
			h[9] = len - 10;
			rng_bytes(&rng, h + 10, len - 10);
		}
		return;
	case TLV_PAD_RUN:	/* len >= 16 */
		h[2] = OPT_PADN;
		h[3] = len - 4;
		memset(h + 4, 0, len - 4);
		return;
	case TLV_OVERRUN:
		h[2] = OPT_SKIP;
		h[3] = len - 4 + 1 + rng_below(&rng, 16);
		rng_bytes(&rng, h + 4, len - 4);
		return;
	}
	while (len - off >= 8) {
		rem = len - off;
		if (!last_pad && rng_pct(&rng, 35)) {
			if (rng_pct(&rng, 50)) {
				h[off++] = OPT_PAD1;
				cov.pad1++;
			} else {
				h[off] = OPT_PADN;
				h[off + 1] = 1;
				h[off + 2] = 0;
				off += 3;
				cov.padn++;
			}
			last_pad = true;
			continue;
		}
		/* The seventh option takes all but the last few bytes. */
		d = nopt == 6 ? rem - 2 - rng_below(&rng, 6) : rng_below(&rng, 7);
		if (hbh && d == 2 && rng_pct(&rng, 30)) {
			t = OPT_RA;
		} else if (rng_pct(&rng, 50)) {
			t = OPT_SKIP;
			cov.unknown++;
		} else {
			t = OPT_SKIP_MUT;
			cov.mutable++;
		}
		h[off] = t;
		h[off + 1] = d;
		rng_bytes(&rng, h + off + 2, d);
		off += 2 + d;
		nopt++;
		last_pad = false;
	}
	rem = len - off;
	if (rem >= 2 && last_pad) {
		h[off] = OPT_SKIP;
		h[off + 1] = rem - 2;
		rng_bytes(&rng, h + off + 2, rem - 2);
	} else if (rem == 1) {
		h[off] = OPT_PAD1;
	} else if (rem >= 2) {
		h[off] = OPT_PADN;
		h[off + 1] = rem - 2;
		memset(h + off + 2, 0, rem - 2);
	}
}

/*
 * A routing header at h: type 0 (deprecated, RFC 5095), 2 (mobile IPv6) or
 * 4 (segment routing), with 1 to 4 addresses and any segments left; sets
 * *maybe when a receiver may refuse it. Returns its length.
 */
static size_t put_rt(uint8_t *h, bool *maybe)
{
	static const uint8_t types[3] = { 0, 2, 4 };
	unsigned int t = rng_below(&rng, 3), n, i;

	n = types[t] == 2 ? 1 : 1 + rng_below(&rng, 4);
	h[1] = 2 * n;
	h[2] = types[t];
	h[3] = rng_pct(&rng, 50) ? 0 :
	       rng_pct(&rng, 80) ? 1 + rng_below(&rng, n) : rng_below(&rng, 256);
	memset(h + 4, 0, 4);
	if (types[t] == 4)
		h[4] = n - 1;		/* last entry */
	for (i = 0; i < n; i++) {
		uint8_t *a = h + 8 + 16 * i;

		memset(a, 0, 16);
		a[0] = 0x20;
		a[1] = 0x01;
		a[2] = 0x0d;
		a[3] = 0xb8;
		a[5] = 9;
		rng_bytes(&rng, a + 12, 4);
	}
	cov.rt[t]++;
	if (h[3])
		cov.rt_left++;
	*maybe = types[t] || h[3];
	return 8 + 16 * n;
}

/* A chain of extension headers before ESP or AH (or the upper layer). */
#define CH_MAX 16
struct chain {
	uint8_t b[4096];
	size_t len;
	unsigned int n;
	uint8_t type[CH_MAX];
	size_t off[CH_MAX];
	bool maybe;		/* transport mode: the stack may drop it after */
	bool drop;		/* transport mode: the stack drops it after */
	bool overrun;		/* an option overruns its header */
};

enum ch_mode {
	CH_GOOD,	/* walked by nfsec, taken by the stack before it */
	CH_INNER,	/* hop-by-hop and destination options, all good */
	CH_BAD_DST,	/* good, but the stack refuses a destination option */
	CH_LONG,	/* more headers than nfsec walks */
	CH_HBH2,	/* a hop-by-hop header that is not the first */
	CH_OVERRUN,	/* good, no hop-by-hop: the caller makes one overrun */
	CH_BAD_HBH,	/* the stack refuses the hop-by-hop options */
	CH_BIG,		/* good, over 256 bytes */
};

static void ch_add(struct chain *c, uint8_t type, enum tlv_bad bad, size_t len)
{
	uint8_t *h = c->b + c->len;
	bool maybe = false;

	c->type[c->n] = type;
	c->off[c->n++] = c->len;
	if (type == IPPROTO_ROUTING) {
		len = put_rt(h, &maybe);
		c->maybe |= maybe;
	} else {
		put_tlvs(h, len, type == IPPROTO_HOPOPTS, bad);
		if (type == IPPROTO_HOPOPTS)
			cov.hbh++;
		else
			cov.dst++;
		if (bad)
			cov.bad_tlv++;
		if (bad && type == IPPROTO_DSTOPTS)
			c->drop = true;
		if (bad == TLV_OVERRUN)
			c->overrun = true;
	}
	c->len += len;
}

/* An options header's length: 8 to 32 bytes, 16 or more if asked. */
static size_t opt_len(bool min16)
{
	return 8 * (1 + min16 + rng_below(&rng, 4 - min16));
}

static void gen_chain(struct chain *c, enum ch_mode m, bool ah)
{
	unsigned int want, i;
	enum tlv_bad bad;
	bool hbh;

	c->len = 0;
	c->n = 0;
	c->maybe = c->drop = c->overrun = false;
	switch (m) {
	case CH_GOOD:
	case CH_BAD_DST:
		if (m == CH_GOOD && rng_pct(&rng, 45))
			return;
		want = rng_pct(&rng, 10) ? 5 + rng_below(&rng, 4) :
					   1 + rng_below(&rng, 3);
		break;
	case CH_INNER:
		if (rng_pct(&rng, 60))
			return;
		want = 1 + rng_below(&rng, 2);
		break;
	case CH_LONG:
		want = 9 + rng_below(&rng, 6);
		break;
	case CH_HBH2:
		want = 2 + rng_below(&rng, 3);
		break;
	default:
		want = 1 + rng_below(&rng, 3);
		break;
	}
	hbh = m == CH_BAD_HBH ||
	      (m != CH_OVERRUN && rng_pct(&rng, m == CH_INNER ? 50 : 40));
	for (i = 0; i < want; i++) {
		uint8_t t;

		/* AH takes 256 bytes of headers at most: 216 after IPv6's. */
		if (ah && (m == CH_GOOD || m == CH_BAD_DST || m == CH_OVERRUN) &&
		    c->len > 216 - 72)
			break;
		if (i == 0 && hbh)
			t = IPPROTO_HOPOPTS;
		else if (m == CH_HBH2 && i == want - 1)
			t = IPPROTO_HOPOPTS;
		else if (m != CH_INNER && rng_pct(&rng, 40))
			t = IPPROTO_ROUTING;
		else
			t = IPPROTO_DSTOPTS;
		bad = TLV_OK;
		if (m == CH_BAD_HBH && i == 0)
			bad = 1 + rng_below(&rng, 4);
		/* The last header, a destination options one. */
		if (m == CH_BAD_DST && i == want - 1) {
			t = IPPROTO_DSTOPTS;
			/* AH: nfsec itself refuses an overrun. */
			bad = 1 + rng_below(&rng, ah ? 3 : 4);
		}
		ch_add(c, t, bad, opt_len(bad == TLV_PAD_RUN));
	}
	if (m == CH_BIG)
		ch_add(c, IPPROTO_DSTOPTS, TLV_OK, 224 + 8 * rng_below(&rng, 4));
	if (c->n >= 5 && c->n <= 8)
		cov.chain5++;
}

/*
 * An IPv6 header with the chain c at p, the payload length (or 0 if
 * plen0) making total bytes: random traffic class, flow label and hop
 * limit. Returns where proto starts.
 */
static size_t put_ip6(uint8_t *p, const struct in6_addr *s,
		      const struct in6_addr *d, const struct chain *c,
		      uint8_t proto, size_t total, bool plen0, bool ect)
{
	uint32_t w = 6U << 28;
	size_t plen = plen0 ? 0 : total - 40;
	unsigned int i;

	if (rng_pct(&rng, 40))
		w |= rng_below(&rng, 256) << 20;
	if (!ect)
		w &= ~(3U << 20);
	if (rng_pct(&rng, 50))
		w |= rng_below(&rng, 1 << 20);
	w = htonl(w);
	memcpy(p, &w, 4);
	p[4] = plen >> 8;
	p[5] = plen;
	p[6] = c && c->n ? c->type[0] : proto;
	p[7] = rng_pct(&rng, 70) ? 64 : 1 + rng_below(&rng, 255);
	memcpy(p + 8, s, 16);
	memcpy(p + 24, d, 16);
	if (!c)
		return 40;
	memcpy(p + 40, c->b, c->len);
	for (i = 0; i < c->n; i++)
		p[40 + c->off[i]] = i + 1 < c->n ? c->type[i + 1] : proto;
	return 40 + c->len;
}

/* The outer headers of a packet of an SA: IPv4 with options, or IPv6
 * with extension headers. */
struct hdrs {
	size_t optlen;		/* IPv4 */
	struct chain ch;	/* IPv6 */
	bool plen0;		/* IPv6: payload length 0 */
};

static size_t hdrs_len(const struct sa *s, const struct hdrs *h)
{
	return s->v6 ? 40 + h->ch.len : 20 + h->optlen;
}

static size_t put_outer(const struct sa *s, const struct hdrs *h, uint8_t *p,
			uint8_t proto, size_t total)
{
	if (s->v6)
		return put_ip6(p, &src6, &dst6, &h->ch, proto, total, h->plen0,
			       true);
	return put_iph(p, src, dst, proto, h->optlen, total);
}

/* Inner packets ------------------------------------------------------------ */

/*
 * What the SA carries for kind: UDP (transport mode) or an inner IPv4 or
 * IPv6 packet (tunnel mode) into pt, its protocol into *nexthdr, what
 * becomes of it into *fate. Returns its length.
 */
static size_t build_pt(struct sa *s, enum kind kind, bool huge, uint8_t *pt,
		       uint8_t *nexthdr, enum fate *fate)
{
	uint16_t port = kind == K_POLICY ? 5555 : s->port;
	uint32_t tag = next_tag++;
	size_t body = pick_len(huge), hl, plen, ulen;
	unsigned int v;
	bool inner6 = s->in6 && (!s->in4 || rng_pct(&rng, 50));
	struct chain c;
	uint8_t *p = pt;

	if (huge && body > MAX_PKT - 700)
		body = MAX_PKT - 700;
	*fate = kind == K_POLICY ? F_POLICY : F_DELIVER;
	if (cur6)
		cov.shape[!s->tunnel ? SH_T6 : !s->v6 ? SH_64 :
			  inner6 ? SH_66 : SH_46]++;
	if (!s->tunnel) {
		*nexthdr = IPPROTO_UDP;
		if (s->v6)
			return put_udp6(p, &src6, &dst6, port, tag, body);
		return put_udp(p, port, tag, body);
	}
	if (!inner6) {
		ulen = 8 + 4 + body;
		p += put_iph(p, inner_src, dst, IPPROTO_UDP, 0, 20 + ulen);
		p += put_udp(p, port, tag, body);
		*nexthdr = IPPROTO_IPIP;
		if (kind == K_INNER) {
			*fate = F_MALFORMED;
			v = rng_below(&rng, 3);
			if (v == 0)
				*nexthdr = IPPROTO_UDP;		/* not IPIP */
			else if (v == 1)
				*nexthdr = IPPROTO_IPV6;
			else
				pt[10] ^= 0x55;			/* inner checksum */
		}
		return p - pt;
	}

	*nexthdr = IPPROTO_IPV6;
	v = kind == K_INNER ? rng_below(&rng, 9) : 99;
	gen_chain(&c, CH_INNER, false);
	if (v == 6 || v == 8)
		c.n = c.len = 0;	/* the UDP header right after */
	if (c.n)
		cov.in_exts++;
	ulen = 8 + 4 + body;
	hl = put_ip6(p, &inner_src6, &dst6, &c, IPPROTO_UDP, 40 + c.len + ulen,
		     false, true);
	put_udp6(p + hl, &inner_src6, &dst6, port, tag, body);
	plen = hl + ulen;
	if (kind != K_INNER)
		return plen;
	*fate = F_MALFORMED;
	switch (v) {
	case 0:		/* an IPv6 packet said to be IPv4 */
		*nexthdr = IPPROTO_IPIP;
		cov.in_nexthdr++;
		break;
	case 1:		/* neither */
		*nexthdr = rng_pct(&rng, 50) ? IPPROTO_UDP : IPPROTO_TCP;
		cov.in_nexthdr++;
		break;
	case 2:		/* another version */
		pt[0] = (pt[0] & 0x0f) |
			((uint8_t[]){ 0, 4, 5, 7, 15 })[rng_below(&rng, 5)] << 4;
		cov.in_version++;
		break;
	case 3:		/* 0: a jumbogram, which nfsec does not take */
		pt[4] = pt[5] = 0;
		cov.in_jumbo++;
		break;
	case 4: {	/* longer than the packet */
		size_t l = plen - 40 + 1 + rng_below(&rng, 200);

		if (l > 65535)
			l = 65535;
		pt[4] = l >> 8;
		pt[5] = l;
		cov.in_long++;
		break;
	}
	case 5:		/* not even the header */
		plen = 1 + rng_below(&rng, 39);
		cov.in_cut++;
		break;
	case 6: {	/* shorter: the UDP header or datagram cut */
		size_t l = 1 + rng_below(&rng, ulen - 1);

		pt[4] = l >> 8;
		pt[5] = l;
		/* Without ports no policy takes it; else UDP drops it. */
		*fate = l < 4 ? F_POLICY : F_CONSUMED;
		cov.in_short++;
		break;
	}
	case 7:		/* bytes after the packet, which nfsec cuts off */
	case 8: {
		size_t n = 1 + rng_below(&rng, 64);

		rng_bytes(&rng, pt + plen, n);
		plen += n;
		*fate = F_DELIVER;
		cov.in_trail++;
		break;
	}
	}
	return plen;
}

/* ESP and AH around a plaintext --------------------------------------------- */

/*
 * A correct ESP packet for s around the plaintext pt (plen bytes, protocol
 * nexthdr; pt has room for the padding) behind the outer headers h, with
 * what kind asks to be wrong behind the ICV. Returns its length, *hl
 * where ESP starts.
 */
static size_t seal_esp(struct sa *s, enum kind kind, const struct hdrs *h,
		       uint8_t *pt, size_t plen, uint8_t nexthdr, uint8_t *out,
		       size_t *hl)
{
	uint8_t ad[12 + 16], iv[16], *p = pt + plen, *enc, *e;
	size_t ptlen, padlen, adlen, total, i;
	uint64_t seq = ++s->seq;

	if (kind == K_DUMMY)
		nexthdr = IPPROTO_NONE;
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

	total = hdrs_len(s, h) + 8 + s->ivlen + ptlen + s->icvlen;
	*hl = put_outer(s, h, out, IPPROTO_ESP, total);
	/* [SPI][seq][IV][ciphertext][ICV]: the transform writes AD and all. */
	enc = buf + MAX_PKT + 64;
	if (!alg_encrypt(s, ad, adlen, iv, pt, ptlen, enc))
		return 0;
	e = out + *hl;
	*(uint32_t *)e = htonl(s->spi);
	*(uint32_t *)(e + 4) = htonl((uint32_t)seq);
	memcpy(e + 8, iv, s->ivlen);
	memcpy(e + 8 + s->ivlen, enc + adlen, ptlen + s->icvlen);
	return total;
}

/*
 * The AH header length: the [IV and] ICV padded to 32 bits, as RFC 4302
 * asks for IPv4, or to 64 bits, as nfsec and XFRM send; either at random.
 * IPv6 takes 64 bits only.
 */
static size_t ah_len_at(const struct sa *s, unsigned int align)
{
	return (12 + s->ivlen + s->icvlen + align - 1) & ~(size_t)(align - 1);
}

static size_t ah_len(const struct sa *s)
{
	return !s->v6 && rng_pct(&rng, 50) ? ah_len_at(s, 4) : ah_len_at(s, 8);
}

/* Whether an AH length field is one the receiver takes for s. */
static bool ah_len_ok(const struct sa *s, size_t al)
{
	return al == ah_len_at(s, 8) || (!s->v6 && al == ah_len_at(s, 4));
}

/*
 * Zeroes, in the IPv6 header and the hl - 40 bytes of extension headers
 * after it, what AH's ICV does not cover: traffic class, flow label, hop
 * limit and the data of options that may change on the way.
 */
static void zero_mutable6(uint8_t *p, size_t hl)
{
	uint8_t t = p[6];
	size_t off = 40, len, o;

	p[0] = 0x60;
	p[1] = p[2] = p[3] = 0;
	p[7] = 0;
	while (off + 2 <= hl) {
		len = (p[off + 1] + 1) * 8;
		if (off + len > hl)
			return;
		if (t == IPPROTO_HOPOPTS || t == IPPROTO_DSTOPTS) {
			for (o = off + 2; o < off + len; ) {
				if (p[o] == OPT_PAD1) {
					o++;
					continue;
				}
				if (o + 2 > off + len ||
				    o + 2 + p[o + 1] > off + len)
					break;
				if (p[o] & OPT_MUTABLE)
					memset(p + o + 2, 0, p[o + 1]);
				o += 2 + p[o + 1];
			}
		}
		t = p[off];
		off += len;
	}
}

/*
 * A correct AH packet for s (RFC 4302) around pt: the ICV covers the IP
 * header with its mutable fields zeroed (NOP and EOL options are
 * immutable; IPv6: see zero_mutable6()), the AH header with a zero ICV,
 * the payload and, with ESN, the high half of the sequence number. With
 * AES-GMAC (RFC 4543 5) the field after the sequence number is a random
 * IV, then the tag GCM computes over the same bytes (IV and ICV zeroed) as
 * associated data, nothing encrypted, with the salt and that IV as its
 * nonce. kind K_PADDING stands for a wrong AH length field.
 */
static size_t seal_ah(struct sa *s, enum kind kind, const struct hdrs *h,
		      const uint8_t *pt, size_t plen, uint8_t nexthdr,
		      uint8_t *out, size_t *hl)
{
	uint8_t *ah, mac[64], *m;
	uint64_t seq = ++s->seq;
	size_t al = ah_len(s), total;
	uint32_t hi;

	total = hdrs_len(s, h) + al + plen;
	*hl = put_outer(s, h, out, IPPROTO_AH, total);
	ah = out + *hl;
	memset(ah, 0, al);
	ah[0] = nexthdr;
	ah[1] = al / 4 - 2;
	/* A wrong length: neither of the two paddings the receiver takes. */
	while (kind == K_PADDING && ah_len_ok(s, (ah[1] + 2) * 4))
		ah[1] = rng_below(&rng, s->v6 ? 64 : 256);
	*(uint32_t *)(ah + 4) = htonl(s->spi);
	*(uint32_t *)(ah + 8) = htonl((uint32_t)seq);
	memcpy(ah + al, pt, plen);

	/* The ICV over the packet with the mutable fields zeroed. */
	m = buf + MAX_PKT + 64;
	memcpy(m, out, total);
	if (s->v6) {
		zero_mutable6(m, *hl);
	} else {
		struct iphdr *iph = (struct iphdr *)m;

		iph->tos = 0;
		iph->frag_off = 0;
		iph->ttl = 0;
		iph->check = 0;
	}
	hi = htonl(seq >> 32);
	if (s->gmac) {
		uint8_t nonce[12], *tagged = buf + 2 * MAX_PKT + 128;
		size_t adlen = total + (s->esn ? 4 : 0);

		memcpy(m + total, &hi, 4);
		memcpy(nonce, s->salt, 4);
		for (size_t k = 4; k < 12; k++)
			nonce[k] = (uint8_t)rng_below(&rng, 256);
		if (!alg_encrypt(s, m, adlen, nonce, NULL, 0, tagged))
			return 0;
		memcpy(ah + 12, nonce + 4, 8);
		memcpy(ah + 20, tagged + adlen, s->icvlen);
		return total;
	}
	if (send(s->hashfd, m, total, s->esn ? MSG_MORE : 0) != (ssize_t)total ||
	    (s->esn && send(s->hashfd, &hi, 4, 0) != 4) ||
	    read(s->hashfd, mac, sizeof(mac)) < (ssize_t)s->icvlen) {
		FAIL("AF_ALG hmac: %s", strerror(errno));
		return 0;
	}
	memcpy(ah + 12, mac, s->icvlen);
	return total;
}

static size_t seal(struct sa *s, enum kind kind, const struct hdrs *h,
		   uint8_t *pt, size_t plen, uint8_t nexthdr, uint8_t *out,
		   size_t *hl)
{
	return s->ah ? seal_ah(s, kind, h, pt, plen, nexthdr, out, hl) :
		       seal_esp(s, kind, h, pt, plen, nexthdr, out, hl);
}

static void save(struct sa *s, const uint8_t *p, size_t len, size_t hl,
		 enum kind kind)
{
	struct pkt *k = &s->saved[s->nsaved++ % SAVED];

	k->kind = kind;
	k->hl = hl;
	free(k->data);
	k->data = malloc(len);
	if (!k->data) {
		k->len = 0;
		return;
	}
	memcpy(k->data, p, len);
	k->len = len;
}

/* Sending ------------------------------------------------------------------ */

/* Sends the datagram p as is, or as a complete set of fragments. */
static void send_ip(uint8_t *p, size_t len, bool frag)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = dst };
	struct iphdr *iph = (struct iphdr *)p;
	size_t hl = iph->ihl * 4, plen = len - hl, chunk, max, off, n, i, j;
	size_t offs[8192];
	uint8_t frame[1600];

	reached++;
	if (!frag && len <= MTU) {
		frames++;
		if (sendto(raw, p, len, 0, (struct sockaddr *)&to, sizeof(to)) !=
		    (ssize_t)len)
			FAIL("send of %zu bytes: %s", len, strerror(errno));
		return;
	}
	n_frag++;
	/* Fragment sizes: 8-byte multiples, tiny ones sometimes. */
	max = (MTU - hl) & ~7UL;
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

/* One IPv6 frame onto the link, as it is. */
static void xmit6(const uint8_t *p, size_t len)
{
	frames++;
	if (sendto(lnk, p, len, 0, (struct sockaddr *)&lnk_to,
		   sizeof(lnk_to)) != (ssize_t)len)
		FAIL("send of %zu IPv6 bytes: %s", len, strerror(errno));
}

/*
 * How many bytes after the fragment header the first fragment must hold
 * so that the receiver takes it for one (RFC 8200 4.5: every header up to
 * the upper layer's, and that one's first bytes): the kernel's walk of the
 * n bytes at q, whose first header is of type t. 0 if the walk stops
 * before (it then takes the fragment).
 */
static size_t first_frag_min(const uint8_t *q, size_t n, uint8_t t)
{
	size_t off = 0, len;

	while (t == IPPROTO_HOPOPTS || t == IPPROTO_ROUTING ||
	       t == IPPROTO_DSTOPTS || t == IPPROTO_AH ||
	       t == IPPROTO_FRAGMENT || t == IPPROTO_NONE) {
		if (t == IPPROTO_NONE || off + 2 > n)
			return 0;
		if (t == IPPROTO_FRAGMENT) {
			if (off + 4 > n || ((q[off + 2] << 8) | q[off + 3]) & ~7)
				return 0;
			t = q[off];
			off += 8;
			continue;
		}
		len = t == IPPROTO_AH ? (q[off + 1] + 2) * 4 : (q[off + 1] + 1) * 8;
		t = q[off];
		off += len;
	}
	switch (t) {
	case IPPROTO_TCP:
		return off + 20;
	case IPPROTO_UDP:
	case IPPROTO_ICMPV6:
		return off + 8;
	default:
		return off + 1;
	}
}

/*
 * Sends the IPv6 packet p as is, or as a complete set of fragments: the
 * fragment header after the hop-by-hop one if there is one, else after
 * the IPv6 header, the first fragment holding every header (see
 * first_frag_min()).
 */
static void send_ip6(uint8_t *p, size_t len, bool frag)
{
	size_t unfrag = 40, nhpos = 6, plen, max, chunk, first, need, n, i, j;
	size_t offs[256], lens[256], t;
	uint8_t frame[MTU + 64];
	uint32_t id = (uint32_t)rng_next(&rng);

	reached++;
	if (p[6] == IPPROTO_HOPOPTS) {
		nhpos = 40;
		unfrag = 40 + (p[41] + 1) * 8;
	}
	plen = len - unfrag;
	max = (MTU - unfrag - 8) & ~7UL;
	need = (first_frag_min(p + unfrag, plen, p[nhpos]) + 7) & ~7UL;
	/*
	 * A packet cut inside its headers cannot be a first fragment, nor
	 * can nothing be a fragment.
	 */
	if ((!frag || need > plen || !plen) && len <= MTU) {
		xmit6(p, len);
		return;
	}
	n_frag++;
	if (cur6)
		cov.frag_sets++;
	chunk = rng_pct(&rng, 20) ? 8 * (1 + rng_below(&rng, 8)) :
		8 * (1 + rng_below(&rng, max / 8));
	if (plen / chunk > 60)
		chunk = ((plen + 59) / 60 + 7) & ~7UL;
	if (chunk > max)
		chunk = max;
	first = chunk < need ? need : chunk;
	if (first > max) {
		/* It would be taken for no fragment at all. */
		FAIL("an IPv6 packet of %zu bytes whose headers take %zu bytes of its first fragment",
		     len, need);
		first = max;
	}
	for (n = 0, t = 0; t < plen || !n; n++) {
		offs[n] = t;
		lens[n] = n ? chunk : first;
		if (lens[n] > plen - t)
			lens[n] = plen - t;
		t += lens[n];
	}
	if (rng_pct(&rng, 30))
		for (i = n - 1; i > 0; i--) {
			j = rng_below(&rng, i + 1);
			t = offs[i];
			offs[i] = offs[j];
			offs[j] = t;
			t = lens[i];
			lens[i] = lens[j];
			lens[j] = t;
		}
	for (i = 0; i < n; i++) {
		size_t fl = lens[i], pl = unfrag - 40 + 8 + fl;
		uint16_t fo = offs[i] | (offs[i] + fl < plen);

		memcpy(frame, p, unfrag);
		frame[4] = pl >> 8;
		frame[5] = pl;
		frame[nhpos] = IPPROTO_FRAGMENT;
		frame[unfrag] = p[nhpos];
		frame[unfrag + 1] = 0;
		frame[unfrag + 2] = fo >> 8;
		frame[unfrag + 3] = fo;
		memcpy(frame + unfrag + 4, &id, 4);
		memcpy(frame + unfrag + 8, p + unfrag + offs[i], fl);
		n_fragments++;
		xmit6(frame, unfrag + 8 + fl);
	}
}

static void send_pkt(const struct sa *s, uint8_t *p, size_t len, bool frag)
{
	if (s->v6)
		send_ip6(p, len, frag);
	else
		send_ip(p, len, frag);
}

/* The replay window -------------------------------------------------------- */

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
 * The counter that drops the packet p of len bytes for s, ESP or AH at hl,
 * whose ICV cannot verify: the window refuses its number, or it is too
 * short for the transform (AH: its length field is not one of the
 * paddings, or the headers before it are over 256 bytes), or the ICV
 * fails.
 */
static int drop_reason(const struct sa *s, const uint8_t *p, size_t hl,
		       size_t len)
{
	size_t al;

	if (!window_new(s, ntohl(*(const uint32_t *)(p + hl + (s->ah ? 8 : 4)))))
		return NFSEC_STATS_A_DROP_REPLAY;
	if (!s->ah)
		return len < hl + 8 + s->ivlen + 2 + s->icvlen ?
		       NFSEC_STATS_A_DROP_MALFORMED : NFSEC_STATS_A_DROP_ICV;
	al = (p[hl + 1] + 2) * 4;
	if (hl > 256 || len < hl + 12 || len < hl + al || !ah_len_ok(s, al))
		return NFSEC_STATS_A_DROP_MALFORMED;
	return NFSEC_STATS_A_DROP_ICV;
}

/* Expected counters of a packet of kind k for s that nfsec verified. */
static void expect(struct sa *s, enum kind k)
{
	switch (k) {
	case K_TINY:
		exp_net[NFSEC_NSTATS_A_MALFORMED]++;
		break;
	case K_NOSA:
		exp_net[NFSEC_NSTATS_A_NO_SA]++;
		break;
	case K_DUMMY:
		s->exp[NFSEC_STATS_A_PACKETS]++;
		break;
	case K_PADDING:
		/* For AH: a wrong length field. */
		s->exp[s->ah ? NFSEC_STATS_A_DROP_MALFORMED :
			       NFSEC_STATS_A_DROP_PADDING]++;
		break;
	default:
		break;
	}
}

/* What is expected of a packet nfsec verifies and decapsulates. */
static void expect_fate(struct sa *s, enum fate f, uint32_t tag)
{
	s->exp[NFSEC_STATS_A_PACKETS]++;
	switch (f) {
	case F_DELIVER:
		exp_udp++;
		break;
	case F_MAYBE:
		if (tag / 8 >= optional_size) {
			size_t n = optional_size ? optional_size * 2 : 4096;

			while (tag / 8 >= n)
				n *= 2;
			optional = realloc(optional, n);
			if (!optional) {
				FAIL("out of memory");
				exit(1);
			}
			memset(optional + optional_size, 0, n - optional_size);
			optional_size = n;
		}
		optional[tag / 8] |= 1 << (tag % 8);
		opt_sent++;
		break;
	case F_CONSUMED:
		consumed++;
		break;
	case F_MALFORMED:
		s->exp[NFSEC_STATS_A_DROP_MALFORMED]++;
		break;
	case F_POLICY:
		s->exp[NFSEC_STATS_A_DROP_POLICY]++;
		break;
	}
}

/* Kinds -------------------------------------------------------------------- */

/* SAs by the traffic they get: IPv4 only, IPv6 (outer or inner), and the
 * receiver's outbound ones. */
static unsigned int cls4[MAX_SAS], n4, cls6[MAX_SAS], n6, outs[MAX_SAS], nout;

static void count(enum kind k, unsigned long n)
{
	sent[k] += n;
	if (cur6)
		sent6[k] += n;
}

static enum kind pick_kind(struct sa *s)
{
	unsigned int r = rng_below(&rng, 100);

	if (!cur6) {
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
	if (r < 3)
		return K_TINY;
	if (r < 6)
		return K_NOSA;
	if (r < 20)
		return K_GARBAGE;
	if (r < 28)
		return K_TRUNC;
	if (r < 34)
		return s->nsaved ? K_REPLAY : K_GARBAGE;
	if (r < 52)
		return K_VALID;
	if (r < 57)
		return K_PADDING;
	if (r < 62)
		return K_POLICY;
	if (r < 65)
		return s->ah ? K_VALID : K_DUMMY;
	if (r < 72)
		return s->tunnel ? K_INNER : K_VALID;
	if (r < 79)
		return s->v6 ? K_EXTHDR : K_VALID;
	if (r < 85)
		return s->v6 ? K_STACK : K_VALID;
	if (r < 93)
		return s->tunnel && s->in6 ? K_FRAG6 : K_VALID;
	return nout ? K_PTB : K_VALID;
}

/* Outer headers for a packet of s: options, or extension headers. */
static void gen_hdrs(struct sa *s, struct hdrs *h, enum ch_mode m)
{
	memset(h, 0, sizeof(*h));
	if (s->v6) {
		gen_chain(&h->ch, m, s->ah);
	} else {
		h->optlen = rng_pct(&rng, 15) ? 4 * (1 + rng_below(&rng, 10)) : 0;
		if (h->optlen)
			n_opts++;
	}
}

static void set_plen(uint8_t *p, size_t plen)
{
	p[4] = plen >> 8;
	p[5] = plen;
}

/*
 * Extension headers that nfsec cannot walk (nstats malformed) or AH
 * cannot follow (SA malformed, after the window); correct ICVs.
 */
static void exthdr_packet(struct sa *s)
{
	struct hdrs h = { 0 };
	unsigned int v = rng_below(&rng, s->ah ? 6 : 4);
	uint8_t *p = buf, nexthdr;
	size_t plen, len, hl, last;
	enum fate fate;

	switch (v) {
	case 0:
		gen_chain(&h.ch, CH_LONG, s->ah);
		break;
	case 1:
		gen_chain(&h.ch, CH_HBH2, s->ah);
		break;
	case 2:
	case 3:
		gen_chain(&h.ch, CH_OVERRUN, s->ah);
		break;
	case 4:		/* a destination option past its header */
		gen_chain(&h.ch, CH_OVERRUN, s->ah);
		ch_add(&h.ch, IPPROTO_DSTOPTS, TLV_OVERRUN, opt_len(false));
		break;
	default:	/* over 256 bytes */
		gen_chain(&h.ch, CH_BIG, s->ah);
		break;
	}
	small = true;
	plen = build_pt(s, K_VALID, false, tmp, &nexthdr, &fate);
	small = false;
	next_tag--;	/* never delivered */
	len = seal(s, K_VALID, &h, tmp, plen, nexthdr, p, &hl);
	if (!len || len > MTU)
		return;
	last = 40 + h.ch.off[h.ch.n - 1];
	switch (v) {
	case 0:
		cov.ex_long++;
		exp_net[NFSEC_NSTATS_A_MALFORMED]++;
		break;
	case 1:
		cov.ex_hbh2++;
		exp_net[NFSEC_NSTATS_A_MALFORMED]++;
		break;
	case 2:		/* the last header's length past the end */
		p[last + 1] = 255;
		cov.ex_overrun++;
		exp_net[NFSEC_NSTATS_A_MALFORMED]++;
		break;
	case 3:		/* the packet ends in the last header */
		len = last + rng_below(&rng, (p[last + 1] + 1) * 8);
		set_plen(p, len - 40);
		cov.ex_cut++;
		exp_net[NFSEC_NSTATS_A_MALFORMED]++;
		break;
	default:
		if (v == 4)
			cov.ex_tlv++;
		else
			cov.ex_big++;
		s->exp[window_new(s, (uint32_t)s->seq) ?
		       NFSEC_STATS_A_DROP_MALFORMED :
		       NFSEC_STATS_A_DROP_REPLAY]++;
		break;
	}
	count(K_EXTHDR, 1);
	send_ip6(p, len, false);
}

/*
 * What the receiver's IPv6 input drops before PRE_ROUTING: no counter of
 * nfsec may move.
 */
static void stack_packet(struct sa *s)
{
	struct hdrs h = { 0 };
	unsigned int v = rng_below(&rng, 4);
	uint8_t *p = buf, nexthdr;
	size_t plen, len, hl, l;
	enum fate fate;

	if (v == 1)
		gen_chain(&h.ch, CH_BAD_HBH, s->ah);
	else if (v == 2)
		ch_add(&h.ch, IPPROTO_HOPOPTS, TLV_OK, opt_len(false));
	else
		gen_chain(&h.ch, CH_GOOD, s->ah);
	small = true;
	plen = build_pt(s, K_VALID, false, tmp, &nexthdr, &fate);
	small = false;
	next_tag--;
	len = seal(s, K_VALID, &h, tmp, plen, nexthdr, p, &hl);
	if (!len || len > MTU)
		return;
	switch (v) {
	case 0:		/* a payload length past the packet */
		l = len - 40 + 1 + rng_below(&rng, 300);
		set_plen(p, l > 65535 ? 65535 : l);
		cov.st_plen++;
		break;
	case 1:
		cov.st_tlv++;
		break;
	case 2:		/* a hop-by-hop header past the packet */
		p[41] = 255;
		cov.st_hbhlen++;
		break;
	default:
		p[0] = (p[0] & 0x0f) |
		       (uint8_t[]){ 0, 4, 7, 15 }[rng_below(&rng, 4)] << 4;
		cov.st_version++;
		break;
	}
	count(K_STACK, 1);
	xmit6(p, len);
}

/* One inner IPv6 fragment: [inner header][fragment header][data]. */
static void frag6_piece(struct sa *s, const uint8_t *ip6h, const uint8_t *dg,
			size_t off, size_t len, bool more, uint32_t id)
{
	uint8_t *pt = tmp, *p = buf;
	struct hdrs h;
	size_t hl, n;
	uint16_t fo = off | more;

	gen_hdrs(s, &h, CH_GOOD);
	memcpy(pt, ip6h, 40);
	set_plen(pt, 8 + len);
	pt[40] = IPPROTO_UDP;
	pt[41] = 0;
	pt[42] = fo >> 8;
	pt[43] = fo;
	memcpy(pt + 44, &id, 4);
	memcpy(pt + 48, dg + off, len);
	n = seal(s, K_VALID, &h, pt, 48 + len, IPPROTO_IPV6, p, &hl);
	if (!n)
		return;
	window_record(s, s->seq);
	s->exp[NFSEC_STATS_A_PACKETS]++;
	count(K_FRAG6, 1);
	send_pkt(s, p, n, n > MTU);
}

/*
 * A UDP datagram in inner IPv6 fragments, one per correct packet of s:
 * tiny or not, in order or shuffled, a fragment sent twice; or some
 * fragments in order and then one that overlaps the last of them, which
 * drops the datagram (RFC 5722).
 */
static void frag6_set(struct sa *s)
{
	uint8_t dg[2048], ip6h[40];
	uint32_t tag = next_tag++, id = (uint32_t)rng_next(&rng);
	size_t body = rng_pct(&rng, 30) ? rng_below(&rng, 64) :
		      64 + rng_below(&rng, 1100);
	size_t ulen = put_udp6(dg, &inner_src6, &dst6, s->port, tag, body);
	size_t fsz, n, i, j, k, t, order[64], stop, dup = SIZE_MAX;
	unsigned int v = rng_below(&rng, 10);

	fsz = rng_pct(&rng, 25) ? 8 : 8 * (1 + rng_below(&rng, 60));
	if ((ulen + fsz - 1) / fsz > 48)
		fsz = ((ulen + 47) / 48 + 7) & ~7UL;
	n = (ulen + fsz - 1) / fsz;
	/* Not ECN-capable: a mark on some fragments only would drop it. */
	put_ip6(ip6h, &inner_src6, &dst6, NULL, IPPROTO_FRAGMENT, 40, false,
		false);
	for (i = 0; i < n; i++)
		order[i] = i;
	stop = v >= 8 && n >= 3 ? 1 + rng_below(&rng, n - 2) : n;
	if (stop == n && rng_pct(&rng, 40)) {
		for (i = n - 1; i > 0; i--) {
			j = rng_below(&rng, i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		cov.f_shuffled++;
	}
	if (stop == n && (v == 6 || v == 7) && n >= 2)
		dup = rng_below(&rng, n - 1);
	if (fsz == 8)
		cov.f_tiny++;
	if (n >= 24)
		cov.f_many++;
	cov.f_sets++;
	for (k = 0; k < stop; k++) {
		i = order[k];
		frag6_piece(s, ip6h, dg, i * fsz,
			    i + 1 < n ? fsz : ulen - i * fsz, i + 1 < n, id);
		if (k == dup) {
			frag6_piece(s, ip6h, dg, i * fsz,
				    i + 1 < n ? fsz : ulen - i * fsz, i + 1 < n,
				    id);
			consumed++;
			cov.f_dup++;
		}
	}
	if (stop < n) {
		/* From 8 bytes before the end of what came, more to come. */
		frag6_piece(s, ip6h, dg, stop * fsz - 8, 16, true, id);
		s->exp[NFSEC_STATS_A_DROP_MALFORMED]++;
		consumed += stop;
		cov.f_overlap++;
	} else {
		exp_udp++;
		consumed += n - 1;
	}
}

/*
 * ICMPv6 packet too big quoting a packet of one of the receiver's
 * outbound SAs: that SA counts it if it is sound.
 */
static void ptb_packet(void)
{
	struct sa *o = &sas[outs[rng_below(&rng, nout)]];
	unsigned int v = rng_below(&rng, 10);
	size_t qlen = 1300 + rng_below(&rng, 201), qcap, ilen, total;
	uint8_t *p = buf, *icmp, *q, proto = o->ah ? IPPROTO_AH : IPPROTO_ESP;
	uint32_t mtu, spi = o->spi, w;
	struct chain c;
	uint16_t sum;
	bool other;
	size_t hl;

	gen_chain(&c, CH_GOOD, false);
	qcap = 40 + 8 + rng_below(&rng, 1000);
	if (qcap > qlen)
		qcap = qlen;
	if (qcap > MTU - 40 - 8 - c.len)
		qcap = MTU - 40 - 8 - c.len;
	if (v == 6)
		qcap = rng_below(&rng, 48);	/* not even the SPI */
	ilen = 8 + qcap;
	total = 40 + c.len + ilen;
	hl = put_ip6(p, &src6, &dst6, &c, IPPROTO_ICMPV6, total, false, true);
	icmp = p + hl;
	q = icmp + 8;

	/* The quoted packet: from the receiver to the sender, ESP or AH. */
	rng_bytes(&rng, q, qcap);
	w = htonl(6U << 28);
	memcpy(q, &w, 4);
	q[4] = (qlen - 40) >> 8;
	q[5] = qlen - 40;
	q[6] = proto;
	q[7] = 64;
	memcpy(q + 8, &dst6, 16);
	memcpy(q + 24, &src6, 16);
	if (v == 7)
		while (spi == o->spi)
			spi = (uint32_t)rng_next(&rng);
	if (v == 8)
		q[8 + 16 * rng_below(&rng, 2) + rng_below(&rng, 16)] ^=
			1 + rng_below(&rng, 255);
	other = v == 9 && rng_pct(&rng, 50);
	if (v == 9 && !other)
		q[6] = (uint8_t[]){ IPPROTO_UDP, IPPROTO_DSTOPTS,
				    IPPROTO_ESP + IPPROTO_AH - proto }
				    [rng_below(&rng, 3)];
	w = htonl(spi);
	if (qcap >= 48)
		memcpy(q + 40 + (o->ah ? 4 : 0), &w, 4);

	switch (v) {
	case 4:
		mtu = rng_pct(&rng, 20) ? 0 : rng_below(&rng, 1280);
		cov.ptb_tiny++;
		break;
	case 5:
		mtu = rng_pct(&rng, 20) ? UINT32_MAX :
		      qlen + rng_below(&rng, 70000);
		cov.ptb_huge++;
		break;
	default:
		mtu = 1280 + rng_below(&rng, qlen - 1280);
		break;
	}
	icmp[0] = other ?
		  (uint8_t[]){ 1, 3, 4 }[rng_below(&rng, 3)] : 2;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	w = htonl(mtu);
	memcpy(icmp + 4, &w, 4);
	sum = csum6(&src6, &dst6, IPPROTO_ICMPV6, icmp, ilen);
	if (v == 3) {
		sum ^= htons(1 << rng_below(&rng, 16));
		cov.ptb_csum++;
	}
	memcpy(icmp + 2, &sum, 2);
	if (v <= 2) {
		o->exp[NFSEC_STATS_A_PMTU_UPDATES]++;
		cov.ptb_ok++;
	} else if (v == 6) {
		cov.ptb_cut++;
	} else if (v >= 7) {
		cov.ptb_other++;
	}
	count(K_PTB, 1);
	xmit6(p, total);
}

static void one_packet(bool six)
{
	struct sa *s = &sas[six ? cls6[rng_below(&rng, n6)] :
			    cls4[rng_below(&rng, n4)]];
	enum kind k;
	bool frag = rng_pct(&rng, 12);
	bool huge = rng_pct(&rng, 2);
	uint8_t *p = buf, proto = s->ah ? IPPROTO_AH : IPPROTO_ESP, nexthdr;
	size_t len = 0, hl, body, cut, plen, spi_off = s->ah ? 4 : 0;
	size_t hdr = s->ah ? 12 : 8;	/* up to the sequence number */
	struct hdrs h;
	enum fate fate;
	uint32_t tag;
	int drop = -1;

	cur6 = six;
	k = pick_kind(s);
	switch (k) {
	case K_EXTHDR:
		exthdr_packet(s);
		return;
	case K_STACK:
		stack_packet(s);
		return;
	case K_FRAG6:
		frag6_set(s);
		return;
	case K_PTB:
		ptb_packet();
		return;
	default:
		break;
	}
	gen_hdrs(s, &h, rng_pct(&rng, 10) ? CH_BAD_DST : CH_GOOD);
	/* Payload length 0 behind hop-by-hop: the receiver takes it all. */
	h.plen0 = s->v6 && h.ch.n && h.ch.type[0] == IPPROTO_HOPOPTS &&
		  !frag && !huge && rng_pct(&rng, 20);
	small = h.plen0;
	if (huge)
		n_huge++;
	switch (k) {
	case K_TINY:
		h.plen0 = false;
		body = rng_below(&rng, 8);
		hl = put_outer(s, &h, p, proto, hdrs_len(s, &h) + body);
		rng_bytes(&rng, p + hl, body);
		len = hl + body;
		break;
	case K_NOSA:
	case K_GARBAGE:
		h.plen0 = false;
		body = hdr + pick_len(huge);
		if (huge && body > MAX_PKT - 1000)
			body = MAX_PKT - 1000;
		hl = put_outer(s, &h, p, proto, hdrs_len(s, &h) + body);
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
		/*
		 * IPv6 AH: the receiver's reassembly, before nfsec, walks
		 * through AH, and takes what follows a fragment header
		 * there for a fragment. In fragments, the first must hold
		 * the headers up to the upper layer's, which a random AH
		 * length could put past any fragment.
		 */
		if (s->v6 && s->ah && (p[hl] == IPPROTO_HOPOPTS ||
				       p[hl] == IPPROTO_ROUTING ||
				       p[hl] == IPPROTO_FRAGMENT ||
				       p[hl] == IPPROTO_AH ||
				       p[hl] == IPPROTO_DSTOPTS))
			p[hl] = IPPROTO_UDP;
		if (s->v6 && s->ah && (frag || huge || len > MTU)) {
			p[hl] = rng_pct(&rng, 50) ? IPPROTO_UDP : IPPROTO_IPV6;
			p[hl + 1] %= 64;
		}
		if (k == K_GARBAGE)
			drop = drop_reason(s, p, hl, len);
		break;
	case K_TRUNC:
		h.plen0 = false;
		plen = build_pt(s, K_VALID, huge, tmp, &nexthdr, &fate);
		len = seal(s, K_VALID, &h, tmp, plen, nexthdr, p, &hl);
		if (!len)
			return;
		if (rng_pct(&rng, 50)) {
			cut = hl + rng_below(&rng, len - hl);
			if (cut < hl + hdr)
				cut = hl + hdr;	/* keep SPI and sequence */
			if (s->v6)
				set_plen(p, cut - 40);
			/* IPv6: or only the payload length says less. */
			if (!s->v6 || frag || len > MTU || rng_pct(&rng, 60))
				len = cut;
			else
				cov.plen_short++;
			drop = drop_reason(s, p, hl, cut);
		} else {
			/* One bit flipped after the sequence number. */
			p[hl + hdr + rng_below(&rng, len - hl - hdr)] ^=
				1 << rng_below(&rng, 8);
			drop = drop_reason(s, p, hl, len);
		}
		break;
	case K_REPLAY: {
		struct pkt *o = &s->saved[rng_below(&rng, s->nsaved < SAVED ?
						     s->nsaved : SAVED)];

		memcpy(p, o->data, o->len);
		len = o->len;
		/* Only AH with a wrong length never reached the window. */
		drop = drop_reason(s, p, o->hl, len);
		if (drop != NFSEC_STATS_A_DROP_REPLAY && !(s->ah && o->kind == K_PADDING))
			FAIL("SA 0x%x: the model's window takes a packet sent before", s->spi);
		break;
	}
	default:
		plen = build_pt(s, k, huge, tmp, &nexthdr, &fate);
		tag = next_tag - 1;
		len = seal(s, k, &h, tmp, plen, nexthdr, p, &hl);
		small = false;
		if (!len)
			return;
		save(s, p, len, hl, k);
		/* Its ICV verifies: the window records it. */
		if (!(s->ah && k == K_PADDING))
			window_record(s, s->seq);
		if (h.plen0)
			cov.plen0++;
		/* Transport mode: the stack sees the extension headers. */
		if (k == K_VALID && s->v6 && !s->tunnel)
			fate = h.ch.drop ? F_CONSUMED :
			       h.ch.maybe ? F_MAYBE : F_DELIVER;
		if (k == K_VALID || k == K_POLICY || k == K_INNER)
			expect_fate(s, fate, tag);
		else
			expect(s, k);
		count(k, 1);
		send_pkt(s, p, len, frag || huge || len > MTU);
		return;
	}
	small = false;
	count(k, 1);
	if (drop >= 0)
		s->exp[drop]++;
	else
		expect(s, k);
	send_pkt(s, p, len, frag || huge || len > MTU);
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
			if (tag / 8 < optional_size &&
			    optional[tag / 8] & (1 << (tag % 8))) {
				optional[tag / 8] &= ~(1 << (tag % 8));
				opt_got++;
			} else {
				got_udp++;
			}
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
 * all namespaces) and rx's IPv4 counters (reassembly, discards).
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
	fprintf(stderr, "usage: %s --rx NETNS --src A --dst A --sa [ah:][v6:]SPI:PORT[:INNER] [--sa ...] [--inner-src A] [--src6 A --dst6 A --inner-src6 A --dev IF --lladdr MAC] [--out-sa [ah:]v6:SPI] [--seed N] [--count N] [--count6 N]\n",
		prog);
	exit(2);
}

/* [ah:][v6:]SPI[:PORT[:INNER]] into s; false if malformed. */
static bool parse_sa(char *c, struct sa *s, bool out)
{
	if (!strncmp(c, "ah:", 3)) {
		s->ah = true;
		c += 3;
	}
	if (!strncmp(c, "v6:", 3)) {
		s->v6 = true;
		c += 3;
	}
	s->out = out;
	s->spi = strtoul(c, &c, 0);
	if (out)
		return !*c && s->v6;
	if (*c != ':')
		return false;
	s->port = strtoul(c + 1, &c, 0);
	s->in4 = !s->v6;
	s->in6 = s->v6;
	if (*c == ':') {
		s->in4 = strchr(c + 1, '4');
		s->in6 = strchr(c + 1, '6');
	}
	return true;
}

static void summary6(void)
{
	unsigned int k;

	printf("# IPv6 sent:");
	for (k = 0; k < K_MAX; k++)
		printf(" %s %lu", kind_name[k], sent6[k]);
	printf("\n# IPv6 built with a correct ICV:");
	for (k = 0; k < SH_MAX; k++)
		printf(" %s %lu", shape_name[k], cov.shape[k]);
	printf("\n# IPv6 outer headers: hop-by-hop %lu, destination options %lu, routing type 0 %lu, type 2 %lu, type 4 %lu (segments left %lu), chains of 5 to 8 %lu; options: pad1 %lu, padN %lu, unknown %lu, mutable %lu, refused %lu; payload length 0 %lu, short %lu; fragment sets %lu\n",
	       cov.hbh, cov.dst, cov.rt[0], cov.rt[1], cov.rt[2], cov.rt_left,
	       cov.chain5, cov.pad1, cov.padn, cov.unknown, cov.mutable,
	       cov.bad_tlv, cov.plen0, cov.plen_short, cov.frag_sets);
	printf("# IPv6 exthdr: over 8 headers %lu, hop-by-hop later %lu, length past the end %lu, cut %lu, AH option past its header %lu, AH headers over 256 bytes %lu\n",
	       cov.ex_long, cov.ex_hbh2, cov.ex_overrun, cov.ex_cut, cov.ex_tlv,
	       cov.ex_big);
	printf("# IPv6 stack: payload length past the packet %lu, bad hop-by-hop options %lu, hop-by-hop past the packet %lu, version %lu\n",
	       cov.st_plen, cov.st_tlv, cov.st_hbhlen, cov.st_version);
	printf("# IPv6 inner: version %lu, next header %lu, payload length 0 %lu, too long %lu, too short %lu, under 40 bytes %lu, trailing bytes %lu, with extension headers %lu\n",
	       cov.in_version, cov.in_nexthdr, cov.in_jumbo, cov.in_long,
	       cov.in_short, cov.in_cut, cov.in_trail, cov.in_exts);
	printf("# IPv6 inner fragments: sets %lu (tiny %lu, over 23 fragments %lu, shuffled %lu, a fragment twice %lu, overlapping %lu)\n",
	       cov.f_sets, cov.f_tiny, cov.f_many, cov.f_shuffled, cov.f_dup,
	       cov.f_overlap);
	printf("# ICMPv6 packet too big: taken %lu, bad checksum %lu, MTU under 1280 %lu, MTU not under the packet %lu, quote cut %lu, other SPI, address, protocol or type %lu\n",
	       cov.ptb_ok, cov.ptb_csum, cov.ptb_tiny, cov.ptb_huge, cov.ptb_cut,
	       cov.ptb_other);
}

static bool parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[6], i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return false;
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
	return true;
}

int main(int argc, char **argv)
{
	struct fuzz_opts o = { .count = 2000 };
	static struct dump d;
	const char *rx = NULL, *dev = NULL, *lladdr = NULL;
	unsigned long i4 = 0, i6 = 0, count6 = ULONG_MAX, dropped, accepted,
		      gone;
	unsigned int j, k;
	int self, one = 1, zero = 0, big = 4 << 20;

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
		} else if (!strcmp(argv[k], "--src6")) {
			have6 |= inet_pton(AF_INET6, argv[++k], &src6) == 1;
		} else if (!strcmp(argv[k], "--dst6")) {
			if (inet_pton(AF_INET6, argv[++k], &dst6) != 1)
				usage(argv[0]);
		} else if (!strcmp(argv[k], "--inner-src6")) {
			if (inet_pton(AF_INET6, argv[++k], &inner_src6) != 1)
				usage(argv[0]);
		} else if (!strcmp(argv[k], "--dev")) {
			dev = argv[++k];
		} else if (!strcmp(argv[k], "--lladdr")) {
			lladdr = argv[++k];
		} else if (!strcmp(argv[k], "--count6")) {
			count6 = strtoul(argv[++k], NULL, 0);
		} else if ((!strcmp(argv[k], "--sa") ||
			    !strcmp(argv[k], "--out-sa")) && nsas < MAX_SAS) {
			bool out = argv[k][2] == 'o';

			if (!parse_sa(argv[++k], &sas[nsas], out))
				usage(argv[0]);
			nsas++;
		} else {
			usage(argv[0]);
		}
	}
	if (!rx || !src || !dst || !nsas)
		usage(argv[0]);
	for (j = 0; j < nsas; j++) {
		struct sa *s = &sas[j];

		if (s->v6 && (!have6 || !dev || !lladdr))
			usage(argv[0]);
		if (s->out)
			outs[nout++] = j;
		else if (s->v6 || s->in6)
			cls6[n6++] = j;
		else
			cls4[n4++] = j;
	}
	if (count6 == ULONG_MAX)
		count6 = o.count;
	if (!n6)
		count6 = 0;
	if (!n4)
		o.count = 0;
	fuzz_seed(&o, "fuzz_packets");
	printf("# %lu IPv4 and %lu IPv6 packets\n", o.count, count6);
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
		struct sockaddr_in6 a6 = {
			.sin6_family = AF_INET6, .sin6_port = htons(sas[j].port),
		};
		bool six = sas[j].v6 || sas[j].in6;

		if (sas[j].out)
			continue;
		/* IPv6 SAs: one socket for both families (4in6). */
		udp[j] = socket(six ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
		setsockopt(udp[j], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
		if (six)
			setsockopt(udp[j], IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				   sizeof(zero));
		if (udp[j] < 0 ||
		    (six ? bind(udp[j], (struct sockaddr *)&a6, sizeof(a6)) :
			   bind(udp[j], (struct sockaddr *)&a, sizeof(a)))) {
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
	if (have6) {
		/* Protocol 0: it sends only, and receives nothing. */
		lnk = socket(AF_PACKET, SOCK_DGRAM, 0);
		lnk_to.sll_family = AF_PACKET;
		lnk_to.sll_protocol = htons(ETH_P_IPV6);
		lnk_to.sll_ifindex = dev ? if_nametoindex(dev) : 0;
		lnk_to.sll_halen = 6;
		if (lnk < 0 || !lnk_to.sll_ifindex ||
		    !parse_mac(lladdr, lnk_to.sll_addr)) {
			FAIL("packet socket on %s to %s: %s", dev, lladdr,
			     strerror(errno));
			return 1;
		}
		setsockopt(lnk, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	}

	if (!read_sas(&d, true))
		return 1;
	for (j = 0; j < nsas; j++) {
		struct sa *s = &sas[j];

		for (k = 0; k < d.n; k++)
			if (sa_is(&d.sa[k], s))
				break;
		if (k == d.n) {
			FAIL("no %s SA with SPI 0x%x from the %s in %s",
			     s->v6 ? "IPv6" : "IPv4", s->spi,
			     s->out ? "receiver" : "sender", rx);
			return 1;
		}
		if (!sa_setup(s, &d.sa[k]))
			return 1;
		printf("# %s %s SA 0x%x: %s%s%s, %s%s, ICV %u bytes",
		       s->v6 ? "IPv6" : "IPv4", s->ah ? "AH" : "ESP", s->spi,
		       d.sa[k].enc, d.sa[k].enc[0] && d.sa[k].auth[0] ? "+" : "",
		       d.sa[k].auth, s->tunnel ? "tunnel" : "transport",
		       s->esn ? ", ESN" : "", s->icvlen);
		if (s->out)
			printf(", outbound: quoted by ICMPv6 errors\n");
		else
			printf(", UDP port %u%s%s\n", s->port,
			       s->tunnel && s->in4 ? ", inner IPv4" : "",
			       s->tunnel && s->in6 ? ", inner IPv6" : "");
		if (!s->tunnel)
			s->in4 = !s->v6, s->in6 = s->v6;
	}
	if (!read_counters())
		return 1;
	memcpy(base_net, got_net, sizeof(base_net));
	diag("start");
	for (j = 0; j < nsas; j++)
		memcpy(sas[j].base, sas[j].got, sizeof(sas[j].base));

	while ((i4 < o.count || i6 < count6) && !failures) {
		/* Few enough frames that no queue on the way overflows. */
		frames = 0;
		for (k = 0; k < BATCH && frames < BATCH_FRAMES &&
		     (i4 < o.count || i6 < count6); k++) {
			unsigned long l4 = o.count - i4, l6 = count6 - i6;
			bool six = !l4 || (l6 && rng_below(&rng, l4 + l6) >= l4);

			one_packet(six);
			if (six)
				i6++;
			else
				i4++;
			if ((i4 + i6) % 10000 == 0)
				printf("# %lu packets\n", i4 + i6);
		}
		if (!wait_settled(i4 + i6))
			break;
	}
	if (!failures)
		wait_settled(i4 + i6);

	printf("# sent:");
	for (k = 0; k < K_MAX; k++)
		printf(" %s %lu", kind_name[k], sent[k]);
	printf("\n# %lu with IP options, %lu fragmented (%lu fragments), %lu huge\n",
	       n_opts, n_frag, n_fragments, n_huge);
	if (count6)
		summary6();
	dropped = 0;
	for (j = 1; j <= NFSEC_NSTATS_A_MAX; j++)
		dropped += got_net[j] - base_net[j];
	for (j = 0; j < nsas; j++) {
		printf("# SA 0x%x:", sas[j].spi);
		for (k = NFSEC_STATS_A_PACKETS; k <= NFSEC_STATS_A_MAX; k++) {
			uint64_t v = sas[j].got[k] - sas[j].base[k];

			if (k != NFSEC_STATS_A_BYTES)
				printf(" %u:%llu", k, (unsigned long long)v);
			if (k >= NFSEC_STATS_A_DROP_REPLAY &&
			    k != NFSEC_STATS_A_PMTU_UPDATES)
				dropped += v;
		}
		printf("\n");
	}
	/*
	 * For the wrapper, which checks the same with the nfsec tool: what
	 * reached nfsec was dropped and counted, delivered, or taken with
	 * nothing to deliver (dummies, inner fragments, packets the stack
	 * drops after nfsec).
	 */
	accepted = got_udp + opt_got;
	gone = sent[K_DUMMY] + consumed + opt_sent - opt_got;
	printf("# %lu datagrams that may not arrive (extension headers a kernel may refuse): %lu arrived\n",
	       opt_sent, opt_got);
	printf("fuzz_packets: reached %lu accepted %lu consumed %lu dropped %lu\n",
	       reached, accepted, gone, dropped);
	if (reached != dropped + accepted + gone)
		FAIL("%lu packets reached nfsec but %lu were dropped, %lu delivered and %lu consumed",
		     reached, dropped, accepted, gone);
	if (failures) {
		printf("fuzz_packets: FAIL (seed %llu)\n", (unsigned long long)o.seed);
		return 1;
	}
	printf("fuzz_packets: PASS\n");
	return 0;
}
