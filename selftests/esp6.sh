#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP and AH with IPv6 against the kernel's own IPsec (XFRM): nfsec on a,
# XFRM on b, one veth between them carrying IPv6 and IPv4. What
# esp_inet6.sh and ah_inet6.sh (esp.sh over IPv6) do not cover: tunnels
# whose inner and outer families differ, and what a catch-all policy and
# plaintext do to IPv6 on an nfsec host. Transport mode and 6in6 with
# every algorithm, their attacks, ESN and AH's mutable fields are
# esp.sh's over IPv6; they remain here behind the knobs.
#
#   a 2001:db8::1  va ---- vb 2001:db8::2  b
#     10.0.1.1                 2001:db8::3 (no policy names it)
#                              10.0.1.2
#                              10.0.1.3 (no policy names it)
#     nfsec: the receiver      XFRM (ip xfrm); pktinject sends
#     under attack             to a from vb
#
# For each algorithm (NFSEC_ESP6_ALGS: ESP's, and AH's as ah-ALG; by
# default aes-gcm-128, aes-cbc-128+hmac-sha256, ah-hmac-sha256) and mode
# (NFSEC_ESP6_MODES; by default tunnel4in6 and tunnel6in4):
#   tunnel4in6 IPv4 traffic in a tunnel whose SAs are IPv6;
#   tunnel6in4 IPv6 traffic in a tunnel whose SAs are IPv4;
#   transport  IPv6 in ESP over IPv6 (not by default);
#   tunnel6    IPv6 in ESP over IPv6, 6in6 (not by default);
# (a) ping each way, also 3000 bytes (the ESP packet fragmented by its
#     sender), and both SAs of a count packets;
# (b) NFSEC_ESP6_BYTES random bytes over TCP from a to b, sha256 compared;
# (c) the capture on a (where decrypted packets do not show) holds the
#     flow's SPIs as ESP (AH) and not one of its packets in the clear;
# and in the modes of NFSEC_ESP6_ATTACK_MODES (ESP; tunnel4in6 by
# default) and NFSEC_ESP6_AH_ATTACK_MODES (AH; none by default), a's
# inbound SA (replay window 32) under attack from b's side, as in
# esp.sh, in this order: (e), (g), (d), (f). Packets are held
# back by b's neighbour entry for a pointing, for a moment, at a MAC
# address that a ignores: b sends UDP datagrams to a, protected, a's
# veth sees them (they are in the capture on a) and a's stack drops
# them unread. pktinject re-sends them from vb later with a's MAC
# address. The neighbour entries of a and b for each other are
# permanent from then on, up to (h).
#   (d) replay: held packets a has accepted, sent again (inside the
#       window), three held before (a) and sent after the transfer
#       moved the window past them, and the first NREPLAY ESP (AH)
#       packets a received in (a), sent again: all dropped, a's
#       drop_replay rises by exactly their number, packets not at all;
#   (e) tamper: a held packet with one byte flipped (ESP: in the IV or
#       the ciphertext; AH: in the payload) is dropped, drop_icv +1,
#       packets +0; the same packet unmodified passes in (g);
#   (f) plaintext posing as the peer: an echo request captured from
#       b's other address (2001:db8::3; tunnel4in6: 10.0.1.3) to a is
#       received as it is (Icmp6InEchos, or Icmp InEchos, +1: the
#       control) and from an address no policy names (2001:db8::4,
#       10.0.1.4: pktinject's checksum is right), but not from the
#       protected flow's source: a's plaintext count and its inbound
#       SA's drop_policy +1, no echo request received;
#   (g) reordering: the four held packets sent newest first, inside the
#       window, are all accepted (the tampered one among them, now
#       unmodified), with no replay drop.
# AH with an IPv6 outer header (tunnel4in6; transport, tunnel6) also
# meets, on both sides, a rewrite of the mutable fields (hop limit, flow
# label, traffic class) before it is verified, as a router on the way
# could do (nft at prerouting); the rule must have seen at least five
# packets on each side.
# Then, in transport mode for each algorithm of NFSEC_ESP6_ESN_ALGS (none
# by default): ESN, both SAs of both sides with replay window 1024
# starting at 2^32 - 16 (an nfsec inbound SA takes `seq` as the highest
# number received, as XFRM's replay-seq): 30 pings from a cross 2^32 both
# ways; a's SAs count 30 packets each and have sent and received up to
# 2^32 + 14, none a replay; b's inbound SA stands at seq-hi 1, seq 14,
# its outbound one at oseq-hi 1, oseq 14.
# Last, always, with ESP aes-gcm-128 in transport mode:
# (h) a catch-all discard policy for IPv6 on a, both directions, behind
#     the protect policies: neighbour discovery still passes (a's
#     neighbour cache is flushed first), the protected flow too, and a
#     ping from b's other address is dropped (discard counter);
# (i) plaintext from b posing as the protected flow (ping without XFRM's
#     policies) is dropped by a and counted as plaintext.
#
# Knobs (lists may use spaces or commas): NFSEC_ESP6_ALGS,
# NFSEC_ESP6_MODES, NFSEC_ESP6_BYTES (1000000), NFSEC_ESP6_ATTACK_MODES
# ("tunnel4in6") and NFSEC_ESP6_AH_ATTACK_MODES ("none"), "none" for no
# (d) to (g), NFSEC_ESP6_REPLAY (the packets of (a) replayed, 5),
# NFSEC_ESP6_ESN_ALGS ("none"; e.g. "aes-gcm-128 ah-hmac-sha256").
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping tcpdump timeout busybox nft
require_tool
HERE=$(cd "$(dirname "$0")" && pwd)
PKTINJECT=$HERE/pktinject
[ -x "$PKTINJECT" ] || fail "$PKTINJECT is missing (make -C selftests)"

# Lists separated by spaces or commas.
ALGS=${NFSEC_ESP6_ALGS:-"aes-gcm-128 aes-cbc-128+hmac-sha256 ah-hmac-sha256"}
ALGS=${ALGS//,/ }
MODES=${NFSEC_ESP6_MODES:-"tunnel4in6 tunnel6in4"}
MODES=${MODES//,/ }
BYTES=${NFSEC_ESP6_BYTES:-1000000}
ATTACK_MODES=${NFSEC_ESP6_ATTACK_MODES:-tunnel4in6}
ATTACK_MODES=${ATTACK_MODES//,/ }
AH_ATTACK_MODES=${NFSEC_ESP6_AH_ATTACK_MODES:-none}
AH_ATTACK_MODES=${AH_ATTACK_MODES//,/ }
NREPLAY=${NFSEC_ESP6_REPLAY:-5}
ESN_ALGS=${NFSEC_ESP6_ESN_ALGS:-none}
ESN_ALGS=${ESN_ALGS//,/ }
WINDOW=32
A6=2001:db8::1 B6=2001:db8::2 B6X=2001:db8::3 A4=10.0.1.1 B4=10.0.1.2
B4X=10.0.1.3
tmp=$(mktemp -d)
defer "rm -rf $tmp"

dmesg_mark
nfsec_load
ns_create A a
ns_create B b
veth_pair "$A" va "$B" vb
ns_ip "$A" addr add $A6/64 dev va nodad
ns_ip "$B" addr add $B6/64 dev vb nodad
ns_ip "$B" addr add $B6X/64 dev vb nodad
addr_add "$A" va $A4/24
addr_add "$B" vb $B4/24
addr_add "$B" vb $B4X/24
# What b sends to a without choosing a source comes from the flow's
# address, not the other one.
ns_ip "$B" route add $A6/128 dev vb src $B6
ns_ip "$B" route add $A4/32 dev vb src $B4
ns_run "$A" ping -6 -c 1 -W 5 $B6 >/dev/null || fail "no IPv6 path a -> b in the clear"
mac() { ns_ip_quiet "$1" -br link show dev "$2" | awk '{ print $3 }'; }
MAC_A=$(mac "$A" va) MAC_B=$(mac "$B" vb)

# For (f): an echo request to a of each family from b's other address,
# captured once.
capture_start "$A" va "$tmp/plain.pcap" \
	"(src $B6X and icmp6 and ip6[40] == 128) or (src $B4X and icmp and icmp[0] == 8)"
ns_run "$B" ping -6 -c 1 -W 5 -I $B6X $A6 >/dev/null || fail "no ping $B6X -> $A6 in the clear"
ns_run "$B" ping -4 -c 1 -W 5 -I $B4X $A4 >/dev/null || fail "no ping $B4X -> $A4 in the clear"
capture_stop

# keys ALG: K1 (cipher or AEAD key) and K2 (integrity key) for nfsec and
# the same in XFRM's words (XALG).
keys() {
	PROTO=esp PNAME=ESP
	case $1 in
	ah-hmac-sha256)
		PROTO=ah PNAME=AH
		K2=$(nfsec_tool genkey hmac-sha256)
		NALG="auth hmac-sha256 $K2"
		XALG="auth-trunc hmac(sha256) $K2 128" ;;
	aes-gcm-128)
		K1=$(nfsec_tool genkey aes-gcm-128) K2=
		NALG="aead aes-gcm $K1 icv 128"
		XALG="aead rfc4106(gcm(aes)) $K1 128" ;;
	aes-cbc-128+hmac-sha256)
		K1=$(nfsec_tool genkey aes-cbc-128) K2=$(nfsec_tool genkey hmac-sha256)
		NALG="enc aes-cbc $K1 auth hmac-sha256 $K2"
		XALG="enc cbc(aes) $K1 auth-trunc hmac(sha256) $K2 128" ;;
	*) fail "unknown algorithm $1" ;;
	esac
}

nfsec_tool() { "$NFSEC_TOOL" "$@"; }

# setup ALG MODE [ESN_START]: the SAs (a -> b spi 0x1000, b -> a spi
# 0x2000) and the policies of both sides. Sets SA_A/SA_B (the SAs'
# addresses), SEL_A/SEL_B (the flow's) and PING (ping's family option).
# nfsec's SAs have a replay window of WINDOW; with ESN_START, all four
# SAs have ESN and a window of 1024, and start after that number.
setup() {
	local alg=$1 mode=$2 nmode=tunnel xflag= xmode=tunnel sa_a sa_b
	local x nx="replay-window $WINDOW" xo='' xi=
	if [ -n "${3:-}" ]; then
		nx="replay-window 1024 esn seq $3"
		xo="flag esn replay-window 1024 replay-oseq $3"
		xi="flag esn replay-window 1024 replay-seq $3"
	fi
	keys "$alg"
	case $mode in
	transport) nmode=transport xmode=transport; sa_a=$A6 sa_b=$B6 SEL_A=$A6 SEL_B=$B6 PING=-6 ;;
	tunnel6) sa_a=$A6 sa_b=$B6 SEL_A=$A6 SEL_B=$B6 PING=-6 ;;
	tunnel4in6) sa_a=$A6 sa_b=$B6 SEL_A=$A4 SEL_B=$B4 PING=-4 xflag="flag af-unspec" ;;
	tunnel6in4) sa_a=$A4 sa_b=$B4 SEL_A=$A6 SEL_B=$B6 PING=-6 xflag="flag af-unspec" ;;
	esac
	SA_A=$sa_a SA_B=$sa_b
	local plen=128
	[ "$PING" = -4 ] && plen=32
	# shellcheck disable=SC2086
	{
	ns_run "$A" "$NFSEC_TOOL" sa add proto $PROTO src $sa_a dst $sa_b spi 0x1000 mode $nmode $NALG $nx &&
	ns_run "$A" "$NFSEC_TOOL" sa add proto $PROTO src $sa_b dst $sa_a spi 0x2000 mode $nmode $NALG $nx &&
	ns_run "$A" "$NFSEC_TOOL" policy add dir out src $SEL_A/$plen dst $SEL_B/$plen action protect sa proto $PROTO src $sa_a spi 0x1000 &&
	ns_run "$A" "$NFSEC_TOOL" policy add dir in src $SEL_B/$plen dst $SEL_A/$plen action protect sa proto $PROTO src $sa_b spi 0x2000
	} || fail "$WHAT: nfsec configuration refused"
	# shellcheck disable=SC2086
	ns_ip "$B" xfrm state add src $sa_a dst $sa_b proto $PROTO spi 0x1000 mode $xmode $XALG $xflag $xi ||
		fail "$WHAT: XFRM refused the SA 0x1000"
	# shellcheck disable=SC2086
	ns_ip "$B" xfrm state add src $sa_b dst $sa_a proto $PROTO spi 0x2000 mode $xmode $XALG $xflag $xo ||
		fail "$WHAT: XFRM refused the SA 0x2000"
	ns_ip "$B" xfrm policy add src $SEL_B/$plen dst $SEL_A/$plen dir out \
		tmpl src $sa_b dst $sa_a proto $PROTO mode $xmode || fail "$WHAT: XFRM policy out"
	ns_ip "$B" xfrm policy add src $SEL_A/$plen dst $SEL_B/$plen dir in \
		tmpl src $sa_a dst $sa_b proto $PROTO mode $xmode || fail "$WHAT: XFRM policy in"
	# What a router may rewrite in an IPv6 header, before AH is checked.
	if [ "$PROTO" = ah ] && [ "$sa_a" = "$A6" ]; then
		for x in "$A" "$B"; do
			ns_run "$x" nft -f - <<-EOF || fail "$WHAT: nft mangle table"
			table inet nfsec_mangle {
				chain pre {
					type filter hook prerouting priority -450;
					ip6 nexthdr ah counter ip6 hoplimit set 7 ip6 flowlabel set 12345 ip6 dscp set cs1
				}
			}
			EOF
		done
		MANGLE=1
	fi
}

teardown() {
	if [ -n "${MANGLE:-}" ]; then
		local x n
		for x in "$A" "$B"; do
			n=$(ns_run_quiet "$x" nft list table inet nfsec_mangle |
				sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
			[ "${n:-0}" -ge 5 ] || fail "$WHAT: the mangle rule saw ${n:-0} packets in ${NS_LABEL[$x]}"
		done
		ns_run_quiet "$A" nft delete table inet nfsec_mangle
		ns_run_quiet "$B" nft delete table inet nfsec_mangle
		MANGLE=
	fi
	ns_run_quiet "$A" "$NFSEC_TOOL" policy flush >/dev/null
	ns_run_quiet "$A" "$NFSEC_TOOL" sa flush >/dev/null
	ns_ip_quiet "$B" xfrm policy flush
	ns_ip_quiet "$B" xfrm state flush
}

# transfer: BYTES random bytes from a to b over TCP, sha256 compared.
transfer() {
	local want got srv i
	head -c "$BYTES" /dev/urandom >"$tmp/tx"
	want=$(busybox sha256sum <"$tmp/tx" | cut -d' ' -f1)
	rm -f "$tmp/rx"
	ns_bg "$B" timeout 120 busybox nc -l -p 5001 >"$tmp/rx"
	srv=$!
	for i in $(seq 50); do
		ns_run_quiet "$B" busybox netstat -ltn 2>/dev/null | grep -q ':5001 ' && break
		sleep 0.1
	done
	local dst=$SEL_B
	ns_run "$A" timeout 120 bash -c "cat $tmp/tx >/dev/tcp/$dst/5001" ||
		fail "$WHAT: TCP transfer to $dst failed"
	wait "$srv" || fail "$WHAT: TCP receiver failed"
	got=$(busybox sha256sum <"$tmp/rx" | cut -d' ' -f1)
	assert_eq "$want" "$got" "$WHAT: sha256 of $BYTES bytes received"
}

# ms: milliseconds of the clock; since MS: seconds since MS, as "1.2 s".
ms() { echo $((${EPOCHREALTIME/[.,]/} / 1000)); }
since() {
	local d=$(($(ms) - $1))
	echo "$((d / 1000)).$((d % 1000 / 100)) s"
}

# in_list WORD LIST...: whether WORD is one of LIST.
in_list() {
	local w=$1 x
	shift
	for x in "$@"; do
		[ "$x" = "$w" ] && return 0
	done
	return 1
}

# The counters of a's inbound SA (packets, drop_replay, drop_icv,
# drop_policy) and the highest sequence number it received (seq):
# rx_read reads them all at once into RX (RX[packets], ...), mark keeps
# them in MARK, from which expect_rx counts. No subshell per counter:
# under TCG each costs.
declare -A RX MARK
rx_read() {
	local j k
	j=$(ns_run_quiet "$A" "$NFSEC_TOOL" -s -j sa get proto "$PROTO" src "$SA_B" spi 0x2000)
	for k in packets drop_replay drop_icv drop_policy seq; do
		[[ $j =~ \"$k\":([0-9]+) ]] || fail "$WHAT: no $k in a's inbound SA: $j"
		RX[$k]=${BASH_REMATCH[1]}
	done
}

mark() {
	local k
	rx_read
	for k in "${!RX[@]}"; do
		MARK[$k]=${RX[$k]}
	done
}

# expect_rx WHAT KEY=DELTA...: within 3 s, every KEY of a's inbound SA
# stands at its mark plus DELTA (one reading of the SA for all).
expect_rx() {
	local what=$1 kv k v ok got i
	shift
	for ((i = 0; i < 30; i++)); do
		rx_read
		ok=1 got=
		for kv in "$@"; do
			k=${kv%=*}
			v=$((RX[$k] - MARK[$k]))
			got+=" $k=$v"
			[ "$v" = "${kv#*=}" ] || ok=0
		done
		[ "$ok" = 1 ] && return 0
		sleep 0.1
	done
	fail "$WHAT: a's inbound SA $what: expected (increments) $*, got$got"
}

# echos: the echo requests a's ICMP of the flow's family received.
echos() {
	if [ "$PING" = -6 ]; then
		ns_run_quiet "$A" awk '$1 == "Icmp6InEchos" { print $2 }' /proc/net/snmp6
	else
		snmp "$A" Icmp InEchos
	fi
}

# inject ARGS...: pktinject out of b's vb to a; prints the count sent.
inject() {
	local out
	out=$(ns_run "$B" "$PKTINJECT" -i vb --dmac "$MAC_A" "$@") ||
		fail "$WHAT: pktinject $*: $out"
	echo "${out#sent }"
}

# b_sent: the packets b's outbound SA (to a) has sent.
b_sent() {
	ns_ip_quiet "$B" -s xfrm state get src "$SA_B" dst "$SA_A" proto "$PROTO" spi 0x2000 |
		sed -nE 's/^[[:space:]]*[0-9]+\(bytes\), ([0-9]+)\(packets\).*/\1/p'
}

# hold MAC N: N UDP datagrams from b to a leave vb protected, with the
# link destination MAC, which a ignores: packets a never received, for
# later in the capture running on a's va (pktinject --ether-dst MAC; the
# count it sends checks that they are there). b's neighbour entry for a
# is then a's address, permanent (see pin).
hold() {
	local mac=$1 n=$2 t0
	t0=$(b_sent)
	ns_ip "$B" neigh replace "$SA_A" lladdr "$mac" dev vb nud permanent
	ns_run "$B" bash -c "for i in \$(seq $n); do echo held >/dev/udp/$SEL_A/9; done"
	ns_ip "$B" neigh replace "$SA_A" lladdr "$MAC_A" dev vb nud permanent
	assert_eq "$n" "$(($(b_sent) - t0))" "$WHAT: packets of b's SA held back"
}

HOLD1=02:00:00:00:00:a1
HOLD2=02:00:00:00:00:a2

# pin: the neighbour entries of a and b for each other's SA address,
# permanent from now on, until unpin. Neighbour discovery between the
# two is protected where their policies cover it: a solicitation from b
# would be one packet more on a's inbound SA, and with AH the hop limit
# rewritten on the way makes an advertisement invalid.
pin() {
	ns_ip "$A" neigh replace "$SA_B" lladdr "$MAC_B" dev va nud permanent
	ns_ip "$B" neigh replace "$SA_A" lladdr "$MAC_A" dev vb nud permanent
}

unpin() {
	local x
	for x in $B6 $B4; do
		ns_ip_quiet "$A" neigh del "$x" dev va 2>/dev/null || true
	done
	for x in $A6 $A4; do
		ns_ip_quiet "$B" neigh del "$x" dev vb 2>/dev/null || true
	done
}

# attacks: (d) to (g) on a's inbound SA. The combination pinned the
# neighbour entries, started the capture $tmp/held.pcap for HOLD1 and
# held three packets (HOLD2) at its start, in $tmp/cap, when a's inbound
# SA stood at sequence number SEQ_HOLD2.
attacks() {
	local pl0 e0 flip=16 fam=58 free=2001:db8::4 t0
	t0=$(ms)
	[ "$PROTO" = ah ] && flip=36	# in the payload after AH
	[ "$PING" = -4 ] && fam=1 free=10.0.1.4
	hold "$HOLD1" 4
	capture_stop
	mark
	# (e) tamper
	assert_eq 1 "$(inject -r "$tmp/held.pcap" -n 1 --flip $flip)" "$WHAT: tampered packets sent"
	expect_rx "after one tampered packet" drop_icv=1 packets=0 drop_replay=0
	# (g) reordering inside the window, the tampered packet among them
	assert_eq 4 "$(inject -r "$tmp/held.pcap" -n 4 --reverse)" "$WHAT: held packets sent"
	expect_rx "after the held packets newest first" packets=4 drop_replay=0 drop_icv=1
	# (d) replay inside the window
	assert_eq 4 "$(inject -r "$tmp/held.pcap" -n 4)" "$WHAT: replayed packets sent"
	expect_rx "after the held packets again" drop_replay=4 packets=4 drop_icv=1
	# (d) beyond the window: the three held at the start (numbers
	# SEQ_HOLD2 + 1 to + 3), once a has received WINDOW more; and the
	# first packets a received.
	mark
	for _ in 1 2 3; do
		[ "$((MARK[seq] - SEQ_HOLD2 - 3))" -ge "$WINDOW" ] && break
		ns_run "$B" ping "$PING" -c 20 -i 0.02 -W 2 -I "$SEL_B" "$SEL_A" >/dev/null ||
			fail "$WHAT: ping $SEL_A"
		mark
	done
	[ "$((MARK[seq] - SEQ_HOLD2 - 3))" -ge "$WINDOW" ] ||
		fail "$WHAT: a's inbound SA stands at ${MARK[seq]}, the held packets at $((SEQ_HOLD2 + 3)): not beyond the window"
	assert_eq 3 "$(inject -r "$tmp/cap" --ether-dst "$HOLD2" -n 3)" "$WHAT: old held packets sent"
	expect_rx "after three packets beyond the window" drop_replay=3 packets=0 drop_icv=0
	assert_eq "$NREPLAY" "$(inject -r "$tmp/cap" --ether-dst "$MAC_A" --spi 0x2000 -n "$NREPLAY")" \
		"$WHAT: replayed packets sent"
	expect_rx "after $NREPLAY packets of (a) again" drop_replay=$((3 + NREPLAY)) packets=0 drop_icv=0
	# (f) plaintext: the control, an address no policy names, the
	# protected flow's source
	e0=$(echos) pl0=$(nfsec_nstat "$A" plaintext)
	assert_eq 1 "$(inject -r "$tmp/plain.pcap" -f $fam -n 1)" "$WHAT: plaintext packets sent"
	expect_delta "echo requests received from b's other address (control)" "$e0" 1 echos
	assert_eq 1 "$(inject -r "$tmp/plain.pcap" -f $fam -n 1 --src $free)" \
		"$WHAT: packets from an address no policy names sent"
	expect_delta "echo requests received from $free" "$e0" 2 echos
	assert_eq 1 "$(inject -r "$tmp/plain.pcap" -f $fam -n 1 --src "$SEL_B")" \
		"$WHAT: spoofed packets sent"
	expect_delta "a's plaintext count after a spoofed packet" "$pl0" 1 nfsec_nstat "$A" plaintext
	expect_rx "after a spoofed packet" drop_policy=1 packets=0
	expect_delta "echo requests received posing as $SEL_B" "$e0" 2 echos
	log "$WHAT: tamper, reordering, replay inside and beyond the window, spoofed plaintext ok ($(since "$t0"))"
}

# esn ALG: ESN across 2^32 in transport mode, both ways.
esn() {
	local start=$((0xffffffff - 15)) out t0
	t0=$(ms)
	WHAT="esn $1"
	log "--- $WHAT"
	setup "$1" transport $start
	pin
	out=$(ns_run "$A" ping -6 -c 30 -i 0.05 -W 2 $B6 2>&1) || true
	assert_match ' 0% packet loss' "$out" "$WHAT: 30 pings across 2^32"
	out=$(ns_run_quiet "$A" "$NFSEC_TOOL" -s -j sa get proto "$PROTO" src $A6 spi 0x1000)
	assert_eq 30 "$(json_num packets "$out")" "$WHAT: packets of a's outbound SA"
	assert_eq $((start + 30)) "$(json_num seq "$out")" "$WHAT: last sequence number a sent"
	out=$(ns_run_quiet "$A" "$NFSEC_TOOL" -s -j sa get proto "$PROTO" src $B6 spi 0x2000)
	assert_eq 30 "$(json_num packets "$out")" "$WHAT: packets of a's inbound SA"
	assert_eq 0 "$(json_num drop_replay "$out")" "$WHAT: replay drops at a"
	assert_eq 0 "$(json_num drop_icv "$out")" "$WHAT: ICV failures at a"
	assert_eq $((start + 30)) "$(json_num seq "$out")" "$WHAT: highest sequence number a received"
	out=$(ns_ip "$B" -s xfrm state get src $A6 dst $B6 proto "$PROTO" spi 0x1000)
	assert_match "[^o]seq-hi 0x1, seq 0xe," "$out" "$WHAT: b's inbound window past 2^32"
	assert_match "replay-window [0-9]+ replay 0 failed 0" "$out" "$WHAT: b's inbound errors"
	out=$(ns_ip "$B" -s xfrm state get src $B6 dst $A6 proto "$PROTO" spi 0x2000)
	assert_match "oseq-hi 0x1, oseq 0xe" "$out" "$WHAT: b's outbound sequence number past 2^32"
	log "$WHAT: 30 pings from 2^32 - 16 across 2^32 both ways ok ($(since "$t0"))"
	teardown
}

for alg in $ALGS; do
	for mode in $MODES; do
		WHAT="$mode $alg"
		log "--- $WHAT"
		attack=0 amodes=$ATTACK_MODES
		[[ $alg == ah-* ]] && amodes=$AH_ATTACK_MODES
		# shellcheck disable=SC2086
		in_list "$mode" $amodes && attack=1
		setup "$alg" "$mode"
		out0=$(nfsec_sa_stat "$A" $PROTO "$SA_A" 0x1000 packets)
		in0=$(nfsec_sa_stat "$A" $PROTO "$SA_B" 0x2000 packets)
		ns_bg "$A" tcpdump -n -i va -w "$tmp/cap" -U \
			"host $SEL_A or host $SA_A or host $SEL_B or host $SA_B" 2>/dev/null
		cap=$!
		sleep 1
		# For (d): three packets a receives only once (b) moved the
		# window past them.
		if [ "$attack" = 1 ]; then
			pin
			# For (e) and (g), later.
			capture_start "$A" va "$tmp/held.pcap" "ether dst $HOLD1"
			rx_read
			SEQ_HOLD2=${RX[seq]}
			hold "$HOLD2" 3
		fi
		# (a)
		ns_run "$A" ping $PING -c 2 -W 3 "$SEL_B" >/dev/null || fail "$WHAT: ping a -> b"
		ns_run "$B" ping $PING -c 2 -W 3 -I "$SEL_B" "$SEL_A" >/dev/null || fail "$WHAT: ping b -> a"
		ns_run "$A" ping $PING -c 1 -W 3 -s 3000 "$SEL_B" >/dev/null ||
			fail "$WHAT: 3000-byte ping a -> b"
		out1=$(nfsec_sa_stat "$A" $PROTO "$SA_A" 0x1000 packets)
		in1=$(nfsec_sa_stat "$A" $PROTO "$SA_B" 0x2000 packets)
		[ "$((out1 - out0))" -ge 5 ] || fail "$WHAT: a's outbound SA counted $((out1 - out0)) packets, want >= 5"
		[ "$((in1 - in0))" -ge 5 ] || fail "$WHAT: a's inbound SA counted $((in1 - in0)) packets, want >= 5"
		# (b)
		transfer
		sleep 0.5
		kill "$cap"
		wait "$cap" 2>/dev/null
		# (c) The flow's packets in the clear: any TCP, or echo
		# requests and replies, between the flow's addresses.
		if [ "$PING" = -6 ]; then
			clear="ip6 and (tcp or icmp6[0] == 128 or icmp6[0] == 129) and host $SEL_A and host $SEL_B"
		else
			clear="ip and (tcp or icmp) and host $SEL_A and host $SEL_B"
		fi
		n_clear=$(tcpdump -n -r "$tmp/cap" "$clear" 2>/dev/null | wc -l)
		n_esp1=$(tcpdump -n -r "$tmp/cap" 2>/dev/null | grep -c "$PNAME(spi=0x00001000")
		n_esp2=$(tcpdump -n -r "$tmp/cap" 2>/dev/null | grep -c "$PNAME(spi=0x00002000")
		assert_eq 0 "$n_clear" "$WHAT: packets of the flow in the clear on the wire"
		[ "$n_esp1" -ge 5 ] && [ "$n_esp2" -ge 5 ] ||
			fail "$WHAT: $PNAME on the wire: $n_esp1 with spi 0x1000, $n_esp2 with spi 0x2000"
		log "$WHAT: ping, 3000-byte ping, TCP $BYTES bytes ok; wire: $n_esp1 + $n_esp2 $PNAME${MANGLE:+ (mutable fields rewritten)}, 0 in the clear"
		# (d) to (g)
		[ "$attack" = 1 ] && attacks
		teardown
	done
done

for alg in $ESN_ALGS; do
	[ "$alg" = none ] || esn "$alg"
done

# (h) and (i): ESP in transport mode (with AH, the rewritten hop limit
# would make neighbour discovery invalid).
WHAT="catch-all"
unpin
setup aes-gcm-128 transport
ns_run "$A" "$NFSEC_TOOL" policy add dir out family inet6 priority 100 action discard ||
	fail "catch-all policy out refused"
ns_run "$A" "$NFSEC_TOOL" policy add dir in family inet6 priority 100 action discard ||
	fail "catch-all policy in refused"
ns_ip "$A" -6 neigh flush dev va
ns_ip "$B" -6 neigh flush dev vb
d0=$(nfsec_nstat "$A" discard)
ns_run "$A" ping -6 -c 2 -W 3 $B6 >/dev/null ||
	fail "$WHAT: the protected flow with a catch-all discard policy (neighbour discovery caught?)"
ns_run "$B" ping -6 -c 1 -W 2 -I $B6X $A6 >/dev/null &&
	fail "$WHAT: a ping from $B6X passed a discard policy"
d1=$(nfsec_nstat "$A" discard)
[ "$((d1 - d0))" -ge 1 ] || fail "$WHAT: discard counter +$((d1 - d0)), want >= 1"
log "$WHAT: neighbour discovery passes a catch-all discard policy, other IPv6 is discarded"

WHAT="plaintext"
ns_ip "$B" xfrm policy flush
p0=$(nfsec_nstat "$A" plaintext)
ns_run "$B" ping -6 -c 2 -W 2 -I $B6 $A6 >/dev/null &&
	fail "$WHAT: a ping in the clear from $B6 was answered"
p1=$(nfsec_nstat "$A" plaintext)
[ "$((p1 - p0))" -ge 2 ] || fail "$WHAT: plaintext counter +$((p1 - p0)), want >= 2"
log "$WHAT: IPv6 in the clear where a protect policy applies is dropped and counted"
teardown

dmesg_check
exit "$KSFT_PASS"
