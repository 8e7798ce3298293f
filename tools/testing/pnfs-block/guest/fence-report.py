#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""When a partitioned client stopped its layout I/O, from the trace.

  fence-report.py TRACE DEV T_CUT T_HEAL LOOPLOG LEASE

TRACE is the tracing buffer with trace_clock mono, DEV the client's
s_dev as the driver's events print it (MAJ:MIN in hex), T_CUT and
T_HEAL when its link went down and up (CLOCK_MONOTONIC), LOOPLOG the
"start|end GEN OFFSET TIME" lines of stamp.py loop, LEASE the server's
lease time in seconds.  The lease the
server holds for the client can have expired no earlier than the last
renewal the driver saw plus the lease; the first pnfs_block_lease_expiring
after the cut says when that renewal was (its renewed_ms_ago).  With no
refusal, the lease had expired by T_CUT + LEASE at the latest.

Prints key=value lines and, last, "verdict=ok" or "verdict=REASON".
"""

import re
import sys

TIME = re.compile(r' (\d+\.\d+): (pnfs_block_\w+): fileid=([0-9a-f]+:[0-9a-f]+):')


def events(path, dev, since, until):
    """(time, event, line) of the driver's events of DEV in (since, until)."""
    out = []
    with open(path) as f:
        for line in f:
            m = TIME.search(line)
            if m and m.group(3) == dev:
                t = float(m.group(1))
                if since < t < until:
                    out.append((t, m.group(2), line))
    return out


def field(line, name):
    return int(re.search(r' %s=(\d+)' % name, line).group(1))


def loop_writes(path, since):
    """Pieces that ended after SINCE, and the piece started last if it
    never ended (gen, offset)."""
    ended = 0
    last_end = None
    pending = None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 4:
                continue
            what, gen, off, t = parts[0], int(parts[1]), int(parts[2]), float(parts[3])
            if what == 'start':
                pending = (gen, off)
            elif what == 'end':
                pending = None
                if t > since:
                    ended += 1
                    last_end = t
    return ended, last_end, pending


def main(argv):
    if len(argv) != 7:
        print(__doc__, file=sys.stderr)
        return 2
    trace, dev, looplog = argv[1], argv[2], argv[5]
    cut, heal, lease_s = float(argv[3]), float(argv[4]), float(argv[6])
    evs = events(trace, dev, cut, heal)
    dones = [e[0] for e in evs if e[1] == 'pnfs_block_io']
    refusals = [e for e in evs if e[1] == 'pnfs_block_lease_expiring']
    ended, last_end, pending = loop_writes(looplog, cut)
    print('writes_after_cut=%d' % ended)
    if pending:
        print('in_flight=%d.%d' % pending)
    if not refusals:
        late = [t for t in dones if t > cut + lease_s]
        print('layout_io_after_expiry=%d last_done_after_cut_ms=%s' %
              (len(late), '%d' % ((max(dones) - cut) * 1000) if dones else '-'))
        print('verdict=no pnfs_block_lease_expiring after the cut')
        return 0
    t_ref, _, line = refusals[0]
    age, lease, margin = (field(line, n) for n in ('renewed_ms_ago', 'lease_ms', 'margin_ms'))
    renewal = t_ref - age / 1000
    expiry = renewal + lease / 1000
    subs = [e[0] for e in evs if e[1] == 'pnfs_block_io_submit']
    late = [t for t in subs if t > t_ref]
    print('renewed=%.3f cut=%.3f refused=%.3f expiry=%.3f' % (renewal, cut, t_ref, expiry))
    print('age_ms=%d lease_ms=%d margin_ms=%d' % (age, lease, margin))
    print('last_submit=%s last_done=%s last_write_end=%s submits_after_refusal=%d' %
          (max(subs) if subs else '-', max(dones) if dones else '-',
           '%.3f' % last_end if last_end else '-', len(late)))
    if dones:
        print('stopped_ms_after_renewal=%d ms_before_expiry=%d' %
              ((max(dones) - renewal) * 1000, (expiry - max(dones)) * 1000))
    if ended == 0:
        verdict = 'no layout write ended after the cut: the window was not exercised'
    elif not (lease - margin <= age < lease):
        verdict = 'refused at renewed_ms_ago=%d, not in [%d, %d)' % (age, lease - margin, lease)
    elif late:
        verdict = '%d pnfs_block_io_submit after the first refusal' % len(late)
    elif dones and max(dones) >= expiry:
        verdict = 'a layout I/O ended after the lease could have expired'
    elif last_end and last_end >= expiry:
        verdict = 'a write ended after the lease could have expired'
    else:
        verdict = 'ok'
    print('verdict=%s' % verdict)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
