// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block (RFC 5663) and SCSI (RFC 8154) layout client: the two layout
 * driver tables the generic pNFS client calls, and module init.
 *
 * layout.c: layout headers, segments, LAYOUTGET sizing, returns;
 * commit.c: LAYOUTCOMMIT and fsync; io.c: reads and writes;
 * dev.c, scsi.c, disk.c, pipe.c: device IDs and the disks behind them;
 * xdr.c, volume.c, extents.c: decoding, volume trees, the extent cache.
 */
#include <linux/log2.h>
#include <linux/module.h>

#include "../pnfs.h"
#include "dev.h"
#include "layout.h"
#include "version.h"

static int bl_set_layoutdriver(struct nfs_server *server,
			       const struct nfs_fh *fh)
{
	u32 bs = server->pnfs_blksize;

	if (!bs || !is_power_of_2(bs) || bs < SECTOR_SIZE) {
		pr_warn_ratelimited("pNFS block: server %s gave no usable layout block size (%u), using the MDS\n",
				    server->nfs_client->cl_hostname, bs);
		return -EINVAL;
	}
	if (bs > BL_MAX_BLKSIZE) {
		pr_warn_ratelimited("pNFS block: server %s block size %u is above the %u bytes supported, using the MDS\n",
				    server->nfs_client->cl_hostname, bs,
				    BL_MAX_BLKSIZE);
		return -EINVAL;
	}
	return 0;
}

/*
 * The two layout types share every method but the header allocation,
 * which remembers the type (bl_layout.scsi).
 *
 * PNFS_LAYOUTRET_ON_ERROR: a failed request makes the generic client
 * return the whole layout, synchronously, before it resends the request
 * through the MDS, whose WRITE would otherwise recall the layout we hold
 * and block an nfsd thread on it.  That return drops the pending
 * LAYOUTCOMMIT; everything written so far is committed just before, by
 * the driver (bl_io_failed()) or by a generic client that does it itself
 * (PNFS_LAYOUTRET_ON_ERROR_COMMITS), so no block written over the layout
 * is lost.
 */
static struct pnfs_layoutdriver_type bl_block_layout_type = {
	.id			= LAYOUT_BLOCK_VOLUME,
	.name			= "LAYOUT_BLOCK_VOLUME",
	.owner			= THIS_MODULE,
	.flags			= PNFS_LAYOUTRET_ON_SETATTR |
				  PNFS_LAYOUTRET_ON_ERROR |
				  PNFS_READ_WHOLE_PAGE | BL_DEVICEID_CACHED,
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
				  PNFS_LAYOUTRET_ON_ERROR |
				  PNFS_READ_WHOLE_PAGE | BL_DEVICEID_CACHED,
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

	ret = bl_io_init();
	if (ret)
		return ret;
	ret = bl_dev_init();
	if (ret)
		goto out_io_exit;
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
out_io_exit:
	bl_io_exit();
	return ret;
}

static void __exit bl_exit(void)
{
	pnfs_unregister_layoutdriver(&bl_scsi_layout_type);
	pnfs_unregister_layoutdriver(&bl_block_layout_type);
	bl_pipe_exit();
	bl_dev_exit();
	bl_io_exit();
}

module_init(bl_init);
module_exit(bl_exit);

MODULE_DESCRIPTION("pNFS block and SCSI layout client");
MODULE_LICENSE("GPL");
MODULE_ALIAS("nfs-layouttype4-3");
MODULE_ALIAS("nfs-layouttype4-5");
MODULE_VERSION(BL_VERSION);
