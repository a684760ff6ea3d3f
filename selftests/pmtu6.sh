#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv6 path MTU and fragments: nfsec on a, XFRM on b, a router r between
# them whose link towards b carries 1280 bytes (IPv6's least) once the
# path MTU parts start.
#
#      ha                  a                  r                  b                 hb
#  +-----------+   +---------------+   +-------------+   +---------------+   +-----------+
#  |2001:db8:1:|g0 |h0 2001:db8:1::1|r0 |a0 .a::fe    |b0 |r0 2001:db8:b::2|h0 |2001:db8:2:|
#  |        :2 |---|r0 2001:db8:a::1|---|b0 .b::fe    |---|h0 2001:db8:2::1|---|        :2 |
#  +-----------+   +---------------+   +-------------+   +---------------+   +-----------+
#                       nfsec              (router)          XFRM
#                                    b0 <-> r0: MTU 1280 in (c) and (d)
#
# ESP with aes-gcm-128 between a and b, SPI 0x1001 from a, 0x2001 from b.
#   (a) forged ICMPv6 "packet too big" sent by r to a, quoting a packet
#       of a's outbound SA (transport mode): one with a wrong checksum,
#       one naming 1000 bytes (below 1280), one quoting an unknown SPI,
#       one quoting the SA's SPI towards another address, and one from
#       b's address in the clear (a's inbound policy drops it); each is
#       followed by a sound one naming less than the sound one before,
#       and the SA takes only the sound ones (its pmtu and its count of
#       ICMP errors taken);
#   (b) inner fragments in tunnel mode (6in6), a's inbound policy naming
#       the UDP port: b sends a UDP datagram to ha in four fragments
#       (fragsend; b's ruleset keeps them from netfilter's reassembly at
#       LOCAL_OUT), each through b's tunnel: ha's UDP gets the datagram
#       once (its NoPorts counter), a's SA decrypts four packets and drops
#       none by policy. Then a datagram whose first fragment comes
#       through the tunnel and the other three in the clear from r, posing
#       as b's LAN: ha never gets it (a puts the fragments it decrypted
#       together in the SA's own queue). Then all four in the clear from
#       r: netfilter puts them together and a drops the datagram as
#       plaintext;
#   (c) transport mode through the 1280-byte hop: 3 MB over TCP from a
#       to b arrive intact (sha256); a's SA learnt its path MTU, 1280,
#       from r's "packet too big"; a 3000-byte ping from a to b gets its
#       reply (a fragments the ESP packet);
#   (d) tunnel mode through the 1280-byte hop: 3 MB over TCP from ha to
#       hb arrive intact; a's SA learnt 1280, and ha's route to hb holds
#       the MTU that a's "packet too big" told it: 1280.
# Knobs: NFSEC_PMTU6_CASES, a list of forged, frag, transport and tunnel
# (default all); NFSEC_PMTU6_BYTES (default 3000000).
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip nft ping busybox timeout
require_tool
HERE=$(cd "$(dirname "$0")" && pwd)
FRAGSEND=$HERE/fragsend
[ -x "$FRAGSEND" ] || fail "$FRAGSEND is missing (make -C selftests)"
BYTES=${NFSEC_PMTU6_BYTES:-3000000}
CASES=" ${NFSEC_PMTU6_CASES:-forged frag transport tunnel} "
CASES=${CASES//,/ }

A6=2001:db8:a::1 RA6=2001:db8:a::fe RB6=2001:db8:b::fe B6=2001:db8:b::2
ALAN=2001:db8:1::1 HA6=2001:db8:1::2 BLAN=2001:db8:2::1 HB6=2001:db8:2::2
NET1=2001:db8:1::/64 NET2=2001:db8:2::/64
SPI_OUT=0x1001 SPI_IN=0x2001

tmp=$(mktemp -d)
defer "rm -rf $tmp"
dmesg_mark
nfsec_loaded || nfsec_load
nfsec() { ns_run "$A" "$NFSEC_TOOL" "$@"; }

# --- topology -------------------------------------------------------------------

ns_create A
ns_create R
ns_create B
ns_create HA
ns_create HB
for ns in "$A" "$R" "$B" "$HA" "$HB"; do
	ns_run "$ns" sysctl -q -w net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0
done
for ns in "$A" "$R" "$B"; do
	ns_run "$ns" sysctl -q -w net.ipv6.conf.all.forwarding=1
done
veth_pair "$A" r0 "$R" a0
veth_pair "$R" b0 "$B" r0
veth_pair "$HA" g0 "$A" h0
veth_pair "$HB" g0 "$B" h0
ns_ip "$A" addr add $A6/64 dev r0 nodad
ns_ip "$A" addr add $ALAN/64 dev h0 nodad
ns_ip "$R" addr add $RA6/64 dev a0 nodad
ns_ip "$R" addr add $RB6/64 dev b0 nodad
ns_ip "$B" addr add $B6/64 dev r0 nodad
ns_ip "$B" addr add $BLAN/64 dev h0 nodad
ns_ip "$HA" addr add $HA6/64 dev g0 nodad
ns_ip "$HB" addr add $HB6/64 dev g0 nodad
ns_ip "$A" -6 route add 2001:db8:b::/64 via $RA6
ns_ip "$A" -6 route add $NET2 via $RA6
ns_ip "$B" -6 route add 2001:db8:a::/64 via $RB6
ns_ip "$B" -6 route add $NET1 via $RB6
ns_ip "$R" -6 route add $NET1 via $A6
ns_ip "$R" -6 route add $NET2 via $B6
ns_ip "$HA" -6 route add default via $ALAN
ns_ip "$HB" -6 route add default via $BLAN
ns_run "$A" ping -6 -c 1 -W 5 $B6 >/dev/null || fail "no IPv6 path a -> b in the clear"
ns_run "$HA" ping -6 -c 1 -W 5 $HB6 >/dev/null || fail "no IPv6 path ha -> hb in the clear"

# fragsend sends fragments from b and r through a raw socket: with nfsec
# loaded, netfilter reassembles at LOCAL_OUT in every namespace, and IPv6
# has no IP_NODEFRAG. Fragments are kept out of conntrack before that.
for ns in "$B" "$R"; do
	ns_run "$ns" nft -f - <<-EOF || fail "nft notrack table"
	table ip6 nodefrag {
		chain out {
			type filter hook output priority -450;
			ip6 nexthdr 44 notrack
		}
	}
	EOF
done

# sas MODE LNET RNET [IN...]: aes-gcm-128 SAs and policies, nfsec on a,
# XFRM on b; LNET is a's side, IN more selectors of a's inbound policy.
sas() {
	local mode=$1 lnet=$2 rnet=$3 k
	shift 3
	k=$("$NFSEC_TOOL" genkey aes-gcm-128)
	ns_run_quiet "$A" "$NFSEC_TOOL" policy flush >/dev/null
	ns_run_quiet "$A" "$NFSEC_TOOL" sa flush >/dev/null
	ns_ip_quiet "$B" xfrm policy flush
	ns_ip_quiet "$B" xfrm state flush
	nfsec sa add proto esp src $A6 dst $B6 spi $SPI_OUT mode "$mode" aead aes-gcm "$k" &&
	nfsec sa add proto esp src $B6 dst $A6 spi $SPI_IN mode "$mode" aead aes-gcm "$k" &&
	nfsec policy add dir out src "$lnet" dst "$rnet" action protect \
		sa proto esp src $A6 spi $SPI_OUT &&
	nfsec policy add dir in src "$rnet" dst "$lnet" "$@" action protect \
		sa proto esp src $B6 spi $SPI_IN || fail "$WHAT: nfsec configuration refused"
	ns_ip "$B" xfrm state add src $B6 dst $A6 proto esp spi $SPI_IN reqid 1 \
		mode "$mode" aead 'rfc4106(gcm(aes))' "$k" 128 &&
	ns_ip "$B" xfrm state add src $A6 dst $B6 proto esp spi $SPI_OUT reqid 2 \
		mode "$mode" aead 'rfc4106(gcm(aes))' "$k" 128 &&
	ns_ip "$B" xfrm policy add src "$rnet" dst "$lnet" dir out \
		tmpl src $B6 dst $A6 proto esp reqid 1 mode "$mode" &&
	ns_ip "$B" xfrm policy add src "$lnet" dst "$rnet" dir in \
		tmpl src $A6 dst $B6 proto esp reqid 2 mode "$mode" || fail "$WHAT: XFRM refused"
	[ "$mode" = transport ] ||
		ns_ip "$B" xfrm policy add src "$lnet" dst "$rnet" dir fwd \
			tmpl src $A6 dst $B6 proto esp reqid 2 mode "$mode" ||
		fail "$WHAT: XFRM refused the forward policy"
}

# The path MTU a's outbound SA reports (nothing if none), and its count
# of ICMPv6 errors it took one from.
sa_pmtu() {
	json_num pmtu "$(ns_run_quiet "$A" "$NFSEC_TOOL" -j sa get proto esp src $A6 spi $SPI_OUT)"
}

sa_pmtu_updates() {
	local n
	n=$(nfsec_sa_stat "$A" esp $A6 $SPI_OUT pmtu_updates)
	echo "${n:-0}"
}

# snmp6 NS FIELD: a counter of /proc/net/snmp6 in NS.
snmp6() {
	ns_run_quiet "$1" awk -v f="$2" '$1 == f { print $2 }' /proc/net/snmp6
}

# udp6_noports NS: datagrams that reached UDP over IPv6 with no socket.
udp6_noports() { snmp6 "$1" Udp6NoPorts; }

# What a path MTU failure needs explained, on one line.
pmtu_state() {
	echo "a's SA: pmtu '$(sa_pmtu)', $(sa_pmtu_updates) ICMPv6 errors taken;" \
		"r sent $(snmp6 "$R" Icmp6OutPktTooBigs) packet-too-big;" \
		"a made $(snmp6 "$A" Ip6FragCreates) fragments;" \
		"a's route to b: $(ns_ip_quiet "$A" -6 route get $B6 | head -n 1);" \
		"ha's route to hb: $(ns_ip_quiet "$HA" -6 route get $HB6 | head -n 1)"
}

# transfer FROM TO ADDR: BYTES random bytes over TCP, sha256 compared.
transfer() {
	tcp_transfer "$1" "$2" "$3" "$BYTES" "$tmp" ||
		fail "$WHAT: TCP transfer to $3 did not complete in 60 s ($(pmtu_state))"
}

# --- (a) forged packet too big -----------------------------------------------------

# too_big MTU SRC SPI QDST [--bad-csum]: r sends a a "packet too big"
# from SRC quoting an ESP packet from a to QDST with SPI.
too_big() {
	# shellcheck disable=SC2086 # no word, or one
	ns_run "$R" "$FRAGSEND" --src "$2" --dst $A6 --too-big "$1" \
		--quote "$A6,$4,$3" ${5:-} >/dev/null || fail "$WHAT: fragsend on r failed"
}

case_forged() {
	local good=1400 f n
	WHAT="(a) forged packet too big"
	sas transport $A6/128 $B6/128
	assert_eq "" "$(sa_pmtu)" "$WHAT: the path MTU of a new SA"
	# MTU, source, SPI, quoted destination, what is wrong.
	for f in "1300 $RA6 $SPI_OUT $B6 --bad-csum" \
		"1000 $RA6 $SPI_OUT $B6" \
		"1300 $RA6 0x9999 $B6" \
		"1300 $RA6 $SPI_OUT 2001:db8:b::99" \
		"1300 $B6 $SPI_OUT $B6"; do
		# shellcheck disable=SC2086 # the words of a case
		set -- $f
		WHAT="(a) forged packet too big: MTU $1 from $2 quoting SPI $3 to $4${5:+ $5}"
		n=$(sa_pmtu_updates)
		too_big "$@"
		too_big $good $RA6 $SPI_OUT $B6
		expect_delta "ICMPv6 errors a's SA took a path MTU from" "$n" 1 sa_pmtu_updates
		assert_eq $good "$(sa_pmtu)" "$WHAT: the path MTU a's SA reports"
		log "$WHAT: ignored, the sound one after it taken"
		good=$((good - 20))
	done
}

# --- (b) inner fragments ----------------------------------------------------------

# No socket listens on ha: a datagram that reaches UDP whole counts in
# ha's Udp6NoPorts.
case_frag() {
	local n p c i
	WHAT="(b) inner fragments"
	sas tunnel $NET1 $NET2 proto udp dport 7777
	n=$(udp6_noports "$HA")
	p=$(nfsec_sa_stat "$A" esp $B6 $SPI_IN packets)
	ns_run "$B" "$FRAGSEND" --src $BLAN --dst "[$HA6]:7777" --len 3000 \
		--id 0x11111111 >/dev/null || fail "$WHAT: fragsend on b failed"
	expect_delta "3000-byte datagrams that reached UDP on ha" "$n" 1 udp6_noports "$HA"
	assert_eq "$((p + 4))" "$(nfsec_sa_stat "$A" esp $B6 $SPI_IN packets)" \
		"$WHAT: packets a's inbound SA decrypted"
	assert_eq 0 "$(nfsec_sa_stat "$A" esp $B6 $SPI_IN drop_policy)" \
		"$WHAT: drop-policy of a's inbound SA"
	log "$WHAT: ok, 4 fragments through the tunnel, one datagram to ha's UDP"

	WHAT="(b) a protected first fragment, the others in the clear"
	ns_run "$B" "$FRAGSEND" --src $BLAN --dst "[$HA6]:7777" --len 3000 \
		--id 0x22222222 --only 0 >/dev/null || fail "$WHAT: fragsend on b failed"
	for i in 1 2 3; do
		ns_run "$R" "$FRAGSEND" --src $BLAN --dst "[$HA6]:7777" --len 3000 \
			--id 0x22222222 --only $i >/dev/null || fail "$WHAT: fragsend on r failed"
	done
	expect_delta "packets a's inbound SA decrypted" "$((p + 4))" 1 \
		nfsec_sa_stat "$A" esp $B6 $SPI_IN packets
	sleep 2
	assert_eq "$((n + 1))" "$(udp6_noports "$HA")" "$WHAT: datagrams that reached UDP on ha"
	log "$WHAT: ok, ha got nothing"

	# The control: r's fragments reach a, and make a datagram there.
	WHAT="(b) all fragments in the clear"
	c=$(nfsec_nstat "$A" plaintext)
	ns_run "$R" "$FRAGSEND" --src $BLAN --dst "[$HA6]:7777" --len 3000 \
		--id 0x33333333 >/dev/null || fail "$WHAT: fragsend on r failed"
	expect_delta "plaintext drops on a" "$c" 1 nfsec_nstat "$A" plaintext
	assert_eq "$((n + 1))" "$(udp6_noports "$HA")" "$WHAT: datagrams that reached UDP on ha"
	log "$WHAT: ok, put together and dropped as plaintext"
}

# --- (c), (d) path MTU 1280 ----------------------------------------------------------

case_transport() {
	local n
	WHAT="(c) path MTU 1280, transport"
	sas transport $A6/128 $B6/128
	transfer "$A" "$B" $B6
	n=$(sa_pmtu_updates)
	[ "$n" -ge 1 ] || fail "$WHAT: a's SA learnt no path MTU (pmtu_updates $n)"
	assert_eq 1280 "$(sa_pmtu)" "$WHAT: the path MTU a's SA reports"
	ns_run "$A" ping -6 -c 2 -W 3 -s 3000 $B6 >/dev/null ||
		fail "$WHAT: no reply to a 3000-byte ping a -> b ($(pmtu_state))"
	log "$WHAT: ok ($n ICMPv6 errors taken, 3000-byte ping answered)"
}

case_tunnel() {
	local n r
	WHAT="(d) path MTU 1280, tunnel"
	# The path MTU (c) taught a's route to b would spare (d) the error
	# it is about: forget it.
	ns_ip "$A" -6 route flush cache
	sas tunnel $NET1 $NET2
	transfer "$HA" "$HB" $HB6
	n=$(sa_pmtu_updates)
	[ "$n" -ge 1 ] || fail "$WHAT: a's SA learnt no path MTU (pmtu_updates $n)"
	assert_eq 1280 "$(sa_pmtu)" "$WHAT: the path MTU a's SA reports"
	r=$(ns_ip "$HA" -6 route get $HB6)
	assert_match " mtu 1280 " "$r" "$WHAT: ha's route to hb"
	log "$WHAT: ok ($n ICMPv6 errors taken; ha's route: mtu 1280)"
}

[[ $CASES != *" forged "* ]] || case_forged
[[ $CASES != *" frag "* ]] || case_frag
if [[ $CASES =~ \ (transport|tunnel)\  ]]; then
	ns_ip "$R" link set b0 mtu 1280
	ns_ip "$B" link set r0 mtu 1280
	[[ $CASES != *" transport "* ]] || case_transport
	[[ $CASES != *" tunnel "* ]] || case_tunnel
fi

dmesg_check
log "all passed"
