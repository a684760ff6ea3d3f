/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _NFSEC_VERSION_H
#define _NFSEC_VERSION_H

#define NFSEC_VERSION "0.1.0"

#endif /* _NFSEC_VERSION_H */
