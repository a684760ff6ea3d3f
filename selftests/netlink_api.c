// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink API of nfsec, spoken raw: every rejection path
 * (missing, unknown, oversized, wrong-length and read-only attributes,
 * reserved values, forbidden algorithms), EEXIST and ENOENT, key hiding,
 * dumps across many messages and their consistency flag, events, lifetimes,
 * namespace isolation and privilege checks; SAs and policies of IPv6 (the
 * *6 address attributes, a policy's family) beside those of IPv4.
 *
 * Needs nfsec.ko loaded (or loadable) and root.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>

#include "kselftest_harness.h"
#include "genl.h"

#define BUFSZ (1 << 16)

struct nl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t events_group;
	uint32_t seq;
	char *buf;
};

/*
 * The address attributes of an SA, a policy or a policy's SA nest as the
 * kernel reported them: which were there, and the IPv6 ones' bytes.
 */
struct addrs {
	bool src, src6, dst, dst6;
	struct in6_addr src_in6, dst_in6;
	int family;			/* NFSEC_POL_A_FAMILY, or -1 */
	uint8_t splen, dplen;
};

static void addrs_init(struct addrs *r)
{
	memset(r, 0, sizeof(*r));
	r->family = -1;
}

/* An IPv6 address attribute of 16 bytes into *in6; false otherwise. */
static bool get_in6(const struct nlattr *a, struct in6_addr *in6)
{
	if (mnl_attr_get_payload_len(a) != sizeof(*in6))
		return false;
	memcpy(in6, mnl_attr_get_payload(a), sizeof(*in6));
	return true;
}

/* The addresses of an NFSEC_A_SA or NFSEC_POL_A_SA nest. */
static void sa_addrs(const struct nlattr *nest, struct addrs *r)
{
	const struct nlattr *a;

	addrs_init(r);
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case NFSEC_SA_A_SRC:
			r->src = true;
			break;
		case NFSEC_SA_A_DST:
			r->dst = true;
			break;
		case NFSEC_SA_A_SRC6:
			r->src6 = get_in6(a, &r->src_in6);
			break;
		case NFSEC_SA_A_DST6:
			r->dst6 = get_in6(a, &r->dst_in6);
			break;
		}
	}
}

/* What the kernel answered to one request. */
struct answer {
	int err;			/* 0 or a negative errno */
	char msg[256];			/* NLMSGERR_ATTR_MSG */
	int miss_type;			/* NLMSGERR_ATTR_MISS_TYPE or -1 */
	bool has_offs;
	uint32_t offs;			/* NLMSGERR_ATTR_OFFS */
	uint32_t count;			/* NFSEC_A_COUNT of a reply */
	uint32_t pol_index;		/* NFSEC_POL_A_INDEX of a reply */
	struct addrs sa;		/* the addresses of a reply's SA */
	uint32_t spi;			/* its SPI, host order */
	int state;			/* its NFSEC_SA_A_STATE, or -1 */
	uint32_t reqid;			/* its NFSEC_SA_A_REQID */
};

static int nl_open(struct nl *nl)
{
	struct nfsec_genl_ids ids;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(BUFSZ);
	if (!nl->buf)
		return -1;
	nl->seq = time(NULL);
	nl->sock = nfsec_genl_open(nl->buf, BUFSZ, ++nl->seq, &ids);
	if (!nl->sock)
		return -1;
	nl->family = ids.family;
	nl->events_group = ids.events_group;
	return 0;
}

static void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
}

static struct nlmsghdr *req(struct nl *nl, uint8_t cmd, uint16_t flags)
{
	return nfsec_genl_req(nl->buf, nl->family, ++nl->seq, cmd,
			      NFSEC_GENL_VERSION,
			      NLM_F_REQUEST | NLM_F_ACK | flags);
}

static int ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct answer *a = data;

	switch (mnl_attr_get_type(attr)) {
	case NLMSGERR_ATTR_MSG:
		snprintf(a->msg, sizeof(a->msg), "%s", mnl_attr_get_str(attr));
		break;
	case NLMSGERR_ATTR_OFFS:
		a->has_offs = true;
		a->offs = mnl_attr_get_u32(attr);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		a->miss_type = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static int reply_attr_cb(const struct nlattr *attr, void *data)
{
	struct answer *a = data;
	const struct nlattr *p;

	if (mnl_attr_get_type(attr) == NFSEC_A_COUNT)
		a->count = mnl_attr_get_u32(attr);
	if (mnl_attr_get_type(attr) == NFSEC_A_SA) {
		sa_addrs(attr, &a->sa);
		mnl_attr_for_each_nested(p, attr) {
			if (mnl_attr_get_type(p) == NFSEC_SA_A_SPI)
				a->spi = ntohl(mnl_attr_get_u32(p));
			if (mnl_attr_get_type(p) == NFSEC_SA_A_STATE)
				a->state = mnl_attr_get_u8(p);
			if (mnl_attr_get_type(p) == NFSEC_SA_A_REQID)
				a->reqid = mnl_attr_get_u32(p);
		}
	}
	if (mnl_attr_get_type(attr) == NFSEC_A_POLICY)
		mnl_attr_for_each_nested(p, attr)
			if (mnl_attr_get_type(p) == NFSEC_POL_A_INDEX)
				a->pol_index = mnl_attr_get_u32(p);
	return MNL_CB_OK;
}

/* Sends nlh and collects the reply and the final ACK or error. */
static struct answer talk(struct nl *nl, struct nlmsghdr *nlh)
{
	struct answer a = { .miss_type = -1, .sa.family = -1, .state = -1 };
	char rbuf[BUFSZ];
	int len;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		a.err = -errno;
		return a;
	}
	for (;;) {
		struct nlmsghdr *r;

		len = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		if (len < 0) {
			a.err = -errno;
			return a;
		}
		for (r = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(r, len);
		     r = mnl_nlmsg_next(r, &len)) {
			if (r->nlmsg_seq != nl->seq)
				continue;
			if (r->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = mnl_nlmsg_get_payload(r);
				size_t off = sizeof(*e);

				a.err = e->error;
				if (!(r->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len -
					       sizeof(struct nlmsghdr);
				if (r->nlmsg_flags & NLM_F_ACK_TLVS)
					mnl_attr_parse(r, off, ext_ack_cb, &a);
				return a;
			}
			if (r->nlmsg_type == NLMSG_DONE) {
				/* The end of a dump carries its error. */
				a.err = *(int *)mnl_nlmsg_get_payload(r);
				if (r->nlmsg_flags & NLM_F_ACK_TLVS)
					mnl_attr_parse(r, sizeof(int),
						       ext_ack_cb, &a);
				return a;
			}
			if (r->nlmsg_type == nl->family)
				mnl_attr_parse(r, sizeof(struct genlmsghdr),
					       reply_attr_cb, &a);
		}
	}
}

/* A complete, valid ESP AES-GCM-128 SA. */
static void put_sa(struct nlmsghdr *nlh, const char *src, uint32_t spi)
{
	static const uint8_t key[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					 12, 13, 14, 15, 16, 0xa, 0xb, 0xc,
					 0xd };
	struct nlattr *nest = mnl_attr_nest_start(nlh, NFSEC_A_SA);

	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr(src));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(spi));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_DST, inet_addr("10.0.0.2"));
	mnl_attr_put_strz(nlh, NFSEC_SA_A_ENC_ALG, "aes-gcm");
	mnl_attr_put(nlh, NFSEC_SA_A_ENC_KEY, sizeof(key), key);
	mnl_attr_nest_end(nlh, nest);
}

static struct answer sa_add(struct nl *nl, const char *src, uint32_t spi)
{
	struct nlmsghdr *nlh = req(nl, NFSEC_CMD_SA_ADD, 0);

	put_sa(nlh, src, spi);
	return talk(nl, nlh);
}

static struct answer sa_flush(struct nl *nl)
{
	return talk(nl, req(nl, NFSEC_CMD_SA_FLUSH, 0));
}

struct dump_result {
	unsigned int sas;
	unsigned int with_key;
	unsigned int with_key_bits;
	unsigned int messages;	/* recv() calls that returned data */
	bool intr;
	int err;
};

static int dump_sa_cb(const struct nlattr *attr, void *data)
{
	struct dump_result *d = data;
	const struct nlattr *a;

	if (mnl_attr_get_type(attr) != NFSEC_A_SA)
		return MNL_CB_OK;
	d->sas++;
	mnl_attr_for_each_nested(a, attr) {
		if (mnl_attr_get_type(a) == NFSEC_SA_A_ENC_KEY)
			d->with_key++;
		if (mnl_attr_get_type(a) == NFSEC_SA_A_ENC_KEY_BITS &&
		    mnl_attr_get_u16(a) == 128)
			d->with_key_bits++;
	}
	return MNL_CB_OK;
}

/*
 * Dumps all SAs. If mid is given, it runs after the first batch of
 * messages arrived, so changes it makes land in the middle of the dump.
 */
static struct dump_result sa_dump(struct nl *nl, uint32_t flags,
				  void (*mid)(void *), void *arg)
{
	struct dump_result d = { 0 };
	struct nlmsghdr *nlh = req(nl, NFSEC_CMD_SA_GET, NLM_F_DUMP);
	char rbuf[BUFSZ];
	int len;

	if (flags)
		mnl_attr_put_u32(nlh, NFSEC_A_FLAGS, flags);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0) {
		d.err = -errno;
		return d;
	}
	for (;;) {
		struct nlmsghdr *r;

		len = mnl_socket_recvfrom(nl->sock, rbuf, sizeof(rbuf));
		if (len < 0) {
			d.err = -errno;
			return d;
		}
		d.messages++;
		if (d.messages == 1 && mid)
			mid(arg);
		for (r = (struct nlmsghdr *)rbuf; mnl_nlmsg_ok(r, len);
		     r = mnl_nlmsg_next(r, &len)) {
			if (r->nlmsg_flags & NLM_F_DUMP_INTR)
				d.intr = true;
			if (r->nlmsg_type == NLMSG_DONE)
				return d;
			if (r->nlmsg_type == NLMSG_ERROR) {
				d.err = ((struct nlmsgerr *)
					 mnl_nlmsg_get_payload(r))->error;
				return d;
			}
			mnl_attr_parse(r, sizeof(struct genlmsghdr),
				       dump_sa_cb, &d);
		}
	}
}

FIXTURE(api) {
	struct nl nl;
};

FIXTURE_SETUP(api)
{
	if (nl_open(&self->nl))
		SKIP(return, "nfsec generic netlink family not available");
	sa_flush(&self->nl);
	talk(&self->nl, req(&self->nl, NFSEC_CMD_POLICY_FLUSH, 0));
}

FIXTURE_TEARDOWN(api)
{
	sa_flush(&self->nl);
	talk(&self->nl, req(&self->nl, NFSEC_CMD_POLICY_FLUSH, 0));
	nl_close(&self->nl);
}

#define ASSERT_REJECTED(a, errno_, text) do {				\
	ASSERT_EQ(-(errno_), (a).err);					\
	ASSERT_NE(NULL, strstr((a).msg, text))				\
		TH_LOG("extack message \"%s\" lacks \"%s\"",		\
		       (a).msg, text);					\
} while (0)

#define ASSERT_OK(expr) do {						\
	struct answer __a = (expr);					\
	ASSERT_EQ(0, __a.err) TH_LOG("rejected: %s", __a.msg);		\
} while (0)

TEST_F(api, version)
{
	struct answer a = talk(&self->nl,
			       req(&self->nl, NFSEC_CMD_GET_VERSION, 0));

	ASSERT_EQ(0, a.err);
}

TEST_F(api, add_get_del)
{
	struct nlmsghdr *nlh;
	struct answer a;
	struct nlattr *n;

	ASSERT_OK(sa_add(&self->nl, "10.0.0.1", 0x1000));
	ASSERT_REJECTED(sa_add(&self->nl, "10.0.0.1", 0x1000), EEXIST,
			"NFSEC_A_SA");
	/* Same SPI, other source: another SA. */
	ASSERT_OK(sa_add(&self->nl, "10.0.0.3", 0x1000));

	nlh = req(&self->nl, NFSEC_CMD_SA_GET, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x1000));
	mnl_attr_nest_end(nlh, n);
	ASSERT_OK(talk(&self->nl, nlh));

	nlh = req(&self->nl, NFSEC_CMD_SA_DEL, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x1000));
	mnl_attr_nest_end(nlh, n);
	memcpy(self->nl.buf + BUFSZ / 2, nlh, nlh->nlmsg_len);
	ASSERT_OK(talk(&self->nl, nlh));
	nlh = (struct nlmsghdr *)(self->nl.buf + BUFSZ / 2);
	memcpy(self->nl.buf, nlh, nlh->nlmsg_len);
	nlh = (struct nlmsghdr *)self->nl.buf;
	nlh->nlmsg_seq = ++self->nl.seq;
	a = talk(&self->nl, nlh);
	ASSERT_REJECTED(a, ENOENT, "NFSEC_A_SA");

	a = sa_flush(&self->nl);
	ASSERT_EQ(0, a.err);
	ASSERT_EQ(1, a.count);
}

TEST_F(api, missing_attributes)
{
	struct nlmsghdr *nlh;
	struct nlattr *n;
	struct answer a;

	a = talk(&self->nl, req(&self->nl, NFSEC_CMD_SA_ADD, 0));
	ASSERT_REJECTED(a, EINVAL, "missing NFSEC_A_SA");
	ASSERT_EQ(NFSEC_A_SA, a.miss_type);

	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
	mnl_attr_nest_end(nlh, n);
	a = talk(&self->nl, nlh);
	ASSERT_REJECTED(a, EINVAL, "missing NFSEC_SA_A_SPI");
	ASSERT_EQ(NFSEC_SA_A_SPI, a.miss_type);

	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x1000));
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "missing NFSEC_SA_A_DST");

	nlh = req(&self->nl, NFSEC_CMD_POLICY_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_ACTION, NFSEC_ACTION_BYPASS);
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "missing NFSEC_POL_A_DIR");
}

TEST_F(api, malformed_attributes)
{
	uint8_t big[200] = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *n;
	struct answer a;

	/* SPI of two bytes. */
	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u16(nlh, NFSEC_SA_A_SPI, 0x1000);
	mnl_attr_nest_end(nlh, n);
	a = talk(&self->nl, nlh);
	ASSERT_REJECTED(a, EINVAL, "NFSEC_SA_A_SPI");
	ASSERT_TRUE(a.has_offs);

	/* Oversized key. */
	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put(nlh, NFSEC_SA_A_ENC_KEY, sizeof(big), big);
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(&self->nl, nlh), ERANGE, "NFSEC_SA_A_ENC_KEY");

	/* Algorithm name without its NUL. */
	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put(nlh, NFSEC_SA_A_ENC_ALG, 7, "aes-gcm");
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "NFSEC_SA_A_ENC_ALG");

	/* Unknown nested attribute. */
	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u32(nlh, 200, 1);
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "NFSEC_A_SA");

	/* Read-only attribute offered. */
	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	put_sa(nlh, "10.0.0.1", 0x2000);
	n = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_STATE, 0);
	n->nla_len += MNL_ALIGN(sizeof(struct nlattr) + 1);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL,
			"NFSEC_SA_A_STATE: reported by the kernel");

	/* Read-only top-level attribute. */
	nlh = req(&self->nl, NFSEC_CMD_SA_FLUSH, 0);
	mnl_attr_put_u32(nlh, NFSEC_A_COUNT, 1);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "NFSEC_A_COUNT");

	/* Unknown flag bits. */
	nlh = req(&self->nl, NFSEC_CMD_SA_GET, NLM_F_DUMP);
	mnl_attr_put_u32(nlh, NFSEC_A_FLAGS, 0x80);
	a = talk(&self->nl, nlh);
	ASSERT_EQ(-EOPNOTSUPP, a.err);
	nlh = req(&self->nl, NFSEC_CMD_SA_GET, 0);
	mnl_attr_put_u32(nlh, NFSEC_A_FLAGS, 0x80);
	put_sa(nlh, "10.0.0.1", 0x2000);
	ASSERT_REJECTED(talk(&self->nl, nlh), EOPNOTSUPP, "NFSEC_A_FLAGS");

	/* Truncated message: a nest longer than the message. */
	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	put_sa(nlh, "10.0.0.1", 0x2000);
	n = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN);
	n->nla_len += 64;
	a = talk(&self->nl, nlh);
	ASSERT_EQ(-EINVAL, a.err);

	/* Nothing of the above was added. */
	ASSERT_EQ(0, sa_dump(&self->nl, 0, NULL, NULL).sas);
}

/* Builds an SA add with one field changed by the caller's attributes. */
static struct answer sa_try(struct nl *nl, uint8_t proto, uint32_t spi,
			    const char *enc, int enc_len, const char *auth,
			    int auth_len, int icv_bits, int window)
{
	struct nlmsghdr *nlh = req(nl, NFSEC_CMD_SA_ADD, 0);
	uint8_t key[64] = { 0x42 };
	struct nlattr *n;

	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, proto);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(spi));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_DST, inet_addr("10.0.0.2"));
	if (enc) {
		mnl_attr_put_strz(nlh, NFSEC_SA_A_ENC_ALG, enc);
		if (enc_len >= 0)
			mnl_attr_put(nlh, NFSEC_SA_A_ENC_KEY, enc_len, key);
	}
	if (auth) {
		mnl_attr_put_strz(nlh, NFSEC_SA_A_AUTH_ALG, auth);
		mnl_attr_put(nlh, NFSEC_SA_A_AUTH_KEY, auth_len, key);
	}
	if (icv_bits)
		mnl_attr_put_u16(nlh, NFSEC_SA_A_ICV_BITS, icv_bits);
	if (window >= 0)
		mnl_attr_put_u32(nlh, NFSEC_SA_A_REPLAY_WINDOW, window);
	mnl_attr_nest_end(nlh, n);
	return talk(nl, nlh);
}

TEST_F(api, algorithms)
{
	struct nl *nl = &self->nl;
	uint32_t spi = 0x3000;

	/* Every supported combination is accepted. */
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "aes-gcm", 20, NULL, 0, 0, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "aes-gcm", 36, NULL, 0, 0, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "aes-gcm", 20, NULL, 0, 64, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "aes-gcm", 20, NULL, 0, 96, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "chacha20-poly1305", 36, NULL, 0, 0, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "aes-cbc", 16, "hmac-sha256", 32, 0, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "aes-cbc", 32, "hmac-sha512", 64, 0, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "null", -1, "hmac-sha256", 32, 0, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "aes-gmac", 20, NULL, 0, 0, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_AH, spi++, NULL, 0, "hmac-sha256", 32, 0, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_AH, spi++, NULL, 0, "hmac-sha1", 20, 0, -1));
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "aes-gcm", 20, NULL, 0, 0, 4096));
	ASSERT_OK(sa_try(nl, IPPROTO_ESP, spi++, "aes-gcm", 20, NULL, 0, 0, 0));

	/* And everything wrong is refused with the attribute named. */
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, 255, "aes-gcm", 20, NULL, 0, 0, -1),
			EINVAL, "NFSEC_SA_A_SPI");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, 0, "aes-gcm", 20, NULL, 0, 0, -1),
			EINVAL, "NFSEC_SA_A_SPI");
	ASSERT_REJECTED(sa_try(nl, 17, spi, "aes-gcm", 20, NULL, 0, 0, -1),
			EPROTONOSUPPORT, "NFSEC_SA_A_PROTO");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "rot13", 20, NULL, 0, 0, -1),
			ENOENT, "NFSEC_SA_A_ENC_ALG: unknown");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "des", 8, "hmac-sha256", 32, 0, -1),
			EPERM, "NFSEC_SA_A_ENC_ALG: MUST NOT");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "aes-cbc", 16, "hmac-md5", 16, 0, -1),
			EPERM, "NFSEC_SA_A_AUTH_ALG: MUST NOT");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "null", -1, NULL, 0, 0, -1),
			EINVAL, "NFSEC_SA_A_AUTH_ALG");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "null", -1, "null", 0, 0, -1),
			EINVAL, "NFSEC_SA_A_AUTH_ALG");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "aes-cbc", 16, NULL, 0, 0, -1),
			EINVAL, "NFSEC_SA_A_AUTH_ALG");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "aes-gcm", 16, NULL, 0, 0, -1),
			EINVAL, "NFSEC_SA_A_ENC_KEY: wrong length");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "aes-gcm", -1, NULL, 0, 0, -1),
			EINVAL, "NFSEC_SA_A_ENC_KEY");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "aes-cbc", 16, "hmac-sha256", 20, 0, -1),
			EINVAL, "NFSEC_SA_A_AUTH_KEY: wrong length");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "aes-cbc", 16, "hmac-sha256", 32, 96, -1),
			EINVAL, "NFSEC_SA_A_ICV_BITS");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "aes-gcm", 20, NULL, 0, 32, -1),
			EINVAL, "NFSEC_SA_A_ICV_BITS");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "aes-gcm", 20, "hmac-sha256", 32, 0, -1),
			EINVAL, "NFSEC_SA_A_AUTH_ALG");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "hmac-sha256", 32, NULL, 0, 0, -1),
			EINVAL, "NFSEC_SA_A_ENC_ALG");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_AH, spi, "aes-gcm", 20, "hmac-sha256", 32, 0, -1),
			EINVAL, "NFSEC_SA_A_ENC_ALG: AH");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_AH, spi, NULL, 0, NULL, 0, 0, -1),
			EINVAL, "NFSEC_SA_A_AUTH_ALG");
	ASSERT_REJECTED(sa_try(nl, IPPROTO_ESP, spi, "aes-gcm", 20, NULL, 0, 0, 4097),
			EINVAL, "NFSEC_SA_A_REPLAY_WINDOW");

	ASSERT_EQ(13, sa_dump(nl, 0, NULL, NULL).sas);
}

TEST_F(api, keys_only_on_request)
{
	struct dump_result d;

	ASSERT_OK(sa_add(&self->nl, "10.0.0.1", 0x1000));
	d = sa_dump(&self->nl, 0, NULL, NULL);
	ASSERT_EQ(0, d.err);
	ASSERT_EQ(1, d.sas);
	ASSERT_EQ(0, d.with_key);
	ASSERT_EQ(1, d.with_key_bits);
	d = sa_dump(&self->nl, NFSEC_F_WITH_KEYS, NULL, NULL);
	ASSERT_EQ(1, d.with_key);
}

static void add_one(void *arg)
{
	struct nl other;

	if (nl_open(&other))
		return;
	sa_add(&other, "10.9.9.9", *(uint32_t *)arg);
	nl_close(&other);
}

TEST_F(api, dump_many_and_consistency)
{
	uint32_t extra = 0x99999;
	struct dump_result d;
	struct answer a;
	int i;

	for (i = 0; i < 3000; i++) {
		char src[32];

		snprintf(src, sizeof(src), "10.1.%d.%d", i / 250, i % 250 + 1);
		ASSERT_OK(sa_add(&self->nl, src, 0x1000 + i));
	}
	d = sa_dump(&self->nl, 0, NULL, NULL);
	ASSERT_EQ(0, d.err);
	ASSERT_EQ(3000, d.sas);
	ASSERT_LT(1, d.messages);
	ASSERT_FALSE(d.intr);

	/* A change in the middle of a dump is flagged. */
	d = sa_dump(&self->nl, 0, add_one, &extra);
	ASSERT_EQ(0, d.err);
	ASSERT_TRUE(d.intr);

	a = sa_flush(&self->nl);
	ASSERT_EQ(0, a.err);
	ASSERT_EQ(3001, a.count);
	ASSERT_EQ(0, sa_dump(&self->nl, 0, NULL, NULL).sas);
}

static struct answer pol_add(struct nl *nl, uint8_t dir, const char *src,
			     int splen, int proto, int dport, uint8_t action,
			     bool with_sa, uint32_t prio)
{
	struct nlmsghdr *nlh = req(nl, NFSEC_CMD_POLICY_ADD, 0);
	struct nlattr *n, *s;

	n = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_DIR, dir);
	if (src) {
		mnl_attr_put_u32(nlh, NFSEC_POL_A_SRC, inet_addr(src));
		mnl_attr_put_u8(nlh, NFSEC_POL_A_SRC_PLEN, splen);
	}
	if (proto >= 0)
		mnl_attr_put_u8(nlh, NFSEC_POL_A_PROTO, proto);
	if (dport >= 0)
		mnl_attr_put_u16(nlh, NFSEC_POL_A_DPORT_MIN, dport);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_ACTION, action);
	mnl_attr_put_u32(nlh, NFSEC_POL_A_PRIORITY, prio);
	if (with_sa) {
		s = mnl_attr_nest_start(nlh, NFSEC_POL_A_SA);
		mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
		mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
		mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x1000));
		mnl_attr_nest_end(nlh, s);
	}
	mnl_attr_nest_end(nlh, n);
	return talk(nl, nlh);
}

struct pol_order {
	uint32_t index[16];
	uint32_t prio[16];
	int n;
};

static int pol_dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct pol_order *o = data;
	struct nlattr *top, *a;

	mnl_attr_for_each(top, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(top) != NFSEC_A_POLICY || o->n >= 16)
			continue;
		mnl_attr_for_each_nested(a, top) {
			if (mnl_attr_get_type(a) == NFSEC_POL_A_INDEX)
				o->index[o->n] = mnl_attr_get_u32(a);
			if (mnl_attr_get_type(a) == NFSEC_POL_A_PRIORITY)
				o->prio[o->n] = mnl_attr_get_u32(a);
		}
		o->n++;
	}
	return MNL_CB_OK;
}

TEST_F(api, policies)
{
	struct nl *nl = &self->nl;
	struct nlmsghdr *nlh;
	struct pol_order o = { 0 };
	struct answer a, b, c;
	struct nlattr *n;
	int len, ret;

	a = pol_add(nl, NFSEC_DIR_OUT, "10.0.0.0", 24, 6, 80, NFSEC_ACTION_PROTECT, true, 10);
	ASSERT_EQ(0, a.err);
	ASSERT_LT(0, a.pol_index);
	b = pol_add(nl, NFSEC_DIR_OUT, "10.0.1.0", 24, -1, -1, NFSEC_ACTION_DISCARD, false, 5);
	ASSERT_EQ(0, b.err);
	c = pol_add(nl, NFSEC_DIR_OUT, "10.0.2.0", 24, -1, -1, NFSEC_ACTION_BYPASS, false, 10);
	ASSERT_EQ(0, c.err);
	ASSERT_REJECTED(pol_add(nl, NFSEC_DIR_OUT, "10.0.0.0", 24, 6, 80,
				NFSEC_ACTION_PROTECT, true, 10), EEXIST, "NFSEC_A_POLICY");
	ASSERT_REJECTED(pol_add(nl, NFSEC_DIR_OUT, "10.0.0.1", 24, -1, -1,
				NFSEC_ACTION_BYPASS, false, 0), EINVAL,
			"NFSEC_POL_A_SRC: host bits");
	ASSERT_REJECTED(pol_add(nl, NFSEC_DIR_OUT, "10.0.0.0", 33, -1, -1,
				NFSEC_ACTION_BYPASS, false, 0), EINVAL,
			"NFSEC_POL_A_SRC_PLEN");
	ASSERT_REJECTED(pol_add(nl, NFSEC_DIR_OUT, NULL, 0, 1, 80,
				NFSEC_ACTION_BYPASS, false, 0), EINVAL, "NFSEC_POL_A_PROTO");
	ASSERT_REJECTED(pol_add(nl, NFSEC_DIR_OUT, NULL, 0, -1, -1,
				NFSEC_ACTION_PROTECT, false, 0), EINVAL, "NFSEC_POL_A_SA");
	ASSERT_REJECTED(pol_add(nl, NFSEC_DIR_OUT, NULL, 0, -1, -1,
				NFSEC_ACTION_BYPASS, true, 0), EINVAL, "NFSEC_POL_A_SA");
	ASSERT_REJECTED(pol_add(nl, 2, NULL, 0, -1, -1,
				NFSEC_ACTION_BYPASS, false, 0), EINVAL, "NFSEC_POL_A_DIR");
	ASSERT_REJECTED(pol_add(nl, NFSEC_DIR_IN, NULL, 0, -1, -1, 3,
				false, 0), EINVAL, "NFSEC_POL_A_ACTION");

	/* Match order: priority 5, then the two 10s in insertion order. */
	nlh = req(nl, NFSEC_CMD_POLICY_GET, NLM_F_DUMP);
	ASSERT_LE(0, mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len));
	do {
		len = mnl_socket_recvfrom(nl->sock, nl->buf, BUFSZ);
		ASSERT_LT(0, len);
		ret = mnl_cb_run(nl->buf, len, nl->seq, 0, pol_dump_cb, &o);
	} while (ret > 0);
	ASSERT_EQ(3, o.n);
	ASSERT_EQ(b.pol_index, o.index[0]);
	ASSERT_EQ(a.pol_index, o.index[1]);
	ASSERT_EQ(c.pol_index, o.index[2]);

	nlh = req(nl, NFSEC_CMD_POLICY_DEL, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
	mnl_attr_put_u32(nlh, NFSEC_POL_A_INDEX, b.pol_index);
	mnl_attr_nest_end(nlh, n);
	ASSERT_OK(talk(nl, nlh));
	nlh = req(nl, NFSEC_CMD_POLICY_DEL, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
	mnl_attr_put_u32(nlh, NFSEC_POL_A_INDEX, b.pol_index);
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(nl, nlh), ENOENT, "NFSEC_POL_A_INDEX");

	a = talk(nl, req(nl, NFSEC_CMD_POLICY_FLUSH, 0));
	ASSERT_EQ(0, a.err);
	ASSERT_EQ(2, a.count);
}

static int event_attr_cb(const struct nlattr *attr, void *data)
{
	uint32_t *ev = data;

	if (mnl_attr_get_type(attr) == NFSEC_A_EVENT)
		*ev = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

/* Waits up to timeout_ms for the next event; returns it or 0. */
static uint32_t next_event(struct nl *nl, int timeout_ms)
{
	struct pollfd pfd = { .fd = mnl_socket_get_fd(nl->sock),
			      .events = POLLIN };
	uint32_t ev = 0;
	int len;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return 0;
	len = mnl_socket_recvfrom(nl->sock, nl->buf, BUFSZ);
	if (len <= 0)
		return 0;
	mnl_attr_parse((struct nlmsghdr *)nl->buf, sizeof(struct genlmsghdr),
		       event_attr_cb, &ev);
	return ev;
}

TEST_F_TIMEOUT(api, events_and_lifetime, 60)
{
	struct nlmsghdr *nlh;
	struct nlattr *n, *l;
	struct nl mon;
	struct timespec t0, t1, t2;
	long soft_ms, hard_ms;
	uint32_t grp;

	ASSERT_EQ(0, nl_open(&mon));
	grp = mon.events_group;
	ASSERT_NE(0, grp);
	ASSERT_EQ(0, mnl_socket_setsockopt(mon.sock, NETLINK_ADD_MEMBERSHIP,
					   &grp, sizeof(grp)));

	ASSERT_OK(sa_add(&self->nl, "10.0.0.1", 0x1000));
	ASSERT_EQ(NFSEC_EV_SA_ADDED, next_event(&mon, 5000));

	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	put_sa(nlh, "10.0.0.1", 0x2000);
	n = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN);
	l = mnl_attr_nest_start(nlh, NFSEC_SA_A_LIFETIME);
	mnl_attr_put_u64(nlh, NFSEC_LFT_A_SOFT_SECONDS, 1);
	mnl_attr_put_u64(nlh, NFSEC_LFT_A_HARD_SECONDS, 3);
	mnl_attr_nest_end(nlh, l);
	n->nla_len = (char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)n;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_OK(talk(&self->nl, nlh));
	ASSERT_EQ(NFSEC_EV_SA_ADDED, next_event(&mon, 5000));
	ASSERT_EQ(NFSEC_EV_SA_SOFT, next_event(&mon, 10000));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_EQ(NFSEC_EV_SA_EXPIRED, next_event(&mon, 10000));
	clock_gettime(CLOCK_MONOTONIC, &t2);
	/* Each limit at its own second, not before; late by less than one. */
	soft_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	hard_ms = (t2.tv_sec - t0.tv_sec) * 1000 + (t2.tv_nsec - t0.tv_nsec) / 1000000;
	TH_LOG("soft after %ld ms, hard after %ld ms", soft_ms, hard_ms);
	ASSERT_LE(1000, soft_ms);
	ASSERT_GT(2000, soft_ms);
	ASSERT_LE(3000, hard_ms);
	ASSERT_GT(4000, hard_ms);
	/* The expired SA is gone, the other one stays. */
	ASSERT_EQ(1, sa_dump(&self->nl, 0, NULL, NULL).sas);

	ASSERT_EQ(1, sa_flush(&self->nl).count);
	ASSERT_EQ(NFSEC_EV_SA_FLUSHED, next_event(&mon, 5000));
	nl_close(&mon);
}

/* An SA like put_sa()'s between src and dst, with dir if it is 0 or more. */
static struct answer sa_add_ends(struct nl *nl, const char *src,
				 const char *dst, int dir)
{
	static const uint8_t key[20] = { 1 };
	struct nlmsghdr *nlh = req(nl, NFSEC_CMD_SA_ADD, 0);
	struct nlattr *nest = mnl_attr_nest_start(nlh, NFSEC_A_SA);

	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr(src));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x5000));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_DST, inet_addr(dst));
	if (dir >= 0)
		mnl_attr_put_u8(nlh, NFSEC_SA_A_DIR, dir);
	mnl_attr_put_strz(nlh, NFSEC_SA_A_ENC_ALG, "aes-gcm");
	mnl_attr_put(nlh, NFSEC_SA_A_ENC_KEY, sizeof(key), key);
	mnl_attr_nest_end(nlh, nest);
	return talk(nl, nlh);
}

/* An SA's ends are unicast hosts; its direction is in or out. */
TEST_F(api, sa_ends_and_direction)
{
	static const char * const bad[] = {
		"0.0.0.0", "0.1.2.3", "255.255.255.255", "224.0.0.1",
		"239.1.2.3", "240.0.0.1",
	};
	struct nl *nl = &self->nl;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_REJECTED(sa_add_ends(nl, bad[i], "10.0.0.2", -1), EINVAL,
				"NFSEC_SA_A_SRC: not a unicast address");
		ASSERT_REJECTED(sa_add_ends(nl, "10.0.0.1", bad[i], -1), EINVAL,
				"NFSEC_SA_A_DST: not a unicast address");
	}
	ASSERT_REJECTED(sa_add_ends(nl, "10.0.0.1", "10.0.0.2", NFSEC_DIR_MAX + 1),
			ERANGE, "NFSEC_SA_A_DIR");
	ASSERT_EQ(0, sa_dump(nl, 0, NULL, NULL).sas);
	ASSERT_OK(sa_add_ends(nl, "10.0.0.1", "10.0.0.2", NFSEC_DIR_IN));
	ASSERT_EQ(1, sa_dump(nl, 0, NULL, NULL).sas);
	ASSERT_OK(sa_flush(nl));
}

TEST_F(api, soft_above_hard_rejected)
{
	struct nlmsghdr *nlh;
	struct nlattr *n, *l;

	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	put_sa(nlh, "10.0.0.1", 0x2000);
	n = (struct nlattr *)((char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN);
	l = mnl_attr_nest_start(nlh, NFSEC_SA_A_LIFETIME);
	mnl_attr_put_u64(nlh, NFSEC_LFT_A_SOFT_PACKETS, 100);
	mnl_attr_put_u64(nlh, NFSEC_LFT_A_HARD_PACKETS, 10);
	mnl_attr_nest_end(nlh, l);
	n->nla_len = (char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)n;
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "NFSEC_LFT_A_SOFT_PACKETS");
}

TEST_F(api, namespaces_are_isolated)
{
	int status;
	pid_t pid;

	ASSERT_OK(sa_add(&self->nl, "10.0.0.1", 0x1000));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct nl inner;

		if (unshare(CLONE_NEWNET) || nl_open(&inner))
			_exit(10);
		if (sa_dump(&inner, 0, NULL, NULL).sas != 0)
			_exit(11);
		if (sa_add(&inner, "10.0.0.1", 0x1000).err)
			_exit(12);
		if (sa_add(&inner, "10.0.0.1", 0x1001).err)
			_exit(13);
		if (sa_dump(&inner, 0, NULL, NULL).sas != 2)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(1, sa_dump(&self->nl, 0, NULL, NULL).sas);
}

TEST_F(api, unprivileged_gets_eperm)
{
	int status;
	pid_t pid;

	ASSERT_OK(sa_add(&self->nl, "10.0.0.1", 0x1000));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct nl user;

		/* nobody, with every capability dropped */
		if (setgid(65534) || setuid(65534) || nl_open(&user))
			_exit(10);
		if (sa_add(&user, "10.0.0.1", 0x2000).err != -EPERM)
			_exit(11);
		if (sa_flush(&user).err != -EPERM)
			_exit(12);
		if (sa_dump(&user, 0, NULL, NULL).err != -EPERM)
			_exit(13);
		if (talk(&user, req(&user, NFSEC_CMD_GET_VERSION, 0)).err)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* Nothing changed. */
	ASSERT_EQ(1, sa_dump(&self->nl, 0, NULL, NULL).sas);
}

/* IPv6 ------------------------------------------------------------------ */

static struct in6_addr in6(const char *text)
{
	struct in6_addr a = IN6ADDR_ANY_INIT;

	inet_pton(AF_INET6, text, &a);
	return a;
}

/*
 * An address attribute: @type (NLA_BE32) for an IPv4 @text, @type6 (16
 * bytes) for an IPv6 one; @len6 other than 16 cuts or pads the latter.
 */
static void put_addr(struct nlmsghdr *nlh, uint16_t type, uint16_t type6,
		     const char *text, int len6)
{
	uint8_t buf[32] = { 0 };
	struct in6_addr a;

	if (!strchr(text, ':')) {
		mnl_attr_put_u32(nlh, type, inet_addr(text));
		return;
	}
	a = in6(text);
	memcpy(buf, &a, sizeof(a));
	mnl_attr_put(nlh, type6, len6, buf);
}

/*
 * An ESP AES-GCM-128 SA from @src to @dst, each IPv4 or IPv6 as written
 * (NULL: left out); @src_also (if given) is put as the source's other
 * twin too, @dst_also the destination's.
 */
struct sa6_spec {
	const char *src, *dst;
	uint32_t spi;
	const char *src_also, *dst_also;
	int src6_len;			/* 0: 16 */
};

static void put_sa6(struct nlmsghdr *nlh, uint16_t top,
		    const struct sa6_spec *s, bool key_only)
{
	static const uint8_t key[20] = { 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
					 6, 6, 6, 6, 6, 6, 1, 2, 3, 4 };
	struct nlattr *nest = mnl_attr_nest_start(nlh, top);
	int len6 = s->src6_len ? s->src6_len : 16;

	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	if (s->src)
		put_addr(nlh, NFSEC_SA_A_SRC, NFSEC_SA_A_SRC6, s->src, len6);
	if (s->src_also)
		put_addr(nlh, NFSEC_SA_A_SRC, NFSEC_SA_A_SRC6, s->src_also, 16);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(s->spi));
	if (!key_only) {
		if (s->dst)
			put_addr(nlh, NFSEC_SA_A_DST, NFSEC_SA_A_DST6, s->dst, 16);
		if (s->dst_also)
			put_addr(nlh, NFSEC_SA_A_DST, NFSEC_SA_A_DST6,
				 s->dst_also, 16);
		mnl_attr_put_strz(nlh, NFSEC_SA_A_ENC_ALG, "aes-gcm");
		mnl_attr_put(nlh, NFSEC_SA_A_ENC_KEY, sizeof(key), key);
	}
	mnl_attr_nest_end(nlh, nest);
}

static struct answer sa6_do(struct nl *nl, uint8_t cmd,
			    const struct sa6_spec *s)
{
	struct nlmsghdr *nlh = req(nl, cmd, 0);

	put_sa6(nlh, NFSEC_A_SA, s, cmd != NFSEC_CMD_SA_ADD);
	return talk(nl, nlh);
}

/* The addresses of every SA a dump shows, up to 8. */
struct sa_addrs_dump {
	struct addrs sa[8];
	int n;
};

static int sa_addrs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sa_addrs_dump *d = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == NFSEC_A_SA && d->n < 8)
			sa_addrs(a, &d->sa[d->n++]);
	return MNL_CB_OK;
}

static int dump_run(struct nl *nl, uint8_t cmd, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh = req(nl, cmd, NLM_F_DUMP);
	int len, ret;

	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -1;
	do {
		len = mnl_socket_recvfrom(nl->sock, nl->buf, BUFSZ);
		if (len <= 0)
			return -1;
		ret = mnl_cb_run(nl->buf, len, nl->seq, 0, cb, data);
	} while (ret > 0);
	return ret;
}

static bool in6_is(const struct in6_addr *a, const char *text)
{
	struct in6_addr b = in6(text);

	return !memcmp(a, &b, sizeof(b));
}

/* The message names the attribute; the errno is any error. */
#define ASSERT_NAMED(a, text) do {					\
	ASSERT_GT(0, (a).err) TH_LOG("accepted, expected a refusal "	\
				     "naming %s", text);		\
	ASSERT_NE(NULL, strstr((a).msg, text))				\
		TH_LOG("extack message \"%s\" (errno %d) lacks \"%s\"",	\
		       (a).msg, -(a).err, text);			\
} while (0)

TEST_F(api, ipv6_sa_add_get_del)
{
	struct sa6_spec v6 = { "2001:db8::1", "2001:db8::2", 0x1000 };
	struct sa6_spec v4 = { "10.0.0.1", "10.0.0.2", 0x1000 };
	struct sa6_spec other = { "2001:db8::3", NULL, 0x1000 };
	struct sa_addrs_dump d = { 0 };
	struct nl *nl = &self->nl;
	struct answer a;
	int i;

	ASSERT_OK(sa6_do(nl, NFSEC_CMD_SA_ADD, &v6));
	ASSERT_REJECTED(sa6_do(nl, NFSEC_CMD_SA_ADD, &v6), EEXIST, "NFSEC_A_SA");
	/* The same SPI from an IPv4 source: another key. */
	ASSERT_OK(sa6_do(nl, NFSEC_CMD_SA_ADD, &v4));

	a = sa6_do(nl, NFSEC_CMD_SA_GET, &v6);
	ASSERT_EQ(0, a.err) TH_LOG("rejected: %s", a.msg);
	ASSERT_TRUE(a.sa.src6);
	ASSERT_TRUE(a.sa.dst6);
	ASSERT_FALSE(a.sa.src);
	ASSERT_FALSE(a.sa.dst);
	ASSERT_TRUE(in6_is(&a.sa.src_in6, "2001:db8::1"));
	ASSERT_TRUE(in6_is(&a.sa.dst_in6, "2001:db8::2"));
	a = sa6_do(nl, NFSEC_CMD_SA_GET, &v4);
	ASSERT_EQ(0, a.err);
	ASSERT_TRUE(a.sa.src && a.sa.dst && !a.sa.src6 && !a.sa.dst6);
	ASSERT_REJECTED(sa6_do(nl, NFSEC_CMD_SA_GET, &other), ENOENT, "NFSEC_A_SA");

	/* Dumps report each SA with the attributes of its family. */
	ASSERT_EQ(0, dump_run(nl, NFSEC_CMD_SA_GET, sa_addrs_cb, &d));
	ASSERT_EQ(2, d.n);
	for (i = 0; i < d.n; i++) {
		if (d.sa[i].src6) {
			ASSERT_TRUE(d.sa[i].dst6 && !d.sa[i].src && !d.sa[i].dst);
			ASSERT_TRUE(in6_is(&d.sa[i].src_in6, "2001:db8::1"));
			ASSERT_TRUE(in6_is(&d.sa[i].dst_in6, "2001:db8::2"));
		} else {
			ASSERT_TRUE(d.sa[i].src && d.sa[i].dst && !d.sa[i].dst6);
		}
	}

	ASSERT_OK(sa6_do(nl, NFSEC_CMD_SA_DEL, &v6));
	ASSERT_REJECTED(sa6_do(nl, NFSEC_CMD_SA_DEL, &v6), ENOENT, "NFSEC_A_SA");
	ASSERT_EQ(1, sa_dump(nl, 0, NULL, NULL).sas);
	ASSERT_OK(sa6_do(nl, NFSEC_CMD_SA_ADD, &v6));
	a = sa_flush(nl);
	ASSERT_EQ(0, a.err);
	ASSERT_EQ(2, a.count);
}

TEST_F(api, ipv6_sa_rejected)
{
	static const struct {
		struct sa6_spec s;
		int err;
		const char *named;
	} bad[] = {
		/*
		 * 15 and 4 bytes: not an IPv6 address (EINVAL, as an IPv4
		 * address of the wrong length)
		 */
		{ { "2001:db8::1", "2001:db8::2", 0x1000, NULL, NULL, 15 },
		  EINVAL, "NFSEC_SA_A_SRC6" },
		{ { "2001:db8::1", "2001:db8::2", 0x1000, NULL, NULL, 4 },
		  EINVAL, "NFSEC_SA_A_SRC6" },
		/*
		 * One address twice, as IPv4 and as IPv6: the *6 twin is
		 * named (DST6 or DST: the source is IPv6, the other DST).
		 */
		{ { "10.0.0.1", "10.0.0.2", 0x1000, "2001:db8::1", NULL, 0 },
		  EINVAL, "NFSEC_SA_A_SRC6" },
		{ { "2001:db8::1", "2001:db8::2", 0x1000, NULL, "10.0.0.2", 0 },
		  EINVAL, "NFSEC_SA_A_DST" },
		/* ends of two families: the destination is named */
		{ { "2001:db8::1", "10.0.0.2", 0x1000 }, EINVAL, "NFSEC_SA_A_DST" },
		{ { "10.0.0.1", "2001:db8::2", 0x1000 }, EINVAL, "NFSEC_SA_A_DST6" },
	};
	/* Ends that are no unicast host, as for IPv4 (checked last). */
	static const char * const not_unicast[] = {
		"::1", "ff02::1", "ff0e::1:2", "::ffff:10.0.0.1", "::",
	};
	struct nl *nl = &self->nl;
	struct sa6_spec key = { "2001:db8::1", NULL, 0x1000, NULL, NULL, 4 };
	unsigned int i;
	struct answer a;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = sa6_do(nl, NFSEC_CMD_SA_ADD, &bad[i].s);
		TH_LOG("case %u: %d %s", i, a.err, a.msg);
		ASSERT_REJECTED(a, bad[i].err, bad[i].named);
	}
	/* The source and destination both twice. */
	a = sa6_do(nl, NFSEC_CMD_SA_ADD, &(struct sa6_spec){
		   "10.0.0.1", "10.0.0.2", 0x1000, "2001:db8::1", "2001:db8::2" });
	ASSERT_REJECTED(a, EINVAL, "NFSEC_SA_A_SRC6");
	/* A key of a short source, in a get and a delete. */
	a = sa6_do(nl, NFSEC_CMD_SA_GET, &key);
	ASSERT_REJECTED(a, EINVAL, "NFSEC_SA_A_SRC6");
	ASSERT_TRUE(a.has_offs);
	ASSERT_REJECTED(sa6_do(nl, NFSEC_CMD_SA_DEL, &key), EINVAL,
			"NFSEC_SA_A_SRC6");
	ASSERT_EQ(0, sa_dump(nl, 0, NULL, NULL).sas);
	for (i = 0; i < sizeof(not_unicast) / sizeof(not_unicast[0]); i++) {
		TH_LOG("end %s", not_unicast[i]);
		ASSERT_REJECTED(sa6_do(nl, NFSEC_CMD_SA_ADD, &(struct sa6_spec){
				not_unicast[i], "2001:db8::2", 0x1000 }), EINVAL,
				"NFSEC_SA_A_SRC6: not a unicast address");
		ASSERT_REJECTED(sa6_do(nl, NFSEC_CMD_SA_ADD, &(struct sa6_spec){
				"2001:db8::1", not_unicast[i], 0x1000 }), EINVAL,
				"NFSEC_SA_A_DST6: not a unicast address");
	}
	ASSERT_EQ(0, sa_dump(nl, 0, NULL, NULL).sas);
}

/*
 * A policy: what is given is put (family < 0, NULL prefixes, plen < 0
 * and proto < 0 are left out); a protect policy gets the SA key of
 * @sa_src, @sa_also put as its source's twin too.
 */
struct pol6_spec {
	uint8_t dir;
	int family;
	const char *src;
	int splen;
	const char *dst;
	int dplen;
	int proto;
	uint8_t action;
	uint32_t prio;
	const char *sa_src, *sa_also;
	const char *src_also;		/* the source's twin too */
	int src6_len;			/* 0: 16 */
	int family_len;			/* 0: 1 */
	int sa_src6_len;		/* 0: 16 */
};

static struct answer pol6_do(struct nl *nl, uint8_t cmd,
			     const struct pol6_spec *p)
{
	struct nlmsghdr *nlh = req(nl, cmd, 0);
	struct nlattr *n, *s;
	uint8_t fam[4] = { 0 };

	n = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_DIR, p->dir);
	if (p->family >= 0) {
		fam[0] = p->family;
		mnl_attr_put(nlh, NFSEC_POL_A_FAMILY,
			     p->family_len ? p->family_len : 1, fam);
	}
	if (p->src)
		put_addr(nlh, NFSEC_POL_A_SRC, NFSEC_POL_A_SRC6, p->src,
			 p->src6_len ? p->src6_len : 16);
	if (p->src_also)
		put_addr(nlh, NFSEC_POL_A_SRC, NFSEC_POL_A_SRC6, p->src_also, 16);
	if (p->splen >= 0)
		mnl_attr_put_u8(nlh, NFSEC_POL_A_SRC_PLEN, p->splen);
	if (p->dst)
		put_addr(nlh, NFSEC_POL_A_DST, NFSEC_POL_A_DST6, p->dst, 16);
	if (p->dplen >= 0)
		mnl_attr_put_u8(nlh, NFSEC_POL_A_DST_PLEN, p->dplen);
	if (p->proto >= 0)
		mnl_attr_put_u8(nlh, NFSEC_POL_A_PROTO, p->proto);
	if (cmd == NFSEC_CMD_POLICY_ADD)
		mnl_attr_put_u8(nlh, NFSEC_POL_A_ACTION, p->action);
	mnl_attr_put_u32(nlh, NFSEC_POL_A_PRIORITY, p->prio);
	if (p->sa_src && cmd == NFSEC_CMD_POLICY_ADD) {
		s = mnl_attr_nest_start(nlh, NFSEC_POL_A_SA);
		mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
		put_addr(nlh, NFSEC_SA_A_SRC, NFSEC_SA_A_SRC6, p->sa_src,
			 p->sa_src6_len ? p->sa_src6_len : 16);
		if (p->sa_also)
			put_addr(nlh, NFSEC_SA_A_SRC, NFSEC_SA_A_SRC6,
				 p->sa_also, 16);
		mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x1000));
		mnl_attr_nest_end(nlh, s);
	}
	mnl_attr_nest_end(nlh, n);
	return talk(nl, nlh);
}

/* The addresses and family of every policy a dump shows, and its SA's. */
struct pol_addrs_dump {
	struct addrs pol[16], sa[16];
	uint32_t prio[16];
	int n;
};

static int pol_addrs_cb(const struct nlmsghdr *nlh, void *data)
{
	struct pol_addrs_dump *d = data;
	const struct nlattr *top, *a;
	struct addrs *r;

	mnl_attr_for_each(top, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(top) != NFSEC_A_POLICY || d->n >= 16)
			continue;
		r = &d->pol[d->n];
		addrs_init(r);
		addrs_init(&d->sa[d->n]);
		mnl_attr_for_each_nested(a, top) {
			switch (mnl_attr_get_type(a)) {
			case NFSEC_POL_A_FAMILY:
				r->family = mnl_attr_get_u8(a);
				break;
			case NFSEC_POL_A_SRC:
				r->src = true;
				break;
			case NFSEC_POL_A_DST:
				r->dst = true;
				break;
			case NFSEC_POL_A_SRC6:
				r->src6 = get_in6(a, &r->src_in6);
				break;
			case NFSEC_POL_A_DST6:
				r->dst6 = get_in6(a, &r->dst_in6);
				break;
			case NFSEC_POL_A_SRC_PLEN:
				r->splen = mnl_attr_get_u8(a);
				break;
			case NFSEC_POL_A_DST_PLEN:
				r->dplen = mnl_attr_get_u8(a);
				break;
			case NFSEC_POL_A_PRIORITY:
				d->prio[d->n] = mnl_attr_get_u32(a);
				break;
			case NFSEC_POL_A_SA:
				sa_addrs(a, &d->sa[d->n]);
				break;
			}
		}
		d->n++;
	}
	return MNL_CB_OK;
}

/* The policy of priority prio in d, or -1. */
static int pol_by_prio(const struct pol_addrs_dump *d, uint32_t prio)
{
	int i;

	for (i = 0; i < d->n; i++)
		if (d->prio[i] == prio)
			return i;
	return -1;
}

TEST_F(api, ipv6_policies)
{
	/* Told apart by their priorities in the dump. */
	const struct pol6_spec v6 = {
		.dir = NFSEC_DIR_OUT, .family = -1, .src = "2001:db8::", .splen = 32,
		.dst = "2001:db8:1::", .dplen = 48, .proto = 58,
		.action = NFSEC_ACTION_BYPASS, .prio = 1 };
	const struct pol6_spec all6 = {
		.dir = NFSEC_DIR_IN, .family = AF_INET6, .splen = -1, .dplen = -1,
		.proto = -1, .action = NFSEC_ACTION_DISCARD, .prio = 2 };
	const struct pol6_spec all4 = {
		.dir = NFSEC_DIR_IN, .family = AF_INET, .splen = -1, .dplen = -1,
		.proto = -1, .action = NFSEC_ACTION_DISCARD, .prio = 2 };
	const struct pol6_spec v4_sa6 = {
		.dir = NFSEC_DIR_OUT, .family = AF_INET, .src = "10.0.0.0", .splen = 8,
		.dplen = -1, .proto = -1, .action = NFSEC_ACTION_PROTECT,
		.prio = 3, .sa_src = "2001:db8::1" };
	const struct pol6_spec v6_sa4 = {
		.dir = NFSEC_DIR_OUT, .family = AF_INET6, .dst = "2001:db8::", .dplen = 33,
		.splen = -1, .proto = 6, .action = NFSEC_ACTION_PROTECT,
		.prio = 4, .sa_src = "10.0.0.1" };
	struct pol_addrs_dump d = { 0 };
	struct nl *nl = &self->nl;
	struct answer a;
	int i;

	a = pol6_do(nl, NFSEC_CMD_POLICY_ADD, &v6);
	ASSERT_EQ(0, a.err) TH_LOG("rejected: %s", a.msg);
	ASSERT_LT(0, a.pol_index);
	ASSERT_REJECTED(pol6_do(nl, NFSEC_CMD_POLICY_ADD, &v6), EEXIST, "NFSEC_A_POLICY");
	ASSERT_OK(pol6_do(nl, NFSEC_CMD_POLICY_ADD, &all6));
	/* The same selectors but the family: another policy. */
	ASSERT_OK(pol6_do(nl, NFSEC_CMD_POLICY_ADD, &all4));
	ASSERT_REJECTED(pol6_do(nl, NFSEC_CMD_POLICY_ADD, &all6), EEXIST, "NFSEC_A_POLICY");
	/* A protect policy's SA may be of the other family. */
	ASSERT_OK(pol6_do(nl, NFSEC_CMD_POLICY_ADD, &v4_sa6));
	ASSERT_OK(pol6_do(nl, NFSEC_CMD_POLICY_ADD, &v6_sa4));

	ASSERT_EQ(0, dump_run(nl, NFSEC_CMD_POLICY_GET, pol_addrs_cb, &d));
	ASSERT_EQ(5, d.n);
	for (i = 0; i < d.n; i++)
		ASSERT_TRUE(d.pol[i].family == AF_INET || d.pol[i].family == AF_INET6)
			TH_LOG("policy %d: NFSEC_POL_A_FAMILY %d", i, d.pol[i].family);
	i = pol_by_prio(&d, 1);
	ASSERT_LE(0, i);
	ASSERT_EQ(AF_INET6, d.pol[i].family);
	ASSERT_TRUE(d.pol[i].src6 && d.pol[i].dst6 && !d.pol[i].src && !d.pol[i].dst);
	ASSERT_TRUE(in6_is(&d.pol[i].src_in6, "2001:db8::"));
	ASSERT_TRUE(in6_is(&d.pol[i].dst_in6, "2001:db8:1::"));
	ASSERT_EQ(32, d.pol[i].splen);
	ASSERT_EQ(48, d.pol[i].dplen);
	i = pol_by_prio(&d, 3);
	ASSERT_LE(0, i);
	ASSERT_EQ(AF_INET, d.pol[i].family);
	ASSERT_TRUE(d.pol[i].src && !d.pol[i].src6 && !d.pol[i].dst6);
	ASSERT_TRUE(d.sa[i].src6 && !d.sa[i].src);
	ASSERT_TRUE(in6_is(&d.sa[i].src_in6, "2001:db8::1"));
	i = pol_by_prio(&d, 4);
	ASSERT_LE(0, i);
	ASSERT_EQ(AF_INET6, d.pol[i].family);
	ASSERT_TRUE(d.pol[i].dst6 && !d.pol[i].src && !d.pol[i].dst);
	ASSERT_EQ(33, d.pol[i].dplen);
	ASSERT_TRUE(d.sa[i].src && !d.sa[i].src6);
	/* The IPv6 catch-all (priority 2) carries no IPv4 address. */
	for (i = 0; i < d.n; i++)
		if (d.prio[i] == 2 && d.pol[i].family == AF_INET6)
			ASSERT_TRUE(!d.pol[i].src && !d.pol[i].dst);

	/* Deleted by their selectors, the family one of them. */
	ASSERT_OK(pol6_do(nl, NFSEC_CMD_POLICY_DEL, &all6));
	ASSERT_REJECTED(pol6_do(nl, NFSEC_CMD_POLICY_DEL, &all6), ENOENT, "NFSEC_A_POLICY");
	ASSERT_OK(pol6_do(nl, NFSEC_CMD_POLICY_DEL, &v6));
	a = talk(nl, req(nl, NFSEC_CMD_POLICY_FLUSH, 0));
	ASSERT_EQ(0, a.err);
	ASSERT_EQ(3, a.count);
}

TEST_F(api, ipv6_policies_rejected)
{
	/* Outbound bypass policies, or protect ones where an SA is named. */
	static const struct {
		struct pol6_spec p;
		int err;	/* 0: any errno */
		const char *named;
	} bad[] = {
		/* a family of neither kind, or not a u8 */
		{ { .family = 7, .splen = -1, .dplen = -1, .proto = -1 }, 0,
		  "NFSEC_POL_A_FAMILY" },
		{ { .family = 0, .splen = -1, .dplen = -1, .proto = -1 }, 0,
		  "NFSEC_POL_A_FAMILY" },
		{ { .family = AF_INET6, .family_len = 2, .splen = -1, .dplen = -1,
		    .proto = -1 }, EINVAL, "NFSEC_POL_A_FAMILY" },
		/* prefix lengths beyond the family's */
		{ { .family = AF_INET, .splen = 33, .dplen = -1, .proto = -1 },
		  EINVAL, "NFSEC_POL_A_SRC_PLEN" },
		{ { .family = -1, .src = "10.0.0.0", .splen = 33, .dplen = -1,
		    .proto = -1 }, EINVAL, "NFSEC_POL_A_SRC_PLEN" },
		{ { .family = -1, .src = "2001:db8::", .splen = 129, .dplen = -1,
		    .proto = -1 }, EINVAL, "NFSEC_POL_A_SRC_PLEN" },
		{ { .family = AF_INET6, .splen = 129, .dplen = -1, .proto = -1 },
		  EINVAL, "NFSEC_POL_A_SRC_PLEN" },
		{ { .family = -1, .dst = "2001:db8::", .dplen = 129, .splen = -1,
		    .proto = -1 }, EINVAL, "NFSEC_POL_A_DST_PLEN" },
		/* host bits beyond the length */
		{ { .family = -1, .src = "2001:db8::1", .splen = 64, .dplen = -1,
		    .proto = -1 }, EINVAL, "NFSEC_POL_A_SRC6: host bits" },
		{ { .family = AF_INET6, .dst = "2001:db8:0:1::", .dplen = 48,
		    .splen = -1, .proto = -1 }, EINVAL, "NFSEC_POL_A_DST6: host bits" },
		/* addresses not of the policy's family, or of two */
		{ { .family = AF_INET, .src = "2001:db8::", .splen = 32, .dplen = -1,
		    .proto = -1 }, EINVAL, "NFSEC_POL_A_SRC6" },
		{ { .family = AF_INET6, .src = "10.0.0.0", .splen = 8, .dplen = -1,
		    .proto = -1 }, EINVAL, "NFSEC_POL_A_SRC" },
		{ { .family = -1, .src = "2001:db8::", .splen = 32,
		    .dst = "10.0.0.0", .dplen = 8, .proto = -1 }, EINVAL,
		  "NFSEC_POL_A_DST" },
		/* the source twice: either twin may be named */
		{ { .family = -1, .src = "10.0.0.0", .src_also = "2001:db8::",
		    .splen = 8, .dplen = -1, .proto = -1 }, EINVAL,
		  "NFSEC_POL_A_SRC" },
		{ { .family = -1, .src = "2001:db8::", .src6_len = 4, .splen = 32,
		    .dplen = -1, .proto = -1 }, EINVAL, "NFSEC_POL_A_SRC6" },
		/* the SA key of a protect policy */
		{ { .family = -1, .splen = -1, .dplen = -1, .proto = -1,
		    .sa_src = "2001:db8::1", .sa_src6_len = 8 }, EINVAL,
		  "NFSEC_SA_A_SRC6" },
		{ { .family = -1, .splen = -1, .dplen = -1, .proto = -1,
		    .sa_src = "10.0.0.1", .sa_also = "2001:db8::1" }, EINVAL,
		  "NFSEC_SA_A_SRC6" },
	};
	struct nl *nl = &self->nl;
	struct pol_addrs_dump d = { 0 };
	unsigned int i;
	struct answer a;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pol6_spec p = bad[i].p;

		p.dir = NFSEC_DIR_OUT;
		p.action = p.sa_src ? NFSEC_ACTION_PROTECT : NFSEC_ACTION_BYPASS;
		a = pol6_do(nl, NFSEC_CMD_POLICY_ADD, &p);
		TH_LOG("case %u: %d %s", i, a.err, a.msg);
		if (bad[i].err)
			ASSERT_REJECTED(a, bad[i].err, bad[i].named);
		else
			ASSERT_NAMED(a, bad[i].named);
	}
	/* Nothing of the above was added. */
	ASSERT_EQ(0, dump_run(nl, NFSEC_CMD_POLICY_GET, pol_addrs_cb, &d));
	ASSERT_EQ(0, d.n);
}

/* An SPI reservation of ESP from src to 10.0.0.2 in [min, max]. */
static struct answer alloc_spi(struct nl *nl, const char *src, uint32_t min,
			       uint32_t max, uint32_t reqid)
{
	struct nlmsghdr *nlh = req(nl, NFSEC_CMD_SA_ALLOC_SPI, 0);
	struct nlattr *n = mnl_attr_nest_start(nlh, NFSEC_A_SA);

	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr(src));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_DST, inet_addr("10.0.0.2"));
	if (reqid)
		mnl_attr_put_u32(nlh, NFSEC_SA_A_REQID, reqid);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_put_u32(nlh, NFSEC_A_SPI_MIN, min);
	mnl_attr_put_u32(nlh, NFSEC_A_SPI_MAX, max);
	return talk(nl, nlh);
}

static struct answer sa_get(struct nl *nl, const char *src, uint32_t spi)
{
	struct nlmsghdr *nlh = req(nl, NFSEC_CMD_SA_GET, 0);
	struct nlattr *n = mnl_attr_nest_start(nlh, NFSEC_A_SA);

	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr(src));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(spi));
	mnl_attr_nest_end(nlh, n);
	return talk(nl, nlh);
}

TEST_F(api, alloc_spi)
{
	struct nlmsghdr *nlh;
	struct nlattr *n;
	struct answer a;
	uint32_t spi;

	/* In the range, a larval SA without keys. */
	a = alloc_spi(&self->nl, "10.0.0.1", 0xc0000000, 0xc00000ff, 7);
	ASSERT_EQ(0, a.err) TH_LOG("rejected: %s", a.msg);
	ASSERT_GE(a.spi, 0xc0000000);
	ASSERT_LE(a.spi, 0xc00000ff);
	spi = a.spi;
	a = sa_get(&self->nl, "10.0.0.1", spi);
	ASSERT_EQ(0, a.err);
	ASSERT_EQ(NFSEC_SA_STATE_LARVAL, a.state);
	ASSERT_EQ(7, a.reqid);

	/* A range of one SPI: that one, then none is left. */
	ASSERT_OK(sa_add(&self->nl, "10.0.0.1", 0x2000));
	ASSERT_REJECTED(alloc_spi(&self->nl, "10.0.0.1", 0x2000, 0x2000, 0),
			ENOSPC, "NFSEC_A_SPI_MIN");
	a = alloc_spi(&self->nl, "10.0.0.1", 0x2001, 0x2001, 0);
	ASSERT_EQ(0, a.err);
	ASSERT_EQ(0x2001, a.spi);
	ASSERT_REJECTED(alloc_spi(&self->nl, "10.0.0.1", 0x2001, 0x2001, 0),
			ENOSPC, "NFSEC_A_SPI_MIN");
	/* Another source has SPIs of its own. */
	a = alloc_spi(&self->nl, "10.0.0.3", 0x2001, 0x2001, 0);
	ASSERT_EQ(0, a.err);

	/* An add fills the reservation in; a second add is refused. */
	ASSERT_OK(sa_add(&self->nl, "10.0.0.1", spi));
	a = sa_get(&self->nl, "10.0.0.1", spi);
	ASSERT_EQ(NFSEC_SA_STATE_VALID, a.state);
	ASSERT_REJECTED(sa_add(&self->nl, "10.0.0.1", spi), EEXIST,
			"NFSEC_A_SA");
	/* A reservation is deleted like an SA. */
	nlh = req(&self->nl, NFSEC_CMD_SA_DEL, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x2001));
	mnl_attr_nest_end(nlh, n);
	ASSERT_OK(talk(&self->nl, nlh));

	/* Rejections name the attribute. */
	ASSERT_REJECTED(alloc_spi(&self->nl, "10.0.0.1", 5, 0x2000, 0),
			EINVAL, "NFSEC_A_SPI_MIN");
	ASSERT_REJECTED(alloc_spi(&self->nl, "10.0.0.1", 0x3000, 0x2000, 0),
			EINVAL, "NFSEC_A_SPI_MAX");
	nlh = req(&self->nl, NFSEC_CMD_SA_ALLOC_SPI, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_DST, inet_addr("10.0.0.2"));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x4000));
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "NFSEC_SA_A_SPI");
	nlh = req(&self->nl, NFSEC_CMD_SA_ALLOC_SPI, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "missing NFSEC_SA_A_DST");
	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	put_sa(nlh, "10.0.0.1", 0x5000);
	mnl_attr_put_u32(nlh, NFSEC_A_FLOW, 0);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "NFSEC_A_FLOW");
}

/* 32-bit AH padding: for AH over IPv4 only. */
TEST_F(api, align4)
{
	static const uint8_t key[32] = { 1 };
	struct nlmsghdr *nlh;
	struct nlattr *n;

	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x7000));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_DST, inet_addr("10.0.0.2"));
	mnl_attr_put_strz(nlh, NFSEC_SA_A_ENC_ALG, "aes-gcm");
	mnl_attr_put(nlh, NFSEC_SA_A_ENC_KEY, 20, key);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_FLAGS, NFSEC_SA_F_ALIGN4);
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "NFSEC_SA_A_FLAGS");

	nlh = req(&self->nl, NFSEC_CMD_SA_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_SA);
	mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_AH);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x7000));
	mnl_attr_put_u32(nlh, NFSEC_SA_A_DST, inet_addr("10.0.0.2"));
	mnl_attr_put_strz(nlh, NFSEC_SA_A_AUTH_ALG, "hmac-sha256");
	mnl_attr_put(nlh, NFSEC_SA_A_AUTH_KEY, 32, key);
	mnl_attr_put_u32(nlh, NFSEC_SA_A_FLAGS, NFSEC_SA_F_ALIGN4);
	mnl_attr_nest_end(nlh, n);
	ASSERT_OK(talk(&self->nl, nlh));
}

/* An outbound protect policy for 10.0.0.0/24 by request id reqid. */
static struct answer policy_reqid(struct nl *nl, uint32_t reqid, bool with_sa)
{
	struct nlmsghdr *nlh = req(nl, NFSEC_CMD_POLICY_ADD, 0);
	struct nlattr *n = mnl_attr_nest_start(nlh, NFSEC_A_POLICY), *sa;

	mnl_attr_put_u8(nlh, NFSEC_POL_A_DIR, NFSEC_DIR_OUT);
	mnl_attr_put_u32(nlh, NFSEC_POL_A_DST, inet_addr("10.0.0.0"));
	mnl_attr_put_u8(nlh, NFSEC_POL_A_DST_PLEN, 24);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_ACTION, NFSEC_ACTION_PROTECT);
	mnl_attr_put_u32(nlh, NFSEC_POL_A_REQID, reqid);
	if (with_sa) {
		sa = mnl_attr_nest_start(nlh, NFSEC_POL_A_SA);
		mnl_attr_put_u8(nlh, NFSEC_SA_A_PROTO, IPPROTO_ESP);
		mnl_attr_put_u32(nlh, NFSEC_SA_A_SRC, inet_addr("10.0.0.1"));
		mnl_attr_put_u32(nlh, NFSEC_SA_A_SPI, htonl(0x1000));
		mnl_attr_nest_end(nlh, sa);
	}
	mnl_attr_nest_end(nlh, n);
	return talk(nl, nlh);
}

TEST_F(api, request_ids)
{
	struct nlmsghdr *nlh;
	struct nlattr *n;
	struct answer a;

	ASSERT_OK(policy_reqid(&self->nl, 9, false));
	ASSERT_REJECTED(policy_reqid(&self->nl, 0, false), EINVAL,
			"NFSEC_POL_A_REQID");
	ASSERT_REJECTED(policy_reqid(&self->nl, 9, true), EINVAL,
			"NFSEC_POL_A_REQID");

	nlh = req(&self->nl, NFSEC_CMD_POLICY_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_DIR, NFSEC_DIR_OUT);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_ACTION, NFSEC_ACTION_BYPASS);
	mnl_attr_put_u32(nlh, NFSEC_POL_A_REQID, 9);
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "NFSEC_POL_A_REQID");

	nlh = req(&self->nl, NFSEC_CMD_POLICY_ADD, 0);
	n = mnl_attr_nest_start(nlh, NFSEC_A_POLICY);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_DIR, NFSEC_DIR_OUT);
	mnl_attr_put_u8(nlh, NFSEC_POL_A_ACTION, NFSEC_ACTION_BYPASS);
	mnl_attr_put_u64(nlh, NFSEC_POL_A_IDLE, 1);
	mnl_attr_nest_end(nlh, n);
	ASSERT_REJECTED(talk(&self->nl, nlh), EINVAL, "NFSEC_POL_A_IDLE");

	/* The add's request id is the SA's, not the reservation's. */
	a = alloc_spi(&self->nl, "10.0.0.1", 0x6000, 0x6000, 5);
	ASSERT_EQ(0, a.err);
	ASSERT_EQ(5, sa_get(&self->nl, "10.0.0.1", 0x6000).reqid);
	ASSERT_OK(sa_add(&self->nl, "10.0.0.1", 0x6000));
	a = sa_get(&self->nl, "10.0.0.1", 0x6000);
	ASSERT_EQ(0, a.err);
	ASSERT_EQ(0, a.reqid);
}

TEST_HARNESS_MAIN
