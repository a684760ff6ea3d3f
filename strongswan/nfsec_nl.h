/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel-nfsec: requests to nfsec's generic netlink family over libmnl.
 *
 * One request at a time per socket (the caller serializes); every answer
 * is read to its end, and a refusal comes back as a negative errno with
 * the kernel's extended-ack message.
 */

#ifndef NFSEC_NL_H_
#define NFSEC_NL_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* Room for the kernel's extended-ack message of a refusal. */
#define NFSEC_NL_ERRLEN 256

struct nfsec_nl;

/* A socket for requests; NULL (errno set) if none can be opened. */
struct nfsec_nl *nfsec_nl_open(void);
void nfsec_nl_close(struct nfsec_nl *nl);

/*
 * Looks up a generic netlink family and, if group is not NULL, the id of
 * its multicast group of that name. 0 or a negative errno (-ENOENT: no
 * such family, the module is not loaded).
 */
int nfsec_nl_family(struct nfsec_nl *nl, const char *name, uint16_t *id,
		    const char *group, uint32_t *group_id);

/*
 * A new request in the socket's buffer: a generic netlink header of
 * family and cmd (version NFSEC_GENL_VERSION); add attributes with
 * mnl_attr_put*() and send it with nfsec_nl_talk().
 */
struct nlmsghdr *nfsec_nl_request(struct nfsec_nl *nl, uint16_t family,
				  uint8_t cmd, bool dump);

/*
 * Sends the request and reads every answer to it: cb (may be NULL) sees
 * each reply message (a dump's too). Returns 0, a negative errno of the
 * kernel or of the transport (with err, NFSEC_NL_ERRLEN bytes, holding the
 * kernel's message or a description), or a callback's MNL_CB_ERROR as
 * -EBADMSG.
 */
int nfsec_nl_talk(struct nfsec_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
		  void *data, char *err);

/*
 * A socket that receives the messages of a multicast group, non blocking;
 * NULL (errno set) on failure.
 */
struct mnl_socket *nfsec_nl_listen(uint32_t group_id);

/* The attributes of a generic netlink message, by type (max at most 63). */
int nfsec_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		   unsigned int max);
int nfsec_nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			  unsigned int max);

#endif /* NFSEC_NL_H_ */
