// SPDX-License-Identifier: GPL-2.0
/* kernel-nfsec: the plugin, which registers nfsec as charon's IPsec back end. */

#include <daemon.h>

#include "kernel_nfsec_plugin.h"
#include "kernel_nfsec_ipsec.h"

typedef struct private_kernel_nfsec_plugin_t private_kernel_nfsec_plugin_t;

struct private_kernel_nfsec_plugin_t {
	kernel_nfsec_plugin_t public;
};

METHOD(plugin_t, get_name, char*,
	private_kernel_nfsec_plugin_t *this)
{
	return "kernel-nfsec";
}

METHOD(plugin_t, get_features, int,
	private_kernel_nfsec_plugin_t *this, plugin_feature_t *features[])
{
	/*
	 * charon takes the first kernel-ipsec registered: this plugin must
	 * load before kernel-netlink (a `load` priority above 1, see
	 * kernel-nfsec.conf), whose kernel-net feature then still serves
	 * addresses and routes.
	 */
	static plugin_feature_t f[] = {
		PLUGIN_CALLBACK(kernel_ipsec_register, kernel_nfsec_ipsec_create),
			PLUGIN_PROVIDE(CUSTOM, "kernel-ipsec"),
	};
	*features = f;
	return countof(f);
}

METHOD(plugin_t, destroy, void,
	private_kernel_nfsec_plugin_t *this)
{
	free(this);
}

plugin_t *kernel_nfsec_plugin_create(void)
{
	private_kernel_nfsec_plugin_t *this;

	/* Every nfsec command but the version needs it. */
	if (!lib->caps->keep(lib->caps, CAP_NET_ADMIN))
		DBG1(DBG_KNL, "kernel-nfsec: charon lacks CAP_NET_ADMIN, nfsec will refuse its requests");

	INIT(this,
		.public = {
			.plugin = {
				.get_name = _get_name,
				.get_features = _get_features,
				.destroy = _destroy,
			},
		},
	);
	return &this->public.plugin;
}
