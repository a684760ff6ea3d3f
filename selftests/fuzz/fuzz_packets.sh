#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Packet fuzzing: fuzz_packets, in namespace tx, sends mutated ESP and AH
# packets to the live inbound SAs of namespace rx (IPv4 over a raw socket,
# IPv6 over a packet socket on vt), and checks after every batch that rx's
# counters moved by exactly what each packet must do (see fuzz_packets.c)
# and that only the valid packets were delivered.
# Here the totals are checked once more with the nfsec tool: the drop
# counters of `nfsec stats` and `nfsec -s sa show` rose by the number of
# packets that reached nfsec, less those delivered and those taken with
# nothing to deliver (dummies, inner fragments, packets the stack drops
# after nfsec).
#
#   tx                                 rx
#   10.7.0.1      vt ----------------- vr 10.7.0.2
#   2001:db8:7::1                         2001:db8:7::2
#
# rx's inbound SAs (all from 10.7.0.1; the policy of each protects UDP to
# one port):
#   0x1001 aes-gcm-128, ESN, replay window 128    transport  udp 4000
#   0x1002 chacha20-poly1305                      transport  udp 4001
#   0x1003 aes-cbc-128 + hmac-sha256              transport  udp 4002
#   0x1004 null + hmac-sha256                     tunnel     udp 4003
#                                                 (inner 10.8.1.1 -> 10.7.0.2)
#
# What reaches nfsec: every packet the fuzzer sends, or every fragment set
# once rx reassembled it. The IPv4 header stays valid (the sender's kernel
# writes its checksum and total length), so ip_rcv() never drops one before
# PRE_ROUTING; IPv6 packets are what ipv6_rcv() takes, but for the "stack"
# kind, which it must drop.
#
# and three AH SAs (NFSEC_FUZZ_AH=0 leaves them out):
#   0x2001 AH hmac-sha256, ESN                    transport  udp 4004
#   0x2002 AH hmac-sha1                           tunnel     udp 4005
#   0x2003 AH aes-gmac-128, ESN                   transport  udp 4006
# (the fuzzer builds AES-GMAC's AH packets by RFC 4543 5 itself, with GCM
# through AF_ALG, so that nfsec's accepting them checks its wire format
# against a second construction)
#
# IPv6 (NFSEC_FUZZ_IPV6=0 leaves it out), from 2001:db8:7::1 unless said;
# inner packets from 2001:db8:8::1 or 10.8.1.1 to rx:
#   0x1011 aes-gcm-128, ESN, replay window 128    transport  udp 4010
#   0x1012 aes-cbc-128 + hmac-sha256              tunnel     udp 4011
#                                                 (6in6 and 4in6)
#   0x1013 chacha20-poly1305, from 10.7.0.1       tunnel     udp 4012 (6in4)
#   0x2011 AH hmac-sha256, ESN                    transport  udp 4013
#   0x2012 AH aes-gmac-128                        tunnel     udp 4014
#                                                 (6in6 and 4in6)
#   0x2013 AH hmac-sha1, from 10.7.0.1            tunnel     udp 4015 (6in4)
# and rx's outbound SAs to 2001:db8:7::1, which the ICMPv6 packet too big
# errors of the fuzzer quote: ESP 0x3011 (aes-gcm-128), AH 0x3012
# (hmac-sha256; only with AH).
#
# Knobs: NFSEC_FUZZ_PACKETS_COUNT (IPv4 packets, and as many IPv6 ones;
# default 10000; the full run is 100000), NFSEC_FUZZ_SEED (default: from
# the clock; printed either way), NFSEC_FUZZ_AH (1 or 0, default 1),
# NFSEC_FUZZ_IPV6 (1 or 0, default 1).
source "$(dirname "$0")/../lib.sh"
require_root
require_tool
require_cmd ip insmod

HERE=$(cd "$(dirname "$0")" && pwd)
FUZZ=$HERE/fuzz_packets
[ -x "$FUZZ" ] || fail "$FUZZ is missing (make -C selftests)"
COUNT=${NFSEC_FUZZ_PACKETS_COUNT:-10000}
SEED=${NFSEC_FUZZ_SEED:-0}
AH=${NFSEC_FUZZ_AH:-1}
V6=${NFSEC_FUZZ_IPV6:-1}

nfsec_unload_quiet
dmesg_mark
nfsec_load
tx="" rx=""
ns_create tx
ns_create rx
veth_pair "$tx" vt "$rx" vr
addr_add "$tx" vt 10.7.0.1/24
addr_add "$rx" vr 10.7.0.2/24
ns_ip "$tx" addr add 2001:db8:7::1/64 dev vt nodad
ns_ip "$rx" addr add 2001:db8:7::2/64 dev vr nodad
# The tunnel's inner source is not on the link. Fragment sets of one
# source that arrive interleaved with more than ipfrag_max_dist (64) other
# fragments are dropped by reassembly: that check is off.
# shellcheck disable=SC2016 # expanded by the inner shell
ip netns exec "$rx" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 >"$f"; done
	echo 0 >/proc/sys/net/ipv4/ipfrag_max_dist'
ip netns exec "$tx" ping -c 1 -W 5 10.7.0.2 >/dev/null || fail "no ping over the veth"
ip netns exec "$tx" ping -6 -c 1 -W 5 2001:db8:7::2 >/dev/null || fail "no IPv6 ping over the veth"

nx() { ip netns exec "$rx" "$NFSEC_TOOL" "$@"; }
key() { "$NFSEC_TOOL" genkey "$1"; }

sa=(proto esp src 10.7.0.1)
nx sa add "${sa[@]}" dst 10.7.0.2 spi 0x1001 aead aes-gcm "$(key aes-gcm-128)" esn replay-window 128
nx sa add "${sa[@]}" dst 10.7.0.2 spi 0x1002 aead chacha20-poly1305 "$(key chacha20-poly1305)"
nx sa add "${sa[@]}" dst 10.7.0.2 spi 0x1003 enc aes-cbc "$(key aes-cbc-128)" auth hmac-sha256 "$(key hmac-sha256)"
nx sa add "${sa[@]}" dst 10.7.0.2 spi 0x1004 mode tunnel enc null none auth hmac-sha256 "$(key hmac-sha256)"
for i in 1 2 3; do
	nx policy add dir in src 10.7.0.1/32 dst 10.7.0.2/32 proto udp dport $((3999 + i)) \
		action protect sa "${sa[@]}" spi 0x100$i
done
nx policy add dir in src 10.8.1.1/32 dst 10.7.0.2/32 proto udp dport 4003 \
	action protect sa "${sa[@]}" spi 0x1004
sas=(--sa 0x1001:4000 --sa 0x1002:4001 --sa 0x1003:4002 --sa 0x1004:4003)
if [ "$AH" = 1 ]; then
	ah=(proto ah src 10.7.0.1)
	nx sa add "${ah[@]}" dst 10.7.0.2 spi 0x2001 auth hmac-sha256 "$(key hmac-sha256)" esn
	nx sa add "${ah[@]}" dst 10.7.0.2 spi 0x2002 mode tunnel auth hmac-sha1 "$(key hmac-sha1)"
	nx sa add "${ah[@]}" dst 10.7.0.2 spi 0x2003 auth aes-gmac "$(key aes-gmac-128)" esn
	nx policy add dir in src 10.7.0.1/32 dst 10.7.0.2/32 proto udp dport 4004 \
		action protect sa "${ah[@]}" spi 0x2001
	nx policy add dir in src 10.8.1.1/32 dst 10.7.0.2/32 proto udp dport 4005 \
		action protect sa "${ah[@]}" spi 0x2002
	nx policy add dir in src 10.7.0.1/32 dst 10.7.0.2/32 proto udp dport 4006 \
		action protect sa "${ah[@]}" spi 0x2003
	sas+=(--sa ah:0x2001:4004 --sa ah:0x2002:4005 --sa ah:0x2003:4006)
fi
if [ "$V6" = 1 ]; then
	s6=(src 2001:db8:7::1)
	nx sa add proto esp "${s6[@]}" dst 2001:db8:7::2 spi 0x1011 aead aes-gcm "$(key aes-gcm-128)" esn replay-window 128
	nx sa add proto esp "${s6[@]}" dst 2001:db8:7::2 spi 0x1012 mode tunnel enc aes-cbc "$(key aes-cbc-128)" auth hmac-sha256 "$(key hmac-sha256)"
	nx sa add "${sa[@]}" dst 10.7.0.2 spi 0x1013 mode tunnel aead chacha20-poly1305 "$(key chacha20-poly1305)"
	sel6=(src 2001:db8:7::1/128 dst 2001:db8:7::2/128 proto udp)
	in6=(src 2001:db8:8::1/128 dst 2001:db8:7::2/128 proto udp)
	in4=(src 10.8.1.1/32 dst 10.7.0.2/32 proto udp)
	nx policy add dir in "${sel6[@]}" dport 4010 action protect sa proto esp "${s6[@]}" spi 0x1011
	nx policy add dir in "${in6[@]}" dport 4011 action protect sa proto esp "${s6[@]}" spi 0x1012
	nx policy add dir in "${in4[@]}" dport 4011 action protect sa proto esp "${s6[@]}" spi 0x1012
	nx policy add dir in "${in6[@]}" dport 4012 action protect sa "${sa[@]}" spi 0x1013
	sas+=(--sa v6:0x1011:4010 --sa v6:0x1012:4011:46 --sa 0x1013:4012:6)
	if [ "$AH" = 1 ]; then
		nx sa add proto ah "${s6[@]}" dst 2001:db8:7::2 spi 0x2011 auth hmac-sha256 "$(key hmac-sha256)" esn
		nx sa add proto ah "${s6[@]}" dst 2001:db8:7::2 spi 0x2012 mode tunnel auth aes-gmac "$(key aes-gmac-128)"
		nx sa add "${ah[@]}" dst 10.7.0.2 spi 0x2013 mode tunnel auth hmac-sha1 "$(key hmac-sha1)"
		nx policy add dir in "${sel6[@]}" dport 4013 action protect sa proto ah "${s6[@]}" spi 0x2011
		nx policy add dir in "${in6[@]}" dport 4014 action protect sa proto ah "${s6[@]}" spi 0x2012
		nx policy add dir in "${in4[@]}" dport 4014 action protect sa proto ah "${s6[@]}" spi 0x2012
		nx policy add dir in "${in6[@]}" dport 4015 action protect sa "${ah[@]}" spi 0x2013
		sas+=(--sa ah:v6:0x2011:4013 --sa ah:v6:0x2012:4014:46 --sa ah:0x2013:4015:6)
	fi
	# Outbound, for the ICMPv6 errors: no policy uses them.
	o6=(src 2001:db8:7::2 dst 2001:db8:7::1)
	nx sa add proto esp "${o6[@]}" spi 0x3011 aead aes-gcm "$(key aes-gcm-128)"
	sas+=(--out-sa v6:0x3011)
	if [ "$AH" = 1 ]; then
		nx sa add proto ah "${o6[@]}" spi 0x3012 auth hmac-sha256 "$(key hmac-sha256)"
		sas+=(--out-sa ah:v6:0x3012)
	fi
	lladdr=$(ip -n "$rx" -br link show vr | awk '{ print $3 }')
	sas+=(--src6 2001:db8:7::1 --dst6 2001:db8:7::2 --inner-src6 2001:db8:8::1
	      --dev vt --lladdr "$lladdr")
fi

# drops: the sum of every drop counter of rx, namespace and SAs.
drops() {
	{ nx stats; nx -s sa show; } |
		grep -oE '(no-sa|discard|plaintext|malformed|nomem|drop-[a-z-]+) [0-9]+' |
		awk '{ s += $2 } END { print s + 0 }'
}

d0=$(drops)
start=$(date +%s)
rc=0
out=$(ip netns exec "$tx" "$FUZZ" --rx "$rx" --src 10.7.0.1 --dst 10.7.0.2 \
	"${sas[@]}" --inner-src 10.8.1.1 --seed "$SEED" --count "$COUNT" --count6 "$COUNT") || rc=$?
echo "$out"
log "$COUNT packets$([ "$V6" = 1 ] && echo " of each family") in $(($(date +%s) - start)) s"
# nfsec is loaded: a fuzzer that cannot reach it fails.
[ "$rc" -ne "$KSFT_SKIP" ] || fail "fuzz_packets skipped although nfsec is loaded"
[ "$rc" -eq 0 ] || fail "fuzz_packets failed (exit $rc); rerun with NFSEC_FUZZ_SEED set to the seed above"

# The totals, read with the tool.
read -r reached accepted consumed < <(sed -n \
	's/^fuzz_packets: reached \([0-9]*\) accepted \([0-9]*\) consumed \([0-9]*\) .*/\1 \2 \3/p' <<<"$out")
[ -n "$reached" ] || fail "no totals from fuzz_packets"
d1=$(drops)
assert_eq "$((reached - accepted - consumed))" "$((d1 - d0))" \
	"drop counters of rx (nfsec stats, nfsec -s sa show) after $reached packets, $accepted delivered, $consumed consumed"
log "$reached packets reached nfsec: $((d1 - d0)) dropped and counted, $accepted delivered, $consumed consumed"

ns_destroy "$tx"
ns_destroy "$rx"
nfsec_unload
dmesg_check
exit "$KSFT_PASS"
