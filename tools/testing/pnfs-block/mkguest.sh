#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the guest root as an uncompressed initramfs: a debootstrap
# minbase tree with the packages of guest-packages.txt and the pinned
# kernel's modules.  The image is keyed by a hash of the package list and
# of this script, so it is rebuilt only when either changes.  Prints the
# path of the image.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# Module directories the guest needs (storage, NFS, LIO, iSCSI, dm, net).
MOD_DIRS=(arch block crypto fs lib mm net virt
	  drivers/block drivers/scsi drivers/target drivers/md drivers/nvme
	  drivers/virtio drivers/char drivers/nvdimm drivers/dax
	  drivers/net/veth.ko.xz drivers/net/dummy.ko.xz)

pkgs=$(grep -v '^#' "$PNFSBL_TDIR/guest-packages.txt" | xargs | tr ' ' ,)
key=$(cat "$PNFSBL_TDIR/guest-packages.txt" "$0" "$PNFSBL_TDIR/guest-init" |
      sha256sum | cut -c1-12)
img=$PNFSBL_CACHE/guest-$PNFSBL_KVER-$key.cpio
if [ -f "$img" ]; then
	echo "$img"
	exit 0
fi

# The mirror apt already uses on this host.
mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources |
	 awk '{print $2}' | grep -v security | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' \
			     /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || pnfsbl_die "cannot find the Debian mirror in the apt sources"
[ -d "$PNFSBL_KMODS/kernel" ] || pnfsbl_die "missing $PNFSBL_KMODS (run deps.sh)"

root=$PNFSBL_CACHE/guest-root-$key
rm -rf "$root"
mkdir -p "$root" "$PNFSBL_CACHE/debs"
pnfsbl_log "debootstrap guest root ($pkgs)"
debootstrap --variant=minbase --include="$pkgs" \
	--cache-dir="$PNFSBL_CACHE/debs" bookworm "$root" "$mirror" \
	>"$PNFSBL_CACHE/debootstrap.log" 2>&1 ||
	{ tail -20 "$PNFSBL_CACHE/debootstrap.log" >&2;
	  pnfsbl_die "debootstrap failed (see $PNFSBL_CACHE/debootstrap.log)"; }

# Trim what a test guest never reads.
rm -rf "$root"/usr/share/{doc,man,info,locale,i18n} "$root"/var/cache/apt \
       "$root"/var/lib/apt/lists "$root"/usr/share/zoneinfo

# The pinned kernel's modules, decompressed once here rather than per boot.
moddst=$root/lib/modules/$PNFSBL_KVER
mkdir -p "$moddst/kernel"
cp "$PNFSBL_KMODS"/modules.order "$PNFSBL_KMODS"/modules.builtin* "$moddst/"
for d in "${MOD_DIRS[@]}"; do
	mkdir -p "$moddst/kernel/$(dirname "$d")"
	cp -a "$PNFSBL_KMODS/kernel/$d" "$moddst/kernel/$d"
done
find "$moddst" -name '*.ko.xz' -exec xz -d {} +
depmod -b "$root" "$PNFSBL_KVER"

install -m 755 "$PNFSBL_TDIR/guest-init" "$root/init"
mkdir -p "$root/etc/target/pr" "$root/export" "$root/srv"
echo pnfsbl-guest >"$root/etc/hostname"

# Images of other package lists (other clones, older trees) stay while in
# use; those not read for two days go.
find "$PNFSBL_CACHE" -maxdepth 1 -name 'guest-*.cpio' -atime +2 -delete
(cd "$root" && find . | cpio -o -H newc --quiet) >"$img.tmp"
mv "$img.tmp" "$img"
rm -rf "$root"
echo "$img"
