#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: scripts/module-copy.sh KDIR DEST
#
# nfsec.ko built against the kbuild folder KDIR from a copy of the sources
# in DEST (DEST/kmod/nfsec.ko), with W=1 and warnings as errors, so that
# kmod/ keeps the build of another kernel (a VM may be loading it). The
# build's output goes to standard output; a warning fails.
set -uo pipefail

[ $# = 2 ] || { echo "usage: $0 KDIR DEST" >&2; exit 2; }
kdir=$1 dest=$2
cd "$(dirname "$0")/.." || exit 1
rm -rf "$dest"
mkdir -p "$dest"
cp -r Kbuild kmod "$dest/"
find "$dest" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' -o -name '*.mod*' \
	-o -name modules.order -o -name Module.symvers \) -delete
make -C "$kdir" M="$(realpath "$dest")" W=1 KCFLAGS="-Werror" modules 2>&1 | tee "$dest/build.log"
rc=${PIPESTATUS[0]}
if grep -qi 'warning:' "$dest/build.log"; then
	echo "module: the build printed warnings (W=1 warnings are errors)" >&2
	rm -f "$dest/kmod/nfsec.ko"
	exit 1
fi
exit "$rc"
