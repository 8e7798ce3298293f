# SPDX-License-Identifier: GPL-2.0
"""The server over real TCP: record-marked COMPOUNDs, the back channel
(CB_LAYOUTRECALL through the control socket) and the control channel."""

import os
import tempfile
import threading
import time
import unittest

import client as C
from control import ControlServer
from fs import FileSystem
from nfs4server import NFS4Server
from xdr import Packer, Unpacker
import mdsctl
import nfs4const as c
import rpc



def cb_reply(sid, seq, op, status):
    """A CB_COMPOUND reply: CB_SEQUENCE OK for (sid, seq), then op with
    status."""
    p = Packer()
    p.u32(0)
    p.opaque(b'')
    p.u32(2)
    p.u32(c.OP_CB_SEQUENCE)
    p.u32(0)
    p.fopaque(16, sid)
    for v in (seq, 0, 0, 0):
        p.u32(v)
    p.u32(op)
    p.u32(status)
    return p.data()

class TCPCase(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        disk = os.path.join(tmp.name, 'disk')
        with open(disk, 'wb') as f:
            f.truncate(32 << 20)
        self.fs = FileSystem(disk, None, direct=False)
        self.nfs = NFS4Server(self.fs)
        self.rpc = rpc.RPCServer('127.0.0.1', 0)
        self.nfs.register(self.rpc)
        self.rpc.start()
        self.addCleanup(self.rpc.shutdown)
        self.sock = os.path.join(tmp.name, 'ctl')
        self.ctl = ControlServer(self.sock, self.nfs)
        self.ctl.start()
        self.addCleanup(self.ctl.close)
        self.cl = C.NFS4Client(host='127.0.0.1', port=self.rpc.port)
        self.addCleanup(self.cl.rpc.close)

    def ctl_cmd(self, line):
        return mdsctl.send(self.sock, line)

    def ctl_polling(self, line, pause):
        """Run a control command that sends a callback, the client polling
        the server every pause seconds (so that its connection reads the
        call) for up to 10 s; returns [the answer], or [] if none came."""
        out = []
        t = threading.Thread(target=lambda: out.append(self.ctl_cmd(line)))
        t.start()
        deadline = time.monotonic() + 10
        while t.is_alive() and time.monotonic() < deadline:
            self.cl.session_compound([C.putrootfh()])
            time.sleep(pause)
        t.join(1)
        return out

    def test_null_and_session_over_tcp(self):
        self.assertEqual(self.cl.rpc.call(c.NFSPROC4_NULL).rest(), b'')
        eid, cs = self.cl.setup()
        self.assertTrue(cs['flags'] & c.CREATE_SESSION4_FLAG_CONN_BACK_CHAN)
        st, res = self.cl.session_compound([C.putrootfh(), C.getfh()])
        self.assertEqual(st, c.NFS4_OK)
        self.assertEqual(res[0][2]['flags'], 0)      # back channel is up
        self.assertEqual(self.ctl_cmd('ops')['SEQUENCE'], 1)
        self.assertEqual(self.ctl_cmd('oplog 1'), [['GETFH', 0]])
        self.assertIn('error', self.ctl_cmd('bogus'))

    def test_layout_recall_over_back_channel(self):
        self.cl.setup()
        st, res = self.cl.session_compound([
            C.putrootfh(), C.open_create(self.cl.clientid, b'o', b'r'), C.getfh()])
        osid, fh = res[2][2]['stateid'], res[3][2]
        st, res = self.cl.session_compound([
            C.putfh(fh), C.layoutget(osid, c.LAYOUTIOMODE4_RW, 0, 65536, 4096)])
        self.assertEqual(st, c.NFS4_OK)
        lsid = res[2][2]['stateid']
        lg_seq = self.cl.seq
        seen = []

        def refcall_lists(u):
            return [(u.fopaque(16), u.array(lambda: (u.u32(), u.u32())))
                    for _ in range(u.u32())]

        def callback(prog, vers, proc, u):
            u.opaque()
            u.u32()
            u.u32()
            ops = []
            for _ in range(u.u32()):
                op = u.u32()
                if op == c.OP_CB_SEQUENCE:
                    args = (u.fopaque(16), u.u32(), u.u32(), u.u32(), u.bool(),
                            refcall_lists(u))
                else:
                    args = (u.u32(), u.u32(), u.bool(), u.u32(), u.opaque(),
                            u.u64(), u.u64(), (u.u32(), u.fopaque(12)))
                ops.append((op, args))
            seen.append((prog, proc, ops))
            return cb_reply(ops[0][1][0], ops[0][1][1], c.OP_CB_LAYOUTRECALL, 0)
        self.cl.rpc.callback = callback
        out = self.ctl_polling('recall /r', 0.05)
        self.assertEqual(out, [[[[c.OP_CB_SEQUENCE, 0], [c.OP_CB_LAYOUTRECALL, 0]]]])
        prog, proc, ops = seen[0]
        self.assertEqual((prog, proc), (0x40000000, c.CB_COMPOUND))
        (op1, seqargs), (op2, rargs) = ops
        self.assertEqual((op1, op2), (c.OP_CB_SEQUENCE, c.OP_CB_LAYOUTRECALL))
        self.assertEqual(seqargs[0], self.cl.sid)
        # The LAYOUTGET the recall may overtake, as a referring call:
        # (sequenceid, slotid) on the client's session.
        self.assertEqual(seqargs[5], [(self.cl.sid, [(lg_seq, 0)])])
        self.assertEqual(rargs[0], c.LAYOUT4_BLOCK_VOLUME)
        self.assertEqual(rargs[3], c.LAYOUTRECALL4_FILE)
        self.assertEqual(rargs[4], fh)
        # The recall moved the layout stateid on by one.
        self.assertEqual(rargs[7], (lsid[0] + 1, lsid[1]))
        # Until the layout is back, no new one on the file.
        st, res = self.cl.session_compound([
            C.putfh(fh), C.layoutget(rargs[7], c.LAYOUTIOMODE4_RW, 0, 65536, 4096)])
        self.assertEqual(st, c.NFS4ERR_RECALLCONFLICT)
        st, res = self.cl.session_compound([C.putfh(fh), C.layoutreturn(rargs[7])])
        self.assertEqual(st, c.NFS4_OK)
        st, res = self.cl.session_compound([
            C.putfh(fh), C.layoutget(osid, c.LAYOUTIOMODE4_RW, 0, 65536, 4096)])
        self.assertEqual(st, c.NFS4_OK)
        # referring-calls off, as nfsd 6.12: no referring call list.
        self.assertEqual(self.ctl_cmd('referring-calls off'), 'ok')
        self.assertIn('error', self.ctl_cmd('referring-calls maybe'))
        out = self.ctl_polling('recall /r', 0.05)
        self.assertEqual(out, [[[[c.OP_CB_SEQUENCE, 0], [c.OP_CB_LAYOUTRECALL, 0]]]])
        self.assertEqual(seen[1][2][0][1][5], [])

    def _run_cb(self, command, parse, minor=1):
        """Run a control command that sends one callback op over a session
        of minor version minor; answer it OK and return (control answer,
        parsed callback args)."""
        self.cl.setup(minor=minor)
        seen = []

        def callback(prog, vers, proc, u):
            u.opaque()
            # The session's minor version, or the client finds no session.
            self.assertEqual(u.u32(), minor)
            u.u32()
            self.assertEqual(u.u32(), 2)
            self.assertEqual(u.u32(), c.OP_CB_SEQUENCE)
            sid, seq = u.fopaque(16), u.u32()
            u.u32(), u.u32(), u.bool(), u.u32()
            op = u.u32()
            seen.append((op, parse(u)))
            return cb_reply(sid, seq, op, 0)
        self.cl.rpc.callback = callback
        out = self.ctl_polling(command, 0.05)
        return out[0], seen[0]

    def _layout(self, name):
        st, res = self.cl.session_compound([
            C.putrootfh(), C.open_create(self.cl.clientid, b'o', name), C.getfh()])
        sid, fh = res[2][2]['stateid'], res[3][2]
        st, res = self.cl.session_compound([
            C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 65536, 4096)])
        return fh, res[2][2]['stateid']

    def test_recall_delay_retried_nomatching_drops(self):
        self.cl.setup()
        fh, lsid = self._layout(b'd')
        answers = [c.NFS4ERR_DELAY, c.NFS4ERR_DELAY, c.NFS4ERR_NOMATCHING_LAYOUT]
        seen = []

        def callback(prog, vers, proc, u):
            u.opaque()
            u.u32()
            u.u32()
            u.u32()
            u.u32()
            sid, seq = u.fopaque(16), u.u32()
            seen.append(seq)
            return cb_reply(sid, seq, c.OP_CB_LAYOUTRECALL, answers[len(seen) - 1])
        self.cl.rpc.callback = callback
        self.nfs.cb_delay = 0.01
        out = self.ctl_polling('recall /d', 0.01)
        self.assertEqual(seen, [1, 2, 3])
        self.assertEqual(out, [[[[c.OP_CB_SEQUENCE, 0],
                                 [c.OP_CB_LAYOUTRECALL, c.NFS4ERR_NOMATCHING_LAYOUT]]]])
        self.assertEqual(self.ctl_cmd('ops')['CB_LAYOUTRECALL(NFS4ERR_DELAY)'], 2)
        # NOMATCHING_LAYOUT: the layout counts as returned.
        st, res = self.cl.session_compound([C.putfh(fh), C.layoutreturn(lsid)])
        self.assertEqual(st, c.NFS4ERR_BAD_STATEID)

    def test_control_clone_and_stat(self):
        self.cl.setup()
        st, res = self.cl.session_compound([
            C.putrootfh(), C.open_create(self.cl.clientid, b'o', b'a'), C.getfh()])
        sid, fh = res[2][2]['stateid'], res[3][2]
        self.cl.session_compound([C.putfh(fh), C.write(sid, 0, b'q' * 5000)])
        fileid = self.ctl_cmd('clone /a /b')
        self.assertIsInstance(fileid, int)
        a, b = self.ctl_cmd('stat /a'), self.ctl_cmd('stat /b')
        self.assertEqual(a['extents'][0][2], b['extents'][0][2])
        self.assertEqual(b['size'], 5000)
        self.assertEqual(self.ctl_cmd('sha256 /a'), self.ctl_cmd('sha256 /b'))
        self.assertIn('error', self.ctl_cmd('clone /nope /c'))

    def test_control_fault_armed_and_injected(self):
        self.cl.setup()
        self.assertEqual(self.ctl_cmd('fault armed'), {})
        self.assertEqual(self.ctl_cmd('fault GETDEVICEINFO truncated 2'), 'ok')
        self.assertEqual(self.ctl_cmd('fault armed'),
                         {'GETDEVICEINFO': ['truncated', 2]})
        devid = self.nfs.layouts.devid
        for left in (1, 0):
            st, _ = self.cl.session_compound([C.getdeviceinfo(devid)])
            self.assertEqual(st, c.NFS4_OK)
            armed = self.ctl_cmd('fault armed')
            self.assertEqual(armed, {'GETDEVICEINFO': ['truncated', 1]} if left else {})
        self.assertEqual(self.ctl_cmd('fault injected'),
                         [['GETDEVICEINFO', 'truncated']] * 2)
        self.assertIn('error', self.ctl_cmd('fault LAYOUTGET no-such-kind'))

    def test_control_device_sig(self):
        """device-sig: GETDEVICEINFO names the volume by other bytes until
        device-sig default; a malformed command changes nothing."""
        self.cl.setup()
        devid = self.nfs.layouts.devid

        def sig():
            st, res = self.cl.session_compound([C.getdeviceinfo(devid)])
            self.assertEqual(st, c.NFS4_OK)
            u = Unpacker(res[1][2][1])
            self.assertEqual((u.u32(), u.u32(), u.u32()),
                             (1, c.PNFS_BLOCK_VOLUME_SIMPLE, 1))
            return u.i64(), u.opaque()

        own = sig()
        self.assertEqual(self.ctl_cmd('device-sig 32 00112233445566778899aabbccddeeff'), 'ok')
        self.assertEqual(sig(), (32, bytes.fromhex('00112233445566778899aabbccddeeff')))
        self.assertIn('error', self.ctl_cmd('device-sig 32 xyz'))
        self.assertIn('error', self.ctl_cmd('device-sig 32'))
        self.assertEqual(sig()[0], 32)
        self.assertEqual(self.ctl_cmd('device-sig default'), 'ok')
        self.assertEqual(sig(), own)

    def test_pause_holds_calls(self):
        self.cl.rpc.call(c.NFSPROC4_NULL)
        self.assertEqual(self.ctl_cmd('pause 1.5'), 'ok')
        t0 = time.monotonic()
        self.cl.rpc.call(c.NFSPROC4_NULL)
        self.assertGreaterEqual(time.monotonic() - t0, 1.2)
        self.assertEqual(self.ctl_cmd('pause 30'), 'ok')
        self.assertEqual(self.ctl_cmd('pause 0'), 'ok')
        t0 = time.monotonic()
        self.cl.rpc.call(c.NFSPROC4_NULL)
        self.assertLess(time.monotonic() - t0, 1.0)

    def test_recall_any(self):
        from fattr import bitmap_decode
        ans, (op, args) = self._run_cb('recall-any', lambda u: (u.u32(), bitmap_decode(u)))
        self.assertEqual(op, c.OP_CB_RECALL_ANY)
        self.assertEqual(args, (0, {c.RCA4_BLK_LAYOUT_RECALL_ANY_LAYOUTS}))
        self.assertEqual(ans, [[[c.OP_CB_SEQUENCE, 0], [c.OP_CB_RECALL_ANY, 0]]])

    def test_callback_of_a_42_session_says_42(self):
        from fattr import bitmap_decode
        ans, (op, args) = self._run_cb('recall-any', lambda u: (u.u32(), bitmap_decode(u)),
                                       minor=2)
        self.assertEqual(ans, [[[c.OP_CB_SEQUENCE, 0], [c.OP_CB_RECALL_ANY, 0]]])

    def test_notify_deviceid_delete(self):
        from fattr import bitmap_decode

        def parse(u):
            return u.array(lambda: (bitmap_decode(u), u.opaque()))
        ans, (op, args) = self._run_cb('notify-device delete', parse)
        self.assertEqual(op, c.OP_CB_NOTIFY_DEVICEID)
        (mask, val), = args
        self.assertEqual(mask, {c.NOTIFY_DEVICEID4_DELETE})
        u = Unpacker(val)
        self.assertEqual(u.u32(), c.LAYOUT4_BLOCK_VOLUME)
        self.assertEqual(u.fopaque(16), self.nfs.layouts.devid)
        u.done()


if __name__ == '__main__':
    unittest.main()
