#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP bookkeeping of the runs that gather many tests into one stream
# (check.sh, check-debug.sh): source it, then emit results, re-emit those of
# a TAP file, run a command as one test, and end with tap_summary.
# A skip is a failure unless skip_allowed knows it; its reason is printed.

num=0
passed=0
failed=0
skipped=0

# skip_allowed DESC REASON: true, with why printed, for the skips known to
# be out of the project's hands; every other skip counts as a failure.
skip_allowed() {
	local desc=$1 reason=$2
	if [[ $desc =~ faults\.sh$ && $reason =~ CONFIG_FAILSLAB ]]; then
		echo "# allowed skip: the test kernel has no failslab (make check-debug runs faults.sh)"
	elif [[ $desc =~ ^tshark: && $reason =~ ^tshark\ 4\.0(\.[0-9]+)?\ cannot\ decrypt\ ChaCha20 ]]; then
		echo "# allowed skip: tshark 4.0 cannot decrypt ChaCha20-Poly1305 ESP"
	else
		return 1
	fi
}

# emit STATUS DESC [REASON]: one TAP line with the global number, counted.
emit() {
	local status=$1 desc=$2 reason=${3:-}
	num=$((num + 1))
	case "$status" in
	ok) passed=$((passed + 1)); echo "ok $num - $desc" ;;
	skip)
		if skip_allowed "$desc" "$reason"; then
			skipped=$((skipped + 1))
			echo "ok $num - $desc # SKIP${reason:+ $reason}"
		else
			failed=$((failed + 1))
			echo "not ok $num - $desc (skipped, not an allowed skip${reason:+: $reason})"
		fi
		;;
	*) failed=$((failed + 1)); echo "not ok $num - $desc" ;;
	esac
}

# tap PREFIX FILE: re-emit the top-level TAP results of FILE, setting
# tap_count to how many it held. Comment lines after a failure are shown.
tap_count=0
tap() {
	local prefix=$1 file=$2 line desc count=0 show=0
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok([[:space:]]+[0-9]+)?([[:space:]]+-)?[[:space:]]*(.*)$ ]]; then
			desc=${BASH_REMATCH[4]}
			count=$((count + 1))
			show=0
			if [ -n "${BASH_REMATCH[1]}" ]; then
				emit fail "$prefix$desc"
				show=1
			elif [[ $desc =~ ^(.*[^[:space:]])[[:space:]]*\#[[:space:]]*[Ss][Kk][Ii][Pp][[:space:]]*(.*)$ ]]; then
				emit skip "$prefix${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
			else
				emit ok "$prefix$desc"
			fi
		elif [ $show = 1 ] && [[ $line =~ ^# ]]; then
			echo "$line"
		fi
	done <"$file"
	tap_count=$count
}

# step DESC LOG CMD...: run CMD as one test, its output in LOG.
step() {
	local desc=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		emit ok "$desc"
		return 0
	fi
	emit fail "$desc"
	tail -n 15 "$log" | sed 's/^/# /'
	return 1
}

now() { date +%s; }

# tap_summary: the plan and "N passed, N failed[, N skipped]"; false if any
# test failed.
tap_summary() {
	local summary="$passed passed, $failed failed"

	echo "1..$num"
	[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
	echo "$summary"
	[ $failed -eq 0 ]
}
