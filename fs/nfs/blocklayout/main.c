// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block (RFC 5663) and SCSI (RFC 8154) layout client: the layout
 * driver glue between the generic pNFS client and our parts.
 */
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/sunrpc/xdr.h>

#include "../pnfs.h"
#include "../nfs4_fs.h"
#include "../internal.h"
#include "blocklayout.h"
#include "dev.h"
#include "layout.h"
#include "trace.h"

/* Sequential writers get layouts for up to this much past the request. */
#define BL_LAYOUTGET_WINDOW_MAX	((u64)SZ_64M)
#define BL_LAYOUTGET_WINDOW_MIN	((u64)SZ_1M)

static void bl_ext_dev_get(void *dev)
{
	bl_dev_get(dev);
}

static void bl_ext_dev_put(void *dev)
{
	bl_dev_put(dev);
}

static const struct bl_ext_dev_ops bl_ext_dev_ops = {
	.get	= bl_ext_dev_get,
	.put	= bl_ext_dev_put,
};

static struct pnfs_layout_hdr *bl_alloc_layout(struct inode *inode, gfp_t gfp,
					       bool scsi)
{
	struct bl_layout *bl = kzalloc(sizeof(*bl), gfp);

	if (!bl)
		return NULL;
	bl_ext_cache_init(&bl->ext, &bl_ext_dev_ops);
	spin_lock_init(&bl->lock);
	bl->scsi = scsi;
	return &bl->lo;
}

static struct pnfs_layout_hdr *bl_alloc_layout_hdr(struct inode *inode,
						   gfp_t gfp)
{
	return bl_alloc_layout(inode, gfp, false);
}

static struct pnfs_layout_hdr *bl_alloc_scsi_layout_hdr(struct inode *inode,
							gfp_t gfp)
{
	return bl_alloc_layout(inode, gfp, true);
}

static void bl_free_layout_hdr(struct pnfs_layout_hdr *lo)
{
	struct bl_layout *bl = to_bl_layout(lo);
	unsigned int i;

	bl_ext_cache_destroy(&bl->ext);
	for (i = 0; i < bl->nr_dirty; i++)
		bl_dev_put(bl->dirty[i]);
	kfree_rcu(bl, lo.plh_rcu);
}

/* Look up (GETDEVICEINFO if need be) the device of every extent. */
static int bl_get_ext_devs(struct pnfs_layout_hdr *lo,
			   const struct bl_ext_list *list, struct bl_dev **devs,
			   const struct cred *cred, gfp_t gfp)
{
	struct nfs_server *server = NFS_SERVER(lo->plh_inode);
	u32 i;

	for (i = 0; i < list->nr; i++) {
		const struct bl_ext_desc *d = &list->exts[i];
		struct nfs4_deviceid_node *node;

		if (d->state == PNFS_BLOCK_NONE_DATA)
			continue;
		/* Extents of one reply mostly share a device ID. */
		if (i && devs[i - 1] &&
		    !memcmp(&list->exts[i - 1].devid, &d->devid,
			    sizeof(d->devid))) {
			devs[i] = devs[i - 1];
			bl_dev_get(devs[i]);
		} else {
			node = bl_find_get_deviceid(server, &d->devid, cred,
						    gfp);
			if (IS_ERR(node))
				return PTR_ERR(node);
			devs[i] = to_bl_dev(node);
		}
		if (!bl_vol_contains(devs[i]->tree, d->storage_offset,
				     d->len)) {
			struct bl_err err = {
				.reason = "extent past the end of its volume",
				.index = i,
			};

			bl_report_reject(server, "LAYOUTGET", &err, -EINVAL);
			return -EINVAL;
		}
	}
	return 0;
}

static struct pnfs_layout_segment *
bl_alloc_lseg(struct pnfs_layout_hdr *lo, struct nfs4_layoutget_res *lgr,
	      gfp_t gfp)
{
	struct nfs_server *server = NFS_SERVER(lo->plh_inode);
	struct bl_layout *bl = to_bl_layout(lo);
	struct pnfs_layout_segment *lseg;
	struct bl_ext_list *list = NULL;
	struct bl_dev **devs = NULL;
	struct bl_err err = {};
	struct xdr_stream xdr;
	struct xdr_buf buf;
	struct page *scratch;
	u32 i;
	int ret;

	lseg = kzalloc(sizeof(*lseg), gfp);
	if (!lseg)
		return ERR_PTR(-ENOMEM);
	scratch = alloc_page(gfp);
	if (!scratch) {
		ret = -ENOMEM;
		goto out_free_lseg;
	}

	xdr_init_decode_pages(&xdr, &buf, lgr->layoutp->pages,
			      lgr->layoutp->len);
	xdr_set_scratch_page(&xdr, scratch);
	ret = bl_decode_layout(&xdr, &lgr->range, server->pnfs_blksize, gfp,
			       &list, &err);
	if (ret) {
		if (ret != -ENOMEM)
			bl_report_reject(server, "LAYOUTGET", &err, ret);
		goto out_free_scratch;
	}

	devs = kcalloc(list->nr, sizeof(*devs), gfp);
	if (!devs) {
		ret = -ENOMEM;
		goto out_free_list;
	}
	ret = bl_get_ext_devs(lo, list, devs, lo->plh_lc_cred, gfp);
	if (!ret)
		ret = bl_ext_cache_add(&bl->ext, list->exts, list->nr,
				       (void *const *)devs, gfp);
	for (i = 0; i < list->nr; i++)
		if (devs[i])
			bl_dev_put(devs[i]);
	kfree(devs);
out_free_list:
	bl_free_ext_list(list);
out_free_scratch:
	__free_page(scratch);
	if (ret == -ENODEV) {
		/* The devices are not reachable: I/O goes to the MDS. */
		set_bit(NFS_LSEG_UNAVAILABLE, &lseg->pls_flags);
		return lseg;
	}
	if (!ret)
		return lseg;
out_free_lseg:
	kfree(lseg);
	return ERR_PTR(ret);
}

static void bl_free_lseg(struct pnfs_layout_segment *lseg)
{
	kfree(lseg);
}

static void bl_return_range(struct pnfs_layout_hdr *lo,
			    struct pnfs_layout_range *range)
{
	struct bl_layout *bl = to_bl_layout(lo);
	sector_t start = range->offset >> SECTOR_SHIFT;
	sector_t end;

	if (range->length == NFS4_MAX_UINT64 ||
	    range->offset + range->length < range->offset)
		end = ~(sector_t)0;
	else
		end = (range->offset + range->length) >> SECTOR_SHIFT;
	bl_ext_remove(&bl->ext, start, end);
	trace_pnfs_block_return_range(NFS_FILEID(lo->plh_inode), range->offset,
				      range->length,
				      bl_ext_has_pending(&bl->ext));
}

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

/*
 * Direct I/O goes over the layout only when it covers whole sectors
 * (reads) or whole pages (writes, so that no block is partly written);
 * the rest goes through the MDS.  Buffered I/O is always page based.
 */
static bool bl_req_aligned(struct nfs_pageio_descriptor *pgio,
			   struct nfs_page *req, unsigned int align)
{
	if (!pgio->pg_dreq)
		return true;
	return IS_ALIGNED(req_offset(req), align) &&
	       IS_ALIGNED(req->wb_bytes, align);
}

/*
 * A layout on an unavailable device is not used: the I/O goes to the MDS
 * and no LAYOUTGET is sent for this I/O mode for a while.  The layout is
 * not returned: blocks it already wrote still have to be committed with
 * its stateid, and a LAYOUTRETURN now would make them unwritten forever.
 */
static void bl_check_unavailable(struct nfs_pageio_descriptor *pgio,
				 bool write)
{
	if (!pgio->pg_lseg ||
	    !test_bit(NFS_LSEG_UNAVAILABLE, &pgio->pg_lseg->pls_flags))
		return;
	pnfs_set_lo_fail(pgio->pg_lseg);
	if (write)
		nfs_pageio_reset_write_mds(pgio);
	else
		nfs_pageio_reset_read_mds(pgio);
}

static void bl_pg_init_read(struct nfs_pageio_descriptor *pgio,
			    struct nfs_page *req)
{
	if (!bl_req_aligned(pgio, req, SECTOR_SIZE)) {
		nfs_pageio_reset_read_mds(pgio);
		return;
	}
	pnfs_generic_pg_init_read(pgio, req);
	bl_check_unavailable(pgio, false);
}

static size_t bl_pg_test_read(struct nfs_pageio_descriptor *pgio,
			      struct nfs_page *prev, struct nfs_page *req)
{
	if (!bl_req_aligned(pgio, req, SECTOR_SIZE))
		return 0;
	return pnfs_generic_pg_test(pgio, prev, req);
}

/*
 * How much to ask LAYOUTGET for: the request, or for a sequential writer
 * a window that doubles up to BL_LAYOUTGET_WINDOW_MAX, so that a stream of
 * 1 MiB direct writes needs a handful of LAYOUTGETs, not one each.
 */
static u64 bl_layoutget_size(struct nfs_pageio_descriptor *pgio,
			     struct nfs_page *req)
{
	struct inode *inode = pgio->pg_inode;
	u64 isize = i_size_read(inode);
	u64 offset = req_offset(req);
	struct bl_layout *bl;
	u64 want;

	if (pgio->pg_dreq)
		want = nfs_dreq_bytes_left(pgio->pg_dreq, offset);
	else
		want = isize > offset ? isize - offset : req->wb_bytes;

	/* i_lock keeps the layout header from being detached and freed. */
	spin_lock(&inode->i_lock);
	if (!NFS_I(inode)->layout)
		goto out_unlock;
	bl = to_bl_layout(NFS_I(inode)->layout);
	spin_lock(&bl->lock);
	if (offset >= bl->seq_start && offset <= bl->next_offset) {
		bl->window = clamp(bl->window * 2, BL_LAYOUTGET_WINDOW_MIN,
				   BL_LAYOUTGET_WINDOW_MAX);
		bl->next_offset = max(bl->next_offset, offset + want);
	} else {
		bl->window = 0;
		bl->seq_start = offset;
		bl->next_offset = offset + want;
	}
	/*
	 * Only a writer that extends the file gets more than it asked for:
	 * inside the file, the extra would allocate the file's holes.
	 */
	if (offset + want >= isize)
		want = max(want, bl->window);
	spin_unlock(&bl->lock);
out_unlock:
	spin_unlock(&inode->i_lock);
	trace_pnfs_block_layoutget_size(NFS_FILEID(inode), offset, want, true);
	return want;
}

static void bl_pg_init_write(struct nfs_pageio_descriptor *pgio,
			     struct nfs_page *req)
{
	if (!bl_req_aligned(pgio, req, PAGE_SIZE)) {
		nfs_pageio_reset_write_mds(pgio);
		return;
	}
	pnfs_generic_pg_init_write(pgio, req, bl_layoutget_size(pgio, req));
	bl_check_unavailable(pgio, true);
}

static size_t bl_pg_test_write(struct nfs_pageio_descriptor *pgio,
			       struct nfs_page *prev, struct nfs_page *req)
{
	if (!bl_req_aligned(pgio, req, PAGE_SIZE))
		return 0;
	return pnfs_generic_pg_test(pgio, prev, req);
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

static const struct nfs_pageio_ops bl_pg_read_ops = {
	.pg_init	= bl_pg_init_read,
	.pg_test	= bl_pg_test_read,
	.pg_doio	= pnfs_generic_pg_readpages,
	.pg_cleanup	= pnfs_generic_pg_cleanup,
};

static const struct nfs_pageio_ops bl_pg_write_ops = {
	.pg_init	= bl_pg_init_write,
	.pg_test	= bl_pg_test_write,
	.pg_doio	= pnfs_generic_pg_writepages,
	.pg_cleanup	= pnfs_generic_pg_cleanup,
};

/*
 * Both layout types share every method; the layout header remembers which
 * one it belongs to (bl_layout.scsi).
 *
 * No PNFS_LAYOUTRET_ON_ERROR: the generic client would then drop the
 * pending LAYOUTCOMMIT and return the layout on the first failed bio, and
 * every block written over the layout before the failure would stay
 * INVALID on the server, reading back as zeros.  A failed device is
 * avoided for a while instead (bl_dev_mark_unavailable()), the failed
 * request goes to the MDS and the written extents are still committed.
 */
#define BL_LAYOUT_METHODS						\
	.owner			= THIS_MODULE,				\
	.flags			= PNFS_LAYOUTRET_ON_SETATTR |		\
				  PNFS_READ_WHOLE_PAGE,			\
	.set_layoutdriver	= bl_set_layoutdriver,			\
	.free_layout_hdr	= bl_free_layout_hdr,			\
	.alloc_lseg		= bl_alloc_lseg,			\
	.free_lseg		= bl_free_lseg,				\
	.return_range		= bl_return_range,			\
	.pg_read_ops		= &bl_pg_read_ops,			\
	.pg_write_ops		= &bl_pg_write_ops,			\
	.sync			= bl_sync,				\
	.read_pagelist		= bl_read_pagelist,			\
	.write_pagelist		= bl_write_pagelist,			\
	.alloc_deviceid_node	= bl_alloc_deviceid_node,		\
	.free_deviceid_node	= bl_free_deviceid_node,		\
	.prepare_layoutcommit	= bl_prepare_layoutcommit,		\
	.cleanup_layoutcommit	= bl_cleanup_layoutcommit

static struct pnfs_layoutdriver_type bl_block_layout_type = {
	.id			= LAYOUT_BLOCK_VOLUME,
	.name			= "LAYOUT_BLOCK_VOLUME",
	.alloc_layout_hdr	= bl_alloc_layout_hdr,
	BL_LAYOUT_METHODS,
};

static struct pnfs_layoutdriver_type bl_scsi_layout_type = {
	.id			= LAYOUT_SCSI,
	.name			= "LAYOUT_SCSI",
	.alloc_layout_hdr	= bl_alloc_scsi_layout_hdr,
	BL_LAYOUT_METHODS,
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
