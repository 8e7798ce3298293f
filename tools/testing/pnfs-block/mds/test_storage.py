# SPDX-License-Identifier: GPL-2.0
"""Allocator, extent map and the file-backed Disk."""

import os
import tempfile
import unittest

from storage import (Allocator, Disk, ExtentMap, NoSpace, ST_HOLE,
                     ST_INVALID, ST_RW)

B = 4096


class AllocatorTest(unittest.TestCase):
    def test_alloc_free_merge(self):
        a = Allocator(B, 11 * B, B)
        r1 = a.alloc(3 * B)
        r2 = a.alloc(2 * B)
        self.assertEqual(r1, [(B, 3 * B)])
        self.assertEqual(r2, [(4 * B, 2 * B)])
        a.release(B, 3 * B)
        a.release(4 * B, 2 * B)
        self.assertEqual(a.free, [[B, 10 * B]])
        with self.assertRaises(NoSpace):
            a.alloc(11 * B)

    def test_hint_and_fragmentation(self):
        a = Allocator(0, 10 * B, B)
        a.alloc(2 * B)
        a.alloc(2 * B)
        a.release(0, 2 * B)
        # 2 blocks free at 0, 6 at 4: a 4-block run splits across both.
        self.assertEqual(a.alloc(4 * B), [(0, 2 * B), (4 * B, 2 * B)])
        a.release(0, B)
        # A hint at the start of a free run wins over first fit ...
        self.assertEqual(a.alloc(B, hint=6 * B), [(6 * B, B)])
        # ... one inside a run does not.
        self.assertEqual(a.alloc(B, hint=8 * B), [(0, B)])

    def test_reserve(self):
        a = Allocator(0, 10 * B, B)
        a.reserve(2 * B, 3 * B)
        self.assertEqual(a.free, [[0, 2 * B], [5 * B, 5 * B]])
        with self.assertRaises(Exception):
            a.reserve(4 * B, 2 * B)


class ExtentMapTest(unittest.TestCase):
    def test_allocate_segments_commit(self):
        a = Allocator(0, 100 * B, B)
        m = ExtentMap()
        m.allocate(2 * B, 2 * B, a)
        segs = m.segments(0, 6 * B)
        self.assertEqual(segs, [(0, 2 * B, None, ST_HOLE),
                                (2 * B, 2 * B, 0, ST_INVALID),
                                (4 * B, 2 * B, None, ST_HOLE)])
        self.assertEqual(m.set_state(3 * B, B, ST_RW, from_state=ST_INVALID), B)
        self.assertEqual(m.runs, [[2 * B, B, 0, ST_INVALID], [3 * B, B, B, ST_RW]])
        # Contiguous allocation continues the previous run.
        m.allocate(4 * B, B, a)
        self.assertEqual(m.runs[-1], [4 * B, B, 2 * B, ST_INVALID])

    def test_truncate_frees(self):
        a = Allocator(0, 100 * B, B)
        m = ExtentMap()
        m.allocate(0, 10 * B, a)
        m.truncate(3 * B + 1, B, a)
        self.assertEqual(m.used_bytes(), 4 * B)
        self.assertEqual(a.free_bytes(), 96 * B)


class DiskTest(unittest.TestCase):
    def test_unaligned_io(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, 'disk')
            with open(path, 'wb') as f:
                f.truncate(1 << 20)
            for direct in (False, True):
                disk = Disk(path, direct)
                disk.write(4095, b'xyz')
                disk.write(8192, b'A' * 4096)
                self.assertEqual(disk.read(4094, 5), b'\0xyz\0')
                self.assertEqual(disk.read(8190, 4), b'\0\0AA')
                with self.assertRaises(Exception):
                    disk.read((1 << 20) - 1, 2)
                disk.zero(4095, 3)
                self.assertEqual(disk.read(4095, 3), b'\0\0\0')
                disk.close()


if __name__ == '__main__':
    unittest.main()
