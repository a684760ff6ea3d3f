/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel interfaces that differ between the kernels nfsec builds for (6.1
 * and later). The NFSEC_HAVE_* symbols come from tests kmod/Kbuild runs
 * on the kernel's headers at build time, so that a kernel with a change
 * backported is served as well as the release that made it. Every #if
 * that depends on the kernel is here; the rest of nfsec calls the
 * nfsec_* wrappers below.
 */
#ifndef _NFSEC_COMPAT_H
#define _NFSEC_COMPAT_H

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>

/* 6.12 moved the unaligned accessors from asm/ to linux/. */
#ifdef NFSEC_HAVE_LINUX_UNALIGNED_H
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif

/* 6.5 moved the GSO helpers from linux/skbuff.h to net/gso.h. */
#ifdef NFSEC_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

/*
 * A crypto completion callback is passed the data pointer given to
 * *_request_set_callback() since 6.3, the request that holds it before:
 * callbacks take a nfsec_crypto_done_t * and read their data with
 * nfsec_crypto_done_data().
 */
#ifdef NFSEC_HAVE_CRYPTO_DONE_DATA
#define nfsec_crypto_done_t void

static inline void *nfsec_crypto_done_data(void *arg)
{
	return arg;
}
#else
#define nfsec_crypto_done_t struct crypto_async_request

static inline void *nfsec_crypto_done_data(struct crypto_async_request *arg)
{
	return arg->data;
}
#endif

/*
 * 6.8 took the alignment mask out of the hash API: hashes no longer ask
 * for one, and their digest may go anywhere.
 */
static inline unsigned int nfsec_ahash_alignmask(struct crypto_ahash *tfm)
{
#ifdef NFSEC_HAVE_AHASH_ALIGNMASK
	return crypto_ahash_alignmask(tfm);
#else
	return 0;
#endif
}

/* 6.6 keeps a dump's parsed attributes in the genl_info it carries. */
static inline struct nlattr **nfsec_dump_attrs(struct netlink_callback *cb)
{
#ifdef NFSEC_HAVE_GENL_INFO_DUMP
	return genl_info_dump(cb)->attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

/*
 * Conntrack's confirmation with its helpers and sequence adjustment, for a
 * packet at POST_ROUTING, as conntrack's own hook does it: the hook
 * function itself since 6.3 (6.12), which leaves a packet on its way
 * through a VRF device alone and only confirms an ICMP error related to a
 * reply; before (6.1) a helper taking the transport offset, and those two
 * guards were in ipv4_confirm(), the hook that called it: without them a
 * helper or the sequence adjustment would take the header an ICMP error
 * quotes for the packet's own TCP header.
 */
static inline unsigned int nfsec_nf_confirm(struct sk_buff *skb,
					    struct nf_conn *ct,
					    enum ip_conntrack_info ctinfo,
					    const struct nf_hook_state *state)
{
#ifdef NFSEC_HAVE_NF_CONFIRM_HOOK
	return nf_confirm(NULL, skb, state);
#else
	if (netif_is_l3_master(state->out))
		return NF_ACCEPT;
	if (ctinfo == IP_CT_RELATED_REPLY)
		return nf_conntrack_confirm(skb);
	if (state->pf == NFPROTO_IPV6) {
		u8 pnum = ipv6_hdr(skb)->nexthdr;
		__be16 frag_off;
		int protoff;

		/* As ipv6_confirm() finds the transport header. */
		protoff = ipv6_skip_exthdr(skb, sizeof(struct ipv6hdr), &pnum,
					   &frag_off);
		if (protoff < 0 || (frag_off & htons(~0x7)))
			return nf_conntrack_confirm(skb);
		return nf_confirm(skb, protoff, ct, ctinfo);
	}
	return nf_confirm(skb, skb_network_offset(skb) + ip_hdrlen(skb), ct,
			  ctinfo);
#endif
}

#endif /* _NFSEC_COMPAT_H */
