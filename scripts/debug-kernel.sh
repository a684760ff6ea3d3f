#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the debug test kernel of `make check-debug` from the newest kernel
# source Debian has (unstable's linux-source-N.M, fetched and unpacked by
# scripts/newest.sh --source), or from a linux-source tarball given in
# KSRC_TARBALL (Debian 12's /usr/src/linux-source-6.1.tar.xz, say):
# tinyconfig, then selftests/config (every =m made =y, so the VM needs no
# module but nfsec.ko) and selftests/debug.config merged over it (KASAN,
# UBSAN, KMEMLEAK, lockdep, failslab...). Every option the two fragments
# ask for must end up set, or the build fails. The patches in
# scripts/kernel-patches/N.M/ are applied to a source of series N.M
# first (lockdep annotations that series lacks; each says why).
#
# The kernel is cached under build/debug-kernel/<key>/, the key being a
# hash of the two fragments, the patches, the source's version, the
# compiler and RECIPE below (change it when the way the kernel is built
# changes); it is rebuilt only when one of them changes. The build tree is
# always build/debug-kernel/obj, so that an interrupted build resumes and a
# new key rebuilds only what its change touched (objtool, which every
# object depends on, records its absolute path: a tree that moved is
# rebuilt whole). The source is copied once per version and set of
# patches into build/debug-kernel/src-<version> (the copy keeps the files'
# times, so only patched files look new to make).
#
# usage: scripts/debug-kernel.sh
# Prints the cache folder on stdout: bzImage, kernel.release, config,
# modules.builtin*, and obj (the build tree external modules build against,
# a link to build/debug-kernel/obj).
# Environment: KSRC_TARBALL (default: the newest source, see above),
# NFSEC_DEBUG_JOBS (make -j, default: the number of CPUs).
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
tarball=${KSRC_TARBALL:-}
jobs=${NFSEC_DEBUG_JOBS:-$(nproc)}
base=$top/build/debug-kernel
obj=$base/obj

log() { echo "debug-kernel: $*" >&2; }
die() { echo "debug-kernel: $*" >&2; exit 1; }

if [ -n "$tarball" ]; then
	[ -r "$tarball" ] || die "$tarball missing (run 'make deps')"
	series=$(basename "$tarball" | sed -n 's/^linux-source-\([0-9]*\.[0-9]*\)\.tar.*/\1/p')
	[ -n "$series" ] || die "$tarball: not a linux-source-N.M tarball"
	pkgver=$(dpkg-query -W -f='${Version}' "linux-source-$series" 2>/dev/null ||
		stat -c '%s-%Y' "$tarball")
else
	tree=$(scripts/newest.sh --source) || die "no kernel source (scripts/newest.sh)"
	series=$(basename "$tree")
	pkgver=$(make -s -C "$tree" kernelversion)
fi
RECIPE="tinyconfig, x86_64, config =m made =y, patches, make all"
patches=(scripts/kernel-patches/"$series"/*.patch)
[ -f "${patches[0]}" ] || patches=()
phash=$(cat /dev/null "${patches[@]}" | sha256sum | cut -c1-16)
key=$( {
	echo "$RECIPE"
	echo "$pkgver"
	gcc --version | head -n 1
	cat selftests/config selftests/debug.config
	echo "$phash"
} | sha256sum | cut -c1-16)
out=$base/$key
src=$base/src-$pkgver

if [ -f "$out/.done" ]; then
	log "cached kernel $(cat "$out/kernel.release") in $out"
	echo "$out"
	exit 0
fi

if [ "$(cat "$src/.done" 2>/dev/null)" != "$phash" ]; then
	# The files earlier patches changed: back to the package's version,
	# with its old time, they must still look new to make.
	touched=$(cat "$src/.patched" 2>/dev/null || true)
	rm -rf "$src"
	mkdir -p "$src"
	if [ -n "$tarball" ]; then
		log "extracting $tarball"
		tar -xJf "$tarball" -C "$src" --strip-components=1
	else
		log "copying $tree"
		cp -a "$tree/." "$src/"
		rm -f "$src/.done"
	fi
	for p in "${patches[@]}"; do
		log "applying $p"
		patch -s -p1 -d "$src" <"$p" || die "$p does not apply"
		touched="$touched $(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$p")"
	done
	for p in $touched; do
		[ -f "$src/$p" ] && touch "$src/$p"
	done
	echo "$touched" | tr ' ' '\n' | sed '/^$/d' | sort -u >"$src/.patched"
	echo "$phash" >"$src/.done"
fi

# The older cached kernels are of no further use; their build tree is
# this key's starting point.
find "$base" -mindepth 1 -maxdepth 1 -type d ! -name "src-$pkgver" ! -name "$key" \
	! -name obj -exec rm -rf {} +
mkdir -p "$out" "$obj"
[ -L "$out/obj" ] || rm -rf "$out/obj"
ln -sfn ../obj "$out/obj"
start=$(date +%s)

# The selftests' options, built in.
sed -E 's/^(CONFIG_[A-Za-z0-9_]+)=m$/\1=y/' selftests/config >"$out/tests.config"
make -s -C "$src" ARCH=x86_64 O="$obj" tinyconfig >&2
"$src"/scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" \
	"$out/tests.config" selftests/debug.config >"$out/merge.log" 2>&1 ||
	{ cat "$out/merge.log" >&2; die "merging the config fragments failed"; }
make -s -C "$src" ARCH=x86_64 O="$obj" olddefconfig >&2

# Every option the fragments set must be in the result as asked: "=m"
# as "=y", "is not set" as absent or not set. An option the source's
# Kconfig does not define (CONFIG_SLOB, gone from newer kernels; the x86
# ChaCha20, Poly1305 and GHASH glue, now in the crypto library) is named and
# passed over.
known=$(grep -rhoE --include='Kconfig*' '^[[:space:]]*(menu)?config [A-Za-z0-9_]+' "$src" |
	awk '{ print "CONFIG_" $2 }' | sort -u)
missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=* | "# CONFIG_"*" is not set")
		sym=${line#\# } sym=${sym%%[= ]*}
		if ! grep -qx "$sym" <<<"$known"; then
			log "$sym: not an option of this kernel, passed over"
			continue
		fi
		;;
	esac
	case "$line" in
	CONFIG_*=*)
		sym=${line%%=*} want=${line#*=}
		have=$(sed -n "s/^$sym=//p" "$obj/.config")
		if [ "$have" != "$want" ]; then
			log "$sym: want $want, got ${have:-not set}"
			missing=1
		fi
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# } sym=${sym%% *}
		if grep -q "^$sym=" "$obj/.config"; then
			log "$sym: want not set, got $(sed -n "s/^$sym=//p" "$obj/.config")"
			missing=1
		fi
		;;
	esac
done < <(cat "$out/tests.config" selftests/debug.config)
[ $missing = 0 ] || die "the kernel config lacks options the fragments need"
# nf_defrag_ipv4 has no prompt of its own; it must have been selected.
grep -q '^CONFIG_NF_DEFRAG_IPV4=y' "$obj/.config" || die "CONFIG_NF_DEFRAG_IPV4 not built in"

log "building $(make -s -C "$src" ARCH=x86_64 O="$obj" kernelrelease) with $jobs jobs"
if ! make -C "$src" ARCH=x86_64 O="$obj" -j"$jobs" all >"$out/build.log" 2>&1; then
	tail -n 30 "$out/build.log" >&2
	die "kernel build failed (log: $out/build.log)"
fi
make -s -C "$src" ARCH=x86_64 O="$obj" kernelrelease >"$out/kernel.release"
cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
cp "$obj/.config" "$out/config"
cp "$obj/modules.builtin" "$obj/modules.builtin.modinfo" "$out/"
log "built $(cat "$out/kernel.release") in $(($(date +%s) - start)) s"
touch "$out/.done"
echo "$out"
