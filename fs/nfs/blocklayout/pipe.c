// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block layout client: asking nfs-utils blkmapd which local disk
 * carries the signature of a SIMPLE volume (RFC 5663 section 2.2).
 *
 * The pipe:
 *
 * Each network namespace has one rpc_pipefs file, nfs/blocklayout, read
 * and written by one blkmapd.
 * It exists while rpc_pipefs is mounted in that namespace; it is made on
 * the mount notification, or at load time for a namespace that already
 * has rpc_pipefs mounted.
 *
 * The protocol (nfs-utils utils/blkmapd/device-discovery.c):
 *
 * An upcall is a struct bl_pipe_hdr in host byte order, then an XDR
 * pnfs_block_deviceaddr4 holding exactly one SIMPLE volume; blkmapd reads
 * the header, then totallen bytes, finds the disk whose contents match
 * every signature component, and writes one 12-byte struct bl_pipe_reply.
 * It accepts 1 to %BL_PIPE_MAX_SIGS components.
 * A reply carries no request ID: blkmapd is single-threaded and answers
 * the requests in the order it has read them.
 *
 * Matching replies to requests:
 *
 * A request moves through three places: the pipe's queue (queued, not yet
 * read), then bn->answer_q (read whole by blkmapd, not yet answered), then
 * nowhere (answered, or failed).
 * rpc_pipefs calls ->destroy_msg when a message leaves its queue: with
 * errno 0 once blkmapd has read all of it, else with a negative errno
 * (blkmapd closed the pipe, the pipe was removed).
 * A fully read request is appended to bn->answer_q there, and the next
 * reply is given to the oldest request in bn->answer_q that the writing
 * process read itself (every request remembers the thread group that
 * started reading it, in ->upcall).
 * So a second writer of the pipe, or a new blkmapd while someone else
 * still holds the pipe open, never takes an answer meant for another
 * reader's request; a reply that matches none is refused with %-EINVAL,
 * and requests of a reader that has exited are failed with %-EPIPE.
 * Both happen under the pipe inode's lock, so a reply never overtakes the
 * read it answers.
 * A waiter that times out or is killed leaves its request where it is,
 * as a placeholder: still queued, blkmapd reads it later and its answer
 * is used up by it, not given to the next request; read, the same.
 * rpc_pipefs has no interface to take a queued message back, and its
 * queue is its own: the driver never touches it.
 * When blkmapd closes the pipe, every request it has read but not
 * answered fails with %-EPIPE: a new blkmapd starts from a clean slate.
 * Requests live as long as their last reference: the waiter holds one,
 * and the pipe or bn->answer_q holds the other.
 * Within one reader order is all there is: a reply that blkmapd itself
 * never writes still shifts its later answers by one, which is why the
 * disk named is checked against the volume's signature (sig.c).
 *
 * Waiting:
 *
 * Any number of upcalls may be outstanding (up to %BL_PIPE_MAX_REQS per
 * namespace, counting abandoned placeholders, so a blkmapd that stopped
 * reading costs at most that many; then upcalls fail at once with
 * %-EBUSY until it reads again or closes the pipe); blkmapd serves them
 * one at a time, but no caller waits for another caller's upcall beyond
 * its own timeout of upcall_timeout seconds (module parameter, 15 by
 * default).
 * With no reader on the pipe the upcall fails at once with %-EPIPE and
 * one ratelimited message, so I/O goes through the metadata server.
 *
 * Locks:
 *
 * bn->lock (spinlock) protects bn->answer_q and, in every request, the
 * answer list link, the reader and the result fields (finished, result,
 * dev).
 * ->destroy_msg, ->downcall and ->release_pipe run without the pipe's own
 * lock.
 * Registering and removing the pipe file happen under sunrpc's per
 * namespace pipefs_sb_lock (held around the notifier calls, and taken by
 * rpc_get_sb_net()), which also makes checking pipe->dentry safe there.
 */

#include <kunit/visibility.h>
#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/pid.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sunrpc/rpc_pipe_fs.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "dev.h"

/* The wire layout blkmapd assumes (struct bl_pipemsg_hdr, bl_dev_msg). */
static_assert(sizeof(struct bl_pipe_hdr) == 4);
static_assert(offsetof(struct bl_pipe_hdr, totallen) == 2);
static_assert(sizeof(struct bl_pipe_reply) == 12);

/* volume count, volume type, signature count */
#define BL_PIPE_FIXED_XDR	(3 * sizeof(__be32))
/* offset (hyper) and length of one signature component */
#define BL_PIPE_SIG_XDR		(sizeof(__be64) + sizeof(__be32))
/* The largest payload must fit in bl_pipe_hdr.totallen. */
static_assert(BL_PIPE_FIXED_XDR +
	      BL_PIPE_MAX_SIGS * (BL_PIPE_SIG_XDR + BL_MAX_SIG_LEN) <= U16_MAX);

#define BL_PIPE_NAME		"blocklayout"
/* Outstanding upcalls per namespace, abandoned placeholders included. */
#define BL_PIPE_MAX_REQS	64
#define BL_PIPE_MAX_TIMEOUT	600U

static unsigned int bl_pipe_timeout = 15;
module_param_named(upcall_timeout, bl_pipe_timeout, uint, 0644);
MODULE_PARM_DESC(upcall_timeout,
		 "Seconds to wait for blkmapd to answer an upcall (1-600, default 15)");

static unsigned int bl_pipe_net_id;

/**
 * bl_pipe_msg_size - size of the upcall for a SIMPLE volume
 * @simple: a SIMPLE volume from bl_decode_deviceaddr()
 *
 * Return: the size in bytes of the whole message (header and payload);
 * %-EINVAL if @simple is not a well-formed SIMPLE volume; %-EOPNOTSUPP if
 * it has more signature components than blkmapd accepts.
 */
VISIBLE_IF_KUNIT ssize_t
bl_pipe_msg_size(const struct bl_vol_desc *simple)
{
	size_t len = BL_PIPE_FIXED_XDR;
	u32 i, sig_len;

	if (simple->type != PNFS_BLOCK_VOLUME_SIMPLE || !simple->simple.nr_sigs)
		return -EINVAL;
	if (simple->simple.nr_sigs > BL_PIPE_MAX_SIGS)
		return -EOPNOTSUPP;
	for (i = 0; i < simple->simple.nr_sigs; i++) {
		sig_len = simple->simple.sigs[i].len;
		if (!sig_len || sig_len > BL_MAX_SIG_LEN)
			return -EINVAL;
		len += BL_PIPE_SIG_XDR + round_up(sig_len, 4);
	}
	return sizeof(struct bl_pipe_hdr) + len;
}
EXPORT_SYMBOL_IF_KUNIT(bl_pipe_msg_size);

/**
 * bl_pipe_encode - build the upcall for a SIMPLE volume
 * @simple: a SIMPLE volume from bl_decode_deviceaddr()
 * @buf: where to build it, 4-byte aligned
 * @buflen: size of @buf
 *
 * Writes a struct bl_pipe_hdr, then a pnfs_block_deviceaddr4 (RFC 5663
 * section 2.2) whose only volume, the top one, is @simple.
 * Padding bytes are zero.
 *
 * Return: the number of bytes written; an error of bl_pipe_msg_size();
 * %-ENOSPC if @buf is too small.
 */
VISIBLE_IF_KUNIT ssize_t bl_pipe_encode(const struct bl_vol_desc *simple,
					void *buf, size_t buflen)
{
	const struct bl_sig_desc *sig;
	struct bl_pipe_hdr *hdr = buf;
	ssize_t len;
	__be32 *p;
	u32 i;

	len = bl_pipe_msg_size(simple);
	if (len < 0)
		return len;
	if (buflen < len)
		return -ENOSPC;

	memset(buf, 0, len);
	hdr->type = BL_DEVICE_MOUNT;
	hdr->totallen = len - sizeof(*hdr);

	p = buf + sizeof(*hdr);
	*p++ = cpu_to_be32(1);
	*p++ = cpu_to_be32(PNFS_BLOCK_VOLUME_SIMPLE);
	*p++ = cpu_to_be32(simple->simple.nr_sigs);
	for (i = 0; i < simple->simple.nr_sigs; i++) {
		sig = &simple->simple.sigs[i];
		/* A negative offset travels in two's complement. */
		p = xdr_encode_hyper(p, (u64)sig->offset);
		p = xdr_encode_opaque(p, sig->contents, sig->len);
	}
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(bl_pipe_encode);

static void bl_pipe_req_release(struct kref *ref)
{
	struct bl_pipe_req *req = container_of(ref, struct bl_pipe_req, ref);

	atomic_dec(&req->bn->nr_reqs);
	put_pid(req->reader);
	kfree(req);
}

static void bl_pipe_req_put(struct bl_pipe_req *req)
{
	kref_put(&req->ref, bl_pipe_req_release);
}

static struct bl_pipe_req *bl_pipe_req_alloc(struct bl_pipe_net *bn,
					     const struct bl_vol_desc *simple,
					     size_t len)
{
	struct bl_pipe_req *req;
	ssize_t ret;

	if (atomic_inc_return(&bn->nr_reqs) > BL_PIPE_MAX_REQS) {
		atomic_dec(&bn->nr_reqs);
		return ERR_PTR(-EBUSY);
	}
	req = kzalloc(struct_size(req, buf, len), GFP_NOFS);
	if (!req) {
		atomic_dec(&bn->nr_reqs);
		return ERR_PTR(-ENOMEM);
	}
	/* From here on bl_pipe_req_release() undoes nr_reqs. */
	kref_init(&req->ref);
	req->bn = bn;
	INIT_LIST_HEAD(&req->answer);
	INIT_LIST_HEAD(&req->msg.list);
	init_completion(&req->done);
	req->msg.data = req->buf;
	req->msg.len = len;

	ret = bl_pipe_encode(simple, req->buf, len);
	if (ret < 0) {
		bl_pipe_req_put(req);
		return ERR_PTR(ret);
	}
	return req;
}

static void __bl_pipe_finish(struct bl_pipe_req *req, int result, dev_t dev)
{
	lockdep_assert_held(&req->bn->lock);

	if (req->finished)
		return;
	req->finished = true;
	req->result = result;
	req->dev = dev;
	complete(&req->done);
}

/* Turn blkmapd's answer into an errno and a device number. */
static int bl_pipe_parse_reply(const struct bl_pipe_reply *reply, dev_t *dev)
{
	switch (reply->status) {
	case BL_DEVICE_REQUEST_PROC:
		if (reply->major > MAJOR(~(dev_t)0) ||
		    reply->minor > MINORMASK)
			return -EINVAL;
		*dev = MKDEV(reply->major, reply->minor);
		return *dev ? 0 : -EINVAL;
	case BL_DEVICE_REQUEST_ERR:
		/* No visible disk carries the signature. */
		return -ENODEV;
	default:
		return -EIO;
	}
}

/**
 * __bl_pipe_match - find the request a reply answers
 * @bn: the namespace state; the caller holds @bn->lock
 * @writer: the thread group writing the reply
 * @gone: where to move requests whose reader has exited
 *
 * The oldest request in @bn->answer_q that @writer read itself is
 * unlinked and returned.
 * Requests read by a thread group with no task left will never be
 * answered; those met on the way are moved to @gone, with their
 * references, for the caller to fail.
 *
 * Return: the request, with @bn->answer_q's reference, or %NULL if
 * @writer has read none.
 */
VISIBLE_IF_KUNIT struct bl_pipe_req *
__bl_pipe_match(struct bl_pipe_net *bn, struct pid *writer,
		struct list_head *gone)
{
	struct bl_pipe_req *req, *tmp;

	lockdep_assert_held(&bn->lock);
	list_for_each_entry_safe(req, tmp, &bn->answer_q, answer) {
		if (req->reader == writer) {
			list_del_init(&req->answer);
			return req;
		}
		if (!req->reader || !pid_has_task(req->reader, PIDTYPE_TGID))
			list_move_tail(&req->answer, gone);
	}
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(__bl_pipe_match);

/* Fail the requests on @gone and drop the references they carry. */
static void bl_pipe_fail_list(struct bl_pipe_net *bn, struct list_head *gone)
{
	struct bl_pipe_req *req, *tmp;

	if (list_empty(gone))
		return;
	spin_lock(&bn->lock);
	list_for_each_entry(req, gone, answer)
		__bl_pipe_finish(req, -EPIPE, 0);
	spin_unlock(&bn->lock);

	list_for_each_entry_safe(req, tmp, gone, answer) {
		list_del_init(&req->answer);
		bl_pipe_req_put(req);
	}
}

static ssize_t bl_pipe_downcall(struct file *filp, const char __user *src,
				size_t mlen)
{
	struct bl_pipe_net *bn = RPC_I(file_inode(filp))->private;
	struct bl_pipe_reply reply;
	struct bl_pipe_req *req;
	LIST_HEAD(gone);
	dev_t dev = 0;
	int result;

	if (mlen != sizeof(reply))
		return -EINVAL;
	if (copy_from_user(&reply, src, mlen))
		return -EFAULT;
	result = bl_pipe_parse_reply(&reply, &dev);

	spin_lock(&bn->lock);
	req = __bl_pipe_match(bn, task_tgid(current), &gone);
	if (req)
		__bl_pipe_finish(req, result, dev);
	spin_unlock(&bn->lock);

	bl_pipe_fail_list(bn, &gone);
	if (!req)
		return -EINVAL;
	bl_pipe_req_put(req);
	return mlen;
}

/* A reader starts on a request: remember who, for bl_pipe_downcall(). */
static ssize_t bl_pipe_upcall(struct file *filp, struct rpc_pipe_msg *msg,
			      char __user *dst, size_t buflen)
{
	struct bl_pipe_req *req = container_of(msg, struct bl_pipe_req, msg);
	struct bl_pipe_net *bn = req->bn;

	spin_lock(&bn->lock);
	if (!req->reader)
		req->reader = get_pid(task_tgid(current));
	spin_unlock(&bn->lock);
	return rpc_pipe_generic_upcall(filp, msg, dst, buflen);
}

/*
 * The message left the pipe's queue: read whole (errno 0), or dropped.
 * The queue's reference moves to bn->answer_q, or is dropped.
 */
static void bl_pipe_destroy_msg(struct rpc_pipe_msg *msg)
{
	struct bl_pipe_req *req = container_of(msg, struct bl_pipe_req, msg);
	struct bl_pipe_net *bn = req->bn;

	spin_lock(&bn->lock);
	if (msg->errno == 0 && msg->copied == msg->len) {
		list_add_tail(&req->answer, &bn->answer_q);
		spin_unlock(&bn->lock);
		return;
	}
	__bl_pipe_finish(req, -EPIPE, 0);
	spin_unlock(&bn->lock);
	bl_pipe_req_put(req);
}

/* blkmapd closed the pipe: nothing it has read will be answered. */
static void bl_pipe_release(struct inode *inode)
{
	struct bl_pipe_net *bn = RPC_I(inode)->private;
	LIST_HEAD(gone);

	spin_lock(&bn->lock);
	list_splice_init(&bn->answer_q, &gone);
	spin_unlock(&bn->lock);
	bl_pipe_fail_list(bn, &gone);
}

static const struct rpc_pipe_ops bl_pipe_ops = {
	.upcall		= bl_pipe_upcall,
	.downcall	= bl_pipe_downcall,
	.destroy_msg	= bl_pipe_destroy_msg,
	.release_pipe	= bl_pipe_release,
};

static unsigned int bl_pipe_timeout_secs(void)
{
	return clamp(READ_ONCE(bl_pipe_timeout), 1U, BL_PIPE_MAX_TIMEOUT);
}

/**
 * bl_pipe_resolve - ask blkmapd which disk holds a SIMPLE volume
 * @net: the network namespace of the NFS client
 * @simple: the SIMPLE volume, with its signature components
 * @dev: where to store the disk's device number
 *
 * Sends one upcall and waits for its answer for at most upcall_timeout
 * seconds; a fatal signal ends the wait too.
 * Must be called in process context; sleeps.
 *
 * Return: %0 with *@dev set; %-ENODEV if blkmapd found no disk with the
 * signature; %-EPIPE if blkmapd is not running or went away;
 * %-ETIMEDOUT if it did not answer in time; %-EINTR on a fatal signal;
 * %-EBUSY if too many upcalls are outstanding; %-EOPNOTSUPP if the volume
 * has more signature components than blkmapd accepts; %-EINVAL for a
 * malformed volume or answer; %-EIO for an unknown answer; %-ENOMEM.
 */
int bl_pipe_resolve(struct net *net, const struct bl_vol_desc *simple,
		    dev_t *dev)
{
	struct bl_pipe_net *bn = net_generic(net, bl_pipe_net_id);
	struct bl_pipe_req *req;
	ssize_t len;
	unsigned int secs;
	long left;
	int ret;

	len = bl_pipe_msg_size(simple);
	if (len < 0)
		return len;
	req = bl_pipe_req_alloc(bn, simple, len);
	if (IS_ERR(req))
		return PTR_ERR(req);

	/* The pipe's reference, dropped by ->destroy_msg or below. */
	kref_get(&req->ref);
	ret = rpc_queue_upcall(bn->pipe, &req->msg);
	if (ret) {
		pr_warn_ratelimited("pNFS block: nobody reads rpc_pipefs nfs/%s: blkmapd not running?\n",
				    BL_PIPE_NAME);
		ret = -EPIPE;
		goto out_put_queue_ref;
	}

	secs = bl_pipe_timeout_secs();
	/* On timeout the pipe keeps its reference: see the top of the file. */
	left = wait_for_completion_killable_timeout(&req->done, secs * HZ);

	spin_lock(&bn->lock);
	if (req->finished)
		ret = req->result;
	else
		ret = left < 0 ? -EINTR : -ETIMEDOUT;
	if (!ret)
		*dev = req->dev;
	spin_unlock(&bn->lock);

	if (ret == -ETIMEDOUT)
		pr_warn_ratelimited("pNFS block: blkmapd did not answer within %u seconds\n",
				    secs);
	goto out_put_req;

out_put_queue_ref:
	bl_pipe_req_put(req);
out_put_req:
	bl_pipe_req_put(req);
	return ret;
}

/* Called with the namespace's pipefs_sb_lock held. */
static int bl_pipe_register_sb(struct super_block *sb, struct bl_pipe_net *bn)
{
	struct dentry *dir;
	int ret;

	if (!bn || !bn->pipe || bn->pipe->dentry)
		return 0;
	dir = rpc_d_lookup_sb(sb, NFS_PIPE_DIRNAME);
	if (!dir)
		return -ENOENT;
	ret = rpc_mkpipe_dentry(dir, BL_PIPE_NAME, bn, bn->pipe);
	dput(dir);
	return ret;
}

/* Called with the namespace's pipefs_sb_lock held. */
static void bl_pipe_unregister_sb(struct bl_pipe_net *bn)
{
	if (bn && bn->pipe && bn->pipe->dentry)
		rpc_unlink(bn->pipe->dentry);
}

static int bl_pipe_register_net(struct net *net, struct bl_pipe_net *bn)
{
	struct super_block *sb;
	int ret;

	sb = rpc_get_sb_net(net);
	if (!sb)
		return 0;
	ret = bl_pipe_register_sb(sb, bn);
	rpc_put_sb_net(net);
	return ret;
}

static void bl_pipe_unregister_net(struct net *net, struct bl_pipe_net *bn)
{
	if (rpc_get_sb_net(net)) {
		bl_pipe_unregister_sb(bn);
		rpc_put_sb_net(net);
	}
}

static int bl_pipe_event(struct notifier_block *nb, unsigned long event,
			 void *ptr)
{
	struct super_block *sb = ptr;
	struct bl_pipe_net *bn = net_generic(sb->s_fs_info, bl_pipe_net_id);
	int ret;

	switch (event) {
	case RPC_PIPEFS_MOUNT:
		/* Failing here would fail the whole rpc_pipefs mount. */
		ret = bl_pipe_register_sb(sb, bn);
		if (ret)
			pr_warn("pNFS block: cannot create rpc_pipefs nfs/%s: %d\n",
				BL_PIPE_NAME, ret);
		break;
	case RPC_PIPEFS_UMOUNT:
		bl_pipe_unregister_sb(bn);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block bl_pipe_notifier = {
	.notifier_call	= bl_pipe_event,
};

static int __net_init bl_pipe_net_init(struct net *net)
{
	struct bl_pipe_net *bn = net_generic(net, bl_pipe_net_id);
	struct rpc_pipe *pipe;
	int ret;

	spin_lock_init(&bn->lock);
	INIT_LIST_HEAD(&bn->answer_q);
	atomic_set(&bn->nr_reqs, 0);

	pipe = rpc_mkpipe_data(&bl_pipe_ops, 0);
	if (IS_ERR(pipe))
		return PTR_ERR(pipe);
	bn->pipe = pipe;

	ret = bl_pipe_register_net(net, bn);
	if (ret)
		goto out_destroy_pipe;
	return 0;

out_destroy_pipe:
	bn->pipe = NULL;
	rpc_destroy_pipe_data(pipe);
	return ret;
}

static void __net_exit bl_pipe_net_exit(struct net *net)
{
	struct bl_pipe_net *bn = net_generic(net, bl_pipe_net_id);

	/* Removing the file fails every queued and read request. */
	bl_pipe_unregister_net(net, bn);
	rpc_destroy_pipe_data(bn->pipe);
	bn->pipe = NULL;
}

static struct pernet_operations bl_pipe_net_ops = {
	.init	= bl_pipe_net_init,
	.exit	= bl_pipe_net_exit,
	.id	= &bl_pipe_net_id,
	.size	= sizeof(struct bl_pipe_net),
};

/**
 * bl_pipe_init - set up the blkmapd pipe in every network namespace
 *
 * The per-namespace state is registered before the rpc_pipefs notifier,
 * so the notifier never looks at a namespace without it.
 * A namespace whose rpc_pipefs is mounted between the two is caught by a
 * final walk over all namespaces; making the file twice is harmless.
 *
 * Return: %0, or a negative errno.
 */
int bl_pipe_init(void)
{
	struct net *net;
	int ret;

	ret = register_pernet_subsys(&bl_pipe_net_ops);
	if (ret)
		return ret;
	ret = rpc_pipefs_notifier_register(&bl_pipe_notifier);
	if (ret)
		goto out_unregister_pernet;

	down_read(&net_rwsem);
	for_each_net(net) {
		ret = bl_pipe_register_net(net,
					   net_generic(net, bl_pipe_net_id));
		if (ret)
			pr_warn("pNFS block: cannot create rpc_pipefs nfs/%s: %d\n",
				BL_PIPE_NAME, ret);
	}
	up_read(&net_rwsem);
	return 0;

out_unregister_pernet:
	unregister_pernet_subsys(&bl_pipe_net_ops);
	return ret;
}

/**
 * bl_pipe_exit - remove the blkmapd pipe from every network namespace
 *
 * Outstanding upcalls fail with %-EPIPE.
 */
void bl_pipe_exit(void)
{
	rpc_pipefs_notifier_unregister(&bl_pipe_notifier);
	unregister_pernet_subsys(&bl_pipe_net_ops);
}
