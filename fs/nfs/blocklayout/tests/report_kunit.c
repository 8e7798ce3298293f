// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the LAYOUTERROR reports (report.c): the status a bio's
 * error becomes, and one report per device and status per retry period.
 */

#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/jiffies.h>
#include <linux/nfs4.h>

#include "../dev.h"

static void bl_report_status_map(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, bl_lerr_status(-EIO), (u32)NFS4ERR_IO);
	KUNIT_EXPECT_EQ(test, bl_lerr_status(-ETIMEDOUT), (u32)NFS4ERR_IO);
	KUNIT_EXPECT_EQ(test, bl_lerr_status(-EILSEQ), (u32)NFS4ERR_IO);
	KUNIT_EXPECT_EQ(test, bl_lerr_status(-ENOSPC), (u32)NFS4ERR_NOSPC);
	KUNIT_EXPECT_EQ(test, bl_lerr_status(-EBADE), (u32)NFS4ERR_ACCESS);
	KUNIT_EXPECT_EQ(test, bl_lerr_status(-EACCES), (u32)NFS4ERR_ACCESS);
	KUNIT_EXPECT_EQ(test, bl_lerr_status(-ENODEV), (u32)NFS4ERR_NXIO);
	KUNIT_EXPECT_EQ(test, bl_lerr_status(-ENOLINK), (u32)NFS4ERR_NXIO);
	/* Not an errno a bio ends with: still a report, of an I/O error. */
	KUNIT_EXPECT_EQ(test, bl_lerr_status(0), (u32)NFS4ERR_IO);
}

static void bl_report_once_per_burst(struct kunit *test)
{
	struct bl_dev *dev;
	unsigned long t0 = jiffies;

	dev = kunit_kzalloc(test, sizeof(*dev), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, dev);
	spin_lock_init(&dev->err_lock);

	/* The first failure is reported, the rest of its burst is not. */
	KUNIT_EXPECT_TRUE(test, bl_lerr_due(dev, NFS4ERR_IO, t0));
	KUNIT_EXPECT_FALSE(test, bl_lerr_due(dev, NFS4ERR_IO, t0));
	KUNIT_EXPECT_FALSE(test, bl_lerr_due(dev, NFS4ERR_IO,
					     t0 + PNFS_DEVICE_RETRY_TIMEOUT - 1));
	/* Another status is news. */
	KUNIT_EXPECT_TRUE(test, bl_lerr_due(dev, NFS4ERR_NXIO, t0 + 1));
	KUNIT_EXPECT_FALSE(test, bl_lerr_due(dev, NFS4ERR_NXIO, t0 + 2));
	/* Once the device may be used again, a new failure is a new burst. */
	KUNIT_EXPECT_TRUE(test, bl_lerr_due(dev, NFS4ERR_NXIO,
					    t0 + 1 + PNFS_DEVICE_RETRY_TIMEOUT));
	/* Across a jiffies wrap too. */
	KUNIT_EXPECT_TRUE(test, bl_lerr_due(dev, NFS4ERR_IO, ULONG_MAX - 5));
	KUNIT_EXPECT_FALSE(test, bl_lerr_due(dev, NFS4ERR_IO, 5));
	KUNIT_EXPECT_TRUE(test, bl_lerr_due(dev, NFS4ERR_IO,
					    PNFS_DEVICE_RETRY_TIMEOUT));
	/* A report given back (not sent) is claimed by the next failure. */
	bl_lerr_unclaim(dev, NFS4ERR_IO);
	KUNIT_EXPECT_TRUE(test, bl_lerr_due(dev, NFS4ERR_IO,
					    PNFS_DEVICE_RETRY_TIMEOUT + 1));
	KUNIT_EXPECT_FALSE(test, bl_lerr_due(dev, NFS4ERR_IO,
					     PNFS_DEVICE_RETRY_TIMEOUT + 2));
	/* Giving back another status leaves the claim alone. */
	bl_lerr_unclaim(dev, NFS4ERR_NXIO);
	KUNIT_EXPECT_FALSE(test, bl_lerr_due(dev, NFS4ERR_IO,
					     PNFS_DEVICE_RETRY_TIMEOUT + 3));
}

static struct kunit_case bl_report_cases[] = {
	KUNIT_CASE(bl_report_status_map),
	KUNIT_CASE(bl_report_once_per_burst),
	{}
};

static struct kunit_suite bl_report_suite = {
	.name = "pnfs_block_report",
	.test_cases = bl_report_cases,
};

kunit_test_suite(bl_report_suite);
