#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's own kernel (the one matching the installed headers) in QEMU
# with a small busybox initramfs that holds nfsec.ko, the tool, the host
# binaries the tests need and the kernel modules named by selftests/config,
# run the selftests there with the kselftest runner, and judge the run.
#
# usage: selftests/vm/run.sh [--prepare | --shell | --probe] [TEST.sh ...]
#        selftests/vm/run.sh --run SCRIPT
#        selftests/vm/run.sh --demo SCRIPT.sh
#   --prepare  only fetch and unpack the kernel (and its headers, when the
#              machine has none) and extract the runner
#   --shell    interactive shell on the serial console, nfsec loaded
#   --probe    only decide the accelerator (KVM or TCG) and print it
#   --run      run one script directly, not through the kselftest runner,
#              its output on the terminal: a selftest (esp.sh) or one of
#              bench/ (bench/bench.sh)
#   --demo     run one selftest script directly, not through the kselftest
#              runner, its output on the console as it comes; exit with
#              its status (or 1 if the run itself went wrong). Colour is
#              on when standard output is a terminal (NFSEC_DEMO_COLOUR=
#              1 or 0 forces it), passed to the script as NFSEC_DEMO_COLOUR.
#
# A guest line "NFSEC-OUT NAME TEXT" appends TEXT to the file NAME (a plain
# file name) in NFSEC_VM_OUT (default NFSEC_VM_DIR/out, emptied at each run):
# that is how results come back from a VM that shares no file system.
#
# A test run passes only if the guest prints "NFSEC-VM-DONE rc=0" at the
# start of a line, the runner's plan (1..N) is the number of tests asked
# for and of result lines, and the console holds no kernel warning, BUG,
# oops or sanitizer report. The TAP result lines are written to
# NFSEC_VM_DIR/results.tap (a skip with the reason its test printed); the
# results and captures of an earlier run are removed first, and a host
# binary the VM needs that is missing fails the run. Files the tests leave
# for the host (packet captures and the SAs that read them) come back
# through a 9p share: the guest mounts it on /export and names it to the
# tests in NFSEC_EXPORT; the host sees it as NFSEC_VM_DIR/export/, emptied
# before each run.
#
# Environment: KVER, NFSEC_VM_TIMEOUT (seconds, default 3600),
# NFSEC_VM_KERNEL (boot this bzImage instead of Debian's kernel; its release
# is read from kernel.release next to it or NFSEC_VM_KREL; its modules come
# from NFSEC_VM_MODDIR, a lib/modules/RELEASE folder, or, when that is
# unset, everything the tests need must be built in), NFSEC_VM_APPEND
# (more kernel command line options), NFSEC_VM_KMEMLEAK=1 (the guest scans
# for leaks after the tests; any leak fails the run),
# NFSEC_VM_ACCEL (auto, kvm or tcg), NFSEC_VM_INJECT (fail, warn or panic:
# make the guest fail on purpose), NFSEC_VM_KO, NFSEC_VM_TOOL,
# NFSEC_VM_IKE_PLUGIN (the kernel-nfsec plugin for ike.sh, default
# build/strongswan/libstrongswan-kernel-nfsec.so, staged when it exists),
# NFSEC_VM_ENV ("VAR=VALUE ...": exported in the guest before the tests run,
# e.g. NFSEC_VM_ENV="NFSEC_ESP_PAIRINGS=xfrm-xfrm NFSEC_ESP_BYTES=1000000";
# a VALUE holds no spaces or ';', lists in it use commas), NFSEC_VM_MEM
# (guest memory, default 2G), NFSEC_VM_PERF=1 (put perf in the guest),
# NFSEC_VM_TEST_TIMEOUT (seconds each selftest may run, instead of the
# timeout in selftests/settings), NFSEC_VM_OUT, NFSEC_VM_DIR (the folder of
# this run's initramfs, console log, results and export share, default
# build/vm: two runs at once each need their own; the kernels fetched
# stay in build/vm).
# ARCH=arm64: Debian's arm64 kernel and binaries on the board of dts/,
# under qemu-system-aarch64 (scripts/arm64.sh).
set -euo pipefail

cd "$(dirname "$0")/../.."
top=$PWD
# kcache: the kernels fetched, shared by every run; out: this run's files.
kcache=$top/build/vm
out=${NFSEC_VM_DIR:-$kcache}
mkdir -p "$out"
out=$(realpath "$out")
custom=${NFSEC_VM_KERNEL:-}
if [ -n "$custom" ]; then
	[ -f "$custom" ] || { echo "vm: NFSEC_VM_KERNEL=$custom missing" >&2; exit 1; }
	custom=$(realpath "$custom")
	kver=${NFSEC_VM_KREL:-$(cat "$(dirname "$custom")/kernel.release" 2>/dev/null || true)}
	[ -n "$kver" ] || { echo "vm: the release of $custom is unknown (NFSEC_VM_KREL)" >&2; exit 1; }
	kroot=
	vmlinuz=$custom
	moddir=${NFSEC_VM_MODDIR:-}
else
	kver=$(scripts/kver.sh)
	kroot=$kcache/kernel-$kver
	vmlinuz=$kroot/boot/vmlinuz-$kver
	moddir=$kroot/lib/modules/$kver
fi
stage=$out/initramfs
ko=${NFSEC_VM_KO:-$top/kmod/nfsec.ko}
tool=${NFSEC_VM_TOOL:-$top/userspace/nfsec}
timeout_s=${NFSEC_VM_TIMEOUT:-3600}
inject=${NFSEC_VM_INJECT:-}
mem=${NFSEC_VM_MEM:-2G}
outdir=${NFSEC_VM_OUT:-$out/out}
run_script=""
vm_busybox=/bin/busybox
vm_modules="virtio_pci virtio-rng 9pnet_virtio 9p"
vm_karch=x86
vm_make=(make -s -C selftests)

mode=test
case "${1:-}" in
--prepare) mode=prepare; shift ;;
--shell) mode=shell; shift ;;
--probe) mode=probe; shift ;;
--run)
	mode=run
	run_script=${2:-}
	[ -n "$run_script" ] || { echo "run.sh: --run needs a script" >&2; exit 2; }
	[ -f "selftests/$run_script" ] || { [[ "$run_script" == bench/* ]] && [ -f "$run_script" ]; } ||
		{ echo "run.sh: $run_script is not in selftests/ nor a script of bench/" >&2; exit 2; }
	[[ "$run_script" =~ ^[A-Za-z0-9_./-]+$ ]] || { echo "run.sh: bad script name $run_script" >&2; exit 2; }
	shift 2
	;;
--demo)
	mode=demo
	[ $# = 2 ] && [[ "$2" =~ ^[A-Za-z0-9_-]+\.sh$ ]] ||
		{ echo "run.sh: --demo takes one script name, e.g. demo.sh" >&2; exit 2; }
	shift
	;;
-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
esac

log() { echo "vm: $*" >&2; }
die() { echo "vm: $*" >&2; exit 1; }

# The kernel: Debian's linux-image package for $kver, downloaded (from the
# machine's apt sources or the backports suite, scripts/kver.sh) and
# unpacked once, then reused.
fetch_kernel() {
	[ -n "$custom" ] && return 0
	[ -f "$kroot/.done" ] && return 0
	local pkg="linux-image-$kver" deb
	rm -rf "$kroot" "$kroot.deb"
	mkdir -p "$kroot.deb"
	log "fetching $pkg"
	scripts/kver.sh --download "$kroot.deb" "$pkg" ||
		die "cannot download $pkg (is KVER newer than the archive?)"
	deb=$(ls "$kroot.deb/$pkg"_*.deb)
	dpkg-deb -x "$deb" "$kroot"
	rm -rf "$kroot.deb"
	[ -f "$vmlinuz" ] || die "$deb has no $vmlinuz"
	depmod -b "$kroot" "$kver"
	touch "$kroot/.done"
}

# CONFIG_ options of selftests/config that Debian builds as modules, mapped
# to module files through the kernel Makefiles (obj-$(CONFIG_X) += foo.o).
# Debian compresses modules from 6.12 on (foo.ko.xz).
config_modules() {
	local ksrc=$1 cfg=$kroot/boot/config-$kver sym want have
	grep -E '^CONFIG_[A-Z0-9_]+=[ym]' selftests/config | cut -d= -f1 |
	while read -r sym; do
		have=$(sed -n "s/^$sym=//p" "$cfg")
		# A "2" helper symbol built in carries the code (CRYPTO_NULL2).
		[ "$(sed -n "s/^${sym}2=//p" "$cfg")" = y ] && have=y
		case "$have" in
		y) continue ;;
		m) ;;
		*) echo "vm: $sym is not enabled in $cfg" >&2; echo "!missing"; continue ;;
		esac
		# Some options only select a helper symbol with a "2" suffix
		# that names the object (CRYPTO_NULL -> CRYPTO_NULL2).
		want=$(find "$ksrc" \( -name Makefile -o -name Kbuild \) -not -path '*/tools/*' |
			xargs awk -v sym="$sym" -v sym2="${sym}2" -v ksrc="$ksrc/" '
			{
				line = $0
				while (line ~ /\\$/ && (getline nxt) > 0)
					line = substr(line, 1, length(line) - 1) " " nxt
				if (line !~ "obj-\\$\\((" sym "|" sym2 ")\\)[ \t]*[:+]?=")
					next
				sub(/^[^=]*=/, "", line)
				dir = FILENAME
				sub(/\/[^\/]*$/, "", dir)
				sub("^" ksrc, "", dir)
				n = split(line, w, /[ \t]+/)
				for (i = 1; i <= n; i++)
					if (w[i] ~ /\.o$/) {
						sub(/\.o$/, ".ko", w[i])
						print dir "/" w[i]
					}
			}')
		local found=0 f z
		for f in $want; do
			for z in "" .xz .zst .gz; do
				if [ -f "$moddir/kernel/$f$z" ]; then
					echo "$moddir/kernel/$f$z"
					found=1
				fi
			done
		done
		[ $found = 1 ] || { echo "vm: no module found for $sym" >&2; echo "!missing"; }
	done
}

# Copy a host binary and the shared libraries it needs into the staging
# tree, at the same paths. copy_lib does the same for a shared library
# (or a plugin), which need not be executable.
copy_bin() {
	[ -x "$1" ] || die "$1 is missing on the host (make deps)"
	copy_file "$@"
}

copy_lib() {
	[ -f "$1" ] || die "$1 is missing on the host (make deps)"
	copy_file "$@"
}

copy_file() {
	local bin=$1 dest=${2:-$1} lib
	mkdir -p "$stage$(dirname "$dest")"
	rm -f "$stage$dest"	# may be a busybox link: never write through it
	cp -L "$bin" "$stage$dest"
	for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*' || true); do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

# strongSwan for ike.sh: charon, swanctl and pki, strongSwan's libraries,
# the plugins that selftests/lib.sh's lists (IKE_PLUGINS, IKE_TOOL_PLUGINS)
# name, and the kernel-nfsec plugin when it is built
# (build/strongswan/libstrongswan-kernel-nfsec.so, or NFSEC_VM_IKE_PLUGIN),
# outside charon's plugin folder, where ike.sh looks for it. charon reads
# no file of /etc: the tests give it a strongswan.conf of their own.
stage_strongswan() {
	local p plugins ike_plugin=${NFSEC_VM_IKE_PLUGIN:-$top/build/strongswan/libstrongswan-kernel-nfsec.so}
	if [ "${ARCH:-}" = arm64 ]; then
		log "no strongSwan in the arm64 VM: ike.sh skips there"
		return 0
	fi
	copy_bin /usr/lib/ipsec/charon
	copy_bin /usr/sbin/swanctl
	copy_bin /usr/bin/pki
	for p in /usr/lib/ipsec/lib*.so.0; do
		copy_lib "$p"
	done
	# glibc loads libgcc_s at the first pthread_cancel(), which
	# charon and swanctl call: ldd does not name it.
	p=$(ldd /usr/lib/ipsec/charon | sed -n 's/.*libc\.so\.6 => \([^ ]*\).*/\1/p')
	copy_lib "$(dirname "$p")/libgcc_s.so.1"
	plugins=$(sed -n 's/^IKE_\(TOOL_\)\{0,1\}PLUGINS="\(.*\)"$/\2/p' selftests/lib.sh |
		tr ' ' '\n' | sort -u)
	[ -n "$plugins" ] || die "no IKE_PLUGINS list in selftests/lib.sh"
	for p in $plugins; do
		copy_lib "/usr/lib/ipsec/plugins/libstrongswan-$p.so"
	done
	if [ -f "$ike_plugin" ]; then
		copy_lib "$ike_plugin" /usr/lib/nfsec/strongswan/libstrongswan-kernel-nfsec.so
	fi
}

build_initramfs() {
	ksrc=$1
	local m
	rm -rf "$stage"
	mkdir -p "$stage"/{bin,sbin,usr/bin,usr/sbin,etc/nfsec-vm,proc,sys,dev,tmp,run,root,ksft/nfsec}
	mkdir -p "$stage/lib/modules/$kver/extra" "$stage/var"
	ln -s ../run "$stage/var/run"

	# busybox first, so that the real binaries copied below win.
	cp "$vm_busybox" "$stage/bin/busybox"
	for m in $(/bin/busybox --list-full); do
		[ -e "$stage/$m" ] || ln -s /bin/busybox "$stage/$m"
	done
	rm -f "$stage"/{sbin,usr/sbin,bin,usr/bin}/{ip,tc,modprobe,insmod,rmmod,lsmod,depmod,modinfo,timeout,dmesg}

	local b
	for b in /usr/sbin/ip /usr/sbin/tc /usr/sbin/bridge /usr/sbin/genl /usr/bin/ss \
		/usr/bin/tcpdump /usr/bin/iperf3 /bin/bash /usr/bin/timeout /usr/bin/dmesg \
		/usr/sbin/nft /usr/bin/unshare; do
		copy_bin "$b"
	done
	stage_strongswan
	copy_bin /usr/bin/kmod /usr/bin/kmod
	# For init's tap_prefix: busybox sed cannot write line by line.
	copy_bin /bin/sed /usr/lib/nfsec-vm/sed
	for m in modprobe insmod rmmod lsmod depmod modinfo; do
		ln -s /usr/bin/kmod "$stage/sbin/$m"
	done
	[ -d /etc/iproute2 ] && cp -r /etc/iproute2 "$stage/etc/"
	[ -d /usr/share/iproute2 ] && mkdir -p "$stage/usr/share" && cp -r /usr/share/iproute2 "$stage/usr/share/"
	echo "root:x:0:0:root:/root:/bin/sh" >"$stage/etc/passwd"
	echo "root:x:0:" >"$stage/etc/group"
	echo "tcpdump:x:0:0::/:/bin/sh" >>"$stage/etc/passwd"
	printf '127.0.0.1 localhost\n' >"$stage/etc/hosts"
	printf '%s\n' "PS1='nfsec-vm:\w# '" >"$stage/etc/profile"

	[ -x "$tool" ] || die "$tool not built (run 'make tools')"
	copy_bin "$tool" /usr/sbin/nfsec

	: >"$stage/etc/nfsec-vm/modules"
	if [ -n "$custom" ]; then
		stage_custom_modules
		return
	fi
	# Kernel modules: those selftests/config needs, their dependencies,
	# the VM's own (virtio), and nfsec.ko under extra/ so autoload works.
	local mods
	mods=$(config_modules "$ksrc")
	if echo "$mods" | grep -q '^!missing'; then
		die "selftests/config needs options this kernel lacks"
	fi
	mods="$mods $vm_modules"
	local name dep
	for m in $mods; do
		name=$(basename "$m")
		name=${name%%.ko*}
		for dep in $(modprobe -D -C /dev/null -d "$kroot" -S "$kver" "$name" |
			sed -n 's/^insmod \([^ ]*\).*/\1/p'); do
			dep=${dep#"$kroot"}
			if [ ! -f "$stage$dep" ]; then
				mkdir -p "$stage$(dirname "$dep")"
				cp "$kroot$dep" "$stage$dep"
			fi
		done
		echo "$name" >>"$stage/etc/nfsec-vm/modules"
	done
	# Every crypto module too, not loaded but there to be found: the crypto
	# API picks implementations (ctr, ghash, the SIMD ones...) by itself.
	for m in "$moddir"/kernel/crypto/*.ko* "$moddir"/kernel/arch/$vm_karch/crypto/*.ko*; do
		dep=${m#"$kroot"}
		mkdir -p "$stage$(dirname "$dep")"
		[ -f "$stage$dep" ] || cp "$m" "$stage$dep"
	done
	cp "$moddir"/modules.{order,builtin,builtin.modinfo} "$stage/lib/modules/$kver/"
	stage_tests
}

# A kernel given by NFSEC_VM_KERNEL: its module folder copied as it is, or
# with everything built in, only the lists of built-in modules (found next
# to the bzImage) so that modprobe knows them.
stage_custom_modules() {
	local dir
	dir=$(dirname "$vmlinuz")
	if [ -n "$moddir" ]; then
		[ -d "$moddir" ] || die "NFSEC_VM_MODDIR=$moddir missing"
		cp -a "$moddir/." "$stage/lib/modules/$kver/"
	fi
	for m in modules.builtin modules.builtin.modinfo; do
		[ -f "$stage/lib/modules/$kver/$m" ] || [ ! -f "$dir/$m" ] ||
			cp "$dir/$m" "$stage/lib/modules/$kver/"
	done
	stage_tests
}

# nfsec.ko, the kselftest runner and the tests, then the archive.
stage_tests() {
	local m
	mkdir -p "$stage/lib/modules/$kver/extra"
	cp "$ko" "$stage/lib/modules/$kver/extra/nfsec.ko"
	depmod -b "$stage" "$kver"

	# The kselftest runner and the tests, the C ones built here.
	"${vm_make[@]}" all >&2 || die "building the C selftests failed"
	mkdir -p "$stage/ksft/kselftest"
	cp "$ksrc"/tools/testing/selftests/kselftest/{runner.sh,prefix.pl} "$stage/ksft/kselftest/"
	make -s -C selftests list-tests >"$stage/ksft/nfsec/tests"
	# A test that sources lib.sh but is not listed would never run.
	for m in $(grep -l '^source .*/lib\.sh"$' selftests/*.sh selftests/*/*.sh); do
		grep -qx "${m#selftests/}" "$stage/ksft/nfsec/tests" ||
			die "$m is not listed in TEST_PROGS of selftests/Makefile"
	done
	# Those in a subfolder of selftests/ (fuzz/) go to the same one.
	for m in $(cat "$stage/ksft/nfsec/tests") $(make -s -C selftests list-files); do
		mkdir -p "$stage/ksft/nfsec/$(dirname "$m")"
		cp "selftests/$m" "$stage/ksft/nfsec/$m"
	done
	cp kmod/uapi/nfsec.h "$stage/ksft/nfsec/"
	if [ -n "${NFSEC_VM_TEST_TIMEOUT:-}" ]; then
		[[ "$NFSEC_VM_TEST_TIMEOUT" =~ ^[1-9][0-9]*$ ]] ||
			die "NFSEC_VM_TEST_TIMEOUT: not a number of seconds: $NFSEC_VM_TEST_TIMEOUT"
		sed -i "s/^timeout=.*/timeout=$NFSEC_VM_TEST_TIMEOUT/" "$stage/ksft/nfsec/settings"
	fi
	# The benchmark (run with --run bench/bench.sh) next to the tests, so
	# that it finds lib.sh as ../lib.sh.
	cp -r bench "$stage/ksft/nfsec/"
	if [ "${NFSEC_VM_PERF:-0}" = 1 ]; then
		# Older linux-perf packages install perf_<version> and a
		# wrapper script as /usr/bin/perf.
		m=$(find /usr/bin -name 'perf_[0-9]*' -type f | sort -V | tail -n 1)
		[ -n "$m" ] || m=/usr/bin/perf
		if [ -x "$m" ] && [ "$(head -c 4 "$m" | tail -c 3)" = ELF ]; then
			copy_bin "$m" /usr/bin/perf
		else
			die "NFSEC_VM_PERF=1 but no perf binary (install linux-perf)"
		fi
	fi
	install -m 0755 selftests/vm/init "$stage/init"

	(cd "$stage" && find . -print0 | cpio --null -o -H newc --quiet) >"$out/initramfs.cpio"
}

# The accelerator: KVM only if /dev/kvm opens and a probe boot of the same
# kernel reaches userspace within 20 s (a KVM guest may hang early);
# otherwise TCG. The verdict is cached per host boot.
probe_accel() {
	case "${NFSEC_VM_ACCEL:-auto}" in
	kvm|tcg) echo "${NFSEC_VM_ACCEL}"; return ;;
	esac
	local cache=$kcache/accel boot_id verdict=tcg
	boot_id=$(cat /proc/sys/kernel/random/boot_id)
	if [ -f "$cache" ] && [ "$(sed -n 1p "$cache")" = "$boot_id $kver" ]; then
		sed -n 2p "$cache"
		return
	fi
	local kvm_dev=${NFSEC_VM_KVM_DEV:-/dev/kvm}
	if [ -w "$kvm_dev" ] && : 2>/dev/null <>"$kvm_dev"; then
		local p=$out/probe
		rm -rf "$p"
		mkdir -p "$p/root/bin"
		cp /bin/busybox "$p/root/bin/busybox"
		printf '#!/bin/busybox sh\n/bin/busybox echo NFSEC-PROBE-OK\n/bin/busybox poweroff -f\n' >"$p/root/init"
		chmod +x "$p/root/init"
		(cd "$p/root" && find . -print0 | cpio --null -o -H newc --quiet) >"$p/initramfs.cpio"
		log "probing KVM (20 s at most)"
		timeout -k 5 20 qemu-system-x86_64 -accel kvm -cpu host -m 256M -smp 1 \
			-nodefaults -display none -no-reboot -serial "file:$p/console.log" \
			-kernel "$vmlinuz" -initrd "$p/initramfs.cpio" \
			-append "console=ttyS0 quiet panic=-1" </dev/null >/dev/null 2>&1 || true
		if grep -q NFSEC-PROBE-OK "$p/console.log" 2>/dev/null; then
			verdict=kvm
		else
			log "KVM probe did not boot: using TCG"
		fi
	fi
	printf '%s\n%s\n' "$boot_id $kver" "$verdict" >"$cache"
	echo "$verdict"
}

qemu_accel_args() {
	if [ "$1" = kvm ]; then
		echo "-accel kvm -cpu host"
	else
		echo "-accel tcg -cpu max"
	fi
}

if [ "${ARCH:-}" = arm64 ]; then
	# shellcheck source-path=SCRIPTDIR/../.. source=scripts/arm64.sh
	source scripts/arm64.sh
	a64_vm
fi
mkdir -p "$out"
# What an earlier run left is never read as this run's: a run that dies
# before the VM has no results and no captures.
if [ "$mode" != prepare ] && [ "$mode" != probe ]; then
	rm -rf "$out/results.tap" "$out/console.log" "$out/export" "$outdir"
fi
ksrc=$(scripts/ksrc.sh)
ksrc=$top/$ksrc
fetch_kernel
if [ "$mode" = prepare ] && [ -z "$custom" ] && [ "${ARCH:-}" != arm64 ]; then
	KVER=$kver scripts/kver.sh --fetch >/dev/null
fi
[ "$mode" = prepare ] && exit 0
accel=$(probe_accel)
[ "$mode" = probe ] && { echo "$accel"; exit 0; }

[ -f "$ko" ] || die "$ko not built (run 'make module')"
build_initramfs "$ksrc"
log "accelerator: $accel, kernel $kver, initramfs $(du -h "$out/initramfs.cpio" | cut -f1)"

# The tests asked for, as TEST_PROGS lists them: one in a subfolder
# (fuzz/fuzz_netlink.sh) may be named by its file name, as the runner
# names it in its results.
test_path() {
	local t
	while read -r t; do
		if [ "$t" = "$1" ] || [ "${t##*/}" = "$1" ]; then
			echo "$t"
			return
		fi
	done <"$stage/ksft/nfsec/tests"
	echo "$1"
}
tests=""
for m in "$@"; do
	tests="${tests:+$tests,}$(test_path "$m")"
done
# slab_nomerge: nfsec's caches stay its own, so kmem_cache_destroy() at
# rmmod reports any object nfsec leaked.
append="console=ttyS0 loglevel=5 panic_on_warn=1 panic=-1 oops=panic slab_nomerge"
append="$append${NFSEC_VM_APPEND:+ $NFSEC_VM_APPEND}"
[ "${NFSEC_VM_KMEMLEAK:-0}" = 1 ] && append="$append nfsecvm_kmemleak=1"
append="$append nfsecvm_accel=$accel"
# shellcheck disable=SC2207
qemu=(qemu-system-x86_64 $(qemu_accel_args "$accel") -m "$mem" -smp 2 -nodefaults
	-no-reboot -kernel "$vmlinuz" -initrd "$out/initramfs.cpio"
	-device virtio-rng-pci)
export_dir=$out/export
rm -rf "$export_dir"
mkdir -p "$export_dir"
qemu+=(-virtfs "local,path=$export_dir,mount_tag=nfsec-export,security_model=none")
[ "${ARCH:-}" = arm64 ] && a64_qemu

if [ "$mode" = shell ]; then
	exec "${qemu[@]}" -nographic -serial mon:stdio \
		-append "$append nfsecvm_mode=shell"
fi

[ -n "$tests" ] && append="$append nfsecvm_tests=$tests"
[ "$mode" = run ] && append="$append nfsecvm_mode=run nfsecvm_run=$run_script"
if [ "$mode" = demo ]; then
	colour=${NFSEC_DEMO_COLOUR:-}
	if [ -z "$colour" ]; then
		colour=0
		[ -t 1 ] && colour=1
	fi
	append="$append nfsecvm_mode=demo nfsecvm_colour=$colour"
fi
[ -n "$inject" ] && append="$append nfsecvm_inject=$inject"
if [ -n "${NFSEC_VM_ENV:-}" ]; then
	vm_env=""
	for m in $NFSEC_VM_ENV; do
		[[ "$m" =~ ^[A-Za-z_][A-Za-z0-9_]*=[^\;]*$ ]] || die "NFSEC_VM_ENV: bad entry '$m'"
		vm_env="${vm_env:+$vm_env;}$m"
	done
	append="$append nfsecvm_env=$vm_env"
fi
console=$out/console.log
results=$out/results.tap
rm -f "$console" "$results"
start=$(date +%s)
set +e
timeout -k 10 "$timeout_s" "${qemu[@]}" -display none -monitor none \
	-serial stdio -append "$append" </dev/null 2>&1 |
	stdbuf -oL tr -d '\r' | tee "$console"
qrc=${PIPESTATUS[0]}
set -e
log "VM ran $(($(date +%s) - start)) s, qemu exit $qrc"

# Files the guest sent back on the console.
rm -rf "$outdir"
mkdir -p "$outdir"
{ grep -a -E '^NFSEC-OUT [A-Za-z0-9_.-]+( |$)' "$console" || true; } |
	while IFS= read -r m; do
		m=${m#NFSEC-OUT }
		name=${m%% *}
		[ "$name" = "$m" ] && m="" || m=${m#* }
		printf '%s\n' "$m" >>"$outdir/$name"
	done

# The TAP lines of the guest runner, then one verdict on the run itself.
# A skip carries the reason the test printed ("SKIP: NAME: REASON"), which
# the runner's own line lacks.
sed -n '/^NFSEC-TAP-BEGIN$/,/^NFSEC-TAP-END$/p' "$console" | sed '1d;$d' >"$out/tap.txt"
awk '/^# SKIP: / { reason = $0; sub(/^# SKIP: [^:]*: /, "", reason); next }
	/^(not )?ok / {
		if ($0 ~ /# SKIP$/ && reason != "")
			$0 = $0 " " reason
		print; reason = "" }' "$out/tap.txt" >"$results"
why=""
done_line=$(grep -a -E '^NFSEC-VM-DONE rc=[0-9]+$' "$console" | tail -n 1 || true)
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	why="timed out after $timeout_s s"
elif [ -z "$done_line" ]; then
	why="no completion marker (the guest crashed or powered off early)"
elif [ "$done_line" != "NFSEC-VM-DONE rc=0" ]; then
	why="guest reported ${done_line#NFSEC-VM-DONE }"
	guest_rc=${done_line#NFSEC-VM-DONE rc=}
fi
# Every test the runner planned has its result line, and the plan is the
# tests asked for (and the one an injected failure adds).
if [ "$mode" = test ] && [ -n "$done_line" ]; then
	if [ -n "$tests" ]; then
		want=$(tr ',' '\n' <<<"$tests" | grep -c .)
	else
		want=$(grep -c . "$stage/ksft/nfsec/tests")
	fi
	case "$inject" in fail | warn) want=$((want + 1)) ;; esac
	plan=$(grep -a -E '^1\.\.[0-9]+$' "$out/tap.txt" | head -n 1)
	got=$(grep -c -E '^(not )?ok [0-9]+ ' "$results" || true)
	if [ "$plan" != "1..$want" ] || [ "$got" != "$want" ]; then
		why="${why:+$why; }runner plan '${plan:-none}', $got result lines, $want tests asked for"
	fi
fi
# Lockdep, RCU-lockdep and might_sleep reports start with "WARNING:" or
# "BUG:" ("WARNING: possible circular locking dependency detected",
# "WARNING: suspicious RCU usage", "BUG: sleeping function called from
# invalid context"); SLUB's are "BUG CACHE (...): Objects remaining" at
# rmmod; kmemleak's are "unreferenced object" in the scan the guest prints
# and "suspected memory leaks" in the kernel log.
bad=$(grep -a -n -E 'WARNING:|BUG:|BUG [^ ]+ \(|Oops|Call Trace|kernel BUG|UBSAN|KASAN|suspected memory leak|unreferenced object|INFO: task .* blocked|detected stall|NFSEC-KMEMLEAK-FAIL' \
	"$console" | head -n 20 || true)
if [ -n "$bad" ]; then
	why="${why:+$why; }kernel log reports problems:"
fi
if [ -z "$why" ]; then
	echo "ok - vm: run completed, kernel log clean ($accel)" >>"$results"
	log "PASS"
	exit 0
fi
echo "not ok - vm: $why" >>"$results"
log "FAIL: $why"
[ -n "$bad" ] && echo "$bad" | sed 's/^/vm:   console:/' >&2
# A demo that failed on its own ends with its own status.
if [ "$mode" = demo ] && [ -z "$bad" ] && [ -n "${guest_rc:-}" ] && [ "$guest_rc" != 0 ]; then
	exit "$guest_rc"
fi
exit 1
