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
#   make bench      nfsec against XFRM in the test VM: table, CSV, plot
#   make install    install the module and the tool on this machine

SHELL := /bin/bash
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))

# KVER: the kernel that Debian's linux-headers-amd64 points at. Evaluated
# once per make run, and only when used, so `make deps` works without it.
# The scripts under selftests/ find it the same way (selftests/kver.sh) and
# honour KVER=... given on the command line or in the environment.
ifeq ($(strip $(KVER)),)
KVER = $(eval KVER := $(shell $(TOP)/selftests/kver.sh 2>/dev/null))$(KVER)
endif
KDIR ?= /usr/src/linux-headers-$(KVER)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
BUILD := $(TOP)/build

DEB_PACKAGES := build-essential linux-headers-amd64 linux-source-6.1 \
	qemu-system-x86 busybox-static iproute2 libmnl-dev iperf3 tcpdump \
	tshark sparse kmod cpio zstd xz-utils pkg-config perl coreutils \
	bc flex bison libelf-dev patch gnuplot-nox linux-perf

.PHONY: all module tools deps check check-debug vm-shell style clean install demo bench

all: module tools

# Warnings fail the build twice over: -Werror stops the compiler, so that a
# rerun cannot pass on a stale object, and any "warning:" in the output
# (modpost included) fails the target and removes the module file.
module:
	@test -d "$(KDIR)" || { echo "module: $(KDIR) missing (run 'make deps')" >&2; exit 1; }
	@mkdir -p $(BUILD)
	@set -o pipefail; \
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 KCFLAGS="$(KCFLAGS) -Werror" modules 2>&1 | \
		tee $(BUILD)/module.log; \
	rc=$$?; \
	if grep -qi 'warning:' $(BUILD)/module.log; then \
		echo "module: the build printed warnings (W=1 warnings are errors)" >&2; \
		rm -f $(CURDIR)/kmod/*.ko; \
		exit 1; \
	fi; \
	exit $$rc

tools:
	$(MAKE) -C userspace

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
	@selftests/check.sh

# The debug kernel (built once, then cached in build/debug-kernel/) and
# the whole selftest suite on it; see selftests/check-debug.sh.
check-debug:
	@selftests/check-debug.sh

vm-shell: module
	@-$(MAKE) --no-print-directory tools
	@selftests/vm/run.sh --shell

style:
	@selftests/style.sh

clean:
	-@test ! -d "$(KDIR)" || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-@test ! -f userspace/Makefile || $(MAKE) -C userspace clean
	rm -rf $(BUILD)

install: all
	$(SUDO) $(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	$(SUDO) depmod -a $(KVER)
	$(SUDO) $(MAKE) -C userspace install

# Results in build/bench/: results.md (also on stdout), results.csv (every
# repetition), summary.csv (medians, ratios), throughput.png. Knobs: the
# NFSEC_BENCH_* variables of selftests/bench/bench.sh, NFSEC_VM_MEM.
bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory module tools
	@selftests/bench/run.sh

# The demo from a clean clone: what is missing is installed, the module, the
# tool and the selftest helpers are built, then the VM plays
# selftests/demo.sh on this terminal; the exit code is the demo's.
demo: deps
	@start=$$(date +%s); \
	selftests/ksrc.sh >/dev/null && \
	$(MAKE) --no-print-directory -s module tools && \
	$(MAKE) --no-print-directory -s -C selftests all && \
	echo "demo: built in $$(($$(date +%s) - start)) s; booting the test VM" && \
	NFSEC_VM_TIMEOUT=$${NFSEC_VM_TIMEOUT:-600} selftests/vm/run.sh --demo demo.sh; \
	rc=$$?; \
	echo "demo: $$(($$(date +%s) - start)) s in all, exit $$rc"; \
	exit $$rc
