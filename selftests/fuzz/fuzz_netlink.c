// SPDX-License-Identifier: GPL-2.0
/*
 * Netlink fuzzer for the nfsec family: generated and mutated requests for
 * every command (random attribute types, lengths, nesting, truncation,
 * header fields and flags; NFSEC_CMD_SA_ALLOC_SPI gets random attributes
 * only, as the model keeps no SPI reservations), sent as root and, in bursts, from a child
 * without CAP_NET_ADMIN over the namespace (setuid nobody, then root of a
 * new user namespace).
 *
 * Checked for every request:
 *  - it is answered (ACK, error or end of dump), except a datagram shorter
 *    than its nlmsg_len, which netlink ignores: the socket is then checked
 *    to be still in step with a GET_VERSION;
 *  - the errors the generic netlink core returns before nfsec is reached
 *    (truncated header: EINVAL; unknown command or an operation the command
 *    lacks: EOPNOTSUPP; no CAP_NET_ADMIN: EPERM, which before 6.2 comes
 *    before the lacking operation's EOPNOTSUPP) are exactly the predicted
 *    ones; those carry no extended-ack message in this kernel;
 *  - every other error carries an errno and an extended-ack message;
 *  - the answers agree with a model of the SAs and policies accepted and
 *    deleted: EEXIST, ENOENT, flush counts, dump sizes; a mutated request
 *    that is accepted changes the database by exactly what its command may;
 *  - every 256 requests and at the end, dumps equal the model.
 * SAs may carry a hard lifetime of a few seconds: the model lets the kernel
 * delete those (from a second before their end on, as it counts whole
 * seconds), never the others. Every 2048 requests the databases are topped
 * up to 150 SAs and policies of the fuzzer's own.
 * A quarter of the SAs and policies are of IPv6 (NFSEC_SA_A_SRC6 and DST6,
 * NFSEC_POL_A_FAMILY, SRC6 and DST6), some with the attributes of both
 * families, of the wrong length or a family of neither kind, and
 * policies naming SAs of the other family; what the model cannot tell
 * (AH over IPv6, which the kernel may refuse, an SA that may just have
 * expired) may go either way.
 *
 * usage: fuzz_netlink [--seed N] [--count N] [--verbose]
 * Runs in the namespace it is started in, which should hold no SA or policy
 * (they are flushed first). Exit 0 pass, 1 fail, 4 skip.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <grp.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

#define MAX_SA 4096
#define MAX_POL 4096
#define MAX_OFFS 128

/*
 * An SA of the model: its key, when it expires, and what a dump shows.
 * The addresses of the other family than the SA's are zero.
 */
struct sa_key {
	uint8_t proto;
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint32_t src;		/* network order */
	struct in6_addr src6;
	uint32_t spi;		/* network order */
	uint64_t expires;	/* hard lifetime: ms on CLOCK_MONOTONIC, or 0 */
	uint32_t dst;		/* network order */
	struct in6_addr dst6;
	uint8_t mode;
	char enc[NFSEC_ALG_NAME_MAX], auth[NFSEC_ALG_NAME_MAX];
	uint16_t enc_bits, auth_bits, icv_bits;
	uint32_t window, flags;
	uint64_t seq;
	uint64_t lft[NFSEC_LFT_A_MAX + 1];
};

/* A policy; the addresses of the other family than its own are zero. */
struct pol {
	uint32_t index;
	uint8_t dir;
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint32_t saddr, daddr;	/* network order */
	struct in6_addr saddr6, daddr6;
	uint8_t splen, dplen, proto;
	uint16_t sp_min, sp_max, dp_min, dp_max;
	uint8_t action;
	uint32_t prio;
	uint8_t sa_proto;	/* the SA of action protect, else 0 */
	uint8_t sa_family;
	uint32_t sa_src, sa_spi;
	struct in6_addr sa_src6;
};

struct model {
	struct sa_key sa[MAX_SA];
	unsigned int nsa;
	struct pol pol[MAX_POL];
	unsigned int npol;
};

/* A request being built: where each attribute starts. */
struct mb {
	struct nlmsghdr *nlh;
	uint32_t offs[MAX_OFFS];
	unsigned int n;
};

/* The attributes of an SA_ADD as put: -1 for a length of none. */
struct sa_req {
	bool dst, mode_p, icv_p, win_p, flags_p, seq_p, reject;
	bool dst_twin;		/* DST and DST6 both */
	uint8_t dst_family;
	uint8_t mode;
	uint16_t icv;
	uint32_t dst_addr, win, flags;
	struct in6_addr dst6;
	uint64_t seq;
	char enc[40], auth[40];
	bool enc_p, auth_p, enc_nul, auth_nul;
	int enc_len, auth_len;
	uint64_t lft[NFSEC_LFT_A_MAX + 1];
};

/* What a generated request means, when it is not mutated. */
struct gen {
	uint8_t cmd;
	bool dump;
	bool mutated;
	bool short_dgram;	/* sent shorter than its nlmsg_len */
	bool has_key;		/* SA key complete */
	bool key_bad;		/* SRC6 of a wrong length, or SRC with SRC6 */
	struct sa_key key;
	uint64_t hard_s;	/* SA_ADD: the hard lifetime in seconds */
	struct sa_req sr;	/* SA_ADD: what was put */
	bool flags_bad;		/* NFSEC_A_FLAGS with unknown bits */
	bool has_pol;		/* policy fields complete (add, del by sel) */
	bool pol_ok;		/* selectors (and action, SA) valid */
	struct pol pol;
	bool by_index;
	bool index_dir_bad;	/* by index, with a direction out of range */
	uint32_t index;
	int filter;		/* flush: -1 all, else proto or dir */
	bool filter_ok;		/* the flush filter is a valid one */
	bool unsure;		/* valid or not: either answer will do */
};

static struct nl nl;
static struct rng rng;
static struct model model;
static bool verbose;
static unsigned long failures;
static unsigned long n_sent, n_ok, n_err, n_core, n_mut, n_unanswered,
		     n_resync, n_unpriv, n_expired;
static unsigned long n_errno[256];
static unsigned long n_sa6, n_pol6;	/* IPv6 ones accepted, unmutated */
static unsigned long n_cmd_ok[NFSEC_CMD_MAX + 1];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* When an SA with a hard lifetime of secs (0: none) added at t expires. */
static uint64_t expiry(uint64_t t, uint64_t secs)
{
	return secs && secs < 1000000000ULL ? t + secs * 1000 : 0;
}

/*
 * The kernel counts an SA's age in whole seconds, so it may delete it up
 * to a second before its lifetime is over: allow two.
 */
static bool may_have_expired(const struct sa_key *k)
{
	return k->expires && now_ms() + 2000 >= k->expires;
}

static const uint32_t src_pool[] = {
	0x0a090001, 0x0a090002, 0xc0000201, 0x00000000,
};

static uint32_t pick_addr(void)
{
	if (rng_pct(&rng, 90))
		return htonl(src_pool[rng_below(&rng, 4)]);
	return (uint32_t)rng_next(&rng);
}

/*
 * IPv6 ends: hosts, and some that are none (multicast, loopback,
 * IPv4-mapped); not the unspecified address, which no run depends on.
 */
static const char *const addr6_pool[] = {
	"2001:db8:9::1", "2001:db8:9::2", "fe80::1", "ff02::1", "::1",
	"::ffff:10.9.0.1",
};

static struct in6_addr addr6(const char *text)
{
	struct in6_addr a;

	inet_pton(AF_INET6, text, &a);
	return a;
}

static struct in6_addr pick_addr6(void)
{
	struct in6_addr a;

	if (rng_pct(&rng, 90))
		return addr6(addr6_pool[rng_below(&rng, sizeof(addr6_pool) /
						    sizeof(addr6_pool[0]))]);
	rng_bytes(&rng, &a, sizeof(a));
	a.s6_addr[0] = 0x20;	/* global unicast */
	return a;
}

static uint8_t pick_family(unsigned int pct6)
{
	return rng_pct(&rng, pct6) ? AF_INET6 : AF_INET;
}

static uint8_t other_family(uint8_t family)
{
	return family == AF_INET ? AF_INET6 : AF_INET;
}

static bool in6_eq(const struct in6_addr *a, const struct in6_addr *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static uint8_t pick_proto(void)
{
	if (rng_pct(&rng, 90))
		return rng_pct(&rng, 60) ? IPPROTO_ESP : IPPROTO_AH;
	return rng_below(&rng, 256);
}

static uint32_t pick_spi(void)
{
	unsigned int r = rng_below(&rng, 100);

	if (r < 85)
		return htonl(NFSEC_SPI_MIN + rng_below(&rng, 16));
	if (r < 92)
		return htonl(rng_below(&rng, NFSEC_SPI_MIN));
	return (uint32_t)rng_next(&rng);
}

/* Mostly small values near the limits, sometimes anything. */
static uint64_t pick_u64(void)
{
	static const uint64_t v[] = { 0, 1, 2, 63, 64, 4096, 4097, 0xffffffff,
				      0x100000000ULL, ~0ULL };

	if (rng_pct(&rng, 70))
		return v[rng_below(&rng, sizeof(v) / sizeof(v[0]))];
	return rng_next(&rng) >> rng_below(&rng, 64);
}

static void rec(struct mb *m)
{
	if (m->n < MAX_OFFS)
		m->offs[m->n++] = m->nlh->nlmsg_len;
}

static void put(struct mb *m, uint16_t type, size_t len, const void *data)
{
	rec(m);
	mnl_attr_put(m->nlh, type, len, data);
}

static void put_u8(struct mb *m, uint16_t type, uint8_t v)
{
	put(m, type, 1, &v);
}

static void put_u16(struct mb *m, uint16_t type, uint16_t v)
{
	put(m, type, 2, &v);
}

static void put_u32(struct mb *m, uint16_t type, uint32_t v)
{
	put(m, type, 4, &v);
}

static void put_u64(struct mb *m, uint16_t type, uint64_t v)
{
	put(m, type, 8, &v);
}

static void put_str(struct mb *m, uint16_t type, const char *s)
{
	put(m, type, strlen(s) + 1, s);
}

static struct nlattr *nest(struct mb *m, uint16_t type)
{
	rec(m);
	return mnl_attr_nest_start(m->nlh, type);
}

/* An IPv6 address attribute, of a wrong length if @len is not 16. */
static void put_in6(struct mb *m, uint16_t type, const struct in6_addr *a,
		    unsigned int len)
{
	uint8_t buf[24] = { 0 };

	memcpy(buf, a, sizeof(*a));
	put(m, type, len, buf);
}

/* A wrong length for an IPv6 address, now and then; else 16. */
static unsigned int pick_len6(bool *bad)
{
	static const unsigned int lens[] = { 0, 4, 8, 15, 17, 20 };

	if (!rng_pct(&rng, 3))
		return 16;
	*bad = true;
	return lens[rng_below(&rng, sizeof(lens) / sizeof(lens[0]))];
}

/* The address of @family as @type (IPv4) or @type6; its twin sometimes. */
static void put_addr(struct mb *m, uint16_t type, uint16_t type6,
		     uint8_t family, uint32_t a4, const struct in6_addr *a6,
		     bool *bad)
{
	struct in6_addr twin6 = pick_addr6();

	if (family == AF_INET6)
		put_in6(m, type6, a6, pick_len6(bad));
	else
		put_u32(m, type, a4);
	if (rng_pct(&rng, 3)) {
		*bad = true;
		if (family == AF_INET6)
			put_u32(m, type, pick_addr());
		else
			put_in6(m, type6, &twin6, 16);
	}
}

static void put_key(struct mb *m, struct gen *g, bool complete)
{
	struct sa_key k = { 0 };

	if (model.nsa && rng_pct(&rng, 60)) {
		k = model.sa[rng_below(&rng, model.nsa)];
	} else {
		k.proto = pick_proto();
		k.family = pick_family(25);
		if (k.family == AF_INET6)
			k.src6 = pick_addr6();
		else
			k.src = pick_addr();
		k.spi = pick_spi();
	}
	g->has_key = true;
	g->key = k;
	if (!complete || !rng_pct(&rng, 4))
		put_u8(m, NFSEC_SA_A_PROTO, k.proto);
	else
		g->has_key = false;
	if (!complete || !rng_pct(&rng, 4))
		put_addr(m, NFSEC_SA_A_SRC, NFSEC_SA_A_SRC6, k.family, k.src,
			 &k.src6, &g->key_bad);
	else
		g->has_key = false;
	if (!complete || !rng_pct(&rng, 4))
		put_u32(m, NFSEC_SA_A_SPI, k.spi);
	else
		g->has_key = false;
}

/* A key the kernel takes: ESP or AH, an SPI above the reserved ones. */
static bool key_ok(const struct sa_key *k)
{
	return (k->proto == IPPROTO_ESP || k->proto == IPPROTO_AH) &&
	       ntohl(k->spi) >= NFSEC_SPI_MIN;
}

struct alg_choice {
	const char *enc;
	unsigned int enc_len;
	const char *auth;
	unsigned int auth_len;
};

static const struct alg_choice esp_algs[] = {
	{ "aes-gcm", 20, NULL, 0 },
	{ "aes-gcm", 36, NULL, 0 },
	{ "chacha20-poly1305", 36, NULL, 0 },
	{ "aes-gmac", 20, NULL, 0 },
	{ "aes-cbc", 16, "hmac-sha256", 32 },
	{ "aes-cbc", 32, "hmac-sha512", 64 },
	{ "null", 0, "hmac-sha256", 32 },
	{ "null", 0, "hmac-sha1", 20 },
	{ "aes-cbc", 24, "hmac-sha384", 48 },
};

static const char *const odd_names[] = {
	"des", "3des-cbc", "hmac-md5", "md5", "", "aes", "AES-GCM",
	"aes-gcm ", "hmac-sha256", "aes-cbc", "null", "chacha20-poly1305",
	"0123456789012345678901234567890",
	"01234567890123456789012345678901",
};

/* Puts an algorithm name (or an odd one); out: the name, nul: with NUL. */
static void put_name(struct mb *m, uint16_t type, const char *name, char *out,
		     bool *nul)
{
	*nul = true;
	if (!rng_pct(&rng, 92)) {
		name = odd_names[rng_below(&rng, sizeof(odd_names) / sizeof(*odd_names))];
		*nul = !rng_pct(&rng, 20);
	}
	snprintf(out, 40, "%s", name);
	if (*nul)
		put_str(m, type, name);
	else
		put(m, type, strlen(name), name);
}

/* Puts a key of len bytes (or of a random length); returns its length. */
static int put_keybytes(struct mb *m, uint16_t type, unsigned int len)
{
	uint8_t key[160];

	if (rng_pct(&rng, 8))
		len = rng_below(&rng, sizeof(key));
	rng_bytes(&rng, key, len);
	put(m, type, len, key);
	return len;
}

static void gen_sa_add(struct mb *m, struct gen *g)
{
	struct nlattr *sa = nest(m, NFSEC_A_SA), *lft;
	struct sa_req *r = &g->sr;
	const struct alg_choice *a;
	int i;

	r->enc_len = r->auth_len = -1;
	put_key(m, g, true);
	if (!rng_pct(&rng, 4)) {
		r->dst = true;
		/* Now and then of the other family than the source's. */
		r->dst_family = rng_pct(&rng, 4) ? other_family(g->key.family) :
						   g->key.family;
		if (r->dst_family == AF_INET6)
			r->dst6 = pick_addr6();
		else
			r->dst_addr = pick_addr();
		put_addr(m, NFSEC_SA_A_DST, NFSEC_SA_A_DST6, r->dst_family,
			 r->dst_addr, &r->dst6, &r->dst_twin);
	}
	/* AH over IPv6: the kernel may not have it (yet). */
	g->unsure = g->key.family == AF_INET6 && g->key.proto == IPPROTO_AH;
	if (rng_pct(&rng, 30)) {
		r->mode_p = true;
		r->mode = rng_pct(&rng, 90) ? rng_below(&rng, 2) : rng_below(&rng, 256);
		put_u8(m, NFSEC_SA_A_MODE, r->mode);
	}
	a = &esp_algs[rng_below(&rng, sizeof(esp_algs) / sizeof(*esp_algs))];
	if (g->key.proto == IPPROTO_AH && rng_pct(&rng, 90)) {
		static const struct alg_choice ah[] = {
			{ NULL, 0, "hmac-sha256", 32 },
			{ NULL, 0, "hmac-sha1", 20 },
			{ NULL, 0, "hmac-sha512", 64 },
		};
		a = &ah[rng_below(&rng, 3)];
	}
	if (a->enc && !rng_pct(&rng, 3)) {
		r->enc_p = true;
		put_name(m, NFSEC_SA_A_ENC_ALG, a->enc, r->enc, &r->enc_nul);
		if (a->enc_len || rng_pct(&rng, 5))
			r->enc_len = put_keybytes(m, NFSEC_SA_A_ENC_KEY, a->enc_len);
	}
	if ((a->auth && !rng_pct(&rng, 3)) || rng_pct(&rng, 3)) {
		r->auth_p = true;
		put_name(m, NFSEC_SA_A_AUTH_ALG, a->auth ? a->auth : "hmac-sha256",
			 r->auth, &r->auth_nul);
		r->auth_len = put_keybytes(m, NFSEC_SA_A_AUTH_KEY,
					   a->auth ? a->auth_len : 32);
	}
	if (rng_pct(&rng, 15)) {
		static const uint16_t bits[] = { 64, 96, 128, 192, 256, 0, 8 };

		r->icv_p = true;
		r->icv = rng_pct(&rng, 90) ? bits[rng_below(&rng, 7)] :
					     rng_below(&rng, 65536);
		put_u16(m, NFSEC_SA_A_ICV_BITS, r->icv);
	}
	if (rng_pct(&rng, 20)) {
		r->win_p = true;
		r->win = pick_u64();
		put_u32(m, NFSEC_SA_A_REPLAY_WINDOW, r->win);
	}
	if (rng_pct(&rng, 15)) {
		r->flags_p = true;
		r->flags = rng_pct(&rng, 80) ? rng_below(&rng, 2) :
					       (uint32_t)rng_next(&rng);
		put_u32(m, NFSEC_SA_A_FLAGS, r->flags);
	}
	if (rng_pct(&rng, 10)) {
		r->seq_p = true;
		r->seq = pick_u64();
		put_u64(m, NFSEC_SA_A_SEQ, r->seq);
	}
	if (rng_pct(&rng, 15)) {
		lft = nest(m, NFSEC_SA_A_LIFETIME);
		for (i = NFSEC_LFT_A_SOFT_BYTES; i <= NFSEC_LFT_A_MAX; i++) {
			uint64_t v = pick_u64();

			if (!rng_pct(&rng, 40))
				continue;
			put_u64(m, i, v);
			r->lft[i] = v;
			if (i == NFSEC_LFT_A_HARD_SECONDS)
				g->hard_s = v;
		}
		mnl_attr_nest_end(m->nlh, lft);
	}
	if (rng_pct(&rng, 3)) {
		/* Attributes only the kernel writes. */
		r->reject = true;
		put_u16(m, NFSEC_SA_A_ENC_KEY_BITS + rng_below(&rng, 5), 1);
	}
	mnl_attr_nest_end(m->nlh, sa);
}

/*
 * The algorithms as RFC 8221 and RFC 8247 rank them and nfsec names them:
 * what each is, where it may be used, its key lengths (salt apart) and
 * ICV lengths, the first being the default. Refused ones are named too.
 */
enum { ALG_AEAD, ALG_CIPHER, ALG_INTEG };

static const struct model_alg {
	const char *name;
	int kind;
	bool ok, esp, ah;
	unsigned int salt, keys[3], icv[3];
} model_algs[] = {
	{ "aes-gcm", ALG_AEAD, true, true, false, 4, { 16, 24, 32 }, { 128, 96, 64 } },
	{ "chacha20-poly1305", ALG_AEAD, true, true, false, 4, { 32 }, { 128 } },
	{ "aes-gmac", ALG_AEAD, true, true, true, 4, { 16, 24, 32 }, { 128 } },
	{ "aes-cbc", ALG_CIPHER, true, true, false, 0, { 16, 24, 32 }, { 0 } },
	{ "null", ALG_CIPHER, true, true, false, 0, { 0 }, { 0 } },
	{ "hmac-sha256", ALG_INTEG, true, true, true, 0, { 32 }, { 128 } },
	{ "hmac-sha384", ALG_INTEG, true, true, true, 0, { 48 }, { 192 } },
	{ "hmac-sha512", ALG_INTEG, true, true, true, 0, { 64 }, { 256 } },
	{ "hmac-sha1", ALG_INTEG, true, true, true, 0, { 20 }, { 96 } },
	{ .name = "des" }, { .name = "des-cbc" }, { .name = "3des" },
	{ .name = "3des-cbc" }, { .name = "md5" }, { .name = "hmac-md5" },
};

/* The algorithm named as put (with its NUL), or NULL. */
static const struct model_alg *find_alg(const char *name, bool nul)
{
	unsigned int i;

	for (i = 0; nul && i < sizeof(model_algs) / sizeof(*model_algs); i++)
		if (!strcmp(model_algs[i].name, name))
			return &model_algs[i];
	return NULL;
}

/* A key attribute of len bytes (-1: none) for a. */
static bool alg_key_ok(const struct model_alg *a, int len)
{
	unsigned int i;

	if (len < 0)
		len = 0;
	if (!a->keys[0])
		return len == 0;
	for (i = 0; i < 3 && a->keys[i]; i++)
		if ((unsigned int)len == a->salt + a->keys[i])
			return true;
	return false;
}

static bool alg_icv_ok(const struct model_alg *a, unsigned int bits)
{
	unsigned int i;

	for (i = 0; i < 3 && a->icv[i]; i++)
		if (a->icv[i] == bits)
			return true;
	return false;
}

/*
 * Whether the kernel takes the SA_ADD g (EEXIST apart); if it does, the SA
 * it will dump goes into sa.
 */
/*
 * An SA's ends are unicast: not in 0.0.0.0/8, multicast or 240.0.0.0/4
 * (which holds the limited broadcast).
 */
static bool unicast(uint32_t addr)
{
	uint8_t first = ntohl(addr) >> 24;

	return first != 0 && first < 224;
}

/* And IPv6 ones: not multicast, loopback or IPv4-mapped (nor ::). */
static bool unicast6(const struct in6_addr *a)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	static const struct in6_addr loopback = IN6ADDR_LOOPBACK_INIT;

	return !in6_eq(a, &any) && !in6_eq(a, &loopback) &&
	       a->s6_addr[0] != 0xff && !IN6_IS_ADDR_V4MAPPED(a);
}

/* Both ends of an SA, of one family, are unicast hosts. */
static bool sa_ends_ok(const struct sa_key *k, const struct sa_req *r)
{
	if (r->dst_family != k->family)
		return false;
	if (k->family == AF_INET6)
		return unicast6(&k->src6) && unicast6(&r->dst6);
	return unicast(k->src) && unicast(r->dst_addr);
}

static bool sa_add_ok(const struct gen *g, struct sa_key *sa)
{
	const struct sa_req *r = &g->sr;
	const struct model_alg *enc = NULL, *auth = NULL, *icv;
	bool esp = g->key.proto == IPPROTO_ESP;
	uint32_t flags = r->flags_p ? r->flags : 0;

	if (!g->has_key || g->key_bad || !key_ok(&g->key) || !r->dst ||
	    r->dst_twin || r->reject || !sa_ends_ok(&g->key, r) ||
	    (r->mode_p && r->mode > NFSEC_MODE_MAX) ||
	    (r->win_p && r->win > NFSEC_REPLAY_WINDOW_MAX) ||
	    (flags & ~__NFSEC_SA_F_ALL) ||
	    (r->seq_p && !(flags & NFSEC_SA_F_ESN) && r->seq > 0xffffffffULL))
		return false;
	if ((r->lft[NFSEC_LFT_A_HARD_BYTES] &&
	     r->lft[NFSEC_LFT_A_SOFT_BYTES] > r->lft[NFSEC_LFT_A_HARD_BYTES]) ||
	    (r->lft[NFSEC_LFT_A_HARD_PACKETS] &&
	     r->lft[NFSEC_LFT_A_SOFT_PACKETS] > r->lft[NFSEC_LFT_A_HARD_PACKETS]) ||
	    (r->lft[NFSEC_LFT_A_HARD_SECONDS] &&
	     r->lft[NFSEC_LFT_A_SOFT_SECONDS] > r->lft[NFSEC_LFT_A_HARD_SECONDS]))
		return false;
	if (esp) {
		/* A cipher or a combined mode, integrity apart from an AEAD. */
		enc = r->enc_p ? find_alg(r->enc, r->enc_nul) : NULL;
		if (!enc || !enc->ok || !enc->esp || enc->kind == ALG_INTEG ||
		    !alg_key_ok(enc, r->enc_len))
			return false;
		if (enc->kind == ALG_AEAD ? r->auth_p : !r->auth_p)
			return false;
	} else if (r->enc_p || r->enc_len >= 0 || !r->auth_p) {
		return false;	/* AH does not encrypt */
	}
	if (r->auth_p) {
		auth = find_alg(r->auth, r->auth_nul);
		if (!auth || !auth->ok || !(esp ? auth->esp : auth->ah) ||
		    (auth->kind != ALG_INTEG && (esp || !auth->ah)) ||
		    !alg_key_ok(auth, r->auth_len))
			return false;
	} else if (r->auth_len >= 0) {
		return false;
	}
	icv = enc && enc->kind == ALG_AEAD ? enc : auth;
	if (r->icv_p && !alg_icv_ok(icv, r->icv))
		return false;

	*sa = g->key;
	sa->dst = r->dst_family == AF_INET ? r->dst_addr : 0;
	memset(&sa->dst6, 0, sizeof(sa->dst6));
	if (r->dst_family == AF_INET6)
		sa->dst6 = r->dst6;
	sa->mode = r->mode_p ? r->mode : NFSEC_MODE_TRANSPORT;
	snprintf(sa->enc, sizeof(sa->enc), "%s", enc ? enc->name : "");
	sa->enc_bits = enc ? (r->enc_len > 0 ? r->enc_len - enc->salt : 0) * 8 : 0;
	snprintf(sa->auth, sizeof(sa->auth), "%s", auth ? auth->name : "");
	sa->auth_bits = auth ? r->auth_len * 8 : 0;
	sa->icv_bits = r->icv_p ? r->icv : icv->icv[0];
	sa->window = r->win_p ? r->win : NFSEC_REPLAY_WINDOW_DEFAULT;
	sa->flags = flags;
	sa->seq = r->seq_p ? r->seq : 0;
	memcpy(sa->lft, r->lft, sizeof(sa->lft));
	return true;
}

/* One end of a policy's selectors as put. */
struct end_put {
	bool a4, a6;		/* the IPv4 attribute, the IPv6 one */
	bool bad_len;		/* the IPv6 one not of 16 bytes */
	uint32_t addr;		/* network order */
	struct in6_addr addr6;
	uint8_t plen;
};

/* The prefix of an end (src, else dst) of @family, sometimes its twin too. */
static void put_prefix(struct mb *m, bool src, uint8_t family,
		       struct end_put *e)
{
	static const struct { uint32_t a; uint8_t l; } pfx[] = {
		{ 0x0a090000, 16 }, { 0x0a090001, 32 }, { 0, 0 },
		{ 0xc0000200, 24 }, { 0x0a090001, 16 },	/* host bits */
		{ 0x0a000000, 8 }, { 0, 33 },
	};
	static const struct { const char *a; uint8_t l; } pfx6[] = {
		{ "2001:db8:9::", 48 }, { "2001:db8:9::1", 128 }, { "::", 0 },
		{ "fe80::", 10 }, { "2001:db8::", 33 },
		{ "2001:db8:9::1", 64 }, { "2001:db8:9::", 47 },	/* host bits */
		{ "::", 129 },
	};
	uint16_t atype = src ? NFSEC_POL_A_SRC : NFSEC_POL_A_DST;
	uint16_t atype6 = src ? NFSEC_POL_A_SRC6 : NFSEC_POL_A_DST6;
	uint16_t ltype = src ? NFSEC_POL_A_SRC_PLEN : NFSEC_POL_A_DST_PLEN;
	static const struct in6_addr any = IN6ADDR_ANY_INIT;
	unsigned int i;

	memset(e, 0, sizeof(*e));
	if (family == AF_INET6) {
		i = rng_below(&rng, sizeof(pfx6) / sizeof(pfx6[0]));
		e->addr6 = addr6(pfx6[i].a);
		e->plen = pfx6[i].l;
		if (rng_pct(&rng, 5)) {
			rng_bytes(&rng, &e->addr6, sizeof(e->addr6));
			e->plen = rng_below(&rng, 140);
		}
		if (rng_pct(&rng, 80) || !in6_eq(&e->addr6, &any)) {
			e->a6 = true;
			put_in6(m, atype6, &e->addr6, pick_len6(&e->bad_len));
		}
	} else {
		i = rng_below(&rng, sizeof(pfx) / sizeof(pfx[0]));
		e->addr = htonl(pfx[i].a);
		e->plen = pfx[i].l;
		if (rng_pct(&rng, 5)) {
			e->addr = (uint32_t)rng_next(&rng);
			e->plen = rng_below(&rng, 40);
		}
		if (rng_pct(&rng, 80) || e->addr) {
			e->a4 = true;
			put_u32(m, atype, e->addr);
		}
	}
	if (rng_pct(&rng, 80) || e->plen)
		put_u8(m, ltype, e->plen);
	/*
	 * Now and then the other family's attribute too (where the end's
	 * own is left out, the policy may be of the twin's family).
	 */
	if (rng_pct(&rng, 2)) {
		if (family == AF_INET6) {
			e->a4 = true;
			e->addr = pick_addr();
			put_u32(m, atype, e->addr);
		} else {
			e->a6 = true;
			e->addr6 = pick_addr6();
			put_in6(m, atype6, &e->addr6, 16);
		}
	}
}

/* A prefix the kernel takes: 0 to 32 bits, no host bits. */
static bool prefix_ok(uint32_t addr, uint8_t plen)
{
	if (plen > 32)
		return false;
	return !(ntohl(addr) & (plen ? ~(0xffffffffU << (32 - plen)) : ~0U));
}

/* The same of IPv6: 0 to 128 bits, no host bits. */
static bool prefix6_ok(const struct in6_addr *a, uint8_t plen)
{
	unsigned int i;

	if (plen > 128)
		return false;
	for (i = plen / 8; i < 16; i++)
		if (a->s6_addr[i] & (i == plen / 8 ? 0xff >> (plen % 8) : 0xff))
			return false;
	return true;
}

/*
 * An end the kernel takes in a policy of @family: only the attributes of
 * that family, of their length, a prefix of it (an absent address is 0).
 */
static bool end_ok(const struct end_put *e, uint8_t family)
{
	static const struct in6_addr any = IN6ADDR_ANY_INIT;

	if (e->bad_len || e->plen > 128)
		return false;
	if (family == AF_INET6)
		return !e->a4 && prefix6_ok(e->a6 ? &e->addr6 : &any, e->plen);
	return !e->a6 && prefix_ok(e->a4 ? e->addr : 0, e->plen);
}

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

/* The selectors of a policy; fills g->pol with their canonical form. */
static void put_selectors(struct mb *m, struct gen *g)
{
	static const uint8_t protos[] = { 0, 6, 17, 50, 51, 132, 1 };
	struct pol *p = &g->pol;
	bool ports, put_ports = false, fam_p, fam_ok = true;
	uint8_t fam = pick_family(25), fam_val = fam;
	struct end_put se, de;

	memset(p, 0, sizeof(*p));
	g->has_pol = true;
	p->dir = rng_pct(&rng, 95) ? rng_below(&rng, 2) : rng_below(&rng, 256);
	if (!rng_pct(&rng, 3))
		put_u8(m, NFSEC_POL_A_DIR, p->dir);
	else
		g->has_pol = false;
	/* The family: said or not; rarely of neither kind, or not a u8. */
	fam_p = rng_pct(&rng, fam == AF_INET6 ? 50 : 15);
	if (fam_p) {
		if (rng_pct(&rng, 3))
			fam_val = rng_below(&rng, 256);
		if (rng_pct(&rng, 3)) {
			put_u16(m, NFSEC_POL_A_FAMILY, fam_val);
			fam_ok = false;
		} else {
			put_u8(m, NFSEC_POL_A_FAMILY, fam_val);
		}
	}
	/* Each end of the family, or now and then of the other. */
	put_prefix(m, true, rng_pct(&rng, 4) ? other_family(fam) : fam, &se);
	put_prefix(m, false, rng_pct(&rng, 4) ? other_family(fam) : fam, &de);
	/* The family the kernel takes: said, else that of the addresses. */
	p->family = fam_p ? fam_val : se.a6 || de.a6 ? AF_INET6 : AF_INET;
	fam_ok = fam_ok && (p->family == AF_INET || p->family == AF_INET6) &&
		 end_ok(&se, p->family) && end_ok(&de, p->family);
	if (p->family == AF_INET6) {
		if (se.a6)
			p->saddr6 = se.addr6;
		if (de.a6)
			p->daddr6 = de.addr6;
	} else {
		p->saddr = se.a4 ? se.addr : 0;
		p->daddr = de.a4 ? de.addr : 0;
	}
	p->splen = se.plen;
	p->dplen = de.plen;
	p->proto = rng_pct(&rng, 95) ? protos[rng_below(&rng, 7)] :
				       rng_below(&rng, 256);
	if (p->proto || rng_pct(&rng, 50))
		put_u8(m, NFSEC_POL_A_PROTO, p->proto);
	ports = has_ports(p->proto) ? rng_pct(&rng, 60) : rng_pct(&rng, 5);
	p->sp_max = p->dp_max = 0xffff;
	if (ports) {
		if (rng_pct(&rng, 50)) {
			put_ports = true;
			p->sp_min = p->sp_max = rng_below(&rng, 4) * 1000;
			put_u16(m, NFSEC_POL_A_SPORT_MIN, p->sp_min);
			if (rng_pct(&rng, 50)) {
				p->sp_max = rng_pct(&rng, 90) ?
					    p->sp_min + rng_below(&rng, 3) :
					    rng_below(&rng, 65536);
				put_u16(m, NFSEC_POL_A_SPORT_MAX, p->sp_max);
			}
		}
		if (rng_pct(&rng, 50)) {
			put_ports = true;
			p->dp_min = p->dp_max = 500 + rng_below(&rng, 3);
			put_u16(m, NFSEC_POL_A_DPORT_MIN, p->dp_min);
		}
		if (rng_pct(&rng, 20)) {
			put_ports = true;
			p->dp_max = rng_below(&rng, 65536);
			put_u16(m, NFSEC_POL_A_DPORT_MAX, p->dp_max);
		}
	}
	p->prio = rng_pct(&rng, 95) ? rng_below(&rng, 3) : (uint32_t)rng_next(&rng);
	if (p->prio || rng_pct(&rng, 50))
		put_u32(m, NFSEC_POL_A_PRIORITY, p->prio);
	/* What the kernel takes: a direction, prefixes, ports where they are. */
	g->pol_ok = g->has_pol && p->dir <= NFSEC_DIR_MAX && fam_ok &&
		    (!put_ports || has_ports(p->proto)) &&
		    p->sp_min <= p->sp_max && p->dp_min <= p->dp_max;
}

static int find_sa(const struct model *d, const struct sa_key *k);

static void gen_pol_add(struct mb *m, struct gen *g)
{
	struct nlattr *pn = nest(m, NFSEC_A_POLICY), *sn;
	struct gen kg = { 0 };
	bool protect, sa = false, sa_ok = false;
	int j;

	put_selectors(m, g);
	g->pol.action = rng_pct(&rng, 95) ? rng_below(&rng, 3) :
					    rng_below(&rng, 256);
	if (!rng_pct(&rng, 3))
		put_u8(m, NFSEC_POL_A_ACTION, g->pol.action);
	else
		g->has_pol = false;
	protect = g->pol.action == NFSEC_ACTION_PROTECT;
	if (protect != rng_pct(&rng, 5)) {
		sa = true;
		sn = nest(m, NFSEC_POL_A_SA);
		put_key(m, &kg, true);
		sa_ok = kg.has_key && !kg.key_bad && key_ok(&kg.key);
		if (rng_pct(&rng, 3)) {
			struct in6_addr d6 = pick_addr6();

			if (rng_pct(&rng, 50))
				put_u32(m, NFSEC_SA_A_DST, pick_addr());
			else
				put_in6(m, NFSEC_SA_A_DST6, &d6, 16);
			sa_ok = false;	/* only the key belongs there */
		}
		mnl_attr_nest_end(m->nlh, sn);
		if (protect) {
			g->pol.sa_proto = kg.key.proto;
			g->pol.sa_family = kg.key.family;
			g->pol.sa_src = kg.key.src;
			g->pol.sa_src6 = kg.key.src6;
			g->pol.sa_spi = kg.key.spi;
		}
		/*
		 * An SA that is there must carry the policy's packets: a
		 * transport SA only its own family's.
		 */
		j = sa_ok ? find_sa(&model, &kg.key) : -1;
		if (protect && j >= 0 &&
		    model.sa[j].mode == NFSEC_MODE_TRANSPORT &&
		    model.sa[j].family != g->pol.family) {
			if (may_have_expired(&model.sa[j]))
				g->unsure = true;
			else
				sa_ok = false;
		}
	}
	if (rng_pct(&rng, 3)) {
		put_u32(m, NFSEC_POL_A_INDEX, rng_below(&rng, 10));
		g->pol_ok = false;	/* the kernel assigns it */
	}
	g->pol_ok = g->pol_ok && g->has_pol && g->pol.action <= NFSEC_ACTION_MAX &&
		    (protect ? sa && sa_ok : !sa);
	mnl_attr_nest_end(m->nlh, pn);
}

static void gen_pol_del(struct mb *m, struct gen *g)
{
	struct nlattr *pn = nest(m, NFSEC_A_POLICY);

	if (rng_pct(&rng, 50)) {
		g->by_index = true;
		g->index = model.npol && rng_pct(&rng, 70) ?
			   model.pol[rng_below(&rng, model.npol)].index :
			   rng_below(&rng, 2000);
		put_u32(m, NFSEC_POL_A_INDEX, g->index);
		if (rng_pct(&rng, 5)) {
			uint8_t dir = rng_below(&rng, 3);

			/* The policy table checks it where the index decides. */
			put_u8(m, NFSEC_POL_A_DIR, dir);
			g->index_dir_bad = dir > NFSEC_DIR_MAX;
		}
	} else {
		put_selectors(m, g);
	}
	mnl_attr_nest_end(m->nlh, pn);
}

static void gen_flush(struct mb *m, struct gen *g, uint16_t top,
		      uint16_t type, int n_valid)
{
	struct nlattr *n;

	g->filter = -1;
	g->filter_ok = true;
	if (rng_pct(&rng, 50))
		return;
	n = nest(m, top);
	if (rng_pct(&rng, 80)) {
		if (top == NFSEC_A_SA)
			g->filter = rng_pct(&rng, 90) ? IPPROTO_ESP +
				    (int)rng_below(&rng, n_valid) :
				    (int)rng_below(&rng, 256);
		else
			g->filter = rng_pct(&rng, 90) ? (int)rng_below(&rng, n_valid) :
				    (int)rng_below(&rng, 256);
		put_u8(m, type, g->filter);
		g->filter_ok = top == NFSEC_A_SA ?
			(g->filter == IPPROTO_ESP || g->filter == IPPROTO_AH) :
			g->filter <= NFSEC_DIR_MAX;
	}
	if (rng_pct(&rng, 5)) {
		put_u32(m, type + 1, 0);
		g->filter_ok = false;
	}
	mnl_attr_nest_end(m->nlh, n);
}

static void put_flags_attr(struct mb *m, struct gen *g)
{
	uint32_t f;

	if (!rng_pct(&rng, 30))
		return;
	f = rng_pct(&rng, 80) ? rng_below(&rng, 2) : (uint32_t)rng_next(&rng);
	put_u32(m, NFSEC_A_FLAGS, f);
	g->flags_bad = f & ~__NFSEC_F_ALL;
}

/* Random attributes, sometimes nested a few levels. */
static void put_junk(struct mb *m, int depth)
{
	uint8_t data[96];
	uint16_t type = rng_below(&rng, 40);
	unsigned int len = rng_below(&rng, sizeof(data));
	struct nlattr *n;
	int i, k;

	if (rng_pct(&rng, 10))
		type |= NLA_F_NESTED;
	if (rng_pct(&rng, 5))
		type |= NLA_F_NET_BYTEORDER;
	if (depth < 3 && rng_pct(&rng, 25)) {
		n = nest(m, type & ~NLA_F_NESTED);
		k = 1 + rng_below(&rng, 3);
		for (i = 0; i < k; i++)
			put_junk(m, depth + 1);
		mnl_attr_nest_end(m->nlh, n);
		return;
	}
	if (rng_pct(&rng, 50))
		len = 1 << rng_below(&rng, 4);
	rng_bytes(&rng, data, len);
	put(m, type, len, data);
}

/* Builds the request of command cmd into nl.buf; fills g. */
static void generate(struct mb *m, struct gen *g, uint8_t cmd)
{
	struct nlattr *n;
	int i, k;

	memset(g, 0, sizeof(*g));
	g->cmd = cmd;
	g->dump = cmd == NFSEC_CMD_POLICY_GET ||
		  (cmd == NFSEC_CMD_SA_GET && rng_pct(&rng, 50));
	if (rng_pct(&rng, 5))
		g->dump = !g->dump;
	m->n = 0;
	m->nlh = nl_req(&nl, cmd, g->dump ? NLM_F_DUMP : 0);

	switch (cmd) {
	case NFSEC_CMD_SA_ADD:
		gen_sa_add(m, g);
		break;
	case NFSEC_CMD_SA_DEL:
	case NFSEC_CMD_SA_GET:
		if (cmd == NFSEC_CMD_SA_GET)
			put_flags_attr(m, g);
		if (g->dump && rng_pct(&rng, 80))
			break;
		n = nest(m, NFSEC_A_SA);
		put_key(m, g, true);
		/* Not part of the key: the kernel passes over them. */
		if (rng_pct(&rng, 5)) {
			struct in6_addr d6 = pick_addr6();

			if (rng_pct(&rng, 50))
				put_u32(m, NFSEC_SA_A_DST, pick_addr());
			else
				put_in6(m, NFSEC_SA_A_DST6, &d6, 16);
		}
		mnl_attr_nest_end(m->nlh, n);
		break;
	case NFSEC_CMD_SA_FLUSH:
		gen_flush(m, g, NFSEC_A_SA, NFSEC_SA_A_PROTO, 2);
		break;
	case NFSEC_CMD_POLICY_ADD:
		gen_pol_add(m, g);
		break;
	case NFSEC_CMD_POLICY_DEL:
		gen_pol_del(m, g);
		break;
	case NFSEC_CMD_POLICY_FLUSH:
		gen_flush(m, g, NFSEC_A_POLICY, NFSEC_POL_A_DIR, 2);
		break;
	case NFSEC_CMD_GET_VERSION:
	case NFSEC_CMD_GET_STATS:
	case NFSEC_CMD_POLICY_GET:
		break;
	default:
		k = rng_below(&rng, 4);
		for (i = 0; i < k; i++)
			put_junk(m, 0);
		break;
	}
}

/* One to three byte-level mutations of the request. */
static void mutate(struct mb *m, struct gen *g)
{
	struct nlmsghdr *nlh = m->nlh;
	struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	uint8_t *base = (uint8_t *)nlh;
	const uint32_t start = NLMSG_HDRLEN + GENL_HDRLEN;
	unsigned int k = 1 + rng_below(&rng, 3), i;
	struct nlattr *a;
	uint32_t len, off;

	g->mutated = true;
	n_mut++;
	for (i = 0; i < k; i++) {
		len = nlh->nlmsg_len;
		switch (rng_below(&rng, 10)) {
		case 0:	/* an attribute's type */
			if (!m->n)
				break;
			a = (struct nlattr *)(base + m->offs[rng_below(&rng, m->n)]);
			if ((uint8_t *)a + 4 > base + len)
				break;
			a->nla_type = rng_pct(&rng, 50) ?
				      (uint16_t)(a->nla_type ^ (1U << rng_below(&rng, 16))) :
				      rng_below(&rng, 32);
			break;
		case 1:	/* an attribute's length */
			if (!m->n)
				break;
			a = (struct nlattr *)(base + m->offs[rng_below(&rng, m->n)]);
			if ((uint8_t *)a + 4 > base + len)
				break;
			a->nla_len = rng_pct(&rng, 50) ?
				     (uint16_t)(a->nla_len + rng_below(&rng, 17) - 8) :
				     rng_below(&rng, len + 16);
			break;
		case 2:	/* bytes after the genl header */
		case 3:
			if (len <= start)
				break;
			off = start + rng_below(&rng, len - start);
			base[off] = rng_pct(&rng, 50) ?
				    (uint8_t)(base[off] ^ (1U << rng_below(&rng, 8))) :
				    (uint8_t)rng_next(&rng);
			break;
		case 4:	/* truncation, the genl header included */
			if (rng_pct(&rng, 10))
				nlh->nlmsg_len = NLMSG_HDRLEN +
						 rng_below(&rng, GENL_HDRLEN);
			else if (len > start)
				nlh->nlmsg_len = start + rng_below(&rng, len - start);
			break;
		case 5:	/* junk attributes appended */
			put_junk(m, 0);
			break;
		case 6:	/* everything wrapped in one more nest */
			if (len <= start || len + 4 > FUZZ_BUFSZ / 2)
				break;
			memmove(base + start + 4, base + start, len - start);
			a = (struct nlattr *)(base + start);
			a->nla_len = len - start + 4;
			a->nla_type = rng_pct(&rng, 50) ? NFSEC_A_SA + rng_below(&rng, 2) :
				      rng_below(&rng, 16);
			if (rng_pct(&rng, 30))
				a->nla_type |= NLA_F_NESTED;
			nlh->nlmsg_len = len + 4;
			for (off = 0; off < m->n; off++)
				m->offs[off] += 4;
			break;
		case 7:	/* netlink flags */
			nlh->nlmsg_flags |= 1 << rng_below(&rng, 16);
			break;
		case 8:	/* genl header fields */
			if (rng_pct(&rng, 50))
				gh->reserved = rng_next(&rng);
			else
				gh->version = rng_next(&rng);
			break;
		case 9:	/* a datagram shorter than nlmsg_len */
			if (rng_pct(&rng, 20))
				g->short_dgram = true;
			else
				put_junk(m, 0);
			break;
		}
	}
}

static const bool has_doit[NFSEC_CMD_MAX + 1] = {
	[NFSEC_CMD_GET_VERSION] = true, [NFSEC_CMD_SA_ADD] = true,
	[NFSEC_CMD_SA_DEL] = true, [NFSEC_CMD_SA_GET] = true,
	[NFSEC_CMD_SA_FLUSH] = true, [NFSEC_CMD_POLICY_ADD] = true,
	[NFSEC_CMD_POLICY_DEL] = true, [NFSEC_CMD_POLICY_FLUSH] = true,
	[NFSEC_CMD_GET_STATS] = true, [NFSEC_CMD_SA_ALLOC_SPI] = true,
};

static const bool has_dumpit[NFSEC_CMD_MAX + 1] = {
	[NFSEC_CMD_SA_GET] = true, [NFSEC_CMD_POLICY_GET] = true,
};

/*
 * From 6.2 on, the generic netlink core looks the command's do or dump
 * operation up before it checks the permission: a request for the variant
 * a command lacks gets EOPNOTSUPP even without CAP_NET_ADMIN. Before, the
 * permission came first.
 */
static bool variant_first(void)
{
	static int cached = -1;
	struct utsname u;
	int major = 0, minor = 0;

	if (cached < 0) {
		if (uname(&u) == 0)
			sscanf(u.release, "%d.%d", &major, &minor);
		cached = major > 6 || (major == 6 && minor >= 2);
	}
	return cached;
}

/*
 * The error the generic netlink core returns before nfsec sees the request,
 * without an extended-ack message, or 0 if it reaches nfsec (or the core
 * answers with a message).
 */
static int core_error(const struct nlmsghdr *nlh, bool priv)
{
	const struct genlmsghdr *gh = mnl_nlmsg_get_payload(nlh);
	uint16_t flags = nlh->nlmsg_flags;
	bool dump;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EINVAL;
	dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
	if (gh->cmd >= NFSEC_CMD_GET_VERSION) {
		if (gh->reserved)
			return 0;	/* EINVAL with a message */
		if (dump)
			flags &= ~NLM_F_DUMP;
		if (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO))
			return 0;	/* EINVAL with a message */
	}
	if (gh->cmd > NFSEC_CMD_MAX ||
	    (!has_doit[gh->cmd] && !has_dumpit[gh->cmd]))
		return -EOPNOTSUPP;
	if (variant_first() && (dump ? !has_dumpit[gh->cmd] : !has_doit[gh->cmd]))
		return -EOPNOTSUPP;
	if (!priv && gh->cmd != NFSEC_CMD_GET_VERSION)
		return -EPERM;
	if (dump ? !has_dumpit[gh->cmd] : !has_doit[gh->cmd])
		return -EOPNOTSUPP;
	return 0;
}

static void hexdump(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len && i < 512; i++)
		printf("%02x%s", p[i], (i + 1) % 32 ? "" : "\n");
	printf("\n");
}

/* Dumps --------------------------------------------------------------- */

static void sa_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct model *d = arg;
	const struct nlattr *sa = nl_attr(nlh, NFSEC_A_SA), *a;
	struct sa_key k = { 0 };

	if (!sa || d->nsa >= MAX_SA)
		return;
	if ((a = nl_nested(sa, NFSEC_SA_A_PROTO)))
		k.proto = mnl_attr_get_u8(a);
	k.family = AF_INET;
	if ((a = nl_nested(sa, NFSEC_SA_A_SRC)))
		k.src = mnl_attr_get_u32(a);
	if ((a = nl_nested(sa, NFSEC_SA_A_SRC6)) &&
	    mnl_attr_get_payload_len(a) == sizeof(k.src6)) {
		k.family = AF_INET6;
		memcpy(&k.src6, mnl_attr_get_payload(a), sizeof(k.src6));
	}
	if ((a = nl_nested(sa, NFSEC_SA_A_SPI)))
		k.spi = mnl_attr_get_u32(a);
	if ((a = nl_nested(sa, NFSEC_SA_A_DST)))
		k.dst = mnl_attr_get_u32(a);
	if ((a = nl_nested(sa, NFSEC_SA_A_DST6)) &&
	    mnl_attr_get_payload_len(a) == sizeof(k.dst6))
		memcpy(&k.dst6, mnl_attr_get_payload(a), sizeof(k.dst6));
	if ((a = nl_nested(sa, NFSEC_SA_A_MODE)))
		k.mode = mnl_attr_get_u8(a);
	if ((a = nl_nested(sa, NFSEC_SA_A_ENC_ALG)))
		snprintf(k.enc, sizeof(k.enc), "%.*s",
			 (int)mnl_attr_get_payload_len(a), (char *)mnl_attr_get_payload(a));
	if ((a = nl_nested(sa, NFSEC_SA_A_AUTH_ALG)))
		snprintf(k.auth, sizeof(k.auth), "%.*s",
			 (int)mnl_attr_get_payload_len(a), (char *)mnl_attr_get_payload(a));
	if ((a = nl_nested(sa, NFSEC_SA_A_ENC_KEY_BITS)))
		k.enc_bits = mnl_attr_get_u16(a);
	if ((a = nl_nested(sa, NFSEC_SA_A_AUTH_KEY_BITS)))
		k.auth_bits = mnl_attr_get_u16(a);
	if ((a = nl_nested(sa, NFSEC_SA_A_ICV_BITS)))
		k.icv_bits = mnl_attr_get_u16(a);
	if ((a = nl_nested(sa, NFSEC_SA_A_REPLAY_WINDOW)))
		k.window = mnl_attr_get_u32(a);
	if ((a = nl_nested(sa, NFSEC_SA_A_FLAGS)))
		k.flags = mnl_attr_get_u32(a);
	if ((a = nl_nested(sa, NFSEC_SA_A_SEQ)))
		k.seq = mnl_attr_get_u64(a);
	if ((a = nl_nested(sa, NFSEC_SA_A_LIFETIME))) {
		const struct nlattr *l;

		mnl_attr_for_each_nested(l, a)
			if (mnl_attr_get_type(l) >= 1 &&
			    mnl_attr_get_type(l) <= NFSEC_LFT_A_MAX)
				k.lft[mnl_attr_get_type(l)] = mnl_attr_get_u64(l);
	}
	if (k.lft[NFSEC_LFT_A_HARD_SECONDS]) {
		uint64_t age = 0;

		if ((a = nl_nested(sa, NFSEC_SA_A_AGE)))
			age = mnl_attr_get_u64(a);
		k.expires = expiry(now_ms() - age * 1000,
				   k.lft[NFSEC_LFT_A_HARD_SECONDS]);
	}
	d->sa[d->nsa++] = k;
}

static void pol_dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct model *d = arg;
	const struct nlattr *pn = nl_attr(nlh, NFSEC_A_POLICY), *a;
	struct pol p = { 0 };

	if (!pn || d->npol >= MAX_POL)
		return;
	mnl_attr_for_each_nested(a, pn) {
		switch (mnl_attr_get_type(a)) {
		case NFSEC_POL_A_INDEX: p.index = mnl_attr_get_u32(a); break;
		case NFSEC_POL_A_DIR: p.dir = mnl_attr_get_u8(a); break;
		case NFSEC_POL_A_FAMILY: p.family = mnl_attr_get_u8(a); break;
		case NFSEC_POL_A_SRC6:
			if (mnl_attr_get_payload_len(a) == sizeof(p.saddr6))
				memcpy(&p.saddr6, mnl_attr_get_payload(a),
				       sizeof(p.saddr6));
			break;
		case NFSEC_POL_A_DST6:
			if (mnl_attr_get_payload_len(a) == sizeof(p.daddr6))
				memcpy(&p.daddr6, mnl_attr_get_payload(a),
				       sizeof(p.daddr6));
			break;
		case NFSEC_POL_A_SRC: p.saddr = mnl_attr_get_u32(a); break;
		case NFSEC_POL_A_SRC_PLEN: p.splen = mnl_attr_get_u8(a); break;
		case NFSEC_POL_A_DST: p.daddr = mnl_attr_get_u32(a); break;
		case NFSEC_POL_A_DST_PLEN: p.dplen = mnl_attr_get_u8(a); break;
		case NFSEC_POL_A_PROTO: p.proto = mnl_attr_get_u8(a); break;
		case NFSEC_POL_A_SPORT_MIN: p.sp_min = mnl_attr_get_u16(a); break;
		case NFSEC_POL_A_SPORT_MAX: p.sp_max = mnl_attr_get_u16(a); break;
		case NFSEC_POL_A_DPORT_MIN: p.dp_min = mnl_attr_get_u16(a); break;
		case NFSEC_POL_A_DPORT_MAX: p.dp_max = mnl_attr_get_u16(a); break;
		case NFSEC_POL_A_ACTION: p.action = mnl_attr_get_u8(a); break;
		case NFSEC_POL_A_PRIORITY: p.prio = mnl_attr_get_u32(a); break;
		case NFSEC_POL_A_SA: {
			const struct nlattr *k;

			if ((k = nl_nested(a, NFSEC_SA_A_PROTO)))
				p.sa_proto = mnl_attr_get_u8(k);
			if ((k = nl_nested(a, NFSEC_SA_A_SRC))) {
				p.sa_family = AF_INET;
				p.sa_src = mnl_attr_get_u32(k);
			}
			if ((k = nl_nested(a, NFSEC_SA_A_SRC6)) &&
			    mnl_attr_get_payload_len(k) == sizeof(p.sa_src6)) {
				p.sa_family = AF_INET6;
				memcpy(&p.sa_src6, mnl_attr_get_payload(k),
				       sizeof(p.sa_src6));
			}
			if ((k = nl_nested(a, NFSEC_SA_A_SPI)))
				p.sa_spi = mnl_attr_get_u32(k);
			break;
		}
		}
	}
	d->pol[d->npol++] = p;
}

/* The kernel's databases into d; false if a dump failed. */
static bool dump_all(struct model *d)
{
	struct answer a;

	memset(d, 0, sizeof(*d));
	nl_req(&nl, NFSEC_CMD_SA_GET, NLM_F_DUMP);
	if (nl_talk(&nl, &a, sa_dump_cb, d) || a.err || a.intr) {
		FAIL("SA dump failed: %d %s", a.err, a.msg);
		return false;
	}
	nl_req(&nl, NFSEC_CMD_POLICY_GET, NLM_F_DUMP);
	if (nl_talk(&nl, &a, pol_dump_cb, d) || a.err || a.intr) {
		FAIL("policy dump failed: %d %s", a.err, a.msg);
		return false;
	}
	return true;
}

static bool key_eq(const struct sa_key *a, const struct sa_key *b)
{
	return a->proto == b->proto && a->family == b->family &&
	       a->src == b->src && in6_eq(&a->src6, &b->src6) &&
	       a->spi == b->spi;
}

static int find_sa(const struct model *d, const struct sa_key *k)
{
	unsigned int i;

	for (i = 0; i < d->nsa; i++)
		if (key_eq(&d->sa[i], k))
			return i;
	return -1;
}

/* Everything a dump shows of an SA but its counters, state and age. */
static bool sa_same(const struct sa_key *a, const struct sa_key *b)
{
	return key_eq(a, b) && a->dst == b->dst && in6_eq(&a->dst6, &b->dst6) &&
	       a->mode == b->mode &&
	       !strcmp(a->enc, b->enc) && !strcmp(a->auth, b->auth) &&
	       a->enc_bits == b->enc_bits && a->auth_bits == b->auth_bits &&
	       a->icv_bits == b->icv_bits && a->window == b->window &&
	       a->flags == b->flags && a->seq == b->seq &&
	       !memcmp(a->lft, b->lft, sizeof(a->lft));
}

static void print_sa(const char *who, const struct sa_key *k)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];

	inet_ntop(k->family == AF_INET6 ? AF_INET6 : AF_INET,
		  k->family == AF_INET6 ? (const void *)&k->src6 : (const void *)&k->src,
		  src, sizeof(src));
	inet_ntop(k->family == AF_INET6 ? AF_INET6 : AF_INET,
		  k->family == AF_INET6 ? (const void *)&k->dst6 : (const void *)&k->dst,
		  dst, sizeof(dst));
	printf("#   %s: proto %u family %u src %s spi %08x dst %s mode %u enc '%s' %u bits auth '%s' %u bits icv %u window %u flags %#x seq %llu lifetimes %llu %llu %llu %llu %llu %llu\n",
	       who, k->proto, k->family, src, ntohl(k->spi), dst, k->mode,
	       k->enc, k->enc_bits, k->auth, k->auth_bits, k->icv_bits, k->window,
	       k->flags, (unsigned long long)k->seq,
	       (unsigned long long)k->lft[1], (unsigned long long)k->lft[2],
	       (unsigned long long)k->lft[3], (unsigned long long)k->lft[4],
	       (unsigned long long)k->lft[5], (unsigned long long)k->lft[6]);
}

/* Same direction, selectors and priority (what EEXIST is about). */
static bool pol_same(const struct pol *a, const struct pol *b)
{
	return a->dir == b->dir && a->family == b->family &&
	       a->saddr == b->saddr && in6_eq(&a->saddr6, &b->saddr6) &&
	       a->daddr == b->daddr && in6_eq(&a->daddr6, &b->daddr6) &&
	       a->splen == b->splen &&
	       a->dplen == b->dplen && a->proto == b->proto &&
	       a->sp_min == b->sp_min && a->sp_max == b->sp_max &&
	       a->dp_min == b->dp_min && a->dp_max == b->dp_max &&
	       a->prio == b->prio;
}

static int find_pol_index(const struct model *d, uint32_t index)
{
	unsigned int i;

	for (i = 0; i < d->npol; i++)
		if (d->pol[i].index == index)
			return i;
	return -1;
}

static int find_pol_sel(const struct model *d, const struct pol *p)
{
	unsigned int i;

	for (i = 0; i < d->npol; i++)
		if (pol_same(&d->pol[i], p))
			return i;
	return -1;
}

/* How a has changed into b: SAs and policies added and removed. */
struct diff {
	unsigned int sa_add, sa_del, pol_add, pol_del;
};

static struct diff diff(const struct model *a, const struct model *b)
{
	struct diff d = { 0 };
	unsigned int i;
	int j;

	for (i = 0; i < a->nsa; i++)
		if (find_sa(b, &a->sa[i]) < 0)
			d.sa_del++;
	for (i = 0; i < b->nsa; i++)
		if (find_sa(a, &b->sa[i]) < 0)
			d.sa_add++;
	for (i = 0; i < a->npol; i++) {
		j = find_pol_index(b, a->pol[i].index);
		if (j < 0)
			d.pol_del++;
		else if (!pol_same(&a->pol[i], &b->pol[j]) ||
			 a->pol[i].action != b->pol[j].action ||
			 a->pol[i].sa_proto != b->pol[j].sa_proto ||
			 a->pol[i].sa_family != b->pol[j].sa_family ||
			 a->pol[i].sa_src != b->pol[j].sa_src ||
			 !in6_eq(&a->pol[i].sa_src6, &b->pol[j].sa_src6) ||
			 a->pol[i].sa_spi != b->pol[j].sa_spi)
			d.pol_add += 1000;	/* changed in place */
	}
	for (i = 0; i < b->npol; i++)
		if (find_pol_index(a, b->pol[i].index) < 0)
			d.pol_add++;
	return d;
}

/*
 * Drops the SAs of the model that the dump d lacks and whose lifetime may
 * be over; returns how many (a request may have deleted them instead).
 */
static unsigned int prune_expired(const struct model *d)
{
	unsigned int i, n = 0;

	for (i = 0; i < model.nsa; i++)
		if (find_sa(d, &model.sa[i]) < 0 && may_have_expired(&model.sa[i])) {
			model.sa[i--] = model.sa[--model.nsa];
			n_expired++;
			n++;
		}
	return n;
}

static bool check_model(const char *when)
{
	static struct model d;
	struct diff df;
	bool ok = true;
	unsigned int i;
	int j;

	if (!dump_all(&d))
		return false;
	prune_expired(&d);
	df = diff(&model, &d);
	if (df.sa_add || df.sa_del || df.pol_add || df.pol_del ||
	    d.nsa != model.nsa || d.npol != model.npol) {
		FAIL("%s: the dump differs from the model: SAs %u (model %u, +%u -%u), policies %u (model %u, +%u -%u)",
		     when, d.nsa, model.nsa, df.sa_add, df.sa_del, d.npol,
		     model.npol, df.pol_add, df.pol_del);
		model = d;
		return false;
	}
	/* The same SAs: with the same algorithms, mode, window, lifetimes... */
	for (i = 0; i < model.nsa; i++) {
		j = find_sa(&d, &model.sa[i]);
		if (j >= 0 && !sa_same(&model.sa[i], &d.sa[j])) {
			FAIL("%s: an SA of the dump differs from the model's", when);
			print_sa("model", &model.sa[i]);
			print_sa("dump", &d.sa[j]);
			ok = false;
		}
	}
	return ok;
}

/* The model after a request that was accepted ------------------------ */

/* How many the flush g deletes; lasting: only SAs that cannot expire. */
static unsigned int count_filter(const struct gen *g, bool lasting)
{
	unsigned int i, n = 0;

	if (g->cmd == NFSEC_CMD_SA_FLUSH) {
		for (i = 0; i < model.nsa; i++)
			n += (g->filter < 0 || model.sa[i].proto == g->filter) &&
			     !(lasting && may_have_expired(&model.sa[i]));
		return n;
	}
	for (i = 0; i < model.npol; i++)
		n += g->filter < 0 || model.pol[i].dir == g->filter;
	return n;
}

static void remove_filter(const struct gen *g)
{
	unsigned int i, j = 0;

	if (g->cmd == NFSEC_CMD_SA_FLUSH) {
		for (i = 0; i < model.nsa; i++)
			if (!(g->filter < 0 || model.sa[i].proto == g->filter))
				model.sa[j++] = model.sa[i];
		model.nsa = j;
		return;
	}
	for (i = 0; i < model.npol; i++)
		if (!(g->filter < 0 || model.pol[i].dir == g->filter))
			model.pol[j++] = model.pol[i];
	model.npol = j;
}

struct reply {
	bool has_count;
	uint32_t count;
	bool has_index;
	uint32_t index;
};

static void reply_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct reply *r = arg;
	const struct nlattr *a = nl_attr(nlh, NFSEC_A_COUNT), *p;

	if (a) {
		r->has_count = true;
		r->count = mnl_attr_get_u32(a);
	}
	a = nl_attr(nlh, NFSEC_A_POLICY);
	if (a && (p = nl_nested(a, NFSEC_POL_A_INDEX))) {
		r->has_index = true;
		r->index = mnl_attr_get_u32(p);
	}
}

/* A mutated request was accepted: it may only have done what cmd does. */
static void resync(unsigned long i, const struct gen *g, const struct reply *r)
{
	unsigned int gone;
	struct model d;
	struct diff df;
	bool ok = true;

	n_resync++;
	if (!dump_all(&d))
		return;
	/* Deleted by the request or by their lifetime: either may be. */
	gone = prune_expired(&d);
	df = diff(&model, &d);
	switch (g->cmd) {
	case NFSEC_CMD_SA_ADD:
		ok = df.sa_add == 1 && !df.sa_del && !df.pol_add && !df.pol_del;
		break;
	case NFSEC_CMD_SA_DEL:
		ok = (df.sa_del == 1 || (!df.sa_del && gone)) &&
		     !df.sa_add && !df.pol_add && !df.pol_del;
		break;
	case NFSEC_CMD_SA_FLUSH:
		ok = !df.sa_add && !df.pol_add && !df.pol_del && r->has_count &&
		     r->count >= df.sa_del && r->count <= df.sa_del + gone;
		break;
	case NFSEC_CMD_POLICY_ADD:
		ok = df.pol_add == 1 && !df.pol_del && !df.sa_add && !df.sa_del &&
		     r->has_index && find_pol_index(&d, r->index) >= 0;
		break;
	case NFSEC_CMD_POLICY_DEL:
		ok = df.pol_del == 1 && !df.pol_add && !df.sa_add && !df.sa_del;
		break;
	case NFSEC_CMD_POLICY_FLUSH:
		ok = !df.pol_add && !df.sa_add && !df.sa_del &&
		     r->has_count && r->count == df.pol_del;
		break;
	default:
		ok = !df.sa_add && !df.sa_del && !df.pol_add && !df.pol_del;
		break;
	}
	if (!ok)
		FAIL("request %lu (cmd %u, mutated, accepted): the databases changed by SA +%u -%u, policy +%u -%u; reply count %d, model %u SAs before, %u after, %u gone that may have expired",
		     i, g->cmd, df.sa_add, df.sa_del, df.pol_add, df.pol_del,
		     r->has_count ? (int)r->count : -1, model.nsa, d.nsa, gone);
	model = d;
}

/*
 * Whether an unmutated request is one the kernel takes, leaving aside what
 * depends on the databases (EEXIST, ENOENT); sa: what an SA_ADD adds.
 */
static bool valid(const struct gen *g, struct sa_key *sa)
{
	switch (g->cmd) {
	case NFSEC_CMD_SA_ADD:
		return sa_add_ok(g, sa);
	case NFSEC_CMD_SA_DEL:
	case NFSEC_CMD_SA_GET:
		if (g->flags_bad)
			return false;
		return g->dump || (g->has_key && !g->key_bad && key_ok(&g->key));
	case NFSEC_CMD_SA_FLUSH:
	case NFSEC_CMD_POLICY_FLUSH:
		return g->filter_ok;
	case NFSEC_CMD_POLICY_ADD:
		return g->pol_ok;
	case NFSEC_CMD_POLICY_DEL:
		return (g->by_index && !g->index_dir_bad) || g->pol_ok;
	case NFSEC_CMD_SA_ALLOC_SPI:
		return false;	/* random attributes, never a whole request */
	default:
		return true;	/* no attributes */
	}
}

/* An unmutated request was answered: the answer must fit the model. */
static void apply(unsigned long i, const struct gen *g, const struct answer *a,
		  const struct reply *r, uint64_t t0)
{
	struct sa_key sa = { 0 };
	bool ok = valid(g, &sa);
	int j;

	/* What the model cannot tell is as the kernel says. */
	if (ok && g->unsure && a->err && a->err != -EEXIST)
		ok = false;

	/* Refused for what the databases hold, or for the request itself. */
	if (!a->err && !ok)
		FAIL("request %lu (cmd %u): accepted, but it is not a valid request", i, g->cmd);
	if (a->err && ok && a->err != -EEXIST && a->err != -ENOENT)
		FAIL("request %lu (cmd %u): a valid request refused: %d (%s)",
		     i, g->cmd, a->err, a->msg);
	if (a->err && !ok)
		return;
	if ((a->err == -EEXIST && g->cmd != NFSEC_CMD_SA_ADD &&
	     g->cmd != NFSEC_CMD_POLICY_ADD) ||
	    (a->err == -ENOENT && g->cmd != NFSEC_CMD_SA_DEL &&
	     g->cmd != NFSEC_CMD_SA_GET && g->cmd != NFSEC_CMD_POLICY_DEL))
		FAIL("request %lu (cmd %u): %d (%s) is not about the databases",
		     i, g->cmd, a->err, a->msg);

	switch (g->cmd) {
	case NFSEC_CMD_SA_ADD:
		j = find_sa(&model, &g->key);
		if (!a->err && j >= 0 && may_have_expired(&model.sa[j]))
			model.sa[j] = model.sa[--model.nsa];	/* it did */
		else if (!a->err && j >= 0)
			FAIL("request %lu: SA added twice (expected EEXIST)", i);
		if (a->err == -EEXIST && j < 0)
			FAIL("request %lu: EEXIST for an SA the model lacks", i);
		if (!a->err)
			n_sa6 += sa.family == AF_INET6;
		if (!a->err && model.nsa < MAX_SA) {
			model.sa[model.nsa] = sa;
			model.sa[model.nsa++].expires = expiry(t0, g->hard_s);
		}
		break;
	case NFSEC_CMD_SA_DEL:
	case NFSEC_CMD_SA_GET:
		if (g->dump) {
			if (!a->err && a->replies != model.nsa)
				FAIL("request %lu: SA dump of %u, the model holds %u",
				     i, a->replies, model.nsa);
			break;
		}
		if (!g->has_key || (a->err && a->err != -ENOENT))
			break;
		j = find_sa(&model, &g->key);
		if (!a->err && j < 0)
			FAIL("request %lu: cmd %u found an SA the model lacks", i, g->cmd);
		if (a->err == -ENOENT && j >= 0 && !may_have_expired(&model.sa[j]))
			FAIL("request %lu: ENOENT for an SA of the model", i);
		if (j >= 0 && (a->err == -ENOENT || g->cmd == NFSEC_CMD_SA_DEL))
			model.sa[j] = model.sa[--model.nsa];
		break;
	case NFSEC_CMD_SA_FLUSH:
	case NFSEC_CMD_POLICY_FLUSH:
		if (a->err)
			break;
		if (!g->filter_ok)
			FAIL("request %lu: flush with an invalid filter accepted", i);
		else if (!r->has_count || r->count > count_filter(g, false) ||
			 r->count < count_filter(g, true))
			FAIL("request %lu: flush deleted %u, the model expected %u",
			     i, r->count, count_filter(g, false));
		remove_filter(g);
		break;
	case NFSEC_CMD_POLICY_ADD:
		if (!a->err && !g->has_pol)
			FAIL("request %lu: policy added without direction or action", i);
		if (!g->has_pol)
			break;
		j = find_pol_sel(&model, &g->pol);
		if (!a->err && j >= 0)
			FAIL("request %lu: policy added twice (expected EEXIST)", i);
		if (a->err == -EEXIST && j < 0)
			FAIL("request %lu: EEXIST for a policy the model lacks", i);
		if (!a->err) {
			n_pol6 += g->pol.family == AF_INET6;
			if (!r->has_index || find_pol_index(&model, r->index) >= 0)
				FAIL("request %lu: policy add replied no or a used index", i);
			if (model.npol < MAX_POL) {
				model.pol[model.npol] = g->pol;
				model.pol[model.npol++].index = r->index;
			}
		}
		break;
	case NFSEC_CMD_POLICY_DEL:
		if (a->err && a->err != -ENOENT)
			break;
		if (g->by_index)
			j = find_pol_index(&model, g->index);
		else if (g->has_pol)
			j = find_pol_sel(&model, &g->pol);
		else
			break;
		if (!a->err && j < 0)
			FAIL("request %lu: deleted a policy the model lacks", i);
		if (a->err == -ENOENT && j >= 0)
			FAIL("request %lu: ENOENT for a policy of the model", i);
		if (!a->err && j >= 0)
			model.pol[j] = model.pol[--model.npol];
		break;
	case NFSEC_CMD_POLICY_GET:
		if (!a->err && g->dump && a->replies != model.npol)
			FAIL("request %lu: policy dump of %u, the model holds %u",
			     i, a->replies, model.npol);
		break;
	}
}

static uint8_t pick_cmd(void)
{
	static const uint8_t cmds[] = {
		NFSEC_CMD_GET_VERSION, NFSEC_CMD_SA_ADD, NFSEC_CMD_SA_ADD,
		NFSEC_CMD_SA_ADD, NFSEC_CMD_SA_ADD, NFSEC_CMD_SA_DEL, NFSEC_CMD_SA_GET,
		NFSEC_CMD_SA_FLUSH, NFSEC_CMD_POLICY_ADD, NFSEC_CMD_POLICY_ADD,
		NFSEC_CMD_POLICY_ADD, NFSEC_CMD_POLICY_DEL,
		NFSEC_CMD_POLICY_DEL, NFSEC_CMD_POLICY_GET,
		NFSEC_CMD_POLICY_FLUSH, NFSEC_CMD_GET_STATS,
		NFSEC_CMD_SA_DEL, NFSEC_CMD_SA_GET,
	};

	if (rng_pct(&rng, 4))
		return rng_pct(&rng, 50) ? rng_below(&rng, 256) :
		       rng_pct(&rng, 50) ? NFSEC_CMD_EVENT : NFSEC_CMD_UNSPEC;
	/* Flushes are rarer, so that the databases fill up. */
	for (;;) {
		uint8_t c = cmds[rng_below(&rng, sizeof(cmds))];

		if ((c != NFSEC_CMD_SA_FLUSH && c != NFSEC_CMD_POLICY_FLUSH) ||
		    rng_pct(&rng, 10))
			return c;
	}
}

/* After a request netlink ignores: the socket must still be in step. */
static void check_in_step(unsigned long i)
{
	struct answer a;

	nl_req(&nl, NFSEC_CMD_GET_VERSION, 0);
	if (nl_talk(&nl, &a, NULL, NULL) || !a.answered || a.err || a.replies != 1)
		FAIL("request %lu: GET_VERSION after an ignored datagram: err %d, %u replies",
		     i, a.err, a.replies);
}

/* One request: generate, mutate, send, judge. */
static void one(unsigned long i, bool priv)
{
	struct gen g;
	struct mb m;
	struct answer a;
	struct reply r = { 0 };
	int expect, ret;
	uint64_t t0;
	size_t len;

	generate(&m, &g, pick_cmd());
	if (rng_pct(&rng, 45))
		mutate(&m, &g);
	len = m.nlh->nlmsg_len;
	if (g.short_dgram && len > NLMSG_HDRLEN)
		len = NLMSG_HDRLEN + rng_below(&rng, len - NLMSG_HDRLEN);
	else
		g.short_dgram = false;
	expect = core_error(m.nlh, priv);
	n_sent++;
	t0 = now_ms();

	if (g.short_dgram) {
		/* Netlink drops it silently: the next request shows whether. */
		if (mnl_socket_sendto(nl.sock, nl.buf, len) < 0)
			FAIL("request %lu: send: %s", i, strerror(errno));
		n_unanswered++;
		check_in_step(i);
		return;
	}
	ret = nl_talk_len(&nl, len, &a, reply_cb, &r);
	if (ret) {
		FAIL("request %lu: socket error %s", i, strerror(errno));
		return;
	}
	if (verbose)
		printf("# %lu cmd %u%s%s: %d %s\n", i, g.cmd, g.dump ? " dump" : "",
		       g.mutated ? " mutated" : "", a.err, a.msg);
	if (a.err > 0 || a.err < -255) {
		FAIL("request %lu: not an errno: %d", i, a.err);
		return;
	}
	n_errno[-a.err]++;
	if (expect) {
		n_core++;
		if (a.err != expect)
			FAIL("request %lu (cmd %u): expected %s from the genl core, got %d (%s)",
			     i, g.cmd, strerror(-expect), a.err, a.msg);
		return;
	}
	if (!priv && !a.err && g.cmd != NFSEC_CMD_GET_VERSION)
		FAIL("request %lu: cmd %u accepted without CAP_NET_ADMIN", i, g.cmd);
	if (a.err) {
		n_err++;
		if (!a.msg[0]) {
			FAIL("request %lu (cmd %u%s): error %d (%s) without an extack message",
			     i, g.cmd, g.mutated ? ", mutated" : "", a.err,
			     strerror(-a.err));
			hexdump(nl.buf, len);
		}
	} else {
		n_ok++;
		if (g.cmd <= NFSEC_CMD_MAX)
			n_cmd_ok[g.cmd]++;
	}
	if (!priv)
		return;
	if (g.mutated) {
		if (!a.err && g.cmd != NFSEC_CMD_GET_VERSION &&
		    g.cmd != NFSEC_CMD_GET_STATS && g.cmd != NFSEC_CMD_SA_GET &&
		    g.cmd != NFSEC_CMD_POLICY_GET)
			resync(i, &g, &r);
		return;
	}
	apply(i, &g, &a, &r, t0);
}

/*
 * Tops the databases up to POPULATE SAs and policies of their own, so that
 * dumps span many messages and lookups search full tables. Their SPIs and
 * priorities lie outside what the generator picks at random; the model
 * knows them, so requests still find them.
 */
#define POPULATE 150

static void populate(void)
{
	static const uint8_t key[20] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
					 7, 7, 7, 7, 7, 7, 1, 2, 3, 4 };
	struct answer a;
	struct reply r;
	struct nlattr *n;
	struct nlmsghdr *nlh;
	struct sa_key k;
	struct pol p;
	unsigned int i;

	for (i = 0; i < POPULATE; i++) {
		memset(&k, 0, sizeof(k));
		k.proto = IPPROTO_ESP;
		k.family = AF_INET;
		k.src = htonl(0x0a0a0000 + i);
		k.spi = htonl(0x10000 + i);
		k.dst = htonl(0x0a0b0001);
		strcpy(k.enc, "aes-gcm");
		k.enc_bits = 128;
		k.icv_bits = 128;
		k.window = NFSEC_REPLAY_WINDOW_DEFAULT;
		if (find_sa(&model, &k) >= 0 || model.nsa >= MAX_SA)
			continue;
		nlh = nl_req(&nl, NFSEC_CMD_SA_ADD, 0);
		n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
		mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, k.proto);
		mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, k.src);
		mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, k.spi);
		mnl_attr_put_u32(nlh, NFSEC_SA_A_DST, k.dst);
		mnl_attr_put_strz(nlh, NFSEC_SA_A_ENC_ALG, "aes-gcm");
		mnl_attr_put(nlh, NFSEC_SA_A_ENC_KEY, sizeof(key), key);
		mnl_attr_nest_end(nlh, n);
		if (nl_talk(&nl, &a, NULL, NULL) || a.err) {
			FAIL("populating: SA add: %d %s", a.err, a.msg);
			return;
		}
		model.sa[model.nsa++] = k;
	}
	for (i = 0; i < POPULATE; i++) {
		memset(&p, 0, sizeof(p));
		p.dir = i & 1;
		p.family = AF_INET;
		p.saddr = htonl(0x0a0a0000 + i);
		p.splen = 32;
		p.sp_max = p.dp_max = 0xffff;
		p.action = NFSEC_ACTION_DISCARD;
		p.prio = 1000 + i;
		if (find_pol_sel(&model, &p) >= 0 || model.npol >= MAX_POL)
			continue;
		nlh = nl_req(&nl, NFSEC_CMD_POLICY_ADD, 0);
		n = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
		mnl_attr_put_u8(nlh, NFSEC_POL_A_DIR, p.dir);
		mnl_attr_put_u32(nlh, NFSEC_POL_A_SRC, p.saddr);
		mnl_attr_put_u8(nlh, NFSEC_POL_A_SRC_PLEN, p.splen);
		mnl_attr_put_u8(nlh, NFSEC_POL_A_ACTION, p.action);
		mnl_attr_put_u32(nlh, NFSEC_POL_A_PRIORITY, p.prio);
		mnl_attr_nest_end(nlh, n);
		memset(&r, 0, sizeof(r));
		if (nl_talk(&nl, &a, reply_cb, &r) || a.err || !r.has_index) {
			FAIL("populating: policy add: %d %s", a.err, a.msg);
			return;
		}
		p.index = r.index;
		model.pol[model.npol++] = p;
	}
}

/*
 * count requests from a child that lacks CAP_NET_ADMIN over the namespace
 * (how: "nobody" or "userns"); then the databases must be unchanged.
 */
static void unprivileged(const char *how, unsigned long first,
			 unsigned long count)
{
	unsigned long i;
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		FAIL("fork: %s", strerror(errno));
		return;
	}
	if (!pid) {
		/* A seed of its own, derived from the parent's state. */
		rng.s ^= 0x5bd1e995ULL * first;
		if (!strcmp(how, "nobody")) {
			if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
			    setresuid(65534, 65534, 65534)) {
				printf("FAIL: dropping privileges: %s\n", strerror(errno));
				_exit(1);
			}
		} else if (unshare(CLONE_NEWUSER)) {
			printf("FAIL: unshare(CLONE_NEWUSER): %s\n", strerror(errno));
			_exit(1);
		}
		/* A new socket: its opener's credentials are checked. */
		nl_close(&nl);
		if (nl_open(&nl)) {
			printf("FAIL: %s: cannot open the nfsec family\n", how);
			_exit(1);
		}
		failures = 0;
		n_sent = n_ok = n_err = n_core = n_mut = n_unanswered = 0;
		for (i = 0; i < count && failures < 10; i++)
			one(first + i, false);
		printf("# unprivileged (%s): %lu requests, %lu accepted, %lu core errors, %lu errors\n",
		       how, count, n_ok, n_core, n_err);
		fflush(stdout);
		_exit(failures ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		FAIL("unprivileged (%s) requests failed", how);
	n_unpriv += count;
	check_model(how);
}

int main(int argc, char **argv)
{
	struct fuzz_opts o = { .count = 2000 };
	unsigned long i, unpriv, e, min_ok;
	struct answer a;
	int k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (k = 1; k < argc; k++) {
		if (fuzz_opt(&o, argc, argv, &k))
			continue;
		if (!strcmp(argv[k], "--verbose")) {
			verbose = true;
			continue;
		}
		fprintf(stderr, "usage: %s [--seed N] [--count N] [--verbose]\n",
			argv[0]);
		return 2;
	}
	fuzz_seed(&o, "fuzz_netlink");
	rng.s = o.seed;
	if (geteuid()) {
		printf("SKIP: needs root\n");
		return 4;
	}
	if (nl_open(&nl)) {
		printf("SKIP: the nfsec generic netlink family is not there\n");
		return 4;
	}
	nl_req(&nl, NFSEC_CMD_SA_FLUSH, 0);
	nl_talk(&nl, &a, NULL, NULL);
	nl_req(&nl, NFSEC_CMD_POLICY_FLUSH, 0);
	nl_talk(&nl, &a, NULL, NULL);
	memset(&model, 0, sizeof(model));
	check_model("start");
	populate();
	check_model("populated");

	/* A tenth of the requests come from unprivileged children. */
	unpriv = o.count / 10;
	for (i = 0; i < o.count - unpriv && failures < 10; i++) {
		one(i, true);
		if ((i + 1) % 256 == 0)
			check_model("periodic");
		if ((i + 1) % 2048 == 0) {
			populate();
			check_model("populated");
		}
		if ((i + 1) % 10000 == 0)
			printf("# %lu requests, %u SAs, %u policies\n", i + 1,
			       model.nsa, model.npol);
		if (i == (o.count - unpriv) / 3)
			unprivileged("nobody", o.count - unpriv, unpriv / 2);
		if (i == 2 * (o.count - unpriv) / 3)
			unprivileged("userns", o.count - unpriv / 2,
				     unpriv - unpriv / 2);
	}
	check_model("end");

	printf("# sent %lu (%lu unprivileged, %lu mutated): accepted %lu, nfsec errors %lu, core errors %lu, ignored datagrams %lu, resyncs %lu\n",
	       n_sent + n_unpriv, n_unpriv, n_mut, n_ok, n_err, n_core,
	       n_unanswered, n_resync);
	printf("# errnos:");
	for (e = 1; e < 256; e++)
		if (n_errno[e])
			printf(" %s=%lu", strerrorname_np(e) ?: "?", n_errno[e]);
	printf("\n# accepted per command:");
	for (e = 1; e <= NFSEC_CMD_MAX; e++)
		printf(" %lu=%lu", e, n_cmd_ok[e]);
	printf("\n# final: %u SAs, %u policies; %lu SAs ended by their hard lifetime\n",
	       model.nsa, model.npol, n_expired);
	printf("# IPv6: %lu SAs and %lu policies added\n", n_sa6, n_pol6);
	/*
	 * Each command was accepted often enough to have been tested at all:
	 * a tenth of a percent of the privileged requests (flushes, the
	 * rarest, are about one percent).
	 */
	min_ok = (o.count - unpriv) / 1000 ?: 1;
	for (e = 1; e <= NFSEC_CMD_MAX; e++)
		if (has_doit[e] && e != NFSEC_CMD_SA_ALLOC_SPI &&
		    n_cmd_ok[e] < min_ok)
			FAIL("command %lu accepted %lu times, fewer than %lu", e,
			     n_cmd_ok[e], min_ok);
	if (n_sa6 < min_ok || n_pol6 < min_ok)
		FAIL("IPv6: %lu SAs and %lu policies added, fewer than %lu",
		     n_sa6, n_pol6, min_ok);
	if (failures) {
		printf("fuzz_netlink: FAIL (%lu failures, seed %llu)\n", failures,
		       (unsigned long long)o.seed);
		return 1;
	}
	printf("fuzz_netlink: PASS\n");
	return 0;
}
