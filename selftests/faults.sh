#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Allocation failures (failslab) in nfsec's control and data paths end in
# clean errors: the tool reports the error and exits 1 or 2, the SA or policy
# exists whole or not at all, traffic flows again once the faults stop, and
# nothing leaks (rmmod destroys nfsec's caches, which reports any object
# left; the debug kernel's kmemleak scan after the suite sees the rest).
#
#   a 10.0.1.1    va ---- vb 10.0.1.2    b    nfsec ESP transport a <-> b,
#     2001:db8:1::1            2001:db8:1::2      over IPv4 and over IPv6
#
#  1. cache-filter: only nfsec's own caches (nfsec_sa, nfsec_policy) fail,
#     the first allocation of the tool's task (fail-nth 1): `sa add` and
#     `policy add` (IPv4) fail with ENOMEM and leave nothing; fail-nth 2
#     succeeds.
#  2. fail-nth sweep over every slab allocation of the tool's task after it
#     started: the tool (`nfsec -b FIFO`) blocks opening its batch FIFO, the
#     test arms /proc/PID/task/PID/fail-nth with N, then feeds it one command:
#     sa add (IPv4 aes-gcm, IPv4 aes-cbc with hmac-sha256 and ESN, IPv6
#     aes-gcm), policy add (IPv4, IPv6), sa del (IPv4, IPv6), policy flush
#     and sa flush (each with an IPv4 and an IPv6 SA, and for policy flush
#     a policy of each, installed). N = 1, 2, ... until the
#     command, having failed at least once, succeeds NFSEC_FAULTS_CLEAN
#     times in a row (or N reaches NFSEC_FAULTS_NTH_MAX, which fails: the
#     sweep did not get through).
#  3. packet path: a UDP flood from a bash process of a to b over IPv4,
#     then one over IPv6; the process alone is marked make-it-fail
#     (task-filter, NFSEC_FAULTS_PROB percent of its slab allocations
#     fail: socket buffers, nfsec's ESP buffers and crypto requests). Over
#     IPv6 a's neighbour entry for b is flushed first, so that the
#     sender's first datagram sends the neighbour solicitation (ICMPv6)
#     from its own task, and every 8th datagram is larger than the link's
#     MTU: nfsec protects it whole and the IPv6 output fragments the ESP
#     packet. Afterwards ping works both ways in both families and the
#     counters add up.
#
# Needs CONFIG_FAILSLAB and CONFIG_FAULT_INJECTION_DEBUG_FS (the kernel of
# `make check-debug`); skips elsewhere. Knobs: NFSEC_FAULTS_NTH_MAX (400),
# NFSEC_FAULTS_NTH_STEP (1: every fail-nth point; N: every Nth, to save
# time), NFSEC_FAULTS_CLEAN (3), NFSEC_FAULTS_PROB (20),
# NFSEC_FAULTS_PACKETS (2000).
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip mkfifo timeout
require_tool

FS=/sys/kernel/debug/failslab
[ -d "$FS" ] || skip "$FS missing: the kernel lacks CONFIG_FAILSLAB or CONFIG_FAULT_INJECTION_DEBUG_FS (make check-debug has them)"
[ -e /proc/self/task/$$/fail-nth ] || skip "no /proc/PID/task/TID/fail-nth (CONFIG_FAULT_INJECTION)"

NTH_MAX=${NFSEC_FAULTS_NTH_MAX:-400}
CLEAN=${NFSEC_FAULTS_CLEAN:-3}
STEP=${NFSEC_FAULTS_NTH_STEP:-1}
PROB=${NFSEC_FAULTS_PROB:-20}
PACKETS=${NFSEC_FAULTS_PACKETS:-2000}

tmp=$(mktemp -d)
defer "rm -rf $tmp"
nfsec() { "$NFSEC_TOOL" "$@"; }

# failslab settings, restored at exit.
fs_set() {
	local f=$1 v=$2
	[ -f "$tmp/saved.$f" ] || cat "$FS/$f" >"$tmp/saved.$f"
	echo "$v" >"$FS/$f" || fail "cannot set $FS/$f to $v"
}
fs_restore() {
	local f
	for f in "$tmp"/saved.*; do
		[ -f "$f" ] && cat "$f" >"$FS/${f##*/saved.}"
	done
	for f in nfsec_sa nfsec_policy; do
		echo 0 2>/dev/null >"/sys/kernel/slab/$f/failslab" || true
	done
	return 0
}
defer fs_restore

dmesg_mark
nfsec_unload_quiet
nfsec_load

ns_create A
ns_create B
veth_pair "$A" va "$B" vb
addr_add "$A" va 10.0.1.1/24
addr_add "$B" vb 10.0.1.2/24
A6=2001:db8:1::1 B6=2001:db8:1::2
ns_ip "$A" addr add $A6/64 dev va nodad
ns_ip "$B" addr add $B6/64 dev vb nodad
ip netns exec "$A" ping -c 1 -W 2 10.0.1.2 >/dev/null || fail "no plaintext path a -> b"
ip netns exec "$A" ping -6 -c 1 -W 2 $B6 >/dev/null || fail "no IPv6 plaintext path a -> b"

K_AB=$(nfsec genkey aes-gcm-128)
K_BA=$(nfsec genkey aes-gcm-128)
SA_AB="sa add proto esp src 10.0.1.1 dst 10.0.1.2 spi 0x1000 aead aes-gcm $K_AB"
SA_BA="sa add proto esp src 10.0.1.2 dst 10.0.1.1 spi 0x2000 aead aes-gcm $K_BA"
POL_A_OUT="policy add dir out src 10.0.1.1/32 dst 10.0.1.2/32 action protect sa proto esp src 10.0.1.1 spi 0x1000"
POL_A_IN="policy add dir in src 10.0.1.2/32 dst 10.0.1.1/32 action protect sa proto esp src 10.0.1.2 spi 0x2000"
POL_B_OUT="policy add dir out src 10.0.1.2/32 dst 10.0.1.1/32 action protect sa proto esp src 10.0.1.2 spi 0x2000"
POL_B_IN="policy add dir in src 10.0.1.1/32 dst 10.0.1.2/32 action protect sa proto esp src 10.0.1.1 spi 0x1000"
K6_AB=$(nfsec genkey aes-gcm-128)
K6_BA=$(nfsec genkey aes-gcm-128)
SA6_AB="sa add proto esp src $A6 dst $B6 spi 0x1006 aead aes-gcm $K6_AB"
SA6_BA="sa add proto esp src $B6 dst $A6 spi 0x2006 aead aes-gcm $K6_BA"
POL6_A_OUT="policy add dir out src $A6/128 dst $B6/128 action protect sa proto esp src $A6 spi 0x1006"
POL6_A_IN="policy add dir in src $B6/128 dst $A6/128 action protect sa proto esp src $B6 spi 0x2006"
POL6_B_OUT="policy add dir out src $B6/128 dst $A6/128 action protect sa proto esp src $B6 spi 0x2006"
POL6_B_IN="policy add dir in src $A6/128 dst $B6/128 action protect sa proto esp src $A6 spi 0x1006"

# run_in NS CMD...: the tool in NS, word-split CMD.
run_in() {
	local ns=$1
	shift
	# shellcheck disable=SC2068
	ip netns exec "$ns" "$NFSEC_TOOL" $@
}

# state NS: NSA and NPOL, how many SAs and policies NS holds (one call; an
# SA's JSON object alone has "mode", a policy's alone "action").
state() {
	local j
	j=$(ip netns exec "$1" "$NFSEC_TOOL" -j show) || fail "nfsec show in $1 failed"
	NSA=$({ grep -o '"mode"' <<<"$j" || true; } | wc -l)
	NPOL=$({ grep -o '"action"' <<<"$j" || true; } | wc -l)
}
sa_count() { state "$1"; echo "$NSA"; }
pol_count() { state "$1"; echo "$NPOL"; }
flush_all() { printf 'policy flush\nsa flush\n' | ip netns exec "$1" "$NFSEC_TOOL" -b - || fail "flushing $1 failed"; }

# Polling without a process per poll (each costs much under TCG): sleeps
# are reads that time out on a FIFO nobody writes to.
mkfifo "$tmp/tick"
exec 9<>"$tmp/tick"
tick() { read -r -t "$1" -u 9 _ || true; }

# alive PID: PID exists and has not exited (a zombie has).
alive() {
	local st rest
	read -r _ _ st rest 2>/dev/null <"/proc/$1/stat" || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# armed NS NTH LINE: the tool in NS runs LINE as a batch read from a FIFO,
# with fail-nth NTH armed once it is blocked opening the FIFO. Sets RC and
# OUT (stdout and stderr).
armed() {
	local ns=$1 nth=$2 line=$3 pid i wchan
	rm -f "$tmp/fifo"
	mkfifo "$tmp/fifo"
	ip netns exec "$ns" "$NFSEC_TOOL" -b "$tmp/fifo" >"$tmp/out" 2>&1 &
	pid=$!
	# Only the tool opens the FIFO: waiting there, it is the tool.
	for ((i = 0; i < 400; i++)); do
		wchan=
		read -r wchan 2>/dev/null <"/proc/$pid/wchan" || true
		[[ $wchan == *fifo* || $wchan == *partner* ]] && break
		tick 0.05
	done
	[ $i -lt 400 ] || { kill "$pid"; fail "the tool did not block on its FIFO (wchan '$wchan')"; }
	echo "$nth" >"/proc/$pid/task/$pid/fail-nth" || fail "cannot arm fail-nth of $pid"
	echo "$line" >"$tmp/fifo"
	for ((i = 0; i < 1200; i++)); do
		alive "$pid" || break
		tick 0.1
	done
	if [ $i -ge 1200 ]; then
		kill "$pid"
		fail "fail-nth $nth, '$line': the tool hung"
	fi
	RC=0
	wait "$pid" || RC=$?
	OUT=$(cat "$tmp/out")
	rm -f "$tmp/fifo"
	# 1: the tool's own failure (a usage error, an unreadable batch
	# file), 2: the kernel's refusal (nfsec(8)); anything else, such as a
	# signal's 128 + N, is not a clean error.
	[ "$RC" -le 2 ] || fail "fail-nth $nth, '$line': the tool ended with $RC: $OUT"
	[ "$RC" = 0 ] || [ -n "$OUT" ] || fail "fail-nth $nth, '$line': failed without a message"
}

# --- 1. nfsec's own caches ----------------------------------------------------

fs_set verbose 0
fs_set ignore-gfp-wait N
fs_set probability 0
fs_set task-filter N
fs_set cache-filter Y
for c in nfsec_sa nfsec_policy; do
	[ -r "/sys/kernel/slab/$c/failslab" ] ||
		fail "/sys/kernel/slab/$c/failslab missing (CONFIG_SLUB, slab_nomerge?)"
	# Read-only in 6.1: the flag comes from slub_debug=A,<cache> at boot
	# (check-debug.sh); later kernels let it be written.
	[ "$(cat "/sys/kernel/slab/$c/failslab")" = 1 ] ||
		echo 1 2>/dev/null >"/sys/kernel/slab/$c/failslab" || true
	[ "$(cat "/sys/kernel/slab/$c/failslab")" = 1 ] ||
		fail "$c is not marked for failslab (boot with slub_debug=A,$c)"
done

armed "$A" 1 "$SA_AB"
assert_eq 2 "$RC" "sa add with the nfsec_sa allocation failing: exit code (a refusal)"
assert_match 'memory' "$OUT" "sa add with the nfsec_sa allocation failing: message"
assert_eq 0 "$(sa_count "$A")" "SAs after the failed sa add"
armed "$A" 2 "$SA_AB"
assert_eq 0 "$RC" "sa add with fail-nth past the one nfsec_sa allocation: exit code ($OUT)"
assert_eq 1 "$(sa_count "$A")" "SAs after sa add"
armed "$A" 1 "$POL_A_OUT"
assert_eq 2 "$RC" "policy add with the nfsec_policy allocation failing: exit code (a refusal)"
assert_match 'memory' "$OUT" "policy add with the nfsec_policy allocation failing: message"
assert_eq 0 "$(pol_count "$A")" "policies after the failed policy add"
armed "$A" 2 "$POL_A_OUT"
assert_eq 0 "$RC" "policy add with fail-nth past the nfsec_policy allocation: exit code ($OUT)"
assert_eq 1 "$(pol_count "$A")" "policies after policy add"
flush_all "$A"
log "cache-filter: sa add and policy add fail cleanly on nfsec_sa / nfsec_policy ($SECONDS s)"

# --- 2. fail-nth sweep over all allocations of the tool -----------------------

fs_set cache-filter N

# sweep NS WHAT PREP CHECK LINE: PREP (a function) sets the state up before
# each attempt, LINE is the command under fault, CHECK (a function, given
# the exit code) verifies the state after it; then everything is flushed.
sweep() {
	local ns=$1 what=$2 prep=$3 check=$4 line=$5 n ok=0 failed=0
	for ((n = 1; n <= NTH_MAX; n += STEP)); do
		$prep "$ns"
		armed "$ns" "$n" "$line"
		$check "$ns" "$RC" "$what, fail-nth $n"
		flush_all "$ns"
		if [ "$RC" = 0 ]; then
			# The first points may be allocations the task gets
			# past anyway (glibc's malloc takes mmap when brk
			# fails): the clean streak counts after a failure.
			[ $failed -gt 0 ] && ok=$((ok + 1))
			[ $ok -ge "$CLEAN" ] && break
		else
			ok=0 failed=$((failed + 1))
		fi
	done
	[ $failed -gt 0 ] ||
		fail "$what: no injected fault up to fail-nth $NTH_MAX made it fail: the sweep tests nothing"
	[ $ok -ge "$CLEAN" ] ||
		fail "$what: still failing after fail-nth $NTH_MAX (NFSEC_FAULTS_NTH_MAX)"
	log "$what: $failed of $n fail-nth points failed cleanly ($SECONDS s)"
}

prep_none() { :; }
prep_sa() { run_in "$1" "$SA_AB"; }
prep_sa6() { run_in "$1" "$SA6_AB"; }
prep_sa46() { printf "%s\n%s\n" "$SA_AB" "$SA6_AB" | ip netns exec "$1" "$NFSEC_TOOL" -b -; }
prep_sa_pol46() {
	printf "%s\n%s\n%s\n%s\n" "$SA_AB" "$POL_A_OUT" "$SA6_AB" "$POL6_A_OUT" |
		ip netns exec "$1" "$NFSEC_TOOL" -b -
}

# The SA is whole or absent: when present, it reads back with its SPI
# (SA_ID: the SA the sweep's sa add names).
check_sa_add() {
	state "$1"
	[ "$2" != 0 ] || assert_eq 1 "$NSA" "$3: SAs after success"
	[ "$NSA" -le 1 ] || fail "$3: $NSA SAs"
	if [ "$NSA" = 1 ]; then
		run_in "$1" sa get "$SA_ID" >/dev/null ||
			fail "$3: the SA is listed but cannot be read"
	fi
}
check_pol_add() {
	state "$1"
	[ "$2" != 0 ] || assert_eq 1 "$NPOL" "$3: policies after success"
	[ "$NPOL" -le 1 ] || fail "$3: $NPOL policies"
	assert_eq 1 "$NSA" "$3: SAs (the policy's SA stays)"
}
check_sa_del() {
	state "$1"
	[ "$2" != 0 ] || assert_eq 0 "$NSA" "$3: SAs after a successful sa del"
	[ "$NSA" -le 1 ] || fail "$3: $NSA SAs"
}
# Both policies go or neither does.
check_flush() {
	state "$1"
	[ "$2" != 0 ] || assert_eq 0 "$NPOL" "$3: policies after a successful flush"
	[ "$NPOL" = 0 ] || [ "$NPOL" = 2 ] || fail "$3: $NPOL policies of 2"
	assert_eq 2 "$NSA" "$3: SAs (policy flush keeps them)"
}
check_sa_flush() {
	state "$1"
	[ "$2" != 0 ] || assert_eq 0 "$NSA" "$3: SAs after a successful flush"
	[ "$NSA" = 0 ] || [ "$NSA" = 2 ] || fail "$3: $NSA SAs of 2"
}

SA_ID="proto esp src 10.0.1.1 spi 0x1000"
sweep "$A" "sa add" prep_none check_sa_add "$SA_AB"
sweep "$A" "sa add (aes-cbc, hmac-sha256, esn)" prep_none check_sa_add \
	"sa add proto esp src 10.0.1.1 dst 10.0.1.2 spi 0x1000 enc aes-cbc $(nfsec genkey aes-cbc-128) auth hmac-sha256 $(nfsec genkey hmac-sha256) esn replay-window 1024"
SA_ID="proto esp src $A6 spi 0x1006"
sweep "$A" "sa add (IPv6)" prep_none check_sa_add "$SA6_AB"
sweep "$A" "policy add" prep_sa check_pol_add "$POL_A_OUT"
sweep "$A" "policy add (IPv6)" prep_sa6 check_pol_add "$POL6_A_OUT"
sweep "$A" "sa del" prep_sa check_sa_del "sa del proto esp src 10.0.1.1 spi 0x1000"
sweep "$A" "sa del (IPv6)" prep_sa6 check_sa_del "sa del proto esp src $A6 spi 0x1006"
sweep "$A" "policy flush (IPv4 and IPv6)" prep_sa_pol46 check_flush "policy flush"
sweep "$A" "sa flush (IPv4 and IPv6)" prep_sa46 check_sa_flush "sa flush"

# --- 3. the packet path ------------------------------------------------------

for x in "$SA_AB" "$SA_BA" "$POL_A_OUT" "$POL_A_IN" "$SA6_AB" "$SA6_BA" "$POL6_A_OUT" "$POL6_A_IN"; do
	run_in "$A" "$x"
done
for x in "$SA_AB" "$SA_BA" "$POL_B_OUT" "$POL_B_IN" "$SA6_AB" "$SA6_BA" "$POL6_B_OUT" "$POL6_B_IN"; do
	run_in "$B" "$x"
done
ip netns exec "$A" ping -c 2 -W 2 10.0.1.2 >/dev/null || fail "no ESP path a -> b before the faults"
ip netns exec "$A" ping -6 -c 2 -W 2 $B6 >/dev/null || fail "no IPv6 ESP path a -> b before the faults"

sa_packets() {
	ip netns exec "$1" "$NFSEC_TOOL" -s -j sa get proto esp src "$2" spi "$3" |
		grep -oE '"packets":[0-9]+' | cut -d: -f2
}

# b answers the datagrams with port unreachable, which would make the
# sender's next write fail (ECONNREFUSED) and blur the count: at most a
# burst of them.
ip netns exec "$B" sysctl -q -w net.ipv4.icmp_ratelimit=1000000 net.ipv6.icmp.ratelimit=1000000
fs_set interval 1
fs_set times -1
fs_set space 0

# flood FAMILY DST SRC SPI BIG: PACKETS datagrams from a to b's discard
# port at DST, through the SA SRC SPI; every BIG-th (0: none) is 1800
# bytes long, more than the link's MTU.
flood() {
	local family=$1 dst=$2 src=$3 spi=$4 big=$5 out_before in_before sent recv
	out_before=$(sa_packets "$A" "$src" "$spi")
	in_before=$(sa_packets "$B" "$src" "$spi")
	fs_set task-filter Y
	fs_set probability "$PROB"
	# The sender: a bash loop writing datagrams, its own allocations
	# failing at random once it marked itself.
	ip netns exec "$A" bash -c '
		pad=$(printf "%1800s" .)
		exec 3>/dev/udp/'"$dst"'/9 2>/dev/null || exit 2
		echo 1 >/proc/self/make-it-fail || exit 3
		for ((i = 0; i < '"$PACKETS"'; i++)); do
			if [ '"$big"' -gt 0 ] && [ $((i % '"$big"')) = 0 ]; then
				echo "nfsec-faults-$i $pad" >&3
			else
				echo "nfsec-faults-$i" >&3
			fi
		done
		echo 0 >/proc/self/make-it-fail
		exit 0' || fail "$family: the flood sender failed to run ($?)"
	fs_set probability 0
	fs_set task-filter N

	sent=$(($(sa_packets "$A" "$src" "$spi") - out_before))
	recv=$(($(sa_packets "$B" "$src" "$spi") - in_before))
	log "$family packet path with $PROB% of the sender's allocations failing: $sent of $PACKETS datagrams encrypted, $recv decrypted ($SECONDS s)"
	[ "$sent" -gt 0 ] || fail "$family: no datagram made it through nfsec"
	[ "$sent" -lt $((PACKETS * 9 / 10)) ] ||
		fail "$family: $sent of $PACKETS datagrams went out: the fault injection did not act"
	[ "$recv" -le "$sent" ] || fail "$family: b decrypted $recv, more than the $sent a encrypted"
}

flood IPv4 10.0.1.2 10.0.1.1 0x1000 0
ns_ip "$A" -6 neigh flush dev va
flood IPv6 $B6 $A6 0x1006 8
ip netns exec "$A" ping -c 3 -W 2 10.0.1.2 >/dev/null || fail "no ESP path a -> b after the faults"
ip netns exec "$B" ping -c 3 -W 2 10.0.1.1 >/dev/null || fail "no ESP path b -> a after the faults"
ip netns exec "$A" ping -6 -c 3 -W 2 $B6 >/dev/null || fail "no IPv6 ESP path a -> b after the faults"
ip netns exec "$B" ping -6 -c 3 -W 2 $A6 >/dev/null || fail "no IPv6 ESP path b -> a after the faults"
# A datagram larger than the MTU goes through whole once the faults stop.
ip netns exec "$A" ping -6 -c 2 -W 2 -s 3000 $B6 >/dev/null ||
	fail "no 3000-byte IPv6 ping a -> b after the faults"

fs_restore
ns_destroy "$A"
ns_destroy "$B"
nfsec_unload
dmesg_check
exit "$KSFT_PASS"
