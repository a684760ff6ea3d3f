/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_CRYPTO_H
#define _NFSEC_CRYPTO_H

#include <linux/types.h>
#include <linux/netlink.h>

struct nfsec_sa;

enum nfsec_alg_kind {
	NFSEC_ALG_AEAD,		/* ESP combined mode, key ends with a salt */
	NFSEC_ALG_CIPHER,	/* ESP encryption, needs an integrity algorithm */
	NFSEC_ALG_INTEG,	/* integrity: ESP with a cipher, or AH */
	/* (an AEAD with ah set is also an integrity algorithm for AH) */
};

/* Implementation requirement levels of RFC 8221 (ESP) and RFC 8221/8247. */
enum nfsec_alg_status {
	NFSEC_ALG_MUST,
	NFSEC_ALG_SHOULD,
	NFSEC_ALG_MAY,
	NFSEC_ALG_SHOULD_NOT,
	NFSEC_ALG_MUST_NOT,
};

#define NFSEC_ALG_MAX_SIZES 3

struct nfsec_alg {
	const char *name;	/* the name users and the API use */
	const char *cra_name;	/* crypto API algorithm */
	const char *ah_cra_name;	/* AH's, if an AEAD: without the salt */
	const char *geniv;	/* IV generator template for ESP, or NULL */
	enum nfsec_alg_kind kind;
	enum nfsec_alg_status status;
	bool esp;		/* usable with ESP */
	bool ah;		/* usable with AH */
	u8 salt_len;		/* bytes at the end of an AEAD key */
	u8 iv_len;		/* bytes of explicit IV on the wire */
	u8 block_len;		/* payload alignment for ESP padding */
	u8 key_lens[NFSEC_ALG_MAX_SIZES];	/* bytes, without salt; 0 ends */
	u16 icv_bits[NFSEC_ALG_MAX_SIZES];	/* first one is the default */
};

const struct nfsec_alg *nfsec_alg_find(const char *name);
bool nfsec_alg_key_len_ok(const struct nfsec_alg *alg, unsigned int len);
bool nfsec_alg_icv_ok(const struct nfsec_alg *alg, unsigned int bits);
int nfsec_crypto_init_sa(struct nfsec_sa *sa, unsigned int icv_bits,
			 struct netlink_ext_ack *extack);
void nfsec_crypto_free_sa(struct nfsec_sa *sa);
/* The protocols' nfsec_proto_ops.init: see nfsec_crypto_init_sa(). */
int nfsec_crypto_init_esp(struct nfsec_sa *sa, struct netlink_ext_ack *extack);
int nfsec_crypto_init_ah(struct nfsec_sa *sa, struct netlink_ext_ack *extack);

#endif /* _NFSEC_CRYPTO_H */
