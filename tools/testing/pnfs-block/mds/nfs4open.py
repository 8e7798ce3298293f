# SPDX-License-Identifier: GPL-2.0
"""The open and lock state operations (RFC 8881 section 18): OPEN, CLOSE,
OPEN_DOWNGRADE, TEST_STATEID, FREE_STATEID, LOCK, LOCKT and LOCKU.

OpenLockOps is a part of NFS4Server (nfs4server.py): its methods run
under the server lock with the server's state, and use FileOps'
(nfs4file.py) handle and attribute helpers.
"""

from fs import FSError
import nfs4const as c
from nfs4xdr import OpenArgs, OpenRes, get_stateid, put_stateid
from state import INF, ZERO_OTHER, range_end, subtract_range
from xdr import Packer

A = c.ATTRS


def _stateid_res(sid):
    """A result that is one stateid4."""
    p = Packer()
    put_stateid(p, sid)
    return p.data()


class OpenLockOps:
    """OPEN and the other open and lock state operations."""

    # ---- open state ----
    def op_open(self, cx, u):
        a = OpenArgs.decode(u)
        access = a.access & 0xff    # drop the OPEN4_SHARE_ACCESS_WANT_* bits
        if access not in (1, 2, 3) or a.deny > 3:
            raise FSError(c.NFS4ERR_INVAL)
        if a.claim not in (c.CLAIM_NULL, c.CLAIM_FH, c.CLAIM_PREVIOUS):
            raise FSError(c.NFS4ERR_NOTSUPP)
        cl = cx.session.client
        self._check_grace(cl, a.claim == c.CLAIM_PREVIOUS)
        if a.clientid != cl.clientid:
            raise FSError(c.NFS4ERR_STALE_CLIENTID)
        d = cx.need_cur()
        before = d.change
        if a.claim in (c.CLAIM_FH, c.CLAIM_PREVIOUS):
            ino, done = self._reg(d), set()
        else:
            ino, done = self._open_name(cx, d, a)
        self._check_share(ino, cl, a.owner, access, a.deny)
        key = ('open', cl.clientid, a.owner, ino.fileid)
        st = self.states.get_key(key)
        if st is None:
            st = self.states.new('open', cl, ino, key)
            st.owner = a.owner
            ino.opens = getattr(ino, 'opens', 0) + 1
        else:
            st.bump()
        st.access |= access
        st.deny |= a.deny
        self._set_cur(cx, ino)
        cx.cur_sid = st.stateid()
        return OpenRes(st.stateid(), before, d.change, done)

    def _open_name(self, cx, d, a):
        """OPEN of the name a.name in directory d: the file found (as the
        createmode allows) or created.  Returns (inode, attributes set)."""
        self.fs._dir(d)
        try:
            ino = self.fs.lookup(d, a.name)
        except FSError as e:
            if e.status != c.NFS4ERR_NOENT or a.opentype != c.OPEN4_CREATE:
                raise
            ino = None
        attrs = a.attrs
        if ino is None:
            mode = attrs.pop(A['mode'], 0o644)
            ino = self.fs.create(d, a.name, c.NF4REG, mode, cx.uid, cx.gid)
            done = self._apply_attrs(ino, attrs) | {A['mode']}
            if a.verf is not None:
                ino.verifier = a.verf.hex()
            return ino, done
        self._reg(ino)
        if a.how == c.GUARDED4:
            raise FSError(c.NFS4ERR_EXIST)
        if a.how in (c.EXCLUSIVE4, c.EXCLUSIVE4_1):
            if ino.verifier != a.verf.hex():
                raise FSError(c.NFS4ERR_EXIST)
        elif a.how == c.UNCHECKED4 and A['size'] in attrs:
            return ino, self._apply_attrs(ino, {A['size']: attrs[A['size']]})
        return ino, set()

    def _check_share(self, ino, cl, owner, access, deny):
        for st in self.states.for_inode(ino, 'open'):
            if st.client is cl and st.owner == owner:
                continue
            if st.deny & access or st.access & deny:
                raise FSError(c.NFS4ERR_SHARE_DENIED)

    def op_close(self, cx, u):
        u.u32()
        sid = get_stateid(u)
        ino = cx.need_cur()
        st = self._find_state(cx, sid, ('open',), ino)
        if st is None:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        for lk in self.states.for_inode(ino, 'lock'):
            if lk.open is st:
                self.states.drop(lk)
        self._drop_state(st)
        cx.cur_sid = None
        return _stateid_res((0xffffffff, ZERO_OTHER))

    def op_open_downgrade(self, cx, u):
        sid = get_stateid(u)
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
        return _stateid_res(st.stateid())

    def op_test_stateid(self, cx, u):
        sids = u.array(lambda: get_stateid(u), 1024)
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
        seqid, other = get_stateid(u)
        st = self.states.lookup(0, other)
        if isinstance(st, int) or st.client is not cx.session.client:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        if st.kind == 'open' or (st.kind == 'lock' and st.locks):
            raise FSError(c.NFS4ERR_LOCKS_HELD)
        self._drop_state(st)
        return b''

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
            osid = get_stateid(u)
            u.u32()
            clientid, owner = u.u64(), u.opaque(1024)
        else:
            lsid = get_stateid(u)
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
        return _stateid_res(lk.stateid())

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
        sid = get_stateid(u)
        offset, length = u.u64(), u.u64()
        ino = self._reg(cx.need_cur())
        lk = self._find_state(cx, sid, ('lock',), ino)
        if lk is None:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        start, end = self._lock_range(offset, length)
        lk.locks = subtract_range(lk.locks, start, end)
        lk.bump()
        return _stateid_res(lk.stateid())
