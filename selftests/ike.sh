#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IKEv2 with strongSwan's charon: one charon in each of two namespaces, a
# (10.0.1.1, the initiator) and b (10.0.1.2), on a veth pair; for tunnel
# mode each also has an inner address on its loopback (10.9.1.1 and
# 10.9.2.1) routed through the other. Each side's SAs go to the kernel
# through its backend: "xfrm" (charon's kernel-netlink) or "nfsec" (the
# kernel-nfsec plugin, from NFSEC_IKE_PLUGIN, with nfsec loaded): a
# pairing with an nfsec side is skipped, with the reason, while that file
# is missing, and the test skips when every pairing is. For each pairing:
#
#   (a) each case of NFSEC_IKE_CASES, AUTH-MODE-ESP: AUTH psk (a
#       pre-shared key) or cert (ECDSA certificates of a CA made with pki,
#       each with its peer's address as subject alternative name), MODE
#       transport or tunnel, ESP gcm (aes128gcm16; IKE SA
#       aes128gcm16-prfsha256-x25519) or cbc (aes128-sha256; IKE SA
#       aes128-sha256-modp2048), or AH ah (sha256, IPv4 AH padded to 32
#       bits as charon asks of XFRM): after swanctl --initiate, swanctl
#       --list-sas shows the IKE SA with its algorithms on both sides and
#       the CHILD_SA INSTALLED in that mode with that ESP algorithm, with
#       SPIs that pair up (a's inbound is b's outbound and back) and that
#       are the kernel's (each backend's SAs); a ping each way and a TCP
#       transfer whose sha256 must match pass; the capture on b's veth
#       holds ESP and nothing in the clear between a and b but IKE;
#       swanctl --terminate --ike removes every SA and policy on both
#       sides (but the bypass policies charon keeps on its own IKE
#       sockets, which ip xfrm policy lists as "socket", not "dir");
#   (b) rekeying: a CHILD_SA whose rekey_time is NFSEC_IKE_REKEY seconds
#       on a (b's never rekeys; a's IKE SA rekeys too, 7 s later) under a
#       ping every 50 ms lasting four of them, and (rekey-bytes) one that
#       rekeys when a's kernel announces its soft byte limit: swanctl
#       --list-sas, read every second on both sides, shows at least 3
#       rekeyings (4 inbound SPIs) and, by time, a new IKE SA; each kernel
#       never holds the SAs of all the CHILD_SAs (the rekeyed ones are
#       deleted), the ping loses nothing and the capture has no plaintext;
#   (c) a trap policy (start_action = trap on a): its policy in a's
#       kernel and no SA, 2 s after loading, until a's first packet to b,
#       whose acquire starts the negotiation; then a ping loses nothing;
#       --terminate leaves the trap's policy, --uninstall removes it;
#   (d) dead peer detection: with a tunnel up (dpd_delay 2 s on a,
#       dpd_action restart), b's charon is killed (SIGKILL: its SAs stay
#       in b's kernel) and started again with its configuration; a's DPD
#       finds b gone, deletes its SAs and starts again: a new CHILD_SA with
#       new SPIs, installed on both sides, a ping passes each way; a's
#       kernel holds only the new SAs, b's the new ones and those its
#       killed charon left (never deleted: XFRM keeps them until their
#       lifetime ends); --terminate leaves b only those.
#
# Knobs: NFSEC_IKE_PAIRINGS (default "nfsec-xfrm xfrm-nfsec nfsec-nfsec":
# a's backend, then b's; xfrm-xfrm checks the test itself),
# NFSEC_IKE_CASES (default "psk-transport-gcm psk-tunnel-cbc
# cert-transport-cbc cert-tunnel-gcm psk-transport-ah"), NFSEC_IKE_PARTS
# (cases, rekey, rekey-bytes, trap, dpd; by default all of them for
# nfsec-xfrm, "cases rekey" for xfrm-nfsec, all but rekey for nfsec-nfsec,
# see default_parts), NFSEC_IKE_REKEY (seconds, default
# 15), NFSEC_IKE_REKEY_BYTES, NFSEC_IKE_BYTES (the TCP transfer, default
# 200000), NFSEC_IKE_PLUGIN.
source "$(dirname "$0")/lib.sh"
require_root
require_cmd ip tcpdump swanctl pki busybox
dmesg_mark

PAIRINGS=${NFSEC_IKE_PAIRINGS:-nfsec-xfrm xfrm-nfsec nfsec-nfsec}
CASES=${NFSEC_IKE_CASES:-psk-transport-gcm psk-tunnel-cbc cert-transport-cbc cert-tunnel-gcm psk-transport-ah}
# Every part with nfsec initiating against XFRM (its CHILD_SA rekeys, its
# trap and DPD act); with XFRM initiating, the cases and the rekeying by
# time (nfsec answering the rekeys); nfsec against itself, all but the
# rekeying by time, which the two others have.
default_parts() {
	case "$1" in
	xfrm-*) echo "cases rekey" ;;
	nfsec-nfsec) echo "cases rekey-bytes trap dpd" ;;
	*) echo "cases rekey rekey-bytes trap dpd" ;;
	esac
}
REKEY=${NFSEC_IKE_REKEY:-15}
# A ping every 50 ms is 1680 bytes of IP a second each way, which each SA
# counts: the soft limit comes after about 0.7 REKEY seconds, so that four
# REKEY times hold more than three rekeyings.
REKEY_BYTES=${NFSEC_IKE_REKEY_BYTES:-$((REKEY * 1200))}
XBYTES=${NFSEC_IKE_BYTES:-200000}
# The kernel-nfsec plugin, outside charon's plugin folder
# (selftests/vm/run.sh puts build/strongswan/libstrongswan-kernel-nfsec.so
# here when it is built).
NFSEC_IKE_PLUGIN=${NFSEC_IKE_PLUGIN:-/usr/lib/nfsec/strongswan/libstrongswan-kernel-nfsec.so}
PAIRINGS=${PAIRINGS//,/ }
CASES=${CASES//,/ }

ADDR_A=10.0.1.1
ADDR_B=10.0.1.2
IN_A=10.9.1.1
IN_B=10.9.2.1
PSK=0x$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
# Short retransmissions: a dead peer is found 2 + 3 + 4.5 s after its
# last answer, not after 165 s.
export IKE_CHARON_OPTS="retransmit_timeout = 2.0
	retransmit_base = 1.5
	retransmit_tries = 2"

tmp=$(mktemp -d)
defer "rm -rf $tmp"
WHAT=""

begin() {
	WHAT=$1
	log "--- $WHAT"
}

# === the backends ==========================================================
# The one place where the sides differ by backend: the plugins their
# charon loads, and how their kernel's SAs and policies are read.

# side_missing KIND: why a side of KIND cannot run here (nothing if it
# can).
side_missing() {
	case "$1" in
	xfrm) ;;
	nfsec)
		[ -f "$NFSEC_IKE_PLUGIN" ] ||
			echo "no kernel-nfsec plugin ($NFSEC_IKE_PLUGIN is missing)"
		[ -n "$NFSEC_TOOL" ] && [ -x "$NFSEC_TOOL" ] || echo "the nfsec tool is not installed"
		;;
	*) fail "unknown backend '$1' in NFSEC_IKE_PAIRINGS" ;;
	esac
}

# side_setup KIND: the plugin list (SIDE_LOAD) and the plugin file to
# preload (SIDE_PRELOAD) of a side of KIND; nfsec loaded for an nfsec side.
side_setup() {
	case "$1" in
	xfrm)
		SIDE_LOAD=$IKE_PLUGINS
		SIDE_PRELOAD=""
		;;
	nfsec)
		nfsec_loaded || nfsec_load
		SIDE_LOAD="kernel-nfsec $IKE_PLUGINS"
		SIDE_PRELOAD=$NFSEC_IKE_PLUGIN
		;;
	esac
}

# side_spis NS KIND: the SPIs of NS's SAs in its kernel, one a line, as
# swanctl prints them (8 hex digits).
side_spis() {
	case "$2" in
	xfrm)
		ns_ip_quiet "$1" xfrm state | sed -n 's/.* spi 0x\([0-9a-f]*\) .*/\1/p' | sort
		;;
	nfsec)
		ns_run_quiet "$1" "$NFSEC_TOOL" -j sa show | grep -oE '"spi":[0-9]+' |
			while IFS=: read -r _ v; do printf '%08x\n' "$v"; done | sort
		;;
	esac
}

# side_policies NS KIND: NS's security policies in its kernel, one a line,
# sorted.
# XFRM lists the policies charon sets on its own IKE sockets (bypass, in
# and out for each of its four) among them, "socket" where others have
# their "dir": those are not the SPD's.
side_policies() {
	case "$2" in
	xfrm)
		ns_ip_quiet "$1" xfrm policy |
			awk '/^src / { sel = $0 } /^\tdir / { print sel, $1, $2 }' | sort
		;;
	# The plugin's bypass policies for charon's IKE ports, its
	# counterpart of XFRM's socket policies, are left out too.
	nfsec)
		ns_run_quiet "$1" "$NFSEC_TOOL" policy show |
			grep -vE ' proto udp .*port (500|4500) action bypass priority 0 ' |
			sort
		;;
	esac
}
# side_pol_re KIND DIR SRC DST: a regex for the line side_policies prints
# for the policy of direction DIR between the prefixes SRC and DST.
side_pol_re() {
	case "$1" in
	xfrm) echo "^src ${3//./\\.} dst ${4//./\\.} .*dir $2" ;;
	nfsec) echo "^policy dir $2 src ${3//./\\.} dst ${4//./\\.} " ;;
	esac
}
# ===========================================================================

# --- swanctl.conf ------------------------------------------------------------

# conn_conf SIDE NAME AUTH MODE ESP [CHILD_OPTS [CONN_OPTS]]: a connection
# NAME of SIDE (a or b) to the other.
conn_conf() {
	local side=$1 name=$2 auth=$3 mode=$4 esp=$5 copts=${6:-} opts=${7:-}
	local me peer in_me in_peer ike_prop prop_line ts_l ts_r
	if [ "$side" = a ]; then
		me=$ADDR_A peer=$ADDR_B in_me=$IN_A in_peer=$IN_B
	else
		me=$ADDR_B peer=$ADDR_A in_me=$IN_B in_peer=$IN_A
	fi
	case "$esp" in
	gcm) ike_prop=aes128gcm16-prfsha256-x25519 prop_line="esp_proposals = aes128gcm16" ;;
	cbc) ike_prop=aes128-sha256-modp2048 prop_line="esp_proposals = aes128-sha256" ;;
	ah) ike_prop=aes128-sha256-modp2048 prop_line="ah_proposals = sha256" ;;
	*) fail "unknown ESP '$esp'" ;;
	esac
	if [ "$mode" = tunnel ]; then
		ts_l=$in_me/32 ts_r=$in_peer/32
	else
		ts_l=dynamic ts_r=dynamic
	fi
	cat <<-EOF
	$name {
		version = 2
		local_addrs = $me
		remote_addrs = $peer
		proposals = $ike_prop
		$opts
		local {
	EOF
	if [ "$auth" = cert ]; then
		printf '\t\tauth = pubkey\n\t\tcerts = %s.pem\n\t\tid = %s\n' "$side" "$me"
	else
		printf '\t\tauth = psk\n\t\tid = %s\n' "$me"
	fi
	cat <<-EOF
		}
		remote {
			auth = $([ "$auth" = cert ] && echo pubkey || echo psk)
			id = $peer
		}
		children {
			$name {
				mode = $mode
				$prop_line
				local_ts = $ts_l
				remote_ts = $ts_r
				$copts
			}
		}
	}
	EOF
}

# load_conf NS SIDE CONNS: NS's swanctl.conf with the connections CONNS
# (conn_conf's output) and the PSK, loaded (connections no longer in it
# are unloaded).
load_conf() {
	local ns=$1 dir out
	dir=$(ike_dir "$ns")
	{
		echo "connections {"
		echo "$3"
		echo "}"
		echo "secrets {"
		printf '\tike-ab {\n\t\tid-a = %s\n\t\tid-b = %s\n\t\tsecret = %s\n\t}\n' \
			"$ADDR_A" "$ADDR_B" "$PSK"
		echo "}"
	} >"$dir/swanctl/swanctl.conf"
	out=$(ike_swanctl "$ns" --load-all --file "$dir/swanctl/swanctl.conf" 2>&1) ||
		fail "${WHAT:+$WHAT: }swanctl --load-all in ${NS_LABEL[$ns]} failed: $out"
}

# --- the X.509 credentials ----------------------------------------------------

# make_certs: a CA and a certificate for each side (ike_certs), and what
# they say.
make_certs() {
	local text
	ike_certs "$A" "$A" a $ADDR_A "$B" b $ADDR_B
	text=$(ike_pki "$A" --print --in "$(ike_dir "$A")/pki/b.pem")
	assert_match "altNames: +$ADDR_B" "$text" "b's certificate names b's address"
	assert_match 'issuer: +"C=CH, O=nfsec, CN=nfsec test CA"' "$text" "b's certificate is the CA's"
}

# --- checks --------------------------------------------------------------------

# child_line NS NAME: the CHILD_SA lines of NAME in NS's swanctl --list-sas.
child_lines() {
	ike_swanctl_quiet "$1" --list-sas --ike "$2" 2>/dev/null |
		grep -E "^ +$2: #[0-9]+, reqid [0-9]+, " || true
}

# spi NS NAME DIR: the in or out SPI of NAME's (one) installed CHILD_SA.
spi() {
	ike_swanctl_quiet "$1" --list-sas --ike "$2" 2>/dev/null |
		sed -n "s/^ *$3 \+\([0-9a-f]\{8\}\),.*/\1/p"
}

# wait_installed NS NAME: NAME's CHILD_SA INSTALLED in NS within 20 s.
wait_installed() {
	local i
	for i in $(seq 100); do
		child_lines "$1" "$2" | grep -q ', INSTALLED, ' && return 0
		sleep 0.2
	done
	fail "$WHAT: no CHILD_SA $2 INSTALLED in ${NS_LABEL[$1]} after 20 s:
$(ike_swanctl_quiet "$1" --list-sas 2>&1)"
}

# check_child NAME MODE ESP [STALE_B]: NAME's IKE SA and CHILD_SA on both
# sides, with their algorithms, SPIs that pair up and are the SAs in each
# kernel (in b's with the SPIs STALE_B, one a line, too).
check_child() {
	local name=$1 mode=${2^^} esp=$3 stale_b=${4:-} ns sas lines ike_alg esp_alg
	case "$esp" in
	gcm) ike_alg=AES_GCM_16-128/PRF_HMAC_SHA2_256/CURVE_25519 esp_alg=ESP:AES_GCM_16-128 ;;
	cbc) ike_alg=AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
	     esp_alg=ESP:AES_CBC-128/HMAC_SHA2_256_128 ;;
	ah) ike_alg=AES_CBC-128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
	    esp_alg=AH:HMAC_SHA2_256_128 ;;
	esac
	for ns in "$A" "$B"; do
		sas=$(ike_swanctl "$ns" --list-sas --ike "$name") ||
			fail "$WHAT: swanctl --list-sas in ${NS_LABEL[$ns]} failed"
		echo "$sas" | sed "s/^/${NS_LABEL[$ns]}: /" >&2
		assert_match "^$name: #[0-9]+, ESTABLISHED, IKEv2" "$sas" "$WHAT: IKE SA in ${NS_LABEL[$ns]}"
		assert_match "^ +$ike_alg\$" "$sas" "$WHAT: IKE SA's algorithms in ${NS_LABEL[$ns]}"
		lines=$(child_lines "$ns" "$name")
		assert_eq 1 "$(grep -c . <<<"$lines")" "$WHAT: CHILD_SAs of $name in ${NS_LABEL[$ns]}"
		assert_match ", INSTALLED, $mode, $esp_alg\$" "$lines" \
			"$WHAT: CHILD_SA in ${NS_LABEL[$ns]}"
	done
	SPI_AB=$(spi "$B" "$name" in)
	SPI_BA=$(spi "$A" "$name" in)
	[ -n "$SPI_AB" ] && [ -n "$SPI_BA" ] || fail "$WHAT: no inbound SPI in swanctl --list-sas"
	assert_eq "$SPI_AB" "$(spi "$A" "$name" out)" "$WHAT: a's outbound SPI is b's inbound"
	assert_eq "$SPI_BA" "$(spi "$B" "$name" out)" "$WHAT: b's outbound SPI is a's inbound"
	local want
	want=$(printf '%s\n' "$SPI_AB" "$SPI_BA" | sort)
	assert_eq "$want" "$(side_spis "$A" "$KIND_A")" "$WHAT: a's kernel SAs ($KIND_A)"
	# shellcheck disable=SC2086 # one SPI a word
	want=$(printf '%s\n' "$SPI_AB" "$SPI_BA" $stale_b | sort)
	assert_eq "$want" "$(side_spis "$B" "$KIND_B")" "$WHAT: b's kernel SAs ($KIND_B)"
}

ping_ok() {
	local from=$1 to=$2 out
	out=$(ns_run "$from" ping -c 3 -i 0.2 -W 2 "$to" 2>&1) || true
	assert_match ' 0% packet loss' "$out" "$WHAT: ping $to from ${NS_LABEL[$from]}"
}

# transfer FROM_NS TO_NS TO_ADDR: XBYTES over TCP, sha256 compared.
transfer() {
	tcp_transfer "$1" "$2" "$3" "$XBYTES" "$tmp" ||
		fail "$WHAT: TCP transfer to $3 failed"
}

# wire_check PCAP [PROTO]: PROTO (esp, the default, or ah) between a and
# b, and nothing else but IKE (and ARP): no ICMP, TCP or UDP unprotected.
wire_check() {
	local proto=${2:-esp} n clear
	n=$(tcpdump -nn -r "$1" "$proto and host $ADDR_A and host $ADDR_B" 2>/dev/null | grep -c . || true)
	clear=$(tcpdump -nn -r "$1" "not $proto and not arp and not (udp port 500 or udp port 4500)" 2>/dev/null || true)
	[ "$n" -gt 0 ] || fail "$WHAT: no ${proto^^} packet between a and b on the wire"
	[ -z "$clear" ] || fail "$WHAT: not ${proto^^} on the wire: $(head -n 3 <<<"$clear")"
	log "$WHAT: $n ${proto^^} packets on the wire, nothing else but IKE"
}

# terminate_check NAME [POLICIES]: swanctl --terminate --ike NAME on a;
# then neither side has an SA of NAME, nor any SA in its kernel, nor any
# policy but POLICIES on a (side_policies' lines; default none).
terminate_check() {
	local ns out
	out=$(ike_swanctl "$A" --terminate --ike "$1" --timeout 20 2>&1) ||
		fail "$WHAT: swanctl --terminate --ike $1 failed: $out"
	for ns in "$A" "$B"; do
		for _ in $(seq 50); do
			[ -z "$(child_lines "$ns" "$1")" ] && break
			sleep 0.2
		done
		assert_eq "" "$(ike_swanctl_quiet "$ns" --list-sas --ike "$1" 2>&1 | grep -E "^$1: " || true)" \
			"$WHAT: IKE SA $1 in ${NS_LABEL[$ns]} after --terminate"
	done
	assert_eq "" "$(side_spis "$A" "$KIND_A")" "$WHAT: a's kernel SAs after --terminate"
	assert_eq "" "$(side_spis "$B" "$KIND_B")" "$WHAT: b's kernel SAs after --terminate"
	assert_eq "${2:-}" "$(side_policies "$A" "$KIND_A")" "$WHAT: a's kernel policies after --terminate"
	assert_eq "" "$(side_policies "$B" "$KIND_B")" "$WHAT: b's kernel policies after --terminate"
}

# --- the topology --------------------------------------------------------------

setup() {
	ns_hosts A B
	veth_pair "$A" va "$B" vb
	addr_add "$A" va $ADDR_A/24
	addr_add "$B" vb $ADDR_B/24
	addr_add "$A" lo $IN_A/32
	addr_add "$B" lo $IN_B/32
	ns_ip "$A" route add $IN_B/32 via $ADDR_B src $IN_A
	ns_ip "$B" route add $IN_A/32 via $ADDR_A src $IN_B
	ns_run "$A" ping -c 1 -W 2 $ADDR_B >/dev/null || fail "no plaintext path a -> b"
	side_setup "$KIND_A"
	ike_start "$A" "$SIDE_LOAD" "$SIDE_PRELOAD"
	side_setup "$KIND_B"
	ike_start "$B" "$SIDE_LOAD" "$SIDE_PRELOAD"
	make_certs
}

teardown() {
	ike_stop "$A"
	ike_stop "$B"
	ns_destroy "$A"
	ns_destroy "$B"
}

# --- (a) the cases -------------------------------------------------------------

run_case() {
	local c=$1 auth mode esp name dst_b=$ADDR_B dst_a=$ADDR_A
	IFS=- read -r auth mode esp <<<"$c"
	[[ "$auth" =~ ^(psk|cert)$ && "$mode" =~ ^(transport|tunnel)$ && "$esp" =~ ^(gcm|cbc|ah)$ ]] ||
		fail "bad case '$c' in NFSEC_IKE_CASES (AUTH-MODE-ESP: psk|cert, transport|tunnel, gcm|cbc|ah)"
	name=${c//-/_}
	begin "$PAIRING $c"
	load_conf "$A" a "$(conn_conf a "$name" "$auth" "$mode" "$esp")"
	load_conf "$B" b "$(conn_conf b "$name" "$auth" "$mode" "$esp")"
	capture_start "$B" vb "$tmp/$c.pcap" host $ADDR_A
	ike_swanctl "$A" --initiate --child "$name" --timeout 30 >"$tmp/init.out" 2>&1 ||
		fail "$WHAT: swanctl --initiate failed: $(tail -n 5 "$tmp/init.out")"
	wait_installed "$A" "$name"
	wait_installed "$B" "$name"
	check_child "$name" "$mode" "$esp"
	if [ "$mode" = tunnel ]; then
		dst_b=$IN_B dst_a=$IN_A
	fi
	ping_ok "$A" $dst_b
	ping_ok "$B" $dst_a
	transfer "$A" "$B" $dst_b
	capture_stop
	if [ "$esp" = ah ]; then
		wire_check "$tmp/$c.pcap" ah
	else
		wire_check "$tmp/$c.pcap"
	fi
	terminate_check "$name"
	log "ok: $WHAT"
}

# --- (b) rekeying under a flow -------------------------------------------------

# run_rekey BY: BY time (a's CHILD_SA rekey_time is REKEY s, its IKE SA's
# REKEY + 7 s: the IKE SA is rekeyed too) or bytes (a's CHILD_SA rekeys
# when its kernel SAs have counted IKE_REKEY_BYTES, a soft byte limit the
# kernel announces; no time limit).
run_rekey() {
	local by=$1 count out sent got n_a n_b ping_pid max_a max_b t0 copts opts
	local ikes
	begin "$PAIRING rekey by $by under a ping"
	if [ "$by" = time ]; then
		copts="rekey_time = ${REKEY}s
		life_time = $((REKEY + 5))s"
		opts="rekey_time = $((REKEY + 7))s"
	else
		copts="rekey_time = 0
		rekey_bytes = $REKEY_BYTES
		rand_bytes = 0
		life_bytes = $((REKEY_BYTES * 2))"
		opts=""
	fi
	load_conf "$A" a "$(conn_conf a rk psk transport gcm "$copts" "$opts")"
	load_conf "$B" b "$(conn_conf b rk psk transport gcm "rekey_time = 0" "rekey_time = 0")"
	ike_swanctl "$A" --initiate --child rk --timeout 30 >"$tmp/init.out" 2>&1 ||
		fail "$WHAT: swanctl --initiate failed: $(tail -n 5 "$tmp/init.out")"
	wait_installed "$A" rk
	wait_installed "$B" rk
	check_child rk transport gcm
	capture_start "$B" vb "$tmp/rekey.pcap" host $ADDR_A
	# 20 packets a second for 4 rekey times.
	count=$((REKEY * 4 * 20))
	: >"$tmp/spis.a"
	: >"$tmp/spis.b"
	: >"$tmp/ikes.a"
	ns_bg "$A" ping -q -c "$count" -i 0.05 -W 5 $ADDR_B >"$tmp/ping.out" 2>&1
	ping_pid=$!
	max_a=0 max_b=0 t0=$SECONDS
	while kill -0 "$ping_pid" 2>/dev/null; do
		spi "$A" rk in >>"$tmp/spis.a"
		spi "$B" rk in >>"$tmp/spis.b"
		ike_swanctl_quiet "$A" --list-sas --ike rk 2>/dev/null |
			sed -n 's/^rk: #\([0-9]*\), ESTABLISHED.*/\1/p' >>"$tmp/ikes.a"
		n_a=$(side_spis "$A" "$KIND_A" | grep -c . || true)
		n_b=$(side_spis "$B" "$KIND_B" | grep -c . || true)
		[ "$n_a" -le "$max_a" ] || max_a=$n_a
		[ "$n_b" -le "$max_b" ] || max_b=$n_b
		sleep 1
	done
	wait "$ping_pid" || true
	capture_stop
	out=$(cat "$tmp/ping.out")
	log "$WHAT: $(grep 'packets transmitted' <<<"$out") in $((SECONDS - t0)) s"
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$out")
	got=$(sed -n 's/.* \([0-9]*\) \(packets \)\{0,1\}received.*/\1/p' <<<"$out")
	assert_eq "$count" "$sent" "$WHAT: pings sent"
	assert_eq "$sent" "$got" "$WHAT: pings answered (lost $((sent - got)))"
	n_a=$(sort -u "$tmp/spis.a" | grep -c .)
	n_b=$(sort -u "$tmp/spis.b" | grep -c .)
	log "$WHAT: inbound SPIs seen: a $n_a, b $n_b"
	[ "$n_a" -ge 4 ] || fail "$WHAT: a's inbound SPIs: $n_a, not 4 or more: under 3 rekeyings"
	[ "$n_b" -ge 4 ] || fail "$WHAT: b's inbound SPIs: $n_b, not 4 or more: under 3 rekeyings"
	if [ "$by" = time ]; then
		ikes=$(sort -u "$tmp/ikes.a" | grep -c .)
		log "$WHAT: IKE SAs seen on a: $ikes"
		[ "$ikes" -ge 2 ] || fail "$WHAT: the IKE SA was not rekeyed (one IKE SA seen on a)"
	fi
	# A rekeyed CHILD_SA is deleted: each kernel held, every time it was
	# read, the SAs of two CHILD_SAs at most (the new one and the one
	# being deleted), never those of all; three while a rekey and its
	# deletion cross a reading.
	log "$WHAT: SAs in the kernels at most: a $max_a, b $max_b"
	[ "$max_a" -ge 2 ] && [ "$max_a" -le 6 ] ||
		fail "$WHAT: a's kernel held up to $max_a SAs during the flow, not 2 to 6"
	[ "$max_b" -ge 2 ] && [ "$max_b" -le 6 ] ||
		fail "$WHAT: b's kernel held up to $max_b SAs during the flow, not 2 to 6"
	wire_check "$tmp/rekey.pcap"
	terminate_check rk
	log "ok: $WHAT"
}

# --- (c) a trap policy -----------------------------------------------------------

run_trap() {
	local out trap_pols
	begin "$PAIRING trap policy"
	load_conf "$A" a "$(conn_conf a tr psk transport gcm "start_action = trap")"
	load_conf "$B" b "$(conn_conf b tr psk transport gcm)"
	out=$(ike_swanctl "$A" --list-pols --trap 2>&1)
	assert_match "^tr(/tr)?, TRANSPORT" "$out" "$WHAT: a's trap policy"
	# Nothing starts it but a packet.
	sleep 2
	assert_eq "" "$(ike_swanctl_quiet "$A" --list-sas 2>&1)" "$WHAT: a's SAs 2 s later, before any packet"
	assert_eq "" "$(child_lines "$A" tr)" "$WHAT: a CHILD_SA before any packet"
	assert_eq "" "$(side_spis "$A" "$KIND_A")" "$WHAT: a's kernel SAs before any packet"
	trap_pols=$(side_policies "$A" "$KIND_A")
	assert_match "$(side_pol_re "$KIND_A" out $ADDR_A/32 $ADDR_B/32)" "$trap_pols" \
		"$WHAT: a's kernel policy for the trap"
	capture_start "$B" vb "$tmp/trap.pcap" host $ADDR_A
	# The first packet is the kernel's acquire; it may be dropped.
	ns_run "$A" ping -c 1 -W 1 $ADDR_B >/dev/null 2>&1 || true
	wait_installed "$A" tr
	wait_installed "$B" tr
	check_child tr transport gcm
	ping_ok "$A" $ADDR_B
	capture_stop
	wire_check "$tmp/trap.pcap"
	# The trap stays when the SAs go; uninstalled, it leaves nothing.
	terminate_check tr "$trap_pols"
	ike_swanctl "$A" --uninstall --child tr >/dev/null || fail "$WHAT: swanctl --uninstall failed"
	assert_eq "" "$(ike_swanctl_quiet "$A" --list-pols --trap 2>&1)" "$WHAT: a's trap after --uninstall"
	assert_eq "" "$(side_policies "$A" "$KIND_A")" "$WHAT: a's kernel policies after --uninstall"
	log "ok: $WHAT"
}

# --- (d) dead peer detection -------------------------------------------------------

run_dpd() {
	local conf_b old_ab old_ba i new stale out
	begin "$PAIRING dead peer detection"
	load_conf "$A" a "$(conn_conf a dp psk tunnel gcm "dpd_action = restart
		close_action = restart" "dpd_delay = 2s")"
	conf_b=$(conn_conf b dp psk tunnel gcm)
	load_conf "$B" b "$conf_b"
	ike_swanctl "$A" --initiate --child dp --timeout 30 >"$tmp/init.out" 2>&1 ||
		fail "$WHAT: swanctl --initiate failed: $(tail -n 5 "$tmp/init.out")"
	wait_installed "$A" dp
	wait_installed "$B" dp
	check_child dp tunnel gcm
	ping_ok "$A" $IN_B
	old_ab=$SPI_AB old_ba=$SPI_BA
	ike_kill "$B"
	side_setup "$KIND_B"
	ike_start "$B" "$SIDE_LOAD" "$SIDE_PRELOAD"
	load_conf "$B" b "$conf_b"
	# What the killed charon left in b's kernel (XFRM: both SAs; the
	# policies the new charon replaces) stays: only its own SAs.
	stale=$(side_spis "$B" "$KIND_B")
	assert_eq "" "$(grep -vxE "$old_ab|$old_ba" <<<"$stale" || true)" \
		"$WHAT: b's kernel SAs after the restart that are not the killed charon's"
	log "$WHAT: b's kernel keeps the SAs of its killed charon: $(xargs <<<"$stale")"
	# DPD: 2 s, then 2 + 3 + 4.5 s of retransmissions; then a new
	# IKE_SA_INIT.
	for i in $(seq 60); do
		new=$(spi "$A" dp in)
		[ -n "$new" ] && [ "$new" != "$old_ba" ] && break
		sleep 1
	done
	[ -n "$new" ] && [ "$new" != "$old_ba" ] ||
		fail "$WHAT: a kept its CHILD_SA with b's dead charon for 60 s"
	log "$WHAT: a's new CHILD_SA after $i s"
	wait_installed "$A" dp
	wait_installed "$B" dp
	check_child dp tunnel gcm "$stale"
	[ "$SPI_AB" != "$old_ab" ] && [ "$SPI_BA" != "$old_ba" ] ||
		fail "$WHAT: the SPIs did not change"
	ping_ok "$A" $IN_B
	ping_ok "$B" $IN_A
	# Terminating removes a's SAs and policies and b's new ones.
	out=$(ike_swanctl "$A" --terminate --ike dp --timeout 20 2>&1) ||
		fail "$WHAT: swanctl --terminate --ike dp failed: $out"
	assert_eq "" "$(side_spis "$A" "$KIND_A")" "$WHAT: a's kernel SAs after --terminate"
	assert_eq "" "$(side_policies "$A" "$KIND_A")" "$WHAT: a's kernel policies after --terminate"
	assert_eq "$stale" "$(side_spis "$B" "$KIND_B")" "$WHAT: b's kernel SAs after --terminate"
	assert_eq "" "$(side_policies "$B" "$KIND_B")" "$WHAT: b's kernel policies after --terminate"
	log "ok: $WHAT"
}

# --- the pairings -----------------------------------------------------------------

RAN=0
SKIPPED=""
for PAIRING in $PAIRINGS; do
	[[ "$PAIRING" =~ ^[a-z]+-[a-z]+$ ]] || fail "bad pairing '$PAIRING' (KIND-KIND)"
	KIND_A=${PAIRING%-*}
	KIND_B=${PAIRING#*-}
	why=$(side_missing "$KIND_A"; side_missing "$KIND_B")
	if [ -n "$why" ]; then
		why=$(sort -u <<<"$why" | paste -sd ';' | sed 's/;/; /g')
		log "SKIP $PAIRING: $why"
		SKIPPED="${SKIPPED:+$SKIPPED, }$PAIRING: $why"
		continue
	fi
	PARTS=${NFSEC_IKE_PARTS:-$(default_parts "$PAIRING")}
	setup
	for part in ${PARTS//,/ }; do
		case "$part" in
		cases) for c in $CASES; do run_case "$c"; done ;;
		rekey) run_rekey time ;;
		rekey-bytes) run_rekey bytes ;;
		trap) run_trap ;;
		dpd) run_dpd ;;
		*) fail "unknown part '$part' in NFSEC_IKE_PARTS" ;;
		esac
	done
	teardown
	RAN=$((RAN + 1))
done
[ "$RAN" -gt 0 ] || skip "$SKIPPED"
dmesg_check
[ -z "$SKIPPED" ] || log "skipped: $SKIPPED"
log "PASS"
exit 0
