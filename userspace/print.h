/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFSEC_PRINT_H
#define NFSEC_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include <libmnl/libmnl.h>

#include "json.h"

/* The JSON schema: raised when a member changes meaning or goes away. */
#define NFSEC_JSON_SCHEMA 1

struct nfsec_print {
	FILE *f;			/* human output goes here */
	struct nfsec_json *json;	/* NULL: human output */
	const char *key;		/* JSON member name, NULL in arrays */
	bool schema;			/* a top-level object: "schema": N first */
	bool stats;
	bool with_keys;
	bool oneline;			/* events: the identifying line only */
};

/*
 * One call for both outputs, as iproute2's print_uint(PRINT_ANY, ...):
 * with o->json, the value (the one argument after @fmt, of the function's
 * type) becomes the member @key (NULL inside an array); else @fmt and its
 * arguments are printed as text. A call of one kind only prints nothing
 * in the other output.
 */
enum {
	NFSEC_PRINT_TEXT = 1,
	NFSEC_PRINT_JSON = 2,
	NFSEC_PRINT_ANY = 3,
};

void nfsec_print_str(const struct nfsec_print *o, int type, const char *key,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void nfsec_print_u32(const struct nfsec_print *o, int type, const char *key,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void nfsec_print_u64(const struct nfsec_print *o, int type, const char *key,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* JSON only: null, objects and arrays; text has none of them. */
void nfsec_print_null(const struct nfsec_print *o, const char *key);
/* An object ('{', '}') or an array ('[', ']'). */
void nfsec_print_open(const struct nfsec_print *o, const char *key,
		      char bracket);
void nfsec_print_close(const struct nfsec_print *o, char bracket);
/* "schema": NFSEC_JSON_SCHEMA, if o->schema. */
void nfsec_print_schema(const struct nfsec_print *o);

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
