#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Extract the few files the project borrows at build time from Debian's
# linux-source package into build/ksrc/ (never into the repository):
# checkpatch.pl and its data files, the kselftest runner and header, and the
# kernel's Makefiles (used to map CONFIG_ options to module files).
# Extraction happens once per tarball; later calls only print the folder.
# The source is the default kernel's (KVER does not choose it): these files
# serve every kernel the tests boot.
set -euo pipefail

cd "$(dirname "$0")/.."
kver=$(KVER='' scripts/kver.sh)
series=$(echo "$kver" | cut -d. -f1,2)
tarball=${KSRC_TARBALL:-/usr/src/linux-source-$series.tar.xz}
out=build/ksrc

[ -r "$tarball" ] || { echo "ksrc: $tarball missing (run 'make deps')" >&2; exit 1; }
stamp="$out/.stamp"
want="files-v2 $tarball $(stat -c '%s %Y' "$tarball")"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	echo "$out"
	exit 0
fi

rm -rf "$out"
mkdir -p "$out"
top="linux-source-$series"
tar -xJf "$tarball" -C "$out" --strip-components=1 --wildcards \
	"$top/scripts/checkpatch.pl" \
	"$top/scripts/spelling.txt" \
	"$top/scripts/const_structs.checkpatch" \
	"$top/tools/testing/selftests/kselftest.h" \
	"$top/tools/testing/selftests/kselftest_harness.h" \
	"$top/tools/testing/selftests/kselftest/*" \
	"$top/arch/x86/*Makefile" \
	"$top/crypto/*Makefile" \
	"$top/drivers/*Makefile" \
	"$top/lib/*Makefile" \
	"$top/net/*Makefile"
for f in scripts/checkpatch.pl tools/testing/selftests/kselftest/runner.sh \
	tools/testing/selftests/kselftest_harness.h; do
	[ -f "$out/$f" ] || { echo "ksrc: $f not found in $tarball" >&2; exit 1; }
done
echo "$want" >"$stamp"
echo "$out"
