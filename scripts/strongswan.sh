#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel-nfsec plugin of strongSwan's charon (strongswan/), built
# against the source of the strongSwan installed on this machine.
#
# usage: scripts/strongswan.sh            fetch the source, build the plugin
#        scripts/strongswan.sh --source   only fetch the source; print its
#                                         folder
#
# strongSwan installs no headers for plugins, so the Debian source package
# of the installed strongswan-charon is fetched into build/strongswan/ and
# unpacked there (dpkg-source, Debian's patches applied). Packages are read
# through an apt state of its own in build/apt/strongswan-src (deb-src
# lines for CODENAME, -updates and -security on the machine's Debian
# mirror, or NFSEC_APT_MIRROR): the machine's apt configuration is left as
# it is. When the mirror no longer has the source of the exact installed
# version (a security update replaced by the next), the newest source of
# the same upstream version is taken, and said so; a source of another
# upstream version is refused, its headers could describe another ABI.
#
# The result: build/strongswan/libstrongswan-kernel-nfsec.so.
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
out=$top/build/strongswan
apt_dir=$top/build/apt/strongswan-src
apt_own=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
	-o "Dir::State::status=$apt_dir/status" -o APT::Get::List-Cleanup=0
	-o APT::Sandbox::User=root)

log() { echo "strongswan: $*" >&2; }
die() { echo "strongswan: $*" >&2; exit 1; }

installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' strongswan-charon 2>/dev/null |
	sed -n 's/^ii *//p')
[ -n "$installed" ] || die "strongswan-charon is not installed (make deps)"
# 5.9.8-5+deb12u6 -> 5.9.8 (no epoch, no Debian revision)
upstream() { local v=${1#*:}; echo "${v%-*}"; }
want_up=$(upstream "$installed")

# The source lists, refreshed when older than six hours.
apt_src_update() {
	local mirror sec codename want
	# shellcheck disable=SC1091
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	mirror=${NFSEC_APT_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v '^[[:space:]]*#' |
		grep -oE 'https?://[^ ]*/debian/?( |$)' | head -n 1 | tr -d ' ' || true)}
	mirror=${mirror:-http://deb.debian.org/debian}
	mirror=${mirror%/}
	sec=${mirror%/debian}/debian-security
	want="deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $codename main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $codename-updates main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $sec $codename-security main"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	touch "$apt_dir/status"
	if [ "$(cat "$apt_dir/sources.list" 2>/dev/null)" = "$want" ] &&
		[ -n "$(find "$apt_dir/lists" -maxdepth 1 -name '*Release' -mmin -360)" ]; then
		return 0
	fi
	printf '%s\n' "$want" >"$apt_dir/sources.list"
	log "reading the source lists of $codename from $mirror"
	apt-get -q "${apt_own[@]}" update >&2 || die "apt-get update of the source lists failed"
}

# Download the source package of version $1 into $2; apt's words go to
# build/strongswan/apt.log.
download() {
	local ver=$1 dir=$2
	rm -rf "$dir"
	mkdir -p "$dir" "$out"
	echo "== apt-get source strongswan=$ver" >>"$out/apt.log"
	(cd "$dir" && apt-get -q "${apt_own[@]}" source --download-only \
		"strongswan=$ver" >>"$out/apt.log" 2>&1) || { rm -rf "$dir"; return 1; }
}

# The source tree of the installed version (or of its upstream version).
source_tree() {
	local tree=$out/src/strongswan-$want_up ver v dl=$out/src.dl
	if [ "$(cat "$tree/.nfsec-installed" 2>/dev/null)" = "$installed" ]; then
		echo "$tree"
		return 0
	fi
	apt_src_update
	ver=$installed
	if ! download "$ver" "$dl"; then
		# The same upstream version, newest Debian revision first.
		ver=""
		for v in $(apt-cache "${apt_own[@]}" showsrc strongswan 2>/dev/null |
			sed -n 's/^Version: *//p' | sort -u | sort -rV); do
			if [ "$v" = "$installed" ] || [ "$(upstream "$v")" != "$want_up" ]; then
				continue
			fi
			if download "$v" "$dl"; then
				ver=$v
				break
			fi
		done
		[ -n "$ver" ] ||
			die "no source of strongSwan $want_up on the mirror (installed: $installed; see build/strongswan/apt.log); refusing another upstream version"
		log "the source of $installed is not on the mirror; using $ver, the same upstream version $want_up"
	fi
	rm -rf "$out/src"
	mkdir -p "$out/src"
	# apt checked the files against the signed Sources index.
	dpkg-source --no-check -x "$dl"/strongswan_*.dsc "$tree" >>"$out/apt.log" 2>&1 ||
		die "cannot unpack the source of strongSwan $ver (see build/strongswan/apt.log)"
	rm -rf "$dl" "$out"/src/strongswan_*
	[ -f "$tree/src/libcharon/kernel/kernel_ipsec.h" ] ||
		die "no src/libcharon/kernel/kernel_ipsec.h in the source of $ver"
	echo "$ver" >"$tree/.nfsec-version"
	echo "$installed" >"$tree/.nfsec-installed"
	echo "$tree"
}

tree=$(source_tree)
case "${1:-}" in
--source)
	echo "$tree"
	exit 0
	;;
"") ;;
*) die "unknown option $1" ;;
esac

make -s -C strongswan SS_SRC="$tree" OUT="$out" \
	SS_VERSION="$want_up" SS_SOURCE_VERSION="$(cat "$tree/.nfsec-version")"
log "built $out/libstrongswan-kernel-nfsec.so (strongSwan $installed)"
