#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Kernel style checks of the module, as TAP: one checkpatch.pl --strict test
# per source file, then one sparse test (C=2, endianness checks on) over the
# whole module, which must check every .c file of kmod/. checkpatch.pl
# comes from Debian's linux-source package (extracted by scripts/ksrc.sh
# into build/ksrc/).
#
# usage: scripts/style.sh [KBUILD_DIR [FILES...]]
#   KBUILD_DIR defaults to the repository (M= for kbuild), FILES to every
#   .c and .h under kmod/. Logs are kept in build/style/.
set -uo pipefail

cd "$(dirname "$0")/.."
top=$PWD
mdir=${1:-$top}
shift || true
kdir=${KDIR:-$(scripts/kver.sh --fetch)} || exit 1
logs=$top/build/style
mkdir -p "$logs"

ksrc=$(scripts/ksrc.sh) || { echo "not ok 1 - style: cannot extract checkpatch.pl"; exit 1; }
checkpatch=$top/$ksrc/scripts/checkpatch.pl

if [ $# -gt 0 ]; then
	files=("$@")
else
	mapfile -t files < <(cd "$mdir" && find kmod -name '*.[ch]' -not -name '*.mod.c' | sort)
fi

n=0
failed=0
echo "TAP version 13"
echo "1..$((${#files[@]} + 1))"
for f in "${files[@]}"; do
	n=$((n + 1))
	log=$logs/checkpatch-$(echo "$f" | tr '/' '_').log
	if (cd "$mdir" && perl "$checkpatch" --strict --no-tree --no-color --show-types \
		--terse -f "$f") >"$log" 2>&1; then
		echo "ok $n - checkpatch: $f"
	else
		echo "not ok $n - checkpatch: $f"
		sed 's/^/# /' "$log" | head -n 40
		failed=1
	fi
done

# sparse: C=2 checks every file, whether rebuilt or not. W=1 keeps the
# flags of `make module` (with KCFLAGS -Werror), so nothing is recompiled.
n=$((n + 1))
log=$logs/sparse.log
make -C "$kdir" M="$mdir" W=1 KCFLAGS="${KCFLAGS:-} -Werror" C=2 \
	CF="-D__CHECK_ENDIAN__" modules >"$log" 2>&1
rc=$?
# Every .c file of the module must have been checked: a run that checked
# none (or some) proves nothing about the others.
want=$(cd "$mdir" && find kmod -name '*.c' -not -name '*.mod.c' | wc -l)
checked=$(grep -c '^  CHECK' "$log")
if [ $rc -eq 0 ] && ! grep -qE '(warning|error):' "$log" && [ "$checked" -eq "$want" ]; then
	echo "ok $n - sparse: $checked files checked"
else
	echo "not ok $n - sparse (make exit $rc, $checked of $want .c files checked)"
	grep -E '(warning|error):' "$log" | head -n 40 | sed 's/^/# /'
	[ $rc -ne 0 ] && tail -n 20 "$log" | sed 's/^/# /'
	failed=1
fi
exit $failed
