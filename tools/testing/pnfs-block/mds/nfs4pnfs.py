# SPDX-License-Identifier: GPL-2.0
"""The pNFS operations (RFC 8881 section 18.40-18.44, RFC 5663, RFC 7862
section 15.6): GETDEVICEINFO, LAYOUTGET, LAYOUTCOMMIT, LAYOUTRETURN and
LAYOUTERROR, over the layout provider (pnfs.py).

PnfsOps is a part of NFS4Server (nfs4server.py): its methods run under
the server lock with the server's state.
"""

import time

from fs import FSError
import blocklayout
import nfs4const as c
from nfs4xdr import (GetDeviceInfoArgs, GetDeviceInfoRes, Layout, LayoutCommitArgs,
                     LayoutCommitRes, LayoutErrorArgs, LayoutGetArgs, LayoutGetRes,
                     LayoutReturnArgs, LayoutReturnRes, encoded)
from state import range_end, subtract_range
from xdr import Packer


class PnfsOps:
    """The layout operations."""

    def op_getdeviceinfo(self, cx, u):
        # The notifications asked for (a.notify_types): none promised.
        a = GetDeviceInfoArgs.decode(u)
        if a.ltype != self.layouts.layout_type:
            raise FSError(c.NFS4ERR_UNKNOWN_LAYOUTTYPE)
        res = GetDeviceInfoRes(a.ltype, list(self.layouts.device_volumes(a.devid)))
        need = 4 + len(encoded(res))    # status, resok with no notification
        if a.maxcount and need > a.maxcount:
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
        a = LayoutGetArgs.decode(u)
        ino = cx.need_cur()
        if a.ltype != self.layouts.layout_type:
            raise FSError(c.NFS4ERR_UNKNOWN_LAYOUTTYPE)
        if a.iomode not in (c.LAYOUTIOMODE4_READ, c.LAYOUTIOMODE4_RW):
            raise FSError(c.NFS4ERR_BADIOMODE)
        self._reg(ino)
        if a.length == 0 or (a.length != c.NFS4_UINT64_MAX and
                             a.offset + a.length > c.NFS4_UINT64_MAX):
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
        lst = self._layout_state(cx, a.stateid, ino)
        # Reply overhead: status, roc, stateid, count, offset, length,
        # iomode, type, body length, extent count.
        overhead = 4 + 4 + 16 + 4 + 8 + 8 + 4 + 4 + 4 + 4
        max_ext = ((a.maxcount - overhead) // blocklayout.EXTENT4_SIZE
                   if a.maxcount else 4096)
        start, span, exts = self.layouts.layout_get(ino, a.iomode, a.offset, a.length,
                                                    a.minlength, min(max_ext, 4096))
        lst.segs.append([a.iomode, start, start + span])
        lst.bump()
        if cx.slot is not None:
            lst.refcalls[(cx.session.sessionid, cx.slotid)] = cx.slot.seqid
        cx.cur_sid = lst.stateid()
        return LayoutGetRes(lst.stateid(),
                            [Layout(start, span, a.iomode, a.ltype, exts)])

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
        a = LayoutCommitArgs.decode(u)
        ino = self._reg(cx.need_cur())
        if a.ltype != self.layouts.layout_type:
            raise FSError(c.NFS4ERR_UNKNOWN_LAYOUTTYPE)
        if a.reclaim:
            # The layout stateid died with the old server instance
            # (RFC 8881 section 18.42.3): only the grace period matters.
            self._check_grace(cx.session.client, True)
        else:
            st = self._find_state(cx, a.stateid, ('layout',), ino)
            if st is None:
                raise FSError(c.NFS4ERR_BAD_STATEID)
        self.layouts.commit_body(ino, a.body)
        res = LayoutCommitRes()
        if a.last_write is not None and a.last_write + 1 > ino.size:
            ino.size = a.last_write + 1
            res.new_size = ino.size
        ino.touch()
        self.fs.dirty = True
        return res

    def op_layoutreturn(self, cx, u):
        a = LayoutReturnArgs.decode(u)
        if a.ltype != self.layouts.layout_type:
            raise FSError(c.NFS4ERR_UNKNOWN_LAYOUTTYPE)
        cl = cx.session.client
        if a.rtype != c.LAYOUTRETURN4_FILE:
            for st in self.states.for_client(cl):
                if st.kind == 'layout':
                    self.states.drop(st)
            return LayoutReturnRes()
        ino = self._reg(cx.need_cur())
        st = self._find_state(cx, a.stateid, ('layout',), ino)
        if st is None:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        start, end = a.offset, range_end(a.offset, a.length)
        segs = []
        for m, s, e in st.segs:
            if a.iomode != c.LAYOUTIOMODE4_ANY and m != a.iomode:
                segs.append([m, s, e])
            else:
                segs += [[m, x, y] for x, y, _ in subtract_range([[s, e, 0]], start, end)]
        st.segs = segs
        if not segs:
            self.states.drop(st)
            return LayoutReturnRes()
        st.bump()
        return LayoutReturnRes(st.stateid())

    def op_layouterror(self, cx, u):
        """RFC 7862 section 15.6 (4.2 COMPOUNDs only): the client's report
        of failed I/O to storage devices.  Nothing is done with it but
        recording its arguments, and the status answered, in
        layout_errors (control: layouterrors)."""
        a = LayoutErrorArgs.decode(u)
        sid = a.stateid
        rec = dict(stateid=[sid[0], sid[1].hex()], offset=a.offset,
                   length=a.length, errors=a.errors, fileid=None,
                   answered=c.NFS4_OK)
        try:
            ino = self._reg(cx.need_cur())
            rec['fileid'] = ino.fileid
            if a.length == 0 or (a.length != c.NFS4_UINT64_MAX and
                                 a.offset + a.length > c.NFS4_UINT64_MAX):
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
