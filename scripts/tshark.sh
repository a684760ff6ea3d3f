#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host side of the wire checks: tshark reads the captures that the tests in
# the VM left in the export share (selftests/vm/run.sh), one TAP line per
# capture. The VM has no tshark; the host has it (make deps).
#
#   esp*/NAME.pcap, NAME.sa (esp.sh): given the two SAs and their keys in
#       the ESP SA table, tshark must decrypt every ESP packet (the next
#       header inside each one: ICMP or UDP in transport mode, IPv4 in
#       tunnel mode; over IPv6, esp6/: ICMPv6 or UDP, IPv6), verify
#       every ICV, and find the plaintext marker in a
#       decrypted datagram of each direction. The control, with every key
#       altered, must verify no ICV and, unless the cipher is null, find
#       no marker: the check can fail. One tshark run reads all captures
#       of a directory (their SPIs differ), one more the control.
#   ah*/NAME.pcap, NAME.sa: tshark must dissect every packet as AH with
#       one of the two SPIs, sequence numbers rising by one per SPI, the
#       next header inside (ICMP or UDP, IPv4 in tunnel mode; over IPv6,
#       ah6/: ICMPv6 or UDP, IPv6), and the marker, in the clear, in each
#       direction.
# The SAs' addresses tell the family: IPv6 if they have a colon.
#
# An algorithm tshark cannot decrypt is a SKIP that says so, not a pass.
# The .sa files hold lines "alg ALG", "mode MODE", "marker TEXT" and per
# SA "sa SRC DST SPI [ENC_KEY|-] [AUTH_KEY|-]" (keys as 0x-prefixed hex).
#
# usage: scripts/tshark.sh [DIR]      (default: build/vm/export)
set -uo pipefail

cd "$(dirname "$0")/.." || exit 1
dir=${1:-build/vm/export}
num=0
failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"

# result STATUS DESC [DETAIL]: STATUS is ok, fail or "skip REASON".
result() {
	local status=$1 desc=$2 detail=${3:-}
	num=$((num + 1))
	case "$status" in
	ok) echo "ok $num - $desc" ;;
	skip\ *) echo "ok $num - $desc # SKIP ${status#skip }" ;;
	*) failed=$((failed + 1))
	   echo "not ok $num - $desc"
	   [ -z "$detail" ] || sed 's/^/# /' <<<"$detail" ;;
	esac
}

if ! command -v tshark >/dev/null; then
	result "skip tshark is not installed (make deps)" "tshark: captures from the VM"
	echo "1..$num"
	exit 0
fi
tshark_version=$(tshark --version 2>/dev/null | sed -n '1s/^TShark (Wireshark) \([0-9.]*\).*/\1/p')

# tshark ARGS...: tshark without its warning about running as root.
tshark_run() { tshark "$@" 2> >(grep -v 'Running as user "root"' >&2); }

hex() { printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n'; }

# sa_field FILE KEY: the value of the first line "KEY VALUE" of FILE.
sa_field() { sed -n "s/^$2 //p" "$1" | head -n 1; }

# ip_family ADDR: IPv4 or IPv6, as tshark's ESP SA table names them.
ip_family() { [[ $1 == *:* ]] && echo IPv6 || echo IPv4; }

# sa_family SAFILE: the family of the first SA of SAFILE.
sa_family() { ip_family "$(awk '$1 == "sa" { print $2; exit }' "$1")"; }

# esp_tshark_algs ALG: sets ENC and AUTH to tshark's names for the ESP
# algorithms of ALG (esp.sh's names: AEAD, or CIPHER+INTEGRITY), or sets
# WHY to the reason tshark cannot check them.
esp_tshark_algs() {
	local alg=$1 cipher integ
	ENC='' AUTH='NULL' WHY=''
	case "$alg" in
	aes-gcm-*) ENC='AES-GCM with 16 octet ICV [RFC4106]'; return ;;
	chacha20-poly1305)
		WHY="tshark $tshark_version cannot decrypt ChaCha20-Poly1305 ESP (RFC 7634)"
		return ;;
	*+*) cipher=${alg%%+*} integ=${alg#*+} ;;
	*) WHY="no tshark name known for '$alg'"; return ;;
	esac
	case "$cipher" in
	aes-cbc-*) ENC='AES-CBC [RFC3602]' ;;
	null) ENC='NULL' ;;
	*) WHY="no tshark name known for the cipher '$cipher'"; return ;;
	esac
	case "$integ" in
	hmac-sha1) AUTH='HMAC-SHA-1-96 [RFC2404]' ;;
	hmac-sha256) AUTH='HMAC-SHA-256-128 [RFC4868]' ;;
	hmac-sha384) AUTH='HMAC-SHA-384-192 [RFC4868]' ;;
	hmac-sha512) AUTH='HMAC-SHA-512-256 [RFC4868]' ;;
	*) WHY="no tshark name known for the integrity algorithm '$integ'" ;;
	esac
}

# spoil KEY: KEY with its last hex digit changed ("-" stays "-").
spoil() {
	local k=$1 last
	[ "$k" = - ] && { echo -; return; }
	last=${k: -1}
	if [ "$last" = 0 ]; then echo "${k%?}1"; else echo "${k%?}0"; fi
}

# esp_sa_args SPOIL SAFILE...: tshark options for the SAs of the files
# (ENC_x and AUTH_x set per file by esp_tshark_algs), keys altered if SPOIL.
esp_sa_args() {
	local spoil=$1 f src dst spi k1 k2
	shift
	for f in "$@"; do
		while read -r _ src dst spi k1 k2; do
			if [ "$spoil" = 1 ]; then
				k1=$(spoil "$k1") k2=$(spoil "$k2")
			fi
			[ "$k1" = - ] && k1=''
			[ "$k2" = - ] && k2=''
			printf '%s\0' -o "uat:esp_sa:\"$(ip_family "$src")\",\"$src\",\"$dst\",\"$spi\",\"${ENCS[$f]}\",\"$k1\",\"${AUTHS[$f]}\",\"$k2\""
		done < <(grep '^sa ' "$f")
	done
}

# esp_decode PCAP SPOIL SAFILE...: tshark's view of PCAP given the SAs,
# one line per ESP packet: SPI, next header, ICV good (1 or 0), data
# bytes in hex, each field's first occurrence (with wrong keys, garbage
# can dissect as a second ESP header inside the first).
esp_decode() {
	local pcap=$1 spoil=$2 args=()
	shift 2
	mapfile -d '' args < <(esp_sa_args "$spoil" "$@")
	tshark_run -n -r "$pcap" -o esp.enable_encryption_decode:TRUE \
		-o esp.enable_authentication_check:TRUE "${args[@]}" \
		-Y esp -T fields -E separator=/t -E occurrence=f -e esp.spi \
		-e esp.protocol -e esp.icv_good -e data.data
}

# esp_verdict SAFILE OUT CONTROL: what is wrong with the capture of
# SAFILE, given tshark's lines OUT with the right keys and CONTROL with
# altered keys; nothing if all is well.
esp_verdict() {
	local safile=$1 out=$2 control=$3 spis mode marker want spi n what bad=""
	mode=$(sa_field "$safile" mode)
	marker=$(hex "$(sa_field "$safile" marker)")
	if [ "$(sa_family "$safile")" = IPv6 ]; then
		[ "$mode" = tunnel ] && want='^0x29$' || want='^0x(3a|11)$'
	else
		[ "$mode" = tunnel ] && want='^0x04$' || want='^0x(01|11)$'
	fi
	spis=$(awk '$1 == "sa" { print $4 }' "$safile")
	# This capture's packets: those of its SPIs.
	out=$(awk -F'\t' -v spis="$(tr '\n' ' ' <<<"$spis")" '
		BEGIN { split(spis, s, " "); for (i in s) ok[s[i]] = 1 } $1 in ok' <<<"$out")
	control=$(awk -F'\t' -v spis="$(tr '\n' ' ' <<<"$spis")" '
		BEGIN { split(spis, s, " "); for (i in s) ok[s[i]] = 1 } $1 in ok' <<<"$control")
	n=$(grep -c . <<<"$out")
	[ "$n" -ge 6 ] || bad="only $n ESP packets"
	# Every packet: a next header inside, its ICV verified.
	what=$(awk -F'\t' -v want="$want" '
		$2 !~ want { print "packet " NR ": next header \"" $2 "\" (not decrypted?)"; exit }
		$3 != "1" { print "packet " NR ": ICV not verified (\"" $3 "\")"; exit }' <<<"$out")
	[ -z "$what" ] || bad="${bad:+$bad; }$what"
	for spi in $spis; do
		awk -F'\t' -v spi="$spi" -v m="$marker" '$1 == spi && index($4, m) { f = 1 }
			END { exit !f }' <<<"$out" ||
			bad="${bad:+$bad; }no decrypted packet of SPI $spi holds the marker"
	done
	# The control: altered keys verify no ICV and reveal no marker.
	[ "$(grep -c . <<<"$control")" = "$n" ] ||
		bad="${bad:+$bad; }the control saw $(grep -c . <<<"$control") packets, not $n"
	awk -F'\t' '$3 == "1" { f = 1 } END { exit !f }' <<<"$control" &&
		bad="${bad:+$bad; }an ICV verified with altered keys"
	if [ "${ENCS[$safile]}" != NULL ] &&
	   awk -F'\t' -v m="$marker" 'index($4, m) { f = 1 } END { exit !f }' <<<"$control"; then
		bad="${bad:+$bad; }the marker was found with altered keys"
	fi
	bad=${bad#; }
	if [ -n "$bad" ]; then
		echo "$bad"
		echo "tshark saw (SPI, next header, ICV good, data):"
		echo "$out"
	fi
}

# esp_dir DIR: the captures of DIR, read by one tshark run over all of them
# (their SPIs differ) and one with the keys altered.
declare -A ENCS AUTHS
esp_dir() {
	local d=$1 f name checked=() pcaps=() out control err bad desc
	for f in "$d"/*.sa; do
		name=$(basename "$d")/$(basename "$f" .sa)
		desc="tshark: $name decrypted, ICVs verified, marker found, not with altered keys"
		if [ ! -f "${f%.sa}.pcap" ]; then
			result fail "$desc" "${f%.sa}.pcap is missing"
			continue
		fi
		esp_tshark_algs "$(sa_field "$f" alg)"
		if [ -n "$WHY" ]; then
			result "skip $WHY" "$desc"
			continue
		fi
		ENCS[$f]=$ENC AUTHS[$f]=$AUTH
		checked+=("$f")
		pcaps+=("${f%.sa}.pcap")
	done
	[ ${#checked[@]} -gt 0 ] || return 0
	if ! err=$(mergecap -a -w "$tmp/esp.pcap" "${pcaps[@]}" 2>&1); then
		result fail "tshark: $(basename "$d") captures merged" "$err"
		return
	fi
	err=$(esp_decode "$tmp/esp.pcap" 0 "${checked[@]}" 2>&1 >"$tmp/out")
	out=$(cat "$tmp/out")
	control=$(esp_decode "$tmp/esp.pcap" 1 "${checked[@]}" 2>/dev/null)
	for f in "${checked[@]}"; do
		name=$(basename "$d")/$(basename "$f" .sa)
		desc="tshark: $name decrypted, ICVs verified, marker found, not with altered keys"
		bad=$(esp_verdict "$f" "$out" "$control")
		[ -z "$err" ] || bad="tshark: $err"$'\n'"$bad"
		if [ -n "$bad" ]; then
			result fail "$desc" "$bad"
		else
			result ok "$desc"
		fi
	done
}

ah_check() {
	local safile=$1 pcap=${1%.sa}.pcap name mode marker out err spis spi bad n want what
	local pfield=ip.proto
	name=$(basename "$(dirname "$pcap")")/$(basename "$pcap" .pcap)
	mode=$(sa_field "$safile" mode)
	marker=$(hex "$(sa_field "$safile" marker)")
	if [ "$(sa_family "$safile")" = IPv6 ]; then
		# The next header of the IPv6 header (AH follows it directly).
		pfield=ipv6.nxt
		[ "$mode" = tunnel ] && want='^(41|0x29)$' || want='^(58|17|0x3a|0x11)$'
	else
		[ "$mode" = tunnel ] && want='^(4|0x04)$' || want='^(1|17|0x01|0x11)$'
	fi
	spis=$(awk '$1 == "sa" { print $4 }' "$safile")
	err=$(tshark_run -n -r "$pcap" -T fields -E separator=/t -e "$pfield" \
		-e ah.spi -e ah.sequence -e ah.next_header -e data.data 2>&1 >"$tmp/out")
	out=$(cat "$tmp/out")
	bad=""
	[ -z "$err" ] || bad="tshark: $err"
	n=$(grep -c . <<<"$out")
	[ "$n" -ge 6 ] || bad="${bad:+$bad; }only $n packets"
	what=$(awk -F'\t' -v spis="$(tr '\n' ' ' <<<"$spis")" -v want="$want" '
		BEGIN { split(spis, s, " "); for (i in s) ok[s[i]] = 1 }
		{ split($1, p, ","); split($2, a, ",") }
		p[1] != "51" { print "packet " NR ": IP protocol " p[1] ", not AH"; exit }
		!(a[1] in ok) { print "packet " NR ": AH SPI \"" a[1] "\" is not one of the SAs"; exit }
		{ split($4, h, ",") }
		h[1] !~ want { print "packet " NR ": next header \"" h[1] "\""; exit }
		{ split($3, q, ",")
		  if ((a[1] in last) && q[1] != last[a[1]] + 1) {
			print "packet " NR ": SPI " a[1] " sequence " q[1] " after " last[a[1]]; exit }
		  last[a[1]] = q[1] }' <<<"$out")
	[ -z "$what" ] || bad="${bad:+$bad; }$what"
	for spi in $spis; do
		awk -F'\t' -v spi="$spi" -v m="$marker" '{ split($2, a, ",") }
			a[1] == spi && index($5, m) { f = 1 } END { exit !f }' <<<"$out" ||
			bad="${bad:+$bad; }no packet of SPI $spi carries the marker"
	done
	bad=${bad#; }
	if [ -n "$bad" ]; then
		result fail "tshark: $name dissected" \
			"$bad"$'\n'"tshark saw (proto, SPI, sequence, next header, data):"$'\n'"$out"
	else
		result ok "tshark: $name dissected ($n packets)"
	fi
}

shopt -s nullglob
files=("$dir"/esp*/*.sa "$dir"/ah*/*.sa)
if [ ${#files[@]} = 0 ]; then
	result "skip no captures in $dir (esp.sh did not run in the VM)" "tshark: captures from the VM"
fi
for d in "$dir"/esp*/; do
	esp_dir "${d%/}"
done
for f in "$dir"/ah*/*.sa; do
	if [ -f "${f%.sa}.pcap" ]; then
		ah_check "$f"
	else
		result fail "tshark: ah $(basename "$f" .sa)" "${f%.sa}.pcap is missing"
	fi
done
echo "1..$num"
[ "$failed" = 0 ]
