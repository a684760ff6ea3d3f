/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_SA_H
#define _NFSEC_SA_H

#include <linux/atomic.h>
#include <linux/in6.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <net/ipv6.h>

#include "replay.h"
#include "uapi/nfsec.h"

struct nfsec_net;
struct nfsec_alg;
struct crypto_aead;
struct crypto_ahash;
struct netlink_ext_ack;
struct nfsec_proto_ops;

/* An IPv4 address leaves the rest of the union zero. */
union nfsec_addr {
	__be32 ip;
	struct in6_addr in6;
};

/*
 * The lookup key; compared with memcmp, so the padding (and the unused
 * part of an IPv4 address) is always zero.
 */
struct nfsec_sa_key {
	union nfsec_addr saddr;
	__be32 spi;
	u8 proto;
	u8 family;		/* AF_INET or AF_INET6: the outer header's */
	u8 pad[2];
};

struct nfsec_lifetime {
	u64 soft_bytes;
	u64 hard_bytes;
	u64 soft_packets;
	u64 hard_packets;
	u64 soft_seconds;
	u64 hard_seconds;
};

/* The configuration an SA is created from, filled in by netlink.c. */
struct nfsec_sa_cfg {
	struct nfsec_sa_key key;
	union nfsec_addr daddr;
	u8 mode;
	u8 dir;			/* enum nfsec_dir; see nfsec_sa_add() */
	bool has_dir;
	u32 flags;
	u32 replay_window;
	u64 seq;
	u32 reqid;
	u16 icv_bits;		/* 0: the algorithm's default */
	const struct nfsec_alg *enc;
	const struct nfsec_alg *auth;
	const u8 *enc_key;
	unsigned int enc_key_len;
	const u8 *auth_key;
	unsigned int auth_key_len;
	struct nfsec_lifetime lft;
};

/*
 * Events the packet path saw happen, for the lifetime work to announce:
 * every SA event is sent under nfsec_net.lock, in the order of the changes.
 */
#define NFSEC_SA_PEND_SOFT		BIT(0)
#define NFSEC_SA_PEND_SEQ_EXHAUSTED	BIT(1)

struct nfsec_sa {
	struct rhash_head node;		/* in sad.table, by key */
	struct nfsec_sa_key key;
	const struct nfsec_proto_ops *ops;	/* the protocol's */
	u32 id;				/* index in sad.ids, dump order */
	refcount_t refcnt;
	bool dead;			/* unlinked; under nfsec_net.lock */
	u8 mode;
	u8 dir;				/* enum nfsec_dir */
	u8 state;			/* enum nfsec_sa_state */
	u8 pending_ev;			/* NFSEC_SA_PEND_*, under lock */
	union nfsec_addr daddr;		/* of the family key.family */
	u32 reqid;			/* 0: none */
	u32 flags;
	u32 replay_window;
	spinlock_t lock;		/* seq_out, replay, lifetime state */
	u64 seq_out;			/* the last sequence number sent */
	struct nfsec_replay replay;
	u16 icv_len;			/* bytes on the wire */
	const struct nfsec_alg *enc;
	const struct nfsec_alg *auth;
	u8 *enc_key;			/* wiped before it is freed */
	u8 *auth_key;
	u16 enc_key_len;
	u16 auth_key_len;
	struct crypto_aead *aead;	/* ESP, or AH with AES-GMAC */
	struct crypto_ahash *ahash;	/* AH with an HMAC */
	struct nfsec_lifetime lft;
	time64_t add_time;		/* ktime_get_seconds() at add */
	u64 add_jiffies;		/* for the seconds lifetimes */
	u64 use_jiffies;		/* the last packet's; 0: none yet */
	/* Path MTU from ICMP, valid until pmtu_expires (jiffies64). */
	u32 pmtu;
	u64 pmtu_expires;
	u64 gmac_iv_mask;		/* AH with AES-GMAC: IV = seq ^ mask */
	struct nfsec_net *nn;		/* valid while !dead */
	struct delayed_work lft_work;	/* seconds lifetimes; holds a ref */
	struct rcu_work free_work;
	atomic64_t stats[__NFSEC_STATS_A_MAX];
};

struct nfsec_sad {
	struct rhashtable table;
	struct xarray ids;
	/* By request id: the newest usable outbound SA (nfsec_sa_usable()). */
	struct xarray reqid_out;
	u32 next_id;
	unsigned int count;
	u32 gen;			/* bumped on every change, for dumps */
};

int nfsec_sad_init(struct nfsec_sad *sad);
void nfsec_sad_destroy(struct nfsec_net *nn);

struct nfsec_sa *nfsec_sa_lookup_rcu(struct nfsec_net *nn,
				     const struct nfsec_sa_key *key);
struct nfsec_sa *nfsec_sa_lookup_dir_rcu(struct nfsec_net *nn,
					 const struct nfsec_sa_key *key, u8 dir);
void nfsec_sa_put(struct nfsec_sa *sa);
int nfsec_sa_add(struct nfsec_net *nn, const struct nfsec_sa_cfg *cfg,
		 struct netlink_ext_ack *extack);
int nfsec_sa_alloc_spi(struct nfsec_net *nn, struct nfsec_sa_cfg *cfg,
		       u32 min, u32 max, struct netlink_ext_ack *extack);
int nfsec_sa_del(struct nfsec_net *nn, const struct nfsec_sa_key *key);
unsigned int nfsec_sa_flush(struct nfsec_net *nn, u8 proto);

static inline bool nfsec_addr_equal(u8 family, const union nfsec_addr *a,
				    const union nfsec_addr *b)
{
	if (family == AF_INET6)
		return ipv6_addr_equal(&a->in6, &b->in6);
	return a->ip == b->ip;
}

/* Whether sa may protect packets: neither hard expired nor exhausted. */
static inline bool nfsec_sa_usable(const struct nfsec_sa *sa)
{
	u8 state = READ_ONCE(sa->state);

	return state == NFSEC_SA_STATE_VALID ||
	       state == NFSEC_SA_STATE_SOFT_EXPIRED;
}

/* The outbound SA that protects the packets of request id reqid now. */
static inline struct nfsec_sa *nfsec_sa_reqid_rcu(struct nfsec_sad *sad,
						  u32 reqid)
{
	return xa_load(&sad->reqid_out, reqid);
}

/*
 * Last-use times of SAs and policies, in 64-bit jiffies (0: never): set
 * per packet, written only when the jiffy changed.
 */
static inline void nfsec_use_now(u64 *use_jiffies)
{
	u64 now = get_jiffies_64();

	if (READ_ONCE(*use_jiffies) != now)
		WRITE_ONCE(*use_jiffies, now);
}

/* Seconds since *use_jiffies; false if it was never set. */
static inline bool nfsec_use_idle(const u64 *use_jiffies, u64 *secs)
{
	u64 used = READ_ONCE(*use_jiffies);

	if (!used)
		return false;
	*secs = div_u64(get_jiffies_64() - used, HZ);
	return true;
}

/* Whether sa can carry a packet of family (transport: its own only). */
static inline bool nfsec_sa_carries(const struct nfsec_sa *sa, u8 family)
{
	return sa->mode == NFSEC_MODE_TUNNEL || sa->key.family == family;
}

void nfsec_sa_count(struct nfsec_sa *sa, unsigned int stat);
void nfsec_sa_set_pmtu(struct nfsec_sa *sa, u32 mtu);
u32 nfsec_sa_pmtu(const struct nfsec_sa *sa);
bool nfsec_sa_next_seq(struct nfsec_sa *sa, u64 *seq);
u64 nfsec_sa_seq(const struct nfsec_sa *sa);
bool nfsec_sa_replay_check(struct nfsec_sa *sa, u32 seq_lo, u64 *seq);
bool nfsec_sa_replay_advance(struct nfsec_sa *sa, u64 seq);
bool nfsec_sa_account(struct nfsec_sa *sa, unsigned int bytes, bool in);

int __init nfsec_sa_module_init(void);
void nfsec_sa_module_exit(void);

#endif /* _NFSEC_SA_H */
