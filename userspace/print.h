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

/* Find a top-level attribute of a generic netlink message. */
const struct nlattr *nfsec_genl_attr(const struct nlmsghdr *nlh,
				     uint16_t type);

#endif
