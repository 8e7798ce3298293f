# SPDX-License-Identifier: GPL-2.0
"""Client records and sessions (RFC 8881 section 18.35-18.37, 18.46,
18.33-18.34, 18.50-18.51): the operations a COMPOUND starts with.

SessionOps is a part of NFS4Server (nfs4server.py): its methods run
under the server lock with the server's state.
"""

import os
import struct
import time

from fs import FSError
import nfs4const as c
from nfs4xdr import (CreateSessionArgs, CreateSessionRes, ExchangeIdArgs, ExchangeIdRes,
                     SequenceArgs, SequenceRes, encoded)
from state import Client, Session
from xdr import Packer

MAX_IO = 1 << 20
MAX_REQ = MAX_IO + 64 * 1024
MAX_SLOTS = 64
SEQ4_STATUS_CB_PATH_DOWN_SESSION = 0x200


class Replay(Exception):
    """SEQUENCE found a retransmission: answer with the cached reply."""

    def __init__(self, reply):
        super().__init__('replay')
        self.reply = reply


class SessionOps:
    """EXCHANGE_ID, CREATE_SESSION, SEQUENCE, BIND_CONN_TO_SESSION,
    DESTROY_SESSION, DESTROY_CLIENTID, RECLAIM_COMPLETE."""

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

    def op_exchange_id(self, cx, u):
        a = ExchangeIdArgs.decode(u)
        cl = self.by_owner.get(a.owner)
        if cl is not None and cl.verifier != a.verifier:
            # The client rebooted: its old state goes (RFC 8881 18.35.5).
            self._expire_client(cl)
            cl = None
        if cl is None:
            if a.flags & c.EXCHGID4_FLAG_UPD_CONFIRMED_REC_A:
                raise FSError(c.NFS4ERR_NOENT)
            self.next_clientid += 1
            cl = Client(self.next_clientid, a.owner, a.verifier)
            self.clients[cl.clientid] = cl
            self.by_owner[a.owner] = cl
        rflags = c.EXCHGID4_FLAG_USE_PNFS_MDS
        if cl.confirmed:
            rflags |= c.EXCHGID4_FLAG_CONFIRMED_R
        return ExchangeIdRes(cl.clientid, (cl.cs_seqid + 1) & 0xffffffff, rflags)

    def op_create_session(self, cx, u):
        a = CreateSessionArgs.decode(u)
        cl = self._client(a.clientid)
        seq = a.seqid
        if seq == cl.cs_seqid and cl.cs_reply is not None:
            return cl.cs_reply
        if seq != (cl.cs_seqid + 1) & 0xffffffff:
            raise FSError(c.NFS4ERR_SEQ_MISORDERED)
        fore, back = a.fore, a.back
        fo = dict(fore, headerpad=0, maxreq=min(fore['maxreq'], MAX_REQ),
                  maxresp=min(fore['maxresp'], MAX_REQ),
                  maxresp_cached=min(fore['maxresp_cached'], MAX_REQ),
                  maxops=max(fore['maxops'], 1),
                  maxreqs=max(1, min(fore['maxreqs'], MAX_SLOTS)))
        bo = dict(back, headerpad=0, maxreqs=max(1, min(back['maxreqs'], 16)))
        sid = struct.pack('>QII', cl.clientid, len(self.sessions) + 1,
                          struct.unpack('>I', os.urandom(4))[0])
        s = Session(sid, cl, fo, bo, a.cb_program, a.cb_sec)
        # Its callbacks carry the minor version it was created with: the
        # client looks the session up by both (RFC 8881 section 20.1;
        # Linux answers CB_SEQUENCE NFS4ERR_BADSESSION otherwise).
        s.minor = cx.minor
        rflags = 0
        if a.flags & c.CREATE_SESSION4_FLAG_CONN_BACK_CHAN and cx.conn is not None:
            s.back_conns.append(cx.conn)
            rflags |= c.CREATE_SESSION4_FLAG_CONN_BACK_CHAN
        self.sessions[sid] = s
        cl.sessions[sid] = s
        cl.confirmed = True
        cl.cs_seqid = seq
        # Kept encoded: a retransmission gets these very bytes again.
        cl.cs_reply = encoded(CreateSessionRes(sid, seq, rflags, fo, bo))
        return cl.cs_reply

    def _session(self, sid):
        s = self.sessions.get(sid)
        if s is None:
            raise FSError(c.NFS4ERR_BADSESSION)
        return s

    def op_sequence(self, cx, u):
        # a.cachethis does not matter: every reply is cached.
        a = SequenceArgs.decode(u)
        sid, seq, slotid = a.sessionid, a.seqid, a.slotid
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
        cx.session, cx.slot, cx.slotid = s, slot, slotid
        s.client.renewed = time.monotonic()
        flags = 0
        if s.back_conn() is None:
            flags |= SEQ4_STATUS_CB_PATH_DOWN_SESSION
        return SequenceRes(sid, seq, slotid, len(s.slots) - 1, flags)

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
