#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tool <-> module round trip: `nfsec version` prints the tool's and the
# module's versions; with the module absent and not loadable it fails with
# one line on stderr and a non-zero exit; with the module installed under
# /lib/modules it is loaded on demand.
source "$(dirname "$0")/lib.sh"
require_root
require_tool
require_cmd insmod rmmod

nfsec_unload_quiet
dmesg_mark

nfsec_load
modver=$(cat /sys/module/nfsec/version 2>/dev/null) ||
	fail "/sys/module/nfsec/version missing (MODULE_VERSION)"
out=$("$NFSEC_TOOL" version) || fail "'nfsec version' failed with the module loaded"
log "nfsec version: $(tr '\n' ' ' <<<"$out")"
assert_match "module.*$modver" "$out" "module version in 'nfsec version'"
assert_match '(tool|nfsec).*[0-9]+\.[0-9]+' "$out" "tool version in 'nfsec version'"
nfsec_unload

# Module absent and request_module disabled: a one-line error.
saved=$(cat /proc/sys/kernel/modprobe)
defer "echo '$saved' >/proc/sys/kernel/modprobe"
echo /bin/false >/proc/sys/kernel/modprobe
rc=0
err=$("$NFSEC_TOOL" version 2>&1 >/dev/null) || rc=$?
assert_ne 0 "$rc" "exit code of 'nfsec version' without the module"
assert_eq 1 "$(wc -l <<<"$err")" "lines on stderr without the module ('$err')"
[ -n "$err" ] || fail "no error message without the module"
log "without the module: exit $rc, '$err'"
! nfsec_loaded || fail "module loaded although request_module was disabled"
echo "$saved" >/proc/sys/kernel/modprobe

# Autoload through the family alias.
out=$("$NFSEC_TOOL" version) || fail "'nfsec version' did not autoload the module"
nfsec_loaded || fail "'nfsec version' succeeded but nfsec is not loaded"
defer nfsec_unload_quiet
assert_match "module.*$modver" "$out" "module version after autoload"
nfsec_unload
log "autoload through 'nfsec version'"

dmesg_check
exit "$KSFT_PASS"
