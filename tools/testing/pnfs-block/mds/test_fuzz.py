# SPDX-License-Identifier: GPL-2.0
"""Garbage arguments for every operation: the server answers each COMPOUND
(BADXDR or an NFSv4 error) and never hits an internal fault."""

import random
import unittest

import client as C
import nfs4const as c
from test_compound import ServerCase


class FuzzTest(ServerCase):
    def test_random_arguments(self):
        rnd = random.Random(5663)
        sid, fh = self.create_file(b'fz')
        ops = sorted(set(c.OPS.values()) - {c.OP_SEQUENCE, c.OP_DESTROY_SESSION,
                                             c.OP_DESTROY_CLIENTID})
        for i in range(3000):
            op = rnd.choice(ops + [rnd.randrange(0, 20000)])
            n = rnd.choice((0, 4, 8, 16, 28, 40, 64, rnd.randrange(0, 300)))
            # Mostly small numbers, so lengths and enums look plausible.
            words = bytearray()
            while len(words) < n:
                w = rnd.choice((0, 1, 2, 3, 4, 0xffffffff, rnd.randrange(1 << 32),
                                rnd.randrange(16)))
                words += w.to_bytes(4, 'big')
            args = bytes(words[:n])
            prefix = [C.putfh(fh)] if rnd.random() < 0.7 else [C.putrootfh()]
            self.cl.seq += 1
            ops_ = [C.sequence(self.cl.sid, self.cl.seq)] + prefix + [C.raw(op, args)]
            reply = self.cl.raw_compound(ops_)
            st, res = self.cl.decode(ops_, reply)
            self.assertEqual(res[0][1], c.NFS4_OK, (i, op))
            self.assertEqual(self.srv.faults, 0, (i, op, args.hex()))
        # The session is still fine.
        self.ok([C.putfh(fh), C.getfh()])


if __name__ == '__main__':
    unittest.main()
