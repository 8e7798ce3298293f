# SPDX-License-Identifier: GPL-2.0
"""NFSv4.1 arguments and results as objects (RFC 8881 section 18, the
XDR of RFC 5662), apart from what the operations do with them.

A result class holds decoded values and encodes itself with encode(p);
an operation returns one (or the bytes of a result with nothing to
rewrite), the server's hooks (faults.py) see and change the object, and
the COMPOUND encoder calls encode() last.  The small shared pieces
(stateid4, change_info4, channel_attrs4, callback_sec_parms4) are
functions over a Packer or an Unpacker.
"""

from xdr import Packer
from fattr import bitmap_encode
import blocklayout
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


# ---- pNFS results ----

class Layout:
    """layout4 of a block or SCSI layout: its range and extents.  raw,
    when set, is sent as the loc_body instead of the extents' encoding
    (a reply cut short on purpose: faults.py)."""

    def __init__(self, offset, length, iomode, ltype, extents):
        self.offset, self.length = offset, length
        self.iomode, self.ltype = iomode, ltype
        self.extents = extents
        self.raw = None

    def body(self):
        if self.raw is not None:
            return self.raw
        return blocklayout.encode_layout(self.extents)

    def encode(self, p):
        p.u64(self.offset)
        p.u64(self.length)
        p.u32(self.iomode)
        p.u32(self.ltype)
        p.opaque(self.body())


class LayoutGetRes:
    """LAYOUTGET4resok (RFC 8881 section 18.43)."""

    def __init__(self, stateid, layouts, return_on_close=False):
        self.return_on_close = return_on_close
        self.stateid = stateid
        self.layouts = layouts

    def encode(self, p):
        p.bool(self.return_on_close)
        put_stateid(p, self.stateid)
        p.array(self.layouts, lambda lo: lo.encode(p))


class GetDeviceInfoRes:
    """GETDEVICEINFO4resok (RFC 8881 section 18.40): the device_addr4 of
    a block or SCSI device as its volume list.  raw, when set, is sent as
    the da_addr_body instead of the volumes' encoding."""

    def __init__(self, ltype, volumes, notification=frozenset()):
        self.ltype = ltype
        self.volumes = volumes
        self.notification = notification
        self.raw = None

    def addr_body(self):
        if self.raw is not None:
            return self.raw
        return blocklayout.encode_deviceaddr(self.volumes)

    def encode(self, p):
        p.u32(self.ltype)
        p.opaque(self.addr_body())
        bitmap_encode(p, set(self.notification))
