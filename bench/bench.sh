#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nfsec against the kernel's own IPsec (XFRM) on the same work, in the test
# VM (selftests/vm/run.sh --run bench/bench.sh; `make bench` on the host
# turns the results into a table and a plot). The VM runner puts bench/
# next to the selftests (/ksft/nfsec/bench/), whose lib.sh it uses.
#
#   nfsec pair n1-n2 (the XFRM pair x1-x2 is alike)
#  +--------------------+                    +--------------------+
#  | n1 (x1)            |                    | n2 (x2)            |
#  | 10.0.1.1         v0|--------------------|v0 10.0.1.2         |
#  | 2001:db8::1        |                    |    2001:db8::2     |
#  | lo 10.9.1.1        |                    | lo 10.9.2.1        |
#  | lo 2001:db8:9:1::1 |                    | lo 2001:db8:9:2::1 |
#  +--------------------+                    +--------------------+
#   iperf3 client                ====>        iperf3 server
#
# Transport mode protects the traffic between the link's addresses, tunnel
# mode that between the loopback ones, the link's being the tunnel's ends:
# 10.0.1.1 <-> 10.0.1.2 and 10.9.1.1 <-> 10.9.2.1, or for IPv6 2001:db8::1
# <-> 2001:db8::2 and 2001:db8:9:1::1 <-> 2001:db8:9:2::1 (6in6). IPv6 is
# on, and has its addresses, only when an IPv6 configuration is measured.
#
# Both pairs are set up at once with the same algorithms and keys, nfsec on
# one and XFRM on the other, and every measurement alternates between them
# (XFRM, nfsec, nfsec, XFRM, XFRM, nfsec, ...), after one unrecorded
# warm-up run each, so that drift of a shared, busy host
# hits both alike. nfsec is loaded throughout: its hooks also run, with
# empty databases, in the XFRM pair's namespaces.
#
# Groups (NFSEC_BENCH_GROUPS, default "tcp udp scale ctrl"):
#   tcp    iperf3 TCP throughput, client n1/x1 -> server n2/x2
#   udp    iperf3 UDP, 64-byte datagrams at full speed: datagrams/s received
#          both for each configuration (NFSEC_BENCH_CONFIGS):
#            plain               plaintext
#            esp-gcm-transport   ESP aes-gcm-128, transport mode
#            esp-gcm-tunnel      ESP aes-gcm-128, tunnel mode
#            esp-cbc-hmac        ESP aes-cbc-128 + hmac-sha256, transport
#            ah-hmac             AH hmac-sha256, transport
#            esp6-gcm-transport  esp-gcm-transport over IPv6
#            esp6-gcm-tunnel     esp-gcm-tunnel over IPv6 (6in6)
#            ah6-hmac            ah-hmac over IPv6
#   scale  TCP throughput (aes-gcm-128 transport) with N inbound SAs in the
#          receiver (N in NFSEC_BENCH_SCALE, the flow uses one of them),
#          against a second pair of the same contender that holds only the
#          flow's SAs, measured alternately with it ("throughput-1sa"), and
#          the kernel memory each added SA costs (/proc/meminfo: Slab, and
#          MemFree for everything including vmalloc'ed hash tables); the
#          runs start once the guest is idle again after the installation
#          (hash table resizing, deferred frees)
#   ctrl   time to install NFSEC_BENCH_CTRL SAs: `nfsec -b FILE` against
#          `ip -batch FILE` of `xfrm state add` lines
# Each protected run checks afterwards that the receiver's SA counted the
# traffic, so that a run in the clear cannot pass for a protected one.
#
# Results: lines "NFSEC-OUT results.csv ..." (group, config, metric, unit,
# contender, repetition, value) and "NFSEC-OUT info.txt ..." (CPU,
# accelerator, crypto drivers), which run.sh collects on the host, and
# perf profiles of one TCP run per contender and protected configuration
# (perf-IMPL-CONFIG.txt) when perf is in the VM (NFSEC_VM_PERF=1).
#
# Knobs: NFSEC_BENCH_REPS (3), NFSEC_BENCH_TIME (iperf3 seconds, 5),
# NFSEC_BENCH_SCALE ("1 10000 1000000"), NFSEC_BENCH_CTRL (100000),
# NFSEC_BENCH_GROUPS, NFSEC_BENCH_CONFIGS (all of the above, IPv6 ones
# beside their IPv4 twins), NFSEC_BENCH_SIMD (auto: load the SIMD crypto
# drivers when the CPU has the instructions; off), NFSEC_BENCH_PERF (1; 0:
# no profiles), NFSEC_BENCH_CONTENDERS ("xfrm nfsec": one alone gives no
# ratios). Lists may use spaces or commas.
# shellcheck source-path=SCRIPTDIR source=../selftests/lib.sh
source "$(dirname "$0")/../lib.sh"
require_root
require_cmd ip iperf3 awk timeout
require_tool

REPS=${NFSEC_BENCH_REPS:-3}
TIME=${NFSEC_BENCH_TIME:-5}
SCALE=${NFSEC_BENCH_SCALE:-1 10000 1000000}
CTRL=${NFSEC_BENCH_CTRL:-100000}
GROUPS_=${NFSEC_BENCH_GROUPS:-tcp udp scale ctrl}
ALL_CONFIGS="plain esp-gcm-transport esp6-gcm-transport esp-gcm-tunnel"
ALL_CONFIGS+=" esp6-gcm-tunnel esp-cbc-hmac ah-hmac ah6-hmac"
CONFIGS=${NFSEC_BENCH_CONFIGS:-$ALL_CONFIGS}
SIMD=${NFSEC_BENCH_SIMD:-auto}
PERF=${NFSEC_BENCH_PERF:-1}
SCALE=${SCALE//,/ } GROUPS_=${GROUPS_//,/ } CONFIGS=${CONFIGS//,/ }
CONTENDERS=${NFSEC_BENCH_CONTENDERS:-xfrm nfsec}
CONTENDERS=${CONTENDERS//,/ }

nfsec() { "$NFSEC_TOOL" "$@"; }
has() { [[ " $1 " == *" $2 "* ]]; }

# IPv6 (IPV6=1) when a configuration needs it.
IPV6=0
for c in $CONFIGS; do
	has "$ALL_CONFIGS" "$c" || fail "unknown configuration $c (NFSEC_BENCH_CONFIGS)"
	[[ "$c" == *6-* ]] && IPV6=1
done

# out FILE TEXT...: one line of a result file, carried by the console.
out() {
	local f=$1
	shift
	echo "NFSEC-OUT $f $*"
}
info() { out info.txt "$*"; }
# result GROUP CONFIG METRIC UNIT CONTENDER REP VALUE
result() {
	local IFS=,
	out results.csv "$*"
	echo "bench: $*"
}
now_us() { echo "${EPOCHREALTIME/./}"; }

tmp=$(mktemp -d)
defer "rm -rf $tmp"

# --- environment --------------------------------------------------------

info "kernel: $(uname -r)"
info "accelerator: ${NFSEC_VM_ACCEL:-unknown}"
info "cpu: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | sed -n 1,1p), $(grep -c ^processor /proc/cpuinfo) vCPUs"
info "memory: $(awk '/^MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)"
flags=$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo | sed -n 1,1p)
simd=""
for f in aes pclmulqdq ssse3 avx avx2 sha_ni; do
	has "$flags" "$f" && simd="$simd $f"
done
info "cpu SIMD flags:${simd:- none}"
if [ "$SIMD" = auto ]; then
	# Loaded before any transform exists, so that both contenders get the
	# same (highest priority) implementations.
	for m in aesni_intel ghash_clmulni_intel sha256_ssse3; do
		if modprobe "$m" 2>/dev/null; then
			info "loaded $m"
		else
			info "could not load $m"
		fi
	done
fi

nfsec_unload_quiet
nfsec_load
info "nfsec: $(cat /sys/module/nfsec/version 2>/dev/null || echo '?')"
dmesg_mark

# --- topology -----------------------------------------------------------

# pair NS1 NS2: veth, addresses, inner addresses for tunnel mode, the
# same for IPv6 if IPV6=1, iperf3 server in NS2.
pair() {
	local a=$1 b=$2 ns
	veth_pair "$a" v0 "$b" v0
	for ns in "$a" "$b"; do
		ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=$((1 - IPV6)) \
			net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
			net.ipv4.conf.v0.rp_filter=0
	done
	addr_add "$a" v0 10.0.1.1/24
	addr_add "$b" v0 10.0.1.2/24
	addr_add "$a" lo 10.9.1.1/32
	addr_add "$b" lo 10.9.2.1/32
	ip -n "$a" route add 10.9.2.0/24 via 10.0.1.2 dev v0 src 10.9.1.1
	ip -n "$b" route add 10.9.1.0/24 via 10.0.1.1 dev v0 src 10.9.2.1
	ip netns exec "$a" ping -c 1 -W 2 10.0.1.2 >/dev/null || fail "no path in $a"
	ip netns exec "$a" ping -c 1 -W 2 -I 10.9.1.1 10.9.2.1 >/dev/null ||
		fail "no inner path in $a"
	if [ "$IPV6" = 1 ]; then
		ns_ip "$a" addr add 2001:db8::1/64 dev v0 nodad
		ns_ip "$b" addr add 2001:db8::2/64 dev v0 nodad
		ns_ip "$a" addr add 2001:db8:9:1::1/128 dev lo nodad
		ns_ip "$b" addr add 2001:db8:9:2::1/128 dev lo nodad
		ip -n "$a" -6 route add 2001:db8:9:2::/64 via 2001:db8::2 dev v0 src 2001:db8:9:1::1
		ip -n "$b" -6 route add 2001:db8:9:1::/64 via 2001:db8::1 dev v0 src 2001:db8:9:2::1
		ip netns exec "$a" ping -c 1 -W 2 2001:db8::2 >/dev/null || fail "no IPv6 path in $a"
		ip netns exec "$a" ping -c 1 -W 2 -I 2001:db8:9:1::1 2001:db8:9:2::1 >/dev/null ||
			fail "no inner IPv6 path in $a"
	fi
	ip netns exec "$b" iperf3 -s -D -I "$tmp/iperf3-$b.pid" >/dev/null
	defer "kill \$(cat $tmp/iperf3-$b.pid)"
}

# The pair of each run: CLIENT and SERVER namespaces of a contender, or
# of its reference pair ("IMPL-1sa", the scale group's).
declare -A CLIENT SERVER
ns_create N1
ns_create N2
ns_create X1
ns_create X2
pair "$N1" "$N2"
pair "$X1" "$X2"
CLIENT=([nfsec]=$N1 [xfrm]=$X1) SERVER=([nfsec]=$N2 [xfrm]=$X2)
if has "$GROUPS_" scale; then
	ns_create N3
	ns_create N4
	ns_create X3
	ns_create X4
	pair "$N3" "$N4"
	pair "$X3" "$X4"
	CLIENT+=([nfsec-1sa]=$N3 [xfrm-1sa]=$X3)
	SERVER+=([nfsec-1sa]=$N4 [xfrm-1sa]=$X4)
fi
sleep 1

# --- configurations -----------------------------------------------------

# genkeys CONFIG: K1 (cipher or AEAD) and K2 (integrity), shared by both.
genkeys() {
	case "$1" in
	esp-gcm-* | esp6-gcm-*) K1=$(nfsec genkey aes-gcm-128) K2='' ;;
	esp-cbc-hmac) K1=$(nfsec genkey aes-cbc-128) K2=$(nfsec genkey hmac-sha256) ;;
	ah-hmac | ah6-hmac) K1='' K2=$(nfsec genkey hmac-sha256) ;;
	esac
}

# Per configuration: protocol, mode, the SAs' ends (SA1 the client's, SA2
# the server's), addresses the policies select and their prefix length.
conf() {
	PROTO=esp MODE=transport SA1=10.0.1.1 SA2=10.0.1.2 PLEN=32
	case "$1" in
	*6-*) SA1=2001:db8::1 SA2=2001:db8::2 PLEN=128 ;;
	esac
	LADDR=$SA1 RADDR=$SA2
	case "$1" in
	esp-gcm-tunnel) MODE=tunnel LADDR=10.9.1.1 RADDR=10.9.2.1 ;;
	esp6-gcm-tunnel) MODE=tunnel LADDR=2001:db8:9:1::1 RADDR=2001:db8:9:2::1 ;;
	ah-* | ah6-*) PROTO=ah ;;
	esac
}

xfrm_alg() {
	case "$1" in
	esp-gcm-* | esp6-gcm-*) echo "aead rfc4106(gcm(aes)) $K1 128" ;;
	esp-cbc-hmac) echo "enc cbc(aes) $K1 auth-trunc hmac(sha256) $K2 128" ;;
	ah-hmac | ah6-hmac) echo "auth-trunc hmac(sha256) $K2 128" ;;
	esac
}

nfsec_alg() {
	case "$1" in
	esp-gcm-* | esp6-gcm-*) echo "aead aes-gcm $K1 icv 128" ;;
	esp-cbc-hmac) echo "enc aes-cbc $K1 auth hmac-sha256 $K2" ;;
	ah-hmac | ah6-hmac) echo "auth hmac-sha256 $K2" ;;
	esac
}

# side IMPL NS LOCAL PEER LNET RNET SPI_OUT SPI_IN
side() {
	local impl=$1 ns=$2 local=$3 peer=$4 lnet=$5 rnet=$6 so=$7 si=$8 a
	if [ "$impl" = xfrm ]; then
		a=$(xfrm_alg "$CONF")
		# shellcheck disable=SC2086
		ip -n "$ns" xfrm state add src "$local" dst "$peer" proto "$PROTO" \
			spi "$so" reqid 1 mode "$MODE" $a replay-window 32
		# shellcheck disable=SC2086
		ip -n "$ns" xfrm state add src "$peer" dst "$local" proto "$PROTO" \
			spi "$si" reqid 2 mode "$MODE" $a replay-window 32
		ip -n "$ns" xfrm policy add src "$lnet" dst "$rnet" dir out \
			tmpl src "$local" dst "$peer" proto "$PROTO" reqid 1 mode "$MODE"
		ip -n "$ns" xfrm policy add src "$rnet" dst "$lnet" dir in \
			tmpl src "$peer" dst "$local" proto "$PROTO" reqid 2 mode "$MODE"
	else
		a=$(nfsec_alg "$CONF")
		# shellcheck disable=SC2086
		ip netns exec "$ns" "$NFSEC_TOOL" sa add proto "$PROTO" src "$local" \
			dst "$peer" spi "$so" mode "$MODE" $a replay-window 32
		# shellcheck disable=SC2086
		ip netns exec "$ns" "$NFSEC_TOOL" sa add proto "$PROTO" src "$peer" \
			dst "$local" spi "$si" mode "$MODE" $a replay-window 32
		ip netns exec "$ns" "$NFSEC_TOOL" policy add dir out src "$lnet" \
			dst "$rnet" action protect sa proto "$PROTO" src "$local" spi "$so"
		ip netns exec "$ns" "$NFSEC_TOOL" policy add dir in src "$rnet" \
			dst "$lnet" action protect sa proto "$PROTO" src "$peer" spi "$si"
	fi
}

clear_all() {
	local run ns
	for run in "${!CLIENT[@]}"; do
		for ns in "${CLIENT[$run]}" "${SERVER[$run]}"; do
			if [ "${run%-1sa}" = xfrm ]; then
				ip -n "$ns" xfrm policy flush
				ip -n "$ns" xfrm state flush
			else
				ip netns exec "$ns" "$NFSEC_TOOL" policy flush >/dev/null
				ip netns exec "$ns" "$NFSEC_TOOL" sa flush >/dev/null
			fi
		done
	done
}

# setup CONFIG: every pair, same keys; each contender's must pass traffic.
setup() {
	CONF=$1
	clear_all
	conf "$CONF"
	[ "$CONF" = plain ] && return 0
	genkeys "$CONF"
	local run
	for run in "${!CLIENT[@]}"; do
		side "${run%-1sa}" "${CLIENT[$run]}" "$SA1" "$SA2" "$LADDR/$PLEN" "$RADDR/$PLEN" 0x1000 0x2000
		side "${run%-1sa}" "${SERVER[$run]}" "$SA2" "$SA1" "$RADDR/$PLEN" "$LADDR/$PLEN" 0x2000 0x1000
		has "$CONTENDERS" "${run%-1sa}" || continue
		ip netns exec "${CLIENT[$run]}" ping -c 2 -i 0.2 -W 2 -I "$LADDR" "$RADDR" >/dev/null 2>&1 ||
			fail "$CONF: no traffic through $run"
	done
}

# rx_packets RUN: packets the receiver's inbound SA (0x1000) counted.
rx_packets() {
	local ns=${SERVER[$1]}
	if [ "${1%-1sa}" = xfrm ]; then
		ip -s -n "$ns" xfrm state get src "$SA1" dst "$SA2" proto "$PROTO" spi 0x1000 |
			sed -n 's/.*[ ,]\([0-9][0-9]*\)(packets).*/\1/p' | sed -n 1,1p
	else
		ip netns exec "$ns" "$NFSEC_TOOL" -s sa get proto "$PROTO" src "$SA1" spi 0x1000 |
			sed -n 's/.*stats packets \([0-9][0-9]*\) .*/\1/p'
	fi
}

# --- measurements -------------------------------------------------------

# iperf RUN tcp|udp: one run through the pair of RUN (a contender, or its
# reference pair); prints Mbit/s (TCP) or datagrams/s (UDP) received, or
# "error".
iperf() {
	local impl=$1 kind=$2 ns=${CLIENT[$1]} o line
	local args=(-c "$RADDR" -B "$LADDR" -t "$TIME" -f k)
	[ "$kind" = udp ] && args+=(-u -l 64 -b 0)
	if ! o=$(timeout $((TIME + 60)) ip netns exec "$ns" iperf3 "${args[@]}" 2>&1); then
		echo "bench: iperf3 $impl $kind failed: $(tail -n 3 <<<"$o" | tr '\n' ' ')" >&2
		echo error
		return 0
	fi
	line=$(grep ' receiver$' <<<"$o" | tail -n 1)
	if [ "$kind" = tcp ]; then
		awk '{ for (i = 1; i < NF; i++) if ($(i + 1) == "Kbits/sec") { printf "%.1f\n", $i / 1000; exit } }' <<<"$line"
	else
		# "[  5] 0.00-5.00 sec ... LOST/TOTAL (x%) receiver"
		awk '{
			for (i = 1; i <= NF; i++)
				if ($i ~ /^[0-9.]+-[0-9.]+$/) {
					split($i, t, "-")
					break
				}
			for (i = 1; i <= NF; i++)
				if ($i ~ /^[0-9]+\/[0-9]+$/) {
					split($i, n, "/")
					printf "%.0f\n", (n[2] - n[1]) / t[2]
					exit
				}
		}' <<<"$line"
	fi
}

# order REP [RUNS...]: the runs (default: the contenders) in the order of
# repetition REP: as given in odd ones, reversed in even ones (A B, B A,
# A B, ...), so that none always runs right after another.
order() {
	local rep=$1
	shift
	# shellcheck disable=SC2086 # a list
	[ $# -gt 0 ] || set -- $CONTENDERS
	if [ $((rep % 2)) = 1 ]; then
		echo "$*"
	else
		echo "$*" | awk '{ for (i = NF; i > 0; i--) printf "%s ", $i; print "" }'
	fi
}

# measure GROUP CONFIG KIND [RUNS...]: REPS alternating runs of the
# contenders (or of RUNS: the contenders and their reference pairs; a
# reference pair's results are the metric with "-1sa" appended).
measure() {
	local group=$1 cfg=$2 kind=$3 rep run v after unit metric
	local -A before
	shift 3
	# shellcheck disable=SC2086 # a list
	[ $# -gt 0 ] || set -- $CONTENDERS
	[ "$kind" = tcp ] && unit=Mbit/s metric=throughput || unit=pkt/s metric=packet-rate
	for run in "$@"; do
		before[$run]=$(rx_packets "$run" 2>/dev/null || true)
	done
	# Warm-up, not recorded: under TCG the first run of a code path
	# pays for its translation, which would favour whoever runs second.
	for run in "$@"; do
		TIME=1 iperf "$run" "$kind" >/dev/null
	done
	for ((rep = 1; rep <= REPS; rep++)); do
		for run in $(order "$rep" "$@"); do
			v=$(iperf "$run" "$kind")
			if [ "$run" = "${run%-1sa}" ]; then
				result "$group" "$cfg" "$metric" "$unit" "$run" "$rep" "$v"
			else
				result "$group" "$cfg" "$metric-1sa" "$unit" "${run%-1sa}" "$rep" "$v"
			fi
		done
	done
	[ "$cfg" = plain ] && return 0
	# The protected runs must have gone through the SAs.
	for run in "$@"; do
		after=$(rx_packets "$run")
		if [ -z "$after" ] || [ "$after" -le $((${before[$run]:-0} + 100 * REPS)) ]; then
			fail "$group $cfg: $run's inbound SA counted ${before[$run]:-?} -> ${after:-?} packets"
		fi
	done
}

# crypto_drivers: the crypto API implementations in use (refcnt > 1 means
# a transform holds it), for the record.
crypto_drivers() {
	awk -v tag="$1" '
	/^name/ { name = $3 } /^driver/ { drv = $3 } /^module/ { mod = $3 }
	/^priority/ { prio = $3 } /^refcnt/ { ref = $3 }
	/^$/ {
		if (ref > 1 && name ~ /aes|gcm|ghash|cbc|sha256|authenc|seqiv|echainiv/)
			printf "crypto %s: %s -> %s (module %s, priority %s, refcnt %s)\n",
			       tag, name, drv, mod, prio, ref
		ref = 0
	}' /proc/crypto | sort -u | while IFS= read -r l; do info "$l"; done
}

# profile CONFIG: a system-wide perf profile of one TCP run per contender.
profile() {
	local impl
	command -v perf >/dev/null || { info "perf: not in the VM"; return 0; }
	for impl in $CONTENDERS; do
		# perf takes a while to start under TCG: the run begins once
		# it samples, and ends before it stops.
		perf record -q -a -g -e cpu-clock -F 999 -o "$tmp/perf.data" -- \
			sleep $((TIME + 6)) >/dev/null 2>&1 &
		local pid=$!
		sleep 4
		iperf "$impl" tcp >/dev/null
		wait "$pid" || true
		# Idle time is most of a TCG guest's: shown once, then the
		# busy symbols, the commands and the objects.
		perf report -q -i "$tmp/perf.data" --stdio --no-children \
			--sort sym -g none >"$tmp/perf.sym" 2>/dev/null || true
		perf report -q -i "$tmp/perf.data" --stdio --no-children \
			--sort comm -g none >"$tmp/perf.comm" 2>/dev/null || true
		perf report -q -i "$tmp/perf.data" --stdio --no-children \
			--sort dso -g none >"$tmp/perf.dso" 2>/dev/null || true
		{
			awk '/halt|idle|mwait/ && n++ < 3 { print "idle: " $0 }' "$tmp/perf.sym"
			awk 'NF && !/halt|idle|mwait/ && n++ < 40' "$tmp/perf.sym"
			awk 'NF && n++ < 10 { print "comm: " $0 }' "$tmp/perf.comm"
			awk 'NF && n++ < 10 { print "dso: " $0 }' "$tmp/perf.dso"
		} | while IFS= read -r l; do out "perf-$impl-$1.txt" "$l"; done
		rm -f "$tmp/perf.data"
	done
}

run_configs() {
	local cfg
	for cfg in $CONFIGS; do
		setup "$cfg"
		case "$cfg" in
		plain | *-tunnel) ;;
		*) crypto_drivers "$cfg" ;;
		esac
		has "$GROUPS_" tcp && measure tcp "$cfg" tcp
		has "$GROUPS_" udp && measure udp "$cfg" udp
		if [ "$PERF" = 1 ] && [ "$cfg" != plain ]; then
			profile "$cfg"
		fi
	done
	clear_all
}

# fillers IMPL FROM TO FILE: batch lines adding inbound SAs FROM..TO-1 to
# the receiver (source 10.64.0.0 + i, SPI 0x100000 + i), aes-gcm-128.
fillers() {
	awk -v impl="$1" -v from="$2" -v to="$3" -v key="$K1" 'BEGIN {
		for (i = from; i < to; i++) {
			src = sprintf("10.%d.%d.%d", 64 + int(i / 65536),
				      int(i / 256) % 256, i % 256)
			if (impl == "xfrm")
				printf "xfrm state add src %s dst 10.0.1.2 proto esp spi %d mode transport aead rfc4106(gcm(aes)) %s 128 replay-window 32\n",
				       src, 1048576 + i, key
			else
				printf "sa add proto esp src %s dst 10.0.1.2 spi %d mode transport aead aes-gcm %s icv 128 replay-window 32\n",
				       src, 1048576 + i, key
		}
	}' >"$4"
}

# batch_install IMPL NS FILE: the batch, timed; prints microseconds.
batch_install() {
	local impl=$1 ns=$2 file=$3 t0 t1
	t0=$(now_us)
	if [ "$impl" = xfrm ]; then
		ip -n "$ns" -batch "$file" || fail "ip -batch $file failed"
	else
		ip netns exec "$ns" "$NFSEC_TOOL" -b "$file" || fail "nfsec -b $file failed"
	fi
	t1=$(now_us)
	echo $((t1 - t0))
}

meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }

# idle_wait: until the guest's CPUs were at least 90% idle for two seconds
# in a row (work an installation left behind: hash table resizing,
# deferred frees), two minutes at most; the wait is recorded.
idle_wait() {
	local t0 a b quiet=0
	t0=$(date +%s)
	while [ $(($(date +%s) - t0)) -lt 120 ]; do
		a=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
		sleep 1
		b=$(awk '/^cpu / { print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
		if awk -v a="$a" -v b="$b" 'BEGIN { split(a, x); split(b, y)
			exit !((y[2] - x[2]) > 0 && (y[1] - x[1]) / (y[2] - x[2]) >= 0.9) }'; then
			quiet=$((quiet + 1))
			[ "$quiet" -ge 2 ] && break
		else
			quiet=0
		fi
	done
	info "scale: waited $(($(date +%s) - t0)) s for the guest to be idle (quiet: $quiet)"
}

run_scale() {
	local n have=1 impl ns us slab0 free0 slab1 free1 added
	setup esp-gcm-transport
	for n in $SCALE; do
		added=$((n - have))
		if [ "$added" -gt 0 ]; then
			for impl in $CONTENDERS; do
				ns=${SERVER[$impl]}
				fillers "$impl" $((have - 1)) $((n - 1)) "$tmp/fill"
				sync
				echo 3 >/proc/sys/vm/drop_caches
				slab0=$(meminfo Slab) free0=$(meminfo MemFree)
				us=$(batch_install "$impl" "$ns" "$tmp/fill")
				sleep 2	# RCU-deferred frees of the set-up settle
				slab1=$(meminfo Slab) free1=$(meminfo MemFree)
				rm -f "$tmp/fill"
				result scale "sa-$n" install-rate SA/s "$impl" 1 \
					"$(awk -v n="$added" -v us="$us" 'BEGIN { printf "%.0f", n / (us / 1e6) }')"
				result scale "sa-$n" mem-slab B/SA "$impl" 1 \
					"$(awk -v n="$added" -v d=$((slab1 - slab0)) 'BEGIN { printf "%.0f", d * 1024 / n }')"
				result scale "sa-$n" mem-total B/SA "$impl" 1 \
					"$(awk -v n="$added" -v d=$((free0 - free1)) 'BEGIN { printf "%.0f", d * 1024 / n }')"
			done
			have=$n
		fi
		idle_wait
		# shellcheck disable=SC2046 # one word per run
		measure scale "sa-$n" tcp $(for impl in $CONTENDERS; do echo "$impl $impl-1sa"; done)
	done
	clear_all
}

run_ctrl() {
	local rep impl ns us
	local cn cx
	ns_create cn
	ns_create cx
	genkeys esp-gcm-transport
	fillers nfsec 0 "$CTRL" "$tmp/ctrl-nfsec"
	fillers xfrm 0 "$CTRL" "$tmp/ctrl-xfrm"
	for ((rep = 1; rep <= REPS; rep++)); do
		for impl in $CONTENDERS; do
			[ "$impl" = xfrm ] && ns=$cx || ns=$cn
			us=$(batch_install "$impl" "$ns" "$tmp/ctrl-$impl")
			result ctrl "install-$CTRL" install-time s "$impl" "$rep" \
				"$(awk -v us="$us" 'BEGIN { printf "%.2f", us / 1e6 }')"
			result ctrl "install-$CTRL" install-rate SA/s "$impl" "$rep" \
				"$(awk -v n="$CTRL" -v us="$us" 'BEGIN { printf "%.0f", n / (us / 1e6) }')"
			if [ "$impl" = xfrm ]; then
				assert_eq "$CTRL" "$(ip -n "$ns" xfrm state count |
					sed -n 's/.*count \([0-9][0-9]*\).*/\1/p' | sed -n 1,1p)" \
					"XFRM SAs after ip -batch"
				ip -n "$ns" xfrm state flush
			else
				assert_eq "$CTRL" "$(ip netns exec "$ns" "$NFSEC_TOOL" sa show | grep -c '^sa ')" \
					"nfsec SAs after nfsec -b"
				ip netns exec "$ns" "$NFSEC_TOOL" sa flush >/dev/null
			fi
		done
	done
}

start=$(date +%s)
out results.csv "group,config,metric,unit,contender,rep,value"
if has "$GROUPS_" tcp || has "$GROUPS_" udp; then
	run_configs
fi
has "$GROUPS_" scale && run_scale
has "$GROUPS_" ctrl && run_ctrl
dmesg_check
info "bench time: $(($(date +%s) - start)) s"
echo "bench: done in $(($(date +%s) - start)) s"
