# SPDX-License-Identifier: GPL-2.0
"""The file operations (RFC 8881 section 18): file handles, attributes,
the namespace, READ, WRITE and COMMIT (open and lock state: nfs4open.py).

FileOps is a part of NFS4Server (nfs4server.py): its methods run under
the server lock with the server's state.
"""

import time

from fattr import bitmap_decode, bitmap_encode, decode_fattr, encode_fattr
from fs import FSError
import fattr
import nfs4const as c
from nfs4session import MAX_IO
from nfs4xdr import get_stateid, put_cinfo
import rpc
from xdr import Packer, Unpacker, XDRError

A = c.ATTRS


def fattr_now():
    t = time.time_ns()
    return [t // 1000000000, t % 1000000000]


class FileOps:
    """Every operation on files but the pNFS and the open and lock state
    ones."""

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

    # ---- data ----
    def _io_state(self, cx, sid):
        """(the current file, a regular one; the open or lock state of
        sid on it, or None for a special stateid) for a READ or WRITE."""
        ino = self._reg(cx.need_cur())
        return ino, self._find_state(cx, sid, ('open', 'lock'), ino)

    def op_read(self, cx, u):
        sid = get_stateid(u)
        off = u.u64()
        count = u.u32()
        ino, _ = self._io_state(cx, sid)
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
        ino, st = self._io_state(cx, sid)
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
