/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_AH_H
#define _NFSEC_AH_H

#include "xform.h"

extern const struct nfsec_proto_ops nfsec_ah_ops;

#endif /* _NFSEC_AH_H */
