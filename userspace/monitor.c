// SPDX-License-Identifier: GPL-2.0
/* nfsec monitor: print the kernel's events, one line each. */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "netlink.h"
#include "print.h"
#include "subcommands.h"
#include "util.h"

static volatile sig_atomic_t monitor_stop;

static void on_signal(int sig)
{
	(void)sig;
	monitor_stop = 1;
}

static const char *const event_names[] = {
	[NFSEC_EV_SA_ADDED] = "sa-added",
	[NFSEC_EV_SA_DELETED] = "sa-deleted",
	[NFSEC_EV_SA_SOFT] = "sa-soft",
	[NFSEC_EV_SA_EXPIRED] = "sa-expired",
	[NFSEC_EV_SA_SEQ_EXHAUSTED] = "sa-seq-exhausted",
	[NFSEC_EV_SA_FLUSHED] = "sa-flushed",
	[NFSEC_EV_POLICY_ADDED] = "policy-added",
	[NFSEC_EV_POLICY_DELETED] = "policy-deleted",
	[NFSEC_EV_POLICY_FLUSHED] = "policy-flushed",
	[NFSEC_EV_ACQUIRE] = "acquire",
};

/* An acquire's packet: " packet src A dst B proto P [sport S dport D]". */
static void print_flow(const struct nlattr *nest, struct nfsec_print *p)
{
	char buf[NFSEC_ADDR_STRLEN];
	const struct nlattr *attr;
	struct nfsec_addr addr;
	uint16_t type, len;

	nfsec_print_open(p, "packet", '{');
	nfsec_print_str(p, NFSEC_PRINT_TEXT, NULL, "%s", " packet");
	mnl_attr_for_each_nested(attr, nest) {
		type = mnl_attr_get_type(attr);
		len = mnl_attr_get_payload_len(attr);
		memset(&addr, 0, sizeof(addr));
		switch (type) {
		case NFSEC_POL_A_SRC:
		case NFSEC_POL_A_DST:
			if (len != sizeof(uint32_t))
				break;
			addr.family = AF_INET;
			addr.v4 = mnl_attr_get_u32(attr);
			nfsec_print_str(p, NFSEC_PRINT_ANY,
					type == NFSEC_POL_A_SRC ? "src" : "dst",
					type == NFSEC_POL_A_SRC ? " src %s" : " dst %s",
					nfsec_addr_str(&addr, buf));
			break;
		case NFSEC_POL_A_SRC6:
		case NFSEC_POL_A_DST6:
			if (len != sizeof(addr.v6))
				break;
			addr.family = AF_INET6;
			memcpy(&addr.v6, mnl_attr_get_payload(attr), len);
			nfsec_print_str(p, NFSEC_PRINT_ANY,
					type == NFSEC_POL_A_SRC6 ? "src" : "dst",
					type == NFSEC_POL_A_SRC6 ? " src %s" : " dst %s",
					nfsec_addr_str(&addr, buf));
			break;
		case NFSEC_POL_A_PROTO:
			if (len == sizeof(uint8_t))
				nfsec_print_u32(p, NFSEC_PRINT_ANY, "proto",
						" proto %u", mnl_attr_get_u8(attr));
			break;
		case NFSEC_POL_A_SPORT_MIN:
		case NFSEC_POL_A_DPORT_MIN:
			if (len == sizeof(uint16_t))
				nfsec_print_u32(p, NFSEC_PRINT_ANY,
						type == NFSEC_POL_A_SPORT_MIN ? "sport" : "dport",
						type == NFSEC_POL_A_SPORT_MIN ? " sport %u" : " dport %u",
						mnl_attr_get_u16(attr));
			break;
		}
	}
	nfsec_print_close(p, '}');
}

struct monitor {
	struct nfsec_ctx *ctx;
	struct nfsec_json json;
};

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct monitor *mon = data;
	struct nfsec_json *j = mon->ctx->json ? &mon->json : NULL;
	const struct nlattr *ev, *sa, *pol, *count, *flow;
	struct nfsec_print p = { .f = stdout, .json = j, .stats = mon->ctx->stats,
				 .oneline = !j };
	const char *name = "unknown";
	uint32_t e = 0;
	int ret = 0;

	ev = nfsec_genl_attr(nlh, NFSEC_A_EVENT);
	if (ev && mnl_attr_get_payload_len(ev) == sizeof(uint32_t))
		e = mnl_attr_get_u32(ev);
	if (e < ARRAY_SIZE(event_names) && event_names[e])
		name = event_names[e];
	sa = nfsec_genl_attr(nlh, NFSEC_A_SA);
	pol = nfsec_genl_attr(nlh, NFSEC_A_POLICY);
	count = nfsec_genl_attr(nlh, NFSEC_A_COUNT);
	flow = nfsec_genl_attr(nlh, NFSEC_A_FLOW);

	/* The event is a top-level object: it carries the schema. */
	p.schema = true;
	nfsec_print_open(&p, NULL, '{');
	nfsec_print_schema(&p);
	p.schema = false;
	if (strcmp(name, "unknown")) {
		nfsec_print_str(&p, NFSEC_PRINT_ANY, "event", "%s", name);
	} else {
		nfsec_print_str(&p, NFSEC_PRINT_JSON, "event", "%s", name);
		nfsec_print_u32(&p, NFSEC_PRINT_ANY, "code", "event %u", e);
	}
	if (count && mnl_attr_get_payload_len(count) == sizeof(uint32_t))
		nfsec_print_u32(&p, NFSEC_PRINT_ANY, "count", " count %u",
				mnl_attr_get_u32(count));
	if (flow)
		print_flow(flow, &p);
	if (sa || pol)
		nfsec_print_str(&p, NFSEC_PRINT_TEXT, NULL, "%s", " ");
	p.key = "sa";
	if (sa && nfsec_print_sa(sa, &p))
		ret = -1;
	p.key = "policy";
	if (pol && nfsec_print_policy(pol, &p))
		ret = -1;
	nfsec_print_close(&p, '}');
	if (!sa && !pol)
		nfsec_print_str(&p, NFSEC_PRINT_TEXT, NULL, "%s", "\n");
	fflush(stdout);
	return ret;
}

int monitor_main(struct nfsec_ctx *ctx, int argc, char *argv[])
{
	struct monitor mon = { .ctx = ctx };
	struct sigaction sa;
	struct pollfd pfd;
	sigset_t block, orig;
	struct nfsec_nl *nl;
	int r;

	if (argc > 1) {
		if (!strcmp(argv[1], "help")) {
			printf("Usage: nfsec monitor\n"
			       "Print one line per kernel event until SIGINT or SIGTERM.\n");
			return 0;
		}
		return nfsec_error("unknown keyword \"%s\" in \"monitor\"",
				   argv[1]);
	}
	if (ctx->batch)
		return nfsec_error("\"monitor\" is not allowed in batch mode");
	nl = nfsec_ctx_nl(ctx);
	if (!nl || nfsec_nl_join_events(nl))
		return -1;
	nfsec_json_init(&mon.json, stdout);

	/* Signals are only delivered inside ppoll(): no lost wake-ups. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, &orig))
		return nfsec_error("sigprocmask: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return nfsec_error("sigaction: %s", strerror(errno));
	sigdelset(&orig, SIGINT);
	sigdelset(&orig, SIGTERM);

	pfd.fd = nfsec_nl_fd(nl);
	pfd.events = POLLIN;
	while (!monitor_stop) {
		r = ppoll(&pfd, 1, NULL, &orig);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return nfsec_error("poll: %s", strerror(errno));
		}
		r = nfsec_nl_recv_events(nl, event_cb, &mon);
		if (r < 0)
			return -1;
	}
	return 0;
}
