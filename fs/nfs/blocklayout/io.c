// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block and SCSI layout client: the I/O path.
 *
 * A pNFS read or write (one struct nfs_pgio_header) is walked twice.
 * First extent by extent, submitting nothing: every extent must be usable
 * and its device available, and each device the request touches gets a
 * reference.  Then piece by piece: each piece of an extent is mapped
 * through its device's volume tree to a leaf block device and a sector,
 * and the pages go out in bios as large as the mapping stays contiguous.
 * Holes and unwritten extents read as zeros.
 * Any failure completes the header with an error, and the generic client
 * resends the whole request through the metadata server; a request the
 * first walk refuses has sent no bio.
 *
 * Units: a request's byte range becomes 512-byte sectors once, at the
 * edge (bl_io_range()), and everything below is in sectors, as in dm:
 * a file sector maps to a volume sector in one line (bl_ext_map_sector())
 * and the volume tree gives the leaf sector (bl_vol_map_sectors()).
 * Bytes remain only where pages are walked.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "../pnfs.h"
#include "../internal.h"
#include "blocklayout.h"
#include "dev.h"
#include "layout.h"
#include "trace.h"

/*
 * Device IDs a request holds without allocating; beyond, the list is
 * allocated (and grown) before any bio is submitted.
 */
#define BL_IO_INLINE_DEVS	4

/* Why bl_io_prepare() refused a request (tracepoint pnfs_block_io_refused). */
#define BL_IO_WHY_NO_EXTENT	"no extent covers the range"
#define BL_IO_WHY_READ_ONLY	"extent not writable"
#define BL_IO_WHY_UNAVAILABLE	"device unavailable"
#define BL_IO_WHY_NOMEM		"no memory for the device list"
#define BL_IO_WHY_LEASE		"lease may expire before the I/O ends"
#define BL_IO_WHY_FILL		"cannot fill the rest of a block"

/*
 * Lease-based fencing.  A client that believes its lease has expired
 * must not send I/O to the storage devices until it has validated it
 * (RFC 8881 section 12.7.2): the server may have fenced it and given its
 * blocks to another client.  The generic client checks only a lease it
 * already knows to be expired; a request whose bios could still be on
 * the disks when the lease runs out is refused here, before any bio, and
 * goes to the MDS, which renews the lease or waits for its recovery.
 *
 * The margin is the longest a layout request may take on the disks, the
 * module parameter max_io_time, cut so that a client that reaches its
 * server is never refused (see bl_lease_margin()), so the check costs a
 * healthy client nothing and is on by default; 0 turns it off.  With
 * short leases the generic client renews so late that little margin is
 * left, and a driver cannot ask it to renew sooner.
 */
static unsigned int bl_max_io_time = 30;
module_param_named(max_io_time, bl_max_io_time, uint, 0644);
MODULE_PARM_DESC(max_io_time,
		 "Seconds a layout read or write may take on the disks: none starts later than that before the lease could expire (cut to what the lease renewal leaves; default 30, 0: no lease check)");

/**
 * struct bl_io - one pNFS read or write in flight
 * @hdr: the generic client's request
 * @work: completes @hdr in process context once the last bio ends
 * @pending: bios in flight, plus one held by the submitter
 * @error: first error seen (set once, by cmpxchg)
 * @err_dev: the device ID of the first bio that failed (it, not the
 *	layout, is suspect), or %NULL; held in @devs
 * @err_dev_error: that bio's errno
 * @dev_unavailable: refused before any bio, a device was unavailable
 * @write: this is a write
 * @start: first file sector the bios cover
 * @end: file sector after the last one the bios cover
 * @nr_devs: entries in @devs
 * @max_devs: room in @devs
 * @devs: device IDs the bios go to, each with a reference held until the
 *	request completes (they keep the block devices open); @inline_devs
 *	or an array allocated by bl_io_hold_dev()
 * @inline_devs: room for the first %BL_IO_INLINE_DEVS devices
 * @wr: a write's blocks, claimed from before its extents are looked up
 *	until they are tagged, when the server's blocks are above a page
 * @nr_head: fill pages written before the request's own (fill.h)
 * @nr_tail: fill pages written after them
 * @fill: the @nr_head then the @nr_tail fill pages: ZERO_PAGE(0) or
 *	pages of our own, freed with the request
 *
 * Only the submitter touches @nr_devs, @max_devs, @devs and the fill
 * pages until the last bio ends; then only the completion work does.
 */
struct bl_io {
	struct nfs_pgio_header	*hdr;
	struct work_struct	work;
	atomic_t		pending;
	int			error;
	struct bl_dev		*err_dev;
	int			err_dev_error;
	bool			dev_unavailable;
	bool			write;
	sector_t		start;
	sector_t		end;
	unsigned int		nr_devs;
	unsigned int		max_devs;
	struct bl_dev		**devs;
	struct bl_dev		*inline_devs[BL_IO_INLINE_DEVS];
	struct bl_wr_range	wr;
	unsigned int		nr_head;
	unsigned int		nr_tail;
	struct page		*fill[BL_FILL_MAX_PAGES];
};

/**
 * struct bl_bio - a bio of a request, and the device ID it maps
 * @dev: the device ID; @bio's request holds a reference on it
 * @bio: the bio, allocated from bl_bio_set
 *
 * A bio that fails marks @dev unavailable, not the other devices of its
 * request: their disks may be fine.
 */
struct bl_bio {
	struct bl_dev	*dev;
	struct bio	bio;
};

static struct bio_set bl_bio_set;

/**
 * struct bl_bio_builder - bio under construction
 * @bl: the layout
 * @io: the request the bios belong to
 * @bio: current bio, or %NULL
 * @dev: the device ID @bio maps
 * @opf: operation and flags for new bios
 * @next: the sector @bio would continue at
 */
struct bl_bio_builder {
	struct bl_layout	*bl;
	struct bl_io		*io;
	struct bio		*bio;
	struct bl_dev		*dev;
	blk_opf_t		opf;
	sector_t		next;
};

/* Reading these sectors needs no I/O: they are zeros (RFC 5663 2.3.1). */
static bool bl_ext_reads_zeros(const struct bl_ext *e)
{
	return e->state == PNFS_BLOCK_NONE_DATA ||
	       (e->state == PNFS_BLOCK_INVALID_DATA && e->tag == BL_EXT_CLEAN);
}

static struct bl_layout *hdr_layout(struct nfs_pgio_header *hdr)
{
	return to_bl_layout(hdr->lseg->pls_layout);
}

static void bl_io_set_error(struct bl_io *io, int error)
{
	cmpxchg(&io->error, 0, error);
}

/*
 * Keep a device alive until the request completes.  The list doubles when
 * full; GFP_NOIO, as the request may be writeback.  Returns 0 or -ENOMEM.
 */
static int bl_io_hold_dev(struct bl_io *io, struct bl_dev *dev)
{
	struct bl_dev **devs;
	unsigned int i, max;

	for (i = 0; i < io->nr_devs; i++)
		if (io->devs[i] == dev)
			return 0;
	if (io->nr_devs == io->max_devs) {
		max = io->max_devs * 2;
		devs = kmalloc_array(max, sizeof(*devs), GFP_NOIO);
		if (!devs)
			return -ENOMEM;
		memcpy(devs, io->devs, io->nr_devs * sizeof(*devs));
		if (io->devs != io->inline_devs)
			kfree(io->devs);
		io->devs = devs;
		io->max_devs = max;
	}
	bl_dev_get(dev);
	io->devs[io->nr_devs++] = dev;
	return 0;
}

/*
 * A device marked unavailable (a bio or a flush on it failed) is not used
 * until PNFS_DEVICE_RETRY_TIMEOUT has passed; the generic helper clears
 * the mark once it has.
 */
static bool bl_io_dev_unavailable(struct bl_dev *dev)
{
	return nfs4_test_deviceid_unavailable(&dev->node);
}

/*
 * A write's devices are noted for the next commit's flush before its
 * extents are tagged written (layout.h says why); a failure here fails
 * the write, which then goes to the MDS.
 */
static void bl_io_write_done(struct bl_io *io, struct bl_layout *bl)
{
	struct nfs_pgio_header *hdr = io->hdr;
	unsigned int i;
	int err;

	for (i = 0; i < io->nr_devs; i++) {
		err = bl_commit_note_written(&bl->commit, io->devs[i]);
		if (err) {
			hdr->pnfs_error = err;
			return;
		}
	}
	/* Without the mark the range would never be committed. */
	if (bl_ext_mark_written(&bl->ext, io->start, io->end - io->start,
				hdr->args.offset + hdr->args.count, GFP_NOFS))
		hdr->pnfs_error = -ENOMEM;
}

/*
 * Release the request's blocks, fill pages and device references, before
 * the generic client may free the request; @io itself is freed by
 * bl_io_complete_work() on its way out.  A write's extents are tagged by
 * now, if it succeeded: a write of the same blocks that waited for this
 * one sees them written.
 */
static void bl_io_release(struct bl_io *io)
{
	unsigned int i;

	if (io->wr.claimed)
		bl_wr_release(&hdr_layout(io->hdr)->wr, &io->wr);
	for (i = 0; i < io->nr_head + io->nr_tail; i++)
		if (io->fill[i] != ZERO_PAGE(0))
			__free_page(io->fill[i]);
	for (i = 0; i < io->nr_devs; i++)
		bl_dev_put(io->devs[i]);
	if (io->devs != io->inline_devs)
		kfree(io->devs);
}

static void bl_io_trace_done(struct nfs_pgio_header *hdr)
{
	if (hdr->pnfs_error)
		trace_pnfs_block_mds_fallback(hdr, hdr->pnfs_error);
	else
		trace_pnfs_block_io(hdr);
}

/*
 * A write that succeeded: tag its extents and let the generic client pin
 * its segment for LAYOUTCOMMIT, both under bl_layout.error_sem shared, so
 * that a failed request's commit-and-return (bl_io_failed()) never falls
 * between the two.  Return: %false if tagging failed and the request
 * must be handled as failed instead.
 */
static bool bl_io_write_succeeded(struct bl_io *io)
{
	struct nfs_pgio_header *hdr = io->hdr;
	struct bl_layout *bl = hdr_layout(hdr);
	struct pnfs_layout_segment *lseg;
	struct inode *inode = NULL;

	down_read(&bl->error_sem);
	bl_io_write_done(io, bl);
	if (hdr->pnfs_error) {
		up_read(&bl->error_sem);
		return false;
	}
	/*
	 * pnfs_ld_write_done() may free the request and put the last
	 * reference of its segment, and with it of the layout: keep one.
	 */
	lseg = pnfs_get_lseg(hdr->lseg);
	bl_io_release(io);
	bl_io_trace_done(hdr);
	/*
	 * A recalled segment goes back to the server only after the
	 * LAYOUTCOMMIT that lists its writes.  One that finished after the
	 * recall's own commit was sent would pin the segment until the
	 * inode's next writeback: commit it now.
	 */
	if (!test_bit(NFS_LSEG_VALID, &hdr->lseg->pls_flags))
		inode = igrab(hdr->inode);
	hdr->task.tk_status = 0;
	hdr->verf.committed = NFS_FILE_SYNC;
	pnfs_ld_write_done(hdr);
	up_read(&bl->error_sem);
	pnfs_put_lseg(lseg);
	if (inode) {
		pnfs_layoutcommit_inode(inode, false);
		iput(inode);
	}
	return true;
}

/*
 * A request that failed is resent through the MDS.  A WRITE there would
 * make the server recall the layout this client still holds, and nfsd
 * blocks the WRITE's thread until the layout comes back: with enough of
 * them every nfsd thread waits, and the LAYOUTCOMMIT and LAYOUTRETURN
 * that would free them are never served.  So the layout goes back first:
 * PNFS_LAYOUTRET_ON_ERROR makes the generic client return it, at once
 * and synchronously, before it resends.  That return drops the pending
 * LAYOUTCOMMIT, so everything written so far is committed here first (a
 * generic client with PNFS_LAYOUTRET_ON_ERROR_COMMITS does it itself, in
 * pnfs_ld_write_done() or pnfs_ld_read_done(), just before the return),
 * with bl_layout.error_sem held exclusive: no successful write can pin a
 * segment between this commit and the return.
 */
static void bl_io_failed(struct bl_io *io)
{
	struct nfs_pgio_header *hdr = io->hdr;
	struct bl_layout *bl = hdr_layout(hdr);
	struct pnfs_layout_segment *lseg;
	bool write = io->write;

	/* As in bl_io_write_succeeded(), keep the layout until unlocked. */
	lseg = pnfs_get_lseg(hdr->lseg);
	/*
	 * Tell the server which device failed while the layout is still
	 * ours: its stateid goes with the return below.  Not under
	 * error_sem, which successful writes wait for.
	 */
	if (io->err_dev)
		bl_report_io_error(hdr, io->err_dev, io->err_dev_error, write);
	down_write(&bl->error_sem);
	if (io->error)
		hdr->pnfs_error = io->error;
	/*
	 * A layout on a device that failed (bl_end_bio() marked it) or was
	 * already known to have failed is avoided for a while; a request
	 * that merely found no usable extent just goes to the MDS.
	 */
	if (io->err_dev || io->dev_unavailable)
		pnfs_set_lo_fail(hdr->lseg);
	bl_io_release(io);
	bl_io_trace_done(hdr);
#ifndef PNFS_LAYOUTRET_ON_ERROR_COMMITS
	pnfs_layoutcommit_inode(hdr->inode, true);
#endif
	hdr->task.tk_status = hdr->pnfs_error;
	if (write)
		pnfs_ld_write_done(hdr);
	else
		pnfs_ld_read_done(hdr);
	up_write(&bl->error_sem);
	pnfs_put_lseg(lseg);
}

/*
 * The work item is freed only once its function is done.  A work item
 * queued while another at the same address is still running waits for
 * that one (the workqueue does not run one work item twice at once):
 * freed early, a request whose completion then blocks (bl_io_failed()
 * commits synchronously, which waits for the server, for as long as a
 * partition lasts) held up the completion of any request whose bl_io
 * got the same memory, another file's or another client's.
 */
static void bl_io_complete_work(struct work_struct *work)
{
	struct bl_io *io = container_of(work, struct bl_io, work);
	struct nfs_pgio_header *hdr = io->hdr;

	if (!io->error) {
		if (io->write) {
			if (bl_io_write_succeeded(io))
				goto out_free;
		} else {
			bl_io_release(io);
			bl_io_trace_done(hdr);
			hdr->task.tk_status = 0;
			pnfs_ld_read_done(hdr);
			goto out_free;
		}
	}
	bl_io_failed(io);
out_free:
	kfree(io);
}

static void bl_io_put(struct bl_io *io)
{
	if (!atomic_dec_and_test(&io->pending))
		return;
	INIT_WORK(&io->work, bl_io_complete_work);
	schedule_work(&io->work);
}

/*
 * Where a bio that ended went, as submitted: by the time it ends, the
 * block layer has advanced its iterator over what completed (a request
 * based driver ends a failed bio with bi_size 0) and a partition has
 * moved its sector to the whole disk.  Its pages are still all ours.
 */
static void bl_bio_span(struct bio *bio, sector_t *sector, u32 *size)
{
	unsigned short i;
	u32 len = 0;

	for (i = 0; i < bio->bi_vcnt; i++)
		len += bio->bi_io_vec[i].bv_len;
	*size = len;
	*sector = bio->bi_iter.bi_sector -
		  ((len - bio->bi_iter.bi_size) >> SECTOR_SHIFT);
	if (bio_flagged(bio, BIO_REMAPPED))
		*sector -= bio->bi_bdev->bd_start_sect;
}

/*
 * A failed bio's device ID is avoided for a while (its disk, or a path to
 * it, failed); the request holds a reference on it until it completes.
 */
static void bl_end_bio(struct bio *bio)
{
	struct bl_io *io = bio->bi_private;

	if (bio->bi_status) {
		struct bl_dev *dev = container_of(bio, struct bl_bio, bio)->dev;
		int err = blk_status_to_errno(bio->bi_status);

		if (trace_pnfs_block_bio_error_enabled()) {
			sector_t sector;
			u32 size;

			bl_bio_span(bio, &sector, &size);
			trace_pnfs_block_bio_error(io->hdr->inode, bio, sector,
						   size, err);
		}
		bl_dev_mark_unavailable(dev);
		/* Read by the completion work, after the last bio's put. */
		if (!cmpxchg(&io->err_dev, NULL, dev))
			io->err_dev_error = err;
		bl_io_set_error(io, err);
	}
	bio_put(bio);
	bl_io_put(io);
}

static void bl_submit(struct bl_bio_builder *b)
{
	if (!b->bio)
		return;
	atomic_inc(&b->io->pending);
	submit_bio(b->bio);
	b->bio = NULL;
}

/*
 * Add @nr sectors of @pages, starting *@pgbase bytes into the first page,
 * at @sector of @bdev, a disk of device ID @dev, and advance *@pgbase past
 * them.  Continues the current bio when it is contiguous and maps the same
 * device ID.  Every piece of a page is whole sectors: *@pgbase is sector
 * aligned unless the whole request lies inside one page (a direct read
 * into a buffer at any address: bl_req_aligned() in layout.c checks the
 * offset and length of each page's part, not its place in the page).
 */
static void bl_add_pages(struct bl_bio_builder *b, struct bl_dev *dev,
			 struct block_device *bdev, sector_t sector,
			 struct page **pages, unsigned int *pgbase,
			 sector_t nr)
{
	u64 len = (u64)nr << SECTOR_SHIFT;

	while (len) {
		struct page *page = pages[*pgbase >> PAGE_SHIFT];
		unsigned int off = offset_in_page(*pgbase);
		unsigned int n = min_t(u64, PAGE_SIZE - off, len);

		if (b->bio && (b->bio->bi_bdev != bdev || b->dev != dev ||
			       b->next != sector))
			bl_submit(b);
		if (!b->bio) {
			unsigned int vecs = DIV_ROUND_UP(off + len, PAGE_SIZE);

			/* Never fails: GFP_NOIO may wait on the mempool. */
			b->bio = bio_alloc_bioset(bdev,
						  min_t(unsigned int, vecs,
							BIO_MAX_VECS),
						  b->opf, GFP_NOIO,
						  &bl_bio_set);
			container_of(b->bio, struct bl_bio, bio)->dev = dev;
			b->dev = dev;
			b->bio->bi_iter.bi_sector = sector;
			b->bio->bi_end_io = bl_end_bio;
			b->bio->bi_private = b->io;
		}
		if (bio_add_page(b->bio, page, n, off) != n) {
			bl_submit(b);
			continue;
		}
		sector += n >> SECTOR_SHIFT;
		b->next = sector;
		*pgbase += n;
		len -= n;
	}
}

/* Zero @nr sectors of @pages from *@pgbase, and advance *@pgbase. */
static void bl_zero_pages(struct page **pages, unsigned int *pgbase,
			  sector_t nr)
{
	u64 len = (u64)nr << SECTOR_SHIFT;

	while (len) {
		unsigned int off = offset_in_page(*pgbase);
		unsigned int n = min_t(u64, PAGE_SIZE - off, len);

		memzero_page(pages[*pgbase >> PAGE_SHIFT], off, n);
		*pgbase += n;
		len -= n;
	}
}

/*
 * Map @nr sectors at file sector @sector, which lie in extent @e, and add
 * them to bios, piece by piece: each piece ends at the next boundary of
 * the volume tree.  Returns 0 or a negative errno.
 */
static int bl_map_ext(struct bl_bio_builder *b, const struct bl_ext *e,
		      sector_t sector, struct page **pages,
		      unsigned int *pgbase, sector_t nr)
{
	sector_t vsec = bl_ext_map_sector(e, sector);
	struct bl_dev *dev = e->dev;
	struct bl_vol_map map;
	sector_t n;
	int ret;

	/*
	 * bl_io_prepare() took this device already, unless the extent
	 * cache changed since; then it may have to allocate.
	 */
	ret = bl_io_hold_dev(b->io, dev);
	if (ret)
		return ret;
	for (; nr; nr -= n) {
		ret = bl_vol_map_sectors(dev->tree, vsec, &map);
		if (ret)
			return ret;
		n = min(nr, map.nr_sectors);
		bl_add_pages(b, dev, bl_leaf_bdev(map.handle), map.sector,
			     pages, pgbase, n);
		vsec += n;
	}
	return 0;
}

static struct bl_io *bl_io_alloc(struct nfs_pgio_header *hdr, bool write)
{
	struct bl_io *io = kzalloc(sizeof(*io), GFP_NOIO);

	if (!io)
		return NULL;
	io->hdr = hdr;
	io->write = write;
	io->devs = io->inline_devs;
	io->max_devs = BL_IO_INLINE_DEVS;
	INIT_LIST_HEAD(&io->wr.node);
	atomic_set(&io->pending, 1);
	return io;
}

/*
 * The generic client's renew work runs two thirds of the lease after the
 * last renewal, but never sooner than 5 seconds after its own previous
 * run (nfs4_schedule_state_renewal()), and renews only a lease older than
 * a third of it: a client that is not otherwise sending requests renews
 * up to max(2/3 lease, 1/3 lease + 5 s) after the last renewal, then
 * waits for the reply.  BL_RENEW_SLACK allows for that round trip.
 */
#define BL_RENEW_SLACK		HZ

/* The margin bl_lease_too_old() keeps before a lease of @lease jiffies. */
static unsigned long bl_lease_margin(unsigned long lease)
{
	unsigned long renew = max(2 * lease / 3, lease / 3 + 5 * HZ) +
			      BL_RENEW_SLACK;
	unsigned long margin = (unsigned long)READ_ONCE(bl_max_io_time) * HZ;

	if (renew >= lease)
		return 0;
	return min(margin, lease - renew);
}

/*
 * Could the client's lease expire at the server before a request started
 * now ends?  cl_last_renewal is when the last renewing request was sent,
 * which is no later than when the server renewed the lease.
 */
static bool bl_lease_too_old(const struct nfs_pgio_header *hdr)
{
	const struct nfs_client *clp = NFS_SERVER(hdr->inode)->nfs_client;
	unsigned long lease = READ_ONCE(clp->cl_lease_time);
	unsigned long age = jiffies - READ_ONCE(clp->cl_last_renewal);
	unsigned long margin = bl_lease_margin(lease);

	if (!margin || age < lease - margin)
		return false;
	trace_pnfs_block_lease_expiring(hdr, age, lease, margin);
	return true;
}

/* One extent of bl_io_prepare(); returns %NULL or why it is refused. */
static const char *bl_io_prepare_ext(struct bl_io *io, const struct bl_ext *e,
				     int *err)
{
	if (!io->write && bl_ext_reads_zeros(e))
		return NULL;
	if (io->write && !bl_ext_writable(e)) {
		*err = -EIO;
		return BL_IO_WHY_READ_ONLY;
	}
	if (bl_io_dev_unavailable(e->dev)) {
		io->dev_unavailable = true;
		*err = -ENODEV;
		return BL_IO_WHY_UNAVAILABLE;
	}
	*err = bl_io_hold_dev(io, e->dev);
	return *err ? BL_IO_WHY_NOMEM : NULL;
}

/**
 * bl_io_prepare - check a request before any of its bios is submitted
 * @io: the request
 * @bl: its layout
 * @sector: first file sector it covers
 * @nr: its length in sectors
 *
 * Walks [@sector, @sector + @nr) extent by extent (one lookup per extent):
 * every sector must lie in an extent usable for the request, on a device
 * not marked unavailable, and every device gets a reference in @io.
 * A refusal is recorded in @io and traced, and no bio goes out: the
 * request then goes to the MDS as a whole, with nothing written over the
 * layout that the MDS would write again.
 *
 * Return: %true if the request may go ahead.
 */
static bool bl_io_prepare(struct bl_io *io, struct bl_layout *bl,
			  sector_t sector, sector_t nr)
{
	struct nfs_pgio_header *hdr = io->hdr;
	const char *why = NULL;
	int err = 0;

	if (bl_lease_too_old(hdr)) {
		err = -EAGAIN;
		why = BL_IO_WHY_LEASE;
	}
	while (nr && !why) {
		struct bl_ext e = {}, cow = {};
		sector_t n;

		if (!bl_ext_lookup(&bl->ext, sector, io->write, &e, &cow)) {
			err = -EIO;
			why = BL_IO_WHY_NO_EXTENT;
			break;
		}
		n = min(nr, bl_ext_end(&e) - sector);
		why = bl_io_prepare_ext(io, &e, &err);
		bl_ext_put_snapshot(&bl->ext, &e);
		bl_ext_put_snapshot(&bl->ext, &cow);
		sector += n;
		nr -= n;
	}
	if (!why)
		return true;
	trace_pnfs_block_io_refused(hdr, why, err);
	bl_io_set_error(io, err);
	return false;
}

/*
 * Walk [sector, sector + nr) of the file extent by extent, reading or
 * writing the pages.  Stops at the first error, recording it in the
 * request, and returns it.
 */
static int bl_do_io(struct bl_bio_builder *b, sector_t sector, sector_t nr,
		    struct page **pages, unsigned int pgbase)
{
	struct bl_layout *bl = b->bl;
	bool write = b->io->write;

	while (nr) {
		struct bl_ext e = {}, cow = {};
		sector_t n;
		int err = 0;

		if (!bl_ext_lookup(&bl->ext, sector, write, &e, &cow)) {
			bl_io_set_error(b->io, -EIO);
			return -EIO;
		}
		n = min(nr, bl_ext_end(&e) - sector);
		if (!write && bl_ext_reads_zeros(&e))
			bl_zero_pages(pages, &pgbase, n);
		else if (write && !bl_ext_writable(&e))
			err = -EIO;
		else
			err = bl_map_ext(b, &e, sector, pages, &pgbase, n);
		bl_ext_put_snapshot(&bl->ext, &e);
		bl_ext_put_snapshot(&bl->ext, &cow);
		if (err) {
			bl_io_set_error(b->io, err);
			return err;
		}
		sector += n;
		nr -= n;
	}
	return 0;
}

/*
 * The edge of the I/O path: a request's byte range in sectors.  Only whole
 * sectors get here: layout.c sends direct I/O that is not sector aligned
 * (reads) or page aligned (writes) to the MDS (bl_req_aligned()), buffered
 * I/O is in pages, and a layout segment's range, where the generic client
 * may cut a request, is whole sectors (its extents cover it exactly).
 * Anything else would be a bug here: it goes to the MDS as well.
 */
static bool bl_io_range(u64 offset, u64 len, sector_t *sector, sector_t *nr)
{
	if (WARN_ON_ONCE(!IS_ALIGNED(offset | len, SECTOR_SIZE)))
		return false;
	*sector = offset >> SECTOR_SHIFT;
	*nr = len >> SECTOR_SHIFT;
	return true;
}

#define BL_PAGE_SECTORS		(PAGE_SIZE >> SECTOR_SHIFT)

/*
 * Check that every extent of the request, with its fill pages, can serve
 * it, then map and submit its bios: the head fill pages, the request's
 * own from [sector, sector + nr), the tail fill pages.  A request refused
 * here goes to the MDS when its last reference is put.
 */
static void bl_io_start(struct bl_bio_builder *b, sector_t sector,
			sector_t nr, struct page **pages, unsigned int pgbase)
{
	struct bl_io *io = b->io;
	sector_t head = (sector_t)io->nr_head * BL_PAGE_SECTORS;
	sector_t tail = (sector_t)io->nr_tail * BL_PAGE_SECTORS;
	struct blk_plug plug;

	io->start = sector - head;
	io->end = sector + nr + tail;
	if (!bl_io_prepare(io, b->bl, io->start, io->end - io->start))
		return;
	trace_pnfs_block_io_submit(io->hdr);
	blk_start_plug(&plug);
	if (!bl_do_io(b, io->start, head, io->fill, 0) &&
	    !bl_do_io(b, sector, nr, pages, pgbase))
		bl_do_io(b, sector + nr, tail, io->fill + io->nr_head, 0);
	bl_submit(b);
	blk_finish_plug(&plug);
}

/**
 * bl_read_pagelist - read a request's pages straight from the devices
 * @hdr: the request
 *
 * Return: %PNFS_ATTEMPTED once the bios are out (completion, success or
 * failure, goes through pnfs_ld_read_done()), %PNFS_NOT_ATTEMPTED if
 * nothing could be started and the MDS should do the read.
 */
enum pnfs_try_status bl_read_pagelist(struct nfs_pgio_header *hdr)
{
	u64 pos = hdr->args.offset, len = hdr->args.count;
	loff_t isize = i_size_read(hdr->inode);
	struct bl_bio_builder b = { .bl = hdr_layout(hdr), .opf = REQ_OP_READ };
	sector_t sector, nr;

	if (!bl_io_range(pos, len, &sector, &nr))
		return PNFS_NOT_ATTEMPTED;
	b.io = bl_io_alloc(hdr, false);
	if (!b.io)
		return PNFS_NOT_ATTEMPTED;
	bl_io_start(&b, sector, nr, hdr->args.pages, hdr->args.pgbase);

	if (pos + len >= isize) {
		hdr->res.eof = 1;
		hdr->res.count = isize > pos ? isize - pos : 0;
	} else {
		hdr->res.count = len;
	}
	bl_io_put(b.io);
	return PNFS_ATTEMPTED;
}

/*
 * Read the copy-on-write source of the page at file sector @sector into
 * @page, synchronously: the source extent @cow covers the whole block.
 */
static int bl_fill_read_source(const struct bl_ext *cow, sector_t sector,
			       struct page *page)
{
	sector_t vsec = bl_ext_map_sector(cow, sector);
	unsigned int off = 0;

	if (sector < cow->f_offset ||
	    sector + BL_PAGE_SECTORS > bl_ext_end(cow))
		return -EIO;
	if (bl_io_dev_unavailable(cow->dev))
		return -ENODEV;
	while (off < PAGE_SIZE) {
		struct bl_vol_map map;
		struct bio *bio;
		unsigned int n;
		int ret;

		ret = bl_vol_map_sectors(cow->dev->tree, vsec, &map);
		if (ret)
			return ret;
		n = min_t(u64, PAGE_SIZE - off,
			  (u64)map.nr_sectors << SECTOR_SHIFT);
		bio = bio_alloc(bl_leaf_bdev(map.handle), 1, REQ_OP_READ,
				GFP_NOIO);
		bio->bi_iter.bi_sector = map.sector;
		__bio_add_page(bio, page, n, off);
		ret = submit_bio_wait(bio);
		bio_put(bio);
		if (ret)
			return ret;
		vsec += n >> SECTOR_SHIFT;
		off += n;
	}
	return 0;
}

/*
 * The fill page for page @index of the file: a copy of the page cache's
 * page when it is up to date (it holds the newest data, written back or
 * not), else what the block holds for it (@src, from @cow).
 */
static struct page *bl_fill_page(struct address_space *mapping,
				 pgoff_t index, enum bl_fill_src src,
				 const struct bl_ext *cow)
{
	struct folio *folio = filemap_get_folio(mapping, index);
	struct page *page;
	int err;

	if (!IS_ERR(folio)) {
		page = NULL;
		if (folio_test_uptodate(folio)) {
			page = alloc_page(GFP_NOIO);
			if (page)
				copy_highpage(page,
					      folio_file_page(folio, index));
		}
		folio_put(folio);
		if (page)
			return page;
	}
	if (src == BL_FILL_ZERO)
		return ZERO_PAGE(0);
	page = alloc_page(GFP_NOIO);
	if (!page)
		return ERR_PTR(-ENOMEM);
	err = bl_fill_read_source(cow, (sector_t)index * BL_PAGE_SECTORS, page);
	if (err) {
		__free_page(page);
		return ERR_PTR(err);
	}
	return page;
}

/*
 * Fill pages for the bytes [@from, @to) of one block that the write
 * leaves out, if the block needs them, at io->fill + *@nr on: sets *@nr
 * to their number.  Returns 0 or a negative errno.
 */
static int bl_fill_side(struct bl_io *io, struct bl_layout *bl, u64 from,
			u64 to, struct page **pages, unsigned int *nr)
{
	struct address_space *mapping = io->hdr->inode->i_mapping;
	struct bl_ext e = {}, cow = {};
	enum bl_fill_src src;
	pgoff_t index;
	int err = 0;

	*nr = 0;
	/* None found: bl_io_prepare() refuses the request. */
	if (!bl_ext_lookup(&bl->ext, from >> SECTOR_SHIFT, true, &e, &cow))
		return 0;
	src = bl_fill_source(&e, &cow);
	for (index = from >> PAGE_SHIFT;
	     src != BL_FILL_NONE && index < to >> PAGE_SHIFT; index++) {
		struct page *page = bl_fill_page(mapping, index, src, &cow);

		if (IS_ERR(page)) {
			err = PTR_ERR(page);
			break;
		}
		pages[(*nr)++] = page;
	}
	bl_ext_put_snapshot(&bl->ext, &e);
	bl_ext_put_snapshot(&bl->ext, &cow);
	return err;
}

/*
 * For a server block above a page: claim the write's blocks, then make
 * the fill pages of its first and last block (fill.h).  Returns %false,
 * with the error recorded, if the request must go to the MDS instead.
 */
static bool bl_fill_prepare(struct bl_io *io, struct bl_layout *bl,
			    u64 start, u64 end)
{
	u32 bs = NFS_SERVER(io->hdr->inode)->pnfs_blksize;
	int err = 0;

	if (bs <= PAGE_SIZE)
		return true;
	bl_wr_range_init(&io->wr, start, end - start, bs);
	bl_wr_claim(&bl->wr, &io->wr);
	if (io->wr.start < start)
		err = bl_fill_side(io, bl, io->wr.start, start, io->fill,
				   &io->nr_head);
	if (!err && end < io->wr.end)
		err = bl_fill_side(io, bl, end, io->wr.end,
				   io->fill + io->nr_head, &io->nr_tail);
	trace_pnfs_block_fill(io->hdr, bs, io->nr_head, io->nr_tail, err);
	if (!err)
		return true;
	trace_pnfs_block_io_refused(io->hdr, BL_IO_WHY_FILL, err);
	bl_io_set_error(io, err);
	return false;
}

/**
 * bl_write_pagelist - write a request's pages straight to the devices
 * @hdr: the request
 * @how: stability the caller asked for (the data goes to the disk either
 *	way; LAYOUTCOMMIT makes it part of the file)
 *
 * Buffered writes cover whole pages: the page cache holds whole pages
 * that are up to date (PNFS_READ_WHOLE_PAGE) or zeroed past EOF.  Direct
 * writes reach here only when page aligned (bl_pg_test_write()).  With
 * a server block of at most a page that is whole blocks; with a larger
 * one, fill pages complete a block the write covers in part and the
 * disk does not hold yet (bl_fill_prepare()), so no part of a newly
 * allocated block is left with stale contents.
 *
 * Return: as for bl_read_pagelist().
 */
enum pnfs_try_status bl_write_pagelist(struct nfs_pgio_header *hdr, int how)
{
	struct bl_layout *bl = hdr_layout(hdr);
	u64 start = round_down(hdr->args.offset, PAGE_SIZE);
	u64 end = round_up(hdr->args.offset + hdr->args.count, PAGE_SIZE);
	unsigned int pgbase = round_down(hdr->args.pgbase, PAGE_SIZE);
	struct bl_bio_builder b = { .bl = bl, .opf = REQ_OP_WRITE };
	sector_t sector, nr;

	if (!bl_io_range(start, end - start, &sector, &nr))
		return PNFS_NOT_ATTEMPTED;
	b.io = bl_io_alloc(hdr, true);
	if (!b.io)
		return PNFS_NOT_ATTEMPTED;
	if (bl_fill_prepare(b.io, bl, start, end))
		bl_io_start(&b, sector, nr, hdr->args.pages, pgbase);

	hdr->res.count = hdr->args.count;
	bl_io_put(b.io);
	return PNFS_ATTEMPTED;
}

/**
 * bl_io_init - set up the I/O path at module load
 *
 * Return: %0 or a negative errno.
 */
int bl_io_init(void)
{
	return bioset_init(&bl_bio_set, BIO_POOL_SIZE,
			   offsetof(struct bl_bio, bio), BIOSET_NEED_BVECS);
}

/**
 * bl_io_exit - tear the I/O path down at module unload
 *
 * Every request has completed: the generic client holds the module until
 * its layouts are gone.
 */
void bl_io_exit(void)
{
	bioset_exit(&bl_bio_set);
}
