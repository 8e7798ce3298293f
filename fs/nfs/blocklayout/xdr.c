// SPDX-License-Identifier: GPL-2.0
/*
 * XDR decoding and encoding for the pNFS block (RFC 5663) and SCSI
 * (RFC 8154) layouts.
 *
 * Everything the server sends is hostile until checked: every count is
 * checked against the bytes left before anything is allocated, every
 * index, length and offset against the protocol's rules.  The functions
 * here are pure: they take an xdr_stream or a buffer, return decoded
 * copies in memory the caller then owns, and say why they refused in a
 * struct bl_err.  They never log.
 *
 * The decoders expect the xdr_stream to span exactly the opaque body
 * (da_addr_body or loc_body): trailing bytes are rejected.  When the body
 * spans pages, the caller must give the stream a scratch buffer of at
 * least %BL_MAX_SIG_LEN bytes (xdr_set_scratch_buffer()).
 */

#include <kunit/visibility.h>
#include <linux/bitmap.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "blocklayout.h"

#define BL_SECTOR_MASK	((u64)SECTOR_SIZE - 1)

/* The smallest XDR encoding of any volume: a CONCAT of one member. */
#define BL_MIN_VOLUME_XDR_SIZE	12
/* The smallest XDR encoding of a signature component: empty contents. */
#define BL_MIN_SIG_XDR_SIZE	12

static int bl_reject(struct bl_err *err, int errno, const char *reason)
{
	err->reason = reason;
	return errno;
}

static int bl_truncated(struct bl_err *err)
{
	return bl_reject(err, -EBADMSG, BL_WHY_TRUNCATED);
}

static int bl_get_u32(struct xdr_stream *xdr, u32 *val, struct bl_err *err)
{
	if (xdr_stream_decode_u32(xdr, val) < 0)
		return bl_truncated(err);
	return 0;
}

static int bl_get_u64(struct xdr_stream *xdr, u64 *val, struct bl_err *err)
{
	if (xdr_stream_decode_u64(xdr, val) < 0)
		return bl_truncated(err);
	return 0;
}

/*
 * Decode a count of items of at least @min_size bytes each, refusing any
 * count the remaining buffer cannot hold, so that a lying count never
 * makes us allocate.
 */
static int bl_get_count(struct xdr_stream *xdr, u32 *nr, size_t min_size,
			struct bl_err *err)
{
	int ret;

	ret = bl_get_u32(xdr, nr, err);
	if (ret)
		return ret;
	if (*nr > xdr_stream_remaining(xdr) / min_size)
		return bl_truncated(err);
	return 0;
}

/* Copy @len bytes (plus XDR padding, which is skipped) out of the stream. */
static int bl_get_bytes(struct xdr_stream *xdr, u32 len, gfp_t gfp, u8 **out,
			struct bl_err *err)
{
	__be32 *p;

	p = xdr_inline_decode(xdr, len);
	if (!p)
		return bl_truncated(err);
	*out = kmemdup(p, len, gfp);
	if (!*out)
		return -ENOMEM;
	return 0;
}

/*
 * RFC 5663 section 2.2: the volume array is ordered so that a volume
 * refers only to volumes before it; this also rules out cycles.
 */
static int bl_check_child(u32 child, u32 idx, u32 nr, struct bl_err *err)
{
	if (child >= nr)
		return bl_reject(err, -EINVAL, BL_WHY_INDEX_RANGE);
	if (child >= idx)
		return bl_reject(err, -EINVAL, BL_WHY_INDEX_FORWARD);
	return 0;
}

/*
 * RFC 5663 section 2.2 (pnfs_block_sig_component4).  The RFC asks for
 * byte offsets, and Linux's nfsd sends 32 (the XFS superblock UUID), so
 * offsets need not be sector aligned; but a component must lie within
 * one sector, which bounds its length by the sector size too.  A negative
 * offset counts from the end of the disk, whose size is a multiple of
 * the sector size, so its low bits give the position in the sector as
 * well.  Whether the component lies inside the disk is checked once the
 * disk size is known (volume.c).
 */
static int bl_decode_sig(struct xdr_stream *xdr, struct bl_sig_desc *sig,
			 gfp_t gfp, struct bl_err *err)
{
	u64 offset;
	u32 len;
	int ret;

	ret = bl_get_u64(xdr, &offset, err);
	if (!ret)
		ret = bl_get_u32(xdr, &len, err);
	if (ret)
		return ret;
	if (len == 0 || len > BL_MAX_SIG_LEN)
		return bl_reject(err, -EINVAL, BL_WHY_SIG_LEN);
	if ((offset & BL_SECTOR_MASK) + len > SECTOR_SIZE)
		return bl_reject(err, -EINVAL, BL_WHY_SIG_CROSSES);
	ret = bl_get_bytes(xdr, len, gfp, &sig->contents, err);
	if (ret)
		return ret;
	sig->offset = (s64)offset;
	sig->len = len;
	return 0;
}

static int bl_decode_simple(struct xdr_stream *xdr, struct bl_vol_desc *v,
			    gfp_t gfp, struct bl_err *err)
{
	u32 nr, i;
	int ret;

	ret = bl_get_u32(xdr, &nr, err);
	if (ret)
		return ret;
	if (nr == 0)
		return bl_reject(err, -EINVAL, BL_WHY_NO_SIGS);
	if (nr > BL_MAX_SIG_COMPS)
		return bl_reject(err, -EINVAL, BL_WHY_TOO_MANY_SIGS);
	if (nr > xdr_stream_remaining(xdr) / BL_MIN_SIG_XDR_SIZE)
		return bl_truncated(err);

	v->simple.sigs = kcalloc(nr, sizeof(*v->simple.sigs), gfp);
	if (!v->simple.sigs)
		return -ENOMEM;
	/* Count only decoded components, so that freeing stays exact. */
	for (i = 0; i < nr; i++) {
		ret = bl_decode_sig(xdr, &v->simple.sigs[i], gfp, err);
		if (ret)
			return ret;
		v->simple.nr_sigs++;
	}
	return 0;
}

/* RFC 5663 section 2.2 (pnfs_block_slice_volume_info4). */
static int bl_decode_slice(struct xdr_stream *xdr, struct bl_vol_desc *v,
			   u32 idx, u32 nr, struct bl_err *err)
{
	u64 end;
	int ret;

	ret = bl_get_u64(xdr, &v->slice.start, err);
	if (!ret)
		ret = bl_get_u64(xdr, &v->slice.len, err);
	if (!ret)
		ret = bl_get_u32(xdr, &v->slice.child, err);
	if (ret)
		return ret;
	if ((v->slice.start | v->slice.len) & BL_SECTOR_MASK)
		return bl_reject(err, -EINVAL, BL_WHY_SLICE_ALIGN);
	if (v->slice.len == 0)
		return bl_reject(err, -EINVAL, BL_WHY_SLICE_EMPTY);
	if (check_add_overflow(v->slice.start, v->slice.len, &end))
		return bl_reject(err, -EINVAL, BL_WHY_SLICE_OVERFLOW);
	return bl_check_child(v->slice.child, idx, nr, err);
}

/* The member list shared by CONCAT and STRIPE volumes. */
static int bl_decode_members(struct xdr_stream *xdr, struct bl_vol_desc *v,
			     u32 idx, u32 nr_vols, gfp_t gfp,
			     struct bl_err *err)
{
	u32 nr, i;
	int ret;

	ret = bl_get_u32(xdr, &nr, err);
	if (ret)
		return ret;
	if (nr == 0)
		return bl_reject(err, -EINVAL, BL_WHY_NO_MEMBERS);
	if (nr > BL_MAX_VOLUMES)
		return bl_reject(err, -EINVAL, BL_WHY_TOO_MANY_MEMBERS);
	if (nr > xdr_stream_remaining(xdr) / sizeof(__be32))
		return bl_truncated(err);

	v->members.idx = kcalloc(nr, sizeof(*v->members.idx), gfp);
	if (!v->members.idx)
		return -ENOMEM;
	v->members.nr = nr;
	for (i = 0; i < nr; i++) {
		ret = bl_get_u32(xdr, &v->members.idx[i], err);
		if (!ret)
			ret = bl_check_child(v->members.idx[i], idx, nr_vols,
					     err);
		if (ret)
			return ret;
	}
	return 0;
}

/* RFC 5663 section 2.2 (pnfs_block_stripe_volume_info4). */
static int bl_decode_stripe(struct xdr_stream *xdr, struct bl_vol_desc *v,
			    u32 idx, u32 nr, gfp_t gfp, struct bl_err *err)
{
	u64 unit;
	int ret;

	ret = bl_get_u64(xdr, &unit, err);
	if (ret)
		return ret;
	if (unit == 0 || (unit & BL_SECTOR_MASK))
		return bl_reject(err, -EINVAL, BL_WHY_STRIPE_UNIT);
	v->members.stripe_unit = unit;
	return bl_decode_members(xdr, v, idx, nr, gfp, err);
}

/*
 * Designator shapes from SPC-4 section 7.8.6 (Device Identification VPD
 * page), for the four types RFC 8154 section 2.3 names.
 */
static bool bl_naa_ok(const u8 *desig, u32 len)
{
	switch (desig[0] >> 4) {
	case 2:		/* IEEE extended */
	case 3:		/* locally assigned */
	case 5:		/* IEEE registered */
		return len == 8;
	case 6:		/* IEEE registered extended */
		return len == 16;
	default:
		return false;
	}
}

static bool bl_designator_ok(u32 code_set, u32 type, const u8 *desig,
			     u32 len)
{
	switch (type) {
	case PS_DESIGNATOR_T10:
		/* An 8-byte T10 vendor ID, then vendor-specific text. */
		return code_set != PS_CODE_SET_BINARY && len >= 8;
	case PS_DESIGNATOR_EUI64:
		return code_set == PS_CODE_SET_BINARY &&
			(len == 8 || len == 12 || len == 16);
	case PS_DESIGNATOR_NAA:
		return code_set == PS_CODE_SET_BINARY && bl_naa_ok(desig, len);
	case PS_DESIGNATOR_NAME:
		/* UTF-8, NUL terminated, padded to a multiple of four. */
		return code_set == PS_CODE_SET_UTF8 && len % 4 == 0 &&
			desig[len - 1] == '\0';
	default:
		return false;
	}
}

static bool bl_designator_type_known(u32 type)
{
	return type == PS_DESIGNATOR_T10 || type == PS_DESIGNATOR_EUI64 ||
		type == PS_DESIGNATOR_NAA || type == PS_DESIGNATOR_NAME;
}

/* RFC 8154 section 2.3 (pnfs_scsi_base_volume_info4). */
static int bl_decode_base(struct xdr_stream *xdr, struct bl_vol_desc *v,
			  gfp_t gfp, struct bl_err *err)
{
	u32 len;
	int ret;

	ret = bl_get_u32(xdr, &v->base.code_set, err);
	if (!ret)
		ret = bl_get_u32(xdr, &v->base.desig_type, err);
	if (!ret)
		ret = bl_get_u32(xdr, &len, err);
	if (ret)
		return ret;
	if (v->base.code_set < PS_CODE_SET_BINARY ||
	    v->base.code_set > PS_CODE_SET_UTF8)
		return bl_reject(err, -EINVAL, BL_WHY_CODE_SET);
	if (!bl_designator_type_known(v->base.desig_type))
		return bl_reject(err, -EINVAL, BL_WHY_DESIG_TYPE);
	if (len == 0 || len > BL_MAX_DESIGNATOR_LEN)
		return bl_reject(err, -EINVAL, BL_WHY_DESIG_LEN);

	ret = bl_get_bytes(xdr, len, gfp, &v->base.desig, err);
	if (ret)
		return ret;
	v->base.desig_len = len;
	if (!bl_designator_ok(v->base.code_set, v->base.desig_type,
			      v->base.desig, len))
		return bl_reject(err, -EINVAL, BL_WHY_DESIG_FORMAT);

	ret = bl_get_u64(xdr, &v->base.pr_key, err);
	if (ret)
		return ret;
	/* Registering key zero unregisters (SPC-4 PERSISTENT RESERVE OUT). */
	if (v->base.pr_key == 0)
		return bl_reject(err, -EINVAL, BL_WHY_PR_KEY);
	return 0;
}

/*
 * SIMPLE volumes exist only in block layouts (RFC 5663), BASE volumes only
 * in SCSI layouts (RFC 8154 section 2.3); the rest are shared.
 */
static bool bl_volume_allowed(u32 layout_type, u32 type)
{
	switch (type) {
	case PNFS_BLOCK_VOLUME_SIMPLE:
		return layout_type == LAYOUT_BLOCK_VOLUME;
	case PNFS_BLOCK_VOLUME_SCSI:
		return layout_type == LAYOUT_SCSI;
	default:
		return true;
	}
}

static int bl_decode_volume(struct xdr_stream *xdr, u32 layout_type,
			    struct bl_vol_table *table, u32 idx, gfp_t gfp,
			    struct bl_err *err)
{
	struct bl_vol_desc *v = &table->vols[idx];
	int ret;

	ret = bl_get_u32(xdr, &v->type, err);
	if (ret)
		return ret;
	if (v->type > PNFS_BLOCK_VOLUME_SCSI)
		return bl_reject(err, -EINVAL, BL_WHY_UNKNOWN_VOLUME);
	if (!bl_volume_allowed(layout_type, v->type))
		return bl_reject(err, -EINVAL, BL_WHY_VOLUME_NOT_ALLOWED);

	switch (v->type) {
	case PNFS_BLOCK_VOLUME_SIMPLE:
		return bl_decode_simple(xdr, v, gfp, err);
	case PNFS_BLOCK_VOLUME_SLICE:
		return bl_decode_slice(xdr, v, idx, table->nr, err);
	case PNFS_BLOCK_VOLUME_CONCAT:
		return bl_decode_members(xdr, v, idx, table->nr, gfp, err);
	case PNFS_BLOCK_VOLUME_STRIPE:
		return bl_decode_stripe(xdr, v, idx, table->nr, gfp, err);
	default:
		return bl_decode_base(xdr, v, gfp, err);
	}
}

static void bl_mark_children(const struct bl_vol_desc *v, unsigned long *used)
{
	u32 i;

	switch (v->type) {
	case PNFS_BLOCK_VOLUME_SLICE:
		__set_bit(v->slice.child, used);
		break;
	case PNFS_BLOCK_VOLUME_CONCAT:
	case PNFS_BLOCK_VOLUME_STRIPE:
		for (i = 0; i < v->members.nr; i++)
			__set_bit(v->members.idx[i], used);
		break;
	}
}

/*
 * Every volume but the top one must be part of the topology.  The RFC
 * does not forbid strays, but they have no meaning: a stray SIMPLE or
 * BASE volume would only make us look for (or reserve) a disk we never
 * use, so we take one as a sign of a confused server and refuse it.
 * Sharing is allowed: two slices may refer to one disk.
 */
static int bl_check_all_used(const struct bl_vol_table *table, gfp_t gfp,
			     struct bl_err *err)
{
	unsigned long *used;
	u32 i, stray;

	used = bitmap_zalloc(table->nr, gfp);
	if (!used)
		return -ENOMEM;
	for (i = 0; i < table->nr; i++)
		bl_mark_children(&table->vols[i], used);
	stray = find_first_zero_bit(used, table->nr - 1);
	bitmap_free(used);
	if (stray < table->nr - 1) {
		err->index = stray;
		return bl_reject(err, -EINVAL, BL_WHY_UNREFERENCED);
	}
	return 0;
}

static void bl_free_vol_desc(struct bl_vol_desc *v)
{
	u32 i;

	switch (v->type) {
	case PNFS_BLOCK_VOLUME_SIMPLE:
		for (i = 0; i < v->simple.nr_sigs; i++)
			kfree(v->simple.sigs[i].contents);
		kfree(v->simple.sigs);
		break;
	case PNFS_BLOCK_VOLUME_CONCAT:
	case PNFS_BLOCK_VOLUME_STRIPE:
		kfree(v->members.idx);
		break;
	case PNFS_BLOCK_VOLUME_SCSI:
		kfree(v->base.desig);
		break;
	}
}

/**
 * bl_free_vol_table - free a table from bl_decode_deviceaddr()
 * @table: the table, or %NULL
 */
void bl_free_vol_table(struct bl_vol_table *table)
{
	u32 i;

	if (!table)
		return;
	for (i = 0; i < table->nr; i++)
		bl_free_vol_desc(&table->vols[i]);
	kfree(table);
}
EXPORT_SYMBOL_IF_KUNIT(bl_free_vol_table);

/**
 * bl_decode_deviceaddr - decode and check a block or SCSI device address
 * @xdr: stream spanning exactly the da_addr_body of GETDEVICEINFO
 * @layout_type: %LAYOUT_BLOCK_VOLUME or %LAYOUT_SCSI
 * @gfp: allocation flags
 * @tablep: where to store the decoded table on success
 * @err: where to say why the body was rejected
 *
 * Decodes a pnfs_block_deviceaddr4 (RFC 5663 section 2.2) or its SCSI
 * twin (RFC 8154 section 2.3) into plain descriptions, and checks
 * everything that can be checked without the disks: counts, indices
 * (each volume refers only to earlier ones; all but the last are
 * referenced), alignment, overflow, designator shapes.
 *
 * Return: %0 with *@tablep set (free it with bl_free_vol_table()),
 * %-EBADMSG if the body is truncated, %-EINVAL if it breaks a rule,
 * %-ENOMEM on allocation failure.
 */
int bl_decode_deviceaddr(struct xdr_stream *xdr, u32 layout_type, gfp_t gfp,
			 struct bl_vol_table **tablep, struct bl_err *err)
{
	struct bl_vol_table *table;
	u32 nr, i;
	int ret;

	err->reason = NULL;
	err->index = 0;
	if (layout_type != LAYOUT_BLOCK_VOLUME && layout_type != LAYOUT_SCSI)
		return bl_reject(err, -EINVAL, BL_WHY_VOLUME_NOT_ALLOWED);

	ret = bl_get_u32(xdr, &nr, err);
	if (ret)
		return ret;
	if (nr == 0)
		return bl_reject(err, -EINVAL, BL_WHY_NO_VOLUMES);
	if (nr > BL_MAX_VOLUMES)
		return bl_reject(err, -EINVAL, BL_WHY_TOO_MANY_VOLUMES);
	if (nr > xdr_stream_remaining(xdr) / BL_MIN_VOLUME_XDR_SIZE)
		return bl_truncated(err);

	table = kzalloc(struct_size(table, vols, nr), gfp);
	if (!table)
		return -ENOMEM;
	table->nr = nr;

	for (i = 0; i < nr; i++) {
		err->index = i;
		ret = bl_decode_volume(xdr, layout_type, table, i, gfp, err);
		if (ret)
			goto out_free_table;
	}
	err->index = 0;
	if (xdr_stream_remaining(xdr)) {
		ret = bl_reject(err, -EINVAL, BL_WHY_TRAILING);
		goto out_free_table;
	}
	ret = bl_check_all_used(table, gfp, err);
	if (ret)
		goto out_free_table;

	*tablep = table;
	return 0;

out_free_table:
	bl_free_vol_table(table);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(bl_decode_deviceaddr);

static bool bl_multiple_of(u64 val, u32 blksize)
{
	u32 rem;

	div_u64_rem(val, blksize, &rem);
	return rem == 0;
}

/*
 * RFC 5663 section 2.3: per-extent rules.  Offsets and lengths are in
 * bytes but must be sector multiples; file offsets and lengths must also
 * be multiples of the server's block size when one is known, since the
 * client's read-modify-write works in those blocks.  A hole's storage
 * offset is 0 by now (bl_decode_extent()), so it passes.
 */
static int bl_check_extent(const struct bl_ext_desc *e, u32 iomode,
			   u32 blksize, struct bl_err *err)
{
	u64 end;

	if (e->state > PNFS_BLOCK_NONE_DATA)
		return bl_reject(err, -EINVAL, BL_WHY_EXT_STATE);
	if (e->len == 0)
		return bl_reject(err, -EINVAL, BL_WHY_EXT_EMPTY);
	if ((e->file_offset | e->len) & BL_SECTOR_MASK)
		return bl_reject(err, -EINVAL, BL_WHY_EXT_ALIGN);
	if (blksize && (!bl_multiple_of(e->file_offset, blksize) ||
			!bl_multiple_of(e->len, blksize)))
		return bl_reject(err, -EINVAL, BL_WHY_EXT_ALIGN);
	if (check_add_overflow(e->file_offset, e->len, &end))
		return bl_reject(err, -EINVAL, BL_WHY_EXT_OVERFLOW);
	if (e->storage_offset & BL_SECTOR_MASK)
		return bl_reject(err, -EINVAL, BL_WHY_EXT_ALIGN);
	if (check_add_overflow(e->storage_offset, e->len, &end))
		return bl_reject(err, -EINVAL, BL_WHY_EXT_OVERFLOW);

	/*
	 * RFC 5663 section 2.3.1: a read layout describes data to read
	 * (READ_DATA) or holes (NONE_DATA); a read/write layout has storage
	 * behind every byte, so it never holds NONE_DATA.
	 */
	if (iomode == IOMODE_READ &&
	    (e->state == PNFS_BLOCK_READWRITE_DATA ||
	     e->state == PNFS_BLOCK_INVALID_DATA))
		return bl_reject(err, -EINVAL, BL_WHY_EXT_RO_STATE);
	if (iomode == IOMODE_RW && e->state == PNFS_BLOCK_NONE_DATA)
		return bl_reject(err, -EINVAL, BL_WHY_EXT_NONE_RW);
	return 0;
}

/* In a read/write layout, READ_DATA extents are copy-on-write sources. */
static bool bl_is_cow_source(const struct bl_ext_desc *e, u32 iomode)
{
	return iomode == IOMODE_RW && e->state == PNFS_BLOCK_READ_DATA;
}

/*
 * Extents come in increasing order of file offset.  Two may start at the
 * same offset only if one of them is a copy-on-write source and the other
 * is not: RFC 5663 does not say which comes first, and servers (and
 * mainline's client) use either order.
 */
static int bl_check_order(const struct bl_ext_list *list, u32 iomode,
			  struct bl_err *err)
{
	const struct bl_ext_desc *a, *b;
	u32 i;

	for (i = 1; i < list->nr; i++) {
		a = &list->exts[i - 1];
		b = &list->exts[i];
		if (a->file_offset < b->file_offset ||
		    (a->file_offset == b->file_offset &&
		     bl_is_cow_source(a, iomode) != bl_is_cow_source(b, iomode)))
			continue;
		err->index = i;
		return bl_reject(err, -EINVAL, BL_WHY_EXT_ORDER);
	}
	return 0;
}

/*
 * Apart from copy-on-write sources, the extents must tile the layout
 * range exactly: no overlap, no hole, nothing outside the range (RFC 5663
 * section 2.3.1; the range is what the server granted, and an extent
 * beyond it would be access we do not hold).  A range of NFS4_MAX_UINT64
 * bytes runs to the end of the file and cannot be covered, so only its
 * start is checked.  On success *@tiled_end is where the tiling ends.
 */
static int bl_check_tiling(const struct bl_ext_list *list,
			   const struct pnfs_layout_range *range,
			   u64 *tiled_end, struct bl_err *err)
{
	bool to_eof = range->length == NFS4_MAX_UINT64;
	u64 range_end = range->offset + range->length;
	u64 next = range->offset;
	const struct bl_ext_desc *e;
	bool first = true;
	u32 i;

	for (i = 0; i < list->nr; i++) {
		e = &list->exts[i];
		if (bl_is_cow_source(e, range->iomode))
			continue;
		err->index = i;
		if (e->file_offset < next)
			return bl_reject(err, -EINVAL, first ?
					 BL_WHY_EXT_OUTSIDE :
					 BL_WHY_EXT_OVERLAP);
		if (e->file_offset > next)
			return bl_reject(err, -EINVAL, first ?
					 BL_WHY_EXT_COVER : BL_WHY_EXT_HOLE);
		next = bl_ext_desc_end(e);
		if (!to_eof && next > range_end)
			return bl_reject(err, -EINVAL, BL_WHY_EXT_OUTSIDE);
		first = false;
	}
	err->index = 0;
	if (first || (!to_eof && next != range_end))
		return bl_reject(err, -EINVAL, BL_WHY_EXT_COVER);
	*tiled_end = next;
	return 0;
}

/*
 * RFC 5663 section 2.3.4: in a read/write layout a READ_DATA extent gives
 * the old data of a range the client will write through INVALID_DATA
 * extents, so it must lie entirely under INVALID_DATA extents; sources
 * must not overlap each other either.  The other extents tile
 * [range start, @tiled_end) already, so a source inside those bounds is
 * covered, and only the states of the extents under it remain to check.
 */
static int bl_check_cow(const struct bl_ext_list *list,
			const struct pnfs_layout_range *range, u64 tiled_end,
			struct bl_err *err)
{
	const struct bl_ext_desc *src, *e;
	u64 prev_end = 0;
	u32 i, j = 0, k;

	for (i = 0; i < list->nr; i++) {
		src = &list->exts[i];
		if (!bl_is_cow_source(src, range->iomode))
			continue;
		err->index = i;
		if (src->file_offset < prev_end)
			return bl_reject(err, -EINVAL, BL_WHY_EXT_OVERLAP);
		prev_end = bl_ext_desc_end(src);
		if (src->file_offset < range->offset || prev_end > tiled_end)
			return bl_reject(err, -EINVAL, BL_WHY_EXT_COW);

		/* Sources are sorted and disjoint: j only moves forward. */
		while (j < list->nr &&
		       (bl_is_cow_source(&list->exts[j], range->iomode) ||
			bl_ext_desc_end(&list->exts[j]) <= src->file_offset))
			j++;
		for (k = j; k < list->nr; k++) {
			e = &list->exts[k];
			if (bl_is_cow_source(e, range->iomode))
				continue;
			if (e->file_offset >= prev_end)
				break;
			if (e->state != PNFS_BLOCK_INVALID_DATA)
				return bl_reject(err, -EINVAL, BL_WHY_EXT_COW);
		}
	}
	err->index = 0;
	return 0;
}

static int bl_check_range(const struct pnfs_layout_range *range,
			  struct bl_err *err)
{
	u64 end;

	if (range->iomode != IOMODE_READ && range->iomode != IOMODE_RW)
		return bl_reject(err, -EINVAL, BL_WHY_IOMODE);
	if (range->length == 0)
		return bl_reject(err, -EINVAL, BL_WHY_RANGE);
	if (range->length != NFS4_MAX_UINT64 &&
	    check_add_overflow(range->offset, range->length, &end))
		return bl_reject(err, -EINVAL, BL_WHY_RANGE);
	return 0;
}

/*
 * The one rule for holes.  A NONE_DATA extent (RFC 5663 section 2.3; only
 * read layouts hold them, section 2.3.1) has no storage behind it, so its
 * storage offset means nothing and a server may send any value there
 * (nfsd sends 0, other servers need not).  It is replaced by 0 here, so
 * that nothing after this needs a case for holes: bl_check_extent() and
 * the extent cache check every extent's storage offset alike.
 */
static void bl_decode_extent(__be32 *p, struct bl_ext_desc *e)
{
	memcpy(e->devid.data, p, NFS4_DEVICEID4_SIZE);
	p += XDR_QUADLEN(NFS4_DEVICEID4_SIZE);
	p = xdr_decode_hyper(p, &e->file_offset);
	p = xdr_decode_hyper(p, &e->len);
	p = xdr_decode_hyper(p, &e->storage_offset);
	e->state = be32_to_cpup(p);
	if (e->state == PNFS_BLOCK_NONE_DATA)
		e->storage_offset = 0;
}

static int bl_decode_extents(struct xdr_stream *xdr, struct bl_ext_list *list,
			     const struct pnfs_layout_range *range,
			     u32 blksize, struct bl_err *err)
{
	__be32 *p;
	u32 i;
	int ret;

	for (i = 0; i < list->nr; i++) {
		err->index = i;
		p = xdr_inline_decode(xdr, BL_EXTENT_XDR_SIZE);
		if (!p)
			return bl_truncated(err);
		bl_decode_extent(p, &list->exts[i]);
		ret = bl_check_extent(&list->exts[i], range->iomode, blksize,
				      err);
		if (ret)
			return ret;
	}
	err->index = 0;
	if (xdr_stream_remaining(xdr))
		return bl_reject(err, -EINVAL, BL_WHY_TRAILING);
	return 0;
}

/**
 * bl_free_ext_list - free a list from bl_decode_layout()
 * @list: the list, or %NULL
 */
void bl_free_ext_list(struct bl_ext_list *list)
{
	kvfree(list);
}
EXPORT_SYMBOL_IF_KUNIT(bl_free_ext_list);

/**
 * bl_decode_layout - decode and check the extents of a block/SCSI layout
 * @xdr: stream spanning exactly the loc_body of the LAYOUTGET layout
 * @range: the layout segment the server returned with it
 * @blksize: the server's block size in bytes, or 0 if unknown
 * @gfp: allocation flags
 * @listp: where to store the decoded extents on success
 * @err: where to say why the body was rejected
 *
 * Decodes a pnfs_block_layout4 (RFC 5663 section 2.3; RFC 8154 section
 * 2.4 uses the same body) and checks it against @range: known states
 * allowed by the iomode, sector (and block) alignment, no overflow,
 * sorted order, exact tiling of the range, and copy-on-write READ_DATA
 * extents only under INVALID_DATA extents of a read/write layout.
 * Whatever storage offset the server gave a hole, the list holds 0 there.
 * The list meets every rule bl_ext_cache_add() relies on.
 *
 * Return: %0 with *@listp set (free it with bl_free_ext_list()),
 * %-EBADMSG if the body is truncated or its count exceeds it, %-EINVAL if
 * it breaks a rule, %-ENOMEM on allocation failure.
 */
int bl_decode_layout(struct xdr_stream *xdr,
		     const struct pnfs_layout_range *range, u32 blksize,
		     gfp_t gfp, struct bl_ext_list **listp,
		     struct bl_err *err)
{
	struct bl_ext_list *list;
	u64 tiled_end;
	u32 nr;
	int ret;

	err->reason = NULL;
	err->index = 0;
	ret = bl_check_range(range, err);
	if (ret)
		return ret;
	ret = bl_get_count(xdr, &nr, BL_EXTENT_XDR_SIZE, err);
	if (ret)
		return ret;
	if (nr == 0)
		return bl_reject(err, -EINVAL, BL_WHY_NO_EXTENTS);

	list = kvzalloc(struct_size(list, exts, nr), gfp);
	if (!list)
		return -ENOMEM;
	list->nr = nr;

	ret = bl_decode_extents(xdr, list, range, blksize, err);
	if (!ret)
		ret = bl_check_order(list, range->iomode, err);
	if (!ret)
		ret = bl_check_tiling(list, range, &tiled_end, err);
	if (!ret)
		ret = bl_check_cow(list, range, tiled_end, err);
	if (ret)
		goto out_free_list;

	*listp = list;
	return 0;

out_free_list:
	bl_free_ext_list(list);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(bl_decode_layout);

/**
 * bl_layoutupdate_size - encoded size of a block layout commit body
 * @nr: number of extents to commit
 *
 * Return: bytes needed by bl_encode_layoutupdate() for @nr extents, or
 * %SIZE_MAX if that does not fit in a size_t.
 */
size_t bl_layoutupdate_size(u32 nr)
{
	return size_add(sizeof(__be32), size_mul(nr, BL_EXTENT_XDR_SIZE));
}
EXPORT_SYMBOL_IF_KUNIT(bl_layoutupdate_size);

/**
 * bl_encode_layoutupdate - encode a block layout commit body
 * @buf: where to write
 * @buflen: size of @buf in bytes
 * @exts: the extents written, in any state
 * @nr: number of entries in @exts
 *
 * Encodes a pnfs_block_layoutupdate4 (RFC 5663 section 2.3.2): the list
 * of extents now holding data, each sent as READ_WRITE_DATA whatever its
 * state in @exts.  Nothing is written unless it all fits.
 *
 * Return: the number of bytes written, or %-ENOSPC if @buflen is smaller
 * than bl_layoutupdate_size(@nr).
 */
ssize_t bl_encode_layoutupdate(void *buf, size_t buflen,
			       const struct bl_ext_desc *exts, u32 nr)
{
	size_t size = bl_layoutupdate_size(nr);
	__be32 *p = buf;
	u32 i;

	if (size > buflen)
		return -ENOSPC;
	*p++ = cpu_to_be32(nr);
	for (i = 0; i < nr; i++) {
		memcpy(p, exts[i].devid.data, NFS4_DEVICEID4_SIZE);
		p += XDR_QUADLEN(NFS4_DEVICEID4_SIZE);
		p = xdr_encode_hyper(p, exts[i].file_offset);
		p = xdr_encode_hyper(p, exts[i].len);
		p = xdr_encode_hyper(p, exts[i].storage_offset);
		*p++ = cpu_to_be32(PNFS_BLOCK_READWRITE_DATA);
	}
	return size;
}
EXPORT_SYMBOL_IF_KUNIT(bl_encode_layoutupdate);

/**
 * bl_scsi_layoutupdate_size - encoded size of a SCSI layout commit body
 * @nr: number of ranges to commit
 *
 * Return: bytes needed by bl_encode_scsi_layoutupdate() for @nr ranges,
 * or %SIZE_MAX if that does not fit in a size_t.
 */
size_t bl_scsi_layoutupdate_size(u32 nr)
{
	return size_add(sizeof(__be32), size_mul(nr, BL_SCSI_RANGE_XDR_SIZE));
}
EXPORT_SYMBOL_IF_KUNIT(bl_scsi_layoutupdate_size);

/**
 * bl_encode_scsi_layoutupdate - encode a SCSI layout commit body
 * @buf: where to write
 * @buflen: size of @buf in bytes
 * @ranges: the file ranges written
 * @nr: number of entries in @ranges
 *
 * Encodes the list of pnfs_scsi_range4 of RFC 8154 section 2.4.2.
 * Nothing is written unless it all fits.
 *
 * Return: the number of bytes written, or %-ENOSPC if @buflen is smaller
 * than bl_scsi_layoutupdate_size(@nr).
 */
ssize_t bl_encode_scsi_layoutupdate(void *buf, size_t buflen,
				    const struct bl_scsi_range *ranges,
				    u32 nr)
{
	size_t size = bl_scsi_layoutupdate_size(nr);
	__be32 *p = buf;
	u32 i;

	if (size > buflen)
		return -ENOSPC;
	*p++ = cpu_to_be32(nr);
	for (i = 0; i < nr; i++) {
		p = xdr_encode_hyper(p, ranges[i].offset);
		p = xdr_encode_hyper(p, ranges[i].len);
	}
	return size;
}
EXPORT_SYMBOL_IF_KUNIT(bl_encode_scsi_layoutupdate);
