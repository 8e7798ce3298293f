# SPDX-License-Identifier: GPL-2.0
"""COMPOUNDs driven through the in-process client against a file-backed
disk: sessions, the slot reply cache, ordinary file work and pNFS."""

import os
import tempfile
import threading
import time
import unittest

import blocklayout as bl
import client as C
import control
from fs import FileSystem, SIG_OFFSET, DATA_START
from nfs4server import NFS4Server
import nfs4const as c
from xdr import Unpacker

DISK_SIZE = 64 << 20


class ServerCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.disk = os.path.join(self.tmp.name, 'disk')
        with open(self.disk, 'wb') as f:
            f.truncate(DISK_SIZE)
        self.meta = os.path.join(self.tmp.name, 'meta.json')
        self.start_server()
        self.cl = C.NFS4Client(self.srv)
        self.cl.setup()

    def start_server(self):
        self.fs = FileSystem(self.disk, self.meta, direct=False)
        self.srv = NFS4Server(self.fs)

    def ok(self, ops):
        st, res = self.cl.session_compound(ops)
        self.assertEqual(st, c.NFS4_OK, [(c.OP_NAMES.get(o), c.ERR_NAMES.get(s))
                                         for o, s, _ in res])
        return [r[2] for r in res[1:]]

    def status(self, ops):
        st, res = self.cl.session_compound(ops)
        return st

    def create_file(self, name):
        r = self.ok([C.putrootfh(), C.open_create(self.cl.clientid, b'o1', name),
                     C.getfh()])
        return r[1]['stateid'], r[2]


class SessionTest(ServerCase):
    def test_exchange_id_flags(self):
        st, res = self.cl.compound([C.exchange_id(b'another')])
        self.assertEqual(st, c.NFS4_OK)
        r = res[0][2]
        self.assertTrue(r['flags'] & c.EXCHGID4_FLAG_USE_PNFS_MDS)
        self.assertFalse(r['flags'] & c.EXCHGID4_FLAG_CONFIRMED_R)
        self.assertEqual(r['seq'], 1)
        # The confirmed client sees CONFIRMED_R on a repeat.
        st, res = self.cl.compound([C.exchange_id(self.owner_of(self.cl))])

    def owner_of(self, cl):
        return self.srv.clients[cl.clientid].owner

    def test_confirmed_repeat(self):
        st, res = self.cl.compound([C.exchange_id(self.owner_of(self.cl))])
        self.assertTrue(res[0][2]['flags'] & c.EXCHGID4_FLAG_CONFIRMED_R)
        self.assertEqual(res[0][2]['clientid'], self.cl.clientid)

    def test_create_session_replay_and_misorder(self):
        st, res = self.cl.compound([C.exchange_id(b'cs-client')])
        eid = res[0][2]
        op = C.create_session(eid['clientid'], eid['seq'])
        st1, r1 = self.cl.compound([op])
        st2, r2 = self.cl.compound([op])
        self.assertEqual((st1, st2), (c.NFS4_OK, c.NFS4_OK))
        self.assertEqual(r1[0][2]['sid'], r2[0][2]['sid'])
        st, _ = self.cl.compound([C.create_session(eid['clientid'], eid['seq'] + 5)])
        self.assertEqual(st, c.NFS4ERR_SEQ_MISORDERED)

    def test_sequence_replay_cache(self):
        cl = self.cl
        ops = [C.sequence(cl.sid, 1), C.putrootfh(),
               C.create_dir(b'once')]
        first = cl.raw_compound(ops)
        again = cl.raw_compound(ops)
        # The retransmission gets the cached reply byte for byte, and the
        # CREATE did not run twice (a second run would answer EXIST).
        self.assertEqual(first, again)
        self.assertEqual(cl.decode(ops, again)[0], c.NFS4_OK)
        st, _ = cl.compound([C.sequence(cl.sid, 3), C.putrootfh()])
        self.assertEqual(st, c.NFS4ERR_SEQ_MISORDERED)
        st, _ = cl.compound([C.sequence(cl.sid, 2), C.putrootfh(),
                             C.create_dir(b'once')])
        self.assertEqual(st, c.NFS4ERR_EXIST)
        st, _ = cl.compound([C.sequence(cl.sid, 1, slot=99)])
        self.assertEqual(st, c.NFS4ERR_BADSLOT)
        st, _ = cl.compound([C.sequence(b'x' * 16, 1)])
        self.assertEqual(st, c.NFS4ERR_BADSESSION)

    def test_session_rules(self):
        st, res = self.cl.compound([C.putrootfh()])
        self.assertEqual(st, c.NFS4ERR_OP_NOT_IN_SESSION)
        st, res = self.cl.session_compound([C.putrootfh(), C.sequence(self.cl.sid, 9)])
        self.assertEqual(st, c.NFS4ERR_SEQUENCE_POS)

    def test_unsupported_and_illegal(self):
        st, res = self.cl.session_compound([C.putrootfh(), C.raw(c.OP_OPENATTR, b'\0' * 4)])
        self.assertEqual(st, c.NFS4ERR_NOTSUPP)
        self.assertEqual(res[-1][0], c.OP_OPENATTR)
        st, res = self.cl.session_compound([C.raw(9999)])
        self.assertEqual(st, c.NFS4ERR_OP_ILLEGAL)
        self.assertEqual(res[-1][0], c.OP_ILLEGAL)
        # Garbage arguments: BADXDR, not a crash.
        st, res = self.cl.session_compound([C.putrootfh(), C.raw(c.OP_LOOKUP, b'\0\0')])
        self.assertEqual(st, c.NFS4ERR_BADXDR)
        st = self.cl.decode([], self.cl.raw_compound([], minor=0))[0]
        self.assertEqual(st, c.NFS4ERR_MINOR_VERS_MISMATCH)
        st = self.cl.decode([], self.cl.raw_compound([], minor=3))[0]
        self.assertEqual(st, c.NFS4ERR_MINOR_VERS_MISMATCH)
        # READ_PLUS: illegal in 4.1, not supported in 4.2.
        st, res = self.cl.session_compound([C.putrootfh(), C.raw(c.OP_READ_PLUS)])
        self.assertEqual((st, res[-1][0]), (c.NFS4ERR_OP_ILLEGAL, c.OP_ILLEGAL))
        self.cl.seq += 1
        ops = [C.sequence(self.cl.sid, self.cl.seq), C.putrootfh(), C.raw(c.OP_READ_PLUS)]
        st, res = self.cl.decode(ops, self.cl.raw_compound(ops, minor=2))
        self.assertEqual((st, res[-1][0]), (c.NFS4ERR_NOTSUPP, c.OP_READ_PLUS))


    def test_handler_bug_is_serverfault(self):
        def boom(cx, u):
            raise RuntimeError('planted')
        self.srv.op_getfh = boom
        st, res = self.cl.session_compound([C.putrootfh(), C.getfh()])
        self.assertEqual(st, c.NFS4ERR_SERVERFAULT)
        self.assertEqual(self.srv.faults, 1)
        # The session still works.
        self.assertEqual(self.status([C.putrootfh()]), c.NFS4_OK)


class FileTest(ServerCase):
    def test_open_write_read_close(self):
        sid, fh = self.create_file(b'f')
        data = os.urandom(10000)
        r = self.ok([C.putfh(fh), C.write(sid, 5000, data)])
        self.assertEqual(r[1][0], len(data))
        r = self.ok([C.putfh(fh), C.read(sid, 0, 20000)])
        eof, got = r[1]
        self.assertTrue(eof)
        self.assertEqual(got, b'\0' * 5000 + data)
        r = self.ok([C.putfh(fh), C.getattr_([c.FATTR4_SIZE, c.FATTR4_TYPE])])
        attrs, vals = r[1]
        self.assertEqual(attrs, {c.FATTR4_TYPE, c.FATTR4_SIZE})
        u = Unpacker(vals)
        self.assertEqual((u.u32(), u.u64()), (c.NF4REG, 15000))
        # The bytes are really on the disk, in the data area.
        ino = self.fs.lookup(self.fs.root(), b'f')
        run = ino.extents.runs[0]
        self.assertEqual(run[0], 4096)      # block 0 stays a hole
        self.assertGreaterEqual(run[2], DATA_START)
        with open(self.disk, 'rb') as f:
            f.seek(run[2] + 5000 - 4096)
            self.assertEqual(f.read(len(data)), data)
        r = self.ok([C.putfh(fh), C.close(sid)])
        self.assertEqual(self.status([C.putfh(fh), C.read(sid, 0, 1)]),
                         c.NFS4ERR_BAD_STATEID)

    def test_open_modes(self):
        self.create_file(b'g')
        st = self.status([C.putrootfh(), C.open_create(self.cl.clientid, b'o2', b'g',
                                                       mode=c.GUARDED4)])
        self.assertEqual(st, c.NFS4ERR_EXIST)
        r = self.ok([C.putrootfh(), C.open_create(self.cl.clientid, b'o3', b'x',
                                                  mode=c.EXCLUSIVE4_1, verf=b'1' * 8)])
        # A retransmitted exclusive create with the same verifier succeeds.
        self.ok([C.putrootfh(), C.open_create(self.cl.clientid, b'o3', b'x',
                                              mode=c.EXCLUSIVE4_1, verf=b'1' * 8)])
        st = self.status([C.putrootfh(), C.open_create(self.cl.clientid, b'o3', b'x',
                                                       mode=c.EXCLUSIVE4_1, verf=b'2' * 8)])
        self.assertEqual(st, c.NFS4ERR_EXIST)

    def test_read_only_open_cannot_write(self):
        sid, fh = self.create_file(b'ro')
        r = self.ok([C.putrootfh(), C.open_create(self.cl.clientid, b'r', b'ro',
                                                  access=c.OPEN4_SHARE_ACCESS_READ)])
        rsid = r[1]['stateid']
        self.assertEqual(self.status([C.putfh(fh), C.write(rsid, 0, b'x')]),
                         c.NFS4ERR_OPENMODE)

    def test_readdir_cookies(self):
        names = [b'n%03d' % i for i in range(60)]
        for n in names:
            self.ok([C.putrootfh(), C.create_dir(n)])
        got, cookie, rounds = [], 0, 0
        while True:
            ents, eof = self.ok([C.putrootfh(), C.readdir(cookie, maxcount=600)])[1]
            got += [e[1] for e in ents]
            rounds += 1
            if eof:
                break
            cookie = ents[-1][0]
        self.assertEqual(got, names)
        self.assertGreater(rounds, 2)
        self.assertEqual(self.status([C.putrootfh(), C.readdir(0, maxcount=30)]),
                         c.NFS4ERR_TOOSMALL)
        self.ok([C.putrootfh(), C.remove(b'n000')])
        self.assertEqual(self.status([C.putrootfh(), C.lookup(b'n000')]),
                         c.NFS4ERR_NOENT)

    def test_namespace_ops(self):
        self.ok([C.putrootfh(), C.create_dir(b'dir')])
        self.ok([C.putrootfh(), C.lookup(b'dir'), C.create_symlink(b'ln', b'../t')])
        r = self.ok([C.putrootfh(), C.lookup(b'dir'), C.lookup(b'ln'), C.readlink()])
        self.assertEqual(r[3], b'../t')
        self.assertEqual(self.status([C.putrootfh(), C.lookup(b'dir'), C.lookup(b'ln'),
                                      C.lookup(b'x')]), c.NFS4ERR_SYMLINK)
        sid, fh = self.create_file(b'f')
        # LINK: saved = the file, current = the target directory.
        self.ok([C.putfh(fh), C.savefh(), C.putrootfh(), C.lookup(b'dir'), C.link(b'f2')])
        self.assertEqual(self.fs.lookup(self.fs.root(), b'f').nlink, 2)
        # RENAME across directories: saved = source dir.
        self.ok([C.putrootfh(), C.savefh(), C.lookup(b'dir'), C.rename(b'f', b'f3')])
        root = self.fs.root()
        d = self.fs.lookup(root, b'dir')
        self.assertNotIn(b'f', root.entries)
        self.assertEqual(sorted(d.entries), [b'f2', b'f3', b'ln'])
        r = self.ok([C.putrootfh(), C.lookup(b'dir'), C.lookupp(), C.getfh()])
        self.assertEqual(r[3], self.fs.fh(root))
        self.assertEqual(self.status([C.putrootfh(), C.lookupp()]), c.NFS4ERR_NOENT)
        self.assertEqual(self.status([C.putrootfh(), C.remove(b'dir')]), c.NFS4ERR_NOTEMPTY)
        # A directory cannot move under itself.
        self.ok([C.putrootfh(), C.lookup(b'dir'), C.create_dir(b'sub')])
        self.assertEqual(self.status([C.putrootfh(), C.savefh(), C.lookup(b'dir'),
                                      C.lookup(b'sub'), C.rename(b'dir', b'x')]),
                         c.NFS4ERR_INVAL)

    def test_truncate_then_extend_reads_zeros(self):
        sid, fh = self.create_file(b't')
        self.ok([C.putfh(fh), C.write(sid, 0, b'\xab' * 10000)])
        self.ok([C.putfh(fh), C.setattr_size(sid, 5000)])
        self.ok([C.putfh(fh), C.setattr_size(sid, 20000)])
        r = self.ok([C.putfh(fh), C.read(sid, 0, 30000)])
        self.assertEqual(r[1], (True, b'\xab' * 5000 + b'\0' * 15000))
        ino = self.fs.lookup(self.fs.root(), b't')
        self.assertEqual(ino.extents.used_bytes(), 8192)

    def test_restart_keeps_data(self):
        sid, fh = self.create_file(b'keep')
        self.ok([C.putfh(fh), C.write(sid, 0, b'persist' * 1000), C.commit()])
        self.fs.disk.close()
        self.start_server()
        self.cl = C.NFS4Client(self.srv)
        self.cl.setup()
        r = self.ok([C.putfh(fh), C.read((0, b'\0' * 12), 0, 7000)])
        self.assertEqual(r[1][1], b'persist' * 1000)

    def test_byte_range_locks(self):
        sid, fh = self.create_file(b'l')
        cid = self.cl.clientid
        r = self.ok([C.putrootfh(), C.open_create(cid, b'o2', b'l')])
        sid2 = r[1]['stateid']
        lk1 = self.ok([C.putfh(fh), C.lock(c.WRITE_LT, 100, 50, sid, cid, b'L1')])[1]
        self.assertEqual(lk1[0], 1)
        # Another owner: overlapping write lock denied, with the holder named.
        st, res = self.cl.session_compound([C.putfh(fh),
                                            C.lock(c.READ_LT, 120, 10, sid2, cid, b'L2')])
        self.assertEqual(st, c.NFS4ERR_DENIED)
        self.assertEqual(self.status([C.putfh(fh), C.lockt(c.READ_LT, 0, 101, cid, b'L2')]),
                         c.NFS4ERR_DENIED)
        self.ok([C.putfh(fh), C.lockt(c.WRITE_LT, 150, c.NFS4_UINT64_MAX, cid, b'L2')])
        self.ok([C.putfh(fh), C.lockt(c.WRITE_LT, 100, 50, cid, b'L1')])
        # Unlock the middle: the ends stay locked.
        lk1 = self.ok([C.putfh(fh), C.locku(lk1, 110, 20)])[1]
        self.assertEqual(lk1[0], 2)
        self.ok([C.putfh(fh), C.lock(c.READ_LT, 115, 10, sid2, cid, b'L2')])
        self.assertEqual(self.status([C.putfh(fh), C.lockt(c.READ_LT, 100, 1, cid, b'L2')]),
                         c.NFS4ERR_DENIED)
        self.assertEqual(self.status([C.putfh(fh), C.lock(c.WRITE_LT, 0, 0, sid, cid, b'L1')]),
                         c.NFS4ERR_INVAL)

    def test_restart_grace_period(self):
        sid, fh = self.create_file(b'gr')
        self.ok([C.putfh(fh), C.write(sid, 0, b'x' * 5000), C.commit()])
        self.fs.disk.close()
        self.fs = FileSystem(self.disk, self.meta, direct=False)
        self.srv = NFS4Server(self.fs, grace=30)
        self.cl = C.NFS4Client(self.srv)
        self.cl.setup()
        cid = self.cl.clientid
        self.assertEqual(self.status([C.putrootfh(), C.open_create(cid, b'n', b'new')]),
                         c.NFS4ERR_GRACE)
        r = self.ok([C.putfh(fh), C.open_previous(cid, b'o1')])
        rsid = r[1]['stateid']
        self.assertEqual(self.status([C.putfh(fh), C.layoutget(
            rsid, c.LAYOUTIOMODE4_READ, 0, 4096)]), c.NFS4ERR_GRACE)
        self.ok([C.reclaim_complete()])
        self.assertEqual(self.status([C.putfh(fh), C.open_previous(cid, b'o2')]),
                         c.NFS4ERR_NO_GRACE)
        r = self.ok([C.putfh(fh), C.read(rsid, 0, 10000)])
        self.assertEqual(r[1], (True, b'x' * 5000))
        self.srv.grace_end = 0
        self.ok([C.putrootfh(), C.open_create(cid, b'n', b'new')])
        self.assertEqual(self.status([C.putfh(fh), C.open_previous(cid, b'o3')]),
                         c.NFS4ERR_NO_GRACE)


class PNFSTest(ServerCase):
    def test_fs_layout_attrs(self):
        r = self.ok([C.putrootfh(), C.getattr_([c.FATTR4_FS_LAYOUT_TYPES,
                                                c.FATTR4_LAYOUT_BLKSIZE])])
        attrs, vals = r[1]
        u = Unpacker(vals)
        self.assertEqual(u.array(u.u32), [c.LAYOUT4_BLOCK_VOLUME])
        self.assertEqual(u.u32(), 4096)

    def test_layout_write_commit_read(self):
        sid, fh = self.create_file(b'p')
        r = self.ok([C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 1 << 20, 4096)])
        lg = r[1]
        self.assertFalse(lg['roc'])
        self.assertEqual(lg['stateid'][0], 1)
        (off, length, iomode, ltype, body), = lg['layouts']
        self.assertEqual((off, length, iomode, ltype),
                         (0, 1 << 20, c.LAYOUTIOMODE4_RW, c.LAYOUT4_BLOCK_VOLUME))
        ext = bl.decode_layout(body)
        self.assertEqual(len(ext), 1)
        self.assertEqual(ext[0].state, c.PNFS_BLOCK_INVALID_DATA)
        self.assertEqual((ext[0].foff, ext[0].length), (0, 1 << 20))
        self.check_simple_device(ext[0].devid)
        # The client writes through the layout (here: straight to the disk)
        data = os.urandom(8192)
        with open(self.disk, 'r+b') as f:
            f.seek(ext[0].soff + 4096)
            f.write(data)
        # Before LAYOUTCOMMIT: a READ layout calls the range NONE, MDS
        # reads see zeros (INVALID reads as zeros).
        r = self.ok([C.putfh(fh), C.read(sid, 0, 100)])
        self.assertEqual(r[1], (True, b''))
        upd = bl.encode_layoutupdate([bl.Extent(ext[0].devid, 4096, 8192,
                                                ext[0].soff + 4096, 0)])
        r = self.ok([C.putfh(fh), C.layoutcommit(lg['stateid'], 4096, 8192, 12287, upd)])
        self.assertEqual(r[1], 12288)
        r = self.ok([C.putfh(fh), C.read(sid, 0, 20000)])
        self.assertEqual(r[1], (True, b'\0' * 4096 + data))
        stateid = self.check_read_layouts(sid, fh)
        self.assertEqual(stateid[0], 3)
        r = self.ok([C.putfh(fh), C.layoutreturn(stateid)])
        self.assertIsNone(r[1])

    def check_simple_device(self, devid):
        """GETDEVICEINFO names one SIMPLE volume whose signature is on disk."""
        r = self.ok([C.getdeviceinfo(devid)])
        ltype, addr, notify = r[0]
        u = Unpacker(addr)
        self.assertEqual((u.u32(), u.u32(), u.u32()), (1, c.PNFS_BLOCK_VOLUME_SIMPLE, 1))
        sig_off, sig = u.i64(), u.opaque()
        with open(self.disk, 'rb') as f:
            f.seek(sig_off)
            self.assertEqual(f.read(len(sig)), sig)
        self.assertEqual(sig_off, SIG_OFFSET)

    def check_read_layouts(self, sid, fh):
        """After test_layout_write_commit_read's commit of 8 KiB at 4 KiB:
        the READ layouts of the whole file and of a range past EOF; the
        layout stateid of the second."""
        r = self.ok([C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_READ, 0,
                                              c.NFS4_UINT64_MAX, 0)])
        states = [(e.foff, e.length, e.state) for e in
                  bl.decode_layout(r[1]['layouts'][0][4])]
        self.assertEqual(states, [(0, 4096, c.PNFS_BLOCK_NONE_DATA),
                                  (4096, 8192, c.PNFS_BLOCK_READ_DATA),
                                  (12288, (256 << 20) - 12288, c.PNFS_BLOCK_NONE_DATA)])
        # A READ layout past EOF covers the range asked for, as NONE.
        r = self.ok([C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_READ, 1 << 20,
                                              1 << 20, 0)])
        (off, length, _, _, body), = r[1]['layouts']
        self.assertEqual((off, length), (1 << 20, 1 << 20))
        self.assertEqual([(e.foff, e.length, e.state) for e in bl.decode_layout(body)],
                         [(1 << 20, 1 << 20, c.PNFS_BLOCK_NONE_DATA)])
        return r[1]['stateid']

    def test_mds_write_into_uncommitted_block_zeroes_the_rest(self):
        sid, fh = self.create_file(b'z')
        lg = self.ok([C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 8192, 8192)])[1]
        ext = bl.decode_layout(lg['layouts'][0][4])[0]
        # Stale bytes in the allocated but uncommitted blocks.
        with open(self.disk, 'r+b') as f:
            f.seek(ext.soff)
            f.write(b'\xee' * 8192)
        self.ok([C.putfh(fh), C.write(sid, 100, b'abc')])
        r = self.ok([C.putfh(fh), C.read(sid, 0, 8192)])
        self.assertEqual(r[1], (True, b'\0' * 100 + b'abc'))
        with open(self.disk, 'rb') as f:
            f.seek(ext.soff)
            self.assertEqual(f.read(4096), b'\0' * 100 + b'abc' + b'\0' * 3993)

    def test_layoutcommit_rejects_foreign_extent(self):
        sid, fh = self.create_file(b'q')
        lg = self.ok([C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 8192, 8192)])[1]
        ext = bl.decode_layout(lg['layouts'][0][4])[0]
        upd = bl.encode_layoutupdate([bl.Extent(ext.devid, 0, 4096, ext.soff + 8192, 0)])
        st = self.status([C.putfh(fh), C.layoutcommit(lg['stateid'], 0, 4096, 4095, upd)])
        self.assertEqual(st, c.NFS4ERR_BADLAYOUT)

    def test_layoutcommit_storage_offset_zero_like_linux(self):
        sid, fh = self.create_file(b'lx')
        lg = self.ok([C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 8192, 8192)])[1]
        ext = bl.decode_layout(lg['layouts'][0][4])[0]
        upd = bl.encode_layoutupdate([bl.Extent(ext.devid, 0, 8192, 0, 0)])
        r = self.ok([C.putfh(fh), C.layoutcommit(lg['stateid'], 0, 8192, 8191, upd)])
        self.assertEqual(r[1], 8192)
        ino = self.fs.lookup(self.fs.root(), b'lx')
        self.assertEqual(ino.extents.runs, [[0, 8192, ext.soff, 'rw']])

    def test_64k_blocks(self):
        self.fs.disk.close()
        self.fs = FileSystem(self.disk, None, blksize=65536, direct=False)
        self.srv = NFS4Server(self.fs)
        self.cl = C.NFS4Client(self.srv)
        self.cl.setup()
        r = self.ok([C.putrootfh(), C.getattr_([c.FATTR4_LAYOUT_BLKSIZE,
                                                c.FATTR4_LAYOUT_ALIGNMENT])])
        u = Unpacker(r[1][1])
        self.assertEqual((u.u32(), u.u32()), (65536, 65536))
        sid, fh = self.create_file(b'big')
        # Like nfsd: an offset inside a block gets no layout.
        st, _ = self.cl.session_compound(
            [C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 70000, 10, 10)])
        self.assertEqual(st, c.NFS4ERR_LAYOUTUNAVAILABLE)
        lg = self.ok([C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 65536, 10, 10)])[1]
        (off, length, _, _, body), = lg['layouts']
        self.assertEqual((off, length), (65536, 65536))
        e, = bl.decode_layout(body)
        self.assertEqual((e.foff % 65536, e.length, e.soff % 65536), (0, 65536, 0))
        # An MDS write of 3 bytes allocates and zeroes one whole 64 KiB block.
        self.ok([C.putfh(fh), C.write(sid, 200000, b'abc')])
        ino = self.fs.lookup(self.fs.root(), b'big')
        self.assertEqual(ino.extents.used_bytes(), 2 * 65536)

    def test_layout_policies(self):
        sid, fh = self.create_file(b'pol')
        lg = C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 4096, 4096)
        for policy, want in (('unavailable', c.NFS4ERR_LAYOUTUNAVAILABLE),
                             ('trylater', c.NFS4ERR_LAYOUTTRYLATER),
                             ('delay', c.NFS4ERR_DELAY), ('normal', c.NFS4_OK)):
            self.srv.layout_policy = policy
            self.assertEqual(self.status([C.putfh(fh), lg]), want, policy)
        # TRYLATER carries will_signal_layout_avail = false.
        self.srv.layout_policy = 'trylater'
        raw = self.cl.raw_compound([C.sequence(self.cl.sid, self.cl.seq + 1),
                                    C.putfh(fh), lg])
        self.cl.seq += 1
        self.assertEqual(raw[-8:], (c.NFS4ERR_LAYOUTTRYLATER).to_bytes(4, 'big') + b'\0' * 4)

    def test_commit_delay_and_error(self):
        # commit-delay: a LAYOUTCOMMIT waits without the server lock (so
        # a recall can go out meanwhile), then is served as usual.
        sid, fh = self.create_file(b'cd')
        r = self.ok([C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 4096, 4096)])
        lsid = r[1]['stateid']
        ext = bl.decode_layout(r[1]['layouts'][0][4])[0]
        upd = bl.encode_layoutupdate([bl.Extent(ext.devid, 0, 4096, ext.soff, 0)])
        self.srv.commit_delay = 0.5
        done = []
        t = threading.Thread(target=lambda: done.append(self.ok(
            [C.putfh(fh), C.layoutcommit(lsid, 0, 4096, 4095, upd)])))
        t.start()
        time.sleep(0.1)
        got = self.srv.lock.acquire(timeout=0.3)
        if got:
            self.srv.lock.release()
        self.assertTrue(got, 'server lock held through the delay')
        self.assertFalse(done)
        t.join(5)
        self.assertEqual(done[0][1], 4096)
        # commit-error: the next LAYOUTCOMMIT fails, the one after works.
        self.srv.commit_delay = 0
        self.srv.commit_error = [c.NFS4ERR_SERVERFAULT, 1]
        commit = [C.putfh(fh), C.layoutcommit(lsid, 0, 4096, 4095, upd)]
        self.assertEqual(self.status(commit), c.NFS4ERR_SERVERFAULT)
        self.assertEqual(self.status(commit), c.NFS4_OK)

    def test_getdeviceinfo_errors(self):
        self.assertEqual(self.status([C.getdeviceinfo(b'\0' * 16)]), c.NFS4ERR_NOENT)
        devid = self.srv.layouts.devid
        self.assertEqual(self.status([C.getdeviceinfo(devid, maxcount=16)]),
                         c.NFS4ERR_TOOSMALL)

    def test_layoutget_maxcount_toosmall(self):
        sid, fh = self.create_file(b's')
        st = self.status([C.putfh(fh), C.layoutget(sid, c.LAYOUTIOMODE4_RW, 0, 4096, 4096,
                                                   maxcount=40)])
        self.assertEqual(st, c.NFS4ERR_TOOSMALL)


class LayoutErrorTest(ServerCase):
    """LAYOUTERROR (RFC 7862 section 15.6): decoded, checked against the
    file's layout stateid, recorded for the control socket."""

    def setUp(self):
        super().setUp()
        self.sid, self.fh = self.create_file(b'le')
        lg = self.ok([C.putfh(self.fh), C.layoutget(self.sid, c.LAYOUTIOMODE4_RW,
                                                    0, 1 << 20, 4096)])[1]
        self.lsid = lg['stateid']
        self.devid = bl.decode_layout(lg['layouts'][0][4])[0].devid
        self.ctl = control.ControlServer.__new__(control.ControlServer)
        self.ctl.nfs = self.srv

    def lerr(self, sid, off, length, errors, minor=2):
        return self.cl.session_compound(
            [C.putfh(self.fh), C.layouterror(sid, off, length, errors)], minor=minor)

    def test_recorded(self):
        other = b'\x01' * 16
        st, res = self.lerr(self.lsid, 1 << 20, 4 << 20,
                            [(self.devid, c.NFS4ERR_IO, c.OP_WRITE),
                             (other, c.NFS4ERR_NXIO, c.OP_READ)])
        self.assertEqual((st, res[-1][0]), (c.NFS4_OK, c.OP_LAYOUTERROR))
        self.assertEqual(self.srv.op_counts['LAYOUTERROR'], 1)
        rec, = self.ctl.command('layouterrors', [])
        self.assertEqual(rec, dict(
            stateid=[self.lsid[0], self.lsid[1].hex()], offset=1 << 20,
            length=4 << 20, fileid=self.srv.fs.lookup(self.srv.fs.root(), b'le').fileid,
            answered=c.NFS4_OK,
            errors=[dict(devid=self.devid.hex(), status=c.NFS4ERR_IO, opnum=c.OP_WRITE),
                    dict(devid=other.hex(), status=c.NFS4ERR_NXIO, opnum=c.OP_READ)]))
        self.assertEqual(self.ctl.command('devices', []), [self.devid.hex()])
        self.ctl.command('reset-ops', [])
        self.assertEqual(self.ctl.command('layouterrors', []), [])

    def test_states_counted(self):
        held = self.ctl.command('states', [])
        self.assertEqual(held, dict(clients=1, sessions=1, open=1, lock=0,
                                    layout=1, recalling=0))
        self.ok([C.putfh(self.fh), C.layoutreturn(self.lsid)])
        self.assertEqual(self.ctl.command('states', [])['layout'], 0)

    def test_only_in_42(self):
        st, res = self.lerr(self.lsid, 0, 4096, [(self.devid, c.NFS4ERR_IO, c.OP_WRITE)],
                            minor=1)
        self.assertEqual((st, res[-1][0]), (c.NFS4ERR_OP_ILLEGAL, c.OP_ILLEGAL))
        self.assertEqual(self.ctl.command('layouterrors', []), [])

    def test_bad_arguments_answered_and_recorded(self):
        # An open stateid is not a layout stateid.
        st, _ = self.lerr(self.sid, 0, 4096, [(self.devid, c.NFS4ERR_IO, c.OP_WRITE)])
        self.assertEqual(st, c.NFS4ERR_BAD_STATEID)
        st, _ = self.lerr(self.lsid, 0, 0, [(self.devid, c.NFS4ERR_IO, c.OP_WRITE)])
        self.assertEqual(st, c.NFS4ERR_INVAL)
        self.assertEqual([r['answered'] for r in self.ctl.command('layouterrors', [])],
                         [c.NFS4ERR_BAD_STATEID, c.NFS4ERR_INVAL])
        # Truncated arguments: BADXDR, nothing recorded.
        st, _ = self.cl.session_compound(
            [C.putfh(self.fh), C.raw(c.OP_LAYOUTERROR, b'\0' * 12)], minor=2)
        self.assertEqual(st, c.NFS4ERR_BADXDR)
        self.assertEqual(len(self.ctl.command('layouterrors', [])), 2)


class ControlTest(ServerCase):
    """The control socket's commands: the ones its docstring lists, each
    a cmd_ method, dispatched the way operations are."""

    def setUp(self):
        super().setUp()
        self.ctl = control.ControlServer.__new__(control.ControlServer)
        self.ctl.nfs = self.srv

    def test_listed_commands_dispatch(self):
        listed = {line.split()[0] for line in control.__doc__.splitlines()
                  if line[:2] == '  ' and line[2:3].isalpha()}
        methods = {m[4:].replace('_', '-') for m in dir(self.ctl)
                   if m.startswith('cmd_')}
        self.assertEqual(listed, methods)
        self.assertEqual(self.ctl.command('ping', []), 'pong')
        self.assertEqual(self.ctl.command('reset-ops', []), 'ok')
        for bad in ('reset_ops', 'nosuch', '__init__'):
            self.assertEqual(self.ctl.command(bad, []),
                             {'error': 'unknown command %s' % bad})


if __name__ == '__main__':
    unittest.main()
