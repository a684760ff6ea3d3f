#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bash completion of nfsec(8): what TAB offers after some command lines.
# Output is TAP version 13.
#	tests/completion.sh [completion/nfsec.bash]
set -u
# bash-completion's helper if it is installed, else the part of it used
# here: with "-n :", words split at colons are joined again.
source /usr/share/bash-completion/bash_completion 2>/dev/null ||
_init_completion() {
	words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
	if [[ ${1:-} == -n && ${2:-} == *:* ]]; then
		read -ra words <<<"${COMP_LINE:0:COMP_POINT}"
		[[ ${COMP_LINE:0:COMP_POINT} == *" " ]] && words+=("")
		cword=$((${#words[@]} - 1))
	fi
	cur=${words[cword]} prev=${words[cword - 1]}
}
source "${1:-$(dirname "$0")/../completion/nfsec.bash}"

n=0 failed=0
# expect LINE WANT: completing at the end of LINE offers exactly WANT. The
# words are split as readline splits them: at blanks, and colons apart.
expect() {
	local got w c
	COMP_WORDS=()
	for w in $1; do
		while [ -n "$w" ]; do
			if [[ $w == :* ]]; then
				c=${w%%[^:]*}
			else
				c=${w%%:*}
			fi
			COMP_WORDS+=("$c")
			w=${w#"$c"}
		done
	done
	[[ $1 == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) COMP_LINE=$1 COMP_POINT=${#1}
	COMPREPLY=()
	_nfsec
	got="${COMPREPLY[*]}"
	n=$((n + 1))
	if [ "$got" = "$2" ]; then
		echo "ok $n - [$1] offers $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - [$1] offers '$got', not '$2'"
	fi
}

echo "TAP version 13"
echo "1..13"
expect "nfsec sa add proto ah auth " "hmac-sha256 hmac-sha384 hmac-sha512 hmac-sha1 aes-gmac"
expect "nfsec sa add proto esp auth " "hmac-sha256 hmac-sha384 hmac-sha512 hmac-sha1"
expect "nfsec policy add dir out action protect sa " "proto src spi"
expect "nfsec policy add dir out action protect sa proto esp " "src spi"
expect "nfsec policy add dir out action protect sa spi 300 proto " "esp ah"
expect "nfsec policy add dir out action protect sa proto esp src 10.0.0.1 spi 300 " \
	"family src dst proto sport dport priority help"
expect "nfsec policy add dir out action protect reqid 7 " \
	"family src dst proto sport dport priority help"
expect "nfsec sa allocspi " "proto src dst reqid range help"
expect "nfsec policy add dir out proto " "tcp udp icmp ipv6-icmp sctp udplite esp ah gre any"
expect "nfsec policy add dir out family " "inet inet6"
expect "nfsec policy add dir out family inet6 src ::/0 " "dst proto sport dport action sa reqid priority help"
expect "nfsec policy del dir in " "index family src dst proto sport dport priority help"
expect "nfsec policy add dir out action protect sa proto esp src 2001:db8::1 " "spi"
expect "nfsec sa add proto esp src 2001:db8::1 dst fe80::2 spi 300 mode " "transport tunnel"
expect "nfsec sa" "sa save"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
