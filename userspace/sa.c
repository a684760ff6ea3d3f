// SPDX-License-Identifier: GPL-2.0
/* nfsec sa: add, del, get, show and flush security associations. */

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "msg.h"
#include "netlink.h"
#include "parse.h"
#include "print.h"
#include "subcommands.h"
#include "util.h"

static const char add_usage[] =
	"       nfsec sa add proto { esp | ah } src ADDR dst ADDR spi SPI\n"
	"               [ dir { in | out } ] [ mode { transport | tunnel } ]\n"
	"               [ aead AEAD-ALG KEY [ icv BITS ] ]\n"
	"               [ enc ENC-ALG KEY ] [ auth AUTH-ALG KEY ]\n"
	"               [ replay-window N ] [ esn ] [ align4 ] [ seq N ] [ reqid N ]\n"
	"               [ soft-bytes N ] [ hard-bytes N ]\n"
	"               [ soft-packets N ] [ hard-packets N ]\n"
	"               [ soft-seconds N ] [ hard-seconds N ]\n";
static const char allocspi_usage[] =
	"       nfsec sa allocspi proto { esp | ah } src ADDR dst ADDR\n"
	"               [ reqid N ] [ range SPI-SPI ]\n";
static const char del_usage[] =
	"       nfsec sa del proto { esp | ah } src ADDR spi SPI\n";
static const char get_usage[] =
	"       nfsec sa get proto { esp | ah } src ADDR spi SPI [ with-keys ]\n";
static const char show_usage[] =
	"       nfsec sa show [ with-keys ]\n";
static const char flush_usage[] =
	"       nfsec sa flush [ proto { esp | ah } ]\n";
static const char terms_usage[] =
	"AEAD-ALG := aes-gcm | chacha20-poly1305 | aes-gmac   (KEY includes the 4-byte salt)\n"
	"ENC-ALG  := aes-cbc | null                           (KEY of null: none)\n"
	"AUTH-ALG := hmac-sha256 | hmac-sha384 | hmac-sha512 | hmac-sha1\n"
	"            | aes-gmac   (proto ah only; KEY includes the 4-byte salt)\n"
	"            aes-gcm, aes-gmac and aes-cbc may name the key size in bits,\n"
	"            as genkey does: aes-gcm-128, aes-cbc-256, ...\n"
	"KEY      := HEX | 0xHEX | @FILE                      (FILE holds the hex key)\n"
	"SPI      := 256..0xffffffff (decimal or 0x-prefixed hex)\n"
	"ADDR     := IPv4 or IPv6 address; src and dst of one family\n";

static void usage_of(const char *one)
{
	printf("Usage:\n%s%s", one, terms_usage);
}

static void sa_usage(void)
{
	printf("Usage: nfsec sa { add | allocspi | del | get | show | flush | help }\n%s%s%s%s%s%s%s",
	       add_usage, allocspi_usage, del_usage, get_usage, show_usage,
	       flush_usage, terms_usage);
}

static int sa_add(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_sa_args a;
	struct nfsec_msg m;
	struct nfsec_nl *nl;
	int ret;

	if (nfsec_wants_help(argc, argv)) {
		usage_of(add_usage);
		return 0;
	}
	if (nfsec_parse_sa_add(argc, argv, &a))
		return -1;
	nl = nfsec_ctx_nl(ctx);
	if (!nl) {
		nfsec_sa_args_wipe(&a);
		return -1;
	}
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_SA_ADD, 0);
	ret = nfsec_msg_sa_add(&m, &a);
	nfsec_sa_args_wipe(&a);
	if (!ret)
		ret = nfsec_ctx_request(ctx, &m, "sa add", NULL, NULL);
	nfsec_msg_wipe(&m);
	return ret;
}

/* The reply to an allocation: the reserved SA's key; prints its SPI. */
static int allocspi_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *sa = nfsec_genl_attr(nlh, NFSEC_A_SA);
	const struct nlattr *attr;

	(void)data;
	if (!sa)
		return MNL_CB_OK;
	mnl_attr_for_each_nested(attr, sa) {
		if (mnl_attr_get_type(attr) == NFSEC_SA_A_SPI &&
		    mnl_attr_get_payload_len(attr) == sizeof(uint32_t)) {
			printf("spi 0x%08x\n", ntohl(mnl_attr_get_u32(attr)));
			return MNL_CB_OK;
		}
	}
	return MNL_CB_OK;
}

static int sa_allocspi(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_sa_args a;
	struct nfsec_msg m;
	struct nfsec_nl *nl;
	uint32_t min, max;

	if (nfsec_wants_help(argc, argv)) {
		usage_of(allocspi_usage);
		return 0;
	}
	if (nfsec_parse_sa_allocspi(argc, argv, &a, &min, &max))
		return -1;
	nl = nfsec_ctx_nl(ctx);
	if (!nl)
		return -1;
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_SA_ALLOC_SPI, 0);
	if (nfsec_msg_sa_allocspi(&m, &a, min, max))
		return -1;
	return nfsec_nl_do(nl, &m, "sa allocspi", allocspi_cb, NULL);
}

static int sa_del(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_sa_args a;
	struct nfsec_msg m;
	struct nfsec_nl *nl;

	if (nfsec_wants_help(argc, argv)) {
		usage_of(del_usage);
		return 0;
	}
	if (nfsec_parse_sa_id(argc, argv, &a, false, "sa del"))
		return -1;
	nl = nfsec_ctx_nl(ctx);
	if (!nl)
		return -1;
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_SA_DEL, 0);
	if (nfsec_msg_sa_id(&m, a.proto, &a.src, a.spi))
		return -1;
	return nfsec_ctx_request(ctx, &m, "sa del", NULL, NULL);
}

struct sa_print_state {
	struct nfsec_print p;
	bool opened;
	int count;
};

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sa_print_state *st = data;
	const struct nlattr *sa = nfsec_genl_attr(nlh, NFSEC_A_SA);

	if (!sa)
		return 0;
	if (st->p.json && !st->opened)
		nfsec_json_arr_open(st->p.json, st->p.key);
	st->opened = true;
	st->count++;
	/* A top-level object or array element carries the schema. */
	return nfsec_print_sa(sa, &(struct nfsec_print){ .f = stdout,
		.json = st->p.json, .key = NULL, .stats = st->p.stats,
		.with_keys = st->p.with_keys, .schema = !st->p.key });
}

static void put_flags(struct nfsec_msg *m, bool with_keys)
{
	if (with_keys)
		NFSEC_PUT(m, u32, NFSEC_A_FLAGS, NFSEC_F_WITH_KEYS);
}

int sa_dump(struct nfsec_ctx *ctx, bool with_keys, struct nfsec_json *j,
	    const char *key)
{
	struct sa_print_state st = {
		.p = { .json = j, .key = key, .stats = ctx->stats,
		       .with_keys = with_keys },
	};
	struct nfsec_nl *nl = nfsec_ctx_nl(ctx);
	struct nfsec_msg m;

	if (!nl)
		return -1;
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_SA_GET, NLM_F_DUMP);
	put_flags(&m, with_keys);
	if (nfsec_nl_dump(nl, &m, "sa show", sa_cb, &st))
		return -1;
	if (j) {
		if (!st.opened)
			nfsec_json_arr_open(j, key);
		nfsec_json_arr_close(j);
	}
	return 0;
}

static int parse_with_keys(int argc, char *argv[], bool *with_keys,
			   const char *cmd)
{
	int i;

	*with_keys = false;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "with-keys"))
			return nfsec_error("unknown keyword \"%s\" in \"%s\"",
					   argv[i], cmd);
		*with_keys = true;
	}
	return 0;
}

static int sa_show(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_json j;
	bool with_keys;

	if (nfsec_wants_help(argc, argv)) {
		usage_of(show_usage);
		return 0;
	}
	if (parse_with_keys(argc, argv, &with_keys, "sa show"))
		return -1;
	nfsec_json_init(&j, stdout);
	return sa_dump(ctx, with_keys, ctx->json ? &j : NULL, NULL);
}

static int sa_get(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct sa_print_state st = { 0 };
	struct nfsec_sa_args a;
	struct nfsec_json j;
	struct nfsec_msg m;
	struct nfsec_nl *nl;

	if (nfsec_wants_help(argc, argv)) {
		usage_of(get_usage);
		return 0;
	}
	if (nfsec_parse_sa_id(argc, argv, &a, true, "sa get"))
		return -1;
	nl = nfsec_ctx_nl(ctx);
	if (!nl)
		return -1;
	nfsec_json_init(&j, stdout);
	st.p.json = ctx->json ? &j : NULL;
	st.p.stats = ctx->stats;
	st.p.with_keys = a.with_keys;
	/* A single SA: one JSON object, not an array. */
	st.opened = true;
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_SA_GET, 0);
	put_flags(&m, a.with_keys);
	if (nfsec_msg_sa_id(&m, a.proto, &a.src, a.spi))
		return -1;
	return nfsec_nl_do(nl, &m, "sa get", sa_cb, &st);
}

static int sa_flush(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_nl *nl;
	struct nfsec_msg m;
	struct nlattr *nest;
	uint8_t proto = 0;

	if (nfsec_wants_help(argc, argv)) {
		usage_of(flush_usage);
		return 0;
	}
	if (argc > 0) {
		if (strcmp(argv[0], "proto"))
			return nfsec_error("unknown keyword \"%s\" in \"sa flush\"",
					   argv[0]);
		if (argc < 2)
			return nfsec_error("\"proto\" needs a value in \"sa flush\"");
		if (nfsec_parse_ipsec_proto(argv[1], &proto))
			return -1;
		if (argc > 2)
			return nfsec_error("unknown keyword \"%s\" in \"sa flush\"",
					   argv[2]);
	}
	nl = nfsec_ctx_nl(ctx);
	if (!nl)
		return -1;
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_SA_FLUSH, 0);
	if (proto) {
		nest = nfsec_msg_nest_start(&m, NFSEC_A_SA, "NFSEC_A_SA");
		NFSEC_PUT(&m, u8, NFSEC_SA_A_PROTO, proto);
		nfsec_msg_nest_end(&m, nest);
	}
	return nfsec_ctx_flush(ctx, &m, "sa flush", "SAs");
}

static const struct nfsec_verb sa_cmds[] = {
	{ "add", sa_add },
	{ "allocspi", sa_allocspi },
	{ "del", sa_del },
	{ "get", sa_get },
	{ "show", sa_show },
	{ "list", sa_show },
	{ "flush", sa_flush },
};

int sa_main(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	return nfsec_run_verb(ctx, "sa", sa_cmds, ARRAY_SIZE(sa_cmds),
			      sa_usage, argc, argv);
}
