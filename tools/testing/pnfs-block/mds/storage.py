# SPDX-License-Identifier: GPL-2.0
"""Block storage for the test metadata server.

Disk       -- a block device (or a plain file in tests), read and written
              with O_DIRECT where the kernel allows it: the client writes the
              same device through its own bios, so the server must not read
              stale page-cache copies.
Allocator  -- a first-fit free-extent list over the data area of one disk.
ExtentMap  -- a file's mapping: sorted, non-overlapping
              [file_offset, length, storage_offset, state] runs, state
              ST_RW (written data), ST_INVALID (allocated, not yet
              committed, reads as zeros) or ST_COW (written data on
              blocks a clone shares: copied before any write).  Anything
              unmapped is a hole.
"""

import bisect
import mmap
import os

ST_RW = 'rw'
ST_INVALID = 'inv'
ST_COW = 'cow'          # written data on blocks shared with another file
ST_HOLE = 'hole'

IO_ALIGN = 4096


class StorageError(Exception):
    pass


class NoSpace(StorageError):
    pass


def round_down(v, a):
    return v - v % a


def round_up(v, a):
    return round_down(v + a - 1, a)


class Disk:
    """A device read and written at byte granularity on top of aligned I/O."""

    def __init__(self, path, direct=True):
        self.path = path
        flags = os.O_RDWR
        self.direct = False
        if direct and hasattr(os, 'O_DIRECT'):
            try:
                self.fd = os.open(path, flags | os.O_DIRECT)
                self.direct = True
            except OSError:
                self.fd = os.open(path, flags)
        else:
            self.fd = os.open(path, flags)
        self.size = os.lseek(self.fd, 0, os.SEEK_END)

    def close(self):
        os.close(self.fd)

    def _aligned_read(self, a, n):
        buf = mmap.mmap(-1, n)
        got = os.preadv(self.fd, [buf], a)
        if got < n:
            buf[got:n] = b'\0' * (n - got)
        return buf

    def read(self, off, n):
        if n <= 0:
            return b''
        if off < 0 or off + n > self.size:
            raise StorageError('read %d+%d past the disk end %d' % (off, n, self.size))
        a = round_down(off, IO_ALIGN)
        e = round_up(off + n, IO_ALIGN)
        buf = self._aligned_read(a, e - a)
        data = bytes(buf[off - a:off - a + n])
        buf.close()
        return data

    def write(self, off, data):
        n = len(data)
        if n == 0:
            return
        if off < 0 or off + n > self.size:
            raise StorageError('write %d+%d past the disk end %d' % (off, n, self.size))
        a = round_down(off, IO_ALIGN)
        e = round_up(off + n, IO_ALIGN)
        if a == off and e == off + n:
            buf = mmap.mmap(-1, n)
            buf[:] = data
        else:
            # Read-modify-write of the partial edge blocks.
            buf = self._aligned_read(a, e - a)
            buf[off - a:off - a + n] = data
        done = os.pwritev(self.fd, [buf], a)
        buf.close()
        if done != e - a:
            raise StorageError('short write at %d' % a)

    def zero(self, off, n):
        while n > 0:
            c = min(n, 1 << 20)
            self.write(off, b'\0' * c)
            off += c
            n -= c

    def flush(self):
        os.fsync(self.fd)


class Allocator:
    """First-fit allocation of blocks in [start, end) of a disk."""

    def __init__(self, start, end, blksize):
        self.blksize = blksize
        self.start, self.end = start, end
        self.free = [[start, end - start]] if end > start else []

    def free_bytes(self):
        return sum(f[1] for f in self.free)

    def total_bytes(self):
        return self.end - self.start

    def alloc(self, nbytes, hint=None):
        """Allocate nbytes (a multiple of blksize); returns [(off, len)].

        Tries to continue at hint (where the file's previous run ends) so
        that sequential files get few, long extents.
        """
        if nbytes % self.blksize:
            raise StorageError('unaligned allocation')
        if nbytes > self.free_bytes():
            raise NoSpace('no space for %d bytes' % nbytes)
        out = []
        if hint is not None:
            i = bisect.bisect_left(self.free, [hint, 0])
            if i < len(self.free) and self.free[i][0] == hint:
                out.append(self._take(i, nbytes))
                nbytes -= out[-1][1]
        while nbytes:
            out.append(self._take(0, nbytes))
            nbytes -= out[-1][1]
        return out

    def _take(self, i, nbytes):
        f = self.free[i]
        n = min(nbytes, f[1])
        run = (f[0], n)
        if n == f[1]:
            del self.free[i]
        else:
            f[0] += n
            f[1] -= n
        return run

    def reserve(self, off, n):
        """Mark [off, off + n) used (rebuilding state after a restart)."""
        i = bisect.bisect_right(self.free, [off, float('inf')]) - 1
        if i < 0:
            raise StorageError('reserve %d+%d: not free' % (off, n))
        f = self.free[i]
        if not (f[0] <= off and off + n <= f[0] + f[1]):
            raise StorageError('reserve %d+%d: not free' % (off, n))
        tail = f[0] + f[1] - (off + n)
        f[1] = off - f[0]
        if tail:
            self.free.insert(i + 1, [off + n, tail])
        if f[1] == 0:
            del self.free[i]

    def release(self, off, n):
        if n <= 0:
            return
        i = bisect.bisect_left(self.free, [off, 0])
        self.free.insert(i, [off, n])
        # Merge with the neighbours.
        if i + 1 < len(self.free) and off + n == self.free[i + 1][0]:
            self.free[i][1] += self.free[i + 1][1]
            del self.free[i + 1]
        if i > 0 and self.free[i - 1][0] + self.free[i - 1][1] == off:
            self.free[i - 1][1] += self.free[i][1]
            del self.free[i]


class ExtentMap:
    """The block map of one regular file."""

    def __init__(self, runs=None):
        self.runs = [list(r) for r in (runs or [])]

    def to_json(self):
        return [list(r) for r in self.runs]

    def _index(self, off):
        """Index of the first run ending after off."""
        i = bisect.bisect_right(self.runs, [off, float('inf')]) - 1
        if i >= 0 and self.runs[i][0] + self.runs[i][1] > off:
            return i
        return i + 1

    def _split(self, at):
        """Make sure no run straddles offset at."""
        i = self._index(at)
        if i < len(self.runs):
            r = self.runs[i]
            if r[0] < at < r[0] + r[1]:
                left = at - r[0]
                self.runs.insert(i + 1, [at, r[1] - left, r[2] + left, r[3]])
                r[1] = left

    def segments(self, off, length):
        """Cover [off, off + length) with (foff, len, soff, state) tuples;
        holes have soff None and state ST_HOLE."""
        out = []
        end = off + length
        pos = off
        i = self._index(off)
        while pos < end:
            if i < len(self.runs) and self.runs[i][0] < end:
                r = self.runs[i]
                if r[0] > pos:
                    out.append((pos, r[0] - pos, None, ST_HOLE))
                    pos = r[0]
                rend = min(r[0] + r[1], end)
                out.append((pos, rend - pos, r[2] + (pos - r[0]), r[3]))
                pos = rend
                i += 1
            else:
                out.append((pos, end - pos, None, ST_HOLE))
                pos = end
        return out

    def allocate(self, off, length, alloc):
        """Back every hole in [off, off + length) with new ST_INVALID runs.
        off and length must be block-aligned."""
        for foff, n, soff, st in self.segments(off, length):
            if st != ST_HOLE:
                continue
            hint = None
            j = self._index(foff) - 1
            if j >= 0 and self.runs[j][0] + self.runs[j][1] == foff:
                hint = self.runs[j][2] + self.runs[j][1]
            pos = foff
            for s, l in alloc.alloc(n, hint):
                bisect.insort(self.runs, [pos, l, s, ST_INVALID])
                pos += l
        self._merge()

    def set_state(self, off, length, state, from_state=None, soff=None):
        """Change runs in the range to state; with soff, only where the
        storage offsets line up with the given mapping.  Returns the
        number of bytes changed."""
        self._split(off)
        self._split(off + length)
        changed = 0
        for r in self.runs:
            if r[0] >= off + length or r[0] + r[1] <= off:
                continue
            if from_state is not None and r[3] != from_state:
                continue
            if soff is not None and r[2] != soff + (r[0] - off):
                continue
            r[3] = state
            changed += r[1]
        self._merge()
        return changed

    def truncate(self, size, blksize, free):
        """Drop whole blocks at or past round_up(size), handing each run's
        storage to free(soff, n) (an Allocator's release, or a function
        that knows about shared blocks); returns the dropped runs."""
        if isinstance(free, Allocator):
            free = free.release
        cut = round_up(size, blksize)
        self._split(cut)
        keep, freed = [], []
        for r in self.runs:
            (keep if r[0] < cut else freed).append(r)
        self.runs = keep
        for r in freed:
            free(r[2], r[1])
        return freed

    def punch(self, off, length):
        """Unmap [off, off + length) without freeing; returns the runs."""
        self._split(off)
        self._split(off + length)
        keep, out = [], []
        for r in self.runs:
            (out if off <= r[0] < off + length else keep).append(r)
        self.runs = keep
        return out

    def remap(self, off, length, soff, state):
        """Point [off, off + length) at soff; returns the runs replaced."""
        old = self.punch(off, length)
        bisect.insort(self.runs, [off, length, soff, state])
        self._merge()
        return old

    def used_bytes(self):
        return sum(r[1] for r in self.runs)

    def _merge(self):
        out = []
        for r in self.runs:
            if out:
                p = out[-1]
                if (p[0] + p[1] == r[0] and p[2] + p[1] == r[2]
                        and p[3] == r[3]):
                    p[1] += r[1]
                    continue
            out.append(r)
        self.runs = out
