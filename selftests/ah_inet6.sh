#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AH interoperability over IPv6 (RFC 4302): ah.sh's test, esp.sh with
# NFSEC_IPSEC_PROTO=ah and NFSEC_AH_FAMILY=inet6, with the AH algorithms and
# AH's own IPv6 checks (hop limit, traffic class and flow label rewritten,
# hop-by-hop options mutable or not); esp.sh describes them. Knobs, with
# their IPv6 defaults: NFSEC_AH_PAIRINGS, NFSEC_AH_ALGS,
# NFSEC_AH_TUNNEL_ALGS, NFSEC_AH_SAME_ALGS, NFSEC_AH_SAME_MODES,
# NFSEC_AH_SAME_EXTRAS, NFSEC_AH_MODES, NFSEC_AH_BYTES,
# NFSEC_AH_BYTES_REST, NFSEC_AH_REPLAY, NFSEC_AH_VERBOSE.
NFSEC_IPSEC_PROTO=ah
# shellcheck disable=SC2034 # read by knob() in esp.sh
NFSEC_AH_FAMILY=inet6
# shellcheck source=esp.sh
source "$(dirname "$0")/esp.sh"
