/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pNFS block (RFC 5663) and SCSI (RFC 8154) layout client: private header.
 *
 * Glossary:
 *
 * A *volume description* (struct bl_vol_desc) is one decoded entry of the
 * GETDEVICEINFO da_addr_body, checked against the protocol but not yet
 * bound to any storage.
 * A *volume table* (struct bl_vol_table) holds all the descriptions of one
 * device ID, in wire order; the last entry is the top volume.
 * A *leaf* is a SIMPLE (block layout) or BASE (SCSI layout) volume: the
 * only kind that is bound to real storage, through struct bl_vol_ops.
 * A *volume tree* (struct bl_vol_tree) is the table with every leaf
 * resolved and every size known, ready for bl_vol_map().
 * An *extent description* (struct bl_ext_desc) is one decoded LAYOUTGET
 * extent, checked against the layout segment it came with.
 *
 * All offsets and lengths are in bytes unless a name says sectors.
 *
 * Rejections: every decoder and builder returns %-EBADMSG when the server's
 * data ends early (or a count promises more than the buffer holds),
 * %-EINVAL when the data is complete but breaks a rule, %-ENOMEM when an
 * allocation fails.  Every rejection (not %-ENOMEM) fills a struct bl_err
 * with a constant reason string (one of the BL_WHY_* below) and the index
 * of the offending item, for the caller's tracepoint and ratelimited
 * message.
 * xdr.c and volume.c never log anything themselves.
 */
#ifndef _FS_NFS_BLOCKLAYOUT_BLOCKLAYOUT_H
#define _FS_NFS_BLOCKLAYOUT_BLOCKLAYOUT_H

#include <linux/blk_types.h>
#include <linux/nfs4.h>
#include <linux/nfs_fs.h>
#include <linux/sunrpc/xdr.h>
#include <linux/types.h>

/*
 * Upper bound on the number of volumes in one device address.
 * The protocol sets none; 1024 allows deep nesting (each level is one
 * volume) while keeping a hostile reply to a few tens of KiB of memory.
 */
#define BL_MAX_VOLUMES		1024
/* Signature components per SIMPLE volume: the protocol allows 16. */
#define BL_MAX_SIG_COMPS	16
/* A signature component must fit in one sector. */
#define BL_MAX_SIG_LEN		SECTOR_SIZE
/* Largest SCSI designator we accept (SPC-4 SCSI name string: 256). */
#define BL_MAX_DESIGNATOR_LEN	256

/* XDR sizes of the fixed-size items, in bytes. */
#define BL_EXTENT_XDR_SIZE	44	/* pnfs_block_extent4 */
#define BL_SCSI_RANGE_XDR_SIZE	16	/* pnfs_scsi_range4 */

/* Reasons for rejecting server data; see struct bl_err. */
#define BL_WHY_TRUNCATED	"reply truncated"
#define BL_WHY_TRAILING		"trailing bytes after body"
#define BL_WHY_NO_VOLUMES	"no volumes"
#define BL_WHY_TOO_MANY_VOLUMES	"too many volumes"
#define BL_WHY_UNKNOWN_VOLUME	"unknown volume type"
#define BL_WHY_VOLUME_NOT_ALLOWED "volume type not allowed for layout type"
#define BL_WHY_INDEX_RANGE	"volume index out of range"
#define BL_WHY_INDEX_FORWARD	"volume refers to itself or a later volume"
#define BL_WHY_UNREFERENCED	"volume not referenced by any other"
#define BL_WHY_NO_SIGS		"no signature components"
#define BL_WHY_TOO_MANY_SIGS	"too many signature components"
#define BL_WHY_SIG_LEN		"signature length zero or above a sector"
#define BL_WHY_SIG_CROSSES	"signature crosses a sector boundary"
#define BL_WHY_SLICE_ALIGN	"slice start or length not sector aligned"
#define BL_WHY_SLICE_EMPTY	"empty slice"
#define BL_WHY_SLICE_OVERFLOW	"slice end overflows"
#define BL_WHY_STRIPE_UNIT	"stripe unit zero or not sector aligned"
#define BL_WHY_NO_MEMBERS	"no member volumes"
#define BL_WHY_TOO_MANY_MEMBERS	"too many member volumes"
#define BL_WHY_CODE_SET		"unknown code set"
#define BL_WHY_DESIG_TYPE	"unknown designator type"
#define BL_WHY_DESIG_LEN	"designator length zero or too long"
#define BL_WHY_DESIG_FORMAT	"designator malformed for its type"
#define BL_WHY_PR_KEY		"zero reservation key"
#define BL_WHY_IOMODE		"bad layout iomode"
#define BL_WHY_RANGE		"bad layout range"
#define BL_WHY_NO_EXTENTS	"no extents"
#define BL_WHY_EXT_STATE	"unknown extent state"
#define BL_WHY_EXT_EMPTY	"empty extent"
#define BL_WHY_EXT_ALIGN	"extent not sector or block aligned"
#define BL_WHY_EXT_OVERFLOW	"extent end overflows"
#define BL_WHY_EXT_ORDER	"extents out of order"
#define BL_WHY_EXT_OVERLAP	"extents overlap"
#define BL_WHY_EXT_HOLE		"hole between extents"
#define BL_WHY_EXT_OUTSIDE	"extent outside the layout range"
#define BL_WHY_EXT_COVER	"extents do not cover the layout range"
#define BL_WHY_EXT_RO_STATE	"writable extent in a read layout"
#define BL_WHY_EXT_NONE_RW	"NONE_DATA extent in a read/write layout"
#define BL_WHY_EXT_COW		"READ_DATA extent not covered by INVALID_DATA"
#define BL_WHY_RESOLVE		"leaf volume not found"
#define BL_WHY_LEAF_SIZE	"leaf size zero or not sector aligned"
#define BL_WHY_SIG_PAST_END	"signature past the end of the disk"
#define BL_WHY_SLICE_PAST_END	"slice past the end of its volume"
#define BL_WHY_CONCAT_OVERFLOW	"concat size overflows"
#define BL_WHY_STRIPE_UNEQUAL	"stripe members of unequal size"
#define BL_WHY_STRIPE_ROWS	"stripe member size not a multiple of the unit"
#define BL_WHY_STRIPE_OVERFLOW	"stripe size overflows"
#define BL_WHY_STRIPE_UNIT_SMALL "stripe unit below 4 KiB"

/**
 * struct bl_err - why server data was rejected
 * @reason: one of the BL_WHY_* strings; %NULL until something is rejected
 * @index: index of the offending volume or extent (0 when not applicable)
 */
struct bl_err {
	const char	*reason;
	u32		index;
};

/**
 * struct bl_sig_desc - one signature component of a SIMPLE volume
 * @offset: byte offset on the disk; negative means from the end
 * @len: length of @contents, 1 to %BL_MAX_SIG_LEN
 * @contents: the bytes to find at @offset (owned by the table)
 */
struct bl_sig_desc {
	s64	offset;
	u32	len;
	u8	*contents;
};

/**
 * struct bl_vol_desc - one decoded volume
 * @type: enum pnfs_block_volume_type (RFC 5663 section 2.2); the value
 *	%PNFS_BLOCK_VOLUME_SCSI is the BASE volume of RFC 8154 section 2.3
 * @simple: SIMPLE: @simple.nr_sigs components in @simple.sigs
 * @simple.nr_sigs: number of entries in @simple.sigs
 * @simple.sigs: the signature components (owned by the table)
 * @slice: SLICE: @slice.len bytes from @slice.start of volume @slice.child
 * @slice.start: byte offset in the child
 * @slice.len: length in bytes
 * @slice.child: index of the child, lower than this volume's
 * @members: CONCAT and STRIPE: the member volumes
 * @members.nr: number of entries in @members.idx
 * @members.idx: indices of the members, each lower than this volume's
 * @members.stripe_unit: STRIPE only: bytes per member per row
 * @base: BASE (SCSI layout): how to find the logical unit
 * @base.code_set: enum scsi_code_set
 * @base.desig_type: enum scsi_designator_type
 * @base.desig_len: length of @base.desig
 * @base.desig: the designator bytes (owned by the table)
 * @base.pr_key: persistent reservation key to register, never zero
 */
struct bl_vol_desc {
	u32	type;
	union {
		struct {
			u32			nr_sigs;
			struct bl_sig_desc	*sigs;
		} simple;
		struct {
			u64	start;
			u64	len;
			u32	child;
		} slice;
		struct {
			u32	nr;
			u32	*idx;
			u64	stripe_unit;
		} members;
		struct {
			u32	code_set;
			u32	desig_type;
			u32	desig_len;
			u8	*desig;
			u64	pr_key;
		} base;
	};
};

/**
 * struct bl_vol_table - all volumes of one device address
 * @nr: number of volumes, at least one
 * @vols: the volumes in wire order; @vols[@nr - 1] is the top volume
 */
struct bl_vol_table {
	u32			nr;
	struct bl_vol_desc	vols[] __counted_by(nr);
};

/**
 * struct bl_ext_desc - one decoded extent (RFC 5663 section 2.3)
 * @devid: the volume (device ID) the extent lives on
 * @file_offset: byte offset in the file
 * @len: length in bytes, never zero
 * @storage_offset: byte offset in the volume (for NONE_DATA, 0 whatever the
 *	server sent: see bl_decode_extent())
 * @state: enum pnfs_block_extent_state
 */
struct bl_ext_desc {
	struct nfs4_deviceid	devid;
	u64			file_offset;
	u64			len;
	u64			storage_offset;
	u32			state;
};

/**
 * bl_ext_desc_end - one past the last byte of a decoded extent
 * @d: the extent
 *
 * Return: @d->file_offset + @d->len.
 */
static inline u64 bl_ext_desc_end(const struct bl_ext_desc *d)
{
	return d->file_offset + d->len;
}

/**
 * struct bl_ext_list - the extents of one LAYOUTGET reply
 * @nr: number of extents, at least one
 * @exts: the extents, in wire order (checked to be sorted)
 */
struct bl_ext_list {
	u32			nr;
	struct bl_ext_desc	exts[] __counted_by(nr);
};

/**
 * struct bl_scsi_range - one range committed by a SCSI layout
 * @offset: byte offset in the file
 * @len: length in bytes
 */
struct bl_scsi_range {
	u64	offset;
	u64	len;
};

/**
 * struct bl_vol_ops - binds leaves to storage
 * @resolve: find the storage for leaf @desc (SIMPLE or BASE); on success
 *	store an opaque non-%NULL handle in *@handle and the size of the
 *	storage in bytes in *@size and return 0, else return a negative errno
 * @release: drop a handle returned by @resolve
 *
 * Both are called in process context and may sleep.
 */
struct bl_vol_ops {
	int	(*resolve)(const struct bl_vol_desc *desc, void *ctx,
			   void **handle, u64 *size);
	void	(*release)(void *handle, void *ctx);
};

struct bl_volume;

/**
 * struct bl_vol_member - one member of a CONCAT or STRIPE volume
 * @vol: the member
 * @start: CONCAT only: byte offset of the member in its parent
 */
struct bl_vol_member {
	struct bl_volume	*vol;
	u64			start;
};

/**
 * struct bl_volume - one node of a volume tree
 * @type: enum pnfs_block_volume_type, as in the description
 * @size: usable size in bytes
 * @leaf: SIMPLE and BASE: @leaf.handle from bl_vol_ops.resolve and, for
 *	BASE, the reservation key in @leaf.pr_key
 * @leaf.handle: opaque handle from bl_vol_ops.resolve
 * @leaf.pr_key: BASE only: the persistent reservation key
 * @slice: SLICE: @slice.child, starting at byte @slice.start
 * @slice.child: the sliced volume
 * @slice.start: byte offset of the slice in @slice.child
 * @parent: CONCAT and STRIPE: @parent.nr members in @parent.members
 * @parent.members: the members, in wire order
 * @parent.nr: number of members
 * @parent.unit: STRIPE only: stripe unit in bytes
 * @parent.unit_shift: STRIPE only: log2(@parent.unit) if a power of two,
 *	else 0
 *
 * Nodes may be shared: two slices of one disk point at the same leaf.
 * The tree owns every node; nodes hold no references of their own.
 */
struct bl_volume {
	u32	type;
	u64	size;
	union {
		struct {
			void	*handle;
			u64	pr_key;
		} leaf;
		struct {
			struct bl_volume	*child;
			u64			start;
		} slice;
		struct {
			struct bl_vol_member	*members;
			u32			nr;
			u64			unit;
			unsigned int		unit_shift;
		} parent;
	};
};

/**
 * struct bl_vol_tree - a resolved volume topology
 * @ops: how leaves were resolved, and how to release them
 * @ctx: the caller's context for @ops
 * @nr_built: number of leading entries of @vols that are built
 * @nr: number of volumes
 * @vols: the nodes, in wire order; the last one is the top volume
 */
struct bl_vol_tree {
	const struct bl_vol_ops	*ops;
	void			*ctx;
	u32			nr_built;
	u32			nr;
	struct bl_volume	vols[] __counted_by(nr);
};

/**
 * struct bl_vol_map - where a volume offset lives
 * @leaf: the leaf volume
 * @handle: the leaf's handle from bl_vol_ops.resolve
 * @offset: byte offset in the leaf
 * @len: bytes from @offset that stay contiguous on the leaf (up to the
 *	next stripe unit, concat member, slice or volume end)
 * @sector: @offset in 512-byte sectors, rounded down
 * @nr_sectors: @len in whole sectors
 *
 * Every boundary in a tree is a whole sector (bl_decode_deviceaddr() and
 * bl_vol_tree_build() check), so from a sector-aligned @offset, as
 * bl_vol_map_sectors() maps, @sector and @nr_sectors are exact.
 */
struct bl_vol_map {
	struct bl_volume	*leaf;
	void			*handle;
	u64			offset;
	u64			len;
	sector_t		sector;
	sector_t		nr_sectors;
};

/* xdr.c */
int bl_decode_deviceaddr(struct xdr_stream *xdr, u32 layout_type, gfp_t gfp,
			 struct bl_vol_table **tablep, struct bl_err *err);
void bl_free_vol_table(struct bl_vol_table *table);
int bl_decode_layout(struct xdr_stream *xdr,
		     const struct pnfs_layout_range *range, u32 blksize,
		     gfp_t gfp, struct bl_ext_list **listp,
		     struct bl_err *err);
void bl_free_ext_list(struct bl_ext_list *list);
size_t bl_layoutupdate_size(u32 nr);
ssize_t bl_encode_layoutupdate(void *buf, size_t buflen,
			       const struct bl_ext_desc *exts, u32 nr);
size_t bl_scsi_layoutupdate_size(u32 nr);
ssize_t bl_encode_scsi_layoutupdate(void *buf, size_t buflen,
				    const struct bl_scsi_range *ranges,
				    u32 nr);

/* volume.c */
int bl_vol_tree_build(const struct bl_vol_table *table,
		      const struct bl_vol_ops *ops, void *ctx, gfp_t gfp,
		      struct bl_vol_tree **treep, struct bl_err *err);
void bl_vol_tree_free(struct bl_vol_tree *tree);
int bl_vol_map(const struct bl_vol_tree *tree, u64 offset,
	       struct bl_vol_map *map);
int bl_vol_map_sectors(const struct bl_vol_tree *tree, sector_t sector,
		       struct bl_vol_map *map);
bool bl_vol_contains(const struct bl_vol_tree *tree, u64 offset, u64 len);

/**
 * bl_vol_top - the top volume of a tree
 * @tree: a built volume tree
 *
 * Return: the last volume of the wire array.
 */
static inline struct bl_volume *bl_vol_top(const struct bl_vol_tree *tree)
{
	return (struct bl_volume *)&tree->vols[tree->nr - 1];
}

#endif /* _FS_NFS_BLOCKLAYOUT_BLOCKLAYOUT_H */
