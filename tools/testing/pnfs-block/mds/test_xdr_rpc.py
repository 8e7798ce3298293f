# SPDX-License-Identifier: GPL-2.0
"""XDR round trips and RPC record marking."""

import socket
import struct
import threading
import unittest

from xdr import Packer, Unpacker, XDRError
import rpc


class XDRTest(unittest.TestCase):
    def test_round_trip(self):
        p = Packer()
        p.u32(7)
        p.i32(-2)
        p.u64(1 << 40)
        p.i64(-5)
        p.bool(True)
        p.opaque(b'abc')
        p.fopaque(5, b'12345')
        p.string('h\u00e9')
        p.array([1, 2, 3], p.u32)
        data = p.data()
        self.assertEqual(len(data) % 4, 0)
        u = Unpacker(data)
        self.assertEqual(u.u32(), 7)
        self.assertEqual(u.i32(), -2)
        self.assertEqual(u.u64(), 1 << 40)
        self.assertEqual(u.i64(), -5)
        self.assertTrue(u.bool())
        self.assertEqual(u.opaque(), b'abc')
        self.assertEqual(u.fopaque(5), b'12345')
        self.assertEqual(u.string().decode(), 'h\u00e9')
        self.assertEqual(u.array(u.u32), [1, 2, 3])
        u.done()

    def test_padding_bytes(self):
        p = Packer()
        p.opaque(b'a')
        self.assertEqual(p.data(), b'\0\0\0\x01a\0\0\0')

    def test_truncated_everywhere(self):
        p = Packer()
        p.u32(1)
        p.opaque(b'hello')
        p.u64(9)
        data = p.data()
        for n in range(len(data)):
            u = Unpacker(data[:n])
            with self.assertRaises(XDRError):
                u.u32()
                u.opaque()
                u.u64()

    def test_limits(self):
        p = Packer()
        p.opaque(b'x' * 10)
        with self.assertRaises(XDRError):
            Unpacker(p.data()).opaque(4)
        with self.assertRaises(XDRError):
            Unpacker(struct.pack('>I', 2)).bool()
        with self.assertRaises(XDRError):
            Unpacker(struct.pack('>I', 1000000)).array(lambda: 0)
        with self.assertRaises(XDRError):
            Packer().u32(-1)
        with self.assertRaises(XDRError):
            Unpacker(b"\0" * 8).done()


class RecordTest(unittest.TestCase):
    def _pair(self):
        a, b = socket.socketpair()
        self.addCleanup(a.close)
        self.addCleanup(b.close)
        return a, b

    def test_single_fragment(self):
        self.assertEqual(rpc.frame(b'abcd'), b'\x80\0\0\x04abcd')

    def test_multi_fragment_reassembly(self):
        a, b = self._pair()
        rec = bytes(range(256)) * 10
        wire = rpc.frame(rec, maxfrag=100)
        self.assertEqual(wire[:4], b'\0\0\0\x64')      # not the last fragment
        # Deliver byte by byte from another thread to exercise short reads.
        t = threading.Thread(target=lambda: [a.send(wire[i:i + 7])
                                             for i in range(0, len(wire), 7)])
        t.start()
        self.assertEqual(rpc.read_record(b), rec)
        t.join()

    def test_eof_and_oversize(self):
        a, b = self._pair()
        a.sendall(rpc.frame(b'x' * 8) + struct.pack('>I', 0x80000000 | 64) + b'y')
        a.close()
        self.assertEqual(rpc.read_record(b), b'x' * 8)
        with self.assertRaises(EOFError):
            rpc.read_record(b)
        c, d = self._pair()
        c.sendall(struct.pack('>I', 0x80000000 | 0x7fffffff))
        with self.assertRaises(XDRError):
            rpc.read_record(d, maxlen=1024)

    def test_call_and_reply_over_tcp(self):
        srv = rpc.RPCServer('127.0.0.1', 0)
        seen = []

        def handler(call):
            seen.append((call.proc, call.authsys.uid if call.authsys else None))
            if call.proc == 9:
                return None
            return call.args.rest()[::-1]
        srv.register(1234, [1], handler)
        srv.start()
        self.addCleanup(srv.shutdown)
        cred = (rpc.AUTH_SYS, rpc.AuthSys(1, b'm', 42, 7, [1, 2]).encode())
        cl = rpc.RPCClient('127.0.0.1', srv.port, 1234, 1, cred)
        self.addCleanup(cl.close)
        self.assertEqual(cl.call(1, b'abcdefgh').rest(), b'hgfedcba')
        self.assertEqual(seen, [(1, 42)])
        with self.assertRaises(rpc.RPCError):
            cl.call(9)
        cl2 = rpc.RPCClient('127.0.0.1', srv.port, 999, 1)
        self.addCleanup(cl2.close)
        with self.assertRaises(rpc.RPCError):
            cl2.call(0)


if __name__ == '__main__':
    unittest.main()
