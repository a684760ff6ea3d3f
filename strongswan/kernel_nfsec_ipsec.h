/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel-nfsec: charon's kernel_ipsec_t over nfsec's generic netlink API.
 */

#ifndef KERNEL_NFSEC_IPSEC_H_
#define KERNEL_NFSEC_IPSEC_H_

#include <library.h>
#include <kernel/kernel_ipsec.h>

typedef struct kernel_nfsec_ipsec_t kernel_nfsec_ipsec_t;

struct kernel_nfsec_ipsec_t {
	/* The interface charon's kernel_interface_t calls. */
	kernel_ipsec_t interface;
};

/* A kernel_ipsec_constructor_t: NULL only if no netlink socket opens. */
kernel_nfsec_ipsec_t *kernel_nfsec_ipsec_create(void);

#endif /* KERNEL_NFSEC_IPSEC_H_ */
