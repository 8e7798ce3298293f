# SPDX-License-Identifier: GPL-2.0
"""Clones and copy-on-write: shared blocks, the MDS write path copying a
block before writing it, and RW layouts with INVALID + READ_DATA pairs."""

import os
import unittest

import blocklayout as bl
import client as C
import nfs4const as c
from test_compound import ServerCase


class CowTest(ServerCase):
    def setUp(self):
        super().setUp()
        self.sid, self.fh = self.create_file(b'src')
        self.data = os.urandom(3 * 4096)
        self.ok([C.putfh(self.fh), C.write(self.sid, 0, self.data)])
        self.src = self.fs.lookup(self.fs.root(), b'src')
        self.free0 = self.fs.alloc.free_bytes()
        self.dst = self.fs.clone(self.src, self.fs.root(), b'dst')
        r = self.ok([C.putrootfh(), C.open_create(self.cl.clientid, b'o2', b'dst'), C.getfh()])
        self.dsid, self.dfh = r[1]['stateid'], r[2]

    def read(self, fh, sid, n=1 << 20):
        return self.ok([C.putfh(fh), C.read(sid, 0, n)])[1][1]

    def test_clone_shares_blocks(self):
        self.assertEqual(self.fs.alloc.free_bytes(), self.free0)
        self.assertEqual(self.read(self.dfh, self.dsid), self.data)
        self.assertEqual([r[3] for r in self.src.extents.runs], ['cow'])
        self.assertEqual(self.src.extents.runs[0][2], self.dst.extents.runs[0][2])

    def test_mds_partial_write_copies_the_block(self):
        self.ok([C.putfh(self.dfh), C.write(self.dsid, 5000, b'XYZ')])
        want = bytearray(self.data)
        want[5000:5003] = b'XYZ'
        self.assertEqual(self.read(self.dfh, self.dsid), bytes(want))
        self.assertEqual(self.read(self.fh, self.sid), self.data)
        # One block copied: blocks 0 and 2 still shared.
        self.assertEqual(self.fs.alloc.free_bytes(), self.free0 - 4096)
        self.assertEqual([r[3] for r in self.dst.extents.runs], ['cow', 'rw', 'cow'])

    def test_rw_layout_cow_pairs_and_commit(self):
        r = self.ok([C.putfh(self.dfh), C.layoutget(self.dsid, c.LAYOUTIOMODE4_RW,
                                                    0, 8192, 8192)])[1]
        ext = bl.decode_layout(r['layouts'][0][4])
        self.assertEqual([(e.foff, e.length, e.state) for e in ext],
                         [(0, 8192, c.PNFS_BLOCK_INVALID_DATA),
                          (0, 8192, c.PNFS_BLOCK_READ_DATA)])
        self.assertEqual(ext[1].soff, self.src.extents.runs[0][2])
        self.assertNotEqual(ext[0].soff, ext[1].soff)
        # A READ layout of the source names the shared blocks as data.
        rr = self.ok([C.putfh(self.fh), C.layoutget(self.sid, c.LAYOUTIOMODE4_READ,
                                                    0, 12288, 0)])[1]
        self.assertEqual([e.state for e in bl.decode_layout(rr['layouts'][0][4])][:1],
                         [c.PNFS_BLOCK_READ_DATA])
        # The "client" copies the old block and writes its bytes into block 1.
        new = bytearray(self.data[:8192])
        new[4096:4100] = b'abcd'
        with open(self.disk, 'r+b') as f:
            f.seek(ext[0].soff)
            f.write(new)
        upd = bl.encode_layoutupdate([bl.Extent(ext[0].devid, 0, 8192, 0, 0)])
        self.ok([C.putfh(self.dfh), C.layoutcommit(r['stateid'], 0, 8192, 8191, upd)])
        self.assertEqual(self.read(self.dfh, self.dsid), bytes(new) + self.data[8192:])
        self.assertEqual(self.read(self.fh, self.sid), self.data)
        self.assertEqual(self.dst.extents.runs[0][3], 'rw')
        self.assertEqual(self.dst.cow_new.runs, [])

    def test_read_first_order_and_maxcount_keeps_pairs(self):
        self.srv.layouts.cow_read_first = True
        r = self.ok([C.putfh(self.dfh), C.layoutget(self.dsid, c.LAYOUTIOMODE4_RW,
                                                    0, 8192, 8192)])[1]
        ext = bl.decode_layout(r['layouts'][0][4])
        self.assertEqual([e.state for e in ext],
                         [c.PNFS_BLOCK_READ_DATA, c.PNFS_BLOCK_INVALID_DATA])
        # Room for three extents: never a lone half of the second pair.
        self.ok([C.putfh(self.dfh), C.write(self.dsid, 4096, b'z')])   # split the pair
        overhead = 4 + 4 + 16 + 4 + 8 + 8 + 4 + 4 + 4 + 4
        r = self.ok([C.putfh(self.dfh), C.layoutget(
            self.dsid, c.LAYOUTIOMODE4_RW, 0, 12288, 4096,
            maxcount=overhead + 3 * 44)])[1]
        ext = bl.decode_layout(r['layouts'][0][4])
        self.assertEqual([(e.foff, e.state) for e in ext],
                         [(0, c.PNFS_BLOCK_READ_DATA), (0, c.PNFS_BLOCK_INVALID_DATA),
                          (4096, c.PNFS_BLOCK_READ_WRITE_DATA)])

    def test_blocks_freed_when_both_gone(self):
        self.ok([C.putfh(self.fh), C.close(self.sid)])
        self.ok([C.putrootfh(), C.remove(b'src')])
        self.assertEqual(self.fs.alloc.free_bytes(), self.free0)
        self.assertEqual(self.read(self.dfh, self.dsid), self.data)
        self.ok([C.putfh(self.dfh), C.close(self.dsid)])
        self.ok([C.putrootfh(), C.remove(b'dst')])
        self.assertEqual(self.fs.alloc.free_bytes(), self.free0 + 3 * 4096)
        self.assertEqual(self.fs.shared, {})

    def test_restart_keeps_sharing(self):
        self.fs.save()
        self.fs.disk.close()
        self.start_server()
        self.assertEqual(self.fs.alloc.free_bytes(), self.free0)
        self.assertEqual(len(self.fs.shared), 3)


if __name__ == '__main__':
    unittest.main()
