// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the LAYOUTCOMMIT state machine (commit.c): which
 * devices are flushed, in which order against the extents listed, what a
 * failed flush leaves behind, and that every path gives a body the
 * generic client can send.
 *
 * The devices are struct bl_dev objects that no device ID cache knows;
 * the cache and the commit state reach them only through the test's ops,
 * which count references, flushes and the order of events.
 */
#include <kunit/test.h>
#include <kunit/test-bug.h>
#include <linux/highmem.h>
#include <linux/sizes.h>
#include <linux/unaligned.h>

#include "../dev.h"
#include "../layout.h"

#define BL_CT_NR_DEVS	(BL_MAX_DIRTY_DEVS + 1)
/* Each device gets one MiB of the file, INVALID_DATA, at this stride. */
#define BL_CT_SECTS	(SZ_1M >> SECTOR_SHIFT)

/**
 * struct bl_ct - one test's layout state and fake devices
 * @cache: the extent cache
 * @cm: the commit state under test
 * @devs: the devices; device i owns file MiB i, device ID bytes 0xa0 + i
 * @refs: references held on each device
 * @flushes: flush calls per device
 * @flush_err: what the next flush of each device answers
 * @seq: event counter
 * @written_at: @seq when a write on the device last completed
 * @flushed_at: @seq when the device was last flushed successfully
 * @during_flush: run once, from inside the next flush (then cleared)
 */
struct bl_ct {
	struct bl_ext_cache	cache;
	struct bl_commit	cm;
	struct bl_dev		devs[BL_CT_NR_DEVS];
	int			refs[BL_CT_NR_DEVS];
	int			flushes[BL_CT_NR_DEVS];
	int			flush_err[BL_CT_NR_DEVS];
	unsigned long		seq;
	unsigned long		written_at[BL_CT_NR_DEVS];
	unsigned long		flushed_at[BL_CT_NR_DEVS];
	void			(*during_flush)(struct bl_ct *t);
};

static struct bl_ct *bl_ct_cur(void)
{
	return kunit_get_current_test()->priv;
}

static int bl_ct_index(struct bl_ct *t, const struct bl_dev *dev)
{
	return dev - t->devs;
}

static void bl_ct_get(struct bl_dev *dev)
{
	struct bl_ct *t = bl_ct_cur();

	t->refs[bl_ct_index(t, dev)]++;
}

static void bl_ct_put(struct bl_dev *dev)
{
	struct bl_ct *t = bl_ct_cur();

	t->refs[bl_ct_index(t, dev)]--;
}

static int bl_ct_flush(struct bl_dev *dev)
{
	struct bl_ct *t = bl_ct_cur();
	int i = bl_ct_index(t, dev);
	void (*hook)(struct bl_ct *t) = t->during_flush;

	t->flushes[i]++;
	if (hook) {
		t->during_flush = NULL;
		hook(t);
	}
	if (t->flush_err[i])
		return t->flush_err[i];
	t->flushed_at[i] = ++t->seq;
	return 0;
}

static const struct bl_commit_ops bl_ct_commit_ops = {
	.get	= bl_ct_get,
	.put	= bl_ct_put,
	.flush	= bl_ct_flush,
};

static const struct bl_ext_dev_ops bl_ct_ext_ops = {
	.get	= bl_ct_get,
	.put	= bl_ct_put,
};

static int bl_ct_init(struct kunit *test)
{
	struct bl_ct *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct bl_ext_desc d = {
		.len	= SZ_1M,
		.state	= PNFS_BLOCK_INVALID_DATA,
	};
	struct bl_dev *devs[1];
	int i;

	if (!t)
		return -ENOMEM;
	test->priv = t;
	bl_ext_cache_init(&t->cache, &bl_ct_ext_ops);
	bl_commit_init(&t->cm, &bl_ct_commit_ops);
	for (i = 0; i < BL_CT_NR_DEVS; i++) {
		d.file_offset = (u64)i * SZ_1M;
		d.storage_offset = (u64)i * SZ_1M;
		memset(&d.devid, 0xa0 + i, sizeof(d.devid));
		devs[0] = &t->devs[i];
		if (bl_ext_cache_add(&t->cache, &d, 1, devs, GFP_KERNEL))
			return -ENOMEM;
	}
	return 0;
}

/* Tear down and check that every device reference was put. */
static void bl_ct_exit(struct kunit *test)
{
	struct bl_ct *t = test->priv;
	int i;

	bl_ext_cache_destroy(&t->cache);
	bl_commit_destroy(&t->cm);
	for (i = 0; i < BL_CT_NR_DEVS; i++)
		KUNIT_EXPECT_EQ_MSG(test, t->refs[i], 0, "dev %d", i);
}

/* A write on device @i's MiB completes, as bl_io_write_done() does it. */
static int bl_ct_write_done(struct bl_ct *t, int i)
{
	int err;

	t->written_at[i] = ++t->seq;
	err = bl_commit_note_written(&t->cm, &t->devs[i]);
	if (err)
		return err;
	return bl_ext_mark_written(&t->cache, i * BL_CT_SECTS, BL_CT_SECTS,
				   (u64)(i + 1) * SZ_1M, GFP_KERNEL);
}

/* The devices a block layout commit body lists, as a bit mask. */
static unsigned long bl_ct_listed(struct kunit *test,
				  const struct nfs4_layoutcommit_args *arg)
{
	unsigned long mask = 0;
	u32 nr, k;
	u8 *p;

	KUNIT_ASSERT_NOT_NULL(test, arg->layoutupdate_pages);
	KUNIT_ASSERT_LE(test, arg->layoutupdate_len, PAGE_SIZE);
	p = kmap_local_page(arg->layoutupdate_pages[0]);
	nr = get_unaligned_be32(p);
	KUNIT_EXPECT_EQ(test, arg->layoutupdate_len,
			bl_layoutupdate_size(nr));
	for (k = 0; k < nr && 4 + (k + 1) * BL_EXTENT_XDR_SIZE <= PAGE_SIZE;
	     k++)
		mask |= BIT(p[4 + k * BL_EXTENT_XDR_SIZE] - 0xa0);
	kunmap_local(p);
	return mask;
}

/* Every listed device must have been flushed after its write completed. */
static void bl_ct_expect_durable(struct kunit *test, struct bl_ct *t,
				 unsigned long listed)
{
	int i;

	for_each_set_bit(i, &listed, BL_CT_NR_DEVS)
		KUNIT_EXPECT_GT_MSG(test, t->flushed_at[i], t->written_at[i],
				    "dev %d listed before its cache was flushed",
				    i);
}

/* A write on device 1 completes while device 0 is being flushed. */
static void bl_ct_write_dev1(struct bl_ct *t)
{
	bl_ct_write_done(t, 1);
}

/*
 * A write that completes while the commit is flushing must not be
 * listed by that commit: its device's cache was flushed before its data
 * was there.  The next commit flushes it and lists it.
 */
static void bl_commit_flush_covers_listed(struct kunit *test)
{
	struct nfs4_layoutcommit_args arg = {};
	struct bl_ct *t = test->priv;
	unsigned long listed;
	u64 lwb;

	KUNIT_ASSERT_EQ(test, bl_ct_write_done(t, 0), 0);
	t->during_flush = bl_ct_write_dev1;
	KUNIT_ASSERT_EQ(test, bl_commit_build(&t->cm, &t->cache, false, &arg,
					      &lwb), 1);
	listed = bl_ct_listed(test, &arg);
	KUNIT_EXPECT_EQ(test, listed, BIT(0));
	bl_ct_expect_durable(test, t, listed);
	bl_commit_finish(&t->cm, &t->cache, &arg, true);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_written(&t->cache));

	KUNIT_ASSERT_EQ(test, bl_commit_build(&t->cm, &t->cache, false, &arg,
					      &lwb), 1);
	listed = bl_ct_listed(test, &arg);
	KUNIT_EXPECT_EQ(test, listed, BIT(1));
	bl_ct_expect_durable(test, t, listed);
	KUNIT_EXPECT_EQ(test, t->flushes[1], 1);
	bl_commit_finish(&t->cm, &t->cache, &arg, true);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&t->cache));
	KUNIT_EXPECT_EQ(test, bl_commit_take_error(&t->cm), 0);
}

/*
 * A device whose flush fails: the extents on the other devices are still
 * committed, its own are not listed and are forgotten, the error is
 * reported once, and the device is not flushed again for them.
 */
static void bl_commit_flush_failure(struct kunit *test)
{
	struct nfs4_layoutcommit_args arg = {};
	struct bl_ext e;
	struct bl_ct *t = test->priv;
	u64 lwb;

	KUNIT_ASSERT_EQ(test, bl_ct_write_done(t, 0), 0);
	KUNIT_ASSERT_EQ(test, bl_ct_write_done(t, 1), 0);
	t->flush_err[0] = -EIO;
	KUNIT_ASSERT_EQ(test, bl_commit_build(&t->cm, &t->cache, false, &arg,
					      &lwb), 1);
	KUNIT_EXPECT_EQ(test, bl_ct_listed(test, &arg), BIT(1));
	bl_ct_expect_durable(test, t, BIT(1));
	bl_commit_finish(&t->cm, &t->cache, &arg, true);

	/* Device 1's MiB is committed; device 0's is gone from the cache. */
	KUNIT_ASSERT_TRUE(test, bl_ext_lookup(&t->cache, BL_CT_SECTS, true,
					      &e, NULL));
	KUNIT_EXPECT_EQ(test, e.state, PNFS_BLOCK_READWRITE_DATA);
	bl_ext_put_snapshot(&t->cache, &e);
	KUNIT_EXPECT_FALSE(test, bl_ext_lookup(&t->cache, 0, true, &e, NULL));
	KUNIT_EXPECT_FALSE(test, bl_ext_lookup(&t->cache, 0, false, &e, NULL));
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&t->cache));

	KUNIT_EXPECT_EQ(test, bl_commit_take_error(&t->cm), -EIO);
	KUNIT_EXPECT_EQ(test, bl_commit_take_error(&t->cm), 0);

	/* Nothing else written: the next commit flushes nothing. */
	KUNIT_ASSERT_EQ(test, bl_commit_build(&t->cm, &t->cache, false, &arg,
					      &lwb), 0);
	bl_commit_finish(&t->cm, &t->cache, &arg, true);
	KUNIT_EXPECT_EQ(test, t->flushes[0], 1);
	KUNIT_EXPECT_EQ(test, t->flushes[1], 1);
}

/*
 * A second commit while one is in flight (the generic client never does
 * this) gets a body listing nothing, and settling it leaves the first
 * commit's extents alone.
 */
static void bl_commit_busy(struct kunit *test)
{
	struct nfs4_layoutcommit_args first = {}, second = {};
	static const u8 zero[4];
	struct bl_ct *t = test->priv;
	u64 lwb;
	u8 *p;

	KUNIT_ASSERT_EQ(test, bl_ct_write_done(t, 0), 0);
	KUNIT_ASSERT_EQ(test, bl_commit_build(&t->cm, &t->cache, false,
					      &first, &lwb), 1);
	KUNIT_ASSERT_EQ(test, bl_ct_write_done(t, 1), 0);
	KUNIT_EXPECT_EQ(test, bl_commit_build(&t->cm, &t->cache, false,
					      &second, &lwb), -EBUSY);
	KUNIT_EXPECT_EQ(test, lwb, 0);
	KUNIT_ASSERT_EQ(test, second.layoutupdate_len, 4);
	p = kmap_local_page(second.layoutupdate_pages[0]);
	KUNIT_EXPECT_MEMEQ(test, p, zero, sizeof(zero));
	kunmap_local(p);
	bl_commit_finish(&t->cm, &t->cache, &second, false);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_pending(&t->cache));
	/* One extent in the first commit, one written after it. */
	KUNIT_EXPECT_EQ(test, bl_ext_nr_pending(&t->cache), 2UL);

	/* The first one was accepted: its extent is committed. */
	bl_commit_finish(&t->cm, &t->cache, &first, true);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_written(&t->cache));
	KUNIT_EXPECT_EQ(test, bl_ext_nr_pending(&t->cache), 1UL);
	KUNIT_ASSERT_EQ(test, bl_commit_build(&t->cm, &t->cache, false,
					      &first, &lwb), 1);
	KUNIT_EXPECT_EQ(test, bl_ct_listed(test, &first), BIT(1));
	bl_commit_finish(&t->cm, &t->cache, &first, true);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&t->cache));
}

/*
 * A layout tracks BL_MAX_DIRTY_DEVS written devices; a write on one more
 * flushes that device at once, and a failure of that flush fails the
 * write.
 */
static void bl_commit_dirty_overflow(struct kunit *test)
{
	struct nfs4_layoutcommit_args arg = {};
	int last = BL_CT_NR_DEVS - 1, i;
	struct bl_ct *t = test->priv;
	u64 lwb;

	for (i = 0; i < last; i++)
		KUNIT_ASSERT_EQ(test, bl_ct_write_done(t, i), 0);
	for (i = 0; i < BL_CT_NR_DEVS; i++)
		KUNIT_EXPECT_EQ(test, t->flushes[i], 0);
	t->flush_err[last] = -EIO;
	KUNIT_EXPECT_EQ(test, bl_ct_write_done(t, last), -EIO);
	t->flush_err[last] = 0;
	KUNIT_ASSERT_EQ(test, bl_ct_write_done(t, last), 0);
	KUNIT_EXPECT_EQ(test, t->flushes[last], 2);

	KUNIT_ASSERT_EQ(test, bl_commit_build(&t->cm, &t->cache, false, &arg,
					      &lwb), BL_CT_NR_DEVS);
	KUNIT_EXPECT_EQ(test, bl_ct_listed(test, &arg),
			GENMASK(BL_CT_NR_DEVS - 1, 0));
	bl_ct_expect_durable(test, t, GENMASK(BL_CT_NR_DEVS - 1, 0));
	KUNIT_EXPECT_EQ(test, lwb, (u64)BL_CT_NR_DEVS * SZ_1M);
	bl_commit_finish(&t->cm, &t->cache, &arg, true);
	for (i = 0; i < BL_CT_NR_DEVS; i++)
		KUNIT_EXPECT_EQ_MSG(test, t->flushes[i], i == last ? 2 : 1,
				    "dev %d", i);
}

/* A failed LAYOUTCOMMIT leaves the extents written, for the next one. */
static void bl_commit_rejected(struct kunit *test)
{
	struct nfs4_layoutcommit_args arg = {};
	struct bl_ct *t = test->priv;
	u64 lwb;

	KUNIT_ASSERT_EQ(test, bl_ct_write_done(t, 2), 0);
	KUNIT_ASSERT_EQ(test, bl_commit_build(&t->cm, &t->cache, false, &arg,
					      &lwb), 1);
	bl_commit_finish(&t->cm, &t->cache, &arg, false);
	KUNIT_EXPECT_TRUE(test, bl_ext_has_written(&t->cache));
	KUNIT_ASSERT_EQ(test, bl_commit_build(&t->cm, &t->cache, false, &arg,
					      &lwb), 1);
	KUNIT_EXPECT_EQ(test, bl_ct_listed(test, &arg), BIT(2));
	bl_commit_finish(&t->cm, &t->cache, &arg, true);
	KUNIT_EXPECT_FALSE(test, bl_ext_has_pending(&t->cache));
	KUNIT_EXPECT_EQ(test, bl_commit_take_error(&t->cm), 0);
}

/*
 * A LAYOUTCOMMIT whose RPC failed before any reply (a soft mount's
 * timeout, a lost connection) has no status of its own: res.status stays
 * 0 from the allocation.  Its extents were never committed.
 */
static void bl_commit_reply_transport_error(struct kunit *test)
{
	struct nfs4_layoutcommit_data *data;

	data = kunit_kzalloc(test, sizeof(*data), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, data);
	KUNIT_EXPECT_TRUE(test, bl_commit_reply_ok(data));
	data->task.tk_status = -EIO;
	KUNIT_EXPECT_FALSE(test, bl_commit_reply_ok(data));
	data->task.tk_status = -ETIMEDOUT;
	KUNIT_EXPECT_FALSE(test, bl_commit_reply_ok(data));
	/* nfs4_layoutcommit_done() clears tk_status for a few errors. */
	data->task.tk_status = 0;
	data->res.status = -NFS4ERR_BADLAYOUT;
	KUNIT_EXPECT_FALSE(test, bl_commit_reply_ok(data));
}

static struct kunit_case bl_commit_cases[] = {
	KUNIT_CASE(bl_commit_reply_transport_error),
	KUNIT_CASE(bl_commit_flush_covers_listed),
	KUNIT_CASE(bl_commit_flush_failure),
	KUNIT_CASE(bl_commit_busy),
	KUNIT_CASE(bl_commit_dirty_overflow),
	KUNIT_CASE(bl_commit_rejected),
	{}
};

static struct kunit_suite bl_commit_suite = {
	.name		= "pnfs_block_commit",
	.init		= bl_ct_init,
	.exit		= bl_ct_exit,
	.test_cases	= bl_commit_cases,
};

kunit_test_suite(bl_commit_suite);
