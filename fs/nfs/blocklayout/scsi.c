// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS SCSI layout client (RFC 8154): finding a logical unit by its
 * designator, and the persistent reservation key the server gave us.
 *
 * Finding the disk:
 * udev names every SCSI disk in /dev/disk/by-id/ after the identifiers of
 * its VPD page 0x83; multipath-tools names a multipath map after the WWID
 * that sg3_utils/scsi_id build from the same page.  bl_scsi_names() lists
 * the names a designator can have there, the multipath map first, so that
 * a host with several paths to the disk uses all of them.  A disk found
 * under a name is used only if its own identifier matches (when the block
 * driver can tell: block_device_operations.get_unique_id), so a stale or
 * hostile link cannot point the layout at another disk.
 *
 * Reservations (RFC 8154 section 2.4.7; SPC-4 PERSISTENT RESERVE OUT):
 * before the first I/O the client registers the key of the device
 * address on its own I_T nexus, ignoring any key it held before; the
 * server's reservation type (nfsd: exclusive access, registrants only)
 * then lets it write, and the server fences it by preempting the key.
 * One disk can be bound by several device nodes at once (a stale node
 * and its replacement, two mounts of one server), all with the same key:
 * every new node registers the key again (it may have been preempted),
 * registrations are counted, and the key is removed only when the last
 * user releases the disk.
 */

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pr.h>
#include <linux/printk.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "disk.h"
#include "scsi.h"
#include "trace.h"

/**
 * struct bl_pr_reg - one key registered by this driver on one disk
 * @list: entry in bl_pr_regs
 * @dev: the disk
 * @key: the key
 * @users: device nodes using the registration
 */
struct bl_pr_reg {
	struct list_head	list;
	dev_t			dev;
	u64			key;
	unsigned int		users;
};

/* Protects bl_pr_regs and every entry on it; held across PR commands. */
static DEFINE_MUTEX(bl_pr_mutex);
static LIST_HEAD(bl_pr_regs);

/*
 * The WWID digit of each designator type (the designator type itself,
 * as sg3_utils' scsi_id and multipath-tools write it).
 */
static char bl_scsi_type_digit(u32 type)
{
	return '0' + type;
}

/*
 * Copy a text designator as udev writes it into a link name: leading and
 * trailing blanks and the NUL padding dropped, each run of blanks inside
 * made one '_'.  Refuses characters that cannot be in such a name.
 * Return: the length written to @out (at most @len), or -EINVAL.
 */
static int bl_scsi_text(const u8 *desig, u32 len, char *out)
{
	u32 i, n = 0;
	bool blank = false;

	while (len && (desig[len - 1] == '\0' || desig[len - 1] == ' '))
		len--;
	for (i = 0; i < len && desig[i] == ' '; i++)
		;
	for (; i < len; i++) {
		u8 c = desig[i];

		if (c == ' ') {
			blank = true;
			continue;
		}
		if (c < 0x21 || c > 0x7e || c == '/' || c == '\\')
			return -EINVAL;
		if (blank)
			out[n++] = '_';
		blank = false;
		out[n++] = c;
	}
	return n ? n : -EINVAL;
}

/**
 * bl_scsi_names - the /dev/disk/by-id names a SCSI designator can have
 * @desc: a BASE volume, checked by bl_decode_deviceaddr()
 * @names: filled with up to %BL_SCSI_MAX_NAMES names, most preferred
 *	first; each must be freed with kfree()
 * @gfp: allocation flags
 *
 * Return: the number of names (at least one), or a negative errno:
 * %-EINVAL if the designator cannot appear in a link name.
 */
VISIBLE_IF_KUNIT int bl_scsi_names(const struct bl_vol_desc *desc,
				   char *names[BL_SCSI_MAX_NAMES], gfp_t gfp)
{
	u32 type = desc->base.desig_type;
	char digit = bl_scsi_type_digit(type);
	char *id;
	int n = 0, len, i;

	/* Hex digits of a binary designator, or the cleaned-up text. */
	id = kmalloc(2 * BL_MAX_DESIGNATOR_LEN + 1, gfp);
	if (!id)
		return -ENOMEM;
	if (desc->base.code_set == PS_CODE_SET_BINARY) {
		bin2hex(id, desc->base.desig, desc->base.desig_len);
		len = 2 * desc->base.desig_len;
	} else {
		len = bl_scsi_text(desc->base.desig, desc->base.desig_len, id);
		if (len < 0) {
			kfree(id);
			return len;
		}
	}
	id[len] = '\0';

	names[n++] = kasprintf(gfp, "dm-uuid-mpath-%c%s", digit, id);
	if (type == PS_DESIGNATOR_NAA || type == PS_DESIGNATOR_EUI64)
		names[n++] = kasprintf(gfp, "wwn-0x%s", id);
	names[n++] = kasprintf(gfp, "scsi-%c%s", digit, id);
	if (type == PS_DESIGNATOR_EUI64)
		names[n++] = kasprintf(gfp, "nvme-eui.%s", id);
	kfree(id);

	for (i = 0; i < n; i++) {
		if (!names[i]) {
			while (n)
				kfree(names[--n]);
			return -ENOMEM;
		}
	}
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(bl_scsi_names);

/*
 * Does @bdev carry the designator of @desc?  The block driver reports one
 * EUI-64 or NAA designator of the logical unit (sd: the longest); if it
 * cannot (device-mapper in 6.12, other types, another length), the name
 * the disk was found under decides.
 */
static bool bl_scsi_same_lu(struct block_device *bdev,
			    const struct bl_vol_desc *desc)
{
	const struct block_device_operations *fops = bdev->bd_disk->fops;
	u32 type = desc->base.desig_type;
	u8 id[16];
	int len;

	if (!fops->get_unique_id ||
	    (type != PS_DESIGNATOR_EUI64 && type != PS_DESIGNATOR_NAA))
		return true;
	len = fops->get_unique_id(bdev->bd_disk, id, type);
	if (len <= 0 || len > sizeof(id) || len != desc->base.desig_len)
		return true;
	return !memcmp(id, desc->base.desig, len);
}

/**
 * bl_scsi_open - open the disk a BASE volume names
 * @desc: a BASE volume, checked by bl_decode_deviceaddr()
 *
 * Tries the names of bl_scsi_names() in order and opens the first disk
 * that carries the designator with bl_open_disk().  A disk that someone
 * else holds is refused there; the other names are still tried (the paths
 * under a multipath map are held by the map).  Must be called in process
 * context.
 *
 * Return: the open disk, or an ERR_PTR(): %-EBUSY if the only disks found
 * are held by someone else, %-ENODEV if no name leads to a disk with this
 * designator.
 */
struct file *bl_scsi_open(const struct bl_vol_desc *desc)
{
	char *names[BL_SCSI_MAX_NAMES];
	struct file *found = ERR_PTR(-ENODEV);
	bool busy = false;
	int nr, i;

	/* KUnit tests stand in for the disk lookup here. */
	KUNIT_STATIC_STUB_REDIRECT(bl_scsi_open, desc);
	nr = bl_scsi_names(desc, names, GFP_KERNEL);
	if (nr < 0)
		return ERR_PTR(nr == -ENOMEM ? -ENOMEM : -ENODEV);
	for (i = 0; i < nr && IS_ERR(found); i++) {
		char *path = kasprintf(GFP_KERNEL, "/dev/disk/by-id/%s",
				       names[i]);
		struct file *file;
		dev_t dev;

		if (!path) {
			found = ERR_PTR(-ENOMEM);
			break;
		}
		if (lookup_bdev(path, &dev))
			file = ERR_PTR(-ENODEV);
		else
			file = bl_open_disk(dev);
		if (PTR_ERR(file) == -EBUSY)
			busy = true;
		if (!IS_ERR(file)) {
			if (bl_scsi_same_lu(file_bdev(file), desc)) {
				found = file;
			} else {
				pr_warn_ratelimited("pNFS SCSI: %s is not the logical unit it is named after; ignored\n",
						    path);
				fput(file);
			}
		}
		kfree(path);
	}
	if (IS_ERR(found) && PTR_ERR(found) == -ENODEV && busy)
		found = ERR_PTR(-EBUSY);	/* bl_open_disk() said why */
	if (IS_ERR(found) && PTR_ERR(found) == -ENODEV)
		pr_warn_ratelimited("pNFS SCSI: no disk /dev/disk/by-id/%s (or another name of that designator); using the MDS\n",
				    names[0]);
	while (nr)
		kfree(names[--nr]);
	return found;
}
EXPORT_SYMBOL_IF_KUNIT(bl_scsi_open);

/* PR commands answer a positive SCSI status for some failures. */
static int bl_pr_errno(int ret)
{
	return ret > 0 ? -EIO : ret;
}

/**
 * bl_pr_register - register a reservation key on a disk, counted
 * @bdev: the disk
 * @key: the key, never zero
 *
 * Registers @key through the disk's pr_ops, ignoring any key this I_T
 * nexus held before, and counts one more user of the registration.
 * The key is registered again even when this driver already holds it
 * there: the server may have preempted it since (a fence), and a new
 * device node for a disk is what a client builds after one.
 * Re-registering a key the nexus still holds changes nothing on the
 * target.  Registrations are serialised, so no device node is handed out
 * before the key it relies on is in place.  Must be called in process
 * context; sleeps.
 *
 * Return: %0, %-EOPNOTSUPP if the disk has no persistent reservations,
 * or another negative errno.
 */
int bl_pr_register(struct block_device *bdev, u64 key)
{
	const struct pr_ops *ops = bdev->bd_disk->fops->pr_ops;
	struct bl_pr_reg *reg, *found = NULL, *new;
	int ret;

	if (!ops || !ops->pr_register) {
		pr_warn_ratelimited("pNFS SCSI: disk %pg has no persistent reservations; using the MDS\n",
				    bdev);
		return -EOPNOTSUPP;
	}
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;

	mutex_lock(&bl_pr_mutex);
	list_for_each_entry(reg, &bl_pr_regs, list) {
		if (reg->dev == bdev->bd_dev && reg->key == key) {
			found = reg;
			break;
		}
	}
	ret = bl_pr_errno(ops->pr_register(bdev, 0, key, true));
	trace_pnfs_block_pr_register(bdev->bd_dev, key, ret);
	if (ret) {
		pr_warn_ratelimited("pNFS SCSI: registering the reservation key on %pg failed (%d); using the MDS\n",
				    bdev, ret);
		goto out_unlock;
	}
	if (found) {
		found->users++;
		goto out_unlock;
	}
	new->dev = bdev->bd_dev;
	new->key = key;
	new->users = 1;
	list_add(&new->list, &bl_pr_regs);
	new = NULL;
out_unlock:
	mutex_unlock(&bl_pr_mutex);
	kfree(new);
	return ret;
}

/**
 * bl_pr_unregister - drop one use of a key registered by bl_pr_register()
 * @bdev: the disk
 * @key: the key
 *
 * The last use unregisters the key from the disk.  A failure (the server
 * already preempted the key) is only traced.  Must be called in process
 * context; sleeps.
 */
void bl_pr_unregister(struct block_device *bdev, u64 key)
{
	const struct pr_ops *ops = bdev->bd_disk->fops->pr_ops;
	struct bl_pr_reg *reg;
	int ret;

	mutex_lock(&bl_pr_mutex);
	list_for_each_entry(reg, &bl_pr_regs, list) {
		if (reg->dev != bdev->bd_dev || reg->key != key)
			continue;
		if (--reg->users)
			break;
		list_del(&reg->list);
		kfree(reg);
		ret = bl_pr_errno(ops->pr_register(bdev, key, 0, false));
		trace_pnfs_block_pr_unregister(bdev->bd_dev, key, ret);
		break;
	}
	mutex_unlock(&bl_pr_mutex);
}
