#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# arm64: Debian's arm64 packages unpacked under build/arm64/, for the cross
# build and for the test VM that boots them on the board of dts/.
#
# usage: scripts/arm64.sh --kver      the arm64 release of KVER
#        scripts/arm64.sh --kdir      its kbuild folder, fetched
#        scripts/arm64.sh --sysroot   the arm64 root (libmnl for the
#                                     cross build; the VM's binaries)
#        scripts/arm64.sh --prepare   all of the above and the kernel
#
# selftests/vm/run.sh sources it when ARCH=arm64 to boot that kernel with
# arm64 binaries; see the end of this file.
#
# KVER is the amd64 release the x86 tests use (scripts/kver.sh); the
# arm64 one is the same release with -arm64. Packages are read through an
# apt state of its own in build/apt/arm64 (APT::Architecture=arm64, the
# machine's Debian mirror, CODENAME, -updates and -security): neither the
# machine's apt configuration nor dpkg's architectures are changed. The
# headers' scripts are the amd64 linux-kbuild of the same version, from
# the machine's own apt sources.

a64_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
a64_dir=$a64_top/build/arm64
a64_apt=$a64_top/build/apt/arm64
a64_root=$a64_dir/root
a64_own=(-o APT::Architecture=arm64 -o APT::Architectures=arm64
	-o "Dir::Etc::sourcelist=$a64_apt/sources.list" -o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$a64_apt/lists" -o "Dir::Cache=$a64_apt/cache"
	-o "Dir::State::status=$a64_apt/status" -o APT::Get::List-Cleanup=0
	-o APT::Sandbox::User=root)

# What the test VM runs, and the libraries these need (their DT_NEEDED
# entries are checked against the unpacked root when the initramfs is
# made; a missing one names itself).
a64_packages="busybox-static bash coreutils sed util-linux iproute2 tcpdump
	iperf3 nftables kmod libmnl-dev libacl1 libbpf1 libbsd0 libc6 libcap2
	libcom-err2 libdbus-1-3 libedit2 libelf1 libgcrypt20 libgmp10
	libgpg-error0 libgssapi-krb5-2 libiperf0 libjansson4 libk5crypto3
	libkeyutils1 libkrb5-3 libkrb5support0 libkmod2 liblz4-1 liblzma5 libmd0
	libmnl0 libnftables1 libnftnl11 libpcap0.8 libpcre2-8-0 libsctp1
	libselinux1 libssl3 libsystemd0 libtinfo6 libtirpc3 libxtables12
	libzstd1 zlib1g"

a64_log() { echo "arm64: $*" >&2; }
a64_die() { echo "arm64: $*" >&2; exit 1; }

a64_kver() {
	local k
	k=$(cd "$a64_top" && scripts/kver.sh) || return 1
	echo "${k%-amd64}-arm64"
}

# The lists of the arm64 archive, refreshed when older than six hours.
a64_update() {
	local mirror sec codename want
	# shellcheck disable=SC1091
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	mirror=${NFSEC_APT_MIRROR:-$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v '^[[:space:]]*#' |
		grep -oE 'https?://[^ ]*/debian/?( |$)' | head -n 1 | tr -d ' ' || true)}
	mirror=${mirror:-http://deb.debian.org/debian}
	mirror=${mirror%/}
	sec=${mirror%/debian}/debian-security
	want="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $codename $codename-updates main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $sec $codename-security main"
	mkdir -p "$a64_apt/lists/partial" "$a64_apt/cache/archives/partial"
	touch "$a64_apt/status"
	if [ "$(cat "$a64_apt/sources.list" 2>/dev/null)" = "$want" ] &&
		[ -n "$(find "$a64_apt/lists" -maxdepth 1 -name '*Release' -mmin -360)" ]; then
		return 0
	fi
	printf '%s\n' "$want" >"$a64_apt/sources.list"
	a64_log "reading the arm64 package lists of $codename from $mirror"
	apt-get -q "${a64_own[@]}" update >&2
}

# a64_unpack DIR PKG...: arm64 packages downloaded and unpacked into DIR.
a64_unpack() {
	local dir=$1 debs deb
	shift
	debs=$(mktemp -d "$a64_dir/debs.XXXXXX")
	(cd "$debs" && apt-get download -q "${a64_own[@]}" "$@" >&2) ||
		{ rm -rf "$debs"; a64_die "cannot download $*"; }
	for deb in "$debs"/*.deb; do
		dpkg-deb -x "$deb" "$dir"
	done
	rm -rf "$debs"
}

# The arm64 root: every package of a64_packages, unpacked once.
a64_sysroot() {
	local want
	want="v1 $a64_packages"
	if [ "$(cat "$a64_root/.done" 2>/dev/null)" = "$want" ]; then
		return 0
	fi
	a64_update
	rm -rf "$a64_root"
	mkdir -p "$a64_root"
	a64_log "fetching the VM's arm64 packages into build/arm64/root"
	# shellcheck disable=SC2086 # a list of names
	a64_unpack "$a64_root" $a64_packages
	echo "$want" >"$a64_root/.done"
}

# The headers of KVER for arm64 with their common part (from the arm64
# archive) and the amd64 kbuild tools of the same version (from the
# machine's sources): the arm64 headers' scripts point at them.
a64_kdir_path() { echo "$a64_dir/kernel/$1/usr/src/linux-headers-$1"; }
a64_headers() {
	local k=$1 root=$a64_dir/kernel/$1 deb dep mk debs
	[ -f "$root/.done" ] && return 0
	a64_update
	rm -rf "$root"
	mkdir -p "$root"
	a64_log "fetching the arm64 headers of $k into build/arm64/kernel/$k"
	a64_unpack "$root" "linux-headers-$k"
	debs=$(mktemp -d "$a64_dir/debs.XXXXXX")
	(cd "$debs" && apt-get download -q "${a64_own[@]}" "linux-headers-$k" >&2)
	deb=$(ls "$debs"/*.deb)
	for dep in $(dpkg-deb -f "$deb" Depends | tr ',|' '\n' |
		sed -n 's/^ *\(linux-\(headers\|kbuild\)-[^ ]*\).*/\1/p'); do
		case "$dep" in
		linux-kbuild-*)
			(cd "$a64_top" && scripts/kver.sh --download "$debs/kbuild" "$dep") ||
				a64_die "cannot download $dep (amd64)"
			dpkg-deb -x "$debs"/kbuild/*.deb "$root"
			;;
		*) a64_unpack "$root" "$dep" ;;
		esac
	done
	rm -rf "$debs"
	mk=$(a64_kdir_path "$k")/Makefile
	[ -f "$mk" ] || a64_die "no $mk in the packages of $k"
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$mk"
	touch "$root/.done"
}

# The kernel image and its modules.
a64_kernel() {
	local k=$1 root=$2
	[ -f "$root/.done" ] && return 0
	a64_update
	rm -rf "$root"
	mkdir -p "$root"
	a64_log "fetching linux-image-$k"
	a64_unpack "$root" "linux-image-$k"
	[ -f "$root/boot/vmlinuz-$k" ] || a64_die "linux-image-$k has no /boot/vmlinuz-$k"
	depmod -b "$root" "$k"
	touch "$root/.done"
}

# What selftests/vm/run.sh takes from here when ARCH=arm64 (sourced after
# its own definitions, it replaces some): the arm64 kernel, binaries from
# the arm64 root with the libraries their DT_NEEDED entries name, the C
# selftests cross-compiled, and QEMU's virt machine on the board of dts/.
a64_cross=(CC=aarch64-linux-gnu-gcc "CPPFLAGS=-I$a64_root/usr/include"
	"LDFLAGS=-L$a64_root/usr/lib/aarch64-linux-gnu")

# shellcheck disable=SC2034,SC2154 # run.sh's variables
a64_vm() {
	kver=$(a64_kver)
	kroot=$kcache/kernel-$kver
	vmlinuz=$kroot/boot/vmlinuz-$kver
	moddir=$kroot/lib/modules/$kver
	vm_busybox=$a64_root/bin/busybox
	vm_modules="virtio_mmio virtio-rng 9pnet_virtio 9p"
	vm_karch=arm64
	vm_make=(make -s -C selftests "${a64_cross[@]}")
}

fetch_kernel() {
	[ -n "$custom" ] && die "NFSEC_VM_KERNEL is for x86 only"
	a64_sysroot
	a64_headers "$kver"
	a64_kernel "$kver" "$kroot"
}

probe_accel() { echo tcg; }

# a64_path PATH: PATH inside the arm64 root, symbolic links followed
# there (an absolute target is relative to the root, not to this machine).
a64_path() {
	local p=$1 t n=0
	while [ -L "$a64_root$p" ] && [ $n -lt 16 ]; do
		t=$(readlink "$a64_root$p")
		case "$t" in
		/*) p=$t ;;
		*) p=$(realpath -m -s "$(dirname "$p")/$t") ;;
		esac
		n=$((n + 1))
	done
	[ -f "$a64_root$p" ] && echo "$a64_root$p"
}

# shellcheck disable=SC2154 # stage: run.sh's
# a64_libs FILE: the dynamic loader and every library FILE needs, at
# the path the loader looks for it, recursively.
a64_libs() {
	local f=$1 lib d src interp
	interp=$(readelf -l "$f" | sed -n 's/.*program interpreter: \(.*\)\]/\1/p')
	if [ -n "$interp" ] && [ ! -e "$stage$interp" ]; then
		src=$(a64_path "$interp") || die "arm64: no $interp in build/arm64/root"
		mkdir -p "$stage$(dirname "$interp")"
		cp "$src" "$stage$interp"
	fi
	for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		src=""
		for d in /lib/aarch64-linux-gnu /usr/lib/aarch64-linux-gnu /lib /usr/lib; do
			[ -e "$stage$d/$lib" ] && continue 2
			src=$(a64_path "$d/$lib") && break
		done
		[ -n "$src" ] ||
			die "arm64: $(basename "$f") needs $lib: add its package to a64_packages"
		mkdir -p "$stage$d"
		cp "$src" "$stage$d/$lib"
		a64_libs "$src"
	done
}

# copy_bin BIN [DEST]: BIN of the arm64 root (found in any of the bin and
# sbin folders, as the packages are not usr-merged), or a file of this
# tree, with its libraries.
copy_bin() {
	local bin=$1 dest=${2:-$1} src="" d
	if [ "${bin#"$top"/}" != "$bin" ]; then
		[ -x "$bin" ] && src=$bin
	else
		for d in "$(dirname "$bin")" /bin /sbin /usr/bin /usr/sbin; do
			src=$(a64_path "$d/$(basename "$bin")") && break
		done
	fi
	[ -n "$src" ] || { log "skipping missing $bin (arm64)"; return 0; }
	mkdir -p "$stage$(dirname "$dest")"
	rm -f "$stage$dest"
	cp "$src" "$stage$dest"
	a64_libs "$src"
}

# The machine, its console and its virtio devices on the mmio transports
# that dts/qemu-virt-arm64.dts describes, in the order it expects them.
# shellcheck disable=SC2034,SC2054,SC2154 # run.sh's variables; -device commas
a64_qemu() {
	local dtb=$top/build/dts/qemu-virt-arm64.dtb
	make -s -C "$top" dts >&2 || die "dts/ does not compile"
	qemu=(qemu-system-aarch64 -machine virt -cpu cortex-a57 -accel tcg
		-m "$mem" -smp 2 -nodefaults -no-reboot -dtb "$dtb"
		-kernel "$vmlinuz" -initrd "$out/initramfs.cpio"
		-device virtio-rng-device
		-fsdev "local,id=export,path=$export_dir,security_model=none"
		-device virtio-9p-device,fsdev=export,mount_tag=nfsec-export)
	append=${append/console=ttyS0/console=ttyAMA0}
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	mkdir -p "$a64_dir"
	case "${1:-}" in
	--kver) a64_kver ;;
	--kdir)
		k=$(a64_kver)
		a64_headers "$k"
		a64_kdir_path "$k"
		;;
	--sysroot)
		a64_sysroot
		echo "$a64_root"
		;;
	--prepare)
		k=$(a64_kver)
		a64_headers "$k"
		a64_sysroot
		a64_kernel "$k" "$a64_top/build/vm/kernel-$k"
		;;
	*) a64_die "usage: $0 --kver | --kdir | --sysroot | --prepare" ;;
	esac
	exit 0
fi
