// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block and SCSI layout client: opening the disks under volumes.
 *
 * The disk of a SIMPLE volume (dev.c, after blkmapd named it) and the
 * logical unit of a SCSI BASE volume (scsi.c, found by its designator)
 * are opened the same way: for reading and writing, claimed by this
 * driver, and refused if someone else holds them.
 */

#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/kdev_t.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/string.h>

#include "disk.h"
#include "trace.h"

/*
 * The holder of every block device this driver opens.
 * One holder for all device IDs: a device ID looked up again while its
 * stale node still holds the disk, or one disk used by two mounts, must
 * not be refused by our own claim; anyone else's claim still conflicts.
 */
static u8 bl_bdev_holder;

/*
 * A disk that something else holds exclusively (a mounted file system, a
 * device-mapper or md table, an O_EXCL opener) is refused: a server whose
 * SIMPLE signature or SCSI designator names such a disk, by mistake or on
 * purpose, would otherwise have file data written over it.  Only a test
 * rig whose NFS server exports a file system mounted on the client's own
 * host needs it; read-only, so that every device node of a module's life
 * follows one rule.
 */
static bool bl_allow_claimed;
module_param_named(allow_claimed_disks, bl_allow_claimed, bool, 0444);
MODULE_PARM_DESC(allow_claimed_disks,
		 "Use disks that another user holds (a mounted file system!) unclaimed; unsafe outside single-host test rigs (default N)");

/* Room for a disk's name and for its holder's, in messages. */
#define BL_DISK_DESC_LEN	64

/*
 * Who holds @dev, for the administrator: a mounted file system by its
 * type and device name, anything else as another exclusive user.  The
 * disk is opened read-only and unclaimed just to look.  The block layer
 * reads the holder under bd_holder_lock, and bd_end_claim() clears it
 * under that lock, so a super_block found there outlives the lock.
 */
static void bl_disk_holder(dev_t dev, char name[BL_DISK_DESC_LEN],
			   char holder[BL_DISK_DESC_LEN])
{
	const size_t len = BL_DISK_DESC_LEN;
	struct block_device *bdev;
	struct super_block *sb;
	struct file *file;

	snprintf(name, len, "%u:%u", MAJOR(dev), MINOR(dev));
	strscpy(holder, "another exclusive user", len);
	file = bdev_file_open_by_dev(dev, BLK_OPEN_READ, NULL, NULL);
	if (IS_ERR(file))
		return;
	bdev = file_bdev(file);
	snprintf(name, len, "%pg (%u:%u)", bdev, MAJOR(dev), MINOR(dev));
	mutex_lock(&bdev->bd_holder_lock);
	if (bdev->bd_holder_ops == &fs_holder_ops && bdev->bd_holder) {
		sb = bdev->bd_holder;
		snprintf(holder, len, "a mounted %s file system",
			 sb->s_type->name);
	}
	mutex_unlock(&bdev->bd_holder_lock);
	fput(file);
}

/**
 * bl_open_disk - open a disk for layout I/O
 * @dev: the disk
 *
 * Opens @dev for reading and writing, claimed by this driver.  A disk
 * that someone else holds (typically a mounted file system) is refused
 * with one ratelimited message naming it and its holder, and a
 * tracepoint; only with the module parameter allow_claimed_disks, for
 * single-host test rigs whose NFS server exports a file system mounted
 * on this host, is it opened unclaimed, as mainline always does.  Must be
 * called in process context.
 *
 * Return: the open disk or an ERR_PTR(): %-EBUSY for a disk someone else
 * holds.
 */
struct file *bl_open_disk(dev_t dev)
{
	const blk_mode_t mode = BLK_OPEN_READ | BLK_OPEN_WRITE;
	char name[BL_DISK_DESC_LEN], holder[BL_DISK_DESC_LEN];
	struct file *file;

	file = bdev_file_open_by_dev(dev, mode, &bl_bdev_holder, NULL);
	if (!IS_ERR(file) || PTR_ERR(file) != -EBUSY)
		return file;
	bl_disk_holder(dev, name, holder);
	trace_pnfs_block_dev_claimed(dev, holder, bl_allow_claimed);
	if (!bl_allow_claimed) {
		pr_warn_ratelimited("pNFS block: disk %s is held by %s; refused, using the MDS (module parameter allow_claimed_disks)\n",
				    name, holder);
		return file;
	}
	pr_warn_ratelimited("pNFS block: disk %s is held by %s; using it unclaimed (allow_claimed_disks is set: unsafe)\n",
			    name, holder);
	return bdev_file_open_by_dev(dev, mode, NULL, NULL);
}
