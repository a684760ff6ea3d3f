#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP through asynchronous crypto. The pcrypt template (parallel crypto on
# padata workers: every request returns -EINPROGRESS and completes in a
# callback) is put in front of each algorithm under test through the crypto
# API's netlink interface (crypto_user, ./cryptoalg), with a priority above
# every other implementation, so that the transforms nfsec allocates for
# its SAs, and XFRM for its own, resolve to it. nfsec then steals every
# packet it protects or verifies and continues it from the completion.
#
#   (a) /proc/crypto: the pcrypt instance of each algorithm passed its
#       self-test, is asynchronous and is the highest priority of its name;
#   (b) an nfsec SA pair of each algorithm takes exactly two references
#       on that instance (its refcnt in /proc/crypto) and gives them back
#       when deleted: nfsec's transforms are the asynchronous ones; five
#       pings between two nfsec namespaces are ten packets each way, and
#       kprobes count ten calls each of nfsec_esp_output_done() and
#       nfsec_esp_input_done(), the completion callbacks;
#   (c) esp.sh over it, nfsec against XFRM in both roles (nfsec-xfrm,
#       xfrm-nfsec), transport and tunnel: pings both ways, a TCP transfer
#       whose sha256 must match, replay, reordering, tampering and spoofed
#       plaintext counted exactly, ESN, sequence exhaustion, lifetimes;
#       then esp.sh over IPv6 (esp_inet6.sh's test) with the first
#       algorithm, XFRM on a and nfsec on b, in transport mode: the same
#       checks with nfsec receiving under attack; the kprobes stay for
#       both runs: every encryption and decryption nfsec hands to the
#       crypto API completes in its callback, exactly once;
#   (d) with aes-gcm-128: gateway.sh's inner fragments (its part (d))
#       over it: the fragments of a datagram, each decrypted in a
#       completion callback, arrive whole, and a protected first fragment
#       is not completed by fragments sent in the clear, a datagram of
#       fragments with DF is forwarded, another SA's overlapping fragment
#       does not spoil a datagram; the callback runs once for each of the
#       fourteen ESP packets;
#   (e) afterwards the instances are still the ones in use, and are
#       removed again (the kernel log is checked by esp.sh and the VM).
#
# Knobs: NFSEC_ASYNC_ALGS (default "aes-gcm-128 aes-cbc-128+hmac-sha256"),
# NFSEC_ASYNC_PAIRINGS ("nfsec-xfrm xfrm-nfsec"), NFSEC_ASYNC_MODES
# ("transport tunnel"), NFSEC_ASYNC_BYTES (1000000); for the IPv6 run
# NFSEC_ASYNC_INET6_PAIRINGS ("xfrm-nfsec"; "none": no IPv6 run) and
# NFSEC_ASYNC_INET6_MODES ("transport").
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip modprobe
require_tool
HERE=$(cd "$(dirname "$0")" && pwd)
CRYPTOALG=$HERE/cryptoalg
[ -x "$CRYPTOALG" ] || fail "$CRYPTOALG is missing (make -C selftests)"

ALGS=${NFSEC_ASYNC_ALGS:-aes-gcm-128 aes-cbc-128+hmac-sha256}
PAIRINGS=${NFSEC_ASYNC_PAIRINGS:-nfsec-xfrm xfrm-nfsec}
MODES=${NFSEC_ASYNC_MODES:-transport tunnel}
BYTES=${NFSEC_ASYNC_BYTES:-1000000}
PAIRINGS6=${NFSEC_ASYNC_INET6_PAIRINGS:-xfrm-nfsec}
MODES6=${NFSEC_ASYNC_INET6_MODES:-transport}
ALGS=${ALGS//,/ }
PRIO=5000

# selftests/config asks for both: a kernel without them is a failure.
modprobe crypto_user || fail "no crypto_user module (CONFIG_CRYPTO_USER)"
modprobe pcrypt || fail "no pcrypt module (CONFIG_CRYPTO_PCRYPT)"
[ "$(grep -c '^processor' /proc/cpuinfo)" -ge 2 ] ||
	log "one CPU: pcrypt still completes asynchronously, on that CPU"

# The crypto API name nfsec allocates, inside its IV generator, for an
# algorithm of esp.sh, and nfsec's own arguments for an SA with it.
api_name() {
	case "$1" in
	aes-gcm-*) echo "rfc4106(gcm(aes))" ;;
	chacha20-poly1305) echo "rfc7539esp(chacha20,poly1305)" ;;
	aes-cbc-*+hmac-sha256) echo "authenc(hmac(sha256),cbc(aes))" ;;
	null+hmac-sha256) echo "authenc(hmac(sha256),ecb(cipher_null))" ;;
	*) fail "no crypto API name known for '$1'" ;;
	esac
}

# The IV generator template nfsec and XFRM put around it.
geniv() {
	case "$1" in
	aes-cbc-*|null+*) echo echainiv ;;
	*) echo seqiv ;;
	esac
}

nfsec_args() {
	case "$1" in
	aes-gcm-*) echo "aead aes-gcm $("$NFSEC_TOOL" genkey "$1")" ;;
	chacha20-poly1305) echo "aead chacha20-poly1305 $("$NFSEC_TOOL" genkey "$1")" ;;
	aes-cbc-128+hmac-sha256) echo "enc aes-cbc $("$NFSEC_TOOL" genkey aes-cbc-128)" \
		"auth hmac-sha256 $("$NFSEC_TOOL" genkey hmac-sha256)" ;;
	null+hmac-sha256) echo "enc null none auth hmac-sha256 $("$NFSEC_TOOL" genkey hmac-sha256)" ;;
	esac
}

# crypto_field DRIVER FIELD: FIELD of the /proc/crypto entry of DRIVER.
crypto_field() {
	awk -v d="$1" -v f="$2" '
		$1 == "driver" { cur = $3 }
		$1 == f && cur == d { sub(/^[^:]*: /, ""); print; exit }' /proc/crypto
}

# best NAME: the driver of the highest priority for NAME.
best() {
	awk -v n="$1" '
		$1 == "name" { name = $3 } $1 == "driver" { drv = $3 }
		$1 == "priority" && name == n && (best == "" || $3 > prio) {
			best = drv; prio = $3 }
		END { print best }' /proc/crypto
}

# Every template instance built on pcrypt, outermost first.
pcrypt_drivers() {
	awk '$1 == "driver" && $3 ~ /pcrypt\(/ { print length($3), $3 }' /proc/crypto |
		sort -rn | cut -d' ' -f2 | uniq
}

remove_pcrypt() {
	local d
	for _ in 1 2 3; do
		for d in $(pcrypt_drivers); do
			"$CRYPTOALG" del "$d" >/dev/null 2>&1 || true
		done
		[ -z "$(pcrypt_drivers)" ] && return 0
		sleep 1
	done
	return 1
}
defer remove_pcrypt

# (a) one pcrypt instance per algorithm, above everything else.
declare -A PCRYPT
for alg in $ALGS; do
	name=$(api_name "$alg")
	"$CRYPTOALG" add "$name" || fail "cannot instantiate $name"
	inner=$(best "$name")
	[ -n "$inner" ] || fail "no driver for $name in /proc/crypto after instantiating it"
	case "$inner" in
	pcrypt\(*) drv=$inner ;;
	*) drv="pcrypt($inner)"
	   "$CRYPTOALG" add-driver "$drv" "$PRIO" || fail "cannot instantiate $drv" ;;
	esac
	assert_eq "$drv" "$(best "$name")" "$alg: the highest priority driver of $name"
	assert_eq yes "$(crypto_field "$drv" async)" "$alg: $drv asynchronous"
	assert_eq passed "$(crypto_field "$drv" selftest)" "$alg: self-test of $drv"
	PCRYPT[$alg]=$drv
	log "$alg: $name is $drv (priority $(crypto_field "$drv" priority))"
done

# (b) nfsec's SAs hold the pcrypt transforms, and packets go through
# nfsec's completion callbacks: kprobes count them.
nfsec_unload_quiet
# An IV generator instance of an algorithm under test that an earlier test
# made over another driver would be reused by nfsec's SAs as it is, instead
# of a new one over pcrypt: remove them. An XFRM state in a namespace that
# is still being torn down may hold one for a moment (EBUSY): try again.
# (The instance over pcrypt cannot be made here by its driver name:
# "seqiv(pcrypt(rfc4106(gcm_base(...))))" exceeds crypto_user's 64 bytes.)
stale_geniv() {
	local alg names=""
	for alg in $ALGS; do
		names+=" $(geniv "$alg")($(api_name "$alg"))"
	done
	awk -v names="$names " '
		$1 == "name" { name = $3 }
		$1 == "driver" && index(names, " " name " ") && $3 !~ /pcrypt\(/ {
			print $3 }' /proc/crypto
}
for _ in $(seq 100); do
	for g in $(stale_geniv); do
		"$CRYPTOALG" del "$g" 2>/dev/null || true
	done
	[ -z "$(stale_geniv)" ] && break
	sleep 0.3
done
[ -z "$(stale_geniv)" ] ||
	fail "IV generator instances still in use after 30 s: $(stale_geniv | tr '\n' ' ')"
nfsec_load
ns_create N
ns_create M
veth_pair "$N" v0 "$M" v0
addr_add "$N" v0 10.9.0.1/24
addr_add "$M" v0 10.9.0.2/24
# sa_pair NS add ALG | sa_pair NS flush
sa_pair() {
	local ns=$1 op=$2 alg=${3:-} args
	if [ "$op" = flush ]; then
		ip netns exec "$ns" "$NFSEC_TOOL" policy flush >/dev/null || fail "nfsec policy flush"
		ip netns exec "$ns" "$NFSEC_TOOL" sa flush >/dev/null || fail "nfsec sa flush"
		return
	fi
	args=$KEYS
	# shellcheck disable=SC2086
	ip netns exec "$ns" "$NFSEC_TOOL" sa add proto esp src 10.9.0.1 dst 10.9.0.2 \
		spi 0x100 $args || fail "$alg: nfsec sa add"
	# shellcheck disable=SC2086
	ip netns exec "$ns" "$NFSEC_TOOL" sa add proto esp src 10.9.0.2 dst 10.9.0.1 \
		spi 0x200 $args || fail "$alg: nfsec sa add"
}
policies() {
	local ns=$1 me=$2 peer=$3 out=$4 in=$5
	ip netns exec "$ns" "$NFSEC_TOOL" policy add dir out src "$me/32" dst "$peer/32" \
		action protect sa proto esp src "$me" spi "$out" || fail "nfsec policy add"
	ip netns exec "$ns" "$NFSEC_TOOL" policy add dir in src "$peer/32" dst "$me/32" \
		action protect sa proto esp src "$peer" spi "$in" || fail "nfsec policy add"
}

TRACE=/sys/kernel/tracing
[ -e "$TRACE/kprobe_events" ] || mount -t tracefs nodev "$TRACE" 2>/dev/null || true
[ -e "$TRACE/kprobe_events" ] || TRACE=/sys/kernel/debug/tracing
[ -e "$TRACE/kprobe_events" ] || fail "no tracefs with kprobe_events (CONFIG_KPROBE_EVENTS)"
# HISTS: the histogram triggers of (c), as EVENT=TRIGGER, removed first.
HISTS=()
kprobes_off() {
	local h
	for h in "${HISTS[@]}"; do
		echo "!${h#*=}" >>"$TRACE/events/nfsec_async/${h%%=*}/trigger" 2>/dev/null
	done
	HISTS=()
	echo 0 >"$TRACE/events/nfsec_async/enable" 2>/dev/null || true
	# Each probe that exists goes; (d) has only "in".
	for h in out in hold; do
		echo "-:nfsec_async/$h" >>"$TRACE/kprobe_events" 2>/dev/null || true
	done
	return 0
}
defer kprobes_off
# cb: the request's completion callback (struct crypto_async_request:
# list, then complete), that is, the probed function itself.
echo 'p:nfsec_async/out nfsec:nfsec_esp_output_done cb=+16(%di):u64' >>"$TRACE/kprobe_events" ||
	fail "cannot probe nfsec_esp_output_done"
echo 'p:nfsec_async/in nfsec:nfsec_esp_input_done cb=+16(%di):u64' >>"$TRACE/kprobe_events" ||
	fail "cannot probe nfsec_esp_input_done"

# wait_refcnt DRIVER N: up to 5 s for the refcnt of DRIVER to be N (a
# deleted SA frees its transform after an RCU grace period).
wait_refcnt() {
	for _ in $(seq 50); do
		[ "$(crypto_field "$1" refcnt)" = "$2" ] && return
		sleep 0.1
	done
}

for alg in $ALGS; do
	drv=${PCRYPT[$alg]}
	KEYS=$(nfsec_args "$alg")
	# The first SA instantiates the IV generator over pcrypt; count after
	# that pair has given its references back, which is an RCU grace
	# period after the flush (it takes none with it: asserted).
	r0=$(crypto_field "$drv" refcnt)
	sa_pair "$N" add "$alg"
	sa_pair "$N" flush
	wait_refcnt "$drv" "$r0"
	assert_eq "$r0" "$(crypto_field "$drv" refcnt)" \
		"$alg: references on $drv after a first SA pair came and went"
	sa_pair "$N" add "$alg"
	assert_eq $((r0 + 2)) "$(crypto_field "$drv" refcnt)" \
		"$alg: references on $drv with an nfsec SA pair"

	# Five pings: ten packets out and ten in, each completed by a callback.
	sa_pair "$M" add "$alg"
	policies "$N" 10.9.0.1 10.9.0.2 0x100 0x200
	policies "$M" 10.9.0.2 10.9.0.1 0x200 0x100
	echo >"$TRACE/trace"
	echo 1 >"$TRACE/events/nfsec_async/enable"
	out=$(ip netns exec "$N" ping -c 5 -i 0.2 -W 2 10.9.0.2 2>&1) || true
	echo 0 >"$TRACE/events/nfsec_async/enable"
	assert_match ' 0% packet loss' "$out" "$alg: ping over nfsec with pcrypt"
	assert_eq 10 "$(grep -c ' out: ' "$TRACE/trace" || true)" \
		"$alg: encryptions completed in nfsec_esp_output_done()"
	assert_eq 10 "$(grep -c ' in: ' "$TRACE/trace" || true)" \
		"$alg: decryptions completed in nfsec_esp_input_done()"
	assert_eq 5 "$(ip netns exec "$M" "$NFSEC_TOOL" -s -j sa get proto esp src 10.9.0.1 \
		spi 0x100 | grep -oE '"packets":[0-9]+' | cut -d: -f2)" "$alg: packets received by m"

	sa_pair "$M" flush
	sa_pair "$N" flush
	wait_refcnt "$drv" "$r0"
	assert_eq "$r0" "$(crypto_field "$drv" refcnt)" \
		"$alg: references on $drv after the SAs were deleted"
	log "$alg: nfsec's SAs use $drv; 10 packets each way completed asynchronously"
done
ns_destroy "$N"
ns_destroy "$M"
nfsec_unload

# (c) the ESP interoperability test over it, on a module loaded here and
# kept by esp.sh. Histograms count the requests nfsec hands to the crypto
# API: nfsec_xform_hold() returns true just before each, and where it
# returns to (in nfsec_esp_output() or nfsec_esp_input()) tells which.
# (crypto_aead_encrypt() and _decrypt() called from nfsec would count some
# twice: an IV generator's template may pass the request on with a tail
# call.) They also count the calls of the completion callbacks: pcrypt
# completes every request asynchronously, so each callback must run
# exactly as often as nfsec submitted.
nfsec_load
# One return probe: a second on the same function would see the first's
# trampoline as its return address.
echo 'r:nfsec_async/hold nfsec:nfsec_xform_hold ok=$retval:u8' >>"$TRACE/kprobe_events" ||
	fail "cannot probe the return of nfsec_xform_hold"
for h in "hold=hist:keys=__probe_ret_ip.sym if ok == 1" "out=hist:keys=cb" "in=hist:keys=cb"; do
	echo "${h#*=}" >>"$TRACE/events/nfsec_async/${h%%=*}/trigger" ||
		fail "cannot set the histogram trigger ${h#*=} on $h"
	HISTS+=("$h")
done
# hits EVENT [FUNCTION]: the events the histogram of EVENT counted (none
# may have been dropped), or those of its entries in FUNCTION.
hits() {
	local f=$TRACE/events/nfsec_async/$1/hist
	assert_eq "0" "$(awk '$1 == "Dropped:" { print $2 }' "$f")" "entries dropped by the histogram of $1"
	if [ -n "${2:-}" ]; then
		awk -v fn="$2" '$0 ~ "\\] " fn "[+ ]" { sub(/.*hitcount: */, ""); s += $1 }
			END { print s + 0 }' "$f"
	else
		awk '$1 == "Hits:" { print $2 }' "$f"
	fi
}

log "esp.sh over pcrypt: $PAIRINGS; $ALGS; $MODES; $BYTES bytes"
rc=0
NFSEC_ESP_PAIRINGS=$PAIRINGS NFSEC_ESP_ALGS=$ALGS NFSEC_ESP_MODES=$MODES \
	NFSEC_ESP_BYTES=$BYTES NFSEC_ESP_SAMPLES=esp-async NFSEC_ESP_KEEP_MODULE=1 \
	"$HERE/esp.sh" || rc=$?
[ "$rc" = 0 ] || fail "esp.sh over asynchronous crypto failed (exit $rc)"
if [ "$PAIRINGS6" != none ]; then
	log "esp.sh over IPv6 over pcrypt: $PAIRINGS6; ${ALGS%% *}; $MODES6; $BYTES bytes"
	NFSEC_ESP_FAMILY=inet6 NFSEC_ESP_PAIRINGS=$PAIRINGS6 NFSEC_ESP_ALGS=${ALGS%% *} \
		NFSEC_ESP_MODES=$MODES6 NFSEC_ESP_BYTES=$BYTES NFSEC_ESP_SAMPLES=esp6-async \
		NFSEC_ESP_KEEP_MODULE=1 "$HERE/esp.sh" || rc=$?
	[ "$rc" = 0 ] || fail "esp.sh over IPv6 over asynchronous crypto failed (exit $rc)"
fi
enc=$(hits hold nfsec_esp_output) dec=$(hits hold nfsec_esp_input) out=$(hits out) in=$(hits in)
holds=$(grep hitcount "$TRACE/events/nfsec_async/hold/hist" | tr -s ' ' | tr '\n' '|')
kprobes_off
nfsec_unload
log "esp.sh: nfsec submitted $enc encryptions and $dec decryptions;" \
	"$out and $in completions"
[ "$enc" -gt 0 ] && [ "$dec" -gt 0 ] ||
	fail "esp.sh: no encryption or decryption by nfsec seen: $holds"
assert_eq "$enc" "$out" "esp.sh: calls of nfsec_esp_output_done() for the encryptions nfsec submitted"
assert_eq "$dec" "$in" "esp.sh: calls of nfsec_esp_input_done() for the decryptions nfsec submitted"

# (d) inner fragments, reassembled after asynchronous decryption.
if [[ " $ALGS " == *" aes-gcm-128 "* ]]; then
	nfsec_load
	echo 'p:nfsec_async/in nfsec:nfsec_esp_input_done' >>"$TRACE/kprobe_events" ||
		fail "cannot probe nfsec_esp_input_done"
	echo >"$TRACE/trace"
	echo 1 >"$TRACE/events/nfsec_async/enable"
	rc=0
	NFSEC_GATEWAY_CASES=frag NFSEC_GATEWAY_KEEP_MODULE=1 "$HERE/gateway.sh" || rc=$?
	echo 0 >"$TRACE/events/nfsec_async/enable"
	[ "$rc" = 0 ] || fail "gateway.sh's inner fragments over pcrypt failed (exit $rc)"
	assert_eq 14 "$(grep -c ' in: ' "$TRACE/trace" || true)" \
		"gateway.sh's fragments: decryptions completed in nfsec_esp_input_done()"
	kprobes_off
	nfsec_unload
else
	log "not run: inner fragments over pcrypt (needs aes-gcm-128 in NFSEC_ASYNC_ALGS)"
fi

# (e) the instances were in use all along, and go.
for alg in $ALGS; do
	assert_eq "${PCRYPT[$alg]}" "$(best "$(api_name "$alg")")" \
		"$alg: the highest priority driver after esp.sh"
done
remove_pcrypt || fail "pcrypt instances left: $(pcrypt_drivers | tr '\n' ' ')"
log "ok: ESP through pcrypt for $ALGS"
exit "$KSFT_PASS"
