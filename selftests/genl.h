/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the C selftests that speak nfsec's generic netlink raw
 * (netlink_api.c and the fuzzers): a socket in the current network
 * namespace with extended acknowledgements on, and nfsec's family and
 * events group looked up on it.
 */

#ifndef NFSEC_GENL_H
#define NFSEC_GENL_H

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "../kmod/uapi/nfsec.h"

struct nfsec_genl_ids {
	uint16_t family;
	uint32_t events_group;		/* 0 if the family has none */
};

static int nfsec_genl_attr_cb(const struct nlattr *attr, void *data)
{
	struct nfsec_genl_ids *ids = data;
	const struct nlattr *grp, *a;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		ids->family = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_MCAST_GROUPS:
		mnl_attr_for_each_nested(grp, attr) {
			const char *name = NULL;
			uint32_t id = 0;

			mnl_attr_for_each_nested(a, grp) {
				if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
					id = mnl_attr_get_u32(a);
				if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
					name = mnl_attr_get_str(a);
			}
			if (name && !strcmp(name, NFSEC_MCGRP_EVENTS))
				ids->events_group = id;
		}
		break;
	}
	return MNL_CB_OK;
}

static int nfsec_genl_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr),
			      nfsec_genl_attr_cb, data) < 0 ?
	       MNL_CB_ERROR : MNL_CB_OK;
}

/* Starts in buf a request to generic netlink family type, command cmd. */
static inline struct nlmsghdr *nfsec_genl_req(char *buf, uint16_t type,
					      uint32_t seq, uint8_t cmd,
					      uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

/*
 * Opens the socket and asks the controller for nfsec's family, with
 * sequence number seq, through buf (size bytes). The socket, or NULL if it
 * cannot be had or the family is not there.
 */
static inline struct mnl_socket *nfsec_genl_open(char *buf, size_t size,
						 uint32_t seq,
						 struct nfsec_genl_ids *ids)
{
	struct mnl_socket *sock;
	struct nlmsghdr *nlh;
	int one = 1, ret;

	memset(ids, 0, sizeof(*ids));
	sock = mnl_socket_open(NETLINK_GENERIC);
	if (!sock)
		return NULL;
	if (mnl_socket_bind(sock, 0, 0) < 0)
		goto fail;
	mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));

	nlh = nfsec_genl_req(buf, GENL_ID_CTRL, seq, CTRL_CMD_GETFAMILY, 1,
			     NLM_F_REQUEST);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NFSEC_GENL_NAME);
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		goto fail;
	ret = mnl_socket_recvfrom(sock, buf, size);
	if (ret <= 0)
		goto fail;
	ret = mnl_cb_run(buf, ret, seq, 0, nfsec_genl_cb, ids);
	if (ret < 0 || !ids->family)
		goto fail;
	return sock;

fail:
	mnl_socket_close(sock);
	return NULL;
}

#endif /* NFSEC_GENL_H */
