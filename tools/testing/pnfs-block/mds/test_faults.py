# SPDX-License-Identifier: GPL-2.0
"""Fault injection: each named malformation changes exactly the next
reply, and the result is still a well-framed COMPOUND."""

import unittest

import blocklayout as bl
import client as C
import faults
import nfs4const as c
from xdr import Unpacker, XDRError
from test_compound import ServerCase


class FaultTest(ServerCase):
    def layoutget(self, name, iomode=c.LAYOUTIOMODE4_RW):
        sid, fh = self.create_file(name)
        return self.ok([C.putfh(fh), C.layoutget(sid, iomode, 0, 65536, 65536)])[1]

    def test_every_layoutget_kind_is_one_shot(self):
        for i, kind in enumerate(sorted(faults.LAYOUTGET)):
            if kind in faults.FORGET['LAYOUTGET']:
                continue
            # A READ layout of a new file is one hole, for the kinds
            # that rewrite holes; RW layouts have none.
            iomode = (c.LAYOUTIOMODE4_READ if kind in faults.LEGAL['LAYOUTGET']
                      else c.LAYOUTIOMODE4_RW)
            faults.arm(self.srv, 'LAYOUTGET', kind)
            bad = self.layoutget(b'f%d' % i, iomode)
            body = bad['layouts'][0][4]
            try:
                ext = bl.decode_layout(body)
            except XDRError:
                ext = None
            good = self.layoutget(b'g%d' % i, iomode)
            gext = bl.decode_layout(good['layouts'][0][4])
            self.assertNotEqual(ext, gext, kind)
            self.assertEqual(len(gext), 1, kind)
        self.assertEqual([k for _, k in self.srv.faults_injected],
                         sorted(set(faults.LAYOUTGET) - set(faults.FORGET['LAYOUTGET'])))

    def test_new_stateid(self):
        """The body is the server's, the stateid one it never issued; the
        real one still works and the client's next LAYOUTGET gets it."""
        sid, fh = self.create_file(b'ns')
        get = [C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 65536, 65536)]
        first = self.ok(get)[1]
        faults.arm(self.srv, 'LAYOUTGET', 'new-stateid')
        bad = self.ok(get)[1]
        good = self.ok(get)[1]
        self.assertEqual(bad['layouts'], good['layouts'])
        self.assertEqual(first['stateid'][1], good['stateid'][1])
        self.assertNotEqual(bad['stateid'][1], good['stateid'][1])
        self.assertEqual(bad['stateid'][1][:4], good['stateid'][1][:4])
        self.assertEqual(len(bad['stateid'][1]), 12)
        self.assertEqual(self.srv.faults_injected, [('LAYOUTGET', 'new-stateid')])
        self.assertEqual(faults.armed(self.srv), {})
        # The stateid the server never issued is refused.
        st = self.srv.states.lookup(*bad['stateid'])
        self.assertEqual(st, c.NFS4ERR_BAD_STATEID)

    def test_specific_layoutget_kinds(self):
        faults.arm(self.srv, 'LAYOUTGET', 'bad-state')
        with self.assertRaises(XDRError):
            bl.decode_layout(self.layoutget(b'a')['layouts'][0][4])
        faults.arm(self.srv, 'LAYOUTGET', 'unaligned')
        e = bl.decode_layout(self.layoutget(b'b')['layouts'][0][4])[0]
        self.assertEqual(e.foff % 512, 1)

    def test_hole_storage_offset(self):
        sid, fh = self.create_file(b'sparse')
        data = b'\x5a' * 8192
        self.ok([C.putfh(fh), C.write(sid, 4096, data, c.FILE_SYNC4)])
        get = [C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_READ, 0, 1 << 20, 0)]
        good = bl.decode_layout(self.ok(get)[1]['layouts'][0][4])
        self.assertEqual([(e.foff, e.length, e.state, e.soff != 0) for e in good],
                         [(0, 4096, c.PNFS_BLOCK_NONE_DATA, False),
                          (4096, 8192, c.PNFS_BLOCK_READ_DATA, True),
                          (12288, (1 << 20) - 12288, c.PNFS_BLOCK_NONE_DATA, False)])

        # An RW layout has no hole: it goes out unchanged, the fault stays.
        faults.arm(self.srv, 'LAYOUTGET', 'hole-storage-offset')
        rw = self.layoutget(b'rw')
        self.assertEqual(len(bl.decode_layout(rw['layouts'][0][4])), 1)
        self.assertEqual(faults.armed(self.srv),
                         {'LAYOUTGET': ['hole-storage-offset', 1]})
        self.assertEqual(self.srv.faults_injected, [])

        # The next READ layout: every hole, and nothing else, rewritten.
        bad = bl.decode_layout(self.ok(get)[1]['layouts'][0][4])
        self.assertEqual([e.soff for e in bad],
                         [faults.HOLE_STORAGE_OFFSET, good[1].soff,
                          faults.HOLE_STORAGE_OFFSET])
        self.assertEqual(faults.HOLE_STORAGE_OFFSET % 512, 1)
        for b, g in zip(bad, good):
            self.assertEqual((b.devid, b.foff, b.length, b.state),
                             (g.devid, g.foff, g.length, g.state))
        self.assertEqual(faults.armed(self.srv), {})
        self.assertEqual(self.srv.faults_injected,
                         [('LAYOUTGET', 'hole-storage-offset')])
        self.assertEqual(bl.decode_layout(self.ok(get)[1]['layouts'][0][4]), good)

    def test_legal_kinds_are_known(self):
        for op, kinds in faults.LEGAL.items():
            self.assertLessEqual(set(kinds), set(faults.TABLES[op]), op)
        for op, kinds in faults.FORGET.items():
            self.assertLessEqual(set(kinds), set(faults.TABLES[op]), op)

    def test_getdeviceinfo_kinds(self):
        devid = self.srv.layouts.devid
        good = self.ok([C.getdeviceinfo(devid)])[0][1]
        for kind in sorted(faults.GETDEVICEINFO):
            faults.arm(self.srv, 'GETDEVICEINFO', kind)
            ltype, addr, notify = self.ok([C.getdeviceinfo(devid)])[0]
            self.assertEqual(ltype, c.LAYOUT4_BLOCK_VOLUME)
            self.assertNotEqual(addr, good, kind)
        self.assertEqual(self.ok([C.getdeviceinfo(devid)])[0][1], good)
        faults.arm(self.srv, 'GETDEVICEINFO', 'bad-volume-type')
        bad = self.ok([C.getdeviceinfo(devid)])[0][1]
        self.assertEqual(len(bad), len(good))
        self.assertEqual(Unpacker(bad).fopaque(8), b'\0\0\0\x01\0\0\0\x09')
        faults.arm(self.srv, 'GETDEVICEINFO', 'too-many-sigs')
        u = Unpacker(self.ok([C.getdeviceinfo(devid)])[0][1])
        self.assertEqual((u.u32(), u.u32(), u.u32()), (1, 0, 17))

    def test_unknown_kind(self):
        with self.assertRaises(KeyError):
            faults.arm(self.srv, 'LAYOUTGET', 'no-such-fault')


if __name__ == '__main__':
    unittest.main()
