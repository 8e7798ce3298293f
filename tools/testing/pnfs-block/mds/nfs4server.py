# SPDX-License-Identifier: GPL-2.0
"""The NFSv4.1 server: COMPOUND processing (RFC 8881 section 16.2, 18) for
one exported file system acting as a pNFS block-layout metadata server.

Every COMPOUND runs under one server lock; handlers decode their arguments
from the Unpacker, act, and return the encoded result that follows the
status (or raise FSError).  Callbacks (CB_COMPOUND on the session's back
channel) are sent from their own thread, outside that lock.
"""

import collections
import os
import struct
import threading
import time
import traceback

from storage import StorageError
from xdr import Packer, Unpacker, XDRError
from fs import FSError
from fattr import (AttrContext, EXCLCREAT, bitmap_decode, bitmap_encode,
                   decode_fattr, encode_fattr)
import blocklayout
import fattr
import nfs4const as c
from nfs4xdr import GetDeviceInfoRes, Layout, LayoutGetRes, encoded
import rpc
from state import (Client, Session, StateTable, ONES_OTHER, ZERO_OTHER, INF,
                   range_end, subtract_range)

A = c.ATTRS
MAX_IO = 1 << 20
MAX_REQ = MAX_IO + 64 * 1024
MAX_OPS = 64
MAX_SLOTS = 64
SERVER_OWNER = b'pnfs-block-test-mds'
SESSIONLESS = {c.OP_EXCHANGE_ID, c.OP_CREATE_SESSION, c.OP_DESTROY_SESSION,
               c.OP_BIND_CONN_TO_SESSION, c.OP_DESTROY_CLIENTID}
SEQ4_STATUS_CB_PATH_DOWN_SESSION = 0x200


class Replay(Exception):
    """SEQUENCE found a retransmission: answer with the cached reply."""

    def __init__(self, reply):
        super().__init__('replay')
        self.reply = reply


class Compound:
    """Per-COMPOUND context: file handles, session, current stateid."""

    def __init__(self, call):
        self.call = call
        self.conn = call.conn if call else None
        a = call.authsys if call else None
        self.uid = a.uid if a else 0
        self.gid = a.gid if a else 0
        self.cur = self.saved = None
        self.cur_sid = self.saved_sid = None
        self.session = self.slot = None
        self.minor = 1

    def need_cur(self):
        if self.cur is None:
            raise FSError(c.NFS4ERR_NOFILEHANDLE)
        return self.cur


def _cinfo(p, before, after):
    p.bool(True)
    p.u64(before)
    p.u64(after)


def _stateid(p, sid):
    p.u32(sid[0])
    p.fopaque(12, sid[1])


def _read_stateid(u):
    return (u.u32(), u.fopaque(12))


def _chan_attrs(u):
    d = dict(headerpad=u.u32(), maxreq=u.u32(), maxresp=u.u32(),
             maxresp_cached=u.u32(), maxops=u.u32(), maxreqs=u.u32())
    d['rdma_ird'] = u.array(u.u32, 1)
    return d


def _put_chan_attrs(p, d):
    for k in ('headerpad', 'maxreq', 'maxresp', 'maxresp_cached', 'maxops', 'maxreqs'):
        p.u32(d[k])
    p.array([], p.u32)


def _cb_sec(u):
    flavor = u.u32()
    if flavor == rpc.AUTH_SYS:
        a = rpc.AuthSys(u.u32(), u.string(255), u.u32(), u.u32(), u.array(u.u32, 16))
        return (flavor, a)
    if flavor == rpc.RPCSEC_GSS:
        u.u32()
        u.opaque()
        u.opaque()
    return (flavor, None)


class NFS4Server:
    def __init__(self, fs, lease_time=20, log=None, grace=0, scsi=None):
        self.fs = fs
        self.grace_end = time.monotonic() + grace
        self.lock = threading.RLock()
        self.log = log or (lambda m: None)
        self.lease_time = lease_time
        self.clients = {}
        self.by_owner = {}
        self.sessions = {}
        self.states = StateTable()
        self.next_clientid = (int(time.time()) & 0xffffffff) << 32
        self.write_verf = os.urandom(8)
        self.layouts = blocklayout_provider(fs, scsi)
        self.actx = AttrContext(fs, lease_time, MAX_IO, [self.layouts.layout_type])
        self.op_counts = collections.Counter()
        self.op_log = collections.deque(maxlen=4096)
        self.layout_errors = collections.deque(maxlen=1024)   # LAYOUTERROR args
        self.faults = 0
        self.layout_policy = 'normal'
        # Seconds each LAYOUTCOMMIT waits, without the server lock, before
        # it is served: a commit in flight while callbacks go out.
        self.commit_delay = 0
        # [status, count]: the next count LAYOUTCOMMITs fail with status.
        self.commit_error = [c.NFS4_OK, 0]
        self.cb_tries, self.cb_delay = 20, 0.5   # callbacks answered DELAY
        self.faults_injected = []
        # op name -> fn(cx, status, res) -> res (tests, faults.py): res
        # is the result object (nfs4xdr.py) or the bytes of the reply
        self.hooks = {}

    # ---- RPC entry points ----
    def register(self, rpcserver):
        rpcserver.register(c.NFS4_PROGRAM, [c.NFS4_VERSION], self.dispatch)
        rpcserver.on_close.append(self.connection_closed)

    def dispatch(self, call):
        if call.proc == c.NFSPROC4_NULL:
            return b''
        if call.proc != c.NFSPROC4_COMPOUND:
            return None
        return self.compound(call, call.args)

    def connection_closed(self, conn):
        with self.lock:
            for s in self.sessions.values():
                if conn in s.back_conns:
                    s.back_conns.remove(conn)

    def compound(self, call, u):
        tag = u.opaque(1024)
        minor = u.u32()
        nops = u.u32()
        if minor not in (1, 2):
            return self._encode_compound(c.NFS4ERR_MINOR_VERS_MISMATCH, tag, [])
        with self.lock:
            cx = Compound(call)
            cx.minor = minor
            try:
                return self._run(cx, u, tag, nops)
            except Replay as r:
                self.op_counts['SEQUENCE(replay)'] += 1
                return r.reply

    def _run(self, cx, u, tag, nops):
        results = []
        status = c.NFS4_OK
        if nops > MAX_OPS:
            status = c.NFS4ERR_TOO_MANY_OPS
            nops = 0
        for i in range(nops):
            try:
                op = u.u32()
            except XDRError:
                status = c.NFS4ERR_BADXDR
                break
            name = c.OP_NAMES.get(op)
            # NFSv4.2 operations (RFC 7862) are legal only in 4.2
            # COMPOUNDs; there they answer NOTSUPP unless implemented.
            if op > c.OP_MAX_41 and cx.minor < 2:
                name = None
            if name is None or op == c.OP_ILLEGAL:
                status = c.NFS4ERR_OP_ILLEGAL
                results.append((c.OP_ILLEGAL, status, b''))
                self._account('ILLEGAL', status)
                break
            status, body = self._one(cx, u, i, nops, op, name)
            results.append((op, status, body))
            self._account(name, status)
            if status != c.NFS4_OK:
                break
        reply = self._encode_compound(status, tag, results)
        if cx.slot is not None:
            cx.slot.reply = reply
        return reply

    def _one(self, cx, u, i, nops, op, name):
        if i == 0 and op != c.OP_SEQUENCE:
            if op not in SESSIONLESS:
                return c.NFS4ERR_OP_NOT_IN_SESSION, b''
            if nops != 1:
                return c.NFS4ERR_NOT_ONLY_OP, b''
        elif i > 0 and op == c.OP_SEQUENCE:
            return c.NFS4ERR_SEQUENCE_POS, b''
        handler = getattr(self, 'op_' + name.lower(), None)
        if handler is None:
            return c.NFS4ERR_NOTSUPP, b''
        try:
            body = handler(cx, u)
            status = c.NFS4_OK
        except FSError as e:
            status, body = e.status, e.body
        except XDRError as e:
            self.log('%s: bad XDR: %s' % (name, e))
            status, body = c.NFS4ERR_BADXDR, b''
        except StorageError as e:
            self.log('%s: storage: %s' % (name, e))
            status, body = c.NFS4ERR_IO, b''
        except (Replay, KeyboardInterrupt):
            raise
        except Exception:
            # A bug here must cost one operation, not the connection.
            self.log('%s: server fault:\n%s' % (name, traceback.format_exc()))
            self.faults += 1
            status, body = c.NFS4ERR_SERVERFAULT, b''
        hook = self.hooks.get(name)
        if hook:
            body = hook(cx, status, body)
        return status, encoded(body)

    def _account(self, name, status):
        self.op_counts[name] += 1
        self.op_log.append((name, status))

    @staticmethod
    def _encode_compound(status, tag, results):
        p = Packer()
        p.u32(status)
        p.opaque(tag)
        p.u32(len(results))
        for op, st, body in results:
            p.u32(op)
            p.u32(st)
            p.buf += body
        return p.data()

    # ---- helpers ----
    def _client(self, clientid):
        cl = self.clients.get(clientid)
        if cl is None:
            raise FSError(c.NFS4ERR_STALE_CLIENTID)
        return cl

    def _expire_client(self, cl):
        for sid in list(cl.sessions):
            self.sessions.pop(sid, None)
        for st in self.states.for_client(cl):
            self._drop_state(st)
        self.clients.pop(cl.clientid, None)
        if self.by_owner.get(cl.owner) is cl:
            del self.by_owner[cl.owner]

    def _drop_state(self, st):
        self.states.drop(st)
        if st.kind == 'open':
            st.ino.opens = getattr(st.ino, 'opens', 1) - 1
            self.fs.release(st.ino)

    def _find_state(self, cx, sid, kinds, ino=None):
        """Resolve a stateid argument.  Returns None for the anonymous and
        READ-bypass special stateids (RFC 8881 section 8.2.3)."""
        seqid, other = sid
        if other == ZERO_OTHER and seqid == 1:
            if cx.cur_sid is None:
                raise FSError(c.NFS4ERR_BAD_STATEID)
            seqid, other = cx.cur_sid
        if other in (ZERO_OTHER, ONES_OTHER):
            if seqid != (0 if other == ZERO_OTHER else 0xffffffff):
                raise FSError(c.NFS4ERR_BAD_STATEID)
            return None
        st = self.states.lookup(seqid, other)
        if isinstance(st, int):
            raise FSError(st)
        if st.kind not in kinds:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        if ino is not None and st.ino is not ino:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        if cx.session is not None and st.client is not cx.session.client:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        return st

    def in_grace(self):
        return time.monotonic() < self.grace_end

    def _check_grace(self, cl, reclaim):
        """RFC 8881 section 8.4.2: reclaims only in the grace period and
        before the client's RECLAIM_COMPLETE; new state only after it."""
        if reclaim:
            if not self.in_grace() or cl.reclaim_complete:
                raise FSError(c.NFS4ERR_NO_GRACE)
        elif self.in_grace():
            raise FSError(c.NFS4ERR_GRACE)

    def _set_cur(self, cx, ino):
        cx.cur = ino
        cx.cur_sid = None

    def _reg(self, ino):
        if ino.type == c.NF4DIR:
            raise FSError(c.NFS4ERR_ISDIR)
        if ino.type == c.NF4LNK:
            raise FSError(c.NFS4ERR_SYMLINK)
        if ino.type != c.NF4REG:
            raise FSError(c.NFS4ERR_WRONG_TYPE)
        return ino

    def _apply_attrs(self, ino, attrs):
        done = set()
        if A['size'] in attrs:
            self.fs.set_size(ino, attrs[A['size']])
            done.add(A['size'])
        if A['mode'] in attrs:
            ino.mode = attrs[A['mode']]
            done.add(A['mode'])
        if A['owner'] in attrs:
            ino.uid = attrs[A['owner']]
            done.add(A['owner'])
        if A['owner_group'] in attrs:
            ino.gid = attrs[A['owner_group']]
            done.add(A['owner_group'])
        for a, field in ((A['time_access_set'], 'atime'), (A['time_modify_set'], 'mtime')):
            if a in attrs:
                v = attrs[a]
                setattr(ino, field, v if v is not None else fattr_now())
                done.add(a)
        if done:
            ino.touch(data=False)
            self.fs.dirty = True
        return done

    # ---- session and client operations ----
    def op_exchange_id(self, cx, u):
        verf = u.fopaque(8)
        owner = u.opaque(1024)
        flags = u.u32()
        how = u.u32()
        if how == c.SP4_MACH_CRED:
            bitmap_decode(u)
            bitmap_decode(u)
        elif how != c.SP4_NONE:
            raise FSError(c.NFS4ERR_NOTSUPP)
        u.array(lambda: (u.opaque(), u.opaque(), u.i64(), u.u32()), 1)
        cl = self.by_owner.get(owner)
        if cl is not None and cl.verifier != verf:
            # The client rebooted: its old state goes (RFC 8881 18.35.5).
            self._expire_client(cl)
            cl = None
        if cl is None:
            if flags & c.EXCHGID4_FLAG_UPD_CONFIRMED_REC_A:
                raise FSError(c.NFS4ERR_NOENT)
            self.next_clientid += 1
            cl = Client(self.next_clientid, owner, verf)
            self.clients[cl.clientid] = cl
            self.by_owner[owner] = cl
        rflags = c.EXCHGID4_FLAG_USE_PNFS_MDS
        if cl.confirmed:
            rflags |= c.EXCHGID4_FLAG_CONFIRMED_R
        p = Packer()
        p.u64(cl.clientid)
        p.u32((cl.cs_seqid + 1) & 0xffffffff)
        p.u32(rflags)
        p.u32(c.SP4_NONE)
        p.u64(0)                    # so_minor_id
        p.opaque(SERVER_OWNER)      # so_major_id
        p.opaque(SERVER_OWNER)      # server scope
        p.u32(1)
        p.opaque(b'kernel.org')
        p.opaque(b'pnfs-block test mds')
        p.i64(0)
        p.u32(0)
        return p.data()

    def op_create_session(self, cx, u):
        clientid = u.u64()
        seq = u.u32()
        flags = u.u32()
        fore = _chan_attrs(u)
        back = _chan_attrs(u)
        cb_program = u.u32()
        cb_sec = u.array(lambda: _cb_sec(u))
        cl = self._client(clientid)
        if seq == cl.cs_seqid and cl.cs_reply is not None:
            return cl.cs_reply
        if seq != (cl.cs_seqid + 1) & 0xffffffff:
            raise FSError(c.NFS4ERR_SEQ_MISORDERED)
        # Another unconfirmed record's sibling for the same owner is gone
        # now that this one is confirmed.
        fo = dict(fore, headerpad=0, maxreq=min(fore['maxreq'], MAX_REQ),
                  maxresp=min(fore['maxresp'], MAX_REQ),
                  maxresp_cached=min(fore['maxresp_cached'], MAX_REQ),
                  maxops=max(fore['maxops'], 1),
                  maxreqs=max(1, min(fore['maxreqs'], MAX_SLOTS)))
        bo = dict(back, headerpad=0, maxreqs=max(1, min(back['maxreqs'], 16)))
        sid = struct.pack('>QII', cl.clientid, len(self.sessions) + 1,
                          struct.unpack('>I', os.urandom(4))[0])
        s = Session(sid, cl, fo, bo, cb_program, cb_sec)
        rflags = 0
        if flags & c.CREATE_SESSION4_FLAG_CONN_BACK_CHAN and cx.conn is not None:
            s.back_conns.append(cx.conn)
            rflags |= c.CREATE_SESSION4_FLAG_CONN_BACK_CHAN
        self.sessions[sid] = s
        cl.sessions[sid] = s
        cl.confirmed = True
        cl.cs_seqid = seq
        p = Packer()
        p.fopaque(16, sid)
        p.u32(seq)
        p.u32(rflags)
        _put_chan_attrs(p, fo)
        _put_chan_attrs(p, bo)
        cl.cs_reply = p.data()
        return cl.cs_reply

    def _session(self, sid):
        s = self.sessions.get(sid)
        if s is None:
            raise FSError(c.NFS4ERR_BADSESSION)
        return s

    def op_sequence(self, cx, u):
        sid = u.fopaque(16)
        seq = u.u32()
        slotid = u.u32()
        u.u32()                     # highest_slotid
        u.bool()                    # cachethis: we cache every reply
        s = self._session(sid)
        if slotid >= len(s.slots):
            raise FSError(c.NFS4ERR_BADSLOT)
        slot = s.slots[slotid]
        if seq == slot.seqid:
            if slot.reply is None:
                raise FSError(c.NFS4ERR_DELAY)
            raise Replay(slot.reply)
        if seq != (slot.seqid + 1) & 0xffffffff:
            raise FSError(c.NFS4ERR_SEQ_MISORDERED)
        slot.seqid = seq
        slot.reply = None
        cx.session, cx.slot = s, slot
        s.client.renewed = time.monotonic()
        flags = 0
        if s.back_conn() is None:
            flags |= SEQ4_STATUS_CB_PATH_DOWN_SESSION
        p = Packer()
        p.fopaque(16, sid)
        p.u32(seq)
        p.u32(slotid)
        p.u32(len(s.slots) - 1)
        p.u32(len(s.slots) - 1)
        p.u32(flags)
        return p.data()

    def op_bind_conn_to_session(self, cx, u):
        sid = u.fopaque(16)
        direction = u.u32()
        u.bool()
        s = self._session(sid)
        res = {c.CDFC4_FORE: c.CDFS4_FORE, c.CDFC4_BACK: c.CDFS4_BACK,
               c.CDFC4_FORE_OR_BOTH: c.CDFS4_BOTH,
               c.CDFC4_BACK_OR_BOTH: c.CDFS4_BOTH}.get(direction)
        if res is None:
            raise FSError(c.NFS4ERR_INVAL)
        if res & c.CDFS4_BACK and cx.conn is not None and cx.conn not in s.back_conns:
            s.back_conns.append(cx.conn)
        p = Packer()
        p.fopaque(16, sid)
        p.u32(res)
        p.bool(False)
        return p.data()

    def op_destroy_session(self, cx, u):
        sid = u.fopaque(16)
        s = self._session(sid)
        del self.sessions[sid]
        s.client.sessions.pop(sid, None)
        return b''

    def op_destroy_clientid(self, cx, u):
        cl = self._client(u.u64())
        if cl.sessions:
            raise FSError(c.NFS4ERR_CLIENTID_BUSY)
        self._expire_client(cl)
        return b''

    def op_reclaim_complete(self, cx, u):
        one_fs = u.bool()
        cl = cx.session.client
        if cl.reclaim_complete and not one_fs:
            raise FSError(c.NFS4ERR_COMPLETE_ALREADY)
        cl.reclaim_complete = True
        return b''

    # ---- file handles ----
    def op_putrootfh(self, cx, u):
        self._set_cur(cx, self.fs.root())
        return b''

    def op_putpubfh(self, cx, u):
        return self.op_putrootfh(cx, u)

    def op_putfh(self, cx, u):
        fh = u.opaque(c.NFS4_FHSIZE)
        self._set_cur(cx, self.fs.lookup_fh(fh))
        return b''

    def op_getfh(self, cx, u):
        p = Packer()
        p.opaque(self.fs.fh(cx.need_cur()))
        return p.data()

    def op_savefh(self, cx, u):
        cx.saved, cx.saved_sid = cx.need_cur(), cx.cur_sid
        return b''

    def op_restorefh(self, cx, u):
        if cx.saved is None:
            raise FSError(c.NFS4ERR_RESTOREFH)
        if cx.saved.fileid not in self.fs.inodes:
            raise FSError(c.NFS4ERR_STALE)
        cx.cur, cx.cur_sid = cx.saved, cx.saved_sid
        return b''

    def op_lookup(self, cx, u):
        name = u.opaque(1024)
        self._set_cur(cx, self.fs.lookup(cx.need_cur(), name))
        return b''

    def op_lookupp(self, cx, u):
        d = cx.need_cur()
        if d is self.fs.root():
            raise FSError(c.NFS4ERR_NOENT)
        self._set_cur(cx, self.fs.lookupp(d))
        return b''

    def op_secinfo_no_name(self, cx, u):
        style = u.u32()
        if style > c.SECINFO_STYLE4_PARENT:
            raise FSError(c.NFS4ERR_INVAL)
        cx.need_cur()
        cx.cur = None               # RFC 8881 18.45.3: the fh is consumed
        p = Packer()
        p.array([rpc.AUTH_SYS, rpc.AUTH_NONE], p.u32)
        return p.data()

    def op_secinfo(self, cx, u):
        name = u.opaque(1024)
        self.fs.lookup(cx.need_cur(), name)
        cx.cur = None
        p = Packer()
        p.array([rpc.AUTH_SYS, rpc.AUTH_NONE], p.u32)
        return p.data()

    # ---- attributes ----
    def op_getattr(self, cx, u):
        want = bitmap_decode(u)
        p = Packer()
        encode_fattr(p, want, cx.need_cur(), self.actx)
        return p.data()

    def op_setattr(self, cx, u):
        sid = _read_stateid(u)
        empty = Packer()
        bitmap_encode(empty, set())
        try:
            attrs = decode_fattr(u)
            ino = cx.need_cur()
            if A['size'] in attrs:
                self._reg(ino)
                st = self._find_state(cx, sid, ('open', 'lock'), ino)
                if st is not None and st.kind == 'open' and not st.access & 2:
                    raise FSError(c.NFS4ERR_OPENMODE)
            done = self._apply_attrs(ino, attrs)
        except FSError as e:
            e.body = empty.data()
            raise
        p = Packer()
        bitmap_encode(p, done)
        return p.data()

    def op_verify(self, cx, u):
        return self._verify(cx, u, True)

    def op_nverify(self, cx, u):
        return self._verify(cx, u, False)

    def _verify(self, cx, u, same):
        want = bitmap_decode(u)
        given = u.opaque()
        if want - fattr.SUPPORTED:
            raise FSError(c.NFS4ERR_ATTRNOTSUPP)
        p = Packer()
        encode_fattr(p, want, cx.need_cur(), self.actx)
        mine = Unpacker(p.data())
        bitmap_decode(mine)
        equal = mine.opaque() == given
        if equal != same:
            raise FSError(c.NFS4ERR_NOT_SAME if same else c.NFS4ERR_SAME)
        return b''

    def op_access(self, cx, u):
        req = u.u32()
        ino = cx.need_cur()
        full = 0x3f
        if cx.uid == 0:
            ok = full
            if ino.type != c.NF4DIR and not ino.mode & 0o111:
                ok &= ~c.ACCESS4_EXECUTE
        else:
            if cx.uid == ino.uid:
                bits = (ino.mode >> 6) & 7
            elif cx.gid == ino.gid:
                bits = (ino.mode >> 3) & 7
            else:
                bits = ino.mode & 7
            ok = 0
            if bits & 4:
                ok |= c.ACCESS4_READ
            if bits & 2:
                ok |= c.ACCESS4_MODIFY | c.ACCESS4_EXTEND | c.ACCESS4_DELETE
            if bits & 1:
                ok |= c.ACCESS4_EXECUTE | c.ACCESS4_LOOKUP
        if ino.type == c.NF4DIR:
            ok &= ~c.ACCESS4_EXECUTE
        else:
            ok &= ~(c.ACCESS4_LOOKUP | c.ACCESS4_DELETE)
        p = Packer()
        p.u32(req & full)
        p.u32(req & ok)
        return p.data()

    # ---- namespace ----
    def op_create(self, cx, u):
        ftype = u.u32()
        target, rdev = b'', (0, 0)
        if ftype == c.NF4LNK:
            target = u.opaque()
        elif ftype in (c.NF4BLK, c.NF4CHR):
            rdev = (u.u32(), u.u32())
        elif ftype not in (c.NF4SOCK, c.NF4FIFO, c.NF4DIR):
            raise FSError(c.NFS4ERR_BADTYPE)
        name = u.opaque(1024)
        attrs = decode_fattr(u)
        d = cx.need_cur()
        self.fs._dir(d)
        before = d.change
        mode = attrs.pop(A['mode'], 0o777 if ftype in (c.NF4DIR, c.NF4LNK) else 0o644)
        ino = self.fs.create(d, name, ftype, mode, cx.uid, cx.gid, target, rdev)
        done = self._apply_attrs(ino, attrs) | {A['mode']}
        self._set_cur(cx, ino)
        p = Packer()
        _cinfo(p, before, d.change)
        bitmap_encode(p, done)
        return p.data()

    def op_remove(self, cx, u):
        name = u.opaque(1024)
        d = cx.need_cur()
        before = d.change
        self.fs.remove(d, name)
        p = Packer()
        _cinfo(p, before, d.change)
        return p.data()

    def op_rename(self, cx, u):
        old, new = u.opaque(1024), u.opaque(1024)
        if cx.saved is None:
            raise FSError(c.NFS4ERR_NOFILEHANDLE)
        sd, td = cx.saved, cx.need_cur()
        sb, tb = sd.change, td.change
        self.fs.rename(sd, old, td, new)
        p = Packer()
        _cinfo(p, sb, sd.change)
        _cinfo(p, tb, td.change)
        return p.data()

    def op_link(self, cx, u):
        name = u.opaque(1024)
        if cx.saved is None:
            raise FSError(c.NFS4ERR_NOFILEHANDLE)
        d = cx.need_cur()
        before = d.change
        self.fs.link(cx.saved, d, name)
        p = Packer()
        _cinfo(p, before, d.change)
        return p.data()

    def op_readlink(self, cx, u):
        ino = cx.need_cur()
        if ino.type != c.NF4LNK:
            raise FSError(c.NFS4ERR_INVAL)
        p = Packer()
        p.opaque(ino.target)
        return p.data()

    def op_readdir(self, cx, u):
        cookie = u.u64()
        u.fopaque(8)
        u.u32()                     # dircount: a hint
        maxcount = u.u32()
        want = bitmap_decode(u)
        d = cx.need_cur()
        if d.type != c.NF4DIR:
            raise FSError(c.NFS4ERR_NOTDIR)
        if cookie in (1, 2):
            raise FSError(c.NFS4ERR_BAD_COOKIE)
        entries = sorted((e[1], name, e[0]) for name, e in d.entries.items()
                         if e[1] > cookie)
        p = Packer()
        p.fopaque(8, b'\0' * 8)
        # 4 status + 8 verifier + 4 no-more-entries + 4 eof
        used = 20
        n = 0
        eof = True
        for ck, name, fileid in entries:
            ep = Packer()
            ep.u32(1)
            ep.u64(ck)
            ep.opaque(name)
            encode_fattr(ep, want, self.fs.inodes[fileid], self.actx)
            if used + len(ep) > maxcount:
                eof = False
                break
            p.buf += ep.buf
            used += len(ep)
            n += 1
        if n == 0 and not eof:
            raise FSError(c.NFS4ERR_TOOSMALL)
        p.u32(0)
        p.bool(eof)
        return p.data()

    # ---- open state ----
    def op_open(self, cx, u):
        u.u32()                     # seqid: unused in 4.1
        access = u.u32()
        deny = u.u32()
        clientid = u.u64()
        owner = u.opaque(1024)
        opentype = u.u32()
        how = verf = None
        attrs = {}
        if opentype == c.OPEN4_CREATE:
            how = u.u32()
            if how in (c.UNCHECKED4, c.GUARDED4):
                attrs = decode_fattr(u)
            elif how == c.EXCLUSIVE4:
                verf = u.fopaque(8)
            elif how == c.EXCLUSIVE4_1:
                verf = u.fopaque(8)
                attrs = decode_fattr(u, EXCLCREAT)
            else:
                raise XDRError('bad createmode')
        elif opentype != c.OPEN4_NOCREATE:
            raise XDRError('bad opentype')
        claim = u.u32()
        name = None
        if claim in (c.CLAIM_NULL, c.CLAIM_DELEGATE_PREV):
            name = u.opaque(1024)
        elif claim == c.CLAIM_PREVIOUS:
            u.u32()
        elif claim == c.CLAIM_DELEGATE_CUR:
            _read_stateid(u)
            name = u.opaque(1024)
        elif claim == c.CLAIM_DELEG_CUR_FH:
            _read_stateid(u)
        elif claim not in (c.CLAIM_FH, c.CLAIM_DELEG_PREV_FH):
            raise XDRError('bad claim')
        access &= 0xff          # drop the OPEN4_SHARE_ACCESS_WANT_* bits
        if access not in (1, 2, 3) or deny > 3:
            raise FSError(c.NFS4ERR_INVAL)
        if claim not in (c.CLAIM_NULL, c.CLAIM_FH, c.CLAIM_PREVIOUS):
            raise FSError(c.NFS4ERR_NOTSUPP)
        cl = cx.session.client
        self._check_grace(cl, claim == c.CLAIM_PREVIOUS)
        if clientid != cl.clientid:
            raise FSError(c.NFS4ERR_STALE_CLIENTID)
        d = cx.need_cur()
        before = after = d.change
        done = set()
        if claim in (c.CLAIM_FH, c.CLAIM_PREVIOUS):
            ino = self._reg(d)
        else:
            self.fs._dir(d)
            try:
                ino = self.fs.lookup(d, name)
            except FSError as e:
                if e.status != c.NFS4ERR_NOENT or opentype != c.OPEN4_CREATE:
                    raise
                ino = None
            if ino is not None:
                self._reg(ino)
                if how == c.GUARDED4:
                    raise FSError(c.NFS4ERR_EXIST)
                if how in (c.EXCLUSIVE4, c.EXCLUSIVE4_1):
                    if ino.verifier != verf.hex():
                        raise FSError(c.NFS4ERR_EXIST)
                elif how == c.UNCHECKED4 and A['size'] in attrs:
                    done = self._apply_attrs(ino, {A['size']: attrs[A['size']]})
            else:
                mode = attrs.pop(A['mode'], 0o644)
                ino = self.fs.create(d, name, c.NF4REG, mode, cx.uid, cx.gid)
                done = self._apply_attrs(ino, attrs) | {A['mode']}
                if verf is not None:
                    ino.verifier = verf.hex()
                after = d.change
        self._check_share(ino, cl, owner, access, deny)
        key = ('open', cl.clientid, owner, ino.fileid)
        st = self.states.get_key(key)
        if st is None:
            st = self.states.new('open', cl, ino, key)
            st.owner = owner
            ino.opens = getattr(ino, 'opens', 0) + 1
        else:
            st.bump()
        st.access |= access
        st.deny |= deny
        self._set_cur(cx, ino)
        cx.cur_sid = st.stateid()
        p = Packer()
        _stateid(p, st.stateid())
        _cinfo(p, before, after)
        p.u32(c.OPEN4_RESULT_LOCKTYPE_POSIX)
        bitmap_encode(p, done)
        p.u32(c.OPEN_DELEGATE_NONE)
        return p.data()

    def _check_share(self, ino, cl, owner, access, deny):
        for st in self.states.for_inode(ino, 'open'):
            if st.client is cl and st.owner == owner:
                continue
            if st.deny & access or st.access & deny:
                raise FSError(c.NFS4ERR_SHARE_DENIED)

    def op_close(self, cx, u):
        u.u32()
        sid = _read_stateid(u)
        ino = cx.need_cur()
        st = self._find_state(cx, sid, ('open',), ino)
        if st is None:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        for lk in self.states.for_inode(ino, 'lock'):
            if lk.open is st:
                self.states.drop(lk)
        self._drop_state(st)
        cx.cur_sid = None
        p = Packer()
        _stateid(p, (0xffffffff, ZERO_OTHER))
        return p.data()

    def op_open_downgrade(self, cx, u):
        sid = _read_stateid(u)
        u.u32()
        access = u.u32() & 0xff
        deny = u.u32()
        ino = cx.need_cur()
        st = self._find_state(cx, sid, ('open',), ino)
        if st is None:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        if access not in (1, 2, 3) or access & ~st.access or deny & ~st.deny:
            raise FSError(c.NFS4ERR_INVAL)
        st.access, st.deny = access, deny
        st.bump()
        cx.cur_sid = st.stateid()
        p = Packer()
        _stateid(p, st.stateid())
        return p.data()

    def op_test_stateid(self, cx, u):
        sids = u.array(lambda: _read_stateid(u), 1024)
        out = []
        for seqid, other in sids:
            st = self.states.lookup(seqid, other)
            if isinstance(st, int):
                out.append(c.NFS4ERR_BAD_STATEID if st == c.NFS4ERR_STALE_STATEID else st)
            elif st.client is not cx.session.client:
                out.append(c.NFS4ERR_BAD_STATEID)
            else:
                out.append(c.NFS4_OK)
        p = Packer()
        p.array(out, p.u32)
        return p.data()

    def op_free_stateid(self, cx, u):
        seqid, other = _read_stateid(u)
        st = self.states.lookup(0, other)
        if isinstance(st, int) or st.client is not cx.session.client:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        if st.kind == 'open' or (st.kind == 'lock' and st.locks):
            raise FSError(c.NFS4ERR_LOCKS_HELD)
        self._drop_state(st)
        return b''

    # ---- data ----
    def op_read(self, cx, u):
        sid = _read_stateid(u)
        off = u.u64()
        count = u.u32()
        ino = self._reg(cx.need_cur())
        self._find_state(cx, sid, ('open', 'lock'), ino)
        data, eof = self.fs.read(ino, off, min(count, MAX_IO))
        p = Packer()
        p.bool(eof)
        p.opaque(data)
        return p.data()

    def op_write(self, cx, u):
        sid = _read_stateid(u)
        off = u.u64()
        stable = u.u32()
        data = u.opaque()
        if stable > c.FILE_SYNC4:
            raise XDRError('bad stable_how')
        ino = self._reg(cx.need_cur())
        st = self._find_state(cx, sid, ('open', 'lock'), ino)
        ost = st.open if st is not None and st.kind == 'lock' else st
        if ost is not None and not ost.access & c.OPEN4_SHARE_ACCESS_WRITE:
            raise FSError(c.NFS4ERR_OPENMODE)
        if off + len(data) > c.NFS4_UINT64_MAX:
            raise FSError(c.NFS4ERR_INVAL)
        self.fs.write(ino, off, data)
        if stable != c.UNSTABLE4:
            self.fs.flush()
        p = Packer()
        p.u32(len(data))
        p.u32(stable)
        p.fopaque(8, self.write_verf)
        return p.data()

    def op_commit(self, cx, u):
        u.u64()
        u.u32()
        self._reg(cx.need_cur())
        self.fs.flush()
        self.fs.save()
        p = Packer()
        p.fopaque(8, self.write_verf)
        return p.data()

    # ---- byte-range locks (RFC 8881 section 18.10-18.12) ----
    def _lock_conflict(self, ino, cl, owner, start, end, write):
        for lk in self.states.for_inode(ino, 'lock'):
            if lk.client is cl and lk.owner == owner:
                continue
            for s, e, w in lk.locks:
                if s < end and start < e and (w or write):
                    return lk, s, e, w
        return None

    @staticmethod
    def _denied(conflict):
        lk, s, e, w = conflict
        p = Packer()
        p.u64(int(s))
        p.u64(c.NFS4_UINT64_MAX if e == INF else int(e - s))
        p.u32(c.WRITE_LT if w else c.READ_LT)
        p.u64(lk.client.clientid)
        p.opaque(lk.owner)
        return FSError(c.NFS4ERR_DENIED, body=p.data())

    @staticmethod
    def _lock_range(offset, length):
        if length == 0 or (length != c.NFS4_UINT64_MAX and
                           offset + length > c.NFS4_UINT64_MAX + 1):
            raise FSError(c.NFS4ERR_INVAL)
        return offset, range_end(offset, length)

    def op_lock(self, cx, u):
        ltype = u.u32()
        reclaim = u.bool()
        offset, length = u.u64(), u.u64()
        new_owner = u.bool()
        if new_owner:
            u.u32()
            osid = _read_stateid(u)
            u.u32()
            clientid, owner = u.u64(), u.opaque(1024)
        else:
            lsid = _read_stateid(u)
            u.u32()
        if ltype not in (1, 2, 3, 4):
            raise FSError(c.NFS4ERR_INVAL)
        ino = self._reg(cx.need_cur())
        cl = cx.session.client
        self._check_grace(cl, reclaim)
        start, end = self._lock_range(offset, length)
        if new_owner:
            ost = self._find_state(cx, osid, ('open',), ino)
            if ost is None:
                raise FSError(c.NFS4ERR_BAD_STATEID)
            key = ('lock', cl.clientid, owner, ino.fileid)
            lk = self.states.get_key(key)
            if lk is None:
                lk = self.states.new('lock', cl, ino, key)
                lk.owner, lk.open = owner, ost
                lk.seqid = 0
        else:
            lk = self._find_state(cx, lsid, ('lock',), ino)
            if lk is None:
                raise FSError(c.NFS4ERR_BAD_STATEID)
        write = ltype in (c.WRITE_LT, c.WRITEW_LT)
        if write and not lk.open.access & c.OPEN4_SHARE_ACCESS_WRITE:
            raise FSError(c.NFS4ERR_OPENMODE)
        conflict = self._lock_conflict(ino, cl, lk.owner, start, end, write)
        if conflict:
            if not lk.locks and lk.seqid == 0:
                self.states.drop(lk)
            raise self._denied(conflict)
        lk.locks = subtract_range(lk.locks, start, end) + [[start, end, write]]
        lk.locks.sort(key=lambda r: r[0])
        lk.bump()
        cx.cur_sid = lk.stateid()
        p = Packer()
        _stateid(p, lk.stateid())
        return p.data()

    def op_lockt(self, cx, u):
        ltype = u.u32()
        offset, length = u.u64(), u.u64()
        u.u64()
        owner = u.opaque(1024)
        ino = self._reg(cx.need_cur())
        start, end = self._lock_range(offset, length)
        conflict = self._lock_conflict(ino, cx.session.client, owner, start, end,
                                       ltype in (c.WRITE_LT, c.WRITEW_LT))
        if conflict:
            raise self._denied(conflict)
        return b''

    def op_locku(self, cx, u):
        u.u32()
        u.u32()
        sid = _read_stateid(u)
        offset, length = u.u64(), u.u64()
        ino = self._reg(cx.need_cur())
        lk = self._find_state(cx, sid, ('lock',), ino)
        if lk is None:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        start, end = self._lock_range(offset, length)
        lk.locks = subtract_range(lk.locks, start, end)
        lk.bump()
        p = Packer()
        _stateid(p, lk.stateid())
        return p.data()

    # ---- pNFS (RFC 8881 section 18.40-18.44, RFC 5663) ----
    def op_getdeviceinfo(self, cx, u):
        devid = u.fopaque(c.NFS4_DEVICEID4_SIZE)
        ltype = u.u32()
        maxcount = u.u32()
        bitmap_decode(u)            # notifications asked for: none promised
        if ltype != self.layouts.layout_type:
            raise FSError(c.NFS4ERR_UNKNOWN_LAYOUTTYPE)
        res = GetDeviceInfoRes(ltype, list(self.layouts.device_volumes(devid)))
        need = 4 + len(encoded(res))    # status, resok with no notification
        if maxcount and need > maxcount:
            t = Packer()
            t.u32(need)
            raise FSError(c.NFS4ERR_TOOSMALL, body=t.data())
        return res

    def _layout_state(self, cx, sid, ino):
        st = self._find_state(cx, sid, ('open', 'lock', 'layout'), ino)
        if st is None:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        if st.kind == 'layout':
            return st
        cl = cx.session.client
        key = ('layout', cl.clientid, ino.fileid)
        lst = self.states.get_key(key)
        if lst is None:
            lst = self.states.new('layout', cl, ino, key)
            lst.seqid = 0
        return lst

    def op_layoutget(self, cx, u):
        u.bool()                    # signal_layout_avail
        ltype = u.u32()
        iomode = u.u32()
        offset, length, minlength = u.u64(), u.u64(), u.u64()
        sid = _read_stateid(u)
        maxcount = u.u32()
        ino = cx.need_cur()
        if ltype != self.layouts.layout_type:
            raise FSError(c.NFS4ERR_UNKNOWN_LAYOUTTYPE)
        if iomode not in (c.LAYOUTIOMODE4_READ, c.LAYOUTIOMODE4_RW):
            raise FSError(c.NFS4ERR_BADIOMODE)
        self._reg(ino)
        if length == 0 or (length != c.NFS4_UINT64_MAX and
                           offset + length > c.NFS4_UINT64_MAX):
            raise FSError(c.NFS4ERR_INVAL)
        if self.in_grace():
            raise FSError(c.NFS4ERR_GRACE)
        self._layout_policy()
        # Like nfsd (NFS4ERR_RECALLCONFLICT while the file has recalls
        # in flight): no new layout on a file while one of its layouts is
        # being recalled, or a LAYOUTRETURN crossing this reply on the
        # wire would take back what it hands out.
        if any(s.recalling for s in self.states.for_inode(ino, 'layout')):
            raise FSError(c.NFS4ERR_RECALLCONFLICT)
        lst = self._layout_state(cx, sid, ino)
        # Reply overhead: status, roc, stateid, count, offset, length,
        # iomode, type, body length, extent count.
        overhead = 4 + 4 + 16 + 4 + 8 + 8 + 4 + 4 + 4 + 4
        max_ext = (maxcount - overhead) // blocklayout.EXTENT4_SIZE if maxcount else 4096
        start, span, exts = self.layouts.layout_get(ino, iomode, offset, length,
                                                    minlength, min(max_ext, 4096))
        lst.segs.append([iomode, start, start + span])
        lst.bump()
        cx.cur_sid = lst.stateid()
        return LayoutGetRes(lst.stateid(),
                            [Layout(start, span, iomode, ltype, exts)])

    LAYOUT_POLICIES = ('normal', 'unavailable', 'trylater', 'delay')

    def _layout_policy(self):
        """Refuse layouts on demand (control: layouts POLICY)."""
        if self.layout_policy == 'unavailable':
            raise FSError(c.NFS4ERR_LAYOUTUNAVAILABLE)
        if self.layout_policy == 'trylater':
            p = Packer()
            p.bool(False)           # logr_will_signal_layout_avail
            raise FSError(c.NFS4ERR_LAYOUTTRYLATER, body=p.data())
        if self.layout_policy == 'delay':
            raise FSError(c.NFS4ERR_DELAY)

    def _commit_wait(self):
        # compound() holds self.lock once: let callbacks and other
        # COMPOUNDs through while this LAYOUTCOMMIT waits.
        self.lock.release()
        try:
            time.sleep(self.commit_delay)
        finally:
            self.lock.acquire()

    def op_layoutcommit(self, cx, u):
        if self.commit_delay:
            self._commit_wait()
        if self.commit_error[1] > 0:
            self.commit_error[1] -= 1
            raise FSError(self.commit_error[0])
        offset, length = u.u64(), u.u64()
        reclaim = u.bool()
        sid = _read_stateid(u)
        last_write = u.u64() if u.bool() else None
        if u.bool():
            u.i64()
            u.u32()
        ltype = u.u32()
        body = u.opaque()
        ino = self._reg(cx.need_cur())
        if ltype != self.layouts.layout_type:
            raise FSError(c.NFS4ERR_UNKNOWN_LAYOUTTYPE)
        if reclaim:
            # The layout stateid died with the old server instance
            # (RFC 8881 section 18.42.3): only the grace period matters.
            self._check_grace(cx.session.client, True)
        else:
            st = self._find_state(cx, sid, ('layout',), ino)
            if st is None:
                raise FSError(c.NFS4ERR_BAD_STATEID)
        self.layouts.commit_body(ino, body)
        p = Packer()
        if last_write is not None and last_write + 1 > ino.size:
            ino.size = last_write + 1
            ino.touch()
            p.bool(True)
            p.u64(ino.size)
        else:
            ino.touch()
            p.bool(False)
        self.fs.dirty = True
        return p.data()

    def op_layoutreturn(self, cx, u):
        u.bool()                    # reclaim
        ltype = u.u32()
        iomode = u.u32()
        rtype = u.u32()
        if rtype == c.LAYOUTRETURN4_FILE:
            offset, length = u.u64(), u.u64()
            sid = _read_stateid(u)
            u.opaque()              # lrf_body: nothing for block layouts
        elif rtype not in (c.LAYOUTRETURN4_FSID, c.LAYOUTRETURN4_ALL):
            raise XDRError('bad layoutreturn type')
        if ltype != self.layouts.layout_type:
            raise FSError(c.NFS4ERR_UNKNOWN_LAYOUTTYPE)
        cl = cx.session.client
        p = Packer()
        if rtype != c.LAYOUTRETURN4_FILE:
            for st in self.states.for_client(cl):
                if st.kind == 'layout':
                    self.states.drop(st)
            p.bool(False)
            return p.data()
        ino = self._reg(cx.need_cur())
        st = self._find_state(cx, sid, ('layout',), ino)
        if st is None:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        start, end = offset, range_end(offset, length)
        segs = []
        for m, s, e in st.segs:
            if iomode != c.LAYOUTIOMODE4_ANY and m != iomode:
                segs.append([m, s, e])
            else:
                segs += [[m, a, b] for a, b, _ in subtract_range([[s, e, 0]], start, end)]
        st.segs = segs
        if not segs:
            self.states.drop(st)
            p.bool(False)
        else:
            st.bump()
            p.bool(True)
            _stateid(p, st.stateid())
        return p.data()

    def op_layouterror(self, cx, u):
        """RFC 7862 section 15.6 (4.2 COMPOUNDs only): the client's report
        of failed I/O to storage devices.  Nothing is done with it but
        recording its arguments, and the status answered, in
        layout_errors (control: layouterrors)."""
        offset, length = u.u64(), u.u64()
        sid = _read_stateid(u)
        errors = u.array(lambda: dict(
            devid=u.fopaque(c.NFS4_DEVICEID4_SIZE).hex(), status=u.u32(),
            opnum=u.u32()))
        rec = dict(stateid=[sid[0], sid[1].hex()], offset=offset,
                   length=length, errors=errors, fileid=None,
                   answered=c.NFS4_OK)
        try:
            ino = self._reg(cx.need_cur())
            rec['fileid'] = ino.fileid
            if length == 0 or (length != c.NFS4_UINT64_MAX and
                               offset + length > c.NFS4_UINT64_MAX):
                raise FSError(c.NFS4ERR_INVAL)
            if self._find_state(cx, sid, ('layout',), ino) is None:
                raise FSError(c.NFS4ERR_BAD_STATEID)
        except FSError as e:
            rec['answered'] = e.status
            raise
        finally:
            self.layout_errors.append(rec)
            self.log('LAYOUTERROR %s' % (rec,))
        return b''

    # ---- callbacks (RFC 8881 section 20) ----
    def _cb_compound(self, session, ops):
        """Send CB_SEQUENCE + ops (list of (opnum, args bytes)) on the
        session's back channel; returns [(op, status)].  Call without
        holding self.lock."""
        conn = session.back_conn()
        if conn is None:
            raise rpc.RPCError('no back channel')
        with session.cb_lock:
            session.cb_seqid += 1
            p = Packer()
            p.opaque(b'')
            p.u32(1)
            p.u32(0)                # callback_ident
            p.u32(len(ops) + 1)
            p.u32(c.OP_CB_SEQUENCE)
            p.fopaque(16, session.sessionid)
            p.u32(session.cb_seqid)
            p.u32(0)
            p.u32(0)
            p.bool(False)
            p.u32(0)                # referring call lists
            for op, args in ops:
                p.u32(op)
                p.buf += args
            cred = (rpc.AUTH_NONE, b'')
            for flavor, a in session.cb_sec:
                if flavor == rpc.AUTH_SYS:
                    cred = (rpc.AUTH_SYS, a.encode())
                    break
                if flavor == rpc.AUTH_NONE:
                    break
            try:
                r = conn.call(session.cb_program, c.NFS4_CALLBACK_VERSION,
                              c.CB_COMPOUND, p.data(), cred)
            except (OSError, rpc.RPCError):
                # The client's connection closed under the call (its reader
                # saw EOF between back_conn() and the send, or before the
                # reply): there was no back channel after all.
                if conn.closed:
                    raise rpc.RPCError('no back channel') from None
                raise
        status = r.u32()
        r.opaque()
        res = []
        for _ in range(r.u32()):
            op, st = r.u32(), r.u32()
            res.append((op, st))
            if op == c.OP_CB_SEQUENCE and st == c.NFS4_OK:
                r.fopaque(16)
                for _ in range(4):
                    r.u32()
            if st != c.NFS4_OK:
                break
        self.log('CB_COMPOUND status %d: %s' % (status, res))
        return res

    def recall_file(self, ino):
        """CB_LAYOUTRECALL every layout held on ino (RFC 8881 20.3).
        Returns the per-client results."""
        with self.lock:
            work, states = [], []
            for st in self.states.for_inode(ino, 'layout'):
                s = next(iter(st.client.sessions.values()), None)
                if s is None:
                    continue
                st.bump()
                st.recalling = True
                a = Packer()
                a.u32(self.layouts.layout_type)
                a.u32(c.LAYOUTIOMODE4_ANY)
                a.bool(False)           # clora_changed
                a.u32(c.LAYOUTRECALL4_FILE)
                a.opaque(self.fs.fh(ino))
                a.u64(0)
                a.u64(c.NFS4_UINT64_MAX)
                _stateid(a, st.stateid())
                work.append((s, a.data()))
                states.append(st)
        out = []
        for (s, args), st in zip(work, states):
            res = self._cb_retry(s, [(c.OP_CB_LAYOUTRECALL, args)])
            out.append(res)
            if isinstance(res, list) and res[-1] == (c.OP_CB_LAYOUTRECALL,
                                                     c.NFS4ERR_NOMATCHING_LAYOUT):
                # RFC 8881 section 20.3.4: the client holds nothing that
                # matches, so the layout counts as returned.
                with self.lock:
                    self.states.drop(st)
            elif not (isinstance(res, list) and
                      res[-1] == (c.OP_CB_LAYOUTRECALL, c.NFS4_OK)):
                with self.lock:
                    st.recalling = False
        return out

    def _cb_retry(self, session, ops):
        """_cb_compound, sent again while the client answers DELAY."""
        for _ in range(self.cb_tries):
            try:
                res = self._cb_compound(session, ops)
            except (rpc.RPCError, OSError, XDRError) as e:
                return str(e)
            with self.lock:
                for op, st in res:
                    self.op_counts['%s(%s)' % (c.CB_OP_NAMES.get(op, op),
                                               c.ERR_NAMES.get(st, st))] += 1
            if res[-1][1] != c.NFS4ERR_DELAY:
                return res
            time.sleep(self.cb_delay)
        return res

    def _all_sessions(self):
        with self.lock:
            return [next(iter(cl.sessions.values()))
                    for cl in self.clients.values() if cl.sessions]

    def _cb_all(self, ops):
        return [self._cb_retry(s, ops) for s in self._all_sessions()]

    def recall_any(self, keep=0, mask=1 << c.RCA4_BLK_LAYOUT_RECALL_ANY_LAYOUTS):
        """CB_RECALL_ANY (RFC 8881 20.6) to every client."""
        a = Packer()
        a.u32(keep)
        bitmap_encode(a, {b for b in range(32) if mask & (1 << b)})
        return self._cb_all([(c.OP_CB_RECALL_ANY, a.data())])

    def notify_device(self, kind=c.NOTIFY_DEVICEID4_CHANGE, immediate=False):
        """CB_NOTIFY_DEVICEID (RFC 8881 20.12) for every device; the
        notify_mask is a bitmap4 with bit <kind> set (Linux 6.12 accepts
        exactly one bit per notify4)."""
        changes = Packer()
        devs = self.layouts.device_ids()
        changes.u32(len(devs))
        for devid in devs:
            v = Packer()
            v.u32(self.layouts.layout_type)
            v.fopaque(c.NFS4_DEVICEID4_SIZE, devid)
            if kind == c.NOTIFY_DEVICEID4_CHANGE:
                v.bool(immediate)
            bitmap_encode(changes, {kind})
            changes.opaque(v.data())
        return self._cb_all([(c.OP_CB_NOTIFY_DEVICEID, changes.data())])


def fattr_now():
    t = time.time_ns()
    return [t // 1000000000, t % 1000000000]


def blocklayout_provider(fs, scsi=None):
    from pnfs import BlockLayoutProvider, ScsiLayoutProvider
    if scsi is not None:
        return ScsiLayoutProvider(fs, **scsi)
    return BlockLayoutProvider(fs)
