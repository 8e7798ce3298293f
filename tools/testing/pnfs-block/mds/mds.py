#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A programmable pNFS block-layout metadata server for tests.

    mds.py --disk /dev/vdb --port 20049 [--meta FILE] [--control SOCK]

Serves NFSv4.1 (as a pNFS MDS handing out RFC 5663 block layouts) over
TCP; file data lives on --disk, the namespace and block maps in --meta.
"""

import argparse
import faulthandler
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fs import FileSystem               # noqa: E402
from nfs4server import NFS4Server       # noqa: E402
from control import ControlServer       # noqa: E402
from topology import Topology           # noqa: E402
from pnfs import scsi_designator_from_vpd  # noqa: E402
import rpc                              # noqa: E402

# SIGTERM and SIGINT stop the server.  They are blocked in every thread and
# taken synchronously by the main thread with sigtimedwait(): no Python
# signal handler runs at all.  A handler would run in the main thread at
# whatever bytecode boundary the signal found, and one that took a lock
# (threading.Event.set() takes the Event's Condition lock) deadlocked when
# the main thread already held that lock: inside stop.wait(1.0), which
# holds it around its own timed wait.  The server then never stopped.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
# What the last save on the way out waits for the server lock before it
# gives up, dumps every thread's stack and exits non-zero.
SHUTDOWN_LOCK_WAIT = 20.0


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--disk', help='block device (or file) for data: one SIMPLE volume')
    ap.add_argument('--topology', help='JSON volume topology instead of --disk (topology.py)')
    ap.add_argument('--meta', help='metadata JSON file (default: none, in memory)')
    ap.add_argument('--host', default='0.0.0.0')
    ap.add_argument('--port', type=int, default=20049)
    ap.add_argument('--control', help='Unix socket for the control channel')
    ap.add_argument('--blksize', type=int, default=4096)
    ap.add_argument('--lease', type=int, default=20)
    ap.add_argument('--grace', type=int, default=0,
                    help='grace period in seconds after start (reclaim only)')
    ap.add_argument('--no-direct', action='store_true', help='buffered disk I/O')
    ap.add_argument('--scsi', action='store_true',
                    help='hand out SCSI layouts (RFC 8154) instead of block layouts')
    ap.add_argument('--designator', help='SCSI designator as hex (default: from the '
                    "disk's VPD page 0x83 in sysfs)")
    ap.add_argument('--pr-key', type=lambda v: int(v, 0), default=0x5046_5342_4d44_5301,
                    help='reservation key the client registers (SCSI layouts)')
    ap.add_argument('--save-interval', type=float, default=1.0, metavar='SECONDS',
                    help='how often changed metadata is saved (default 1)')
    ap.add_argument('--verbose', '-v', action='store_true')
    args = ap.parse_args(argv)
    if bool(args.disk) == bool(args.topology):
        ap.error('give exactly one of --disk and --topology')
    return args


def scsi_params(args):
    """NFS4Server's scsi argument: None for block layouts."""
    if not args.scsi:
        return None
    if args.designator:
        dtype, desig = 3, bytes.fromhex(args.designator)
    else:
        dev = os.path.basename(os.path.realpath(args.disk))
        with open('/sys/block/%s/device/vpd_pg83' % dev, 'rb') as f:
            dtype, desig = scsi_designator_from_vpd(f.read())
    return dict(designator=desig, desig_type=dtype, pr_key=args.pr_key)


def wait_for_stop(fs, nfs, interval):
    """Save changed metadata every interval seconds until a stop signal;
    return the signal's siginfo."""
    while True:
        sig = signal.sigtimedwait(STOP_SIGNALS, interval)
        if sig is not None:
            return sig
        if fs.dirty:
            with nfs.lock:
                fs.save()


def final_save(fs, nfs):
    """The last flush and save, under the server lock if it comes within
    SHUTDOWN_LOCK_WAIT; else every thread's stack on stderr.  0 or 1."""
    if nfs.lock.acquire(timeout=SHUTDOWN_LOCK_WAIT):
        try:
            fs.flush()
            fs.save()
        finally:
            nfs.lock.release()
        return 0
    sys.stderr.write('mds: the server lock is still held after %gs: '
                     'metadata not saved; threads:\n' % SHUTDOWN_LOCK_WAIT)
    sys.stderr.flush()
    faulthandler.dump_traceback(all_threads=True)
    return 1


def main(argv=None):
    args = parse_args(argv)

    def log(msg):
        if args.verbose:
            sys.stderr.write('mds: %s\n' % msg)
            sys.stderr.flush()

    # Before any thread exists, so that every thread inherits the mask.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    # kill -USR1: every thread's stack on stderr (the harness asks for it
    # when the server does not stop).
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    topo = Topology.load(args.topology, not args.no_direct) if args.topology else None
    fs = FileSystem(args.disk, args.meta, args.blksize, not args.no_direct,
                    topology=topo)
    nfs = NFS4Server(fs, args.lease, log, args.grace, scsi_params(args))
    srv = rpc.RPCServer(args.host, args.port, log)
    nfs.register(srv)
    ctl = None
    if args.control:
        ctl = ControlServer(args.control, nfs)
        ctl.start()
    srv.start()
    sys.stderr.write('mds: serving %s on port %d (disk %s, %s I/O)\n'
                     % (args.host, srv.port, args.disk or args.topology,
                        'direct' if fs.disk.direct else 'buffered'))
    sys.stderr.flush()
    sig = wait_for_stop(fs, nfs, args.save_interval)
    log('signal %d: stopping' % sig.si_signo)
    srv.shutdown()
    if ctl:
        ctl.close()
    rc = final_save(fs, nfs)
    sys.stderr.write('mds: stopped\n')
    sys.stderr.flush()
    return rc


if __name__ == '__main__':
    sys.exit(main())
