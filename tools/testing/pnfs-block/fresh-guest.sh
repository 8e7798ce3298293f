#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run by systemd in the fresh Debian 12 system fresh-install.sh boots:
# the harness sets up the server (nfsd exporting XFS with pnfs on the disk
# with serial pnfsbl-export), then the README's own commands run as the
# user's (/root/readme-*.sh, extracted by fresh-install.sh), and the
# checks below say whether they did what the README promises.  Every
# line goes to the console; "FRESH:" lines are the transcript, the last
# one "FRESH: PASS" or "FRESH: FAIL".  systemd powers the machine off
# when it ends (pnfsbl-fresh.service).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
KVER=6.12.117+deb12-amd64
fail=0

say()
{
	echo "FRESH: $*"
}

check()	# DESCRIPTION COMMAND...
{
	local d=$1

	shift
	if "$@"; then
		say "ok: $d"
	else
		say "not ok: $d"
		fail=1
	fi
}

# user FILE: the README's commands of FILE, one by one, echoed.
user()
{
	local l

	while IFS= read -r l; do
		say "\$ $l"
		timeout 300 bash -c "$l" 2>&1 | sed 's/^/FRESH:   /'
		[ "${PIPESTATUS[0]}" = 0 ] || { say "command failed: $l"; fail=1; }
	done <"$1"
}

# op_count OP: the operation count of OP in the NFS mount's mountstats.
op_count()
{
	awk -v op="$1:" '$1 == op { print $2; exit }' /proc/self/mountstats
}

# finish: the verdict; systemd powers off when this script exits.
finish()
{
	if [ "$fail" = 0 ]; then say PASS; else say FAIL; fi
	sync
	exit "$fail"
}

say "booted $(uname -r), systemd $(systemctl is-system-running 2>&1)"
check "running the pinned kernel" [ "$(uname -r)" = "$KVER" ]

# Harness: the server, in this same machine.
disk=/dev/disk/by-id/virtio-pnfsbl-export
mkfs.xfs -q -f "$disk" && mkdir -p /export && mount "$disk" /export &&
	echo '/export *(rw,pnfs,no_root_squash,no_subtree_check)' >/etc/exports &&
	systemctl restart nfs-server && exportfs -ra ||
	{ say "harness: server set-up failed"; fail=1; finish; }
say "harness: nfsd exports $disk (XFS) with pnfs: $(exportfs -v | tr -s ' \t\n' ' ')"

# The user: README "Install"'s modinfo lines, now on the pinned kernel.
say "README Install, after the reboot:"
user /root/readme-modinfo.sh
path=$(modinfo -n blocklayoutdriver)
check "modinfo finds the DKMS module ($path)" \
	grep -q "^/lib/modules/$KVER/updates/dkms/blocklayoutdriver.ko" <<<"$path"

# The user: README "Use it" (mount, then the layout proof).
say "README Use it:"
user /root/readme-use.sh
mountpoint -q /mnt || { say "nothing mounted on /mnt"; fail=1; finish; }
say "harness: write and read 64 MiB"
dd if=/dev/urandom of=/root/data bs=1M count=64 status=none
dd if=/root/data of=/mnt/f bs=1M oflag=direct conv=fsync status=none &&
	dd if=/root/data of=/mnt/g bs=1M conv=fsync status=none ||
	{ say "write failed"; fail=1; }
user /root/readme-use-proof.sh
check "pnfs=LAYOUT_BLOCK_VOLUME" grep -q 'pnfs=LAYOUT_BLOCK_VOLUME' /proc/self/mountstats
lg=$(op_count LAYOUTGET) w=$(op_count WRITE)
check "LAYOUTGET > 0 ($lg)" [ "${lg:-0}" -gt 0 ]
check "no WRITE to the MDS ($w)" [ "${w:-1}" -eq 0 ]
umount /mnt
echo 3 >/proc/sys/vm/drop_caches
mount -t nfs -o vers=4.2 localhost:/export /mnt
check "the bytes read back right, over the layout" \
	bash -c 'cmp /root/data /mnt/f && cmp /root/data /mnt/g &&
		 cmp /root/data /export/f'
r=$(op_count READ)
check "no READ from the MDS ($r)" [ "${r:-1}" -eq 0 ]
say "loaded: $(cat /sys/module/blocklayoutdriver/version 2>/dev/null)" \
	"srcversion $(cat /sys/module/blocklayoutdriver/srcversion)"
check "the loaded module is the DKMS one" [ "$(cat /sys/module/blocklayoutdriver/srcversion)" = \
	"$(modinfo -F srcversion "$path")" ]
umount /mnt
rmmod blocklayoutdriver

say "README Install, removal:"
user /root/readme-purge.sh
path=$(modinfo -n blocklayoutdriver)
check "after the purge modinfo finds Debian's module ($path)" \
	grep -q "^/lib/modules/$KVER/kernel/fs/nfs/blocklayout/blocklayoutdriver.ko" <<<"$path"
finish
