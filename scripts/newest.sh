#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nfsec.ko built against the newest kernel Debian has: the highest
# linux-source-N.M of NFSEC_NEWEST_SUITES (default "sid"), unpacked into
# build/newest/N.M/, configured (x86_64 defconfig with selftests/config
# merged) and prepared for external modules (modules_prepare) in
# build/newest/prep/ once; the
# module is built from a copy of kmod/ in build/newest/mod/ with W=1,
# warnings as errors. This is a compile test: the tree has no
# Module.symvers, so modpost checks no symbol, and no kernel is booted.
#
# With --kernel, a kernel to boot in the test VM is built from the same
# source instead, in build/newest/obj/ (tinyconfig, the guest and
# networking sections of selftests/debug.config, selftests/config with =m
# made =y, virtio and 9p for the runner), cached in build/newest/kernel/
# with its release in kernel.release; nfsec.ko then builds against
# build/newest/obj (KDIR) with modpost checking every symbol:
#
#   scripts/newest.sh --kernel
#   make module KDIR=build/newest/obj
#   NFSEC_VM_KERNEL=build/newest/kernel/bzImage selftests/vm/run.sh TEST...
#
# A kernel build takes many minutes of every core; NFSEC_NEWEST_JOBS sets
# make -j (default: the number of CPUs).
#
# With --source, only the source is fetched and unpacked (the debug kernel
# of `make check-debug` is built from it); its folder is printed.
#
# usage: scripts/newest.sh [--kernel | --source]
# Prints the kernel's version on success; the logs are
# build/newest/module.log and build/newest/kernel/build.log.
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
base=$top/build/newest

log() { echo "newest: $*" >&2; }
die() { echo "newest: $*" >&2; exit 1; }

export NFSEC_APT_SUITES=${NFSEC_NEWEST_SUITES:-sid}
series=$(scripts/kver.sh --pkgnames linux-source- |
	sed -n 's/^linux-source-\([0-9]\+\.[0-9]\+\)$/\1/p' | sort -V | tail -n 1)
[ -n "$series" ] || die "no linux-source-N.M in $NFSEC_APT_SUITES"
src=$base/$series

prep=$base/prep
if [ ! -f "$src/.done" ]; then
	# Older trees are of no further use.
	mkdir -p "$base"
	find "$base" -mindepth 1 -maxdepth 1 -type d ! -name mod -exec rm -rf {} +
	mkdir -p "$src.deb"
	log "fetching linux-source-$series"
	scripts/kver.sh --download "$src.deb" "linux-source-$series"
	dpkg-deb --fsys-tarfile "$src.deb/linux-source-${series}"_*.deb |
		tar -xO --wildcards "./usr/src/linux-source-$series.tar.xz" |
		tar -xJ -C "$base"
	rm -rf "$src.deb"
	mv "$base/linux-source-$series" "$src"
	touch "$src/.done"
fi
if [ "${1:-}" = --source ]; then
	echo "$src"
	exit 0
fi

# The tree external modules build against for the compile test; a
# booted kernel's own build tree serves instead.
if [ "${1:-}" != --kernel ] && [ ! -f "$prep/.done" ]; then
	log "configuring and preparing $prep"
	rm -rf "$prep"
	mkdir -p "$prep"
	make -s -C "$src" ARCH=x86_64 O="$prep" defconfig >&2
	"$src"/scripts/kconfig/merge_config.sh -m -O "$prep" "$prep/.config" \
		selftests/config >"$base/merge.log" 2>&1 ||
		{ cat "$base/merge.log" >&2; die "merging selftests/config failed"; }
	make -s -C "$src" ARCH=x86_64 O="$prep" olddefconfig >&2
	make -s -C "$src" ARCH=x86_64 O="$prep" -j"$(nproc)" modules_prepare >&2
	touch "$prep/.done"
fi

# The bootable kernel, rebuilt when the source or the fragments change.
if [ "${1:-}" = --kernel ]; then
	obj=$base/obj kdir=$base/kernel
	key=$( {
		echo "$series"
		gcc --version | head -n 1
		cat selftests/config selftests/debug.config
	} | sha256sum | cut -c1-16)
	if [ "$(cat "$kdir/.done" 2>/dev/null)" != "$key" ]; then
		rm -rf "$kdir"
		mkdir -p "$kdir" "$obj"
		sed -E 's/^(CONFIG_[A-Za-z0-9_]+)=m$/\1=y/' selftests/config >"$kdir/tests.config"
		sed '/^# --- the debug fragment/,$d' selftests/debug.config >"$kdir/guest.config"
		printf '%s\n' CONFIG_VIRTIO_MENU=y CONFIG_VIRTIO_PCI=y CONFIG_HW_RANDOM=y \
			CONFIG_HW_RANDOM_VIRTIO=y CONFIG_NET_9P=y CONFIG_NET_9P_VIRTIO=y \
			CONFIG_9P_FS=y >>"$kdir/guest.config"
		make -s -C "$src" ARCH=x86_64 O="$obj" tinyconfig >&2
		"$src"/scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" \
			"$kdir/guest.config" "$kdir/tests.config" >"$kdir/merge.log" 2>&1 ||
			{ cat "$kdir/merge.log" >&2; die "merging the config fragments failed"; }
		make -s -C "$src" ARCH=x86_64 O="$obj" olddefconfig >&2
		grep -q '^CONFIG_NF_DEFRAG_IPV4=y' "$obj/.config" ||
			die "CONFIG_NF_DEFRAG_IPV4 not built in"
		log "building $series in $obj"
		start=$(date +%s)
		make -C "$src" ARCH=x86_64 O="$obj" -j"${NFSEC_NEWEST_JOBS:-$(nproc)}" all \
			>"$kdir/build.log" 2>&1 ||
			{ tail -n 30 "$kdir/build.log" >&2; die "kernel build failed"; }
		make -s -C "$src" ARCH=x86_64 O="$obj" kernelrelease >"$kdir/kernel.release"
		cp "$obj/arch/x86/boot/bzImage" "$obj/.config" "$kdir/"
		cp "$obj/modules.builtin" "$obj/modules.builtin.modinfo" "$kdir/"
		log "built $(cat "$kdir/kernel.release") in $(($(date +%s) - start)) s"
		echo "$key" >"$kdir/.done"
	fi
	cat "$kdir/kernel.release"
	exit 0
fi

mod=$base/mod
rm -rf "$mod"
mkdir -p "$mod"
cp -r Kbuild kmod "$mod/"
find "$mod" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \
	-o -name 'modules.order' -o -name 'Module.symvers' \) -delete
rc=0
make -C "$prep" M="$mod" W=1 KCFLAGS=-Werror KBUILD_MODPOST_WARN=1 modules \
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
