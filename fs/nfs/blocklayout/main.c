// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block (RFC 5663) and SCSI (RFC 8154) layout client: the two layout
 * driver tables the generic pNFS client calls, and module init.
 *
 * layout.c: layout headers, segments, LAYOUTGET sizing, returns;
 * io.c: reads and writes;
 * dev.c, scsi.c, pipe.c: device IDs and the disks behind them;
 * xdr.c, volume.c, extents.c: decoding, volume trees, the extent cache.
 */
#include <linux/highmem.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "../pnfs.h"
#include "../internal.h"
#include "dev.h"
#include "layout.h"
#include "trace.h"

static int bl_set_layoutdriver(struct nfs_server *server,
			       const struct nfs_fh *fh)
{
	u32 bs = server->pnfs_blksize;

	if (!bs || !is_power_of_2(bs) || bs < SECTOR_SIZE) {
		pr_warn_ratelimited("pNFS block: server %s gave no usable layout block size (%u), using the MDS\n",
				    server->nfs_client->cl_hostname, bs);
		return -EINVAL;
	}
	if (bs > PAGE_SIZE) {
		pr_warn_ratelimited("pNFS block: server %s block size %u above the page size is not supported yet, using the MDS\n",
				    server->nfs_client->cl_hostname, bs);
		return -EINVAL;
	}
	return 0;
}

/* Hand the encoded body to the generic client as whole pages. */
static int bl_commit_body_to_pages(struct nfs4_layoutcommit_args *arg,
				   const void *body, size_t len)
{
	unsigned int i, nr = DIV_ROUND_UP(len, PAGE_SIZE);
	struct page **pages;

	pages = kcalloc(nr, sizeof(*pages), GFP_NOFS);
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		size_t n = min_t(size_t, len - i * PAGE_SIZE, PAGE_SIZE);

		pages[i] = alloc_page(GFP_NOFS);
		if (!pages[i])
			goto out_free_pages;
		memcpy_to_page(pages[i], 0, body + i * PAGE_SIZE, n);
	}
	arg->layoutupdate_pages = pages;
	arg->layoutupdate_len = len;
	return 0;

out_free_pages:
	while (i--)
		__free_page(pages[i]);
	kfree(pages);
	return -ENOMEM;
}

static void bl_commit_free_pages(struct nfs4_layoutcommit_args *arg)
{
	unsigned int i, nr = DIV_ROUND_UP(arg->layoutupdate_len, PAGE_SIZE);

	if (!arg->layoutupdate_pages)
		return;
	for (i = 0; i < nr; i++)
		__free_page(arg->layoutupdate_pages[i]);
	kfree(arg->layoutupdate_pages);
	arg->layoutupdate_pages = NULL;
}

static int bl_prepare_layoutcommit(struct nfs4_layoutcommit_args *arg)
{
	struct bl_layout *bl = to_bl_layout(NFS_I(arg->inode)->layout);
	int count, ret;
	size_t len;
	void *body;
	u64 lwb;

	/* The written blocks must be durable before the server hears of them. */
	ret = bl_flush_dirty_devs(bl);
	if (ret)
		return ret;
	count = bl_ext_commit_prepare(&bl->ext, bl->scsi, &body, &len, &lwb,
				      GFP_NOFS);
	if (count < 0)
		return count;
	/*
	 * The server clips the listed extents to the new size (XFS does), so
	 * the last byte written must cover every one of them, even those
	 * whose writes finished after the generic client took its value.
	 */
	if (lwb && (arg->lastbytewritten == U64_MAX ||
		    arg->lastbytewritten < lwb - 1))
		arg->lastbytewritten = lwb - 1;
	ret = bl_commit_body_to_pages(arg, body, len);
	kvfree(body);
	if (ret)
		bl_ext_commit_done(&bl->ext, false);
	trace_pnfs_block_commit(NFS_FILEID(arg->inode), false, count, len, ret);
	/*
	 * More written extents than one commit lists: -ENOSPC makes the
	 * generic client send this one and keep the inode marked for
	 * another (pnfs_layoutcommit_inode()).
	 */
	if (!ret && bl_ext_has_written(&bl->ext))
		ret = -ENOSPC;
	return ret;
}

/*
 * fsync: commit until nothing written is left, not just once, or a file
 * with more written extents than one LAYOUTCOMMIT lists would come back
 * from fsync with blocks the server still calls invalid.  Writes that
 * keep landing meanwhile are the next fsync's business: the loop is
 * bounded.
 */
static int bl_sync(struct inode *inode, bool datasync)
{
	struct pnfs_layout_hdr *lo;
	bool more;
	int ret, i;

	for (i = 0; i < 16; i++) {
		ret = pnfs_layoutcommit_inode(inode, true);
		if (ret)
			return ret;
		/* The layout header cannot go while i_lock is held. */
		spin_lock(&inode->i_lock);
		lo = NFS_I(inode)->layout;
		more = lo && bl_ext_has_written(&to_bl_layout(lo)->ext);
		spin_unlock(&inode->i_lock);
		if (!more)
			break;
	}
	return 0;
}

static void bl_cleanup_layoutcommit(struct nfs4_layoutcommit_data *data)
{
	struct nfs4_layoutcommit_args *arg = &data->args;
	struct bl_layout *bl = to_bl_layout(NFS_I(arg->inode)->layout);

	bl_commit_free_pages(arg);
	bl_ext_commit_done(&bl->ext, data->res.status == 0);
	trace_pnfs_block_commit(NFS_FILEID(arg->inode), true, 0,
				arg->layoutupdate_len, data->res.status);
}

/*
 * The two layout types share every method but the header allocation,
 * which remembers the type (bl_layout.scsi).
 *
 * No PNFS_LAYOUTRET_ON_ERROR: the generic client would then drop the
 * pending LAYOUTCOMMIT and return the layout on the first failed bio, and
 * every block written over the layout before the failure would stay
 * INVALID on the server, reading back as zeros.  A failed device is
 * avoided for a while instead (bl_dev_mark_unavailable()), the failed
 * request goes to the MDS and the written extents are still committed.
 */
static struct pnfs_layoutdriver_type bl_block_layout_type = {
	.id			= LAYOUT_BLOCK_VOLUME,
	.name			= "LAYOUT_BLOCK_VOLUME",
	.owner			= THIS_MODULE,
	.flags			= PNFS_LAYOUTRET_ON_SETATTR |
				  PNFS_READ_WHOLE_PAGE,
	.set_layoutdriver	= bl_set_layoutdriver,
	.alloc_layout_hdr	= bl_alloc_layout_hdr,
	.free_layout_hdr	= bl_free_layout_hdr,
	.alloc_lseg		= bl_alloc_lseg,
	.free_lseg		= bl_free_lseg,
	.return_range		= bl_return_range,
	.pg_read_ops		= &bl_pg_read_ops,
	.pg_write_ops		= &bl_pg_write_ops,
	.sync			= bl_sync,
	.read_pagelist		= bl_read_pagelist,
	.write_pagelist		= bl_write_pagelist,
	.alloc_deviceid_node	= bl_alloc_deviceid_node,
	.free_deviceid_node	= bl_free_deviceid_node,
	.prepare_layoutcommit	= bl_prepare_layoutcommit,
	.cleanup_layoutcommit	= bl_cleanup_layoutcommit,
};

static struct pnfs_layoutdriver_type bl_scsi_layout_type = {
	.id			= LAYOUT_SCSI,
	.name			= "LAYOUT_SCSI",
	.owner			= THIS_MODULE,
	.flags			= PNFS_LAYOUTRET_ON_SETATTR |
				  PNFS_READ_WHOLE_PAGE,
	.set_layoutdriver	= bl_set_layoutdriver,
	.alloc_layout_hdr	= bl_alloc_scsi_layout_hdr,
	.free_layout_hdr	= bl_free_layout_hdr,
	.alloc_lseg		= bl_alloc_lseg,
	.free_lseg		= bl_free_lseg,
	.return_range		= bl_return_range,
	.pg_read_ops		= &bl_pg_read_ops,
	.pg_write_ops		= &bl_pg_write_ops,
	.sync			= bl_sync,
	.read_pagelist		= bl_read_pagelist,
	.write_pagelist		= bl_write_pagelist,
	.alloc_deviceid_node	= bl_alloc_deviceid_node,
	.free_deviceid_node	= bl_free_deviceid_node,
	.prepare_layoutcommit	= bl_prepare_layoutcommit,
	.cleanup_layoutcommit	= bl_cleanup_layoutcommit,
};

static int __init bl_init(void)
{
	int ret;

	ret = bl_dev_init();
	if (ret)
		return ret;
	ret = bl_pipe_init();
	if (ret)
		goto out_dev_exit;
	ret = pnfs_register_layoutdriver(&bl_block_layout_type);
	if (ret)
		goto out_pipe_exit;
	ret = pnfs_register_layoutdriver(&bl_scsi_layout_type);
	if (ret)
		goto out_unregister_block;
	return 0;

out_unregister_block:
	pnfs_unregister_layoutdriver(&bl_block_layout_type);
out_pipe_exit:
	bl_pipe_exit();
out_dev_exit:
	bl_dev_exit();
	return ret;
}

static void __exit bl_exit(void)
{
	pnfs_unregister_layoutdriver(&bl_scsi_layout_type);
	pnfs_unregister_layoutdriver(&bl_block_layout_type);
	bl_pipe_exit();
	bl_dev_exit();
}

module_init(bl_init);
module_exit(bl_exit);

MODULE_DESCRIPTION("pNFS block and SCSI layout client");
MODULE_LICENSE("GPL");
MODULE_ALIAS("nfs-layouttype4-3");
MODULE_ALIAS("nfs-layouttype4-5");
