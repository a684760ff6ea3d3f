// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "nfsec": strict attribute policies, handlers
 * for the SA and policy databases, dumps and the "events" group. The API is
 * documented in uapi/nfsec.h.
 */

#include <linux/in.h>
#include <linux/inetdevice.h>
#include <linux/rcupdate.h>
#include <linux/timekeeping.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "compat.h"
#include "crypto.h"
#include "netlink.h"
#include "pernet.h"
#include "policy.h"
#include "sa.h"
#include "uapi/nfsec.h"
#include "version.h"

static struct genl_family nfsec_family;

static const struct nla_policy nfsec_policy[NFSEC_A_MAX + 1] = {
	[NFSEC_A_VERSION] = { .type = NLA_REJECT,
		.reject_message = "NFSEC_A_VERSION is reported, not accepted" },
	[NFSEC_A_API_VERSION] = { .type = NLA_REJECT,
		.reject_message = "NFSEC_A_API_VERSION is reported, not accepted" },
	[NFSEC_A_FLAGS] = { .type = NLA_U32 },
	[NFSEC_A_SA] = { .type = NLA_NESTED },
	[NFSEC_A_POLICY] = { .type = NLA_NESTED },
	[NFSEC_A_EVENT] = { .type = NLA_REJECT,
		.reject_message = "NFSEC_A_EVENT is reported, not accepted" },
	[NFSEC_A_COUNT] = { .type = NLA_REJECT,
		.reject_message = "NFSEC_A_COUNT is reported, not accepted" },
	[NFSEC_A_STATS] = { .type = NLA_REJECT,
		.reject_message = "NFSEC_A_STATS is reported, not accepted" },
	/* Checked by nfsec_nl_spi_range(), which names them. */
	[NFSEC_A_SPI_MIN] = { .type = NLA_U32 },
	[NFSEC_A_SPI_MAX] = { .type = NLA_U32 },
	[NFSEC_A_FLOW] = { .type = NLA_REJECT,
		.reject_message = "NFSEC_A_FLOW is reported, not accepted" },
};

/*
 * The nests' tables check types, lengths, ranges and flag bits; what one
 * refuses is answered with a message naming the attribute (see
 * nfsec_nl_refused()). For each attribute: msg when it is malformed (wrong
 * type or length, or only reported by the kernel), and for one whose value
 * the table's range or mask refuses, value_msg with the errno the API
 * gives (the core's is ERANGE for a range, EINVAL for a mask); nest
 * describes the attributes of a nest the table checks too.
 */
struct nfsec_nl_nest;

struct nfsec_nl_attr {
	const char *msg;
	const char *value_msg;
	int value_err;
	const struct nfsec_nl_nest *nest;
};

struct nfsec_nl_nest {
	const struct nla_policy *policy;
	int maxtype;
	const struct nfsec_nl_attr *attrs;
	const char *msg;	/* the nest malformed, or an unknown attribute */
};

#define NFSEC_BAD(attr) \
	[attr] = { .msg = #attr ": wrong type or length" }
#define NFSEC_RONLY(attr) \
	[attr] = { .msg = #attr ": reported by the kernel, not accepted" }
#define NFSEC_VALUE(attr, what, err) \
	[attr] = { .msg = #attr ": wrong type or length", \
		   .value_msg = #attr ": " what, .value_err = err }

static const struct nla_policy nfsec_sa_policy[NFSEC_SA_A_MAX + 1] = {
	[NFSEC_SA_A_PROTO] = NLA_POLICY_RANGE(NLA_U8, IPPROTO_ESP, IPPROTO_AH),
	[NFSEC_SA_A_SRC] = { .type = NLA_BE32 },
	[NFSEC_SA_A_SPI] = NLA_POLICY_MIN(NLA_BE32, NFSEC_SPI_MIN),
	[NFSEC_SA_A_DST] = { .type = NLA_BE32 },
	[NFSEC_SA_A_MODE] = NLA_POLICY_MAX(NLA_U8, NFSEC_MODE_MAX),
	[NFSEC_SA_A_ENC_ALG] = { .type = NLA_NUL_STRING,
				 .len = NFSEC_ALG_NAME_MAX - 1 },
	[NFSEC_SA_A_ENC_KEY] = { .type = NLA_BINARY, .len = NFSEC_KEY_MAX },
	[NFSEC_SA_A_AUTH_ALG] = { .type = NLA_NUL_STRING,
				  .len = NFSEC_ALG_NAME_MAX - 1 },
	[NFSEC_SA_A_AUTH_KEY] = { .type = NLA_BINARY, .len = NFSEC_KEY_MAX },
	[NFSEC_SA_A_ICV_BITS] = { .type = NLA_U16 },
	[NFSEC_SA_A_REPLAY_WINDOW] =
		NLA_POLICY_MAX(NLA_U32, NFSEC_REPLAY_WINDOW_MAX),
	[NFSEC_SA_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, __NFSEC_SA_F_ALL),
	[NFSEC_SA_A_SEQ] = { .type = NLA_U64 },
	[NFSEC_SA_A_LIFETIME] = { .type = NLA_NESTED },
	[NFSEC_SA_A_ENC_KEY_BITS] = { .type = NLA_REJECT },
	[NFSEC_SA_A_AUTH_KEY_BITS] = { .type = NLA_REJECT },
	[NFSEC_SA_A_STATS] = { .type = NLA_REJECT },
	[NFSEC_SA_A_STATE] = { .type = NLA_REJECT },
	[NFSEC_SA_A_AGE] = { .type = NLA_REJECT },
	[NFSEC_SA_A_PMTU] = { .type = NLA_REJECT },
	[NFSEC_SA_A_DIR] = NLA_POLICY_MAX(NLA_U8, NFSEC_DIR_MAX),
	/* The length is checked by nfsec_nl_in6(), as an address's. */
	[NFSEC_SA_A_SRC6] = { .type = NLA_BINARY },
	[NFSEC_SA_A_DST6] = { .type = NLA_BINARY },
	[NFSEC_SA_A_REQID] = { .type = NLA_U32 },
	[NFSEC_SA_A_IDLE] = { .type = NLA_REJECT },
};

static const struct nfsec_nl_attr nfsec_sa_attrs[NFSEC_SA_A_MAX + 1] = {
	NFSEC_VALUE(NFSEC_SA_A_PROTO, "must be 50 (ESP) or 51 (AH)",
		    -EPROTONOSUPPORT),
	NFSEC_BAD(NFSEC_SA_A_SRC),
	NFSEC_VALUE(NFSEC_SA_A_SPI, "0 to 255 are reserved (RFC 4301)", -EINVAL),
	NFSEC_BAD(NFSEC_SA_A_DST),
	NFSEC_VALUE(NFSEC_SA_A_MODE, "must be 0 (transport) or 1 (tunnel)",
		    -EINVAL),
	[NFSEC_SA_A_ENC_ALG] = { .msg =
		"NFSEC_SA_A_ENC_ALG: not a NUL-terminated name of at most 31 characters" },
	[NFSEC_SA_A_ENC_KEY] = { .msg = "NFSEC_SA_A_ENC_KEY: longer than 128 bytes" },
	[NFSEC_SA_A_AUTH_ALG] = { .msg =
		"NFSEC_SA_A_AUTH_ALG: not a NUL-terminated name of at most 31 characters" },
	[NFSEC_SA_A_AUTH_KEY] = { .msg = "NFSEC_SA_A_AUTH_KEY: longer than 128 bytes" },
	NFSEC_BAD(NFSEC_SA_A_ICV_BITS),
	NFSEC_VALUE(NFSEC_SA_A_REPLAY_WINDOW, "at most 4096 packets", -EINVAL),
	NFSEC_VALUE(NFSEC_SA_A_FLAGS, "unknown flag bits", -EOPNOTSUPP),
	NFSEC_BAD(NFSEC_SA_A_SEQ),
	NFSEC_BAD(NFSEC_SA_A_LIFETIME),
	NFSEC_RONLY(NFSEC_SA_A_ENC_KEY_BITS),
	NFSEC_RONLY(NFSEC_SA_A_AUTH_KEY_BITS),
	NFSEC_RONLY(NFSEC_SA_A_STATS),
	NFSEC_RONLY(NFSEC_SA_A_STATE),
	NFSEC_RONLY(NFSEC_SA_A_AGE),
	NFSEC_RONLY(NFSEC_SA_A_PMTU),
	[NFSEC_SA_A_DIR] = { .msg = "NFSEC_SA_A_DIR: not a u8 of 0 (in) or 1 (out)" },
	[NFSEC_SA_A_SRC6] = { .msg = "NFSEC_SA_A_SRC6: not a 16-byte IPv6 address" },
	[NFSEC_SA_A_DST6] = { .msg = "NFSEC_SA_A_DST6: not a 16-byte IPv6 address" },
	NFSEC_BAD(NFSEC_SA_A_REQID),
	NFSEC_RONLY(NFSEC_SA_A_IDLE),
};

static const struct nfsec_nl_nest nfsec_sa_nest = {
	.policy = nfsec_sa_policy,
	.maxtype = NFSEC_SA_A_MAX,
	.attrs = nfsec_sa_attrs,
	.msg = "NFSEC_A_SA: malformed or unknown nested attribute",
};

/* NFSEC_POL_A_SA: the key of the SA a protect policy names, nothing else. */
#define NFSEC_KEY_ONLY \
	"NFSEC_POL_A_SA: holds only the SA key (NFSEC_SA_A_PROTO, NFSEC_SA_A_SRC or NFSEC_SA_A_SRC6, NFSEC_SA_A_SPI)"

static const struct nla_policy nfsec_sa_key_policy[NFSEC_SA_A_MAX + 1] = {
	[NFSEC_SA_A_PROTO] = NLA_POLICY_RANGE(NLA_U8, IPPROTO_ESP, IPPROTO_AH),
	[NFSEC_SA_A_SRC] = { .type = NLA_BE32 },
	[NFSEC_SA_A_SPI] = NLA_POLICY_MIN(NLA_BE32, NFSEC_SPI_MIN),
	[NFSEC_SA_A_DST ... NFSEC_SA_A_DIR] = { .type = NLA_REJECT,
						.reject_message = NFSEC_KEY_ONLY },
	[NFSEC_SA_A_SRC6] = { .type = NLA_BINARY },
	[NFSEC_SA_A_DST6 ... NFSEC_SA_A_MAX] = { .type = NLA_REJECT,
						 .reject_message = NFSEC_KEY_ONLY },
};

static const struct nfsec_nl_nest nfsec_sa_key_nest = {
	.policy = nfsec_sa_key_policy,
	.maxtype = NFSEC_SA_A_MAX,
	.attrs = nfsec_sa_attrs,
	.msg = "NFSEC_POL_A_SA: malformed or unknown nested attribute",
};

static const struct nla_policy nfsec_lft_policy[NFSEC_LFT_A_MAX + 1] = {
	[NFSEC_LFT_A_SOFT_BYTES] = { .type = NLA_U64 },
	[NFSEC_LFT_A_HARD_BYTES] = { .type = NLA_U64 },
	[NFSEC_LFT_A_SOFT_PACKETS] = { .type = NLA_U64 },
	[NFSEC_LFT_A_HARD_PACKETS] = { .type = NLA_U64 },
	[NFSEC_LFT_A_SOFT_SECONDS] = { .type = NLA_U64 },
	[NFSEC_LFT_A_HARD_SECONDS] = { .type = NLA_U64 },
};

static const struct nfsec_nl_attr nfsec_lft_attrs[NFSEC_LFT_A_MAX + 1] = {
	NFSEC_BAD(NFSEC_LFT_A_SOFT_BYTES),
	NFSEC_BAD(NFSEC_LFT_A_HARD_BYTES),
	NFSEC_BAD(NFSEC_LFT_A_SOFT_PACKETS),
	NFSEC_BAD(NFSEC_LFT_A_HARD_PACKETS),
	NFSEC_BAD(NFSEC_LFT_A_SOFT_SECONDS),
	NFSEC_BAD(NFSEC_LFT_A_HARD_SECONDS),
};

static const struct nfsec_nl_nest nfsec_lft_nest = {
	.policy = nfsec_lft_policy,
	.maxtype = NFSEC_LFT_A_MAX,
	.attrs = nfsec_lft_attrs,
	.msg = "NFSEC_SA_A_LIFETIME: malformed or unknown nested attribute",
};

static const struct nla_policy nfsec_pol_policy[NFSEC_POL_A_MAX + 1] = {
	[NFSEC_POL_A_PAD] = { .type = NLA_REJECT },
	[NFSEC_POL_A_DIR] = NLA_POLICY_MAX(NLA_U8, NFSEC_DIR_MAX),
	[NFSEC_POL_A_SRC] = { .type = NLA_BE32 },
	[NFSEC_POL_A_SRC_PLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[NFSEC_POL_A_DST] = { .type = NLA_BE32 },
	[NFSEC_POL_A_DST_PLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[NFSEC_POL_A_PROTO] = { .type = NLA_U8 },
	[NFSEC_POL_A_SPORT_MIN] = { .type = NLA_U16 },
	[NFSEC_POL_A_SPORT_MAX] = { .type = NLA_U16 },
	[NFSEC_POL_A_DPORT_MIN] = { .type = NLA_U16 },
	[NFSEC_POL_A_DPORT_MAX] = { .type = NLA_U16 },
	[NFSEC_POL_A_ACTION] = NLA_POLICY_MAX(NLA_U8, NFSEC_ACTION_MAX),
	[NFSEC_POL_A_PRIORITY] = { .type = NLA_U32 },
	[NFSEC_POL_A_SA] = NLA_POLICY_NESTED(nfsec_sa_key_policy),
	[NFSEC_POL_A_INDEX] = { .type = NLA_U32 },
	[NFSEC_POL_A_HITS] = { .type = NLA_REJECT },
	[NFSEC_POL_A_FAMILY] = { .type = NLA_U8 },
	[NFSEC_POL_A_SRC6] = { .type = NLA_BINARY },
	[NFSEC_POL_A_DST6] = { .type = NLA_BINARY },
	[NFSEC_POL_A_REQID] = NLA_POLICY_MIN(NLA_U32, 1),
	[NFSEC_POL_A_IDLE] = { .type = NLA_REJECT },
};

static const struct nfsec_nl_attr nfsec_pol_attrs[NFSEC_POL_A_MAX + 1] = {
	NFSEC_RONLY(NFSEC_POL_A_PAD),
	NFSEC_VALUE(NFSEC_POL_A_DIR, "must be 0 (in) or 1 (out)", -EINVAL),
	NFSEC_BAD(NFSEC_POL_A_SRC),
	NFSEC_VALUE(NFSEC_POL_A_SRC_PLEN, "must be 0 to 32, or 128 for IPv6",
		    -EINVAL),
	NFSEC_BAD(NFSEC_POL_A_DST),
	NFSEC_VALUE(NFSEC_POL_A_DST_PLEN, "must be 0 to 32, or 128 for IPv6",
		    -EINVAL),
	NFSEC_BAD(NFSEC_POL_A_PROTO),
	NFSEC_BAD(NFSEC_POL_A_SPORT_MIN),
	NFSEC_BAD(NFSEC_POL_A_SPORT_MAX),
	NFSEC_BAD(NFSEC_POL_A_DPORT_MIN),
	NFSEC_BAD(NFSEC_POL_A_DPORT_MAX),
	NFSEC_VALUE(NFSEC_POL_A_ACTION,
		    "must be 0 (protect), 1 (bypass) or 2 (discard)", -EINVAL),
	NFSEC_BAD(NFSEC_POL_A_PRIORITY),
	[NFSEC_POL_A_SA] = { .msg = "NFSEC_POL_A_SA: wrong type or length",
			     .nest = &nfsec_sa_key_nest },
	NFSEC_BAD(NFSEC_POL_A_INDEX),
	NFSEC_RONLY(NFSEC_POL_A_HITS),
	NFSEC_BAD(NFSEC_POL_A_FAMILY),
	[NFSEC_POL_A_SRC6] = { .msg = "NFSEC_POL_A_SRC6: not a 16-byte IPv6 address" },
	[NFSEC_POL_A_DST6] = { .msg = "NFSEC_POL_A_DST6: not a 16-byte IPv6 address" },
	NFSEC_VALUE(NFSEC_POL_A_REQID, "0 is no request id", -EINVAL),
	NFSEC_RONLY(NFSEC_POL_A_IDLE),
};

static const struct nfsec_nl_nest nfsec_pol_nest = {
	.policy = nfsec_pol_policy,
	.maxtype = NFSEC_POL_A_MAX,
	.attrs = nfsec_pol_attrs,
	.msg = "NFSEC_A_POLICY: malformed or unknown nested attribute",
};

/* The length of an attribute of an integer type; 0 for other types. */
static int nfsec_nl_int_len(u8 type)
{
	switch (type) {
	case NLA_U8:
		return sizeof(u8);
	case NLA_U16:
		return sizeof(u16);
	case NLA_U32:
	case NLA_BE32:
		return sizeof(u32);
	case NLA_U64:
		return sizeof(u64);
	}
	return 0;
}

/*
 * The table of d refused attribute bad somewhere in nest (err, with the
 * core's message): the message names the attribute, and the errno is the
 * API's. The core's messages say what is wrong but not which attribute.
 */
static int nfsec_nl_refused(const struct nfsec_nl_nest *d,
			    const struct nlattr *nest, const struct nlattr *bad,
			    int err, struct netlink_ext_ack *extack)
{
	const struct nfsec_nl_attr *na;
	const struct nla_policy *pt;
	const struct nlattr *attr;
	int rem, type;

	nla_for_each_nested(attr, nest, rem) {
		if (bad < attr || (const void *)bad >= nla_data(attr) + nla_len(attr))
			continue;
		type = nla_type(attr);
		if (type > d->maxtype || !d->attrs[type].msg)
			break;
		na = &d->attrs[type];
		if (bad != attr) {
			if (!na->nest)
				break;
			return nfsec_nl_refused(na->nest, attr, bad, err, extack);
		}
		pt = &d->policy[type];
		/* A rejection that says why itself. */
		if (pt->type == NLA_REJECT && pt->reject_message)
			return err;
		/* Of its type's length: the range or the mask refused it. */
		if (na->value_msg && !(attr->nla_type & NLA_F_NESTED) &&
		    nla_len(attr) == nfsec_nl_int_len(pt->type)) {
			extack->_msg = na->value_msg;
			return na->value_err;
		}
		extack->_msg = na->msg;
		return err;
	}
	extack->_msg = d->msg;
	if (!bad)
		NL_SET_BAD_ATTR(extack, nest);
	return err;
}

/* Parses a nest strictly by the table of d. */
static int nfsec_nl_parse(struct nlattr **tb, const struct nfsec_nl_nest *d,
			  const struct nlattr *nest,
			  struct netlink_ext_ack *extack)
{
	int err;

	err = nla_parse_nested(tb, d->maxtype, nest, d->policy, extack);
	if (!err || !extack)
		return err;
	if (extack->bad_attr == nest)
		extack->bad_attr = NULL;
	return nfsec_nl_refused(d, nest, extack->bad_attr, err, extack);
}

/* For messages chosen at run time; msg must be a string literal. */
static void nfsec_set_err(struct netlink_ext_ack *extack,
			  const struct nlattr *attr, const char *msg)
{
	if (!extack)
		return;
	extack->_msg = msg;
	extack->bad_attr = attr;
}

static bool nfsec_require(struct netlink_ext_ack *extack,
			  const struct nlattr *nest, struct nlattr **tb,
			  int type, const char *msg)
{
	if (tb[type])
		return false;
	NL_SET_ERR_ATTR_MISS(extack, nest, type);
	nfsec_set_err(extack, NULL, msg);
	return true;
}

#define NFSEC_REQUIRE(extack, nest, tb, type) \
	nfsec_require(extack, nest, tb, type, "missing " #type)

/*
 * The family's own table is applied by the generic netlink core, whose
 * answer to a mask would neither name NFSEC_A_FLAGS nor be EOPNOTSUPP, as
 * the API's is: these flags are checked here.
 */
static int nfsec_nl_flags(struct nlattr **attrs, u32 *flags,
			  struct netlink_ext_ack *extack)
{
	*flags = 0;
	if (!attrs[NFSEC_A_FLAGS])
		return 0;
	*flags = nla_get_u32(attrs[NFSEC_A_FLAGS]);
	if (*flags & ~__NFSEC_F_ALL) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[NFSEC_A_FLAGS],
				    "NFSEC_A_FLAGS: unknown flag bits");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * An IPv6 address attribute: 16 bytes, refused as an IPv4 one of the
 * wrong length is (EINVAL), with msg.
 */
static bool nfsec_nl_in6(const struct nlattr *attr, struct in6_addr *addr,
			 const char *msg, struct netlink_ext_ack *extack)
{
	if (nla_len(attr) != sizeof(*addr)) {
		nfsec_set_err(extack, attr, msg);
		return false;
	}
	*addr = nla_get_in6_addr(attr);
	return true;
}

#define NFSEC_IN6_MSG(attr) #attr ": not a 16-byte IPv6 address"

/*
 * Fills key from PROTO, SRC or SRC6, and SPI, which must all be present;
 * the source's attribute gives the SA's family.
 */
static int nfsec_nl_sa_key_spi(struct nlattr **tb, const struct nlattr *nest,
			       struct nfsec_sa_key *key, bool need_spi,
			       struct netlink_ext_ack *extack)
{
	memset(key, 0, sizeof(*key));
	if (tb[NFSEC_SA_A_SRC] && tb[NFSEC_SA_A_SRC6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_SRC6],
				    "NFSEC_SA_A_SRC6: NFSEC_SA_A_SRC is given too");
		return -EINVAL;
	}
	if (NFSEC_REQUIRE(extack, nest, tb, NFSEC_SA_A_PROTO) ||
	    (!tb[NFSEC_SA_A_SRC6] &&
	     NFSEC_REQUIRE(extack, nest, tb, NFSEC_SA_A_SRC)) ||
	    (need_spi && NFSEC_REQUIRE(extack, nest, tb, NFSEC_SA_A_SPI)))
		return -EINVAL;
	key->proto = nla_get_u8(tb[NFSEC_SA_A_PROTO]);
	if (tb[NFSEC_SA_A_SRC6]) {
		key->family = AF_INET6;
		if (!nfsec_nl_in6(tb[NFSEC_SA_A_SRC6], &key->saddr.in6,
				  NFSEC_IN6_MSG(NFSEC_SA_A_SRC6), extack))
			return -EINVAL;
	} else {
		key->family = AF_INET;
		key->saddr.ip = nla_get_be32(tb[NFSEC_SA_A_SRC]);
	}
	if (need_spi)
		key->spi = nla_get_be32(tb[NFSEC_SA_A_SPI]);
	return 0;
}

static int nfsec_nl_sa_key(struct nlattr **tb, const struct nlattr *nest,
			   struct nfsec_sa_key *key,
			   struct netlink_ext_ack *extack)
{
	return nfsec_nl_sa_key_spi(tb, nest, key, true, extack);
}

static int nfsec_nl_lifetime(const struct nlattr *nest,
			     struct nfsec_lifetime *lft,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NFSEC_LFT_A_MAX + 1];
	int err, i;
	u64 v[NFSEC_LFT_A_MAX + 1] = {};

	err = nfsec_nl_parse(tb, &nfsec_lft_nest, nest, extack);
	if (err)
		return err;
	for (i = 1; i <= NFSEC_LFT_A_MAX; i++)
		if (tb[i])
			v[i] = nla_get_u64(tb[i]);
	lft->soft_bytes = v[NFSEC_LFT_A_SOFT_BYTES];
	lft->hard_bytes = v[NFSEC_LFT_A_HARD_BYTES];
	lft->soft_packets = v[NFSEC_LFT_A_SOFT_PACKETS];
	lft->hard_packets = v[NFSEC_LFT_A_HARD_PACKETS];
	lft->soft_seconds = v[NFSEC_LFT_A_SOFT_SECONDS];
	lft->hard_seconds = v[NFSEC_LFT_A_HARD_SECONDS];

	if (lft->hard_bytes && lft->soft_bytes > lft->hard_bytes) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_LFT_A_SOFT_BYTES],
				    "NFSEC_LFT_A_SOFT_BYTES: above the hard limit");
		return -EINVAL;
	}
	if (lft->hard_packets && lft->soft_packets > lft->hard_packets) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_LFT_A_SOFT_PACKETS],
				    "NFSEC_LFT_A_SOFT_PACKETS: above the hard limit");
		return -EINVAL;
	}
	if (lft->hard_seconds && lft->soft_seconds > lft->hard_seconds) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_LFT_A_SOFT_SECONDS],
				    "NFSEC_LFT_A_SOFT_SECONDS: above the hard limit");
		return -EINVAL;
	}
	return 0;
}

/* Looks up an algorithm attribute and refuses what may not be used. */
static const struct nfsec_alg *nfsec_nl_alg(const struct nlattr *attr,
					    bool esp, bool enc, int *err,
					    struct netlink_ext_ack *extack)
{
	const struct nfsec_alg *alg = nfsec_alg_find(nla_data(attr));
	const char *msg = NULL;

	*err = -ENOENT;
	if (!alg) {
		msg = enc ? "NFSEC_SA_A_ENC_ALG: unknown algorithm" :
			    "NFSEC_SA_A_AUTH_ALG: unknown algorithm";
	} else if (alg->status == NFSEC_ALG_MUST_NOT) {
		*err = -EPERM;
		msg = enc ? "NFSEC_SA_A_ENC_ALG: MUST NOT be used (RFC 8221)" :
			    "NFSEC_SA_A_AUTH_ALG: MUST NOT be used (RFC 8221)";
	} else if (alg->status == NFSEC_ALG_SHOULD_NOT) {
		*err = -EPERM;
		msg = enc ? "NFSEC_SA_A_ENC_ALG: deprecated by RFC 8221, not offered" :
			    "NFSEC_SA_A_AUTH_ALG: deprecated by RFC 8221, not offered";
	} else if (enc && alg->kind == NFSEC_ALG_INTEG) {
		*err = -EINVAL;
		msg = "NFSEC_SA_A_ENC_ALG: an integrity algorithm, give it as NFSEC_SA_A_AUTH_ALG";
	} else if (!enc && alg->kind != NFSEC_ALG_INTEG &&
		   (esp || !alg->ah)) {
		/* AES-GMAC is AH's integrity algorithm, ESP's AEAD. */
		*err = -EINVAL;
		msg = "NFSEC_SA_A_AUTH_ALG: not an integrity algorithm";
	} else if (esp ? !alg->esp : !alg->ah) {
		*err = -EOPNOTSUPP;
		msg = enc ? "NFSEC_SA_A_ENC_ALG: not available for this protocol" :
			    "NFSEC_SA_A_AUTH_ALG: not available for this protocol";
	}
	if (msg) {
		nfsec_set_err(extack, attr, msg);
		return NULL;
	}
	*err = 0;
	return alg;
}

/*
 * Takes the key attribute key_type for alg (given by alg_type) and checks
 * its length; the messages name the attributes.
 */
static int nfsec_nl_sa_alg_key(struct nlattr **tb, const struct nfsec_alg *alg,
			       int alg_type, int key_type, const u8 **key,
			       unsigned int *len, const char *bad_len,
			       const char *missing,
			       struct netlink_ext_ack *extack)
{
	if (tb[key_type]) {
		*key = nla_data(tb[key_type]);
		*len = nla_len(tb[key_type]);
	}
	if (nfsec_alg_key_len_ok(alg, *len))
		return 0;
	if (tb[key_type])
		nfsec_set_err(extack, tb[key_type], bad_len);
	else
		nfsec_set_err(extack, tb[alg_type], missing);
	return -EINVAL;
}

static int nfsec_nl_sa_algs(struct nlattr **tb, const struct nlattr *nest,
			    struct nfsec_sa_cfg *cfg,
			    struct netlink_ext_ack *extack)
{
	bool esp = cfg->key.proto == IPPROTO_ESP;
	const struct nfsec_alg *icv_alg;
	int err;

	if (!esp && (tb[NFSEC_SA_A_ENC_ALG] || tb[NFSEC_SA_A_ENC_KEY])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_ENC_ALG] ?:
				    tb[NFSEC_SA_A_ENC_KEY],
				    "NFSEC_SA_A_ENC_ALG: AH does not encrypt");
		return -EINVAL;
	}
	if (esp) {
		if (NFSEC_REQUIRE(extack, nest, tb, NFSEC_SA_A_ENC_ALG))
			return -EINVAL;
		cfg->enc = nfsec_nl_alg(tb[NFSEC_SA_A_ENC_ALG], true, true,
					&err, extack);
		if (!cfg->enc)
			return err;
	}
	if (tb[NFSEC_SA_A_AUTH_ALG]) {
		if (cfg->enc && cfg->enc->kind == NFSEC_ALG_AEAD) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_AUTH_ALG],
					    "NFSEC_SA_A_AUTH_ALG: a combined-mode algorithm has its own integrity");
			return -EINVAL;
		}
		cfg->auth = nfsec_nl_alg(tb[NFSEC_SA_A_AUTH_ALG], esp, false,
					 &err, extack);
		if (!cfg->auth)
			return err;
	} else if (!cfg->enc || cfg->enc->kind == NFSEC_ALG_CIPHER) {
		/* RFC 8221: no ESP without integrity; AH is integrity. */
		NL_SET_ERR_ATTR_MISS(extack, nest, NFSEC_SA_A_AUTH_ALG);
		if (esp)
			NL_SET_ERR_MSG(extack,
				       "missing NFSEC_SA_A_AUTH_ALG: encryption without integrity is not offered");
		else
			NL_SET_ERR_MSG(extack, "missing NFSEC_SA_A_AUTH_ALG");
		return -EINVAL;
	}
	if (!cfg->auth && tb[NFSEC_SA_A_AUTH_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_AUTH_KEY],
				    "NFSEC_SA_A_AUTH_KEY: given without NFSEC_SA_A_AUTH_ALG");
		return -EINVAL;
	}

	if (cfg->enc) {
		err = nfsec_nl_sa_alg_key(tb, cfg->enc, NFSEC_SA_A_ENC_ALG,
					  NFSEC_SA_A_ENC_KEY, &cfg->enc_key,
					  &cfg->enc_key_len,
					  "NFSEC_SA_A_ENC_KEY: wrong length for the algorithm",
					  "missing NFSEC_SA_A_ENC_KEY", extack);
		if (err)
			return err;
	}
	if (cfg->auth) {
		err = nfsec_nl_sa_alg_key(tb, cfg->auth, NFSEC_SA_A_AUTH_ALG,
					  NFSEC_SA_A_AUTH_KEY, &cfg->auth_key,
					  &cfg->auth_key_len,
					  "NFSEC_SA_A_AUTH_KEY: wrong length for the algorithm",
					  "missing NFSEC_SA_A_AUTH_KEY", extack);
		if (err)
			return err;
	}

	icv_alg = cfg->enc && cfg->enc->kind == NFSEC_ALG_AEAD ? cfg->enc :
								cfg->auth;
	if (tb[NFSEC_SA_A_ICV_BITS]) {
		cfg->icv_bits = nla_get_u16(tb[NFSEC_SA_A_ICV_BITS]);
		if (!nfsec_alg_icv_ok(icv_alg, cfg->icv_bits)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_ICV_BITS],
					    "NFSEC_SA_A_ICV_BITS: not allowed for the algorithm");
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * An SA's ends are unicast hosts: not in 0.0.0.0/8, not the limited
 * broadcast, a multicast group or in 240.0.0.0/4. (A subnet's broadcast address cannot be
 * told from a host's without the interfaces, which the SA does not name.)
 */
static bool nfsec_nl_unicast(const struct nlattr *attr)
{
	__be32 addr = nla_get_be32(attr);

	/* 0.0.0.0/8 (RFC 1122 3.2.1.3); 240.0.0.0/4 holds the broadcast. */
	return (addr & htonl(0xff000000)) && !ipv4_is_multicast(addr) &&
	       (addr & htonl(0xf0000000)) != htonl(0xf0000000);
}

/*
 * An IPv6 SA's ends: not the unspecified address, a multicast group, an
 * IPv4-mapped address (RFC 4038) or the loopback address.
 */
static bool nfsec_nl_unicast6(const struct nlattr *attr)
{
	struct in6_addr addr = nla_get_in6_addr(attr);
	int type = ipv6_addr_type(&addr);

	/* IPV6_ADDR_ANY is 0: the unspecified address has no bit. */
	return !ipv6_addr_any(&addr) &&
	       !(type & (IPV6_ADDR_MULTICAST | IPV6_ADDR_MAPPED |
			 IPV6_ADDR_LOOPBACK));
}

/* The SA's addresses; SRC or SRC6 was checked by nfsec_nl_sa_key(). */
static int nfsec_nl_sa_addrs(struct nlattr **tb, const struct nlattr *nest,
			     struct nfsec_sa_cfg *cfg,
			     struct netlink_ext_ack *extack)
{
	if (cfg->key.family == AF_INET6) {
		if (tb[NFSEC_SA_A_DST]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_DST],
					    "NFSEC_SA_A_DST: an IPv4 address, the source is IPv6 (NFSEC_SA_A_DST6)");
			return -EINVAL;
		}
		if (NFSEC_REQUIRE(extack, nest, tb, NFSEC_SA_A_DST6))
			return -EINVAL;
		if (!nfsec_nl_in6(tb[NFSEC_SA_A_DST6], &cfg->daddr.in6,
				  NFSEC_IN6_MSG(NFSEC_SA_A_DST6), extack))
			return -EINVAL;
		if (!nfsec_nl_unicast6(tb[NFSEC_SA_A_SRC6])) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_SRC6],
					    "NFSEC_SA_A_SRC6: not a unicast address (unspecified, multicast, loopback or IPv4-mapped)");
			return -EINVAL;
		}
		if (!nfsec_nl_unicast6(tb[NFSEC_SA_A_DST6])) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_DST6],
					    "NFSEC_SA_A_DST6: not a unicast address (unspecified, multicast, loopback or IPv4-mapped)");
			return -EINVAL;
		}
		return 0;
	}
	if (tb[NFSEC_SA_A_DST6]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_DST6],
				    "NFSEC_SA_A_DST6: an IPv6 address, the source is IPv4 (NFSEC_SA_A_DST)");
		return -EINVAL;
	}
	if (NFSEC_REQUIRE(extack, nest, tb, NFSEC_SA_A_DST))
		return -EINVAL;
	if (!nfsec_nl_unicast(tb[NFSEC_SA_A_SRC])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_SRC],
				    "NFSEC_SA_A_SRC: not a unicast address (0.0.0.0/8, broadcast, multicast or 240.0.0.0/4)");
		return -EINVAL;
	}
	if (!nfsec_nl_unicast(tb[NFSEC_SA_A_DST])) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_DST],
				    "NFSEC_SA_A_DST: not a unicast address (0.0.0.0/8, broadcast, multicast or 240.0.0.0/4)");
		return -EINVAL;
	}
	cfg->daddr.ip = nla_get_be32(tb[NFSEC_SA_A_DST]);
	return 0;
}

static int nfsec_nl_sa_cfg(struct nlattr **tb, const struct nlattr *nest,
			   struct nfsec_sa_cfg *cfg,
			   struct netlink_ext_ack *extack)
{
	int err;

	err = nfsec_nl_sa_key(tb, nest, &cfg->key, extack);
	if (err)
		return err;
	err = nfsec_nl_sa_addrs(tb, nest, cfg, extack);
	if (err)
		return err;

	if (tb[NFSEC_SA_A_REQID])
		cfg->reqid = nla_get_u32(tb[NFSEC_SA_A_REQID]);
	cfg->has_dir = !!tb[NFSEC_SA_A_DIR];
	if (cfg->has_dir)
		cfg->dir = nla_get_u8(tb[NFSEC_SA_A_DIR]);

	cfg->mode = tb[NFSEC_SA_A_MODE] ? nla_get_u8(tb[NFSEC_SA_A_MODE]) :
					  NFSEC_MODE_TRANSPORT;
	cfg->replay_window = NFSEC_REPLAY_WINDOW_DEFAULT;
	if (tb[NFSEC_SA_A_REPLAY_WINDOW])
		cfg->replay_window = nla_get_u32(tb[NFSEC_SA_A_REPLAY_WINDOW]);
	if (tb[NFSEC_SA_A_FLAGS])
		cfg->flags = nla_get_u32(tb[NFSEC_SA_A_FLAGS]);

	if ((cfg->flags & NFSEC_SA_F_ALIGN4) &&
	    (cfg->key.proto != IPPROTO_AH || cfg->key.family != AF_INET)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_FLAGS],
				    "NFSEC_SA_A_FLAGS: NFSEC_SA_F_ALIGN4 is for AH over IPv4 only");
		return -EINVAL;
	}

	if (tb[NFSEC_SA_A_SEQ]) {
		cfg->seq = nla_get_u64(tb[NFSEC_SA_A_SEQ]);
		if (!(cfg->flags & NFSEC_SA_F_ESN) && cfg->seq > U32_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_SA_A_SEQ],
					    "NFSEC_SA_A_SEQ: above 2^32-1 without ESN");
			return -EINVAL;
		}
	}

	if (tb[NFSEC_SA_A_LIFETIME]) {
		err = nfsec_nl_lifetime(tb[NFSEC_SA_A_LIFETIME], &cfg->lft,
					extack);
		if (err)
			return err;
	}

	return nfsec_nl_sa_algs(tb, nest, cfg, extack);
}

static int nfsec_nl_put_stats(struct sk_buff *skb, const struct nfsec_sa *sa)
{
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, NFSEC_SA_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = NFSEC_STATS_A_PACKETS; i <= NFSEC_STATS_A_MAX; i++)
		if (nla_put_u64_64bit(skb, i, atomic64_read(&sa->stats[i]),
				      NFSEC_STATS_A_PAD))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int nfsec_nl_put_lifetime(struct sk_buff *skb,
				 const struct nfsec_lifetime *lft)
{
	const u64 v[] = {
		[NFSEC_LFT_A_SOFT_BYTES] = lft->soft_bytes,
		[NFSEC_LFT_A_HARD_BYTES] = lft->hard_bytes,
		[NFSEC_LFT_A_SOFT_PACKETS] = lft->soft_packets,
		[NFSEC_LFT_A_HARD_PACKETS] = lft->hard_packets,
		[NFSEC_LFT_A_SOFT_SECONDS] = lft->soft_seconds,
		[NFSEC_LFT_A_HARD_SECONDS] = lft->hard_seconds,
	};
	struct nlattr *nest;
	int i;

	nest = nla_nest_start(skb, NFSEC_SA_A_LIFETIME);
	if (!nest)
		return -EMSGSIZE;
	for (i = 1; i < ARRAY_SIZE(v); i++)
		if (v[i] && nla_put_u64_64bit(skb, i, v[i], NFSEC_LFT_A_UNSPEC))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int nfsec_nl_put_sa_key(struct sk_buff *skb,
			       const struct nfsec_sa_key *key)
{
	if (nla_put_u8(skb, NFSEC_SA_A_PROTO, key->proto) ||
	    (key->family == AF_INET6 ?
	     nla_put_in6_addr(skb, NFSEC_SA_A_SRC6, &key->saddr.in6) :
	     nla_put_be32(skb, NFSEC_SA_A_SRC, key->saddr.ip)) ||
	    nla_put_be32(skb, NFSEC_SA_A_SPI, key->spi))
		return -EMSGSIZE;
	return 0;
}

static int nfsec_nl_put_sa(struct sk_buff *skb, const struct nfsec_sa *sa,
			   bool with_keys)
{
	unsigned int salt = sa->enc ? sa->enc->salt_len : 0;
	struct nlattr *nest;
	u64 idle;
	u32 pmtu;

	nest = nla_nest_start(skb, NFSEC_A_SA);
	if (!nest)
		return -EMSGSIZE;
	if (nfsec_nl_put_sa_key(skb, &sa->key) ||
	    (sa->key.family == AF_INET6 ?
	     nla_put_in6_addr(skb, NFSEC_SA_A_DST6, &sa->daddr.in6) :
	     nla_put_be32(skb, NFSEC_SA_A_DST, sa->daddr.ip)) ||
	    nla_put_u8(skb, NFSEC_SA_A_MODE, sa->mode) ||
	    nla_put_u8(skb, NFSEC_SA_A_DIR, sa->dir) ||
	    nla_put_u16(skb, NFSEC_SA_A_ICV_BITS, sa->icv_len * 8) ||
	    nla_put_u32(skb, NFSEC_SA_A_REPLAY_WINDOW, sa->replay_window) ||
	    nla_put_u32(skb, NFSEC_SA_A_FLAGS, sa->flags) ||
	    nla_put_u64_64bit(skb, NFSEC_SA_A_SEQ, nfsec_sa_seq(sa),
			      NFSEC_SA_A_UNSPEC) ||
	    nla_put_u8(skb, NFSEC_SA_A_STATE, sa->state) ||
	    nla_put_u64_64bit(skb, NFSEC_SA_A_AGE,
			      ktime_get_seconds() - sa->add_time,
			      NFSEC_SA_A_UNSPEC))
		goto cancel;
	if (sa->enc &&
	    (nla_put_string(skb, NFSEC_SA_A_ENC_ALG, sa->enc->name) ||
	     nla_put_u16(skb, NFSEC_SA_A_ENC_KEY_BITS,
			 (sa->enc_key_len - salt) * 8) ||
	     (with_keys && sa->enc_key_len &&
	      nla_put(skb, NFSEC_SA_A_ENC_KEY, sa->enc_key_len, sa->enc_key))))
		goto cancel;
	if (sa->auth &&
	    (nla_put_string(skb, NFSEC_SA_A_AUTH_ALG, sa->auth->name) ||
	     nla_put_u16(skb, NFSEC_SA_A_AUTH_KEY_BITS, sa->auth_key_len * 8) ||
	     (with_keys &&
	      nla_put(skb, NFSEC_SA_A_AUTH_KEY, sa->auth_key_len,
		      sa->auth_key))))
		goto cancel;
	if (nfsec_nl_put_lifetime(skb, &sa->lft) || nfsec_nl_put_stats(skb, sa))
		goto cancel;
	pmtu = nfsec_sa_pmtu(sa);
	if (pmtu && nla_put_u32(skb, NFSEC_SA_A_PMTU, pmtu))
		goto cancel;
	if (sa->reqid && nla_put_u32(skb, NFSEC_SA_A_REQID, sa->reqid))
		goto cancel;
	if (nfsec_use_idle(&sa->use_jiffies, &idle) &&
	    nla_put_u64_64bit(skb, NFSEC_SA_A_IDLE, idle, NFSEC_SA_A_UNSPEC))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * An event message for the listeners in nn's namespace, its NFSEC_A_EVENT
 * put, for the caller to fill; NULL if nobody listens or memory is short.
 */
static struct sk_buff *nfsec_nl_event_start(struct nfsec_net *nn, u32 event,
					    gfp_t gfp, void **hdr)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&nfsec_family, nn->net, 0))
		return NULL;
	skb = genlmsg_new(NLMSG_GOODSIZE, gfp);
	if (!skb)
		return NULL;
	*hdr = genlmsg_put(skb, 0, 0, &nfsec_family, 0, NFSEC_CMD_EVENT);
	if (!*hdr || nla_put_u32(skb, NFSEC_A_EVENT, event)) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/* Sends the event, or frees it if filling it failed (err). */
static void nfsec_nl_event_send(struct nfsec_net *nn, struct sk_buff *skb,
				void *hdr, int err, gfp_t gfp)
{
	if (err) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&nfsec_family, nn->net, skb, 0, 0, gfp);
}

void nfsec_nl_notify_sa(struct nfsec_net *nn, struct nfsec_sa *sa, u32 event,
			gfp_t gfp)
{
	struct sk_buff *skb;
	void *hdr;

	skb = nfsec_nl_event_start(nn, event, gfp, &hdr);
	if (skb)
		nfsec_nl_event_send(nn, skb, hdr,
				    nfsec_nl_put_sa(skb, sa, false), gfp);
}

static void nfsec_nl_notify_count(struct nfsec_net *nn, u32 event, u32 count)
{
	struct sk_buff *skb;
	void *hdr;

	skb = nfsec_nl_event_start(nn, event, GFP_KERNEL, &hdr);
	if (skb)
		nfsec_nl_event_send(nn, skb, hdr,
				    nla_put_u32(skb, NFSEC_A_COUNT, count),
				    GFP_KERNEL);
}

static int nfsec_nl_reply_count(struct genl_info *info, u32 count)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(nla_total_size(sizeof(u32)), GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hdr = genlmsg_put_reply(skb, info, &nfsec_family, 0,
				info->genlhdr->cmd);
	if (!hdr || nla_put_u32(skb, NFSEC_A_COUNT, count)) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

static int nfsec_nl_get_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nfsec_family, 0,
				NFSEC_CMD_GET_VERSION);
	if (!hdr || nla_put_string(msg, NFSEC_A_VERSION, NFSEC_VERSION) ||
	    nla_put_u32(msg, NFSEC_A_API_VERSION, NFSEC_GENL_VERSION)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int nfsec_nl_sa_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nfsec_net *nn = nfsec_pernet(genl_info_net(info));
	struct nlattr *tb[NFSEC_SA_A_MAX + 1];
	struct nfsec_sa_cfg cfg = {};
	int err;

	if (NFSEC_REQUIRE(info->extack, NULL, info->attrs, NFSEC_A_SA))
		return -EINVAL;
	err = nfsec_nl_parse(tb, &nfsec_sa_nest, info->attrs[NFSEC_A_SA],
			     info->extack);
	if (err)
		return err;
	err = nfsec_nl_sa_cfg(tb, info->attrs[NFSEC_A_SA], &cfg, info->extack);
	if (err)
		return err;

	mutex_lock(&nn->lock);
	err = nfsec_sa_add(nn, &cfg, info->extack);
	mutex_unlock(&nn->lock);
	return err;
}

static int nfsec_nl_sa_key_attrs(struct genl_info *info,
				 struct nfsec_sa_key *key)
{
	struct nlattr *tb[NFSEC_SA_A_MAX + 1];
	int err;

	if (NFSEC_REQUIRE(info->extack, NULL, info->attrs, NFSEC_A_SA))
		return -EINVAL;
	err = nfsec_nl_parse(tb, &nfsec_sa_nest, info->attrs[NFSEC_A_SA],
			     info->extack);
	if (err)
		return err;
	return nfsec_nl_sa_key(tb, info->attrs[NFSEC_A_SA], key, info->extack);
}

/* NFSEC_A_SPI_MIN and NFSEC_A_SPI_MAX, by default the whole range. */
static int nfsec_nl_spi_range(struct genl_info *info, u32 *min, u32 *max)
{
	struct nlattr *amin = info->attrs[NFSEC_A_SPI_MIN];
	struct nlattr *amax = info->attrs[NFSEC_A_SPI_MAX];

	*min = amin ? nla_get_u32(amin) : NFSEC_SPI_MIN;
	*max = amax ? nla_get_u32(amax) : U32_MAX;
	if (*min < NFSEC_SPI_MIN) {
		NL_SET_ERR_MSG_ATTR(info->extack, amin,
				    "NFSEC_A_SPI_MIN: 0 to 255 are reserved (RFC 4301)");
		return -EINVAL;
	}
	if (*max < *min) {
		NL_SET_ERR_MSG_ATTR(info->extack, amax ?: amin,
				    "NFSEC_A_SPI_MAX: below NFSEC_A_SPI_MIN");
		return -EINVAL;
	}
	return 0;
}

static int nfsec_nl_sa_alloc_spi(struct sk_buff *skb, struct genl_info *info)
{
	struct nfsec_net *nn = nfsec_pernet(genl_info_net(info));
	struct nlattr *tb[NFSEC_SA_A_MAX + 1], *nest;
	struct nfsec_sa_cfg cfg = {};
	struct sk_buff *msg;
	u32 min, max;
	void *hdr;
	int err, i;

	if (NFSEC_REQUIRE(info->extack, NULL, info->attrs, NFSEC_A_SA))
		return -EINVAL;
	err = nfsec_nl_parse(tb, &nfsec_sa_nest, info->attrs[NFSEC_A_SA],
			     info->extack);
	if (err)
		return err;
	for (i = 1; i <= NFSEC_SA_A_MAX; i++) {
		switch (i) {
		case NFSEC_SA_A_PROTO:
		case NFSEC_SA_A_SRC:
		case NFSEC_SA_A_SRC6:
		case NFSEC_SA_A_DST:
		case NFSEC_SA_A_DST6:
		case NFSEC_SA_A_REQID:
			continue;
		}
		if (!tb[i])
			continue;
		if (i == NFSEC_SA_A_SPI)
			NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
					    "NFSEC_SA_A_SPI: an SPI allocation chooses the SPI");
		else
			NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
					    "NFSEC_A_SA: an SPI allocation takes only NFSEC_SA_A_PROTO, the addresses and NFSEC_SA_A_REQID");
		return -EINVAL;
	}
	err = nfsec_nl_sa_key_spi(tb, info->attrs[NFSEC_A_SA], &cfg.key, false,
				  info->extack) ?:
	      nfsec_nl_sa_addrs(tb, info->attrs[NFSEC_A_SA], &cfg,
				info->extack) ?:
	      nfsec_nl_spi_range(info, &min, &max);
	if (err)
		return err;
	if (tb[NFSEC_SA_A_REQID])
		cfg.reqid = nla_get_u32(tb[NFSEC_SA_A_REQID]);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&nn->lock);
	err = nfsec_sa_alloc_spi(nn, &cfg, min, max, info->extack);
	mutex_unlock(&nn->lock);
	if (err)
		goto err_free;
	hdr = genlmsg_put_reply(msg, info, &nfsec_family, 0,
				NFSEC_CMD_SA_ALLOC_SPI);
	if (!hdr)
		goto err_size;
	nest = nla_nest_start(msg, NFSEC_A_SA);
	if (!nest || nfsec_nl_put_sa_key(msg, &cfg.key))
		goto err_size;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_size:
	err = -EMSGSIZE;
err_free:
	nlmsg_free(msg);
	return err;
}

static int nfsec_nl_sa_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nfsec_net *nn = nfsec_pernet(genl_info_net(info));
	struct nfsec_sa_key key;
	int err;

	err = nfsec_nl_sa_key_attrs(info, &key);
	if (err)
		return err;
	mutex_lock(&nn->lock);
	err = nfsec_sa_del(nn, &key);
	mutex_unlock(&nn->lock);
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NFSEC_A_SA],
				    "NFSEC_A_SA: no SA with this protocol, source and SPI");
	return err;
}

static int nfsec_nl_sa_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nfsec_net *nn = nfsec_pernet(genl_info_net(info));
	struct nfsec_sa_key key;
	struct nfsec_sa *sa;
	struct sk_buff *msg;
	u32 flags;
	void *hdr;
	int err;

	err = nfsec_nl_flags(info->attrs, &flags, info->extack);
	if (err)
		return err;
	err = nfsec_nl_sa_key_attrs(info, &key);
	if (err)
		return err;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nfsec_family, 0, NFSEC_CMD_SA_GET);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	rcu_read_lock();
	sa = nfsec_sa_lookup_rcu(nn, &key);
	err = sa ? nfsec_nl_put_sa(msg, sa, flags & NFSEC_F_WITH_KEYS) :
		   -ENOENT;
	rcu_read_unlock();
	if (err == -ENOENT)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[NFSEC_A_SA],
				    "NFSEC_A_SA: no SA with this protocol, source and SPI");
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	/* The message may hold key material. */
	memzero_explicit(msg->data, skb_headlen(msg));
	nlmsg_free(msg);
	return err;
}

/* cb->args[0]: the lowest SA id not dumped yet. */
static int nfsec_nl_sa_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfsec_net *nn = nfsec_pernet(sock_net(skb->sk));
	struct nfsec_sa *sa;
	unsigned long id;
	bool with_keys;
	u32 flags;
	void *hdr;
	int err;

	err = nfsec_nl_flags(nfsec_dump_attrs(cb), &flags, cb->extack);
	if (err)
		return err;
	with_keys = flags & NFSEC_F_WITH_KEYS;

	rcu_read_lock();
	cb->seq = READ_ONCE(nn->sad.gen);
	xa_for_each_start(&nn->sad.ids, id, sa, cb->args[0]) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &nfsec_family,
				  NLM_F_MULTI, NFSEC_CMD_SA_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (nfsec_nl_put_sa(skb, sa, with_keys)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = id + 1;
	}
	rcu_read_unlock();
	return skb->len;
}

static int nfsec_nl_sa_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nfsec_net *nn = nfsec_pernet(genl_info_net(info));
	struct nlattr *tb[NFSEC_SA_A_MAX + 1];
	unsigned int n;
	u8 proto = 0;
	int err, i;

	if (info->attrs[NFSEC_A_SA]) {
		err = nfsec_nl_parse(tb, &nfsec_sa_nest,
				     info->attrs[NFSEC_A_SA], info->extack);
		if (err)
			return err;
		for (i = 1; i <= NFSEC_SA_A_MAX; i++) {
			if (tb[i] && i != NFSEC_SA_A_PROTO) {
				NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
						    "NFSEC_A_SA: a flush selects by NFSEC_SA_A_PROTO only");
				return -EINVAL;
			}
		}
		if (tb[NFSEC_SA_A_PROTO])
			proto = nla_get_u8(tb[NFSEC_SA_A_PROTO]);
	}

	mutex_lock(&nn->lock);
	n = nfsec_sa_flush(nn, proto);
	nfsec_nl_notify_count(nn, NFSEC_EV_SA_FLUSHED, n);
	mutex_unlock(&nn->lock);
	return nfsec_nl_reply_count(info, n);
}

/*
 * The family of a policy: FAMILY, else that of the addresses given, else
 * IPv4; an address of the other family is refused.
 */
static int nfsec_nl_pol_family(struct nlattr **tb, u8 *family,
			       struct netlink_ext_ack *extack)
{
	static const int v4[] = { NFSEC_POL_A_SRC, NFSEC_POL_A_DST };
	static const int v6[] = { NFSEC_POL_A_SRC6, NFSEC_POL_A_DST6 };
	static const char * const v4_msg[] = {
		"NFSEC_POL_A_SRC: an IPv4 address in an IPv6 policy",
		"NFSEC_POL_A_DST: an IPv4 address in an IPv6 policy",
	};
	static const char * const v6_msg[] = {
		"NFSEC_POL_A_SRC6: an IPv6 address in an IPv4 policy",
		"NFSEC_POL_A_DST6: an IPv6 address in an IPv4 policy",
	};
	int i;

	if (tb[NFSEC_POL_A_FAMILY]) {
		*family = nla_get_u8(tb[NFSEC_POL_A_FAMILY]);
		if (*family != AF_INET && *family != AF_INET6) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_POL_A_FAMILY],
					    "NFSEC_POL_A_FAMILY: must be 2 (AF_INET) or 10 (AF_INET6)");
			return -EAFNOSUPPORT;
		}
	} else {
		*family = tb[NFSEC_POL_A_SRC6] || tb[NFSEC_POL_A_DST6] ?
			  AF_INET6 : AF_INET;
	}
	for (i = 0; i < ARRAY_SIZE(v4); i++) {
		if (*family == AF_INET6 && tb[v4[i]]) {
			nfsec_set_err(extack, tb[v4[i]], v4_msg[i]);
			return -EINVAL;
		}
		if (*family == AF_INET && tb[v6[i]]) {
			nfsec_set_err(extack, tb[v6[i]], v6_msg[i]);
			return -EINVAL;
		}
	}
	return 0;
}

/* One end of the selector: the prefix of src (or, if !src, dst). */
static int nfsec_nl_prefix(struct nlattr **tb, u8 family, bool src,
			   union nfsec_addr *addr, u8 *plen,
			   struct netlink_ext_ack *extack)
{
	int plen_type = src ? NFSEC_POL_A_SRC_PLEN : NFSEC_POL_A_DST_PLEN;
	struct nlattr *a;

	memset(addr, 0, sizeof(*addr));
	*plen = tb[plen_type] ? nla_get_u8(tb[plen_type]) : 0;
	if (family == AF_INET6) {
		struct in6_addr masked;

		a = tb[src ? NFSEC_POL_A_SRC6 : NFSEC_POL_A_DST6];
		if (a && !nfsec_nl_in6(a, &addr->in6, src ?
				       NFSEC_IN6_MSG(NFSEC_POL_A_SRC6) :
				       NFSEC_IN6_MSG(NFSEC_POL_A_DST6), extack))
			return -EINVAL;
		ipv6_addr_prefix(&masked, &addr->in6, *plen);
		if (!ipv6_addr_equal(&masked, &addr->in6)) {
			nfsec_set_err(extack, a, src ?
				      "NFSEC_POL_A_SRC6: host bits set beyond the prefix length" :
				      "NFSEC_POL_A_DST6: host bits set beyond the prefix length");
			return -EINVAL;
		}
		return 0;
	}
	if (*plen > 32) {
		nfsec_set_err(extack, tb[plen_type], src ?
			      "NFSEC_POL_A_SRC_PLEN: must be 0 to 32" :
			      "NFSEC_POL_A_DST_PLEN: must be 0 to 32");
		return -EINVAL;
	}
	a = tb[src ? NFSEC_POL_A_SRC : NFSEC_POL_A_DST];
	if (a)
		addr->ip = nla_get_be32(a);
	if (addr->ip & ~inet_make_mask(*plen)) {
		nfsec_set_err(extack, a, src ?
			      "NFSEC_POL_A_SRC: host bits set beyond the prefix length" :
			      "NFSEC_POL_A_DST: host bits set beyond the prefix length");
		return -EINVAL;
	}
	return 0;
}

static int nfsec_nl_ports(struct nlattr **tb, int min_type, int max_type,
			  u16 *min, u16 *max, struct netlink_ext_ack *extack)
{
	*min = 0;
	*max = U16_MAX;
	if (tb[min_type]) {
		*min = nla_get_u16(tb[min_type]);
		*max = *min;
	}
	if (tb[max_type])
		*max = nla_get_u16(tb[max_type]);
	if (*min > *max) {
		nfsec_set_err(extack, tb[max_type],
			      min_type == NFSEC_POL_A_SPORT_MIN ?
			      "NFSEC_POL_A_SPORT_MAX: below NFSEC_POL_A_SPORT_MIN" :
			      "NFSEC_POL_A_DPORT_MAX: below NFSEC_POL_A_DPORT_MIN");
		return -EINVAL;
	}
	return 0;
}

/* Fills the direction, selectors and priority of pol. */
static int nfsec_nl_pol_selector(struct nlattr **tb, const struct nlattr *nest,
				 struct nfsec_policy *pol,
				 struct netlink_ext_ack *extack)
{
	struct nfsec_selector *sel = &pol->sel;
	int err, i;

	if (NFSEC_REQUIRE(extack, nest, tb, NFSEC_POL_A_DIR))
		return -EINVAL;
	pol->dir = nla_get_u8(tb[NFSEC_POL_A_DIR]);
	err = nfsec_nl_pol_family(tb, &sel->family, extack);
	if (err)
		return err;
	err = nfsec_nl_prefix(tb, sel->family, true, &sel->saddr, &sel->splen,
			      extack);
	if (err)
		return err;
	err = nfsec_nl_prefix(tb, sel->family, false, &sel->daddr, &sel->dplen,
			      extack);
	if (err)
		return err;
	sel->proto = tb[NFSEC_POL_A_PROTO] ?
		     nla_get_u8(tb[NFSEC_POL_A_PROTO]) : 0;
	for (i = NFSEC_POL_A_SPORT_MIN; i <= NFSEC_POL_A_DPORT_MAX; i++) {
		if (tb[i] && !nfsec_proto_has_ports(sel->proto)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[i],
					    "NFSEC_POL_A_PROTO: ports need tcp, udp, sctp or udplite");
			return -EINVAL;
		}
	}
	err = nfsec_nl_ports(tb, NFSEC_POL_A_SPORT_MIN, NFSEC_POL_A_SPORT_MAX,
			     &sel->sport_min, &sel->sport_max, extack);
	if (err)
		return err;
	err = nfsec_nl_ports(tb, NFSEC_POL_A_DPORT_MIN, NFSEC_POL_A_DPORT_MAX,
			     &sel->dport_min, &sel->dport_max, extack);
	if (err)
		return err;
	pol->priority = tb[NFSEC_POL_A_PRIORITY] ?
			nla_get_u32(tb[NFSEC_POL_A_PRIORITY]) : 0;
	return 0;
}

static int nfsec_nl_pol_cfg(struct nlattr **tb, const struct nlattr *nest,
			    struct nfsec_policy *pol,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *satb[NFSEC_SA_A_MAX + 1];
	int err;

	if (tb[NFSEC_POL_A_INDEX]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_POL_A_INDEX],
				    "NFSEC_POL_A_INDEX: assigned by the kernel");
		return -EINVAL;
	}
	err = nfsec_nl_pol_selector(tb, nest, pol, extack);
	if (err)
		return err;
	if (NFSEC_REQUIRE(extack, nest, tb, NFSEC_POL_A_ACTION))
		return -EINVAL;
	pol->action = nla_get_u8(tb[NFSEC_POL_A_ACTION]);
	if (pol->action != NFSEC_ACTION_PROTECT) {
		if (tb[NFSEC_POL_A_SA]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_POL_A_SA],
					    "NFSEC_POL_A_SA: only with action protect");
			return -EINVAL;
		}
		if (tb[NFSEC_POL_A_REQID]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_POL_A_REQID],
					    "NFSEC_POL_A_REQID: only with action protect");
			return -EINVAL;
		}
		return 0;
	}
	if (tb[NFSEC_POL_A_REQID]) {
		if (tb[NFSEC_POL_A_SA]) {
			NL_SET_ERR_MSG_ATTR(extack, tb[NFSEC_POL_A_REQID],
					    "NFSEC_POL_A_REQID: NFSEC_POL_A_SA is given too");
			return -EINVAL;
		}
		pol->reqid = nla_get_u32(tb[NFSEC_POL_A_REQID]);
		return 0;
	}
	if (!tb[NFSEC_POL_A_SA]) {
		NL_SET_ERR_ATTR_MISS(extack, nest, NFSEC_POL_A_SA);
		NL_SET_ERR_MSG(extack,
			       "missing NFSEC_POL_A_SA: action protect names an SA or NFSEC_POL_A_REQID");
		return -EINVAL;
	}
	/* The table checked it holds only the key. */
	err = nfsec_nl_parse(satb, &nfsec_sa_key_nest, tb[NFSEC_POL_A_SA],
			     extack);
	if (err)
		return err;
	return nfsec_nl_sa_key(satb, tb[NFSEC_POL_A_SA], &pol->sa, extack);
}

static int nfsec_nl_put_pol(struct sk_buff *skb, const struct nfsec_policy *pol)
{
	const struct nfsec_selector *sel = &pol->sel;
	struct nlattr *nest, *sa;
	u64 idle;

	nest = nla_nest_start(skb, NFSEC_A_POLICY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, NFSEC_POL_A_INDEX, pol->index) ||
	    nla_put_u8(skb, NFSEC_POL_A_DIR, pol->dir) ||
	    nla_put_u8(skb, NFSEC_POL_A_FAMILY, sel->family) ||
	    (sel->family == AF_INET6 ?
	     nla_put_in6_addr(skb, NFSEC_POL_A_SRC6, &sel->saddr.in6) ||
	     nla_put_in6_addr(skb, NFSEC_POL_A_DST6, &sel->daddr.in6) :
	     nla_put_be32(skb, NFSEC_POL_A_SRC, sel->saddr.ip) ||
	     nla_put_be32(skb, NFSEC_POL_A_DST, sel->daddr.ip)) ||
	    nla_put_u8(skb, NFSEC_POL_A_SRC_PLEN, sel->splen) ||
	    nla_put_u8(skb, NFSEC_POL_A_DST_PLEN, sel->dplen) ||
	    nla_put_u8(skb, NFSEC_POL_A_PROTO, sel->proto) ||
	    nla_put_u16(skb, NFSEC_POL_A_SPORT_MIN, sel->sport_min) ||
	    nla_put_u16(skb, NFSEC_POL_A_SPORT_MAX, sel->sport_max) ||
	    nla_put_u16(skb, NFSEC_POL_A_DPORT_MIN, sel->dport_min) ||
	    nla_put_u16(skb, NFSEC_POL_A_DPORT_MAX, sel->dport_max) ||
	    nla_put_u8(skb, NFSEC_POL_A_ACTION, pol->action) ||
	    nla_put_u32(skb, NFSEC_POL_A_PRIORITY, pol->priority) ||
	    nla_put_u64_64bit(skb, NFSEC_POL_A_HITS,
			      atomic64_read(&pol->hits), NFSEC_POL_A_PAD))
		goto cancel;
	if (nfsec_use_idle(&pol->use_jiffies, &idle) &&
	    nla_put_u64_64bit(skb, NFSEC_POL_A_IDLE, idle, NFSEC_POL_A_PAD))
		goto cancel;
	if (pol->reqid) {
		if (nla_put_u32(skb, NFSEC_POL_A_REQID, pol->reqid))
			goto cancel;
	} else if (pol->action == NFSEC_ACTION_PROTECT) {
		sa = nla_nest_start(skb, NFSEC_POL_A_SA);
		if (!sa || nfsec_nl_put_sa_key(skb, &pol->sa))
			goto cancel;
		nla_nest_end(skb, sa);
	}
	nla_nest_end(skb, nest);
	return 0;

cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static void nfsec_nl_notify_pol(struct nfsec_net *nn,
				const struct nfsec_policy *pol, u32 event)
{
	struct sk_buff *skb;
	void *hdr;

	skb = nfsec_nl_event_start(nn, event, GFP_KERNEL, &hdr);
	if (skb)
		nfsec_nl_event_send(nn, skb, hdr, nfsec_nl_put_pol(skb, pol),
				    GFP_KERNEL);
}

static int nfsec_nl_put_flow(struct sk_buff *skb, const struct nfsec_flow *fl)
{
	struct nlattr *nest;

	nest = nla_nest_start(skb, NFSEC_A_FLOW);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, NFSEC_POL_A_FAMILY, fl->family) ||
	    (fl->family == AF_INET6 ?
	     nla_put_in6_addr(skb, NFSEC_POL_A_SRC6, &fl->saddr.in6) ||
	     nla_put_in6_addr(skb, NFSEC_POL_A_DST6, &fl->daddr.in6) ||
	     nla_put_u8(skb, NFSEC_POL_A_SRC_PLEN, 128) ||
	     nla_put_u8(skb, NFSEC_POL_A_DST_PLEN, 128) :
	     nla_put_be32(skb, NFSEC_POL_A_SRC, fl->saddr.ip) ||
	     nla_put_be32(skb, NFSEC_POL_A_DST, fl->daddr.ip) ||
	     nla_put_u8(skb, NFSEC_POL_A_SRC_PLEN, 32) ||
	     nla_put_u8(skb, NFSEC_POL_A_DST_PLEN, 32)) ||
	    nla_put_u8(skb, NFSEC_POL_A_PROTO, fl->proto) ||
	    (fl->has_ports &&
	     (nla_put_u16(skb, NFSEC_POL_A_SPORT_MIN, fl->sport) ||
	      nla_put_u16(skb, NFSEC_POL_A_DPORT_MIN, fl->dport)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* From the packet path: fl, a packet of pol, found no SA. */
void nfsec_nl_notify_acquire(struct nfsec_net *nn,
			     const struct nfsec_policy *pol,
			     const struct nfsec_flow *fl)
{
	struct sk_buff *skb;
	void *hdr;

	skb = nfsec_nl_event_start(nn, NFSEC_EV_ACQUIRE, GFP_ATOMIC, &hdr);
	if (skb)
		nfsec_nl_event_send(nn, skb, hdr,
				    nfsec_nl_put_pol(skb, pol) ?:
				    nfsec_nl_put_flow(skb, fl), GFP_ATOMIC);
}

static int nfsec_nl_pol_add(struct sk_buff *skb, struct genl_info *info)
{
	struct nfsec_net *nn = nfsec_pernet(genl_info_net(info));
	struct nlattr *tb[NFSEC_POL_A_MAX + 1];
	struct nfsec_policy pol = {};
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;
	int err;

	if (NFSEC_REQUIRE(info->extack, NULL, info->attrs, NFSEC_A_POLICY))
		return -EINVAL;
	err = nfsec_nl_parse(tb, &nfsec_pol_nest, info->attrs[NFSEC_A_POLICY],
			     info->extack);
	if (err)
		return err;
	err = nfsec_nl_pol_cfg(tb, info->attrs[NFSEC_A_POLICY], &pol,
			       info->extack);
	if (err)
		return err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&nn->lock);
	err = nfsec_policy_add(nn, &pol, &pol.index, info->extack);
	if (!err)
		nfsec_nl_notify_pol(nn, &pol, NFSEC_EV_POLICY_ADDED);
	mutex_unlock(&nn->lock);
	if (err)
		goto err_free;

	hdr = genlmsg_put_reply(msg, info, &nfsec_family, 0,
				NFSEC_CMD_POLICY_ADD);
	if (!hdr)
		goto err_size;
	nest = nla_nest_start(msg, NFSEC_A_POLICY);
	if (!nest || nla_put_u32(msg, NFSEC_POL_A_INDEX, pol.index))
		goto err_size;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_size:
	err = -EMSGSIZE;
err_free:
	nlmsg_free(msg);
	return err;
}

static int nfsec_nl_pol_del(struct sk_buff *skb, struct genl_info *info)
{
	struct nfsec_net *nn = nfsec_pernet(genl_info_net(info));
	struct nlattr *tb[NFSEC_POL_A_MAX + 1];
	struct nfsec_policy pol = {};
	bool by_index;
	int err;

	if (NFSEC_REQUIRE(info->extack, NULL, info->attrs, NFSEC_A_POLICY))
		return -EINVAL;
	err = nfsec_nl_parse(tb, &nfsec_pol_nest, info->attrs[NFSEC_A_POLICY],
			     info->extack);
	if (err)
		return err;
	by_index = !!tb[NFSEC_POL_A_INDEX];
	if (by_index)
		pol.index = nla_get_u32(tb[NFSEC_POL_A_INDEX]);
	else
		err = nfsec_nl_pol_selector(tb, info->attrs[NFSEC_A_POLICY],
					    &pol, info->extack);
	if (err)
		return err;

	mutex_lock(&nn->lock);
	err = nfsec_policy_del(nn, &pol, by_index);
	if (!err)
		nfsec_nl_notify_pol(nn, &pol, NFSEC_EV_POLICY_DELETED);
	mutex_unlock(&nn->lock);
	if (err == -ENOENT)
		nfsec_set_err(info->extack, info->attrs[NFSEC_A_POLICY],
			      by_index ? "NFSEC_POL_A_INDEX: no such policy" :
			      "NFSEC_A_POLICY: no policy with this direction, selectors and priority");
	return err;
}

/* cb->args[0]: direction; cb->args[1]: policies of it already dumped. */
static int nfsec_nl_pol_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct nfsec_net *nn = nfsec_pernet(sock_net(skb->sk));
	struct nfsec_policy *pol;
	long dir, pos;
	void *hdr;

	rcu_read_lock();
	cb->seq = READ_ONCE(nn->spd.gen);
	for (dir = cb->args[0]; dir < __NFSEC_DIR_MAX; dir++) {
		pos = 0;
		list_for_each_entry_rcu(pol, &nn->spd.dir[dir], list) {
			if (pos++ < cb->args[1])
				continue;
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, &nfsec_family,
					  NLM_F_MULTI, NFSEC_CMD_POLICY_GET);
			if (!hdr)
				goto out;
			genl_dump_check_consistent(cb, hdr);
			if (nfsec_nl_put_pol(skb, pol)) {
				genlmsg_cancel(skb, hdr);
				goto out;
			}
			genlmsg_end(skb, hdr);
			cb->args[1] = pos;
		}
		cb->args[0] = dir + 1;
		cb->args[1] = 0;
	}
out:
	rcu_read_unlock();
	return skb->len;
}

static int nfsec_nl_pol_flush(struct sk_buff *skb, struct genl_info *info)
{
	struct nfsec_net *nn = nfsec_pernet(genl_info_net(info));
	struct nlattr *tb[NFSEC_POL_A_MAX + 1];
	unsigned int n;
	int err, i, dir = -1;

	if (info->attrs[NFSEC_A_POLICY]) {
		err = nfsec_nl_parse(tb, &nfsec_pol_nest,
				     info->attrs[NFSEC_A_POLICY], info->extack);
		if (err)
			return err;
		for (i = 1; i <= NFSEC_POL_A_MAX; i++) {
			if (tb[i] && i != NFSEC_POL_A_DIR) {
				NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
						    "NFSEC_A_POLICY: a flush selects by NFSEC_POL_A_DIR only");
				return -EINVAL;
			}
		}
		if (tb[NFSEC_POL_A_DIR])
			dir = nla_get_u8(tb[NFSEC_POL_A_DIR]);
	}

	mutex_lock(&nn->lock);
	n = nfsec_policy_flush(nn, dir);
	nfsec_nl_notify_count(nn, NFSEC_EV_POLICY_FLUSHED, n);
	mutex_unlock(&nn->lock);
	return nfsec_nl_reply_count(info, n);
}

static int nfsec_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct nfsec_net *nn = nfsec_pernet(genl_info_net(info));
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;
	int i;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &nfsec_family, 0,
				NFSEC_CMD_GET_STATS);
	if (!hdr)
		goto err;
	nest = nla_nest_start(msg, NFSEC_A_STATS);
	if (!nest)
		goto err;
	for (i = NFSEC_NSTATS_A_NO_SA; i <= NFSEC_NSTATS_A_MAX; i++)
		if (nla_put_u64_64bit(msg, i, atomic64_read(&nn->stats[i]),
				      NFSEC_NSTATS_A_PAD))
			goto err;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static const struct genl_small_ops nfsec_ops[] = {
	{
		.cmd = NFSEC_CMD_GET_VERSION,
		.doit = nfsec_nl_get_version,
	}, {
		.cmd = NFSEC_CMD_SA_ADD,
		.doit = nfsec_nl_sa_add,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFSEC_CMD_SA_DEL,
		.doit = nfsec_nl_sa_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFSEC_CMD_SA_GET,
		.doit = nfsec_nl_sa_get,
		.dumpit = nfsec_nl_sa_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFSEC_CMD_SA_FLUSH,
		.doit = nfsec_nl_sa_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFSEC_CMD_POLICY_ADD,
		.doit = nfsec_nl_pol_add,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFSEC_CMD_POLICY_DEL,
		.doit = nfsec_nl_pol_del,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFSEC_CMD_POLICY_GET,
		.dumpit = nfsec_nl_pol_dump,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFSEC_CMD_POLICY_FLUSH,
		.doit = nfsec_nl_pol_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFSEC_CMD_GET_STATS,
		.doit = nfsec_nl_get_stats,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NFSEC_CMD_SA_ALLOC_SPI,
		.doit = nfsec_nl_sa_alloc_spi,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group nfsec_mcgrps[] = {
	{ .name = NFSEC_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

static struct genl_family nfsec_family __ro_after_init = {
	.name = NFSEC_GENL_NAME,
	.version = NFSEC_GENL_VERSION,
	.maxattr = NFSEC_A_MAX,
	.policy = nfsec_policy,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.small_ops = nfsec_ops,
	.n_small_ops = ARRAY_SIZE(nfsec_ops),
	.resv_start_op = NFSEC_CMD_GET_VERSION,
	.mcgrps = nfsec_mcgrps,
	.n_mcgrps = ARRAY_SIZE(nfsec_mcgrps),
};

int __init nfsec_genl_init(void)
{
	return genl_register_family(&nfsec_family);
}

void nfsec_genl_exit(void)
{
	genl_unregister_family(&nfsec_family);
}
