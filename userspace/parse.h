/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFSEC_PARSE_H
#define NFSEC_PARSE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfsec.h"	/* the uapi contract, from ../kmod/uapi */

/*
 * Every parser returns 0 on success or -1 after reporting one error line
 * through nfsec_error() that names the offending token. @what names the
 * token's role in messages ("SPI", "replay-window", ...).
 */

int nfsec_parse_u64(const char *s, uint64_t max, uint64_t *out,
		    const char *what);
int nfsec_parse_u32(const char *s, uint32_t *out, const char *what);
int nfsec_parse_u16(const char *s, uint16_t *out, const char *what);

/* An IPv4 or an IPv6 address, in network byte order. */
struct nfsec_addr {
	uint8_t family;		/* AF_INET or AF_INET6 */
	union {
		uint32_t v4;
		struct in6_addr v6;
	};
};

/* Room for any address as text, with its NUL. */
#define NFSEC_ADDR_STRLEN INET6_ADDRSTRLEN

/*
 * A dotted-quad IPv4 or an IPv6 address, the family the one written; an
 * IPv6 zone ("fe80::1%eth0") is refused, as the kernel has none.
 */
int nfsec_parse_addr(const char *s, struct nfsec_addr *addr, const char *what);
/*
 * ADDR[/LEN], LEN 0..32 for IPv4 and 0..128 for IPv6 (default: the whole
 * address); host bits set beyond LEN are rejected.
 */
int nfsec_parse_prefix(const char *s, struct nfsec_addr *addr, uint8_t *plen,
		       const char *what);
/* The text of @addr (its compressed form for IPv6) into @buf. */
const char *nfsec_addr_str(const struct nfsec_addr *addr,
			   char buf[NFSEC_ADDR_STRLEN]);
/* 0.0.0.0 or ::, the address of a prefix that selects anything. */
bool nfsec_addr_is_zero(const struct nfsec_addr *addr);
/* inet, inet6 (also ipv4, ipv6, 4, 6). */
int nfsec_parse_family(const char *s, uint8_t *family);
/* "inet" or "inet6"; "unknown" for anything else. */
const char *nfsec_family_name(uint8_t family);
/* 256 .. 0xffffffff, host byte order. */
int nfsec_parse_spi(const char *s, uint32_t *spi);
/* "esp" or "ah". */
int nfsec_parse_ipsec_proto(const char *s, uint8_t *proto);
/*
 * tcp, udp, icmp, ipv6-icmp (also icmpv6), sctp, udplite, esp, ah, gre, any
 * or 0..255.
 */
int nfsec_parse_ip_proto(const char *s, uint8_t *proto);
/* PORT or PORT-PORT (1..65535 is not enforced; 0..65535, min <= max). */
int nfsec_parse_port_range(const char *s, uint16_t *min, uint16_t *max,
			   const char *what);
/* The key "nfsec save" writes when keys are left out; never a key. */
#define NFSEC_KEY_OMITTED "omitted"

/* Hex (optional 0x) or @FILE holding hex; at most @max bytes. */
int nfsec_parse_key(const char *s, uint8_t *key, size_t max, size_t *len,
		    const char *what);

const char *nfsec_ipsec_proto_name(uint8_t proto);
const char *nfsec_ip_proto_name(uint8_t proto);
bool nfsec_proto_has_ports(uint8_t proto);

/* Algorithms known to the tool (the kernel has the last word). */
enum nfsec_alg_kind {
	NFSEC_ALG_AEAD,
	NFSEC_ALG_CIPHER,
	NFSEC_ALG_AUTH,
};

struct nfsec_alg {
	const char *name;
	enum nfsec_alg_kind kind;
	uint8_t key_lens[3];	/* accepted key lengths in bytes */
	uint8_t nkey_lens;
	uint16_t icv_bits[3];	/* accepted ICV lengths (AEAD only) */
	uint8_t nicv_bits;
	uint8_t salt;		/* bytes of salt at the end of the key */
};

/*
 * The algorithm @name of @kind: a kernel name ("aes-gcm") or one with the
 * key size in bits, as genkey names it ("aes-gcm-128"); then *@key_len is
 * the one key length allowed (salt included), else 0. A refused algorithm
 * is reported with its reason ("des is refused: RFC 8221 says MUST NOT"),
 * an unknown one with the known ones.
 */
const struct nfsec_alg *nfsec_alg_lookup(const char *name,
					 enum nfsec_alg_kind kind,
					 size_t *key_len);
const struct nfsec_alg *nfsec_alg_find(const char *name,
				       enum nfsec_alg_kind kind);
bool nfsec_alg_is_aead(const char *name);
int nfsec_alg_check_key(const struct nfsec_alg *alg, size_t len);

/* A generated key: name for `genkey`, length in bytes. */
struct nfsec_genkey_alg {
	const char *name;
	uint8_t len;
};
const struct nfsec_genkey_alg *nfsec_genkey_find(const char *name);
const struct nfsec_genkey_alg *nfsec_genkey_algs(size_t *n);

/* Lifetime slots, in NFSEC_LFT_A_* order starting at SOFT_BYTES. */
#define NFSEC_LFT_COUNT (NFSEC_LFT_A_MAX)
extern const char *const nfsec_lft_names[NFSEC_LFT_COUNT];

struct nfsec_sa_args {
	uint8_t proto;
	struct nfsec_addr src;
	struct nfsec_addr dst;	/* of the family of src */
	uint32_t spi;		/* host order */
	bool has_proto, has_src, has_dst, has_spi;

	bool has_mode;
	uint8_t mode;
	bool has_dir;
	uint8_t dir;		/* enum nfsec_dir */
	const struct nfsec_alg *enc;	/* AEAD or cipher */
	const struct nfsec_alg *auth;
	size_t enc_key_need, auth_key_need;	/* sized name: exact length */
	uint8_t enc_key[NFSEC_KEY_MAX];
	size_t enc_key_len;
	uint8_t auth_key[NFSEC_KEY_MAX];
	size_t auth_key_len;
	bool has_icv;
	uint16_t icv_bits;
	bool has_replay;
	uint32_t replay_window;
	uint32_t flags;		/* NFSEC_SA_F_* */
	bool has_seq;
	uint64_t seq;
	bool has_reqid;
	uint32_t reqid;
	uint64_t lft[NFSEC_LFT_COUNT];
	uint32_t lft_set;	/* bit i: lft[i] given */
	bool with_keys;
};

/*
 * "sa allocspi" arguments: proto, src, dst, optionally reqid and
 * "range MIN-MAX" (*min and *max, host order).
 */
int nfsec_parse_sa_allocspi(int argc, char **argv, struct nfsec_sa_args *a,
			    uint32_t *min, uint32_t *max);
/* "sa add" arguments (after the "add" word). */
int nfsec_parse_sa_add(int argc, char **argv, struct nfsec_sa_args *a);
/* "sa del|get": proto P src ADDR spi SPI, plus with-keys for get. */
int nfsec_parse_sa_id(int argc, char **argv, struct nfsec_sa_args *a,
		      bool allow_with_keys, const char *cmd);
void nfsec_sa_args_wipe(struct nfsec_sa_args *a);

struct nfsec_pol_args {
	bool has_dir;
	uint8_t dir;
	bool has_family;	/* "family" given */
	uint8_t family;		/* given, else the addresses', else AF_INET */
	bool has_src, has_dst;
	struct nfsec_addr src, dst;	/* of the family above */
	uint8_t src_plen, dst_plen;
	bool has_proto;
	uint8_t proto;
	bool has_sport, has_dport;
	uint16_t sport_min, sport_max, dport_min, dport_max;
	bool has_action;
	uint8_t action;
	bool has_sa;
	uint8_t sa_proto;
	struct nfsec_addr sa_src;	/* either family, whatever the policy's */
	uint32_t sa_spi;	/* host order */
	bool has_reqid;
	uint32_t reqid;		/* instead of sa */
	bool has_priority;
	uint32_t priority;
	bool has_index;
	uint32_t index;
};

int nfsec_parse_policy_add(int argc, char **argv, struct nfsec_pol_args *p);
int nfsec_parse_policy_del(int argc, char **argv, struct nfsec_pol_args *p);

/*
 * Split a batch line in place into words separated by blanks; a word
 * starting with '#' ends the line. Returns the word count, or -1 if there
 * are more than @max words.
 */
int nfsec_split_line(char *line, char **argv, int max);

#endif
