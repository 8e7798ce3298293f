# SPDX-License-Identifier: GPL-2.0
"""Volume topologies (RFC 5663 section 2.3.1): how a logical volume address
maps onto disks, for the server's own I/O, and the volume list that
describes the same mapping to the client in GETDEVICEINFO.

A topology file is JSON:

    {"volumes": [
        {"type": "simple", "disk": "/dev/vdc"},
        {"type": "simple", "disk": "/dev/vdd"},
        {"type": "slice", "volume": 0, "start": 0, "length": 1073741824},
        {"type": "concat", "volumes": [2, 1]},
        {"type": "stripe", "unit": 65536, "volumes": [0, 1]}
    ]}

The last volume is the top one; children refer to earlier entries.  Every
"simple" disk carries the server's signature in its first MiB, so the
server puts each one behind an automatic SLICE starting at 1 MiB and
children that name a simple volume get that slice: the whole address
space of the top volume holds file data.

With a "devices" key the server hands out one device ID per listed
volume instead of one for the top volume:

    "devices": {"unit": 131072, "volumes": [2, 3, 4, 5, 6, 7]}

Its address space then interleaves those volumes in units of "unit"
bytes (like a stripe that is never described to the client: unit u of
the address space is unit u // N of device u % N), so that the extents
of any file larger than a unit alternate between the device IDs.  Each
device ID's GETDEVICEINFO describes its volume alone (the volumes it
refers to, renumbered); the last volume of the list need not be used.
"""

import json

import blocklayout as bl
from storage import Disk, StorageError

RESERVED = 1 << 20


class VDisk:
    """A whole disk (the SIMPLE volume)."""

    def __init__(self, disk, sig):
        self.disk, self.sig = disk, sig
        self.size = disk.size

    def map(self, off, n):
        if off < 0 or off + n > self.size:
            raise StorageError('map %d+%d past a disk of %d' % (off, n, self.size))
        return [(self.disk, off, n)]


class VSlice:
    def __init__(self, child, start, length):
        if start % 512 or length % 512 or start + length > child.size:
            raise StorageError('slice %d+%d does not fit its volume' % (start, length))
        self.child, self.start, self.size = child, start, length

    def map(self, off, n):
        if off < 0 or off + n > self.size:
            raise StorageError('map past a slice')
        return self.child.map(self.start + off, n)


class VConcat:
    def __init__(self, children):
        if not children:
            raise StorageError('empty concat')
        self.children = children
        self.size = sum(ch.size for ch in children)

    def map(self, off, n):
        out = []
        base = 0
        for ch in self.children:
            if n and off < base + ch.size:
                k = min(n, base + ch.size - off)
                out += ch.map(off - base, k)
                off += k
                n -= k
            base += ch.size
        if n:
            raise StorageError('map past a concat')
        return out


class VStripe:
    def __init__(self, children, unit):
        if not children or unit <= 0 or unit % 512:
            raise StorageError('bad stripe')
        self.children, self.unit = children, unit
        rows = min(ch.size for ch in children) // unit
        self.size = rows * unit * len(children)

    def map(self, off, n):
        if off < 0 or off + n > self.size:
            raise StorageError('map past a stripe')
        out = []
        k = len(self.children)
        while n:
            su = off // self.unit
            within = off % self.unit
            c = min(n, self.unit - within)
            ch = self.children[su % k]
            out += ch.map((su // k) * self.unit + within, c)
            off += c
            n -= c
        return out


class VolumeDevice:
    """Byte I/O on the top volume of a topology (the Disk interface)."""

    def __init__(self, top, disks):
        self.top, self.disks = top, disks
        self.size = top.size
        self.direct = all(d.direct for d in disks)

    def read(self, off, n):
        return b''.join(d.read(o, k) for d, o, k in self.top.map(off, n))

    def write(self, off, data):
        pos = 0
        for d, o, k in self.top.map(off, len(data)):
            d.write(o, data[pos:pos + k])
            pos += k

    def zero(self, off, n):
        for d, o, k in self.top.map(off, n):
            d.zero(o, k)

    def flush(self):
        for d in self.disks:
            d.flush()

    def close(self):
        for d in self.disks:
            d.close()


class Topology:
    """Built from the JSON description; see the module comment."""

    def __init__(self, spec, direct=True, open_disk=None):
        open_disk = open_disk or (lambda path: Disk(path, direct))
        self.disks = []
        self.proto = []          # blocklayout volume objects, in order
        self.simple_sig = []     # (Disk, index into proto) for signatures
        maps = []                # per user volume: (mapping, proto index)
        for i, v in enumerate(spec['volumes']):
            t = v['type']
            refs = [maps[j] for j in v.get('volumes', [])] if t in ('concat', 'stripe') else []
            if any(j >= i or j < 0 for j in v.get('volumes', [])):
                raise StorageError('volume %d refers forward' % i)
            if t == 'simple':
                disk = open_disk(v['disk'])
                self.disks.append(disk)
                vd = VDisk(disk, None)
                si = len(self.proto)
                self.proto.append(None)         # signature filled in later
                self.simple_sig.append((disk, si))
                sl = VSlice(vd, RESERVED, (disk.size - RESERVED) // 4096 * 4096)
                self.proto.append(bl.SliceVolume(sl.start, sl.size, si))
                maps.append((sl, len(self.proto) - 1))
            elif t == 'slice':
                j = v['volume']
                if j >= i:
                    raise StorageError('volume %d refers forward' % i)
                ch, ci = maps[j]
                m = VSlice(ch, v['start'], v['length'])
                self.proto.append(bl.SliceVolume(m.start, m.size, ci))
                maps.append((m, len(self.proto) - 1))
            elif t == 'concat':
                m = VConcat([r[0] for r in refs])
                self.proto.append(bl.ConcatVolume([r[1] for r in refs]))
                maps.append((m, len(self.proto) - 1))
            elif t == 'stripe':
                m = VStripe([r[0] for r in refs], v['unit'])
                self.proto.append(bl.StripeVolume(m.unit, [r[1] for r in refs]))
                maps.append((m, len(self.proto) - 1))
            else:
                raise StorageError('unknown volume type %r' % t)
        if not maps:
            raise StorageError('no volumes')
        top, ti = maps[-1]
        if ti != len(self.proto) - 1:
            raise StorageError('the top volume must be the last')
        self.dev_roots = None    # proto index of each device's volume
        self.dev_unit = 0
        if 'devices' in spec:
            top = self._devices(spec['devices'], maps)
        self.device = VolumeDevice(top, self.disks)

    def _devices(self, d, maps):
        """The address space of a "devices" topology: an interleave of
        the listed volumes (a VStripe the client never sees)."""
        vols = d['volumes']
        if not vols or len(vols) > 255 or any(j < 0 or j >= len(maps) for j in vols):
            raise StorageError('bad device volume list')
        if len(set(vols)) != len(vols):
            raise StorageError('a volume listed twice as a device')
        members = [maps[j][0] for j in vols]
        if len({m.size for m in members}) != 1:
            raise StorageError('device volumes must be of one size')
        self.dev_roots = [maps[j][1] for j in vols]
        top = VStripe(members, d['unit'])
        self.dev_unit = top.unit
        return top

    def device_count(self):
        """Device IDs the server hands out (1 without "devices")."""
        return len(self.dev_roots) if self.dev_roots else 1

    def dev_map(self, off):
        """(device number, offset on its volume) of address-space offset
        off, and the bytes from off to the end of its unit."""
        if not self.dev_roots:
            return 0, off, self.device.size - off
        k = len(self.dev_roots)
        su, within = divmod(off, self.dev_unit)
        return su % k, (su // k) * self.dev_unit + within, self.dev_unit - within

    def dev_unmap(self, dev, doff):
        """The address-space offset of offset doff on device dev."""
        if not self.dev_roots:
            return doff
        k = len(self.dev_roots)
        row, within = divmod(doff, self.dev_unit)
        return (row * k + dev) * self.dev_unit + within

    def device_volumes(self, dev):
        """The volume list describing device dev: its volume and every
        volume it refers to, in order, with child indices renumbered."""
        if not self.dev_roots:
            return self.proto
        need, todo = set(), [self.dev_roots[dev]]
        while todo:
            i = todo.pop()
            if i in need:
                continue
            need.add(i)
            v = self.proto[i]
            if isinstance(v, bl.SliceVolume):
                todo.append(v.child)
            elif isinstance(v, (bl.ConcatVolume, bl.StripeVolume)):
                todo += v.children
        order = sorted(need)
        new = {old: n for n, old in enumerate(order)}
        out = []
        for i in order:
            v = self.proto[i]
            if isinstance(v, bl.SliceVolume):
                v = bl.SliceVolume(v.start, v.length, new[v.child])
            elif isinstance(v, bl.ConcatVolume):
                v = bl.ConcatVolume([new[j] for j in v.children])
            elif isinstance(v, bl.StripeVolume):
                v = bl.StripeVolume(v.unit, [new[j] for j in v.children])
            out.append(v)
        return out

    @classmethod
    def load(cls, path, direct=True):
        with open(path) as f:
            return cls(json.load(f), direct)

    def signatures(self, volume_id, offset, magic):
        """(Disk, signature bytes) per simple disk; fills in the SIMPLE
        volumes' signature components."""
        out = []
        for n, (disk, si) in enumerate(self.simple_sig):
            sig = magic + volume_id[:15] + bytes([n])
            self.proto[si] = bl.SimpleVolume([(offset, sig)])
            out.append((disk, sig))
        return out
