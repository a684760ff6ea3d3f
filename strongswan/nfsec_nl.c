// SPDX-License-Identifier: GPL-2.0
/* kernel-nfsec: requests to nfsec's generic netlink family over libmnl. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nfsec_nl.h"
#include "../kmod/uapi/nfsec.h"

#define NL_TXBUF	8192
#define NL_RXBUF	(64 * 1024)
#define NL_TIMEOUT	5	/* seconds without an answer: give up */

struct nfsec_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint8_t tx[NL_TXBUF];
	uint8_t rx[NL_RXBUF];
};

struct nfsec_nl *nfsec_nl_open(void)
{
	struct timeval tv = { .tv_sec = NL_TIMEOUT };
	struct nfsec_nl *nl;
	int one = 1;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return NULL;
	nl->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!nl->sock)
		goto fail;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* The kernel's reasons, and refusals without the request echoed. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVTIMEO,
		       &tv, sizeof(tv)))
		goto fail;
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return nl;

fail:
	nfsec_nl_close(nl);
	return NULL;
}

void nfsec_nl_close(struct nfsec_nl *nl)
{
	int saved = errno;

	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
	errno = saved;
}

struct nlmsghdr *nfsec_nl_request(struct nfsec_nl *nl, uint16_t family,
				  uint8_t cmd, bool dump)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	nlh = mnl_nlmsg_put_header(nl->tx);
	nlh->nlmsg_type = family;
	/* A dump ends with NLMSG_DONE; anything else is acknowledged. */
	nlh->nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : NLM_F_ACK);
	nlh->nlmsg_seq = ++nl->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = family == GENL_ID_CTRL ? 1 : NFSEC_GENL_VERSION;
	return nlh;
}

struct ack_attrs {
	const char *msg;
};

static int ack_attr_cb(const struct nlattr *attr, void *data)
{
	struct ack_attrs *a = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
		a->msg = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

/*
 * An NLMSG_ERROR (an acknowledgement when its error is 0) or the
 * NLMSG_DONE of a dump, which may carry an error too: its errno, and the
 * kernel's message into err.
 */
static int ack_error(const struct nlmsghdr *nlh, char *err)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct ack_attrs a = { 0 };
	unsigned int off;
	int code;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(int))) {
		snprintf(err, NFSEC_NL_ERRLEN, "truncated acknowledgement");
		return -EBADMSG;
	}
	code = *(const int *)e;
	if (nlh->nlmsg_type == NLMSG_DONE) {
		off = sizeof(int);
	} else {
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
			snprintf(err, NFSEC_NL_ERRLEN, "truncated acknowledgement");
			return code ? code : -EBADMSG;
		}
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (!code)
		return 0;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    mnl_nlmsg_size(off) <= nlh->nlmsg_len)
		mnl_attr_parse(nlh, off, ack_attr_cb, &a);
	snprintf(err, NFSEC_NL_ERRLEN, "%s", a.msg ? a.msg : strerror(-code));
	return code;
}

int nfsec_nl_talk(struct nfsec_nl *nl, struct nlmsghdr *req, mnl_cb_t cb,
		  void *data, char *err)
{
	uint32_t seq = req->nlmsg_seq;
	int result = 0;
	bool done = false;
	ssize_t len;

	err[0] = '\0';
	if (mnl_socket_sendto(nl->sock, req, req->nlmsg_len) < 0) {
		result = -errno;
		snprintf(err, NFSEC_NL_ERRLEN, "netlink send: %s", strerror(errno));
		return result;
	}
	while (!done) {
		const struct nlmsghdr *nlh;
		int left;

		len = mnl_socket_recvfrom(nl->sock, nl->rx, sizeof(nl->rx));
		if (len < 0) {
			if (errno == EINTR)
				continue;
			result = errno == EAGAIN ? -ETIMEDOUT : -errno;
			snprintf(err, NFSEC_NL_ERRLEN, "netlink receive: %s",
				 errno == EAGAIN ? "no answer from the kernel" :
				 strerror(errno));
			return result;
		}
		left = (int)len;
		for (nlh = (const struct nlmsghdr *)nl->rx;
		     mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			int r;

			/* Late answers to a request that timed out. */
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != nl->portid)
				continue;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				continue;
			case NLMSG_ERROR:
			case NLMSG_DONE:
				r = ack_error(nlh, err);
				if (r && !result)
					result = r;
				done = true;
				continue;
			}
			if (result || !cb)
				continue;
			r = cb(nlh, data);
			if (r == MNL_CB_ERROR) {
				result = -EBADMSG;
				snprintf(err, NFSEC_NL_ERRLEN,
					 "unexpected answer from the kernel");
			}
		}
	}
	return result;
}

struct family_query {
	const char *group;
	uint16_t id;
	uint32_t group_id;
	bool has_id, has_group;
};

static int family_group(const struct nlattr *grp, struct family_query *q)
{
	const struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];

	if (nfsec_nl_parse_nested(grp, tb, CTRL_ATTR_MCAST_GRP_MAX) < 0 ||
	    !tb[CTRL_ATTR_MCAST_GRP_NAME] || !tb[CTRL_ATTR_MCAST_GRP_ID] ||
	    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) ||
	    mnl_attr_validate(tb[CTRL_ATTR_MCAST_GRP_ID], MNL_TYPE_U32))
		return MNL_CB_OK;
	if (!strcmp(mnl_attr_get_str(tb[CTRL_ATTR_MCAST_GRP_NAME]), q->group)) {
		q->group_id = mnl_attr_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
		q->has_group = true;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *grp;
	struct family_query *q = data;

	if (nfsec_nl_parse(nlh, tb, CTRL_ATTR_MAX) < 0)
		return MNL_CB_ERROR;
	if (tb[CTRL_ATTR_FAMILY_ID] &&
	    !mnl_attr_validate(tb[CTRL_ATTR_FAMILY_ID], MNL_TYPE_U16)) {
		q->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
		q->has_id = true;
	}
	if (q->group && tb[CTRL_ATTR_MCAST_GROUPS])
		mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS])
			family_group(grp, q);
	return MNL_CB_OK;
}

int nfsec_nl_family(struct nfsec_nl *nl, const char *name, uint16_t *id,
		    const char *group, uint32_t *group_id)
{
	struct family_query q = { .group = group };
	char err[NFSEC_NL_ERRLEN];
	struct nlmsghdr *nlh;
	int r;

	nlh = nfsec_nl_request(nl, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, false);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	r = nfsec_nl_talk(nl, nlh, family_cb, &q, err);
	if (r)
		return r;
	if (!q.has_id || (group && !q.has_group))
		return -ENOENT;
	*id = q.id;
	if (group)
		*group_id = q.group_id;
	return 0;
}

struct mnl_socket *nfsec_nl_listen(uint32_t group_id)
{
	struct mnl_socket *sock;
	int bufsize = 1024 * 1024;
	int saved;

	sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!sock)
		return NULL;
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_setsockopt(sock, NETLINK_ADD_MEMBERSHIP, &group_id,
				  sizeof(group_id)) < 0) {
		saved = errno;
		mnl_socket_close(sock);
		errno = saved;
		return NULL;
	}
	/* A burst of events (a flush, many expiries) should not overrun. */
	setsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_RCVBUF, &bufsize,
		   sizeof(bufsize));
	return sock;
}

struct parse_ctx {
	const struct nlattr **tb;
	unsigned int max;
};

static int parse_cb(const struct nlattr *attr, void *data)
{
	struct parse_ctx *p = data;
	unsigned int type = mnl_attr_get_type(attr);

	/* Newer kernels may report attributes this build does not know. */
	if (type <= p->max)
		p->tb[type] = attr;
	return MNL_CB_OK;
}

int nfsec_nl_parse(const struct nlmsghdr *nlh, const struct nlattr **tb,
		   unsigned int max)
{
	struct parse_ctx p = { .tb = tb, .max = max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_cb, &p) < 0 ?
		-EBADMSG : 0;
}

int nfsec_nl_parse_nested(const struct nlattr *nest, const struct nlattr **tb,
			  unsigned int max)
{
	struct parse_ctx p = { .tb = tb, .max = max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse_nested(nest, parse_cb, &p) < 0 ? -EBADMSG : 0;
}
