/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the fuzzers (fuzz_netlink.c, fuzz_packets.c): a small
 * deterministic PRNG, the common options, and a generic netlink socket for
 * the nfsec family that collects the kernel's answers with their extended
 * acknowledgements.
 */

#ifndef NFSEC_FUZZ_H
#define NFSEC_FUZZ_H

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>

#include "../genl.h"

#define FUZZ_BUFSZ (1 << 16)

/* One failed check: counted in the fuzzer's own "failures", printed. */
#define FAIL(...) do {							\
	failures++;							\
	printf("FAIL: " __VA_ARGS__);					\
	printf("\n");							\
	fflush(stdout);							\
} while (0)

/* splitmix64: every run is reproduced by its seed. */
struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(((rng_next(r) >> 32) * n) >> 32) : 0;
}

/* True with probability pct percent. */
static inline bool rng_pct(struct rng *r, unsigned int pct)
{
	return rng_below(r, 100) < pct;
}

static inline void rng_bytes(struct rng *r, void *buf, size_t len)
{
	uint8_t *p = buf;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			v = rng_next(r);
		p[i] = v;
		v >>= 8;
	}
}

/* --seed N --count N [more]: a seed of 0 or none is taken from the clock. */
struct fuzz_opts {
	uint64_t seed;
	unsigned long count;
};

static inline int fuzz_opt(struct fuzz_opts *o, int argc, char **argv,
			   int *i)
{
	if (*i + 1 >= argc)
		return 0;
	if (!strcmp(argv[*i], "--seed")) {
		o->seed = strtoull(argv[++*i], NULL, 0);
		return 1;
	}
	if (!strcmp(argv[*i], "--count")) {
		o->count = strtoul(argv[++*i], NULL, 0);
		return 1;
	}
	return 0;
}

static inline void fuzz_seed(struct fuzz_opts *o, const char *prog)
{
	if (!o->seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		o->seed = (uint64_t)ts.tv_sec * 1000000007ULL + ts.tv_nsec;
	}
	/* First, so that a crash still leaves the seed behind. */
	printf("%s: seed %llu count %lu\n", prog, (unsigned long long)o->seed,
	       o->count);
	fflush(stdout);
}

struct nl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t seq;
	char *buf;		/* the request being built */
	char *rbuf;		/* answers */
};

/* What the kernel answered to one request. */
struct answer {
	bool answered;		/* an ACK, an error or the end of a dump */
	int err;		/* 0 or a negative errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG, "" if none */
	unsigned int replies;	/* messages of the family before the end */
	bool intr;		/* NLM_F_DUMP_INTR seen */
};

/* Opens a socket in the current network namespace; 0 or -1. */
static inline int nl_open(struct nl *nl)
{
	struct nfsec_genl_ids ids;
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->buf = calloc(1, FUZZ_BUFSZ);
	nl->rbuf = calloc(1, FUZZ_BUFSZ);
	if (!nl->buf || !nl->rbuf)
		return -1;
	nl->seq = 1;
	nl->sock = nfsec_genl_open(nl->rbuf, FUZZ_BUFSZ, ++nl->seq, &ids);
	if (!nl->sock)
		return -1;
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->family = ids.family;
	return 0;
}

static inline void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl->rbuf);
	memset(nl, 0, sizeof(*nl));
}

static inline struct nlmsghdr *nl_req(struct nl *nl, uint8_t cmd,
				      uint16_t flags)
{
	return nfsec_genl_req(nl->buf, nl->family, ++nl->seq, cmd,
			      NFSEC_GENL_VERSION,
			      NLM_F_REQUEST | NLM_F_ACK | flags);
}

static int fuzz_ext_ack_cb(const struct nlattr *attr, void *data)
{
	struct answer *a = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    !mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
		snprintf(a->msg, sizeof(a->msg), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* Called for each message of the family in an answer. */
typedef void (*nl_reply_fn)(const struct nlmsghdr *nlh, void *arg);

/*
 * Sends len bytes of the request in nl->buf and reads until its ACK, its
 * error or the end of its dump. Returns -1 (errno set) if the socket fails.
 */
static inline int nl_talk_len(struct nl *nl, size_t len, struct answer *a,
			      nl_reply_fn fn, void *arg)
{
	uint32_t seq = ((struct nlmsghdr *)nl->buf)->nlmsg_seq;
	int n;

	memset(a, 0, sizeof(*a));
	if (mnl_socket_sendto(nl->sock, nl->buf, len) < 0)
		return -1;
	for (;;) {
		struct nlmsghdr *r;

		n = mnl_socket_recvfrom(nl->sock, nl->rbuf, FUZZ_BUFSZ);
		if (n < 0)
			return -1;
		for (r = (struct nlmsghdr *)nl->rbuf; mnl_nlmsg_ok(r, n);
		     r = mnl_nlmsg_next(r, &n)) {
			if (r->nlmsg_seq != seq)
				continue;
			if (r->nlmsg_flags & NLM_F_DUMP_INTR)
				a->intr = true;
			if (r->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = mnl_nlmsg_get_payload(r);
				size_t off = sizeof(*e);

				a->answered = true;
				a->err = e->error;
				if (!(r->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len -
					       sizeof(struct nlmsghdr);
				if (r->nlmsg_flags & NLM_F_ACK_TLVS)
					mnl_attr_parse(r, off, fuzz_ext_ack_cb,
						       a);
				return 0;
			}
			if (r->nlmsg_type == NLMSG_DONE) {
				a->answered = true;
				a->err = *(int *)mnl_nlmsg_get_payload(r);
				if (r->nlmsg_flags & NLM_F_ACK_TLVS)
					mnl_attr_parse(r, sizeof(int),
						       fuzz_ext_ack_cb, a);
				return 0;
			}
			if (r->nlmsg_type == nl->family) {
				a->replies++;
				if (fn)
					fn(r, arg);
			}
		}
	}
}

static inline int nl_talk(struct nl *nl, struct answer *a, nl_reply_fn fn,
			  void *arg)
{
	return nl_talk_len(nl, ((struct nlmsghdr *)nl->buf)->nlmsg_len, a, fn,
			   arg);
}

/* The attribute of type type in a reply of the family, or NULL. */
static inline const struct nlattr *nl_attr(const struct nlmsghdr *nlh,
					   uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

/* The nested attribute of type type in nest, or NULL. */
static inline const struct nlattr *nl_nested(const struct nlattr *nest,
					     uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

#endif /* NFSEC_FUZZ_H */
