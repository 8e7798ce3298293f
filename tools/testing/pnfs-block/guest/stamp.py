#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Stamped writes and their check, for tests where several clients write
one file.  Every 512-byte sector written says who wrote it: a header
(magic, writer, generation, sector number) and a fill derived from all
three, so that a sector read back is either exactly one write's, or
visibly torn, stale, zero or misplaced.

  stamp.py write FILE WRITER GEN OFFSET LENGTH [direct] [shuffle] [sync]
      write sectors [OFFSET, OFFSET + LENGTH) in 64 KiB pieces (in a
      random order with shuffle), O_DIRECT with direct, fsync after each
      piece with sync, then fsync
  stamp.py loop FILE WRITER GEN OFFSET LENGTH LOG
      O_DIRECT, one open: write the range in 64 KiB pieces, in order,
      generation GEN, then GEN + 1, ... until killed; before and after
      each piece append "start|end GEN OFFSET TIME" to LOG (TIME is
      CLOCK_MONOTONIC, the clock of trace_clock mono)
  stamp.py check FILE [direct] RANGE...
      RANGE is OFFSET:LENGTH=W.G[,W.G...]: every sector of the range must
      be a whole stamp of one of those writer.generation pairs.  Prints
      how many sectors each pair holds; exits 1 on the first bad sector.
"""

import mmap
import os
import random
import struct
import sys
import time

SECTOR = 512
PIECE = 64 << 10
MAGIC = b'PNFSBLK1'
HEAD = struct.Struct('<8sIIQ')


def stamp(writer, gen, sector):
    """The 512 bytes of SECTOR as WRITER wrote it in generation GEN."""
    head = HEAD.pack(MAGIC, writer, gen, sector)
    fill = (writer * 37 + gen * 11 + sector) & 0xff
    return head + bytes([fill]) * (SECTOR - len(head))


def parse(data, sector):
    """(writer, gen) of a whole, well-placed stamp, or a reason."""
    magic, writer, gen, where = HEAD.unpack_from(data)
    if magic != MAGIC:
        return 'zeros' if not any(data) else 'no stamp'
    if where != sector:
        return 'stamp of sector %d' % where
    if data != stamp(writer, gen, sector):
        return 'torn stamp of %d.%d' % (writer, gen)
    return (writer, gen)


def size(text):
    """A byte count, with an optional K or M suffix."""
    mult = {'k': 1 << 10, 'm': 1 << 20}.get(text[-1:].lower())
    return int(text[:-1]) * mult if mult else int(text, 0)


def fill(buf, writer, gen, pos, n):
    """Put the stamps of bytes [pos, pos + n) at the start of buf."""
    buf.seek(0)
    for s in range(pos // SECTOR, (pos + n) // SECTOR):
        buf.write(stamp(writer, gen, s))


def open_buf(path, flags, direct, size):
    if direct:
        flags |= os.O_DIRECT
    return os.open(path, flags, 0o644), mmap.mmap(-1, size)


def do_write(path, writer, gen, off, length, opts):
    direct = 'direct' in opts
    fd, buf = open_buf(path, os.O_WRONLY | os.O_CREAT, direct, PIECE)
    pieces = list(range(off, off + length, PIECE))
    if 'shuffle' in opts:
        random.Random(writer * 1000 + gen).shuffle(pieces)
    for pos in pieces:
        n = min(PIECE, off + length - pos)
        fill(buf, writer, gen, pos, n)
        os.pwrite(fd, memoryview(buf)[:n], pos)
        if 'sync' in opts:
            os.fsync(fd)
    os.fsync(fd)
    os.close(fd)


def do_loop(path, writer, gen, off, length, log):
    fd, buf = open_buf(path, os.O_WRONLY, True, PIECE)
    out = open(log, 'a', buffering=1)
    while True:
        for pos in range(off, off + length, PIECE):
            n = min(PIECE, off + length - pos)
            fill(buf, writer, gen, pos, n)
            out.write('start %d %d %.6f\n' % (gen, pos, time.monotonic()))
            os.pwrite(fd, memoryview(buf)[:n], pos)
            out.write('end %d %d %.6f\n' % (gen, pos, time.monotonic()))
        gen += 1


def parse_range(arg):
    where, pairs = arg.split('=')
    off, length = (size(x) for x in where.split(':'))
    allowed = {tuple(int(x) for x in p.split('.')) for p in pairs.split(',')}
    return off, length, allowed


def check_range(fd, buf, off, length, allowed, held):
    for pos in range(off, off + length, PIECE):
        n = min(PIECE, off + length - pos)
        got = os.preadv(fd, [memoryview(buf)[:n]], pos)
        if got != n:
            print('short read at %d: %d of %d' % (pos, got, n))
            return False
        for i in range(0, n, SECTOR):
            sector = (pos + i) // SECTOR
            who = parse(buf[i:i + SECTOR], sector)
            if who not in allowed:
                print('sector %d (byte %d): %s, want one of %s' %
                      (sector, sector * SECTOR, who, sorted(allowed)))
                return False
            held[who] = held.get(who, 0) + 1
    return True


def do_check(path, direct, ranges):
    fd, buf = open_buf(path, os.O_RDONLY, direct, PIECE)
    held = {}
    ok = all(check_range(fd, buf, *parse_range(r), held) for r in ranges)
    os.close(fd)
    print(' '.join('%d.%d:%d' % (w, g, n) for (w, g), n in sorted(held.items())))
    return ok


def main(argv):
    if len(argv) >= 7 and argv[1] == 'write':
        do_write(argv[2], int(argv[3]), int(argv[4]), size(argv[5]),
                 size(argv[6]), argv[7:])
        return 0
    if len(argv) == 8 and argv[1] == 'loop':
        do_loop(argv[2], int(argv[3]), int(argv[4]), size(argv[5]),
                size(argv[6]), argv[7])
        return 0
    if len(argv) >= 4 and argv[1] == 'check':
        direct = argv[3] == 'direct'
        return 0 if do_check(argv[2], direct, argv[3 + direct:]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
