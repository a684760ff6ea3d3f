// SPDX-License-Identifier: GPL-2.0
/* Human and JSON rendering of SAs and policies as the kernel reports them. */

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "print.h"
#include "util.h"

struct tb {
	const struct nlattr **a;
	unsigned int max;
};

static int fill_tb(const struct nlattr *attr, void *data)
{
	struct tb *tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= tb->max)
		tb->a[type] = attr;
	return MNL_CB_OK;
}

static int parse_nest(const struct nlattr *nest, const struct nlattr **a,
		      unsigned int max)
{
	struct tb tb = { a, max };

	memset(a, 0, (max + 1) * sizeof(*a));
	if (mnl_attr_parse_nested(nest, fill_tb, &tb) < 0)
		return nfsec_error("malformed reply from the kernel");
	return 0;
}

const struct nlattr *nfsec_genl_attr(const struct nlmsghdr *nlh,
				     uint16_t type)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == type)
			return attr;
	return NULL;
}

static bool get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) != sizeof(*v))
		return false;
	*v = mnl_attr_get_u8(a);
	return true;
}

static bool get_u16(const struct nlattr *a, uint16_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) != sizeof(*v))
		return false;
	*v = mnl_attr_get_u16(a);
	return true;
}

static bool get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) != sizeof(*v))
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

static bool get_u64(const struct nlattr *a, uint64_t *v)
{
	if (!a || mnl_attr_get_payload_len(a) != sizeof(*v))
		return false;
	*v = mnl_attr_get_u64(a);
	return true;
}

static const char *get_str(const struct nlattr *a)
{
	if (!a || mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
		return NULL;
	return mnl_attr_get_str(a);
}

/* The address in @a4 (IPv4) or @a6 (IPv6), whichever is there. */
static bool get_addr(const struct nlattr *a4, const struct nlattr *a6,
		     struct nfsec_addr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (a6 && mnl_attr_get_payload_len(a6) == sizeof(addr->v6)) {
		addr->family = AF_INET6;
		memcpy(&addr->v6, mnl_attr_get_payload(a6), sizeof(addr->v6));
		return true;
	}
	addr->family = AF_INET;
	return get_u32(a4, &addr->v4);
}

/* A policy's family: as the kernel reports it, else its addresses'. */
static uint8_t policy_family(const struct nlattr **tb)
{
	uint8_t family;

	if (get_u8(tb[NFSEC_POL_A_FAMILY], &family))
		return family;
	return tb[NFSEC_POL_A_SRC6] || tb[NFSEC_POL_A_DST6] ? AF_INET6 : AF_INET;
}

/* A policy's prefix; an absent one is ADDR/0 of the policy's family. */
static void get_prefix(const struct nlattr *a4, const struct nlattr *a6,
		       const struct nlattr *plen, uint8_t family,
		       struct nfsec_addr *addr, uint8_t *len)
{
	if (!get_addr(a4, a6, addr))
		addr->family = family == AF_INET6 ? AF_INET6 : AF_INET;
	*len = 0;
	get_u8(plen, len);
}

static const char *const mode_names[] = { "transport", "tunnel" };
static const char *const state_names[] = {
	"valid", "soft-expired", "hard-expired", "seq-exhausted", "larval"
};

static const char *const stats_names[] = {
	[NFSEC_STATS_A_PACKETS] = "packets",
	[NFSEC_STATS_A_BYTES] = "bytes",
	[NFSEC_STATS_A_DROP_REPLAY] = "drop-replay",
	[NFSEC_STATS_A_DROP_ICV] = "drop-icv",
	[NFSEC_STATS_A_DROP_PADDING] = "drop-padding",
	[NFSEC_STATS_A_DROP_POLICY] = "drop-policy",
	[NFSEC_STATS_A_DROP_SEQ_EXHAUSTED] = "drop-seq-exhausted",
	[NFSEC_STATS_A_DROP_HARD_EXPIRED] = "drop-hard-expired",
	[NFSEC_STATS_A_DROP_MALFORMED] = "drop-malformed",
	[NFSEC_STATS_A_DROP_NOMEM] = "drop-nomem",
	[NFSEC_STATS_A_DROP_CRYPTO] = "drop-crypto",
	[NFSEC_STATS_A_DROP_NOROUTE] = "drop-noroute",
	[NFSEC_STATS_A_PMTU_UPDATES] = "pmtu-updates",
};

_Static_assert(sizeof(stats_names) / sizeof(stats_names[0]) ==
	       NFSEC_STATS_A_MAX + 1, "a name for every SA counter");

/* Per-namespace counters (NFSEC_CMD_GET_STATS); NULL entries are skipped. */
static const char *const net_stats_names[] = {
	[NFSEC_NSTATS_A_NO_SA] = "no-sa",
	[NFSEC_NSTATS_A_DISCARD] = "discard",
	[NFSEC_NSTATS_A_PLAINTEXT] = "plaintext",
	[NFSEC_NSTATS_A_MALFORMED] = "malformed",
	[NFSEC_NSTATS_A_NOMEM] = "nomem",
};

_Static_assert(sizeof(net_stats_names) / sizeof(net_stats_names[0]) ==
	       NFSEC_NSTATS_A_MAX + 1, "a name for every namespace counter");

/* JSON member names use '_' where the human output uses '-'. */
static void json_name(char *out, size_t size, const char *name)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < size; i++)
		out[i] = name[i] == '-' ? '_' : name[i];
	out[i] = '\0';
}

static bool to_json(const struct nfsec_print *o, int type)
{
	return o->json && (type & NFSEC_PRINT_JSON);
}

static bool to_text(const struct nfsec_print *o, int type)
{
	return !o->json && (type & NFSEC_PRINT_TEXT);
}

enum print_value { VALUE_STR, VALUE_U32, VALUE_U64 };

/* The value of @kind is the one argument in @ap; text prints them all. */
__attribute__((format(printf, 5, 0)))
static void print_va(const struct nfsec_print *o, int type, const char *key,
		     enum print_value kind, const char *fmt, va_list ap)
{
	if (to_text(o, type)) {
		vfprintf(o->f, fmt, ap);
		return;
	}
	if (!to_json(o, type))
		return;
	switch (kind) {
	case VALUE_STR:
		nfsec_json_str(o->json, key, va_arg(ap, const char *));
		break;
	case VALUE_U32:
		nfsec_json_u64(o->json, key, va_arg(ap, unsigned int));
		break;
	case VALUE_U64:
		nfsec_json_u64(o->json, key, va_arg(ap, uint64_t));
		break;
	}
}

#define PRINT_FN(name, kind)						\
void name(const struct nfsec_print *o, int type, const char *key,	\
	  const char *fmt, ...)						\
{									\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	print_va(o, type, key, kind, fmt, ap);				\
	va_end(ap);							\
}

PRINT_FN(nfsec_print_str, VALUE_STR)
PRINT_FN(nfsec_print_u32, VALUE_U32)
PRINT_FN(nfsec_print_u64, VALUE_U64)

void nfsec_print_null(const struct nfsec_print *o, const char *key)
{
	if (o->json)
		nfsec_json_null(o->json, key);
}

void nfsec_print_open(const struct nfsec_print *o, const char *key,
		      char bracket)
{
	if (o->json && bracket == '[')
		nfsec_json_arr_open(o->json, key);
	else if (o->json)
		nfsec_json_obj_open(o->json, key);
}

void nfsec_print_close(const struct nfsec_print *o, char bracket)
{
	if (o->json && bracket == ']')
		nfsec_json_arr_close(o->json);
	else if (o->json)
		nfsec_json_obj_close(o->json);
}

void nfsec_print_schema(const struct nfsec_print *o)
{
	if (o->schema)
		nfsec_print_u32(o, NFSEC_PRINT_JSON, "schema", "%u",
				NFSEC_JSON_SCHEMA);
}

/* " name V" as text, "name": V in JSON ('-' becomes '_'). */
static void print_named(const struct nfsec_print *o, const char *name,
			uint64_t v)
{
	char key[32];

	json_name(key, sizeof(key), name);
	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, " %s", name);
	nfsec_print_u64(o, NFSEC_PRINT_ANY, key, " %" PRIu64, v);
}

static void print_key(const struct nfsec_print *o, const char *jkey,
		      const struct nlattr *a)
{
	char hex[2 * NFSEC_KEY_MAX + 3] = "0x";
	uint16_t len;

	if (!o->with_keys || !a)
		return;
	len = mnl_attr_get_payload_len(a);
	if (len > NFSEC_KEY_MAX)
		return;
	nfsec_hex(hex + 2, mnl_attr_get_payload(a), len);
	nfsec_print_str(o, NFSEC_PRINT_ANY, jkey, " key %s", hex);
	explicit_bzero(hex, sizeof(hex));
}

static void print_alg(const struct nfsec_print *o, const char *kind,
		      const char *name, const struct nlattr *bits_attr,
		      const struct nlattr *key_attr, const char *jbits,
		      const char *jkey)
{
	uint16_t bits;

	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, " %s", kind);
	nfsec_print_str(o, NFSEC_PRINT_ANY, kind, " %s", name);
	if (get_u16(bits_attr, &bits))
		nfsec_print_u32(o, NFSEC_PRINT_ANY, jbits, " key-bits %u", bits);
	print_key(o, jkey, key_attr);
}

static const char *name_of(const char *const *names, size_t n, uint8_t v)
{
	return v < n ? names[v] : "unknown";
}

static const char *const dir_names[] = { "in", "out" };
static const char *const action_names[] = { "protect", "bypass", "discard" };

static void print_sa_id(const struct nlattr **tb, const struct nfsec_print *o)
{
	char src[NFSEC_ADDR_STRLEN] = "?", dst[NFSEC_ADDR_STRLEN];
	struct nfsec_addr addr;
	uint8_t proto = 0, u8v;
	uint32_t v, spi = 0;

	get_u8(tb[NFSEC_SA_A_PROTO], &proto);
	if (get_addr(tb[NFSEC_SA_A_SRC], tb[NFSEC_SA_A_SRC6], &addr))
		nfsec_addr_str(&addr, src);
	if (get_u32(tb[NFSEC_SA_A_SPI], &v))
		spi = ntohl(v);
	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, "%s", "sa");
	nfsec_print_str(o, NFSEC_PRINT_ANY, "proto", " proto %s",
			nfsec_ipsec_proto_name(proto));
	nfsec_print_str(o, NFSEC_PRINT_ANY, "src", " src %s", src);
	if (get_addr(tb[NFSEC_SA_A_DST], tb[NFSEC_SA_A_DST6], &addr))
		nfsec_print_str(o, NFSEC_PRINT_ANY, "dst", " dst %s",
				nfsec_addr_str(&addr, dst));
	nfsec_print_u32(o, NFSEC_PRINT_ANY, "spi", " spi 0x%08x", spi);
	if (get_u8(tb[NFSEC_SA_A_MODE], &u8v))
		nfsec_print_str(o, NFSEC_PRINT_ANY, "mode", " mode %s",
				name_of(mode_names, ARRAY_SIZE(mode_names), u8v));
	if (get_u8(tb[NFSEC_SA_A_DIR], &u8v))
		nfsec_print_str(o, NFSEC_PRINT_ANY, "dir", " dir %s",
				name_of(dir_names, ARRAY_SIZE(dir_names), u8v));
}

static void print_sa_algs(const struct nlattr **tb, const struct nfsec_print *o)
{
	const char *enc = get_str(tb[NFSEC_SA_A_ENC_ALG]);
	const char *auth = get_str(tb[NFSEC_SA_A_AUTH_ALG]);
	uint32_t v;
	uint16_t icv;

	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, "%s", "\n   ");
	if (enc)
		print_alg(o, nfsec_alg_is_aead(enc) ? "aead" : "enc", enc,
			  tb[NFSEC_SA_A_ENC_KEY_BITS], tb[NFSEC_SA_A_ENC_KEY],
			  "enc_key_bits", "enc_key");
	if (auth)
		print_alg(o, "auth", auth, tb[NFSEC_SA_A_AUTH_KEY_BITS],
			  tb[NFSEC_SA_A_AUTH_KEY], "auth_key_bits", "auth_key");
	if (get_u16(tb[NFSEC_SA_A_ICV_BITS], &icv))
		nfsec_print_u32(o, NFSEC_PRINT_ANY, "icv_bits", " icv %u", icv);
	if (get_u32(tb[NFSEC_SA_A_REPLAY_WINDOW], &v))
		print_named(o, "replay-window", v);
	if (get_u32(tb[NFSEC_SA_A_FLAGS], &v)) {
		bool first = true;

		nfsec_print_open(o, "flags", '[');
		if (v & NFSEC_SA_F_ESN) {
			nfsec_print_str(o, NFSEC_PRINT_ANY, NULL, " flags %s",
					"esn");
			first = false;
		}
		if (v & NFSEC_SA_F_ALIGN4)
			nfsec_print_str(o, NFSEC_PRINT_ANY, NULL,
					first ? " flags %s" : " %s", "align4");
		nfsec_print_close(o, ']');
	}
}

/* The limits set, after @intro in text ("save" has none). */
static int print_sa_lifetime(const struct nlattr *nest,
			     const struct nfsec_print *o, const char *intro)
{
	const struct nlattr *tb[NFSEC_LFT_A_MAX + 1];
	bool any = false;
	uint64_t v;
	int i;

	if (!nest)
		return 0;
	if (parse_nest(nest, tb, NFSEC_LFT_A_MAX))
		return -1;
	for (i = 1; i <= NFSEC_LFT_A_MAX; i++) {
		if (!get_u64(tb[i], &v) || !v)
			continue;
		if (!any) {
			nfsec_print_open(o, "lifetime", '{');
			nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, "%s",
					intro);
			any = true;
		}
		print_named(o, nfsec_lft_names[i - 1], v);
	}
	if (any)
		nfsec_print_close(o, '}');
	return 0;
}

/* The state line of the text output starts before its first item. */
static void start_line(const struct nfsec_print *o, bool *line)
{
	if (!*line)
		nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, "%s", "\n   ");
	*line = true;
}

static void print_sa_state(const struct nlattr **tb, const struct nfsec_print *o)
{
	uint8_t state;
	uint32_t mtu;
	uint64_t v;
	bool line = false;

	if (get_u8(tb[NFSEC_SA_A_STATE], &state)) {
		start_line(o, &line);
		nfsec_print_str(o, NFSEC_PRINT_ANY, "state", " state %s",
				name_of(state_names, ARRAY_SIZE(state_names),
					state));
	}
	if (get_u64(tb[NFSEC_SA_A_SEQ], &v)) {
		start_line(o, &line);
		print_named(o, "seq", v);
	}
	if (get_u64(tb[NFSEC_SA_A_AGE], &v)) {
		start_line(o, &line);
		print_named(o, "age", v);
	}
	if (get_u32(tb[NFSEC_SA_A_PMTU], &mtu)) {
		start_line(o, &line);
		print_named(o, "pmtu", mtu);
	}
	if (get_u32(tb[NFSEC_SA_A_REQID], &mtu)) {
		start_line(o, &line);
		print_named(o, "reqid", mtu);
	}
	if (get_u64(tb[NFSEC_SA_A_IDLE], &v)) {
		start_line(o, &line);
		print_named(o, "idle", v);
	}
}

static int print_stats(const struct nlattr *nest, const struct nfsec_print *o)
{
	const struct nlattr *tb[NFSEC_STATS_A_MAX + 1];
	uint64_t v;
	int i;

	if (!o->stats || !nest)
		return 0;
	if (parse_nest(nest, tb, NFSEC_STATS_A_MAX))
		return -1;
	nfsec_print_open(o, "stats", '{');
	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, "%s", "\n    stats");
	for (i = NFSEC_STATS_A_PACKETS; i <= NFSEC_STATS_A_MAX; i++)
		if (stats_names[i] && get_u64(tb[i], &v))
			print_named(o, stats_names[i], v);
	nfsec_print_close(o, '}');
	return 0;
}

int nfsec_print_sa(const struct nlattr *nest, const struct nfsec_print *o)
{
	const struct nlattr *tb[NFSEC_SA_A_MAX + 1];
	int ret = 0;

	if (parse_nest(nest, tb, NFSEC_SA_A_MAX))
		return -1;
	nfsec_print_open(o, o->key, '{');
	nfsec_print_schema(o);
	print_sa_id(tb, o);
	if (!o->oneline) {
		print_sa_algs(tb, o);
		if (print_sa_lifetime(tb[NFSEC_SA_A_LIFETIME], o,
				      "\n    lifetime"))
			ret = -1;
		print_sa_state(tb, o);
		if (print_stats(tb[NFSEC_SA_A_STATS], o))
			ret = -1;
	}
	nfsec_print_close(o, '}');
	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, "%s", "\n");
	return ret;
}

static void print_prefix(const struct nfsec_print *o, const char *name,
			 const struct nfsec_addr *addr, uint8_t len)
{
	char buf[NFSEC_ADDR_STRLEN + 4], a[NFSEC_ADDR_STRLEN];

	snprintf(buf, sizeof(buf), "%s/%u", nfsec_addr_str(addr, a), len);
	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, " %s", name);
	nfsec_print_str(o, NFSEC_PRINT_ANY, name, " %s", buf);
}

static void print_ports(const struct nfsec_print *o, const char *name,
			const struct nlattr *amin, const struct nlattr *amax)
{
	uint16_t min = 0, max;
	char key[16];

	if (!get_u16(amin, &min))
		return;
	if (!get_u16(amax, &max))
		max = min;
	if (min == 0 && max == UINT16_MAX)
		return;
	snprintf(key, sizeof(key), "%s_min", name);
	nfsec_print_u32(o, NFSEC_PRINT_JSON, key, "%u", min);
	snprintf(key, sizeof(key), "%s_max", name);
	nfsec_print_u32(o, NFSEC_PRINT_JSON, key, "%u", max);
	nfsec_print_u32(o, NFSEC_PRINT_TEXT, NULL, " %s %u", name, min);
	if (min != max)
		nfsec_print_u32(o, NFSEC_PRINT_TEXT, NULL, "-%u", max);
}

static int print_policy_sa(const struct nlattr *nest,
			   const struct nfsec_print *o)
{
	const struct nlattr *tb[NFSEC_SA_A_MAX + 1];
	char src[NFSEC_ADDR_STRLEN] = "?";
	struct nfsec_addr addr;
	uint32_t v, spi = 0;
	uint8_t proto = 0;

	if (parse_nest(nest, tb, NFSEC_SA_A_MAX))
		return -1;
	get_u8(tb[NFSEC_SA_A_PROTO], &proto);
	if (get_addr(tb[NFSEC_SA_A_SRC], tb[NFSEC_SA_A_SRC6], &addr))
		nfsec_addr_str(&addr, src);
	if (get_u32(tb[NFSEC_SA_A_SPI], &v))
		spi = ntohl(v);
	nfsec_print_open(o, "sa", '{');
	nfsec_print_str(o, NFSEC_PRINT_ANY, "proto", " sa %s",
			nfsec_ipsec_proto_name(proto));
	nfsec_print_str(o, NFSEC_PRINT_ANY, "src", " %s", src);
	nfsec_print_u32(o, NFSEC_PRINT_ANY, "spi", " 0x%x", spi);
	nfsec_print_close(o, '}');
	return 0;
}

int nfsec_print_policy(const struct nlattr *nest, const struct nfsec_print *o)
{
	const struct nlattr *tb[NFSEC_POL_A_MAX + 1];
	struct nfsec_addr addr;
	const char *pname;
	uint8_t u8v, family, len;
	uint32_t v;
	uint64_t hits;
	int ret = 0;

	if (parse_nest(nest, tb, NFSEC_POL_A_MAX))
		return -1;
	family = policy_family(tb);
	nfsec_print_open(o, o->key, '{');
	nfsec_print_schema(o);
	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, "%s", "policy");
	if (get_u8(tb[NFSEC_POL_A_DIR], &u8v))
		nfsec_print_str(o, NFSEC_PRINT_ANY, "dir", " dir %s",
				name_of(dir_names, ARRAY_SIZE(dir_names), u8v));
	/* In text the prefixes, always printed, say the family. */
	nfsec_print_str(o, NFSEC_PRINT_JSON, "family", "%s",
			nfsec_family_name(family));
	get_prefix(tb[NFSEC_POL_A_SRC], tb[NFSEC_POL_A_SRC6],
		   tb[NFSEC_POL_A_SRC_PLEN], family, &addr, &len);
	print_prefix(o, "src", &addr, len);
	get_prefix(tb[NFSEC_POL_A_DST], tb[NFSEC_POL_A_DST6],
		   tb[NFSEC_POL_A_DST_PLEN], family, &addr, &len);
	print_prefix(o, "dst", &addr, len);
	if (get_u8(tb[NFSEC_POL_A_PROTO], &u8v) && u8v) {
		pname = nfsec_ip_proto_name(u8v);
		if (pname)
			nfsec_print_str(o, NFSEC_PRINT_ANY, "proto", " proto %s",
					pname);
		else
			nfsec_print_u32(o, NFSEC_PRINT_ANY, "proto", " proto %u",
					u8v);
	}
	print_ports(o, "sport", tb[NFSEC_POL_A_SPORT_MIN],
		    tb[NFSEC_POL_A_SPORT_MAX]);
	print_ports(o, "dport", tb[NFSEC_POL_A_DPORT_MIN],
		    tb[NFSEC_POL_A_DPORT_MAX]);
	if (get_u8(tb[NFSEC_POL_A_ACTION], &u8v))
		nfsec_print_str(o, NFSEC_PRINT_ANY, "action", " action %s",
				name_of(action_names, ARRAY_SIZE(action_names),
					u8v));
	if (tb[NFSEC_POL_A_SA] && print_policy_sa(tb[NFSEC_POL_A_SA], o))
		ret = -1;
	if (get_u32(tb[NFSEC_POL_A_REQID], &v))
		print_named(o, "reqid", v);
	if (get_u32(tb[NFSEC_POL_A_PRIORITY], &v))
		print_named(o, "priority", v);
	if (get_u32(tb[NFSEC_POL_A_INDEX], &v))
		print_named(o, "index", v);
	if (o->stats && get_u64(tb[NFSEC_POL_A_HITS], &hits))
		print_named(o, "hits", hits);
	if (o->stats && get_u64(tb[NFSEC_POL_A_IDLE], &hits))
		print_named(o, "idle", hits);
	nfsec_print_close(o, '}');
	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, "%s", "\n");
	return ret;
}

int nfsec_print_net_stats(const struct nlattr *nest,
			  const struct nfsec_print *o)
{
	const struct nlattr *tb[NFSEC_NSTATS_A_MAX + 1];
	uint64_t v;
	int i;

	if (parse_nest(nest, tb, NFSEC_NSTATS_A_MAX))
		return -1;
	nfsec_print_open(o, o->key, '{');
	nfsec_print_schema(o);
	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, "%s", "stats");
	for (i = 1; i <= NFSEC_NSTATS_A_MAX; i++)
		if (net_stats_names[i] && get_u64(tb[i], &v))
			print_named(o, net_stats_names[i], v);
	nfsec_print_close(o, '}');
	nfsec_print_str(o, NFSEC_PRINT_TEXT, NULL, "%s", "\n");
	return 0;
}

/* "nfsec save": the command that adds this SA again. */
static void save_key(FILE *f, const struct nlattr *key, bool with_keys)
{
	char hex[2 * NFSEC_KEY_MAX + 1];
	uint16_t len;

	if (!with_keys || !key ||
	    (len = mnl_attr_get_payload_len(key)) > NFSEC_KEY_MAX) {
		fputs(" " NFSEC_KEY_OMITTED, f);
		return;
	}
	nfsec_hex(hex, mnl_attr_get_payload(key), len);
	fprintf(f, " 0x%s", hex);
	explicit_bzero(hex, sizeof(hex));
}

static void save_alg(FILE *f, const char *kind, const char *name,
		     const struct nlattr *key, bool with_keys)
{
	fprintf(f, " %s %s", kind, name);
	if (!strcmp(name, "null"))
		fputs(" none", f);
	else
		save_key(f, key, with_keys);
}

int nfsec_save_sa(const struct nlattr *nest, FILE *f, bool with_keys)
{
	const struct nlattr *tb[NFSEC_SA_A_MAX + 1];
	char src[NFSEC_ADDR_STRLEN], dst[NFSEC_ADDR_STRLEN];
	struct nfsec_addr s, d;
	uint32_t spi, v;
	uint8_t proto, u8v;
	const char *enc, *auth;
	uint16_t icv;
	uint64_t seq;

	if (parse_nest(nest, tb, NFSEC_SA_A_MAX))
		return -1;
	if (!get_u8(tb[NFSEC_SA_A_PROTO], &proto) ||
	    !get_addr(tb[NFSEC_SA_A_SRC], tb[NFSEC_SA_A_SRC6], &s) ||
	    !get_addr(tb[NFSEC_SA_A_DST], tb[NFSEC_SA_A_DST6], &d) ||
	    !get_u32(tb[NFSEC_SA_A_SPI], &spi))
		return nfsec_error("malformed reply from the kernel: an SA without its key");
	/* A reserved SPI has no keys to add again: its daemon fills it in. */
	if (get_u8(tb[NFSEC_SA_A_STATE], &u8v) && u8v == NFSEC_SA_STATE_LARVAL)
		return 0;
	fprintf(f, "sa add proto %s src %s dst %s spi 0x%08x",
		nfsec_ipsec_proto_name(proto), nfsec_addr_str(&s, src),
		nfsec_addr_str(&d, dst), ntohl(spi));
	if (get_u8(tb[NFSEC_SA_A_DIR], &u8v) && u8v < ARRAY_SIZE(dir_names))
		fprintf(f, " dir %s", dir_names[u8v]);
	if (get_u8(tb[NFSEC_SA_A_MODE], &u8v) && u8v < ARRAY_SIZE(mode_names))
		fprintf(f, " mode %s", mode_names[u8v]);
	enc = get_str(tb[NFSEC_SA_A_ENC_ALG]);
	auth = get_str(tb[NFSEC_SA_A_AUTH_ALG]);
	if (enc)
		save_alg(f, nfsec_alg_is_aead(enc) ? "aead" : "enc", enc,
			 tb[NFSEC_SA_A_ENC_KEY], with_keys);
	if (enc && nfsec_alg_is_aead(enc) && get_u16(tb[NFSEC_SA_A_ICV_BITS], &icv))
		fprintf(f, " icv %u", icv);
	if (auth)
		save_alg(f, "auth", auth, tb[NFSEC_SA_A_AUTH_KEY], with_keys);
	if (get_u32(tb[NFSEC_SA_A_REPLAY_WINDOW], &v))
		fprintf(f, " replay-window %u", v);
	if (get_u32(tb[NFSEC_SA_A_FLAGS], &v) && (v & NFSEC_SA_F_ESN))
		fputs(" esn", f);
	if (get_u32(tb[NFSEC_SA_A_FLAGS], &v) && (v & NFSEC_SA_F_ALIGN4))
		fputs(" align4", f);
	if (get_u64(tb[NFSEC_SA_A_SEQ], &seq) && seq)
		fprintf(f, " seq %" PRIu64, seq);
	if (get_u32(tb[NFSEC_SA_A_REQID], &v))
		fprintf(f, " reqid %u", v);
	if (print_sa_lifetime(tb[NFSEC_SA_A_LIFETIME],
			      &(struct nfsec_print){ .f = f }, ""))
		return -1;
	fputc('\n', f);
	return 0;
}

/* A prefix that selects anything is left out. */
static bool prefix_any(const struct nfsec_addr *addr, uint8_t len)
{
	return !len && nfsec_addr_is_zero(addr);
}

static void save_prefix(FILE *f, const char *name,
			const struct nfsec_addr *addr, uint8_t len)
{
	char a[NFSEC_ADDR_STRLEN];

	if (!prefix_any(addr, len))
		fprintf(f, " %s %s/%u", name, nfsec_addr_str(addr, a), len);
}

int nfsec_save_policy(const struct nlattr *nest, FILE *f)
{
	const struct nlattr *tb[NFSEC_POL_A_MAX + 1], *sa[NFSEC_SA_A_MAX + 1];
	const struct nfsec_print text = { .f = f };
	char src[NFSEC_ADDR_STRLEN];
	struct nfsec_addr s, d;
	uint8_t dir, action, proto, family, slen, dlen;
	uint32_t v, spi;
	const char *pname;

	if (parse_nest(nest, tb, NFSEC_POL_A_MAX))
		return -1;
	if (!get_u8(tb[NFSEC_POL_A_DIR], &dir) || dir >= ARRAY_SIZE(dir_names) ||
	    !get_u8(tb[NFSEC_POL_A_ACTION], &action) ||
	    action >= ARRAY_SIZE(action_names))
		return nfsec_error("malformed reply from the kernel: a policy without direction or action");
	family = policy_family(tb);
	if (family != AF_INET && family != AF_INET6)
		return nfsec_error("malformed reply from the kernel: a policy of family %u",
				   family);
	get_prefix(tb[NFSEC_POL_A_SRC], tb[NFSEC_POL_A_SRC6],
		   tb[NFSEC_POL_A_SRC_PLEN], family, &s, &slen);
	get_prefix(tb[NFSEC_POL_A_DST], tb[NFSEC_POL_A_DST6],
		   tb[NFSEC_POL_A_DST_PLEN], family, &d, &dlen);
	fprintf(f, "policy add dir %s", dir_names[dir]);
	/* Said only when no prefix says it: IPv4 is the default. */
	if (family == AF_INET6 && prefix_any(&s, slen) && prefix_any(&d, dlen))
		fprintf(f, " family %s", nfsec_family_name(family));
	save_prefix(f, "src", &s, slen);
	save_prefix(f, "dst", &d, dlen);
	if (get_u8(tb[NFSEC_POL_A_PROTO], &proto) && proto) {
		pname = nfsec_ip_proto_name(proto);
		if (pname)
			fprintf(f, " proto %s", pname);
		else
			fprintf(f, " proto %u", proto);
	}
	/* As "policy show" prints them. */
	print_ports(&text, "sport", tb[NFSEC_POL_A_SPORT_MIN],
		    tb[NFSEC_POL_A_SPORT_MAX]);
	print_ports(&text, "dport", tb[NFSEC_POL_A_DPORT_MIN],
		    tb[NFSEC_POL_A_DPORT_MAX]);
	fprintf(f, " action %s", action_names[action]);
	if (tb[NFSEC_POL_A_SA]) {
		if (parse_nest(tb[NFSEC_POL_A_SA], sa, NFSEC_SA_A_MAX))
			return -1;
		if (!get_u8(sa[NFSEC_SA_A_PROTO], &proto) ||
		    !get_addr(sa[NFSEC_SA_A_SRC], sa[NFSEC_SA_A_SRC6], &s) ||
		    !get_u32(sa[NFSEC_SA_A_SPI], &spi))
			return nfsec_error("malformed reply from the kernel: a policy's SA without its key");
		fprintf(f, " sa proto %s src %s spi 0x%08x",
			nfsec_ipsec_proto_name(proto), nfsec_addr_str(&s, src),
			ntohl(spi));
	}
	if (get_u32(tb[NFSEC_POL_A_REQID], &v))
		fprintf(f, " reqid %u", v);
	if (get_u32(tb[NFSEC_POL_A_PRIORITY], &v))
		fprintf(f, " priority %u", v);
	fputc('\n', f);
	return 0;
}
