#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP and AH with IPv6 against the kernel's own IPsec (XFRM): nfsec on a,
# XFRM on b, one veth between them carrying IPv6 and IPv4.
#
#   a 2001:db8::1  va ---- vb 2001:db8::2 b
#     10.0.1.1                10.0.1.2
#     nfsec                   XFRM (ip xfrm)
#
# For each algorithm (NFSEC_ESP6_ALGS: ESP's, and AH's as ah-ALG) and
# mode (NFSEC_ESP6_MODES):
#   transport  IPv6 in ESP over IPv6;
#   tunnel6    IPv6 in ESP over IPv6 (6in6);
#   tunnel4in6 IPv4 traffic in a tunnel whose SAs are IPv6;
#   tunnel6in4 IPv6 traffic in a tunnel whose SAs are IPv4;
# (a) ping each way, also 3000 bytes (the ESP packet fragmented by its
#     sender), and both SAs of a count packets;
# (b) NFSEC_ESP6_BYTES random bytes over TCP from a to b, sha256 compared;
# (c) the capture on a (where decrypted packets do not show) holds the
#     flow's SPIs as ESP (AH) and not one of its packets in the clear;
# AH with an IPv6 outer header also meets, on both sides, a rewrite of
# the mutable fields (hop limit, flow label, traffic class) before it is
# verified, as a router on the way could do (nft at prerouting);
# (d) a catch-all discard policy for IPv6 on a, both directions, behind
#     the protect policies: neighbour discovery still passes (a's
#     neighbour cache is flushed first), the protected flow too, and a
#     ping from b's other address is dropped (discard counter);
# (e) plaintext from b posing as the protected flow (ping without XFRM's
#     policies) is dropped by a and counted as plaintext.
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip ping tcpdump timeout busybox nft
require_tool

# Lists separated by spaces or commas.
ALGS=${NFSEC_ESP6_ALGS:-"aes-gcm-128 aes-cbc-128+hmac-sha256 ah-hmac-sha256"}
ALGS=${ALGS//,/ }
MODES=${NFSEC_ESP6_MODES:-"transport tunnel6 tunnel4in6 tunnel6in4"}
MODES=${MODES//,/ }
BYTES=${NFSEC_ESP6_BYTES:-1000000}
A6=2001:db8::1 B6=2001:db8::2 B6X=2001:db8::3 A4=10.0.1.1 B4=10.0.1.2
tmp=$(mktemp -d)
defer "rm -rf $tmp"

nfsec_load
ns_create A a
ns_create B b
veth_pair "$A" va "$B" vb
ns_ip "$A" addr add $A6/64 dev va nodad
ns_ip "$B" addr add $B6/64 dev vb nodad
ns_ip "$B" addr add $B6X/64 dev vb nodad
addr_add "$A" va $A4/24
addr_add "$B" vb $B4/24
ns_run "$A" ping -6 -c 1 -W 5 $B6 >/dev/null || fail "no IPv6 path a -> b in the clear"

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

# setup ALG MODE: the SAs (a -> b spi 0x1000, b -> a spi 0x2000) and
# the policies of both sides. Sets SA (the SAs' addresses), SEL (the
# flow's) and PING (ping's family option).
setup() {
	local alg=$1 mode=$2 nmode=tunnel xflag= xmode=tunnel sa_a sa_b
	local x
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
	ns_run "$A" "$NFSEC_TOOL" sa add proto $PROTO src $sa_a dst $sa_b spi 0x1000 mode $nmode $NALG &&
	ns_run "$A" "$NFSEC_TOOL" sa add proto $PROTO src $sa_b dst $sa_a spi 0x2000 mode $nmode $NALG &&
	ns_run "$A" "$NFSEC_TOOL" policy add dir out src $SEL_A/$plen dst $SEL_B/$plen action protect sa proto $PROTO src $sa_a spi 0x1000 &&
	ns_run "$A" "$NFSEC_TOOL" policy add dir in src $SEL_B/$plen dst $SEL_A/$plen action protect sa proto $PROTO src $sa_b spi 0x2000
	} || fail "$WHAT: nfsec configuration refused"
	for x in "$sa_a $sa_b 0x1000" "$sa_b $sa_a 0x2000"; do
		set -- $x
		# shellcheck disable=SC2086
		ns_ip "$B" xfrm state add src "$1" dst "$2" proto $PROTO spi "$3" mode $xmode $XALG $xflag ||
			fail "$WHAT: XFRM refused the SA $3"
	done
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

for alg in $ALGS; do
	for mode in $MODES; do
		WHAT="$mode $alg"
		log "--- $WHAT"
		setup "$alg" "$mode"
		out0=$(nfsec_sa_stat "$A" $PROTO "$SA_A" 0x1000 packets)
		in0=$(nfsec_sa_stat "$A" $PROTO "$SA_B" 0x2000 packets)
		ns_bg "$A" tcpdump -n -i va -w "$tmp/cap" -U \
			"host $SEL_A or host $SA_A or host $SEL_B or host $SA_B" 2>/dev/null
		cap=$!
		sleep 1
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
		teardown
	done
done

# (d) and (e): ESP in transport mode (with AH, the rewritten hop limit
# would make neighbour discovery invalid).
WHAT="catch-all"
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
