/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NFSEC_NETLINK_H
#define NFSEC_NETLINK_H

#include <stdint.h>

#include <libmnl/libmnl.h>

#include "msg.h"

struct nfsec_nl;

/* Called for every reply message; return 0 to go on, -1 to fail. */
typedef int (*nfsec_nl_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Open a generic netlink socket and resolve the "nfsec" family. On failure
 * one error line has been printed (for a missing family: the module is not
 * loaded) and -1 is returned.
 */
int nfsec_nl_open(struct nfsec_nl **nlp);
/* The same for another family (the tests use "nlctrl"). */
int nfsec_nl_open_family(struct nfsec_nl **nlp, const char *name);
/*
 * A connection that sends nothing (--dry-run): requests succeed at once
 * without a reply, dumps are empty.
 */
int nfsec_nl_open_dry(struct nfsec_nl **nlp);
void nfsec_nl_close(struct nfsec_nl *nl);
uint16_t nfsec_nl_family(const struct nfsec_nl *nl);

/*
 * Requests are pipelined: nfsec_nl_queue() appends one (NLM_F_ACK is added)
 * and sends the window once it holds @window requests; nfsec_nl_flush()
 * sends what is left and waits for every ACK, matched by sequence number.
 * Replies other than ACKs go to the request's @cb. The first failed request
 * is reported, with the kernel's extended ACK and the name of the attribute
 * it pointed at, attributed to the batch line current when it was queued.
 * Both return 0 or -1.
 */
void nfsec_nl_set_window(struct nfsec_nl *nl, unsigned int window);
int nfsec_nl_queue(struct nfsec_nl *nl, const struct nfsec_msg *m,
		   const char *what, nfsec_nl_cb cb, void *data);
int nfsec_nl_flush(struct nfsec_nl *nl);
/* Called for every request once its answer is in: its line and errno. */
typedef void (*nfsec_nl_done_fn)(unsigned int line, int err, void *data);
void nfsec_nl_set_done(struct nfsec_nl *nl, nfsec_nl_done_fn fn, void *data);
/* queue + flush */
int nfsec_nl_do(struct nfsec_nl *nl, const struct nfsec_msg *m,
		const char *what, nfsec_nl_cb cb, void *data);

/*
 * nfsec_nl_do() without the error message when the request fails with
 * @silent_errno: then -@silent_errno is returned (else 0 or -1).
 */
int nfsec_nl_do_quiet(struct nfsec_nl *nl, const struct nfsec_msg *m,
		      const char *what, nfsec_nl_cb cb, void *data,
		      int silent_errno);

/*
 * Dump: the whole answer is collected first and retried if the kernel
 * marks it NLM_F_DUMP_INTR; then @cb sees every message in order.
 */
int nfsec_nl_dump(struct nfsec_nl *nl, struct nfsec_msg *m, const char *what,
		  nfsec_nl_cb cb, void *data);

/* Events: join the "events" group, then receive; 1 means interrupted. */
int nfsec_nl_join_events(struct nfsec_nl *nl);
int nfsec_nl_fd(const struct nfsec_nl *nl);
int nfsec_nl_recv_events(struct nfsec_nl *nl, nfsec_nl_cb cb, void *data);

#endif
