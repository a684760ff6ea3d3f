// SPDX-License-Identifier: GPL-2.0
/* Human and JSON rendering of SAs and policies as the kernel reports them. */

#include <arpa/inet.h>
#include <inttypes.h>
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

static void addr_str(uint32_t be, char *buf)
{
	struct in_addr in = { .s_addr = be };

	inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static const char *const mode_names[] = { "transport", "tunnel" };
static const char *const state_names[] = {
	"valid", "soft-expired", "hard-expired", "seq-exhausted"
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

static void print_u64_item(const struct nfsec_print *o, const char *name,
			   uint64_t v)
{
	char key[32];

	if (o->json) {
		json_name(key, sizeof(key), name);
		nfsec_json_u64(o->json, key, v);
	} else {
		fprintf(o->f, " %s %" PRIu64, name, v);
	}
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
	if (o->json)
		nfsec_json_str(o->json, jkey, hex);
	else
		fprintf(o->f, " key %s", hex);
	explicit_bzero(hex, sizeof(hex));
}

static void print_alg(const struct nfsec_print *o, const char *kind,
		      const char *name, const struct nlattr *bits_attr,
		      const struct nlattr *key_attr, const char *jbits,
		      const char *jkey)
{
	uint16_t bits;

	if (o->json)
		nfsec_json_str(o->json, kind, name);
	else
		fprintf(o->f, " %s %s", kind, name);
	if (get_u16(bits_attr, &bits))
		print_u64_item(o, o->json ? jbits : "key-bits", bits);
	print_key(o, jkey, key_attr);
}

static void print_sa_id(const struct nlattr **tb, const struct nfsec_print *o)
{
	char src[INET_ADDRSTRLEN] = "?", dst[INET_ADDRSTRLEN] = "?";
	uint8_t proto = 0, mode = NFSEC_MODE_TRANSPORT, dir = 0;
	uint32_t v, spi = 0;
	const char *dname;

	get_u8(tb[NFSEC_SA_A_PROTO], &proto);
	if (get_u32(tb[NFSEC_SA_A_SRC], &v))
		addr_str(v, src);
	if (get_u32(tb[NFSEC_SA_A_DST], &v))
		addr_str(v, dst);
	if (get_u32(tb[NFSEC_SA_A_SPI], &v))
		spi = ntohl(v);
	get_u8(tb[NFSEC_SA_A_MODE], &mode);
	get_u8(tb[NFSEC_SA_A_DIR], &dir);
	dname = dir == NFSEC_DIR_IN ? "in" : dir == NFSEC_DIR_OUT ? "out" : "unknown";
	if (o->json) {
		nfsec_json_str(o->json, "proto", nfsec_ipsec_proto_name(proto));
		nfsec_json_str(o->json, "src", src);
		if (tb[NFSEC_SA_A_DST])
			nfsec_json_str(o->json, "dst", dst);
		nfsec_json_u64(o->json, "spi", spi);
		if (tb[NFSEC_SA_A_MODE] && mode < ARRAY_SIZE(mode_names))
			nfsec_json_str(o->json, "mode", mode_names[mode]);
		if (tb[NFSEC_SA_A_DIR])
			nfsec_json_str(o->json, "dir", dname);
		return;
	}
	fprintf(o->f, "sa proto %s src %s", nfsec_ipsec_proto_name(proto), src);
	if (tb[NFSEC_SA_A_DST])
		fprintf(o->f, " dst %s", dst);
	fprintf(o->f, " spi 0x%08x", spi);
	if (tb[NFSEC_SA_A_MODE])
		fprintf(o->f, " mode %s", mode < ARRAY_SIZE(mode_names) ?
		       mode_names[mode] : "unknown");
	if (tb[NFSEC_SA_A_DIR])
		fprintf(o->f, " dir %s", dname);
}

static void print_sa_algs(const struct nlattr **tb, const struct nfsec_print *o)
{
	const char *enc = get_str(tb[NFSEC_SA_A_ENC_ALG]);
	const char *auth = get_str(tb[NFSEC_SA_A_AUTH_ALG]);
	uint32_t v;
	uint16_t icv;

	if (!o->json)
		fprintf(o->f, "\n   ");
	if (enc)
		print_alg(o, nfsec_alg_is_aead(enc) ? "aead" : "enc", enc,
			  tb[NFSEC_SA_A_ENC_KEY_BITS], tb[NFSEC_SA_A_ENC_KEY],
			  "enc_key_bits", "enc_key");
	if (auth)
		print_alg(o, "auth", auth, tb[NFSEC_SA_A_AUTH_KEY_BITS],
			  tb[NFSEC_SA_A_AUTH_KEY], "auth_key_bits", "auth_key");
	if (get_u16(tb[NFSEC_SA_A_ICV_BITS], &icv))
		print_u64_item(o, o->json ? "icv_bits" : "icv", icv);
	if (get_u32(tb[NFSEC_SA_A_REPLAY_WINDOW], &v))
		print_u64_item(o, "replay-window", v);
	if (get_u32(tb[NFSEC_SA_A_FLAGS], &v)) {
		if (o->json) {
			nfsec_json_arr_open(o->json, "flags");
			if (v & NFSEC_SA_F_ESN)
				nfsec_json_str(o->json, NULL, "esn");
			nfsec_json_arr_close(o->json);
		} else if (v & NFSEC_SA_F_ESN) {
			fprintf(o->f, " flags esn");
		}
	}
}

static int print_sa_lifetime(const struct nlattr *nest,
			     const struct nfsec_print *o)
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
			if (o->json)
				nfsec_json_obj_open(o->json, "lifetime");
			else
				fprintf(o->f, "\n    lifetime");
			any = true;
		}
		print_u64_item(o, nfsec_lft_names[i - 1], v);
	}
	if (any && o->json)
		nfsec_json_obj_close(o->json);
	return 0;
}

static void start_line(const struct nfsec_print *o, bool *line)
{
	if (!o->json && !*line)
		fprintf(o->f, "\n   ");
	*line = true;
}

static void print_sa_state(const struct nlattr **tb, const struct nfsec_print *o)
{
	uint8_t state;
	uint32_t mtu;
	uint64_t v;
	bool line = false;

	if (get_u8(tb[NFSEC_SA_A_STATE], &state)) {
		const char *name = state < ARRAY_SIZE(state_names) ?
				   state_names[state] : "unknown";

		if (o->json) {
			nfsec_json_str(o->json, "state", name);
		} else {
			fprintf(o->f, "\n    state %s", name);
			line = true;
		}
	}
	if (get_u64(tb[NFSEC_SA_A_SEQ], &v)) {
		start_line(o, &line);
		print_u64_item(o, "seq", v);
	}
	if (get_u64(tb[NFSEC_SA_A_AGE], &v)) {
		start_line(o, &line);
		print_u64_item(o, "age", v);
	}
	if (get_u32(tb[NFSEC_SA_A_PMTU], &mtu)) {
		start_line(o, &line);
		print_u64_item(o, "pmtu", mtu);
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
	if (o->json)
		nfsec_json_obj_open(o->json, "stats");
	else
		fprintf(o->f, "\n    stats");
	for (i = NFSEC_STATS_A_PACKETS; i <= NFSEC_STATS_A_MAX; i++)
		if (stats_names[i] && get_u64(tb[i], &v))
			print_u64_item(o, stats_names[i], v);
	if (o->json)
		nfsec_json_obj_close(o->json);
	return 0;
}

int nfsec_print_sa(const struct nlattr *nest, const struct nfsec_print *o)
{
	const struct nlattr *tb[NFSEC_SA_A_MAX + 1];
	int ret = 0;

	if (parse_nest(nest, tb, NFSEC_SA_A_MAX))
		return -1;
	if (o->json)
		nfsec_json_obj_open(o->json, o->key);
	print_sa_id(tb, o);
	if (!o->oneline) {
		print_sa_algs(tb, o);
		if (print_sa_lifetime(tb[NFSEC_SA_A_LIFETIME], o))
			ret = -1;
		print_sa_state(tb, o);
		if (print_stats(tb[NFSEC_SA_A_STATS], o))
			ret = -1;
	}
	if (o->json)
		nfsec_json_obj_close(o->json);
	else
		fprintf(o->f, "\n");
	return ret;
}

static void print_prefix(const struct nfsec_print *o, const char *name,
			 const struct nlattr *addr, const struct nlattr *plen)
{
	char buf[INET_ADDRSTRLEN + 4], a[INET_ADDRSTRLEN];
	uint32_t v = 0;
	uint8_t len = 0;

	get_u32(addr, &v);
	get_u8(plen, &len);
	addr_str(v, a);
	snprintf(buf, sizeof(buf), "%s/%u", a, len);
	if (o->json)
		nfsec_json_str(o->json, name, buf);
	else
		fprintf(o->f, " %s %s", name, buf);
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
	if (o->json) {
		snprintf(key, sizeof(key), "%s_min", name);
		nfsec_json_u64(o->json, key, min);
		snprintf(key, sizeof(key), "%s_max", name);
		nfsec_json_u64(o->json, key, max);
	} else if (min == max) {
		fprintf(o->f, " %s %u", name, min);
	} else {
		fprintf(o->f, " %s %u-%u", name, min, max);
	}
}

static int print_policy_sa(const struct nlattr *nest,
			   const struct nfsec_print *o)
{
	const struct nlattr *tb[NFSEC_SA_A_MAX + 1];
	char src[INET_ADDRSTRLEN] = "?";
	uint32_t v, spi = 0;
	uint8_t proto = 0;

	if (parse_nest(nest, tb, NFSEC_SA_A_MAX))
		return -1;
	get_u8(tb[NFSEC_SA_A_PROTO], &proto);
	if (get_u32(tb[NFSEC_SA_A_SRC], &v))
		addr_str(v, src);
	if (get_u32(tb[NFSEC_SA_A_SPI], &v))
		spi = ntohl(v);
	if (o->json) {
		nfsec_json_obj_open(o->json, "sa");
		nfsec_json_str(o->json, "proto", nfsec_ipsec_proto_name(proto));
		nfsec_json_str(o->json, "src", src);
		nfsec_json_u64(o->json, "spi", spi);
		nfsec_json_obj_close(o->json);
	} else {
		fprintf(o->f, " sa %s %s 0x%x", nfsec_ipsec_proto_name(proto), src,
		       spi);
	}
	return 0;
}

static const char *const dir_names[] = { "in", "out" };
static const char *const action_names[] = { "protect", "bypass", "discard" };

int nfsec_print_policy(const struct nlattr *nest, const struct nfsec_print *o)
{
	const struct nlattr *tb[NFSEC_POL_A_MAX + 1];
	const char *pname;
	uint8_t u8v;
	uint32_t v;
	uint64_t hits;
	int ret = 0;

	if (parse_nest(nest, tb, NFSEC_POL_A_MAX))
		return -1;
	if (o->json)
		nfsec_json_obj_open(o->json, o->key);
	else
		fprintf(o->f, "policy");
	if (get_u8(tb[NFSEC_POL_A_DIR], &u8v)) {
		const char *d = u8v < ARRAY_SIZE(dir_names) ? dir_names[u8v] :
				"unknown";

		if (o->json)
			nfsec_json_str(o->json, "dir", d);
		else
			fprintf(o->f, " dir %s", d);
	}
	print_prefix(o, "src", tb[NFSEC_POL_A_SRC], tb[NFSEC_POL_A_SRC_PLEN]);
	print_prefix(o, "dst", tb[NFSEC_POL_A_DST], tb[NFSEC_POL_A_DST_PLEN]);
	if (get_u8(tb[NFSEC_POL_A_PROTO], &u8v) && u8v) {
		pname = nfsec_ip_proto_name(u8v);
		if (o->json && pname)
			nfsec_json_str(o->json, "proto", pname);
		else if (o->json)
			nfsec_json_u64(o->json, "proto", u8v);
		else if (pname)
			fprintf(o->f, " proto %s", pname);
		else
			fprintf(o->f, " proto %u", u8v);
	}
	print_ports(o, "sport", tb[NFSEC_POL_A_SPORT_MIN],
		    tb[NFSEC_POL_A_SPORT_MAX]);
	print_ports(o, "dport", tb[NFSEC_POL_A_DPORT_MIN],
		    tb[NFSEC_POL_A_DPORT_MAX]);
	if (get_u8(tb[NFSEC_POL_A_ACTION], &u8v)) {
		const char *a = u8v < ARRAY_SIZE(action_names) ?
				action_names[u8v] : "unknown";

		if (o->json)
			nfsec_json_str(o->json, "action", a);
		else
			fprintf(o->f, " action %s", a);
	}
	if (tb[NFSEC_POL_A_SA] && print_policy_sa(tb[NFSEC_POL_A_SA], o))
		ret = -1;
	if (get_u32(tb[NFSEC_POL_A_PRIORITY], &v))
		print_u64_item(o, "priority", v);
	if (get_u32(tb[NFSEC_POL_A_INDEX], &v))
		print_u64_item(o, "index", v);
	if (o->stats && get_u64(tb[NFSEC_POL_A_HITS], &hits))
		print_u64_item(o, "hits", hits);
	if (o->json)
		nfsec_json_obj_close(o->json);
	else
		fprintf(o->f, "\n");
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
	if (o->json)
		nfsec_json_obj_open(o->json, o->key);
	else
		fprintf(o->f, "stats");
	for (i = 1; i <= NFSEC_NSTATS_A_MAX; i++)
		if (net_stats_names[i] && get_u64(tb[i], &v))
			print_u64_item(o, net_stats_names[i], v);
	if (o->json)
		nfsec_json_obj_close(o->json);
	else
		fprintf(o->f, "\n");
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

static int save_lifetime(FILE *f, const struct nlattr *nest)
{
	const struct nlattr *tb[NFSEC_LFT_A_MAX + 1];
	uint64_t v;
	int i;

	if (!nest)
		return 0;
	if (parse_nest(nest, tb, NFSEC_LFT_A_MAX))
		return -1;
	for (i = 1; i <= NFSEC_LFT_A_MAX; i++)
		if (get_u64(tb[i], &v) && v)
			fprintf(f, " %s %" PRIu64, nfsec_lft_names[i - 1], v);
	return 0;
}

int nfsec_save_sa(const struct nlattr *nest, FILE *f, bool with_keys)
{
	const struct nlattr *tb[NFSEC_SA_A_MAX + 1];
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	uint32_t s, d, spi, v;
	uint8_t proto, u8v;
	const char *enc, *auth;
	uint16_t icv;
	uint64_t seq;

	if (parse_nest(nest, tb, NFSEC_SA_A_MAX))
		return -1;
	if (!get_u8(tb[NFSEC_SA_A_PROTO], &proto) ||
	    !get_u32(tb[NFSEC_SA_A_SRC], &s) ||
	    !get_u32(tb[NFSEC_SA_A_DST], &d) ||
	    !get_u32(tb[NFSEC_SA_A_SPI], &spi))
		return nfsec_error("malformed reply from the kernel: an SA without its key");
	addr_str(s, src);
	addr_str(d, dst);
	fprintf(f, "sa add proto %s src %s dst %s spi 0x%08x",
		nfsec_ipsec_proto_name(proto), src, dst, ntohl(spi));
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
	if (get_u64(tb[NFSEC_SA_A_SEQ], &seq) && seq)
		fprintf(f, " seq %" PRIu64, seq);
	if (save_lifetime(f, tb[NFSEC_SA_A_LIFETIME]))
		return -1;
	fputc('\n', f);
	return 0;
}

static void save_prefix(FILE *f, const char *name, const struct nlattr *addr,
			const struct nlattr *plen)
{
	char a[INET_ADDRSTRLEN];
	uint32_t v = 0;
	uint8_t len = 0;

	get_u32(addr, &v);
	get_u8(plen, &len);
	if (!len && !v)
		return;
	addr_str(v, a);
	fprintf(f, " %s %s/%u", name, a, len);
}

static void save_ports(FILE *f, const char *name, const struct nlattr *amin,
		       const struct nlattr *amax)
{
	uint16_t min, max;

	if (!get_u16(amin, &min))
		return;
	if (!get_u16(amax, &max))
		max = min;
	if (min == 0 && max == UINT16_MAX)
		return;
	if (min == max)
		fprintf(f, " %s %u", name, min);
	else
		fprintf(f, " %s %u-%u", name, min, max);
}

int nfsec_save_policy(const struct nlattr *nest, FILE *f)
{
	const struct nlattr *tb[NFSEC_POL_A_MAX + 1], *sa[NFSEC_SA_A_MAX + 1];
	char src[INET_ADDRSTRLEN];
	uint8_t dir, action, proto;
	uint32_t v, spi;
	const char *pname;

	if (parse_nest(nest, tb, NFSEC_POL_A_MAX))
		return -1;
	if (!get_u8(tb[NFSEC_POL_A_DIR], &dir) || dir >= ARRAY_SIZE(dir_names) ||
	    !get_u8(tb[NFSEC_POL_A_ACTION], &action) ||
	    action >= ARRAY_SIZE(action_names))
		return nfsec_error("malformed reply from the kernel: a policy without direction or action");
	fprintf(f, "policy add dir %s", dir_names[dir]);
	save_prefix(f, "src", tb[NFSEC_POL_A_SRC], tb[NFSEC_POL_A_SRC_PLEN]);
	save_prefix(f, "dst", tb[NFSEC_POL_A_DST], tb[NFSEC_POL_A_DST_PLEN]);
	if (get_u8(tb[NFSEC_POL_A_PROTO], &proto) && proto) {
		pname = nfsec_ip_proto_name(proto);
		if (pname)
			fprintf(f, " proto %s", pname);
		else
			fprintf(f, " proto %u", proto);
	}
	save_ports(f, "sport", tb[NFSEC_POL_A_SPORT_MIN], tb[NFSEC_POL_A_SPORT_MAX]);
	save_ports(f, "dport", tb[NFSEC_POL_A_DPORT_MIN], tb[NFSEC_POL_A_DPORT_MAX]);
	fprintf(f, " action %s", action_names[action]);
	if (tb[NFSEC_POL_A_SA]) {
		if (parse_nest(tb[NFSEC_POL_A_SA], sa, NFSEC_SA_A_MAX))
			return -1;
		if (!get_u8(sa[NFSEC_SA_A_PROTO], &proto) ||
		    !get_u32(sa[NFSEC_SA_A_SRC], &v) ||
		    !get_u32(sa[NFSEC_SA_A_SPI], &spi))
			return nfsec_error("malformed reply from the kernel: a policy's SA without its key");
		addr_str(v, src);
		fprintf(f, " sa proto %s src %s spi 0x%08x",
			nfsec_ipsec_proto_name(proto), src, ntohl(spi));
	}
	if (get_u32(tb[NFSEC_POL_A_PRIORITY], &v))
		fprintf(f, " priority %u", v);
	fputc('\n', f);
	return 0;
}
