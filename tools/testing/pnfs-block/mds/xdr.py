# SPDX-License-Identifier: GPL-2.0
"""XDR (RFC 4506) encoding and decoding, big-endian, 4-byte aligned.

Packer appends to a bytearray; Unpacker walks a bytes-like buffer and
raises XDRError on any truncation or out-of-range value, so a hostile or
short request never turns into an exception the server does not expect.
"""

import struct

_U32 = struct.Struct('>I')
_I32 = struct.Struct('>i')
_U64 = struct.Struct('>Q')
_I64 = struct.Struct('>q')


class XDRError(Exception):
    """Malformed or truncated XDR data."""


def pad_len(n):
    """Bytes of zero padding after n bytes of opaque data."""
    return (4 - (n & 3)) & 3


class Packer:
    """Builds an XDR byte string."""

    def __init__(self):
        self.buf = bytearray()

    def data(self):
        return bytes(self.buf)

    def __len__(self):
        return len(self.buf)

    def u32(self, v):
        if not 0 <= v <= 0xffffffff:
            raise XDRError('u32 out of range: %r' % (v,))
        self.buf += _U32.pack(v)

    def i32(self, v):
        self.buf += _I32.pack(v)

    def u64(self, v):
        if not 0 <= v <= 0xffffffffffffffff:
            raise XDRError('u64 out of range: %r' % (v,))
        self.buf += _U64.pack(v)

    def i64(self, v):
        self.buf += _I64.pack(v)

    def bool(self, v):
        self.u32(1 if v else 0)

    def fopaque(self, n, data):
        """Fixed-length opaque[n]."""
        if len(data) != n:
            raise XDRError('fixed opaque wants %d bytes, got %d' % (n, len(data)))
        self.buf += data
        self.buf += b'\0' * pad_len(n)

    def opaque(self, data, maxlen=None):
        """Variable-length opaque<maxlen>."""
        if maxlen is not None and len(data) > maxlen:
            raise XDRError('opaque longer than %d' % maxlen)
        self.u32(len(data))
        self.buf += data
        self.buf += b'\0' * pad_len(len(data))

    def string(self, s, maxlen=None):
        if isinstance(s, str):
            s = s.encode('utf-8')
        self.opaque(s, maxlen)

    def array(self, items, fn, maxlen=None):
        """Variable-length array: count, then fn(item) for each."""
        if maxlen is not None and len(items) > maxlen:
            raise XDRError('array longer than %d' % maxlen)
        self.u32(len(items))
        for it in items:
            fn(it)

    def raw(self, data):
        """Already-encoded XDR (must be a multiple of 4 bytes)."""
        if len(data) & 3:
            raise XDRError('raw XDR not 4-byte aligned')
        self.buf += data


class Unpacker:
    """Decodes an XDR byte string."""

    def __init__(self, data, pos=0):
        self.data = memoryview(data).cast('B') if not isinstance(data, bytes) else data
        self.pos = pos

    def remaining(self):
        return len(self.data) - self.pos

    def done(self):
        if self.pos != len(self.data):
            raise XDRError('%d trailing bytes' % (len(self.data) - self.pos))

    def _take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise XDRError('truncated: need %d bytes at %d of %d'
                           % (n, self.pos, len(self.data)))
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return bytes(b)

    def u32(self):
        return _U32.unpack(self._take(4))[0]

    def i32(self):
        return _I32.unpack(self._take(4))[0]

    def u64(self):
        return _U64.unpack(self._take(8))[0]

    def i64(self):
        return _I64.unpack(self._take(8))[0]

    def bool(self):
        v = self.u32()
        if v > 1:
            raise XDRError('bad bool %d' % v)
        return v == 1

    def fopaque(self, n):
        d = self._take(n)
        self._take(pad_len(n))
        return d

    def opaque(self, maxlen=None):
        n = self.u32()
        if maxlen is not None and n > maxlen:
            raise XDRError('opaque length %d > %d' % (n, maxlen))
        return self.fopaque(n)

    def string(self, maxlen=None):
        return self.opaque(maxlen)

    def array(self, fn, maxlen=None):
        n = self.u32()
        if maxlen is not None and n > maxlen:
            raise XDRError('array length %d > %d' % (n, maxlen))
        # Each element takes at least 4 bytes: refuse absurd counts early.
        if n > self.remaining() // 4 + 1:
            raise XDRError('array length %d exceeds the buffer' % n)
        return [fn() for _ in range(n)]

    def rest(self):
        return self._take(self.remaining())
