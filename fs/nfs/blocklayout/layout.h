/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pNFS block and SCSI layout client: the per-inode layout and the I/O path.
 *
 * A struct bl_layout wraps the generic client's layout header for one
 * inode.  It owns the extent cache filled from every LAYOUTGET reply for
 * that inode; the generic layout segments carry no extents of their own.
 */
#ifndef _FS_NFS_BLOCKLAYOUT_LAYOUT_H
#define _FS_NFS_BLOCKLAYOUT_LAYOUT_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "../pnfs.h"
#include "extents.h"

struct bl_dev;

/* Devices whose volatile caches a LAYOUTCOMMIT must flush first. */
#define BL_MAX_DIRTY_DEVS	8

/**
 * struct bl_layout - per-inode block or SCSI layout
 * @lo: the generic layout header (must stay first: freed through it)
 * @ext: extents handed out by the server for this inode
 * @scsi: this is a SCSI layout (RFC 8154), not a block layout
 * @lock: protects @dirty, @nr_dirty, @seq_start,
 *	@next_offset and @window; nests inside the inode's i_lock
 * @dirty: devices written since the last LAYOUTCOMMIT, each with a reference
 * @nr_dirty: entries in @dirty
 * @seq_start: where the current run of sequential writes started
 * @next_offset: where a sequential writer is expected next
 * @window: how far past the current request LAYOUTGET asks, in bytes
 */
struct bl_layout {
	struct pnfs_layout_hdr	lo;
	struct bl_ext_cache	ext;
	bool			scsi;

	spinlock_t		lock;	/* see above */
	struct bl_dev		*dirty[BL_MAX_DIRTY_DEVS];
	unsigned int		nr_dirty;
	u64			seq_start;
	u64			next_offset;
	u64			window;
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

/* io.c */
enum pnfs_try_status bl_read_pagelist(struct nfs_pgio_header *hdr);
enum pnfs_try_status bl_write_pagelist(struct nfs_pgio_header *hdr, int how);
bool bl_note_dirty_dev(struct bl_layout *bl, struct bl_dev *dev);
int bl_flush_dirty_devs(struct bl_layout *bl);

#endif /* _FS_NFS_BLOCKLAYOUT_LAYOUT_H */
