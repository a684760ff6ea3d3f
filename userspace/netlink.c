// SPDX-License-Identifier: GPL-2.0
/* Generic netlink transport: family lookup, pipelined requests, dumps. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include "netlink.h"
#include "util.h"

#define RX_BUF_SIZE	(64 * 1024)
#define TX_BUF_SIZE	(128 * 1024)
#define SOCK_RCVBUF	(8 * 1024 * 1024)
#define DUMP_TRIES	5
#define REPLY_BUDGET	4096	/* receive buffer per request in flight */

struct pending {
	uint32_t seq;
	unsigned int line;
	const char *what;
	nfsec_nl_cb cb;
	void *data;
	int silent_errno;	/* do not report this errno (family lookup) */
	bool done;
	int err;		/* positive errno */
	char *ext_msg;
	const char *bad_attr;
	const char *miss_attr;
	unsigned int nattrs;
	struct nfsec_msg_attr attrs[NFSEC_MSG_MAX_ATTRS];
};

struct nfsec_nl {
	bool dry;		/* --dry-run: nothing is sent */
	nfsec_nl_done_fn done;
	void *done_data;
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family;
	uint32_t events_group;
	unsigned int window;
	unsigned int npending;
	struct pending *pending;
	size_t txlen;
	uint8_t *txbuf;
	uint8_t *rxbuf;
};

/* A netlink message copied out of the receive buffer (dumps). */
struct msg_vec {
	struct nlmsghdr **v;
	size_t n, cap;
};

static void pending_reset(struct pending *p)
{
	free(p->ext_msg);
	memset(p, 0, offsetof(struct pending, attrs));
}

/*
 * Every request in flight may come back as an ACK plus a reply; keep their
 * total well inside the receive buffer the kernel actually granted.
 */
static unsigned int window_limit(const struct nfsec_nl *nl)
{
	int rcvbuf = 0;
	socklen_t len = sizeof(rcvbuf);

	if (getsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF,
		       &rcvbuf, &len) || rcvbuf < 2 * REPLY_BUDGET)
		return 1;
	return (unsigned int)rcvbuf / REPLY_BUDGET;
}

void nfsec_nl_set_window(struct nfsec_nl *nl, unsigned int window)
{
	struct pending *p;

	if (nl->dry)
		return;
	if (window > window_limit(nl))
		window = window_limit(nl);
	if (!window || window == nl->window)
		return;
	if (nfsec_nl_flush(nl) < 0)
		return;
	p = calloc(window, sizeof(*p));
	if (!p)
		return;
	free(nl->pending);
	nl->pending = p;
	nl->window = window;
}

static int send_all(struct nfsec_nl *nl)
{
	ssize_t r;

	if (!nl->txlen)
		return 0;
	r = mnl_socket_sendto(nl->sock, nl->txbuf, nl->txlen);
	if (r < 0 || (size_t)r != nl->txlen)
		return nfsec_error("netlink send: %s",
				   r < 0 ? strerror(errno) : "short write");
	nl->txlen = 0;
	return 0;
}

struct ext_ack {
	int err;
	const char *msg;
	bool has_off, has_miss_type, has_miss_nest;
	uint32_t off, miss_type, miss_nest;
};

static int ext_ack_attr(const struct nlattr *attr, void *data)
{
	struct ext_ack *e = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		if (!mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
			e->msg = mnl_attr_get_str(attr);
		break;
	case NLMSGERR_ATTR_OFFS:
		if (!mnl_attr_validate(attr, MNL_TYPE_U32)) {
			e->off = mnl_attr_get_u32(attr);
			e->has_off = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		if (!mnl_attr_validate(attr, MNL_TYPE_U32)) {
			e->miss_type = mnl_attr_get_u32(attr);
			e->has_miss_type = true;
		}
		break;
	case NLMSGERR_ATTR_MISS_NEST:
		if (!mnl_attr_validate(attr, MNL_TYPE_U32)) {
			e->miss_nest = mnl_attr_get_u32(attr);
			e->has_miss_nest = true;
		}
		break;
	}
	return MNL_CB_OK;
}

/* Parse an NLMSG_ERROR (or an NLMSG_DONE carrying an error). */
static void parse_ext_ack(const struct nlmsghdr *nlh, struct ext_ack *e)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int off;

	memset(e, 0, sizeof(*e));
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(int))) {
		e->err = EBADMSG;
		return;
	}
	if (nlh->nlmsg_type == NLMSG_DONE) {
		e->err = -*(const int *)err;
		off = sizeof(int);
	} else {
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
			e->err = -err->error;
			return;
		}
		e->err = -err->error;
		off = sizeof(*err);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (mnl_nlmsg_size(off) > nlh->nlmsg_len)
		return;
	mnl_attr_parse(nlh, off, ext_ack_attr, e);
}

static void record_error(struct pending *p, const struct nlmsghdr *nlh)
{
	struct ext_ack e;
	const char *nest;

	parse_ext_ack(nlh, &e);
	p->err = e.err;
	if (!e.err)
		return;
	if (e.msg)
		p->ext_msg = strdup(e.msg);
	if (e.has_off)
		p->bad_attr = nfsec_msg_attr_name(p->attrs, p->nattrs, e.off);
	if (e.has_miss_type) {
		nest = e.has_miss_nest ?
		       nfsec_msg_attr_name(p->attrs, p->nattrs, e.miss_nest) :
		       NULL;
		p->miss_attr = nfsec_attr_type_name(nest, (uint16_t)e.miss_type);
	}
}

static void report(const char *what, int err, const char *msg,
		   const char *bad_attr, const char *miss_attr,
		   const struct nfsec_msg_attr *attrs, unsigned int nattrs)
{
	char words[512];

	nfsec_kernel_words(words, sizeof(words), attrs, nattrs, msg, bad_attr,
			   miss_attr, strerror(err));
	nfsec_error_kernel("%s: %s", what, words);
}

static struct pending *find_pending(struct nfsec_nl *nl, uint32_t seq)
{
	uint32_t first;

	if (!nl->npending)
		return NULL;
	first = nl->pending[0].seq;
	if (seq - first >= nl->npending)
		return NULL;
	return &nl->pending[seq - first];
}

static int recv_some(struct nfsec_nl *nl, ssize_t *len)
{
	ssize_t r;

	for (;;) {
		r = mnl_socket_recvfrom(nl->sock, nl->rxbuf, RX_BUF_SIZE);
		if (r >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS)
			return nfsec_error("netlink receive: %s (replies lost; use a smaller batch window)",
					   strerror(errno));
		return nfsec_error("netlink receive: %s", strerror(errno));
	}
	*len = r;
	return 0;
}

static int collect_acks(struct nfsec_nl *nl)
{
	unsigned int done = 0, i;
	const struct nlmsghdr *nlh;
	struct pending *p;
	ssize_t len;
	int len_i;

	for (i = 0; i < nl->npending; i++)
		done += nl->pending[i].done;
	while (done < nl->npending) {
		if (recv_some(nl, &len))
			return -1;
		len_i = (int)len;
		for (nlh = (const struct nlmsghdr *)nl->rxbuf;
		     mnl_nlmsg_ok(nlh, len_i);
		     nlh = mnl_nlmsg_next(nlh, &len_i)) {
			if (nlh->nlmsg_pid != nl->portid)
				continue;
			p = find_pending(nl, nlh->nlmsg_seq);
			if (!p || p->done)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				record_error(p, nlh);
				p->done = true;
				done++;
			} else if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && p->cb &&
				   !p->err) {
				if (p->cb(nlh, p->data) < 0)
					p->err = EPROTO;
			}
		}
	}
	return 0;
}

int nfsec_nl_flush(struct nfsec_nl *nl)
{
	unsigned int i, saved_line = nfsec_error_line();
	int ret = 0;

	if (!nl->npending)
		return 0;
	if (send_all(nl) || collect_acks(nl)) {
		ret = -1;
		goto out;
	}
	for (i = 0; nl->done && i < nl->npending; i++)
		nl->done(nl->pending[i].line, nl->pending[i].err, nl->done_data);
	for (i = 0; i < nl->npending; i++) {
		struct pending *p = &nl->pending[i];

		if (!p->err)
			continue;
		ret = -p->err;
		if (p->err == p->silent_errno)
			break;
		nfsec_error_set_line(p->line);
		report(p->what, p->err, p->ext_msg, p->bad_attr, p->miss_attr,
		       p->attrs, p->nattrs);
		nfsec_error_set_line(saved_line);
		break;
	}
out:
	for (i = 0; i < nl->npending; i++)
		pending_reset(&nl->pending[i]);
	nl->npending = 0;
	nl->txlen = 0;
	return ret;
}

static int queue(struct nfsec_nl *nl, const struct nfsec_msg *m,
		 const char *what, nfsec_nl_cb cb, void *data, int silent)
{
	uint32_t len = m->nlh->nlmsg_len;
	struct nlmsghdr *nlh;
	struct pending *p;
	int r;

	if (nl->dry)
		return 0;
	if (nl->txlen + MNL_ALIGN(len) > TX_BUF_SIZE) {
		r = nfsec_nl_flush(nl);
		if (r)
			return r;
	}
	nlh = (struct nlmsghdr *)(nl->txbuf + nl->txlen);
	memcpy(nlh, m->nlh, len);
	nlh->nlmsg_flags |= NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	nlh->nlmsg_pid = 0;
	nl->txlen += MNL_ALIGN(len);

	p = &nl->pending[nl->npending++];
	p->seq = nlh->nlmsg_seq;
	p->line = nfsec_error_line();
	p->what = what;
	p->cb = cb;
	p->data = data;
	p->silent_errno = silent;
	p->nattrs = m->nattrs;
	memcpy(p->attrs, m->attrs, m->nattrs * sizeof(m->attrs[0]));
	if (nl->npending == nl->window)
		return nfsec_nl_flush(nl);
	return 0;
}

int nfsec_nl_queue(struct nfsec_nl *nl, const struct nfsec_msg *m,
		   const char *what, nfsec_nl_cb cb, void *data)
{
	return queue(nl, m, what, cb, data, 0) ? -1 : 0;
}

int nfsec_nl_do(struct nfsec_nl *nl, const struct nfsec_msg *m,
		const char *what, nfsec_nl_cb cb, void *data)
{
	if (queue(nl, m, what, cb, data, 0))
		return -1;
	return nfsec_nl_flush(nl) ? -1 : 0;
}

int nfsec_nl_do_quiet(struct nfsec_nl *nl, const struct nfsec_msg *m,
		      const char *what, nfsec_nl_cb cb, void *data,
		      int silent_errno)
{
	int r = queue(nl, m, what, cb, data, silent_errno);

	if (!r)
		r = nfsec_nl_flush(nl);
	if (r && r != -silent_errno)
		return -1;
	return r;
}

static void vec_free(struct msg_vec *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	memset(v, 0, sizeof(*v));
}

static int vec_add(struct msg_vec *v, const struct nlmsghdr *nlh)
{
	struct nlmsghdr **nv, *copy;

	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 64;

		nv = realloc(v->v, cap * sizeof(*nv));
		if (!nv)
			return nfsec_error("out of memory");
		v->v = nv;
		v->cap = cap;
	}
	copy = malloc(nlh->nlmsg_len);
	if (!copy)
		return nfsec_error("out of memory");
	memcpy(copy, nlh, nlh->nlmsg_len);
	v->v[v->n++] = copy;
	return 0;
}

/* Returns 0 when complete, 1 when interrupted, -1 on error (reported). */
static int dump_once(struct nfsec_nl *nl, struct nfsec_msg *m,
		     const char *what, struct msg_vec *v)
{
	const struct nlmsghdr *nlh;
	bool intr = false;
	struct ext_ack e;
	ssize_t len;
	int len_i;

	m->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	m->nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->sock, m->nlh, m->nlh->nlmsg_len) < 0)
		return nfsec_error("netlink send: %s", strerror(errno));
	for (;;) {
		if (recv_some(nl, &len))
			return -1;
		len_i = (int)len;
		for (nlh = (const struct nlmsghdr *)nl->rxbuf;
		     mnl_nlmsg_ok(nlh, len_i);
		     nlh = mnl_nlmsg_next(nlh, &len_i)) {
			if (nlh->nlmsg_pid != nl->portid ||
			    nlh->nlmsg_seq != m->nlh->nlmsg_seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				parse_ext_ack(nlh, &e);
				if (e.err) {
					report(what, e.err, e.msg, e.has_off ?
					       nfsec_msg_attr_name(m->attrs,
								   m->nattrs,
								   e.off) :
					       NULL, NULL, m->attrs, m->nattrs);
					return -1;
				}
				return intr ? 1 : 0;
			}
			if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && vec_add(v, nlh))
				return -1;
		}
	}
}

int nfsec_nl_dump(struct nfsec_nl *nl, struct nfsec_msg *m, const char *what,
		  nfsec_nl_cb cb, void *data)
{
	struct msg_vec v = { 0 };
	int tries, r = 1;
	size_t i;

	if (nl->dry)
		return 0;
	if (nfsec_nl_flush(nl))
		return -1;
	for (tries = 0; tries < DUMP_TRIES && r == 1; tries++) {
		vec_free(&v);
		r = dump_once(nl, m, what, &v);
	}
	if (r == 1)
		r = nfsec_error("%s: dump interrupted, retry", what);
	for (i = 0; !r && i < v.n; i++)
		if (cb(v.v[i], data) < 0)
			r = -1;
	vec_free(&v);
	return r;
}

struct family_info {
	uint16_t id;
	uint32_t events_group;
};

static int mcast_group(const struct nlattr *grp, struct family_info *fi)
{
	const struct nlattr *attr;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(attr, grp) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_NAME &&
		    !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
			name = mnl_attr_get_str(attr);
		else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_ID &&
			 !mnl_attr_validate(attr, MNL_TYPE_U32))
			id = mnl_attr_get_u32(attr);
	}
	if (name && !strcmp(name, NFSEC_MCGRP_EVENTS))
		fi->events_group = id;
	return 0;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_info *fi = data;
	const struct nlattr *attr, *grp;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(attr)) {
		case CTRL_ATTR_FAMILY_ID:
			if (!mnl_attr_validate(attr, MNL_TYPE_U16))
				fi->id = mnl_attr_get_u16(attr);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(grp, attr)
				mcast_group(grp, fi);
			break;
		}
	}
	return 0;
}

static int resolve_family(struct nfsec_nl *nl, const char *name)
{
	struct family_info fi = { 0 };
	struct nfsec_msg m;
	int r;

	nfsec_msg_init(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	nfsec_msg_put_strz(&m, CTRL_ATTR_FAMILY_NAME, name,
			   "CTRL_ATTR_FAMILY_NAME");
	r = queue(nl, &m, "family lookup", family_cb, &fi, ENOENT);
	if (!r)
		r = nfsec_nl_flush(nl);
	if (r == -ENOENT)
		return nfsec_error_kernel("kernel module not loaded (generic netlink family \"%s\" not found)",
				   name);
	if (r)
		return -1;
	if (!fi.id)
		return nfsec_error("family lookup: no family id in reply");
	nl->family = fi.id;
	nl->events_group = fi.events_group;
	return 0;
}

static void set_int_opt(struct nfsec_nl *nl, int level, int opt, int val)
{
	/* Best effort: older kernels lack some of these. */
	(void)setsockopt(mnl_socket_get_fd(nl->sock), level, opt, &val,
			 sizeof(val));
}

int nfsec_nl_open_dry(struct nfsec_nl **nlp)
{
	struct nfsec_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return nfsec_error("out of memory");
	nl->dry = true;
	*nlp = nl;
	return 0;
}

void nfsec_nl_set_done(struct nfsec_nl *nl, nfsec_nl_done_fn fn, void *data)
{
	nl->done = fn;
	nl->done_data = data;
}

int nfsec_nl_open(struct nfsec_nl **nlp)
{
	return nfsec_nl_open_family(nlp, NFSEC_GENL_NAME);
}

int nfsec_nl_open_family(struct nfsec_nl **nlp, const char *name)
{
	struct nfsec_nl *nl;
	int fd, val = SOCK_RCVBUF;

	nl = calloc(1, sizeof(*nl));
	if (!nl)
		return nfsec_error("out of memory");
	nl->window = 1;
	nl->pending = calloc(1, sizeof(*nl->pending));
	nl->txbuf = malloc(TX_BUF_SIZE);
	nl->rxbuf = malloc(RX_BUF_SIZE);
	if (!nl->pending || !nl->txbuf || !nl->rxbuf) {
		nfsec_error("out of memory");
		goto err;
	}
	nl->sock = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!nl->sock) {
		nfsec_error("netlink socket: %s", strerror(errno));
		goto err;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		nfsec_error("netlink bind: %s", strerror(errno));
		goto err;
	}
	fd = mnl_socket_get_fd(nl->sock);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &val, sizeof(val)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &val, sizeof(val));
	set_int_opt(nl, SOL_NETLINK, NETLINK_EXT_ACK, 1);
	set_int_opt(nl, SOL_NETLINK, NETLINK_CAP_ACK, 1);
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	if (resolve_family(nl, name))
		goto err;
	*nlp = nl;
	return 0;
err:
	nfsec_nl_close(nl);
	return -1;
}

void nfsec_nl_close(struct nfsec_nl *nl)
{
	unsigned int i;

	if (!nl)
		return;
	if (nl->pending)
		for (i = 0; i < nl->window; i++)
			free(nl->pending[i].ext_msg);
	if (nl->sock)
		mnl_socket_close(nl->sock);
	if (nl->txbuf)
		explicit_bzero(nl->txbuf, TX_BUF_SIZE);
	free(nl->pending);
	free(nl->txbuf);
	free(nl->rxbuf);
	free(nl);
}

uint16_t nfsec_nl_family(const struct nfsec_nl *nl)
{
	return nl->family;
}

int nfsec_nl_fd(const struct nfsec_nl *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

int nfsec_nl_join_events(struct nfsec_nl *nl)
{
	int grp = (int)nl->events_group;

	if (nl->dry)
		return nfsec_error("no events in a dry run");
	if (!nl->events_group)
		return nfsec_error("the \"%s\" family has no \"%s\" group",
				   NFSEC_GENL_NAME, NFSEC_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &grp,
				  sizeof(grp)) < 0)
		return nfsec_error("joining group \"%s\": %s",
				   NFSEC_MCGRP_EVENTS, strerror(errno));
	return 0;
}

int nfsec_nl_recv_events(struct nfsec_nl *nl, nfsec_nl_cb cb, void *data)
{
	const struct nlmsghdr *nlh;
	ssize_t r;
	int len;

	r = mnl_socket_recvfrom(nl->sock, nl->rxbuf, RX_BUF_SIZE);
	if (r < 0) {
		if (errno == EINTR)
			return 1;
		if (errno == ENOBUFS) {
			nfsec_error("events lost: receive buffer overflow");
			return 0;
		}
		return nfsec_error("netlink receive: %s", strerror(errno));
	}
	len = (int)r;
	for (nlh = (const struct nlmsghdr *)nl->rxbuf; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type != nl->family)
			continue;
		if (cb(nlh, data) < 0)
			return -1;
	}
	return 0;
}
