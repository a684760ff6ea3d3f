#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Print the kernel version the project builds and tests against: the one
# that Debian's linux-headers-amd64 meta package currently depends on, or,
# when that package is absent, the newest /usr/src/linux-headers-*-amd64.
# $KVER in the environment wins.
set -euo pipefail

if [ -n "${KVER:-}" ]; then
	echo "$KVER"
	exit 0
fi

kver=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
	sed -n 's/.*linux-headers-\([0-9][^ ,]*-amd64\).*/\1/p' || true)
if [ -z "$kver" ]; then
	kver=$(find /usr/src -maxdepth 1 -name 'linux-headers-*-amd64' 2>/dev/null |
		sed 's|.*/linux-headers-||' | sort -V | tail -n 1)
fi
[ -n "$kver" ] || { echo "kver: no linux-headers-*-amd64 found (run 'make deps')" >&2; exit 1; }
echo "$kver"
