// SPDX-License-Identifier: GPL-2.0
/*
 * cryptoalg: instantiate, re-prioritise and remove AEAD algorithms of the
 * kernel's crypto API over its netlink interface (NETLINK_CRYPTO, module
 * crypto_user), so that a test can put a template such as pcrypt in front
 * of what a plain algorithm name resolves to.
 *
 *   cryptoalg add NAME                 instantiate NAME (e.g.
 *                                      "rfc4106(gcm(aes))") unless present
 *   cryptoalg add-driver DRIVER PRIO   instantiate the driver DRIVER (e.g.
 *                                      "pcrypt(rfc4106-gcm-aesni)") and set
 *                                      its priority, or only set the latter
 *                                      if it exists
 *   cryptoalg del DRIVER               unregister the template instance
 *
 * Needs CAP_NET_ADMIN. Errors: one line on stderr, exit 1.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/cryptouser.h>
#include <linux/netlink.h>

/* include/linux/crypto.h, not part of the UAPI. */
#define ALG_TYPE_AEAD	0x00000003
#define ALG_TYPE_MASK	0x0000000f

static int request(int type, const char *name, const char *driver,
		   long prio)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct crypto_user_alg *cru;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	unsigned int seq = (unsigned int)time(NULL);
	int ret, err = 0;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	cru = mnl_nlmsg_put_extra_header(nlh, sizeof(*cru));
	if (name)
		snprintf(cru->cru_name, sizeof(cru->cru_name), "%s", name);
	if (driver)
		snprintf(cru->cru_driver_name, sizeof(cru->cru_driver_name),
			 "%s", driver);
	if (type != CRYPTO_MSG_DELALG) {
		cru->cru_type = ALG_TYPE_AEAD;
		cru->cru_mask = ALG_TYPE_MASK;
	}
	if (prio >= 0)
		mnl_attr_put_u32(nlh, CRYPTOCFGA_PRIORITY_VAL, (uint32_t)prio);

	nl = mnl_socket_open(NETLINK_CRYPTO);
	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		err = -errno;
		goto out;
	}
	ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
	if (ret < 0) {
		err = -errno;
		goto out;
	}
	if (mnl_cb_run(buf, ret, seq, mnl_socket_get_portid(nl), NULL,
		       NULL) < 0)
		err = -errno;
out:
	mnl_socket_close(nl);
	return err;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: cryptoalg add NAME\n"
		"       cryptoalg add-driver DRIVER PRIORITY\n"
		"       cryptoalg del DRIVER\n");
	exit(1);
}

static int fail(const char *what, const char *arg, int err)
{
	fprintf(stderr, "cryptoalg: %s '%s': %s\n", what, arg, strerror(-err));
	return 1;
}

int main(int argc, char **argv)
{
	char *end;
	long prio;
	int err;

	if (argc == 3 && !strcmp(argv[1], "add")) {
		err = request(CRYPTO_MSG_NEWALG, argv[2], NULL, -1);
		if (err && err != -EEXIST)
			return fail("add", argv[2], err);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "add-driver")) {
		errno = 0;
		prio = strtol(argv[3], &end, 0);
		if (errno || *end || end == argv[3] || prio < 0 ||
		    prio > 0x7fffffff) {
			fprintf(stderr, "cryptoalg: bad priority '%s'\n",
				argv[3]);
			return 1;
		}
		err = request(CRYPTO_MSG_NEWALG, NULL, argv[2], prio);
		if (err == -EEXIST)
			err = request(CRYPTO_MSG_UPDATEALG, NULL, argv[2],
				      prio);
		if (err)
			return fail("add-driver", argv[2], err);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "del")) {
		err = request(CRYPTO_MSG_DELALG, NULL, argv[2], -1);
		if (err)
			return fail("del", argv[2], err);
		return 0;
	}
	usage();
	return 1;
}
