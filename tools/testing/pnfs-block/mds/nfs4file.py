# SPDX-License-Identifier: GPL-2.0
"""The file operations (RFC 8881 section 18): file handles, attributes,
the namespace, open and lock state, READ, WRITE and COMMIT.

FileOps is a part of NFS4Server (nfs4server.py): its methods run under
the server lock with the server's state.
"""

import time

from fattr import bitmap_decode, bitmap_encode, decode_fattr, encode_fattr
from fs import FSError
import fattr
import nfs4const as c
from nfs4session import MAX_IO
from nfs4xdr import OpenArgs, OpenRes, get_stateid, put_cinfo, put_stateid
import rpc
from state import INF, ZERO_OTHER, range_end, subtract_range
from xdr import Packer, Unpacker, XDRError

A = c.ATTRS


def fattr_now():
    t = time.time_ns()
    return [t // 1000000000, t % 1000000000]


class FileOps:
    """Every operation on files and their state but the pNFS ones."""

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
        sid = get_stateid(u)
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
        put_cinfo(p, before, d.change)
        bitmap_encode(p, done)
        return p.data()

    def op_remove(self, cx, u):
        name = u.opaque(1024)
        d = cx.need_cur()
        before = d.change
        self.fs.remove(d, name)
        p = Packer()
        put_cinfo(p, before, d.change)
        return p.data()

    def op_rename(self, cx, u):
        old, new = u.opaque(1024), u.opaque(1024)
        if cx.saved is None:
            raise FSError(c.NFS4ERR_NOFILEHANDLE)
        sd, td = cx.saved, cx.need_cur()
        sb, tb = sd.change, td.change
        self.fs.rename(sd, old, td, new)
        p = Packer()
        put_cinfo(p, sb, sd.change)
        put_cinfo(p, tb, td.change)
        return p.data()

    def op_link(self, cx, u):
        name = u.opaque(1024)
        if cx.saved is None:
            raise FSError(c.NFS4ERR_NOFILEHANDLE)
        d = cx.need_cur()
        before = d.change
        self.fs.link(cx.saved, d, name)
        p = Packer()
        put_cinfo(p, before, d.change)
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
        p = Packer()
        put_stateid(p, (0xffffffff, ZERO_OTHER))
        return p.data()

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
        p = Packer()
        put_stateid(p, st.stateid())
        return p.data()

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

    # ---- data ----
    def op_read(self, cx, u):
        sid = get_stateid(u)
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
        sid = get_stateid(u)
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
        p = Packer()
        put_stateid(p, lk.stateid())
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
        sid = get_stateid(u)
        offset, length = u.u64(), u.u64()
        ino = self._reg(cx.need_cur())
        lk = self._find_state(cx, sid, ('lock',), ino)
        if lk is None:
            raise FSError(c.NFS4ERR_BAD_STATEID)
        start, end = self._lock_range(offset, length)
        lk.locks = subtract_range(lk.locks, start, end)
        lk.bump()
        p = Packer()
        put_stateid(p, lk.stateid())
        return p.data()
