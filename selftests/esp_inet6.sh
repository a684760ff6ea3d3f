#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP interoperability over IPv6: esp.sh with NFSEC_ESP_FAMILY=inet6, the
# same topology, pairings and checks with IPv6 addresses (transport mode:
# IPv6 in ESP over IPv6; tunnel mode: 6in6); esp.sh describes them. The
# knobs are esp.sh's, with their IPv6 defaults (NFSEC_ESP_PAIRINGS,
# NFSEC_ESP_ALGS, NFSEC_ESP_TUNNEL_ALGS, NFSEC_ESP_SAME_ALGS,
# NFSEC_ESP_SAME_MODES, NFSEC_ESP_SAME_EXTRAS, NFSEC_ESP_MODES,
# NFSEC_ESP_BYTES, NFSEC_ESP_BYTES_REST, ...): every algorithm in both
# modes against XFRM, both ways; the whole matrix, every algorithm in
# both modes for every pairing with ESN, exhaustion and lifetimes:
#   NFSEC_VM_ENV="NFSEC_ESP_SAME_ALGS=aes-gcm-128,aes-gcm-256,chacha20-poly1305,aes-cbc-128+hmac-sha256,null+hmac-sha256
#   NFSEC_ESP_SAME_EXTRAS=1 NFSEC_ESP_BYTES_REST=10000000" selftests/vm/run.sh esp_inet6.sh
# shellcheck disable=SC2034 # read by knob() in esp.sh
NFSEC_ESP_FAMILY=inet6
# shellcheck source=esp.sh
source "$(dirname "$0")/esp.sh"
