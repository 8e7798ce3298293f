#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run our KUnit suites under UML in the pinned linux-source tree with our
# fs/nfs/blocklayout/ overlaid and the fs/nfs/pnfs/ patches applied.
# Usage: kunit.sh [plain|kasan] [extra kunit.py args...]
# One build directory per configuration: kunit.py silently rebuilds
# everything when a different config meets an old build directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

mode=${1:-plain}
shift || true
case $mode in
plain)	extra=() ;;
kasan)	extra=(--kunitconfig="$PNFSBL_TDIR/kunit/kasan.config") ;;
*)	pnfsbl_die "usage: kunit.sh [plain|kasan]" ;;
esac

# The overlaid tree is shared by every configuration: one run at a time.
mkdir -p "$PNFSBL_CACHE"
exec 9>"$PNFSBL_CACHE/kunit.lock"
flock -n 9 || { pnfsbl_log "waiting for another KUnit run"; flock 9; }

[ -f "$PNFSBL_KSRC/.pnfsbl-extracted" ] || "$PNFSBL_TDIR/deps.sh" source
"$PNFSBL_TDIR/overlay.sh" "$PNFSBL_CACHE/kunit-tree" >/dev/null
cd "$PNFSBL_CACHE/kunit-tree"
exec python3 tools/testing/kunit/kunit.py run --arch=um --jobs="$(nproc)" \
	--build_dir="$PNFSBL_CACHE/kunit-build-$mode" \
	--kunitconfig=fs/nfs/blocklayout/.kunitconfig "${extra[@]}" "$@"
