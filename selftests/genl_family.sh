#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The generic netlink family "nfsec" is registered with the version and the
# multicast group of uapi/nfsec.h, is visible from every network namespace,
# disappears with the module, and is loaded on demand through its module
# alias (nfsec.ko is installed under /lib/modules in the test VM).
source "$(dirname "$0")/lib.sh"
require_root
require_cmd genl ip insmod rmmod modprobe

uapi=$(dirname "$0")/nfsec.h
api_version=$(sed -n 's/^#define NFSEC_GENL_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$uapi")
mcgrp=$(sed -n 's/^#define NFSEC_MCGRP_EVENTS[[:space:]]*"\(.*\)".*/\1/p' "$uapi")
[ -n "$api_version" ] && [ -n "$mcgrp" ] || fail "cannot read the API version from $uapi"

nfsec_unload_quiet
dmesg_mark

# check_family OUTPUT WHERE
check_family() {
	assert_match '^Name: nfsec[[:space:]]*$' "$1" "$2: family name"
	assert_match "Version: 0x0*$(printf '%x' "$api_version")([^0-9a-f]|$)" "$1" "$2: family version"
	assert_match "name: $mcgrp[[:space:]]*\$" "$1" "$2: multicast group"
}

nfsec_load
out=$(genl ctrl get name nfsec) || fail "genl ctrl get name nfsec failed with the module loaded"
check_family "$out" "init netns"
assert_match '^Name: nfsec[[:space:]]*$' "$(genl ctrl list)" "genl ctrl list"
log "family visible in the initial namespace"

ns_create ns
out=$(ip netns exec "$ns" genl ctrl get name nfsec) ||
	fail "family not visible in a new namespace (netnsok?)"
check_family "$out" "new netns"
log "family visible in a new namespace"

nfsec_unload
assert_no_match '^Name: nfsec[[:space:]]*$' "$(genl ctrl list)" "genl ctrl list after rmmod"

# With request_module disabled the family cannot appear.
saved=$(cat /proc/sys/kernel/modprobe)
defer "echo '$saved' >/proc/sys/kernel/modprobe"
echo /bin/false >/proc/sys/kernel/modprobe
assert_fails genl ctrl get name nfsec
! nfsec_loaded || fail "module loaded although request_module was disabled"
echo "$saved" >/proc/sys/kernel/modprobe
log "family gone after rmmod"

# Autoload: asking for the family loads nfsec.ko through its alias.
modinfo nfsec >/dev/null 2>&1 || fail "nfsec.ko is not installed under /lib/modules/$(uname -r)"
assert_match 'alias:[[:space:]]+net-pf-16-proto-16-family-nfsec' "$(modinfo nfsec)" "module alias"
out=$(genl ctrl get name nfsec) || fail "family not autoloaded on request"
nfsec_loaded || fail "genl ctrl get did not load nfsec"
defer nfsec_unload_quiet
check_family "$out" "autoloaded"
nfsec_unload
log "family autoloaded through its alias"

dmesg_check
exit "$KSFT_PASS"
