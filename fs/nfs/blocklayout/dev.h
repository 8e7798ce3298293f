/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pNFS block and SCSI layout client: device IDs (dev.c) and the blkmapd
 * upcall (pipe.c).
 *
 * Glossary:
 *
 * A *device node* (struct bl_dev) is the driver's entry in the generic
 * device ID cache (fs/nfs/pnfs_dev.c): the decoded GETDEVICEINFO reply
 * bound to open block devices, as a volume tree.
 * A *negative entry* is a device node whose volumes could not be bound;
 * it has no tree, is marked unavailable, and is looked up again from
 * the server once PNFS_DEVICE_RETRY_TIMEOUT has passed.
 * An *upcall* asks nfs-utils blkmapd, through the rpc_pipefs file
 * <rpc_pipefs>/nfs/blocklayout of the client's network namespace, which
 * local disk carries the signature of one SIMPLE volume.
 */
#ifndef _FS_NFS_BLOCKLAYOUT_DEV_H
#define _FS_NFS_BLOCKLAYOUT_DEV_H

#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/sunrpc/rpc_pipe_fs.h>
#include <linux/types.h>

#include "blocklayout.h"
#include "../pnfs.h"

struct block_device;
struct file;
struct net;
struct pid;

/**
 * struct bl_dev - one device ID of a block or SCSI layout
 * @node: the generic device ID cache entry; first, for container_of()
 * @tree: the resolved volumes; %NULL for a negative entry
 * @layout_type: %LAYOUT_BLOCK_VOLUME or %LAYOUT_SCSI
 * @err_lock: protects @err_status and @err_sent
 * @err_status: the nfsstat4 of the last LAYOUTERROR about this device
 *	(report.c); 0 before the first
 * @err_sent: when that report was claimed, in jiffies
 *
 * Immutable once bl_alloc_deviceid_node() returns, but for the fields
 * under @err_lock; the generic layer counts references and frees it
 * through bl_free_deviceid_node().
 */
struct bl_dev {
	struct nfs4_deviceid_node	node;
	struct bl_vol_tree		*tree;
	u32				layout_type;
	spinlock_t			err_lock;	/* see above */
	u32				err_status;
	unsigned long			err_sent;
};

/**
 * to_bl_dev - the device node around a generic device ID node
 * @node: a node allocated by bl_alloc_deviceid_node()
 *
 * Return: the containing struct bl_dev.
 */
static inline struct bl_dev *to_bl_dev(struct nfs4_deviceid_node *node)
{
	return container_of(node, struct bl_dev, node);
}

/*
 * Device IDs stay cached without notifications (dev.c): by the generic
 * client where it has the flag, else by bl_find_get_deviceid().
 */
#ifdef PNFS_HAVE_DEVICEID_CACHED
#define BL_DEVICEID_CACHED	PNFS_DEVICEID_CACHED
#else
#define BL_DEVICEID_CACHED	0
#endif

/* dev.c */
struct nfs4_deviceid_node *bl_alloc_deviceid_node(struct nfs_server *server,
						  struct pnfs_device *pdev,
						  gfp_t gfp);
void bl_free_deviceid_node(struct nfs4_deviceid_node *node);
struct nfs4_deviceid_node *bl_find_get_deviceid(struct nfs_server *server,
						const struct nfs4_deviceid *id,
						const struct cred *cred,
						gfp_t gfp);
struct block_device *bl_leaf_bdev(void *handle);
void bl_report_reject(const struct nfs_server *server, const char *op,
		      const struct bl_err *err, int ret);
void bl_dev_get(struct bl_dev *dev);
void bl_dev_put(struct bl_dev *dev);
void bl_dev_mark_unavailable(struct bl_dev *dev);
int bl_dev_flush(struct bl_dev *dev);
int bl_dev_init(void);
void bl_dev_exit(void);

/* report.c */
void bl_report_io_error(struct nfs_pgio_header *hdr, struct bl_dev *dev,
			int error, bool write);

/* pipe.c */

/* blkmapd message types and reply states (nfs-utils device-discovery.h). */
#define BL_DEVICE_MOUNT		0x1
#define BL_DEVICE_REQUEST_PROC	0x1
#define BL_DEVICE_REQUEST_ERR	0x2

/*
 * blkmapd rejects SIMPLE volumes with this many signature components or
 * more, although RFC 5663 allows up to 16.
 */
#define BL_PIPE_MAX_SIGS	15

/**
 * struct bl_pipe_hdr - header of an upcall, in host byte order
 * @type: %BL_DEVICE_MOUNT
 * @totallen: length of the XDR payload that follows, header excluded
 *
 * Laid out like blkmapd's struct bl_pipemsg_hdr: one pad byte after
 * @type, four bytes in all.
 */
struct bl_pipe_hdr {
	u8	type;
	u16	totallen;
};

/**
 * struct bl_pipe_reply - blkmapd's answer, in host byte order
 * @status: %BL_DEVICE_REQUEST_PROC if a disk was found, else
 *	%BL_DEVICE_REQUEST_ERR
 * @major: major number of the disk
 * @minor: minor number of the disk
 */
struct bl_pipe_reply {
	s32	status;
	u32	major;
	u32	minor;
};

/**
 * struct bl_pipe_net - the upcall state of one network namespace
 * @pipe: the pipe; made at namespace init, freed at namespace exit
 * @lock: protects @answer_q and the answer link and result fields of
 *	every request of this namespace
 * @answer_q: requests blkmapd has read whole and not yet answered, oldest
 *	first; each entry holds a reference
 * @nr_reqs: requests allocated and not yet freed
 */
struct bl_pipe_net {
	struct rpc_pipe		*pipe;
	spinlock_t		lock;	/* answer_q, request results */
	struct list_head	answer_q;
	atomic_t		nr_reqs;
};

/**
 * struct bl_pipe_req - one upcall
 * @msg: what the pipe queues; @msg.data points at @buf
 * @ref: one reference for the waiter, one for the pipe's queue or
 *	@bn->answer_q
 * @bn: the namespace state
 * @answer: link in @bn->answer_q (protected by @bn->lock)
 * @reader: the thread group that started reading the request, with a
 *	reference; %NULL until then (protected by @bn->lock)
 * @done: completed when @finished is set
 * @finished: @result and @dev are final (protected by @bn->lock)
 * @result: %0 or a negative errno (protected by @bn->lock)
 * @dev: the disk, when @result is %0 (protected by @bn->lock)
 * @buf: the message, header and XDR payload
 */
struct bl_pipe_req {
	struct rpc_pipe_msg	msg;
	struct kref		ref;
	struct bl_pipe_net	*bn;
	struct list_head	answer;
	struct pid		*reader;
	struct completion	done;
	bool			finished;
	int			result;
	dev_t			dev;
	u8			buf[] __aligned(8);
};

int bl_pipe_init(void);
void bl_pipe_exit(void);
int bl_pipe_resolve(struct net *net, const struct bl_vol_desc *simple,
		    dev_t *dev);

/* sig.c */
int bl_sig_verify(struct block_device *bdev, const struct bl_vol_desc *desc);

#if IS_ENABLED(CONFIG_KUNIT)
/* Static without CONFIG_KUNIT: called from outside only by tests/. */
ssize_t bl_pipe_msg_size(const struct bl_vol_desc *simple);
ssize_t bl_pipe_encode(const struct bl_vol_desc *simple, void *buf,
		       size_t buflen);
struct bl_pipe_req *__bl_pipe_match(struct bl_pipe_net *bn,
				    struct pid *writer, struct list_head *gone);
int bl_sig_locate(const struct bl_sig_desc *sig, u64 disk_size, u32 blksize,
		  u64 *block, u32 *skip);
int bl_sig_check(const struct bl_vol_desc *desc, u64 disk_size, u32 blksize,
		 int (*read)(void *ctx, u64 pos, void *buf, u32 len),
		 void *ctx, void *buf, u32 *bad);
u32 bl_lerr_status(int error);
bool bl_lerr_due(struct bl_dev *dev, u32 status, unsigned long now);
void bl_lerr_unclaim(struct bl_dev *dev, u32 status);
#endif

#endif /* _FS_NFS_BLOCKLAYOUT_DEV_H */
