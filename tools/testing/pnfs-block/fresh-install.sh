#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make fresh-install: a new user's run of the top-level README on a fresh
# Debian 12 machine, made reproducible.  Not part of make check (a cold
# run downloads about 1 GB and boots a full system under TCG).
#
# What the harness does (a stand-in for the machine and the server):
#   - debootstrap a default-variant Debian 12 (required + important
#     packages), with the apt sources the Debian installer writes (main,
#     updates, security); cached, pristine, in $PNFSBL_CACHE/fresh/base;
#   - copy it to $PNFSBL_CACHE/fresh/root and run the README there in a
#     chroot, with apt answering "yes" (the user typing Y) and no services
#     started (policy-rc.d);
#   - take a fresh "git clone" of this repository's HEAD (REPO-URL);
#   - for the server in the same machine: nfs-kernel-server and xfsprogs,
#     short NFSv4 lease and grace times, and the admin guide's
#     allow_claimed_disks=1 for a client whose disk is the server's
#     mounted XFS (a one-machine rig only);
#   - make an ext4 image of that root and boot its own kernel and
#     initramfs under QEMU (TCG, no network), systemd as init, with one
#     more disk, serial pnfsbl-export, for the server's XFS; holds the
#     guest lock while it runs.  Once multi-user.target is reached,
#     systemd runs fresh-guest.sh (pnfsbl-fresh.target on the kernel
#     command line).
# What the user does, taken from the README's "Install" and "Use it"
# code blocks (so that the README and this run cannot drift):
#   - in the chroot (the steps that need the network): every command of
#     "Install" up to and without "apt-get purge", with "reboot" dropped
#     and "modinfo" given "-k KVER" as the README says for before the
#     reboot; the "apt-get install" lines of "Use it";
#   - in the booted system (fresh-guest.sh): the "modinfo" lines as
#     written, the rest of "Use it" (its mountstats lines after the
#     harness wrote files), then "apt-get purge".
# The run passes when fresh-guest.sh's checks pass: the module loaded is
# the one DKMS installed (updates/dkms), the mount uses the block layout,
# LAYOUTGET > 0 and no WRITE or READ went to the MDS, the bytes are
# right, and after the purge modinfo finds Debian's module again.
#
# Usage: fresh-install.sh        Output: $PNFSBL_OUT/fresh/ (transcript
# in fresh.log, the guest's console in console.log).
# Environment: PNFSBL_FRESH_TIMEOUT (seconds for the boot, default 1200).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || pnfsbl_die "fresh-install.sh needs root (debootstrap, chroot)"
for c in debootstrap mkfs.ext4 qemu-system-x86_64 git; do
	command -v "$c" >/dev/null || pnfsbl_die "$c missing (run deps.sh host)"
done

FRESH=$PNFSBL_CACHE/fresh
BASE=$FRESH/base
ROOT=$FRESH/root
OUT=$PNFSBL_OUT/fresh
LOG=$OUT/fresh.log
timeout=${PNFSBL_FRESH_TIMEOUT:-1200}
mkdir -p "$FRESH" "$OUT"
: >"$LOG"

say()
{
	echo "fresh: $*" | tee -a "$LOG" >&2
}

# readme_code SECTION: the commands of the README section "## SECTION"
# (its four-space-indented lines, without trailing "  # comments").
readme_code()
{
	awk -v sec="## $1" '
		/^## / { on = ($0 == sec); next }
		on && /^    [^ ]/ {
			sub(/^    /, ""); sub(/[ \t]+# .*$/, ""); print
		}' "$PNFSBL_TOP/README.md"
}

# The mirror apt already uses on this host (as mkguest.sh finds it).
mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources |
	 awk '{print $2}' | grep -v security | head -1)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' \
			     /etc/apt/sources.list 2>/dev/null)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

# The fresh machine: cached once, never changed afterwards.
if [ ! -f "$BASE/.pnfsbl-base" ]; then
	say "debootstrap Debian 12 into $BASE"
	rm -rf "$BASE"
	debootstrap bookworm "$BASE" "$mirror" >"$FRESH/debootstrap.log" 2>&1 ||
		{ tail -20 "$FRESH/debootstrap.log" >&2; pnfsbl_die "debootstrap failed"; }
	cat >"$BASE/etc/apt/sources.list" <<EOS
deb $mirror bookworm main non-free-firmware
deb http://security.debian.org/debian-security bookworm-security main non-free-firmware
deb $mirror bookworm-updates main non-free-firmware
EOS
	echo pnfsbl-fresh >"$BASE/etc/hostname"
	touch "$BASE/.pnfsbl-base"
fi

# mounts under ROOT, undone on exit.
mounted=()
cleanup()
{
	local i

	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[i]}" 2>/dev/null || true
	done
	mounted=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bind()	# SRC DST [OPTS]
{
	mkdir -p "$2"
	mount --bind "$1" "$2"
	mounted+=("$2")
	[ -z "${3:-}" ] || mount -o "remount,bind,$3" "$2"
}

start=$(date +%s)
say "copying the fresh machine to $ROOT"
rm -rf "$ROOT"
cp -a "$BASE" "$ROOT"
rm -f "$ROOT/.pnfsbl-base"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
echo 'APT::Get::Assume-Yes "true";' >"$ROOT/etc/apt/apt.conf.d/90pnfsbl-fresh"
mount -t proc proc "$ROOT/proc" && mounted+=("$ROOT/proc")
mount -t sysfs sysfs "$ROOT/sys" && mounted+=("$ROOT/sys")
bind /dev "$ROOT/dev"
bind /dev/pts "$ROOT/dev/pts"
# Downloads of earlier runs (not part of a cold run: rm -rf it first).
mkdir -p "$FRESH/apt-archives/partial"
bind "$FRESH/apt-archives" "$ROOT/var/cache/apt/archives"
bind "$PNFSBL_TOP" "$ROOT/mnt/repo" ro

# The user's commands for the chroot, and those for the booted system.
install=$(readme_code Install)
use=$(readme_code "Use it")
[ -n "$install" ] && [ -n "$use" ] ||
	pnfsbl_die "no Install or Use it commands in README.md"
kver=$PNFSBL_KVER
{
	echo 'set -ex'
	echo 'cd /root'
	while IFS= read -r l; do
		case $l in
		reboot)			echo "# reboot: the QEMU boot below" ;;
		'apt-get purge'*)	;;
		'git clone REPO-URL '*)	echo "git clone file:///mnt/repo ${l#git clone REPO-URL }" ;;
		modinfo\ *)		echo "modinfo -k $kver ${l#modinfo }" ;;
		*)			echo "$l" ;;
		esac
	done <<<"$install"
	grep '^apt-get install ' <<<"$use" || true
} >"$ROOT/root/readme-chroot.sh"
grep -v '^apt-get install ' <<<"$use" | grep -v mountstats |
	sed 's|SERVER:/EXPORT|localhost:/export|' >"$ROOT/root/readme-use.sh"
grep mountstats <<<"$use" >"$ROOT/root/readme-use-proof.sh"
grep -E '^modinfo ' <<<"$install" >"$ROOT/root/readme-modinfo.sh"
grep -E '^apt-get purge ' <<<"$install" >"$ROOT/root/readme-purge.sh"
for f in readme-chroot readme-use readme-use-proof readme-modinfo readme-purge; do
	sed "s/^/$f: /" "$ROOT/root/$f.sh" >>"$LOG"
done

say "README Install (and Use it's apt-get) in the chroot"
t0=$(date +%s)
chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb DEBIAN_FRONTEND=noninteractive \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin bash /root/readme-chroot.sh \
	>"$OUT/chroot.log" 2>&1 ||
	{ tail -30 "$OUT/chroot.log" >&2; pnfsbl_die "the README's steps failed in the chroot (see $OUT/chroot.log)"; }
say "README steps in the chroot: $(( $(date +%s) - t0 ))s"
grep -E '^\+ modinfo|updates/dkms|^[0-9]+\.[0-9]+\.[0-9]+$' "$OUT/chroot.log" |
	sed 's/^/chroot: /' | tee -a "$LOG" >&2
# What the user's steps put in place, before the harness adds the server
# (nfs-kernel-server depends on nfs-common and would hide a gap).
for c in mount.nfs blkmapd; do
	chroot "$ROOT" sh -c "command -v $c" >/dev/null ||
		pnfsbl_die "the README's steps left no $c on the client"
done
say "client tools after the README's steps: mount.nfs blkmapd"

# The harness's part: the server in the same machine, and the boot.
say "harness: nfs-kernel-server, xfsprogs, boot set-up"
chroot "$ROOT" /usr/bin/env -i HOME=/root DEBIAN_FRONTEND=noninteractive \
	PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	apt-get install -q nfs-kernel-server xfsprogs >>"$OUT/chroot.log" 2>&1 ||
	pnfsbl_die "cannot install the server packages (see $OUT/chroot.log)"
cat >>"$ROOT/etc/nfs.conf" <<EOC

# pnfs-block fresh-install harness: short grace for a test boot
[nfsd]
lease-time=10
grace-time=10
EOC
echo "options blocklayoutdriver allow_claimed_disks=1" \
	>"$ROOT/etc/modprobe.d/pnfs-block-test.conf"
echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$ROOT/etc/fstab"
install -m 755 "$PNFSBL_TDIR/fresh-guest.sh" "$ROOT/root/fresh-guest.sh"
# The run starts once the system is up (multi-user.target reached), as
# a user logging in would: the boot asks for pnfsbl-fresh.target.
cat >"$ROOT/etc/systemd/system/pnfsbl-fresh.service" <<'EOU'
[Unit]
Description=pnfs-block fresh-install run (README "Use it")
After=multi-user.target
SuccessAction=poweroff-force
FailureAction=poweroff-force

[Service]
Type=oneshot
ExecStart=/root/fresh-guest.sh
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
EOU
cat >"$ROOT/etc/systemd/system/pnfsbl-fresh.target" <<'EOU'
[Unit]
Description=multi-user.target, then the pnfs-block fresh-install run
Requires=multi-user.target
After=multi-user.target
Wants=pnfsbl-fresh.service
AllowIsolate=yes
JobTimeoutSec=900
JobTimeoutAction=poweroff-force
EOU
ln -sf /dev/null "$ROOT/etc/systemd/system/serial-getty@ttyS0.service"
rm -f "$ROOT/usr/sbin/policy-rc.d"
cleanup
[ -r "$ROOT/boot/vmlinuz-$kver" ] && [ -r "$ROOT/boot/initrd.img-$kver" ] ||
	pnfsbl_die "the fresh root has no kernel or initramfs for $kver"

say "ext4 image of the root"
img=$FRESH/root.img
rm -f "$img" "$FRESH/export.img"
truncate -s 8G "$img"
mkfs.ext4 -q -F -L fresh-root -d "$ROOT" "$img"
truncate -s 2G "$FRESH/export.img"
say "host part: $(( $(date +%s) - start ))s"

exec 9>"$PNFSBL_CACHE/guest.lock"
if ! flock -n 9; then
	say "waiting for another guest run to finish"
	flock 9
fi
t0=$(date +%s)
say "booting the fresh system's own kernel and root (timeout ${timeout}s)"
status=0
timeout --kill-after=10 "$timeout" qemu-system-x86_64 -accel tcg -cpu max \
	-smp 2 -m 2G -nographic -no-reboot -nic none \
	-kernel "$ROOT/boot/vmlinuz-$kver" -initrd "$ROOT/boot/initrd.img-$kver" \
	-append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.unit=pnfsbl-fresh.target" \
	-drive "file=$img,format=raw,if=none,id=root,cache=unsafe" \
	-device virtio-blk-pci,drive=root,serial=fresh-root \
	-drive "file=$FRESH/export.img,format=raw,if=none,id=export,cache=unsafe" \
	-device virtio-blk-pci,drive=export,serial=pnfsbl-export \
	</dev/null >"$OUT/console.log" 2>&1 || status=$?
flock -u 9
say "guest ran $(( $(date +%s) - t0 ))s (qemu status $status)"
tr -d '\r' <"$OUT/console.log" | grep '^FRESH' | tee -a "$LOG" >&2 || true
say "wall time: $(( $(date +%s) - start ))s"
if tr -d '\r' <"$OUT/console.log" | grep -qx 'FRESH: PASS'; then
	say "passed"
	exit 0
fi
tr -d '\r' <"$OUT/console.log" | tail -30 | sed 's/^/# /' >&2
say "FAILED"
exit 1
