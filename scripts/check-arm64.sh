# SPDX-License-Identifier: GPL-2.0
#
# The arm64 part of `make check`, sourced by scripts/check.sh after
# tap.sh: Debian's arm64 kernel, headers and binaries (scripts/arm64.sh),
# the board of dts/ compiled, the module (W=1, warnings fail; then sparse
# over it), the tool and the C selftests cross-compiled, then selftests in
# qemu-system-aarch64 (TCG) and tshark on their captures.
#
# arm64_check TESTS ENV [DIR]: TESTS (all of them when empty) given ENV
# (as NFSEC_VM_ENV, before the caller's NFSEC_VM_ENV), the VM's files in
# DIR (NFSEC_VM_DIR; build/vm by default). The x86 module, tool
# and selftest programs are kept aside and put back afterwards, so that
# the tree is left built for x86 as before.
#
# NFSEC_CHECK_ARM64: 1 (default) runs the subset below after the x86
# suite; 0 leaves it out. NFSEC_CHECK_ARM64_SUBSET, NFSEC_CHECK_ARM64_ENV:
# its tests and what they are given: module load and unload, the netlink
# API, one ESP and one AH pairing with XFRM in both modes, the two fuzzers
# with short counts.
arm64_subset=${NFSEC_CHECK_ARM64_SUBSET:-module_load.sh netlink_api esp.sh ah.sh esp6.sh fuzz_netlink.sh fuzz_packets.sh}
arm64_env=${NFSEC_CHECK_ARM64_ENV:-NFSEC_ESP_PAIRINGS=nfsec-xfrm NFSEC_ESP_ALGS=aes-gcm-128
	NFSEC_AH_PAIRINGS=nfsec-xfrm NFSEC_AH_ALGS=hmac-sha256
	NFSEC_ESP6_ALGS=aes-gcm-128,ah-hmac-sha256 NFSEC_ESP6_MODES=transport,tunnel4in6
	NFSEC_ESP6_ATTACK_MODES=none NFSEC_ESP6_AH_ATTACK_MODES=none NFSEC_ESP6_ESN_ALGS=none
	NFSEC_FUZZ_NETLINK_COUNT=10000 NFSEC_FUZZ_PACKETS_COUNT=5000}

arm64_files="kmod/nfsec.ko userspace/nfsec selftests/netlink_api selftests/pktinject
	selftests/cryptoalg selftests/fragsend selftests/fuzz/fuzz_netlink
	selftests/fuzz/fuzz_packets"

arm64_check() {
	local tests=$1 env=$2 dir=${3:-build/vm} log=$out/vm-arm64.log saved=$out/x86 f rc
	local make=(make --no-print-directory ARCH=arm64)
	mkdir -p "$saved"
	for f in $arm64_files; do
		[ -f "$f" ] && cp -p "$f" "$saved/$(basename "$f")"
	done
	echo "# arm64"
	if step "arm64: set-up: Debian arm64 kernel, headers and binaries" "$out/arm64-kernel.log" \
		env ARCH=arm64 selftests/vm/run.sh --prepare &&
		step "arm64: dts: board compiled (dtc, no warnings)" "$out/arm64-dts.log" \
			"${make[@]}" dts &&
		step "arm64: build: module kmod/nfsec.ko (cross, W=1, no warnings)" \
			"$out/arm64-module.log" "${make[@]}" module &&
		step "arm64: build: sparse (C=2) over the arm64 build, no warnings" \
			"$out/arm64-sparse.log" "${make[@]}" module C=2 &&
		step "arm64: build: tool userspace/nfsec (cross)" "$out/arm64-tools.log" \
			"${make[@]}" tools; then
		echo "# arm64: VM log: $log"
		# shellcheck disable=SC2086 # the test names are words
		ARCH=arm64 NFSEC_VM_DIR=$dir NFSEC_VM_ENV="$(echo $env) ${NFSEC_VM_ENV:-}" \
			selftests/vm/run.sh $tests >"$log" 2>&1
		rc=$?
		[ -f "$dir/results.tap" ] && tap "arm64: " "$dir/results.tap"
		if [ $rc -ne 0 ] && ! grep -q '^not ok' "$dir/results.tap" 2>/dev/null; then
			emit fail "arm64: vm: run failed (exit $rc)"
		fi
		if [ $rc -ne 0 ]; then
			grep -E '^vm: |^# (FAIL|SKIP)' "$log" | tail -n 30 | sed 's/^/# /'
		fi
		scripts/tshark.sh "$dir/export" >"$out/arm64-tshark.tap" 2>"$out/arm64-tshark.log"
		tap "arm64: " "$out/arm64-tshark.tap"
	fi
	for f in $arm64_files; do
		[ -f "$saved/$(basename "$f")" ] && cp -p "$saved/$(basename "$f")" "$f"
	done
	rm -rf "$saved"
}
