#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nfsec.ko built against the newest kernel Debian has: the highest
# linux-source-N.M of NFSEC_NEWEST_SUITES (default "sid"), unpacked into
# build/newest/N.M/, configured (x86_64 defconfig with selftests/config
# merged) and prepared for external modules (modules_prepare) once; the
# module is built from a copy of kmod/ in build/newest/mod/ with W=1,
# warnings as errors. This is a compile test: the tree has no
# Module.symvers, so modpost checks no symbol, and no kernel is booted.
#
# usage: selftests/newest.sh
# Prints the kernel's version on success; the build log is
# build/newest/module.log.
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
base=$top/build/newest

log() { echo "newest: $*" >&2; }
die() { echo "newest: $*" >&2; exit 1; }

export NFSEC_APT_SUITES=${NFSEC_NEWEST_SUITES:-sid}
series=$(selftests/kver.sh --pkgnames linux-source- |
	sed -n 's/^linux-source-\([0-9]\+\.[0-9]\+\)$/\1/p' | sort -V | tail -n 1)
[ -n "$series" ] || die "no linux-source-N.M in $NFSEC_APT_SUITES"
src=$base/$series

if [ ! -f "$src/.done" ]; then
	# Older trees are of no further use.
	mkdir -p "$base"
	find "$base" -mindepth 1 -maxdepth 1 -type d ! -name mod -exec rm -rf {} +
	mkdir -p "$src.deb"
	log "fetching linux-source-$series"
	selftests/kver.sh --download "$src.deb" "linux-source-$series"
	dpkg-deb --fsys-tarfile "$src.deb/linux-source-${series}"_*.deb |
		tar -xO --wildcards "./usr/src/linux-source-$series.tar.xz" |
		tar -xJ -C "$base"
	rm -rf "$src.deb"
	mv "$base/linux-source-$series" "$src"
	log "configuring and preparing $src"
	make -s -C "$src" ARCH=x86_64 defconfig >&2
	"$src"/scripts/kconfig/merge_config.sh -m -O "$src" "$src/.config" \
		selftests/config >"$base/merge.log" 2>&1 ||
		{ cat "$base/merge.log" >&2; die "merging selftests/config failed"; }
	make -s -C "$src" ARCH=x86_64 olddefconfig >&2
	make -s -C "$src" ARCH=x86_64 -j"$(nproc)" modules_prepare >&2
	touch "$src/.done"
fi

mod=$base/mod
rm -rf "$mod"
mkdir -p "$mod"
cp -r Kbuild kmod "$mod/"
find "$mod" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \
	-o -name 'modules.order' -o -name 'Module.symvers' \) -delete
rc=0
make -C "$src" M="$mod" W=1 KCFLAGS=-Werror KBUILD_MODPOST_WARN=1 modules \
	>"$base/module.log" 2>&1 || rc=$?
# modpost's own complaints (no Module.symvers, hence unresolved symbols)
# are expected here; any other warning fails.
warn=$(grep -i 'warning:' "$base/module.log" | grep -v -e 'Module.symvers is missing' \
	-e 'modpost: ".*" \[.*\] undefined!' -e 'modpost: suppressed' || true)
if [ $rc -ne 0 ] || [ -n "$warn" ] || [ ! -f "$mod/kmod/nfsec.ko" ]; then
	grep -E 'error|warning' "$base/module.log" | head -n 30 >&2 || true
	die "nfsec.ko did not build cleanly against $series (make exit $rc)"
fi
make -s -C "$src" kernelversion
