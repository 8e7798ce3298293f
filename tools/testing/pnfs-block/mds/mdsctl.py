#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send one command to the test MDS control socket and print the answer.

    mdsctl.py SOCKET COMMAND [ARGS...]     e.g. mdsctl.py /run/mds.sock ops
    mdsctl.py SOCKET --wait SECONDS        wait until the server answers ping
Exit status 1 when the answer is an error.
"""

import json
import socket
import sys
import time


def send(path, line, timeout=None):
    """One command line; its answer, decoded.  timeout: seconds for each
    socket operation (None: wait)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    f = s.makefile('rwb')
    f.write(line.encode() + b'\n')
    f.flush()
    ans = f.readline().decode()
    s.close()
    return json.loads(ans)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    path = argv[1]
    if argv[2] == '--wait':
        deadline = time.monotonic() + float(argv[3])
        while time.monotonic() < deadline:
            try:
                if send(path, 'ping') == 'pong':
                    return 0
            except OSError:
                pass
            time.sleep(0.2)
        return 1
    res = send(path, ' '.join(argv[2:]))
    print(res if isinstance(res, str) else json.dumps(res, sort_keys=True))
    return 1 if isinstance(res, dict) and 'error' in res else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
