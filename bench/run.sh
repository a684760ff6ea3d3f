#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: boots the test VM once, runs bench.sh in it (nfsec against
# XFRM), collects its results into build/bench/ and reports them
# (report.sh: Markdown table on stdout, summary CSV, PNG plot).
#
# The NFSEC_BENCH_* knobs of bench.sh given here are passed to the guest.
# Guest memory: NFSEC_VM_MEM, by default 8G when a million SAs are asked
# for (both contenders hold them at once), 2G otherwise. NFSEC_BENCH_OUT:
# where the results go (build/bench).
set -euo pipefail

cd "$(dirname "$0")/.."
out=${NFSEC_BENCH_OUT:-build/bench}

scale=${NFSEC_BENCH_SCALE:-1 10000 1000000}
max=0
for n in ${scale//,/ }; do
	[ "$n" -gt "$max" ] && max=$n
done
groups=${NFSEC_BENCH_GROUPS:-scale}
[[ "${groups//,/ } " == *"scale "* ]] || max=0
if [ -z "${NFSEC_VM_MEM:-}" ]; then
	NFSEC_VM_MEM=2G
	[ "$max" -ge 1000000 ] && NFSEC_VM_MEM=8G
	[ "$max" -ge 200000 ] && [ "$max" -lt 1000000 ] && NFSEC_VM_MEM=4G
fi
env=${NFSEC_VM_ENV:-}
for v in $(compgen -e | grep '^NFSEC_BENCH_' || true); do
	val=${!v}
	val=${val// /,}
	env="${env:+$env }$v=$val"
done
echo "bench: VM memory $NFSEC_VM_MEM${env:+, $env}" >&2

# run.sh empties $out when the VM is done: the log goes there afterwards.
log=build/vm/bench.log
mkdir -p build/vm
rc=0
NFSEC_VM_MEM=$NFSEC_VM_MEM NFSEC_VM_PERF=${NFSEC_VM_PERF:-1} NFSEC_VM_OUT=$out \
	NFSEC_VM_TIMEOUT=${NFSEC_VM_TIMEOUT:-21600} NFSEC_VM_ENV=$env \
	selftests/vm/run.sh --run bench/bench.sh >"$log" 2>&1 || rc=$?
mkdir -p "$out"
cp "$log" "$out/vm.log"
grep -a -v -E '^NFSEC-OUT |^\[ *[0-9]+\.[0-9]+\]' "$out/vm.log" |
	sed -n '/^NFSEC-DMESG-BEGIN/,/^NFSEC-DMESG-END/!p' | grep -a -E '^(bench|vm|FAIL|SKIP)' >&2 || true
if [ -s "$out/results.csv" ]; then
	bench/report.sh "$out"
fi
[ $rc = 0 ] || echo "bench: the VM run failed (exit $rc), see $out/vm.log" >&2
exit $rc
