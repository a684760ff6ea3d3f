#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Netlink fuzzing: fuzz_netlink sends generated and mutated requests for
# every command of the nfsec family in a namespace of its own, as root and
# from unprivileged children, and checks every answer (errno, extended-ack
# message, agreement with its model of the SAs and policies) and the dumps
# against the model. The kernel log must stay clean.
#
# Knobs: NFSEC_FUZZ_NETLINK_COUNT (requests, default 20000; the full run is
# 100000), NFSEC_FUZZ_SEED (default: from the clock; printed either way).
source "$(dirname "$0")/../lib.sh"
require_root
require_cmd ip insmod

HERE=$(cd "$(dirname "$0")" && pwd)
FUZZ=$HERE/fuzz_netlink
[ -x "$FUZZ" ] || fail "$FUZZ is missing (make -C selftests)"
COUNT=${NFSEC_FUZZ_NETLINK_COUNT:-20000}
SEED=${NFSEC_FUZZ_SEED:-0}

nfsec_unload_quiet
dmesg_mark
nfsec_load
ns=""
ns_create ns

start=$(date +%s)
rc=0
ip netns exec "$ns" "$FUZZ" --seed "$SEED" --count "$COUNT" || rc=$?
log "$COUNT requests in $(($(date +%s) - start)) s"
# nfsec is loaded: a fuzzer that cannot reach it fails.
[ "$rc" -ne "$KSFT_SKIP" ] || fail "fuzz_netlink skipped although nfsec is loaded"
[ "$rc" -eq 0 ] || fail "fuzz_netlink failed (exit $rc); rerun with NFSEC_FUZZ_SEED set to the seed above"

# The module still unloads: no reference was leaked.
ns_destroy "$ns"
nfsec_unload
dmesg_check
exit "$KSFT_PASS"
