# SPDX-License-Identifier: GPL-2.0
"""NFSv4.1 arguments and results as objects (RFC 8881 section 18, the
XDR of RFC 5662), apart from what the operations do with them.

An argument class decodes itself from an Unpacker (Args.decode(u)),
all of it before the operation acts, so a short or malformed argument
is NFS4ERR_BADXDR whatever it asks for.  A result class holds decoded
values and encodes itself with encode(p); an operation returns one (or
the bytes of a result with nothing to rewrite), the server's hooks
(faults.py) see and change the object, and the COMPOUND encoder calls
encode() last.  The small shared pieces
(stateid4, change_info4, channel_attrs4, callback_sec_parms4) are
functions over a Packer or an Unpacker.
"""

from xdr import Packer, XDRError
from fattr import EXCLCREAT, bitmap_decode, bitmap_encode, decode_fattr
from fs import FSError
import blocklayout
import nfs4const as c
import rpc


# ---- shared pieces ----

def put_stateid(p, sid):
    """stateid4: (seqid, 12-byte other)."""
    p.u32(sid[0])
    p.fopaque(12, sid[1])


def get_stateid(u):
    return (u.u32(), u.fopaque(12))


def put_cinfo(p, before, after):
    """change_info4, always atomic."""
    p.bool(True)
    p.u64(before)
    p.u64(after)


CHAN_FIELDS = ('headerpad', 'maxreq', 'maxresp', 'maxresp_cached', 'maxops',
               'maxreqs')


def get_chan_attrs(u):
    """channel_attrs4 as a dict of CHAN_FIELDS and rdma_ird."""
    d = {k: u.u32() for k in CHAN_FIELDS}
    d['rdma_ird'] = u.array(u.u32, 1)
    return d


def put_chan_attrs(p, d):
    for k in CHAN_FIELDS:
        p.u32(d[k])
    p.array([], p.u32)


def get_cb_sec(u):
    """callback_sec_parms4: (flavor, AuthSys or None)."""
    flavor = u.u32()
    if flavor == rpc.AUTH_SYS:
        a = rpc.AuthSys(u.u32(), u.string(255), u.u32(), u.u32(), u.array(u.u32, 16))
        return (flavor, a)
    if flavor == rpc.RPCSEC_GSS:
        u.u32()
        u.opaque()
        u.opaque()
    return (flavor, None)


def encoded(res):
    """The bytes of a result: an object's encoding, or bytes as given."""
    if isinstance(res, (bytes, bytearray)):
        return bytes(res)
    p = Packer()
    res.encode(p)
    return p.data()


# ---- records: XDR structs described by their fields ----

class Field:
    """An XDR type: get(u) decodes a value, put(p, v) encodes one."""

    def __init__(self, get, put=None):
        self.get, self.put = get, put


U32 = Field(lambda u: u.u32(), lambda p, v: p.u32(v))
U64 = Field(lambda u: u.u64(), lambda p, v: p.u64(v))
BOOL = Field(lambda u: u.bool(), lambda p, v: p.bool(v))
OPAQUE = Field(lambda u: u.opaque(), lambda p, v: p.opaque(v))
STATEID = Field(get_stateid, put_stateid)
BITMAP = Field(bitmap_decode, lambda p, v: bitmap_encode(p, set(v)))
CHAN_ATTRS = Field(get_chan_attrs, put_chan_attrs)
TIME = Field(lambda u: (u.i64(), u.u32()))


def fixed(n):
    """opaque[n]."""
    return Field(lambda u: u.fopaque(n), lambda p, v: p.fopaque(n, v))


def optional(f):
    """An optional f (a bool, then f if true): None when absent."""
    def put(p, v):
        p.bool(v is not None)
        if v is not None:
            f.put(p, v)
    return Field(lambda u: f.get(u) if u.bool() else None, put)


def array(f):
    """A variable-length array of f."""
    return Field(lambda u: u.array(lambda: f.get(u)),
                 lambda p, v: p.array(v, lambda x: f.put(p, x)))


SESSIONID = fixed(16)
DEVICEID = fixed(c.NFS4_DEVICEID4_SIZE)


class Record:
    """An XDR struct of FIELDS, (name, Field) in wire order.  The
    constructor takes the fields in that order (missing ones are None),
    decode(u) reads one, encode(p) writes one."""

    FIELDS = ()

    def __init__(self, *values, **named):
        for i, (name, _) in enumerate(self.FIELDS):
            setattr(self, name, values[i] if i < len(values) else named.get(name))

    @classmethod
    def decode(cls, u):
        a = cls.__new__(cls)
        for name, f in cls.FIELDS:
            setattr(a, name, f.get(u))
        return a

    def encode(self, p):
        for name, f in self.FIELDS:
            f.put(p, getattr(self, name))


# ---- client records and sessions ----

SERVER_OWNER = b'pnfs-block-test-mds'


class ExchangeIdArgs:
    """EXCHANGE_ID4args (RFC 8881 section 18.35): SP4_NONE or
    SP4_MACH_CRED (its bitmaps ignored); SP4_SSV is NOTSUPP."""

    @classmethod
    def decode(cls, u):
        a = cls()
        a.verifier = u.fopaque(8)
        a.owner = u.opaque(1024)
        a.flags = u.u32()
        a.how = u.u32()
        if a.how == c.SP4_MACH_CRED:
            bitmap_decode(u)
            bitmap_decode(u)
        elif a.how != c.SP4_NONE:
            raise FSError(c.NFS4ERR_NOTSUPP)
        a.impl_id = u.array(lambda: (u.opaque(), u.opaque(), u.i64(), u.u32()), 1)
        return a


class ExchangeIdRes:
    """EXCHANGE_ID4resok: SP4_NONE, this server's owner and scope, and
    its implementation id."""

    def __init__(self, clientid, seqid, flags):
        self.clientid, self.seqid, self.flags = clientid, seqid, flags

    def encode(self, p):
        p.u64(self.clientid)
        p.u32(self.seqid)
        p.u32(self.flags)
        p.u32(c.SP4_NONE)
        p.u64(0)                    # so_minor_id
        p.opaque(SERVER_OWNER)      # so_major_id
        p.opaque(SERVER_OWNER)      # server scope
        p.u32(1)
        p.opaque(b'kernel.org')
        p.opaque(b'pnfs-block test mds')
        p.i64(0)
        p.u32(0)


class CreateSessionArgs(Record):
    """CREATE_SESSION4args (RFC 8881 section 18.36)."""

    FIELDS = (('clientid', U64), ('seqid', U32), ('flags', U32),
              ('fore', CHAN_ATTRS), ('back', CHAN_ATTRS), ('cb_program', U32),
              ('cb_sec', array(Field(get_cb_sec))))


class CreateSessionRes(Record):
    """CREATE_SESSION4resok."""

    FIELDS = (('sessionid', SESSIONID), ('seqid', U32), ('flags', U32),
              ('fore', CHAN_ATTRS), ('back', CHAN_ATTRS))


class SequenceArgs(Record):
    """SEQUENCE4args (RFC 8881 section 18.46)."""

    FIELDS = (('sessionid', SESSIONID), ('seqid', U32), ('slotid', U32),
              ('highest_slotid', U32), ('cachethis', BOOL))


class SequenceRes(Record):
    """SEQUENCE4resok; the highest and target slot IDs are the same."""

    FIELDS = (('sessionid', SESSIONID), ('seqid', U32), ('slotid', U32),
              ('highest_slotid', U32), ('status_flags', U32))

    def encode(self, p):
        p.fopaque(16, self.sessionid)
        p.u32(self.seqid)
        p.u32(self.slotid)
        p.u32(self.highest_slotid)
        p.u32(self.highest_slotid)  # target_highest_slotid
        p.u32(self.status_flags)


# ---- pNFS results ----

class RawBody:
    """A result with an opaque body: the encoding of what it holds
    (encode_body()), or raw when set (a reply cut short on purpose:
    faults.py)."""

    raw = None

    @property
    def body(self):
        if self.raw is not None:
            return self.raw
        return self.encode_body()


class Layout(RawBody, Record):
    """layout4 of a block or SCSI layout: its range, and its extents as
    the loc_body."""

    FIELDS = (('offset', U64), ('length', U64), ('iomode', U32), ('ltype', U32),
              ('body', OPAQUE))

    def __init__(self, offset, length, iomode, ltype, extents):
        self.offset, self.length = offset, length
        self.iomode, self.ltype = iomode, ltype
        self.extents = extents

    def encode_body(self):
        return blocklayout.encode_layout(self.extents)


class LayoutGetRes(Record):
    """LAYOUTGET4resok (RFC 8881 section 18.43)."""

    FIELDS = (('return_on_close', BOOL), ('stateid', STATEID),
              ('layouts', array(Field(None, lambda p, lo: lo.encode(p)))))

    def __init__(self, stateid, layouts, return_on_close=False):
        super().__init__(return_on_close, stateid, layouts)


class GetDeviceInfoRes(RawBody, Record):
    """GETDEVICEINFO4resok (RFC 8881 section 18.40): the device_addr4 of
    a block or SCSI device, its volume list as the da_addr_body."""

    FIELDS = (('ltype', U32), ('body', OPAQUE), ('notification', BITMAP))

    def __init__(self, ltype, volumes, notification=frozenset()):
        self.ltype = ltype
        self.volumes = volumes
        self.notification = notification

    def encode_body(self):
        return blocklayout.encode_deviceaddr(self.volumes)


# ---- pNFS arguments and the other results ----

class GetDeviceInfoArgs(Record):
    """GETDEVICEINFO4args (RFC 8881 section 18.40)."""

    FIELDS = (('devid', DEVICEID), ('ltype', U32), ('maxcount', U32),
              ('notify_types', BITMAP))


class LayoutGetArgs(Record):
    """LAYOUTGET4args (RFC 8881 section 18.43)."""

    FIELDS = (('signal_layout_avail', BOOL), ('ltype', U32), ('iomode', U32),
              ('offset', U64), ('length', U64), ('minlength', U64),
              ('stateid', STATEID), ('maxcount', U32))


class LayoutCommitArgs(Record):
    """LAYOUTCOMMIT4args (RFC 8881 section 18.42); last_write is the
    new offset (None when not given), body the layoutupdate4 body."""

    FIELDS = (('offset', U64), ('length', U64), ('reclaim', BOOL),
              ('stateid', STATEID), ('last_write', optional(U64)),
              ('time_modify', optional(TIME)), ('ltype', U32), ('body', OPAQUE))


class LayoutCommitRes(Record):
    """LAYOUTCOMMIT4resok: the new size, or None for no change."""

    FIELDS = (('new_size', optional(U64)),)


class LayoutReturnArgs:
    """LAYOUTRETURN4args (RFC 8881 section 18.44); the range, stateid
    and body only for LAYOUTRETURN4_FILE."""

    @classmethod
    def decode(cls, u):
        a = cls()
        a.reclaim = u.bool()
        a.ltype = u.u32()
        a.iomode = u.u32()
        a.rtype = u.u32()
        a.offset = a.length = a.stateid = a.body = None
        if a.rtype == c.LAYOUTRETURN4_FILE:
            a.offset, a.length = u.u64(), u.u64()
            a.stateid = get_stateid(u)
            a.body = u.opaque()     # lrf_body: nothing for block layouts
        elif a.rtype not in (c.LAYOUTRETURN4_FSID, c.LAYOUTRETURN4_ALL):
            raise XDRError('bad layoutreturn type')
        return a


class LayoutReturnRes(Record):
    """layoutreturn_stateid: the layout stateid left, or None."""

    FIELDS = (('stateid', optional(STATEID)),)


DEVICE_ERROR = Field(lambda u: dict(devid=DEVICEID.get(u).hex(), status=u.u32(),
                                    opnum=u.u32()))


class LayoutErrorArgs(Record):
    """LAYOUTERROR4args (RFC 7862 section 15.6); errors as dicts of the
    device ID (hex), status and operation."""

    FIELDS = (('offset', U64), ('length', U64), ('stateid', STATEID),
              ('errors', array(DEVICE_ERROR)))


# ---- OPEN ----

class OpenArgs:
    """OPEN4args (RFC 8881 section 18.16).  how is the createmode4 of an
    OPEN4_CREATE (else None), verf its verifier, attrs its attributes;
    name is the component the claim names, if any."""

    @classmethod
    def decode(cls, u):
        a = cls()
        a.seqid = u.u32()           # unused in 4.1
        a.access = u.u32()
        a.deny = u.u32()
        a.clientid = u.u64()
        a.owner = u.opaque(1024)
        a.opentype = u.u32()
        a.how = a.verf = None
        a.attrs = {}
        if a.opentype == c.OPEN4_CREATE:
            a._decode_how(u)
        elif a.opentype != c.OPEN4_NOCREATE:
            raise XDRError('bad opentype')
        a._decode_claim(u)
        return a

    def _decode_how(self, u):
        self.how = u.u32()
        if self.how in (c.UNCHECKED4, c.GUARDED4):
            self.attrs = decode_fattr(u)
        elif self.how == c.EXCLUSIVE4:
            self.verf = u.fopaque(8)
        elif self.how == c.EXCLUSIVE4_1:
            self.verf = u.fopaque(8)
            self.attrs = decode_fattr(u, EXCLCREAT)
        else:
            raise XDRError('bad createmode')

    def _decode_claim(self, u):
        self.claim = u.u32()
        self.name = None
        if self.claim in (c.CLAIM_NULL, c.CLAIM_DELEGATE_PREV):
            self.name = u.opaque(1024)
        elif self.claim == c.CLAIM_PREVIOUS:
            u.u32()                 # delegate_type
        elif self.claim == c.CLAIM_DELEGATE_CUR:
            get_stateid(u)
            self.name = u.opaque(1024)
        elif self.claim == c.CLAIM_DELEG_CUR_FH:
            get_stateid(u)
        elif self.claim not in (c.CLAIM_FH, c.CLAIM_DELEG_PREV_FH):
            raise XDRError('bad claim')


class OpenRes:
    """OPEN4resok with POSIX locks and no delegation."""

    def __init__(self, stateid, before, after, attrset):
        self.stateid = stateid
        self.before, self.after = before, after
        self.attrset = attrset

    def encode(self, p):
        put_stateid(p, self.stateid)
        put_cinfo(p, self.before, self.after)
        p.u32(c.OPEN4_RESULT_LOCKTYPE_POSIX)
        bitmap_encode(p, self.attrset)
        p.u32(c.OPEN_DELEGATE_NONE)


# ---- callbacks (RFC 8881 section 20) ----

def put_cb_compound(p, sessionid, seqid, ops, minor=1, refcalls=()):
    """CB_COMPOUND4args of minor version minor (the session's): CB_SEQUENCE
    for (sessionid, seqid, slot 0), naming refcalls, [(slotid, seqid)] of
    fore channel calls on that session, as its referring calls; then ops,
    [(opnum, args)] with args an object or its bytes."""
    p.opaque(b'')               # tag
    p.u32(minor)
    p.u32(0)                    # callback_ident
    p.u32(len(ops) + 1)
    p.u32(c.OP_CB_SEQUENCE)
    p.fopaque(16, sessionid)
    p.u32(seqid)
    p.u32(0)                    # slotid
    p.u32(0)                    # highest_slotid
    p.bool(False)               # cachethis
    if refcalls:                # referring_call_list4<>: one, this session's
        p.u32(1)
        p.fopaque(16, sessionid)
        p.u32(len(refcalls))
        for slot, seq in refcalls:
            p.u32(seq)          # rc_sequenceid
            p.u32(slot)         # rc_slotid
    else:
        p.u32(0)
    for op, args in ops:
        p.u32(op)
        p.raw(encoded(args))


def get_cb_compound_res(r):
    """CB_COMPOUND4res as (status, [(op, status)]), up to the first
    failed operation; CB_SEQUENCE's result is read past."""
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
    return status, res


class CbLayoutRecallArgs:
    """CB_LAYOUTRECALL4args (RFC 8881 section 20.3) recalling the whole
    of one file's layouts, any iomode."""

    def __init__(self, ltype, fh, stateid):
        self.ltype, self.fh, self.stateid = ltype, fh, stateid

    def encode(self, p):
        p.u32(self.ltype)
        p.u32(c.LAYOUTIOMODE4_ANY)
        p.bool(False)               # clora_changed
        p.u32(c.LAYOUTRECALL4_FILE)
        p.opaque(self.fh)
        p.u64(0)
        p.u64(c.NFS4_UINT64_MAX)
        put_stateid(p, self.stateid)


class CbRecallAnyArgs:
    """CB_RECALL_ANY4args (RFC 8881 section 20.6); mask as an integer."""

    def __init__(self, keep, mask):
        self.keep, self.mask = keep, mask

    def encode(self, p):
        p.u32(self.keep)
        bitmap_encode(p, {b for b in range(32) if self.mask & (1 << b)})


class CbNotifyDeviceArgs:
    """CB_NOTIFY_DEVICEID4args (RFC 8881 section 20.12): one notify4 per
    device, its notify_mask the one bit kind (Linux 6.12 accepts exactly
    one bit per notify4), immediate only for a change."""

    def __init__(self, ltype, devids, kind, immediate=False):
        self.ltype, self.devids = ltype, devids
        self.kind, self.immediate = kind, immediate

    def encode(self, p):
        p.u32(len(self.devids))
        for devid in self.devids:
            v = Packer()
            v.u32(self.ltype)
            v.fopaque(c.NFS4_DEVICEID4_SIZE, devid)
            if self.kind == c.NOTIFY_DEVICEID4_CHANGE:
                v.bool(self.immediate)
            bitmap_encode(p, {self.kind})
            p.opaque(v.data())
