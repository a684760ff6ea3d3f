#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP interoperability: nfsec against the kernel's own IPsec (XFRM) and
# against itself, with XFRM against XFRM as the reference that proves the
# test itself right. ah.sh runs the same for AH (NFSEC_IPSEC_PROTO=ah), see
# "AH" below; esp_inet6.sh and ah_inet6.sh run both over IPv6
# (NFSEC_ESP_FAMILY, NFSEC_AH_FAMILY=inet6), see "IPv6" below.
#
#      ha                a                  r                  b                 hb
#  +----------+     +----------+       +----------+       +----------+     +----------+
#  | 10.1.0.2 |g0-h0| 10.1.0.1 |r0---a0|10.0.1.254|b0---r0| 10.0.1.2 |h0-g0| 10.2.0.2 |
#  |          |     | 10.0.1.1 |       | (router) |   ^   | 10.2.0.1 |     |          |
#  +----------+     +----------+       +----------+   |   +----------+     +----------+
#                    <============= ESP transport ============>
#  <========== ESP tunnel 10.1.0.0/24 <-> 10.2.0.0/24 (gateways a, b) ==========>
#                                                     |
#                        the wire: tcpdump on r's b0, pktinject re-sends to b
#
# a and b are the IPsec peers (transport mode: a <-> b; tunnel mode: gateways
# a and b protect 10.1.0.0/24 <-> 10.2.0.0/24 between ha and hb). r routes
# between them with static neighbours (no ARP on the wire). Each side is
# configured with XFRM (ip xfrm) or nfsec, with the same keys and SPIs: one
# outbound and one inbound SA per side, policies out and in (and fwd on an
# XFRM gateway). For every pairing x algorithm x mode (with IPv6 by
# default fewer for the pairings without XFRM on one side: xfrm-xfrm and
# nfsec-nfsec with the first algorithm and those XFRM lacks, and without
# the checks after the combinations below; see the knobs):
#   (a) ping both ways;
#   (b) a random file (NFSEC_ESP_BYTES; after the first combination
#       NFSEC_ESP_BYTES_REST) over TCP from left to right (and right to
#       left for the first algorithm, transport mode), its sha256 compared
#       at the far end;
#   (c) the capture on r holds only ESP between a and b with the expected
#       SPIs, and a plaintext marker of the stream never shows in it (with
#       the null cipher it must show: the check itself is checked);
#   (d) replay: captured ESP packets re-sent to b are dropped, b's replay
#       counter rises by exactly their number (inside and beyond the window);
#   (e) tamper: a not yet received packet with one byte flipped is dropped,
#       the ICV counter rises by one; the same packet unmodified then passes;
#   (f) plaintext posing as the peer (pktinject --src) is not delivered
#       (UDP NoPorts, IPv6: Udp6NoPorts, of the receiver unchanged; the
#       unspoofed packet is, as a control), and b's drop counter rises
#       (nfsec: drop-policy; XFRM: the XfrmIn* counters of
#       /proc/net/xfrm_stat);
#   (g) packets held back on r (sent to b with a MAC address b ignores)
#       and released in reverse order inside the window are all accepted;
#   (h) with NFSEC_EXPORT set (the test VM's share with the host), a short
#       capture (one ping and one datagram carrying the marker each way)
#       is saved there with the SAs, for tshark to decrypt (AH: dissect)
#       on the host (scripts/tshark.sh);
#   (i) tunnel mode, nfsec on b: the packets b decrypts and forwards meet
#       its outbound policies; with a discard policy for them a ping gets
#       no answer and b's discard counter rises by one.
# Then per pairing (with IPv6 by default nfsec-xfrm and xfrm-nfsec): ESN
# with replay-window 1024 across the 2^32 boundary
# (both peers' SAs start at 2^32 - 16; an nfsec inbound SA takes `seq` as
# the highest sequence number received, as XFRM's replay-seq), and sequence
# number exhaustion of a non-ESN SA started at 4294967290, and for an
# nfsec sender packet and byte lifetimes (soft: state, hard: SA gone);
# `nfsec monitor` on an nfsec sender shows one seq-exhausted event, and the
# soft then the expired event of a lifetime, for the SA.
#
# Knobs: NFSEC_ESP_FAMILY (inet, or inet6), NFSEC_ESP_PAIRINGS (default
# "xfrm-xfrm nfsec-xfrm xfrm-nfsec nfsec-nfsec", IPv6 "nfsec-xfrm
# xfrm-nfsec xfrm-xfrm nfsec-nfsec"; LEFT-RIGHT: a's side, b's side),
# NFSEC_ESP_ALGS, NFSEC_ESP_SAME_ALGS (the algorithms of xfrm-xfrm and
# nfsec-nfsec: IPv4 all of ALGS; IPv6 the first of ALGS and those XFRM
# lacks), NFSEC_ESP_MODES ("transport tunnel"), NFSEC_ESP_TUNNEL_ALGS (the
# algorithms run in tunnel mode too: all of ALGS),
# NFSEC_ESP_BYTES (10000000: the first combination), NFSEC_ESP_BYTES_REST
# (the others: IPv4 BYTES, IPv6 1000000), NFSEC_ESP_SAME_MODES (the modes
# of xfrm-xfrm and nfsec-nfsec: MODES), NFSEC_ESP_SAME_EXTRAS (1:
# xfrm-xfrm and nfsec-nfsec run ESN, exhaustion and lifetimes too, as by
# default with IPv4; with IPv6 0: only the ESN of the algorithms XFRM
# lacks), NFSEC_ESP_REPLAY (packets replayed, 5), NFSEC_ESP_VERBOSE=1
# (time each phase), NFSEC_ESP_SAMPLES (the directory under NFSEC_EXPORT
# for (h), esp; ah for AH; esp6, ah6 over IPv6), NFSEC_ESP_KEEP_MODULE=1
# (use the nfsec module the caller loaded, neither reloaded nor unloaded:
# esp_async.sh traces it).
# Lists may use spaces or commas.
# An nfsec pairing fails (it does not skip) while nfsec has no data path.
#
# AH (ah.sh): the same, with the AH algorithms (hmac-sha256, hmac-sha1,
# and aes-gmac-128, which XFRM's AH lacks: nfsec-nfsec only, with its own
# ESN run; the packet fuzzer checks its wire format independently), except that the marker must show in the capture (AH does not encrypt),
# and per combination also: a held packet with its IP identification
# changed is an ICV failure, with its source address changed it finds no
# SA, with its TTL changed (mutable) it is accepted; in transport mode a
# datagram carrying a Record Route option, which r fills in on the way,
# verifies, and one carrying Router Alert (immutable) is an ICV failure
# once a byte of the option is changed, accepted unchanged. r decrements
# the TTL of every packet. Knobs: NFSEC_AH_PAIRINGS, NFSEC_AH_ALGS, ...
#
# IPv6 (NFSEC_ESP_FAMILY=inet6): the same namespaces, links and checks,
# every address IPv6: a 2001:db8:1::1 and b 2001:db8:1::2 on the a-r-b
# link (r: 2001:db8:1::fe, routing), ha 2001:db8:10::2 behind a
# (2001:db8:10::1), hb 2001:db8:20::2 behind b (2001:db8:20::1); static
# neighbours, no duplicate address detection, no router solicitations.
# Transport mode is IPv6 in ESP (AH) over IPv6, tunnel mode 6in6. The
# captures on the wire leave out IPv6 multicast and link-local traffic
# (neighbour and listener discovery, which the static neighbours keep
# off the protected addresses); a fragment on the wire is a failure, as
# with IPv4 (TCP's segments must be made to fit once protected). AH over
# IPv6: r rewrites the flow label (to 12345) and
# the traffic class (DSCP CS1) of every AH packet it forwards, and (c)
# checks them and the hop limit r decremented on the wire; instead of
# the IPv4 checks of AH above: the held packet with its source changed
# finds no SA (XFRM: fails its ICV), then with its traffic class and flow
# label changed is accepted; in transport mode a datagram with a
# hop-by-hop option whose change bit is set (type 0x3e, RFC 4727's
# experimental type), zero as a sends it and rewritten by r (an nft rule
# in its forward chain; the capture shows the new value), verifies, and
# one with a Router Alert option (type 5, immutable) is an ICV failure
# once a byte of its value is changed, accepted unchanged. (i) and the
# ESN, exhaustion and lifetime checks are the same.
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip tcpdump busybox timeout
HERE=$(cd "$(dirname "$0")" && pwd)
PKTINJECT=$HERE/pktinject
[ -x "$PKTINJECT" ] || fail "$PKTINJECT is missing (make -C selftests)"

PROTO=${NFSEC_IPSEC_PROTO:-esp}
case "$PROTO" in
# PNUM: the IP protocol; SPI_OFF: where the SPI is (no IP options).
esp) PNUM=50 SPI_OFF=20 PNAME=ESP BASE_ALG=aes-gcm-128 FLIP=16
	DEF_ALGS="aes-gcm-128 aes-gcm-256 chacha20-poly1305 aes-cbc-128+hmac-sha256 null+hmac-sha256" ;;
# FLIP: a payload byte after the AH header of any of the algorithms.
ah) PNUM=51 SPI_OFF=24 PNAME=AH BASE_ALG=hmac-sha256 FLIP=36
	DEF_ALGS="hmac-sha256 hmac-sha1 aes-gmac-128" ;;
*) fail "NFSEC_IPSEC_PROTO: '$PROTO' is neither esp nor ah" ;;
esac
# knob NAME DEFAULT: NFSEC_ESP_NAME or NFSEC_AH_NAME.
knob() {
	local v="NFSEC_${PNAME}_$1"
	echo "${!v:-$2}"
}
FAMILY=$(knob FAMILY inet)
if [ "$FAMILY" = inet6 ]; then
	PAIRINGS=$(knob PAIRINGS "nfsec-xfrm xfrm-nfsec xfrm-xfrm nfsec-nfsec")
else
	PAIRINGS=$(knob PAIRINGS "xfrm-xfrm nfsec-xfrm xfrm-nfsec nfsec-nfsec")
fi
ALGS=$(knob ALGS "$DEF_ALGS")
MODES=$(knob MODES "transport tunnel")
BYTES=$(knob BYTES 10000000)
NREPLAY=$(knob REPLAY 5)
VERBOSE=$(knob VERBOSE 0)
PAIRINGS=${PAIRINGS//,/ } ALGS=${ALGS//,/ } MODES=${MODES//,/ }
# The addresses (see the diagrams at the top), the family's forms of what
# the checks look at: BPF filters for the protocol (IPF) and the SPI
# (SPIF, in a packet without options or extension headers) and for first
# fragments (FIRSTF), the hop count tcpdump -v shows after r (HOPS),
# ping's family option (PINGF), and the filter of the captures on the wire
# (CAPF: IPv6 multicast and link-local traffic, neighbour discovery's and
# MLD's, are not the test's).
case "$FAMILY" in
inet)
	ADDR_A=10.0.1.1 ADDR_B=10.0.1.2 ADDR_R=10.0.1.254 PFX=24 HOSTLEN=32
	ADDR_HA=10.1.0.2 GW_A=10.1.0.1 NET_A=10.1.0.0/24
	ADDR_HB=10.2.0.2 GW_B=10.2.0.1 NET_B=10.2.0.0/24
	IPF="ip[9] = $PNUM" SPIF="ip[$SPI_OFF:4]" FIRSTF=" and ip[6:2] & 0x1fff = 0"
	HOPS='\(tos 0x[0-9a-f]+, ttl 63,' PINGF=-4 CAPF=() SAMPLES_DEF=$PROTO ;;
inet6)
	ADDR_A=2001:db8:1::1 ADDR_B=2001:db8:1::2 ADDR_R=2001:db8:1::fe PFX=64 HOSTLEN=128
	ADDR_HA=2001:db8:10::2 GW_A=2001:db8:10::1 NET_A=2001:db8:10::/64
	ADDR_HB=2001:db8:20::2 GW_B=2001:db8:20::1 NET_B=2001:db8:20::/64
	IPF="ip6[6] = $PNUM" SPIF="ip6[$((SPI_OFF + 20)):4]" FIRSTF=""
	HOPS='hlim 63,' PINGF=-6 SAMPLES_DEF=${PROTO}6
	CAPF=("not (ip6 multicast or src net fe80::/10)")
	# r rewrites the mutable fields of the AH packets it forwards.
	if [ "$PROTO" = ah ]; then
		HOPS='class 0x2[0-3], flowlabel 0x03039, hlim 63,'
	fi ;;
*) fail "NFSEC_${PNAME}_FAMILY: '$FAMILY' is neither inet nor inet6" ;;
esac
WINDOW=32
# The captures on r hold whole frames of a 1500-byte link in slots of 4 KiB
# (lib.sh): 8192 of them in tcpdump's buffer, for a transfer that outruns
# tcpdump under emulation.
# shellcheck disable=SC2034 # read by capture_start (lib.sh)
CAP_SNAPLEN=4096
MARKER="NFSEC-$PNAME-PLAINTEXT-MARKER-$$-$RANDOM"

tmp=$(mktemp -d)
defer "rm -rf $tmp"

need_nfsec=0
for p in $PAIRINGS; do
	case "$p" in
	xfrm-xfrm) ;;
	nfsec-xfrm | xfrm-nfsec | nfsec-nfsec) need_nfsec=1 ;;
	*) fail "NFSEC_${PNAME}_PAIRINGS: unknown pairing '$p'" ;;
	esac
done
require_tool	# genkey, even for xfrm-xfrm
nfsec() { "$NFSEC_TOOL" "$@"; }
dmesg_mark
if [ "$need_nfsec" = 1 ] && [ "$(knob KEEP_MODULE 0)" = 1 ]; then
	nfsec_loaded || fail "NFSEC_${PNAME}_KEEP_MODULE=1, but nfsec is not loaded"
elif [ "$need_nfsec" = 1 ]; then
	nfsec_unload_quiet
	nfsec_load
fi

# --- topology -------------------------------------------------------------

if [ "$FAMILY" = inet6 ]; then
	ns_hosts6 A R B HA HB
else
	ns_hosts A R B HA HB
fi
veth_pair "$A" r0 "$R" a0
veth_pair "$R" b0 "$B" r0
veth_pair "$HA" g0 "$A" h0
veth_pair "$HB" g0 "$B" h0
mac() { ns_ip_quiet "$1" -br link show dev "$2" | awk '{ print $3 }'; }
MAC_A=$(mac "$A" r0) MAC_B=$(mac "$B" r0)
MAC_RA=$(mac "$R" a0) MAC_RB=$(mac "$R" b0)

# ip_addr NS DEV ADDR/LEN: IPv6 addresses without duplicate address
# detection.
ip_addr() {
	if [ "$FAMILY" = inet6 ]; then
		ns_ip "$1" addr add "$3" dev "$2" nodad
	else
		addr_add "$@"
	fi
}
ip_addr "$A" r0 "$ADDR_A/$PFX"
ip_addr "$A" h0 "$GW_A/$PFX"
ns_ip "$A" neigh add "$ADDR_B" lladdr "$MAC_RA" dev r0 nud permanent
ns_ip "$A" neigh add "$ADDR_R" lladdr "$MAC_RA" dev r0 nud permanent
ns_ip "$A" route add "$NET_B" via "$ADDR_B" dev r0
ip_addr "$B" r0 "$ADDR_B/$PFX"
ip_addr "$B" h0 "$GW_B/$PFX"
ns_ip "$B" neigh add "$ADDR_A" lladdr "$MAC_RB" dev r0 nud permanent
ns_ip "$B" neigh add "$ADDR_R" lladdr "$MAC_RB" dev r0 nud permanent
ns_ip "$B" route add "$NET_A" via "$ADDR_A" dev r0
ip_addr "$R" a0 "$ADDR_R/$HOSTLEN"
ip_addr "$R" b0 "$ADDR_R/$HOSTLEN"
ns_ip "$R" route add "$ADDR_A/$HOSTLEN" dev a0
ns_ip "$R" route add "$ADDR_B/$HOSTLEN" dev b0
ns_ip "$R" route add "$NET_A" via "$ADDR_A" dev a0
ns_ip "$R" route add "$NET_B" via "$ADDR_B" dev b0
ns_ip "$R" neigh add "$ADDR_A" lladdr "$MAC_A" dev a0 nud permanent
ns_ip "$R" neigh add "$ADDR_B" lladdr "$MAC_B" dev b0 nud permanent
ip_addr "$HA" g0 "$ADDR_HA/$PFX"
ns_ip "$HA" "$PINGF" route add default via "$GW_A"
ip_addr "$HB" g0 "$ADDR_HB/$PFX"
ns_ip "$HB" "$PINGF" route add default via "$GW_B"
for ns in "$A" "$R" "$B"; do
	if [ "$FAMILY" = inet6 ]; then
		ns_run "$ns" sysctl -q -w net.ipv6.conf.all.forwarding=1
	else
		ns_run "$ns" sysctl -q -w net.ipv4.ip_forward=1
	fi
done
ns_run "$A" ping "$PINGF" -c 1 -W 2 "$ADDR_B" >/dev/null || fail "no plaintext path a -> b"
ns_run "$HA" ping "$PINGF" -c 1 -W 2 "$ADDR_HB" >/dev/null || fail "no plaintext path ha -> hb"
# With IPv6, r rewrites on the way what AH leaves out of its ICV: the
# flow label and traffic class of every AH packet it forwards (it
# decrements the hop limit anyway), and the data of a hop-by-hop option
# whose change bit is set (type 0x3e, RFC 4727's experimental type, four
# bytes of data) in a transport-mode AH packet (check_ah_fields).
if [ "$FAMILY" = inet6 ] && [ "$PROTO" = ah ]; then
	require_cmd nft
	ns_run "$R" nft -f - <<-EOF || fail "nft rules on r"
	table inet nfsec_r {
		chain mangle {
			type filter hook forward priority 0;
			ip6 nexthdr ah counter ip6 flowlabel set 12345 ip6 dscp set cs1
			@nh,48,8 0 @nh,320,8 $PNUM @nh,336,16 0x3e04 counter @nh,352,32 set 0x5eed5eed
		}
	}
	EOF
fi

# --- SA and policy set-up -------------------------------------------------

# Algorithm arguments for ip xfrm and nfsec; keys in K1 (cipher or AEAD)
# and K2 (integrity).
genkeys() {
	case "$1" in
	aes-gcm-128 | aes-gcm-256 | chacha20-poly1305) K1=$(nfsec genkey "$1") K2='' ;;
	hmac-sha256 | hmac-sha1 | aes-gmac-*) K1='' K2=$(nfsec genkey "$1") ;;
	aes-cbc-128+hmac-sha256) K1=$(nfsec genkey aes-cbc-128) K2=$(nfsec genkey hmac-sha256) ;;
	null+hmac-sha256) K1='' K2=$(nfsec genkey hmac-sha256) ;;
	*) fail "unknown algorithm '$1'" ;;
	esac
}

xfrm_alg() {
	case "$1" in
	aes-gcm-*) echo "aead 'rfc4106(gcm(aes))' $2 128" ;;
	chacha20-poly1305) echo "aead 'rfc7539esp(chacha20,poly1305)' $2 128" ;;
	aes-cbc-128+hmac-sha256) echo "enc 'cbc(aes)' $2 auth-trunc 'hmac(sha256)' $3 128" ;;
	null+hmac-sha256) echo "enc 'ecb(cipher_null)' '' auth-trunc 'hmac(sha256)' $3 128" ;;
	hmac-sha256) echo "auth-trunc 'hmac(sha256)' $3 128" ;;
	hmac-sha1) echo "auth-trunc 'hmac(sha1)' $3 96" ;;
	esac
}

nfsec_alg() {
	case "$1" in
	aes-gcm-*) echo "aead aes-gcm $2 icv 128" ;;
	chacha20-poly1305) echo "aead chacha20-poly1305 $2" ;;
	aes-cbc-128+hmac-sha256) echo "enc aes-cbc $2 auth hmac-sha256 $3" ;;
	null+hmac-sha256) echo "enc null none auth hmac-sha256 $3" ;;
	hmac-sha256 | hmac-sha1) echo "auth $1 $3" ;;
	aes-gmac-*) echo "auth aes-gmac $3" ;;
	esac
}

# xfrm_offers ALG: whether XFRM can be the peer (its AH has no AES-GMAC).
xfrm_offers() { [ -n "$(xfrm_alg "$1" k k)" ]; }

# cfg CMD...: a configuration command; a failure names the combination.
cfg() { "$@" || fail "$WHAT: '$*' failed"; }

# side IMPL NS LOCAL PEER LNET RNET MODE ALG SPI_OUT SPI_IN OUT_EXTRA IN_EXTRA
# OUT_EXTRA / IN_EXTRA: "esn SEQ" (ESN, window 1024, sequence numbers
# starting after SEQ) or "seq SEQ" (outbound only), or "-".
side() {
	local impl=$1 ns=$2 local=$3 peer=$4 lnet=$5 rnet=$6 mode=$7 alg=$8
	local spi_out=$9 spi_in=${10} oext=${11} iext=${12} xa na o i
	xa=$(xfrm_alg "$alg" "$K1" "$K2")
	na=$(nfsec_alg "$alg" "$K1" "$K2")
	if [ "$impl" = xfrm ]; then
		o="replay-window $WINDOW" i="replay-window $WINDOW"
		case "$oext" in
		esn\ *) o="flag esn replay-window 1024 replay-oseq ${oext#esn }" ;;
		seq\ *) o="$o replay-oseq ${oext#seq }" ;;
		lft\ *) set -- ${oext#lft }
			o="$o limit packet-soft $1 limit packet-hard $2" ;;
		esac
		case "$iext" in
		esn\ *) i="flag esn replay-window 1024 replay-seq ${iext#esn }" ;;
		esac
		eval "cfg ns_ip $ns xfrm state add src $local dst $peer proto $PROTO spi $spi_out \
			reqid 1 mode $mode $xa $o"
		eval "cfg ns_ip $ns xfrm state add src $peer dst $local proto $PROTO spi $spi_in \
			reqid 2 mode $mode $xa $i"
		cfg ns_ip "$ns" xfrm policy add src "$lnet" dst "$rnet" dir out \
			tmpl src "$local" dst "$peer" proto "$PROTO" reqid 1 mode "$mode"
		cfg ns_ip "$ns" xfrm policy add src "$rnet" dst "$lnet" dir in \
			tmpl src "$peer" dst "$local" proto "$PROTO" reqid 2 mode "$mode"
		[ "$mode" = transport ] ||
			cfg ns_ip "$ns" xfrm policy add src "$rnet" dst "$lnet" dir fwd \
				tmpl src "$peer" dst "$local" proto "$PROTO" reqid 2 mode "$mode"
	else
		o="replay-window $WINDOW" i="replay-window $WINDOW"
		case "$oext" in
		esn\ *) o="replay-window 1024 esn seq ${oext#esn }" ;;
		seq\ *) o="$o seq ${oext#seq }" ;;
		lft\ *) set -- ${oext#lft }
			o="$o soft-packets $1 hard-packets $2" ;;
		lftb\ *) set -- ${oext#lftb }
			o="$o soft-bytes $1 hard-bytes $2" ;;
		esac
		# For an inbound SA, seq is taken as the highest sequence
		# number received (as XFRM's replay-seq).
		case "$iext" in
		esn\ *) i="replay-window 1024 esn seq ${iext#esn }" ;;
		esac
		# shellcheck disable=SC2086
		cfg ns_run "$ns" "$NFSEC_TOOL" sa add proto "$PROTO" src "$local" dst "$peer" \
			spi "$spi_out" mode "$mode" $na $o
		# shellcheck disable=SC2086
		cfg ns_run "$ns" "$NFSEC_TOOL" sa add proto "$PROTO" src "$peer" dst "$local" \
			spi "$spi_in" mode "$mode" $na $i
		cfg ns_run "$ns" "$NFSEC_TOOL" policy add dir out src "$lnet" dst "$rnet" \
			action protect sa proto "$PROTO" src "$local" spi "$spi_out"
		cfg ns_run "$ns" "$NFSEC_TOOL" policy add dir in src "$rnet" dst "$lnet" \
			action protect sa proto "$PROTO" src "$peer" spi "$spi_in"
	fi
}

clear_side() {
	ns_ip "$1" xfrm policy flush
	ns_ip "$1" xfrm state flush
	if nfsec_loaded; then
		ns_run "$1" "$NFSEC_TOOL" policy flush >/dev/null
		ns_run "$1" "$NFSEC_TOOL" sa flush >/dev/null
	fi
}

# setup PAIRING MODE ALG [OUT_EXTRA IN_EXTRA]: both sides, fresh keys and
# SPIs. Sets L/R (inner end hosts' namespaces), LADDR/RADDR, SPI_AB/SPI_BA.
COMBO=0
setup() {
	local pairing=$1 mode=$2 alg=$3 oext=${4:--} iext=${5:--} lnet rnet
	COMBO=$((COMBO + 1))
	IMPL_A=${pairing%-*} IMPL_B=${pairing#*-}
	SPI_AB=$(printf '0x%08x' $((0x10000 + COMBO))) SPI_BA=$(printf '0x%08x' $((0x20000 + COMBO)))
	clear_side "$A"
	clear_side "$B"
	genkeys "$alg"
	if [ "$mode" = transport ]; then
		L=$A R_=$B LADDR=$ADDR_A RADDR=$ADDR_B
		lnet=$ADDR_A/$HOSTLEN rnet=$ADDR_B/$HOSTLEN
	else
		L=$HA R_=$HB LADDR=$ADDR_HA RADDR=$ADDR_HB lnet=$NET_A rnet=$NET_B
	fi
	side "$IMPL_A" "$A" "$ADDR_A" "$ADDR_B" "$lnet" "$rnet" "$mode" "$alg" \
		"$SPI_AB" "$SPI_BA" "$oext" "$iext"
	side "$IMPL_B" "$B" "$ADDR_B" "$ADDR_A" "$rnet" "$lnet" "$mode" "$alg" \
		"$SPI_BA" "$SPI_AB" "$oext" "$iext"
}

# --- counters ---------------------------------------------------------------

# sa_stat IMPL NS SRC DST SPI WHAT: WHAT is packets, replay (replayed or
# outside the window), icv, policy, seqexh or seq (nfsec only; seq: the
# highest sent or received).
sa_stat() {
	local impl=$1 ns=$2 src=$3 dst=$4 spi=$5 what=$6 out
	if [ "$impl" = xfrm ]; then
		out=$(ns_ip_quiet "$ns" -s xfrm state get src "$src" dst "$dst" proto "$PROTO" spi "$spi")
		case "$what" in
		packets) sed -nE 's/^[[:space:]]*[0-9]+\(bytes\), ([0-9]+)\(packets\).*/\1/p' <<<"$out" ;;
		replay) sed -nE 's/.*replay-window ([0-9]+) replay ([0-9]+) failed.*/\1 \2/p' <<<"$out" |
			awk '{ print $1 + $2 }' ;;
		icv) sed -nE 's/.*replay-window [0-9]+ replay [0-9]+ failed ([0-9]+).*/\1/p' <<<"$out" ;;
		*) fail "sa_stat: no '$what' for XFRM" ;;
		esac
	else
		local key
		case "$what" in
		packets) key=packets ;;
		replay) key=drop_replay ;;
		icv) key=drop_icv ;;
		policy) key=drop_policy ;;
		seqexh) key=drop_seq_exhausted ;;
		seq) key=seq ;;
		esac
		nfsec_sa_stat "$ns" "$PROTO" "$src" "$spi" "$key"
	fi
}

# b's inbound SA, a's outbound SA.
rx() { sa_stat "$IMPL_B" "$B" "$ADDR_A" "$ADDR_B" "$SPI_AB" "$1"; }
tx() { sa_stat "$IMPL_A" "$A" "$ADDR_A" "$ADDR_B" "$SPI_AB" "$1"; }

# xfrm_in_errors NS: XFRM's input error counters of NS, summed.
xfrm_in_errors() {
	ns_run_quiet "$1" awk '$1 ~ /^XfrmIn/ { s += $2 } END { print s + 0 }' /proc/net/xfrm_stat
}

xfrm_stat() {
	ns_run_quiet "$1" awk -v f="$2" '$1 == f { print $2 }' /proc/net/xfrm_stat
}

# --- injection -----------------------------------------------------------

# inject ARGS...: pktinject out of r's b0 towards b; prints the count sent.
inject() {
	local out
	out=$(ns_run "$R" "$PKTINJECT" -i b0 --dmac "$MAC_B" "$@") ||
		fail "$WHAT: pktinject $*: $out"
	echo "${out#sent }"
}

# r's b0 transmitted packets.
r_tx() { ns_run_quiet "$R" cat /sys/class/net/b0/statistics/tx_packets; }

# hold MAC N: N UDP datagrams from the left host to the right one leave r
# towards b with the link destination MAC, which b ignores: ESP packets
# that b never received, in the capture for later injection (--ether-dst).
# With --options HEX, the datagrams carry these IP options (IPv6: these
# options in a hop-by-hop header, which comes before ESP or AH).
hold() {
	local mac=$1 n=$2 t0 i got=0 filter="$IPF and $SPIF = $SPI_AB"
	t0=$(r_tx)
	ns_ip "$R" neigh replace "$ADDR_B" lladdr "$mac" dev b0 nud permanent
	if [ "${3:-}" = --options ] && [ "$FAMILY" = inet6 ]; then
		ns_run "$L" "$PKTINJECT" --udp "[$RADDR]:9" --hbh-options "$4" -n "$n" >/dev/null
		filter="ip6[6] = 0 and ip6[40] = $PNUM"
	elif [ "${3:-}" = --options ]; then
		ns_run "$L" "$PKTINJECT" --udp "$RADDR:9" --ip-options "$4" -n "$n" >/dev/null
		filter="$IPF"
	else
		ns_run "$L" bash -c "for i in \$(seq $n); do echo held >/dev/udp/$RADDR/9; done"
	fi
	for i in $(seq 50); do
		[ "$(($(r_tx) - t0))" -ge "$n" ] && break
		sleep 0.1
	done
	ns_ip "$R" neigh replace "$ADDR_B" lladdr "$MAC_B" dev b0 nud permanent
	assert_eq "$n" "$(($(r_tx) - t0))" "$WHAT: packets held on r"
	for i in $(seq 20); do
		got=$(tcpdump -nn -r "$tmp/wire.pcap" \
			"ether dst $mac and $filter" 2>/dev/null | grep -c . || true)
		[ "$got" = "$n" ] && return 0
		sleep 0.1
	done
	fail "$WHAT: of the $n datagrams from $LADDR to $RADDR held on r, $got are $PNAME with SPI $SPI_AB" \
		"(is there an $PNAME data path on a, $IMPL_A?)"
}

# phase NAME: with NFSEC_ESP_VERBOSE=1, log the time since the last phase.
PHASE_T=${EPOCHREALTIME/[.,]/}
phase() {
	local now=${EPOCHREALTIME/[.,]/}
	[ "$VERBOSE" = 1 ] && log "  $1: $(((now - PHASE_T) / 1000)) ms"
	PHASE_T=$now
}

# begin NAME: what the commands that follow on the log, up to its "ok:"
# line, are part of; failures name it too (WHAT).
begin() {
	WHAT=$1
	log "--- $WHAT"
}

ping_ok() {
	local from=$1 to=$2 out
	out=$(ns_run "$from" ping "$PINGF" -c 3 -i 0.2 -W 2 "$to" 2>&1) || true
	assert_match ' 0% packet loss' "$out" "$WHAT: ping $to"
}

# transfer FROM_NS TO_NS TO_ADDR: BYTES random bytes with the marker over
# TCP (busybox nc listens); the sha256 must match at the far end.
transfer() {
	local from=$1 to=$2 addr=$3 i want got
	{ echo "$MARKER"; head -c "$XBYTES" /dev/urandom; echo "$MARKER"; } >"$tmp/tx"
	want=$(busybox sha256sum <"$tmp/tx" | cut -d' ' -f1)
	rm -f "$tmp/rx"
	ns_bg "$to" timeout 300 busybox nc -l -p 5001 >"$tmp/rx"
	local srv=$!
	defer "kill $srv"
	for i in $(seq 50); do
		ns_run_quiet "$to" busybox netstat -ltn 2>/dev/null | grep -q ':5001 ' && break
		sleep 0.1
	done
	# bash's /dev/tcp: busybox nc, as a client, may exit before its
	# input is all sent.
	ns_run "$from" timeout 300 bash -c "cat $tmp/tx >/dev/tcp/$addr/5001" ||
		fail "$WHAT: TCP transfer to $addr failed"
	wait "$srv" || fail "$WHAT: TCP receiver at $addr failed"
	got=$(busybox sha256sum <"$tmp/rx" | cut -d' ' -f1)
	assert_eq "$want" "$got" "$WHAT: sha256 of $XBYTES bytes received at $addr"
	rm -f "$tmp/tx" "$tmp/rx"
}

# Plaintext UDP datagrams from r to b (the first) and to hb (the second),
# captured once, for (f).
capture_start "$R" b0 "$tmp/udp.pcap" udp
ns_run "$R" bash -c "echo plain >/dev/udp/$ADDR_B/9; echo plain >/dev/udp/$ADDR_HB/9"
capture_stop

# noports NS: UDP datagrams NS received for a port nobody listens on.
noports() {
	if [ "$FAMILY" = inet6 ]; then
		ns_run_quiet "$1" awk '$1 == "Udp6NoPorts" { print $2 }' /proc/net/snmp6
	else
		snmp "$1" Udp NoPorts
	fi
}

# sample NAME: (h) a short capture of the current SAs, and a file naming
# the algorithm, the mode, the marker and both SAs with their keys, saved
# in $NFSEC_EXPORT/esp/ or ah/ (or the SAMPLES knob) for the host.
# Without NFSEC_EXPORT, nothing. AH and the null cipher show the marker.
sample() {
	local dir name=$1 n
	[ -n "${NFSEC_EXPORT:-}" ] || return 0
	dir=$NFSEC_EXPORT/$(knob SAMPLES "$SAMPLES_DEF")
	mkdir -p "$dir"
	capture_start "$R" b0 "$tmp/sample.pcap" "${CAPF[@]}"
	ns_run "$L" ping "$PINGF" -c 1 -W 2 "$RADDR" >/dev/null ||
		fail "$WHAT: ping $RADDR for the sample capture"
	ns_run "$L" bash -c "echo $MARKER >/dev/udp/$RADDR/9"
	ns_run "$R_" bash -c "echo $MARKER >/dev/udp/$LADDR/9"
	capture_stop
	n=$(grep -c -a "$MARKER" "$tmp/sample.pcap" || true)
	if [ "${ALG%%+*}" = null ] || [ "$PROTO" = ah ]; then
		[ "$n" -ge 2 ] || fail "$WHAT: the marker is in $n packets of the sample capture, not in both directions"
	else
		assert_eq 0 "$n" "$WHAT: plaintext markers in the sample capture"
	fi
	cp "$tmp/sample.pcap" "$dir/$name.pcap"
	cat >"$dir/$name.sa" <<-EOF
		alg $ALG
		mode $MODE
		marker $MARKER
		sa $ADDR_A $ADDR_B $SPI_AB ${K1:--} ${K2:--}
		sa $ADDR_B $ADDR_A $SPI_BA ${K1:--} ${K2:--}
	EOF
	rm -f "$tmp/sample.pcap"
}

# --- one combination ----------------------------------------------------

# A combination is the checks below, run in this order by combination().
# They share the SAs and the capture on r's b0 ($tmp/wire.pcap) that
# setup_combination starts and check_wire ends, and packets held back on
# r for later with link destination HOLD1 and HOLD2.
HOLD1=02:00:00:00:00:a1
HOLD2=02:00:00:00:00:a2

combination() {
	local pairing=$1 mode=$2 alg=$3 both=$4 t0=$SECONDS
	begin "$pairing $mode $alg"
	phase start
	setup_combination "$pairing" "$mode" "$alg"
	check_ping
	rx_mark
	check_tamper
	check_reorder
	check_replay_inside
	# Three more held now, released after the transfer moved the window.
	hold "$HOLD2" 3
	check_transfer "$both"
	check_replay_old
	check_wire
	check_spoof
	[ "$PROTO" = ah ] && check_ah_fields "$mode"
	[ "$mode" = tunnel ] && [ "$IMPL_B" = nfsec ] && check_forwarded_policy
	log "ok: $WHAT ($((SECONDS - t0)) s)"
}

# setup_combination PAIRING MODE ALG: the SAs of both sides, (h) the
# sample, the capture on the wire (a's packet count at its start in
# TX_START), and four packets held on r: (e) and (g) need packets b has
# not received yet.
setup_combination() {
	setup "$1" "$2" "$3"
	ALG=$3 MODE=$2
	sample "$(printf '%02d' "$COMBO")-$1-$2-$3"
	TX_START=$(tx packets)
	capture_start "$R" b0 "$tmp/wire.pcap" "${CAPF[@]}"
	hold "$HOLD1" 4
	phase setup+hold1
}

# (a) ping both ways.
check_ping() {
	ping_ok "$L" "$RADDR"
	ping_ok "$R_" "$LADDR"
	phase ping
}

# rx_mark: the counters of b's inbound SA that check_tamper, check_reorder
# and check_replay_inside count from: MARK_PACKETS, MARK_REPLAY, MARK_ICV.
rx_mark() {
	MARK_PACKETS=$(rx packets) MARK_REPLAY=$(rx replay) MARK_ICV=$(rx icv)
}

# (e) tamper: the first held packet with one byte of ciphertext (or, with
# the null cipher, of the payload) flipped is an ICV failure.
check_tamper() {
	assert_eq 1 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD1" -n 1 --flip "$FLIP")" \
		"$WHAT: tampered packets sent"
	expect_delta "ICV failures after one tampered packet" "$MARK_ICV" 1 rx icv
	expect_delta "packets accepted after a tampered one" "$MARK_PACKETS" 0 rx packets
	phase tamper
}

# (g) reordering inside the window: the held packets newest first, the one
# that was tampered with among them, now unmodified: it passes, so the ICV
# failure of check_tamper came from the flipped byte.
check_reorder() {
	assert_eq 4 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD1" -n 4 --reverse)" \
		"$WHAT: held packets sent"
	expect_delta "packets accepted out of order inside the window" "$MARK_PACKETS" 4 rx packets
	expect_delta "replay drops after reordering" "$MARK_REPLAY" 0 rx replay
	phase reorder
}

# (d) replay inside the window: the same four again, all dropped.
check_replay_inside() {
	assert_eq 4 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD1" -n 4)" \
		"$WHAT: replayed packets sent"
	expect_delta "replay drops inside the window" "$MARK_REPLAY" 4 rx replay
	expect_delta "packets accepted from replays" "$MARK_PACKETS" 4 rx packets
	expect_delta "ICV failures after replays" "$MARK_ICV" 1 rx icv
	phase replay-inside
}

# (b) the transfer, from left to right, and back when BOTH is 1.
check_transfer() {
	local both=$1
	transfer "$L" "$R_" "$RADDR"
	[ "$both" = 1 ] && transfer "$R_" "$L" "$LADDR"
	phase transfer
}

# (d) old packets: the three held on r before the transfer are now beyond
# the window, and the first ESP (AH) packets from a that b received are
# replays. All dropped.
check_replay_old() {
	local p0 r0
	p0=$(rx packets) r0=$(rx replay)
	assert_eq 3 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD2" -n 3)" \
		"$WHAT: old held packets sent"
	expect_delta "drops of packets beyond the window" "$r0" 3 rx replay
	assert_eq "$NREPLAY" "$(inject -r "$tmp/wire.pcap" --ether-dst "$MAC_B" \
		--spi "$SPI_AB" -n "$NREPLAY")" "$WHAT: replayed packets sent"
	expect_delta "replay drops" "$r0" $((3 + NREPLAY)) rx replay
	expect_delta "packets accepted from replays" "$p0" 0 rx packets
	phase replay
}

# (c) the capture, ended here: only ESP (AH) between a and b with the two
# SPIs (a BPF filter keeps the rest: SPIF is the SPI, a and b send no IP
# options or extension headers here); the marker hidden (ESP) or not (AH,
# null cipher).
check_wire() {
	local n bad
	capture_stop
	n=$(tcpdump -nn -r "$tmp/wire.pcap" -c 11 2>/dev/null | grep -c . || true)
	[ "$n" -gt 10 ] || fail "$WHAT: only $n packets captured on the wire"
	bad=$(tcpdump -nn -r "$tmp/wire.pcap" "not (($IPF and src $ADDR_A and dst $ADDR_B and $SPIF = $SPI_AB) or \
		($IPF and src $ADDR_B and dst $ADDR_A and $SPIF = $SPI_BA))" 2>/dev/null)
	[ -z "$bad" ] || fail "$WHAT: $(grep -c . <<<"$bad") packets on the wire are not $PNAME with the expected SPIs, first: $(head -n 1 <<<"$bad")"
	# An nfsec sender counted exactly the packets of a on the wire (first
	# fragments): those r forwarded, and the 12 + NREPLAY r sent again.
	if [ "$IMPL_A" = nfsec ]; then
		n=$(tcpdump -nn -r "$tmp/wire.pcap" "$IPF and src $ADDR_A and \
			$SPIF = $SPI_AB$FIRSTF" 2>/dev/null | grep -c . || true)
		assert_eq "$((n - 12 - NREPLAY))" "$(($(tx packets) - TX_START))" \
			"$WHAT: packets of a's nfsec SA against $PNAME packets from a on the wire"
	fi
	n=$(tcpdump -v -nn -r "$tmp/wire.pcap" -c 1 "$IPF and $SPIF = $SPI_AB" 2>/dev/null)
	assert_match "${ADDR_A//./\\.} > ${ADDR_B//./\\.}: $PNAME\((length=[^,]+,)?spi=$SPI_AB," "$n" "$WHAT: $PNAME as tcpdump shows it"
	# r forwarded it: one less than the Linux default of 64 (tunnel mode:
	# the outer header's; the inner one, with AH, is verified as it was).
	# AH over IPv6: with the flow label and traffic class r set.
	assert_match "$HOPS" "$n" "$WHAT: TTL (hop limit) after r"
	n=$(grep -c -a "$MARKER" "$tmp/wire.pcap" || true)
	if [ "${ALG%%+*}" = null ] || [ "$PROTO" = ah ]; then
		[ "$n" -gt 0 ] || fail "$WHAT: no encryption, yet the marker is not in the capture"
	else
		assert_eq 0 "$n" "$WHAT: plaintext markers in the capture"
	fi
	rm -f "$tmp/wire.pcap"
	phase capture
}

# (f) plaintext from r to the right host: delivered as it is (the
# control), not delivered with the left host's source address.
check_spoof() {
	local skip=0 u0 d0
	[ "$MODE" = tunnel ] && skip=1
	u0=$(noports "$R_")
	assert_eq 1 "$(inject -r "$tmp/udp.pcap" -s "$skip" -n 1)" "$WHAT: plaintext packets sent"
	expect_delta "UDP datagrams delivered from r (control)" "$u0" 1 noports "$R_"
	if [ "$IMPL_B" = nfsec ]; then
		d0=$(nfsec_sum "$B" drop_policy)
	else
		d0=$(xfrm_in_errors "$B")
	fi
	assert_eq 1 "$(inject -r "$tmp/udp.pcap" -s "$skip" -n 1 --src "$LADDR")" \
		"$WHAT: spoofed packets sent"
	if [ "$IMPL_B" = nfsec ]; then
		expect_delta "nfsec drop-policy after a spoofed packet" "$d0" 1 nfsec_sum "$B" drop_policy
	else
		expect_delta "XFRM input errors after a spoofed packet" "$d0" 1 xfrm_in_errors "$B"
	fi
	expect_delta "UDP datagrams delivered posing as $LADDR" "$u0" 1 noports "$R_"
	phase spoof
}

# (i) Tunnel mode, nfsec on b: the inner packet b decrypted and forwards
# meets b's outbound policies like any other packet, so a discard policy
# for it stops it there.
check_forwarded_policy() {
	local sel="dir out src $NET_A dst $NET_B" d0 p0
	d0=$(nfsec_nstat "$B" discard) p0=$(rx packets)
	# shellcheck disable=SC2086
	cfg ns_run "$B" "$NFSEC_TOOL" policy add $sel action discard
	if ns_run "$L" ping "$PINGF" -c 1 -W 1 "$RADDR" >/dev/null 2>&1; then
		fail "$WHAT: a ping b forwards through a discard policy was answered"
	fi
	expect_delta "packets b decrypted for the discarded ping" "$p0" 1 rx packets
	expect_delta "b's discard count after the forwarded ping" "$d0" 1 \
		nfsec_nstat "$B" discard
	# shellcheck disable=SC2086
	cfg ns_run "$B" "$NFSEC_TOOL" policy del $sel
	ping_ok "$L" "$RADDR"
	phase forwarded-policy
}

# no_sa IMPL: b's count of IPsec packets for which it has no SA. nfsec looks
# SAs up by (protocol, source, SPI), XFRM by (destination, SPI, protocol).
no_sa() {
	if [ "$1" = nfsec ]; then
		nfsec_nstat "$B" no_sa
	else
		xfrm_stat "$B" XfrmInNoStates
	fi
}

# AH: which header fields and options the ICV covers (see the top). The
# first held packet with a changed IPv4 identification (IPv6: none has
# one) and a changed source, then accepted with a changed TTL (IPv6: its
# traffic class and flow label); in transport mode, options.
check_ah_fields() {
	local mode=$1 p0 i0 n0 u0 out
	phase ah-start
	capture_start "$R" b0 "$tmp/wire.pcap" "${CAPF[@]}"
	hold "$HOLD1" 1
	p0=$(rx packets) i0=$(rx icv)
	if [ "$FAMILY" = inet ]; then
		assert_eq 1 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD1" -n 1 --flip-ip 4)" \
			"$WHAT: packets with a changed identification sent"
		expect_delta "ICV failures after a changed identification" "$i0" 1 rx icv
		i0=$((i0 + 1))
	fi
	if [ "$IMPL_B" = nfsec ]; then
		n0=$(no_sa nfsec)
		assert_eq 1 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD1" -n 1 --src "$ADDR_R")" \
			"$WHAT: packets with a changed source sent"
		expect_delta "packets without an SA after a changed source" "$n0" 1 no_sa nfsec
	else
		assert_eq 1 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD1" -n 1 --src "$ADDR_R")" \
			"$WHAT: packets with a changed source sent"
		expect_delta "ICV failures after a changed source" "$i0" 1 rx icv
		i0=$((i0 + 1))
	fi
	expect_delta "packets accepted after changed immutable fields" "$p0" 0 rx packets
	if [ "$FAMILY" = inet ]; then
		assert_eq 1 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD1" -n 1 --flip-ip 8)" \
			"$WHAT: packets with a changed TTL sent"
		expect_delta "packets accepted with a changed TTL (mutable)" "$p0" 1 rx packets
	else
		# Byte 1: the low four bits of the traffic class, the high
		# four of the flow label.
		assert_eq 1 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD1" -n 1 --flip-ip 1)" \
			"$WHAT: packets with a changed traffic class and flow label sent"
		expect_delta "packets accepted with a changed traffic class and flow label (mutable)" \
			"$p0" 1 rx packets
	fi
	expect_delta "ICV failures after a changed mutable field" "$i0" 0 rx icv
	if [ "$mode" = transport ] && [ "$FAMILY" = inet ]; then
		# Record Route (7), two slots: a fills the first, r the second.
		u0=$(noports "$R_")
		ns_run "$L" "$PKTINJECT" --udp "$RADDR:9" \
			--ip-options 070b04000000000000000000 -n 2 >/dev/null
		expect_delta "datagrams with Record Route delivered" "$u0" 2 noports "$R_"
		expect_delta "packets accepted with Record Route" "$p0" 3 rx packets
		out=$(tcpdump -v -nn -r "$tmp/wire.pcap" "ip[9] = $PNUM and ip[20] = 7" 2>/dev/null)
		assert_match "RR 10\.0\.1\.1, 10\.0\.1\.254" "$out" "$WHAT: Record Route as r sent it on"
		# Router Alert (148): immutable, covered by the ICV.
		hold "$HOLD2" 1 --options 94040000
		assert_eq 1 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD2" -n 1 --flip-ip 22)" \
			"$WHAT: packets with a changed Router Alert sent"
	elif [ "$mode" = transport ]; then
		# A hop-by-hop option whose change bit is set (0x3e), its four
		# bytes of data zero as a sends them, 0x5eed5eed as r's nft
		# rule sends them on.
		u0=$(noports "$R_")
		ns_run "$L" "$PKTINJECT" --udp "[$RADDR]:9" --hbh-options 3e0400000000 -n 2 >/dev/null
		expect_delta "datagrams with a changed option delivered" "$u0" 2 noports "$R_"
		expect_delta "packets accepted with a changed option" "$p0" 3 rx packets
		out=$(tcpdump -nn -r "$tmp/wire.pcap" "ip6[6] = 0 and ip6[40] = $PNUM and \
			ip6[42:2] = 0x3e04 and ip6[44:4] = 0x5eed5eed" 2>/dev/null | grep -c . || true)
		assert_eq 2 "$out" "$WHAT: packets with the option as r sent them on"
		# Router Alert (5): immutable (change bit clear), covered by
		# the ICV; byte 44 is the first of its value.
		hold "$HOLD2" 1 --options 05020000
		assert_eq 1 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD2" -n 1 --flip-ip 44)" \
			"$WHAT: packets with a changed Router Alert sent"
	fi
	if [ "$mode" = transport ]; then
		expect_delta "ICV failures after a changed Router Alert" "$i0" 1 rx icv
		assert_eq 1 "$(inject -r "$tmp/wire.pcap" --ether-dst "$HOLD2" -n 1)" \
			"$WHAT: packets with Router Alert sent"
		expect_delta "datagrams with Router Alert delivered" "$u0" 3 noports "$R_"
		expect_delta "packets accepted with Router Alert" "$p0" 4 rx packets
	fi
	capture_stop
	rm -f "$tmp/wire.pcap"
	phase ah-fields
}

# ESN across 2^32 with replay-window 1024, both directions.
esn() {
	local pairing=$1 alg=${2:-$BASE_ALG} start=$((0xffffffff - 15)) out
	begin "$pairing esn $alg"
	setup "$pairing" transport "$alg" "esn $start" "esn $start"
	out=$(ns_run "$A" ping "$PINGF" -c 30 -i 0.1 -W 2 "$ADDR_B" 2>&1) || true
	assert_match ' 0% packet loss' "$out" "$WHAT: 30 pings across 2^32"
	assert_eq 30 "$(rx packets)" "$WHAT: packets received by b"
	assert_eq 0 "$(rx replay)" "$WHAT: replay drops at b"
	if [ "$IMPL_B" = xfrm ]; then
		assert_match 'seq-hi 0x1' "$(ns_ip "$B" -s xfrm state get src "$ADDR_A" \
			dst "$ADDR_B" proto "$PROTO" spi "$SPI_AB")" "$WHAT: b's window moved past 2^32"
	else
		# The highest number received: the 30th after the start.
		assert_eq $((start + 30)) "$(rx seq)" "$WHAT: b's sequence number past 2^32"
	fi
	log "ok: $WHAT"
}

# events_start NS: `nfsec monitor` in NS, its lines in $tmp/events; returns
# once it listens, having seen a throwaway SA come and go.
events_start() {
	local ns=$1 key i
	key=$(nfsec genkey aes-gcm-128)
	ns_bg "$ns" "$NFSEC_TOOL" monitor >"$tmp/events" 2>&1 </dev/null
	MON=$!
	defer "kill $MON"
	for i in $(seq 50); do
		ns_run_quiet "$ns" "$NFSEC_TOOL" sa add proto esp src 10.9.9.9 \
			dst 10.9.9.8 spi 0x00009999 aead aes-gcm "$key"
		ns_run_quiet "$ns" "$NFSEC_TOOL" sa del proto esp src 10.9.9.9 spi 0x00009999
		grep -q '^sa-deleted .*spi 0x00009999' "$tmp/events" && return 0
		sleep 0.2
	done
	fail "$WHAT: nfsec monitor shows no event"
}

# events_stop: ends the monitor; prints the events it saw for SPI_AB, in
# order, on one line.
events_stop() {
	kill "$MON"
	wait "$MON" 2>/dev/null
	grep "spi $SPI_AB" "$tmp/events" | cut -d' ' -f1 | tr '\n' ' '
}

# A non-ESN SA whose last sequence number is 4294967290 sends five packets
# (…91 to …95), then refuses.
exhaust() {
	local pairing=$1 ok=0 i x0=0
	begin "$pairing seq-exhaustion $BASE_ALG"
	setup "$pairing" transport "$BASE_ALG" "seq 4294967290" -
	[ "$IMPL_A" = xfrm ] && x0=$(xfrm_stat "$A" XfrmOutStateSeqError)
	[ "$IMPL_A" = nfsec ] && events_start "$A"
	for i in $(seq 8); do
		ns_run "$A" ping "$PINGF" -c 1 -W 1 "$ADDR_B" >/dev/null 2>&1 && ok=$((ok + 1))
	done
	assert_eq 5 "$ok" "$WHAT: pings answered"
	assert_eq 5 "$(rx packets)" "$WHAT: packets received by b"
	# Each of the three refused pings counts once.
	if [ "$IMPL_A" = xfrm ]; then
		assert_eq 3 "$(($(xfrm_stat "$A" XfrmOutStateSeqError) - x0))" \
			"$WHAT: XfrmOutStateSeqError rise"
	else
		assert_eq 3 "$(tx seqexh)" "$WHAT: drop-seq-exhausted"
		# Announced once, although three packets were refused.
		sleep 1
		assert_eq "sa-seq-exhausted " "$(events_stop)" "$WHAT: events of the SA"
	fi
	log "ok: $WHAT"
}

# Lifetimes of an nfsec sender, in packets or in bytes: soft after 3
# packets (the SA says so), hard after 5 (nothing more is sent, the SA is
# deleted). A ping is 64 bytes of payload: 150 bytes are reached by the
# third, 320 are passed by the sixth.
lifetime() {
	local pairing=$1 kind=$2 ok=0 i out lft="lft 3 5"
	[ "$kind" = bytes ] && lft="lftb 150 320"
	begin "$pairing $kind-lifetime $BASE_ALG"
	setup "$pairing" transport "$BASE_ALG" "$lft" -
	events_start "$A"
	for i in $(seq 4); do
		ns_run "$A" ping "$PINGF" -c 1 -W 1 "$ADDR_B" >/dev/null 2>&1 && ok=$((ok + 1))
	done
	out=$(ns_run "$A" "$NFSEC_TOOL" -j sa get proto "$PROTO" src "$ADDR_A" spi "$SPI_AB")
	assert_match '"state":"soft-expired"' "$out" "$WHAT: state after 4 packets"
	for i in $(seq 4); do
		ns_run "$A" ping "$PINGF" -c 1 -W 1 "$ADDR_B" >/dev/null 2>&1 && ok=$((ok + 1))
	done
	assert_eq 5 "$ok" "$WHAT: pings answered"
	assert_eq 5 "$(rx packets)" "$WHAT: packets received by b"
	sleep 2
	assert_fails ns_run "$A" "$NFSEC_TOOL" sa get proto "$PROTO" src "$ADDR_A" spi "$SPI_AB"
	assert_eq "sa-soft sa-expired " "$(events_stop)" "$WHAT: events of the SA"
	log "ok: $WHAT"
}

# The algorithms of xfrm-xfrm and nfsec-nfsec, where one implementation
# is on both sides: with IPv6 by default the first of ALGS and those XFRM
# lacks (nfsec-nfsec is their only pairing); with IPv4 all of ALGS.
if [ "$FAMILY" = inet6 ]; then
	def=""
	for alg in $ALGS; do
		if [ -z "$def" ] || ! xfrm_offers "$alg"; then
			def="${def:+$def }$alg"
		fi
	done
else
	def=$ALGS
fi
SAME_ALGS=$(knob SAME_ALGS "$def")
SAME_ALGS=${SAME_ALGS//,/ }
# The algorithms run in tunnel mode too, the bytes of the transfers after
# the first combination, the modes of xfrm-xfrm and nfsec-nfsec and
# whether they run ESN, exhaustion and lifetimes too (SAME_EXTRAS; ESN of
# the algorithms XFRM lacks always): with IPv6 by default all of ALGS,
# 1000000, MODES, 0; with IPv4 all, BYTES, MODES, 1.
TUNNEL_ALGS=$(knob TUNNEL_ALGS "$ALGS")
SAME_MODES=$(knob SAME_MODES "$MODES")
if [ "$FAMILY" = inet6 ]; then
	BYTES_REST=$(knob BYTES_REST 1000000)
	SAME_EXTRAS=$(knob SAME_EXTRAS 0)
else
	BYTES_REST=$(knob BYTES_REST "$BYTES")
	SAME_EXTRAS=$(knob SAME_EXTRAS 1)
fi
TUNNEL_ALGS=" ${TUNNEL_ALGS//,/ } " SAME_MODES=${SAME_MODES//,/ }

log "$PNAME over $FAMILY; pairings: $PAIRINGS; algorithms: $ALGS (tunnel" \
	"mode:$TUNNEL_ALGS); modes: $MODES; xfrm-xfrm, nfsec-nfsec: $SAME_ALGS," \
	"$SAME_MODES, extras $SAME_EXTRAS; $BYTES bytes, then $BYTES_REST"
T0=$(date +%s)
for pairing in $PAIRINGS; do
	first=1 algs=$ALGS modes=$MODES extras=1
	case "$pairing" in
	xfrm-xfrm | nfsec-nfsec) algs=$SAME_ALGS modes=$SAME_MODES extras=$SAME_EXTRAS ;;
	esac
	for mode in $modes; do
		for alg in $algs; do
			if [[ "$pairing" == *xfrm* ]] && ! xfrm_offers "$alg"; then
				log "not run: $pairing $mode $alg: XFRM has no $PNAME with $alg (nfsec-nfsec only)"
				continue
			fi
			if [ "$mode" = tunnel ] && [[ $TUNNEL_ALGS != *" $alg "* ]]; then
				log "not run: $pairing $mode $alg (NFSEC_${PNAME}_TUNNEL_ALGS)"
				continue
			fi
			both=0 XBYTES=$BYTES_REST
			if [ "$COMBO" = 0 ]; then
				XBYTES=$BYTES
			fi
			if [ "$first" = 1 ] && [ "$mode" = transport ]; then
				both=1
			fi
			combination "$pairing" "$mode" "$alg" "$both"
			first=0
		done
	done
	if [ "$extras" = 1 ]; then
		esn "$pairing"
	fi
	# An algorithm only nfsec has crosses 2^32 between two nfsec too.
	if [ "$pairing" = nfsec-nfsec ]; then
		for alg in $algs; do
			xfrm_offers "$alg" || esn "$pairing" "$alg"
		done
	fi
	if [ "$extras" = 0 ]; then
		log "not run: $pairing esn $BASE_ALG, seq-exhaustion, lifetimes (NFSEC_${PNAME}_SAME_EXTRAS)"
		continue
	fi
	exhaust "$pairing"
	if [ "${pairing%%-*}" = nfsec ]; then
		lifetime "$pairing" packets
		lifetime "$pairing" bytes
	fi
done
clear_side "$A"
clear_side "$B"
log "all passed in $(($(date +%s) - T0)) s"
dmesg_check
exit "$KSFT_PASS"
