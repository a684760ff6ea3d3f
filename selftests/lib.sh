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

# --- transfers --------------------------------------------------------------

# tcp_transfer FROM TO ADDR BYTES DIR: BYTES random bytes (files in DIR)
# from FROM to a busybox nc listening on TO's port 5001 at ADDR, within 60
# s; the sha256 must match at the far end. Returns 1 if the sender did not
# finish (its caller says why), fails on anything else.
tcp_transfer() {
	local from=$1 to=$2 addr=$3 bytes=$4 dir=$5 want got srv i
	head -c "$bytes" /dev/urandom >"$dir/tx"
	want=$(busybox sha256sum <"$dir/tx" | cut -d' ' -f1)
	rm -f "$dir/rx"
	ns_bg "$to" timeout 90 busybox nc -l -p 5001 >"$dir/rx"
	srv=$!
	defer "kill $srv"
	for i in $(seq 50); do
		ns_run_quiet "$to" busybox netstat -ltn 2>/dev/null | grep -q ':5001 ' && break
		sleep 0.1
	done
	ns_run "$from" timeout 60 bash -c "cat $dir/tx >/dev/tcp/$addr/5001" || return 1
	wait "$srv" || fail "${WHAT:+$WHAT: }TCP receiver at $addr failed"
	got=$(busybox sha256sum <"$dir/rx" | cut -d' ' -f1)
	assert_eq "$want" "$got" "${WHAT:+$WHAT: }sha256 of the $bytes bytes $addr received"
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

# --- IKEv2: strongSwan's charon in a namespace --------------------------------
#
# ike_start NS [LOAD [PRELOAD]] runs one charon in NS, with a folder of its
# own, IKE_RUN/NS (ike_dir NS): its strongswan.conf (given to charon,
# swanctl and pki in STRONGSWAN_CONF), its log (charon.log), its VICI
# socket (charon.vici, ike_uri NS), its swanctl configuration
# (swanctl/swanctl.conf, credentials in swanctl/x509ca, x509, private)
# and run/. charon 5.9.8 has its PID file compiled in
# (/var/run/charon.pid; no option, no environment variable moves it), so
# each charon runs in a mount namespace of its own (unshare -m) with its
# run/ bind-mounted over /run: two charons in one machine do not see each
# other's PID file. IKE_RUN must not be under /run, which charon no longer
# sees (default: /tmp/nfsec-ike).
#
# LOAD is the plugin list (charon.load; default IKE_PLUGINS, XFRM through
# kernel-netlink); every plugin of it must show in charon's "loaded
# plugins" line, or the start fails. charon looks for plugin files in its
# compiled-in folder only (/usr/lib/ipsec/plugins; 5.9.8 has no option
# for another one), but before that for NAME_plugin_create in the process
# itself: PRELOAD, a plugin file in any folder, is given to charon in
# LD_PRELOAD, and its name in LOAD loads it from there (without
# LD_PRELOAD: "plugin 'NAME': failed to load - NAME_plugin_create not
# found and no plugin file available"). Put it before kernel-netlink:
# the first plugin to offer the kernel's IPsec interface keeps it, and
# kernel-netlink still manages addresses and routes. IKE_CHARON_OPTS,
# when set, goes as it is inside charon { } (e.g. "retransmit_tries = 2").
#
# ike_stop NS ends that charon (SIGTERM, then SIGKILL) and removes its
# folder (and IKE_RUN once empty); the SAs and policies it leaves go with
# the namespace. At exit every charon still running is stopped so.
# ike_kill NS kills it (SIGKILL) and keeps the folder, as a crash would;
# ike_start starts it again. ike_swanctl NS ARGS... runs swanctl on NS's
# charon with NS's configuration, shown as NS's command (swanctl reaches
# charon through the socket: it runs outside NS). ike_pki NS ARGS... runs
# pki in NS's folder.
#
# The plugins of a charon, with XFRM, that speaks IKEv2 with PSKs or X.509
# certificates (openssl: AES, SHA-2, HMAC, GCM, x25519, MODP, ECDSA,
# RSA), and swanctl's and pki's (IKE_TOOL_PLUGINS). selftests/vm/run.sh
# reads both lists here and puts their plugins in the VM.
IKE_PLUGINS="random nonce openssl kdf pem pkcs1 pkcs8 x509 pubkey constraints kernel-netlink socket-default vici"
IKE_TOOL_PLUGINS="random nonce openssl pem pkcs1 pkcs8 x509 pubkey constraints"
IKE_CHARON=${IKE_CHARON:-/usr/lib/ipsec/charon}
IKE_RUN=${IKE_RUN:-/tmp/nfsec-ike}
declare -A IKE_PID IKE_DEFERRED

ike_dir() { echo "$IKE_RUN/$1"; }

# ike_certs CA_NS [NS NAME ADDR]...: a CA (ECDSA, "C=CH, O=nfsec, CN=nfsec
# test CA"), made with pki in CA_NS's folder (pki/), and for each NS a key
# and a certificate NAME.pem of that CA with ADDR as subject and SAN,
# installed with the CA's certificate in NS's swanctl folders.
ike_certs() {
	local ca=$1 d ns name addr
	d=$(ike_dir "$ca")/pki
	shift
	mkdir -p "$d"
	ike_pki "$ca" --gen --type ecdsa --size 256 --outform pem >"$d/ca.key" ||
		fail "pki: CA key"
	ike_pki "$ca" --self --ca --lifetime 30 --in "$d/ca.key" --type ecdsa \
		--dn "C=CH, O=nfsec, CN=nfsec test CA" --outform pem >"$d/ca.pem" ||
		fail "pki: CA certificate"
	while [ $# -ge 3 ]; do
		ns=$1 name=$2 addr=$3
		shift 3
		ike_pki "$ca" --gen --type ecdsa --size 256 --outform pem >"$d/$name.key" ||
			fail "pki: key of $name"
		ike_pki "$ca" --pub --in "$d/$name.key" --type ecdsa >"$d/$name.pub" ||
			fail "pki: public key of $name"
		ike_pki "$ca" --issue --lifetime 30 --cacert "$d/ca.pem" --cakey "$d/ca.key" \
			--type pub --in "$d/$name.pub" --dn "C=CH, O=nfsec, CN=$addr" \
			--san "$addr" --outform pem >"$d/$name.pem" ||
			fail "pki: certificate of $name"
		cp "$d/ca.pem" "$(ike_dir "$ns")/swanctl/x509ca/ca.pem"
		cp "$d/$name.pem" "$(ike_dir "$ns")/swanctl/x509/$name.pem"
		cp "$d/$name.key" "$(ike_dir "$ns")/swanctl/private/$name.key"
	done
}
ike_uri() { echo "unix://$IKE_RUN/$1/charon.vici"; }

# ike_conf NS LOAD: NS's strongswan.conf.
ike_conf() {
	local dir
	dir=$(ike_dir "$1")
	cat <<-CONF
	charon {
		load = $2
		install_routes = no
		threads = 8
		plugins {
			vici {
				socket = $(ike_uri "$1")
			}
		}
		filelog {
			log {
				path = $dir/charon.log
				time_format = %T
				flush_line = yes
				default = 1
				ike = 2
				knl = 2
				cfg = 2
			}
		}
		${IKE_CHARON_OPTS:-}
	}
	swanctl {
		load = $IKE_TOOL_PLUGINS
	}
	pki {
		load = $IKE_TOOL_PLUGINS
	}
	CONF
}

ike_start() {
	local ns=$1 load=${2:-$IKE_PLUGINS} preload=${3:-} dir i p loaded who out
	who="charon in ${NS_LABEL[$ns]:-$ns}"
	dir=$(ike_dir "$ns")
	[ -x "$IKE_CHARON" ] || skip "needs strongSwan's charon ($IKE_CHARON)"
	require_cmd swanctl unshare
	[ -z "$preload" ] || [ -f "$preload" ] || fail "plugin file $preload is missing"
	[ -z "${IKE_PID[$ns]:-}" ] || fail "$who is already running"
	mkdir -p "$dir/run" "$dir/swanctl/x509ca" "$dir/swanctl/x509" "$dir/swanctl/private"
	chmod 0700 "$dir/swanctl/private"
	rm -f "$dir/run/charon.pid" "$dir/charon.vici"
	ike_conf "$ns" "$load" >"$dir/strongswan.conf"
	[ -n "${IKE_DEFERRED[$ns]:-}" ] || defer "ike_stop_quiet $ns"
	IKE_DEFERRED[$ns]=1
	# LD_PRELOAD for charon only: a plugin needs libstrongswan's symbols,
	# which sh, mount and unshare lack.
	# shellcheck disable=SC2016 # sh's arguments
	ns_bg "$ns" env STRONGSWAN_CONF="$dir/strongswan.conf" \
		unshare --mount --propagation private \
		sh -c 'mount --bind "$1" /run || exit 1; [ -z "$3" ] || export LD_PRELOAD="$3"; exec "$2"' \
		sh "$dir/run" "$IKE_CHARON" "$preload" \
		>>"$dir/charon.out" 2>&1
	IKE_PID[$ns]=$!
	i=$((SECONDS + 20))
	while ! out=$(ike_swanctl_quiet "$ns" --stats 2>&1); do
		kill -0 "${IKE_PID[$ns]}" 2>/dev/null ||
			fail "$who exited: $(tail -n 5 "$dir/charon.out" "$dir/charon.log" 2>/dev/null)"
		[ "$SECONDS" -lt "$i" ] ||
			fail "$who: no answer on $(ike_uri "$ns") after 20 s: $out"
		sleep 0.1
	done
	# The PID file is in its own /run, and names the process started.
	[ "$(cat "$dir/run/charon.pid" 2>/dev/null)" = "${IKE_PID[$ns]}" ] ||
		fail "$who: its PID file $dir/run/charon.pid holds '$(cat "$dir/run/charon.pid" 2>/dev/null)', not ${IKE_PID[$ns]}"
	loaded=$(sed -n 's/.*loaded plugins: //p' "$dir/charon.log" | tail -n 1)
	for p in $load; do
		[[ " $loaded " == *" ${p%!} "* ]] ||
			fail "$who did not load plugin '${p%!}' (loaded: $loaded)"
	done
}

ike_swanctl() {
	ns_show "$1" swanctl "${@:2}"
	ike_swanctl_quiet "$@"
}

ike_swanctl_quiet() {
	local dir
	dir=$(ike_dir "$1")
	STRONGSWAN_CONF="$dir/strongswan.conf" swanctl "${@:2}" --uri "$(ike_uri "$1")" {NS_ECHO_FD}>&-
}

ike_pki() {
	local dir
	dir=$(ike_dir "$1")
	ns_show "$1" pki "${@:2}"
	(cd "$dir" && STRONGSWAN_CONF="$dir/strongswan.conf" pki "${@:2}") {NS_ECHO_FD}>&-
}

ike_stop() {
	local ns=$1 pid=${IKE_PID[$1]:-} i
	if [ -n "$pid" ]; then
		ns_show host kill "$pid" "# charon in ${NS_LABEL[$ns]:-$ns}"
		kill "$pid" 2>/dev/null || true
		for i in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	unset 'IKE_PID[$ns]'
	ike_export "$ns"
	rm -rf "$(ike_dir "$ns")"
	rmdir "$IKE_RUN" 2>/dev/null || true
}

# ike_export NS: NS's charon log to NFSEC_EXPORT/ike/, when there is one,
# for the host (appended: the same namespace's charon may run again).
ike_export() {
	local dir
	dir=$(ike_dir "$1")
	[ -n "${NFSEC_EXPORT:-}" ] && [ -f "$dir/charon.log" ] || return 0
	mkdir -p "$NFSEC_EXPORT/ike"
	cat "$dir/charon.log" >>"$NFSEC_EXPORT/ike/$TEST_NAME-${NS_LABEL[$1]:-$1}.log"
}

ike_stop_quiet() { NFSEC_ECHO=0 ike_stop "$@"; }

ike_kill() {
	local ns=$1 pid=${IKE_PID[$1]:-}
	[ -n "$pid" ] || fail "no charon in ${NS_LABEL[$ns]:-$ns} to kill"
	ns_show host kill -KILL "$pid" "# charon in ${NS_LABEL[$ns]:-$ns}"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null || true
	unset 'IKE_PID[$ns]'
}
