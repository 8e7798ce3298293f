// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block layout client: checking that the disk blkmapd named carries
 * the signature of the SIMPLE volume it was asked about.
 *
 * Why:
 *
 * blkmapd's reply names a disk by major and minor number only, and
 * carries no request ID (struct bl_pipe_reply), so pipe.c pairs replies
 * with requests by their order alone.
 * A reply blkmapd never writes (its own read or allocation failure), or a
 * second writer of the pipe, shifts every later answer by one, and the
 * answer to one volume then names the disk of another.
 * Writing layout I/O to it would destroy that disk's data.
 * So before a SIMPLE leaf is bound, every signature component (RFC 5663
 * section 2.2, pnfs_block_sig_component4) is read from the disk that was
 * opened for the leaf and compared with the volume's; a disk that does
 * not carry all of them is refused, and the layout's I/O goes through
 * the metadata server.
 *
 * How:
 *
 * Each component lies inside one 512-byte sector (bl_decode_sig()), so
 * inside one logical block of the disk too.
 * That block is read with one synchronous bio into one page, straight
 * from the disk: blkmapd's own check went through the page cache, which
 * may hold what another opener has since overwritten.
 * At most %BL_MAX_SIG_COMPS blocks are read, each at most a page; two
 * components in one block cost one read.
 * The components were checked by the decoder; their offsets and lengths
 * are checked again against this disk's size before anything is read.
 * This runs from GETDEVICEINFO, which writeback can reach: allocations
 * are made under memalloc_nofs_save().
 */

#include <kunit/visibility.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/printk.h>
#include <linux/sched/mm.h>
#include <linux/string.h>

#include "dev.h"
#include "trace.h"

/**
 * bl_sig_locate - find the disk block that holds a signature component
 * @sig: the component
 * @disk_size: size of the disk in bytes
 * @blksize: the disk's logical block size: a power of two, at least
 *	%SECTOR_SIZE
 * @block: where to store the byte offset of that block
 * @skip: where to store the component's offset inside the block
 *
 * A negative offset counts back from the end of the disk (RFC 5663
 * section 2.2).
 *
 * Return: %0 with *@block and *@skip set; %-EINVAL if the component does
 * not lie inside the disk or inside one block, or @blksize is not a
 * power of two of at least %SECTOR_SIZE.
 */
VISIBLE_IF_KUNIT int bl_sig_locate(const struct bl_sig_desc *sig,
				   u64 disk_size, u32 blksize, u64 *block,
				   u32 *skip)
{
	u64 pos, back;

	if (blksize < SECTOR_SIZE || !is_power_of_2(blksize))
		return -EINVAL;
	if (!sig->len || sig->len > BL_MAX_SIG_LEN)
		return -EINVAL;
	if (sig->offset >= 0) {
		pos = sig->offset;
		if (pos > disk_size || sig->len > disk_size - pos)
			return -EINVAL;
	} else {
		/* Negate in u64: S64_MIN has no positive s64 twin. */
		back = 0 - (u64)sig->offset;
		if (back > disk_size || sig->len > back)
			return -EINVAL;
		pos = disk_size - back;
	}
	*block = round_down(pos, (u64)blksize);
	*skip = pos - *block;
	/* The block itself must lie inside the disk, and hold it all. */
	if (*skip + sig->len > blksize || *block + blksize > disk_size)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bl_sig_locate);

/**
 * bl_sig_check - compare a SIMPLE volume's signature with a disk
 * @desc: the SIMPLE volume
 * @disk_size: size of the disk in bytes
 * @blksize: the disk's logical block size (see bl_sig_locate())
 * @read: reads @blksize bytes at byte offset @pos of the disk into @buf;
 *	returns %0 or a negative errno
 * @ctx: passed to @read
 * @buf: a buffer of @blksize bytes
 * @bad: where to store the index of the component that failed
 *
 * Reads each block holding a component once, in the order of the
 * components, and stops at the first one that is not found.
 *
 * Return: %0 if the disk carries every component; %-ENODEV if one does
 * not lie inside the disk or differs from what the disk holds; the error
 * of @read; %-EINVAL if @desc is not a SIMPLE volume with components.
 */
VISIBLE_IF_KUNIT int bl_sig_check(const struct bl_vol_desc *desc,
				  u64 disk_size, u32 blksize,
				  int (*read)(void *ctx, u64 pos, void *buf,
					      u32 len),
				  void *ctx, void *buf, u32 *bad)
{
	const struct bl_sig_desc *sig;
	u64 block, cached = 0;
	bool have = false;
	u32 i, skip;
	int ret;

	*bad = 0;
	if (desc->type != PNFS_BLOCK_VOLUME_SIMPLE || !desc->simple.nr_sigs ||
	    desc->simple.nr_sigs > BL_MAX_SIG_COMPS)
		return -EINVAL;
	for (i = 0; i < desc->simple.nr_sigs; i++) {
		sig = &desc->simple.sigs[i];
		*bad = i;
		if (bl_sig_locate(sig, disk_size, blksize, &block, &skip))
			return -ENODEV;
		if (!have || block != cached) {
			have = false;
			ret = read(ctx, block, buf, blksize);
			if (ret)
				return ret;
			have = true;
			cached = block;
		}
		if (memcmp(buf + skip, sig->contents, sig->len))
			return -ENODEV;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bl_sig_check);

/* bl_sig_check()'s @read for a real disk: one synchronous bio. */
static int bl_sig_read_bdev(void *ctx, u64 pos, void *buf, u32 len)
{
	struct block_device *bdev = ctx;
	struct bio_vec bvec;
	struct bio bio;
	int ret;

	bio_init(&bio, bdev, &bvec, 1, REQ_OP_READ | REQ_SYNC);
	bio.bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	__bio_add_page(&bio, virt_to_page(buf), len, offset_in_page(buf));
	ret = submit_bio_wait(&bio);
	bio_uninit(&bio);
	return ret;
}

/* Read and compare the signature with a page of its own, allocating NOFS. */
static int bl_sig_read_check(struct block_device *bdev,
			     const struct bl_vol_desc *desc, u32 blksize,
			     u32 *bad)
{
	unsigned int nofs;
	struct page *page;
	int ret = -ENOMEM;

	nofs = memalloc_nofs_save();
	page = alloc_page(GFP_NOFS);
	if (page) {
		ret = bl_sig_check(desc, bdev_nr_bytes(bdev), blksize,
				   bl_sig_read_bdev, bdev, page_address(page),
				   bad);
		__free_page(page);
	}
	memalloc_nofs_restore(nofs);
	return ret;
}

/**
 * bl_sig_verify - refuse a disk that lacks a SIMPLE volume's signature
 * @bdev: the disk blkmapd named, opened for the leaf
 * @desc: the SIMPLE volume
 *
 * Reads the signature components from @bdev and compares them with
 * @desc (see the top of this file).  A disk that does not carry them, or
 * cannot be read, is reported with the pnfs_block_sig_mismatch tracepoint
 * and one ratelimited message naming it.
 * Must be called in process context; sleeps.
 *
 * Return: %0 if @bdev carries the signature; %-ENODEV if it does not;
 * %-ENOMEM; %-EOPNOTSUPP for a logical block size above a page; the
 * error of the read.
 */
int bl_sig_verify(struct block_device *bdev, const struct bl_vol_desc *desc)
{
	u32 blksize = bdev_logical_block_size(bdev);
	dev_t dev = bdev->bd_dev;
	s64 offset = 0;
	u32 bad = 0;
	int ret;

	if (blksize > PAGE_SIZE)
		ret = -EOPNOTSUPP;
	else
		ret = bl_sig_read_check(bdev, desc, blksize, &bad);
	if (!ret || ret == -ENOMEM)
		return ret;

	if (desc->type == PNFS_BLOCK_VOLUME_SIMPLE && bad < desc->simple.nr_sigs)
		offset = desc->simple.sigs[bad].offset;
	trace_pnfs_block_sig_mismatch(dev, bad, offset, ret);
	if (ret == -ENODEV)
		pr_warn_ratelimited("pNFS block: disk %u:%u named by blkmapd lacks the volume signature (component %u at offset %lld); not used\n",
				    MAJOR(dev), MINOR(dev), bad, offset);
	else
		pr_warn_ratelimited("pNFS block: cannot check the volume signature on disk %u:%u: error %d; not used\n",
				    MAJOR(dev), MINOR(dev), ret);
	return ret;
}
