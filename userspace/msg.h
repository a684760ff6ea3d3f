/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFSEC_MSG_H
#define NFSEC_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "parse.h"

#define NFSEC_MSG_SIZE		1024
#define NFSEC_MSG_MAX_ATTRS	48

/*
 * One generic netlink request under construction. Every attribute put is
 * remembered with its offset from the start of the message and its name, so
 * that an extended ACK's NLMSGERR_ATTR_OFFS can be turned back into the name
 * of the attribute the kernel rejected.
 */
struct nfsec_msg_attr {
	uint32_t off;
	const char *name;
	const char *word;	/* the tool's keyword for it, or NULL */
};

struct nfsec_msg {
	struct nlmsghdr *nlh;
	bool overflow;
	unsigned int nattrs;
	struct nfsec_msg_attr attrs[NFSEC_MSG_MAX_ATTRS];
	uint8_t buf[NFSEC_MSG_SIZE] __attribute__((aligned(8)));
};

void nfsec_msg_init(struct nfsec_msg *m, uint16_t family, uint8_t cmd,
		    uint16_t flags);
void nfsec_msg_put(struct nfsec_msg *m, uint16_t type, size_t len,
		   const void *data, const char *name);
void nfsec_msg_put_u8(struct nfsec_msg *m, uint16_t type, uint8_t v,
		      const char *name);
void nfsec_msg_put_u16(struct nfsec_msg *m, uint16_t type, uint16_t v,
		       const char *name);
void nfsec_msg_put_u32(struct nfsec_msg *m, uint16_t type, uint32_t v,
		       const char *name);
void nfsec_msg_put_u64(struct nfsec_msg *m, uint16_t type, uint64_t v,
		       const char *name);
void nfsec_msg_put_strz(struct nfsec_msg *m, uint16_t type, const char *s,
			const char *name);
struct nlattr *nfsec_msg_nest_start(struct nfsec_msg *m, uint16_t type,
				    const char *name);
void nfsec_msg_nest_end(struct nfsec_msg *m, struct nlattr *nest);
/* Wipe key material once the message has been sent. */
void nfsec_msg_wipe(struct nfsec_msg *m);

/* The name of the attribute at @off, or NULL. */
const char *nfsec_msg_attr_name(const struct nfsec_msg_attr *attrs,
				unsigned int n, uint32_t off);
/* The name of attribute @type inside the nest called @nest (or top level). */
const char *nfsec_attr_type_name(const char *nest, uint16_t type);

/*
 * The keyword a user typed for the attribute called @name
 * ("NFSEC_LFT_A_SOFT_BYTES" is "soft-bytes"): the word the request recorded
 * for it, else the tool's own, else NULL. "" for the nests that stand for
 * a whole SA or policy.
 */
const char *nfsec_attr_word(const struct nfsec_msg_attr *attrs,
			    unsigned int n, const char *name);

/*
 * The kernel's refusal in the user's words, into @out: every attribute
 * name in @msg becomes its keyword; a message that starts with none is
 * prefixed with the keyword of @bad (the attribute the extended ACK
 * pointed at), and "missing KEYWORD" is said for @miss. Without @msg,
 * @strerr takes its place.
 */
void nfsec_kernel_words(char *out, size_t size,
			const struct nfsec_msg_attr *attrs, unsigned int n,
			const char *msg, const char *bad, const char *miss,
			const char *strerr);

#define NFSEC_PUT(m, fn, type, v) nfsec_msg_put_##fn(m, type, v, #type)

/* Requests; each returns 0, or -1 if the message did not fit. */
int nfsec_msg_sa_add(struct nfsec_msg *m, const struct nfsec_sa_args *a);
int nfsec_msg_sa_allocspi(struct nfsec_msg *m, const struct nfsec_sa_args *a,
			  uint32_t min, uint32_t max);
int nfsec_msg_sa_id(struct nfsec_msg *m, uint8_t proto,
		    const struct nfsec_addr *src, uint32_t spi);
int nfsec_msg_policy(struct nfsec_msg *m, const struct nfsec_pol_args *p);

#endif
