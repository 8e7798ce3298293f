# SPDX-License-Identifier: GPL-2.0
"""Callbacks (RFC 8881 section 20): CB_COMPOUND on a session's back
channel, for CB_LAYOUTRECALL, CB_RECALL_ANY and CB_NOTIFY_DEVICEID.

Callbacks is a part of NFS4Server (nfs4server.py).  Its methods take
the server lock only to read and change state: the calls themselves go
out without it, from the thread that asked for them.
"""

import time

import nfs4const as c
from nfs4xdr import (CbLayoutRecallArgs, CbNotifyDeviceArgs, CbRecallAnyArgs,
                     get_cb_compound_res, put_cb_compound)
import rpc
from xdr import Packer, XDRError


def _cb_cred(session):
    """The credential for the back channel: AUTH_SYS if the client's
    callback_sec_parms4 offer it before AUTH_NONE, else AUTH_NONE."""
    for flavor, a in session.cb_sec:
        if flavor == rpc.AUTH_SYS:
            return (rpc.AUTH_SYS, a.encode())
        if flavor == rpc.AUTH_NONE:
            break
    return (rpc.AUTH_NONE, b'')


class Callbacks:
    """What the server sends the client."""

    def _cb_compound(self, session, ops, refcalls=()):
        """Send CB_SEQUENCE + ops (list of (opnum, args)) on the
        session's back channel, CB_SEQUENCE naming refcalls, [(slotid,
        seqid)] of that session, as its referring calls; returns [(op,
        status)].  Call without holding self.lock."""
        conn = session.back_conn()
        if conn is None:
            raise rpc.RPCError('no back channel')
        with session.cb_lock:
            session.cb_seqid += 1
            p = Packer()
            put_cb_compound(p, session.sessionid, session.cb_seqid, ops,
                            session.minor, refcalls)
            try:
                r = conn.call(session.cb_program, c.NFS4_CALLBACK_VERSION,
                              c.CB_COMPOUND, p.data(), _cb_cred(session))
            except (OSError, rpc.RPCError):
                # The client's connection closed under the call (its reader
                # saw EOF between back_conn() and the send, or before the
                # reply): there was no back channel after all.
                if conn.closed:
                    raise rpc.RPCError('no back channel') from None
                raise
        status, res = get_cb_compound_res(r)
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
                # RFC 8881 section 2.10.6.3: the LAYOUTGETs whose replies
                # the recall may overtake, so that the client waits for
                # them instead of answering for a layout it has not seen.
                refs = sorted((slot, seq) for (sid, slot), seq in st.refcalls.items()
                              if sid == s.sessionid) if self.referring_calls else []
                work.append((s, CbLayoutRecallArgs(self.layouts.layout_type,
                                                   self.fs.fh(ino), st.stateid()),
                             refs))
                states.append(st)
        out = []
        for (s, args, refs), st in zip(work, states):
            res = self._cb_retry(s, [(c.OP_CB_LAYOUTRECALL, args)], refs)
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

    def _cb_retry(self, session, ops, refcalls=()):
        """_cb_compound, sent again while the client answers DELAY."""
        for _ in range(self.cb_tries):
            try:
                res = self._cb_compound(session, ops, refcalls)
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
        return self._cb_all([(c.OP_CB_RECALL_ANY, CbRecallAnyArgs(keep, mask))])

    def notify_device(self, kind=c.NOTIFY_DEVICEID4_CHANGE, immediate=False):
        """CB_NOTIFY_DEVICEID (RFC 8881 20.12) for every device."""
        args = CbNotifyDeviceArgs(self.layouts.layout_type,
                                  self.layouts.device_ids(), kind, immediate)
        return self._cb_all([(c.OP_CB_NOTIFY_DEVICEID, args)])
