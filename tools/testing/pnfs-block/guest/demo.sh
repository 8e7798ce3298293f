#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make demo, guest side: serve XFS with pnfs from nfsd, mount it over
# NFSv4.2 with the selected block layout driver, write and read a file,
# and show where the bytes went.
. /t/common.sh

MP=/mnt/demo
SEED=42

fail()
{
	echo "DEMO FAILED: $*"
	exit 1
}

setup_block_server >/tmp/setup.log 2>&1 || { cat /tmp/setup.log; fail "server setup"; }
mnt 4.2 "$MP" || fail "mount 127.0.0.1:$SRV"
echo "Mounted 127.0.0.1:$SRV on $MP (NFSv4.2), layout type: $(pnfs_type "$MP")"
if [ "$PNFSBL_DRIVER" = ours ]; then
	echo "Block layout driver: ours, loaded from /t/blocklayoutdriver.ko (module taint '$(cat /sys/module/blocklayoutdriver/taint)': out of tree)"
else
	echo "Block layout driver: mainline, $(modinfo -F filename blocklayoutdriver)"
fi

want=$(expected_sum $SEED)
snap "$MP"
t0=$(now)
write_file buffered "$MP/demo.dat" $SEED || fail "write"
t1=$(now)
drop_caches
got=$(read_sum buffered "$MP/demo.dat")
t2=$(now)
srv=$(server_sum demo.dat)

app_w=$(opfield "$MP" bytes 2)
app_r=$(opfield "$MP" bytes 1)
# What the metadata server carried: its READ and WRITE RPCs.
mds_wops=$(delta "$MP" WRITE)
mds_rops=$(mds_reads "$MP")
mds_w=$(opfield "$MP" WRITE 4)
mds_r=$(( $(opfield "$MP" READ 5) + $(opfield "$MP" READ_PLUS 5) ))
echo
echo "Wrote $SIZE with buffered I/O + fsync: $(rate "$app_w" "$t0" "$t1")"
echo "Read it back after dropping caches:   $(rate "$app_r" "$t1" "$t2")"
echo
printf '%-40s %14s %14s\n' "" written read
printf '%-40s %14s %14s\n' "bytes the application moved" "$app_w" "$app_r"
printf '%-40s %14s %14s\n' "MDS WRITE / READ RPCs" "$mds_wops" "$mds_rops"
printf '%-40s %14s %14s\n' "bytes of those RPCs on the wire" "$mds_w" "$mds_r"
printf '%-40s %14s %14s\n' "bytes over the block layout" \
	"$(( app_w > mds_w ? app_w - mds_w : 0 ))" "$(( app_r > mds_r ? app_r - mds_r : 0 ))"
echo
echo "NFS operations for this mount:$(delta_summary "$MP")"
echo
echo "sha256 expected:           $want"
echo "sha256 read by the client: $got"
echo "sha256 on the server's XFS: $srv"
echo
lg=$(delta "$MP" LAYOUTGET)
umount "$MP"
if [ "$got" = "$want" ] && [ "$srv" = "$want" ] && [ "$mds_wops" = 0 ] &&
   [ "$mds_rops" = 0 ] && [ "$lg" -gt 0 ]; then
	echo "PROOF: every byte went over the pNFS block layout, and the data is intact."
else
	fail "the data did not all go over the layout, or the checksums differ"
fi
kernel_log_clean || fail "kernel log has warnings"
