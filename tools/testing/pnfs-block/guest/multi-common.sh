# SPDX-License-Identifier: GPL-2.0
#
# Guest-side helpers for many NFS clients in one guest (multi-e2e).
# Sourced after common.sh.
#
# Client I (1, 2, ...) lives in its own network namespace mcI, joined to
# the server's (the initial) namespace by a veth pair: mvI on the server
# side with 10.99.I.1/24, eth0 in mcI with 10.99.I.2/24.  A mount made
# from inside mcI gets an nfs_client of that namespace, with its own
# lease, session, client ID, device ID cache and callback service.
#
# Three things make each one a client of its own:
#
# - Its co_ownerid.  The 6.12 client builds it from the node name and the
#   namespace's uniquifier (/sys/fs/nfs/net/nfs_client/identifier, seen
#   only through a sysfs mounted in that namespace).  The node name is the
#   guest's in every namespace, so without a uniquifier every client sends
#   the same owner with its own boot verifier, which a server must take
#   for a restart of the client before it (RFC 8881 section 18.35.5,
#   case 5; read, not measured here).
#
# - Its rpc_pipefs.  The rpc_pipefs superblock is per network namespace,
#   and the blkmapd upcall of a block layout GETDEVICEINFO goes to the
#   pipe of the nfs_client's namespace (cl_net), not the writer's.
#
# - Its blkmapd.  blkmapd reads the pipe under pipefs-directory of
#   /etc/nfs.conf (/run/rpc_pipefs) and locks /run/blkmapd.pid, so a
#   second one in the same mount namespace exits "Already running".  Each
#   client's blkmapd therefore runs in mcI and in a private mount
#   namespace with a tmpfs of its own on /run and that namespace's
#   rpc_pipefs on /run/rpc_pipefs.
#
# The mounts themselves are made with nsenter --net only, in the
# initial mount namespace, so that the suite sees them (mountstats) and
# they outlive mount(8); ip netns exec would make them in a throwaway
# mount namespace.  Writers and readers run in the initial namespace:
# the NFS client does its RPC and its upcalls in the mount's namespace.

MULTI_NET=10.99
# Client I's blkmapd PID, by I.
declare -A MULTI_BLKMAPD

# multi_ns I: the network namespace of client I.
multi_ns()
{
	echo "mc$1"
}

# multi_mp I: the mount point of client I.
multi_mp()
{
	echo "/mnt/mc$1"
}

# multi_srv_addr I: the server's address as client I sees it.
multi_srv_addr()
{
	echo "$MULTI_NET.$1.1"
}

# multi_cli_addr I: client I's address.
multi_cli_addr()
{
	echo "$MULTI_NET.$1.2"
}

# multi_netns I: client I's namespace file, for nsenter --net (which
# enters that network namespace and stays in the initial mount
# namespace).
multi_netns()
{
	echo "/run/netns/$(multi_ns "$1")"
}

# multi_pipe I: the blocklayout pipe as client I's blkmapd sees it.
multi_pipe()
{
	echo "/proc/${MULTI_BLKMAPD[$1]}/root/run/rpc_pipefs/nfs/blocklayout"
}

# multi_start_blkmapd I: blkmapd for client I, on the rpc_pipefs of its
# namespace in a mount namespace of its own (see the top of this file).
# Needs the layout driver loaded: its pipe is made when that rpc_pipefs
# is mounted.
multi_start_blkmapd()
{
	local i=$1 pid n

	# unshare -m copies every mount, the NFS mounts of the clients made
	# so far too: a copy would keep that client's superblock, and with it
	# its nfs_client and layouts, alive after the suite unmounts it, for
	# as long as this blkmapd runs.  Drop the copies.
	nsenter --net="$(multi_netns "$i")" unshare -m --propagation private sh -c '
		umount -a -l -t nfs,nfs4 2>/dev/null
		mount -t tmpfs tmpfs /run &&
		mkdir /run/rpc_pipefs &&
		mount -t rpc_pipefs rpc_pipefs /run/rpc_pipefs &&
		exec blkmapd -f' >>"/results/blkmapd-$i.log" 2>&1 &
	pid=$!
	MULTI_BLKMAPD[$i]=$pid
	# nsenter, unshare and sh exec in turn: the PID becomes blkmapd's.
	for ((n = 0; n < 50; n++)); do
		kill -0 "$pid" 2>/dev/null || break
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = blkmapd ] &&
			[ -e "$(multi_pipe "$i")" ] && return 0
		sleep 0.1
	done
	ktap_diag "client $i: blkmapd $pid not running on its pipe" \
		"($(cat "/results/blkmapd-$i.log" 2>/dev/null))"
	return 1
}

# multi_client_add I: namespace, veth pair, addresses, uniquifier and
# blkmapd of client I.  The NFS modules and the layout driver must be
# loaded (the uniquifier lives in nfs's per-namespace sysfs).
multi_client_add()
{
	local i=$1 ns

	ns=$(multi_ns "$i")
	modprobe veth || return 1
	ip netns add "$ns" &&
	ip link add "mv$i" type veth peer name eth0 netns "$ns" &&
	ip addr add "$(multi_srv_addr "$i")/24" dev "mv$i" &&
	ip link set "mv$i" up &&
	ip -n "$ns" link set lo up &&
	ip -n "$ns" addr add "$(multi_cli_addr "$i")/24" dev eth0 &&
	ip -n "$ns" link set eth0 up || return 1
	# mountd names the client's address: no resolver in the guest.
	echo "$(multi_cli_addr "$i") $ns" >>/etc/hosts
	# ip netns exec mounts a sysfs of the namespace: its nfs_client dir.
	ip netns exec "$ns" sh -c \
		"echo pnfsbl-multi-$i >/sys/fs/nfs/net/nfs_client/identifier" ||
		return 1
	multi_start_blkmapd "$i"
}

# multi_mount I VERSION [EXPORT [OPTION,...]]: mount EXPORT (default
# nfsd's $SRV) for client I from its namespace, with those mount options
# too.
multi_mount()
{
	local mp

	mp=$(multi_mp "$1")
	mkdir -p "$mp"
	t nsenter --net="$(multi_netns "$1")" mount -t nfs \
		-o "vers=$2,retry=0${4:+,$4}" "$(multi_srv_addr "$1"):${3:-$SRV}" "$mp"
}

multi_umount()	# I
{
	t nsenter --net="$(multi_netns "$1")" umount "$(multi_mp "$1")"
}

# multi_stop_blkmapd: stop every client's blkmapd (its mount namespace,
# and with it that rpc_pipefs mount, goes with it).
multi_stop_blkmapd()
{
	local i

	for i in "${!MULTI_BLKMAPD[@]}"; do
		kill "${MULTI_BLKMAPD[$i]}" 2>/dev/null &&
			wait "${MULTI_BLKMAPD[$i]}" 2>/dev/null
		unset "MULTI_BLKMAPD[$i]"
	done
	return 0
}

# nfsd_clients: one line per client nfsd holds: clientid, address
# (without port), status, name.
nfsd_clients()
{
	local f

	for f in /proc/fs/nfsd/clients/*/info; do
		[ -r "$f" ] || continue
		awk '
		$1 == "clientid:" { id = $2 }
		$1 == "address:" { a = $2; gsub(/"/, "", a); sub(/:[0-9]+$/, "", a) }
		$1 == "status:" { st = $2 }
		$1 == "name:" { sub(/^name: /, ""); nm = $0 }
		END { print id, a, st, nm }' "$f"
	done
}

# multi_distinct_ids N: nfsd holds exactly one confirmed client for each
# of clients 1..N, from its address and with its uniquifier in the name,
# and their N client IDs differ.
multi_distinct_ids()
{
	local n=$1 i ids="" one bad=0

	nfsd_clients >/tmp/nfsd-clients
	sed 's/^/# nfsd client: /' /tmp/nfsd-clients
	for ((i = 1; i <= n; i++)); do
		one=$(awk -v a="$(multi_cli_addr "$i")" \
			-v nm="pnfsbl-multi-$i/" \
			'$2 == a && $3 == "confirmed" && index($0, nm) { print $1 }' \
			/tmp/nfsd-clients)
		if [ "$(echo "$one" | grep -c .)" != 1 ]; then
			ktap_diag "client $i: confirmed client IDs at nfsd: '${one//$'\n'/ }'"
			bad=1
		fi
		ids="$ids$one"$'\n'
	done
	[ "$(echo "$ids" | grep . | sort -u | grep -c .)" = "$n" ] || bad=1
	return $bad
}

# multi_finish: the end of a many-client suite: the trace saved, every
# blkmapd stopped, then its last two tests (the driver unloads, the
# kernel log is clean) and the KTAP totals.
multi_finish()
{
	cat /sys/kernel/tracing/trace >/results/trace.txt 2>/dev/null
	multi_stop_blkmapd
	kill "$BLKMAPD_PID" 2>/dev/null && wait "$BLKMAPD_PID"
	ktap_check "driver unloads after the tests" rmmod blocklayoutdriver
	ktap_check "kernel log has no warning, bug or oops" kernel_log_clean
	ktap_finish
}
