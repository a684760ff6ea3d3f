#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian kernel the project builds and tests against, and its headers.
#
# usage: scripts/kver.sh            print its release
#        scripts/kver.sh --kdir     print its kbuild folder (may not exist)
#        scripts/kver.sh --fetch    the same, once Debian's headers are
#                                   there (fetched if the machine has none)
#        scripts/kver.sh --download DIR PKG...
#                                   download Debian packages into DIR
#        scripts/kver.sh --pkgnames PREFIX
#                                   the names of the packages apt knows
#                                   that start with PREFIX
#
# KVER in the environment chooses the kernel: a release
# (6.12.118+deb12-amd64) or a series (6.12), which means the newest amd64
# kernel of that series whose headers are installed, else the newest the
# archive has. Without KVER: the kernel that Debian's linux-headers-amd64
# meta package depends on, or, when that package is absent, the newest
# /usr/src/linux-headers-*-amd64.
#
# The kbuild folder is /usr/src/linux-headers-RELEASE when installed, else
# build/kernel/RELEASE/usr/src/linux-headers-RELEASE: the headers, common
# headers and kbuild packages unpacked there by --fetch, no root needed.
#
# Packages come from the machine's apt sources or, when these do not have
# them, from NFSEC_APT_SUITES (default: CODENAME-backports) on
# NFSEC_APT_MIRROR (default: the machine's Debian mirror), read through an
# apt state of its own in build/apt/: the machine's apt configuration and
# package lists are left as they are.
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD

log() { echo "kver: $*" >&2; }
die() { echo "kver: $*" >&2; exit 1; }

# The extra suites, each set with an apt state of its own.
# shellcheck disable=SC1091
codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
suites=${NFSEC_APT_SUITES:-${codename:+$codename-backports}}
apt_dir=$top/build/apt/$(echo "$suites" | tr -s ' ' '+')
apt_own=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o APT::Get::List-Cleanup=0)

# The extra suites' package lists, refreshed when older than six hours.
apt_own_update() {
	local mirror s want=""
	[ -n "$suites" ] || return 1
	mirror=${NFSEC_APT_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v '^[[:space:]]*#' | grep -oE 'https?://[^ ]*/debian/?( |$)' |
		head -n 1 | tr -d ' ')}
	mirror=${mirror:-http://deb.debian.org/debian}
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	for s in $suites; do
		want="${want}deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} $s main
"
	done
	if [ "$(cat "$apt_dir/sources.list" 2>/dev/null)" = "${want%$'\n'}" ] &&
		[ -n "$(find "$apt_dir/lists" -maxdepth 1 -name '*Release' -mmin -360)" ]; then
		return 0
	fi
	printf '%s' "$want" >"$apt_dir/sources.list"
	log "reading the package lists of $suites from $mirror"
	apt-get -q "${apt_own[@]}" update >&2 || return 1
}

# The package names of Debian amd64 kernel headers of a series, whichever
# apt knows.
archive_releases() {
	local series=$1 re
	re="^linux-headers-${series//./\\.}\\.[0-9][^-]*(-[0-9]+)?-amd64\$"
	{
		apt-cache pkgnames linux-headers- 2>/dev/null || true
		if apt_own_update; then
			apt-cache "${apt_own[@]}" pkgnames linux-headers- 2>/dev/null || true
		fi
	} | { grep -E "$re" || true; } | sed 's/^linux-headers-//'
}

resolve() {
	local series=$1 kver
	kver=$(find /usr/src -maxdepth 1 -name "linux-headers-$series.*-amd64" 2>/dev/null |
		sed 's|.*/linux-headers-||' | grep -E '^[0-9.]+[^-]*(-[0-9]+)?-amd64$' |
		sort -V | tail -n 1 || true)
	[ -n "$kver" ] || kver=$(archive_releases "$series" | sort -V | tail -n 1 || true)
	[ -n "$kver" ] || kver=$(find "$top/build/kernel" -maxdepth 1 -name "$series.*-amd64" \
		2>/dev/null | sed 's|.*/||' | sort -V | tail -n 1 || true)
	[ -n "$kver" ] || die "no Debian amd64 kernel of series $series found"
	echo "$kver"
}

kver() {
	local kver
	if [ -n "${KVER:-}" ]; then
		if [[ "$KVER" =~ ^[0-9]+\.[0-9]+$ ]]; then
			resolve "$KVER"
		else
			echo "$KVER"
		fi
		return
	fi
	kver=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		sed -n 's/.*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p' || true)
	if [ -z "$kver" ]; then
		kver=$(find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' 2>/dev/null |
			sed 's|.*/linux-headers-||' | sort -V | tail -n 1)
	fi
	[ -n "$kver" ] || die "no linux-headers-*-amd64 found (run 'make deps')"
	echo "$kver"
}

kdir() {
	local kver=$1
	if [ -d "/usr/src/linux-headers-$kver" ]; then
		echo "/usr/src/linux-headers-$kver"
	else
		echo "$top/build/kernel/$kver/usr/src/linux-headers-$kver"
	fi
}

# Download packages into $1: from the machine's sources, else from the
# extra suites.
download() {
	local dir=$1 pkg
	shift
	mkdir -p "$dir"
	for pkg in "$@"; do
		(cd "$dir" && apt-get download -q "$pkg" >/dev/null 2>&1) && continue
		apt_own_update || true
		(cd "$dir" && apt-get download -q "${apt_own[@]}" "$pkg" >/dev/null 2>&1) &&
			continue
		die "cannot download $pkg from the machine's apt sources nor ${NFSEC_APT_SUITES:-the backports suite}"
	done
}

# The headers, their common part and the kbuild tools, unpacked into
# build/kernel/RELEASE/; the headers' Makefile names the common part by
# its absolute path, which is made to point into the same folder.
fetch() {
	local kver=$1 root=$top/build/kernel/$1 deb dep mk
	[ -f "$root/.done" ] && return 0
	rm -rf "$root" "$root.debs"
	log "fetching the headers of $kver into build/kernel/$kver"
	download "$root.debs" "linux-headers-$kver"
	deb=$(ls "$root.debs/linux-headers-${kver}"_*.deb)
	for dep in $(dpkg-deb -f "$deb" Depends | tr ',|' '\n' |
		sed -n 's/^ *\(linux-\(headers\|kbuild\)-[^ ]*\).*/\1/p'); do
		download "$root.debs" "$dep"
	done
	for deb in "$root.debs"/*.deb; do
		dpkg-deb -x "$deb" "$root"
	done
	rm -rf "$root.debs"
	mk=$root/usr/src/linux-headers-$kver/Makefile
	[ -f "$mk" ] || die "no $mk in the packages of $kver"
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$mk"
	touch "$root/.done"
}

case "${1:-}" in
"") kver ;;
--kdir) kdir "$(kver)" ;;
--fetch)
	k=$(kver)
	d=$(kdir "$k")
	[ -d "$d" ] || fetch "$k"
	echo "$d"
	;;
--download)
	[ $# -ge 3 ] || die "--download needs a folder and packages"
	shift
	download "$@"
	;;
--pkgnames)
	[ $# = 2 ] || die "--pkgnames needs a prefix"
	{
		apt-cache pkgnames "$2" 2>/dev/null || true
		if apt_own_update; then
			apt-cache "${apt_own[@]}" pkgnames "$2" 2>/dev/null || true
		fi
	} | sort -u
	;;
*) die "unknown option $1" ;;
esac
