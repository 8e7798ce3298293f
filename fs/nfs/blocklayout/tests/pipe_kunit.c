// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the blkmapd upcall encoding and reply matching
 * (pipe.c).
 *
 * The expected payloads are the RFC 5663 pnfs_block_deviceaddr4 of one
 * SIMPLE volume, written out by hand; the first one is the device
 * address of xdr_kunit.c's SIMPLE vector.
 * Matching runs on requests linked by hand into a namespace's answer
 * queue, read by this test's thread, by init, or by a thread that has
 * exited.
 */

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>

#include "../dev.h"

static u8 bl_sig_bytes[16] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

static void bl_simple_init(struct bl_vol_desc *v, struct bl_sig_desc *sigs,
			   u32 nr)
{
	memset(v, 0, sizeof(*v));
	v->type = PNFS_BLOCK_VOLUME_SIMPLE;
	v->simple.nr_sigs = nr;
	v->simple.sigs = sigs;
}

static void bl_pipe_encode_vector(struct kunit *test)
{
	static const u8 payload[] = {
		0x00, 0x00, 0x00, 0x01,		/* one volume */
		0x00, 0x00, 0x00, 0x00,		/* SIMPLE */
		0x00, 0x00, 0x00, 0x01,		/* one component */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20,
		0x00, 0x00, 0x00, 0x10,
		0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
		0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	};
	struct bl_sig_desc sig = {
		.offset = 32, .len = 16, .contents = bl_sig_bytes,
	};
	const struct bl_pipe_hdr *hdr;
	struct bl_vol_desc v;
	u32 buf[32];
	ssize_t len;

	bl_simple_init(&v, &sig, 1);
	KUNIT_EXPECT_EQ(test, bl_pipe_msg_size(&v),
			(ssize_t)(sizeof(*hdr) + sizeof(payload)));
	memset(buf, 0xff, sizeof(buf));
	len = bl_pipe_encode(&v, buf, sizeof(buf));
	KUNIT_ASSERT_EQ(test, len, (ssize_t)(sizeof(*hdr) + sizeof(payload)));

	hdr = (const struct bl_pipe_hdr *)buf;
	KUNIT_EXPECT_EQ(test, hdr->type, BL_DEVICE_MOUNT);
	KUNIT_EXPECT_EQ(test, hdr->totallen, sizeof(payload));
	/* The pad byte blkmapd skips is zero. */
	KUNIT_EXPECT_EQ(test, ((u8 *)buf)[1], 0);
	KUNIT_EXPECT_MEMEQ(test, (u8 *)buf + sizeof(*hdr), payload,
			   sizeof(payload));
}

static void bl_pipe_encode_negative_offset_and_pad(struct kunit *test)
{
	static const u8 payload[] = {
		0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x02,
		/* -512: the last sector */
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x00,
		0x00, 0x00, 0x00, 0x03,
		0x10, 0x11, 0x12, 0x00,		/* padded to 4 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00,
		0x00, 0x00, 0x00, 0x04,
		0x10, 0x11, 0x12, 0x13,
	};
	struct bl_sig_desc sigs[2] = {
		{ .offset = -512, .len = 3, .contents = bl_sig_bytes },
		{ .offset = 4096, .len = 4, .contents = bl_sig_bytes },
	};
	struct bl_vol_desc v;
	u32 buf[32];
	ssize_t len;

	bl_simple_init(&v, sigs, 2);
	memset(buf, 0xff, sizeof(buf));
	len = bl_pipe_encode(&v, buf, sizeof(buf));
	KUNIT_ASSERT_EQ(test, len,
			(ssize_t)(sizeof(struct bl_pipe_hdr) + sizeof(payload)));
	KUNIT_EXPECT_MEMEQ(test, (u8 *)buf + sizeof(struct bl_pipe_hdr),
			   payload, sizeof(payload));
}

static void bl_pipe_encode_rejects(struct kunit *test)
{
	struct bl_sig_desc sigs[BL_MAX_SIG_COMPS];
	struct bl_vol_desc v;
	u32 buf[8];
	u32 i;

	for (i = 0; i < BL_MAX_SIG_COMPS; i++)
		sigs[i] = (struct bl_sig_desc){
			.offset = 0, .len = 4, .contents = bl_sig_bytes,
		};

	bl_simple_init(&v, sigs, 0);
	KUNIT_EXPECT_EQ(test, bl_pipe_msg_size(&v), -EINVAL);

	/* blkmapd refuses 16 components although the protocol allows them. */
	bl_simple_init(&v, sigs, BL_PIPE_MAX_SIGS + 1);
	KUNIT_EXPECT_EQ(test, bl_pipe_msg_size(&v), -EOPNOTSUPP);
	bl_simple_init(&v, sigs, BL_PIPE_MAX_SIGS);
	KUNIT_EXPECT_GT(test, bl_pipe_msg_size(&v), 0);

	bl_simple_init(&v, sigs, 1);
	sigs[0].len = 0;
	KUNIT_EXPECT_EQ(test, bl_pipe_msg_size(&v), -EINVAL);
	sigs[0].len = BL_MAX_SIG_LEN + 1;
	KUNIT_EXPECT_EQ(test, bl_pipe_msg_size(&v), -EINVAL);
	sigs[0].len = 4;

	/* 4 header + 12 fixed + 12 + 4: one byte short fails. */
	KUNIT_EXPECT_EQ(test, bl_pipe_encode(&v, buf, 31), -ENOSPC);
	KUNIT_EXPECT_EQ(test, bl_pipe_encode(&v, buf, 32), 32);

	v.type = PNFS_BLOCK_VOLUME_SLICE;
	KUNIT_EXPECT_EQ(test, bl_pipe_msg_size(&v), -EINVAL);
}

static void bl_pipe_bn_init(struct bl_pipe_net *bn)
{
	memset(bn, 0, sizeof(*bn));
	spin_lock_init(&bn->lock);
	INIT_LIST_HEAD(&bn->answer_q);
}

/* A request read by @reader, queued for an answer. */
static struct bl_pipe_req *bl_pipe_read_by(struct kunit *test,
					   struct bl_pipe_net *bn,
					   struct pid *reader)
{
	struct bl_pipe_req *req = kunit_kzalloc(test, sizeof(*req), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, req);
	req->bn = bn;
	req->reader = reader;
	list_add_tail(&req->answer, &bn->answer_q);
	return req;
}

static struct bl_pipe_req *bl_pipe_match(struct bl_pipe_net *bn,
					 struct pid *writer,
					 struct list_head *gone)
{
	struct bl_pipe_req *req;

	spin_lock(&bn->lock);
	req = __bl_pipe_match(bn, writer, gone);
	spin_unlock(&bn->lock);
	return req;
}

/*
 * A second process that reads and answers, or only writes: its replies
 * never take an answer meant for blkmapd's reads, nor the other way
 * round.
 */
static void bl_pipe_match_second_writer(struct kunit *test)
{
	struct pid *me = task_tgid(current), *init = find_get_pid(1);
	struct bl_pipe_req *a, *b, *c;
	struct bl_pipe_net bn;
	LIST_HEAD(gone);

	KUNIT_ASSERT_NOT_NULL(test, init);
	KUNIT_ASSERT_PTR_NE(test, init, me);
	bl_pipe_bn_init(&bn);
	a = bl_pipe_read_by(test, &bn, init);
	b = bl_pipe_read_by(test, &bn, me);
	c = bl_pipe_read_by(test, &bn, me);

	KUNIT_EXPECT_PTR_EQ(test, bl_pipe_match(&bn, me, &gone), b);
	KUNIT_EXPECT_PTR_EQ(test, bl_pipe_match(&bn, me, &gone), c);
	/* Nothing left that this writer read: refused, not given a. */
	KUNIT_EXPECT_NULL(test, bl_pipe_match(&bn, me, &gone));
	KUNIT_EXPECT_TRUE(test, list_empty(&gone));
	KUNIT_EXPECT_PTR_EQ(test, bl_pipe_match(&bn, init, &gone), a);
	KUNIT_EXPECT_TRUE(test, list_empty(&bn.answer_q));
	put_pid(init);
}

/*
 * An upcall that timed out after blkmapd read it stays queued: blkmapd's
 * late answer is used up by it, and the next answer goes to the next
 * request.
 */
static void bl_pipe_match_late_reply(struct kunit *test)
{
	struct pid *me = task_tgid(current);
	struct bl_pipe_req *timed_out, *next;
	struct bl_pipe_net bn;
	LIST_HEAD(gone);

	bl_pipe_bn_init(&bn);
	timed_out = bl_pipe_read_by(test, &bn, me);
	next = bl_pipe_read_by(test, &bn, me);
	KUNIT_EXPECT_PTR_EQ(test, bl_pipe_match(&bn, me, &gone), timed_out);
	KUNIT_EXPECT_PTR_EQ(test, bl_pipe_match(&bn, me, &gone), next);
	KUNIT_EXPECT_TRUE(test, list_empty(&gone));
}

static int bl_pipe_exit_at_once(void *unused)
{
	return 0;
}

/*
 * Requests read by a process that has exited (an old blkmapd, while
 * someone else holds the pipe open) are never answered by the new one:
 * they are handed back to be failed.
 */
static void bl_pipe_match_reader_gone(struct kunit *test)
{
	struct pid *me = task_tgid(current), *dead;
	struct bl_pipe_req *old, *mine, *first;
	struct task_struct *task;
	struct bl_pipe_net bn;
	LIST_HEAD(gone);
	int i;

	task = kthread_create(bl_pipe_exit_at_once, NULL, "bl_pipe_kunit");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	/* Taken before it runs: once it has exited, the task is gone. */
	dead = get_task_pid(task, PIDTYPE_TGID);
	wake_up_process(task);
	/* The thread is reaped by itself (kthreadd ignores SIGCHLD). */
	for (i = 0; i < 250 && pid_has_task(dead, PIDTYPE_TGID); i++)
		msleep(20);
	KUNIT_ASSERT_FALSE(test, pid_has_task(dead, PIDTYPE_TGID));

	bl_pipe_bn_init(&bn);
	old = bl_pipe_read_by(test, &bn, dead);
	mine = bl_pipe_read_by(test, &bn, me);
	KUNIT_EXPECT_PTR_EQ(test, bl_pipe_match(&bn, me, &gone), mine);
	KUNIT_ASSERT_TRUE(test, list_is_singular(&gone));
	first = list_first_entry(&gone, struct bl_pipe_req, answer);
	KUNIT_EXPECT_PTR_EQ(test, first, old);
	KUNIT_EXPECT_TRUE(test, list_empty(&bn.answer_q));
	put_pid(dead);
}

static struct kunit_case bl_pipe_cases[] = {
	KUNIT_CASE(bl_pipe_encode_vector),
	KUNIT_CASE(bl_pipe_encode_negative_offset_and_pad),
	KUNIT_CASE(bl_pipe_encode_rejects),
	KUNIT_CASE(bl_pipe_match_second_writer),
	KUNIT_CASE(bl_pipe_match_late_reply),
	KUNIT_CASE(bl_pipe_match_reader_gone),
	{}
};

static struct kunit_suite bl_pipe_suite = {
	.name = "pnfs_block_pipe",
	.test_cases = bl_pipe_cases,
};

kunit_test_suite(bl_pipe_suite);
