#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Request ids: what a key exchange daemon needs of nfsec, driven by hand
# with the tool, nfsec on both ends.
#
#     a 10.0.1.1 ---- b 10.0.1.2
#
# Policies name request id 1 instead of an SA, both ways on both ends.
#   (a) SPI reservation: `sa allocspi` gives an SPI in the range asked, a
#       larval SA that `sa show` lists and `nfsec save` leaves out; an ESP
#       packet for it is not taken by nfsec (b counts no-sa, the reservation
#       no packet); `sa add` with its SPI fills it in.
#   (b) rekeying without a gap: 60 s of UDP over iperf3 at a steady rate
#       from a to b while the SAs are replaced three times, in the order
#       an IKEv2 daemon follows (new inbound SAs, then new outbound, then
#       the old ones deleted a moment later): iperf3 counts no datagram
#       lost, each new outbound SA carries packets at once and the one it
#       replaced none from then on, and the wire holds ESP only;
#   (c) the newest outbound SA deleted, the one before serves again;
#   (d) idle times: an SA and a policy that carried packets report them;
#   (e) acquire: a policy for request id 9, which has no SA: a burst of
#       five datagrams is dropped and counted (no-sa +5), and `nfsec
#       monitor` prints one acquire event naming the policy and the
#       packet.
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip iperf3 tcpdump timeout
require_tool

A=10.0.1.1 B=10.0.1.2
RANGE=0xc0000000-0xc0000fff
# Headers are enough, and small slots keep up with the flow.
# shellcheck disable=SC2034 # read by capture_start (lib.sh)
CAP_SNAPLEN=128
tmp=$(mktemp -d)
defer "rm -rf $tmp"
dmesg_mark
nfsec_loaded || nfsec_load

ns_hosts NA NB
veth_pair "$NA" b0 "$NB" a0
addr_add "$NA" b0 $A/24
addr_add "$NB" a0 $B/24
ns_run "$NA" ping -c 1 -W 5 $B >/dev/null || fail "no path a -> b in the clear"

nfsec_a() { ns_run "$NA" "$NFSEC_TOOL" "$@"; }
nfsec_b() { ns_run "$NB" "$NFSEC_TOOL" "$@"; }
# spi_of OUTPUT: the SPI `sa allocspi` printed.
spi_of() { sed -n 's/^spi \(0x[0-9a-f]\{8\}\)$/\1/p' <<<"$1"; }
# pkts NS SRC SPI: the packets an SA counted.
pkts() { nfsec_sa_stat "$1" esp "$2" "$3" packets; }

for side in "$NA $A $B" "$NB $B $A"; do
	read -r ns me peer <<<"$side"
	ns_run "$ns" "$NFSEC_TOOL" policy add dir out src "$me/32" dst "$peer/32" \
		action protect reqid 1 || fail "policy add out"
	ns_run "$ns" "$NFSEC_TOOL" policy add dir in src "$peer/32" dst "$me/32" \
		action protect reqid 1 || fail "policy add in"
done

# reserve NS SRC DST: an SPI for SRC -> DST reserved in NS; its SPI.
reserve() {
	local out spi
	out=$(ns_run "$1" "$NFSEC_TOOL" sa allocspi proto esp src "$2" dst "$3" \
		reqid 1 range $RANGE) || fail "sa allocspi src $2 dst $3"
	spi=$(spi_of "$out")
	[ -n "$spi" ] || fail "sa allocspi printed no SPI: $out"
	[ $((spi)) -ge $((0xc0000000)) ] && [ $((spi)) -le $((0xc0000fff)) ] ||
		fail "sa allocspi: SPI $spi outside $RANGE"
	echo "$spi"
}

# sa_add NS SRC DST SPI DIR KEY
sa_add() {
	ns_run "$1" "$NFSEC_TOOL" sa add proto esp src "$2" dst "$3" spi "$4" \
		dir "$5" reqid 1 aead aes-gcm-128 "$6" ||
		fail "sa add src $2 spi $4 dir $5 in $1"
}

# generation: new SAs both ways, made before the old ones are broken;
# sets SPI_AB and SPI_BA.
generation() {
	local kab kba
	kab=$("$NFSEC_TOOL" genkey aes-gcm-128)
	kba=$("$NFSEC_TOOL" genkey aes-gcm-128)
	SPI_AB=$(reserve "$NB" $A $B)
	SPI_BA=$(reserve "$NA" $B $A)
	sa_add "$NB" $A $B "$SPI_AB" in "$kab"
	sa_add "$NA" $B $A "$SPI_BA" in "$kba"
	sa_add "$NA" $A $B "$SPI_AB" out "$kab"
	sa_add "$NB" $B $A "$SPI_BA" out "$kba"
}

# --- (a) reservation -----------------------------------------------------------

WHAT="(a) reservation"
LARVAL=$(reserve "$NB" $A $B)
show=$(nfsec_b sa show)
assert_match "spi $LARVAL .*dir in" "$show" "$WHAT: sa show"
assert_match "state larval" "$show" "$WHAT: sa show"
assert_no_match "$LARVAL" "$(nfsec_b save)" "$WHAT: nfsec save"
# a sends with an SA of that SPI; b has only the reservation.
key=$("$NFSEC_TOOL" genkey aes-gcm-128)
nfsec_a sa add proto esp src $A dst $B spi "$LARVAL" dir out reqid 1 \
	aead aes-gcm-128 "$key" || fail "$WHAT: sa add on a"
before=$(nfsec_nstat "$NB" no_sa)
ns_run "$NA" ping -c 1 -W 1 $B >/dev/null && fail "$WHAT: a ping answered through a reservation"
expect_delta "b's no-sa" "$before" 1 nfsec_nstat "$NB" no_sa
assert_eq 0 "$(pkts "$NB" $A "$LARVAL")" "$WHAT: packets the reservation counted"
sa_add "$NB" $A $B "$LARVAL" in "$key"
assert_match "state valid" "$(nfsec_b sa get proto esp src $A spi "$LARVAL")" \
	"$WHAT: filled in"
kba=$("$NFSEC_TOOL" genkey aes-gcm-128)
SPI_BA=$(reserve "$NA" $B $A)
sa_add "$NA" $B $A "$SPI_BA" in "$kba"
sa_add "$NB" $B $A "$SPI_BA" out "$kba"
SPI_AB=$LARVAL
ns_run "$NA" ping -c 2 -W 2 $B >/dev/null || fail "$WHAT: no ping through the SAs"

# --- (b) rekeying under a flow ---------------------------------------------------

WHAT="(b) rekey"
capture_start "$NA" b0 "$tmp/wire.pcap"
ns_bg "$NB" timeout 120 iperf3 -s -1 -p 5201 >/dev/null 2>&1
defer "kill $! 2>/dev/null"
sleep 0.5
# 1 Mbit/s of 500-byte datagrams for 60 s, 250 a second; the three
# rounds take about 20 s, 45 s on a debug kernel.
ns_bg "$NA" timeout 120 iperf3 -c $B -p 5201 -u -b 1M -l 500 -t 60 -J >"$tmp/iperf.json"
client=$!
for round in 1 2 3; do
	sleep 1
	old_ab=$SPI_AB old_ba=$SPI_BA
	generation
	# The new outbound SA takes over at once, the old one stops.
	sleep 0.5
	n_old=$(pkts "$NA" $A "$old_ab")
	sleep 0.5
	assert_eq "$n_old" "$(pkts "$NA" $A "$old_ab")" \
		"$WHAT $round: packets of the replaced SA $old_ab after the new one came"
	[ "$(pkts "$NA" $A "$SPI_AB")" -gt 0 ] ||
		fail "$WHAT $round: the new SA $SPI_AB carried nothing"
	# In flight on the old SAs: they are deleted a moment later.
	nfsec_a sa del proto esp src $A spi "$old_ab" || fail "$WHAT: sa del"
	nfsec_b sa del proto esp src $B spi "$old_ba" || fail "$WHAT: sa del"
	sleep 0.5
	nfsec_b sa del proto esp src $A spi "$old_ab" || fail "$WHAT: sa del"
	nfsec_a sa del proto esp src $B spi "$old_ba" || fail "$WHAT: sa del"
done
kill -0 "$client" 2>/dev/null || fail "$WHAT: the flow ended before the third rekey was checked"
wait "$client" || fail "$WHAT: iperf3 failed: $(head -c 600 "$tmp/iperf.json")"
capture_stop
lost=$(grep -o '"lost_packets":[[:space:]]*[0-9]*' "$tmp/iperf.json" | tail -n 1 | grep -o '[0-9]*$')
sent=$(grep -o '"packets":[[:space:]]*[0-9]*' "$tmp/iperf.json" | tail -n 1 | grep -o '[0-9]*$')
[ -n "$lost" ] && [ -n "$sent" ] || fail "$WHAT: no iperf3 result: $(head -c 600 "$tmp/iperf.json")"
log "$WHAT: $sent datagrams, $lost lost, three rekeys"
[ "$sent" -gt 5000 ] || fail "$WHAT: only $sent datagrams sent"
assert_eq 0 "$lost" "$WHAT: datagrams lost"
esp=$(tcpdump -nn -r "$tmp/wire.pcap" esp 2>/dev/null | wc -l)
clear=$(tcpdump -nn -r "$tmp/wire.pcap" 'udp or icmp or tcp' 2>/dev/null | wc -l)
[ "$esp" -gt 5000 ] || fail "$WHAT: only $esp ESP packets on the wire"
assert_eq 0 "$clear" "$WHAT: packets in the clear on the wire"

# --- (c) fallback ------------------------------------------------------------------

WHAT="(c) fallback"
keep_ab=$SPI_AB
generation
before=$(pkts "$NA" $A "$keep_ab")
nfsec_a sa del proto esp src $A spi "$SPI_AB" || fail "$WHAT: sa del"
ns_run "$NA" ping -c 3 -i 0.2 -W 2 $B >/dev/null || fail "$WHAT: no ping after the newest SA went"
expect_delta "packets of $keep_ab" "$before" 3 pkts "$NA" $A "$keep_ab"

# --- (d) idle times ------------------------------------------------------------------

WHAT="(d) idle"
assert_match '"idle":[0-9]+' "$(ns_run_quiet "$NA" "$NFSEC_TOOL" -j sa get proto esp \
	src $A spi "$keep_ab")" "$WHAT: SA"
assert_match '"idle":[0-9]+' "$(ns_run_quiet "$NA" "$NFSEC_TOOL" -s -j policy show)" \
	"$WHAT: policy"

# --- (e) acquire ---------------------------------------------------------------------

WHAT="(e) acquire"
nfsec_a policy add dir out dst 10.0.1.3/32 action protect reqid 9 ||
	fail "$WHAT: policy add"
ns_bg "$NA" "$NFSEC_TOOL" monitor >"$tmp/monitor"
mon=$!
defer "kill $mon 2>/dev/null"
sleep 0.5
before=$(nfsec_nstat "$NA" no_sa)
# Each send fails with EPERM: the output hook drops the datagram.
ns_run "$NA" bash -c 'for i in 1 2 3 4 5; do { echo x >/dev/udp/10.0.1.3/9; } 2>/dev/null; done' ||
	true
expect_delta "a's no-sa" "$before" 5 nfsec_nstat "$NA" no_sa
sleep 0.3
kill "$mon"
wait "$mon" || true
events=$(grep acquire "$tmp/monitor" || true)
assert_eq 1 "$(grep -c . <<<"$events")" "$WHAT: acquire events for a burst (monitor: $events)"
assert_match 'packet src 10\.0\.1\.1 dst 10\.0\.1\.3 proto 17 sport [0-9]+ dport 9.*reqid 9' \
	"$events" "$WHAT: the event"

dmesg_check
log "ok"
exit $KSFT_PASS
