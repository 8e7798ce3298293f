// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block and SCSI layout client: LAYOUTCOMMIT.
 *
 * The devices a layout wrote to, the cache flush that makes those writes
 * durable, and the commit body built from the extent cache, in the order
 * layout.h explains.  The generic client serialises the LAYOUTCOMMITs of
 * one inode (NFS_INO_LAYOUTCOMMITTING), so one commit at a time builds
 * and finishes here.
 *
 * The generic client of 6.12 (pnfs_layoutcommit_inode()) accepts only two
 * answers from ->prepare_layoutcommit: %0, and %-ENOSPC, which sends the
 * commit and keeps the inode marked for another.  On any other error it
 * frees the commit without putting the layout segments it had pinned for
 * it, so the layout header is never freed and unmount waits for ever.
 * Every failure here therefore still gives a valid body (at worst one
 * listing nothing) and %-ENOSPC.  A generic client that gives those
 * segments back (PNFS_PREPARE_LAYOUTCOMMIT_MAY_FAIL, fs/nfs/pnfs/) is
 * told the error instead, and sends nothing.
 */
#include <kunit/visibility.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "../pnfs.h"
#include "../internal.h"
#include "dev.h"
#include "layout.h"
#include "trace.h"

/* The 4-byte body of a commit that lists nothing: a count of zero. */
#define BL_EMPTY_BODY_LEN	4

/**
 * bl_commit_init - set up the commit state of a new layout
 * @cm: the state
 * @ops: device operations (bl_commit_dev_ops, or a test's)
 */
void bl_commit_init(struct bl_commit *cm, const struct bl_commit_ops *ops)
{
	spin_lock_init(&cm->lock);
	cm->nr_dirty = 0;
	cm->error = 0;
	cm->ops = ops;
	cm->empty_page = ZERO_PAGE(0);
}
EXPORT_SYMBOL_IF_KUNIT(bl_commit_init);

/**
 * bl_commit_destroy - drop the device references of a layout going away
 * @cm: the state, no longer used by anyone else
 */
void bl_commit_destroy(struct bl_commit *cm)
{
	while (cm->nr_dirty)
		cm->ops->put(cm->dirty[--cm->nr_dirty]);
}
EXPORT_SYMBOL_IF_KUNIT(bl_commit_destroy);

/**
 * bl_commit_note_written - remember a device a write just completed on
 * @cm: the layout's commit state
 * @dev: the device
 *
 * Called for every device of a successful write, before the write's
 * extents are tagged written (see layout.h).  When the layout already
 * tracks %BL_MAX_DIRTY_DEVS other devices, @dev is flushed at once
 * instead.  May sleep.
 *
 * Return: %0, or the error of that flush: the write is not durable and
 * must be treated as failed.
 */
int bl_commit_note_written(struct bl_commit *cm, struct bl_dev *dev)
{
	unsigned int i;

	spin_lock(&cm->lock);
	for (i = 0; i < cm->nr_dirty; i++)
		if (cm->dirty[i] == dev)
			goto out_unlock;
	if (cm->nr_dirty < BL_MAX_DIRTY_DEVS) {
		cm->ops->get(dev);
		cm->dirty[cm->nr_dirty++] = dev;
		goto out_unlock;
	}
	spin_unlock(&cm->lock);
	return cm->ops->flush(dev);

out_unlock:
	spin_unlock(&cm->lock);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(bl_commit_note_written);

/* Take the dirty devices, with their references, and clear the set. */
static unsigned int bl_commit_take_dirty(struct bl_commit *cm,
					 struct bl_dev **devs)
{
	unsigned int nr;

	spin_lock(&cm->lock);
	nr = cm->nr_dirty;
	memcpy(devs, cm->dirty, nr * sizeof(*devs));
	cm->nr_dirty = 0;
	spin_unlock(&cm->lock);
	return nr;
}

static void bl_commit_set_error(struct bl_commit *cm, int error)
{
	spin_lock(&cm->lock);
	if (!cm->error)
		cm->error = error;
	spin_unlock(&cm->lock);
}

/*
 * Flush every device written since the last commit.  The extents on a
 * device whose flush fails leave the commit: their data may have been
 * lost with the device's cache, so the server must not hear of them.
 */
static void bl_commit_flush(struct bl_commit *cm, struct bl_ext_cache *c,
			    const struct inode *inode)
{
	struct bl_dev *devs[BL_MAX_DIRTY_DEVS];
	unsigned int i, nr;

	nr = bl_commit_take_dirty(cm, devs);
	for (i = 0; i < nr; i++) {
		int err = cm->ops->flush(devs[i]);
		unsigned int forgot;

		if (err) {
			bl_commit_set_error(cm, err);
			forgot = bl_ext_commit_forget(c, devs[i]);
			trace_pnfs_block_commit_forget(inode, forgot, err);
		}
		cm->ops->put(devs[i]);
	}
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

/**
 * bl_commit_build - collect, flush and encode one LAYOUTCOMMIT body
 * @cm: the layout's commit state
 * @c: the layout's extent cache
 * @scsi: %true for a SCSI layout body, %false for a block layout body
 * @arg: the commit; its layoutupdate pages and length are set
 * @lwb: set to one past the last byte the listed extents cover (0: none
 *	known), for the commit's last byte written
 *
 * Tags the written extents committing, then flushes every device
 * written since the last commit, drops the extents of a device whose
 * flush failed, and encodes the rest (see layout.h for why in that
 * order).  When nothing of this can be listed (another commit still owns
 * the extents, or memory ran out) @arg gets a body that lists nothing and
 * the written extents wait for the next commit.  Sleeps.
 *
 * Return: the number of extents listed, or a negative errno if the body
 * lists nothing because of an error; @arg is valid to send either way.
 */
VISIBLE_IF_KUNIT int bl_commit_build(struct bl_commit *cm,
				     struct bl_ext_cache *c, bool scsi,
				     struct nfs4_layoutcommit_args *arg,
				     u64 *lwb)
{
	size_t len;
	void *body;
	int nr, ret;

	*lwb = 0;
	nr = bl_ext_commit_collect(c, lwb);
	trace_pnfs_block_commit_collect(arg->inode, max(nr, 0), min(nr, 0));
	if (nr < 0)
		goto out_empty;
	bl_commit_flush(cm, c, arg->inode);
	nr = bl_ext_commit_encode(c, scsi, &body, &len, GFP_NOFS);
	if (nr < 0)
		goto out_revert;
	ret = bl_commit_body_to_pages(arg, body, len);
	kvfree(body);
	if (ret) {
		nr = ret;
		goto out_revert;
	}
	return nr;

out_revert:
	bl_ext_commit_done(c, false);
	*lwb = 0;
out_empty:
	arg->layoutupdate_pages = &cm->empty_page;
	arg->layoutupdate_len = BL_EMPTY_BODY_LEN;
	return nr;
}
EXPORT_SYMBOL_IF_KUNIT(bl_commit_build);

/**
 * bl_commit_finish - free a commit body and record the server's answer
 * @cm: the layout's commit state
 * @c: the layout's extent cache
 * @arg: the commit built by bl_commit_build()
 * @ok: %true if the server accepted the commit
 *
 * The extents the body listed become READ_WRITE_DATA on success and
 * written again (for the next commit) on failure.  A body that lists
 * nothing because of an error (the zero page) settles nothing: another
 * commit may own the committing extents.
 */
VISIBLE_IF_KUNIT void bl_commit_finish(struct bl_commit *cm,
				       struct bl_ext_cache *c,
				       struct nfs4_layoutcommit_args *arg,
				       bool ok)
{
	unsigned int i, nr = DIV_ROUND_UP(arg->layoutupdate_len, PAGE_SIZE);

	/* The empty body lists nothing of this layout: nothing to settle. */
	if (!arg->layoutupdate_pages ||
	    arg->layoutupdate_pages == &cm->empty_page) {
		arg->layoutupdate_pages = NULL;
		return;
	}
	for (i = 0; i < nr; i++)
		__free_page(arg->layoutupdate_pages[i]);
	kfree(arg->layoutupdate_pages);
	arg->layoutupdate_pages = NULL;
	bl_ext_commit_done(c, ok);
}
EXPORT_SYMBOL_IF_KUNIT(bl_commit_finish);

/**
 * bl_commit_take_error - the error to report to fsync, once
 * @cm: the layout's commit state
 *
 * Return: %0, or the error of a flush that failed since the last call
 * (its writes were dropped from the commit and are not durable).
 */
VISIBLE_IF_KUNIT int bl_commit_take_error(struct bl_commit *cm)
{
	int error;

	spin_lock(&cm->lock);
	error = cm->error;
	cm->error = 0;
	spin_unlock(&cm->lock);
	return error;
}
EXPORT_SYMBOL_IF_KUNIT(bl_commit_take_error);

static void bl_commit_dev_get(struct bl_dev *dev)
{
	bl_dev_get(dev);
}

static void bl_commit_dev_put(struct bl_dev *dev)
{
	bl_dev_put(dev);
}

/* A device whose cache cannot be flushed is avoided for a while. */
static int bl_commit_dev_flush(struct bl_dev *dev)
{
	int err = bl_dev_flush(dev);

	if (err)
		bl_dev_mark_unavailable(dev);
	return err;
}

const struct bl_commit_ops bl_commit_dev_ops = {
	.get	= bl_commit_dev_get,
	.put	= bl_commit_dev_put,
	.flush	= bl_commit_dev_flush,
};

/**
 * bl_prepare_layoutcommit - build the body of a LAYOUTCOMMIT
 * @arg: the commit the generic client is about to send
 *
 * The pnfs_layoutdriver_type.prepare_layoutcommit method.
 *
 * Return: %0, or %-ENOSPC when written extents are left for another
 * commit (more than one commit lists, or this one could list nothing):
 * the generic client sends this one and keeps the inode marked.  On a
 * stock 6.12 generic client never anything else (see the top of this
 * file); on one that allows it, the error that left the body empty.
 */
int bl_prepare_layoutcommit(struct nfs4_layoutcommit_args *arg)
{
	struct bl_layout *bl = to_bl_layout(NFS_I(arg->inode)->layout);
	u64 lwb;
	int nr;

	nr = bl_commit_build(&bl->commit, &bl->ext, bl->scsi, arg, &lwb);
	/*
	 * The server clips the listed extents to the new size (XFS does), so
	 * the last byte written must cover every one of them, even those
	 * whose writes finished after the generic client took its value.
	 */
	if (lwb && (arg->lastbytewritten == U64_MAX ||
		    arg->lastbytewritten < lwb - 1))
		arg->lastbytewritten = lwb - 1;
	trace_pnfs_block_commit_prepare(arg->inode, max(nr, 0),
					arg->layoutupdate_len, min(nr, 0));
#ifdef PNFS_PREPARE_LAYOUTCOMMIT_MAY_FAIL
	/* Not sent: the empty body needs no cleanup_layoutcommit. */
	if (nr < 0) {
		arg->layoutupdate_pages = NULL;
		arg->layoutupdate_len = 0;
		return nr;
	}
#endif
	if (nr < 0 || bl_ext_has_written(&bl->ext))
		return -ENOSPC;
	return 0;
}

/**
 * bl_commit_reply_ok - did the server accept a LAYOUTCOMMIT
 * @data: the commit, after its RPC has ended
 *
 * The reply's status alone does not say: an RPC that failed before any
 * reply came (a soft mount's timeout, a lost connection) leaves it at 0,
 * and nfs4_layoutcommit_done() clears the task's status for a few errors
 * the server did send.  Both must be 0.
 *
 * Return: %true if the server answered and the answer was NFS4_OK.
 */
VISIBLE_IF_KUNIT bool
bl_commit_reply_ok(const struct nfs4_layoutcommit_data *data)
{
	return data->task.tk_status == 0 && data->res.status == 0;
}
EXPORT_SYMBOL_IF_KUNIT(bl_commit_reply_ok);

/**
 * bl_cleanup_layoutcommit - the server answered a LAYOUTCOMMIT
 * @data: the commit
 *
 * The pnfs_layoutdriver_type.cleanup_layoutcommit method.
 */
void bl_cleanup_layoutcommit(struct nfs4_layoutcommit_data *data)
{
	struct nfs4_layoutcommit_args *arg = &data->args;
	struct bl_layout *bl = to_bl_layout(NFS_I(arg->inode)->layout);
	size_t len = arg->layoutupdate_len;

	bl_commit_finish(&bl->commit, &bl->ext, arg, bl_commit_reply_ok(data));
	trace_pnfs_block_commit_done(arg->inode, len,
				     data->res.status ?: data->task.tk_status);
}

/**
 * bl_sync - make a file's layout writes part of the file (fsync)
 * @inode: the file
 * @datasync: unused: the layout needs LAYOUTCOMMIT either way
 *
 * The pnfs_layoutdriver_type.sync method.  Commits until nothing written
 * is left, not just once, or a file with more written extents than one
 * LAYOUTCOMMIT lists would come back from fsync with blocks the server
 * still calls invalid.  Writes that keep landing meanwhile are the next
 * fsync's business: the loop is bounded.
 *
 * A commit the server refuses can end with the layout dropped and its
 * written extents lost (bl_free_layout_hdr() marks the mapping): the
 * mapping's error sampled before the first commit catches that, since
 * nfs_file_fsync() checks it before calling here.
 *
 * Return: %0, the error of the LAYOUTCOMMIT, the error of a cache flush
 * that failed since the last fsync (reported once), or -EIO for written
 * extents lost meanwhile.
 */
int bl_sync(struct inode *inode, bool datasync)
{
	errseq_t since = filemap_sample_wb_err(inode->i_mapping);
	struct pnfs_layout_hdr *lo;
	int ret = 0, err = 0, i;
	bool more;

	for (i = 0; i < 16; i++) {
		ret = pnfs_layoutcommit_inode(inode, true);
		if (ret)
			break;
		/* The layout header cannot go while i_lock is held. */
		spin_lock(&inode->i_lock);
		lo = NFS_I(inode)->layout;
		more = lo && bl_ext_has_written(&to_bl_layout(lo)->ext);
		spin_unlock(&inode->i_lock);
		if (!more)
			break;
	}
	spin_lock(&inode->i_lock);
	lo = NFS_I(inode)->layout;
	if (lo)
		err = bl_commit_take_error(&to_bl_layout(lo)->commit);
	spin_unlock(&inode->i_lock);
	return ret ?: err ?: filemap_check_wb_err(inode->i_mapping, since);
}
