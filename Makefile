# SPDX-License-Identifier: GPL-2.0
#
# nfsec: top-level build, test and install entry points.
#
#   make deps       install the missing Debian packages (needs root)
#   make            build the module (kmod/nfsec.ko) and the tool
#   make check      every test: build, style, host unit tests, VM selftests
#   make check-debug  the VM selftests on a KASAN/lockdep/kmemleak kernel
#   make demo       the narrated Alice, Bob and Trudy scenario in the test VM
#   make vm-shell   boot the test VM with nfsec loaded, interactive shell
#   make style      checkpatch --strict and sparse on kmod/
#   make dts        the device trees of dts/ compiled into build/dts/
#                   (a dtc warning fails)
#   make bench      nfsec against XFRM in the test VM: table, CSV, plot
#   make install    install the module and the tool on this machine
#   make dkms       install the module through DKMS (rebuilt for every new
#                   kernel) and the tool
#   make strongswan the kernel-nfsec plugin of strongSwan's charon
#                   (strongswan/) into build/strongswan/
#   make strongswan-install  that plugin into charon's plugin folder and
#                   its settings into /etc/strongswan.d/charon/

SHELL := /bin/bash
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# KVER, KDIR: the kernel to build for. Either may be given, KVER as a
# release (6.12.118+deb12-amd64) or a Debian series (6.12). By default: the
# running kernel when its build folder exists, else the Debian kernel the
# tests boot (scripts/kver.sh). Debian headers the machine lacks are
# fetched into build/kernel/ (scripts/kver.sh --fetch). Both are
# evaluated once per make run, and only when used, so `make deps` works
# without them.
KVER_GIVEN := $(if $(filter undefined,$(origin KVER)),,y)
KDIR_GIVEN := $(if $(filter undefined,$(origin KDIR)),,y)
RUNNING := $(shell uname -r)
ifeq ($(KVER_GIVEN)$(KDIR_GIVEN),)
ifneq ($(wildcard /lib/modules/$(RUNNING)/build/Makefile),)
KVER := $(RUNNING)
KDIR := /lib/modules/$(RUNNING)/build
endif
endif
ifeq ($(KVER_GIVEN),y)
# A series (6.12) becomes the release it stands for.
override KVER := $(shell KVER='$(KVER)' $(TOP)/scripts/kver.sh 2>/dev/null)
else ifeq ($(KDIR_GIVEN),y)
KVER = $(eval KVER := $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null))$(KVER)
else ifeq ($(origin KVER),undefined)
KVER = $(eval KVER := $(shell $(TOP)/scripts/kver.sh 2>/dev/null))$(KVER)
endif
ifeq ($(origin KDIR),undefined)
KDIR = $(eval KDIR := $(shell KVER='$(KVER)' $(TOP)/scripts/kver.sh --kdir 2>/dev/null))$(KDIR)
# Debian headers the machine lacks are fetched on first use.
KDIR_FETCH := y
endif

# ARCH=arm64: the module cross-compiled with Debian's aarch64 toolchain
# against Debian's arm64 headers of the same release as the x86 kernel
# (6.1.0-57-amd64 gives 6.1.0-57-arm64), the tool and the C selftests
# against the arm64 libmnl; all fetched into build/arm64/ by
# scripts/arm64.sh. `make check ARCH=arm64` runs the suite on it.
ifeq ($(ARCH),arm64)
export CROSS_COMPILE ?= aarch64-linux-gnu-
A64 := $(TOP)/scripts/arm64.sh
A64_KVER_IN := $(if $(KVER_GIVEN),$(KVER))
override KVER = $(eval override KVER := $(shell KVER='$(A64_KVER_IN)' $(A64) --kver 2>/dev/null))$(KVER)
override KDIR = $(eval override KDIR := $(shell KVER='$(A64_KVER_IN)' $(A64) --kdir))$(KDIR)
KDIR_FETCH :=
CHECK_KVER := $(A64_KVER_IN)
A64_ROOT = $(eval A64_ROOT := $(shell $(A64) --sysroot))$(A64_ROOT)
CROSS_ARGS = CC=$(CROSS_COMPILE)gcc CPPFLAGS=-I$(A64_ROOT)/usr/include \
	LDFLAGS=-L$(A64_ROOT)/usr/lib/aarch64-linux-gnu
endif

CHECK_KVER ?= $(KVER)

# The kernel the test VM boots (scripts/kver.sh), for the targets that
# run it: KVER when given, else the default Debian kernel.
ifeq ($(KVER_GIVEN),y)
TEST_KVER := $(KVER)
else
TEST_KVER = $(eval TEST_KVER := $(shell $(TOP)/scripts/kver.sh 2>/dev/null))$(TEST_KVER)
endif

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
BUILD := $(TOP)/build

DEB_PACKAGES := build-essential linux-headers-amd64 linux-source-6.1 \
	qemu-system-x86 busybox-static iproute2 libmnl-dev iperf3 tcpdump \
	tshark sparse kmod cpio zstd xz-utils pkg-config perl coreutils \
	bc flex bison libelf-dev patch gnuplot-nox linux-perf dwarves \
	gcc-aarch64-linux-gnu qemu-system-arm device-tree-compiler nftables \
	strongswan-charon strongswan-swanctl strongswan-pki \
	libstrongswan-standard-plugins dpkg-dev

.PHONY: all module tools deps check check-debug vm-shell style clean install dkms demo bench dts \
	strongswan strongswan-install

all: module tools

# NFSEC_WERROR=1 (make check, CI): W=1, and warnings fail the build twice
# over: -Werror stops the compiler, so that a rerun cannot pass on a stale
# object, and any "warning:" in the output (modpost included) fails the
# target and removes the module file. Without it warnings are printed and
# the build goes on, as under DKMS.
WERROR_FLAGS = $(if $(filter 1,$(NFSEC_WERROR)),W=1 KCFLAGS="$(KCFLAGS) -Werror")

module:
	@test -d "$(KDIR)" || \
		$(if $(KDIR_FETCH),KVER='$(KVER)' $(TOP)/scripts/kver.sh --fetch >/dev/null,false) || \
		{ echo "module: no kbuild folder for kernel '$(KVER)' (KDIR=$(KDIR))" >&2; exit 1; }
	@echo "module: building for kernel $(KVER) ($(KDIR))"
	@mkdir -p $(BUILD)
	@set -o pipefail; \
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(WERROR_FLAGS) modules 2>&1 | \
		tee $(BUILD)/module.log; \
	rc=$$?; \
	if [ "$(NFSEC_WERROR)" = 1 ] && grep -qi 'warning:' $(BUILD)/module.log; then \
		echo "module: the build printed warnings (W=1 warnings are errors)" >&2; \
		rm -f $(CURDIR)/kmod/*.ko; \
		exit 1; \
	fi; \
	exit $$rc

tools:
	$(MAKE) -C userspace $(CROSS_ARGS)

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${db:Status-Abbrev}' "$$p" 2>/dev/null | grep -q '^ii' || \
			missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "deps: all Debian packages present"; exit 0; fi; \
	echo "deps: installing$$missing"; \
	echo 'wireshark-common wireshark-common/install-setuid boolean false' | \
		$(SUDO) debconf-set-selections; \
	$(SUDO) apt-get update -q && \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $$missing

# The module's built-in self-tests run at every load of a check build.
check: export NFSEC_DEBUG ?= 1
check:
	@$(if $(KVER_GIVEN),KVER=$(CHECK_KVER)) scripts/check.sh

# The debug kernel (built once, then cached in build/debug-kernel/) and
# the whole selftest suite on it; see scripts/check-debug.sh.
check-debug:
	@scripts/check-debug.sh

vm-shell:
	@$(MAKE) --no-print-directory module KVER=$(TEST_KVER)
	@-$(MAKE) --no-print-directory tools
	@$(MAKE) --no-print-directory -C selftests vm-shell KVER=$(TEST_KVER)

style:
	@scripts/style.sh

dts:
	@mkdir -p $(BUILD)/dts
	@for f in dts/*.dts; do \
		b=$(BUILD)/dts/$$(basename "$$f" .dts); \
		dtc -I dts -O dtb -o "$$b.dtb" "$$f" 2>"$$b.log" || { cat "$$b.log" >&2; exit 1; }; \
		if [ -s "$$b.log" ]; then \
			cat "$$b.log" >&2; rm -f "$$b.dtb"; \
			echo "dts: dtc warned about $$f" >&2; exit 1; \
		fi; \
		echo "dts: $$f -> build/dts/$$(basename "$$b").dtb"; \
	done

clean:
	-@test ! -d "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-@test ! -f userspace/Makefile || $(MAKE) -C userspace clean
	rm -rf $(BUILD)

install: all
	$(SUDO) $(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	$(SUDO) depmod -a $(KVER)
	$(SUDO) $(MAKE) -C userspace install
	@echo "install: nfsec.ko for kernel $(KVER):" \
		$$(find /lib/modules/$(KVER) -name 'nfsec.ko*' 2>/dev/null || true)

# DKMS: kmod/ is the source tree (kmod/dkms.conf). Its sources go to
# /usr/src/nfsec-VERSION, then dkms adds the module and builds and installs
# it for KVER; DKMS rebuilds it for every kernel installed later.
VERSION = $(shell sed -n 's/^\#define NFSEC_VERSION "\(.*\)"/\1/p' $(TOP)/kmod/version.h)
DKMS_SRC = /usr/src/nfsec-$(VERSION)

dkms:
	@grep -qx 'PACKAGE_VERSION="$(VERSION)"' kmod/dkms.conf || \
		{ echo "dkms: kmod/dkms.conf is not at version $(VERSION) (kmod/version.h)" >&2; exit 1; }
	-@$(SUDO) dkms remove -m nfsec -v $(VERSION) --all >/dev/null 2>&1
	$(SUDO) rm -rf $(DKMS_SRC)
	$(SUDO) mkdir -p $(DKMS_SRC)/uapi
	$(SUDO) cp COPYING kmod/Kbuild kmod/dkms.conf \
		$$(find kmod -maxdepth 1 -name '*.[ch]' ! -name '*.mod.c') $(DKMS_SRC)/
	$(SUDO) cp kmod/uapi/*.h $(DKMS_SRC)/uapi/
	$(SUDO) dkms add -m nfsec -v $(VERSION)
	$(SUDO) dkms install -m nfsec -v $(VERSION) -k $(KVER) \
		$(if $(wildcard $(KDIR)/Makefile),--kernelsourcedir $(KDIR))
	$(SUDO) $(MAKE) -C userspace install

# The kernel-nfsec plugin, built against the source of the installed
# strongswan-charon, which scripts/strongswan.sh fetches into
# build/strongswan/ (strongSwan installs no headers for plugins).
strongswan:
	@scripts/strongswan.sh

# charon finds plugins in its plugin folder only (no setting names another).
SS_PLUGINDIR := /usr/lib/ipsec/plugins

strongswan-install: strongswan
	$(SUDO) install -m 0644 $(BUILD)/strongswan/libstrongswan-kernel-nfsec.so $(SS_PLUGINDIR)/
	$(SUDO) install -m 0644 strongswan/kernel-nfsec.conf /etc/strongswan.d/charon/

# Results in build/bench/: results.md (also on stdout), results.csv (every
# repetition), summary.csv (medians, ratios), throughput.png. Knobs: the
# NFSEC_BENCH_* variables of bench/bench.sh, NFSEC_VM_MEM.
bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory module tools KVER=$(TEST_KVER)
	@KVER=$(TEST_KVER) bench/run.sh

# The demo from a clean clone: what is missing is installed, the module, the
# tool, the charon plugin and the selftest helpers are built, then the VM plays
# selftests/demo.sh on this terminal (make -C selftests demo), which
# fails when the demo does.
demo: deps
	@start=$$(date +%s); \
	export KVER=$(TEST_KVER); \
	scripts/ksrc.sh >/dev/null && \
	$(MAKE) --no-print-directory -s module tools strongswan && \
	$(MAKE) --no-print-directory -s -C selftests all && \
	echo "demo: built in $$(($$(date +%s) - start)) s; booting the test VM" && \
	NFSEC_VM_TIMEOUT=$${NFSEC_VM_TIMEOUT:-600} $(MAKE) --no-print-directory -s -C selftests demo; \
	rc=$$?; \
	echo "demo: $$(($$(date +%s) - start)) s in all, exit $$rc"; \
	exit $$rc
