#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP interoperability over IPv6: esp.sh with NFSEC_ESP_FAMILY=inet6, the
# same topology, pairings and checks with IPv6 addresses (transport mode:
# IPv6 in ESP over IPv6; tunnel mode: 6in6); esp.sh describes them. The
# knobs are esp.sh's (NFSEC_ESP_PAIRINGS, NFSEC_ESP_ALGS,
# NFSEC_ESP_SAME_ALGS, NFSEC_ESP_MODES, NFSEC_ESP_BYTES, ...).
NFSEC_ESP_FAMILY=inet6
# shellcheck source=esp.sh
source "$(dirname "$0")/esp.sh"
