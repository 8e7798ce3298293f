# SPDX-License-Identifier: GPL-2.0
"""The control channel: a Unix stream socket taking one command per line
and answering one JSON line.

  ping                 -> "pong"
  ops                  -> {op name: count} of every operation served
  oplog [N]            -> the last N [op, status] pairs
  reset-ops            -> clears both, and the LAYOUTERROR record
  layouterrors [N]     -> the arguments of the last N LAYOUTERROR
                       operations: stateid [seqid, other hex], offset,
                       length, errors [{devid hex, status, opnum}], and
                       the fileid and status they were answered with
  devices              -> the device IDs handed out, hex, in topology order
  faults               -> how many operations hit a server bug
  stat PATH            -> the inode's size, type and extents
  recall PATH          -> CB_LAYOUTRECALL of every layout on PATH
  states               -> what the server holds: clients, sessions, and
                       stateids by kind ("open", "lock", "layout", and
                       "recalling": layouts recalled, not yet returned)
  clone SRC DST        -> DST shares SRC's blocks (copy-on-write layouts)
  cow-order invalid-first|read-first -> order of a copy-on-write extent pair
  sha256 PATH          -> SHA-256 of the file read through the MDS path
  recall-any           -> CB_RECALL_ANY (block layouts) to every client
  layouts normal|unavailable|trylater|delay -> how LAYOUTGET answers from now on
  referring-calls on|off -> whether a CB_LAYOUTRECALL's CB_SEQUENCE names the
                       LAYOUTGETs of that layout it may overtake (on by
                       default; nfsd 6.12 names none)
  commit-delay SECONDS -> every LAYOUTCOMMIT from now on waits that long
                       (server lock dropped) before it is served
  commit-error STATUS [N] -> the next N (default 1) LAYOUTCOMMITs fail
                       with that NFS4ERR_ number
  pause SECONDS        -> every call from now on waits, unanswered, that
                       long (as over a partition); 0 ends a pause
  notify-device change|delete -> CB_NOTIFY_DEVICEID for every device
  device-sig OFFSET HEX | device-sig default -> the signature GETDEVICEINFO
                       names the volume by, from now on (a misconfigured
                       server's: the bytes of some other disk)
  fault OP KIND [N]    -> malform the next N replies to OP (see faults.py)
  fault list           -> the kinds known
  fault armed          -> {op: [kind, N left]} of the faults not yet used up
  fault injected       -> every [op, kind] injected so far, in order
  save                 -> write the metadata file now
"""

import hashlib
import json
import os
import socket
import threading

from fs import FSError
import faults


class ControlServer:
    def __init__(self, path, nfs):
        self.path, self.nfs = path, nfs
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)

    def start(self):
        threading.Thread(target=self._accept, daemon=True, name='control').start()

    def _accept(self):
        while True:
            try:
                s, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(s,), daemon=True).start()

    def _serve(self, s):
        f = s.makefile('rwb')
        try:
            for line in f:
                words = line.decode('utf-8', 'replace').split()
                if not words:
                    continue
                try:
                    res = self.command(words[0], words[1:])
                except (FSError, ValueError, KeyError, IndexError) as e:
                    res = {'error': str(e)}
                f.write(json.dumps(res).encode() + b'\n')
                f.flush()
        except OSError:
            pass
        finally:
            s.close()

    def _path(self, path):
        fs = self.nfs.fs
        ino = fs.root()
        for part in path.strip('/').split('/'):
            if part:
                ino = fs.lookup(ino, part.encode())
        return ino

    def command(self, cmd, args):
        """Run one command: the method cmd_<cmd> ('-' read as '_'), as
        the NFS server runs op_<operation> (nfs4server.py)."""
        handler = None if '_' in cmd else getattr(
            self, 'cmd_' + cmd.replace('-', '_'), None)
        if handler is None:
            return {'error': 'unknown command %s' % cmd}
        return handler(args)

    def cmd_ping(self, args):
        return 'pong'

    def cmd_ops(self, args):
        with self.nfs.lock:
            return dict(self.nfs.op_counts)

    def cmd_fault(self, args):
        """fault OP KIND [COUNT] | fault list | fault armed | fault injected"""
        nfs = self.nfs
        if args and args[0] == 'list':
            return faults.kinds()
        if args and args[0] == 'armed':
            with nfs.lock:
                return faults.armed(nfs)
        if args and args[0] == 'injected':
            with nfs.lock:
                return [list(f) for f in nfs.faults_injected]
        with nfs.lock:
            faults.arm(nfs, args[0], args[1], int(args[2]) if len(args) > 2 else 1)
        return 'ok'

    def cmd_faults(self, args):
        return self.nfs.faults

    def cmd_oplog(self, args):
        n = int(args[0]) if args else 100
        with self.nfs.lock:
            return list(self.nfs.op_log)[-n:]

    def cmd_reset_ops(self, args):
        nfs = self.nfs
        with nfs.lock:
            nfs.op_counts.clear()
            nfs.op_log.clear()
            nfs.layout_errors.clear()
        return 'ok'

    def cmd_layouterrors(self, args):
        n = int(args[0]) if args else 100
        with self.nfs.lock:
            return list(self.nfs.layout_errors)[-n:] if n else []

    def cmd_devices(self, args):
        with self.nfs.lock:
            return [d.hex() for d in self.nfs.layouts.device_ids()]

    def cmd_stat(self, args):
        with self.nfs.lock:
            ino = self._path(args[0])
            return dict(fileid=ino.fileid, type=ino.type, size=ino.size,
                        nlink=ino.nlink, mode=ino.mode,
                        extents=ino.extents.to_json() if ino.extents else None)

    def cmd_recall(self, args):
        with self.nfs.lock:
            ino = self._path(args[0])
        return self.nfs.recall_file(ino)

    def cmd_states(self, args):
        nfs = self.nfs
        with nfs.lock:
            held = dict(clients=len(nfs.clients), sessions=len(nfs.sessions),
                        open=0, lock=0, layout=0, recalling=0)
            for st in nfs.states.by_other.values():
                held[st.kind] += 1
                held['recalling'] += st.kind == 'layout' and st.recalling
            return held

    def cmd_sha256(self, args):
        """The file's bytes as the MDS READ path sees them."""
        h = hashlib.sha256()
        with self.nfs.lock:
            ino = self._path(args[0])
            off = 0
            while off < ino.size:
                data, _ = self.nfs.fs.read(ino, off, 1 << 20)
                h.update(data)
                off += len(data)
        return h.hexdigest()

    def cmd_clone(self, args):
        """clone SRC DST: DST shares SRC's blocks, copy-on-write.  RW
        layouts on SRC name those blocks as plain data: recall them."""
        nfs = self.nfs
        with nfs.lock:
            src = self._path(args[0])
        nfs.recall_file(src)
        with nfs.lock:
            src = self._path(args[0])
            parent, _, name = args[1].strip('/').rpartition('/')
            ino = nfs.fs.clone(src, self._path(parent), name.encode(),
                               src.uid, src.gid)
            return ino.fileid

    def cmd_cow_order(self, args):
        """cow-order invalid-first|read-first: extent order of a pair."""
        if args[0] not in ('invalid-first', 'read-first'):
            raise ValueError('cow-order invalid-first|read-first')
        with self.nfs.lock:
            self.nfs.layouts.cow_read_first = args[0] == 'read-first'
        return 'ok'

    def cmd_layouts(self, args):
        nfs = self.nfs
        if args[0] not in nfs.LAYOUT_POLICIES:
            raise ValueError('policy must be one of %s' % (nfs.LAYOUT_POLICIES,))
        with nfs.lock:
            nfs.layout_policy = args[0]
        return 'ok'

    def cmd_referring_calls(self, args):
        if args not in (['on'], ['off']):
            raise ValueError('referring-calls on|off')
        with self.nfs.lock:
            self.nfs.referring_calls = args[0] == 'on'
        return 'ok'

    def cmd_commit_delay(self, args):
        nfs = self.nfs
        delay = float(args[0])
        if not 0 <= delay <= 600:
            raise ValueError('commit-delay SECONDS: 0 to 600')
        with nfs.lock:
            nfs.commit_delay = delay
        return 'ok'

    def cmd_commit_error(self, args):
        nfs = self.nfs
        status, n = int(args[0]), int(args[1]) if len(args) > 1 else 1
        if status <= 0 or n < 0:
            raise ValueError('commit-error STATUS [N]: an error, N >= 0')
        with nfs.lock:
            nfs.commit_error = [status, n]
        return 'ok'

    def cmd_pause(self, args):
        seconds = float(args[0])
        if not 0 <= seconds <= 600:
            raise ValueError('pause SECONDS: 0 to 600')
        self.nfs.rpcserver.pause(seconds)
        return 'ok'

    def cmd_recall_any(self, args):
        return self.nfs.recall_any()

    def cmd_notify_device(self, args):
        kind = {'change': 1, 'delete': 2}[args[0] if args else 'change']
        return self.nfs.notify_device(kind)

    def cmd_device_sig(self, args):
        if args == ['default']:
            sig = None
        else:
            sig = [(int(args[0], 0), bytes.fromhex(args[1]))]
            if not sig[0][1]:
                raise ValueError('device-sig OFFSET HEX: empty signature')
        with self.nfs.lock:
            self.nfs.layouts.set_signature(sig)
        return 'ok'

    def cmd_save(self, args):
        with self.nfs.lock:
            self.nfs.fs.save()
        return 'ok'

    def close(self):
        self.sock.close()
        try:
            os.unlink(self.path)
        except OSError:
            pass
