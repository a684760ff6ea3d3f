#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AH interoperability (RFC 4302): the topology, pairings and checks of
# esp.sh, with the AH algorithms and the checks that are AH's own (what
# the ICV covers); esp.sh describes them. Knobs: NFSEC_AH_PAIRINGS,
# NFSEC_AH_ALGS (hmac-sha256 hmac-sha1 aes-gmac-128), NFSEC_AH_MODES, NFSEC_AH_BYTES,
# NFSEC_AH_REPLAY, NFSEC_AH_VERBOSE.
NFSEC_IPSEC_PROTO=ah
# shellcheck source=esp.sh
source "$(dirname "$0")/esp.sh"
