#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tearing state down while ESP packets are in flight: SA and policy
# deletion and flushes, namespace deletion and rmmod, each under a flood of
# UDP datagrams in both directions, over IPv4 and IPv6 at once (nfsec on
# both sides, aes-gcm, whose
# AES-NI implementation may complete asynchronously). No kernel report,
# nothing leaked (rmmod destroys nfsec's caches, which reports any object
# left), and traffic flows again afterwards.
#
#   a 10.0.1.1 va ---- vb 10.0.1.2 b      nfsec ESP transport a <-> b,
#     2001:db8:1::1         2001:db8:1::2   one SA pair per family
#              <== flood ==  == flood ==>
#
#  1. NFSEC_TEARDOWN_ROUNDS rounds: a flushes its SAs (policies still
#     naming them), then its policies; b deletes its SAs one by one; both
#     install everything again. Then ping works both ways.
#  2. NFSEC_TEARDOWN_NETNS rounds: a fresh pair c, d is set up the same
#     way, d floods c, and c's namespace is deleted with its SAs and
#     policies in place; d's veth must go away with it.
#  3. three rounds of rmmod while a and b flood each other with their SAs
#     installed; afterwards plaintext flows, and the module loads again.
#
# Before each teardown the flooders must still run, and in each part the
# receiver's counters must have risen (its SA's packets, Udp NoPorts).
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping timeout
require_tool

ROUNDS=${NFSEC_TEARDOWN_ROUNDS:-10}
NETNS_ROUNDS=${NFSEC_TEARDOWN_NETNS:-3}
FLOODS=()

nfsec() { "$NFSEC_TOOL" "$@"; }
# run_in NS WORDS: the tool in NS, WORDS split.
run_in() {
	local ns=$1
	shift
	# shellcheck disable=SC2068
	ip netns exec "$ns" "$NFSEC_TOOL" $@
}

# flood NS DST: datagrams from NS to DST's discard port until stopped. A
# flooder that cannot open its socket exits (floods_alive then fails); send
# errors (no SA, no route, no module, the port unreachable) are ignored.
# Each datagram that arrives counts in the receiver's Udp NoPorts.
flood() {
	ip netns exec "$1" bash -c "
		exec 3>/dev/udp/$2/9 || exit 1
		while :; do echo nfsec-teardown >&3 2>/dev/null; done" &
	FLOODS+=("$!")
}
# floods_alive WHEN: every flooder still runs.
floods_alive() {
	local p
	for p in "${FLOODS[@]}"; do
		kill -0 "$p" 2>/dev/null || fail "$1: flooder $p is gone"
	done
}
# rises WHAT BEFORE CMD...: the counter CMD prints goes above BEFORE within
# 5 s.
rises() {
	local what=$1 before=$2 v i
	shift 2
	for ((i = 0; i < 50; i++)); do
		v=$("$@")
		[ -n "$v" ] && [ "$v" -gt "$before" ] && return 0
		sleep 0.1
	done
	fail "$what: expected more than $before, got '$v'"
}
stop_floods() {
	local p
	for p in "${FLOODS[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null || true
	done
	FLOODS=()
	return 0
}
defer stop_floods

# pair NS1 ADDR1 DEV1 NS2 ADDR2 DEV2 [ADDR6_1 ADDR6_2]: veth between them,
# IPv4 addresses /24, IPv6 ones /64.
pair() {
	veth_pair "$1" "$3" "$4" "$6"
	addr_add "$1" "$3" "$2/24"
	addr_add "$4" "$6" "$5/24"
	if [ -n "${7:-}" ]; then
		ns_ip "$1" addr add "$7/64" dev "$3" nodad
		ns_ip "$4" addr add "$8/64" dev "$6" nodad
	fi
}

# esp NS LOCAL PEER: nfsec transport SAs and policies of one side, keys
# from K_OUT, K_IN (the peer uses them crossed).
sa_lines() {
	local local=$1 peer=$2 spi_out=$3 spi_in=$4
	echo "sa add proto esp src $local dst $peer spi $spi_out aead aes-gcm $5"
	echo "sa add proto esp src $peer dst $local spi $spi_in aead aes-gcm $6"
}
pol_lines() {
	local local=$1 peer=$2 spi_out=$3 spi_in=$4 plen=32
	[[ $local == *:* ]] && plen=128
	echo "policy add dir out src $local/$plen dst $peer/$plen action protect sa proto esp src $local spi $spi_out"
	echo "policy add dir in src $peer/$plen dst $local/$plen action protect sa proto esp src $peer spi $spi_in"
}
K1=$(nfsec genkey aes-gcm-128)
K2=$(nfsec genkey aes-gcm-128)
# configure NS LOCAL PEER SPI_OUT SPI_IN KEY_OUT KEY_IN [sa|pol|all]
configure() {
	local what=${8:-all}
	{
		[ "$what" = pol ] || sa_lines "$2" "$3" "$4" "$5" "$6" "$7"
		[ "$what" = sa ] || pol_lines "$2" "$3" "$4" "$5"
	} | ip netns exec "$1" "$NFSEC_TOOL" -b - || fail "configuring $what in $1 failed"
}
A6=2001:db8:1::1 B6=2001:db8:1::2
conf_a() {
	configure "$A" 10.0.1.1 10.0.1.2 0x1000 0x2000 "$K1" "$K2" "$@"
	configure "$A" $A6 $B6 0x1100 0x2100 "$K1" "$K2" "$@"
}
conf_b() {
	configure "$B" 10.0.1.2 10.0.1.1 0x2000 0x1000 "$K2" "$K1" "$@"
	configure "$B" $B6 $A6 0x2100 0x1100 "$K2" "$K1" "$@"
}

sa_packets() {
	ip netns exec "$1" "$NFSEC_TOOL" -s -j sa get proto esp src "$2" spi "$3" |
		grep -oE '"packets":[0-9]+' | cut -d: -f2
}

dmesg_mark
nfsec_unload_quiet
nfsec_load

ns_create A
ns_create B
pair "$A" 10.0.1.1 va "$B" 10.0.1.2 vb $A6 $B6
conf_a
conf_b
ip netns exec "$A" ping -c 2 -W 2 10.0.1.2 >/dev/null || fail "no ESP path a -> b"
ip netns exec "$A" ping -6 -c 2 -W 2 $B6 >/dev/null || fail "no IPv6 ESP path a -> b"

# --- 1. flush and delete under a flood -------------------------------------

noports_a=$(snmp "$A" Udp NoPorts)
noports_b=$(snmp "$B" Udp NoPorts)
flood "$A" 10.0.1.2
flood "$B" 10.0.1.1
flood "$A" $B6
flood "$B" $A6
sleep 1
for ((r = 1; r <= ROUNDS; r++)); do
	floods_alive "round $r"
	run_in "$A" sa flush || fail "round $r: sa flush in a failed"
	run_in "$B" sa del proto esp src 10.0.1.2 spi 0x2000 || fail "round $r: sa del in b failed"
	run_in "$B" sa del proto esp src 10.0.1.1 spi 0x1000 || fail "round $r: sa del in b failed"
	run_in "$B" sa del proto esp src $B6 spi 0x2100 || fail "round $r: IPv6 sa del in b failed"
	run_in "$B" sa del proto esp src $A6 spi 0x1100 || fail "round $r: IPv6 sa del in b failed"
	run_in "$A" policy flush || fail "round $r: policy flush in a failed"
	run_in "$B" policy flush || fail "round $r: policy flush in b failed"
	conf_a
	conf_b
	[ $((r % 4)) = 0 ] && sleep 0.2
done
floods_alive "after the rounds"
rises "datagrams b decrypted with the last SA" 0 sa_packets "$B" 10.0.1.1 0x1000
rises "IPv6 datagrams b decrypted with the last SA" 0 sa_packets "$B" $A6 0x1100
rises "IPv6 datagrams a decrypted with the last SA" 0 sa_packets "$A" $B6 0x2100
in_b=$(sa_packets "$B" 10.0.1.1 0x1000)
rises "flood datagrams that reached b (Udp NoPorts)" "$noports_b" snmp "$B" Udp NoPorts
rises "flood datagrams that reached a (Udp NoPorts)" "$noports_a" snmp "$A" Udp NoPorts
stop_floods
log "$ROUNDS rounds of flush and delete under a flood; b decrypted $in_b datagrams of the last SA ($SECONDS s)"
ip netns exec "$A" ping -c 2 -W 2 10.0.1.2 >/dev/null || fail "no ESP path a -> b after the rounds"
ip netns exec "$B" ping -c 2 -W 2 10.0.1.1 >/dev/null || fail "no ESP path b -> a after the rounds"
[ "$(sa_packets "$B" 10.0.1.1 0x1000)" -gt 0 ] || fail "the pings did not go through b's SA"
ip netns exec "$A" ping -6 -c 2 -W 2 $B6 >/dev/null || fail "no IPv6 ESP path a -> b after the rounds"

# --- 2. namespace deletion with SAs installed ------------------------------

for ((r = 1; r <= NETNS_ROUNDS; r++)); do
	ns_create C
	ns_create D
	pair "$C" 10.0.2.1 vc "$D" 10.0.2.2 vd 2001:db8:2::1 2001:db8:2::2
	configure "$C" 10.0.2.1 10.0.2.2 0x3000 0x4000 "$K1" "$K2"
	configure "$D" 10.0.2.2 10.0.2.1 0x4000 0x3000 "$K2" "$K1"
	configure "$C" 2001:db8:2::1 2001:db8:2::2 0x3100 0x4100 "$K1" "$K2"
	configure "$D" 2001:db8:2::2 2001:db8:2::1 0x4100 0x3100 "$K2" "$K1"
	ip netns exec "$D" ping -c 1 -W 2 10.0.2.1 >/dev/null || fail "round $r: no ESP path d -> c"
	ip netns exec "$D" ping -6 -c 1 -W 2 2001:db8:2::1 >/dev/null ||
		fail "round $r: no IPv6 ESP path d -> c"
	in_c=$(sa_packets "$C" 10.0.2.2 0x4000)
	in_c6=$(sa_packets "$C" 2001:db8:2::2 0x4100)
	flood "$D" 10.0.2.1
	flood "$D" 2001:db8:2::1
	sleep 0.5
	floods_alive "round $r, namespace deletion"
	rises "round $r: flood datagrams c decrypted" "$in_c" sa_packets "$C" 10.0.2.2 0x4000
	rises "round $r: IPv6 flood datagrams c decrypted" "$in_c6" \
		sa_packets "$C" 2001:db8:2::2 0x4100
	ns_destroy "$C"
	for ((i = 0; i < 100; i++)); do
		ip -n "$D" link show vd >/dev/null 2>&1 || break
		sleep 0.1
	done
	[ $i -lt 100 ] || fail "round $r: d's veth outlived c's namespace"
	stop_floods
	ns_destroy "$D"
done
log "$NETNS_ROUNDS namespaces deleted with SAs installed and ESP arriving ($SECONDS s)"

# --- 3. rmmod under a flood ------------------------------------------------

for r in 1 2 3; do
	in_a=$(sa_packets "$A" 10.0.1.2 0x2000)
	in_b=$(sa_packets "$B" 10.0.1.1 0x1000)
	in_a6=$(sa_packets "$A" $B6 0x2100)
	in_b6=$(sa_packets "$B" $A6 0x1100)
	flood "$A" 10.0.1.2
	flood "$B" 10.0.1.1
	flood "$A" $B6
	flood "$B" $A6
	sleep 1
	floods_alive "round $r, rmmod"
	rises "round $r: flood datagrams a decrypted" "$in_a" sa_packets "$A" 10.0.1.2 0x2000
	rises "round $r: flood datagrams b decrypted" "$in_b" sa_packets "$B" 10.0.1.1 0x1000
	rises "round $r: IPv6 flood datagrams a decrypted" "$in_a6" sa_packets "$A" $B6 0x2100
	rises "round $r: IPv6 flood datagrams b decrypted" "$in_b6" sa_packets "$B" $A6 0x1100
	nfsec_unload
	stop_floods
	ip netns exec "$A" ping -c 1 -W 2 10.0.1.2 >/dev/null ||
		fail "round $r: no plaintext path after rmmod"
	nfsec_load
	conf_a
	conf_b
	ip netns exec "$A" ping -c 1 -W 2 10.0.1.2 >/dev/null ||
		fail "round $r: no ESP path after reloading"
	ip netns exec "$A" ping -6 -c 1 -W 2 $B6 >/dev/null ||
		fail "round $r: no IPv6 ESP path after reloading"
done
log "rmmod with SAs installed and a flood in both directions, three times ($SECONDS s)"

ns_destroy "$A"
ns_destroy "$B"
nfsec_unload
dmesg_check
exit "$KSFT_PASS"
