#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# rmmod after use leaves nothing behind: no /sys/module/nfsec, no family in
# `genl ctrl list`, no nfsec line in /proc/modules, no kernel splat, and the
# module can be loaded again.
source "$(dirname "$0")/lib.sh"
require_root
require_cmd genl ip insmod rmmod

nfsec_unload_quiet
dmesg_mark

nfsec_load
ns_create ns1
ns_create ns2
veth_pair "$ns1" veth1 "$ns2" veth2
addr_add "$ns1" veth1 192.0.2.1/24
addr_add "$ns2" veth2 192.0.2.2/24
genl ctrl get name nfsec >/dev/null || fail "family missing while loaded"
ip netns exec "$ns1" genl ctrl get name nfsec >/dev/null || fail "family missing in $ns1"
if [ -n "$NFSEC_TOOL" ] && [ -x "$NFSEC_TOOL" ]; then
	ip netns exec "$ns1" "$NFSEC_TOOL" version >/dev/null || fail "'nfsec version' failed in $ns1"
fi
ip netns exec "$ns1" ping -c 1 -W 2 192.0.2.2 >/dev/null || fail "ping over veth failed with nfsec loaded"

nfsec_unload
assert_no_match '^Name: nfsec[[:space:]]*$' "$(genl ctrl list)" "genl ctrl list after rmmod"
assert_no_match '^nfsec ' "$(cat /proc/modules)" "/proc/modules after rmmod"
[ ! -e /sys/module/nfsec ] || fail "/sys/module/nfsec left after rmmod"
ip netns exec "$ns1" ping -c 1 -W 2 192.0.2.2 >/dev/null || fail "ping over veth failed after rmmod"
ns_destroy "$ns1"
ns_destroy "$ns2"

nfsec_load
nfsec_unload
log "nothing left behind"

dmesg_check
exit "$KSFT_PASS"
