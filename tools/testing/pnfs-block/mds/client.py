# SPDX-License-Identifier: GPL-2.0
"""A small NFSv4.1 client for the unit tests: builds COMPOUNDs, decodes the
results of the operations it knows, and runs either in process (calling the
server's COMPOUND handler directly) or over TCP."""

import os

from xdr import Packer, Unpacker
from fattr import bitmap_decode, bitmap_encode
import nfs4const as c
import rpc


class Op:
    def __init__(self, num, args, dec):
        self.num, self.args, self.dec = num, args, dec


def _p():
    return Packer()


def _sid(p, sid):
    p.u32(sid[0])
    p.fopaque(12, sid[1])


def _rsid(u):
    return (u.u32(), u.fopaque(12))


def _none(u):
    return None


def _fattr_empty(p):
    bitmap_encode(p, set())
    p.opaque(b'')


def _cinfo(u):
    return (u.bool(), u.u64(), u.u64())


def _opaque(u):
    return u.opaque()


def _bare(num, dec=_none):
    """The maker of an operation without arguments."""
    return lambda: Op(num, b'', dec)


def _named(num, dec=_none):
    """The maker of an operation whose one argument is a name or handle."""
    def make(name):
        p = _p()
        p.opaque(name)
        return Op(num, p.data(), dec)
    return make


putrootfh = _bare(c.OP_PUTROOTFH)
putfh = _named(c.OP_PUTFH)
getfh = _bare(c.OP_GETFH, _opaque)
savefh = _bare(c.OP_SAVEFH)
restorefh = _bare(c.OP_RESTOREFH)
lookup = _named(c.OP_LOOKUP)
lookupp = _bare(c.OP_LOOKUPP)
readlink = _bare(c.OP_READLINK, _opaque)
link = _named(c.OP_LINK, _cinfo)
remove = _named(c.OP_REMOVE, _cinfo)


def sequence(sid, seq, slot=0, cache=False):
    p = _p()
    p.fopaque(16, sid)
    p.u32(seq)
    p.u32(slot)
    p.u32(slot)
    p.bool(cache)
    return Op(c.OP_SEQUENCE, p.data(), lambda u: dict(
        sid=u.fopaque(16), seq=u.u32(), slot=u.u32(), high=u.u32(),
        target=u.u32(), flags=u.u32()))


def exchange_id(owner, verf=b'v' * 8, flags=0):
    p = _p()
    p.fopaque(8, verf)
    p.opaque(owner)
    p.u32(flags)
    p.u32(c.SP4_NONE)
    p.u32(0)

    def dec(u):
        r = dict(clientid=u.u64(), seq=u.u32(), flags=u.u32(), sp=u.u32(),
                 minor=u.u64(), major=u.opaque(), scope=u.opaque())
        u.array(lambda: (u.opaque(), u.opaque(), u.i64(), u.u32()))
        return r
    return Op(c.OP_EXCHANGE_ID, p.data(), dec)


def _chan(p, maxreqs):
    for v in (0, 1 << 20, 1 << 20, 65536, 16, maxreqs):
        p.u32(v)
    p.u32(0)


def _rchan(u):
    d = [u.u32() for _ in range(6)]
    u.array(u.u32)
    return d


def create_session(clientid, seq, flags=c.CREATE_SESSION4_FLAG_CONN_BACK_CHAN, maxreqs=8):
    p = _p()
    p.u64(clientid)
    p.u32(seq)
    p.u32(flags)
    _chan(p, maxreqs)
    _chan(p, 1)
    p.u32(0x40000000)
    p.u32(1)
    p.u32(rpc.AUTH_NONE)
    return Op(c.OP_CREATE_SESSION, p.data(), lambda u: dict(
        sid=u.fopaque(16), seq=u.u32(), flags=u.u32(), fore=_rchan(u),
        back=_rchan(u)))


def getattr_(attrs):
    p = _p()
    bitmap_encode(p, set(attrs))
    return Op(c.OP_GETATTR, p.data(), lambda u: (bitmap_decode(u), u.opaque()))


def _open_args(clientid, owner, access, opentype):
    """OPEN's arguments up to its openflag: seqid 0, no deny."""
    p = _p()
    p.u32(0)
    p.u32(access)
    p.u32(0)
    p.u64(clientid)
    p.opaque(owner)
    p.u32(opentype)
    return p


def _open_res(u):
    return dict(stateid=_rsid(u), cinfo=_cinfo(u), rflags=u.u32(),
                attrset=bitmap_decode(u), deleg=u.u32())


def open_create(clientid, owner, name, mode=c.UNCHECKED4, access=3, verf=b'e' * 8):
    p = _open_args(clientid, owner, access, c.OPEN4_CREATE)
    p.u32(mode)
    if mode in (c.UNCHECKED4, c.GUARDED4):
        _fattr_empty(p)
    else:
        p.fopaque(8, verf)
        if mode == c.EXCLUSIVE4_1:
            _fattr_empty(p)
    p.u32(c.CLAIM_NULL)
    p.opaque(name)
    return Op(c.OP_OPEN, p.data(), _open_res)


def open_previous(clientid, owner, access=3):
    """OPEN CLAIM_PREVIOUS of the current file handle (reclaim)."""
    p = _open_args(clientid, owner, access, c.OPEN4_NOCREATE)
    p.u32(c.CLAIM_PREVIOUS)
    p.u32(c.OPEN_DELEGATE_NONE)
    return Op(c.OP_OPEN, p.data(), _open_res)


def reclaim_complete(one_fs=False):
    p = _p()
    p.bool(one_fs)
    return Op(c.OP_RECLAIM_COMPLETE, p.data(), _none)


def close(sid):
    p = _p()
    p.u32(0)
    _sid(p, sid)
    return Op(c.OP_CLOSE, p.data(), _rsid)


def write(sid, off, data, stable=c.UNSTABLE4):
    p = _p()
    _sid(p, sid)
    p.u64(off)
    p.u32(stable)
    p.opaque(data)
    return Op(c.OP_WRITE, p.data(), lambda u: (u.u32(), u.u32(), u.fopaque(8)))


def read(sid, off, count):
    p = _p()
    _sid(p, sid)
    p.u64(off)
    p.u32(count)
    return Op(c.OP_READ, p.data(), lambda u: (u.bool(), u.opaque()))


def commit():
    p = _p()
    p.u64(0)
    p.u32(0)
    return Op(c.OP_COMMIT, p.data(), lambda u: u.fopaque(8))


def create_dir(name):
    p = _p()
    p.u32(c.NF4DIR)
    p.opaque(name)
    _fattr_empty(p)
    return Op(c.OP_CREATE, p.data(), lambda u: (_cinfo(u), bitmap_decode(u)))


def create_symlink(name, target):
    p = _p()
    p.u32(c.NF4LNK)
    p.opaque(target)
    p.opaque(name)
    _fattr_empty(p)
    return Op(c.OP_CREATE, p.data(), lambda u: (_cinfo(u), bitmap_decode(u)))


def rename(old, new):
    p = _p()
    p.opaque(old)
    p.opaque(new)
    return Op(c.OP_RENAME, p.data(), lambda u: (_cinfo(u), _cinfo(u)))


def setattr_size(sid, size):
    p = _p()
    _sid(p, sid)
    bitmap_encode(p, {c.FATTR4_SIZE})
    v = _p()
    v.u64(size)
    p.opaque(v.data())
    return Op(c.OP_SETATTR, p.data(), bitmap_decode)


def readdir(cookie=0, maxcount=8192, attrs=(c.FATTR4_TYPE,)):
    p = _p()
    p.u64(cookie)
    p.fopaque(8, b'\0' * 8)
    p.u32(maxcount)
    p.u32(maxcount)
    bitmap_encode(p, set(attrs))

    def dec(u):
        u.fopaque(8)
        ents = []
        while u.bool():
            ents.append((u.u64(), u.opaque(), bitmap_decode(u), u.opaque()))
        return ents, u.bool()
    return Op(c.OP_READDIR, p.data(), dec)


def layoutget(sid, iomode, off, length, minlength=0, maxcount=65536):
    p = _p()
    p.bool(False)
    p.u32(c.LAYOUT4_BLOCK_VOLUME)
    p.u32(iomode)
    p.u64(off)
    p.u64(length)
    p.u64(minlength)
    _sid(p, sid)
    p.u32(maxcount)

    def dec(u):
        roc = u.bool()
        st = _rsid(u)
        los = u.array(lambda: (u.u64(), u.u64(), u.u32(), u.u32(), u.opaque()))
        return dict(roc=roc, stateid=st, layouts=los)
    return Op(c.OP_LAYOUTGET, p.data(), dec)


def getdeviceinfo(devid, maxcount=65536):
    p = _p()
    p.fopaque(16, devid)
    p.u32(c.LAYOUT4_BLOCK_VOLUME)
    p.u32(maxcount)
    p.u32(0)
    return Op(c.OP_GETDEVICEINFO, p.data(),
              lambda u: (u.u32(), u.opaque(), bitmap_decode(u)))


def layoutcommit(sid, off, length, last_write, body):
    p = _p()
    p.u64(off)
    p.u64(length)
    p.bool(False)
    _sid(p, sid)
    p.bool(True)
    p.u64(last_write)
    p.bool(False)
    p.u32(c.LAYOUT4_BLOCK_VOLUME)
    p.opaque(body)

    def dec(u):
        return u.u64() if u.bool() else None
    return Op(c.OP_LAYOUTCOMMIT, p.data(), dec)


def layoutreturn(sid, off=0, length=c.NFS4_UINT64_MAX, iomode=c.LAYOUTIOMODE4_ANY):
    p = _p()
    p.bool(False)
    p.u32(c.LAYOUT4_BLOCK_VOLUME)
    p.u32(iomode)
    p.u32(c.LAYOUTRETURN4_FILE)
    p.u64(off)
    p.u64(length)
    _sid(p, sid)
    p.opaque(b'')

    def dec(u):
        return _rsid(u) if u.bool() else None
    return Op(c.OP_LAYOUTRETURN, p.data(), dec)


def layouterror(sid, off, length, errors):
    """LAYOUTERROR (RFC 7862 section 15.6); errors: [(devid, status, opnum)]."""
    p = _p()
    p.u64(off)
    p.u64(length)
    _sid(p, sid)
    p.u32(len(errors))
    for devid, status, opnum in errors:
        p.fopaque(c.NFS4_DEVICEID4_SIZE, devid)
        p.u32(status)
        p.u32(opnum)
    return Op(c.OP_LAYOUTERROR, p.data(), _none)


def _denied(u):
    return dict(offset=u.u64(), length=u.u64(), type=u.u32(),
                clientid=u.u64(), owner=u.opaque())


def lock(ltype, offset, length, open_sid=None, clientid=0, owner=b'', lock_sid=None):
    p = _p()
    p.u32(ltype)
    p.bool(False)
    p.u64(offset)
    p.u64(length)
    p.bool(lock_sid is None)
    if lock_sid is None:
        p.u32(0)
        _sid(p, open_sid)
        p.u32(0)
        p.u64(clientid)
        p.opaque(owner)
    else:
        _sid(p, lock_sid)
        p.u32(0)
    return Op(c.OP_LOCK, p.data(), _rsid)


def lockt(ltype, offset, length, clientid, owner):
    p = _p()
    p.u32(ltype)
    p.u64(offset)
    p.u64(length)
    p.u64(clientid)
    p.opaque(owner)
    return Op(c.OP_LOCKT, p.data(), _none)


def locku(sid, offset, length):
    p = _p()
    p.u32(c.WRITE_LT)
    p.u32(0)
    _sid(p, sid)
    p.u64(offset)
    p.u64(length)
    return Op(c.OP_LOCKU, p.data(), _rsid)


def raw(num, args=b''):
    return Op(num, args, _none)


class _FakeCall:
    def __init__(self):
        self.conn = None
        self.authsys = rpc.AuthSys(0, b'test', 0, 0)


class NFS4Client:
    """compound(ops) -> (status, [(op, status, result)])."""

    def __init__(self, server=None, host=None, port=None):
        self.server = server
        self.rpc = None
        if server is None:
            cred = (rpc.AUTH_SYS, rpc.AuthSys(0, b'test', 0, 0).encode())
            self.rpc = rpc.RPCClient(host, port, c.NFS4_PROGRAM, c.NFS4_VERSION, cred)
        self.sid = None
        self.seq = 0
        self.clientid = None

    def raw_compound(self, ops, minor=1, tag=b''):
        p = Packer()
        p.opaque(tag)
        p.u32(minor)
        p.u32(len(ops))
        for op in ops:
            p.u32(op.num)
            p.buf += op.args
        if self.server is not None:
            return self.server.compound(_FakeCall(), Unpacker(p.data()))
        return self.rpc.call(c.NFSPROC4_COMPOUND, p.data()).rest()

    def decode(self, ops, reply):
        u = Unpacker(reply)
        status = u.u32()
        u.opaque()
        out = []
        for i in range(u.u32()):
            op, st = u.u32(), u.u32()
            res = None
            if st == c.NFS4_OK and i < len(ops):
                res = ops[i].dec(u)
            out.append((op, st, res))
        return status, out

    def compound(self, ops, minor=1):
        return self.decode(ops, self.raw_compound(ops, minor=minor))

    def session_compound(self, ops, minor=1):
        """SEQUENCE on slot 0 plus ops."""
        self.seq += 1
        return self.compound([sequence(self.sid, self.seq)] + list(ops),
                             minor=minor)

    def setup(self, owner=None, minor=1):
        owner = owner or b'test-client-' + os.urandom(4).hex().encode()
        st, res = self.compound([exchange_id(owner)], minor=minor)
        assert st == c.NFS4_OK, st
        eid = res[0][2]
        self.clientid = eid['clientid']
        st, res = self.compound([create_session(self.clientid, eid['seq'])],
                                minor=minor)
        assert st == c.NFS4_OK, st
        self.sid = res[0][2]['sid']
        self.seq = 0
        return eid, res[0][2]
