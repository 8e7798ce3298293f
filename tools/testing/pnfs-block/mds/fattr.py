# SPDX-License-Identifier: GPL-2.0
"""fattr4 encoding and decoding (RFC 8881 section 3.3.15 and 5).

An fattr4 is a bitmap4 of attribute numbers plus one opaque holding the
values in ascending attribute order.
"""

import pwd
import grp

from xdr import Packer, Unpacker, XDRError
from fs import FSError
import nfs4const as c

A = c.ATTRS


def bitmap_decode(u):
    words = u.array(u.u32, 16)
    out = set()
    for w, word in enumerate(words):
        for b in range(32):
            if word & (1 << b):
                out.add(w * 32 + b)
    return out


def bitmap_words(attrs):
    if not attrs:
        return []
    words = [0] * (max(attrs) // 32 + 1)
    for a in attrs:
        words[a // 32] |= 1 << (a % 32)
    while words and words[-1] == 0:
        words.pop()
    return words


def bitmap_encode(p, attrs):
    p.array(bitmap_words(attrs), p.u32)


SUPPORTED = {A[n] for n in (
    'supported_attrs', 'type', 'fh_expire_type', 'change', 'size',
    'link_support', 'symlink_support', 'named_attr', 'fsid',
    'unique_handles', 'lease_time', 'rdattr_error', 'aclsupport',
    'cansettime', 'case_insensitive', 'case_preserving',
    'chown_restricted', 'filehandle', 'fileid', 'files_avail',
    'files_free', 'files_total', 'homogeneous', 'maxfilesize', 'maxlink',
    'maxname', 'maxread', 'maxwrite', 'mode', 'no_trunc', 'numlinks',
    'owner', 'owner_group', 'rawdev', 'space_avail', 'space_free',
    'space_total', 'space_used', 'time_access', 'time_access_set',
    'time_delta', 'time_metadata', 'time_modify', 'time_modify_set',
    'mounted_on_fileid', 'fs_layout_types', 'layout_types',
    'layout_blksize', 'layout_alignment', 'suppattr_exclcreat')}

WRITABLE = {A[n] for n in ('size', 'mode', 'owner', 'owner_group',
                           'time_access_set', 'time_modify_set')}
EXCLCREAT = {A[n] for n in ('size', 'mode', 'owner', 'owner_group')}


def owner_name(uid):
    return str(uid).encode()


def parse_owner(s, group=False):
    """Numeric ids (what Linux sends with sec=sys), or name[@domain]."""
    try:
        s = s.decode('utf-8')
    except UnicodeDecodeError:
        raise FSError(c.NFS4ERR_BADOWNER)
    if s.isdigit():
        return int(s)
    name = s.split('@', 1)[0]
    try:
        return grp.getgrnam(name).gr_gid if group else pwd.getpwnam(name).pw_uid
    except KeyError:
        raise FSError(c.NFS4ERR_BADOWNER)


class AttrContext:
    """What the encoder needs besides the inode."""

    def __init__(self, fs, lease_time, maxio, layout_types):
        self.fs, self.lease_time, self.maxio = fs, lease_time, maxio
        self.layout_types = layout_types


def _time(p, ts):
    p.i64(ts[0])
    p.u32(ts[1])


def _u64_pair(p, v):
    p.u64(v[0])
    p.u64(v[1])


def _u32_pair(p, v):
    p.u32(v[0])
    p.u32(v[1])


def _u32_array(p, v):
    p.array(v, p.u32)


_U32, _U64, _BOOL, _OPAQUE = Packer.u32, Packer.u64, Packer.bool, Packer.opaque

# Attribute name: (encoder, its value from the inode i, the AttrContext x
# and the rdattr_error e).
_VALUES = {
    'supported_attrs': (bitmap_encode, lambda i, x, e: SUPPORTED),
    'type': (_U32, lambda i, x, e: i.type),
    'fh_expire_type': (_U32, lambda i, x, e: c.FH4_PERSISTENT),
    'change': (_U64, lambda i, x, e: i.change),
    'size': (_U64, lambda i, x, e:
             i.size if i.type in (c.NF4REG, c.NF4LNK) else 4096),
    'fsid': (_u64_pair, lambda i, x, e: x.fs.fsid),
    'lease_time': (_U32, lambda i, x, e: x.lease_time),
    'rdattr_error': (_U32, lambda i, x, e: e),
    'aclsupport': (_U32, lambda i, x, e: 0),
    'filehandle': (_OPAQUE, lambda i, x, e: x.fs.fh(i)),
    'fileid': (_U64, lambda i, x, e: i.fileid),
    'mounted_on_fileid': (_U64, lambda i, x, e: i.fileid),
    'files_avail': (_U64, lambda i, x, e: 1 << 20),
    'files_free': (_U64, lambda i, x, e: 1 << 20),
    'files_total': (_U64, lambda i, x, e: (1 << 20) + len(x.fs.inodes)),
    'maxfilesize': (_U64, lambda i, x, e: x.fs.alloc.total_bytes()),
    'maxlink': (_U32, lambda i, x, e: 65000),
    'maxname': (_U32, lambda i, x, e: 255),
    'maxread': (_U64, lambda i, x, e: x.maxio),
    'maxwrite': (_U64, lambda i, x, e: x.maxio),
    'mode': (_U32, lambda i, x, e: i.mode),
    'numlinks': (_U32, lambda i, x, e: i.nlink),
    'owner': (_OPAQUE, lambda i, x, e: owner_name(i.uid)),
    'owner_group': (_OPAQUE, lambda i, x, e: owner_name(i.gid)),
    'rawdev': (_u32_pair, lambda i, x, e: i.rdev),
    'space_avail': (_U64, lambda i, x, e: x.fs.alloc.free_bytes()),
    'space_free': (_U64, lambda i, x, e: x.fs.alloc.free_bytes()),
    'space_total': (_U64, lambda i, x, e: x.fs.alloc.total_bytes()),
    'space_used': (_U64, lambda i, x, e: x.fs.space_used(i)),
    'time_access': (_time, lambda i, x, e: i.atime),
    'time_delta': (_time, lambda i, x, e: (0, 1)),
    'time_metadata': (_time, lambda i, x, e: i.ctime),
    'time_modify': (_time, lambda i, x, e: i.mtime),
    'fs_layout_types': (_u32_array, lambda i, x, e: x.layout_types),
    'layout_types': (_u32_array, lambda i, x, e: x.layout_types),
    'layout_blksize': (_U32, lambda i, x, e: x.fs.blksize),
    'layout_alignment': (_U32, lambda i, x, e: x.fs.blksize),
    'suppattr_exclcreat': (bitmap_encode, lambda i, x, e: EXCLCREAT),
}
for _name, _value in (('link_support', True), ('symlink_support', True),
                      ('unique_handles', True), ('cansettime', True),
                      ('case_preserving', True), ('chown_restricted', True),
                      ('homogeneous', True), ('no_trunc', True),
                      ('named_attr', False), ('case_insensitive', False)):
    _VALUES[_name] = (_BOOL, lambda i, x, e, v=_value: v)
_ENCODERS = {A[n]: v for n, v in _VALUES.items()}


def encode_value(p, a, ino, ctx, rdattr_error=0):
    """Encode attribute a of ino; False if not supported here."""
    try:
        enc, value = _ENCODERS[a]
    except KeyError:
        return False
    enc(p, value(ino, ctx, rdattr_error))
    return True


def encode_fattr(p, want, ino, ctx, rdattr_error=0):
    """fattr4 with the wanted attributes this server supports."""
    vals = Packer()
    got = set()
    for a in sorted(want & SUPPORTED):
        if a in (A['time_access_set'], A['time_modify_set']):
            continue        # write-only
        if encode_value(vals, a, ino, ctx, rdattr_error):
            got.add(a)
    bitmap_encode(p, got)
    p.opaque(vals.data())


def decode_fattr(u, writable=WRITABLE):
    """Decode an fattr4 from a client: {attr: value}.

    Raises FSError(ATTRNOTSUPP) for attributes we do not support and
    FSError(INVAL) for ones that cannot be set.
    """
    attrs = bitmap_decode(u)
    vals = Unpacker(u.opaque())
    bad = attrs - SUPPORTED
    if bad:
        raise FSError(c.NFS4ERR_ATTRNOTSUPP)
    if attrs - writable:
        raise FSError(c.NFS4ERR_INVAL)
    out = {}
    for a in sorted(attrs):
        if a == A['size']:
            out[a] = vals.u64()
        elif a == A['mode']:
            out[a] = vals.u32() & 0o7777
        elif a == A['owner']:
            out[a] = parse_owner(vals.opaque(1024))
        elif a == A['owner_group']:
            out[a] = parse_owner(vals.opaque(1024), group=True)
        elif a in (A['time_access_set'], A['time_modify_set']):
            how = vals.u32()
            if how == c.SET_TO_CLIENT_TIME4:
                sec, nsec = vals.i64(), vals.u32()
                if nsec >= 1000000000:
                    raise FSError(c.NFS4ERR_INVAL)
                out[a] = [sec, nsec]
            elif how == c.SET_TO_SERVER_TIME4:
                out[a] = None
            else:
                raise XDRError('bad settime4')
    vals.done()
    return out
