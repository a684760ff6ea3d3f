#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host side of `make bench`: turns the raw results of bench.sh
# (results.csv: group, config, metric, unit, contender, rep, value) into
# medians, ratios nfsec/XFRM and the targets they meet, as a Markdown table
# on stdout and in DIR/results.md (with, per contender, each IPv6 row
# against its IPv4 twin when both were measured), a summary in
# DIR/summary.csv and a plot of the throughput per configuration in
# DIR/throughput.png (gnuplot).
#
# usage: bench/report.sh DIR
set -euo pipefail

dir=${1:?usage: report.sh DIR}
raw=$dir/results.csv
[ -s "$raw" ] || { echo "report: no $raw" >&2; exit 1; }

# summary.csv: group,config,metric,unit,xfrm,nfsec,ratio,target,met,reps
awk -F, '
function median(list,    v, n, i, j, t, num, x, m) {
	n = split(list, v, " ")
	num = 0
	for (i = 1; i <= n; i++)
		if (v[i] ~ /^[0-9.]+$/)
			num++
	if (num == 0)
		return n ? v[1] : "-"
	# keep only the numbers, then insertion sort
	j = 0
	for (i = 1; i <= n; i++)
		if (v[i] ~ /^[0-9.]+$/)
			t[++j] = v[i] + 0
	for (i = 2; i <= j; i++) {
		x = t[i]
		for (m = i - 1; m >= 1 && t[m] > x; m--)
			t[m + 1] = t[m]
		t[m + 1] = x
	}
	if (j % 2)
		return t[(j + 1) / 2]
	return (t[j / 2] + t[j / 2 + 1]) / 2
}
function fmt(x) {
	if (x !~ /^[0-9.]+$/)
		return x
	if (x >= 100)
		return sprintf("%.0f", x)
	return sprintf("%.2f", x)
}
NR == 1 { next }
{
	key = $1 "," $2 "," $3 "," $4
	if (!(key in seen)) {
		seen[key] = 1
		order[++nkeys] = key
	}
	gsub(/ /, "_", $7)
	vals[key, $5] = vals[key, $5] " " $7
	if ($6 > reps[key])
		reps[key] = $6
}
END {
	for (i = 1; i <= nkeys; i++) {
		key = order[i]
		split(key, k, ",")
		x = median(vals[key, "xfrm"])
		n = median(vals[key, "nfsec"])
		gsub(/_/, " ", x)
		gsub(/_/, " ", n)
		ratio = "-"
		if (x ~ /^[0-9.]+$/ && n ~ /^[0-9.]+$/ && x > 0)
			ratio = sprintf("%.2f", n / x)
		target = "-"
		if ((k[1] == "tcp" || k[1] == "udp") && k[2] != "plain")
			target = ">= 1.0"
		else if (k[3] ~ /^mem-/)
			target = "<= 1.0"
		else if (k[1] == "ctrl" && k[3] == "install-rate")
			target = ">= 2.0"
		met = "-"
		if (target != "-") {
			if (ratio == "-")
				met = "n/a"
			else if (target ~ /^>=/)
				met = (ratio + 0 >= substr(target, 4) + 0) ? "yes" : "no"
			else
				met = (ratio + 0 <= substr(target, 4) + 0) ? "yes" : "no"
		}
		printf "%s,%s,%s,%s,%s,%s,%s,%s\n", key, fmt(x), fmt(n), ratio,
		       target, met, reps[key], ""
	}
}' "$raw" | sed 's/,$//' >"$dir/summary.body"
{
	echo "group,config,metric,unit,xfrm,nfsec,ratio,target,met,reps"
	cat "$dir/summary.body"
} >"$dir/summary.csv"

# Throughput at the largest SA count against the reference pair (one SA,
# measured alternately with it), per contender; and the same comparison
# where both pairs hold one SA, which shows how much the two pairs differ
# by themselves.
scale_line() {
	awk -F, -v who="$1" '
	$1 == "scale" && ($3 == "throughput" || $3 == "throughput-1sa") {
		n = substr($2, 4) + 0
		v = (who == "xfrm") ? $5 : $6
		if (v !~ /^[0-9.]+$/)
			next
		val[n, $3] = v
		if (n > max)
			max = n
	}
	END {
		top = val[max, "throughput"]
		one = val[max, "throughput-1sa"]
		if (max <= 1 || top == "" || one == "")
			exit
		d = (top / one - 1) * 100
		# The pairs differ by themselves: judged on the difference
		# corrected by what it was with one SA in each, when measured.
		c = "?"
		judged = d
		if (val[1, "throughput"] > 0 && val[1, "throughput-1sa"] > 0) {
			bias = val[1, "throughput"] / val[1, "throughput-1sa"]
			c = sprintf("%+.1f%%", (bias - 1) * 100)
			judged = (top / one / bias - 1) * 100
		}
		printf "%d|%s|%s|%+.1f%%|%s|%s|%+.1f%%\n", max, one, top, d,
		       (judged >= -5) ? "yes" : "no", c, judged
	}' "$dir/summary.body"
}

# Each IPv6 row against its IPv4 twin (esp6-gcm-transport against
# esp-gcm-transport), per contender: what IPv6 costs each of them.
twin_lines() {
	awk -F, '
	{ x[$1, $2, $3] = $5; n[$1, $2, $3] = $6; key[NR] = $1 SUBSEP $2 SUBSEP $3 }
	function rel(a, b) {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b <= 0)
			return "-"
		return sprintf("%.2f", a / b)
	}
	END {
		for (i = 1; i <= NR; i++) {
			split(key[i], k, SUBSEP)
			if (k[2] !~ /^(esp|ah)6-/)
				continue
			t = k[2]
			sub(/6-/, "-", t)
			if (!((k[1], t, k[3]) in x))
				continue
			printf "- %s %s against %s: XFRM %s, nfsec %s\n", k[1], k[2], t,
			       rel(x[k[1], k[2], k[3]], x[k[1], t, k[3]]),
			       rel(n[k[1], k[2], k[3]], n[k[1], t, k[3]])
		}
	}' "$dir/summary.body"
}

{
	echo "# nfsec against XFRM"
	echo
	echo "Medians of the repetitions; ratio = nfsec / XFRM."
	echo "Absolute numbers under TCG are not meaningful, ratios are."
	echo
	sed 's/^/    /' "$dir/info.txt" 2>/dev/null | grep -v '^    crypto' || true
	echo
	echo "| group | configuration | metric | unit | XFRM | nfsec | ratio | target | met | reps |"
	echo "| --- | --- | --- | --- | ---: | ---: | ---: | --- | --- | ---: |"
	awk -F, '{ printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; print "" }' \
		"$dir/summary.body"
	echo
	twins=$(twin_lines)
	if [ -n "$twins" ]; then
		echo "IPv6 against IPv4, the medians of each contender divided by those of"
		echo "the same configuration over IPv4:"
		echo
		echo "$twins"
		echo
	fi
	for who in nfsec xfrm; do
		l=$(scale_line "$who")
		[ -n "$l" ] || continue
		IFS='|' read -r max one top d ok c j <<<"$l"
		if [ "$who" = nfsec ]; then
			echo "- nfsec with $max SAs: $top Mbit/s against $one Mbit/s through its pair with 1 SA, alternately ($d); the two pairs with 1 SA each differ by $c; corrected: $j (target: no more than 5% lower: $ok)"
		else
			echo "- XFRM with $max SAs: $top Mbit/s against $one Mbit/s through its pair with 1 SA, alternately ($d); the two pairs with 1 SA each differ by $c; corrected: $j"
		fi
	done
	echo
	echo "Crypto API implementations in use (from /proc/crypto):"
	echo
	grep '^crypto' "$dir/info.txt" 2>/dev/null | sed 's/^/    /' || true
} >"$dir/results.md"
rm -f "$dir/summary.body"
cat "$dir/results.md"

# The plot: TCP and UDP per configuration, and TCP against SA count.
if ! command -v gnuplot >/dev/null; then
	echo "report: gnuplot missing, no plot (make deps)" >&2
	exit 0
fi
awk -F, 'NR > 1 && $3 == "throughput" && $1 == "tcp" { print $2, ($5 ~ /^[0-9.]+$/ ? $5 : "?"), ($6 ~ /^[0-9.]+$/ ? $6 : "?") }' \
	"$dir/summary.csv" >"$dir/tcp.dat"
awk -F, 'NR > 1 && $1 == "udp" { print $2, ($5 ~ /^[0-9.]+$/ ? $5 : "?"), ($6 ~ /^[0-9.]+$/ ? $6 : "?") }' \
	"$dir/summary.csv" >"$dir/udp.dat"
awk -F, 'NR > 1 && $1 == "scale" && $3 == "throughput" { print $2, ($5 ~ /^[0-9.]+$/ ? $5 : "?"), ($6 ~ /^[0-9.]+$/ ? $6 : "?") }' \
	"$dir/summary.csv" >"$dir/scale.dat"
accel=$(sed -n 's/^accelerator: //p' "$dir/info.txt" 2>/dev/null || true)
panels=0
for f in tcp udp scale; do
	[ -s "$dir/$f.dat" ] && panels=$((panels + 1))
done
[ $panels -gt 0 ] || exit 0
gnuplot <<EOF
set terminal pngcairo size 1000,$((330 * panels)) font ",10"
set output "$dir/throughput.png"
set datafile missing "?"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top right
set grid ytics
set yrange [0:*]
set xtics noenhanced
set multiplot layout $panels,1 title "nfsec vs XFRM, medians (accelerator: ${accel:-?}; under TCG compare the bars, not the numbers)"
$( [ -s "$dir/tcp.dat" ] && cat <<P
set title "TCP throughput per configuration (log scale)"
set ylabel "Mbit/s"
set logscale y
set yrange [0.1:*]
plot "$dir/tcp.dat" using 2:xtic(1) title "XFRM", "" using 3 title "nfsec"
unset logscale y
set yrange [0:*]
P
)
$( [ -s "$dir/udp.dat" ] && cat <<P
set title "UDP 64-byte datagrams received per second"
set ylabel "datagrams/s"
plot "$dir/udp.dat" using 2:xtic(1) title "XFRM", "" using 3 title "nfsec"
P
)
$( [ -s "$dir/scale.dat" ] && cat <<P
set title "TCP throughput (ESP aes-gcm-128 transport) against SAs installed"
set ylabel "Mbit/s"
plot "$dir/scale.dat" using 2:xtic(1) title "XFRM", "" using 3 title "nfsec"
P
)
unset multiplot
EOF
echo "report: $dir/results.md, $dir/summary.csv, $dir/throughput.png" >&2
