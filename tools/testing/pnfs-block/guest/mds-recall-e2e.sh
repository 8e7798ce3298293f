#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# CB_LAYOUTRECALL of a file whose written blocks are not yet committed,
# against the test metadata server (../mds/), which can fail a
# LAYOUTCOMMIT on demand (commit-error).  The client
# must not answer NFS4ERR_NOMATCHING_LAYOUT while it still has data to
# commit through the layout: the server then forgets the layout, the
# commit that follows is refused and the blocks stay unwritten.
#
# Also CB_RECALL_ANY with the block layout bit, which the test server
# sends on demand (recall-any).
#
# On Debian's nfsv4.ko the failed-commit test loses the data (the series
# patch "pNFS: keep the lsegs of a failed LAYOUTCOMMIT for the next one"
# fixes it) and CB_RECALL_ANY returns nothing ("NFSv4.1: return unused
# block layouts on CB_RECALL_ANY"), so check.sh runs this suite on the
# patched client only (e2e-mds-recall-ours-patched).
. /t/common.sh
. /t/mds-common.sh

CMD_TIMEOUT=120
SIZE=4m
# The server's error for the failed commit: NFS4ERR_SERVERFAULT.
COMMIT_ERR=10006

ktap_plan 5

# commits: the statuses of the LAYOUTCOMMITs in the server's op log.
commits()
{
	ctl oplog 4096 | python3 -c '
import json, sys
print(" ".join(str(s) for op, s in json.load(sys.stdin) if op == "LAYOUTCOMMIT"))'
}

# cb_status COMMAND...: send a callback with a ctl COMMAND; prints the
# client's status for its last op, or the whole answer.
cb_status()
{
	ctl "$@" | python3 -c '
import json, sys
a = json.load(sys.stdin)
try:
    print(a[0][-1][1])
except (IndexError, KeyError, TypeError):
    print(json.dumps(a))'
}

# recall_answer FILE: CB_LAYOUTRECALL of FILE; the client's status for it
# (0 or 10060), or the whole answer.
recall_answer()
{
	cb_status recall "/$1"
}

# check_data FILE SEED: the server's view of FILE is the prng stream SEED.
check_data()
{
	local got want

	want=$(expected_sum "$2")
	got=$(ctl sha256 "/$1")
	[ "$got" = "$want" ] && return 0
	ktap_diag "server sha256 $got, want $want (uncommitted blocks read as zeros)"
	return 1
}

# 1. The LAYOUTCOMMIT of an fsync fails (the server answers
# NFS4ERR_SERVERFAULT once), and the server then recalls the layout.
# The written blocks still have to be committed: the client must
# commit them again before it answers NOMATCHING_LAYOUT or returns the
# layout.  Debian's client answers NOMATCHING (10060), never
# commits again, and the blocks read back as zeros.
t_recall_after_failed_commit()
{
	local ans out ok=0

	ctl reset-ops >/dev/null
	ctl commit-error $COMMIT_ERR 1 >/dev/null || return 1
	out=$(prng 32 $SIZE | t dd of=$MP/failed bs=1M iflag=fullblock \
		oflag=direct conv=fsync status=none 2>&1) &&
		{ ktap_diag "fsync did not report the failed commit"; ok=1; }
	ans=$(recall_answer failed)
	sleep 2
	ktap_diag "dd: ${out:-ok}; recall answer $ans; LAYOUTCOMMIT statuses: $(commits);" \
		"ops: $(ctl ops | tr -d '\n' | grep -o '"CB_LAYOUTRECALL[^,]*,\|"LAYOUTRETURN": [0-9]*' | tr '\n' ' ')"
	# NOMATCHING is right once the commit the recall sent has been
	# served: the data check tells whether one was.
	check_data failed 32 || ok=1
	return $ok
}

# 2. The failed commit of test 1 is tried again at the next writeback
# of the inode, not in a loop: the server saw a bounded number of
# LAYOUTCOMMITs for it within 10 s.
t_failed_commit_no_loop()
{
	local n

	ctl reset-ops >/dev/null
	ctl commit-error $COMMIT_ERR 1000 >/dev/null || return 1
	prng 33 $SIZE | t dd of=$MP/loop bs=1M iflag=fullblock \
		oflag=direct conv=fsync status=none 2>/dev/null
	sleep 10
	n=$(commits | wc -w)
	ctl commit-error $COMMIT_ERR 0 >/dev/null
	ktap_diag "LAYOUTCOMMITs failed in 10 s: $n"
	[ "$n" -ge 1 ] && [ "$n" -le 10 ] || return 1
	# Once the server takes it, the next fsync commits the data.
	t python3 -c 'import os, sys; fd = os.open(sys.argv[1], os.O_WRONLY); os.fsync(fd)' \
		$MP/loop || { ktap_diag "fsync after the errors failed"; return 1; }
	check_data loop 33
}

# /tmp/hold-open.py FILE READY GO: write /tmp/stream (2 MiB) into FILE
# with O_DIRECT, create READY, wait for GO, write its first MiB again
# (inside the layout already held), fsync, close.
cat >/tmp/hold-open.py <<'EOP'
import mmap, os, sys, time
path, ready, go = sys.argv[1:4]
mib = 1 << 20
data = open("/tmp/stream", "rb").read()
buf = mmap.mmap(-1, 2 * mib)    # page aligned, as O_DIRECT needs
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o644)
buf[:] = data[:2 * mib]
assert os.pwrite(fd, buf, 0) == 2 * mib
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.1)
assert os.pwrite(fd, memoryview(buf)[:mib], 0) == mib
os.fsync(fd)
os.close(fd)
EOP

# 3. CB_RECALL_ANY with the block layout bit (RFC 5663's
# RCA4_BLK_LAYOUT_RECALL_ANY_LAYOUTS) while three closed files and one
# open file hold layouts: the client returns the three (their data
# committed by their fsync), keeps the open file's, whose writer goes on
# over the layout without a new LAYOUTGET; a second CB_RECALL_ANY once
# that file is closed returns its layout too.  Every byte right on the
# server, nothing through the MDS.  Debian's client answers NFS4_OK and
# returns nothing.
t_recall_any()
{
	local n st pid rets ok=0

	# A fresh mount: no layout held from the tests before.
	t umount $MP && mount_mds || return 1
	for n in 1 2 3; do
		prng $((40 + n)) 1m | t dd of=$MP/idle$n bs=1M iflag=fullblock \
			oflag=direct conv=fsync status=none || return 1
	done
	prng 44 2m >/tmp/stream
	rm -f /tmp/ho-ready /tmp/ho-go
	CMD_TIMEOUT=90 t python3 /tmp/hold-open.py $MP/busy /tmp/ho-ready \
		/tmp/ho-go &
	pid=$!
	wait_ready /tmp/ho-ready "$pid"
	snap $MP
	st=$(cb_status recall-any)
	sleep 3
	rets=$(delta $MP LAYOUTRETURN)
	ktap_diag "CB_RECALL_ANY answered $st; then:$(delta_summary $MP)"
	[ "$st" = 0 ] || ok=1
	[ "$rets" = 3 ] || { ktap_diag "want 3 LAYOUTRETURNs (the closed files), got $rets"; ok=1; }
	touch /tmp/ho-go
	wait "$pid" || { ktap_diag "the open file's writer failed"; ok=1; }
	ktap_diag "open file written on:$(delta_summary $MP)"
	if [ "$(delta $MP LAYOUTGET)" != 0 ] || [ "$(delta $MP WRITE)" != 0 ]; then
		ktap_diag "the open file lost its layout: want no LAYOUTGET and no WRITE"
		ok=1
	fi
	st=$(cb_status recall-any)
	sleep 3
	rets=$(delta $MP LAYOUTRETURN)
	ktap_diag "second CB_RECALL_ANY answered $st; then:$(delta_summary $MP)"
	[ "$rets" = 4 ] || { ktap_diag "want the closed busy file's layout returned too (4 in all), got $rets"; ok=1; }
	for n in 1 2 3; do
		SIZE=1m check_data idle$n $((40 + n)) || ok=1
	done
	SIZE=2m check_data busy 44 || ok=1
	return $ok
}

if ! setup_mds; then
	ktap_diag "setup failed"
	for n in 1 2 3 4 5; do ktap_fail "setup"; done
	ktap_finish
	exit 1
fi
ktap_check "recall after a failed LAYOUTCOMMIT: data committed before the layout goes" t_recall_after_failed_commit
ktap_check "a failing LAYOUTCOMMIT is retried, not in a loop" t_failed_commit_no_loop
ktap_check "CB_RECALL_ANY returns closed files' layouts, keeps an open file's" t_recall_any
ktap_check "unmount and stop the server" eval 't umount $MP && stop_mds'
kill "$BLKMAPD_PID" 2>/dev/null
ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
ktap_finish
