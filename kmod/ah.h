/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_AH_H
#define _NFSEC_AH_H

#include <linux/skbuff.h>
#include <linux/types.h>

struct nfsec_sa;
struct nfsec_cont;

/* See nfsec_xform_output() and nfsec_xform_input(). */
unsigned int nfsec_ah_overhead(const struct nfsec_sa *sa);
unsigned int nfsec_ah_output(struct nfsec_sa *sa, struct sk_buff *skb,
			     const struct nfsec_cont *cont);
unsigned int nfsec_ah_input(struct nfsec_sa *sa, struct sk_buff *skb,
			    u64 seq, const struct nfsec_cont *cont);

#endif /* _NFSEC_AH_H */
