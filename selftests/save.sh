#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nfsec save: every SA and policy of one namespace, saved with their keys
# and restored with "nfsec -b" into an empty namespace, dump the same there
# (less what only runs: age, path MTU, policy indexes), IPv6 ones and an
# IPv6 catch-all among them. Saved without keys the file refuses to
# restore; --dry-run checks a file and applies nothing.
#
#   ns A: SAs and policies --nfsec save with-keys--> FILE --nfsec -b--> ns B
source "$(dirname "$0")/lib.sh"
require_root
require_tool
require_cmd insmod rmmod ip awk sort

tmp=$(mktemp -d)
defer "rm -rf $tmp"

nfsec_unload_quiet
dmesg_mark
nfsec_load
ns_create A
ns_create B
ns_create C
# nA, nB, nC ARGS: the tool in that namespace, the command shown first.
run_in() { local ns=$1; shift; log "[$ns] nfsec $*" >&2; ip netns exec "$ns" "$NFSEC_TOOL" "$@"; }
nA() { run_in "$A" "$@"; }
nB() { run_in "$B" "$@"; }
nC() { run_in "$C" "$@"; }

# dump NS: the SAs with keys and the policies as JSON, one object a line,
# sorted, without the members that only run.
dump() {
	{
		ip netns exec "$1" "$NFSEC_TOOL" -j sa show with-keys
		ip netns exec "$1" "$NFSEC_TOOL" -j policy show
	} | awk '{ gsub(/\},\{/, "}\n{"); print }' |
		sed -e 's/,"age":[0-9]*//' -e 's/,"pmtu":[0-9]*//' \
		    -e 's/,"index":[0-9]*//' | sort
}

gcm=$(nA genkey aes-gcm-256)
cha=$(nA genkey chacha20-poly1305)
gmac=$(nA genkey aes-gmac-128)
cbc=$(nA genkey aes-cbc-128)
sha1=$(nA genkey hmac-sha1)
sha256=$(nA genkey hmac-sha256)
sha512=$(nA genkey hmac-sha512)

nA sa add proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1000 dir out mode tunnel \
	aead aes-gcm "$gcm" icv 96 replay-window 1024 esn seq 4294967300 \
	soft-bytes 1000000 hard-bytes 2000000 soft-packets 1000 hard-packets 2000 \
	soft-seconds 3000 hard-seconds 3600
nA sa add proto esp src 10.0.0.2 dst 10.0.0.1 spi 0x1001 dir in \
	aead chacha20-poly1305 "$cha" replay-window 0
nA sa add proto esp src 10.0.0.1 dst 10.0.0.3 spi 0x1002 dir out \
	enc aes-cbc "$cbc" auth hmac-sha256 "$sha256" seq 77
nA sa add proto esp src 10.0.0.3 dst 10.0.0.1 spi 0x1003 dir in \
	enc null none auth hmac-sha1 "$sha1" hard-packets 5
nA sa add proto esp src 10.0.0.1 dst 10.0.0.4 spi 0x1004 dir out aead aes-gmac "$gmac"
nA sa add proto ah src 10.0.0.1 dst 10.0.0.5 spi 0x2000 dir out mode tunnel \
	auth hmac-sha512 "$sha512" replay-window 32
nA sa add proto ah src 10.0.0.5 dst 10.0.0.1 spi 0x2001 dir in auth aes-gmac "$gmac"
nA policy add dir out src 10.0.0.1/32 dst 10.0.0.2/32 proto tcp sport 1024-65535 \
	dport 80 action protect sa proto esp src 10.0.0.1 spi 0x1000 priority 10
nA policy add dir out dst 10.0.0.4 action protect sa proto esp src 10.0.0.1 spi 0x1004
nA policy add dir in src 10.0.0.2/32 action protect sa proto esp src 10.0.0.2 spi 0x1001
nA policy add dir out dst 192.168.0.0/16 proto udp dport 53 action bypass priority 5
nA policy add dir in proto 47 action discard priority 7
nA policy add dir out action bypass priority 100
nA policy add dir out proto icmp action discard priority 100
# IPv6: transport and tunnel SAs, policies of IPv6 prefixes, through a
# tunnel of the other family (6in4, 4in6), and a catch-all of IPv6 that
# only "family inet6" says.
nA sa add proto esp src 2001:db8::1 dst 2001:db8::2 spi 0x6000 dir out \
	aead aes-gcm "$gcm" icv 128 replay-window 128 seq 99
nA sa add proto esp src 2001:db8::2 dst 2001:db8::1 spi 0x6001 dir in \
	aead chacha20-poly1305 "$cha" esn soft-packets 100 hard-packets 200
nA sa add proto esp src 2001:db8:1::1 dst 2001:db8:2::1 spi 0x6002 dir out mode tunnel \
	enc aes-cbc "$cbc" auth hmac-sha512 "$sha512" hard-seconds 7200
nA policy add dir out src 2001:db8::1 dst 2001:db8::2/128 proto tcp dport 443 \
	action protect sa proto esp src 2001:db8::1 spi 0x6000 priority 20
nA policy add dir in src 2001:db8::2 proto ipv6-icmp action protect \
	sa proto esp src 2001:db8::2 spi 0x6001
nA policy add dir out dst 10.6.0.0/16 action protect sa proto esp src 2001:db8:1::1 spi 0x6002
nA policy add dir out dst 2001:db8:4::/48 action protect sa proto esp src 10.0.0.1 spi 0x1000
nA policy add dir in family inet6 action discard priority 300

umask 022
nA save with-keys >"$tmp/saved"
log "saved: $(wc -l <"$tmp/saved") lines"
cat "$tmp/saved" | sed "s/0x[0-9a-f]\{16,\}/KEY/g"
assert_match '^-rw-------' "$(ls -l "$tmp/saved")" "a file of keys from save with-keys is 0600"
assert_eq 10 "$(grep -c '^sa add ' "$tmp/saved")" "SAs saved"
assert_eq 12 "$(grep -c '^policy add ' "$tmp/saved")" "policies saved"
assert_match 'dir out mode tunnel aead aes-gcm 0x' "$(grep 'spi 0x00001000' "$tmp/saved")" \
	"the SA's direction and mode are saved"
assert_match '^sa add proto esp src 2001:db8::1 dst 2001:db8::2 spi 0x00006000 dir out mode transport aead aes-gcm 0x' \
	"$(cat "$tmp/saved")" "an IPv6 SA saved"
assert_match '^policy add dir in family inet6 action discard priority 300$' "$(cat "$tmp/saved")" \
	"the IPv6 catch-all saved with its family"
assert_match '^policy add dir out dst 2001:db8:4::/48 action protect sa proto esp src 10\.0\.0\.1 spi 0x00001000 priority 0$' \
	"$(cat "$tmp/saved")" "an IPv6 policy through an IPv4 tunnel saved"
assert_no_match 'family inet( |$)' "$(cat "$tmp/saved")" "IPv4 policies saved without a family"

# --dry-run reads the file and applies nothing.
nB --dry-run -b "$tmp/saved"
assert_eq 0 "$(nB sa show | grep -c '^sa ' || true)" "SAs after --dry-run"

nB -b "$tmp/saved"
before=$(dump "$A")
after=$(dump "$B")
log "$(wc -l <<<"$before") objects compared"
if [ "$before" != "$after" ]; then
	diff <(echo "$before") <(echo "$after") | sed "s/0x[0-9a-f]\{16,\}/KEY/g" || true
	fail "the restored namespace dumps differently"
fi
assert_eq "$(nA save with-keys)" "$(nB save with-keys)" "save of the restored namespace"

# A line the kernel refuses stops the batch; the lines in flight with it
# were applied, and the error says which.
cat >"$tmp/dup" <<EOT
sa add proto esp src 10.9.0.1 dst 10.0.0.2 spi 0x100 dir out aead aes-gcm-256 $gcm
sa add proto esp src 10.0.0.1 dst 10.0.0.2 spi 0x1000 dir out aead aes-gcm-256 $gcm
sa add proto esp src 10.9.0.2 dst 10.0.0.2 spi 0x100 dir out aead aes-gcm-256 $gcm
EOT
rc=0
err=$(ip netns exec "$B" "$NFSEC_TOOL" -b "$tmp/dup" 2>&1) || rc=$?
log "batch with a refused line: $err"
assert_eq 2 "$rc" "exit status of a batch the kernel refused"
assert_eq "nfsec: batch line 2: sa add: an SA with this protocol, source and SPI exists (applied: lines 1, 3)" \
	"$err" "the refused line and the lines applied"
assert_eq 12 "$(nB sa show | grep -c '^sa ' || true)" "SAs after the refused line"
rc=0
err=$(ip netns exec "$B" "$NFSEC_TOOL" -b "$tmp/saved" 2>&1) || rc=$?
assert_eq 2 "$rc" "exit status of restoring twice"
assert_match '^nfsec: batch line 2: sa add: an SA .* exists \(applied: nothing\)$' "$err" \
	"restoring twice applies nothing"

# Without keys: nothing that could be restored with the wrong key.
nA save >"$tmp/nokeys"
assert_no_match "${gcm#0x}|${cha#0x}|${sha512#0x}" "$(cat "$tmp/nokeys")" "no key material in save"
assert_match ' aead aes-gcm omitted icv 96 ' "$(cat "$tmp/nokeys")" "keys written as omitted"
rc=0
err=$(ip netns exec "$C" "$NFSEC_TOOL" -b "$tmp/nokeys" 2>&1) || rc=$?
log "restore without keys: $err"
assert_eq 1 "$rc" "exit status of a restore without keys"
assert_match 'left out by "nfsec save"' "$err" "restore without keys names the cause"
assert_eq 0 "$(nC sa show | grep -c '^sa ' || true)" "SAs after a restore without keys"

ns_destroy "$A"
ns_destroy "$B"
ns_destroy "$C"
nfsec_unload
dmesg_check
exit "$KSFT_PASS"
