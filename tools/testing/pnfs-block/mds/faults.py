# SPDX-License-Identifier: GPL-2.0
"""Malformed replies on demand, for the hostile-input tests of a client.

arm(server, op, kind) installs a one-shot hook: the next successful reply
to op has its layout or device body rewritten the named way.  The hook
changes the decoded result (nfs4xdr.py: the extents of a LayoutGetRes,
the volumes of a GetDeviceInfoRes) before it is encoded; only the
truncations hand over bytes, the body cut short.  The COMPOUND framing
stays valid XDR, so the client's layout-driver decoder is what gets
tested.

One kind is legal, not malformed: 'hole-storage-offset' gives every hole
of a READ layout a storage offset no server of ours would send, which a
client must ignore (LEGAL lists it).  A reply with nothing the armed kind
can rewrite (no hole) goes out unchanged and leaves the fault armed.

One kind leaves the body alone and changes the state: 'new-stateid'
hands out a layout stateid whose "other" field the client has never
seen, as a server does that lost the client's layout state while the
client still holds layouts of the file (FORGET lists it).  The generic
client must forget such a reply (pnfs_layout_process(): "an entirely new
state ID"), return what it holds of the file and do the I/O some other
way; the server's own state is untouched, so the stateid the client
then uses is the real one.
"""

import copy

import blocklayout as bl
import nfs4const as c


# ---- LAYOUTGET: rewrite the extent list ----

def _lg(mutate):
    """mutate(extents) rewrites the first layout's extents in place, or
    returns the bytes to send as its body instead."""
    def fn(res):
        lo = res.layouts[0]
        out = mutate(lo.extents)
        if isinstance(out, bytes):
            lo.raw = out
        return res
    return fn


def _set(i, **kw):
    def m(exts):
        for k, v in kw.items():
            setattr(exts[i], k, v(getattr(exts[i], k)) if callable(v) else v)
    return m


def _overlap(exts):
    exts.insert(1, bl.Extent(exts[0].devid, exts[0].foff, exts[0].length,
                             exts[0].soff, exts[0].state))


def _hole(exts):
    if len(exts) > 1:
        del exts[0]
    else:
        exts[0].length -= 4096


def _unordered(exts):
    e = exts[0]
    half = (e.length // 2) // 4096 * 4096 or 4096
    exts[:1] = [bl.Extent(e.devid, e.foff + half, e.length - half, e.soff + half, e.state),
                bl.Extent(e.devid, e.foff, half, e.soff, e.state)]


def _truncated(exts):
    return bl.encode_layout(exts)[:-4]


class NotApplicable(Exception):
    """The reply has nothing this kind rewrites."""


# Unaligned, far past any volume, and wrapping past 2^64 with the length.
HOLE_STORAGE_OFFSET = (1 << 64) - 511


def _hole_storage_offset(exts):
    """RFC 5663 section 2.3: a NONE_DATA extent's storage offset means
    nothing, so any value is legal there (nfsd and this server send 0)."""
    holes = [e for e in exts if e.state == c.PNFS_BLOCK_NONE_DATA]
    if not holes:
        raise NotApplicable
    for e in holes:
        e.soff = HOLE_STORAGE_OFFSET


def _new_stateid(res):
    seqid, other = res.stateid
    # Same boot verifier, so a client that used it would get
    # NFS4ERR_BAD_STATEID, not a stale-server error.
    res.stateid = (seqid, other[:4] + bytes(b ^ 0x5a for b in other[4:]))
    return res


LAYOUTGET = {
    'bad-state': _lg(_set(0, state=7)),
    'unaligned': _lg(_set(0, foff=lambda v: v + 1)),
    'past-volume': _lg(_set(0, soff=1 << 60)),
    'none-in-rw': _lg(_set(0, state=c.PNFS_BLOCK_NONE_DATA)),
    'overlap': _lg(_overlap),
    'hole': _lg(_hole),
    'unordered': _lg(_unordered),
    'zero-extents': _lg(lambda exts: exts.clear()),
    'truncated': _lg(_truncated),
    'unknown-device': _lg(_set(0, devid=b'\x5a' * 16)),
    'hole-storage-offset': _lg(_hole_storage_offset),
    'new-stateid': _new_stateid,
}


# ---- GETDEVICEINFO: rewrite the volume list ----

def _gdi(make):
    """make(volumes) -> the new volume list, or the bytes to send as the
    da_addr_body instead."""
    def fn(res):
        out = make(res.volumes)
        if isinstance(out, bytes):
            res.raw = out
        else:
            res.volumes = out
        return res
    return fn


def _simple(vols):
    """The first signature component of the first (SIMPLE) volume."""
    return vols[0].sigs[0]


def _retyped(vols, vtype):
    """The same volumes, the first one's type field set to vtype (its body
    left as it was)."""
    first = copy.copy(vols[0])
    first.vtype = vtype
    return [first] + vols[1:]


GETDEVICEINFO = {
    'zero-volumes': _gdi(lambda v: []),
    'too-many-sigs': _gdi(lambda v: [bl.SimpleVolume([_simple(v)] * 17)]),
    'sig-past-end': _gdi(lambda v: [bl.SimpleVolume([(1 << 50, _simple(v)[1])])]),
    'sig-too-long': _gdi(lambda v: [bl.SimpleVolume([(_simple(v)[0], b's' * 600)])]),
    # The first volume's type becomes 9, its body left whole: a decoder
    # must refuse the type, not merely run out of bytes.
    'bad-volume-type': _gdi(lambda v: _retyped(v, 9)),
    'child-index': _gdi(lambda v: [bl.SimpleVolume([_simple(v)]),
                                   bl.SliceVolume(0, 1 << 20, 5)]),
    'self-reference': _gdi(lambda v: [bl.SimpleVolume([_simple(v)]),
                                      bl.SliceVolume(0, 1 << 20, 1)]),
    'stripe-unit-zero': _gdi(lambda v: [bl.SimpleVolume([_simple(v)]),
                                        bl.StripeVolume(0, [0])]),
    'truncated': _gdi(lambda v: bl.encode_deviceaddr(v)[:-4]),
}

TABLES = {'LAYOUTGET': LAYOUTGET, 'GETDEVICEINFO': GETDEVICEINFO}

# The kinds whose replies are legal: a client must use them, not refuse.
LEGAL = {'LAYOUTGET': ['hole-storage-offset'], 'GETDEVICEINFO': []}

# The kinds with a well-formed body and a state the client must forget.
FORGET = {'LAYOUTGET': ['new-stateid'], 'GETDEVICEINFO': []}


def kinds():
    return {op: sorted(t) for op, t in TABLES.items()}


def arm(server, op, kind, count=1):
    """Rewrite the next count successful replies to op."""
    fn = TABLES[op][kind]
    left = [count]

    def hook(cx, status, res):
        if status != c.NFS4_OK or left[0] <= 0:
            return res
        try:
            out = fn(res)
        except NotApplicable:
            return res
        left[0] -= 1
        if left[0] == 0:
            server.hooks.pop(op, None)
        server.log('fault %s %s injected' % (op, kind))
        server.faults_injected.append((op, kind))
        return out
    hook.fault = (kind, left)
    server.hooks[op] = hook


def armed(server):
    """{op: [kind, replies still to malform]} of the faults not yet used up."""
    return {op: [h.fault[0], h.fault[1][0]] for op, h in server.hooks.items()
            if hasattr(h, 'fault')}
