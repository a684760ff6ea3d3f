#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: every test of the project in one run, as one TAP stream.
#
#   set-up  Debian packages, kernel source extracts, the test kernel
#   build   module (W=1, warnings fail), tool, checkpatch, sparse,
#           host unit tests of the tool
#   VM      the selftests in QEMU (selftests/vm/run.sh)
#   captures  tshark on the host reads the captures the VM left
#           (scripts/tshark.sh)
#   others  beside the VM phase, at a lower priority (the guest leaves
#           much of the host's CPU idle): the other kernels, each with
#           its module built and a subset of the selftests in a VM of
#           its own, then arm64; their results follow the captures'
#
# A failing phase does not stop the later ones. The run ends with the time
# per phase and one line "N passed, N failed[, N skipped]"; the exit code is
# non-zero if anything failed. A skip counts as a failure, except the ones
# skip_allowed in scripts/tap.sh knows, printed with their reason. Logs
# are in build/check/.
#
# KVER chooses the kernel (scripts/kver.sh: a release or a series such as
# 6.12); the module is built for it with W=1, warnings as errors.
#
# arm64 (scripts/check-arm64.sh): a subset after the other x86 kernels
# (NFSEC_CHECK_ARM64=0 leaves it out); with ARCH=arm64 (make check
# ARCH=arm64), the whole suite on arm64 instead of x86.
set -uo pipefail

cd "$(dirname "$0")/.."
top=$PWD
out=build/check
rm -rf "$out"
mkdir -p "$out"
make=(make --no-print-directory)
export NFSEC_WERROR=1

# shellcheck source=tap.sh
source scripts/tap.sh
# shellcheck source=check-arm64.sh
source scripts/check-arm64.sh
if [ "${ARCH:-}" = arm64 ]; then
	unset ARCH
	t0=$(now)
	echo "TAP version 13"
	step "set-up: Debian packages (make deps)" "$out/deps.log" "${make[@]}" deps
	step "set-up: kselftest runner from linux-source" "$out/ksrc.log" scripts/ksrc.sh
	arm64_check "" ""
	echo "# time: total $(($(now) - t0)) s"
	tap_summary
	exit
fi

# NFSEC_CHECK_OTHERS: the kernels (releases or series) that get the subset
# below after the whole suite ran on KVER; by default 6.12 when KVER is
# not given, none when it is. NFSEC_CHECK_SUBSET: the tests of the subset
# (esp_async.sh for the crypto completion callbacks, whose signature
# changed in 6.3; rekey.sh for request ids and the acquire event sent
# from the packet path); NFSEC_CHECK_SUBSET_ENV: what they are given (one ESP and
# one AH pairing with XFRM, one algorithm each, both modes; esp6.sh in
# all four of its modes, IPv6 transport and 6in6 among them, as the
# subset has no esp_inet6.sh), before NFSEC_VM_ENV.
# NFSEC_CHECK_NEWEST=boot: the newest kernel source Debian has
# (scripts/newest.sh) built into a kernel (the first time, minutes of
# every core; then cached in build/newest/), nfsec.ko built against it and
# the subset run on it booted; by default when KVER is not given.
# NFSEC_CHECK_NEWEST=1: nfsec.ko only compiled against that source.
if [ -n "${KVER:-}" ]; then
	others=${NFSEC_CHECK_OTHERS:-}
	newest=${NFSEC_CHECK_NEWEST:-0}
else
	others=${NFSEC_CHECK_OTHERS-6.12}
	newest=${NFSEC_CHECK_NEWEST:-boot}
fi
subset=${NFSEC_CHECK_SUBSET:-module_load.sh netlink_api esp.sh ah.sh esp6.sh esp_async.sh rekey.sh demo.sh}
subset_env=${NFSEC_CHECK_SUBSET_ENV:-NFSEC_ESP_PAIRINGS=nfsec-xfrm NFSEC_ESP_ALGS=aes-gcm-128
	NFSEC_AH_PAIRINGS=nfsec-xfrm NFSEC_AH_ALGS=hmac-sha256
	NFSEC_ESP6_ALGS=aes-gcm-128,ah-hmac-sha256 NFSEC_ESP6_ATTACK_MODES=none
	NFSEC_ESP6_MODES=transport,tunnel6,tunnel4in6,tunnel6in4
	NFSEC_ESP6_AH_ATTACK_MODES=none NFSEC_ESP6_ESN_ALGS=none
	NFSEC_ASYNC_PAIRINGS=nfsec-xfrm NFSEC_ASYNC_ALGS=aes-gcm-128}

# vm_subset PREFIX LOG: the subset in the VM (run.sh's environment given),
# its results re-emitted with PREFIX. Each kernel's run has its own
# folder (NFSEC_VM_DIR), as the 6.1 suite may be running beside it.
vm_subset() {
	local prefix=$1 log=$2 dir=$3 rc
	echo "# ${prefix}VM log: $log"
	# shellcheck disable=SC2086 # the test names are words
	NFSEC_VM_DIR=$dir NFSEC_VM_ENV="$subset_env ${NFSEC_VM_ENV:-}" \
		selftests/vm/run.sh $subset >"$log" 2>&1
	rc=$?
	[ -f "$dir/results.tap" ] && tap "$prefix" "$dir/results.tap"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$dir/results.tap" 2>/dev/null; then
		emit fail "${prefix}vm: run failed (exit $rc)"
	fi
	if [ $rc -ne 0 ]; then
		grep -E '^vm: |^# (FAIL|SKIP)' "$log" | tail -n 30 | sed 's/^/# /'
	fi
}

# other_kernel K: kernel K set up, the module built for it, the subset run.
other_kernel() {
	local k kdir
	k=$(KVER=$1 scripts/kver.sh 2>"$out/kernel-$1.log") ||
		{ emit fail "$1: no such Debian kernel"; return; }
	[ "$k" != "$KVER" ] || { echo "# $1: $k had the whole suite"; return; }
	step "$k: set-up: test kernel (Debian linux-image, headers)" "$out/kernel-$k.log" \
		env KVER="$k" selftests/vm/run.sh --prepare || return
	kdir=$(KVER=$k scripts/kver.sh --kdir 2>>"$out/kernel-$k.log") || kdir=/lib/modules/$k/build
	step "$k: build: module kmod/nfsec.ko (W=1, no warnings)" "$out/module-$k.log" \
		scripts/module-copy.sh "$kdir" "$top/build/mod-$k" || return
	KVER=$k NFSEC_VM_KO=$top/build/mod-$k/kmod/nfsec.ko \
		vm_subset "$k: " "$out/vm-$k.log" "$top/build/vm-$k"
}

# newest_kernel: the newest kernel built and booted, the subset run on it.
newest_kernel() {
	local kdir=build/newest/kernel
	step "newest: set-up: kernel built from unstable's newest linux-source" \
		"$out/newest-kernel.log" scripts/newest.sh --kernel || return
	step "newest: build: module kmod/nfsec.ko (W=1, no warnings)" \
		"$out/module-newest.log" scripts/module-copy.sh "$top/build/newest/obj" "$top/build/mod-newest" || return
	NFSEC_VM_KO=$top/build/mod-newest/kmod/nfsec.ko NFSEC_VM_KERNEL=$kdir/bzImage \
		vm_subset "newest $(cat "$kdir/kernel.release"): " "$out/vm-newest.log" "$top/build/vm-newest"
}

# others: the other kernels, the newest and arm64, in the order below; run
# beside the 6.1 suite (at a lower priority), their TAP lines in
# $out/others.tap for the main stream to re-emit. arm64 builds in the tree
# (x86 binaries set aside and put back): it waits for the 6.1 VM to have
# booted, its initramfs made from them.
others() {
	local t0 k
	t0=$(now)
	echo "TAP version 13"
	echo "# other kernels: ${others:-none}"
	for k in $others; do
		other_kernel "$k"
	done
	if [ "$newest" = boot ]; then
		newest_kernel
	elif [ "$newest" = 1 ]; then
		step "newest: build: module against unstable's newest linux-source (W=1, compile only)" \
			"$out/newest.log" scripts/newest.sh &&
			echo "# newest: $(tail -n 1 "$out/newest.log")"
	fi
	echo "# time: other kernels $(($(now) - t0)) s"
	if [ "${NFSEC_CHECK_ARM64:-1}" != 0 ]; then
		while [ ! -s build/vm/console.log ] && [ ! -e "$out/vm.done" ]; do
			sleep 5
		done
		t0=$(now)
		arm64_check "$arm64_subset" "$arm64_env" "$top/build/vm-arm64"
		echo "# time: arm64 $(($(now) - t0)) s"
	fi
	echo "1..$num"
}
t0=$(now)

echo "TAP version 13"
echo "# set-up"
step "set-up: Debian packages (make deps)" "$out/deps.log" "${make[@]}" deps
# The kernel, chosen once (a series becomes a release) for every step.
KVER=$(scripts/kver.sh 2>>"$out/deps.log") || KVER=
export KVER
step "set-up: checkpatch and kselftest runner from linux-source" "$out/ksrc.log" scripts/ksrc.sh
step "set-up: test kernel $KVER (Debian linux-image, headers)" "$out/kernel.log" \
	selftests/vm/run.sh --prepare
t1=$(now)

echo "# build"
module_ok=0
step "build: module kmod/nfsec.ko (W=1, no warnings)" "$out/module.log" "${make[@]}" module &&
	module_ok=1
step "build: tool userspace/nfsec" "$out/tools.log" "${make[@]}" tools
step "build: C selftests (selftests/)" "$out/selftests.log" "${make[@]}" -C selftests
step "build: charon plugin kernel-nfsec (make strongswan)" "$out/strongswan.log" \
	"${make[@]}" strongswan

scripts/style.sh >"$out/style.tap" 2>"$out/style.log"
src=$?
tap "" "$out/style.tap"
if [ $tap_count -eq 0 ] || { [ $src -ne 0 ] && ! grep -q '^not ok' "$out/style.tap"; }; then
	emit fail "style: checks did not run (exit $src)"
	tail -n 15 "$out/style.log" | sed 's/^/# /'
fi

"${make[@]}" -C userspace test >"$out/unit.tap" 2>&1
urc=$?
tap "unit: " "$out/unit.tap"
if [ $tap_count -eq 0 ] || { [ $urc -ne 0 ] && ! grep -q '^not ok' "$out/unit.tap"; }; then
	emit fail "unit: host unit tests did not run or failed to finish (exit $urc)"
	tail -n 15 "$out/unit.tap" | sed 's/^/# /'
fi
t2=$(now)

# The other kernels and arm64 beside the 6.1 VM (see others).
(
	renice -n 10 "$BASHPID" >/dev/null
	# shellcheck disable=SC2034 # tap.sh's counters, this run's own
	num=0 passed=0 failed=0 skipped=0
	others
) >"$out/others.tap" 2>"$out/others.log" &
others_pid=$!

echo "# VM"
if [ $module_ok = 1 ]; then
	echo "# VM log: $out/vm.log"
	selftests/vm/run.sh "$@" >"$out/vm.log" 2>&1
	vrc=$?
	if [ -f build/vm/results.tap ]; then
		tap "" build/vm/results.tap
	fi
	if [ $vrc -ne 0 ] && ! grep -q '^not ok' build/vm/results.tap 2>/dev/null; then
		emit fail "vm: run failed (exit $vrc)"
	fi
	if [ $vrc -ne 0 ]; then
		grep -E '^vm: |^# (FAIL|SKIP)' "$out/vm.log" | tail -n 30 | sed 's/^/# /'
	fi
else
	emit fail "vm: selftests not run, the module did not build"
fi
touch "$out/vm.done"
t3=$(now)

# The captures the VM left in build/vm/export/, read by tshark here.
echo "# captures"
if [ $module_ok = 1 ]; then
	scripts/tshark.sh >"$out/tshark.tap" 2>"$out/tshark.log"
	trc=$?
	tap "" "$out/tshark.tap"
	if [ $tap_count -eq 0 ] || { [ $trc -ne 0 ] && ! grep -q '^not ok' "$out/tshark.tap"; }; then
		emit fail "tshark: checks did not run (exit $trc)"
		tail -n 15 "$out/tshark.log" | sed 's/^/# /'
	fi
fi
t4=$(now)

# The other kernels and arm64, which ran beside the 6.1 VM.
echo "# other kernels and arm64 (log: $out/others.log)"
wait "$others_pid"
orc=$?
grep -E '^# (time|other kernels|.*VM log)' "$out/others.tap"
tap "" "$out/others.tap"
if [ $orc -ne 0 ] || ! grep -q '^1\.\.' "$out/others.tap"; then
	emit fail "other kernels: the run beside the 6.1 VM did not finish (exit $orc)"
	tail -n 15 "$out/others.log" | sed 's/^/# /'
fi
t5=$(now)

echo "# time: set-up $((t1 - t0)) s, build $((t2 - t1)) s, VM $((t3 - t2)) s," \
	"captures $((t4 - t3)) s, then waiting for the other kernels $((t5 - t4)) s," \
	"total $((t5 - t0)) s"
tap_summary
