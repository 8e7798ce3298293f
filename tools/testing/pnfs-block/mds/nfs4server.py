# SPDX-License-Identifier: GPL-2.0
"""The NFSv4.1 server: COMPOUND processing (RFC 8881 section 16.2, 18) for
one exported file system acting as a pNFS block-layout metadata server.

Every COMPOUND runs under one server lock; handlers decode their arguments
from the Unpacker, act, and return the result that follows the status
(an nfs4xdr.py object or its bytes), or raise FSError.  Callbacks
(CB_COMPOUND on the session's back channel) are sent from their own
thread, outside that lock.

The operations live in parts of the class, one module each:
nfs4session.py (client records and sessions), nfs4file.py (files),
nfs4open.py (open and lock state), nfs4pnfs.py (layouts) and nfs4cb.py
(callbacks).  This
module keeps what they share: COMPOUND processing, the state lookups
and the grace period.
"""

import collections
import os
import threading
import time
import traceback

from storage import StorageError
from xdr import Packer, XDRError
from fs import FSError
from fattr import AttrContext
import nfs4const as c
from nfs4cb import Callbacks
from nfs4file import FileOps
from nfs4open import OpenLockOps
from nfs4pnfs import PnfsOps
from nfs4session import MAX_IO, Replay, SessionOps
from nfs4xdr import encoded
from state import StateTable, ONES_OTHER, ZERO_OTHER

MAX_OPS = 64
SESSIONLESS = {c.OP_EXCHANGE_ID, c.OP_CREATE_SESSION, c.OP_DESTROY_SESSION,
               c.OP_BIND_CONN_TO_SESSION, c.OP_DESTROY_CLIENTID}


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
        self.session = self.slot = self.slotid = None
        self.minor = 1

    def need_cur(self):
        if self.cur is None:
            raise FSError(c.NFS4ERR_NOFILEHANDLE)
        return self.cur


class NFS4Server(SessionOps, FileOps, OpenLockOps, PnfsOps, Callbacks):
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
        # CB_SEQUENCE lists the LAYOUTGETs a CB_LAYOUTRECALL may cross
        # (control: referring-calls off sends none, as nfsd 6.12 does).
        self.referring_calls = True
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
        self.rpcserver = rpcserver
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


def blocklayout_provider(fs, scsi=None):
    from pnfs import BlockLayoutProvider, ScsiLayoutProvider
    if scsi is not None:
        return ScsiLayoutProvider(fs, **scsi)
    return BlockLayoutProvider(fs)
