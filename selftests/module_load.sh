#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nfsec.ko loads and unloads cleanly, repeatedly, also while network
# namespaces that were created before and after the load still exist
# (per-namespace state is set up and torn down on both paths).
#
#   init netns      ns1 (before insmod)      ns2 (after insmod)
#   insmod -> /sys/module/nfsec -> rmmod -> gone, three times
source "$(dirname "$0")/lib.sh"
require_root
require_cmd insmod rmmod ip

nfsec_unload_quiet
dmesg_mark

for round in 1 2 3; do
	insmod "$NFSEC_KO" || fail "round $round: insmod failed"
	nfsec_loaded || fail "round $round: /sys/module/nfsec missing after insmod"
	state=$(cat /sys/module/nfsec/initstate)
	assert_eq live "$state" "round $round: module state"
	assert_match '^nfsec ' "$(cat /proc/modules)" "round $round: /proc/modules"
	rmmod nfsec || fail "round $round: rmmod failed"
	! nfsec_loaded || fail "round $round: /sys/module/nfsec left after rmmod"
	assert_no_match '^nfsec ' "$(cat /proc/modules)" "round $round: /proc/modules"
done
log "three load/unload rounds"

# Namespaces alive across load and unload.
ns_create ns1
nfsec_load
ns_create ns2
nfsec_unload
ns_destroy "$ns1"
ns_destroy "$ns2"
log "load/unload with namespaces alive"

# A namespace created and destroyed while the module is loaded.
nfsec_load
ns_create ns3
ns_destroy "$ns3"
nfsec_unload
log "namespace lifetime inside one load"

dmesg_check
exit "$KSFT_PASS"
