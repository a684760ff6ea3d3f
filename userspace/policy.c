// SPDX-License-Identifier: GPL-2.0
/* nfsec policy: add, del, show and flush security policies. */

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
	"       nfsec policy add dir { in | out } SELECTOR\n"
	"               action { protect | bypass | discard }\n"
	"               [ sa proto { esp | ah } src ADDR spi SPI ] [ priority N ]\n";
static const char del_usage[] =
	"       nfsec policy del index N\n"
	"       nfsec policy del dir { in | out } SELECTOR [ priority N ]\n";
static const char show_usage[] =
	"       nfsec policy show\n";
static const char flush_usage[] =
	"       nfsec policy flush [ dir { in | out } ]\n";
static const char terms_usage[] =
	"SELECTOR := [ family FAMILY ] [ src PREFIX ] [ dst PREFIX ] [ proto PROTO ]\n"
	"            [ sport PORT[-PORT] ] [ dport PORT[-PORT] ]\n"
	"FAMILY   := inet | inet6   (default: the prefixes', else inet)\n"
	"PREFIX   := ADDR[/LEN]   (LEN 0..32, or 0..128 for IPv6; no host bits set)\n"
	"ADDR     := IPv4 or IPv6 address; src, dst and family agree\n"
	"PROTO    := tcp | udp | icmp | ipv6-icmp | sctp | udplite | esp | ah | gre\n"
	"            | any | NUMBER   (ports need tcp, udp, sctp or udplite)\n"
	"\"sa\" is required with \"action protect\" and refused otherwise; its src\n"
	"may be of either family.\n";

static void usage_of(const char *one)
{
	printf("Usage:\n%s%s", one, terms_usage);
}

static void policy_usage(void)
{
	printf("Usage: nfsec policy { add | del | show | flush | help }\n%s%s%s%s%s",
	       add_usage, del_usage, show_usage, flush_usage, terms_usage);
}

static int index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *pol = nfsec_genl_attr(nlh, NFSEC_A_POLICY);
	const struct nlattr *attr;

	if (!pol)
		return 0;
	mnl_attr_for_each_nested(attr, pol) {
		if (mnl_attr_get_type(attr) == NFSEC_POL_A_INDEX &&
		    mnl_attr_get_payload_len(attr) == sizeof(uint32_t)) {
			*(uint32_t *)data = mnl_attr_get_u32(attr);
			*((uint32_t *)data + 1) = 1;
		}
	}
	return 0;
}

static int policy_send(struct nfsec_ctx *ctx, const struct nfsec_pol_args *p,
		       uint8_t cmd, const char *what)
{
	uint32_t index[2] = { 0, 0 };
	struct nfsec_nl *nl = nfsec_ctx_nl(ctx);
	struct nfsec_msg m;

	if (!nl)
		return -1;
	nfsec_msg_init(&m, nfsec_nl_family(nl), cmd, 0);
	if (nfsec_msg_policy(&m, p))
		return -1;
	if (!ctx->verbose || cmd != NFSEC_CMD_POLICY_ADD)
		return nfsec_ctx_request(ctx, &m, what, NULL, NULL);
	if (nfsec_nl_do(nl, &m, what, index_cb, index))
		return -1;
	if (index[1])
		printf("index %u\n", index[0]);
	return 0;
}

static int policy_add(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_pol_args p;

	if (nfsec_wants_help(argc, argv)) {
		usage_of(add_usage);
		return 0;
	}
	if (nfsec_parse_policy_add(argc, argv, &p))
		return -1;
	return policy_send(ctx, &p, NFSEC_CMD_POLICY_ADD, "policy add");
}

static int policy_del(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_pol_args p;

	if (nfsec_wants_help(argc, argv)) {
		usage_of(del_usage);
		return 0;
	}
	if (nfsec_parse_policy_del(argc, argv, &p))
		return -1;
	return policy_send(ctx, &p, NFSEC_CMD_POLICY_DEL, "policy del");
}

struct pol_print_state {
	struct nfsec_json *json;
	const char *key;
	bool stats;
	bool opened;
};

static int policy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct pol_print_state *st = data;
	const struct nlattr *pol = nfsec_genl_attr(nlh, NFSEC_A_POLICY);

	if (!pol)
		return 0;
	if (st->json && !st->opened)
		nfsec_json_arr_open(st->json, st->key);
	st->opened = true;
	return nfsec_print_policy(pol, &(struct nfsec_print){ .f = stdout,
		.json = st->json, .stats = st->stats, .schema = !st->key });
}

int policy_dump(struct nfsec_ctx *ctx, struct nfsec_json *j, const char *key)
{
	struct pol_print_state st = { .json = j, .key = key,
				      .stats = ctx->stats };
	struct nfsec_nl *nl = nfsec_ctx_nl(ctx);
	struct nfsec_msg m;

	if (!nl)
		return -1;
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_POLICY_GET,
		       NLM_F_DUMP);
	if (nfsec_nl_dump(nl, &m, "policy show", policy_cb, &st))
		return -1;
	if (j) {
		if (!st.opened)
			nfsec_json_arr_open(j, key);
		nfsec_json_arr_close(j);
	}
	return 0;
}

static int policy_show(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_json j;

	if (nfsec_wants_help(argc, argv)) {
		usage_of(show_usage);
		return 0;
	}
	if (argc > 0)
		return nfsec_error("unknown keyword \"%s\" in \"policy show\"",
				   argv[0]);
	nfsec_json_init(&j, stdout);
	return policy_dump(ctx, ctx->json ? &j : NULL, NULL);
}

static int policy_flush(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct nfsec_pol_args p = { 0 };
	struct nfsec_nl *nl;
	struct nfsec_msg m;
	struct nlattr *nest;

	if (nfsec_wants_help(argc, argv)) {
		usage_of(flush_usage);
		return 0;
	}
	if (argc > 0) {
		if (strcmp(argv[0], "dir"))
			return nfsec_error("unknown keyword \"%s\" in \"policy flush\"",
					   argv[0]);
		if (argc < 2)
			return nfsec_error("\"dir\" needs a value in \"policy flush\"");
		if (!strcmp(argv[1], "in"))
			p.dir = NFSEC_DIR_IN;
		else if (!strcmp(argv[1], "out"))
			p.dir = NFSEC_DIR_OUT;
		else
			return nfsec_error("invalid dir \"%s\": expected in or out",
					   argv[1]);
		p.has_dir = true;
		if (argc > 2)
			return nfsec_error("unknown keyword \"%s\" in \"policy flush\"",
					   argv[2]);
	}
	nl = nfsec_ctx_nl(ctx);
	if (!nl)
		return -1;
	nfsec_msg_init(&m, nfsec_nl_family(nl), NFSEC_CMD_POLICY_FLUSH, 0);
	if (p.has_dir) {
		nest = nfsec_msg_nest_start(&m, NFSEC_A_POLICY, "NFSEC_A_POLICY");
		NFSEC_PUT(&m, u8, NFSEC_POL_A_DIR, p.dir);
		nfsec_msg_nest_end(&m, nest);
	}
	return nfsec_ctx_flush(ctx, &m, "policy flush", "policies");
}

static const struct nfsec_verb policy_cmds[] = {
	{ "add", policy_add },
	{ "del", policy_del },
	{ "show", policy_show },
	{ "list", policy_show },
	{ "flush", policy_flush },
};

int policy_main(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	return nfsec_run_verb(ctx, "policy", policy_cmds,
			      ARRAY_SIZE(policy_cmds), policy_usage, argc, argv);
}
