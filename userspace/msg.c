// SPDX-License-Identifier: GPL-2.0
/* Building nfsec generic netlink requests, remembering attribute offsets. */

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <stdbool.h>
#include <string.h>

#include "msg.h"
#include "util.h"

void nfsec_msg_init(struct nfsec_msg *m, uint16_t family, uint8_t cmd,
		    uint16_t flags)
{
	struct genlmsghdr *genl;

	m->overflow = false;
	m->nattrs = 0;
	m->nlh = mnl_nlmsg_put_header(m->buf);
	m->nlh->nlmsg_type = family;
	m->nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(m->nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = NFSEC_GENL_VERSION;
}

static void remember(struct nfsec_msg *m, const struct nlattr *attr,
		     const char *name)
{
	if (m->nattrs == NFSEC_MSG_MAX_ATTRS)
		return;
	m->attrs[m->nattrs].off = (uint32_t)((const uint8_t *)attr -
					     (const uint8_t *)m->nlh);
	m->attrs[m->nattrs].name = name;
	m->attrs[m->nattrs].word = NULL;
	m->nattrs++;
}

void nfsec_msg_put(struct nfsec_msg *m, uint16_t type, size_t len,
		   const void *data, const char *name)
{
	struct nlattr *attr = mnl_nlmsg_get_payload_tail(m->nlh);

	if (m->overflow || !mnl_attr_put_check(m->nlh, sizeof(m->buf), type,
					       len, data)) {
		m->overflow = true;
		return;
	}
	remember(m, attr, name);
}

void nfsec_msg_put_u8(struct nfsec_msg *m, uint16_t type, uint8_t v,
		      const char *name)
{
	nfsec_msg_put(m, type, sizeof(v), &v, name);
}

void nfsec_msg_put_u16(struct nfsec_msg *m, uint16_t type, uint16_t v,
		       const char *name)
{
	nfsec_msg_put(m, type, sizeof(v), &v, name);
}

void nfsec_msg_put_u32(struct nfsec_msg *m, uint16_t type, uint32_t v,
		       const char *name)
{
	nfsec_msg_put(m, type, sizeof(v), &v, name);
}

void nfsec_msg_put_u64(struct nfsec_msg *m, uint16_t type, uint64_t v,
		       const char *name)
{
	nfsec_msg_put(m, type, sizeof(v), &v, name);
}

void nfsec_msg_put_strz(struct nfsec_msg *m, uint16_t type, const char *s,
			const char *name)
{
	nfsec_msg_put(m, type, strlen(s) + 1, s, name);
}

struct nlattr *nfsec_msg_nest_start(struct nfsec_msg *m, uint16_t type,
				    const char *name)
{
	struct nlattr *nest;

	if (m->overflow)
		return NULL;
	nest = mnl_attr_nest_start_check(m->nlh, sizeof(m->buf), type);
	if (!nest) {
		m->overflow = true;
		return NULL;
	}
	remember(m, nest, name);
	return nest;
}

void nfsec_msg_nest_end(struct nfsec_msg *m, struct nlattr *nest)
{
	if (nest && !m->overflow)
		mnl_attr_nest_end(m->nlh, nest);
}

void nfsec_msg_wipe(struct nfsec_msg *m)
{
	explicit_bzero(m->buf, sizeof(m->buf));
}

const char *nfsec_msg_attr_name(const struct nfsec_msg_attr *attrs,
				unsigned int n, uint32_t off)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (attrs[i].off == off)
			return attrs[i].name;
	return NULL;
}

#define NAME(x) [x] = #x
static const char *const top_names[] = {
	NAME(NFSEC_A_VERSION), NAME(NFSEC_A_API_VERSION), NAME(NFSEC_A_FLAGS),
	NAME(NFSEC_A_SA), NAME(NFSEC_A_POLICY), NAME(NFSEC_A_EVENT),
	NAME(NFSEC_A_COUNT), NAME(NFSEC_A_STATS), NAME(NFSEC_A_SPI_MIN),
	NAME(NFSEC_A_SPI_MAX), NAME(NFSEC_A_FLOW),
};

static const char *const sa_names[] = {
	NAME(NFSEC_SA_A_PROTO), NAME(NFSEC_SA_A_SRC), NAME(NFSEC_SA_A_SPI),
	NAME(NFSEC_SA_A_DST), NAME(NFSEC_SA_A_MODE), NAME(NFSEC_SA_A_ENC_ALG),
	NAME(NFSEC_SA_A_ENC_KEY), NAME(NFSEC_SA_A_AUTH_ALG),
	NAME(NFSEC_SA_A_AUTH_KEY), NAME(NFSEC_SA_A_ICV_BITS),
	NAME(NFSEC_SA_A_REPLAY_WINDOW), NAME(NFSEC_SA_A_FLAGS),
	NAME(NFSEC_SA_A_SEQ), NAME(NFSEC_SA_A_LIFETIME),
	NAME(NFSEC_SA_A_ENC_KEY_BITS), NAME(NFSEC_SA_A_AUTH_KEY_BITS),
	NAME(NFSEC_SA_A_STATS), NAME(NFSEC_SA_A_STATE), NAME(NFSEC_SA_A_AGE),
	NAME(NFSEC_SA_A_PMTU), NAME(NFSEC_SA_A_DIR), NAME(NFSEC_SA_A_SRC6),
	NAME(NFSEC_SA_A_DST6), NAME(NFSEC_SA_A_REQID), NAME(NFSEC_SA_A_IDLE),
};

static const char *const lft_names[] = {
	NAME(NFSEC_LFT_A_SOFT_BYTES), NAME(NFSEC_LFT_A_HARD_BYTES),
	NAME(NFSEC_LFT_A_SOFT_PACKETS), NAME(NFSEC_LFT_A_HARD_PACKETS),
	NAME(NFSEC_LFT_A_SOFT_SECONDS), NAME(NFSEC_LFT_A_HARD_SECONDS),
};

static const char *const pol_names[] = {
	NAME(NFSEC_POL_A_DIR), NAME(NFSEC_POL_A_SRC),
	NAME(NFSEC_POL_A_SRC_PLEN), NAME(NFSEC_POL_A_DST),
	NAME(NFSEC_POL_A_DST_PLEN), NAME(NFSEC_POL_A_PROTO),
	NAME(NFSEC_POL_A_SPORT_MIN), NAME(NFSEC_POL_A_SPORT_MAX),
	NAME(NFSEC_POL_A_DPORT_MIN), NAME(NFSEC_POL_A_DPORT_MAX),
	NAME(NFSEC_POL_A_ACTION), NAME(NFSEC_POL_A_PRIORITY),
	NAME(NFSEC_POL_A_SA), NAME(NFSEC_POL_A_INDEX), NAME(NFSEC_POL_A_HITS),
	NAME(NFSEC_POL_A_FAMILY), NAME(NFSEC_POL_A_SRC6),
	NAME(NFSEC_POL_A_DST6), NAME(NFSEC_POL_A_REQID), NAME(NFSEC_POL_A_IDLE),
};
#undef NAME

const char *nfsec_attr_type_name(const char *nest, uint16_t type)
{
	const char *const *t = top_names;
	size_t n = ARRAY_SIZE(top_names);

	if (nest && (!strcmp(nest, "NFSEC_A_SA") ||
		     !strcmp(nest, "NFSEC_POL_A_SA"))) {
		t = sa_names;
		n = ARRAY_SIZE(sa_names);
	} else if (nest && !strcmp(nest, "NFSEC_SA_A_LIFETIME")) {
		t = lft_names;
		n = ARRAY_SIZE(lft_names);
	} else if (nest && !strcmp(nest, "NFSEC_A_POLICY")) {
		t = pol_names;
		n = ARRAY_SIZE(pol_names);
	}
	return type < n ? t[type] : NULL;
}

/* The tool's keyword of each attribute a request can carry. */
static const struct {
	const char *name;
	const char *word;
} attr_words[] = {
	{ "NFSEC_A_SA", "" },
	{ "NFSEC_A_POLICY", "" },
	{ "NFSEC_A_FLAGS", "" },
	{ "NFSEC_SA_A_PROTO", "proto" },
	{ "NFSEC_SA_A_SRC", "src" },
	{ "NFSEC_SA_A_SRC6", "src" },
	{ "NFSEC_SA_A_SPI", "spi" },
	{ "NFSEC_SA_A_DST", "dst" },
	{ "NFSEC_SA_A_DST6", "dst" },
	{ "NFSEC_SA_A_MODE", "mode" },
	{ "NFSEC_SA_A_DIR", "dir" },
	{ "NFSEC_SA_A_ENC_ALG", "enc" },
	{ "NFSEC_SA_A_ENC_KEY", "enc key" },
	{ "NFSEC_SA_A_AUTH_ALG", "auth" },
	{ "NFSEC_SA_A_AUTH_KEY", "auth key" },
	{ "NFSEC_SA_A_ICV_BITS", "icv" },
	{ "NFSEC_SA_A_REPLAY_WINDOW", "replay-window" },
	{ "NFSEC_SA_A_FLAGS", "esn" },
	{ "NFSEC_SA_A_SEQ", "seq" },
	{ "NFSEC_SA_A_REQID", "reqid" },
	{ "NFSEC_A_SPI_MIN", "range" },
	{ "NFSEC_A_SPI_MAX", "range" },
	{ "NFSEC_SA_A_LIFETIME", "lifetime" },
	{ "NFSEC_LFT_A_SOFT_BYTES", "soft-bytes" },
	{ "NFSEC_LFT_A_HARD_BYTES", "hard-bytes" },
	{ "NFSEC_LFT_A_SOFT_PACKETS", "soft-packets" },
	{ "NFSEC_LFT_A_HARD_PACKETS", "hard-packets" },
	{ "NFSEC_LFT_A_SOFT_SECONDS", "soft-seconds" },
	{ "NFSEC_LFT_A_HARD_SECONDS", "hard-seconds" },
	{ "NFSEC_POL_A_DIR", "dir" },
	{ "NFSEC_POL_A_FAMILY", "family" },
	{ "NFSEC_POL_A_SRC", "src" },
	{ "NFSEC_POL_A_SRC6", "src" },
	{ "NFSEC_POL_A_SRC_PLEN", "src" },
	{ "NFSEC_POL_A_DST", "dst" },
	{ "NFSEC_POL_A_DST6", "dst" },
	{ "NFSEC_POL_A_DST_PLEN", "dst" },
	{ "NFSEC_POL_A_PROTO", "proto" },
	{ "NFSEC_POL_A_SPORT_MIN", "sport" },
	{ "NFSEC_POL_A_SPORT_MAX", "sport" },
	{ "NFSEC_POL_A_DPORT_MIN", "dport" },
	{ "NFSEC_POL_A_DPORT_MAX", "dport" },
	{ "NFSEC_POL_A_ACTION", "action" },
	{ "NFSEC_POL_A_PRIORITY", "priority" },
	{ "NFSEC_POL_A_SA", "sa" },
	{ "NFSEC_POL_A_INDEX", "index" },
	{ "NFSEC_POL_A_REQID", "reqid" },
};

const char *nfsec_attr_word(const struct nfsec_msg_attr *attrs,
			    unsigned int n, const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (attrs[i].word && !strcmp(attrs[i].name, name))
			return attrs[i].word;
	for (i = 0; i < ARRAY_SIZE(attr_words); i++)
		if (!strcmp(attr_words[i].name, name))
			return attr_words[i].word;
	return NULL;
}

struct out_buf {
	char *s;
	size_t size, len;
};

static void out_put(struct out_buf *o, const char *s, size_t n)
{
	while (n-- && o->len + 1 < o->size)
		o->s[o->len++] = *s++;
	o->s[o->len] = '\0';
}

/* Length of the attribute name at @s ("NFSEC_" and capitals), or 0. */
static size_t attr_name_len(const char *s)
{
	size_t n;

	if (strncmp(s, "NFSEC_", 6))
		return 0;
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
	return n > 6 ? n : 0;
}

/* Copy @msg, each attribute name replaced by its keyword. */
static void put_words(struct out_buf *o, const struct nfsec_msg_attr *attrs,
		      unsigned int n, const char *msg)
{
	char name[64];
	const char *word;
	size_t len;

	while (*msg) {
		len = attr_name_len(msg);
		if (!len || len >= sizeof(name)) {
			len = len ? len : 1;
			out_put(o, msg, len);
			msg += len;
			continue;
		}
		memcpy(name, msg, len);
		name[len] = '\0';
		word = nfsec_attr_word(attrs, n, name);
		if (!word || !*word)
			word = name;
		out_put(o, word, strlen(word));
		msg += len;
	}
}

static void put_prefix(struct out_buf *o, const char *word, const char *sep)
{
	if (!word || !*word)
		return;
	out_put(o, word, strlen(word));
	out_put(o, sep, strlen(sep));
}

void nfsec_kernel_words(char *out, size_t size,
			const struct nfsec_msg_attr *attrs, unsigned int n,
			const char *msg, const char *bad, const char *miss,
			const char *strerr)
{
	struct out_buf o = { out, size, 0 };
	const char *bad_word = bad ? nfsec_attr_word(attrs, n, bad) : NULL;
	const char *miss_word = miss ? nfsec_attr_word(attrs, n, miss) : NULL;
	const char *lead;
	char name[64];
	size_t len;

	if (!size)
		return;
	out[0] = '\0';
	if (miss && !miss_word)
		miss_word = miss;
	if (bad && !bad_word)
		bad_word = bad;
	if (!msg || !*msg) {
		if (miss_word) {
			out_put(&o, "missing ", 8);
			out_put(&o, miss_word, strlen(miss_word));
			return;
		}
		put_prefix(&o, bad_word, ": ");
		out_put(&o, strerr, strlen(strerr));
		return;
	}
	len = attr_name_len(msg);
	if (len && len < sizeof(name) && !strncmp(msg + len, ": ", 2)) {
		/* The message names its attribute: a nest says nothing. */
		memcpy(name, msg, len);
		name[len] = '\0';
		lead = nfsec_attr_word(attrs, n, name);
		if (lead && !*lead)
			msg += len + 2;
	} else if (strncmp(msg, "missing ", 8)) {
		put_prefix(&o, bad_word, ": ");
	}
	put_words(&o, attrs, n, msg);
}

static const uint16_t lft_types[NFSEC_LFT_COUNT] = {
	NFSEC_LFT_A_SOFT_BYTES, NFSEC_LFT_A_HARD_BYTES,
	NFSEC_LFT_A_SOFT_PACKETS, NFSEC_LFT_A_HARD_PACKETS,
	NFSEC_LFT_A_SOFT_SECONDS, NFSEC_LFT_A_HARD_SECONDS,
};

static const char *const lft_type_names[NFSEC_LFT_COUNT] = {
	"NFSEC_LFT_A_SOFT_BYTES", "NFSEC_LFT_A_HARD_BYTES",
	"NFSEC_LFT_A_SOFT_PACKETS", "NFSEC_LFT_A_HARD_PACKETS",
	"NFSEC_LFT_A_SOFT_SECONDS", "NFSEC_LFT_A_HARD_SECONDS",
};

/* The keyword the user typed for the attribute put last. */
static void set_word(struct nfsec_msg *m, const char *word)
{
	if (!m->overflow && m->nattrs)
		m->attrs[m->nattrs - 1].word = word;
}

static void put_lifetime(struct nfsec_msg *m, const struct nfsec_sa_args *a)
{
	struct nlattr *nest;
	size_t i;

	if (!a->lft_set)
		return;
	nest = nfsec_msg_nest_start(m, NFSEC_SA_A_LIFETIME,
				    "NFSEC_SA_A_LIFETIME");
	for (i = 0; i < NFSEC_LFT_COUNT; i++)
		if (a->lft_set & (1U << i))
			nfsec_msg_put_u64(m, lft_types[i], a->lft[i],
					  lft_type_names[i]);
	nfsec_msg_nest_end(m, nest);
}

/* @addr as the attribute of its family: @type (IPv4) or @type6. */
static void put_addr(struct nfsec_msg *m, uint16_t type, const char *name,
		     uint16_t type6, const char *name6,
		     const struct nfsec_addr *addr)
{
	if (addr->family == AF_INET6)
		nfsec_msg_put(m, type6, sizeof(addr->v6), &addr->v6, name6);
	else
		nfsec_msg_put_u32(m, type, addr->v4, name);
}

#define PUT_ADDR(m, type, addr) put_addr(m, type, #type, type##6, #type "6", addr)

int nfsec_msg_sa_add(struct nfsec_msg *m, const struct nfsec_sa_args *a)
{
	struct nlattr *nest;

	nest = nfsec_msg_nest_start(m, NFSEC_A_SA, "NFSEC_A_SA");
	NFSEC_PUT(m, u8, NFSEC_SA_A_PROTO, a->proto);
	PUT_ADDR(m, NFSEC_SA_A_SRC, &a->src);
	NFSEC_PUT(m, u32, NFSEC_SA_A_SPI, htonl(a->spi));
	PUT_ADDR(m, NFSEC_SA_A_DST, &a->dst);
	if (a->has_mode)
		NFSEC_PUT(m, u8, NFSEC_SA_A_MODE, a->mode);
	if (a->has_dir)
		NFSEC_PUT(m, u8, NFSEC_SA_A_DIR, a->dir);
	if (a->enc) {
		bool aead = a->enc->kind == NFSEC_ALG_AEAD;

		NFSEC_PUT(m, strz, NFSEC_SA_A_ENC_ALG, a->enc->name);
		set_word(m, aead ? "aead" : "enc");
		nfsec_msg_put(m, NFSEC_SA_A_ENC_KEY, a->enc_key_len,
			      a->enc_key, "NFSEC_SA_A_ENC_KEY");
		set_word(m, aead ? "aead key" : "enc key");
	}
	if (a->auth) {
		NFSEC_PUT(m, strz, NFSEC_SA_A_AUTH_ALG, a->auth->name);
		nfsec_msg_put(m, NFSEC_SA_A_AUTH_KEY, a->auth_key_len,
			      a->auth_key, "NFSEC_SA_A_AUTH_KEY");
	}
	if (a->has_icv)
		NFSEC_PUT(m, u16, NFSEC_SA_A_ICV_BITS, a->icv_bits);
	if (a->has_replay)
		NFSEC_PUT(m, u32, NFSEC_SA_A_REPLAY_WINDOW, a->replay_window);
	if (a->flags)
		NFSEC_PUT(m, u32, NFSEC_SA_A_FLAGS, a->flags);
	if (a->has_seq)
		NFSEC_PUT(m, u64, NFSEC_SA_A_SEQ, a->seq);
	if (a->has_reqid)
		NFSEC_PUT(m, u32, NFSEC_SA_A_REQID, a->reqid);
	put_lifetime(m, a);
	nfsec_msg_nest_end(m, nest);
	if (m->overflow)
		return nfsec_error("request too large");
	return 0;
}

static void put_sa_key(struct nfsec_msg *m, uint8_t proto,
		       const struct nfsec_addr *src, uint32_t spi)
{
	NFSEC_PUT(m, u8, NFSEC_SA_A_PROTO, proto);
	PUT_ADDR(m, NFSEC_SA_A_SRC, src);
	NFSEC_PUT(m, u32, NFSEC_SA_A_SPI, htonl(spi));
}

int nfsec_msg_sa_allocspi(struct nfsec_msg *m, const struct nfsec_sa_args *a,
			  uint32_t min, uint32_t max)
{
	struct nlattr *nest;

	nest = nfsec_msg_nest_start(m, NFSEC_A_SA, "NFSEC_A_SA");
	NFSEC_PUT(m, u8, NFSEC_SA_A_PROTO, a->proto);
	PUT_ADDR(m, NFSEC_SA_A_SRC, &a->src);
	PUT_ADDR(m, NFSEC_SA_A_DST, &a->dst);
	if (a->has_reqid)
		NFSEC_PUT(m, u32, NFSEC_SA_A_REQID, a->reqid);
	nfsec_msg_nest_end(m, nest);
	NFSEC_PUT(m, u32, NFSEC_A_SPI_MIN, min);
	NFSEC_PUT(m, u32, NFSEC_A_SPI_MAX, max);
	if (m->overflow)
		return nfsec_error("request too large");
	return 0;
}

int nfsec_msg_sa_id(struct nfsec_msg *m, uint8_t proto,
		    const struct nfsec_addr *src, uint32_t spi)
{
	struct nlattr *nest;

	nest = nfsec_msg_nest_start(m, NFSEC_A_SA, "NFSEC_A_SA");
	put_sa_key(m, proto, src, spi);
	nfsec_msg_nest_end(m, nest);
	if (m->overflow)
		return nfsec_error("request too large");
	return 0;
}

int nfsec_msg_policy(struct nfsec_msg *m, const struct nfsec_pol_args *p)
{
	struct nlattr *nest, *sa;

	nest = nfsec_msg_nest_start(m, NFSEC_A_POLICY, "NFSEC_A_POLICY");
	if (p->has_index)
		NFSEC_PUT(m, u32, NFSEC_POL_A_INDEX, p->index);
	if (p->has_dir)
		NFSEC_PUT(m, u8, NFSEC_POL_A_DIR, p->dir);
	/* When given, and always for IPv6: the kernel defaults to IPv4. */
	if (p->has_family || p->family == AF_INET6)
		NFSEC_PUT(m, u8, NFSEC_POL_A_FAMILY, p->family);
	if (p->has_src) {
		PUT_ADDR(m, NFSEC_POL_A_SRC, &p->src);
		NFSEC_PUT(m, u8, NFSEC_POL_A_SRC_PLEN, p->src_plen);
	}
	if (p->has_dst) {
		PUT_ADDR(m, NFSEC_POL_A_DST, &p->dst);
		NFSEC_PUT(m, u8, NFSEC_POL_A_DST_PLEN, p->dst_plen);
	}
	if (p->has_proto)
		NFSEC_PUT(m, u8, NFSEC_POL_A_PROTO, p->proto);
	if (p->has_sport) {
		NFSEC_PUT(m, u16, NFSEC_POL_A_SPORT_MIN, p->sport_min);
		NFSEC_PUT(m, u16, NFSEC_POL_A_SPORT_MAX, p->sport_max);
	}
	if (p->has_dport) {
		NFSEC_PUT(m, u16, NFSEC_POL_A_DPORT_MIN, p->dport_min);
		NFSEC_PUT(m, u16, NFSEC_POL_A_DPORT_MAX, p->dport_max);
	}
	if (p->has_action)
		NFSEC_PUT(m, u8, NFSEC_POL_A_ACTION, p->action);
	if (p->has_priority)
		NFSEC_PUT(m, u32, NFSEC_POL_A_PRIORITY, p->priority);
	if (p->has_reqid)
		NFSEC_PUT(m, u32, NFSEC_POL_A_REQID, p->reqid);
	if (p->has_sa) {
		sa = nfsec_msg_nest_start(m, NFSEC_POL_A_SA, "NFSEC_POL_A_SA");
		put_sa_key(m, p->sa_proto, &p->sa_src, p->sa_spi);
		nfsec_msg_nest_end(m, sa);
	}
	nfsec_msg_nest_end(m, nest);
	if (m->overflow)
		return nfsec_error("request too large");
	return 0;
}
