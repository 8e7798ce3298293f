# SPDX-License-Identifier: GPL-2.0
"""The exported file system: inodes in memory, data on a Disk, metadata in
a small JSON file so the namespace and committed extents survive a restart.

Disk layout (offsets in bytes):
  0 .. SIG_OFFSET          untouched
  SIG_OFFSET               the volume signature blkmapd matches
                           (SIG_MAGIC + a 16-byte volume id)
  DATA_START .. disk end   file blocks, handed out by the Allocator
"""

import json
import os
import struct
import threading
import time
import uuid

from storage import (Allocator, Disk, ExtentMap, NoSpace, ST_COW,
                     ST_INVALID, ST_RW, round_down, round_up)
import nfs4const as c

SIG_OFFSET = 512
SIG_MAGIC = b'PNFSBL-TEST-MDS\0'
SIG_LEN = len(SIG_MAGIC) + 16
DATA_START = 1 << 20
ROOT_ID = 1
FH_MAGIC = b'PBM1'


class FSError(Exception):
    """Carries the NFSv4 status to answer with."""

    def __init__(self, status, msg='', body=b''):
        super().__init__(msg or c.ERR_NAMES.get(status, str(status)))
        self.status = status
        self.body = body        # encoded result that follows an error status


def now_ts():
    t = time.time_ns()
    return [t // 1000000000, t % 1000000000]


class Inode:
    def __init__(self, fileid, ftype, mode, uid=0, gid=0):
        self.fileid = fileid
        self.type = ftype
        self.mode = mode & 0o7777
        self.uid, self.gid = uid, gid
        self.nlink = 2 if ftype == c.NF4DIR else 1
        self.size = 0
        ts = now_ts()
        self.atime, self.mtime, self.ctime = list(ts), list(ts), list(ts)
        self.change = 1
        self.parent = ROOT_ID
        self.entries = {} if ftype == c.NF4DIR else None   # name -> [fileid, cookie]
        self.next_cookie = 3
        self.target = b''
        self.rdev = (0, 0)
        self.extents = ExtentMap() if ftype == c.NF4REG else None
        # Copy-on-write: new blocks handed out in RW layouts for ST_COW
        # ranges, not yet committed (state ST_INVALID).
        self.cow_new = ExtentMap() if ftype == c.NF4REG else None
        self.verifier = None        # EXCLUSIVE4_1 create verifier (hex)

    def touch(self, data=True):
        ts = now_ts()
        self.ctime = ts
        if data:
            self.mtime = list(ts)
        self.change += 1

    def to_json(self):
        d = dict(fileid=self.fileid, type=self.type, mode=self.mode,
                 uid=self.uid, gid=self.gid, nlink=self.nlink,
                 size=self.size, atime=self.atime, mtime=self.mtime,
                 ctime=self.ctime, change=self.change, parent=self.parent,
                 next_cookie=self.next_cookie,
                 target=self.target.decode('utf-8', 'surrogateescape'),
                 rdev=list(self.rdev), verifier=self.verifier)
        if self.entries is not None:
            d['entries'] = {k.decode('utf-8', 'surrogateescape'): v
                            for k, v in self.entries.items()}
        if self.extents is not None:
            d['extents'] = self.extents.to_json()
            d['cow_new'] = self.cow_new.to_json()
        return d

    @classmethod
    def from_json(cls, d):
        ino = cls(d['fileid'], d['type'], d['mode'], d['uid'], d['gid'])
        for k in ('nlink', 'size', 'atime', 'mtime', 'ctime', 'change',
                  'parent', 'next_cookie', 'verifier'):
            setattr(ino, k, d[k])
        ino.target = d['target'].encode('utf-8', 'surrogateescape')
        ino.rdev = tuple(d['rdev'])
        if 'entries' in d:
            ino.entries = {k.encode('utf-8', 'surrogateescape'): v
                           for k, v in d['entries'].items()}
        if 'extents' in d:
            ino.extents = ExtentMap(d['extents'])
            ino.cow_new = ExtentMap(d.get('cow_new', []))
        return ino


class FileSystem:
    """Namespace plus block storage.  Callers serialise access (the server
    holds one lock around each COMPOUND)."""

    def __init__(self, disk_path, meta_path=None, blksize=4096, direct=True,
                 fsid=(0x70626c6b, 1), topology=None):
        """disk_path: one whole disk (one SIMPLE volume, data from
        DATA_START on); or topology: a Topology whose top volume's whole
        address space holds data (see topology.py)."""
        self.topo = topology
        if topology is not None:
            self.disk = topology.device
            start = 0
        else:
            self.disk = Disk(disk_path, direct)
            start = DATA_START
        self.meta_path = meta_path
        self.blksize = blksize
        self.fsid = fsid
        self.lock = threading.RLock()
        end = round_down(self.disk.size, blksize)
        if end <= start:
            raise FSError(c.NFS4ERR_NOSPC, 'disk too small')
        self.alloc = Allocator(start, end, blksize)
        self.inodes = {}
        self.next_fileid = ROOT_ID + 1
        self.generation = 1
        self.volume_id = None
        self.shared = {}        # block offset -> references beyond the first
        self.dirty = False
        if not (meta_path and os.path.exists(meta_path) and self._load()):
            self._format()

    # ---- persistence ----
    def _format(self):
        self.volume_id = uuid.uuid4().bytes
        self.generation = int.from_bytes(os.urandom(4), 'big') | 1
        root = Inode(ROOT_ID, c.NF4DIR, 0o777)
        root.parent = ROOT_ID
        self.inodes = {ROOT_ID: root}
        self.next_fileid = ROOT_ID + 1
        for disk, sig in self._signatures():
            disk.write(SIG_OFFSET, sig)
            disk.flush()
        self.save()

    def _signatures(self):
        """(Disk, signature) for every disk the server owns."""
        if self.topo is not None:
            return self.topo.signatures(self.volume_id, SIG_OFFSET, SIG_MAGIC)
        return [(self.disk, self.signature())]

    def _load(self):
        with open(self.meta_path) as f:
            d = json.load(f)
        self.volume_id = bytes.fromhex(d['volume_id'])
        for disk, sig in self._signatures():
            if disk.read(SIG_OFFSET, len(sig)) != sig:
                return False    # a different disk: start afresh
        self.generation = d['generation']
        self.next_fileid = d['next_fileid']
        self.inodes = {}
        self.shared = {int(k): v for k, v in d.get('shared', {}).items()}
        used = []
        for i in d['inodes']:
            ino = Inode.from_json(i)
            self.inodes[ino.fileid] = ino
            if ino.extents:
                used += [(r[2], r[2] + r[1]) for r in ino.extents.runs + ino.cow_new.runs]
        # Shared blocks appear in several files: reserve each block once.
        used.sort()
        merged = []
        for a, b in used:
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        for a, b in merged:
            self.alloc.reserve(a, b - a)
        return True

    def save(self):
        if not self.meta_path:
            return
        d = dict(volume_id=self.volume_id.hex(), generation=self.generation,
                 next_fileid=self.next_fileid, blksize=self.blksize,
                 shared={str(k): v for k, v in self.shared.items()},
                 inodes=[i.to_json() for i in self.inodes.values()])
        tmp = self.meta_path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(d, f)
        os.replace(tmp, self.meta_path)
        self.dirty = False

    def signature(self):
        return SIG_MAGIC + self.volume_id

    # ---- file handles ----
    def fh(self, ino):
        return FH_MAGIC + struct.pack('>QI', ino.fileid, self.generation)

    def lookup_fh(self, fh):
        if len(fh) != 16 or fh[:4] != FH_MAGIC:
            raise FSError(c.NFS4ERR_BADHANDLE)
        fileid, gen = struct.unpack('>QI', fh[4:])
        if gen != self.generation or fileid not in self.inodes:
            raise FSError(c.NFS4ERR_STALE)
        return self.inodes[fileid]

    def root(self):
        return self.inodes[ROOT_ID]

    # ---- namespace ----
    @staticmethod
    def check_name(name):
        if not name:
            raise FSError(c.NFS4ERR_INVAL)
        if len(name) > 255:
            raise FSError(c.NFS4ERR_NAMETOOLONG)
        if b'/' in name or b'\0' in name:
            raise FSError(c.NFS4ERR_BADNAME)
        if name in (b'.', b'..'):
            raise FSError(c.NFS4ERR_BADNAME)

    def _dir(self, d):
        if d.type != c.NF4DIR:
            raise FSError(c.NFS4ERR_SYMLINK if d.type == c.NF4LNK else c.NFS4ERR_NOTDIR)
        return d

    def lookup(self, d, name):
        self._dir(d)
        self.check_name(name)
        e = d.entries.get(name)
        if e is None:
            raise FSError(c.NFS4ERR_NOENT)
        return self.inodes[e[0]]

    def lookupp(self, d):
        self._dir(d)
        return self.inodes[d.parent]

    def _link_in(self, d, name, ino):
        d.entries[name] = [ino.fileid, d.next_cookie]
        d.next_cookie += 1
        d.touch()
        self.dirty = True

    def create(self, d, name, ftype, mode, uid=0, gid=0, target=b'', rdev=(0, 0)):
        self._dir(d)
        self.check_name(name)
        if name in d.entries:
            raise FSError(c.NFS4ERR_EXIST)
        ino = Inode(self.next_fileid, ftype, mode, uid, gid)
        self.next_fileid += 1
        ino.target, ino.rdev = target, rdev
        if ftype == c.NF4DIR:
            ino.parent = d.fileid
            d.nlink += 1
        self.inodes[ino.fileid] = ino
        self._link_in(d, name, ino)
        return ino

    def link(self, ino, d, name):
        self._dir(d)
        self.check_name(name)
        if ino.type == c.NF4DIR:
            raise FSError(c.NFS4ERR_ISDIR)
        if name in d.entries:
            raise FSError(c.NFS4ERR_EXIST)
        ino.nlink += 1
        ino.touch(data=False)
        self._link_in(d, name, ino)

    def _drop(self, ino):
        if ino.nlink > 0 or getattr(ino, 'opens', 0):
            return
        if ino.extents is not None:
            ino.extents.truncate(0, self.blksize, self.free)
            ino.cow_new.truncate(0, self.blksize, self.alloc)
        del self.inodes[ino.fileid]

    def remove(self, d, name):
        ino = self.lookup(d, name)
        if ino.type == c.NF4DIR:
            if ino.entries:
                raise FSError(c.NFS4ERR_NOTEMPTY)
            d.nlink -= 1
            ino.nlink = 0
        else:
            ino.nlink -= 1
        del d.entries[name]
        d.touch()
        ino.touch(data=False)
        self.dirty = True
        self._drop(ino)
        return ino

    def release(self, ino):
        """Last open of ino went away: free it if it is unlinked."""
        if ino.fileid in self.inodes and ino.nlink == 0:
            self._drop(ino)

    def rename(self, sd, sname, td, tname):
        ino = self.lookup(sd, sname)
        self._dir(td)
        self.check_name(tname)
        if sd is td and sname == tname:
            return
        if ino.type == c.NF4DIR:
            # No moving a directory under itself.
            p = td
            while True:
                if p.fileid == ino.fileid:
                    raise FSError(c.NFS4ERR_INVAL)
                if p.fileid == ROOT_ID:
                    break
                p = self.inodes[p.parent]
        old = td.entries.get(tname)
        if old is not None:
            oino = self.inodes[old[0]]
            if (oino.type == c.NF4DIR) != (ino.type == c.NF4DIR):
                raise FSError(c.NFS4ERR_EXIST)
            if oino.fileid == ino.fileid:
                return
            self.remove(td, tname)
        del sd.entries[sname]
        sd.touch()
        if ino.type == c.NF4DIR:
            sd.nlink -= 1
            td.nlink += 1
            ino.parent = td.fileid
        ino.touch(data=False)
        self._link_in(td, tname, ino)

    # ---- data ----
    def read(self, ino, off, count):
        """MDS READ: (data, eof)."""
        if ino.type != c.NF4REG:
            raise FSError(c.NFS4ERR_ISDIR if ino.type == c.NF4DIR else c.NFS4ERR_INVAL)
        if off >= ino.size:
            return b'', True
        count = min(count, ino.size - off)
        out = bytearray()
        for foff, n, soff, st in ino.extents.segments(off, count):
            if st in (ST_RW, ST_COW):
                out += self.disk.read(soff, n)
            else:
                out += b'\0' * n
        return bytes(out), off + count >= ino.size

    def write(self, ino, off, data):
        """MDS WRITE through the same block map the layouts describe."""
        if ino.type != c.NF4REG:
            raise FSError(c.NFS4ERR_ISDIR if ino.type == c.NF4DIR else c.NFS4ERR_INVAL)
        if not data:
            return
        bs = self.blksize
        a, e = round_down(off, bs), round_up(off + len(data), bs)
        try:
            ino.extents.allocate(a, e - a, self.alloc)
            self.unshare(ino, a, e - a)
        except NoSpace:
            raise FSError(c.NFS4ERR_NOSPC)
        # Blocks that held no valid data read as zeros: clear the parts of
        # their first and last block the write does not cover.
        end = off + len(data)
        for foff, n, soff, st in ino.extents.segments(a, e - a):
            if st == ST_INVALID:
                lo, hi = max(foff, off), min(foff + n, end)
                if lo > foff:
                    self.disk.zero(soff, lo - foff)
                if hi < foff + n:
                    self.disk.zero(soff + hi - foff, foff + n - hi)
        for foff, n, soff, st in ino.extents.segments(off, len(data)):
            self.disk.write(soff, data[foff - off:foff - off + n])
        ino.extents.set_state(a, e - a, ST_RW, from_state=ST_INVALID)
        ino.size = max(ino.size, off + len(data))
        ino.touch()
        self.dirty = True

    def set_size(self, ino, size):
        if ino.type != c.NF4REG:
            raise FSError(c.NFS4ERR_ISDIR if ino.type == c.NF4DIR else c.NFS4ERR_INVAL)
        if size < ino.size:
            ino.extents.truncate(size, self.blksize, self.free)
            ino.cow_new.truncate(size, self.blksize, self.alloc)
            # The rest of a partial last block must read as zeros later.
            if size % self.blksize:
                try:
                    self.unshare(ino, round_down(size, self.blksize), self.blksize)
                except NoSpace:
                    raise FSError(c.NFS4ERR_NOSPC)
                seg = ino.extents.segments(size, round_up(size, self.blksize) - size)
                for foff, n, soff, st in seg:
                    if st == ST_RW:
                        self.disk.zero(soff, n)
        ino.size = size
        ino.touch()
        self.dirty = True

    # ---- shared blocks (clones) ----
    def free(self, soff, n):
        """Drop one reference to each block of [soff, soff + n); blocks
        nobody else shares go back to the allocator."""
        bs = self.blksize
        start = None
        for b in range(soff, soff + n, bs):
            if self.shared.get(b):
                self.shared[b] -= 1
                if not self.shared[b]:
                    del self.shared[b]
                if start is not None:
                    self.alloc.release(start, b - start)
                    start = None
            elif start is None:
                start = b
        if start is not None:
            self.alloc.release(start, soff + n - start)

    def clone(self, src, d, name, uid=0, gid=0):
        """A new file in d sharing src's written blocks; both files then
        copy a shared block before writing it (ST_COW)."""
        self._reg_only(src)
        ino = self.create(d, name, c.NF4REG, src.mode, uid, gid)
        for r in src.extents.runs:
            if r[3] not in (ST_RW, ST_COW):
                continue
            r[3] = ST_COW
            ino.extents.runs.append([r[0], r[1], r[2], ST_COW])
            for b in range(r[2], r[2] + r[1], self.blksize):
                self.shared[b] = self.shared.get(b, 0) + 1
        src.extents._merge()
        ino.size = src.size
        src.touch(data=False)
        self.dirty = True
        return ino

    def _reg_only(self, ino):
        if ino.type != c.NF4REG:
            raise FSError(c.NFS4ERR_ISDIR if ino.type == c.NF4DIR else c.NFS4ERR_INVAL)

    def unshare(self, ino, off, n):
        """Copy every ST_COW block of [off, off + n) (block-aligned) to
        blocks of ino's own; the MDS write path's copy-on-write."""
        for foff, k, soff, st in ino.extents.segments(off, n):
            if st != ST_COW:
                continue
            pos = foff
            for nsoff, nk in self.alloc.alloc(k):
                self.disk.write(nsoff, self.disk.read(soff + pos - foff, nk))
                ino.extents.remap(pos, nk, nsoff, ST_RW)
                self.free(soff + pos - foff, nk)
                pos += nk
            # A pending layout copy for the range is moot now.
            for r in ino.cow_new.punch(foff, k):
                self.alloc.release(r[2], r[1])

    def space_used(self, ino):
        return ino.extents.used_bytes() if ino.extents is not None else 4096

    def flush(self):
        self.disk.flush()
