// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the /dev/disk/by-id names of SCSI designators (scsi.c).
 *
 * The expected names are those udev's 60-persistent-storage.rules and
 * multipath-tools give a disk: "wwn-0x" plus the NAA or EUI-64 in hex,
 * "scsi-" and "dm-uuid-mpath-" plus the WWID (designator type digit, then
 * the designator in hex, or its text with blanks made '_').
 */

#include <kunit/test.h>

#include "../scsi.h"

KUNIT_DEFINE_ACTION_WRAPPER(bl_kfree_action, kfree, const void *);

static void bl_base_init(struct bl_vol_desc *v, u32 code_set, u32 type,
			 const void *desig, u32 len)
{
	memset(v, 0, sizeof(*v));
	v->type = PNFS_BLOCK_VOLUME_SCSI;
	v->base.code_set = code_set;
	v->base.desig_type = type;
	v->base.desig = (u8 *)desig;
	v->base.desig_len = len;
	v->base.pr_key = 0x165a0b1c2ULL;
}

/* The names of a SCSI volume with this designator, freed at the end. */
static int bl_names(struct kunit *test, u32 code_set, u32 type,
		    const void *desig, u32 len, char *names[BL_SCSI_MAX_NAMES])
{
	struct bl_vol_desc v;
	int i, n;

	bl_base_init(&v, code_set, type, desig, len);
	n = bl_scsi_names(&v, names, GFP_KERNEL);

	for (i = 0; i < n; i++)
		kunit_add_action(test, bl_kfree_action, names[i]);
	return n;
}

/* The NAA designator of xdr_kunit.c's SCSI device address vector. */
static void bl_scsi_names_naa(struct kunit *test)
{
	static const u8 naa[16] = {
		0x60, 0x01, 0x40, 0x5a, 0xbc, 0xde, 0xf0, 0x12,
		0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12,
	};
	char *names[BL_SCSI_MAX_NAMES];

	KUNIT_ASSERT_EQ(test, bl_names(test, PS_CODE_SET_BINARY,
				       PS_DESIGNATOR_NAA, naa, sizeof(naa),
				       names), 3);
	KUNIT_EXPECT_STREQ(test, names[0],
			   "dm-uuid-mpath-36001405abcdef0123456789abcdef012");
	KUNIT_EXPECT_STREQ(test, names[1],
			   "wwn-0x6001405abcdef0123456789abcdef012");
	KUNIT_EXPECT_STREQ(test, names[2],
			   "scsi-36001405abcdef0123456789abcdef012");
}

static void bl_scsi_names_eui64(struct kunit *test)
{
	static const u8 eui[8] = { 0x00, 0x25, 0x38, 0x5a, 0x71, 0x00, 0x12, 0xff };
	char *names[BL_SCSI_MAX_NAMES];

	KUNIT_ASSERT_EQ(test, bl_names(test, PS_CODE_SET_BINARY,
				       PS_DESIGNATOR_EUI64, eui, sizeof(eui),
				       names), 4);
	KUNIT_EXPECT_STREQ(test, names[0], "dm-uuid-mpath-20025385a710012ff");
	KUNIT_EXPECT_STREQ(test, names[1], "wwn-0x0025385a710012ff");
	KUNIT_EXPECT_STREQ(test, names[2], "scsi-20025385a710012ff");
	KUNIT_EXPECT_STREQ(test, names[3], "nvme-eui.0025385a710012ff");
}

/* T10 vendor ID: 8-byte vendor, then text; blanks become one '_'. */
static void bl_scsi_names_t10_text(struct kunit *test)
{
	static const char t10[] = "LIO-ORG  disk 0   ab12  ";
	char *names[BL_SCSI_MAX_NAMES];

	KUNIT_ASSERT_EQ(test, bl_names(test, PS_CODE_SET_ASCII,
				       PS_DESIGNATOR_T10, t10, sizeof(t10) - 1,
				       names), 2);
	KUNIT_EXPECT_STREQ(test, names[0], "dm-uuid-mpath-1LIO-ORG_disk_0_ab12");
	KUNIT_EXPECT_STREQ(test, names[1], "scsi-1LIO-ORG_disk_0_ab12");
}

/* SCSI name string: UTF-8, NUL terminated and padded. */
static void bl_scsi_names_name_string(struct kunit *test)
{
	static const char name[16] = "iqn.2026-11.x\0\0";
	char *names[BL_SCSI_MAX_NAMES];

	KUNIT_ASSERT_EQ(test, bl_names(test, PS_CODE_SET_UTF8,
				       PS_DESIGNATOR_NAME, name, sizeof(name),
				       names), 2);
	KUNIT_EXPECT_STREQ(test, names[0], "dm-uuid-mpath-8iqn.2026-11.x");
	KUNIT_EXPECT_STREQ(test, names[1], "scsi-8iqn.2026-11.x");
}

/* Text that would escape /dev/disk/by-id or cannot be in a link name. */
static void bl_scsi_names_hostile_text(struct kunit *test)
{
	static const char *const bad[] = {
		"VENDOR  ../../sda",
		"VENDOR  a\\b",
		"VENDOR  tab\there",
		"VENDOR  \x7f",
		"VENDOR  caf\xc3\xa9",
		"        ",
	};
	struct bl_vol_desc v;
	char *names[BL_SCSI_MAX_NAMES];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		bl_base_init(&v, PS_CODE_SET_ASCII, PS_DESIGNATOR_T10, bad[i],
			     strlen(bad[i]));
		KUNIT_EXPECT_EQ_MSG(test, bl_scsi_names(&v, names, GFP_KERNEL),
				    -EINVAL, "designator %u", i);
	}
}

/* The longest designator the decoder lets through: 256 bytes, 512 hex. */
static void bl_scsi_names_longest(struct kunit *test)
{
	char *names[BL_SCSI_MAX_NAMES];
	u8 *desig;

	desig = kunit_kzalloc(test, BL_MAX_DESIGNATOR_LEN, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, desig);
	memset(desig, 0xab, BL_MAX_DESIGNATOR_LEN);
	KUNIT_ASSERT_EQ(test, bl_names(test, PS_CODE_SET_BINARY,
				       PS_DESIGNATOR_NAA, desig,
				       BL_MAX_DESIGNATOR_LEN, names), 3);
	KUNIT_EXPECT_EQ(test, strlen(names[1]),
			strlen("wwn-0x") + 2 * BL_MAX_DESIGNATOR_LEN);
	KUNIT_EXPECT_EQ(test, names[1][strlen(names[1]) - 1], 'b');
}

static struct kunit_case bl_scsi_test_cases[] = {
	KUNIT_CASE(bl_scsi_names_naa),
	KUNIT_CASE(bl_scsi_names_eui64),
	KUNIT_CASE(bl_scsi_names_t10_text),
	KUNIT_CASE(bl_scsi_names_name_string),
	KUNIT_CASE(bl_scsi_names_hostile_text),
	KUNIT_CASE(bl_scsi_names_longest),
	{}
};

static struct kunit_suite bl_scsi_test_suite = {
	.name = "pnfs_block_scsi",
	.test_cases = bl_scsi_test_cases,
};

kunit_test_suite(bl_scsi_test_suite);
