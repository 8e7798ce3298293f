/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the pNFS block and SCSI layout client.
 *
 * Everything worth knowing about why a layout was not used, or why I/O
 * went to the metadata server, is here rather than in the kernel log:
 *	echo 1 > /sys/kernel/tracing/events/pnfs_block/enable
 * or "trace-cmd record -e pnfs_block".  The admin guide
 * (Documentation/admin-guide/nfs/pnfs-block-client.rst) lists the events
 * and their fields: keep it in step.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pnfs_block

#if !defined(_TRACE_PNFS_BLOCK_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_PNFS_BLOCK_H

#include <linux/bio.h>
#include <linux/kdev_t.h>
#include <linux/nfs_fs.h>
#include <linux/nfs_xdr.h>
#include <linux/tracepoint.h>
#include <linux/types.h>

/*
 * An event about a file names it as nfs4trace.h does: the mount's device
 * and the file ID ("fileid=00:34:131"), and the CRC32 of the file handle
 * that Wireshark shows ("fhandle=0x7c1d3a2e").  An event about a disk
 * names the disk with dev=MAJOR:MINOR.
 *
 * A string that may hold spaces is printed in single quotes: a double
 * quote inside a TP_printk() format reaches the event's format file
 * unescaped, and libtraceevent (trace-cmd, perf) then cannot parse the
 * event and prints it as "[FAILED TO PARSE]".
 */

/* A server reply we refused; the layout or device is not used. */
TRACE_EVENT(pnfs_block_reject,
	TP_PROTO(const char *server, const char *op, const char *reason,
		 u32 index, int error),
	TP_ARGS(server, op, reason, index, error),
	TP_STRUCT__entry(
		__string(server, server)
		__string(op, op)
		__string(reason, reason)
		__field(u32, index)
		__field(int, error)
	),
	TP_fast_assign(
		__assign_str(server);
		__assign_str(op);
		__assign_str(reason);
		__entry->index = index;
		__entry->error = error;
	),
	TP_printk("server=%s op=%s reason='%s' index=%u error=%d",
		  __get_str(server), __get_str(op), __get_str(reason),
		  __entry->index, __entry->error)
);

/* A volume leaf bound (or not) to a local block device. */
TRACE_EVENT(pnfs_block_dev_resolve,
	TP_PROTO(u32 layout_type, dev_t dev, u64 size, int error),
	TP_ARGS(layout_type, dev, size, error),
	TP_STRUCT__entry(
		__field(u32, layout_type)
		__field(dev_t, dev)
		__field(u64, size)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->layout_type = layout_type;
		__entry->dev = dev;
		__entry->size = size;
		__entry->error = error;
	),
	TP_printk("layout_type=%u dev=%d:%d size=%llu error=%d",
		  __entry->layout_type, MAJOR(__entry->dev),
		  MINOR(__entry->dev), __entry->size, __entry->error)
);

/*
 * The disk blkmapd named for a SIMPLE volume was refused before use: it
 * lacks signature component @index (at @offset; negative from the end),
 * or could not be read (@error other than -ENODEV).
 */
TRACE_EVENT(pnfs_block_sig_mismatch,
	TP_PROTO(dev_t dev, u32 index, s64 offset, int error),
	TP_ARGS(dev, index, offset, error),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u32, index)
		__field(s64, offset)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->index = index;
		__entry->offset = offset;
		__entry->error = error;
	),
	TP_printk("dev=%d:%d index=%u offset=%lld error=%d",
		  MAJOR(__entry->dev), MINOR(__entry->dev), __entry->index,
		  __entry->offset, __entry->error)
);

/*
 * A disk that someone else holds (@holder: a mounted file system, or
 * another exclusive user): refused, or used unclaimed when the module
 * parameter allow_claimed_disks is set.
 */
TRACE_EVENT(pnfs_block_dev_claimed,
	TP_PROTO(dev_t dev, const char *holder, bool used),
	TP_ARGS(dev, holder, used),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__string(holder, holder)
		__field(bool, used)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__assign_str(holder);
		__entry->used = used;
	),
	TP_printk("dev=%d:%d holder='%s' %s", MAJOR(__entry->dev),
		  MINOR(__entry->dev), __get_str(holder),
		  __entry->used ? "used unclaimed" : "refused")
);

DECLARE_EVENT_CLASS(pnfs_block_pgio_class,
	TP_PROTO(const struct nfs_pgio_header *hdr),
	TP_ARGS(hdr),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(u64, offset)
		__field(u32, count)
		__field(bool, write)
	),
	TP_fast_assign(
		__entry->s_dev = hdr->inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(hdr->inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(hdr->inode));
		__entry->offset = hdr->args.offset;
		__entry->count = hdr->args.count;
		__entry->write = hdr->rw_mode & FMODE_WRITE;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x %s offset=%llu count=%u",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle,
		  __entry->write ? "write" : "read", __entry->offset,
		  __entry->count)
);

/* A pNFS read or write whose bios are about to be submitted. */
DEFINE_EVENT(pnfs_block_pgio_class, pnfs_block_io_submit,
	TP_PROTO(const struct nfs_pgio_header *hdr),
	TP_ARGS(hdr));

/* A pNFS read or write sent straight to the devices, and done. */
DEFINE_EVENT(pnfs_block_pgio_class, pnfs_block_io,
	TP_PROTO(const struct nfs_pgio_header *hdr),
	TP_ARGS(hdr));

/* A pNFS read or write that failed and is resent through the MDS. */
TRACE_EVENT(pnfs_block_mds_fallback,
	TP_PROTO(const struct nfs_pgio_header *hdr, int error),
	TP_ARGS(hdr, error),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(u64, offset)
		__field(u32, count)
		__field(bool, write)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->s_dev = hdr->inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(hdr->inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(hdr->inode));
		__entry->offset = hdr->args.offset;
		__entry->count = hdr->args.count;
		__entry->write = hdr->rw_mode & FMODE_WRITE;
		__entry->error = error;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x %s offset=%llu count=%u error=%d",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle,
		  __entry->write ? "write" : "read", __entry->offset,
		  __entry->count, __entry->error)
);

/*
 * A pNFS read or write refused before any of its bios was submitted
 * (@reason says why: no usable extent, a device marked unavailable, no
 * memory); it is resent through the MDS.
 */
TRACE_EVENT(pnfs_block_io_refused,
	TP_PROTO(const struct nfs_pgio_header *hdr, const char *reason,
		 int error),
	TP_ARGS(hdr, reason, error),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(u64, offset)
		__field(u32, count)
		__field(bool, write)
		__string(reason, reason)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->s_dev = hdr->inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(hdr->inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(hdr->inode));
		__entry->offset = hdr->args.offset;
		__entry->count = hdr->args.count;
		__entry->write = hdr->rw_mode & FMODE_WRITE;
		__assign_str(reason);
		__entry->error = error;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x %s offset=%llu count=%u reason='%s' error=%d",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle,
		  __entry->write ? "write" : "read", __entry->offset,
		  __entry->count, __get_str(reason), __entry->error)
);

/*
 * Buffered writeback of a file of @size bytes goes through the MDS: no
 * larger than the module parameter mds_small_file (@limit), and no
 * read-write layout segment held.
 */
TRACE_EVENT(pnfs_block_small_file,
	TP_PROTO(const struct inode *inode, loff_t size, unsigned int limit),
	TP_ARGS(inode, size, limit),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(loff_t, size)
		__field(unsigned int, limit)
	),
	TP_fast_assign(
		__entry->s_dev = inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(inode));
		__entry->size = size;
		__entry->limit = limit;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x size=%lld limit=%u",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle, __entry->size,
		  __entry->limit)
);

/*
 * A read or write of the file is refused before any bio (it goes to the
 * MDS): the lease was last renewed @age jiffies ago, and a request
 * started now could still be on the disks, @margin jiffies long, when
 * the lease of @lease jiffies runs out at the server.
 */
TRACE_EVENT(pnfs_block_lease_expiring,
	TP_PROTO(const struct nfs_pgio_header *hdr, unsigned long age,
		 unsigned long lease, unsigned long margin),
	TP_ARGS(hdr, age, lease, margin),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(u64, offset)
		__field(bool, write)
		__field(unsigned int, age_ms)
		__field(unsigned int, lease_ms)
		__field(unsigned int, margin_ms)
	),
	TP_fast_assign(
		__entry->s_dev = hdr->inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(hdr->inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(hdr->inode));
		__entry->offset = hdr->args.offset;
		__entry->write = hdr->rw_mode & FMODE_WRITE;
		__entry->age_ms = jiffies_to_msecs(age);
		__entry->lease_ms = jiffies_to_msecs(lease);
		__entry->margin_ms = jiffies_to_msecs(margin);
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x %s offset=%llu renewed_ms_ago=%u lease_ms=%u margin_ms=%u",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle,
		  __entry->write ? "write" : "read", __entry->offset,
		  __entry->age_ms, __entry->lease_ms, __entry->margin_ms)
);

/*
 * A write on a layout with @blksize-byte server blocks, above a page,
 * has claimed its blocks: @nr_head and @nr_tail fill pages complete its first
 * and last block (0 when the disk holds the rest already); @error is
 * why they could not be made, and the write goes to the MDS.
 */
TRACE_EVENT(pnfs_block_fill,
	TP_PROTO(const struct nfs_pgio_header *hdr, u32 blksize,
		 unsigned int nr_head, unsigned int nr_tail, int error),
	TP_ARGS(hdr, blksize, nr_head, nr_tail, error),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(u64, offset)
		__field(u32, count)
		__field(u32, blksize)
		__field(unsigned int, head)
		__field(unsigned int, tail)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->s_dev = hdr->inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(hdr->inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(hdr->inode));
		__entry->offset = hdr->args.offset;
		__entry->count = hdr->args.count;
		__entry->blksize = blksize;
		__entry->head = nr_head;
		__entry->tail = nr_tail;
		__entry->error = error;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x offset=%llu count=%u blksize=%u head_pages=%u tail_pages=%u error=%d",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle, __entry->offset,
		  __entry->count, __entry->blksize, __entry->head,
		  __entry->tail, __entry->error)
);

/*
 * A bio of a read or write of the file failed: @sector and @size say
 * where it went on disk @dev, as submitted.
 */
TRACE_EVENT(pnfs_block_bio_error,
	TP_PROTO(const struct inode *inode, const struct bio *bio,
		 sector_t sector, u32 size, int error),
	TP_ARGS(inode, bio, sector, size, error),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(dev_t, dev)
		__field(sector_t, sector)
		__field(u32, size)
		__field(bool, write)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->s_dev = inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(inode));
		__entry->dev = bio->bi_bdev->bd_dev;
		__entry->sector = sector;
		__entry->size = size;
		__entry->write = op_is_write(bio_op(bio));
		__entry->error = error;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x dev=%d:%d %s sector=%llu size=%u error=%d",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle, MAJOR(__entry->dev),
		  MINOR(__entry->dev), __entry->write ? "write" : "read",
		  (unsigned long long)__entry->sector, __entry->size,
		  __entry->error)
);

/*
 * A LAYOUTERROR about a failed layout I/O (report.c): the file range of
 * the request, the device ID, the nfsstat4 reported, and the result: 0
 * (the server took it), the server's or the RPC's error, -ESTALE (the
 * layout was no longer valid, nothing sent) or -ENOMEM.
 */
TRACE_EVENT(pnfs_block_layouterror,
	TP_PROTO(const struct inode *inode, const u8 *deviceid, u64 offset,
		 u64 length, bool write, u32 nfsstat, int result),
	TP_ARGS(inode, deviceid, offset, length, write, nfsstat, result),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__array(u8, deviceid, 16)
		__field(u64, offset)
		__field(u64, length)
		__field(bool, write)
		__field(u32, nfsstat)
		__field(int, result)
	),
	TP_fast_assign(
		__entry->s_dev = inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(inode));
		memcpy(__entry->deviceid, deviceid, 16);
		__entry->offset = offset;
		__entry->length = length;
		__entry->write = write;
		__entry->nfsstat = nfsstat;
		__entry->result = result;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x deviceid=%s %s offset=%llu length=%llu nfsstat=%u result=%d",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle,
		  __print_hex_str(__entry->deviceid, 16),
		  __entry->write ? "write" : "read",
		  __entry->offset, __entry->length, __entry->nfsstat,
		  __entry->result)
);

/* A cache flush issued before LAYOUTCOMMIT. */
TRACE_EVENT(pnfs_block_flush,
	TP_PROTO(dev_t dev, int error),
	TP_ARGS(dev, error),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->error = error;
	),
	TP_printk("dev=%d:%d error=%d", MAJOR(__entry->dev),
		  MINOR(__entry->dev), __entry->error)
);

DECLARE_EVENT_CLASS(pnfs_block_pr_class,
	TP_PROTO(dev_t dev, u64 key, int error),
	TP_ARGS(dev, key, error),
	TP_STRUCT__entry(
		__field(dev_t, dev)
		__field(u64, key)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->dev = dev;
		__entry->key = key;
		__entry->error = error;
	),
	TP_printk("dev=%d:%d key=0x%llx error=%d", MAJOR(__entry->dev),
		  MINOR(__entry->dev), __entry->key, __entry->error)
);

/* A reservation key registered on a SCSI disk (the key's first use). */
DEFINE_EVENT(pnfs_block_pr_class, pnfs_block_pr_register,
	TP_PROTO(dev_t dev, u64 key, int error),
	TP_ARGS(dev, key, error));

/* A reservation key unregistered from a SCSI disk (its last use ended). */
DEFINE_EVENT(pnfs_block_pr_class, pnfs_block_pr_unregister,
	TP_PROTO(dev_t dev, u64 key, int error),
	TP_ARGS(dev, key, error));

/*
 * A LAYOUTCOMMIT body built: it lists @extents extents in @len bytes, or
 * nothing because of @error.
 */
TRACE_EVENT(pnfs_block_commit_prepare,
	TP_PROTO(const struct inode *inode, int extents, size_t len,
		 int error),
	TP_ARGS(inode, extents, len, error),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(int, extents)
		__field(size_t, len)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->s_dev = inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(inode));
		__entry->extents = extents;
		__entry->len = len;
		__entry->error = error;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x extents=%d len=%zu error=%d",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle, __entry->extents,
		  __entry->len, __entry->error)
);

/*
 * A LAYOUTCOMMIT whose body was @len bytes ended: @status is the
 * server's, or the RPC's error if no reply came.
 */
TRACE_EVENT(pnfs_block_commit_done,
	TP_PROTO(const struct inode *inode, size_t len, int status),
	TP_ARGS(inode, len, status),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(size_t, len)
		__field(int, status)
	),
	TP_fast_assign(
		__entry->s_dev = inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(inode));
		__entry->len = len;
		__entry->status = status;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x len=%zu status=%d",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle, __entry->len,
		  __entry->status)
);

DECLARE_EVENT_CLASS(pnfs_block_commit_class,
	TP_PROTO(const struct inode *inode, int extents, int error),
	TP_ARGS(inode, extents, error),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(int, extents)
		__field(int, error)
	),
	TP_fast_assign(
		__entry->s_dev = inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(inode));
		__entry->extents = extents;
		__entry->error = error;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x extents=%d error=%d",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle, __entry->extents,
		  __entry->error)
);

/*
 * The written extents of a file tagged for its next LAYOUTCOMMIT, before
 * the cache flush of their devices (@error -EBUSY: none, another commit
 * owns them).
 */
DEFINE_EVENT(pnfs_block_commit_class, pnfs_block_commit_collect,
	TP_PROTO(const struct inode *inode, int extents, int error),
	TP_ARGS(inode, extents, error));

/*
 * A device's cache flush failed before a LAYOUTCOMMIT of the file:
 * @extents written extents on it were left out of the commit and
 * forgotten.
 */
DEFINE_EVENT(pnfs_block_commit_class, pnfs_block_commit_forget,
	TP_PROTO(const struct inode *inode, int extents, int error),
	TP_ARGS(inode, extents, error));

/*
 * The layout of the file went away with @extents written extents that no
 * LAYOUTCOMMIT has made part of the file (the server refused the commit,
 * as nfsd does after a restart); @error is what fsync reports for them.
 */
DEFINE_EVENT(pnfs_block_commit_class, pnfs_block_commit_lost,
	TP_PROTO(const struct inode *inode, int extents, int error),
	TP_ARGS(inode, extents, error));

DECLARE_EVENT_CLASS(pnfs_block_layout_class,
	TP_PROTO(const struct inode *inode),
	TP_ARGS(inode),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
	),
	TP_fast_assign(
		__entry->s_dev = inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(inode));
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle)
);

/* A file's layout header allocated: its first layout is on the way. */
DEFINE_EVENT(pnfs_block_layout_class, pnfs_block_layout_alloc,
	TP_PROTO(const struct inode *inode),
	TP_ARGS(inode));

/* A file's layout header freed, its last reference gone. */
DEFINE_EVENT(pnfs_block_layout_class, pnfs_block_layout_free,
	TP_PROTO(const struct inode *inode),
	TP_ARGS(inode));

/*
 * A range the generic client forgot (a recall it answered with
 * NFS4ERR_NOMATCHING_LAYOUT, or a full return); @pending says written
 * extents not yet committed were kept for the next LAYOUTCOMMIT.
 */
TRACE_EVENT(pnfs_block_return_range,
	TP_PROTO(const struct inode *inode,
		 const struct pnfs_layout_range *range, bool pending),
	TP_ARGS(inode, range, pending),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(u64, offset)
		__field(u64, length)
		__field(bool, pending)
	),
	TP_fast_assign(
		__entry->s_dev = inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(inode));
		__entry->offset = range->offset;
		__entry->length = range->length;
		__entry->pending = pending;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x offset=%llu length=%llu uncommitted=%s",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle, __entry->offset,
		  __entry->length, __entry->pending ? "kept" : "none")
);

/*
 * How much a write with no layout segment in hand asks LAYOUTGET for
 * (the generic client sends none if it has a cached segment covering the
 * write): @written bytes being written from @offset, @ahead more for a
 * stream that had written @stream bytes sequentially before @offset,
 * @length in all (rounded to layout blocks).
 */
TRACE_EVENT(pnfs_block_layoutget_size,
	TP_PROTO(const struct inode *inode, u64 offset, u64 written,
		 u64 stream, u64 ahead, u64 length, bool direct),
	TP_ARGS(inode, offset, written, stream, ahead, length, direct),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(u64, offset)
		__field(u64, written)
		__field(u64, stream)
		__field(u64, ahead)
		__field(u64, length)
		__field(bool, direct)
	),
	TP_fast_assign(
		__entry->s_dev = inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(inode));
		__entry->offset = offset;
		__entry->written = written;
		__entry->stream = stream;
		__entry->ahead = ahead;
		__entry->length = length;
		__entry->direct = direct;
	),
	TP_printk(
		"fileid=%02x:%02x:%llu fhandle=0x%08x %s offset=%llu written=%llu stream=%llu ahead=%llu length=%llu",
		MAJOR(__entry->s_dev), MINOR(__entry->s_dev), __entry->fileid,
		__entry->fhandle, __entry->direct ? "direct" : "buffered",
		__entry->offset, __entry->written, __entry->stream,
		__entry->ahead, __entry->length)
);

/*
 * pnfs_update_layout() failed the request at @offset of the file with
 * @error instead of handing out a segment or none.  @mds: a read, and
 * the error only says there is no layout just now (a forgotten LAYOUTGET
 * reply, the server busy or recalling), so it goes to the MDS; else the
 * error is the request's (the generic client retries a write).
 */
TRACE_EVENT(pnfs_block_layoutget_failed,
	TP_PROTO(const struct inode *inode, u64 offset,
		 enum pnfs_iomode iomode, int error, bool mds),
	TP_ARGS(inode, offset, iomode, error, mds),
	TP_STRUCT__entry(
		__field(dev_t, s_dev)
		__field(u64, fileid)
		__field(u32, fhandle)
		__field(u64, offset)
		__field(bool, write)
		__field(int, error)
		__field(bool, mds)
	),
	TP_fast_assign(
		__entry->s_dev = inode->i_sb->s_dev;
		__entry->fileid = NFS_FILEID(inode);
		__entry->fhandle = nfs_fhandle_hash(NFS_FH(inode));
		__entry->offset = offset;
		__entry->write = iomode == IOMODE_RW;
		__entry->error = error;
		__entry->mds = mds;
	),
	TP_printk("fileid=%02x:%02x:%llu fhandle=0x%08x %s offset=%llu error=%d then=%s",
		  MAJOR(__entry->s_dev), MINOR(__entry->s_dev),
		  __entry->fileid, __entry->fhandle,
		  __entry->write ? "write" : "read", __entry->offset,
		  __entry->error, __entry->mds ? "mds" : "fail")
);

/*
 * The generic client marked a device ID node NFS_DEVICEID_NOCACHE (the
 * server granted no device ID notifications), which drops the node at
 * its last put; @cleared: this driver cleared the mark (a generic client
 * without PNFS_DEVICEID_CACHED, see dev.c).
 */
TRACE_EVENT(pnfs_block_dev_nocache,
	TP_PROTO(const u8 *deviceid, bool cleared),
	TP_ARGS(deviceid, cleared),
	TP_STRUCT__entry(
		__array(u8, deviceid, 16)
		__field(bool, cleared)
	),
	TP_fast_assign(
		memcpy(__entry->deviceid, deviceid, 16);
		__entry->cleared = cleared;
	),
	TP_printk("deviceid=%s cleared=%s",
		  __print_hex_str(__entry->deviceid, 16),
		  __entry->cleared ? "yes" : "no")
);

#endif /* _TRACE_PNFS_BLOCK_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
