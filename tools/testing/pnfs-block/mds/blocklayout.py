# SPDX-License-Identifier: GPL-2.0
"""pNFS block layout (RFC 5663) and SCSI layout (RFC 8154) encodings.

A device is described by a list of volumes; the last one is the top
volume and children refer to earlier entries by index (RFC 5663 section
2.3.1).  Each volume class encodes its own arm, so slices, concats and
stripes nest by building the list in order.
"""

from xdr import Packer, Unpacker, XDRError
import nfs4const as c

EXTENT4_SIZE = 44


class SimpleVolume:
    """PNFS_BLOCK_VOLUME_SIMPLE: a disk found by its signature components
    [(offset, contents)]; a negative offset counts from the disk end."""

    vtype = c.PNFS_BLOCK_VOLUME_SIMPLE

    def __init__(self, sigs):
        self.sigs = list(sigs)

    def encode(self, p):
        p.u32(self.vtype)
        p.u32(len(self.sigs))
        for off, contents in self.sigs:
            p.i64(off)
            p.opaque(contents)


class SliceVolume:
    vtype = c.PNFS_BLOCK_VOLUME_SLICE

    def __init__(self, start, length, child):
        self.start, self.length, self.child = start, length, child

    def encode(self, p):
        p.u32(self.vtype)
        p.u64(self.start)
        p.u64(self.length)
        p.u32(self.child)


class ConcatVolume:
    vtype = c.PNFS_BLOCK_VOLUME_CONCAT

    def __init__(self, children):
        self.children = list(children)

    def encode(self, p):
        p.u32(self.vtype)
        p.array(self.children, p.u32)


class StripeVolume:
    vtype = c.PNFS_BLOCK_VOLUME_STRIPE

    def __init__(self, unit, children):
        self.unit, self.children = unit, list(children)

    def encode(self, p):
        p.u32(self.vtype)
        p.u64(self.unit)
        p.array(self.children, p.u32)


class ScsiBaseVolume:
    """RFC 8154 section 2.3.2: PNFS_SCSI_VOLUME_BASE."""

    vtype = c.PNFS_SCSI_VOLUME_BASE

    def __init__(self, code_set, desig_type, designator, pr_key):
        self.code_set, self.desig_type = code_set, desig_type
        self.designator, self.pr_key = designator, pr_key

    def encode(self, p):
        p.u32(self.vtype)
        p.u32(self.code_set)
        p.u32(self.desig_type)
        p.opaque(self.designator)
        p.u64(self.pr_key)


def encode_deviceaddr(volumes):
    """The da_addr_body of GETDEVICEINFO: bda_volumes<>."""
    p = Packer()
    p.u32(len(volumes))
    for v in volumes:
        v.encode(p)
    return p.data()


class Extent:
    """pnfs_block_extent4 (RFC 5663 section 2.4)."""

    __slots__ = ('devid', 'foff', 'length', 'soff', 'state')

    def __init__(self, devid, foff, length, soff, state):
        self.devid, self.foff, self.length = devid, foff, length
        self.soff, self.state = soff, state

    def encode(self, p):
        p.fopaque(c.NFS4_DEVICEID4_SIZE, self.devid)
        p.u64(self.foff)
        p.u64(self.length)
        p.u64(self.soff)
        p.u32(self.state)

    @classmethod
    def decode(cls, u):
        e = cls(u.fopaque(c.NFS4_DEVICEID4_SIZE), u.u64(), u.u64(), u.u64(), u.u32())
        if e.state > c.PNFS_BLOCK_NONE_DATA:
            raise XDRError('unknown extent state %d' % e.state)
        return e

    def __eq__(self, o):
        return all(getattr(self, k) == getattr(o, k) for k in self.__slots__)

    def __repr__(self):
        return 'Extent(%s, %d, %d, %d, %d)' % (self.devid.hex(), self.foff,
                                               self.length, self.soff, self.state)


def encode_layout(extents):
    """The loc_body of a block layout: blo_extents<>."""
    p = Packer()
    p.array(extents, lambda e: e.encode(p))
    return p.data()


def decode_layout(body):
    u = Unpacker(body)
    ext = u.array(lambda: Extent.decode(u))
    u.done()
    return ext


def encode_layoutupdate(extents):
    """pnfs_block_layoutupdate4 (RFC 5663 section 2.3.2)."""
    return encode_layout(extents)


def decode_layoutupdate(body):
    """Decode blu_commit_list<>; every extent must be READ_WRITE_DATA."""
    ext = decode_layout(body)
    for e in ext:
        if e.state != c.PNFS_BLOCK_READ_WRITE_DATA:
            raise XDRError('committed extent in state %d' % e.state)
    return ext


def decode_scsi_layoutupdate(body):
    """pnfs_scsi_layoutupdate4 (RFC 8154 section 2.4.2): ranges."""
    u = Unpacker(body)
    r = u.array(lambda: (u.u64(), u.u64()))
    u.done()
    return r
