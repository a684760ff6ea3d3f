// SPDX-License-Identifier: GPL-2.0
/*
 * The security association database: a resizable hash table keyed by
 * (protocol, source address, SPI) for the packet path, read under RCU, and
 * an xarray of ids giving dumps a stable resume point, and one of request
 * ids naming the outbound SA that serves each. All writers hold
 * nfsec_net.lock. An SA is freed, keys wiped, one grace period after its last
 * reference is dropped.
 */

#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <net/addrconf.h>
#include <net/route.h>

#include "crypto.h"
#include "netlink.h"
#include "pernet.h"
#include "sa.h"
#include "xform.h"

static struct workqueue_struct *nfsec_wq;
static struct kmem_cache *nfsec_sa_cache __ro_after_init;

static const struct rhashtable_params nfsec_sa_params = {
	.key_len = sizeof(struct nfsec_sa_key),
	.key_offset = offsetof(struct nfsec_sa, key),
	.head_offset = offsetof(struct nfsec_sa, node),
	.automatic_shrinking = true,
};

int nfsec_sad_init(struct nfsec_sad *sad)
{
	xa_init_flags(&sad->ids, XA_FLAGS_ALLOC);
	xa_init(&sad->reqid_out);
	sad->next_id = 0;
	sad->count = 0;
	sad->gen = 0;
	return rhashtable_init(&sad->table, &nfsec_sa_params);
}

/* Called on namespace exit, after nfsec_sa_flush() emptied the tables. */
void nfsec_sad_destroy(struct nfsec_net *nn)
{
	/* Lifetime work that raced with the flush must finish with nn. */
	flush_workqueue(nfsec_wq);
	WARN_ON(nn->sad.count);
	rhashtable_destroy(&nn->sad.table);
	xa_destroy(&nn->sad.ids);
	WARN_ON(!xa_empty(&nn->sad.reqid_out));
	xa_destroy(&nn->sad.reqid_out);
}

static void nfsec_sa_free_work(struct work_struct *work)
{
	struct nfsec_sa *sa = container_of(to_rcu_work(work), struct nfsec_sa,
					   free_work);

	nfsec_crypto_free_sa(sa);
	nfsec_replay_free(&sa->replay);
	kfree_sensitive(sa->enc_key);
	kfree_sensitive(sa->auth_key);
	kmem_cache_free(nfsec_sa_cache, sa);
}

void nfsec_sa_put(struct nfsec_sa *sa)
{
	if (sa && refcount_dec_and_test(&sa->refcnt))
		queue_rcu_work(nfsec_wq, &sa->free_work);
}

struct nfsec_sa *nfsec_sa_lookup_rcu(struct nfsec_net *nn,
				     const struct nfsec_sa_key *key)
{
	return rhashtable_lookup(&nn->sad.table, key, nfsec_sa_params);
}

/* The SA of key if it has direction dir (enum nfsec_dir), else NULL. */
struct nfsec_sa *nfsec_sa_lookup_dir_rcu(struct nfsec_net *nn,
					 const struct nfsec_sa_key *key, u8 dir)
{
	struct nfsec_sa *sa = nfsec_sa_lookup_rcu(nn, key);

	/* A reserved SPI's SA has no keys: it is nobody's yet. */
	return sa && sa->dir == dir &&
	       READ_ONCE(sa->state) != NFSEC_SA_STATE_LARVAL ? sa : NULL;
}

/* Whether sa serves a request id outbound, and so may be its newest. */
static bool nfsec_sa_serves(const struct nfsec_sa *sa)
{
	return sa->reqid && sa->dir == NFSEC_DIR_OUT && !sa->dead &&
	       nfsec_sa_usable(sa);
}

/* Added after b; ids wrap, the add time does not. */
static bool nfsec_sa_newer(const struct nfsec_sa *a, const struct nfsec_sa *b)
{
	if (a->add_jiffies != b->add_jiffies)
		return time_after64(a->add_jiffies, b->add_jiffies);
	return a->id > b->id;
}

/*
 * Points each request id (reqid, or every one if 0) that has lost its SA at
 * the newest outbound SA still serving it. Writers keep the newest in the
 * table, so only missing entries are filled; a failed allocation leaves
 * the request id without an SA, and its packets dropped, until the next
 * change.
 */
static void nfsec_sa_reqid_refill(struct nfsec_net *nn, u32 reqid)
{
	struct nfsec_sa *sa, *cur;
	unsigned long id;

	lockdep_assert_held(&nn->lock);

	xa_for_each(&nn->sad.ids, id, sa) {
		if (!nfsec_sa_serves(sa) || (reqid && sa->reqid != reqid))
			continue;
		cur = xa_load(&nn->sad.reqid_out, sa->reqid);
		if (cur == sa || (cur && !nfsec_sa_newer(sa, cur)))
			continue;
		xa_store(&nn->sad.reqid_out, sa->reqid, sa, GFP_KERNEL_ACCOUNT);
	}
}

/* sa no longer serves its request id: drop it from the table. */
static bool nfsec_sa_reqid_drop(struct nfsec_net *nn, struct nfsec_sa *sa)
{
	lockdep_assert_held(&nn->lock);

	if (!sa->reqid || xa_load(&nn->sad.reqid_out, sa->reqid) != sa)
		return false;
	xa_erase(&nn->sad.reqid_out, sa->reqid);
	return true;
}

static void nfsec_sa_unlink(struct nfsec_net *nn, struct nfsec_sa *sa)
{
	lockdep_assert_held(&nn->lock);

	nfsec_sa_reqid_drop(nn, sa);
	rhashtable_remove_fast(&nn->sad.table, &sa->node, nfsec_sa_params);
	xa_erase(&nn->sad.ids, sa->id);
	WRITE_ONCE(sa->dead, true);
	nn->sad.count--;
	nn->sad.gen++;
	if (cancel_delayed_work(&sa->lft_work))
		nfsec_sa_put(sa);	/* the reference the pending work held */
	nfsec_sa_put(sa);		/* the database's reference */
}

/* The next lifetime deadline in seconds after add, or 0 for none left. */
static u64 nfsec_sa_next_deadline(const struct nfsec_sa *sa)
{
	if (sa->lft.soft_seconds &&
	    READ_ONCE(sa->state) == NFSEC_SA_STATE_VALID)
		return sa->lft.soft_seconds;
	return sa->lft.hard_seconds;
}

/*
 * Seconds lifetimes in jiffies; one beyond what 64 bits of jiffies hold
 * from now (hundreds of millions of years) never comes.
 */
#define NFSEC_LFT_SECONDS_MAX	(U64_MAX / 4 / HZ)

/* Whether seconds have passed since sa was added, to the jiffy. */
static bool nfsec_sa_aged(const struct nfsec_sa *sa, u64 seconds, u64 now)
{
	return seconds && seconds <= NFSEC_LFT_SECONDS_MAX &&
	       now - sa->add_jiffies >= seconds * HZ;
}

static void nfsec_sa_arm_lifetime(struct nfsec_sa *sa)
{
	u64 deadline = nfsec_sa_next_deadline(sa), now, at;
	unsigned long delay;

	if (!deadline || deadline > NFSEC_LFT_SECONDS_MAX)
		return;
	/*
	 * Counted from the add in jiffies, not in whole seconds: a work
	 * that ran late must not bring the next deadline forward. Long
	 * lifetimes are re-armed when the first timer fires.
	 */
	now = get_jiffies_64();
	at = sa->add_jiffies + deadline * HZ;
	delay = at > now ? min_t(u64, at - now, 86400ULL * HZ) : 0;
	refcount_inc(&sa->refcnt);
	if (!queue_delayed_work(nfsec_wq, &sa->lft_work, delay))
		nfsec_sa_put(sa);
}

/*
 * Seconds lifetimes, and the events the packet path left pending: sent
 * here, under nn->lock like every other SA event, so that a listener never
 * sees an SA's events out of order (soft before added, anything after
 * deleted).
 */
static void nfsec_sa_lifetime_work(struct work_struct *work)
{
	struct nfsec_sa *sa = container_of(to_delayed_work(work),
					   struct nfsec_sa, lft_work);
	struct nfsec_net *nn = sa->nn;
	bool hard, larval;
	u64 now;
	u8 ev;

	/*
	 * nn outlives this work: namespace exit unlinks every SA and then
	 * flushes the workqueue before it frees nn.
	 */
	mutex_lock(&nn->lock);
	if (sa->dead)
		goto out;
	now = get_jiffies_64();
	larval = sa->state == NFSEC_SA_STATE_LARVAL;
	spin_lock_bh(&sa->lock);
	ev = sa->pending_ev;
	sa->pending_ev = 0;
	/* Running late, the soft limit is still announced before the hard. */
	if (nfsec_sa_aged(sa, sa->lft.soft_seconds, now) &&
	    sa->state == NFSEC_SA_STATE_VALID) {
		WRITE_ONCE(sa->state, NFSEC_SA_STATE_SOFT_EXPIRED);
		ev |= NFSEC_SA_PEND_SOFT;
	}
	hard = sa->state == NFSEC_SA_STATE_HARD_EXPIRED ||
	       nfsec_sa_aged(sa, sa->lft.hard_seconds, now);
	if (hard)
		WRITE_ONCE(sa->state, NFSEC_SA_STATE_HARD_EXPIRED);
	spin_unlock_bh(&sa->lock);

	if (ev & NFSEC_SA_PEND_SOFT)
		nfsec_nl_notify_sa(nn, sa, NFSEC_EV_SA_SOFT, GFP_KERNEL);
	if (ev & NFSEC_SA_PEND_SEQ_EXHAUSTED) {
		/* An older SA of its request id may serve instead. */
		if (nfsec_sa_reqid_drop(nn, sa))
			nfsec_sa_reqid_refill(nn, sa->reqid);
		nfsec_nl_notify_sa(nn, sa, NFSEC_EV_SA_SEQ_EXHAUSTED,
				   GFP_KERNEL);
	}
	if (hard) {
		/*
		 * Announced once it is gone, so that a listener's next dump
		 * agrees; this work's reference keeps sa alive until out. A
		 * reserved SPI that was never filled in goes silently.
		 */
		nfsec_sa_unlink(nn, sa);
		if (sa->reqid && sa->dir == NFSEC_DIR_OUT)
			nfsec_sa_reqid_refill(nn, sa->reqid);
		if (!larval)
			nfsec_nl_notify_sa(nn, sa, NFSEC_EV_SA_EXPIRED,
					   GFP_KERNEL);
		goto out;
	}
	nfsec_sa_arm_lifetime(sa);
out:
	mutex_unlock(&nn->lock);
	nfsec_sa_put(sa);
}

static int nfsec_sa_copy_keys(struct nfsec_sa *sa,
			      const struct nfsec_sa_cfg *cfg)
{
	if (cfg->enc_key_len) {
		sa->enc_key = kmemdup(cfg->enc_key, cfg->enc_key_len,
				      GFP_KERNEL_ACCOUNT);
		if (!sa->enc_key)
			return -ENOMEM;
		sa->enc_key_len = cfg->enc_key_len;
	}
	if (cfg->auth_key_len) {
		sa->auth_key = kmemdup(cfg->auth_key, cfg->auth_key_len,
				       GFP_KERNEL_ACCOUNT);
		if (!sa->auth_key)
			return -ENOMEM;
		sa->auth_key_len = cfg->auth_key_len;
	}
	return 0;
}

/* Whether addr is one of the namespace's own addresses now. */
static bool nfsec_addr_local(struct net *net, u8 family,
			     const union nfsec_addr *addr)
{
	if (family == AF_INET6)
		return ipv6_chk_addr(net, &addr->in6, NULL, 0);
	return inet_addr_type(net, addr->ip) == RTN_LOCAL;
}

/* Frees an SA that was never published: no reader can hold it. */
static void nfsec_sa_free_now(struct nfsec_sa *sa)
{
	nfsec_crypto_free_sa(sa);
	nfsec_replay_free(&sa->replay);
	kfree_sensitive(sa->enc_key);
	kfree_sensitive(sa->auth_key);
	kmem_cache_free(nfsec_sa_cache, sa);
}

/* A new SA with the key of cfg and nothing else set up. */
static struct nfsec_sa *nfsec_sa_alloc(struct nfsec_net *nn,
				       const struct nfsec_sa_cfg *cfg)
{
	struct nfsec_sa *sa;
	int i;

	sa = kmem_cache_zalloc(nfsec_sa_cache, GFP_KERNEL);
	if (!sa)
		return NULL;
	refcount_set(&sa->refcnt, 1);
	INIT_RCU_WORK(&sa->free_work, nfsec_sa_free_work);
	INIT_DELAYED_WORK(&sa->lft_work, nfsec_sa_lifetime_work);
	spin_lock_init(&sa->lock);
	sa->key = cfg->key;
	sa->ops = nfsec_xform_find(cfg->key.proto);
	sa->daddr = cfg->daddr;
	sa->reqid = cfg->reqid;
	sa->nn = nn;
	for (i = 0; i < ARRAY_SIZE(sa->stats); i++)
		atomic64_set(&sa->stats[i], 0);
	return sa;
}

/*
 * Makes sa visible to dumps and the packet path, and a request id's
 * newest SA if it serves one. On failure sa is unpublished again, one
 * grace period later, for the caller to free.
 */
static int nfsec_sa_publish(struct nfsec_net *nn, struct nfsec_sa *sa)
{
	void *old;
	int err;

	/*
	 * Before a dump can see it. Below 2^31: the id also keys the SA's
	 * reassembly queue (xform.c).
	 */
	sa->add_time = ktime_get_seconds();
	sa->add_jiffies = get_jiffies_64();
	err = xa_alloc_cyclic(&nn->sad.ids, &sa->id, sa, xa_limit_31b,
			      &nn->sad.next_id, GFP_KERNEL_ACCOUNT);
	if (err < 0)
		return err;
	err = rhashtable_insert_fast(&nn->sad.table, &sa->node,
				     nfsec_sa_params);
	if (err)
		goto err_ids;
	if (nfsec_sa_serves(sa)) {
		/* The newest: it takes over from the one before at once. */
		old = xa_store(&nn->sad.reqid_out, sa->reqid, sa,
			       GFP_KERNEL_ACCOUNT);
		err = xa_err(old);
		if (err) {
			rhashtable_remove_fast(&nn->sad.table, &sa->node,
					       nfsec_sa_params);
			goto err_ids;
		}
	}
	nn->sad.count++;
	nn->sad.gen++;
	nfsec_sa_arm_lifetime(sa);
	return 0;

err_ids:
	xa_erase(&nn->sad.ids, sa->id);
	synchronize_rcu();	/* a dump or a packet may have seen it */
	return err;
}

/*
 * Creates the SA described by cfg, allocating and keying its transform, and
 * announces it. Returns -EEXIST if the key is taken, unless only by an SPI
 * reserved by nfsec_sa_alloc_spi(), which the new SA replaces.
 */
int nfsec_sa_add(struct nfsec_net *nn, const struct nfsec_sa_cfg *cfg,
		 struct netlink_ext_ack *extack)
{
	struct nfsec_sa *sa, *larval;
	int err;

	lockdep_assert_held(&nn->lock);

	larval = rhashtable_lookup_fast(&nn->sad.table, &cfg->key,
					nfsec_sa_params);
	if (larval && larval->state != NFSEC_SA_STATE_LARVAL) {
		NL_SET_ERR_MSG(extack,
			       "NFSEC_A_SA: an SA with this protocol, source and SPI exists");
		return -EEXIST;
	}

	sa = nfsec_sa_alloc(nn, cfg);
	if (!sa)
		return -ENOMEM;
	sa->mode = cfg->mode;
	sa->dir = cfg->dir;
	/* Unsaid: inbound if it ends here, as an address of nn says now. */
	if (!cfg->has_dir)
		sa->dir = nfsec_addr_local(nn->net, cfg->key.family,
					   &cfg->daddr) ?
			  NFSEC_DIR_IN : NFSEC_DIR_OUT;
	sa->flags = cfg->flags;
	sa->replay_window = cfg->replay_window;
	sa->seq_out = cfg->seq;
	sa->enc = cfg->enc;
	sa->auth = cfg->auth;
	sa->lft = cfg->lft;
	sa->state = NFSEC_SA_STATE_VALID;

	err = nfsec_replay_init(&sa->replay, cfg->replay_window,
				GFP_KERNEL_ACCOUNT);
	if (err)
		goto err_free;
	/* Inbound, the same number is the highest seen so far. */
	sa->replay.top = cfg->seq;
	err = nfsec_sa_copy_keys(sa, cfg);
	if (err)
		goto err_free;
	err = nfsec_crypto_init_sa(sa, cfg->icv_bits, extack);
	if (err)
		goto err_free;

	/* The reservation ends here; it was never announced. */
	if (larval)
		nfsec_sa_unlink(nn, larval);
	err = nfsec_sa_publish(nn, sa);
	if (err)
		goto err_free;
	nfsec_nl_notify_sa(nn, sa, NFSEC_EV_SA_ADDED, GFP_KERNEL);
	return 0;

err_free:
	nfsec_sa_free_now(sa);
	return err;
}

/*
 * Reserves an SPI in [min, max] for an inbound SA of cfg's protocol and
 * source (its key's SPI is ignored and set): a larval SA, without keys,
 * that lives NFSEC_LARVAL_SECONDS unless nfsec_sa_add() fills it in. The
 * search starts at a random SPI and tries consecutive ones.
 */
#define NFSEC_SPI_TRIES	65536

int nfsec_sa_alloc_spi(struct nfsec_net *nn, struct nfsec_sa_cfg *cfg,
		       u32 min, u32 max, struct netlink_ext_ack *extack)
{
	u32 span = max - min + 1, off, i;
	struct nfsec_sa *sa;
	int err;

	lockdep_assert_held(&nn->lock);

	off = get_random_u32() % span;
	for (i = 0; i < min_t(u32, span, NFSEC_SPI_TRIES); i++) {
		cfg->key.spi = cpu_to_be32(min + (off + i) % span);
		if (!rhashtable_lookup_fast(&nn->sad.table, &cfg->key,
					    nfsec_sa_params))
			break;
		if (!(i % 1024))
			cond_resched();
	}
	if (i == min_t(u32, span, NFSEC_SPI_TRIES)) {
		NL_SET_ERR_MSG(extack,
			       "NFSEC_A_SPI_MIN: no free SPI in the range for this protocol and source");
		return -ENOSPC;
	}

	sa = nfsec_sa_alloc(nn, cfg);
	if (!sa)
		return -ENOMEM;
	sa->mode = NFSEC_MODE_TRANSPORT;
	sa->dir = NFSEC_DIR_IN;
	sa->state = NFSEC_SA_STATE_LARVAL;
	sa->lft.hard_seconds = NFSEC_LARVAL_SECONDS;
	err = nfsec_sa_publish(nn, sa);
	if (err)
		nfsec_sa_free_now(sa);
	return err;
}

int nfsec_sa_del(struct nfsec_net *nn, const struct nfsec_sa_key *key)
{
	struct nfsec_sa *sa;

	lockdep_assert_held(&nn->lock);

	sa = rhashtable_lookup_fast(&nn->sad.table, key, nfsec_sa_params);
	if (!sa)
		return -ENOENT;
	/* Held across the unlink: the event is sent once sa is gone. */
	refcount_inc(&sa->refcnt);
	nfsec_sa_unlink(nn, sa);
	if (sa->reqid && sa->dir == NFSEC_DIR_OUT)
		nfsec_sa_reqid_refill(nn, sa->reqid);
	nfsec_nl_notify_sa(nn, sa, NFSEC_EV_SA_DELETED, GFP_KERNEL);
	nfsec_sa_put(sa);
	return 0;
}

/* Deletes every SA of protocol proto (0: all); returns how many. */
unsigned int nfsec_sa_flush(struct nfsec_net *nn, u8 proto)
{
	unsigned int n = 0;
	struct nfsec_sa *sa;
	unsigned long id;

	lockdep_assert_held(&nn->lock);

	xa_for_each(&nn->sad.ids, id, sa) {
		if (proto && sa->key.proto != proto)
			continue;
		nfsec_sa_unlink(nn, sa);
		n++;
		if (!(n % 1024))
			cond_resched();
	}
	if (proto)
		nfsec_sa_reqid_refill(nn, 0);
	return n;
}

/* The packet path: counters, sequence numbers, replay and lifetimes. */

void nfsec_sa_count(struct nfsec_sa *sa, unsigned int stat)
{
	atomic64_inc(&sa->stats[stat]);
	if (sa->key.family == AF_INET6)
		net_dbg_ratelimited("SA %pI6c spi 0x%08x: drop, reason %u\n",
				    &sa->key.saddr.in6,
				    be32_to_cpu(sa->key.spi), stat);
	else
		net_dbg_ratelimited("SA %pI4 spi 0x%08x: drop, reason %u\n",
				    &sa->key.saddr.ip,
				    be32_to_cpu(sa->key.spi), stat);
}

/*
 * How long a path MTU learnt from ICMP holds, as the kernel's own route
 * exceptions do by default (net.ipv4.route.mtu_expires).
 */
#define NFSEC_PMTU_EXPIRES	(600 * HZ)

/*
 * An ICMP "fragmentation needed" quoted a packet of sa: the path towards
 * its peer takes mtu bytes for 10 minutes. Only a smaller MTU is taken
 * while one is valid, as for routes.
 */
void nfsec_sa_set_pmtu(struct nfsec_sa *sa, u32 mtu)
{
	u32 cur = nfsec_sa_pmtu(sa);

	atomic64_inc(&sa->stats[NFSEC_STATS_A_PMTU_UPDATES]);
	if (cur && cur <= mtu)
		return;
	WRITE_ONCE(sa->pmtu_expires, get_jiffies_64() + NFSEC_PMTU_EXPIRES);
	WRITE_ONCE(sa->pmtu, mtu);
}

/*
 * The path MTU towards sa's peer, or 0 if none is known. The deadline is
 * in 64-bit jiffies: a 32-bit one would wrap (after 24.8 days at HZ=1000)
 * and bring an expired MTU back to life.
 */
u32 nfsec_sa_pmtu(const struct nfsec_sa *sa)
{
	u32 mtu = READ_ONCE(sa->pmtu);

	if (mtu &&
	    time_after64(get_jiffies_64(), READ_ONCE(sa->pmtu_expires)))
		return 0;
	return mtu;
}

/*
 * From the packet path, under sa->lock: has the lifetime work run now, to
 * announce what is pending and delete an SA that has expired.
 */
static void nfsec_sa_kick(struct nfsec_sa *sa)
{
	lockdep_assert_held(&sa->lock);
	if (READ_ONCE(sa->dead) || !refcount_inc_not_zero(&sa->refcnt))
		return;
	/* The reference is the work's; if it was pending, it had one. */
	if (mod_delayed_work(nfsec_wq, &sa->lft_work, 0))
		nfsec_sa_put(sa);
}

static void nfsec_sa_hard_expire(struct nfsec_sa *sa)
{
	lockdep_assert_held(&sa->lock);
	if (sa->state == NFSEC_SA_STATE_HARD_EXPIRED)
		return;
	WRITE_ONCE(sa->state, NFSEC_SA_STATE_HARD_EXPIRED);
	nfsec_sa_kick(sa);
}

/* The next outbound sequence number; false once they are exhausted. */
bool nfsec_sa_next_seq(struct nfsec_sa *sa, u64 *seq)
{
	u64 max = sa->flags & NFSEC_SA_F_ESN ? U64_MAX : U32_MAX;
	unsigned int stat = NFSEC_STATS_A_DROP_SEQ_EXHAUSTED;
	bool ok = false;

	spin_lock_bh(&sa->lock);
	if (sa->state == NFSEC_SA_STATE_HARD_EXPIRED) {
		stat = NFSEC_STATS_A_DROP_HARD_EXPIRED;
	} else if (sa->seq_out == max) {
		/* RFC 4303 3.3.3: never wrap; the SA stops sending. */
		if (sa->state != NFSEC_SA_STATE_SEQ_EXHAUSTED) {
			WRITE_ONCE(sa->state, NFSEC_SA_STATE_SEQ_EXHAUSTED);
			sa->pending_ev |= NFSEC_SA_PEND_SEQ_EXHAUSTED;
			nfsec_sa_kick(sa);
		}
	} else {
		*seq = ++sa->seq_out;
		ok = true;
	}
	spin_unlock_bh(&sa->lock);
	if (ok)
		return true;
	nfsec_sa_count(sa, stat);
	return false;
}

/*
 * The sequence number a dump shows: for an outbound SA the last one sent,
 * for an inbound one the highest one received.
 */
u64 nfsec_sa_seq(const struct nfsec_sa *sa)
{
	return sa->dir == NFSEC_DIR_IN ? READ_ONCE(sa->replay.top) :
					 READ_ONCE(sa->seq_out);
}

/* Before the ICV is checked: may seq_lo be new? Infers the full number. */
bool nfsec_sa_replay_check(struct nfsec_sa *sa, u32 seq_lo, u64 *seq)
{
	int err;

	spin_lock_bh(&sa->lock);
	err = nfsec_replay_check(&sa->replay, seq_lo,
				 sa->flags & NFSEC_SA_F_ESN, seq);
	spin_unlock_bh(&sa->lock);
	if (err)
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_REPLAY);
	return !err;
}

/* After the ICV verified: record seq in the window. */
bool nfsec_sa_replay_advance(struct nfsec_sa *sa, u64 seq)
{
	int err;

	spin_lock_bh(&sa->lock);
	err = nfsec_replay_advance(&sa->replay, seq);
	spin_unlock_bh(&sa->lock);
	if (err)
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_REPLAY);
	return !err;
}

/*
 * Counts a packet of bytes against the SA's counters and lifetimes; false
 * if the SA has reached a hard limit (the packet is then dropped).
 */
bool nfsec_sa_account(struct nfsec_sa *sa, unsigned int bytes, bool in)
{
	const struct nfsec_lifetime *lft = &sa->lft;
	bool soft = false, hard = false;
	u64 packets, total;

	if (READ_ONCE(sa->state) == NFSEC_SA_STATE_HARD_EXPIRED) {
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_HARD_EXPIRED);
		return false;
	}
	nfsec_use_now(&sa->use_jiffies);
	packets = atomic64_inc_return(&sa->stats[NFSEC_STATS_A_PACKETS]);
	total = atomic64_add_return(bytes, &sa->stats[NFSEC_STATS_A_BYTES]);
	if ((lft->hard_packets && packets > lft->hard_packets) ||
	    (lft->hard_bytes && total > lft->hard_bytes))
		hard = true;
	else if ((lft->soft_packets && packets >= lft->soft_packets) ||
		 (lft->soft_bytes && total >= lft->soft_bytes))
		soft = true;
	if (!hard && !soft)
		return true;

	spin_lock_bh(&sa->lock);
	if (hard) {
		nfsec_sa_hard_expire(sa);
	} else if (sa->state == NFSEC_SA_STATE_VALID) {
		WRITE_ONCE(sa->state, NFSEC_SA_STATE_SOFT_EXPIRED);
		sa->pending_ev |= NFSEC_SA_PEND_SOFT;
		nfsec_sa_kick(sa);
	}
	spin_unlock_bh(&sa->lock);
	if (hard) {
		atomic64_dec(&sa->stats[NFSEC_STATS_A_PACKETS]);
		atomic64_sub(bytes, &sa->stats[NFSEC_STATS_A_BYTES]);
		nfsec_sa_count(sa, NFSEC_STATS_A_DROP_HARD_EXPIRED);
	}
	return !hard;
}

int __init nfsec_sa_module_init(void)
{
	nfsec_sa_cache = KMEM_CACHE(nfsec_sa, SLAB_ACCOUNT);
	if (!nfsec_sa_cache)
		return -ENOMEM;
	nfsec_wq = alloc_workqueue("nfsec", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!nfsec_wq) {
		kmem_cache_destroy(nfsec_sa_cache);
		return -ENOMEM;
	}
	return 0;
}

void nfsec_sa_module_exit(void)
{
	/*
	 * Asynchronous completions end with BH disabled: after this, none
	 * is still running module code. Then let pending free_work leave
	 * the RCU callback stage, and drain.
	 */
	synchronize_rcu();
	rcu_barrier();
	destroy_workqueue(nfsec_wq);
	/* Complains, loudly, if any SA was leaked. */
	kmem_cache_destroy(nfsec_sa_cache);
}
