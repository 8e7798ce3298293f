# SPDX-License-Identifier: GPL-2.0
"""Block and SCSI layout encodings against the test vectors in
/work/shared/protocol-notes.md (built following Linux nfsd's encoders)."""

import unittest

import blocklayout as bl
from xdr import XDRError
import nfs4const as c

AA = bytes.fromhex('aa' * 16)


def h(s):
    return bytes.fromhex(s.replace(' ', ''))


class VectorTest(unittest.TestCase):
    def test_simple_deviceaddr(self):
        sig = bytes(range(0x10, 0x20))
        got = bl.encode_deviceaddr([bl.SimpleVolume([(32, sig)])])
        self.assertEqual(got, h('00000001 00000000 00000001 0000000000000020 '
                                '00000010 101112131415161718191a1b1c1d1e1f'))

    def test_invalid_extent_layout(self):
        e = bl.Extent(AA, 0, 1 << 20, 4 << 30, c.PNFS_BLOCK_INVALID_DATA)
        want = h('00000001 ' + 'aa' * 16 + ' 0000000000000000 0000000000100000 '
                 '0000000100000000 00000002')
        self.assertEqual(bl.encode_layout([e]), want)
        self.assertEqual(bl.decode_layout(want), [e])

    def test_layoutupdate(self):
        body = h('00000001 ' + 'aa' * 16 + ' 0000000000000000 0000000000001000 '
                 '0000000100000000 00000000')
        ext = bl.decode_layoutupdate(body)
        self.assertEqual(ext, [bl.Extent(AA, 0, 4096, 4 << 30, 0)])
        self.assertEqual(bl.encode_layoutupdate(ext), body)
        self.assertEqual(len(body), 4 + 44)

    def test_scsi_base_deviceaddr(self):
        v = bl.ScsiBaseVolume(1, 3, h('6001405abcdef0123456789abcdef012'),
                              0x0000000165a0b1c2)
        self.assertEqual(bl.encode_deviceaddr([v]),
                         h('00000001 00000004 00000001 00000003 00000010 '
                           '6001405abcdef0123456789abcdef012 0000000165a0b1c2'))

    def test_scsi_layoutupdate(self):
        self.assertEqual(bl.decode_scsi_layoutupdate(
            h('00000001 0000000000000000 0000000000001000')), [(0, 4096)])

    def test_nested_topology_indices(self):
        vols = [bl.SimpleVolume([(512, b'a' * 4)]), bl.SimpleVolume([(512, b'b' * 4)]),
                bl.SliceVolume(0, 1 << 20, 0), bl.SliceVolume(0, 1 << 20, 1),
                bl.StripeVolume(65536, [2, 3]), bl.ConcatVolume([4])]
        d = bl.encode_deviceaddr(vols)
        self.assertEqual(d[:8], h('00000006 00000000'))
        self.assertEqual(d[-12:], h('00000002 00000001 00000004'))

    def test_rejects(self):
        bad_state = h('00000001 ' + 'aa' * 16 + ' 0' * 48 + ' 00000004')
        with self.assertRaises(XDRError):
            bl.decode_layout(bad_state)
        not_rw = h('00000001 ' + 'aa' * 16 + ' 0' * 48 + ' 00000002')
        with self.assertRaises(XDRError):
            bl.decode_layoutupdate(not_rw)
        good = h('00000001 ' + 'aa' * 16 + ' 0' * 48 + ' 00000000')
        for n in range(len(good)):
            with self.assertRaises(XDRError):
                bl.decode_layoutupdate(good[:n])
        with self.assertRaises(XDRError):
            bl.decode_layoutupdate(good + b'\0\0\0\0')


if __name__ == '__main__':
    unittest.main()
