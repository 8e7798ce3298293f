#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes of part of a server block, checked against a shadow copy.

Every operation is done on the NFS file and, the same way, on a shadow
file on the guest's own tmpfs; the two must then be byte for byte the
same, read back on the client (after a remount) and on the server.

  partial.py OP FILE SHADOW [ARG...]
    odd        4 KiB writes at odd pages of fresh 64 KiB blocks, two in
               one block, one across a block boundary; fsync
    pair N     two processes write different pages of one block, N
               rounds (a new block each round), fsync after each write
    trunc      128 KiB written, truncated to 72 KiB, extended to 256 KiB,
               4 KiB written at 200 KiB
    mmap       1 MiB file, scattered pages written through a shared
               mapping, msync
    direct     O_DIRECT 4 KiB writes at odd pages of fresh blocks
    random N S N random 4 KiB writes and truncates over an S MiB file
               (seed fixed)
  partial.py cmp A B
    exit 1, printing the first differing offset, if A and B differ
"""

import mmap
import os
import random
import sys

PAGE = 4096
BLOCK = 64 << 10


def page_of(tag, n):
    """A 4 KiB page no other (tag, n) writes: visible if misplaced."""
    head = ('%s:%d:' % (tag, n)).encode()
    return (head * (PAGE // len(head) + 1))[:PAGE]


def open_pair(path, shadow, extra=0):
    fds = (os.open(path, os.O_RDWR | os.O_CREAT | extra, 0o644),
           os.open(shadow, os.O_RDWR | os.O_CREAT, 0o644))
    return fds


def both(fds, fn):
    for fd in fds:
        fn(fd)


def pwrite_both(fds, data, off):
    both(fds, lambda fd: os.pwrite(fd, data, off))


def close_both(fds):
    both(fds, os.fsync)
    both(fds, os.close)


def op_odd(path, shadow):
    fds = open_pair(path, shadow)
    for n, pg in enumerate((1, 5, 6, 17, 31, 47, 63, 64, 100)):
        pwrite_both(fds, page_of('odd', n), pg * PAGE)
    close_both(fds)


def op_pair(path, shadow, rounds):
    both(open_pair(path, shadow), os.close)
    pids = []
    for who in (0, 1):
        pid = os.fork()
        if pid == 0:
            fds = open_pair(path, shadow)
            for r in range(int(rounds)):
                pg = r * (BLOCK // PAGE) + 3 + 7 * who
                pwrite_both(fds, page_of('pair%d' % who, r), pg * PAGE)
                both(fds, os.fsync)
            close_both(fds)
            os._exit(0)
        pids.append(pid)
    bad = [p for p in pids if os.waitpid(p, 0)[1] != 0]
    if bad:
        sys.exit('pair: a writer failed')


def op_trunc(path, shadow):
    fds = open_pair(path, shadow)
    for n in range(32):
        pwrite_both(fds, page_of('trunc', n), n * PAGE)
    both(fds, os.fsync)
    both(fds, lambda fd: os.ftruncate(fd, 72 << 10))
    both(fds, lambda fd: os.ftruncate(fd, 256 << 10))
    pwrite_both(fds, page_of('trunc', 99), 200 << 10)
    close_both(fds)


def op_mmap(path, shadow):
    fds = open_pair(path, shadow)
    both(fds, lambda fd: os.ftruncate(fd, 1 << 20))
    for fd in fds:
        m = mmap.mmap(fd, 1 << 20, mmap.MAP_SHARED)
        for n, pg in enumerate((2, 9, 33, 34, 70, 129, 255)):
            m[pg * PAGE:(pg + 1) * PAGE] = page_of('mmap', n)
        m.flush()
        m.close()
    close_both(fds)


def op_direct(path, shadow):
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_DIRECT, 0o644)
    sh = os.open(shadow, os.O_RDWR | os.O_CREAT, 0o644)
    buf = mmap.mmap(-1, PAGE)
    for n, pg in enumerate((3, 21, 22, 40)):
        buf[:] = page_of('direct', n)
        os.pwrite(fd, buf, pg * PAGE)
        os.pwrite(sh, bytes(buf), pg * PAGE)
    close_both((fd, sh))


def op_random(path, shadow, nops, mib):
    rnd = random.Random(13)
    pages = int(mib) * (1 << 20) // PAGE
    fds = open_pair(path, shadow)
    for n in range(int(nops)):
        if rnd.random() < 0.05:
            size = rnd.randrange(pages) * PAGE
            both(fds, lambda fd, s=size: os.ftruncate(fd, s))
        else:
            pwrite_both(fds, page_of('rnd', n), rnd.randrange(pages) * PAGE)
        if n % 64 == 63:
            both(fds, os.fsync)
    close_both(fds)


def cmp(a, b):
    with open(a, 'rb') as fa, open(b, 'rb') as fb:
        da, db = fa.read(), fb.read()
    if da == db:
        return 0
    n = min(len(da), len(db))
    off = next((i for i in range(n) if da[i] != db[i]), n)
    print('# %s and %s differ at byte %d (sizes %d, %d)' %
          (a, b, off, len(da), len(db)))
    return 1


OPS = {'odd': op_odd, 'pair': op_pair, 'trunc': op_trunc, 'mmap': op_mmap,
       'direct': op_direct, 'random': op_random}


def main(argv):
    if len(argv) == 4 and argv[1] == 'cmp':
        return cmp(argv[2], argv[3])
    if len(argv) < 4 or argv[1] not in OPS:
        sys.exit(__doc__)
    for p in argv[2:4]:
        if os.path.exists(p):
            os.unlink(p)
    OPS[argv[1]](*argv[2:])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
