// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block and SCSI layout client: device IDs.
 *
 * A GETDEVICEINFO reply is decoded into a volume table (xdr.c), whose
 * leaves are bound to open block devices while a volume tree is built
 * (volume.c); the tree lives in a struct bl_dev, the driver's entry in
 * the generic device ID cache (fs/nfs/pnfs_dev.c).
 *
 * Leaves:
 * - SIMPLE (RFC 5663 section 2.2): blkmapd names the disk carrying the
 *   signature (pipe.c); the disk is opened for the life of the device ID,
 *   claimed by this driver, and refused if anyone else holds it (see
 *   bl_open_disk() in disk.c).
 *   bl_vol_tree_build() then checks that the disk is large enough for
 *   every signature component (a negative offset counts from the end).
 * - BASE (RFC 8154 section 2.3): the disk is found by its designator
 *   under /dev/disk/by-id and the server's reservation key is registered
 *   on it before any I/O (scsi.c); the key is unregistered when the disk
 *   is released.  A disk without persistent reservations is refused.
 *
 * Caching (fs/nfs/pnfs_dev.c in 6.12):
 * nfs4_find_get_deviceid() marks a node NFS_DEVICEID_NOCACHE when the
 * server did not grant both CB_NOTIFY_DEVICEID change and delete
 * notifications (nfsd grants both for block and SCSI layouts, though it
 * never sends them; other servers need not); nfs4_put_deviceid_node()
 * then unhashes the node as soon as only the cache holds it, so every new
 * layout asked GETDEVICEINFO and blkmapd again, and even a negative entry
 * was dropped at once.
 * A generic client with the PNFS_DEVICEID_CACHED driver flag
 * (fs/nfs/pnfs/, PNFS_HAVE_DEVICEID_CACHED) never marks our nodes; on
 * a stock one bl_find_get_deviceid() clears the mark
 * (bl_dev_keep_cached()).  Either way nodes stay cached until the client
 * is purged, the server notifies a change, the client ID is recalled
 * (NFS_DEVICEID_INVALID), or an entry is unavailable for longer than
 * PNFS_DEVICE_RETRY_TIMEOUT.
 * RFC 8881 section 12.2.10 lets a server that sends no notifications
 * change a mapping only after recalling every layout that uses it.
 */

#include <kunit/visibility.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/printk.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sunrpc/xdr.h>
#include <linux/workqueue.h>

#include "dev.h"
#include "disk.h"
#include "scsi.h"
#include "trace.h"

/**
 * struct bl_leaf - an open disk bound to a SIMPLE or BASE volume
 * @file: the open disk
 * @pr_key: BASE: the key registered with bl_pr_register(); 0 for SIMPLE
 * @release_work: unregisters the key and closes the disk, in process
 *	context (bl_vol_ops.release may be called from any context)
 */
struct bl_leaf {
	struct file		*file;
	u64			pr_key;
	struct work_struct	release_work;
};

/* Runs leaf releases that must sleep; flushed before the module goes. */
static struct workqueue_struct *bl_release_wq;

/**
 * bl_report_reject - tell the administrator why server data was refused
 * @server: the server that sent it
 * @op: the operation whose reply it was, such as "GETDEVICEINFO"
 * @err: the reason and the index of the offending item
 * @ret: the negative errno the operation fails with
 */
void bl_report_reject(const struct nfs_server *server, const char *op,
		      const struct bl_err *err, int ret)
{
	const char *reason = err->reason ?: "unknown reason";

	trace_pnfs_block_reject(server->nfs_client->cl_hostname, op, reason,
				err->index, ret);
	pr_warn_ratelimited("pNFS block: %s from %s refused: %s (item %u), error %d\n",
			    op, server->nfs_client->cl_hostname, reason,
			    err->index, ret);
}

/**
 * bl_dev_get - take another reference on a device ID node
 * @dev: a node the caller already holds a reference on
 */
void bl_dev_get(struct bl_dev *dev)
{
	atomic_inc(&dev->node.ref);
}

/**
 * bl_dev_put - drop a reference on a device ID node
 * @dev: the node
 */
void bl_dev_put(struct bl_dev *dev)
{
	nfs4_put_deviceid_node(&dev->node);
}

/**
 * bl_dev_mark_unavailable - negatively cache a device after an I/O error
 * @dev: the node
 *
 * Layouts on it are not used until PNFS_DEVICE_RETRY_TIMEOUT has passed
 * (see bl_find_get_deviceid()); I/O meanwhile goes to the MDS.
 */
void bl_dev_mark_unavailable(struct bl_dev *dev)
{
	nfs4_mark_deviceid_unavailable(&dev->node);
}

/**
 * bl_dev_flush - flush the volatile write cache of every disk of a device
 * @dev: the node
 *
 * Return: %0, or the first error (every disk is flushed regardless).
 */
int bl_dev_flush(struct bl_dev *dev)
{
	struct bl_vol_tree *tree = dev->tree;
	int ret = 0;
	u32 i;

	if (!tree)
		return 0;
	for (i = 0; i < tree->nr; i++) {
		struct bl_volume *vol = &tree->vols[i];
		struct block_device *bdev;
		int err;

		if (vol->type != PNFS_BLOCK_VOLUME_SIMPLE &&
		    vol->type != PNFS_BLOCK_VOLUME_SCSI)
			continue;
		bdev = bl_leaf_bdev(vol->leaf.handle);
		err = blkdev_issue_flush(bdev);
		trace_pnfs_block_flush(bdev->bd_dev, err);
		if (err && !ret)
			ret = err;
	}
	return ret;
}

/**
 * bl_leaf_bdev - the block device of a leaf
 * @handle: a leaf handle of a tree built by bl_alloc_deviceid_node()
 *
 * Return: the block device, valid as long as the tree.
 */
struct block_device *bl_leaf_bdev(void *handle)
{
	struct bl_leaf *leaf = handle;

	return file_bdev(leaf->file);
}

static int bl_leaf_new(struct file *file, u64 pr_key, void **handle)
{
	struct bl_leaf *leaf = kzalloc(sizeof(*leaf), GFP_KERNEL);

	if (!leaf)
		return -ENOMEM;
	leaf->file = file;
	leaf->pr_key = pr_key;
	*handle = leaf;
	return 0;
}

static int bl_resolve_simple(struct bl_dev *bd, const struct bl_vol_desc *desc,
			     void **handle, u64 *size)
{
	struct file *file;
	dev_t dev;
	int ret;

	ret = bl_pipe_resolve(bd->node.nfs_client->cl_net, desc, &dev);
	if (ret) {
		trace_pnfs_block_dev_resolve(bd->layout_type, 0, 0, ret);
		return ret;
	}
	file = bl_open_disk(dev);
	if (IS_ERR(file)) {
		trace_pnfs_block_dev_resolve(bd->layout_type, dev, 0,
					     PTR_ERR(file));
		return PTR_ERR(file);
	}
	/* Replies are matched by order only: is it the disk asked for? */
	ret = bl_sig_verify(file_bdev(file), desc);
	if (!ret)
		ret = bl_leaf_new(file, 0, handle);
	if (ret) {
		trace_pnfs_block_dev_resolve(bd->layout_type, dev, 0, ret);
		fput(file);
		return ret;
	}
	/* bl_vol_tree_build() checks the signatures against this size. */
	*size = bdev_nr_bytes(file_bdev(file));
	trace_pnfs_block_dev_resolve(bd->layout_type, dev, *size, 0);
	return 0;
}

static int bl_resolve_scsi(struct bl_dev *bd, const struct bl_vol_desc *desc,
			   void **handle, u64 *size)
{
	struct block_device *bdev;
	struct file *file;
	int ret;

	file = bl_scsi_open(desc);
	if (IS_ERR(file)) {
		trace_pnfs_block_dev_resolve(bd->layout_type, 0, 0,
					     PTR_ERR(file));
		return PTR_ERR(file);
	}
	bdev = file_bdev(file);
	ret = bl_pr_register(bdev, desc->base.pr_key);
	if (ret)
		goto out_fput;
	ret = bl_leaf_new(file, desc->base.pr_key, handle);
	if (ret)
		goto out_unregister;
	*size = bdev_nr_bytes(bdev);
	trace_pnfs_block_dev_resolve(bd->layout_type, bdev->bd_dev, *size, 0);
	return 0;

out_unregister:
	bl_pr_unregister(bdev, desc->base.pr_key);
out_fput:
	trace_pnfs_block_dev_resolve(bd->layout_type, bdev->bd_dev, 0, ret);
	fput(file);
	return ret;
}

/* bl_vol_ops.resolve; @ctx is the struct bl_dev being built. */
static int bl_dev_resolve(const struct bl_vol_desc *desc, void *ctx,
			  void **handle, u64 *size)
{
	struct bl_dev *bd = ctx;

	switch (desc->type) {
	case PNFS_BLOCK_VOLUME_SIMPLE:
		return bl_resolve_simple(bd, desc, handle, size);
	case PNFS_BLOCK_VOLUME_SCSI:
		return bl_resolve_scsi(bd, desc, handle, size);
	default:
		return -EINVAL;
	}
}

static void bl_leaf_release_work(struct work_struct *work)
{
	struct bl_leaf *leaf = container_of(work, struct bl_leaf,
					    release_work);

	bl_pr_unregister(file_bdev(leaf->file), leaf->pr_key);
	fput(leaf->file);
	kfree(leaf);
}

/*
 * bl_vol_ops.release, in whatever context dropped the last reference of
 * the device node.  fput() is safe in any context (the last close of the
 * disk runs later, from task work or a workqueue); a reservation key is
 * unregistered with a SCSI command, from bl_release_wq.
 */
static void bl_dev_release(void *handle, void *ctx)
{
	struct bl_leaf *leaf = handle;

	if (leaf->pr_key) {
		INIT_WORK(&leaf->release_work, bl_leaf_release_work);
		queue_work(bl_release_wq, &leaf->release_work);
		return;
	}
	fput(leaf->file);
	kfree(leaf);
}

/**
 * bl_dev_init - set up device handling at module load
 *
 * Return: %0 or %-ENOMEM.
 */
int bl_dev_init(void)
{
	bl_release_wq = alloc_workqueue("pnfs_block_release", WQ_UNBOUND, 0);
	return bl_release_wq ? 0 : -ENOMEM;
}

/**
 * bl_dev_exit - tear down device handling at module unload
 *
 * Waits for every pending disk release.  The caller has unregistered the
 * layout drivers, so no device node is left to queue more.
 */
void bl_dev_exit(void)
{
	destroy_workqueue(bl_release_wq);
}

static const struct bl_vol_ops bl_dev_vol_ops = {
	.resolve	= bl_dev_resolve,
	.release	= bl_dev_release,
};

/* Decode exactly the da_addr_body that the generic client stored. */
static int bl_dev_decode(struct pnfs_device *pdev, gfp_t gfp,
			 struct bl_vol_table **tablep, struct bl_err *err)
{
	struct xdr_stream xdr;
	struct xdr_buf buf;
	struct page *scratch;
	int ret;

	if (pdev->pgbase || pdev->mincount > pdev->pglen) {
		err->reason = BL_WHY_TRUNCATED;
		err->index = 0;
		return -EBADMSG;
	}
	scratch = alloc_page(gfp);
	if (!scratch)
		return -ENOMEM;
	xdr_init_decode_pages(&xdr, &buf, pdev->pages, pdev->mincount);
	xdr_set_scratch_page(&xdr, scratch);
	ret = bl_decode_deviceaddr(&xdr, pdev->layout_type, gfp, tablep, err);
	__free_page(scratch);
	return ret;
}

/* Failures worth retrying at once rather than remembering. */
static bool bl_dev_transient(int ret)
{
	return ret == -ENOMEM || ret == -EINTR;
}

/* The body of bl_alloc_deviceid_node(), in its NOFS scope. */
static struct nfs4_deviceid_node *bl_dev_build(struct nfs_server *server,
					       struct pnfs_device *pdev,
					       gfp_t gfp)
{
	struct bl_vol_table *table;
	struct bl_err err;
	struct bl_dev *bd;
	int ret;

	ret = bl_dev_decode(pdev, gfp, &table, &err);
	if (ret) {
		if (ret != -ENOMEM)
			bl_report_reject(server, "GETDEVICEINFO", &err, ret);
		return NULL;
	}

	bd = kzalloc(sizeof(*bd), gfp);
	if (!bd)
		goto out_free_table;
	nfs4_init_deviceid_node(&bd->node, server, &pdev->dev_id);
	bd->layout_type = pdev->layout_type;
	spin_lock_init(&bd->err_lock);

	ret = bl_vol_tree_build(table, &bl_dev_vol_ops, bd, gfp, &bd->tree,
				&err);
	if (ret && bl_dev_transient(ret))
		goto out_free_bd;
	if (ret) {
		bd->tree = NULL;
		bl_report_reject(server, "GETDEVICEINFO", &err, ret);
		nfs4_mark_deviceid_unavailable(&bd->node);
	}
	bl_free_vol_table(table);
	return &bd->node;

out_free_bd:
	kfree(bd);
out_free_table:
	bl_free_vol_table(table);
	return NULL;
}

/**
 * bl_alloc_deviceid_node - build a device node from a GETDEVICEINFO reply
 * @server: the server the reply came from
 * @pdev: the reply; the da_addr_body is @pdev->mincount bytes of
 *	@pdev->pages
 * @gfp: allocation flags
 *
 * The pnfs_layoutdriver_type.alloc_deviceid_node method.
 * Decodes the device address, asks blkmapd for each SIMPLE volume and
 * opens the disks.
 * A reply that breaks the protocol is reported and refused.
 * Volumes that cannot be bound to disks give a negative entry: a node
 * without a tree, marked unavailable, so that the layout falls back to
 * the metadata server until PNFS_DEVICE_RETRY_TIMEOUT has passed.
 * Must be called in process context; sleeps (upcall, disk open).
 *
 * A LAYOUTGET sent from writeback gets here (bl_alloc_lseg(),
 * bl_find_get_deviceid()), so nothing in here may recurse into file
 * system reclaim, which could wait for that very writeback: everything
 * runs in a memalloc_nofs_save() scope.  That covers what @gfp cannot
 * reach: the GFP_KERNEL allocations of the disk lookups (path walk,
 * block device open, SCSI reservation commands).
 *
 * Return: the new node with one reference, or %NULL if the reply was
 * refused or memory ran out.
 */
struct nfs4_deviceid_node *bl_alloc_deviceid_node(struct nfs_server *server,
						  struct pnfs_device *pdev,
						  gfp_t gfp)
{
	struct nfs4_deviceid_node *node;
	unsigned int nofs;

	nofs = memalloc_nofs_save();
	node = bl_dev_build(server, pdev, gfp);
	memalloc_nofs_restore(nofs);
	return node;
}
EXPORT_SYMBOL_IF_KUNIT(bl_alloc_deviceid_node);

/**
 * bl_free_deviceid_node - free a device node
 * @node: a node from bl_alloc_deviceid_node() whose last reference is gone
 *
 * The pnfs_layoutdriver_type.free_deviceid_node method, called by
 * nfs4_put_deviceid_node() (and by nfs4_find_get_deviceid() for a node
 * that lost a race) in whatever context dropped the last reference.
 * Closes the disks with fput(), which never sleeps, and frees the node
 * after an RCU grace period, as cache lookups walk nodes under RCU.
 */
void bl_free_deviceid_node(struct nfs4_deviceid_node *node)
{
	struct bl_dev *bd = to_bl_dev(node);

	bl_vol_tree_free(bd->tree);
	kfree_rcu(bd, node.rcu);
}
EXPORT_SYMBOL_IF_KUNIT(bl_free_deviceid_node);

/*
 * Should @node be dropped from the cache and looked up again?
 * Yes if the client ID it was obtained under is gone, or if it is
 * unavailable (marked so, or a negative entry whose mark someone else
 * cleared) since longer than the retry timeout.  Sets *@unavailable if
 * it is unavailable and should stay so.
 */
static bool bl_dev_stale(struct nfs4_deviceid_node *node, bool *unavailable)
{
	unsigned long now = jiffies;

	*unavailable = false;
	if (test_bit(NFS_DEVICEID_INVALID, &node->flags))
		return true;
	if (!test_bit(NFS_DEVICEID_UNAVAILABLE, &node->flags) &&
	    to_bl_dev(node)->tree)
		return false;
	/* nfs4_mark_deviceid_unavailable() sets the time, then the bit. */
	smp_rmb();
	if (time_in_range(node->timestamp_unavailable,
			  now - PNFS_DEVICE_RETRY_TIMEOUT, now)) {
		*unavailable = true;
		return false;
	}
	return true;
}

/*
 * A node the generic client marked NFS_DEVICEID_NOCACHE would be dropped
 * at its last put (see the top of this file).  The caller holds a
 * reference, so the cache cannot drop the node while the mark is
 * cleared.  The tracepoint says that the mark was seen at all: never
 * with PNFS_DEVICEID_CACHED.
 */
static void bl_dev_keep_cached(struct nfs4_deviceid_node *node)
{
#ifdef PNFS_HAVE_DEVICEID_CACHED
	if (test_bit(NFS_DEVICEID_NOCACHE, &node->flags))
		trace_pnfs_block_dev_nocache(node->deviceid.data, false);
#else
	if (test_and_clear_bit(NFS_DEVICEID_NOCACHE, &node->flags))
		trace_pnfs_block_dev_nocache(node->deviceid.data, true);
#endif
}

/**
 * bl_find_get_deviceid - look up a device ID for a layout
 * @server: the server of the layout
 * @id: the device ID from a LAYOUTGET extent
 * @cred: credential for GETDEVICEINFO
 * @gfp: allocation flags
 *
 * Finds the device node in the generic cache or asks the server for it,
 * and keeps it cached even when the server grants no device ID
 * notifications (see the top of this file).
 * A node that is unavailable, and was so less than
 * PNFS_DEVICE_RETRY_TIMEOUT ago, is refused; an older one, or one
 * obtained under a recalled client ID, is dropped from the cache and
 * looked up again once.
 * Another thread may drop a fresh node for the same ID at the same time;
 * that costs one more GETDEVICEINFO, nothing else.
 * Must be called in process context; sleeps.
 *
 * Return: the node with a reference (drop it with
 * nfs4_put_deviceid_node()); its bl_dev.tree is never %NULL.
 * ERR_PTR(%-ENODEV) if the device is unknown, refused or unavailable.
 */
struct nfs4_deviceid_node *bl_find_get_deviceid(struct nfs_server *server,
						const struct nfs4_deviceid *id,
						const struct cred *cred,
						gfp_t gfp)
{
	struct nfs4_deviceid_node *node;
	bool unavailable;
	int tries;

	for (tries = 0; tries < 2; tries++) {
		node = nfs4_find_get_deviceid(server, id, cred, gfp);
		if (!node)
			return ERR_PTR(-ENODEV);
		bl_dev_keep_cached(node);

		if (!bl_dev_stale(node, &unavailable)) {
			if (!unavailable)
				return node;
			nfs4_put_deviceid_node(node);
			return ERR_PTR(-ENODEV);
		}
		nfs4_delete_deviceid(node->ld, node->nfs_client, id);
		nfs4_put_deviceid_node(node);
	}
	return ERR_PTR(-ENODEV);
}
