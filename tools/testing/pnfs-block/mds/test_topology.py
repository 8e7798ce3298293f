# SPDX-License-Identifier: GPL-2.0
"""Volume topologies: the mapping arithmetic, the GETDEVICEINFO volume
list built from the same description, and file data landing where an
independent computation of the stripe says it should."""

import os
import tempfile
import unittest

import client as C
from fs import FileSystem, SIG_OFFSET
from nfs4server import NFS4Server
from storage import StorageError
from topology import RESERVED, Topology, VConcat, VSlice, VStripe
from xdr import Unpacker
import blocklayout as bl
import nfs4const as c

MB = 1 << 20



def sparse_disks(test, n):
    """n sparse 9 MiB files for disks in a directory of their own (the
    metadata file goes there too), removed when test ends."""
    tmp = tempfile.TemporaryDirectory()
    test.addCleanup(tmp.cleanup)
    paths = []
    for i in range(n):
        p = os.path.join(tmp.name, 'd%d' % i)
        with open(p, 'wb') as f:
            f.truncate(9 * MB)
        paths.append(p)
    return paths

def serve(test):
    """A server on test.spec (its metadata file beside the disks of
    test.paths) as test.topo, test.fs and test.srv; a client of it with
    a session as test.cl."""
    test.topo = Topology(test.spec, direct=False)
    test.fs = FileSystem(None, os.path.join(os.path.dirname(test.paths[0]), 'meta'),
                         direct=False, topology=test.topo)
    test.srv = NFS4Server(test.fs)
    test.cl = C.NFS4Client(test.srv)
    test.cl.setup()


class FakeDisk:
    def __init__(self, name, size):
        self.name, self.size = name, size


class MapTest(unittest.TestCase):
    def test_slice_concat_stripe(self):
        a, b = FakeDisk('a', 8 * MB), FakeDisk('b', 8 * MB)
        from topology import VDisk
        da, db = VDisk(a, None), VDisk(b, None)
        sl = VSlice(da, MB, 2 * MB)
        self.assertEqual(sl.map(10, 5), [(a, MB + 10, 5)])
        cc = VConcat([sl, db])
        self.assertEqual(cc.size, 10 * MB)
        self.assertEqual(cc.map(2 * MB - 4, 8), [(a, 3 * MB - 4, 4), (b, 0, 4)])
        st = VStripe([da, db], 65536)
        self.assertEqual(st.size, 16 * MB)
        # Units go a, b, a, b ...: unit 3 is b's second unit.
        self.assertEqual(st.map(3 * 65536 + 7, 2), [(b, 65536 + 7, 2)])
        self.assertEqual(st.map(65536 - 1, 2), [(a, 65535, 1), (b, 0, 1)])
        with self.assertRaises(StorageError):
            st.map(16 * MB - 1, 2)
        with self.assertRaises(StorageError):
            VSlice(da, 0, 9 * MB)
        with self.assertRaises(StorageError):
            VStripe([da], 0)


class TopologyFSTest(unittest.TestCase):
    def setUp(self):
        self.paths = sparse_disks(self, 3)
        # A stripe (64 KiB) over a concat of two slices and a whole disk.
        self.spec = {'volumes': [
            {'type': 'simple', 'disk': self.paths[0]},
            {'type': 'simple', 'disk': self.paths[1]},
            {'type': 'simple', 'disk': self.paths[2]},
            {'type': 'slice', 'volume': 0, 'start': 0, 'length': 4 * MB},
            {'type': 'slice', 'volume': 1, 'start': MB, 'length': 4 * MB},
            {'type': 'concat', 'volumes': [3, 4]},
            {'type': 'stripe', 'unit': 65536, 'volumes': [5, 2]},
        ]}
        serve(self)

    def where(self, loff):
        """Independent arithmetic: (disk path, byte offset) of logical loff."""
        unit = 65536
        su, within = divmod(loff, unit)
        member, row = su % 2, su // 2
        moff = row * unit + within
        if member == 1:
            return self.paths[2], RESERVED + moff
        if moff < 4 * MB:
            return self.paths[0], RESERVED + moff
        return self.paths[1], RESERVED + MB + moff - 4 * MB

    def test_deviceinfo_volume_list(self):
        st, res = self.cl.session_compound([C.getdeviceinfo(self.srv.layouts.devid)])
        self.assertEqual(st, c.NFS4_OK)
        u = Unpacker(res[1][2][1])
        n = u.u32()
        types = []
        for _ in range(n):
            t = u.u32()
            types.append(t)
            if t == 0:
                off, sig = u.array(lambda: (u.i64(), u.opaque()))[0]
                self.assertEqual(off, SIG_OFFSET)
            elif t == 1:
                u.u64(), u.u64(), u.u32()
            elif t == 2:
                u.array(u.u32)
            elif t == 3:
                self.assertEqual(u.u64(), 65536)
                self.assertEqual(u.array(u.u32), [8, 5])   # the concat, disk 2
        u.done()
        # simple+auto slice per disk (6), two user slices, concat, stripe.
        self.assertEqual(types, [0, 1, 0, 1, 0, 1, 1, 1, 2, 3])
        for i, p in enumerate(self.paths):
            with open(p, 'rb') as f:
                f.seek(SIG_OFFSET)
                self.assertTrue(f.read(32).startswith(b'PNFSBL-TEST-MDS'))

    def test_data_lands_where_the_stripe_says(self):
        st, res = self.cl.session_compound([
            C.putrootfh(), C.open_create(self.cl.clientid, b'o', b'f'), C.getfh()])
        sid, fh = res[2][2]['stateid'], res[3][2]
        data = os.urandom(300000)
        st, res = self.cl.session_compound([C.putfh(fh), C.write(sid, 0, data)])
        self.assertEqual(st, c.NFS4_OK)
        ino = self.fs.lookup(self.fs.root(), b'f')
        (foff, n, loff, state), = [tuple(r) for r in ino.extents.runs]
        for probe in (0, 65535, 65536, 200001, 299999):
            path, off = self.where(loff + probe)
            with open(path, 'rb') as f:
                f.seek(off)
                self.assertEqual(f.read(1), data[probe:probe + 1], probe)
        st, res = self.cl.session_compound([C.putfh(fh), C.read(sid, 0, 400000)])
        self.assertEqual(res[2][2], (True, data))

    def test_restart_with_topology(self):
        self.fs.save()
        fs2 = FileSystem(None, self.fs.meta_path, direct=False,
                         topology=Topology(self.spec, direct=False))
        self.assertEqual(fs2.volume_id, self.fs.volume_id)

    def test_bad_specs(self):
        for bad in ({'volumes': []},
                    {'volumes': [{'type': 'slice', 'volume': 0, 'start': 0, 'length': 512}]},
                    {'volumes': [{'type': 'simple', 'disk': self.paths[0]},
                                 {'type': 'stripe', 'unit': 0, 'volumes': [0]}]},
                    {'volumes': [{'type': 'mirror'}]}):
            with self.assertRaises((StorageError, IndexError, KeyError)):
                Topology(bad, direct=False)


class DevicesTest(unittest.TestCase):
    """"devices": six device IDs, each a slice, the address space
    interleaving them in 64 KiB units; a file's extents alternate."""

    UNIT = 65536
    SLICE = 2 * MB

    def setUp(self):
        self.paths = sparse_disks(self, 2)
        vols = [{'type': 'simple', 'disk': self.paths[0]},
                {'type': 'simple', 'disk': self.paths[1]}]
        # Slice k: disk k % 2, from (k // 2) * 2 MiB on.
        for k in range(6):
            vols.append({'type': 'slice', 'volume': k % 2,
                         'start': (k // 2) * self.SLICE, 'length': self.SLICE})
        self.spec = {'volumes': vols,
                     'devices': {'unit': self.UNIT, 'volumes': [2, 3, 4, 5, 6, 7]}}
        serve(self)

    def dev_where(self, k, doff):
        """Independent arithmetic: (disk path, byte offset) of doff on
        device k (the slice's automatic 1 MiB reserve on its disk)."""
        return self.paths[k % 2], RESERVED + (k // 2) * self.SLICE + doff

    def test_device_ids_and_volume_lists(self):
        devs = self.srv.layouts.device_ids()
        self.assertEqual(len(set(devs)), 6)
        for devid in devs:
            st, res = self.cl.session_compound([C.getdeviceinfo(devid)])
            self.assertEqual(st, c.NFS4_OK)
            u = Unpacker(res[1][2][1])
            self.assertEqual(u.u32(), 3)        # simple, auto slice, slice
            self.assertEqual(u.u32(), 0)
            self.assertEqual(u.array(lambda: (u.i64(), u.opaque()))[0][0], SIG_OFFSET)
            self.assertEqual((u.u32(), u.u64(), u.u64(), u.u32()),
                             (1, RESERVED, 9 * MB - RESERVED, 0))
            k = devs.index(devid)
            self.assertEqual((u.u32(), u.u64(), u.u64(), u.u32()),
                             (1, (k // 2) * self.SLICE, self.SLICE, 1))
            u.done()
        st, _ = self.cl.session_compound([C.getdeviceinfo(b'\x5a' * 16)])
        self.assertEqual(st, c.NFS4ERR_NOENT)

    def test_extents_alternate_and_data_lands_on_each_device(self):
        st, res = self.cl.session_compound([
            C.putrootfh(), C.open_create(self.cl.clientid, b'o', b'f'), C.getfh()])
        sid, fh = res[2][2]['stateid'], res[3][2]
        data = os.urandom(MB)
        st, res = self.cl.session_compound([C.putfh(fh), C.write(sid, 0, data)])
        self.assertEqual(st, c.NFS4_OK)
        st, res = self.cl.session_compound([
            C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_READ, 0, MB)])
        self.assertEqual(st, c.NFS4_OK)
        exts = [e for e in bl.decode_layout(res[2][2]['layouts'][0][4])
                if e.state != c.PNFS_BLOCK_NONE_DATA]
        devs = self.srv.layouts.device_ids()
        self.assertEqual(len({e.devid for e in exts}), 6)
        self.assertEqual(sum(e.length for e in exts), MB)
        for a, b in zip(exts, exts[1:]):
            self.assertNotEqual(a.devid, b.devid)
        for e in exts:
            self.assertLessEqual(e.length, self.UNIT)
            path, off = self.dev_where(devs.index(e.devid), e.soff)
            with open(path, 'rb') as f:
                f.seek(off)
                self.assertEqual(f.read(e.length), data[e.foff:e.foff + e.length])

    def test_commit_names_device_offsets(self):
        st, res = self.cl.session_compound([
            C.putrootfh(), C.open_create(self.cl.clientid, b'o', b'g'), C.getfh()])
        sid, fh = res[2][2]['stateid'], res[3][2]
        st, res = self.cl.session_compound([
            C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 4 * self.UNIT,
                                     4 * self.UNIT)])
        self.assertEqual(st, c.NFS4_OK)
        lsid = res[2][2]['stateid']
        exts = bl.decode_layout(res[2][2]['layouts'][0][4])
        self.assertEqual(len({e.devid for e in exts}), 4)
        data = os.urandom(4 * self.UNIT)
        devs = self.srv.layouts.device_ids()
        for e in exts:
            path, off = self.dev_where(devs.index(e.devid), e.soff)
            with open(path, 'r+b') as f:
                f.seek(off)
                f.write(data[e.foff:e.foff + e.length])
        bad = bl.Extent(exts[1].devid, exts[0].foff, exts[0].length, exts[0].soff, 0)
        st, _ = self.cl.session_compound([C.putfh(fh), C.layoutcommit(
            lsid, 0, self.UNIT, self.UNIT - 1, bl.encode_layoutupdate([bad]))])
        self.assertEqual(st, c.NFS4ERR_BADLAYOUT)
        upd = bl.encode_layoutupdate([bl.Extent(e.devid, e.foff, e.length, e.soff, 0)
                                      for e in exts])
        st, _ = self.cl.session_compound([C.putfh(fh), C.layoutcommit(
            lsid, 0, 4 * self.UNIT, 4 * self.UNIT - 1, upd)])
        self.assertEqual(st, c.NFS4_OK)
        st, res = self.cl.session_compound([C.putfh(fh), C.read(sid, 0, 4 * self.UNIT)])
        self.assertEqual(res[2][2], (True, data))

    def test_bad_device_specs(self):
        vols = self.spec['volumes']
        for bad in ({'unit': self.UNIT, 'volumes': []},
                    {'unit': self.UNIT, 'volumes': [2, 2]},
                    {'unit': self.UNIT, 'volumes': [2, 0]},    # unequal sizes
                    {'unit': self.UNIT, 'volumes': [2, 99]},
                    {'unit': 0, 'volumes': [2, 3]}):
            with self.assertRaises((StorageError, IndexError, KeyError)):
                Topology({'volumes': vols, 'devices': bad}, direct=False)


if __name__ == '__main__':
    unittest.main()
