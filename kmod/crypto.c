// SPDX-License-Identifier: GPL-2.0
/*
 * The algorithm table: the names users give, the crypto API algorithms they
 * map to, key and ICV sizes, and their RFC 8221 status. Transforms are
 * allocated and keyed when an SA is added, so an unusable algorithm fails
 * the add rather than the first packet.
 */

#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <crypto/hash.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "crypto.h"
#include "sa.h"
#include "xform.h"

static const struct nfsec_alg nfsec_algs[] = {
	/* RFC 4106 */
	{
		.name = "aes-gcm", .cra_name = "rfc4106(gcm(aes))",
		.geniv = "seqiv", .kind = NFSEC_ALG_AEAD,
		.status = NFSEC_ALG_MUST, .esp = true,
		.salt_len = 4, .iv_len = 8, .block_len = 4,
		.key_lens = { 16, 24, 32 }, .icv_bits = { 128, 96, 64 },
	},
	/* RFC 7634 */
	{
		.name = "chacha20-poly1305",
		.cra_name = "rfc7539esp(chacha20,poly1305)",
		.geniv = "seqiv", .kind = NFSEC_ALG_AEAD,
		.status = NFSEC_ALG_SHOULD, .esp = true,
		.salt_len = 4, .iv_len = 8, .block_len = 4,
		.key_lens = { 32 }, .icv_bits = { 128 },
	},
	/*
	 * RFC 4543: integrity only, as an ESP combined mode, or as AH's
	 * integrity algorithm (section 5), where nfsec drives GCM itself:
	 * the whole packet is associated data, nothing is encrypted.
	 */
	{
		.name = "aes-gmac", .cra_name = "rfc4543(gcm(aes))",
		.ah_cra_name = "gcm(aes)",
		.geniv = "seqiv", .kind = NFSEC_ALG_AEAD,
		.status = NFSEC_ALG_MAY, .esp = true, .ah = true,
		.salt_len = 4, .iv_len = 8, .block_len = 4,
		.key_lens = { 16, 24, 32 }, .icv_bits = { 128 },
	},
	/* RFC 3602 */
	{
		.name = "aes-cbc", .cra_name = "cbc(aes)",
		.geniv = "echainiv", .kind = NFSEC_ALG_CIPHER,
		.status = NFSEC_ALG_MUST, .esp = true,
		.iv_len = 16, .block_len = 16, .key_lens = { 16, 24, 32 },
	},
	/* RFC 2410: no confidentiality, always with an integrity algorithm */
	{
		.name = "null", .cra_name = "ecb(cipher_null)",
		.kind = NFSEC_ALG_CIPHER, .status = NFSEC_ALG_MUST,
		.esp = true, .block_len = 4,
	},
	/* RFC 4868: the ICV is half the hash, never 96 bits */
	{
		.name = "hmac-sha256", .cra_name = "hmac(sha256)",
		.kind = NFSEC_ALG_INTEG, .status = NFSEC_ALG_MUST,
		.esp = true, .ah = true,
		.key_lens = { 32 }, .icv_bits = { 128 },
	},
	{
		.name = "hmac-sha384", .cra_name = "hmac(sha384)",
		.kind = NFSEC_ALG_INTEG, .status = NFSEC_ALG_MAY,
		.esp = true, .ah = true,
		.key_lens = { 48 }, .icv_bits = { 192 },
	},
	{
		.name = "hmac-sha512", .cra_name = "hmac(sha512)",
		.kind = NFSEC_ALG_INTEG, .status = NFSEC_ALG_SHOULD,
		.esp = true, .ah = true,
		.key_lens = { 64 }, .icv_bits = { 256 },
	},
	/* RFC 2404 */
	{
		.name = "hmac-sha1", .cra_name = "hmac(sha1)",
		.kind = NFSEC_ALG_INTEG, .status = NFSEC_ALG_MUST,
		.esp = true, .ah = true,
		.key_lens = { 20 }, .icv_bits = { 96 },
	},
	/* Named only to be refused with a reason (RFC 8221, RFC 8247). */
	{ .name = "des", .kind = NFSEC_ALG_CIPHER, .status = NFSEC_ALG_MUST_NOT },
	{ .name = "des-cbc", .kind = NFSEC_ALG_CIPHER, .status = NFSEC_ALG_MUST_NOT },
	{ .name = "3des", .kind = NFSEC_ALG_CIPHER, .status = NFSEC_ALG_SHOULD_NOT },
	{ .name = "3des-cbc", .kind = NFSEC_ALG_CIPHER, .status = NFSEC_ALG_SHOULD_NOT },
	{ .name = "md5", .kind = NFSEC_ALG_INTEG, .status = NFSEC_ALG_MUST_NOT },
	{ .name = "hmac-md5", .kind = NFSEC_ALG_INTEG, .status = NFSEC_ALG_MUST_NOT },
};

const struct nfsec_alg *nfsec_alg_find(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(nfsec_algs); i++)
		if (!strcmp(nfsec_algs[i].name, name))
			return &nfsec_algs[i];
	return NULL;
}

/* len is the whole key attribute, salt included. */
bool nfsec_alg_key_len_ok(const struct nfsec_alg *alg, unsigned int len)
{
	int i;

	if (!alg->key_lens[0])
		return len == 0;
	if (len < alg->salt_len)
		return false;
	len -= alg->salt_len;
	for (i = 0; i < NFSEC_ALG_MAX_SIZES && alg->key_lens[i]; i++)
		if (alg->key_lens[i] == len)
			return true;
	return false;
}

bool nfsec_alg_icv_ok(const struct nfsec_alg *alg, unsigned int bits)
{
	int i;

	for (i = 0; i < NFSEC_ALG_MAX_SIZES && alg->icv_bits[i]; i++)
		if (alg->icv_bits[i] == bits)
			return true;
	return false;
}

static int nfsec_crypto_authenc_setkey(struct nfsec_sa *sa)
{
	struct crypto_authenc_key_param *param;
	unsigned int len;
	struct rtattr *rta;
	u8 *blob, *p;
	int err;

	len = RTA_SPACE(sizeof(*param)) + sa->auth_key_len + sa->enc_key_len;
	blob = kmalloc(len, GFP_KERNEL);
	if (!blob)
		return -ENOMEM;
	rta = (struct rtattr *)blob;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(sa->enc_key_len);
	p = blob + RTA_SPACE(sizeof(*param));
	memcpy(p, sa->auth_key, sa->auth_key_len);
	memcpy(p + sa->auth_key_len, sa->enc_key, sa->enc_key_len);
	err = crypto_aead_setkey(sa->aead, blob, len);
	kfree_sensitive(blob);
	return err;
}

/* The ICV length of the SA's AEAD, ESP's or AH's GMAC. */
static int nfsec_crypto_aead_authsize(struct nfsec_sa *sa,
				      struct netlink_ext_ack *extack)
{
	int err = crypto_aead_setauthsize(sa->aead, sa->icv_len);

	if (err)
		NL_SET_ERR_MSG(extack,
			       "NFSEC_SA_A_ICV_BITS: the crypto API refused the ICV length");
	return err;
}

/* ESP's transform: an AEAD, or a cipher and an HMAC through authenc. */
int nfsec_crypto_init_esp(struct nfsec_sa *sa, struct netlink_ext_ack *extack)
{
	const struct nfsec_alg *enc = sa->enc, *auth = sa->auth;
	bool esn = sa->flags & NFSEC_SA_F_ESN;
	char name[CRYPTO_MAX_ALG_NAME];
	int n, err;

	if (enc->kind == NFSEC_ALG_AEAD)
		n = snprintf(name, sizeof(name), "%s(%s)", enc->geniv,
			     enc->cra_name);
	else if (enc->geniv)
		n = snprintf(name, sizeof(name), "%s(%s(%s,%s))", enc->geniv,
			     esn ? "authencesn" : "authenc", auth->cra_name,
			     enc->cra_name);
	else
		n = snprintf(name, sizeof(name), "%s(%s,%s)",
			     esn ? "authencesn" : "authenc", auth->cra_name,
			     enc->cra_name);
	if (n >= sizeof(name))
		return -ENAMETOOLONG;

	sa->aead = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(sa->aead)) {
		err = PTR_ERR(sa->aead);
		sa->aead = NULL;
		pr_debug("cannot allocate %s: %d\n", name, err);
		NL_SET_ERR_MSG(extack,
			       "NFSEC_SA_A_ENC_ALG: the kernel's crypto API cannot provide this algorithm");
		return err;
	}

	if (enc->kind == NFSEC_ALG_AEAD)
		err = crypto_aead_setkey(sa->aead, sa->enc_key, sa->enc_key_len);
	else
		err = nfsec_crypto_authenc_setkey(sa);
	if (err) {
		NL_SET_ERR_MSG(extack, "NFSEC_SA_A_ENC_KEY: the crypto API refused the key");
		return err;
	}
	return nfsec_crypto_aead_authsize(sa, extack);
}

/*
 * AH with AES-GMAC: GCM over the AES key; the salt, the key's last bytes,
 * is read from sa->auth_key for each packet's nonce.
 */
static int nfsec_crypto_init_ah_gmac(struct nfsec_sa *sa,
				     struct netlink_ext_ack *extack)
{
	const struct nfsec_alg *alg = sa->auth;
	int err;

	sa->aead = crypto_alloc_aead(alg->ah_cra_name, 0, 0);
	if (IS_ERR(sa->aead)) {
		err = PTR_ERR(sa->aead);
		sa->aead = NULL;
		NL_SET_ERR_MSG(extack,
			       "NFSEC_SA_A_AUTH_ALG: the kernel's crypto API cannot provide this algorithm");
		return err;
	}
	err = crypto_aead_setkey(sa->aead, sa->auth_key,
				 sa->auth_key_len - alg->salt_len);
	if (err) {
		NL_SET_ERR_MSG(extack, "NFSEC_SA_A_AUTH_KEY: the crypto API refused the key");
		return err;
	}
	return nfsec_crypto_aead_authsize(sa, extack);
}

/* AH's transform: an HMAC, or GCM for AES-GMAC. */
int nfsec_crypto_init_ah(struct nfsec_sa *sa, struct netlink_ext_ack *extack)
{
	int err;

	if (sa->auth->kind == NFSEC_ALG_AEAD)
		return nfsec_crypto_init_ah_gmac(sa, extack);

	sa->ahash = crypto_alloc_ahash(sa->auth->cra_name, 0, 0);
	if (IS_ERR(sa->ahash)) {
		err = PTR_ERR(sa->ahash);
		sa->ahash = NULL;
		NL_SET_ERR_MSG(extack,
			       "NFSEC_SA_A_AUTH_ALG: the kernel's crypto API cannot provide this algorithm");
		return err;
	}
	if (sa->icv_len > crypto_ahash_digestsize(sa->ahash)) {
		NL_SET_ERR_MSG(extack, "NFSEC_SA_A_ICV_BITS: longer than the digest");
		return -EINVAL;
	}
	err = crypto_ahash_setkey(sa->ahash, sa->auth_key, sa->auth_key_len);
	if (err) {
		NL_SET_ERR_MSG(extack, "NFSEC_SA_A_AUTH_KEY: the crypto API refused the key");
		return err;
	}
	return 0;
}

/*
 * Allocates and keys the SA's transform. icv_bits of 0 selects the default
 * of the algorithm that produces the ICV. On error the caller frees with
 * nfsec_crypto_free_sa().
 */
int nfsec_crypto_init_sa(struct nfsec_sa *sa, unsigned int icv_bits,
			 struct netlink_ext_ack *extack)
{
	const struct nfsec_alg *icv_alg;

	icv_alg = sa->enc && sa->enc->kind == NFSEC_ALG_AEAD ? sa->enc : sa->auth;
	if (!icv_bits)
		icv_bits = icv_alg->icv_bits[0];
	sa->icv_len = icv_bits / 8;
	return sa->ops->init(sa, extack);
}

void nfsec_crypto_free_sa(struct nfsec_sa *sa)
{
	if (sa->aead)
		crypto_free_aead(sa->aead);
	if (sa->ahash)
		crypto_free_ahash(sa->ahash);
	sa->aead = NULL;
	sa->ahash = NULL;
}
