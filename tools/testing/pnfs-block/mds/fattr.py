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


def encode_value(p, a, ino, ctx, rdattr_error=0):
    """Encode attribute a of ino; False if not supported here."""
    fs = ctx.fs
    if a == A['supported_attrs']:
        bitmap_encode(p, SUPPORTED)
    elif a == A['type']:
        p.u32(ino.type)
    elif a == A['fh_expire_type']:
        p.u32(c.FH4_PERSISTENT)
    elif a == A['change']:
        p.u64(ino.change)
    elif a == A['size']:
        p.u64(ino.size if ino.type in (c.NF4REG, c.NF4LNK) else 4096)
    elif a in (A['link_support'], A['symlink_support'], A['unique_handles'],
               A['cansettime'], A['case_preserving'], A['chown_restricted'],
               A['homogeneous'], A['no_trunc']):
        p.bool(True)
    elif a in (A['named_attr'], A['case_insensitive']):
        p.bool(False)
    elif a == A['fsid']:
        p.u64(fs.fsid[0])
        p.u64(fs.fsid[1])
    elif a == A['lease_time']:
        p.u32(ctx.lease_time)
    elif a == A['rdattr_error']:
        p.u32(rdattr_error)
    elif a == A['aclsupport']:
        p.u32(0)
    elif a == A['filehandle']:
        p.opaque(fs.fh(ino))
    elif a in (A['fileid'], A['mounted_on_fileid']):
        p.u64(ino.fileid)
    elif a in (A['files_avail'], A['files_free']):
        p.u64(1 << 20)
    elif a == A['files_total']:
        p.u64((1 << 20) + len(fs.inodes))
    elif a == A['maxfilesize']:
        p.u64(fs.alloc.total_bytes())
    elif a == A['maxlink']:
        p.u32(65000)
    elif a == A['maxname']:
        p.u32(255)
    elif a in (A['maxread'], A['maxwrite']):
        p.u64(ctx.maxio)
    elif a == A['mode']:
        p.u32(ino.mode)
    elif a == A['numlinks']:
        p.u32(ino.nlink)
    elif a == A['owner']:
        p.opaque(owner_name(ino.uid))
    elif a == A['owner_group']:
        p.opaque(owner_name(ino.gid))
    elif a == A['rawdev']:
        p.u32(ino.rdev[0])
        p.u32(ino.rdev[1])
    elif a in (A['space_avail'], A['space_free']):
        p.u64(fs.alloc.free_bytes())
    elif a == A['space_total']:
        p.u64(fs.alloc.total_bytes())
    elif a == A['space_used']:
        p.u64(fs.space_used(ino))
    elif a == A['time_access']:
        _time(p, ino.atime)
    elif a == A['time_delta']:
        _time(p, (0, 1))
    elif a == A['time_metadata']:
        _time(p, ino.ctime)
    elif a == A['time_modify']:
        _time(p, ino.mtime)
    elif a in (A['fs_layout_types'], A['layout_types']):
        p.array(ctx.layout_types, p.u32)
    elif a == A['layout_blksize']:
        p.u32(fs.blksize)
    elif a == A['layout_alignment']:
        p.u32(fs.blksize)
    elif a == A['suppattr_exclcreat']:
        bitmap_encode(p, EXCLCREAT)
    else:
        return False
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
