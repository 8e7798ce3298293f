# SPDX-License-Identifier: GPL-2.0
"""ONC RPC version 2 (RFC 5531) over TCP with record marking.

One thread per connection reads records.  A record is either a call to one
of our programs (dispatched to its handler, the reply written back on the
same connection) or a reply to a call we made on that connection (the NFSv4.1
back channel: RFC 8881 section 2.10.3.1 lets the server send callbacks over a
connection the client bound to the session).
"""

import socket
import struct
import threading
import time

from xdr import Packer, Unpacker, XDRError

CALL = 0
REPLY = 1
RPC_VERS = 2

MSG_ACCEPTED = 0
MSG_DENIED = 1

SUCCESS = 0
PROG_UNAVAIL = 1
PROG_MISMATCH = 2
PROC_UNAVAIL = 3
GARBAGE_ARGS = 4
SYSTEM_ERR = 5

RPC_MISMATCH = 0
AUTH_ERROR = 1

AUTH_NONE = 0
AUTH_SYS = 1
RPCSEC_GSS = 6

AUTH_BADCRED = 1
AUTH_TOOWEAK = 5

LAST_FRAG = 0x80000000
MAX_RECORD = 8 << 20


class RPCError(Exception):
    """A call we made failed at the RPC level."""


class AuthSys:
    """Decoded authsys_parms (RFC 5531 appendix A)."""

    def __init__(self, stamp=0, machine=b'', uid=0, gid=0, gids=()):
        self.stamp, self.machine = stamp, machine
        self.uid, self.gid, self.gids = uid, gid, list(gids)

    @classmethod
    def decode(cls, body):
        u = Unpacker(body)
        a = cls(u.u32(), u.string(255), u.u32(), u.u32(), u.array(u.u32, 16))
        u.done()
        return a

    def encode(self):
        p = Packer()
        p.u32(self.stamp)
        p.string(self.machine, 255)
        p.u32(self.uid)
        p.u32(self.gid)
        p.array(self.gids, p.u32, 16)
        return p.data()


# ---- record marking -------------------------------------------------------

def frame(record, maxfrag=None):
    """Encode one record as one or more fragments."""
    if maxfrag is None or maxfrag >= len(record):
        return struct.pack('>I', LAST_FRAG | len(record)) + record
    out = bytearray()
    for off in range(0, len(record), maxfrag):
        chunk = record[off:off + maxfrag]
        last = LAST_FRAG if off + maxfrag >= len(record) else 0
        out += struct.pack('>I', last | len(chunk)) + chunk
    return bytes(out)


def _recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            if buf:
                raise EOFError('connection closed inside a fragment')
            return None
        buf += chunk
    return bytes(buf)


def read_record(sock, maxlen=MAX_RECORD):
    """Read one whole record; None on a clean end of stream."""
    rec = bytearray()
    while True:
        hdr = _recv_exact(sock, 4)
        if hdr is None:
            if rec:
                raise EOFError('connection closed inside a record')
            return None
        word = struct.unpack('>I', hdr)[0]
        n = word & ~LAST_FRAG
        if len(rec) + n > maxlen:
            raise XDRError('record longer than %d bytes' % maxlen)
        data = _recv_exact(sock, n) if n else b''
        if data is None:
            raise EOFError('connection closed after a fragment header')
        rec += data
        if word & LAST_FRAG:
            return bytes(rec)


# ---- message encoding -----------------------------------------------------

def encode_call(xid, prog, vers, proc, cred=(AUTH_NONE, b''), args=b''):
    p = Packer()
    p.u32(xid)
    p.u32(CALL)
    p.u32(RPC_VERS)
    p.u32(prog)
    p.u32(vers)
    p.u32(proc)
    p.u32(cred[0])
    p.opaque(cred[1], 400)
    p.u32(AUTH_NONE)
    p.opaque(b'')
    return p.data() + args


def encode_accepted(xid, stat=SUCCESS, body=b'', mismatch=None):
    p = Packer()
    p.u32(xid)
    p.u32(REPLY)
    p.u32(MSG_ACCEPTED)
    p.u32(AUTH_NONE)
    p.opaque(b'')
    p.u32(stat)
    if stat == PROG_MISMATCH:
        p.u32(mismatch[0])
        p.u32(mismatch[1])
    return p.data() + (body if stat == SUCCESS else b'')


def encode_denied(xid, stat, detail):
    p = Packer()
    p.u32(xid)
    p.u32(REPLY)
    p.u32(MSG_DENIED)
    p.u32(stat)
    if stat == RPC_MISMATCH:
        p.u32(detail[0])
        p.u32(detail[1])
    else:
        p.u32(detail)
    return p.data()


class Call:
    """One decoded incoming call."""

    def __init__(self, conn, xid, prog, vers, proc, flavor, credbody, args):
        self.conn, self.xid = conn, xid
        self.prog, self.vers, self.proc = prog, vers, proc
        self.flavor, self.credbody = flavor, credbody
        self.args = args            # Unpacker positioned at the arguments
        self.authsys = None
        if flavor == AUTH_SYS:
            self.authsys = AuthSys.decode(credbody)


def decode_reply(rec):
    """Decode a reply record: (xid, Unpacker at the results) or RPCError."""
    u = Unpacker(rec)
    xid = u.u32()
    if u.u32() != REPLY:
        raise XDRError('not a reply')
    stat = u.u32()
    if stat == MSG_DENIED:
        raise RPCError('call denied: %d' % u.u32())
    u.u32()
    u.opaque(400)
    astat = u.u32()
    if astat != SUCCESS:
        raise RPCError('call not accepted: %d' % astat)
    return xid, u


# ---- connections and the server -------------------------------------------

class Connection:
    """A TCP connection that carries calls both ways."""

    def __init__(self, server, sock, peer):
        self.server, self.sock, self.peer = server, sock, peer
        self.send_lock = threading.Lock()
        self.pending = {}           # xid -> [event, reply record]
        self.pending_lock = threading.Lock()
        self.next_xid = 0x5000_0000
        self.closed = False
        self.sessions = set()       # session ids this connection is bound to

    def send_record(self, rec):
        with self.send_lock:
            self.sock.sendall(frame(rec))

    def call(self, prog, vers, proc, args, cred=(AUTH_NONE, b''), timeout=10.0):
        """Send a call on this connection and wait for its reply."""
        ev = threading.Event()
        with self.pending_lock:
            self.next_xid = (self.next_xid + 1) & 0xffffffff
            xid = self.next_xid
            slot = self.pending[xid] = [ev, None]
        try:
            self.send_record(encode_call(xid, prog, vers, proc, cred, args))
            if not ev.wait(timeout):
                raise RPCError('no reply to xid %#x in %ss' % (xid, timeout))
            if slot[1] is None:
                raise RPCError('connection closed')
            return decode_reply(slot[1])[1]
        finally:
            with self.pending_lock:
                self.pending.pop(xid, None)

    def _handle_reply(self, rec):
        xid = struct.unpack('>I', rec[:4])[0]
        with self.pending_lock:
            slot = self.pending.get(xid)
        if slot is not None:
            slot[1] = rec
            slot[0].set()

    def _handle_call(self, rec):
        u = Unpacker(rec)
        xid = u.u32()
        u.u32()
        if u.u32() != RPC_VERS:
            return encode_denied(xid, RPC_MISMATCH, (RPC_VERS, RPC_VERS))
        prog, vers, proc = u.u32(), u.u32(), u.u32()
        flavor, credbody = u.u32(), u.opaque(400)
        u.u32()
        u.opaque(400)
        if flavor not in (AUTH_NONE, AUTH_SYS):
            return encode_denied(xid, AUTH_ERROR, AUTH_TOOWEAK)
        try:
            call = Call(self, xid, prog, vers, proc, flavor, credbody, u)
        except XDRError:
            return encode_denied(xid, AUTH_ERROR, AUTH_BADCRED)
        progs = self.server.programs
        if prog not in progs:
            return encode_accepted(xid, PROG_UNAVAIL)
        versions, handler = progs[prog]
        if vers not in versions:
            return encode_accepted(xid, PROG_MISMATCH,
                                   mismatch=(min(versions), max(versions)))
        try:
            body = handler(call)
        except XDRError:
            return encode_accepted(xid, GARBAGE_ARGS)
        if body is None:
            return encode_accepted(xid, PROC_UNAVAIL)
        return encode_accepted(xid, SUCCESS, body)

    def serve(self):
        try:
            while True:
                rec = read_record(self.sock)
                if rec is None:
                    break
                if len(rec) < 8:
                    continue
                mtype = struct.unpack('>I', rec[4:8])[0]
                if mtype == REPLY:
                    self._handle_reply(rec)
                    continue
                self.server.wait_unpaused()
                try:
                    reply = self._handle_call(rec)
                except XDRError:
                    # Not even a call header: nothing sensible to answer.
                    continue
                self.send_record(reply)
        except (OSError, EOFError, XDRError) as e:
            self.server.log('connection %s: %s' % (self.peer, e))
        finally:
            self.close()

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            self.sock.close()
        except OSError:
            pass
        with self.pending_lock:
            for slot in self.pending.values():
                slot[0].set()
        self.server.connection_closed(self)


class RPCServer:
    """A threaded TCP RPC server; programs map prog -> (versions, handler).

    handler(call) returns the encoded results, None for an unknown
    procedure, or raises XDRError for arguments it cannot decode.
    """

    def __init__(self, host='0.0.0.0', port=0, log=None):
        self.programs = {}
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = set()
        self.lock = threading.Lock()
        self.log = log or (lambda msg: None)
        self.on_close = []
        # pause(): calls wait, unanswered, until paused_until (monotonic).
        self.pause_cond = threading.Condition()
        self.paused_until = 0.0

    def pause(self, seconds):
        """Leave every call unanswered for SECONDS from now, as a server
        cut off by a partition would (replies to our callbacks still
        count); 0 ends a pause.  Calls held are served when it ends."""
        with self.pause_cond:
            self.paused_until = time.monotonic() + seconds if seconds else 0.0
            self.pause_cond.notify_all()

    def wait_unpaused(self):
        with self.pause_cond:
            while True:
                left = self.paused_until - time.monotonic()
                if left <= 0:
                    return
                self.pause_cond.wait(left)

    def register(self, prog, versions, handler):
        self.programs[prog] = (tuple(versions), handler)

    def connection_closed(self, conn):
        with self.lock:
            self.conns.discard(conn)
        for fn in self.on_close:
            fn(conn)

    def serve_forever(self):
        while True:
            try:
                sock, peer = self.sock.accept()
            except OSError:
                return
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn = Connection(self, sock, peer)
            with self.lock:
                self.conns.add(conn)
            threading.Thread(target=conn.serve, daemon=True,
                             name='rpc-%s:%d' % peer).start()

    def start(self):
        t = threading.Thread(target=self.serve_forever, daemon=True, name='rpc-accept')
        t.start()
        return t

    def shutdown(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class RPCClient:
    """A minimal synchronous RPC client over one TCP connection (tests)."""

    def __init__(self, host, port, prog, vers, cred=(AUTH_NONE, b'')):
        self.sock = socket.create_connection((host, port))
        self.prog, self.vers, self.cred = prog, vers, cred
        self.xid = 1
        self.callback = None    # fn(Call-like tuple) for back-channel calls

    def call(self, proc, args=b''):
        self.xid += 1
        xid = self.xid
        self.sock.sendall(frame(encode_call(xid, self.prog, self.vers, proc,
                                            self.cred, args)))
        while True:
            rec = read_record(self.sock)
            if rec is None:
                raise RPCError('connection closed')
            if struct.unpack('>I', rec[4:8])[0] == CALL:
                self._backchannel(rec)
                continue
            rxid, u = decode_reply(rec)
            if rxid == xid:
                return u

    def _backchannel(self, rec):
        u = Unpacker(rec)
        xid = u.u32()
        u.u32()
        u.u32()
        prog, vers, proc = u.u32(), u.u32(), u.u32()
        u.u32()
        u.opaque(400)
        u.u32()
        u.opaque(400)
        body = self.callback(prog, vers, proc, u) if self.callback else None
        if body is None:
            self.sock.sendall(frame(encode_accepted(xid, PROC_UNAVAIL)))
        else:
            self.sock.sendall(frame(encode_accepted(xid, SUCCESS, body)))

    def close(self):
        self.sock.close()
