#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The nfsec tool against the module: SA and policy round trips, keys kept
# out of dumps, one-line errors naming the bad token, batch mode (100,000
# SAs added, dumped with the exact count, flushed), events, namespace
# isolation, and rmmod with SAs and policies installed; IPv6 SAs and
# policies (a family of their own, a catch-all of IPv6) with the same
# commands.
source "$(dirname "$0")/lib.sh"
require_root
require_tool
require_cmd insmod rmmod ip

N=${NFSEC_BATCH_SAS:-100000}
tmp=$(mktemp -d)
defer "rm -rf $tmp"

nfsec_unload_quiet
dmesg_mark
nfsec_load
nfsec() { "$NFSEC_TOOL" "$@"; }

# count_sas [NETNS]: SAs the kernel dumps. A failed dump fails the test (in
# a command substitution it prints nothing, which no count equals).
count_sas() {
	local out
	if [ -n "${1:-}" ]; then
		out=$(ip netns exec "$1" "$NFSEC_TOOL" sa show) || fail "sa show in $1 failed"
	else
		out=$(nfsec sa show) || fail "sa show failed"
	fi
	grep -c '^sa ' <<<"$out" || true
}

# expect_error WHAT TOKEN CMD...: CMD fails with one line on stderr that
# contains TOKEN.
expect_error() {
	local what=$1 token=$2 rc=0 err
	shift 2
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	[ "$rc" -ne 0 ] || fail "$what: '$*' succeeded"
	assert_eq 1 "$(wc -l <<<"$err")" "$what: lines on stderr ('$err')"
	assert_match "$token" "$err" "$what: error message"
	log "$what: $err"
}

gcm=$(nfsec genkey aes-gcm-128)
assert_match '^0x[0-9a-f]{40}$' "$gcm" "genkey aes-gcm-128 (16-byte key, 4-byte salt)"
[ "$gcm" != "$(nfsec genkey aes-gcm-128)" ] || fail "genkey returned the same key twice"
cbc=$(nfsec genkey aes-cbc-256)
hmac=$(nfsec genkey hmac-sha256)

# Round trip of one SA of each kind.
nfsec sa add proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1000 aead aes-gcm "$gcm" icv 96 \
	replay-window 1024 esn seq 4294967290 soft-bytes 1000 hard-bytes 2000
nfsec sa add proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1001 mode tunnel \
	enc aes-cbc "$cbc" auth hmac-sha256 "$hmac"
nfsec sa add proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1002 enc null none auth hmac-sha256 "$hmac"
nfsec sa add proto ah src 10.0.0.1 dst 10.0.0.2 spi 0x1003 auth hmac-sha1 "$(nfsec genkey hmac-sha1)"
assert_eq 4 "$(count_sas)" "SAs after four adds"

out=$(nfsec sa get proto esp src 10.0.0.1 spi 0x1000)
assert_match 'aead aes-gcm key-bits 128 icv 96 replay-window 1024' "$out" "sa get"
assert_match 'esn' "$out" "sa get: ESN flag"
assert_no_match "${gcm#0x}" "$out" "sa get without with-keys shows no key"
out=$(nfsec sa get proto esp src 10.0.0.1 spi 0x1000 with-keys)
assert_match "${gcm#0x}" "$out" "sa get with-keys shows the key"
out=$(nfsec -j sa show)
assert_no_match '"(enc_|auth_)?key"' "$out" "JSON dump without with-keys"
assert_no_match "${gcm#0x}|${cbc#0x}|${hmac#0x}" "$out" "no key material in the JSON dump"
assert_match '"mode":"tunnel"' "$out" "JSON dump: tunnel mode"
out=$(nfsec -s sa get proto esp src 10.0.0.1 spi 0x1001)
assert_match 'drop-replay 0' "$out" "-s shows counters"

# Namespace counters.
out=$(nfsec stats)
assert_match '^stats no-sa [0-9]+ discard [0-9]+ plaintext [0-9]+ malformed [0-9]+ nomem [0-9]+$' \
	"$out" "nfsec stats"
assert_match '"no_sa":[0-9]+' "$(nfsec -j stats)" "nfsec -j stats"

# Keys in a file stay out of the command line.
echo "$gcm" >"$tmp/key"
nfsec sa add proto esp src 10.0.0.5 dst 10.0.0.2 spi 0x2000 aead aes-gcm @"$tmp/key"
out=$(nfsec sa get proto esp src 10.0.0.5 spi 0x2000 with-keys)
assert_match "${gcm#0x}" "$out" "key read from @FILE"

# Policies.
nfsec policy add dir out src 10.0.0.1/32 dst 10.0.0.2/32 proto tcp dport 80 \
	action protect sa proto esp src 10.0.0.1 spi 0x1000 priority 10
nfsec policy add dir in src 10.0.0.2/32 dst 10.0.0.1/32 action protect \
	sa proto esp src 10.0.0.2 spi 0x3000
nfsec policy add dir out dst 192.168.0.0/16 action discard priority 5
nfsec policy add dir out action bypass priority 100
out=$(nfsec policy show)
assert_eq 4 "$(grep -c '^policy ' <<<"$out")" "policies shown"
# Match order: out policies by priority, discard (5) before protect (10).
assert_match 'discard' "$(grep 'dir out' <<<"$out" | head -n 1)" "first out policy"
assert_match '"dport_min":80,"dport_max":80' "$(nfsec -j policy show)" "JSON policies"
assert_match '"dir":"out","family":"inet","src":"10.0.0.1/32"' "$(nfsec -j policy show)" \
	"JSON policies: an IPv4 policy's family"

# IPv6, with the same commands: the family is the addresses'. An address
# written long is printed in its compressed form.
nfsec sa add proto esp src 2001:db8::1 dst 2001:db8::2 spi 0x6000 dir out aead aes-gcm "$gcm"
nfsec sa add proto esp src 2001:DB8:0:0::2 dst 2001:db8::1 spi 0x6001 dir in \
	enc aes-cbc "$cbc" auth hmac-sha256 "$hmac"
nfsec sa add proto esp src 2001:db8::1 dst 2001:db8::2 spi 0x6002 dir out mode tunnel \
	aead aes-gcm "$gcm"
out=$(nfsec sa get proto esp src 2001:db8::1 spi 0x6000)
assert_match '^sa proto esp src 2001:db8::1 dst 2001:db8::2 spi 0x00006000 mode transport dir out$' \
	"$out" "sa get of an IPv6 SA"
out=$(nfsec sa get proto esp src 2001:db8:0::2 spi 0x6001)
assert_match '^sa proto esp src 2001:db8::2 dst 2001:db8::1 spi 0x00006001 ' "$out" \
	"an IPv6 source written long, printed compressed"
out=$(nfsec -j sa get proto esp src 2001:db8::1 spi 0x6002)
assert_match '"src":"2001:db8::1","dst":"2001:db8::2","spi":24578,"mode":"tunnel"' "$out" \
	"JSON: IPv6 addresses are strings"
assert_eq 3 "$(nfsec sa show | grep -c '^sa proto esp src 2001:db8::')" "IPv6 SAs shown"
nfsec policy add dir out src 2001:db8::1 dst 2001:db8::2/128 proto tcp dport 22 \
	action protect sa proto esp src 2001:db8::1 spi 0x6000
nfsec policy add dir in src 2001:db8::2 dst 2001:db8::1 proto icmpv6 \
	action protect sa proto esp src 2001:db8::2 spi 0x6001
nfsec policy add dir in family inet6 action discard priority 200
# An IPv4 policy through an IPv6 tunnel (4in6).
nfsec policy add dir out dst 10.9.0.0/16 action protect sa proto esp src 2001:db8::1 spi 0x6002
out=$(nfsec policy show)
assert_match '^policy dir out src 2001:db8::1/128 dst 2001:db8::2/128 proto tcp dport 22 action protect sa esp 2001:db8::1 0x6000 priority 0 index [0-9]+$' \
	"$out" "an IPv6 policy shown"
assert_match '^policy dir in src 2001:db8::2/128 dst 2001:db8::1/128 proto ipv6-icmp ' "$out" \
	"proto icmpv6 is shown ipv6-icmp"
assert_match '^policy dir in src ::/0 dst ::/0 action discard priority 200 index [0-9]+$' "$out" \
	"\"family inet6\" alone: every IPv6 address"
assert_match '^policy dir out src 0.0.0.0/0 dst 10.9.0.0/16 action protect sa esp 2001:db8::1 0x6002 ' \
	"$out" "an IPv4 policy through an IPv6 SA"
out=$(nfsec -j policy show)
assert_match '"dir":"in","family":"inet6","src":"::/0","dst":"::/0","action":"discard"' "$out" \
	"JSON: the IPv6 catch-all's family"
assert_match '"family":"inet","src":"0.0.0.0/0","dst":"10.9.0.0/16","action":"protect","sa":\{"proto":"esp","src":"2001:db8::1","spi":24578\}' \
	"$out" "JSON: an IPv4 policy's IPv6 SA"
out=$(nfsec -j show)
assert_match '"sas":\[.*"src":"2001:db8::2","dst":"2001:db8::1"' "$out" "JSON show: IPv6 SAs"
expect_error "an SA of two families" '^nfsec: dst 10\.0\.0\.2: not of the family of src 2001:db8::1$' \
	nfsec sa add proto esp src 2001:db8::1 dst 10.0.0.2 spi 0x6009 aead aes-gcm "$gcm"
expect_error "IPv6 host bits" '"2001:db8::1/64": host bits set' nfsec policy add dir out \
	src 2001:db8::1/64 action bypass
expect_error "an IPv6 prefix of 129 bits" '"129": out of range \(maximum 128\)' nfsec policy add \
	dir out dst 2001:db8::/129 action bypass
expect_error "a prefix not of the family" '^nfsec: src 10\.0\.0\.0/8: not of family inet6$' \
	nfsec policy add dir out family inet6 src 10.0.0.0/8 action bypass
expect_error "an IPv6 zone" 'fe80::1%lo' nfsec sa del proto esp src fe80::1%lo spi 0x6000
expect_error "an IPv6 multicast end, in the user's words" '^nfsec: sa add: dst: not a unicast address' \
	nfsec sa add proto esp src 2001:db8::1 dst ff02::1 spi 0x6009 aead aes-gcm "$gcm"
expect_error "an IPv6 SA added twice" 'exists' nfsec sa add proto esp src 2001:db8::1 \
	dst 2001:db8::2 spi 0x6000 aead aes-gcm "$gcm"
expect_error "a transport SA of the other family" '^nfsec: policy add: sa: ' nfsec policy add \
	dir out dst 10.8.0.0/16 action protect sa proto esp src 2001:db8::1 spi 0x6000
rc=0; nfsec sa add proto esp src 2001:db8::1 dst ff02::1 spi 0x6009 aead aes-gcm "$gcm" \
	2>/dev/null || rc=$?
assert_eq 2 "$rc" "exit status of a kernel refusal of an IPv6 SA"
# Deleted by their selectors and keys; the IPv4 ones stay.
nfsec policy del dir in family inet6 priority 200
nfsec policy del dir out src 2001:db8::1 dst 2001:db8::2 proto tcp dport 22
nfsec policy del dir in src 2001:db8::2/128 dst 2001:db8::1/128 proto ipv6-icmp
nfsec policy del dir out family 4 dst 10.9.0.0/16
expect_error "an IPv6 policy deleted twice" 'policy del' nfsec policy del dir in family inet6 \
	priority 200
assert_eq 4 "$(nfsec policy show | grep -c '^policy ')" "policies after the IPv6 ones were deleted"
for spi in 0x6000 0x6001 0x6002; do
	src=2001:db8::1
	[ "$spi" != 0x6001 ] || src=2001:db8::2
	nfsec sa del proto esp src "$src" spi "$spi"
done
assert_eq 0 "$(nfsec sa show | grep -c 'src 2001:db8::' || true)" "IPv6 SAs after their deletion"

# Errors: one line, naming the bad token.
expect_error "bad address" '10\.0\.0' nfsec sa add proto esp src 10.0.0 dst 10.0.0.2 \
	spi 0x1000 aead aes-gcm "$gcm"
expect_error "reserved SPI" '255' nfsec sa add proto esp src 10.0.0.9 dst 10.0.0.2 \
	spi 255 aead aes-gcm "$gcm"
expect_error "unknown algorithm" 'rot13' nfsec sa add proto esp src 10.0.0.9 dst 10.0.0.2 \
	spi 0x1000 aead rot13 "$gcm"
expect_error "short key" 'key' nfsec sa add proto esp src 10.0.0.9 dst 10.0.0.2 \
	spi 0x1000 aead aes-gcm 0x0011
expect_error "unknown keyword" 'bogus' nfsec sa add proto esp src 10.0.0.9 dst 10.0.0.2 \
	spi 0x1000 aead aes-gcm "$gcm" bogus 1
expect_error "duplicate SA" 'exists' nfsec sa add proto esp src 10.0.0.1 dst 10.0.0.2 \
	spi 0x1000 aead aes-gcm "$gcm"
expect_error "delete a missing SA" 'sa del: no SA' nfsec sa del proto esp src 10.0.0.1 spi 0x9999
expect_error "host bits in a prefix" '10\.0\.0\.1/24' nfsec policy add dir out \
	src 10.0.0.1/24 action bypass
expect_error "protect without an SA" 'sa' nfsec policy add dir out action protect
expect_error "DES refused" 'des' nfsec sa add proto esp src 10.0.0.9 dst 10.0.0.2 \
	spi 0x1000 enc des 0x0011223344556677 auth hmac-sha256 "$hmac"
expect_error "AH's GMAC asked of ESP" 'aead aes-gmac' nfsec sa add proto esp \
	src 10.0.0.9 dst 10.0.0.2 spi 0x1000 enc aes-cbc "$cbc" auth aes-gmac "$gcm"
expect_error "an AEAD asked of AH" 'aead aes-gcm' nfsec sa add proto ah \
	src 10.0.0.9 dst 10.0.0.2 spi 0x1000 aead aes-gcm "$gcm"
assert_eq 5 "$(count_sas)" "SAs after the rejected commands"
# Exit status: 1 for a bad token, 2 for a refusal of the kernel.
rc=0; nfsec sa del proto esp src 10.0.0.1 spi 12x 2>/dev/null || rc=$?
assert_eq 1 "$rc" "exit status of a usage error"
rc=0; nfsec sa del proto esp src 10.0.0.1 spi 0x9999 2>/dev/null || rc=$?
assert_eq 2 "$rc" "exit status of a kernel refusal"
expect_error "lifetimes in the user's words" '^nfsec: sa add: soft-bytes: ' nfsec sa add \
	proto esp src 10.0.0.9 dst 10.0.0.2 spi 0x1000 aead aes-gcm "$gcm" \
	soft-bytes 3000 hard-bytes 2000

# Events.
# The tool itself in the background (not the nfsec() function, whose
# subshell would leave the tool running with the runner's pipe open).
"$NFSEC_TOOL" monitor >"$tmp/events" 2>&1 </dev/null &
mon=$!
defer "kill $mon"
sleep 1
nfsec sa add proto esp src 10.0.0.7 dst 10.0.0.2 spi 0x7000 aead aes-gcm "$gcm"
nfsec sa del proto esp src 10.0.0.7 spi 0x7000
nfsec sa add proto esp src 2001:db8::7 dst 2001:db8::2 spi 0x7001 aead aes-gcm "$gcm"
nfsec policy add dir in family inet6 action discard priority 7
nfsec policy del dir in family inet6 priority 7
nfsec sa del proto esp src 2001:db8::7 spi 0x7001
sleep 1
kill "$mon"
wait "$mon" || true
events=$(cat "$tmp/events")
log "events: $(tr '\n' '|' <<<"$events")"
assert_match 'add.*0x0*7000' "$events" "monitor: SA added"
assert_match 'del.*0x0*7000' "$events" "monitor: SA deleted"
assert_match '^sa-added sa proto esp src 2001:db8::7 dst 2001:db8::2 spi 0x00007001' "$events" \
	"monitor: an IPv6 SA added"
assert_match '^sa-deleted sa proto esp src 2001:db8::7 ' "$events" "monitor: an IPv6 SA deleted"
assert_match '^policy-added policy dir in src ::/0 dst ::/0 action discard priority 7' "$events" \
	"monitor: an IPv6 policy added"
assert_no_match "${gcm#0x}" "$events" "no key material in events"

# Namespaces see only their own databases.
ns_create ns
assert_eq 0 "$(count_sas "$ns")" "SAs seen from a new namespace"
ip netns exec "$ns" "$NFSEC_TOOL" sa add proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1000 \
	aead aes-gcm "$gcm"
assert_eq 1 "$(count_sas "$ns")" "SAs in the new namespace"
assert_eq 5 "$(count_sas)" "SAs in the initial namespace"
ns_destroy "$ns"

# Batch: the first error stops it and names its line.
cat >"$tmp/bad.batch" <<EOF
# a comment, then a blank line

sa add proto esp src 10.5.0.1 dst 10.0.0.2 spi 0x100 aead aes-gcm $gcm
sa add proto esp src 10.5.0.1 dst 10.0.0.2 spi 4096x aead aes-gcm $gcm
sa add proto esp src 10.5.0.2 dst 10.0.0.2 spi 0x100 aead aes-gcm $gcm
EOF
expect_error "batch with a bad line" 'line 4' nfsec -b "$tmp/bad.batch"
assert_eq 6 "$(count_sas)" "SAs after the failed batch (line 3 applied, 5 not)"
nfsec sa flush
nfsec policy flush
assert_eq 0 "$(count_sas)" "SAs after flush"

# Batch: N SAs, each with its own key, dumped with the exact count.
awk -v n="$N" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "sa add proto esp src 10.%d.%d.%d dst 10.255.255.254 spi %d aead aes-gcm 0x%08x%08x%08x%08x%08x\n",
			int(i / 65536) % 256, int(i / 256) % 256, i % 256, 256 + i,
			i, i * 7, i * 13, i * 17, i * 19
}' >"$tmp/many.batch"
t0=$(date +%s)
nfsec -b "$tmp/many.batch"
t1=$(date +%s)
log "$N SAs added by batch in $((t1 - t0)) s"
assert_eq "$N" "$(count_sas)" "SAs dumped after the batch"
assert_eq "$N" "$(nfsec -j sa show | grep -o '"spi":' | wc -l)" "SAs in the JSON dump"
out=$(nfsec sa get proto esp src 10.0.1.44 spi $((256 + 300)) with-keys)
assert_match "$(printf '%08x%08x' 300 2100)" "$out" "key of SA number 300"
nfsec sa flush
assert_eq 0 "$(count_sas)" "SAs after flushing the batch"

# rmmod with state installed: everything is freed (slab_nomerge makes
# kmem_cache_destroy() complain about any leaked SA or policy).
head -n 1000 "$tmp/many.batch" >"$tmp/some.batch"
nfsec -b "$tmp/some.batch"
for i in $(seq 1 50); do
	echo "policy add dir out dst 10.$i.0.0/16 action protect sa proto esp src 10.0.0.$i spi 300"
done >"$tmp/pol.batch"
nfsec -b "$tmp/pol.batch"
ns_create ns2
ip netns exec "$ns2" "$NFSEC_TOOL" -b "$tmp/some.batch"
nfsec_unload
ns_destroy "$ns2"
dmesg_check
exit "$KSFT_PASS"
