#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make (or refresh) a working kernel tree: a hard-linked copy of the
# pristine extracted source, with our fs/nfs/blocklayout/ in place of
# mainline's and our fs/nfs/pnfs/ series applied.  Files are replaced,
# never written in place, so the pristine tree is never modified.
# Usage: overlay.sh DIR
set -euo pipefail
. "$(dirname "$0")/lib.sh"

dst=${1:?usage: overlay.sh DIR}
if [ ! -f "$dst/.pnfsbl-tree" ]; then
	rm -rf "$dst"
	cp -al "$PNFSBL_KSRC" "$dst"
	touch "$dst/.pnfsbl-tree"
fi

# No -t: a file replaced by an older version must look newer than its
# object in a warm build directory, or make would keep the stale object.
rsync -rl --checksum --delete "$PNFSBL_TOP/fs/nfs/blocklayout/" \
	"$dst/fs/nfs/blocklayout/"

# Re-apply the patches only when they change, so that a warm build does
# not see new mtimes on the files they touch.
mapfile -t patches < <(series_patches)
want=$(cat "${patches[@]}" /dev/null | sha256sum | cut -c1-16)
have=$(cat "$dst/.pnfsbl-patches" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
	# Undo the previous set: restore the files it touched.
	if [ -f "$dst/.pnfsbl-patched-files" ]; then
		while read -r f; do
			rm -f "$dst/$f"
			# A new mtime: the objects of the patched file are stale.
			[ -e "$PNFSBL_KSRC/$f" ] && cp "$PNFSBL_KSRC/$f" "$dst/$f"
		done <"$dst/.pnfsbl-patched-files"
	fi
	: >"$dst/.pnfsbl-patched-files"
	for p in "${patches[@]}"; do
		sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$p" |
			tee -a "$dst/.pnfsbl-patched-files" |
			while read -r f; do
				# Break the hard link before patching, keeping
				# what earlier patches of the series did.
				if [ -e "$dst/$f" ]; then
					cp "$dst/$f" "$dst/$f.pnfsbl-tmp" &&
						mv -f "$dst/$f.pnfsbl-tmp" "$dst/$f"
				fi
				true
			done
		patch -d "$dst" -p1 -s --no-backup-if-mismatch <"$p" ||
			pnfsbl_die "patch does not apply: $p"
	done
	echo "$want" >"$dst/.pnfsbl-patches"
fi
echo "$dst"
