#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check-debug`: the whole selftest suite on a debug kernel built from
# Debian's linux-source (scripts/debug-kernel.sh: KASAN, UBSAN,
# KMEMLEAK, lockdep with RCU checking, atomic-sleep and list debugging,
# failslab), with panic_on_warn=1 and a kmemleak scan after the tests. Any
# kernel report fails the run.
#
#   set-up  Debian packages, kernel source extracts, the debug kernel
#           (cached in build/debug-kernel/ until its inputs change)
#   build   nfsec.ko against the debug kernel (W=1, warnings fail; built
#           in build/debug-mod/, kmod/ is left alone), tool, C selftests
#   VM      every selftest under TCG/KVM, test sizes reduced (NFSEC_VM_ENV
#           defaults below; a value given in the environment wins)
#
# usage: scripts/check-debug.sh [TEST...]
#   TEST: selftests to run instead of all of them, named as for
#   selftests/vm/run.sh (esp6.sh, netlink_api, fuzz_packets.sh...)
#
# Ends like `make check`: the time per phase and one line
# "N passed, N failed[, N skipped]"; the exit code is non-zero if anything
# failed. Logs are in build/check-debug/.
set -uo pipefail

cd "$(dirname "$0")/.."
top=$PWD
out=build/check-debug
rm -rf "$out"
mkdir -p "$out"
make=(make --no-print-directory)

# Under KASAN and TCG everything is several times slower than on Debian's
# kernel: smaller transfers, one algorithm of each kind for the full
# pairing matrix, fewer teardown rounds.
default_env="NFSEC_ESP_BYTES=200000 NFSEC_ESP_REPLAY=3"
default_env="$default_env NFSEC_ESP_ALGS=aes-gcm-128,chacha20-poly1305,aes-cbc-128+hmac-sha256"
default_env="$default_env NFSEC_AH_BYTES=200000 NFSEC_AH_REPLAY=3 NFSEC_ASYNC_BYTES=200000"
default_env="$default_env NFSEC_ESP6_BYTES=200000 NFSEC_ESP6_REPLAY=3 NFSEC_PMTU6_BYTES=500000"
default_env="$default_env NFSEC_TEARDOWN_ROUNDS=5 NFSEC_TEARDOWN_NETNS=2"
default_env="$default_env NFSEC_FAULTS_PACKETS=1000"
vm_env="$default_env${NFSEC_VM_ENV:+ $NFSEC_VM_ENV}"
# Lockdep and KASAN make the guest slow enough under TCG for RCU to see a
# stall where there is none; slub_debug adds red zones and poisoning to
# nfsec's own caches and marks them for failslab (faults.sh; the flag is
# read-only at run time in 6.1). The soft lockup detector reports a CPU
# that has not scheduled for twice watchdog_thresh: two minutes, as RCU.
vm_append="slub_debug=FZPUA,nfsec_sa,nfsec_policy rcupdate.rcu_cpu_stall_timeout=120"
vm_append="$vm_append watchdog_thresh=60"
vm_append="$vm_append${NFSEC_VM_APPEND:+ $NFSEC_VM_APPEND}"

# shellcheck source=tap.sh
source scripts/tap.sh

# nfsec.ko against the debug kernel, from a copy of the sources so that
# kmod/ keeps the objects of the Debian kernel build.
build_module() {
	scripts/module-copy.sh "$1" "$top/build/debug-mod" | tee "$out/module.build.log"
	return "${PIPESTATUS[0]}"
}

t0=$(now)

echo "TAP version 13"
echo "# set-up"
step "set-up: Debian packages (make deps)" "$out/deps.log" "${make[@]}" deps
step "set-up: checkpatch and kselftest runner from linux-source" "$out/ksrc.log" scripts/ksrc.sh
kernel_ok=0
step "set-up: debug kernel (tinyconfig + selftests/config + selftests/debug.config)" \
	"$out/kernel.log" scripts/debug-kernel.sh && kernel_ok=1
kdir=$(tail -n 1 "$out/kernel.log")
t1=$(now)

echo "# build"
module_ok=0
if [ $kernel_ok = 1 ]; then
	step "build: module against the debug kernel (W=1, no warnings)" "$out/module.log" \
		build_module "$kdir/obj" && module_ok=1
else
	emit fail "build: module not built, there is no debug kernel"
fi
step "build: tool userspace/nfsec" "$out/tools.log" "${make[@]}" tools
step "build: C selftests (selftests/)" "$out/selftests.log" "${make[@]}" -C selftests
t2=$(now)

echo "# VM"
if [ $module_ok = 1 ]; then
	echo "# VM log: $out/vm.log"
	echo "# NFSEC_VM_ENV: $vm_env"
	NFSEC_VM_KERNEL=$kdir/bzImage NFSEC_VM_KO=$top/build/debug-mod/kmod/nfsec.ko \
		NFSEC_VM_ENV=$vm_env NFSEC_VM_APPEND=$vm_append NFSEC_VM_KMEMLEAK=1 \
		NFSEC_VM_TIMEOUT=${NFSEC_VM_TIMEOUT:-5400} \
		NFSEC_VM_TEST_TIMEOUT=${NFSEC_VM_TEST_TIMEOUT:-3600} \
		selftests/vm/run.sh "$@" >"$out/vm.log" 2>&1
	vrc=$?
	[ -f build/vm/results.tap ] && cp build/vm/results.tap "$out/results.tap" &&
		tap "debug: " "$out/results.tap"
	if [ $vrc -ne 0 ] && ! grep -q '^not ok' "$out/results.tap" 2>/dev/null; then
		emit fail "debug: vm: run failed (exit $vrc)"
	fi
	if [ $vrc -ne 0 ]; then
		grep -E '^vm: |^# (FAIL|SKIP)' "$out/vm.log" | tail -n 30 | sed 's/^/# /'
	fi
else
	emit fail "debug: vm: selftests not run, the module did not build"
fi
t3=$(now)

echo "# time: set-up $((t1 - t0)) s, build $((t2 - t1)) s, VM $((t3 - t2)) s, total $((t3 - t0)) s"
tap_summary
