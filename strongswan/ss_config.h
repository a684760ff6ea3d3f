/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What strongSwan's headers expect of config.h, its configure's output,
 * for the headers a kernel plugin includes (library.h, daemon.h and what
 * they include), as Debian 12 built strongSwan 5.9.8 for Linux with glibc
 * and GCC. Running strongSwan's configure would take longer than the whole
 * build; none of these changes a structure's layout, they only tell the
 * headers which glibc functions exist (so that they declare no fallbacks
 * libstrongswan does not export) and which compiler built-ins to use.
 */

#ifndef NFSEC_SS_CONFIG_H_
#define NFSEC_SS_CONFIG_H_

#define CONFIG_H_INCLUDED 1

#define HAVE_STDBOOL_H 1
#define HAVE__BOOL 1
#define HAVE_ALLOCA_H 1
#define HAVE_SYS_PARAM_H 1
#define HAVE_INT128 1
#define HAVE_CLOCK_GETTIME 1
#define HAVE_CONDATTR_CLOCK_MONOTONIC 1
#define HAVE_SIGWAITINFO 1
#define HAVE_CLOSEFROM 1
#define HAVE_EXPLICIT_BZERO 1
#define HAVE_MEMRCHR 1
#define HAVE_FMEMOPEN 1

#endif /* NFSEC_SS_CONFIG_H_ */
