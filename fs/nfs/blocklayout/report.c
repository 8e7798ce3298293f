// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block and SCSI layout client: telling the metadata server that
 * I/O to a storage device failed, with LAYOUTERROR (NFSv4.2, RFC 7862
 * section 15.6).
 *
 * The driver resends the failed I/O through the MDS whatever happens
 * here; the report only lets the server know which device, which range
 * and which error, so that it can act on a path it cannot see itself.
 * One report covers a burst: a device that failed is marked unavailable
 * for PNFS_DEVICE_RETRY_TIMEOUT (dev.c), and the requests that were in
 * flight on it when it failed all end with errors at about the same
 * time, so at most one LAYOUTERROR per device and status goes out in
 * that period.
 *
 * The report is sent synchronously, before the layout is returned:
 * nfs42_proc_layouterror() is asynchronous, and the LAYOUTRETURN that
 * follows the failure at once (io.c, bl_io_failed()) could reach
 * the server first and leave the report with a stateid the server has
 * already forgotten.  A server that does not support the operation
 * (nfsd answers NFS4ERR_NOTSUPP) is not asked again on that mount.
 */
#include <kunit/visibility.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/nfs4.h>
#include <linux/nfs_fs.h>
#include <linux/nfs_xdr.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sunrpc/clnt.h>
#include <linux/sunrpc/sched.h>

#include "../nfs4_fs.h"
#include "../pnfs.h"
#include "blocklayout.h"
#include "dev.h"
#include "trace.h"

/**
 * struct bl_lerr_call - one LAYOUTERROR in flight
 * @server: the mount it goes to
 * @args: its arguments, one error
 * @res: its result
 */
struct bl_lerr_call {
	struct nfs_server		*server;
	struct nfs42_layouterror_args	args;
	struct nfs42_layouterror_res	res;
};

static void bl_lerr_prepare(struct rpc_task *task, void *calldata)
{
	struct bl_lerr_call *call = calldata;

	nfs4_setup_sequence(call->server->nfs_client, &call->args.seq_args,
			    &call->res.seq_res, task);
}

static void bl_lerr_done(struct rpc_task *task, void *calldata)
{
	struct bl_lerr_call *call = calldata;

	nfs4_sequence_done(task, &call->res.seq_res);
}

static const struct rpc_call_ops bl_lerr_ops = {
	.rpc_call_prepare	= bl_lerr_prepare,
	.rpc_call_done		= bl_lerr_done,
};

/**
 * bl_lerr_status - the nfsstat4 a LAYOUTERROR reports for a bio's error
 * @error: the bio's errno (blk_status_to_errno())
 *
 * Return: %NFS4ERR_NOSPC, %NFS4ERR_ACCESS for a device that refuses this
 * client (a SCSI reservation conflict: fenced), %NFS4ERR_NXIO for one
 * that is gone or unreachable, else %NFS4ERR_IO.
 */
VISIBLE_IF_KUNIT u32 bl_lerr_status(int error)
{
	switch (error) {
	case -ENOSPC:
		return NFS4ERR_NOSPC;
	case -EBADE:		/* BLK_STS_RESV_CONFLICT */
	case -EACCES:
	case -EPERM:
		return NFS4ERR_ACCESS;
	case -ENODEV:		/* BLK_STS_OFFLINE */
	case -ENXIO:
	case -ENOLINK:		/* BLK_STS_TRANSPORT */
		return NFS4ERR_NXIO;
	default:
		return NFS4ERR_IO;
	}
}
EXPORT_SYMBOL_IF_KUNIT(bl_lerr_status);

/**
 * bl_lerr_due - claim the report of a device's error
 * @dev: the device ID
 * @status: the nfsstat4 to report
 * @now: the time, in jiffies
 *
 * Return: %true if no report with @status was claimed for @dev in the
 * last %PNFS_DEVICE_RETRY_TIMEOUT; the caller then sends it.
 */
VISIBLE_IF_KUNIT bool bl_lerr_due(struct bl_dev *dev, u32 status,
				  unsigned long now)
{
	bool due;

	spin_lock(&dev->err_lock);
	due = dev->err_status != status ||
	      time_after_eq(now, dev->err_sent + PNFS_DEVICE_RETRY_TIMEOUT);
	if (due) {
		dev->err_status = status;
		dev->err_sent = now;
	}
	spin_unlock(&dev->err_lock);
	return due;
}
EXPORT_SYMBOL_IF_KUNIT(bl_lerr_due);

/**
 * bl_lerr_unclaim - give back a report claimed with bl_lerr_due()
 * @dev: the device ID
 * @status: the nfsstat4 claimed
 *
 * For a report that could not be sent (no memory, the layout no longer
 * valid): the next failure with @status may report it.
 */
VISIBLE_IF_KUNIT void bl_lerr_unclaim(struct bl_dev *dev, u32 status)
{
	spin_lock(&dev->err_lock);
	if (dev->err_status == status)
		dev->err_status = 0;
	spin_unlock(&dev->err_lock);
}
EXPORT_SYMBOL_IF_KUNIT(bl_lerr_unclaim);

/*
 * NFS4ERR_NOTSUPP, as the reply's decoding leaves it: the NFS client's
 * error table turns it into -ENOTSUPP (what nfsd's answer gives); the
 * others cover a server or a generic client that map it otherwise.
 */
static bool bl_lerr_unsupported(int ret)
{
	return ret == -NFS4ERR_NOTSUPP || ret == -NFS4ERR_OP_ILLEGAL ||
	       ret == -ENOTSUPP || ret == -EOPNOTSUPP;
}

/* Send it and wait for the answer.  Return: 0 or the call's error. */
static int bl_lerr_send(struct nfs_pgio_header *hdr, struct bl_lerr_call *call)
{
	struct rpc_clnt *clnt = call->server->client;
	struct rpc_message msg = {
		.rpc_proc	= &clnt->cl_procinfo[NFSPROC4_CLNT_LAYOUTERROR],
		.rpc_argp	= &call->args,
		.rpc_resp	= &call->res,
		.rpc_cred	= hdr->cred,
	};
	struct rpc_task_setup setup = {
		.rpc_client	= clnt,
		.rpc_message	= &msg,
		.callback_ops	= &bl_lerr_ops,
		.callback_data	= call,
		/* A report is not worth a hang: give up after the timeout. */
		.flags		= RPC_TASK_SOFT | RPC_TASK_TIMEOUT,
	};
	struct rpc_task *task;
	int ret;

	task = rpc_run_task(&setup);
	if (IS_ERR(task))
		return PTR_ERR(task);
	ret = task->tk_status;
	rpc_put_task(task);
	return ret;
}

/**
 * bl_report_io_error - report a failed layout read or write to the MDS
 * @hdr: the failed request; its segment is held by the caller
 * @dev: the device ID a bio of it failed on; held by the caller
 * @error: that bio's errno
 * @write: the request is a write
 *
 * Sends LAYOUTERROR for the request's range, unless the mount is not
 * NFSv4.2, its server refused LAYOUTERROR before, the layout is no
 * longer valid, or this device's failure with this status was reported
 * less than %PNFS_DEVICE_RETRY_TIMEOUT ago.  Waits for the answer: call
 * it in process context, before the layout is returned, with no lock
 * held that the RPC could need.  Nothing depends on the outcome, which
 * the pnfs_block_layouterror tracepoint shows.
 */
void bl_report_io_error(struct nfs_pgio_header *hdr, struct bl_dev *dev,
			int error, bool write)
{
	struct inode *inode = hdr->inode;
	struct nfs_server *server = NFS_SERVER(inode);
	struct pnfs_layout_hdr *lo = hdr->lseg->pls_layout;
	struct nfs42_layout_error *le;
	struct bl_lerr_call *call;
	u32 status = bl_lerr_status(error);
	bool sent = false;
	int ret;

	might_sleep();
	if (!nfs_server_capable(inode, NFS_CAP_LAYOUTERROR) ||
	    server->client->cl_maxproc <= NFSPROC4_CLNT_LAYOUTERROR)
		return;
	if (!bl_lerr_due(dev, status, jiffies))
		return;

	call = kzalloc(sizeof(*call), GFP_NOFS);
	if (!call) {
		ret = -ENOMEM;
		goto out_trace;
	}
	/* Zeroed sequence arguments are what nfs4_init_sequence() sets. */
	call->server = server;
	call->args.inode = inode;
	call->args.num_errors = 1;
	call->res.num_errors = 1;
	le = &call->args.errors[0];
	le->offset = hdr->args.offset;
	le->length = hdr->args.count;
	memcpy(&le->errors[0].dev_id, &dev->node.deviceid,
	       sizeof(le->errors[0].dev_id));
	le->errors[0].status = status;
	le->errors[0].opnum = write ? OP_WRITE : OP_READ;

	spin_lock(&inode->i_lock);
	if (!pnfs_layout_is_valid(lo)) {
		spin_unlock(&inode->i_lock);
		ret = -ESTALE;
		goto out_free_call;
	}
	nfs4_stateid_copy(&le->stateid, &lo->plh_stateid);
	spin_unlock(&inode->i_lock);

	sent = true;
	ret = bl_lerr_send(hdr, call);
	if (bl_lerr_unsupported(ret))
		server->caps &= ~NFS_CAP_LAYOUTERROR;

out_free_call:
	kfree(call);
out_trace:
	/* Not sent: the next failure of the burst may report it. */
	if (!sent)
		bl_lerr_unclaim(dev, status);
	trace_pnfs_block_layouterror(inode, dev->node.deviceid.data,
				     hdr->args.offset, hdr->args.count, write,
				     status, ret);
}
