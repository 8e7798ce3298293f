#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A recall storm (issue 14, guarantee 6): the test metadata server
# (../mds/) sends CB_LAYOUTRECALL after CB_LAYOUTRECALL while clients
# write, buffered and O_DIRECT, one file after another.  Every recall
# must be answered (NFS4_OK, the layout then returned, or
# NFS4ERR_NOMATCHING_LAYOUT), every write must succeed and leave the
# bytes the server and the client read back, and once the clients have
# unmounted the server holds no layout, no client, and every layout
# header the driver allocated has been freed (pnfs_block_layout_alloc and
# pnfs_block_layout_free, counted in a trace instance of their own so
# that the storm's other events cannot crowd them out).
#
# First one client (the initial namespace, over loopback), 100 recalls;
# then four at once, each writing a file of its own: that client and
# three more in the network namespaces of guest/multi-common.sh, each
# its own nfs_client with its own client ID and blkmapd, 100 rounds of a
# recall of each of the four files.
. /t/common.sh
. /t/mds-common.sh
. /t/multi-common.sh

CMD_TIMEOUT=300
SIZE=16m
ROUNDS=100
NS_CLIENTS=3
LT=/sys/kernel/tracing/instances/layouts

ktap_plan 6

# /tmp/storm.py SOCKET ROUNDS INTERVAL PATH...: ROUNDS rounds of a
# CB_LAYOUTRECALL of each PATH, INTERVAL seconds apart; prints a JSON
# tally: recalls asked, callbacks sent, answered NFS4_OK, NOMATCHING,
# and any other answer.
cat >/tmp/storm.py <<'EOP'
import json, sys, time
sys.path.insert(0, '/t/mds')
from mdsctl import send
sock, rounds, gap, paths = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
tally = dict(asked=0, sent=0, ok=0, nomatching=0, other=[])
for _ in range(rounds):
    for p in paths:
        res = send(sock, 'recall ' + p)
        tally['asked'] += 1
        for r in res if isinstance(res, list) else [res]:
            tally['sent'] += 1
            try:
                st = r[-1][1]
            except (IndexError, KeyError, TypeError):
                st = None
            if st == 0:
                tally['ok'] += 1
            elif st == 10060:
                tally['nomatching'] += 1
            else:
                tally['other'].append(r)
        time.sleep(gap)
print(json.dumps(tally))
EOP

# client_mp I: client I's mount point (0: the initial namespace's).
client_mp()
{
	if [ "$1" = 0 ]; then echo "$MP"; else multi_mp "$1"; fi
}

# layout_count EVENT: pnfs_block_EVENT records in the layouts instance.
layout_count()
{
	grep -c " pnfs_block_$1:" "$LT/trace"
}

setup()
{
	local i

	setup_mds || return 1
	mkdir "$LT" &&
		echo 1 >"$LT/events/pnfs_block/pnfs_block_layout_alloc/enable" &&
		echo 1 >"$LT/events/pnfs_block/pnfs_block_layout_free/enable" ||
		return 1
	for ((i = 1; i <= NS_CLIENTS; i++)); do
		multi_client_add "$i" &&
			multi_mount "$i" "4.$((1 + i % 2))" / "port=$MDS_PORT" ||
			return 1
	done
	for ((i = 0; i <= NS_CLIENTS; i++)); do
		[ "$(pnfs_type "$(client_mp "$i")")" = LAYOUT_BLOCK_VOLUME ] || {
			ktap_diag "client $i: no block layout"
			return 1
		}
		snap "$(client_mp "$i")"
	done
	ktap_diag "server: $(ctl states)"
}

# writer I FILE SEED0: client I writes FILE again and again until
# /tmp/stop-I appears, SIZE bytes of the prng stream SEED0 + 1, + 2 ...,
# buffered and O_DIRECT in turn, each with an fsync; the last seed
# written whole goes to /tmp/last-I.  Fails on the first failed write.
writer()
{
	local i=$1 f=$2 seed=$3 mode=buffered

	rm -f "/tmp/stop-$i" "/tmp/last-$i"
	while [ ! -e "/tmp/stop-$i" ]; do
		seed=$((seed + 1))
		write_file "$mode" "$f" "$seed" || {
			ktap_diag "client $i: $mode write of seed $seed failed"
			return 1
		}
		echo "$seed" >"/tmp/last-$i"
		[ $mode = buffered ] && mode=direct || mode=buffered
	done
}

# storm_run ROUNDS CLIENT...: each CLIENT writes its own file while the
# server recalls each of their files ROUNDS times; every recall
# answered, every write done, every file right on the server and on its
# client.
storm_run()
{
	local rounds=$1 i out bad=0 paths=() pids=() want got

	shift
	for i; do
		rm -f "$(client_mp "$i")/storm-$i"
		writer "$i" "$(client_mp "$i")/storm-$i" $((i * 1000)) &
		pids[i]=$!
		paths+=("/storm-$i")
	done
	sleep 2
	out=$(python3 /tmp/storm.py "$MDS_SOCK" "$rounds" 0.02 "${paths[@]}") ||
		bad=1
	ktap_diag "recalls: $out"
	for i; do
		touch "/tmp/stop-$i"
	done
	for i; do
		wait "${pids[i]}" || bad=1
	done
	python3 -c '
import json, sys
t = json.loads(sys.argv[1])
sys.exit(0 if t["ok"] > 0 and not t["other"] and t["asked"] == int(sys.argv[2]) else 1)' \
		"$out" $((rounds * $#)) || { ktap_diag "not every recall answered"; bad=1; }
	drop_caches
	for i; do
		want=$(expected_sum "$(cat "/tmp/last-$i")")
		got=$(ctl sha256 "/storm-$i")
		[ "$got" = "$want" ] || {
			ktap_diag "client $i: server's sha256 $got, want $want (seed $(cat "/tmp/last-$i"))"
			bad=1
		}
		got=$(t dd if="$(client_mp "$i")/storm-$i" bs=1M iflag=direct \
			status=none | sha256sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || {
			ktap_diag "client $i: read back sha256 $got, want $want"
			bad=1
		}
		ktap_diag "client $i: last seed $(cat "/tmp/last-$i");$(delta_summary "$(client_mp "$i")")"
		snap "$(client_mp "$i")"
	done
	ktap_diag "server: $(ctl states)"
	return $bad
}

# 1. One client, 100 recalls.
test_storm_one()
{
	storm_run $ROUNDS 0
}

# 2. Four clients, 100 rounds of a recall of each one's file.
test_storm_four()
{
	storm_run $ROUNDS 0 1 2 3
}

# 3. Every client unmounts: the server holds no layout and no client,
# and every layout header allocated has been freed.
test_umount_no_leak()
{
	local i held a f

	t umount "$MP" || return 1
	for ((i = 1; i <= NS_CLIENTS; i++)); do
		multi_umount "$i" || return 1
	done
	# The last nfs_client of a namespace goes (DESTROY_CLIENTID) once
	# its last reference does, which may be just after umount returns.
	for ((i = 0; i < 20; i++)); do
		held=$(ctl states)
		a=$(layout_count layout_alloc)
		f=$(layout_count layout_free)
		python3 -c '
import json, sys
h = json.loads(sys.argv[1])
sys.exit(0 if h["layout"] == h["recalling"] == h["clients"] == 0 else 1)' \
			"$held" && [ "$a" -gt 0 ] && [ "$a" = "$f" ] && break
		sleep 0.5
	done
	ktap_diag "server after the unmounts: $held; layout headers allocated $a, freed $f"
	[ "$i" -lt 20 ]
}

ktap_require "setup: test MDS, $PNFSBL_DRIVER driver, $((NS_CLIENTS + 1)) clients" setup
ktap_check "one client writing: $ROUNDS recalls answered, every byte right" \
	test_storm_one
ktap_check "four clients writing: $ROUNDS rounds of recalls, every byte right" \
	test_storm_four
ktap_check "after the unmounts: no layout held, every layout header freed" \
	test_umount_no_leak
stop_mds
multi_finish
