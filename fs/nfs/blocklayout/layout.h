/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pNFS block and SCSI layout client: the per-inode layout, its
 * LAYOUTCOMMIT state and the I/O path.
 *
 * A struct bl_layout wraps the generic client's layout header for one
 * inode.  It owns the extent cache filled from every LAYOUTGET reply for
 * that inode; the generic layout segments carry no extents of their own.
 *
 * Committing (commit.c), in this order, so that no extent is listed in a
 * LAYOUTCOMMIT before the data it names is durable (RFC 8154 section
 * 2.4.5; for a disk with a volatile cache, RFC 5663 section 2.3.2 too):
 * 1. a write that completes notes its devices dirty, then tags its
 *    INVALID_DATA extents written;
 * 2. a commit tags the written extents committing, and only then takes
 *    the dirty devices and flushes them: every listed extent's device was
 *    noted before the extent was tagged, so it is among them;
 * 3. extents on a device whose flush failed are dropped from the commit
 *    and forgotten (they stay INVALID_DATA), the device is avoided, and
 *    the next fsync reports %-EIO;
 * 4. the rest is encoded and sent.
 */
#ifndef _FS_NFS_BLOCKLAYOUT_LAYOUT_H
#define _FS_NFS_BLOCKLAYOUT_LAYOUT_H

#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "../pnfs.h"
#include "extents.h"
#include "fill.h"

struct bl_dev;

/* Devices a layout tracks as written before it flushes one at once. */
#define BL_MAX_DIRTY_DEVS	8

/**
 * struct bl_commit_ops - what the commit state does with devices
 * @get: take a reference on a device; may be called under a spinlock
 * @put: drop a reference on a device; never called under a spinlock
 * @flush: make the data written to a device durable; may sleep;
 *	returns %0 or a negative errno
 */
struct bl_commit_ops {
	void	(*get)(struct bl_dev *dev);
	void	(*put)(struct bl_dev *dev);
	int	(*flush)(struct bl_dev *dev);
};

/**
 * struct bl_commit - LAYOUTCOMMIT state of one layout
 * @lock: protects @dirty, @nr_dirty and @error; nests inside the inode's
 *	i_lock and takes no other lock
 * @dirty: devices written since their last flush, each with a reference
 * @nr_dirty: entries in @dirty
 * @error: a flush failed and its extents were forgotten since the last
 *	bl_commit_take_error(): the error to report, else %0
 * @ops: device operations, set at init and never changed
 * @empty_page: the zero page, as a page vector of one: the 4-byte body
 *	of a commit that lists nothing (a count of zero)
 */
struct bl_commit {
	spinlock_t			lock;	/* see above */
	struct bl_dev			*dirty[BL_MAX_DIRTY_DEVS];
	unsigned int			nr_dirty;
	int				error;
	const struct bl_commit_ops	*ops;
	struct page			*empty_page;
};

/**
 * struct bl_layout - per-inode block or SCSI layout
 * @lo: the generic layout header (must stay first: freed through it)
 * @ext: extents handed out by the server for this inode
 * @commit: devices to flush and errors to report for LAYOUTCOMMIT
 * @scsi: this is a SCSI layout (RFC 8154), not a block layout
 * @error_sem: held shared by a successful write's completion, from
 *	tagging its extents to pinning its segment for LAYOUTCOMMIT; held
 *	exclusive by a failed request's completion, from the LAYOUTCOMMIT
 *	of everything written so far to the layout's return (io.c)
 * @lock: protects @seq_start and @next_offset; nests inside the inode's
 *	i_lock
 * @seq_start: where the current stream of sequential writes started
 * @next_offset: the end of what that stream has written so far
 * @wr: writes in flight, for server blocks above a page (fill.h)
 */
struct bl_layout {
	struct pnfs_layout_hdr	lo;
	struct bl_ext_cache	ext;
	struct bl_commit	commit;
	bool			scsi;
	struct rw_semaphore	error_sem;

	spinlock_t		lock;	/* see above */
	u64			seq_start;
	u64			next_offset;
	struct bl_wr_tracker	wr;
};

static inline struct bl_layout *to_bl_layout(struct pnfs_layout_hdr *lo)
{
	return container_of(lo, struct bl_layout, lo);
}

/* layout.c */
extern const struct nfs_pageio_ops bl_pg_read_ops;
extern const struct nfs_pageio_ops bl_pg_write_ops;
struct pnfs_layout_hdr *bl_alloc_layout_hdr(struct inode *inode, gfp_t gfp);
struct pnfs_layout_hdr *bl_alloc_scsi_layout_hdr(struct inode *inode,
						 gfp_t gfp);
void bl_free_layout_hdr(struct pnfs_layout_hdr *lo);
struct pnfs_layout_segment *bl_alloc_lseg(struct pnfs_layout_hdr *lo,
					  struct nfs4_layoutget_res *lgr,
					  gfp_t gfp);
void bl_free_lseg(struct pnfs_layout_segment *lseg);
void bl_return_range(struct pnfs_layout_hdr *lo,
		     struct pnfs_layout_range *range);

/* commit.c */
extern const struct bl_commit_ops bl_commit_dev_ops;
void bl_commit_init(struct bl_commit *cm, const struct bl_commit_ops *ops);
void bl_commit_destroy(struct bl_commit *cm);
int bl_commit_note_written(struct bl_commit *cm, struct bl_dev *dev);
int bl_prepare_layoutcommit(struct nfs4_layoutcommit_args *arg);
void bl_cleanup_layoutcommit(struct nfs4_layoutcommit_data *data);
int bl_sync(struct inode *inode, bool datasync);
#if IS_ENABLED(CONFIG_KUNIT)
/* Static without CONFIG_KUNIT: called from outside only by tests/. */
int bl_commit_build(struct bl_commit *cm, struct bl_ext_cache *c, bool scsi,
		    struct nfs4_layoutcommit_args *arg, u64 *lwb);
void bl_commit_finish(struct bl_commit *cm, struct bl_ext_cache *c,
		      struct nfs4_layoutcommit_args *arg, bool ok);
int bl_commit_take_error(struct bl_commit *cm);
bool bl_commit_reply_ok(const struct nfs4_layoutcommit_data *data);
#endif

/* io.c */
int bl_io_init(void);
void bl_io_exit(void);
enum pnfs_try_status bl_read_pagelist(struct nfs_pgio_header *hdr);
enum pnfs_try_status bl_write_pagelist(struct nfs_pgio_header *hdr, int how);

#endif /* _FS_NFS_BLOCKLAYOUT_LAYOUT_H */
