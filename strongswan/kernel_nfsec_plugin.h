/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kernel-nfsec: a charon plugin that gives nfsec the SAs and policies
 * charon negotiates (kernel_ipsec_t); addresses and routes stay with
 * another plugin, kernel-netlink (kernel_net_t).
 */

#ifndef KERNEL_NFSEC_PLUGIN_H_
#define KERNEL_NFSEC_PLUGIN_H_

#include <library.h>
#include <plugins/plugin.h>

typedef struct kernel_nfsec_plugin_t kernel_nfsec_plugin_t;

struct kernel_nfsec_plugin_t {
	plugin_t plugin;
};

/* The plugin loader finds the plugin by this name. */
plugin_t *kernel_nfsec_plugin_create(void);

#endif /* KERNEL_NFSEC_PLUGIN_H_ */
