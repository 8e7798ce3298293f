# SPDX-License-Identifier: GPL-2.0
"""SCSI layouts (RFC 8154): the BASE volume against the protocol-notes test
vector, LAYOUTCOMMIT by ranges, and designator parsing from VPD 0x83."""

import unittest

import blocklayout as bl
import client as C
from fs import FileSystem
from nfs4server import NFS4Server
from pnfs import scsi_designator_from_vpd
from xdr import Packer, Unpacker
import nfs4const as c
from test_compound import ServerCase

NAA = bytes.fromhex('6001405abcdef0123456789abcdef012')


class ScsiTest(ServerCase):
    def start_server(self):
        self.fs = FileSystem(self.disk, self.meta, direct=False)
        self.srv = NFS4Server(self.fs, scsi=dict(designator=NAA, desig_type=3,
                                                 pr_key=0x0000000165a0b1c2))

    def test_deviceinfo_matches_vector(self):
        p = Packer()
        p.fopaque(16, self.srv.layouts.devid)
        p.u32(c.LAYOUT4_SCSI)
        p.u32(65536)
        p.u32(0)
        op = C.Op(c.OP_GETDEVICEINFO, p.data(), lambda u: (u.u32(), u.opaque()))
        ltype, addr = self.ok([op])[0]
        self.assertEqual(ltype, c.LAYOUT4_SCSI)
        self.assertEqual(addr, bytes.fromhex(
            '00000001 00000004 00000001 00000003 00000010 '
            '6001405abcdef0123456789abcdef012 0000000165a0b1c2'.replace(' ', '')))
        # A block-layout GETDEVICEINFO is refused.
        self.assertEqual(self.status([C.getdeviceinfo(self.srv.layouts.devid)]),
                         c.NFS4ERR_UNKNOWN_LAYOUTTYPE)

    def test_layout_and_range_commit(self):
        r = self.ok([C.putrootfh(), C.getattr_([c.FATTR4_FS_LAYOUT_TYPES])])
        u = Unpacker(r[1][1])
        self.assertEqual(u.array(u.u32), [c.LAYOUT4_SCSI])
        sid, fh = self.create_file(b's')
        lg = C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 16384, 16384)
        lg.args = lg.args[:4] + (c.LAYOUT4_SCSI).to_bytes(4, 'big') + lg.args[8:]
        res = self.ok([C.putfh(fh), lg])[1]
        (off, length, iomode, ltype, body), = res['layouts']
        self.assertEqual(ltype, c.LAYOUT4_SCSI)
        ext, = bl.decode_layout(body)
        self.assertEqual(ext.state, c.PNFS_BLOCK_INVALID_DATA)
        upd = bytes.fromhex('00000001 0000000000000000 0000000000001000'.replace(' ', ''))
        lc = C.layoutcommit(res['stateid'], 0, 4096, 4095, upd)
        tail = len(upd) + 8
        lc.args = lc.args[:-tail] + (c.LAYOUT4_SCSI).to_bytes(4, 'big') + lc.args[-tail + 4:]
        self.assertEqual(self.ok([C.putfh(fh), lc])[1], 4096)
        ino = self.fs.lookup(self.fs.root(), b's')
        self.assertEqual([r[3] for r in ino.extents.runs], ['rw', 'inv'])


class VPDTest(unittest.TestCase):
    def test_prefers_naa(self):
        eui = bytes(range(8))
        page = bytearray(b'\x00\x83\x00\x00')
        page += bytes([0x02, 0x01, 0, 4]) + b'ABCD'          # ASCII T10: skipped
        page += bytes([0x01, 0x02, 0, 8]) + eui              # binary EUI-64
        page += bytes([0x01, 0x03, 0, 16]) + NAA             # binary NAA
        page += bytes([0x01, 0x13, 0, 4]) + b'port'          # target port: skipped
        page[2:4] = (len(page) - 4).to_bytes(2, 'big')
        self.assertEqual(scsi_designator_from_vpd(bytes(page)), (3, NAA))
        no_naa = bytes(page[:4 + 8 + 12])
        no_naa = no_naa[:2] + (len(no_naa) - 4).to_bytes(2, 'big') + no_naa[4:]
        self.assertEqual(scsi_designator_from_vpd(no_naa), (2, eui))
        with self.assertRaises(ValueError):
            scsi_designator_from_vpd(b'\x00\x83\x00\x00')


if __name__ == '__main__':
    unittest.main()
