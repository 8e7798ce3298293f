// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block and SCSI layout client: the per-inode layout.
 *
 * Allocation of the layout header and of layout segments (each LAYOUTGET
 * reply goes into the layout's extent cache), how much a LAYOUTGET asks
 * for, which requests may use the layout at all, and what a returned
 * range leaves behind.
 */
#include <linux/mm.h>
#include <linux/pagemap.h>
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

static const struct bl_ext_dev_ops bl_layout_dev_ops = {
	.get	= bl_dev_get,
	.put	= bl_dev_put,
};

static struct pnfs_layout_hdr *bl_alloc_layout(struct inode *inode, gfp_t gfp,
					       bool scsi)
{
	struct bl_layout *bl = kzalloc(sizeof(*bl), gfp);

	if (!bl)
		return NULL;
	bl_ext_cache_init(&bl->ext, &bl_layout_dev_ops);
	bl_commit_init(&bl->commit, &bl_commit_dev_ops);
	init_rwsem(&bl->error_sem);
	spin_lock_init(&bl->lock);
	bl_wr_tracker_init(&bl->wr);
	bl->scsi = scsi;
	trace_pnfs_block_layout_alloc(inode);
	return &bl->lo;
}

/**
 * bl_alloc_layout_hdr - allocate the layout of an inode, block layout
 * @inode: the inode
 * @gfp: allocation flags
 *
 * The pnfs_layoutdriver_type.alloc_layout_hdr method of LAYOUT_BLOCK_VOLUME.
 *
 * Return: the generic header of a new struct bl_layout, or %NULL.
 */
struct pnfs_layout_hdr *bl_alloc_layout_hdr(struct inode *inode, gfp_t gfp)
{
	return bl_alloc_layout(inode, gfp, false);
}

/**
 * bl_alloc_scsi_layout_hdr - allocate the layout of an inode, SCSI layout
 * @inode: the inode
 * @gfp: allocation flags
 *
 * The pnfs_layoutdriver_type.alloc_layout_hdr method of LAYOUT_SCSI.
 *
 * Return: the generic header of a new struct bl_layout, or %NULL.
 */
struct pnfs_layout_hdr *bl_alloc_scsi_layout_hdr(struct inode *inode,
						 gfp_t gfp)
{
	return bl_alloc_layout(inode, gfp, true);
}

/**
 * bl_free_layout_hdr - free a layout whose last reference is gone
 * @lo: the generic header of a struct bl_layout
 *
 * The pnfs_layoutdriver_type.free_layout_hdr method.  Written extents
 * still in the cache were never committed: the commit failed and the
 * generic client dropped the layout anyway (nfsd answers a LAYOUTCOMMIT
 * after its restart with NFS4ERR_BADLAYOUT, which nfs4_layoutcommit_done()
 * ignores, and the reboot recovery destroys every layout).  The server
 * never makes those blocks part of the file, so the writes are lost: put
 * -EIO on the file's mapping for fsync and close to report (bl_sync()).
 */
void bl_free_layout_hdr(struct pnfs_layout_hdr *lo)
{
	struct bl_layout *bl = to_bl_layout(lo);
	struct inode *inode = lo->plh_inode;
	unsigned long lost = bl_ext_nr_pending(&bl->ext);

	trace_pnfs_block_layout_free(inode);
	if (lost) {
		int nr = min_t(unsigned long, lost, INT_MAX);

		trace_pnfs_block_commit_lost(inode, nr, -EIO);
		pr_warn_ratelimited("pNFS block: file %llu on %s: %lu written extents lost, never committed; fsync reports EIO\n",
				    NFS_FILEID(inode), inode->i_sb->s_id, lost);
		mapping_set_error(inode->i_mapping, -EIO);
	}
	bl_ext_cache_destroy(&bl->ext);
	bl_commit_destroy(&bl->commit);
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

/*
 * Look up the devices of a decoded reply's extents and add the extents to
 * the layout's cache, which takes its own device references.
 */
static int bl_add_exts(struct pnfs_layout_hdr *lo, struct bl_ext_list *list,
		       gfp_t gfp)
{
	struct bl_layout *bl = to_bl_layout(lo);
	struct bl_dev **devs;
	u32 i;
	int ret;

	devs = kcalloc(list->nr, sizeof(*devs), gfp);
	if (!devs)
		return -ENOMEM;
	ret = bl_get_ext_devs(lo, list, devs, lo->plh_lc_cred, gfp);
	if (!ret)
		ret = bl_ext_cache_add(&bl->ext, list->exts, list->nr, devs,
				       gfp);
	for (i = 0; i < list->nr; i++)
		if (devs[i])
			bl_dev_put(devs[i]);
	kfree(devs);
	return ret;
}

/**
 * bl_alloc_lseg - take in a LAYOUTGET reply
 * @lo: the layout
 * @lgr: the reply
 * @gfp: allocation flags
 *
 * The pnfs_layoutdriver_type.alloc_lseg method.  Decodes and checks the
 * extents, looks up their devices and adds the extents to the layout's
 * cache; the segment itself carries none.  Sleeps.
 *
 * Return: the new segment (marked NFS_LSEG_UNAVAILABLE if its devices
 * cannot be reached, so that I/O goes to the MDS), or an ERR_PTR() if
 * the reply was refused or memory ran out.
 */
struct pnfs_layout_segment *bl_alloc_lseg(struct pnfs_layout_hdr *lo,
					  struct nfs4_layoutget_res *lgr,
					  gfp_t gfp)
{
	struct nfs_server *server = NFS_SERVER(lo->plh_inode);
	struct pnfs_layout_segment *lseg;
	struct bl_ext_list *list = NULL;
	struct bl_err err = {};
	struct xdr_stream xdr;
	struct xdr_buf buf;
	struct page *scratch;
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

	ret = bl_add_exts(lo, list, gfp);
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

/**
 * bl_free_lseg - free a layout segment
 * @lseg: a segment from bl_alloc_lseg()
 *
 * The pnfs_layoutdriver_type.free_lseg method.
 */
void bl_free_lseg(struct pnfs_layout_segment *lseg)
{
	kfree(lseg);
}

/**
 * bl_return_range - forget the extents of a range given back
 * @lo: the layout
 * @range: the range returned or recalled
 *
 * The pnfs_layoutdriver_type.return_range method.  Written extents not
 * yet committed are kept for the next LAYOUTCOMMIT (bl_ext_remove()).
 */
void bl_return_range(struct pnfs_layout_hdr *lo,
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
	trace_pnfs_block_return_range(lo->plh_inode, range,
				      bl_ext_has_pending(&bl->ext));
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

static u64 bl_layoutget_size(struct nfs_pageio_descriptor *pgio,
			     struct nfs_page *req);

/*
 * Errors of pnfs_update_layout() that only say there is no layout just
 * now: -EAGAIN when it had to forget a LAYOUTGET reply (the layout's
 * state moved while the reply was on the wire, as when a failed request
 * is returning the layout, or the server handed out a layout stateid
 * this client never saw), -EBUSY and -ERECALLCONFLICT when the server
 * kept answering that it is busy or recalling.  The generic client makes
 * any error the request's own.  A write then comes back: an O_DIRECT
 * write defers the request and schedules it again, writeback redirties
 * the page.  A read does not: an O_DIRECT read comes back short, a
 * buffered one fails, where the MDS could have read the data.  So a read
 * goes to the MDS.  Everything else (a fatal signal, a lost open state,
 * no memory) stays the request's error.
 */
static bool bl_read_mds_now(enum pnfs_iomode iomode, int err)
{
	if (iomode != IOMODE_READ)
		return false;
	return err == -EAGAIN || err == -EBUSY || err == -ERECALLCONFLICT;
}

/*
 * The segment for @req's I/O, as pnfs_generic_pg_init_read() and
 * pnfs_generic_pg_init_write() get it (a segment that still covers @req
 * needs no LAYOUTGET; without one and without an error the I/O goes to
 * the MDS), except that a LAYOUTGET starts at the server block holding
 * @req: nfsd refuses an offset that is not block aligned, and
 * pnfs_update_layout() aligns it only to a page, which is all it takes
 * while blocks are no larger than a page.
 */
static void bl_pg_get_layout(struct nfs_pageio_descriptor *pgio,
			     struct nfs_page *req, enum pnfs_iomode iomode)
{
	u32 bs = NFS_SERVER(pgio->pg_inode)->pnfs_blksize;
	u64 offset = req_offset(req), start = round_down(offset, bs);
	struct pnfs_layout_segment *lseg;
	u64 len;

	pnfs_generic_pg_check_layout(pgio, req);
	if (pgio->pg_lseg)
		return;
	/* Reads ask for what the generic client asks for. */
	if (iomode == IOMODE_RW)
		len = bl_layoutget_size(pgio, req);
	else if (pgio->pg_dreq)
		len = nfs_dreq_bytes_left(pgio->pg_dreq, offset);
	else
		len = i_size_read(pgio->pg_inode) - offset;
	lseg = pnfs_update_layout(pgio->pg_inode, nfs_req_openctx(req),
				  start, len + (offset - start), iomode,
				  false, nfs_io_gfp_mask());
	if (IS_ERR(lseg)) {
		int err = PTR_ERR(lseg);
		bool mds = bl_read_mds_now(iomode, err);

		trace_pnfs_block_layoutget_failed(pgio->pg_inode, offset,
						  iomode, err, mds);
		if (!mds) {
			pgio->pg_error = err;
			return;
		}
		lseg = NULL;
	}
	pgio->pg_lseg = lseg;
	if (lseg)
		return;
	if (iomode == IOMODE_RW)
		nfs_pageio_reset_write_mds(pgio);
	else
		nfs_pageio_reset_read_mds(pgio);
}

/*
 * A read that goes through the MDS must see what this client wrote over
 * the layout, and the server knows those blocks only once a LAYOUTCOMMIT
 * has listed them: until then it reads them as holes, or past its end of
 * file.  So commit first, or wait for the commit in flight.  This is the
 * case when a failed request's completion is committing and returning
 * the layout while the same reader's next requests, finding no layout,
 * already go to the MDS.  The wait is in the reader's own context, as
 * a LAYOUTGET here would be.
 */
static void bl_read_mds_commit(struct nfs_pageio_descriptor *pgio)
{
	/* Returns at once when no LAYOUTCOMMIT is outstanding. */
	pnfs_layoutcommit_inode(pgio->pg_inode, true);
}

static void bl_pg_init_read(struct nfs_pageio_descriptor *pgio,
			    struct nfs_page *req)
{
	if (!bl_req_aligned(pgio, req, SECTOR_SIZE)) {
		nfs_pageio_reset_read_mds(pgio);
		bl_read_mds_commit(pgio);
		return;
	}
	bl_pg_get_layout(pgio, req, IOMODE_READ);
	bl_check_unavailable(pgio, false);
	if (!pgio->pg_lseg)
		bl_read_mds_commit(pgio);
}

static size_t bl_pg_test_read(struct nfs_pageio_descriptor *pgio,
			      struct nfs_page *prev, struct nfs_page *req)
{
	if (!bl_req_aligned(pgio, req, SECTOR_SIZE))
		return 0;
	return pnfs_generic_pg_test(pgio, prev, req);
}

/* A stream must have written this much before LAYOUTGET asks ahead... */
#define BL_STREAM_MIN	((u64)SZ_1M)
/* ...and then asks at most this far past what is being written. */
#define BL_AHEAD_MAX	((u64)SZ_64M)

/**
 * bl_wb_run - how many pages from @index on are being written back
 * @mapping: the file's pages
 * @index: the first page, the request's own
 * @max: scan at most this many pages
 *
 * Counts the run of folios from @index that are dirty or under
 * writeback, up to the first page that is missing or clean.  Lockless, so
 * only an estimate: a folio can be written, truncated or reused while we
 * look, and the run is used only to size a LAYOUTGET.
 *
 * Return: the length of the run in pages, at most @max.
 */
static pgoff_t bl_wb_run(struct address_space *mapping, pgoff_t index,
			 pgoff_t max)
{
	XA_STATE(xas, &mapping->i_pages, index);
	pgoff_t next = index, end;
	struct folio *folio;

	rcu_read_lock();
	while (next - index < max) {
		xas_set(&xas, next);
		folio = xas_load(&xas);
		if (xas_retry(&xas, folio))
			continue;
		if (!folio || xa_is_value(folio))
			break;
		if (!folio_test_dirty(folio) && !folio_test_writeback(folio))
			break;
		end = folio->index + folio_nr_pages(folio);
		if (end <= next)
			break;	/* reused under us */
		next = end;
	}
	rcu_read_unlock();
	return min(next - index, max);
}

/* What the request's I/O is writing, from the request on, in bytes. */
static u64 bl_wb_len(struct nfs_pageio_descriptor *pgio, struct nfs_page *req)
{
	u64 offset = req_offset(req);
	pgoff_t index = offset >> PAGE_SHIFT;
	pgoff_t run;

	if (pgio->pg_dreq)
		return nfs_dreq_bytes_left(pgio->pg_dreq, offset);
	run = bl_wb_run(pgio->pg_inode->i_mapping, index,
			BL_AHEAD_MAX >> PAGE_SHIFT);
	return max_t(u64, ((u64)(index + run) << PAGE_SHIFT) - offset,
		     req->wb_bytes);
}

/*
 * Add a write of @len bytes at @offset to the layout's stream: it goes on
 * when the write starts inside what the stream has covered, else a new
 * stream starts here.  Returns how far the stream had come before @offset.
 */
static u64 bl_stream_note(struct bl_layout *bl, u64 offset, u64 len)
{
	u64 done = 0;

	spin_lock(&bl->lock);
	if (offset >= bl->seq_start && offset <= bl->next_offset) {
		done = offset - bl->seq_start;
		bl->next_offset = max(bl->next_offset, offset + len);
	} else {
		bl->seq_start = offset;
		bl->next_offset = offset + len;
	}
	spin_unlock(&bl->lock);
	return done;
}

/**
 * bl_layoutget_size - how much a write asks LAYOUTGET for
 * @pgio: the I/O descriptor
 * @req: its first request, which needs a layout
 *
 * For an RW layout the server allocates the whole range asked (XFS does,
 * in xfs_fs_map_blocks()), and what the client never writes stays
 * allocated, unwritten, after close.  So a write asks for what it is
 * writing, rounded out to the server's layout blocks.  It asks for more
 * only when it extends the file as part of a stream that has already
 * written BL_STREAM_MIN sequentially: then as far ahead as the stream has
 * written, at most BL_AHEAD_MAX.  Space allocated and never written thus
 * stays below the data written, and a stream of 1 MiB direct writes still
 * needs only a handful of LAYOUTGETs (the window doubles with each).
 *
 * Return: the length to ask for from req_offset(@req), in bytes.
 */
static u64 bl_layoutget_size(struct nfs_pageio_descriptor *pgio,
			     struct nfs_page *req)
{
	struct inode *inode = pgio->pg_inode;
	u32 bs = NFS_SERVER(inode)->pnfs_blksize;
	u64 offset = req_offset(req);
	u64 len = bl_wb_len(pgio, req);
	u64 done = 0, ahead = 0, want;

	/* i_lock keeps the layout header from being detached and freed. */
	spin_lock(&inode->i_lock);
	if (NFS_I(inode)->layout)
		done = bl_stream_note(to_bl_layout(NFS_I(inode)->layout),
				      offset, len);
	spin_unlock(&inode->i_lock);
	/* Inside the file, asking ahead would allocate the file's holes. */
	if (done >= BL_STREAM_MIN && offset + len >= i_size_read(inode))
		ahead = round_down(min(done, BL_AHEAD_MAX), bs);
	want = round_up(offset + len + ahead, bs) - offset;
	trace_pnfs_block_layoutget_size(inode, offset, len, done,
					ahead, want, !!pgio->pg_dreq);
	return want;
}

/*
 * A small file costs a LAYOUTGET and a LAYOUTCOMMIT over the layout, two
 * round trips to the MDS where a WRITE through it is one: with
 * mds_small_file set, buffered writeback of a file no larger than that
 * goes through the MDS while the inode holds no read-write layout
 * segment (one it holds costs nothing more to use).  Off by default:
 * the bytes then cross the network to the MDS, which a user who chose
 * pNFS may not want, and a file that grows past the limit switches to
 * the layout with its next writeback.
 */
static unsigned int bl_mds_small_file;
module_param_named(mds_small_file, bl_mds_small_file, uint, 0644);
MODULE_PARM_DESC(mds_small_file,
		 "Bytes: buffered writes of a file no larger than this go through the MDS while the file holds no read-write layout (0, the default: never)");

static bool bl_write_small_file(struct nfs_pageio_descriptor *pgio)
{
	unsigned int limit = READ_ONCE(bl_mds_small_file);
	struct inode *inode = pgio->pg_inode;
	struct pnfs_layout_segment *lseg;
	struct pnfs_layout_hdr *lo;
	bool held = false;
	loff_t size;

	if (!limit || pgio->pg_dreq)
		return false;
	size = i_size_read(inode);
	if (size > limit)
		return false;
	spin_lock(&inode->i_lock);
	lo = NFS_I(inode)->layout;
	if (lo)
		list_for_each_entry(lseg, &lo->plh_segs, pls_list)
			if (lseg->pls_range.iomode == IOMODE_RW &&
			    test_bit(NFS_LSEG_VALID, &lseg->pls_flags))
				held = true;
	spin_unlock(&inode->i_lock);
	if (held)
		return false;
	trace_pnfs_block_small_file(inode, size, limit);
	return true;
}

static void bl_pg_init_write(struct nfs_pageio_descriptor *pgio,
			     struct nfs_page *req)
{
	if (!bl_req_aligned(pgio, req, PAGE_SIZE) ||
	    bl_write_small_file(pgio)) {
		nfs_pageio_reset_write_mds(pgio);
		return;
	}
	bl_pg_get_layout(pgio, req, IOMODE_RW);
	bl_check_unavailable(pgio, true);
}

static size_t bl_pg_test_write(struct nfs_pageio_descriptor *pgio,
			       struct nfs_page *prev, struct nfs_page *req)
{
	if (!bl_req_aligned(pgio, req, PAGE_SIZE))
		return 0;
	return pnfs_generic_pg_test(pgio, prev, req);
}

const struct nfs_pageio_ops bl_pg_read_ops = {
	.pg_init	= bl_pg_init_read,
	.pg_test	= bl_pg_test_read,
	.pg_doio	= pnfs_generic_pg_readpages,
	.pg_cleanup	= pnfs_generic_pg_cleanup,
};

const struct nfs_pageio_ops bl_pg_write_ops = {
	.pg_init	= bl_pg_init_write,
	.pg_test	= bl_pg_test_write,
	.pg_doio	= pnfs_generic_pg_writepages,
	.pg_cleanup	= pnfs_generic_pg_cleanup,
};
