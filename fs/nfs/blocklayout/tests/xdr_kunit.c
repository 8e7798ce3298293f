// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the pNFS block/SCSI layout XDR code (xdr.c).
 *
 * Byte strings are written in hex, spaces ignored, one XDR item per
 * group, so that each vector can be read against the RFC's XDR by eye.
 * Every stream is backed by a buffer of exactly the vector's size, so
 * KASAN flags any read past the end.
 */

#include <kunit/test.h>
#include <linux/ctype.h>
#include <linux/hex.h>
#include <linux/string.h>

#include "../blocklayout.h"
#include "../extents.h"

#define DEV	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
/* A SIMPLE volume with one 4-byte signature at offset 0. */
#define SIMPLE_A "00000000 00000001 0000000000000000 00000004 01020304 "
/* A BASE volume: binary NAA 5 designator, reservation key 1. */
#define BASE_A	"00000004 00000001 00000003 00000008 5000000000000001 " \
		"0000000000000001 "

struct bl_test_stream {
	struct xdr_buf		buf;
	struct xdr_stream	xdr;
};

/* Hex text in up to BL_HEX_PARTS pieces, one per source line. */
#define BL_HEX_PARTS	12

struct bl_hex {
	const char	*part[BL_HEX_PARTS];
};

static u8 *bl_test_hex(struct kunit *test, const struct bl_hex *hex,
		       size_t *lenp)
{
	size_t n = 0, max = 1;
	const char *c;
	u8 *bytes;
	int i;

	for (i = 0; i < BL_HEX_PARTS && hex->part[i]; i++)
		max += strlen(hex->part[i]) / 2;
	bytes = kunit_kzalloc(test, max, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bytes);
	for (i = 0; i < BL_HEX_PARTS && hex->part[i]; i++) {
		for (c = hex->part[i]; *c; c++) {
			if (isspace(*c))
				continue;
			KUNIT_ASSERT_EQ(test, hex2bin(&bytes[n++], c, 1), 0);
			c++;
		}
	}
	*lenp = n;
	return bytes;
}

/* A decode stream over a private copy of exactly @len bytes. */
static struct xdr_stream *bl_test_stream(struct kunit *test, const u8 *bytes,
					 size_t len)
{
	struct bl_test_stream *s;
	u8 *copy;

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	copy = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, copy);
	memcpy(copy, bytes, len);
	s->buf.head[0].iov_base = copy;
	s->buf.head[0].iov_len = len;
	s->buf.len = len;
	s->buf.buflen = len;
	xdr_init_decode(&s->xdr, &s->buf, NULL, NULL);
	return &s->xdr;
}

KUNIT_DEFINE_ACTION_WRAPPER(bl_test_free_vol_table, bl_free_vol_table,
			    struct bl_vol_table *);
KUNIT_DEFINE_ACTION_WRAPPER(bl_test_free_ext_list, bl_free_ext_list,
			    struct bl_ext_list *);

static int bl_test_decode_dev(struct kunit *test, const u8 *bytes, size_t len,
			      u32 layout_type, struct bl_vol_table **tablep,
			      struct bl_err *err)
{
	struct xdr_stream *xdr = bl_test_stream(test, bytes, len);
	struct bl_vol_table *table = NULL;
	int ret;

	ret = bl_decode_deviceaddr(xdr, layout_type, GFP_KERNEL, &table, err);
	if (ret) {
		KUNIT_EXPECT_NOT_NULL(test, err->reason);
		KUNIT_EXPECT_NULL(test, table);
		return ret;
	}
	KUNIT_EXPECT_NULL(test, err->reason);
	ret = kunit_add_action_or_reset(test, bl_test_free_vol_table, table);
	KUNIT_ASSERT_EQ(test, ret, 0);
	if (tablep)
		*tablep = table;
	return 0;
}

static int bl_test_decode_layout(struct kunit *test, const u8 *bytes,
				 size_t len,
				 const struct pnfs_layout_range *range,
				 u32 blksize, struct bl_ext_list **listp,
				 struct bl_err *err)
{
	struct xdr_stream *xdr = bl_test_stream(test, bytes, len);
	struct bl_ext_list *list = NULL;
	int ret;

	ret = bl_decode_layout(xdr, range, blksize, GFP_KERNEL, &list, err);
	if (ret) {
		KUNIT_EXPECT_NOT_NULL(test, err->reason);
		KUNIT_EXPECT_NULL(test, list);
		return ret;
	}
	KUNIT_EXPECT_NULL(test, err->reason);
	ret = kunit_add_action_or_reset(test, bl_test_free_ext_list, list);
	KUNIT_ASSERT_EQ(test, ret, 0);
	if (listp)
		*listp = list;
	return 0;
}

/*
 * Decode the LAYOUTGET reply @hex for @range, which must decode; the
 * list is freed when the test ends.
 */
static struct bl_ext_list *
bl_test_layout_ok(struct kunit *test, const struct bl_hex *hex,
		  const struct pnfs_layout_range *range, u32 blksize)
{
	struct bl_ext_list *l;
	struct bl_err err;
	size_t len;
	u8 *bytes;

	bytes = bl_test_hex(test, hex, &len);
	KUNIT_ASSERT_EQ(test, bl_test_decode_layout(test, bytes, len, range,
						    blksize, &l, &err),
			0);
	return l;
}

/* RFC 5663 section 2.2: SIMPLE deviceaddr, one 16-byte signature at offset 32. */
static const struct bl_hex bl_vec_simple = { {
	"00000001 00000000 00000001 0000000000000020 00000010 ",
	"101112131415161718191a1b1c1d1e1f",
} };

/* RFC 8154 section 2.3: SCSI deviceaddr, one BASE volume, NAA, 16 bytes. */
static const struct bl_hex bl_vec_scsi = { {
	"00000001 00000004 00000001 00000003 00000010 ",
	"6001405abcdef0123456789abcdef012 0000000165a0b1c2",
} };

/*
 * Block topology using every volume type and sharing:
 * 0 SIMPLE (sig at -512), 1 SIMPLE, 2 SLICE of 0, 3 STRIPE of 1 and 2,
 * 4 CONCAT of 3 and 0 (the top; 0 is used twice).
 */
static const struct bl_hex bl_vec_block_tree = { {
	"00000005 ",
	"00000000 00000001 fffffffffffffe00 00000004 deadbeef ",
	"00000000 00000001 0000000000000200 00000008 0102030405060708 ",
	"00000001 0000000000100000 0000000000200000 00000000 ",
	"00000003 0000000000010000 00000002 00000001 00000002 ",
	"00000002 00000002 00000003 00000000",
} };

/*
 * SCSI topology: 0 BASE EUI-64, 1 BASE SCSI name, 2 BASE T10 of 10
 * bytes (so with 2 bytes of XDR padding), 3 CONCAT of all three.
 */
static const struct bl_hex bl_vec_scsi_tree = { {
	"00000004 ",
	"00000004 00000001 00000002 00000008 0011223344556677 ",
	"0000000000000001 ",
	"00000004 00000003 00000008 00000008 69716e2e61626300 ",
	"0000000000000002 ",
	"00000004 00000002 00000001 0000000a 4c494f2d4f5247206162 0000 ",
	"0000000000000003 ",
	"00000002 00000003 00000000 00000001 00000002",
} };

/* RFC 5663 section 2.3: one INVALID extent, 1 MiB at file 0, storage 4 GiB. */
static const struct bl_hex bl_vec_layout = { {
	"00000001 " DEV " 0000000000000000 0000000000100000 ",
	"0000000100000000 00000002",
} };

/* Copy-on-write: READ_DATA [0, 8K) under INVALID_DATA [0, 4K), [4K, 8K). */
static const struct bl_hex bl_vec_layout_cow = { {
	"00000003 ",
	DEV " 0000000000000000 0000000000002000 0000000000100000 00000001 ",
	DEV " 0000000000000000 0000000000001000 0000000000200000 00000002 ",
	DEV " 0000000000001000 0000000000001000 0000000000300000 00000002",
} };

/* The same pair with INVALID_DATA first, as some servers send it. */
static const struct bl_hex bl_vec_layout_cow_invalid_first = { {
	"00000003 ",
	DEV " 0000000000000000 0000000000001000 0000000000200000 00000002 ",
	DEV " 0000000000000000 0000000000002000 0000000000100000 00000001 ",
	DEV " 0000000000001000 0000000000001000 0000000000300000 00000002",
} };

/* Read layout: data then a hole (whose storage offset means nothing). */
static const struct bl_hex bl_vec_layout_read = { {
	"00000002 ",
	DEV " 0000000000000000 0000000000001000 0000000000004000 00000001 ",
	DEV " 0000000000001000 0000000000001000 0000000000000001 00000003",
} };

/*
 * Read layout: a hole between two data extents, its storage offset
 * unaligned and wrapping past 2^64 with its length.
 */
static const struct bl_hex bl_vec_layout_read_mid_hole = { {
	"00000003 ",
	DEV " 0000000000000000 0000000000001000 0000000000004000 00000001 ",
	DEV " 0000000000001000 0000000000002000 fffffffffffffe01 00000003 ",
	DEV " 0000000000003000 0000000000001000 0000000000008000 00000001",
} };

/* A read/write layout of one extent at 4 KiB, for a range to EOF. */
static const struct bl_hex bl_vec_layout_to_eof = { {
	"00000001 " DEV " 0000000000001000",
	"0000000000001000 0000000000000000 00000000",
} };

/* RFC 5663 section 2.3.2: block layoutupdate, one 4 KiB extent, READ_WRITE. */
static const struct bl_hex bl_vec_update = { {
	"00000001 " DEV " 0000000000000000 0000000000001000 ",
	"0000000100000000 00000000",
} };

/* RFC 8154 section 2.4.2: SCSI layoutupdate, one range 0..4 KiB. */
static const struct bl_hex bl_vec_scsi_update = { {
	"00000001 0000000000000000 0000000000001000",
} };

static void bl_decode_deviceaddr_simple_vector(struct kunit *test)
{
	static const u8 sig[] = {
		0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
		0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
	};
	struct bl_vol_table *t;
	struct bl_err err;
	size_t len;
	u8 *bytes;

	bytes = bl_test_hex(test, &bl_vec_simple, &len);
	KUNIT_ASSERT_EQ(test, bl_test_decode_dev(test, bytes, len,
						 LAYOUT_BLOCK_VOLUME, &t, &err),
			0);
	KUNIT_ASSERT_EQ(test, t->nr, 1);
	KUNIT_EXPECT_EQ(test, t->vols[0].type, PNFS_BLOCK_VOLUME_SIMPLE);
	KUNIT_ASSERT_EQ(test, t->vols[0].simple.nr_sigs, 1);
	KUNIT_EXPECT_EQ(test, t->vols[0].simple.sigs[0].offset, 32);
	KUNIT_ASSERT_EQ(test, t->vols[0].simple.sigs[0].len, 16);
	KUNIT_EXPECT_MEMEQ(test, t->vols[0].simple.sigs[0].contents, sig, 16);
}

static void bl_decode_deviceaddr_scsi_vector(struct kunit *test)
{
	static const u8 naa[] = {
		0x60, 0x01, 0x40, 0x5a, 0xbc, 0xde, 0xf0, 0x12,
		0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x12,
	};
	struct bl_vol_desc *v;
	struct bl_vol_table *t;
	struct bl_err err;
	size_t len;
	u8 *bytes;

	bytes = bl_test_hex(test, &bl_vec_scsi, &len);
	KUNIT_ASSERT_EQ(test, bl_test_decode_dev(test, bytes, len,
						 LAYOUT_SCSI, &t, &err),
			0);
	KUNIT_ASSERT_EQ(test, t->nr, 1);
	v = &t->vols[0];
	KUNIT_EXPECT_EQ(test, v->type, PNFS_BLOCK_VOLUME_SCSI);
	KUNIT_EXPECT_EQ(test, v->base.code_set, PS_CODE_SET_BINARY);
	KUNIT_EXPECT_EQ(test, v->base.desig_type, PS_DESIGNATOR_NAA);
	KUNIT_ASSERT_EQ(test, v->base.desig_len, 16);
	KUNIT_EXPECT_MEMEQ(test, v->base.desig, naa, 16);
	KUNIT_EXPECT_EQ(test, v->base.pr_key, 0x0000000165a0b1c2ULL);
}

static void bl_decode_deviceaddr_block_tree(struct kunit *test)
{
	static const u8 sig0[] = { 0xde, 0xad, 0xbe, 0xef };
	struct bl_vol_table *t;
	struct bl_err err;
	size_t len;
	u8 *bytes;

	bytes = bl_test_hex(test, &bl_vec_block_tree, &len);
	KUNIT_ASSERT_EQ(test, bl_test_decode_dev(test, bytes, len,
						 LAYOUT_BLOCK_VOLUME, &t, &err),
			0);
	KUNIT_ASSERT_EQ(test, t->nr, 5);
	KUNIT_EXPECT_EQ(test, t->vols[0].simple.sigs[0].offset, -512);
	KUNIT_EXPECT_MEMEQ(test, t->vols[0].simple.sigs[0].contents, sig0, 4);
	KUNIT_EXPECT_EQ(test, t->vols[1].simple.sigs[0].offset, 512);
	KUNIT_EXPECT_EQ(test, t->vols[1].simple.sigs[0].len, 8);
	KUNIT_EXPECT_EQ(test, t->vols[2].type, PNFS_BLOCK_VOLUME_SLICE);
	KUNIT_EXPECT_EQ(test, t->vols[2].slice.start, 0x100000);
	KUNIT_EXPECT_EQ(test, t->vols[2].slice.len, 0x200000);
	KUNIT_EXPECT_EQ(test, t->vols[2].slice.child, 0);
	KUNIT_EXPECT_EQ(test, t->vols[3].type, PNFS_BLOCK_VOLUME_STRIPE);
	KUNIT_EXPECT_EQ(test, t->vols[3].members.stripe_unit, 0x10000);
	KUNIT_ASSERT_EQ(test, t->vols[3].members.nr, 2);
	KUNIT_EXPECT_EQ(test, t->vols[3].members.idx[0], 1);
	KUNIT_EXPECT_EQ(test, t->vols[3].members.idx[1], 2);
	KUNIT_EXPECT_EQ(test, t->vols[4].type, PNFS_BLOCK_VOLUME_CONCAT);
	KUNIT_ASSERT_EQ(test, t->vols[4].members.nr, 2);
	KUNIT_EXPECT_EQ(test, t->vols[4].members.idx[0], 3);
	KUNIT_EXPECT_EQ(test, t->vols[4].members.idx[1], 0);
}

static void bl_decode_deviceaddr_scsi_tree(struct kunit *test)
{
	struct bl_vol_table *t;
	struct bl_err err;
	size_t len;
	u8 *bytes;

	bytes = bl_test_hex(test, &bl_vec_scsi_tree, &len);
	KUNIT_ASSERT_EQ(test, bl_test_decode_dev(test, bytes, len,
						 LAYOUT_SCSI, &t, &err),
			0);
	KUNIT_ASSERT_EQ(test, t->nr, 4);
	KUNIT_EXPECT_EQ(test, t->vols[0].base.desig_type, PS_DESIGNATOR_EUI64);
	KUNIT_EXPECT_EQ(test, t->vols[0].base.desig_len, 8);
	KUNIT_EXPECT_EQ(test, t->vols[1].base.desig_type, PS_DESIGNATOR_NAME);
	KUNIT_EXPECT_STREQ(test, (char *)t->vols[1].base.desig, "iqn.abc");
	KUNIT_EXPECT_EQ(test, t->vols[2].base.desig_type, PS_DESIGNATOR_T10);
	KUNIT_ASSERT_EQ(test, t->vols[2].base.desig_len, 10);
	KUNIT_EXPECT_MEMEQ(test, t->vols[2].base.desig, "LIO-ORG ab", 10);
	KUNIT_EXPECT_EQ(test, t->vols[2].base.pr_key, 3);
	KUNIT_EXPECT_EQ(test, t->vols[3].members.nr, 3);
}

/*
 * The deepest topology we accept: BL_MAX_VOLUMES volumes, each a CONCAT
 * of the one before it; one more volume is refused.
 */
static u8 *bl_test_chain(struct kunit *test, u32 nr, size_t *lenp)
{
	static const u8 simple[] = {
		0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 4, 1, 2, 3, 4,
	};
	size_t len = 4 + sizeof(simple) + (nr - 1) * 12;
	__be32 *p;
	u8 *bytes;
	u32 i;

	bytes = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bytes);
	p = (__be32 *)bytes;
	*p++ = cpu_to_be32(nr);
	memcpy(p, simple, sizeof(simple));
	p += sizeof(simple) / 4;
	for (i = 1; i < nr; i++) {
		*p++ = cpu_to_be32(PNFS_BLOCK_VOLUME_CONCAT);
		*p++ = cpu_to_be32(1);
		*p++ = cpu_to_be32(i - 1);
	}
	*lenp = len;
	return bytes;
}

static void bl_decode_deviceaddr_deep_chain(struct kunit *test)
{
	struct bl_vol_table *t;
	struct bl_err err;
	size_t len;
	u8 *bytes;

	bytes = bl_test_chain(test, BL_MAX_VOLUMES, &len);
	KUNIT_ASSERT_EQ(test, bl_test_decode_dev(test, bytes, len,
						 LAYOUT_BLOCK_VOLUME, &t, &err),
			0);
	KUNIT_EXPECT_EQ(test, t->nr, BL_MAX_VOLUMES);
	KUNIT_EXPECT_EQ(test, t->vols[BL_MAX_VOLUMES - 1].members.idx[0],
			BL_MAX_VOLUMES - 2);

	bytes = bl_test_chain(test, BL_MAX_VOLUMES + 1, &len);
	KUNIT_EXPECT_EQ(test, bl_test_decode_dev(test, bytes, len,
						 LAYOUT_BLOCK_VOLUME, NULL,
						 &err),
			-EINVAL);
	KUNIT_EXPECT_STREQ(test, err.reason, BL_WHY_TOO_MANY_VOLUMES);
}

struct bl_dev_case {
	const char	*name;
	u32		layout_type;
	struct bl_hex	hex;
	int		ret;
	const char	*why;
	u32		index;
};

static const struct bl_dev_case bl_dev_cases[] = {
	{ "zero volumes", LAYOUT_BLOCK_VOLUME,
	  { { "00000000" } },
	  -EINVAL, BL_WHY_NO_VOLUMES, 0 },
	{ "too many volumes", LAYOUT_BLOCK_VOLUME,
	  { { "00000401" } },
	  -EINVAL, BL_WHY_TOO_MANY_VOLUMES, 0 },
	{ "volume count beyond buffer", LAYOUT_BLOCK_VOLUME,
	  { { "00000003 " SIMPLE_A } },
	  -EBADMSG, BL_WHY_TRUNCATED, 0 },
	{ "unknown volume type", LAYOUT_BLOCK_VOLUME,
	  { { "00000001 00000005 00000000 00000000" } },
	  -EINVAL, BL_WHY_UNKNOWN_VOLUME, 0 },
	{ "SIMPLE in a SCSI layout", LAYOUT_SCSI,
	  { { "00000001 " SIMPLE_A } },
	  -EINVAL, BL_WHY_VOLUME_NOT_ALLOWED, 0 },
	{ "BASE in a block layout", LAYOUT_BLOCK_VOLUME,
	  { { "00000001 " BASE_A } },
	  -EINVAL, BL_WHY_VOLUME_NOT_ALLOWED, 0 },
	{ "unknown layout type", 4,
	  { { "00000001 " SIMPLE_A } },
	  -EINVAL, BL_WHY_VOLUME_NOT_ALLOWED, 0 },
	{ "no signature components", LAYOUT_BLOCK_VOLUME,
	  { { "00000001 00000000 00000000 00000000" } },
	  -EINVAL, BL_WHY_NO_SIGS, 0 },
	{ "17 signature components", LAYOUT_BLOCK_VOLUME,
	  { { "00000001 00000000 00000011 00000000" } },
	  -EINVAL, BL_WHY_TOO_MANY_SIGS, 0 },
	{ "signature count beyond buffer", LAYOUT_BLOCK_VOLUME,
	  { { "00000001 00000000 00000002 0000000000000000",
	      "00000004 01020304" } },
	  -EBADMSG, BL_WHY_TRUNCATED, 0 },
	{ "empty signature", LAYOUT_BLOCK_VOLUME,
	  { { "00000001 00000000 00000001 0000000000000000 00000000" } },
	  -EINVAL, BL_WHY_SIG_LEN, 0 },
	{ "signature longer than a sector", LAYOUT_BLOCK_VOLUME,
	  { { "00000001 00000000 00000001 0000000000000000 00000201" } },
	  -EINVAL, BL_WHY_SIG_LEN, 0 },
	{ "signature crossing a sector", LAYOUT_BLOCK_VOLUME,
	  { { "00000001 00000000 00000001 00000000000001f0 00000020" } },
	  -EINVAL, BL_WHY_SIG_CROSSES, 0 },
	{ "negative signature offset crossing a sector", LAYOUT_BLOCK_VOLUME,
	  { { "00000001 00000000 00000001 ffffffffffffff9c 00000080" } },
	  -EINVAL, BL_WHY_SIG_CROSSES, 0 },
	{ "slice start unaligned", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A,
	      "00000001 0000000000000100 0000000000000200 00000000" } },
	  -EINVAL, BL_WHY_SLICE_ALIGN, 1 },
	{ "slice length unaligned", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A,
	      "00000001 0000000000000200 0000000000000300 00000000" } },
	  -EINVAL, BL_WHY_SLICE_ALIGN, 1 },
	{ "empty slice", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A,
	      "00000001 0000000000000200 0000000000000000 00000000" } },
	  -EINVAL, BL_WHY_SLICE_EMPTY, 1 },
	{ "slice end overflow", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A,
	      "00000001 fffffffffffffe00 0000000000000400 00000000" } },
	  -EINVAL, BL_WHY_SLICE_OVERFLOW, 1 },
	{ "child index out of range", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A,
	      "00000001 0000000000000000 0000000000000200 00000005" } },
	  -EINVAL, BL_WHY_INDEX_RANGE, 1 },
	{ "child is itself", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A,
	      "00000001 0000000000000000 0000000000000200 00000001" } },
	  -EINVAL, BL_WHY_INDEX_FORWARD, 1 },
	{ "child is a later volume", LAYOUT_BLOCK_VOLUME,
	  { { "00000003 " SIMPLE_A,
	      "00000001 0000000000000000 0000000000000200 00000002 ",
	      "00000002 00000002 00000000 00000001" } },
	  -EINVAL, BL_WHY_INDEX_FORWARD, 1 },
	{ "two-volume cycle", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 ",
	      "00000001 0000000000000000 0000000000000200 00000001 ",
	      "00000001 0000000000000000 0000000000000200 00000000" } },
	  -EINVAL, BL_WHY_INDEX_FORWARD, 0 },
	{ "member is a later volume", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 00000002 00000001 00000001 " SIMPLE_A } },
	  -EINVAL, BL_WHY_INDEX_FORWARD, 0 },
	{ "stripe unit zero", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A,
	      "00000003 0000000000000000 00000001 00000000" } },
	  -EINVAL, BL_WHY_STRIPE_UNIT, 1 },
	{ "stripe unit unaligned", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A,
	      "00000003 0000000000000300 00000001 00000000" } },
	  -EINVAL, BL_WHY_STRIPE_UNIT, 1 },
	{ "stripe without members", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A "00000003 0000000000010000 00000000" } },
	  -EINVAL, BL_WHY_NO_MEMBERS, 1 },
	{ "concat without members", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A "00000002 00000000" } },
	  -EINVAL, BL_WHY_NO_MEMBERS, 1 },
	{ "too many members", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A "00000002 00000401" } },
	  -EINVAL, BL_WHY_TOO_MANY_MEMBERS, 1 },
	{ "member count beyond buffer", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A "00000002 00000003 00000000" } },
	  -EBADMSG, BL_WHY_TRUNCATED, 1 },
	{ "unreferenced volume", LAYOUT_BLOCK_VOLUME,
	  { { "00000002 " SIMPLE_A SIMPLE_A } },
	  -EINVAL, BL_WHY_UNREFERENCED, 0 },
	{ "trailing bytes", LAYOUT_BLOCK_VOLUME,
	  { { "00000001 " SIMPLE_A "00000000" } },
	  -EINVAL, BL_WHY_TRAILING, 0 },
	{ "unknown code set", LAYOUT_SCSI,
	  { { "00000001 00000004 00000004 00000003 00000008 5000000000000001 ",
	      "0000000000000001" } },
	  -EINVAL, BL_WHY_CODE_SET, 0 },
	{ "code set zero", LAYOUT_SCSI,
	  { { "00000001 00000004 00000000 00000003 00000008 5000000000000001 ",
	      "0000000000000001" } },
	  -EINVAL, BL_WHY_CODE_SET, 0 },
	{ "unknown designator type", LAYOUT_SCSI,
	  { { "00000001 00000004 00000001 00000004 00000008 5000000000000001 ",
	      "0000000000000001" } },
	  -EINVAL, BL_WHY_DESIG_TYPE, 0 },
	{ "empty designator", LAYOUT_SCSI,
	  { { "00000001 00000004 00000001 00000003 00000000",
	      "0000000000000001" } },
	  -EINVAL, BL_WHY_DESIG_LEN, 0 },
	{ "designator of 257 bytes", LAYOUT_SCSI,
	  { { "00000001 00000004 00000001 00000003 00000101",
	      "0000000000000001" } },
	  -EINVAL, BL_WHY_DESIG_LEN, 0 },
	{ "EUI-64 of 10 bytes", LAYOUT_SCSI,
	  { { "00000001 00000004 00000001 00000002 0000000a ",
	      "00112233445566778899 0000 0000000000000001" } },
	  -EINVAL, BL_WHY_DESIG_FORMAT, 0 },
	{ "NAA of 12 bytes", LAYOUT_SCSI,
	  { { "00000001 00000004 00000001 00000003 0000000c ",
	      "600000000000000000000001 0000000000000001" } },
	  -EINVAL, BL_WHY_DESIG_FORMAT, 0 },
	{ "NAA 6 in 8 bytes", LAYOUT_SCSI,
	  { { "00000001 00000004 00000001 00000003 00000008 6000000000000001 ",
	      "0000000000000001" } },
	  -EINVAL, BL_WHY_DESIG_FORMAT, 0 },
	{ "NAA in ASCII", LAYOUT_SCSI,
	  { { "00000001 00000004 00000002 00000003 00000008 5000000000000001 ",
	      "0000000000000001" } },
	  -EINVAL, BL_WHY_DESIG_FORMAT, 0 },
	{ "T10 shorter than a vendor ID", LAYOUT_SCSI,
	  { { "00000001 00000004 00000002 00000001 00000004 41424344 ",
	      "0000000000000001" } },
	  -EINVAL, BL_WHY_DESIG_FORMAT, 0 },
	{ "SCSI name not NUL terminated", LAYOUT_SCSI,
	  { { "00000001 00000004 00000003 00000008 00000004 61626364 ",
	      "0000000000000001" } },
	  -EINVAL, BL_WHY_DESIG_FORMAT, 0 },
	{ "SCSI name not padded to four", LAYOUT_SCSI,
	  { { "00000001 00000004 00000003 00000008 00000006 616263640000 0000 ",
	      "0000000000000001" } },
	  -EINVAL, BL_WHY_DESIG_FORMAT, 0 },
	{ "zero reservation key", LAYOUT_SCSI,
	  { { "00000001 00000004 00000001 00000003 00000008 5000000000000001 ",
	      "0000000000000000" } },
	  -EINVAL, BL_WHY_PR_KEY, 0 },
};

KUNIT_ARRAY_PARAM_DESC(bl_dev_cases, bl_dev_cases, name);

static void bl_decode_deviceaddr_rejects(struct kunit *test)
{
	const struct bl_dev_case *c = test->param_value;
	struct bl_err err;
	size_t len;
	u8 *bytes;

	bytes = bl_test_hex(test, &c->hex, &len);
	KUNIT_EXPECT_EQ(test, bl_test_decode_dev(test, bytes, len,
						 c->layout_type, NULL, &err),
			c->ret);
	KUNIT_EXPECT_STREQ(test, err.reason, c->why);
	KUNIT_EXPECT_EQ(test, err.index, c->index);
}

/**
 * struct bl_vec_lookup - what the extent cache must answer for one byte
 * @what: the check, for messages; %NULL ends a list
 * @offset: file byte, sector aligned
 * @rw: look up for writing
 * @found: an extent answers
 * @state: its state
 * @storage: the volume byte holding @offset (not checked for NONE_DATA)
 * @cow: for @rw, a copy-on-write source answers too
 * @cow_storage: the volume byte of the source holding @offset
 */
struct bl_vec_lookup {
	const char	*what;
	u64		offset;
	bool		rw;
	bool		found;
	u32		state;
	u64		storage;
	bool		cow;
	u64		cow_storage;
};

#define BL_VEC_MAX_LOOKUPS	5

/**
 * struct bl_vec - a body every decoder must accept
 * @name: for messages
 * @hex: the body
 * @layout_type: for a device address, %LAYOUT_BLOCK_VOLUME or %LAYOUT_SCSI
 * @is_layout: a LAYOUTGET body (loc_body), not a device address
 * @range: for a layout, the segment it came with
 * @blksize: for a layout, the server's block size
 * @lookups: for a layout, what the extent cache answers once it holds
 *	the decoded extents; at least one, ended by an entry without @what
 */
struct bl_vec {
	const char		*name;
	const struct bl_hex	*hex;
	u32			layout_type;
	bool			is_layout;
	struct pnfs_layout_range range;
	u32			blksize;
	struct bl_vec_lookup	lookups[BL_VEC_MAX_LOOKUPS];
};

#define BL_VEC_LAYOUT(mode, off, n)	\
	.is_layout = true,		\
	.range = { .iomode = (mode), .offset = (off), .length = (n) }, \
	.blksize = 4096

/* Lookups that find an extent, without and with a copy-on-write source. */
#define BL_FOUND(w, off, rw, st, soff)	\
	{ (w), (off), (rw), true, PNFS_BLOCK_##st, (soff) }
#define BL_COW(w, off, st, soff, csoff)	\
	{ (w), (off), true, true, PNFS_BLOCK_##st, (soff), true, (csoff) }
#define BL_MISS(w, off, rw)	{ (w), (off), (rw), false }

static const struct bl_vec bl_valid_vecs[] = {
	{ "simple vector", &bl_vec_simple, LAYOUT_BLOCK_VOLUME },
	{ "scsi vector", &bl_vec_scsi, LAYOUT_SCSI },
	{ "block tree", &bl_vec_block_tree, LAYOUT_BLOCK_VOLUME },
	{ "scsi tree", &bl_vec_scsi_tree, LAYOUT_SCSI },
	{ "layout vector", &bl_vec_layout,
	  BL_VEC_LAYOUT(IOMODE_RW, 0, 0x100000),
	  .lookups = {
		BL_FOUND("write at 0", 0, true, INVALID_DATA, 0x100000000ULL),
		BL_FOUND("write at the last sector", 0xffe00, true,
			 INVALID_DATA, 0x1000ffe00ULL),
		BL_FOUND("read at 512 KiB", 0x80000, false, INVALID_DATA,
			 0x100080000ULL),
		BL_MISS("write past the layout", 0x100000, true),
	  } },
	{ "layout cow", &bl_vec_layout_cow,
	  BL_VEC_LAYOUT(IOMODE_RW, 0, 0x2000),
	  .lookups = {
		BL_COW("write at 0", 0, INVALID_DATA, 0x200000, 0x100000),
		BL_COW("write at 4 KiB", 0x1000, INVALID_DATA, 0x300000,
		       0x101000),
		BL_FOUND("read at 0", 0, false, READ_DATA, 0x100000),
		BL_FOUND("read at 6 KiB", 0x1800, false, READ_DATA, 0x101800),
	  } },
	{ "layout cow, INVALID_DATA first", &bl_vec_layout_cow_invalid_first,
	  BL_VEC_LAYOUT(IOMODE_RW, 0, 0x2000),
	  .lookups = {
		BL_COW("write at 0", 0, INVALID_DATA, 0x200000, 0x100000),
		BL_COW("write at 4 KiB", 0x1000, INVALID_DATA, 0x300000,
		       0x101000),
		BL_FOUND("read at 6 KiB", 0x1800, false, READ_DATA, 0x101800),
	  } },
	{ "layout read", &bl_vec_layout_read,
	  BL_VEC_LAYOUT(IOMODE_READ, 0, 0x2000),
	  .lookups = {
		BL_FOUND("read at 0", 0, false, READ_DATA, 0x4000),
		BL_FOUND("read of the hole", 0x1000, false, NONE_DATA, 0),
		BL_FOUND("read at the last sector", 0x1e00, false, NONE_DATA,
			 0),
		BL_MISS("write at 0", 0, true),
	  } },
	{ "layout read, hole in the middle", &bl_vec_layout_read_mid_hole,
	  BL_VEC_LAYOUT(IOMODE_READ, 0, 0x4000),
	  .lookups = {
		BL_FOUND("read at 0", 0, false, READ_DATA, 0x4000),
		BL_FOUND("read of the hole", 0x2000, false, NONE_DATA, 0),
		BL_FOUND("read after the hole", 0x3000, false, READ_DATA,
			 0x8000),
		BL_FOUND("read at the last sector", 0x3e00, false, READ_DATA,
			 0x8e00),
	  } },
	{ "layout to EOF", &bl_vec_layout_to_eof,
	  BL_VEC_LAYOUT(IOMODE_RW, 0x1000, NFS4_MAX_UINT64),
	  .lookups = {
		BL_FOUND("write at 4 KiB", 0x1000, true, READWRITE_DATA, 0),
		BL_FOUND("read at 6 KiB", 0x1800, false, READWRITE_DATA,
			 0x800),
		BL_MISS("write before the layout", 0, true),
		BL_MISS("write past the extent", 0x2000, true),
	  } },
};

KUNIT_ARRAY_PARAM_DESC(bl_valid_vecs, bl_valid_vecs, name);

static int bl_test_decode_vec(struct kunit *test, const struct bl_vec *v,
			      const u8 *bytes, size_t len,
			      struct bl_ext_list **listp, struct bl_err *err)
{
	if (v->is_layout)
		return bl_test_decode_layout(test, bytes, len, &v->range,
					     v->blksize, listp, err);
	return bl_test_decode_dev(test, bytes, len, v->layout_type, NULL, err);
}

/*
 * Every proper prefix of a valid body is refused as truncated; each
 * prefix sits in a buffer of its own size, so any over-read is caught.
 */
static void bl_decode_truncated(struct kunit *test)
{
	const struct bl_vec *v = test->param_value;
	struct bl_err err;
	size_t len, n;
	u8 *bytes;

	bytes = bl_test_hex(test, v->hex, &len);
	KUNIT_ASSERT_EQ(test, bl_test_decode_vec(test, v, bytes, len, NULL,
						 &err),
			0);
	for (n = 0; n < len; n++) {
		KUNIT_EXPECT_EQ_MSG(test, bl_test_decode_vec(test, v, bytes, n,
							     NULL, &err),
				    -EBADMSG, "prefix of %zu bytes", n);
		KUNIT_EXPECT_STREQ_MSG(test, err.reason, BL_WHY_TRUNCATED,
				       "prefix of %zu bytes", n);
	}
}

/* The layout vectors of bl_valid_vecs[]. */
static const void *bl_layout_vecs_gen_params(const void *prev, char *desc)
{
	const struct bl_vec *v = prev ? (const struct bl_vec *)prev + 1 :
					bl_valid_vecs;

	for (; v < bl_valid_vecs + ARRAY_SIZE(bl_valid_vecs); v++) {
		if (v->is_layout) {
			strscpy(desc, v->name, KUNIT_PARAM_DESC_SIZE);
			return v;
		}
	}
	return NULL;
}

KUNIT_DEFINE_ACTION_WRAPPER(bl_test_destroy_cache, bl_ext_cache_destroy,
			    struct bl_ext_cache *);

/* The volume byte of snapshot @e that holds file byte @offset. */
static u64 bl_test_vol_byte(const struct bl_ext *e, u64 offset)
{
	return ((u64)e->v_offset << SECTOR_SHIFT) +
	       (offset - ((u64)e->f_offset << SECTOR_SHIFT));
}

static void bl_test_cache_lookup(struct kunit *test, struct bl_ext_cache *c,
				 const struct bl_vec_lookup *want)
{
	sector_t isect = want->offset >> SECTOR_SHIFT;
	struct bl_ext e, cow;
	bool found;

	found = bl_ext_lookup(c, isect, want->rw, &e, want->rw ? &cow : NULL);
	KUNIT_ASSERT_EQ_MSG(test, found, want->found, "%s", want->what);
	if (!found)
		return;
	KUNIT_EXPECT_EQ_MSG(test, e.state, want->state, "%s", want->what);
	KUNIT_EXPECT_LE_MSG(test, e.f_offset, isect, "%s", want->what);
	KUNIT_EXPECT_GT_MSG(test, e.f_offset + e.len, isect, "%s", want->what);
	if (want->state != PNFS_BLOCK_NONE_DATA)
		KUNIT_EXPECT_EQ_MSG(test, bl_test_vol_byte(&e, want->offset),
				    want->storage, "%s", want->what);
	bl_ext_put_snapshot(c, &e);
	if (!want->rw)
		return;
	KUNIT_EXPECT_EQ_MSG(test, cow.len != 0, want->cow, "%s", want->what);
	if (want->cow && cow.len)
		KUNIT_EXPECT_EQ_MSG(test, bl_test_vol_byte(&cow, want->offset),
				    want->cow_storage, "%s", want->what);
	bl_ext_put_snapshot(c, &cow);
}

/*
 * What the decoder accepts, the extent cache takes as it is: every layout
 * vector, decoded, goes into a cache (no device objects, which the cache
 * treats as opaque; holes never have one), and the cache then answers
 * each of the vector's lookups as listed.
 */
static void bl_decode_layout_then_cache(struct kunit *test)
{
	const struct bl_vec *v = test->param_value;
	const struct bl_vec_lookup *want;
	struct bl_ext_cache *c;
	struct bl_ext_list *l;
	struct bl_err err;
	struct bl_dev **devs;
	size_t len;
	u8 *bytes;
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, v->lookups[0].what);
	bytes = bl_test_hex(test, v->hex, &len);
	KUNIT_ASSERT_EQ(test, bl_test_decode_vec(test, v, bytes, len, &l, &err),
			0);
	devs = kunit_kcalloc(test, l->nr, sizeof(*devs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, devs);
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	bl_ext_cache_init(c, NULL);
	ret = kunit_add_action_or_reset(test, bl_test_destroy_cache, c);
	KUNIT_ASSERT_EQ(test, ret, 0);

	ret = bl_ext_cache_add(c, l->exts, l->nr, devs, GFP_KERNEL);
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "bl_ext_cache_add() of %u extents",
			    l->nr);
	for (want = v->lookups;
	     want < v->lookups + BL_VEC_MAX_LOOKUPS && want->what; want++)
		bl_test_cache_lookup(test, c, want);
}

static void bl_decode_layout_vector(struct kunit *test)
{
	static const struct pnfs_layout_range range = {
		.iomode = IOMODE_RW, .offset = 0, .length = 0x100000,
	};
	struct nfs4_deviceid dev;
	struct bl_ext_list *l;

	memset(dev.data, 0xaa, sizeof(dev.data));
	l = bl_test_layout_ok(test, &bl_vec_layout, &range, 4096);
	KUNIT_ASSERT_EQ(test, l->nr, 1);
	KUNIT_EXPECT_MEMEQ(test, l->exts[0].devid.data, dev.data,
			   NFS4_DEVICEID4_SIZE);
	KUNIT_EXPECT_EQ(test, l->exts[0].file_offset, 0);
	KUNIT_EXPECT_EQ(test, l->exts[0].len, 0x100000);
	KUNIT_EXPECT_EQ(test, l->exts[0].storage_offset, 0x100000000ULL);
	KUNIT_EXPECT_EQ(test, l->exts[0].state, PNFS_BLOCK_INVALID_DATA);
}

static void bl_decode_layout_cow(struct kunit *test)
{
	static const struct pnfs_layout_range range = {
		.iomode = IOMODE_RW, .offset = 0, .length = 0x2000,
	};
	struct bl_ext_list *l;

	l = bl_test_layout_ok(test, &bl_vec_layout_cow, &range, 0);
	KUNIT_ASSERT_EQ(test, l->nr, 3);
	KUNIT_EXPECT_EQ(test, l->exts[0].state, PNFS_BLOCK_READ_DATA);
	KUNIT_EXPECT_EQ(test, l->exts[0].len, 0x2000);
	KUNIT_EXPECT_EQ(test, l->exts[0].storage_offset, 0x100000);
	KUNIT_EXPECT_EQ(test, l->exts[1].state, PNFS_BLOCK_INVALID_DATA);
	KUNIT_EXPECT_EQ(test, l->exts[2].file_offset, 0x1000);
	KUNIT_EXPECT_EQ(test, l->exts[2].storage_offset, 0x300000);
}

/* The same pair with INVALID_DATA first, as some servers send it. */
static void bl_decode_layout_cow_invalid_first(struct kunit *test)
{
	static const struct pnfs_layout_range range = {
		.iomode = IOMODE_RW, .offset = 0, .length = 0x2000,
	};
	struct bl_ext_list *l;

	l = bl_test_layout_ok(test, &bl_vec_layout_cow_invalid_first, &range, 0);
	KUNIT_ASSERT_EQ(test, l->nr, 3);
	KUNIT_EXPECT_EQ(test, l->exts[0].state, PNFS_BLOCK_INVALID_DATA);
	KUNIT_EXPECT_EQ(test, l->exts[1].state, PNFS_BLOCK_READ_DATA);
}

static void bl_decode_layout_read_with_hole(struct kunit *test)
{
	static const struct pnfs_layout_range range = {
		.iomode = IOMODE_READ, .offset = 0, .length = 0x2000,
	};
	struct bl_ext_list *l;

	l = bl_test_layout_ok(test, &bl_vec_layout_read, &range, 4096);
	KUNIT_ASSERT_EQ(test, l->nr, 2);
	KUNIT_EXPECT_EQ(test, l->exts[0].state, PNFS_BLOCK_READ_DATA);
	KUNIT_EXPECT_EQ(test, l->exts[0].storage_offset, 0x4000);
	KUNIT_EXPECT_EQ(test, l->exts[1].state, PNFS_BLOCK_NONE_DATA);
	/* Sent as 1: a hole's storage offset is kept as 0 whatever it was. */
	KUNIT_EXPECT_EQ(test, l->exts[1].storage_offset, 0);
}

/* A range of NFS4_MAX_UINT64 bytes runs to EOF: only its start counts. */
static void bl_decode_layout_to_eof(struct kunit *test)
{
	static const struct pnfs_layout_range range = {
		.iomode = IOMODE_RW, .offset = 0x1000,
		.length = NFS4_MAX_UINT64,
	};

	bl_test_layout_ok(test, &bl_vec_layout_to_eof, &range, 0);
}

struct bl_layout_case {
	const char	*name;
	struct bl_hex	hex;
	u32		iomode;
	u64		offset;
	u64		length;
	u32		blksize;
	int		ret;
	const char	*why;
	u32		index;
};

#define EXT(foff, len, soff, state) DEV " " foff " " len " " soff " " state " "
#define RW	"00000000"
#define RD	"00000001"
#define INVAL	"00000002"
#define NONE	"00000003"
#define K0	"0000000000000000"
#define K4	"0000000000001000"
#define K8	"0000000000002000"
#define K12	"0000000000003000"

static const struct bl_layout_case bl_layout_cases[] = {
	{ "zero extents",
	  { { "00000000" } },
	  IOMODE_RW, 0, 0x1000, 0,
	  -EINVAL, BL_WHY_NO_EXTENTS, 0 },
	{ "extent count beyond buffer",
	  { { "00000002 " EXT(K0, K4, K0, RW) } },
	  IOMODE_RW, 0, 0x1000, 0, -EBADMSG, BL_WHY_TRUNCATED, 0 },
	{ "unknown state",
	  { { "00000001 " EXT(K0, K4, K0, "00000004") } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_STATE, 0 },
	{ "empty extent",
	  { { "00000001 " EXT(K0, K0, K0, RW) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_EMPTY, 0 },
	{ "file offset unaligned",
	  { { "00000001 " EXT("0000000000000100", K4, K0, RW) } },
	  IOMODE_RW, 0x100, 0x1000, 0, -EINVAL, BL_WHY_EXT_ALIGN, 0 },
	{ "length unaligned",
	  { { "00000001 " EXT(K0, "0000000000001100", K0, RW) } },
	  IOMODE_RW, 0, 0x1100, 0, -EINVAL, BL_WHY_EXT_ALIGN, 0 },
	{ "storage offset unaligned",
	  { { "00000001 " EXT(K0, K4, "0000000000000010", RW) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_ALIGN, 0 },
	{ "length not a block multiple",
	  { { "00000001 " EXT(K0, "0000000000000200", K0, RW) } },
	  IOMODE_RW, 0, 0x200, 4096, -EINVAL, BL_WHY_EXT_ALIGN, 0 },
	{ "file end overflows",
	  { { "00000001 " EXT("fffffffffffff000", K8, K0, RW) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_OVERFLOW, 0 },
	{ "storage end overflows",
	  { { "00000001 " EXT(K0, K8, "fffffffffffff000", RW) } },
	  IOMODE_RW, 0, 0x2000, 0, -EINVAL, BL_WHY_EXT_OVERFLOW, 0 },
	{ "READ_WRITE_DATA in a read layout",
	  { { "00000001 " EXT(K0, K4, K0, RW) } },
	  IOMODE_READ, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_RO_STATE, 0 },
	{ "INVALID_DATA in a read layout",
	  { { "00000001 " EXT(K0, K4, K0, INVAL) } },
	  IOMODE_READ, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_RO_STATE, 0 },
	{ "NONE_DATA in a read/write layout",
	  { { "00000001 " EXT(K0, K4, K0, NONE) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_NONE_RW, 0 },
	{ "unordered",
	  { { "00000002 " EXT(K4, K4, K0, RW) EXT(K0, K4, K0, RW) } },
	  IOMODE_RW, 0, 0x2000, 0, -EINVAL, BL_WHY_EXT_ORDER, 1 },
	{ "duplicated",
	  { { "00000002 " EXT(K0, K4, K0, RW) EXT(K0, K4, K0, RW) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_ORDER, 1 },
	{ "two copy-on-write sources at one offset",
	  { { "00000003 " EXT(K0, K4, K0, RD) EXT(K0, K4, K0, RD)
	      EXT(K0, K4, K0, INVAL) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_ORDER, 1 },
	{ "two INVALID_DATA at one offset",
	  { { "00000002 " EXT(K0, K4, K0, INVAL) EXT(K0, K4, K0, INVAL) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_ORDER, 1 },
	{ "overlap",
	  { { "00000002 " EXT(K0, K8, K0, RW) EXT(K4, K4, K0, RW) } },
	  IOMODE_RW, 0, 0x2000, 0, -EINVAL, BL_WHY_EXT_OVERLAP, 1 },
	{ "hole",
	  { { "00000002 " EXT(K0, K4, K0, RW) EXT(K8, K4, K0, RW) } },
	  IOMODE_RW, 0, 0x3000, 0, -EINVAL, BL_WHY_EXT_HOLE, 1 },
	{ "hole in a read layout",
	  { { "00000002 " EXT(K0, K4, K0, RD) EXT(K8, K4, K0, NONE) } },
	  IOMODE_READ, 0, 0x3000, 0, -EINVAL, BL_WHY_EXT_HOLE, 1 },
	{ "range start not covered",
	  { { "00000001 " EXT(K4, K4, K0, RW) } },
	  IOMODE_RW, 0, 0x2000, 0, -EINVAL, BL_WHY_EXT_COVER, 0 },
	{ "range end not covered",
	  { { "00000001 " EXT(K0, K4, K0, RW) } },
	  IOMODE_RW, 0, 0x2000, 0, -EINVAL, BL_WHY_EXT_COVER, 0 },
	{ "extent past the range end",
	  { { "00000001 " EXT(K0, K8, K0, RW) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_OUTSIDE, 0 },
	{ "extent before the range start",
	  { { "00000001 " EXT(K0, K8, K0, RW) } },
	  IOMODE_RW, 0x1000, 0x1000, 0, -EINVAL, BL_WHY_EXT_OUTSIDE, 0 },
	{ "READ_DATA over READ_WRITE_DATA",
	  { { "00000002 " EXT(K0, K4, K0, RW) EXT(K0, K4, K8, RD) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_COW, 1 },
	{ "READ_DATA partly over READ_WRITE_DATA",
	  { { "00000003 " EXT(K0, K8, K8, RD) EXT(K0, K4, K0, INVAL),
	      EXT(K4, K4, K4, RW) } },
	  IOMODE_RW, 0, 0x2000, 0, -EINVAL, BL_WHY_EXT_COW, 0 },
	{ "READ_DATA past the INVALID_DATA",
	  { { "00000002 " EXT(K0, K8, K8, RD) EXT(K0, K4, K0, INVAL) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_COW, 0 },
	{ "READ_DATA alone in a read/write layout",
	  { { "00000001 " EXT(K0, K4, K0, RD) } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_EXT_COVER, 0 },
	{ "overlapping READ_DATA",
	  { { "00000003 " EXT(K0, K8, K8, RD) EXT(K0, K8, K0, INVAL),
	      EXT(K4, K4, K12, RD) } },
	  IOMODE_RW, 0, 0x2000, 0, -EINVAL, BL_WHY_EXT_OVERLAP, 2 },
	{ "bad iomode",
	  { { "00000001 " EXT(K0, K4, K0, RW) } },
	  3, 0, 0x1000, 0, -EINVAL, BL_WHY_IOMODE, 0 },
	{ "empty range",
	  { { "00000001 " EXT(K0, K4, K0, RW) } },
	  IOMODE_RW, 0, 0, 0, -EINVAL, BL_WHY_RANGE, 0 },
	{ "range end overflows",
	  { { "00000001 " EXT(K0, K4, K0, RW) } },
	  IOMODE_RW, 0xfffffffffffff000ULL, 0x2000, 0,
	  -EINVAL, BL_WHY_RANGE, 0 },
	{ "trailing bytes",
	  { { "00000001 " EXT(K0, K4, K0, RW) "00000000" } },
	  IOMODE_RW, 0, 0x1000, 0, -EINVAL, BL_WHY_TRAILING, 0 },
};

KUNIT_ARRAY_PARAM_DESC(bl_layout_cases, bl_layout_cases, name);

static void bl_decode_layout_rejects(struct kunit *test)
{
	const struct bl_layout_case *c = test->param_value;
	struct pnfs_layout_range range = {
		.iomode = c->iomode, .offset = c->offset, .length = c->length,
	};
	struct bl_err err;
	size_t len;
	u8 *bytes;

	bytes = bl_test_hex(test, &c->hex, &len);
	KUNIT_EXPECT_EQ(test, bl_test_decode_layout(test, bytes, len, &range,
						    c->blksize, NULL, &err),
			c->ret);
	KUNIT_EXPECT_STREQ(test, err.reason, c->why);
	KUNIT_EXPECT_EQ(test, err.index, c->index);
}

static void bl_encode_layoutupdate_vector(struct kunit *test)
{
	struct bl_ext_desc ext = {
		.file_offset = 0,
		.len = 0x1000,
		.storage_offset = 0x100000000ULL,
		/* Committed extents go out as READ_WRITE_DATA regardless. */
		.state = PNFS_BLOCK_INVALID_DATA,
	};
	size_t len;
	u8 *want, *buf;

	memset(ext.devid.data, 0xaa, sizeof(ext.devid.data));
	want = bl_test_hex(test, &bl_vec_update, &len);
	KUNIT_ASSERT_EQ(test, len, 48);
	KUNIT_EXPECT_EQ(test, bl_layoutupdate_size(1), 48);
	KUNIT_EXPECT_EQ(test, bl_layoutupdate_size(0), 4);

	buf = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, bl_encode_layoutupdate(buf, len, &ext, 1), 48);
	KUNIT_EXPECT_MEMEQ(test, buf, want, len);

	/* One byte short: refused, and nothing written. */
	buf = kunit_kmalloc(test, len - 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 0x5a, len - 1);
	KUNIT_EXPECT_EQ(test, bl_encode_layoutupdate(buf, len - 1, &ext, 1),
			-ENOSPC);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf, 0x5a, len - 1));
}

static void bl_encode_layoutupdate_two(struct kunit *test)
{
	struct bl_ext_desc exts[2] = {
		{ .file_offset = 0, .len = 0x1000, .storage_offset = 0x8000 },
		{ .file_offset = 0x100000000ULL, .len = 0x2000,
		  .storage_offset = 0x200000000ULL,
		  .state = PNFS_BLOCK_READ_DATA },
	};
	size_t len;
	u8 *want, *buf;

	exts[1].devid.data[15] = 1;
	want = bl_test_hex(test, &(struct bl_hex){ {
		"00000002",
		"00000000000000000000000000000000 0000000000000000",
		"0000000000001000 0000000000008000 00000000",
		"00000000000000000000000000000001 0000000100000000",
		"0000000000002000 0000000200000000 00000000" } }, &len);
	KUNIT_ASSERT_EQ(test, len, bl_layoutupdate_size(2));
	buf = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, bl_encode_layoutupdate(buf, len, exts, 2), len);
	KUNIT_EXPECT_MEMEQ(test, buf, want, len);
}

static void bl_encode_scsi_layoutupdate_vector(struct kunit *test)
{
	struct bl_scsi_range r = { .offset = 0, .len = 0x1000 };
	size_t len;
	u8 *want, *buf;

	want = bl_test_hex(test, &bl_vec_scsi_update, &len);
	KUNIT_ASSERT_EQ(test, len, 20);
	KUNIT_EXPECT_EQ(test, bl_scsi_layoutupdate_size(1), 20);
	KUNIT_EXPECT_EQ(test, bl_scsi_layoutupdate_size(3), 52);

	buf = kunit_kmalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, bl_encode_scsi_layoutupdate(buf, len, &r, 1), 20);
	KUNIT_EXPECT_MEMEQ(test, buf, want, len);

	buf = kunit_kmalloc(test, len - 1, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 0x5a, len - 1);
	KUNIT_EXPECT_EQ(test, bl_encode_scsi_layoutupdate(buf, len - 1, &r, 1),
			-ENOSPC);
	KUNIT_EXPECT_TRUE(test, !memchr_inv(buf, 0x5a, len - 1));
}

static struct kunit_case bl_xdr_cases[] = {
	KUNIT_CASE(bl_decode_deviceaddr_simple_vector),
	KUNIT_CASE(bl_decode_deviceaddr_scsi_vector),
	KUNIT_CASE(bl_decode_deviceaddr_block_tree),
	KUNIT_CASE(bl_decode_deviceaddr_scsi_tree),
	KUNIT_CASE(bl_decode_deviceaddr_deep_chain),
	KUNIT_CASE_PARAM(bl_decode_deviceaddr_rejects, bl_dev_cases_gen_params),
	KUNIT_CASE(bl_decode_layout_vector),
	KUNIT_CASE(bl_decode_layout_cow),
	KUNIT_CASE(bl_decode_layout_cow_invalid_first),
	KUNIT_CASE(bl_decode_layout_read_with_hole),
	KUNIT_CASE(bl_decode_layout_to_eof),
	KUNIT_CASE_PARAM(bl_decode_layout_rejects,
			 bl_layout_cases_gen_params),
	KUNIT_CASE_PARAM(bl_decode_truncated, bl_valid_vecs_gen_params),
	KUNIT_CASE_PARAM(bl_decode_layout_then_cache,
			 bl_layout_vecs_gen_params),
	KUNIT_CASE(bl_encode_layoutupdate_vector),
	KUNIT_CASE(bl_encode_layoutupdate_two),
	KUNIT_CASE(bl_encode_scsi_layoutupdate_vector),
	{}
};

static struct kunit_suite bl_xdr_suite = {
	.name = "pnfs_block_xdr",
	.test_cases = bl_xdr_cases,
};

kunit_test_suite(bl_xdr_suite);
