#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# AH on the wire, for tshark on the host (selftests/tshark.sh): a short
# capture per pairing and mode, with the SAs, saved in $NFSEC_EXPORT/ah/.
#
#        a                    r                    b
#  +-------------+     +------------+     +-------------+
#  | 10.0.1.1    |r0-a0| 10.0.1.254 |b0-r0| 10.0.2.1    |
#  | 10.1.0.1 d0 |     | 10.0.2.254 |  ^  | 10.2.0.1 d0 |  (dummy devices:
#  +-------------+     +------------+  |  +-------------+   inner addresses)
#     <======= AH transport 10.0.1.1 <-> 10.0.2.1 =======>
#     <= AH tunnel 10.1.0.0/24 <-> 10.2.0.0/24 (gateways a, b) =>
#                       the wire: tcpdump on r's b0
#
# Per pairing and mode: two pings and one UDP datagram carrying a marker
# each way, captured on r's b0 (not on a or b, where the decapsulated
# packet is seen again). Here the capture must hold only AH (IP
# protocol 51) with the two SPIs and show the marker (AH does not
# encrypt); tshark checks SPIs, sequence numbers and next headers.
#
# Knobs: NFSEC_AH_PAIRINGS (default "xfrm-xfrm"; nfsec-xfrm, xfrm-nfsec
# and nfsec-nfsec once nfsec has an AH data path), NFSEC_AH_MODES
# ("transport tunnel"). Without NFSEC_EXPORT (outside the test VM) the
# captures are checked here and not kept.
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip tcpdump
require_tool

PAIRINGS=${NFSEC_AH_PAIRINGS:-xfrm-xfrm}
MODES=${NFSEC_AH_MODES:-transport tunnel}
PAIRINGS=${PAIRINGS//,/ } MODES=${MODES//,/ }
MARKER="NFSEC-AH-MARKER-$$-$RANDOM"
tmp=$(mktemp -d)
defer "rm -rf $tmp"

need_nfsec=0
for p in $PAIRINGS; do
	case "$p" in
	xfrm-xfrm) ;;
	nfsec-xfrm | xfrm-nfsec | nfsec-nfsec) need_nfsec=1 ;;
	*) fail "NFSEC_AH_PAIRINGS: unknown pairing '$p'" ;;
	esac
done
dmesg_mark
if [ "$need_nfsec" = 1 ]; then
	nfsec_unload_quiet
	nfsec_load
fi

ns_create A
ns_create R
ns_create B
for ns in "$A" "$R" "$B"; do
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
for ns in "$A" "$B"; do
	ip -n "$ns" link add d0 type dummy
	ip -n "$ns" link set d0 up
done
veth_pair "$A" r0 "$R" a0
veth_pair "$R" b0 "$B" r0
addr_add "$A" r0 10.0.1.1/24
addr_add "$R" a0 10.0.1.254/24
addr_add "$R" b0 10.0.2.254/24
addr_add "$B" r0 10.0.2.1/24
addr_add "$A" d0 10.1.0.1/24
addr_add "$B" d0 10.2.0.1/24
ip netns exec "$R" sysctl -q -w net.ipv4.ip_forward=1
# Traffic to the far inner network leaves from the near inner address.
ip -n "$A" route add 10.0.2.0/24 via 10.0.1.254
ip -n "$A" route add 10.2.0.0/24 via 10.0.1.254 src 10.1.0.1
ip -n "$B" route add 10.0.1.0/24 via 10.0.2.254
ip -n "$B" route add 10.1.0.0/24 via 10.0.2.254 src 10.2.0.1
ip netns exec "$A" ping -c 1 -W 2 10.0.2.1 >/dev/null || fail "no plaintext path a -> b"

clear_side() {
	ip -n "$1" xfrm policy flush
	ip -n "$1" xfrm state flush
	if nfsec_loaded; then
		ip netns exec "$1" "$NFSEC_TOOL" policy flush >/dev/null
		ip netns exec "$1" "$NFSEC_TOOL" sa flush >/dev/null
	fi
}

cfg() { "$@" || fail "$WHAT: '$*' failed"; }

# side IMPL NS LOCAL PEER LNET RNET MODE SPI_OUT SPI_IN: one outbound and
# one inbound AH SA with hmac-sha256 (KEY), and their policies.
side() {
	local impl=$1 ns=$2 local=$3 peer=$4 lnet=$5 rnet=$6 mode=$7 out=$8 in=$9
	if [ "$impl" = xfrm ]; then
		cfg ip -n "$ns" xfrm state add src "$local" dst "$peer" proto ah spi "$out" \
			reqid 1 mode "$mode" auth-trunc 'hmac(sha256)' "$KEY" 128
		cfg ip -n "$ns" xfrm state add src "$peer" dst "$local" proto ah spi "$in" \
			reqid 2 mode "$mode" auth-trunc 'hmac(sha256)' "$KEY" 128
		cfg ip -n "$ns" xfrm policy add src "$lnet" dst "$rnet" dir out \
			tmpl src "$local" dst "$peer" proto ah reqid 1 mode "$mode"
		cfg ip -n "$ns" xfrm policy add src "$rnet" dst "$lnet" dir in \
			tmpl src "$peer" dst "$local" proto ah reqid 2 mode "$mode"
	else
		cfg ip netns exec "$ns" "$NFSEC_TOOL" sa add proto ah src "$local" dst "$peer" \
			spi "$out" mode "$mode" auth hmac-sha256 "$KEY"
		cfg ip netns exec "$ns" "$NFSEC_TOOL" sa add proto ah src "$peer" dst "$local" \
			spi "$in" mode "$mode" auth hmac-sha256 "$KEY"
		cfg ip netns exec "$ns" "$NFSEC_TOOL" policy add dir out src "$lnet" dst "$rnet" \
			action protect sa proto ah src "$local" spi "$out"
		cfg ip netns exec "$ns" "$NFSEC_TOOL" policy add dir in src "$rnet" dst "$lnet" \
			action protect sa proto ah src "$peer" spi "$in"
	fi
}

capture_start() {
	ip netns exec "$R" tcpdump -Z root -i b0 -nn -U --immediate-mode -s 0 \
		-w "$tmp/ah.pcap" >/dev/null 2>"$tmp/tcpdump.err" &
	CAP_PID=$!
	defer "kill $CAP_PID"
	for _ in $(seq 100); do
		grep -qs 'listening on' "$tmp/tcpdump.err" && return 0
		sleep 0.1
	done
	fail "tcpdump did not start: $(cat "$tmp/tcpdump.err")"
}

capture_stop() {
	sleep 0.3
	kill -INT "$CAP_PID"
	wait "$CAP_PID" || true
}

COMBO=0
for pairing in $PAIRINGS; do
	for mode in $MODES; do
		COMBO=$((COMBO + 1))
		WHAT="$pairing $mode hmac-sha256"
		SPI_AB=$(printf '0x%08x' $((0x51000 + COMBO)))
		SPI_BA=$(printf '0x%08x' $((0x52000 + COMBO)))
		KEY=$("$NFSEC_TOOL" genkey hmac-sha256)
		clear_side "$A"
		clear_side "$B"
		if [ "$mode" = transport ]; then
			la=10.0.1.1 ra=10.0.2.1 lnet=10.0.1.1/32 rnet=10.0.2.1/32
		else
			la=10.1.0.1 ra=10.2.0.1 lnet=10.1.0.0/24 rnet=10.2.0.0/24
		fi
		side "${pairing%-*}" "$A" 10.0.1.1 10.0.2.1 "$lnet" "$rnet" "$mode" "$SPI_AB" "$SPI_BA"
		side "${pairing#*-}" "$B" 10.0.2.1 10.0.1.1 "$rnet" "$lnet" "$mode" "$SPI_BA" "$SPI_AB"

		capture_start
		out=$(ip netns exec "$A" ping -c 2 -i 0.2 -W 2 "$ra" 2>&1) || true
		assert_match ' 0% packet loss' "$out" "$WHAT: ping $ra"
		ip netns exec "$A" bash -c "echo $MARKER >/dev/udp/$ra/9" ||
			fail "$WHAT: datagram to $ra"
		ip netns exec "$B" bash -c "echo $MARKER >/dev/udp/$la/9" ||
			fail "$WHAT: datagram to $la"
		capture_stop

		n=$(tcpdump -nn -r "$tmp/ah.pcap" 2>/dev/null | grep -c . || true)
		[ "$n" -ge 6 ] || fail "$WHAT: only $n packets captured"
		# ARP may show; any IPv4 packet must be AH with an SPI of the SAs.
		bad=$(tcpdump -nn -r "$tmp/ah.pcap" "ip and not ((ip[9] = 51 and src 10.0.1.1 and dst 10.0.2.1 and ip[24:4] = $SPI_AB) or \
			(ip[9] = 51 and src 10.0.2.1 and dst 10.0.1.1 and ip[24:4] = $SPI_BA))" 2>/dev/null)
		[ -z "$bad" ] || fail "$WHAT: packets that are not AH with the expected SPIs, first: $(head -n 1 <<<"$bad")"
		n=$(grep -c -a "$MARKER" "$tmp/ah.pcap" || true)
		[ "$n" -ge 2 ] || fail "$WHAT: the marker is in $n packets, expected both directions"

		if [ -n "${NFSEC_EXPORT:-}" ]; then
			name=$(printf '%02d' "$COMBO")-$pairing-$mode-hmac-sha256
			mkdir -p "$NFSEC_EXPORT/ah"
			cp "$tmp/ah.pcap" "$NFSEC_EXPORT/ah/$name.pcap"
			cat >"$NFSEC_EXPORT/ah/$name.sa" <<-EOF
				alg hmac-sha256
				mode $mode
				marker $MARKER
				sa 10.0.1.1 10.0.2.1 $SPI_AB - $KEY
				sa 10.0.2.1 10.0.1.1 $SPI_BA - $KEY
			EOF
		fi
		rm -f "$tmp/ah.pcap"
		log "ok: $WHAT"
	done
done
clear_side "$A"
clear_side "$B"
dmesg_check
exit "$KSFT_PASS"
