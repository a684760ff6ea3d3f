/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFSEC_PRINT_H
#define NFSEC_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include <libmnl/libmnl.h>

#include "json.h"

struct nfsec_print {
	FILE *f;			/* human output goes here */
	struct nfsec_json *json;	/* NULL: human output */
	const char *key;		/* JSON member name, NULL in arrays */
	bool stats;
	bool with_keys;
	bool oneline;			/* events: the identifying line only */
};

/* Print an NFSEC_A_SA / NFSEC_A_POLICY nest. */
int nfsec_print_sa(const struct nlattr *nest, const struct nfsec_print *o);
int nfsec_print_policy(const struct nlattr *nest, const struct nfsec_print *o);

/*
 * Print an NFSEC_A_STATS nest (the namespace's counters) as one line
 * "stats no-sa N discard N ..." or as a JSON object named o->key.
 * Unknown, padding and malformed counters are skipped.
 */
int nfsec_print_net_stats(const struct nlattr *nest,
			  const struct nfsec_print *o);

/*
 * "nfsec save": print the "sa add" or "policy add" line that creates this
 * SA or policy again. Without @with_keys (or without a key in the reply)
 * each key is written NFSEC_KEY_OMITTED, which "sa add" refuses.
 */
int nfsec_save_sa(const struct nlattr *nest, FILE *f, bool with_keys);
int nfsec_save_policy(const struct nlattr *nest, FILE *f);

/* Find a top-level attribute of a generic netlink message. */
const struct nlattr *nfsec_genl_attr(const struct nlmsghdr *nlh,
				     uint16_t type);

#endif
