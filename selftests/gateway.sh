#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nfsec on hosts and gateways that also run a stateful firewall and NAT,
# behind a path with a smaller MTU, with XFRM as the peer.
#
#      ha                  a                    r                    b                 hb
#  +-----------+     +-----------+       +-----------+       +-----------+     +-----------+
#  |192.168.1.2|g0-h0|192.168.1.1|r0---a0|10.0.1.254 |b0---r0|192.168.2.1|h0-g0|192.168.2.2|
#  |           |     | 10.0.1.1  |       | (router)  |       | 10.0.1.2  |     |           |
#  +-----------+     +-----------+       +-----------+       +-----------+     +-----------+
#                     nfsec (+nft)                              XFRM
#
# a runs nfsec and nftables; b runs XFRM with the same keys. For each order
# of loading (the ruleset before nfsec.ko, and nfsec.ko before the
# ruleset: netfilter orders hooks of equal priority by registration, and
# nothing may depend on it):
#   (a) tunnel 192.168.1.0/24 <-> 192.168.2.0/24, a's forward chain drops
#       all but established flows and new ones from its LAN: a TCP
#       connection from ha to hb completes, one from hb to ha does not;
#   (b) transport a <-> b, a's input and output chains stateful: a
#       connects to b, and b to a's one open port; b's connection to a
#       closed port is dropped;
#   (c) a masquerades its LAN behind 10.0.1.1, and the tunnel protects
#       10.0.1.1 <-> 192.168.2.0/24: ha reaches hb through it, and b's
#       SA counts the packets.
# Then, without a firewall:
#   (d) inner fragments: b sends a UDP datagram in four fragments
#       (fragsend: netfilter's reassembly, which nfsec turns on in every
#       namespace, would put them together before XFRM sees them) through
#       its tunnel, and a's inbound policy names the UDP port: the
#       datagram reaches ha's UDP (its NoPorts counter) whole, and a drops
#       none of it. Then its first fragment again through the tunnel, and
#       the other three in the clear from r, posing as b: ha never gets
#       that datagram. Then a datagram whose fragments all carry DF, as
#       from a peer that fragments before IPsec: a forwards it to ha (in
#       fragments no larger than b's). Then, with a second SA from b to a
#       (b's packets marked 7 take it), a fragment through it that
#       overlaps a datagram coming through the first SA, with the same
#       addresses and IP ID: ha gets that datagram whole all the same;
#   (e) path MTU: first forged ICMP "fragmentation needed" errors from r
#       quoting a's outbound SA: one with a wrong checksum, one from b's
#       address in the clear (a's inbound policy drops it), one naming
#       500 bytes (below net.ipv4.route.min_pmtu), each followed by a
#       sound one naming less than the sound one before: the SA takes
#       only the sound ones. Then r's link towards b has MTU 1280.
#       3 MB over TCP from a to b in transport mode and from ha to hb in
#       tunnel mode arrive intact (sha256); a's SA counts the ICMP errors
#       it learnt a path MTU from and reports the path MTU.
# And the SAs themselves:
#   (f) SA direction: the tool names the direction nfsec chose for SAs
#       added without one (in: the destination is a's), and an ESP packet
#       of a's outbound SA that r sends back to a is not taken for an
#       inbound one: a counts no-sa, the outbound SA drops nothing;
#   (g) AH with aes-gmac, a to ha: the SA deleted and added again with
#       the same key sends none of the IVs it sent before.
# And a VRF:
#   (h) a's link towards r enslaved to a VRF device, which sends packets
#       through POST_ROUTING and PRE_ROUTING twice: a ping from a in the
#       VRF to b in transport mode gets its replies, each packet is
#       protected and decrypted once, and a drops nothing as plaintext.
# Knobs: NFSEC_GATEWAY_CASES, a list of before, after, frag, pmtu, dir,
# gmac and vrf (default all); NFSEC_GATEWAY_KEEP_MODULE=1 uses the nfsec that is
# loaded (esp_async.sh probes it) for the parts after the firewall ones.
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip nft tcpdump busybox timeout
require_tool
HERE=$(cd "$(dirname "$0")" && pwd)
FRAGSEND=$HERE/fragsend
PKTINJECT=$HERE/pktinject
[ -x "$PKTINJECT" ] || fail "$PKTINJECT is missing (make -C selftests)"
[ -x "$FRAGSEND" ] || fail "$FRAGSEND is missing (make -C selftests)"
nfsec() { ip netns exec "$A" "$NFSEC_TOOL" "$@"; }

tmp=$(mktemp -d)
defer "rm -rf $tmp"
dmesg_mark
# Each part loads nfsec itself, before or after the firewall.
[ "${NFSEC_GATEWAY_KEEP_MODULE:-0}" = 1 ] || nfsec_unload_quiet
SPI_OUT=0x1001
SPI_IN=0x2001

topology() {
	local ns
	ns_hosts A R B HA HB
	for ns in "$A" "$R" "$B" "$HA" "$HB"; do
		ip netns exec "$ns" sysctl -q -w net.ipv4.ip_forward=1
	done
	veth_pair "$A" r0 "$R" a0
	veth_pair "$R" b0 "$B" r0
	veth_pair "$HA" g0 "$A" h0
	veth_pair "$HB" g0 "$B" h0
	addr_add "$A" r0 10.0.1.1/24
	addr_add "$A" h0 192.168.1.1/24
	addr_add "$B" r0 10.0.1.2/24
	addr_add "$B" h0 192.168.2.1/24
	addr_add "$R" a0 10.0.1.254/32
	addr_add "$R" b0 10.0.1.254/32
	ip -n "$R" route add 10.0.1.1/32 dev a0
	ip -n "$R" route add 10.0.1.2/32 dev b0
	ip -n "$R" route add 192.168.1.0/24 via 10.0.1.1 dev a0
	ip -n "$A" route add 192.168.2.0/24 via 10.0.1.2 dev r0
	ip -n "$B" route add 192.168.1.0/24 via 10.0.1.1 dev r0 src 192.168.2.1
	# r reaches the peers on their own link: proxy ARP for the /24.
	ip netns exec "$R" sysctl -q -w net.ipv4.conf.a0.proxy_arp=1 net.ipv4.conf.b0.proxy_arp=1
	addr_add "$HA" g0 192.168.1.2/24
	ip -n "$HA" route add default via 192.168.1.1
	addr_add "$HB" g0 192.168.2.2/24
	ip -n "$HB" route add default via 192.168.2.1
	ip netns exec "$A" ping -c 1 -W 2 10.0.1.2 >/dev/null || fail "no plaintext path a -> b"
}

# sas MODE LNET RNET: aes-gcm-128 SAs and policies, nfsec on a, XFRM on b.
# LNET is a's side.
sas() {
	local mode=$1 lnet=$2 rnet=$3 k
	k=$("$NFSEC_TOOL" genkey aes-gcm-128)
	nfsec policy flush >/dev/null
	nfsec sa flush >/dev/null
	ip -n "$B" xfrm policy flush
	ip -n "$B" xfrm state flush
	nfsec sa add proto esp src 10.0.1.1 dst 10.0.1.2 spi $SPI_OUT mode "$mode" aead aes-gcm "$k" ||
		fail "sa add out"
	nfsec sa add proto esp src 10.0.1.2 dst 10.0.1.1 spi $SPI_IN mode "$mode" aead aes-gcm "$k" ||
		fail "sa add in"
	nfsec policy add dir out src "$lnet" dst "$rnet" ${4:-} action protect \
		sa proto esp src 10.0.1.1 spi $SPI_OUT || fail "policy add out"
	nfsec policy add dir in src "$rnet" dst "$lnet" ${5:-} action protect \
		sa proto esp src 10.0.1.2 spi $SPI_IN || fail "policy add in"
	ip -n "$B" xfrm state add src 10.0.1.2 dst 10.0.1.1 proto esp spi $SPI_IN reqid 1 \
		mode "$mode" aead 'rfc4106(gcm(aes))' "$k" 128
	ip -n "$B" xfrm state add src 10.0.1.1 dst 10.0.1.2 proto esp spi $SPI_OUT reqid 2 \
		mode "$mode" aead 'rfc4106(gcm(aes))' "$k" 128
	ip -n "$B" xfrm policy add src "$rnet" dst "$lnet" dir out \
		tmpl src 10.0.1.2 dst 10.0.1.1 proto esp reqid 1 mode "$mode"
	ip -n "$B" xfrm policy add src "$lnet" dst "$rnet" dir in \
		tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 2 mode "$mode"
	[ "$mode" = transport ] ||
		ip -n "$B" xfrm policy add src "$lnet" dst "$rnet" dir fwd \
			tmpl src 10.0.1.1 dst 10.0.1.2 proto esp reqid 2 mode "$mode"
}

# b's inbound SA (from a): its packet count.
b_rx() {
	ip -n "$B" -s xfrm state get src 10.0.1.1 dst 10.0.1.2 proto esp spi $SPI_OUT |
		sed -nE 's/^[[:space:]]*[0-9]+\(bytes\), ([0-9]+)\(packets\).*/\1/p'
}

# listen NS PORT FILE: a TCP server that writes what it receives to FILE.
listen() {
	local ns=$1 port=$2 i
	rm -f "$3"
	ip netns exec "$ns" timeout 120 busybox nc -l -p "$port" >"$3" &
	SRV=$!
	defer "kill $SRV"
	for i in $(seq 50); do
		ip netns exec "$ns" busybox netstat -ltn 2>/dev/null | grep -q ":$port " && return 0
		sleep 0.1
	done
	fail "$WHAT: no listener on port $port"
}

# tcp_ok FROM TO ADDR PORT: a connection from FROM to ADDR:PORT (in TO)
# carries a line.
tcp_ok() {
	local from=$1 to=$2 addr=$3 port=$4
	listen "$to" "$port" "$tmp/rx"
	ip netns exec "$from" timeout 10 bash -c "echo hello-$port >/dev/tcp/$addr/$port" ||
		fail "$WHAT: TCP connection $from -> $addr:$port failed"
	wait "$SRV" || true
	assert_eq "hello-$port" "$(cat "$tmp/rx")" "$WHAT: what $addr:$port received"
}

# tcp_blocked FROM TO ADDR PORT: a connection attempt does not complete.
tcp_blocked() {
	local from=$1 to=$2 addr=$3 port=$4
	listen "$to" "$port" "$tmp/rx"
	if ip netns exec "$from" timeout 3 bash -c "echo x >/dev/tcp/$addr/$port" 2>/dev/null; then
		fail "$WHAT: TCP connection to $addr:$port got through the firewall"
	fi
	kill "$SRV" 2>/dev/null || true
	wait "$SRV" 2>/dev/null || true
}

fw_forward() {
	ip netns exec "$A" nft -f - <<-EOF
	table inet fw {
		chain forward {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept
			ct state new iifname "h0" accept
		}
	}
	EOF
}

fw_host() {
	ip netns exec "$A" nft -f - <<-EOF
	table inet fw {
		chain input {
			type filter hook input priority filter; policy drop;
			ct state established,related accept
			iifname "lo" accept
			ct state new tcp dport 5002 accept
		}
		chain output {
			type filter hook output priority filter; policy drop;
			ct state established,related accept
			oifname "lo" accept
			ct state new tcp dport 5001 accept
		}
	}
	EOF
}

fw_masquerade() {
	ip netns exec "$A" nft -f - <<-EOF
	table ip nat {
		chain postrouting {
			type nat hook postrouting priority srcnat;
			oifname "r0" ip saddr 192.168.1.0/24 masquerade
		}
	}
	EOF
}

# case_firewall ORDER: (a) to (c), the ruleset loaded before (ORDER=before)
# or after nfsec.ko.
case_firewall() {
	local order=$1 n
	topology
	[ "$order" = before ] || nfsec_load
	fw_forward
	[ "$order" = after ] || nfsec_load

	WHAT="(a) tunnel gateway, forward chain, ruleset $order nfsec"
	sas tunnel 192.168.1.0/24 192.168.2.0/24
	tcp_ok "$HA" "$HB" 192.168.2.2 5001
	tcp_blocked "$HB" "$HA" 192.168.1.2 5003
	log "$WHAT: ok"

	WHAT="(b) transport host, input and output chains, ruleset $order nfsec"
	ip netns exec "$A" nft flush ruleset
	fw_host
	sas transport 10.0.1.1/32 10.0.1.2/32
	tcp_ok "$A" "$B" 10.0.1.2 5001
	tcp_ok "$B" "$A" 10.0.1.1 5002
	tcp_blocked "$B" "$A" 10.0.1.1 5003
	log "$WHAT: ok"

	WHAT="(c) masquerade into the tunnel, ruleset $order nfsec"
	ip netns exec "$A" nft flush ruleset
	fw_forward
	fw_masquerade
	sas tunnel 10.0.1.1/32 192.168.2.0/24
	n=$(b_rx)
	tcp_ok "$HA" "$HB" 192.168.2.2 5001
	[ "$(b_rx)" -ge "$((n + 3))" ] ||
		fail "$WHAT: b's SA from a counted $(($(b_rx) - n)) packets, not the connection's"
	log "$WHAT: ok"

	for ns in "$A" "$R" "$B" "$HA" "$HB"; do
		ns_destroy "$ns"
	done
	nfsec_unload
}

# --- (d) inner fragments ----------------------------------------------------

# No socket listens on ha: a datagram that reaches UDP whole counts in
# ha's NoPorts.
case_frag() {
	local n p i k
	WHAT="(d) inner fragments"
	sas tunnel 192.168.1.0/24 192.168.2.0/24 "" "proto udp dport 7777"
	n=$(snmp "$HA" Udp NoPorts)
	p=$(nfsec_sa_stat "$A" esp 10.0.1.2 $SPI_IN packets)
	ip netns exec "$B" "$FRAGSEND" --src 192.168.2.1 --dst 192.168.1.2:7777 --len 3000 \
		--id 0x1111 >/dev/null || fail "$WHAT: fragsend on b failed"
	expect_delta "3000-byte datagrams that reached UDP on ha" "$n" 1 snmp "$HA" Udp NoPorts
	assert_eq "$((p + 4))" "$(nfsec_sa_stat "$A" esp 10.0.1.2 $SPI_IN packets)" \
		"$WHAT: fragments a decrypted"
	assert_eq 0 "$(nfsec_sa_stat "$A" esp 10.0.1.2 $SPI_IN drop_policy)" "$WHAT: drop-policy on a"

	WHAT="(d) a protected first fragment, the others in the clear"
	ip netns exec "$B" "$FRAGSEND" --src 192.168.2.1 --dst 192.168.1.2:7777 --len 3000 \
		--id 0x2222 --only 0 >/dev/null || fail "$WHAT: fragsend on b failed"
	for i in 1 2 3; do
		ip netns exec "$R" "$FRAGSEND" --src 192.168.2.1 --dst 192.168.1.2:7777 \
			--len 3000 --id 0x2222 --only $i >/dev/null || fail "$WHAT: fragsend on r failed"
	done
	expect_delta "fragments a decrypted" "$((p + 4))" 1 \
		nfsec_sa_stat "$A" esp 10.0.1.2 $SPI_IN packets
	sleep 2
	assert_eq "$((n + 1))" "$(snmp "$HA" Udp NoPorts)" "$WHAT: datagrams that reached UDP on ha"

	WHAT="(d) inner fragments with DF, forwarded"
	ip netns exec "$B" "$FRAGSEND" --src 192.168.2.1 --dst 192.168.1.2:7777 --len 3000 \
		--id 0x3333 --df >/dev/null || fail "$WHAT: fragsend on b failed"
	expect_delta "3000-byte datagrams that reached UDP on ha" "$((n + 1))" 1 \
		snmp "$HA" Udp NoPorts

	WHAT="(d) another SA's fragment overlapping a datagram"
	k=$("$NFSEC_TOOL" genkey aes-gcm-128)
	nfsec sa add proto esp src 10.0.1.2 dst 10.0.1.1 spi 0x2002 mode tunnel aead aes-gcm "$k" ||
		fail "$WHAT: sa add"
	ip -n "$B" xfrm state add src 10.0.1.2 dst 10.0.1.1 proto esp spi 0x2002 reqid 3 \
		mode tunnel aead 'rfc4106(gcm(aes))' "$k" 128
	# The marked policy first: lower priority values win.
	ip -n "$B" xfrm policy del src 192.168.2.0/24 dst 192.168.1.0/24 dir out
	ip -n "$B" xfrm policy add src 192.168.2.0/24 dst 192.168.1.0/24 dir out priority 10 \
		tmpl src 10.0.1.2 dst 10.0.1.1 proto esp reqid 1 mode tunnel
	ip -n "$B" xfrm policy add src 192.168.2.0/24 dst 192.168.1.0/24 dir out priority 5 \
		mark 7 mask 0xffffffff tmpl src 10.0.1.2 dst 10.0.1.1 proto esp reqid 3 mode tunnel
	n=$(snmp "$HA" Udp NoPorts)
	p=$(nfsec_sa_stat "$A" esp 10.0.1.2 0x2002 packets)
	frag() {
		ip netns exec "$B" "$FRAGSEND" --src 192.168.2.1 --dst 192.168.1.2:7777 --len 3000 \
			--id 0x4444 "$@" >/dev/null || fail "$WHAT: fragsend on b failed"
	}
	frag --only 0
	# Bytes 1008 to 2015, across the first SA's second fragment (1000 to 1999).
	frag --only 1 --frag-size 1008 --mark 7
	expect_delta "fragments the second SA decrypted" "${p:-0}" 1 \
		nfsec_sa_stat "$A" esp 10.0.1.2 0x2002 packets
	for i in 1 2 3; do
		frag --only $i
	done
	expect_delta "3000-byte datagrams that reached UDP on ha" "$n" 1 snmp "$HA" Udp NoPorts
	log "(d) inner fragments: ok"
}

# --- (e) path MTU -----------------------------------------------------------

# transfer FROM TO ADDR: 3 MB over TCP, compared by sha256.
transfer() {
	local from=$1 to=$2 addr=$3 want got
	head -c 3000000 /dev/urandom >"$tmp/tx"
	want=$(busybox sha256sum <"$tmp/tx" | cut -d' ' -f1)
	listen "$to" 5001 "$tmp/rx"
	ip netns exec "$from" timeout 60 bash -c "cat $tmp/tx >/dev/tcp/$addr/5001" ||
		fail "$WHAT: TCP transfer to $addr did not complete"
	wait "$SRV" || true
	got=$(busybox sha256sum <"$tmp/rx" | cut -d' ' -f1)
	assert_eq "$want" "$got" "$WHAT: sha256 of what $addr received"
}

# forged MTU [SRC [--bad-csum]]: r sends a an ICMP "fragmentation needed"
# quoting a packet of a's outbound SA, from SRC (r's own address).
forged() {
	ip netns exec "$R" "$FRAGSEND" --src "${2:-10.0.1.254}" --dst 10.0.1.1 --frag-needed "$1" \
		--quote "10.0.1.1,10.0.1.2,$SPI_OUT" ${3:-} >/dev/null ||
		fail "$WHAT: fragsend on r failed"
}

case_pmtu() {
	local mode n out f good
	sas transport 10.0.1.1/32 10.0.1.2/32
	# Each forged error, then a sound one naming less than the sound one
	# before: a's SA takes that one only.
	good=1300
	for f in "1000 10.0.1.254 --bad-csum" "900 10.0.1.2" 500; do
		set -- $f
		WHAT="(e) forged ICMP error, MTU $1${2:+ from $2}${3:+ $3}"
		n=$(nfsec_sa_stat "$A" esp 10.0.1.1 $SPI_OUT pmtu_updates)
		forged "$@"
		forged $good
		expect_delta "ICMP errors a's SA took a path MTU from" "${n:-0}" 1 \
			nfsec_sa_stat "$A" esp 10.0.1.1 $SPI_OUT pmtu_updates
		out=$(nfsec -j sa get proto esp src 10.0.1.1 spi $SPI_OUT)
		assert_eq $good "$(json_num pmtu "$out")" "$WHAT: the path MTU a's SA reports"
		log "$WHAT: ok"
		good=$((good - 50))
	done
	ip -n "$R" link set b0 mtu 1280
	ip -n "$B" link set r0 mtu 1280
	for mode in transport tunnel; do
		WHAT="(e) path MTU 1280, $mode"
		if [ "$mode" = transport ]; then
			sas transport 10.0.1.1/32 10.0.1.2/32
			transfer "$A" "$B" 10.0.1.2
		else
			sas tunnel 192.168.1.0/24 192.168.2.0/24
			transfer "$HA" "$HB" 192.168.2.2
		fi
		n=$(nfsec_sa_stat "$A" esp 10.0.1.1 $SPI_OUT pmtu_updates)
		[ "${n:-0}" -ge 1 ] || fail "$WHAT: a's SA learnt no path MTU (pmtu_updates '${n:-}')"
		out=$(nfsec -j sa get proto esp src 10.0.1.1 spi $SPI_OUT)
		assert_eq 1280 "$(json_num pmtu "$out")" "$WHAT: the path MTU a's SA reports"
		log "$WHAT: ok ($n ICMP errors)"
	done
}

# --- (f) SA direction, (g) AES-GMAC IVs ----------------------------------------

case_dir() {
	local n d p mac
	WHAT="(f) SA direction"
	sas transport 10.0.1.1/32 10.0.1.2/32
	capture_start "$R" a0 "$tmp/out.pcap" esp
	ip netns exec "$A" ping -c 2 -W 2 10.0.1.2 >/dev/null || fail "$WHAT: no ping a -> b"
	capture_stop
	mac=$(ip -n "$A" -br link show dev r0 | awk '{ print $3 }')
	n=$(nfsec_nstat "$A" no_sa)
	d=$(nfsec_sa_stat "$A" esp 10.0.1.1 $SPI_OUT drop_policy)
	p=$(nfsec_sa_stat "$A" esp 10.0.1.1 $SPI_OUT drop_replay)
	ip netns exec "$R" "$PKTINJECT" -i a0 -r "$tmp/out.pcap" -f 50 --spi $SPI_OUT -n 1 \
		--dmac "$mac" >/dev/null || fail "$WHAT: pktinject failed"
	expect_delta "a's no-sa count" "$n" 1 nfsec_nstat "$A" no_sa
	assert_eq "$d" "$(nfsec_sa_stat "$A" esp 10.0.1.1 $SPI_OUT drop_policy)" \
		"$WHAT: drop-policy of a's outbound SA"
	assert_eq "$p" "$(nfsec_sa_stat "$A" esp 10.0.1.1 $SPI_OUT drop_replay)" \
		"$WHAT: drop-replay of a's outbound SA"
	assert_eq '"dir":"out"' "$(nfsec -j sa get proto esp src 10.0.1.1 spi $SPI_OUT |
		grep -o '"dir":"[a-z]*"')" "$WHAT: a's SA towards b"
	assert_eq '"dir":"in"' "$(nfsec -j sa get proto esp src 10.0.1.2 spi $SPI_IN |
		grep -o '"dir":"[a-z]*"')" "$WHAT: a's SA from b"
	log "$WHAT: ok"
}

case_gmac() {
	local k i ivs
	WHAT="(g) AES-GMAC IVs with a key used again"
	k=$("$NFSEC_TOOL" genkey aes-gmac-128)
	capture_start "$HA" g0 "$tmp/ah.pcap" ah
	for i in 1 2; do
		nfsec sa add proto ah src 192.168.1.1 dst 192.168.1.2 spi 0x3001 auth aes-gmac "$k" ||
			fail "$WHAT: sa add on a"
		ip netns exec "$HA" "$NFSEC_TOOL" sa add proto ah src 192.168.1.1 dst 192.168.1.2 \
			spi 0x3001 auth aes-gmac "$k" || fail "$WHAT: sa add on ha"
		if [ $i = 1 ]; then
			nfsec policy add dir out src 192.168.1.1/32 dst 192.168.1.2/32 proto icmp \
				action protect sa proto ah src 192.168.1.1 spi 0x3001
			ip netns exec "$HA" "$NFSEC_TOOL" policy add dir in src 192.168.1.1/32 \
				dst 192.168.1.2/32 proto icmp action protect \
				sa proto ah src 192.168.1.1 spi 0x3001
		fi
		ip netns exec "$A" ping -c 3 -i 0.2 -W 2 192.168.1.2 >/dev/null ||
			fail "$WHAT: no ping a -> ha over AH"
		nfsec sa del proto ah src 192.168.1.1 spi 0x3001
		ip netns exec "$HA" "$NFSEC_TOOL" sa del proto ah src 192.168.1.1 spi 0x3001
	done
	capture_stop
	# ha would drop a's ICMP in the clear (the path MTU part sends some).
	nfsec policy flush >/dev/null
	ip netns exec "$HA" "$NFSEC_TOOL" policy flush >/dev/null
	# The IV: 8 bytes after the 20-byte IPv4 header and AH's first 12.
	ivs=$(tcpdump -nn -x -r "$tmp/ah.pcap" 2>/dev/null | awk '$1 == "0x0020:" { print $2 $3 $4 $5 }')
	assert_eq 6 "$(grep -c . <<<"$ivs")" "$WHAT: AH packets captured"
	assert_eq "" "$(sort <<<"$ivs" | uniq -d)" "$WHAT: IVs sent twice"
	log "$WHAT: ok"
}

# --- (h) VRF -------------------------------------------------------------------

case_vrf() {
	local o i p
	WHAT="(h) VRF"
	sas transport 10.0.1.1/32 10.0.1.2/32
	ip -n "$A" link add vrf0 type vrf table 10 || fail "$WHAT: no VRF device"
	ip -n "$A" link set vrf0 up
	ip -n "$A" link set r0 master vrf0
	o=$(nfsec_sa_stat "$A" esp 10.0.1.1 $SPI_OUT packets)
	i=$(nfsec_sa_stat "$A" esp 10.0.1.2 $SPI_IN packets)
	p=$(nfsec_nstat "$A" plaintext)
	ip netns exec "$A" ping -c 2 -i 0.2 -W 2 -I vrf0 10.0.1.2 >/dev/null ||
		fail "$WHAT: no ping a -> b in the VRF"
	assert_eq "$((o + 2))" "$(nfsec_sa_stat "$A" esp 10.0.1.1 $SPI_OUT packets)" \
		"$WHAT: packets a's outbound SA protected"
	assert_eq "$((i + 2))" "$(nfsec_sa_stat "$A" esp 10.0.1.2 $SPI_IN packets)" \
		"$WHAT: packets a's inbound SA decrypted"
	assert_eq "$p" "$(nfsec_nstat "$A" plaintext)" "$WHAT: plaintext drops on a"
	ip -n "$A" link set r0 nomaster
	ip -n "$A" link del vrf0
	log "$WHAT: ok"
}

CASES=" ${NFSEC_GATEWAY_CASES:-before after frag pmtu dir gmac vrf} "
CASES=${CASES//,/ }
[[ $CASES != *" before "* ]] || case_firewall before
[[ $CASES != *" after "* ]] || case_firewall after
if [[ $CASES =~ \ (frag|pmtu|dir|gmac|vrf)\  ]]; then
	topology
	nfsec_loaded || nfsec_load
	[[ $CASES != *" dir "* ]] || case_dir
	[[ $CASES != *" gmac "* ]] || case_gmac
	[[ $CASES != *" frag "* ]] || case_frag
	[[ $CASES != *" pmtu "* ]] || case_pmtu
	[[ $CASES != *" vrf "* ]] || case_vrf
fi

dmesg_check
log "all passed"
