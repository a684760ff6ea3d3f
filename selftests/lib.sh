#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the nfsec selftests. Source it from a test:
#
#	source "$(dirname "$0")/lib.sh"
#
# It turns on `set -euo pipefail`, installs `trap cleanup EXIT` (namespaces
# made with ns_create are deleted, functions added with defer run, nfsec is
# unloaded if the test loaded it), and gives assertions that name what they
# compared. Exit codes follow kselftest: 0 pass, 1 fail, 4 skip. The
# commands it and the test run in a namespace (ns_run, ns_ip, ns_bg) are
# shown on the log before they run: see "commands in a namespace" below.

set -euo pipefail

readonly KSFT_PASS=0
readonly KSFT_FAIL=1
readonly KSFT_SKIP=4

NFSEC_KO=${NFSEC_KO:-/lib/modules/$(uname -r)/extra/nfsec.ko}
NFSEC_TOOL=${NFSEC_TOOL:-$(command -v nfsec || true)}
TEST_NAME=$(basename "$0" .sh)
# Namespace names are unique per test run: test name, PID and a counter.
NS_PREFIX="nfsec-$TEST_NAME-$$"
NS_COUNT=0
NS_LIST=()
declare -A NS_LABEL
DEFERRED=()
DMESG_MARK=0

log() { echo "$TEST_NAME: $*"; }

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit "$KSFT_FAIL"
}

skip() {
	echo "SKIP: $TEST_NAME: $*"
	exit "$KSFT_SKIP"
}

# defer CMD...: run CMD at exit, in reverse order of registration.
defer() { DEFERRED+=("$*"); }

cleanup() {
	local rc=$? i ns
	set +e
	for ((i = ${#DEFERRED[@]} - 1; i >= 0; i--)); do
		eval "${DEFERRED[i]}" >/dev/null 2>&1
	done
	for ns in "${NS_LIST[@]}"; do
		ip netns del "$ns" >/dev/null 2>&1
	done
	if [ "$rc" -ne 0 ] && [ "$rc" -ne "$KSFT_SKIP" ]; then
		echo "$TEST_NAME: failed with exit code $rc" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs the '$c' command"
	done
}

require_tool() {
	[ -n "$NFSEC_TOOL" ] && [ -x "$NFSEC_TOOL" ] || skip "the nfsec tool is not installed"
}

# --- commands in a namespace ---------------------------------------------
#
# The log tells what a test did: each command run in a namespace is shown
# first as "WHO# COMMAND", WHO being the namespace's short name, the
# command quoted as a shell would take it, on one line. Under the
# kselftest runner the line reads "# WHO# COMMAND", a TAP comment. Hex
# strings longer than 16 digits (keys) are cut after 8 ("0x0123abcd...").
# The lines go to the standard error the test started with (NS_ECHO_FD), so
# that a command's own redirections neither hide nor capture them.
# The _quiet variants show nothing: for reading counters and state, for
# polling and for commands repeated in a loop. NFSEC_ECHO=0 shows no
# command, NFSEC_ECHO=2 shows keys whole.
exec {NS_ECHO_FD}>&2
NFSEC_ECHO=${NFSEC_ECHO:-1}

# ns_show WHO CMD...: show CMD as run by WHO (a namespace or a name). A
# last argument "&" or one that starts with "# " (a comment) is shown as
# it is.
ns_show() {
	[ "$NFSEC_ECHO" != 0 ] || return 0
	local who=$1 w line='' plain='^[A-Za-z0-9_./:=,+@%^-]+$'
	[ -z "$who" ] || who=${NS_LABEL[$who]:-$who}
	shift
	for w in "$@"; do
		while [ "$NFSEC_ECHO" != 2 ] &&
			[[ $w =~ ^(.*0x[0-9a-fA-F]{8})[0-9a-fA-F]{9,}(.*)$ ]]; do
			w="${BASH_REMATCH[1]}...${BASH_REMATCH[2]}"
		done
		if [ $# = 1 ] && [[ $w == '&' || $w == '# '* ]]; then
			:
		elif [[ $w =~ [[:cntrl:]] ]]; then
			printf -v w '%q' "$w"
		elif ! [[ $w =~ $plain ]]; then
			w=\'${w//\'/\'\\\'\'}\'
		fi
		line+=" $w"
		shift
	done
	printf '%s#%s\n' "$who" "$line" >&"$NS_ECHO_FD"
}

# ns_run NS CMD...: CMD in NS, shown; its exit status.
ns_run() {
	ns_show "$@"
	ns_run_quiet "$@"
}

ns_run_quiet() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" {NS_ECHO_FD}>&-
}

# ns_ip NS ARGS...: `ip ARGS` in NS (ip -n), shown.
ns_ip() {
	ns_show "$1" ip "${@:2}"
	ns_ip_quiet "$@"
}

ns_ip_quiet() {
	ip -n "$1" "${@:2}" {NS_ECHO_FD}>&-
}

# ns_bg NS CMD...: CMD in NS in the background, shown with a "&"; its
# PID (CMD's own: ip netns exec execs it) in $!.
ns_bg() {
	local ns=$1
	ns_show "$@" '&'
	shift
	ip netns exec "$ns" "$@" {NS_ECHO_FD}>&- &
}

# ns_create VAR [WHO]: create a namespace with a unique name, bring its
# loopback up and store the name in VAR. Its commands are shown as WHO's
# (default: VAR in lower case).
ns_create() {
	local _ns_name="$NS_PREFIX-$((NS_COUNT + 1))"
	NS_COUNT=$((NS_COUNT + 1))
	NS_LABEL[$_ns_name]=${2:-${1,,}}
	ns_show host ip netns add "$_ns_name" "# ${NS_LABEL[$_ns_name]}"
	ip netns add "$_ns_name"
	NS_LIST+=("$_ns_name")
	ns_ip "$_ns_name" link set lo up
	printf -v "$1" '%s' "$_ns_name"
}

# ns_hosts VAR...: ns_create for each VAR, then the sysctls of a routed
# IPv4 test network in each: IPv6 off, no reverse-path filter.
# ns_hosts6 VAR...: the same for an IPv6 test network: IPv6 on, no
# duplicate address detection (addresses are usable at once), no router
# solicitations, no advertisements taken, no reverse-path filter for IPv4.
ns_hosts() { _ns_routed "net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1" "$@"; }
ns_hosts6() {
	_ns_routed "net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0
		net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
		net.ipv6.conf.default.router_solicitations=0" "$@"
}
_ns_routed() {
	local sysctls=$1 v
	shift
	for v in "$@"; do
		ns_create "$v"
		# shellcheck disable=SC2086 # one sysctl setting per word
		ns_run "${!v}" sysctl -q -w $sysctls net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0
	done
}

ns_destroy() {
	local ns=$1 i
	ns_show host ip netns del "$ns" "# ${NS_LABEL[$ns]:-?}"
	ip netns del "$ns"
	for i in "${!NS_LIST[@]}"; do
		[ "${NS_LIST[i]}" = "$ns" ] && unset 'NS_LIST[i]'
	done
	NS_LIST=("${NS_LIST[@]}")
}

# veth_pair NS1 DEV1 NS2 DEV2: a veth pair between two namespaces, both up.
veth_pair() {
	ns_ip "$1" link add "$2" type veth peer name "$4" netns "$3"
	ns_ip "$1" link set "$2" up
	ns_ip "$3" link set "$4" up
}

# addr_add NS DEV ADDR/LEN
addr_add() {
	ns_ip "$1" addr add "$3" dev "$2"
}

assert_eq() {
	local expected=$1 actual=$2 what=$3
	[ "$expected" = "$actual" ] ||
		fail "$what: expected '$expected', got '$actual'"
}

assert_ne() {
	local unexpected=$1 actual=$2 what=$3
	[ "$unexpected" != "$actual" ] ||
		fail "$what: did not expect '$actual'"
}

# assert_match REGEX TEXT WHAT: TEXT has a line matching the extended REGEX.
assert_match() {
	grep -qE -- "$1" <<<"$2" ||
		fail "$3: no line matches /$1/ in: $(tr '\n' '|' <<<"$2")"
}

assert_no_match() {
	! grep -qE -- "$1" <<<"$2" ||
		fail "$3: unexpected line matching /$1/: $(grep -E -- "$1" <<<"$2" | head -n 1)"
}

# assert_fails CMD...: CMD must exit non-zero.
assert_fails() {
	if "$@" >/dev/null 2>&1; then
		fail "'$*' succeeded but should have failed"
	fi
}

nfsec_loaded() { [ -d /sys/module/nfsec ]; }

# nfsec_load: insmod the module under test; it is unloaded at exit.
nfsec_load() {
	[ -f "$NFSEC_KO" ] || fail "$NFSEC_KO is missing"
	insmod "$NFSEC_KO" || fail "insmod $NFSEC_KO failed"
	defer nfsec_unload_quiet
	nfsec_loaded || fail "/sys/module/nfsec missing after insmod"
}

nfsec_unload() {
	rmmod nfsec || fail "rmmod nfsec failed"
	! nfsec_loaded || fail "/sys/module/nfsec still present after rmmod"
}

nfsec_unload_quiet() {
	! nfsec_loaded || rmmod nfsec
}

# The kernel log is checked for splats from dmesg_mark on.
dmesg_mark() { DMESG_MARK=$(dmesg | wc -l); }

dmesg_check() {
	local new
	new=$(dmesg | tail -n +"$((DMESG_MARK + 1))")
	assert_no_match 'WARNING:|BUG:|Oops|Call Trace|UBSAN|KASAN|kmemleak|refcount_t' \
		"$new" "kernel log since the test started"
}

# expect_delta WHAT BEFORE DELTA CMD...: CMD prints BEFORE + DELTA within
# 3 s (packets injected are processed asynchronously). A failure is
# prefixed with $WHAT when the test sets it.
expect_delta() {
	local what=$1 before=$2 delta=$3 v i
	shift 3
	for i in $(seq 30); do
		v=$("$@")
		[ "$((v - before))" = "$delta" ] && return 0
		sleep 0.1
	done
	fail "${WHAT:+$WHAT: }$what: expected +$delta, got +$((v - before))"
}

# --- counters ---------------------------------------------------------------

# snmp NS PROTO FIELD: a counter of /proc/net/snmp in NS.
snmp() {
	ns_run_quiet "$1" awk -v p="$2:" -v f="$3" '$1 == p {
		if (!n++) { for (i = 2; i <= NF; i++) h[$i] = i } else print $h[f] }' /proc/net/snmp
}

# nfsec_sa_stat NS PROTO SRC SPI KEY: counter KEY (JSON name: packets,
# drop_replay, drop_icv, drop_policy, ...) of one SA of NS.
nfsec_sa_stat() {
	json_num "$5" "$(ns_run_quiet "$1" "$NFSEC_TOOL" -s -j sa get proto "$2" src "$3" spi "$4")"
}

# nfsec_sum NS KEY: KEY summed over all SAs of NS.
nfsec_sum() {
	ns_run_quiet "$1" "$NFSEC_TOOL" -s -j sa show |
		grep -oE "\"$2\":[0-9]+" | awk -F: '{ s += $2 } END { print s + 0 }'
}

# nfsec_nstat NS KEY: a namespace counter of `nfsec -j stats` (no_sa,
# discard, plaintext, malformed, nomem).
nfsec_nstat() {
	json_num "$2" "$(ns_run_quiet "$1" "$NFSEC_TOOL" -j stats)"
}

# json_num KEY JSON: the number of the first member KEY in JSON (nothing if
# there is none), without starting a process.
json_num() {
	[[ $2 =~ \"$1\":([0-9]+) ]] && echo "${BASH_REMATCH[1]}"
	return 0
}

# --- capture ----------------------------------------------------------------

# capture_start NS DEV FILE [FILTER...]: tcpdump on DEV of NS into FILE,
# its PID in CAP_PID. capture_stop [PID] ends it (default CAP_PID) once
# what is in flight has been written, and fails if the capture lost any
# packet (the checks that count packets in it would be wrong). In
# immediate mode each packet takes a slot of the snapshot length (256 KiB)
# in the kernel's buffer: 32 MiB hold 128. A test that sets CAP_SNAPLEN
# (bytes; 0, the default, is the whole packet) gets smaller slots and
# more of them: a packet longer than that is cut (pktinject refuses to
# send a packet that was not captured whole).
declare -A CAP_ERR
capture_start() {
	local ns=$1 dev=$2 file=$3 i
	shift 3
	local err=$file.err
	rm -f "$err"
	ns_bg "$ns" tcpdump -Z root -i "$dev" -nn -U --immediate-mode -s "${CAP_SNAPLEN:-0}" -B 32768 \
		-w "$file" "$@" >/dev/null 2>"$err"
	CAP_PID=$!
	CAP_ERR[$CAP_PID]=$err
	defer "kill $CAP_PID"
	for i in $(seq 100); do
		grep -qs 'listening on' "$err" && return 0
		sleep 0.1
	done
	fail "tcpdump did not start: $(cat "$err")"
}

capture_stop() {
	local pid=${1:-$CAP_PID} lost
	sleep 0.3
	kill -INT "$pid"
	wait "$pid" || true
	lost=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel$/\1/p' "${CAP_ERR[$pid]}")
	[ "${lost:-0}" = 0 ] || fail "capture ${CAP_ERR[$pid]%.err}: $lost packets dropped by kernel"
}
