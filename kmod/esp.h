/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_ESP_H
#define _NFSEC_ESP_H

#include "xform.h"

extern const struct nfsec_proto_ops nfsec_esp_ops;

#endif /* _NFSEC_ESP_H */
