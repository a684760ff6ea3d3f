#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The nfsec demo, narrated: Alice writes to Bob through Trudy's router.
#
#        alice                     trudy                      bob
#   +-------------+        +------------------+        +-------------+
#   | 10.0.1.1    |eth0--a0| 10.0.1.254       |b0--eth0| 10.0.2.2    |
#   |             |        | 10.0.2.254       |        |             |
#   +-------------+        +------------------+        +-------------+
#                           captures on a0 (what Alice sends),
#                           injects out of b0 (towards Bob)
#
# Trudy routes between the two links; she captures everything Alice sends
# and can send anything to Bob. Every SA and policy is made by the nfsec
# tool, from keys made by `nfsec genkey`, and every command is printed as
# "who# command" (run in that namespace, in a scratch directory that holds
# the keys, letters and captures). The steps:
#   1. no protection: the letter in the clear in Trudy's capture;
#   2. ESP: only protocol 50 on the wire, Bob receives the letter intact;
#   3. Trudy replays Alice's ESP packets: Bob's drop-replay rises by
#      exactly their number;
#   4. Trudy flips one byte of a held-back packet: Bob's drop-icv rises by
#      one; the same packet unmodified is then accepted;
#   5. Trudy sends plaintext posing as Alice: Bob's inbound policy drops it
#      (drop-policy of the SA, namespace counter plaintext);
#   6. AH: Trudy reads the letter, but a byte of it flipped is an ICV
#      failure at Bob (drop-icv +1), and the sender address changed to
#      hers finds no SA at Bob (no-sa +1);
#   7. the per-SA counters and `nfsec -s show`, checked against the steps;
#   8. ESP over IPv6;
#   9. the handshake: the hand-typed SAs flushed, Alice's and Bob's charons
#      (strongSwan, with the kernel-nfsec plugin) authenticate each other
#      with certificates of a CA made with pki and agree on ESP SAs, which
#      nfsec shows with request ids nobody typed; the letter goes through
#      them, Trudy's capture holds only IKE and ESP, and terminating the
#      IKE SA leaves nfsec no SA.
# Each expectation is checked; a failed one does not stop the demo, which
# ends with the list of those that failed and exits 1 (0 if all held).
# Commands that set the scene must work: if one fails, the demo stops.
#
# Colour: NFSEC_DEMO_COLOUR=1 (0: plain; default: colour on a terminal).
# selftests/vm/run.sh --demo demo.sh runs it on the VM console; `make
# demo` does that; as a selftest it runs under the kselftest runner.
# The demo shows the commands of its story itself: lib.sh's own showing of
# commands is off (NFSEC_ECHO=1 turns it on).
NFSEC_ECHO=${NFSEC_ECHO:-0}
source "$(dirname "$0")/lib.sh"
require_root
require_tool
require_cmd ip tcpdump ss busybox timeout
HERE=$(cd "$(dirname "$0")" && pwd)
[ -x "$HERE/pktinject" ] || fail "$HERE/pktinject is missing (make -C selftests)"

colour=${NFSEC_DEMO_COLOUR:-}
if [ -z "$colour" ]; then
	colour=0
	[ -t 1 ] && colour=1
fi
if [ "$colour" = 1 ]; then
	C_HEAD=$'\e[1;34m' C_CMD=$'\e[36m' C_OUT=$'\e[2m' C_EXP=$'\e[33m'
	C_OK=$'\e[1;32m' C_BAD=$'\e[1;31m' C_OFF=$'\e[0m'
else
	C_HEAD='' C_CMD='' C_OUT='' C_EXP='' C_OK='' C_BAD='' C_OFF=''
fi

# pktinject, next to this script, is called by name in the commands shown.
export PATH="$HERE:$PATH"
WORK=$(mktemp -d)
defer "rm -rf $WORK"
ALICE_IP=10.0.1.1
BOB_IP=10.0.2.2
TRUDY_A=10.0.1.254
TRUDY_B=10.0.2.254
PORT=5000
SPI_AB=0x1000 SPI_BA=0x2000 AH_AB=0x3000 AH_BA=0x4000
ALICE_IP6=2001:db8:1::1
BOB_IP6=2001:db8:2::2
TRUDY_A6=2001:db8:1::fe
TRUDY_B6=2001:db8:2::fe
SPI6_AB=0x5000 SPI6_BA=0x6000

# --- narration --------------------------------------------------------------

STEP=setup
FAILED=()
NCHECKS=0

heading() {
	STEP=$1
	shift
	printf '\n%s=== %s. %s ===%s\n' "$C_HEAD" "$STEP" "$*" "$C_OFF"
}

say() { printf '%s\n' "$*"; }

expect() { printf '%sExpected:%s %s\n' "$C_EXP" "$C_OFF" "$*"; }

# check DESC CMD...: one expectation. CMD runs in a subshell; it holds if
# CMD succeeds. A failure is shown with CMD's message and remembered.
check() {
	local desc=$1 out
	shift
	NCHECKS=$((NCHECKS + 1))
	if out=$("$@" 2>&1); then
		printf '  %s[ ok ]%s %s\n' "$C_OK" "$C_OFF" "$desc"
	else
		printf '  %s[FAIL]%s %s\n' "$C_BAD" "$C_OFF" "$desc"
		[ -z "$out" ] || sed 's/^/         /' <<<"$out"
		FAILED+=("step $STEP: $desc")
	fi
}

# Namespaces by the name of who lives there.
declare -A NS

# shown WHO CMD: print "WHO# CMD", run CMD with bash in WHO's namespace and
# the scratch directory, print its output indented; CMD's exit status.
shown() {
	local out rc=0
	printf '%s%s# %s%s\n' "$C_CMD" "$1" "$2" "$C_OFF"
	out=$(sh_in "$1" "$2" 2>&1) || rc=$?
	[ -z "$out" ] || printf '%s%s%s\n' "$C_OUT" "$(sed 's/^/    /' <<<"$out")" "$C_OFF"
	return "$rc"
}

# run WHO CMD: shown; CMD must succeed.
run() {
	local rc=0
	shown "$1" "$2" || rc=$?
	[ "$rc" = 0 ] || fail "step $STEP: '$2' in $1's namespace failed (exit $rc)"
}

# try WHO CMD DESC: shown; CMD failing is a failed expectation DESC (and
# the return value), not the end of the demo.
try() {
	shown "$1" "$2" && return 0
	check "$3" false
	return 1
}

# run_bg WHO CMD: the same in the background, its PID in BG_PID.
run_bg() {
	printf '%s%s# %s &%s\n' "$C_CMD" "$1" "$2" "$C_OFF"
	sh_in "$1" "$2" &
	BG_PID=$!
	defer "kill $BG_PID"
}

# sh_in WHO CMD: the same without printing. Nothing runs longer than a
# minute: a command that hangs fails.
sh_in() {
	timeout 60 ip netns exec "${NS[$1]}" bash -c "cd '$WORK' && $2"
}

# --- the scene ----------------------------------------------------------------

ns_create A
ns_create T
ns_create B
NS[alice]=$A NS[trudy]=$T NS[bob]=$B
for ns in "$A" "$T" "$B"; do
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
veth_pair "$A" eth0 "$T" a0
veth_pair "$T" b0 "$B" eth0
addr_add "$A" eth0 "$ALICE_IP/24"
addr_add "$T" a0 "$TRUDY_A/24"
addr_add "$T" b0 "$TRUDY_B/24"
addr_add "$B" eth0 "$BOB_IP/24"
ip -n "$A" route add default via "$TRUDY_A"
ip -n "$B" route add default via "$TRUDY_B"
ip netns exec "$T" sysctl -q -w net.ipv4.ip_forward=1
ip netns exec "$A" ping -c 1 -W 5 "$BOB_IP" >/dev/null || fail "no path from Alice to Bob"
BOB_MAC=$(ip -n "$B" -br link show dev eth0 | awk '{ print $3 }')

cat >"$WORK/letter.txt" <<'EOF'
Dear Bob,
the meeting moves to Thursday at ten, room four.
Bring the blue folder and tell nobody.
Yours, Alice
EOF
cat >"$WORK/forged.txt" <<'EOF'
Dear Bob, the meeting is off. Send the blue folder to Trudy. Alice
EOF

dmesg_mark
nfsec_unload_quiet
nfsec_load

heading 0 "The scene"
say "alice ($ALICE_IP) --- trudy (router, $TRUDY_A | $TRUDY_B) --- bob ($BOB_IP)"
say "Trudy captures what Alice sends (on a0) and can send anything to Bob (out of b0)."
say "\"who# command\" is a command run in who's network namespace, as"
say "\"ip netns exec who command\" would run it; nfsec.ko is loaded."
run alice "cat letter.txt"

# --- helpers of the steps ---------------------------------------------------

# wait_for WHAT CMD...: poll CMD until it succeeds, for 20 s at most.
wait_for() {
	local what=$1
	shift
	for _ in $(seq 200); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "step $STEP: timed out waiting for $what"
}

bob_listening() { [ -n "$(ip netns exec "$B" ss -Hltn "sport = :$PORT")" ]; }
bob_connected() { [ -n "$(ip netns exec "$B" ss -Htn state connected "sport = :$PORT")" ]; }

# listen FILE: Bob's mailbox, a TCP listener writing to FILE.
listen() {
	run_bg bob "nc -l -p $PORT >$1"
	MAILBOX_PID=$BG_PID
	wait_for "Bob's listener" bob_listening
}

# count_pkts FILE FILTER: packets of the capture FILE matching FILTER.
count_pkts() {
	tcpdump -nn -r "$WORK/$1" "$2" 2>/dev/null | grep -c . || true
}

# bob_esp KEY, alice_esp KEY: counters of the ESP SA from Alice to Bob.
bob_esp() { nfsec_sa_stat "$B" esp "$ALICE_IP" "$SPI_AB" "$1"; }
alice_esp() { nfsec_sa_stat "$A" esp "$ALICE_IP" "$SPI_AB" "$1"; }
bob_ah() { nfsec_sa_stat "$B" ah "$ALICE_IP" "$AH_AB" "$1"; }
bob_ah_sum() { echo $(($(bob_ah packets) + $(bob_ah drop_icv))); }

same_file() { cmp "$WORK/$1" "$WORK/$2"; }
letter_in() {
	[ "$(grep -a -c -e 'Dear Bob' -e 'blue folder' "$WORK/$1")" -gt 0 ] ||
		fail "no line of the letter in $1"
}
letter_not_in() {
	local n
	n=$(grep -a -c -e 'Dear Bob' -e 'blue folder' -e 'Thursday' "$WORK/$1" || true)
	assert_eq 0 "$n" "lines of the letter in $1"
}

# eq EXPECTED CMD...: CMD prints EXPECTED.
eq() {
	local want=$1
	shift
	assert_eq "$want" "$("$@")" "$*"
}

# send_letter INBOX ADDR DESC: Bob's mailbox INBOX, and Alice's letter
# sent to it at ADDR; her sending is the expectation DESC (false if it
# failed).
send_letter() {
	listen "$1"
	if try alice "cat letter.txt >/dev/tcp/$2/$PORT" "$3"; then
		wait "$MAILBOX_PID" || fail "step $STEP: Bob's listener failed"
		return 0
	fi
	kill "$MAILBOX_PID" 2>/dev/null || true
	wait "$MAILBOX_PID" || true
	return 1
}

# letter PCAP INBOX SHOW: Trudy captures on a0 into PCAP while Alice
# sends the letter to Bob's mailbox INBOX; Bob reads it, Trudy looks at
# her capture with SHOW (a command that reads PCAP). Alice's sending is an
# expectation: if it fails, so does letter.
letter() {
	local pcap=$1 inbox=$2 show=$3 pid ok=1
	capture_start "$T" a0 "$WORK/$pcap" ip
	pid=$CAP_PID
	say "(trudy# tcpdump -i a0 -w $pcap ip &)"
	send_letter "$inbox" "$BOB_IP" "Alice's letter went out" || ok=0
	capture_stop "$pid"
	run bob "cat $inbox"
	run trudy "tcpdump -nn -r $pcap 2>/dev/null | head -n 4"
	run trudy "$show"
	[ "$ok" = 1 ]
}

# --- 1. no protection -------------------------------------------------------

heading 1 "No protection"
expect "Bob receives the letter; Trudy's capture shows it in the clear."
letter step1.pcap inbox1.txt "strings -n 8 step1.pcap" || true
check "Bob received the letter intact" same_file letter.txt inbox1.txt
check "Trudy's capture holds the letter in the clear" letter_in step1.pcap

# --- 2. ESP -----------------------------------------------------------------

heading 2 "ESP"
expect "the keys are made by nfsec genkey and reach both sides on a safe path"
expect "(here a shared file); one SA per direction, a policy per direction."
run alice "nfsec genkey aes-gcm-128 >alice-to-bob.key"
run bob "nfsec genkey aes-gcm-128 >bob-to-alice.key"
for who in alice bob; do
	run "$who" "nfsec sa add proto esp src $ALICE_IP dst $BOB_IP spi $SPI_AB aead aes-gcm @alice-to-bob.key"
	run "$who" "nfsec sa add proto esp src $BOB_IP dst $ALICE_IP spi $SPI_BA aead aes-gcm @bob-to-alice.key"
done
run alice "nfsec policy add dir out src $ALICE_IP dst $BOB_IP action protect sa proto esp src $ALICE_IP spi $SPI_AB"
run alice "nfsec policy add dir in src $BOB_IP dst $ALICE_IP action protect sa proto esp src $BOB_IP spi $SPI_BA"
run bob "nfsec policy add dir out src $BOB_IP dst $ALICE_IP action protect sa proto esp src $BOB_IP spi $SPI_BA"
run bob "nfsec policy add dir in src $ALICE_IP dst $BOB_IP action protect sa proto esp src $ALICE_IP spi $SPI_AB"
run bob "nfsec show"
expect "Trudy's capture shows protocol 50 and no letter; Bob receives it intact."
# The whole wire from here on, for step 7.
capture_start "$T" a0 "$WORK/wire.pcap" ip
CAPW=$CAP_PID
letter step2.pcap inbox2.txt \
	"strings -n 8 step2.pcap | grep -c -e Dear -e folder -e Thursday || true" || true
N_ESP=$(count_pkts step2.pcap "ip[9] = 50 and src $ALICE_IP and ip[20:4] = $SPI_AB")
check "Bob received the letter intact" same_file letter.txt inbox2.txt
check "no line of the letter in Trudy's capture" letter_not_in step2.pcap
check "Trudy captured ESP from Alice ($N_ESP packets)" test "$N_ESP" -gt 0
check "every IP packet Trudy captured is ESP (protocol 50)" \
	eq 0 count_pkts step2.pcap "not ip[9] = 50"
check "Bob's SA counted exactly the $N_ESP ESP packets Alice sent" eq "$N_ESP" bob_esp packets

# --- 3. replay ----------------------------------------------------------------

heading 3 "Trudy replays"
expect "Trudy re-sends the $N_ESP ESP packets of step 2 to Bob: they are"
expect "authentic but old, so Bob drops all $N_ESP; drop-replay rises by exactly $N_ESP."
p0=$(bob_esp packets) r0=$(bob_esp drop_replay)
run trudy "pktinject -i b0 --dmac $BOB_MAC -r step2.pcap --spi $SPI_AB"
check "Bob's drop-replay rose by exactly $N_ESP" expect_delta drop-replay "$r0" "$N_ESP" bob_esp drop_replay
check "Bob accepted none of them" expect_delta packets "$p0" 0 bob_esp packets
run bob "nfsec -s sa get proto esp src $ALICE_IP spi $SPI_AB"

# hold FILE PROTO SPI: Alice connects to Bob's mailbox FILE; once the
# connection is open Trudy stops forwarding to Bob and captures what Alice
# sends next (Alice's letter, protocol PROTO, SPI) into hold.pcap.
hold() {
	local file=$1 proto=$2 spi=$3
	listen "$file"
	rm -f "$WORK/go"
	mkfifo "$WORK/go"
	run_bg alice "exec 3>/dev/tcp/$BOB_IP/$PORT && read -r _ <go && cat letter.txt >&3"
	SENDER_PID=$BG_PID
	wait_for "Alice's connection" bob_connected
	say "(Alice's connection is open; she writes once Trudy is ready)"
	run trudy "ip route add blackhole $BOB_IP/32"
	capture_start "$T" a0 "$WORK/hold.pcap" "ip proto $proto"
	HOLD_PID=$CAP_PID
	say "(trudy# tcpdump -i a0 -w hold.pcap ip proto $proto)"
	echo go >"$WORK/go"
	HOLD_FILTER="ip[9] = $proto and src $ALICE_IP and ip[20:4] = $spi and greater 200"
	[ "$proto" = 51 ] && HOLD_FILTER="ip[9] = 51 and src $ALICE_IP and ip[24:4] = $spi and greater 200"
	wait_for "Alice's letter in Trudy's capture" held
}

held() { [ "$(count_pkts hold.pcap "$HOLD_FILTER")" -gt 0 ]; }

# release FILE: Trudy forwards to Bob again; Alice's connection ends and
# Bob's mailbox FILE must hold the letter.
release() {
	run trudy "ip route del blackhole $BOB_IP/32"
	wait "$SENDER_PID" || fail "step $STEP: Alice's sender failed"
	wait "$MAILBOX_PID" || fail "step $STEP: Bob's listener failed"
	capture_stop "$HOLD_PID"
	check "Bob received the letter intact" same_file letter.txt "$1"
}

# --- 4. tampering -----------------------------------------------------------

heading 4 "Trudy flips a byte"
expect "Trudy holds back Alice's next packet, inverts one byte of its ciphertext"
expect "and sends it on: Bob drops it as an ICV failure (drop-icv +1). The same"
expect "packet unmodified is then accepted: the flipped byte was the reason."
hold inbox4.txt 50 "$SPI_AB"
p0=$(bob_esp packets) i0=$(bob_esp drop_icv)
run trudy "pktinject -i b0 --dmac $BOB_MAC -r hold.pcap --spi $SPI_AB -n 1 --flip 16"
check "Bob's drop-icv rose by exactly 1" expect_delta drop-icv "$i0" 1 bob_esp drop_icv
check "Bob accepted nothing" expect_delta packets "$p0" 0 bob_esp packets
run trudy "pktinject -i b0 --dmac $BOB_MAC -r hold.pcap --spi $SPI_AB -n 1"
check "the same packet unmodified is accepted (packets +1)" expect_delta packets "$p0" 1 bob_esp packets
check "and does not count as an ICV failure" expect_delta drop-icv "$i0" 1 bob_esp drop_icv
release inbox4.txt
run bob "nfsec -s sa get proto esp src $ALICE_IP spi $SPI_AB"

# --- 5. plaintext posing as Alice ---------------------------------------------

heading 5 "Trudy poses as Alice"
expect "Trudy sends Bob her forged letter over UDP, first from her own address:"
expect "Bob's kernel takes it (no one listens on port $PORT/udp: Udp NoPorts +1)."
expect "Then the same datagram with Alice's address as its source: plaintext"
expect "where Bob's inbound policy demands ESP, dropped (drop-policy of the SA"
expect "from Alice +1, plaintext +1 in 'nfsec stats'), never delivered."
capture_start "$T" b0 "$WORK/step5.pcap" udp
CAP5=$CAP_PID
say "(trudy# tcpdump -i b0 -w step5.pcap udp)"
u0=$(snmp "$B" Udp NoPorts)
run trudy "cat forged.txt >/dev/udp/$BOB_IP/$PORT"
capture_stop "$CAP5"
check "Bob's kernel received the datagram from Trudy's address (NoPorts +1)" \
	expect_delta Udp-NoPorts "$u0" 1 snmp "$B" Udp NoPorts
d0=$(bob_esp drop_policy) s0=$(nfsec_nstat "$B" plaintext)
run trudy "pktinject -i b0 -r step5.pcap --src $ALICE_IP"
check "Bob's drop-policy (SA from Alice) rose by exactly 1" \
	expect_delta drop-policy "$d0" 1 bob_esp drop_policy
check "Bob's namespace counter plaintext rose by exactly 1" \
	expect_delta plaintext "$s0" 1 nfsec_nstat "$B" plaintext
check "the forged datagram did not reach Bob's UDP (NoPorts unchanged)" \
	expect_delta Udp-NoPorts "$u0" 1 snmp "$B" Udp NoPorts
run bob "nfsec stats"

# --- 6. AH -------------------------------------------------------------------

heading 6 "AH"
expect "AH authenticates without encrypting: Trudy reads the letter in her"
expect "capture (protocol 51), yet cannot change it, nor its sender address."
run alice "nfsec genkey hmac-sha256 >ah-alice-to-bob.key"
run bob "nfsec genkey hmac-sha256 >ah-bob-to-alice.key"
for who in alice bob; do
	run "$who" "nfsec sa add proto ah src $ALICE_IP dst $BOB_IP spi $AH_AB auth hmac-sha256 @ah-alice-to-bob.key"
	run "$who" "nfsec sa add proto ah src $BOB_IP dst $ALICE_IP spi $AH_BA auth hmac-sha256 @ah-bob-to-alice.key"
	run "$who" "nfsec policy flush"
done
run alice "nfsec policy add dir out src $ALICE_IP dst $BOB_IP action protect sa proto ah src $ALICE_IP spi $AH_AB"
run alice "nfsec policy add dir in src $BOB_IP dst $ALICE_IP action protect sa proto ah src $BOB_IP spi $AH_BA"
run bob "nfsec policy add dir out src $BOB_IP dst $ALICE_IP action protect sa proto ah src $BOB_IP spi $AH_BA"
run bob "nfsec policy add dir in src $ALICE_IP dst $BOB_IP action protect sa proto ah src $ALICE_IP spi $AH_AB"
ah_ok=1
letter step6.pcap inbox6.txt "strings -n 8 step6.pcap" || ah_ok=0
N_AH=$(count_pkts step6.pcap "ip[9] = 51 and src $ALICE_IP and ip[24:4] = $AH_AB")
check "Bob received the letter intact" same_file letter.txt inbox6.txt
check "Trudy's capture holds the letter in the clear" letter_in step6.pcap
check "Trudy captured AH from Alice ($N_AH packets)" test "$N_AH" -gt 0
check "every IP packet Trudy captured is AH (protocol 51)" \
	eq 0 count_pkts step6.pcap "not ip[9] = 51"
check "Bob's AH SA counted exactly the $N_AH packets Alice sent" eq "$N_AH" bob_ah packets

# ah_tamper: step 6 once AH carries traffic.
ah_tamper() {
	local p0 i0 n0
	expect "Trudy holds back Alice's next letter and flips one byte of its text"
	expect "(past the 32 bytes of AH header and the 32 of TCP): Bob's AH SA counts"
	expect "an ICV failure. Then she changes only the sender address of the same"
	expect "packet to her own: Bob has no SA from her (an SA is named by protocol,"
	expect "sender and SPI), so nfsec counts it as no-sa and nothing is accepted."
	hold inbox6b.txt 51 "$AH_AB"
	p0=$(bob_ah packets) i0=$(bob_ah drop_icv)
	run trudy "pktinject -i b0 --dmac $BOB_MAC -r hold.pcap -f 51 -n 1 --flip 70"
	check "Bob's AH drop-icv rose by exactly 1 (payload changed)" \
		expect_delta drop-icv "$i0" 1 bob_ah drop_icv
	check "Bob accepted nothing" expect_delta packets "$p0" 0 bob_ah packets
	n0=$(nfsec_nstat "$B" no_sa)
	run trudy "pktinject -i b0 --dmac $BOB_MAC -r hold.pcap -f 51 -n 1 --src $TRUDY_A"
	check "sender address changed: Bob's no-sa rose by exactly 1" \
		expect_delta no-sa "$n0" 1 nfsec_nstat "$B" no_sa
	check "Bob accepted nothing, no further ICV failure" \
		expect_delta packets-and-icv "$((p0 + i0 + 1))" 0 bob_ah_sum
	run trudy "pktinject -i b0 --dmac $BOB_MAC -r hold.pcap -f 51 -n 1"
	check "the same packet unmodified is accepted (packets +1)" \
		expect_delta packets "$p0" 1 bob_ah packets
	release inbox6b.txt
}

if [ "$ah_ok" = 1 ]; then
	ah_tamper
else
	check "tampering with AH tried (it needs AH traffic)" false
fi
run bob "nfsec -s sa get proto ah src $ALICE_IP spi $AH_AB"

# --- 7. counters ----------------------------------------------------------------

heading 7 "The counters"
expect "Bob's ESP SA from Alice shows exactly what Trudy did: drop-replay $N_ESP,"
expect "drop-icv 1, drop-policy 1; his AH SA from Alice drop-icv 1; his namespace"
expect "plaintext 1, no-sa 1; Alice's ESP SA counted every ESP packet Trudy saw."
capture_stop "$CAPW"
run alice "nfsec -s show"
run bob "nfsec -s show"
show=$(ip netns exec "$B" "$NFSEC_TOOL" -s show)
# sa_stats_line TEXT SPI: the stats line of the SA with SPI in `nfsec -s show`.
sa_stats_line() {
	awk -v spi="$(printf 'spi 0x%08x' "$2")" '/^sa / { on = index($0, spi) > 0 } on && /^ +stats / { print; exit }' <<<"$1"
}
esp_line=$(sa_stats_line "$show" "$SPI_AB")
check "Bob's 'nfsec -s show': drop-replay $N_ESP" assert_match " drop-replay $N_ESP( |$)" "$esp_line" "stats line"
check "Bob's 'nfsec -s show': drop-icv 1" assert_match " drop-icv 1( |$)" "$esp_line" "stats line"
check "Bob's 'nfsec -s show': drop-policy 1" assert_match " drop-policy 1( |$)" "$esp_line" "stats line"
check "Bob's 'nfsec -s show': plaintext 1" assert_match "^stats .* plaintext 1( |$)" "$show" "nfsec -s show"
ah_line=$(sa_stats_line "$show" "$AH_AB")
check "Bob's 'nfsec -s show': AH drop-icv 1" assert_match " drop-icv 1( |$)" "$ah_line" "AH stats line"
check "Bob's 'nfsec -s show': no-sa 1" assert_match "^stats no-sa 1( |$)" "$show" "nfsec -s show"
N_WIRE=$(count_pkts wire.pcap "ip[9] = 50 and src $ALICE_IP and ip[20:4] = $SPI_AB")
check "Alice's SA sent exactly the $N_WIRE ESP packets Trudy saw" eq "$N_WIRE" alice_esp packets

# --- 8. IPv6 -----------------------------------------------------------------

heading 8 "The same over IPv6"
expect "Alice and Bob get IPv6 addresses, Trudy routes them; with ESP SAs of"
expect "IPv6 addresses, Trudy's capture holds only ESP and Bob gets the letter."
for ns in "$A" "$T" "$B"; do
	ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=0 \
		net.ipv6.conf.default.disable_ipv6=0 net.ipv6.conf.eth0.disable_ipv6=0 \
		2>/dev/null || true
done
ip netns exec "$T" sysctl -q -w net.ipv6.conf.a0.disable_ipv6=0 \
	net.ipv6.conf.b0.disable_ipv6=0 net.ipv6.conf.all.forwarding=1
ip -n "$A" addr add "$ALICE_IP6/64" dev eth0 nodad
ip -n "$T" addr add "$TRUDY_A6/64" dev a0 nodad
ip -n "$T" addr add "$TRUDY_B6/64" dev b0 nodad
ip -n "$B" addr add "$BOB_IP6/64" dev eth0 nodad
ip -n "$A" -6 route add default via "$TRUDY_A6"
ip -n "$B" -6 route add default via "$TRUDY_B6"
expect "New keys: no key serves two SAs."
run alice "nfsec genkey aes-gcm-128 >alice-to-bob6.key"
run bob "nfsec genkey aes-gcm-128 >bob-to-alice6.key"
for who in alice bob; do
	run "$who" "nfsec sa add proto esp src $ALICE_IP6 dst $BOB_IP6 spi $SPI6_AB aead aes-gcm @alice-to-bob6.key"
	run "$who" "nfsec sa add proto esp src $BOB_IP6 dst $ALICE_IP6 spi $SPI6_BA aead aes-gcm @bob-to-alice6.key"
done
run alice "nfsec policy add dir out src $ALICE_IP6 dst $BOB_IP6 action protect sa proto esp src $ALICE_IP6 spi $SPI6_AB"
run alice "nfsec policy add dir in src $BOB_IP6 dst $ALICE_IP6 action protect sa proto esp src $BOB_IP6 spi $SPI6_BA"
run bob "nfsec policy add dir out src $BOB_IP6 dst $ALICE_IP6 action protect sa proto esp src $BOB_IP6 spi $SPI6_BA"
run bob "nfsec policy add dir in src $ALICE_IP6 dst $BOB_IP6 action protect sa proto esp src $ALICE_IP6 spi $SPI6_AB"
# Neighbour discovery and MLD (ICMPv6, after a hop-by-hop header) aside.
capture_start "$T" a0 "$WORK/step8.pcap" "ip6 and not icmp6 and not ip6[6] = 0"
pid=$CAP_PID
say "(trudy# tcpdump -i a0 -w step8.pcap 'ip6 and not icmp6 and not ip6[6] = 0' &)"
send_letter inbox8.txt "$BOB_IP6" "Alice's letter went out over IPv6" || true
capture_stop "$pid"
run bob "cat inbox8.txt"
run trudy "tcpdump -nn -r step8.pcap 2>/dev/null | head -n 4"
N_ESP6=$(count_pkts step8.pcap "ip6[6] = 50 and src $ALICE_IP6")
bob_esp6() { nfsec_sa_stat "$B" esp "$ALICE_IP6" "$SPI6_AB" "$1"; }
check "Bob received the letter intact" same_file letter.txt inbox8.txt
check "no line of the letter in Trudy's capture" letter_not_in step8.pcap
check "Trudy captured ESP over IPv6 from Alice ($N_ESP6 packets)" test "$N_ESP6" -gt 0
check "every IPv6 packet Trudy captured (neighbour discovery aside) is ESP" \
	eq 0 count_pkts step8.pcap "not ip6[6] = 50"
check "Bob's SA counted exactly the $N_ESP6 ESP packets Alice sent" eq "$N_ESP6" bob_esp6 packets

# --- 9. IKEv2 ------------------------------------------------------------------

IKE_PLUGIN=/usr/lib/nfsec/strongswan/libstrongswan-kernel-nfsec.so

# ike_conf_of WHO ME PEER: WHO's swanctl.conf: IKEv2 to PEER, each
# authenticated by a certificate of the CA, ESP in transport mode.
ike_conf_of() {
	local t='    '
	printf '%s\n' "connections {" "${t}letter {" \
		"$t${t}local_addrs = $2" "$t${t}remote_addrs = $3" \
		"$t${t}proposals = aes128gcm16-prfsha256-x25519" \
		"$t${t}local {" "$t$t${t}auth = pubkey" "$t$t${t}certs = $1.pem" \
		"$t$t${t}id = $2" "$t$t}" \
		"$t${t}remote {" "$t$t${t}auth = pubkey" "$t$t${t}id = $3" "$t$t}" \
		"$t${t}children {" "$t$t${t}letter {" "$t$t$t${t}mode = transport" \
		"$t$t$t${t}esp_proposals = aes128gcm16" "$t$t$t}" "$t$t}" "$t}" "}"
}

ike_step() {
	local who ns me peer pid out
	expect "No more hand-typed keys: the SAs and policies of the steps before go."
	run alice "nfsec sa flush && nfsec policy flush"
	run bob "nfsec sa flush && nfsec policy flush"
	expect "Each starts strongSwan's charon, whose kernel-nfsec plugin puts the"
	expect "SAs it negotiates into nfsec."
	for who in alice bob; do
		say "($who# charon &, with charon.load = kernel-nfsec ... kernel-netlink ...)"
		ike_start "${NS[$who]}" "kernel-nfsec $IKE_PLUGINS" "$IKE_PLUGIN"
	done
	expect "A certification authority signs a certificate for each of them; Trudy"
	expect "has none, so she cannot pose as either."
	say "(ca# pki --gen ... >ca.key; pki --self --ca ... >ca.pem;"
	say " pki --issue --cacert ca.pem --san 10.0.1.1 ... >alice.pem; the same for bob)"
	ike_certs "$A" "$A" alice "$ALICE_IP" "$B" bob "$BOB_IP"
	say "ca# pki --print --in bob.pem"
	ike_pki "$A" --print --in "$(ike_dir "$A")/pki/bob.pem" |
		grep -E 'subject|issuer|altNames' | sed 's/^/    /'
	for who in alice bob; do
		ns=${NS[$who]} me=$ALICE_IP peer=$BOB_IP
		[ "$who" = bob ] && me=$BOB_IP peer=$ALICE_IP
		ike_conf_of "$who" "$me" "$peer" >"$(ike_dir "$ns")/swanctl/swanctl.conf"
		say "$who# cat swanctl.conf"
		sed 's/^/    /' "$(ike_dir "$ns")/swanctl/swanctl.conf"
		say "$who# swanctl --load-all"
		out=$(ike_swanctl "$ns" --load-all --file "$(ike_dir "$ns")/swanctl/swanctl.conf" 2>&1) ||
			fail "step $STEP: swanctl --load-all for $who failed: $out"
	done
	capture_start "$T" a0 "$WORK/step9.pcap" ip
	pid=$CAP_PID
	say "(trudy# tcpdump -i a0 -w step9.pcap ip &)"
	say "alice# swanctl --initiate --child letter"
	if ! out=$(ike_swanctl "$A" --initiate --child letter --timeout 30 2>&1); then
		check "Alice's charon brought the SAs up" false
		sed 's/^/    /' <<<"$out" | tail -n 5
		capture_stop "$pid"
		return
	fi
	grep -E 'IKE_SA .* established|CHILD_SA .* established' <<<"$out" | sed 's/^/    /'
	expect "Bob's nfsec holds two SAs he never typed, of one request id, and the"
	expect "policies that name it."
	run bob "nfsec sa show"
	run bob "nfsec policy show"
	check "Bob's nfsec has the two SAs charon negotiated" \
		eq 2 ike_sa_count "$B"
	check "they carry charon's request id" \
		assert_match 'reqid [0-9]+' "$(ip netns exec "$B" "$NFSEC_TOOL" sa show)" "sa show"
	IKE_AB=$(ike_swanctl_quiet "$B" --list-sas | sed -n 's/^ *in \+\([0-9a-f]\{8\}\),.*/\1/p')
	send_letter inbox9.txt "$BOB_IP" "Alice's letter went out" || true
	capture_stop "$pid"
	run bob "cat inbox9.txt"
	run trudy "tcpdump -nn -r step9.pcap 2>/dev/null | head -n 6"
	N_ESP9=$(count_pkts step9.pcap "ip[9] = 50 and src $ALICE_IP")
	check "Bob received the letter intact" same_file letter.txt inbox9.txt
	check "no line of the letter in Trudy's capture" letter_not_in step9.pcap
	check "Trudy saw the handshake (IKE, UDP ports 500 and 4500) and then only ESP from Alice" \
		eq 0 count_pkts step9.pcap "src $ALICE_IP and not esp and not udp port 500 and not udp port 4500"
	check "Bob's SA from Alice counted exactly the $N_ESP9 ESP packets Alice sent" \
		eq "$N_ESP9" nfsec_sa_stat "$B" esp "$ALICE_IP" "0x$IKE_AB" packets
	expect "Alice ends the IKE SA: the SAs leave nfsec on both sides."
	say "alice# swanctl --terminate --ike letter"
	ike_swanctl "$A" --terminate --ike letter --timeout 20 >/dev/null 2>&1 ||
		check "swanctl --terminate --ike letter" false
	check "no SA left in Alice's nfsec" eq 0 ike_sa_count "$A"
	check "no SA left in Bob's nfsec" eq 0 ike_sa_count "$B"
	for who in alice bob; do
		ike_stop "${NS[$who]}"
	done
}

# ike_sa_count NS: the SAs in NS's nfsec.
ike_sa_count() {
	ip netns exec "$1" "$NFSEC_TOOL" -j sa show | grep -o '"spi":' | grep -c . || true
}

heading 9 "The handshake: IKEv2 and certificates instead of typed keys"
if [ -f "$IKE_PLUGIN" ] && command -v swanctl >/dev/null; then
	ike_step
else
	check "the kernel-nfsec plugin and strongSwan are in the VM (make strongswan)" false
fi

check "the kernel log holds no warning" dmesg_check

# --- verdict ----------------------------------------------------------------

printf '\n'
if [ ${#FAILED[@]} = 0 ]; then
	printf '%sAll %d expectations held (%d s).%s\n' "$C_OK" "$NCHECKS" "$SECONDS" "$C_OFF"
	exit "$KSFT_PASS"
fi
printf '%s%d of %d expectations failed (%d s):%s\n' "$C_BAD" "${#FAILED[@]}" "$NCHECKS" "$SECONDS" "$C_OFF"
printf '  %s\n' "${FAILED[@]}"
exit "$KSFT_FAIL"
