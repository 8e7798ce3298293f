# SPDX-License-Identifier: GPL-2.0
"""mds.py as the guest suites run it, in its own process: SIGTERM must stop
it, whatever its main thread is doing and whatever its clients do, and
SIGUSR1 must dump every thread's stack to stderr without stopping it.

The server once installed a Python SIGTERM handler that set a
threading.Event the main thread was waiting on.  Python runs such a
handler in the main thread at the next bytecode boundary; when that was
inside Event.wait(), which holds the Event's lock, the handler's
Event.set() waited for that lock forever (a guest suite hung in
"kill $MDS_PID && wait $MDS_PID").  With a save interval of 0 the main
thread spends most of its time inside that wait: the old server hung in
about a third of the rounds of the first test."""

import os
import random
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import client as C
import mdsctl
import nfs4const as c

HERE = os.path.dirname(os.path.abspath(__file__))
STOP_WITHIN = 10.0


class Server:
    """mds.py in a child process, stderr to a file."""

    count = 0

    def __init__(self, tmp, *extra):
        Server.count += 1
        self.disk = os.path.join(tmp, 'disk')
        if not os.path.exists(self.disk):
            with open(self.disk, 'wb') as f:
                f.truncate(32 << 20)
        self.sock = os.path.join(tmp, 'ctl')
        self.logpath = os.path.join(tmp, 'mds%d.log' % Server.count)
        self.log = open(self.logpath, 'wb')
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, 'mds.py'), '--disk', self.disk,
             '--no-direct', '--host', '127.0.0.1', '--port', '0',
             '--meta', os.path.join(tmp, 'meta.json'), '--control', self.sock,
             '-v'] + list(extra),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.log)
        self.port = None
        deadline = time.monotonic() + 20
        while self.port is None and time.monotonic() < deadline:
            for line in self.text().splitlines():
                if ' on port ' in line:
                    self.port = int(line.split(' on port ')[1].split()[0])
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        if self.port is None:
            self.kill()
            raise AssertionError('mds.py did not start:\n' + self.text())

    def text(self):
        with open(self.logpath, 'rb') as f:
            return f.read().decode('utf-8', 'replace')

    def ctl(self, line, timeout=20):
        return mdsctl.send(self.sock, line, timeout)

    def stop(self, within=STOP_WITHIN):
        """SIGTERM; the exit status, or None (and a thread dump, and
        SIGKILL) when the server is still running after `within`."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(within)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGUSR1)
            time.sleep(1)
            self.kill()
            return None

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class ShutdownCase(unittest.TestCase):
    def setUp(self):
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.tmp = tmp.name

    def start(self, *extra):
        srv = Server(self.tmp, *extra)
        self.addCleanup(srv.kill)
        return srv

    def assertStops(self, srv, what):
        rc = srv.stop()
        self.assertIsNotNone(rc, '%s: still running %gs after SIGTERM; log:\n%s'
                             % (what, STOP_WITHIN, srv.text()[-4000:]))
        self.assertEqual(rc, 0, '%s: exit status %s; log:\n%s'
                         % (what, rc, srv.text()[-4000:]))
        self.assertIn('mds: stopped', srv.text())

    def test_sigterm_while_the_main_loop_spins(self):
        rnd = random.Random(5663)
        for i in range(8):
            srv = self.start('--save-interval', '0')
            time.sleep(rnd.uniform(0, 0.2))
            self.assertStops(srv, 'round %d' % i)

    def test_sigterm_saves_the_metadata(self):
        srv = self.start()
        cl = C.NFS4Client(host='127.0.0.1', port=srv.port)
        self.addCleanup(cl.rpc.close)
        cl.setup()
        st, _ = cl.session_compound([C.putrootfh(), C.create_dir(b'kept')])
        self.assertEqual(st, c.NFS4_OK)
        self.assertStops(srv, 'after a mkdir')
        srv = self.start()
        self.assertEqual(srv.ctl('stat /kept')['type'], c.NF4DIR)
        self.assertStops(srv, 'after the restart')

    def test_sigterm_with_a_recall_in_flight_to_a_silent_client(self):
        # The client holds a layout and its connection, and never answers
        # the CB_LAYOUTRECALL (like a client gone at unmount).
        srv = self.start()
        cl = C.NFS4Client(host='127.0.0.1', port=srv.port)
        self.addCleanup(cl.rpc.close)
        cl.setup()
        st, res = cl.session_compound([
            C.putrootfh(), C.open_create(cl.clientid, b'o', b'f'), C.getfh()])
        self.assertEqual(st, c.NFS4_OK)
        osid, fh = res[2][2]['stateid'], res[3][2]
        st, _ = cl.session_compound([
            C.putfh(fh), C.layoutget(osid, c.LAYOUTIOMODE4_RW, 0, 65536, 4096)])
        self.assertEqual(st, c.NFS4_OK)
        out = []
        t = threading.Thread(target=lambda: out.append(srv.ctl('recall /f')),
                             daemon=True)
        t.start()
        r, _, _ = select.select([cl.rpc.sock], [], [], 10)
        self.assertTrue(r, 'no CB_COMPOUND reached the client')
        t0 = time.monotonic()
        self.assertStops(srv, 'recall in flight')
        # Well before the callback's own 10 s timeout.
        self.assertLess(time.monotonic() - t0, 8)

    def test_sigterm_with_a_client_that_vanished(self):
        # A session whose connection is gone without DESTROY_SESSION, and
        # a second connection that sent half a record and went quiet.
        srv = self.start()
        cl = C.NFS4Client(host='127.0.0.1', port=srv.port)
        cl.setup()
        cl.rpc.close()
        half = socket.create_connection(('127.0.0.1', srv.port))
        self.addCleanup(half.close)
        half.sendall(b'\x80\x00\x01\x00partial')
        # Nothing to send the callback on: answered at once.
        self.assertEqual(srv.ctl('recall-any'), ['no back channel'])
        self.assertStops(srv, 'vanished client')

    def test_sigusr1_dumps_every_thread_and_the_server_goes_on(self):
        srv = self.start()
        srv.proc.send_signal(signal.SIGUSR1)
        # faulthandler writes thread after thread: wait for the frame
        # looked for, not just for the dump to begin.
        deadline = time.monotonic() + 10
        while 'serve_forever' not in srv.text() and time.monotonic() < deadline:
            time.sleep(0.05)
        text = srv.text()
        self.assertIn('most recent call first', text)
        self.assertIn('serve_forever', text)        # the RPC accept thread
        self.assertEqual(srv.ctl('ping'), 'pong')
        self.assertStops(srv, 'after SIGUSR1')

    def test_sigint_stops_it_too(self):
        srv = self.start()
        srv.proc.send_signal(signal.SIGINT)
        self.assertEqual(srv.proc.wait(STOP_WITHIN), 0)


if __name__ == '__main__':
    unittest.main()
