# SPDX-License-Identifier: GPL-2.0
"""NFSv4.1 server state: client records, sessions with their slot tables,
and stateids (open, lock, layout)."""

import os
import struct
import threading
import time

import nfs4const as c

ZERO_OTHER = b'\0' * 12
ONES_OTHER = b'\xff' * 12
INF = float('inf')


class Client:
    def __init__(self, clientid, owner, verifier):
        self.clientid, self.owner, self.verifier = clientid, owner, verifier
        self.confirmed = False
        self.cs_seqid = 0           # last CREATE_SESSION sequence executed
        self.cs_reply = None        # its cached result (RFC 8881 18.36.4)
        self.sessions = {}
        self.reclaim_complete = False
        self.renewed = time.monotonic()


class Slot:
    def __init__(self):
        self.seqid = 0
        self.reply = None           # whole COMPOUND4res of the last request


class Session:
    def __init__(self, sessionid, client, fore, back, cb_program, cb_sec):
        self.sessionid, self.client = sessionid, client
        self.fore, self.back = fore, back
        self.slots = [Slot() for _ in range(fore['maxreqs'])]
        self.cb_program, self.cb_sec = cb_program, cb_sec
        self.back_conns = []
        self.cb_seqid = 0
        self.cb_lock = threading.Lock()
        self.minor = 1                  # the CREATE_SESSION's minor version

    def back_conn(self):
        self.back_conns = [b for b in self.back_conns if not b.closed]
        return self.back_conns[-1] if self.back_conns else None


class State:
    """One stateid.  kind is 'open', 'lock' or 'layout'."""

    def __init__(self, other, kind, client, ino):
        self.other, self.kind, self.client, self.ino = other, kind, client, ino
        self.seqid = 1
        self.owner = None
        self.access = self.deny = 0     # open
        self.open = None                # lock: its open state
        self.locks = []                 # lock: [start, end, is_write]
        self.segs = []                  # layout: [iomode, start, end]
        self.refcalls = {}              # layout: (sessionid, slotid) -> seqid of its last LAYOUTGET there
        self.recalling = False          # layout: CB_LAYOUTRECALL answered OK, not yet all returned

    def stateid(self):
        return (self.seqid, self.other)

    def bump(self):
        self.seqid = self.seqid % 0xffffffff + 1


class StateTable:
    def __init__(self):
        self.boot = struct.unpack('>I', os.urandom(4))[0] | 1
        self.counter = 0
        self.by_other = {}
        self.by_key = {}

    def new(self, kind, client, ino, key):
        self.counter += 1
        other = struct.pack('>III', self.boot, self.counter,
                            {'open': 1, 'lock': 2, 'layout': 3}[kind])
        st = State(other, kind, client, ino)
        st.key = key
        self.by_other[other] = st
        self.by_key[key] = st
        return st

    def get_key(self, key):
        return self.by_key.get(key)

    def drop(self, st):
        self.by_other.pop(st.other, None)
        if self.by_key.get(st.key) is st:
            del self.by_key[st.key]

    def lookup(self, seqid, other):
        """The state for a stateid, or an NFSv4 error status."""
        st = self.by_other.get(other)
        if st is None:
            if len(other) == 12 and struct.unpack('>I', other[:4])[0] != self.boot:
                return c.NFS4ERR_STALE_STATEID
            return c.NFS4ERR_BAD_STATEID
        # A layout stateid's seqid may trail while LAYOUTGETs cross on the
        # wire (RFC 8881 section 12.5.3): only a future seqid is bad.
        if st.kind == 'layout' and seqid <= st.seqid:
            return st
        if seqid != 0 and seqid != st.seqid:
            return c.NFS4ERR_OLD_STATEID if seqid < st.seqid else c.NFS4ERR_BAD_STATEID
        return st

    def for_client(self, client):
        return [s for s in self.by_other.values() if s.client is client]

    def for_inode(self, ino, kind=None):
        return [s for s in self.by_other.values()
                if s.ino is ino and (kind is None or s.kind == kind)]


def range_end(offset, length):
    return INF if length == c.NFS4_UINT64_MAX else offset + length


def subtract_range(ranges, start, end):
    """Remove [start, end) from a list of [s, e, x] ranges."""
    out = []
    for s, e, x in ranges:
        if e <= start or s >= end:
            out.append([s, e, x])
            continue
        if s < start:
            out.append([s, start, x])
        if e > end:
            out.append([end, e, x])
    return out
