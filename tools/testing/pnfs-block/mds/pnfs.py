# SPDX-License-Identifier: GPL-2.0
"""The block layout provider: which device describes the storage, and how a
file's block map turns into LAYOUTGET extents and back from LAYOUTCOMMIT.

Today: one SIMPLE volume, the whole data disk, so a storage offset in the
file system's block map is a byte offset on that volume.  Stripes, concats
and slices plug in by giving the provider a different volume list and an
address space the allocator hands out (see blocklayout.py).
"""

from blocklayout import (Extent, ScsiBaseVolume, SimpleVolume, decode_layoutupdate,
                         decode_scsi_layoutupdate)
from xdr import XDRError
from fs import FSError, SIG_OFFSET
from storage import NoSpace, ST_COW, ST_HOLE, ST_INVALID, ST_RW, round_down, round_up
import nfs4const as c

# Cap on what one RW LAYOUTGET allocates, and what one READ layout spans.
RW_CHUNK = 64 << 20
READ_SPAN = 256 << 20


class BlockLayoutProvider:
    layout_type = c.LAYOUT4_BLOCK_VOLUME

    def __init__(self, fs):
        self.fs = fs
        self.devid = fs.volume_id[:c.NFS4_DEVICEID4_SIZE]
        self.topo = fs.topo
        ndev = fs.topo.device_count() if fs.topo is not None else 1
        if ndev > 1:
            # One device ID per device volume (topology.py "devices").
            self.devids = [fs.volume_id[:c.NFS4_DEVICEID4_SIZE - 1] + bytes([0x80 + k])
                           for k in range(ndev)]
            self.devid = self.devids[0]
        else:
            self.devids = [self.devid]
        if fs.topo is not None:
            self.volumes = fs.topo.proto
        else:
            self.volumes = [SimpleVolume([(SIG_OFFSET, fs.signature())])]
        self.rw_chunk = RW_CHUNK
        self.cow_read_first = False

    def device_ids(self):
        return list(self.devids)

    def set_signature(self, sig):
        """Name the one SIMPLE volume by sig, [(offset, bytes)], instead of
        this server's own disk signature; None restores that.  A misconfigured
        or hostile server does this (control: device-sig): the client's
        blkmapd then finds whichever local disk carries those bytes."""
        if self.fs.topo is not None or self.layout_type != c.LAYOUT4_BLOCK_VOLUME:
            raise ValueError('device-sig needs the plain block layout')
        self.volumes = [SimpleVolume(sig or [(SIG_OFFSET, self.fs.signature())])]

    def device_volumes(self, devid):
        """The volume list that describes devid, or FSError(NOENT)."""
        if devid not in self.devids:
            raise FSError(c.NFS4ERR_NOENT)
        if len(self.devids) > 1:
            return self.topo.device_volumes(self.devids.index(devid))
        return self.volumes

    def _split_devs(self, exts):
        """With several device IDs, cut every extent that has storage at
        the device units of the address space, each piece on its own
        device ID with its offset on that device."""
        if len(self.devids) == 1:
            return exts
        out = []
        for e in exts:
            if e.state == c.PNFS_BLOCK_NONE_DATA:
                out.append(e)
                continue
            foff, n, soff = e.foff, e.length, e.soff
            while n:
                dev, doff, room = self.topo.dev_map(soff)
                k = min(n, room)
                out.append(Extent(self.devids[dev], foff, k, doff, e.state))
                foff, n, soff = foff + k, n - k, soff + k
        return out

    def _commit_soff(self, e):
        """The address-space offset a committed extent names, or None
        when it names none (storage offset 0, as Linux's client sends)."""
        if e.devid not in self.devids:
            raise FSError(c.NFS4ERR_BADLAYOUT)
        if not e.soff and len(self.devids) == 1:
            return None
        if len(self.devids) == 1:
            return e.soff
        dev = self.devids.index(e.devid)
        _, doff, room = self.topo.dev_map(self.topo.dev_unmap(dev, e.soff))
        if e.length > room:
            raise FSError(c.NFS4ERR_BADLAYOUT)    # crosses a device unit
        return self.topo.dev_unmap(dev, e.soff)

    def _state(self, st, iomode):
        if st == ST_COW:
            return c.PNFS_BLOCK_READ_DATA
        if st == ST_RW:
            return (c.PNFS_BLOCK_READ_WRITE_DATA if iomode == c.LAYOUTIOMODE4_RW
                    else c.PNFS_BLOCK_READ_DATA)
        if st == ST_INVALID and iomode == c.LAYOUTIOMODE4_RW:
            return c.PNFS_BLOCK_INVALID_DATA
        return c.PNFS_BLOCK_NONE_DATA

    def layout_get(self, ino, iomode, off, length, minlength, max_extents):
        """Returns (offset, length, [Extent]) for a LAYOUTGET.

        RW layouts allocate every hole in the range (as INVALID data, RFC
        5663 section 2.3.2) up to rw_chunk past the request's minimum; READ
        layouts describe holes and uncommitted blocks as NONE_DATA.  In RW
        layouts a block shared with a clone comes as an INVALID extent on
        new storage followed by a READ_DATA extent on the shared one, the
        copy-on-write pair of RFC 5663 section 2.3.2.
        """
        bs = self.fs.blksize
        # Like nfsd (nfsd4_block_proc_layoutget(), "I/O misaligned"): an
        # offset inside a block gets no layout, and a client that sends
        # one (the generic client aligns only to a page) loses pNFS.
        if off % bs:
            raise FSError(c.NFS4ERR_LAYOUTUNAVAILABLE)
        start = off
        want_end = off + length if length != c.NFS4_UINT64_MAX else c.NFS4_UINT64_MAX
        min_end = round_up(off + max(minlength, 1), bs)
        if iomode == c.LAYOUTIOMODE4_RW:
            end = min(round_up(want_end, bs), start + max(self.rw_chunk, min_end - start))
            end = max(end, min_end)
            try:
                ino.extents.allocate(start, end - start, self.fs.alloc)
            except NoSpace:
                raise FSError(c.NFS4ERR_NOSPC)
            self.fs.dirty = True
        else:
            # Cover what was asked even past EOF (as NONE_DATA), like
            # nfsd: a READ layout that stops at EOF sends a client's
            # O_DIRECT read of the last, short chunk to the MDS.
            end = min(round_up(want_end, bs), start + READ_SPAN)
            end = max(end, min_end, start + bs)
        exts = self._split_devs(self._extents(ino, iomode, start, end))
        if len(exts) > max_extents:
            exts = self._cut(ino, exts, max_extents)
            end = exts[-1].foff + exts[-1].length
            if end < min_end:
                raise FSError(c.NFS4ERR_TOOSMALL)
        return start, end - start, exts

    def _extents(self, ino, iomode, start, end):
        """The extents of [start, end) for a layout of iomode, adjacent
        NONE_DATA ones merged."""
        exts = []
        for foff, n, soff, st in ino.extents.segments(start, end - start):
            if st == ST_COW and iomode == c.LAYOUTIOMODE4_RW:
                exts += self._cow_pair(ino, foff, n, soff)
                continue
            state = self._state(st, iomode)
            if state == c.PNFS_BLOCK_NONE_DATA:
                soff = 0
            if (exts and exts[-1].state == state == c.PNFS_BLOCK_NONE_DATA):
                exts[-1].length += n
                continue
            exts.append(Extent(self.devid, foff, n, soff, state))
        return exts

    def _cut(self, ino, exts, max_extents):
        """The first max_extents of exts, never half of a copy-on-write
        pair; TOOSMALL if none is left."""
        if max_extents < 1:
            raise FSError(c.NFS4ERR_TOOSMALL)
        exts = exts[:max_extents]
        last = exts[-1]
        if (last.state in (c.PNFS_BLOCK_INVALID_DATA, c.PNFS_BLOCK_READ_DATA)
                and ino.cow_new.segments(last.foff, 1)[0][3] != ST_HOLE
                and (len(exts) < 2 or exts[-2].foff != last.foff)):
            exts.pop()
        if not exts:
            raise FSError(c.NFS4ERR_TOOSMALL)
        return exts

    def _cow_pair(self, ino, foff, n, soff):
        try:
            ino.cow_new.allocate(foff, n, self.fs.alloc)
        except NoSpace:
            raise FSError(c.NFS4ERR_NOSPC)
        out = []
        for pfoff, pn, psoff, _ in ino.cow_new.segments(foff, n):
            pair = [Extent(self.devid, pfoff, pn, psoff, c.PNFS_BLOCK_INVALID_DATA),
                    Extent(self.devid, pfoff, pn, soff + pfoff - foff,
                           c.PNFS_BLOCK_READ_DATA)]
            # RFC 5663 does not order the two extents of a pair; Linux's
            # mainline client takes either (control: cow-order).
            out += pair[::-1] if self.cow_read_first else pair
        return out

    def commit_range(self, ino, off, n):
        """[off, off + n) was written through a layout: uncommitted blocks
        become data, copy-on-write ranges move to their new blocks."""
        ino.extents.set_state(off, n, ST_RW, from_state=ST_INVALID)
        for foff, k, soff, st in ino.extents.segments(off, n):
            if st != ST_COW:
                continue
            for pfoff, pn, psoff, pst in ino.cow_new.segments(foff, k):
                if pst == ST_HOLE:
                    continue
                ino.cow_new.punch(pfoff, pn)
                for r in ino.extents.remap(pfoff, pn, psoff, ST_RW):
                    self.fs.free(r[2], r[1])
        self.fs.dirty = True

    def commit_body(self, ino, body):
        """LAYOUTCOMMIT's layoutupdate4 body for this layout type."""
        try:
            exts = decode_layoutupdate(body)
        except XDRError:
            raise FSError(c.NFS4ERR_BADLAYOUT)
        self.commit(ino, exts)

    def commit(self, ino, extents):
        """Apply a LAYOUTCOMMIT list: INVALID -> written (RFC 5663 2.3.2)."""
        bs = self.fs.blksize
        for e in extents:
            if e.foff % bs or e.length % bs or e.soff % bs or e.length == 0:
                raise FSError(c.NFS4ERR_BADLAYOUT)
            want = self._commit_soff(e)
            segs = ino.extents.segments(e.foff, e.length)
            for foff, n, soff, st in segs:
                if st == ST_HOLE:
                    raise FSError(c.NFS4ERR_BADLAYOUT)
                if st == ST_COW:
                    continue        # committed to its new blocks
                # Linux's client (6.12 blocklayout encode_block_extent())
                # always sends storage offset 0, and nfsd ignores it; a
                # non-zero one must match what we handed out.
                if want is not None and soff != want + (foff - e.foff):
                    raise FSError(c.NFS4ERR_BADLAYOUT)
        for e in extents:
            self.commit_range(ino, e.foff, e.length)


class ScsiLayoutProvider(BlockLayoutProvider):
    """RFC 8154 SCSI layouts: the same extents, one BASE volume named by a
    SCSI designator with the reservation key the client must register,
    and LAYOUTCOMMIT by file ranges."""

    layout_type = c.LAYOUT4_SCSI

    def __init__(self, fs, designator, desig_type=3, code_set=1, pr_key=0):
        super().__init__(fs)
        if not designator or len(designator) > 256:
            raise ValueError('SCSI designator must be 1..256 bytes')
        self.volumes = [ScsiBaseVolume(code_set, desig_type, designator, pr_key)]

    def commit_body(self, ino, body):
        """RFC 8154 section 2.4.2: the committed ranges become written."""
        try:
            ranges = decode_scsi_layoutupdate(body)
        except XDRError:
            raise FSError(c.NFS4ERR_BADLAYOUT)
        bs = self.fs.blksize
        for off, n in ranges:
            if off % bs or n % bs or n == 0:
                raise FSError(c.NFS4ERR_BADLAYOUT)
            if any(st == ST_HOLE for _, _, _, st in ino.extents.segments(off, n)):
                raise FSError(c.NFS4ERR_BADLAYOUT)
        for off, n in ranges:
            self.commit_range(ino, off, n)


def scsi_designator_from_vpd(page):
    """The first NAA (type 3) or EUI-64 (type 2) binary designator of a
    VPD page 0x83 (Device Identification), as (type, bytes)."""
    pos = 4
    end = min(len(page), 4 + int.from_bytes(page[2:4], 'big'))
    found = {}
    while pos + 4 <= end:
        code_set = page[pos] & 0xf
        assoc = (page[pos + 1] >> 4) & 3
        dtype = page[pos + 1] & 0xf
        n = page[pos + 3]
        if code_set == 1 and assoc == 0 and dtype in (2, 3):
            found.setdefault(dtype, page[pos + 4:pos + 4 + n])
        pos += 4 + n
    for dtype in (3, 2):
        if dtype in found:
            return dtype, found[dtype]
    raise ValueError('no NAA or EUI-64 designator in the VPD page')
