/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_REPLAY_H
#define _NFSEC_REPLAY_H

#include <linux/init.h>
#include <linux/types.h>

/*
 * The receive side of one SA's sequence numbers (RFC 4303 section 3.4.3 and
 * appendix A, RFC 4302 section 3.4.3). Pure logic without a lock of its own:
 * the caller holds the SA's lock around every call but init and free.
 */
struct nfsec_replay {
	u64 top;		/* highest sequence number authenticated so far */
	u32 size;		/* window size in packets, 0: anti-replay off */
	unsigned long *bits;	/* BITS_TO_LONGS(size) words, bit (seq % size)
				 * set when seq was seen; NULL when size == 0
				 */
};

int nfsec_replay_init(struct nfsec_replay *r, u32 size, gfp_t gfp);
void nfsec_replay_free(struct nfsec_replay *r);
int nfsec_replay_check(const struct nfsec_replay *r, u32 seq_lo, bool esn,
		       u64 *seq);
int nfsec_replay_advance(struct nfsec_replay *r, u64 seq);
#ifdef NFSEC_DEBUG
int __init nfsec_replay_selftest(void);
#else
static inline int nfsec_replay_selftest(void)
{
	return 0;
}
#endif

#endif /* _NFSEC_REPLAY_H */
