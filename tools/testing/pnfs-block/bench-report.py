#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the guest's benchmark runs into results.json, results.md and
results.png (the chart through gnuplot).

Input (--runs DIR, as guest/bench.sh leaves it): meta.env, and for each
run runs/NNN.json (fio's JSON) and runs/NNN.env (layout type, workload,
config, repeat, /proc/stat and mountstats deltas).  Standard library only.

The block layout's results keep their place in results.json ("results",
"targets"); the SCSI layout's, when measured, are under "scsi", and those
over 16 KiB and 64 KiB XFS blocks under "block16k" and "block64k".
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

GIB = 1 << 30
MIB = 1 << 20

# workload -> (title, fio direction, unit); the unit says which fio
# number is the result.  Every result is "higher is better".
WORKLOADS = {
    "seqwrite-buf": ("seq 1 MiB write, buffered + fsync", "write", "MiB/s"),
    "seqwrite-direct": ("seq 1 MiB write, O_DIRECT", "write", "MiB/s"),
    "seqread-buf": ("seq 1 MiB read, buffered", "read", "MiB/s"),
    "seqread-direct": ("seq 1 MiB read, O_DIRECT", "read", "MiB/s"),
    "randread-4k": ("random 4 KiB read, O_DIRECT, QD16", "read", "IOPS"),
    "randwrite-4k": ("random 4 KiB write, O_DIRECT, QD16", "write", "IOPS"),
    "par4-write": ("4 jobs x 4 files, seq 1 MiB write, buffered + fsync",
                   "write", "MiB/s"),
    "smallfiles": ("small files: create, write 64 KiB, fsync, close",
                   "write", "files/s"),
}
SEQUENTIAL = ["seqwrite-buf", "seqwrite-direct", "seqread-buf",
              "seqread-direct", "par4-write"]
SMALL_IO = ["randread-4k", "randwrite-4k", "smallfiles"]
CONFIG_TITLES = {
    "ours": "ours (pNFS block)",
    "ours-small": "ours, mds_small_file=64 KiB",
    "mainline": "mainline (pNFS block)",
    "plain": "plain NFSv4.2",
    "raw": "raw disk (local XFS)",
}
SCSI_CONFIG_TITLES = {
    "ours": "ours (pNFS SCSI)",
    "ours-small": "ours, mds_small_file=64 KiB",
    "mainline": "mainline (pNFS SCSI)",
    "plain": "plain NFSv4.2 (same export)",
    "raw": "raw iSCSI disk (local XFS)",
}
PNFS_CONFIGS = ("ours", "ours-small", "mainline")
CONFIG_COLOURS = {"ours": 1, "mainline": 2, "plain": 3, "raw": 4,
                  "ours-small": 6}
# The workloads a configuration runs, where not all (guest/bench.sh's
# applies): ours-small differs from ours only for files of 64 KiB.
CONFIG_WORKLOADS = {"ours-small": ("smallfiles",)}
# The per-GiB NFS operations the table shows; READ counts READ_PLUS too
# (NFSv4.2 sends its reads to the server as READ_PLUS).
TABLE_OPS = ["LAYOUTGET", "LAYOUTCOMMIT", "LAYOUTRETURN", "GETDEVICEINFO",
             "READ", "WRITE"]
SYS_FIELDS = ("system", "irq", "softirq")

TCG_NOTE = (
    "The guest runs under QEMU TCG (software emulation, no KVM) on a shared "
    "2-core host: absolute timings mean little and are meaningful only as "
    "ratios between configurations within this one run.  Configurations "
    "were interleaved (for each workload and each repeat: every "
    "configuration in turn) so that drift in the host's load hits them "
    "alike.")


def read_env(path):
    """KEY=VALUE lines into a dict of strings."""
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if "=" in line:
                k, v = line.split("=", 1)
                env[k] = v
    return env


def load_runs(rundir, user_hz):
    """One dict per run, with its result and per-GiB costs."""
    runs = []
    d = os.path.join(rundir, "runs")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".env"):
            continue
        env = read_env(os.path.join(d, name))
        w = env.get("workload")
        if w not in WORKLOADS:
            continue
        # start, setup done, fio done, samples read, cleaned, unmounted
        st = [float(x) for x in env["stamps"].split()]
        run = {"id": name[:-4], "layout": env.get("layout", "block"),
               "workload": w, "config": env["config"],
               "repeat": int(env["repeat"]),
               "fio_status": int(env["fio_status"]),
               "fio_wall_s": round(st[2] - st[1], 2),
               "start_s": st[0], "end_s": st[5],
               "overhead_s": round(st[1] - st[0] + st[5] - st[2], 2),
               "pnfs": env.get("pnfs"), "module": env.get("module")}
        runs.append(run)
        try:
            with open(os.path.join(d, run["id"] + ".json"),
                      encoding="utf-8") as f:
                job = json.load(f)["jobs"][0]
        except (OSError, ValueError, KeyError, IndexError) as e:
            run["error"] = "no fio result: %s" % e
            continue
        add_result(run, env, job, user_hz)
    return runs


def add_result(run, env, job, user_hz):
    """A run's result and per-GiB costs from fio's job, or its error."""
    if run["fio_status"] != 0 or job.get("error"):
        run["error"] = "fio exit %d, error %s" % (run["fio_status"],
                                                  job.get("error"))
        return
    _, ddir, unit = WORKLOADS[run["workload"]]
    io = job[ddir]
    nbytes = io["io_bytes"]
    run["bytes"] = nbytes
    run["fio_runtime_s"] = io["runtime"] / 1000.0
    run["value"] = io["bw_bytes"] / MIB if unit == "MiB/s" else io["iops"]
    if not nbytes:
        run["error"] = "fio moved no data"
        del run["value"]
        return
    gib = nbytes / GIB
    sys_s = sum(int(env.get("cpu_" + k, 0)) for k in SYS_FIELDS) / user_hz
    run["sys_cpu_s"] = sys_s
    run["sys_cpu_s_per_gib"] = sys_s / gib
    ops = {k[3:]: int(v) for k, v in env.items() if k.startswith("op_")}
    if ops:
        ops["READ"] = ops.get("READ", 0) + ops.pop("READ_PLUS", 0)
        run["ops"] = ops
        run["ops_per_gib"] = {k: v / gib for k, v in ops.items()}


def median(xs):
    return statistics.median(xs) if xs else None


def layout_check(layout, config, rs):
    """Did the runs go the way CONFIG must: the pNFS configurations over
    the layout type (mountstats' pnfs=, LAYOUTGET > 0, no READ or WRITE
    to the metadata server; ours-small mounted with it, its writes
    through the MDS counted, not checked), plain NFS over the SCSI
    export without one (no LAYOUTGET)?  None for what there is nothing
    to check."""
    want = LAYOUTS[layout]["type"]
    ops = [r.get("ops", {}) for r in rs]
    seen = sorted({r.get("pnfs") or "none" for r in rs})
    if config == "ours-small":
        return {"expect": want + ", writes via the MDS", "pnfs": seen,
                "mds_write_max": max((o.get("WRITE", 0) for o in ops),
                                     default=0),
                "verified": bool(rs) and seen == [want]}
    if config in PNFS_CONFIGS:
        lg = [o.get("LAYOUTGET", 0) for o in ops]
        mds = [o.get("READ", 0) + o.get("WRITE", 0) for o in ops]
        return {"expect": want, "pnfs": seen,
                "layoutget_min": min(lg, default=0),
                "mds_read_write_max": max(mds, default=0),
                "verified": bool(rs) and seen == [want] and
                min(lg, default=0) > 0 and max(mds, default=0) == 0}
    if config == "plain" and LAYOUTS[layout]["plain_unlayered"]:
        lg = [o.get("LAYOUTGET", 0) for o in ops]
        return {"expect": "no layout", "pnfs": seen,
                "layoutget_max": max(lg, default=0),
                "verified": bool(rs) and want not in seen and
                max(lg, default=0) == 0}
    return None


def aggregate(runs, workloads, configs, layout="block"):
    """Per (workload, config) of one layout type: median/min/max and
    median costs."""
    res = {}
    for w in workloads:
        for c in configs:
            if w not in CONFIG_WORKLOADS.get(c, (w,)):
                continue
            rs = [r for r in runs if r["workload"] == w and
                  r["config"] == c and r["layout"] == layout]
            ok = [r for r in rs if "value" in r]
            vals = [r["value"] for r in ok]
            e = {"workload": w, "config": c, "title": WORKLOADS[w][0],
                 "unit": WORKLOADS[w][2], "values": vals,
                 "runs": len(rs), "failed_runs": len(rs) - len(ok),
                 "median": median(vals),
                 "min": min(vals) if vals else None,
                 "max": max(vals) if vals else None,
                 "sys_cpu_s_per_gib": median(
                     [r["sys_cpu_s_per_gib"] for r in ok]),
                 "sys_cpu_s_per_gib_min": min(
                     [r["sys_cpu_s_per_gib"] for r in ok], default=None),
                 "sys_cpu_s_per_gib_max": max(
                     [r["sys_cpu_s_per_gib"] for r in ok], default=None),
                 "fio_wall_s": [r["fio_wall_s"] for r in rs]}
            if ok and "ops_per_gib" in ok[0]:
                e["ops_per_gib"] = {
                    op: median([r["ops_per_gib"].get(op, 0) for r in ok])
                    for op in sorted(ok[0]["ops_per_gib"])}
            errs = [r["error"] for r in rs if "error" in r]
            if errs:
                e["errors"] = errs
            chk = layout_check(layout, c, rs)
            if chk:
                e["layout_check"] = chk
            res[(w, c)] = e
    for (w, c), e in res.items():
        for ref in ("mainline", "raw", "plain"):
            r = res.get((w, ref))
            e["ratio_to_" + ref] = (
                e["median"] / r["median"]
                if r and r["median"] and e["median"] is not None else None)
    return res


def overlap(a, b, key="median"):
    """The min..max spreads of two results overlap: within the noise."""
    lo, hi = ("min", "max") if key == "median" else (key + "_min",
                                                     key + "_max")
    return (a[lo] is not None and b[lo] is not None and
            a[lo] <= b[hi] and b[lo] <= a[hi])


def targets(res, workloads, layout="block"):
    """The issue's targets for our driver: met / not met, with numbers.
    Where mainline cannot run pNFS (LAYOUTS' "mainline" False), only
    those against plain NFS and the raw disk."""
    out = []
    with_mainline = LAYOUTS[layout]["mainline"]

    def get(w, c):
        e = res.get((w, c))
        return e if e and e["median"] is not None else None

    def ratio_target(name, pairs, ref, want, key="median", cfg="ours"):
        checks = []
        for w in pairs:
            o, r = get(w, cfg), get(w, ref)
            if not o or not r:
                continue
            if key == "median":
                x = o["median"] / r["median"]
                ok = x >= want
            else:   # system CPU per GiB: lower is better
                if o[key] is None or r[key] is None:
                    continue
                x = o[key] / r[key] if r[key] else float("inf")
                ok = x <= want
            checks.append({"workload": w, "ratio": round(x, 3), "met": ok,
                           "spreads_overlap": overlap(o, r, key)})
        if not checks:
            if cfg == "ours":
                out.append({"target": name, "status": "not measured",
                            "checks": []})
            return
        status = "met" if all(c["met"] for c in checks) else "not met"
        out.append({"target": name, "status": status, "checks": checks})

    if with_mainline:
        ratio_target("ours at or above mainline on every workload",
                     workloads, "mainline", 1.0)
        ratio_target("ours at least 2x mainline on sequential O_DIRECT "
                     "writes",
                     [w for w in workloads if w == "seqwrite-direct"],
                     "mainline", 2.0)
    ratio_target("ours within 5% of the raw disk on sequential O_DIRECT reads",
                 [w for w in workloads if w == "seqread-direct"], "raw", 0.95)
    ratio_target("ours at least 3x plain NFS on sequential I/O",
                 [w for w in workloads if w in SEQUENTIAL], "plain", 3.0)
    ratio_target("ours at or above plain NFS on random 4 KiB and small files",
                 [w for w in workloads if w in SMALL_IO], "plain", 1.0)
    ratio_target("ours with mds_small_file at or above plain NFS on small "
                 "files", [w for w in workloads if w == "smallfiles"],
                 "plain", 1.0, cfg="ours-small")
    if with_mainline:
        ratio_target("ours with mds_small_file at or above mainline on "
                     "small files",
                     [w for w in workloads if w == "smallfiles"],
                     "mainline", 1.0, cfg="ours-small")
    if with_mainline:
        ratio_target("ours' system CPU per GiB no higher than mainline's",
                     workloads, "mainline", 1.0, key="sys_cpu_s_per_gib")
    else:
        ratio_target("ours' system CPU per GiB no higher than plain NFS's",
                     workloads, "plain", 1.0, key="sys_cpu_s_per_gib")
    return out


def fmt(x, nd=None):
    if x is None:
        return "-"
    if nd is None:
        nd = 0 if abs(x) >= 100 else (1 if abs(x) >= 10 else 2)
    return "%.*f" % (nd, x)


def fmt_ratio(x):
    return "-" if x is None else "%.2fx" % x


def fmt_ops(x):
    if x is None:
        return "-"
    if x == 0:
        return "0"
    return "%.0f" % x if x >= 10 else "%.1f" % x


def table(res, workloads, configs, titles, with_mainline=True):
    """The Markdown table of one layout type's results."""
    lines = []
    head = ["workload", "config", "median", "min", "max"] + (
        ["vs mainline"] if with_mainline else ["vs plain"]) + [
            "vs raw", "sys CPU s/GiB"] + [op + "/GiB" for op in TABLE_OPS]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---", "---"] + ["---:"] * (len(head) - 2))
                 + "|")
    for w in workloads:
        for c in configs:
            e = res.get((w, c))
            if e is None:
                continue
            ops = e.get("ops_per_gib")
            first = next(c2 for c2 in configs if (w, c2) in res)
            row = ["%s (%s)" % (e["title"], e["unit"]) if c == first
                   else "", titles.get(c, c),
                   fmt(e["median"]), fmt(e["min"]), fmt(e["max"]),
                   fmt_ratio(e["ratio_to_mainline" if with_mainline
                               else "ratio_to_plain"]),
                   fmt_ratio(e["ratio_to_raw"]),
                   fmt(e["sys_cpu_s_per_gib"])]
            row += [fmt_ops(ops.get(op)) if ops else "-" for op in TABLE_OPS]
            if e["failed_runs"]:
                row[1] += " (%d of %d runs failed)" % (e["failed_runs"],
                                                      e["runs"])
            lines.append("| " + " | ".join(row) + " |")
    return lines


def target_lines(tgts):
    lines = []
    for t in tgts:
        det = ", ".join(
            "%s %.2fx%s" % (c["workload"], c["ratio"],
                            "" if c["met"] else " (not met%s)" %
                            (", within the repeats' spread"
                             if c.get("spreads_overlap") else ""))
            for c in t["checks"])
        lines.append("- **%s**: %s%s" % (t["target"], t["status"],
                                          ": " + det if det else ""))
    return lines


def check_line(layout, res, workloads, configs):
    """One sentence: did every pNFS run use the layout type?"""
    bad = []
    n = 0
    for w in workloads:
        for c in configs:
            chk = res.get((w, c), {}).get("layout_check")
            if not chk:
                continue
            n += 1
            if not chk["verified"]:
                if "layoutget_min" in chk:
                    more = ", LAYOUTGET %d, MDS READ+WRITE %d" % (
                        chk["layoutget_min"], chk["mds_read_write_max"])
                elif "layoutget_max" in chk:
                    more = ", LAYOUTGET %d" % chk["layoutget_max"]
                else:
                    more = ""
                bad.append("%s %s: pnfs=%s%s" % (
                    w, c, "/".join(chk["pnfs"]), more))
    want = LAYOUTS[layout]["type"]
    what = ("every %s run mounted with pnfs=%s, sent "
            "LAYOUTGET and no READ or WRITE to the metadata server"
            % ("ours and mainline" if LAYOUTS[layout]["mainline"]
               else "ours", want))
    if LAYOUTS[layout]["plain_unlayered"]:
        what += ("; every plain NFS run mounted without a layout driver "
                 "(pnfs=not configured) and sent no LAYOUTGET")
    if "ours-small" in configs:
        what += ("; every ours-small run mounted with pnfs=%s (its "
                 "writes of files up to 64 KiB go through the MDS: the "
                 "WRITE/GiB column)" % want)
    if not n:
        return "Layout check: nothing to check."
    if not bad:
        return "Layout check (mountstats, every run): %s." % what
    return ("Layout check (mountstats, every run): NOT verified for %s "
            "(wanted: %s)." % ("; ".join(bad), what))


def ratio_table(sections, workloads):
    """ours' median against mainline, the raw disk and plain NFS, for
    each layout type side by side."""
    lines = []
    head = ["workload"]
    refs = []
    for lay, _, _ in sections:
        name = LAYOUTS[lay]["short"]
        # no mainline column where it does no pNFS
        lrefs = (["mainline"] if LAYOUTS[lay]["mainline"] else []) + [
            "raw", "plain"]
        refs.append(lrefs)
        head += ["%s: vs %s" % (name, "plain NFS" if r == "plain" else r)
                 for r in lrefs]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
    for w in workloads:
        row = ["%s (%s)" % WORKLOADS[w][::2]]
        for (_, res, _), lrefs in zip(sections, refs):
            e = res.get((w, "ours"))
            row += [fmt_ratio(e and e["ratio_to_" + ref]) for ref in lrefs]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def setup_text(doc):
    """The guest, the disks and the cache mode, for the first section."""
    m = doc["meta"]
    return (
        "Setup: one guest boot (kernel %s, %s vCPUs, %s MiB RAM, %s); NFSv4.2 "
        "over guest loopback to nfsd; XFS on whole virtio disks, QEMU "
        "`cache=%s` (guest sees write cache: %s), so O_DIRECT reads can be "
        "served from the host's page cache."
        % (m.get("kernel"), m.get("guest_cpus"),
           int(m.get("guest_mem_kb", 0)) // 1024, m.get("fio"),
           doc["cache_mode"], m.get("write_cache")))


def drivers_text(doc):
    """The two drivers and how the costs are counted."""
    m = doc["meta"]
    return (
        "Drivers: ours `%s`; mainline `%s`.  Before every pNFS run the "
        "loaded module was checked (ours: out of tree, taint O, with an "
        "`upcall_timeout` parameter; mainline: in tree, signed).  System "
        "CPU is guest-wide (system + irq + softirq from `/proc/stat`: the "
        "client, nfsd and loopback TCP together) per GiB moved.  NFS "
        "operations per GiB come from `/proc/self/mountstats` deltas "
        "between mount and unmount; READ includes READ_PLUS."
        % (m.get("ours_module"), m.get("mainline_module")))


def block_intro(doc, layouts):
    """The block section's paragraphs (it always comes first)."""
    m = doc["meta"]
    return [setup_text(doc) +
            "  Files %s MiB, %s repeats, time-based runs %s s, "
            "%s small files; median (min..max) of the repeats.  Plain "
            "NFS is the server's export without `pnfs` (an identical "
            "second virtio disk); raw disk is the server's own XFS on "
            "the pnfs export's disk."
            % (m.get("mib"), m.get("repeats"), m.get("runtime"),
               m.get("nfiles")),
            drivers_text(doc)]


def scsi_intro(doc, layouts):
    """The SCSI section's paragraph; with no block section before it, it
    says what that one would have said."""
    m = doc["meta"]
    reduced = ""
    if (m.get("scsi_mib"), m.get("scsi_repeats")) != (
            m.get("mib"), m.get("repeats")):
        reduced = (" (reduced from the block part's %s MiB and %s "
                   "repeats, to keep `make bench` short)"
                   % (m.get("mib"), m.get("repeats")))
    text = (
        "The same workloads, interleaved the same way%s: a LIO "
        "iSCSI target on the "
        "guest's loopback (iblock on a third virtio disk, `cache=%s`; "
        "the initiator's disk shows write cache: %s), two open-iscsi "
        "sessions (the server's and the client's: %s), nfsd "
        "exporting XFS with `pnfs` on the server's iSCSI disk, so "
        "the layout type is LAYOUT_SCSI with persistent "
        "reservations.  Files %s MiB, %s repeats%s, time-based runs "
        "%s s, %s small files.  Plain NFS is that same export, "
        "mounted with no layout driver loaded (and none loadable); "
        "raw disk is the server's own XFS on its iSCSI disk."
        % (", after the block part in the same boot"
           if "block" in layouts else "",
           doc["cache_mode"], m.get("scsi_write_cache"),
           m.get("scsi_disks"), m.get("scsi_mib"),
           m.get("scsi_repeats"), reduced, m.get("runtime"),
           m.get("nfiles")))
    if "block" not in layouts:
        text = setup_text(doc) + "  " + text + "  " + drivers_text(doc)
    return [text]


def big_intro(doc, layouts, lay):
    """The paragraph of a larger-block section: what changed, and what
    mainline made of it."""
    m = doc["meta"]
    kib = LAYOUTS[lay]["block_bytes"] // 1024
    first = [lay2 for lay2 in layouts if lay2 not in ("block", "scsi")][0]
    pre = []
    if "block" not in layouts and "scsi" not in layouts and lay == first:
        pre = [setup_text(doc), drivers_text(doc)]
    return pre + [
        "The block layout's setup again, after the other parts in the same "
        "boot, with both block exports (the pnfs one and plain NFS's) "
        "made again as XFS with %d KiB blocks (`mkfs.xfs -b size=%d`), "
        "above the 4 KiB page, and nfsd restarted.  Files %s MiB, %s "
        "repeats, time-based runs %s s, %s small files."
        % (kib, kib * 1024, m.get("big_mib"), m.get("big_repeats"),
           m.get("runtime"), m.get("nfiles")),
        "Mainline does not run here: it turns pNFS off for the whole "
        "mount when the layout block size is above the page size, so "
        "all its I/O goes through the metadata server like plain NFS.  "
        "Its one mount of this export in this boot: pnfs=%s, kernel "
        "log `%s`."
        % (m.get("mainline_pnfs_" + lay, "not probed"),
           m.get("mainline_msg_" + lay, "none"))]


# What differs between the layout types, for the report and the chart:
#   title            the chart panel's title
#   short            the ratio table's column prefix
#   configs          config -> its title in the tables and the chart
#   type             the layout type the pNFS configurations must use
#   plain_unlayered  plain NFS mounts the pnfs export itself, so it must
#                    not get a layout
#   heading          the section's heading in results.md (None: the
#                    document's own heading serves)
#   targets_heading  the heading of its targets
#   intro            fn(doc, layouts) -> the paragraphs before its table
#   dat              the chart's data file
#   mainline         mainline's driver runs pNFS there (else it is not run)
#   block_bytes      the XFS block size of the exports, where not 4 KiB
LAYOUTS = {
    "block": {
        "title": "pNFS block layout over virtio",
        "short": "block",
        "configs": CONFIG_TITLES,
        "type": "LAYOUT_BLOCK_VOLUME",
        "plain_unlayered": False,
        "heading": None,
        "targets_heading": "## Targets (reported, not enforced)",
        "intro": block_intro,
        "dat": "results.dat",
        "mainline": True,
    },
    "scsi": {
        "title": "pNFS SCSI layout over iSCSI",
        "short": "SCSI",
        "configs": SCSI_CONFIG_TITLES,
        "type": "LAYOUT_SCSI",
        "plain_unlayered": True,
        "heading": "## pNFS SCSI layout over iSCSI",
        "targets_heading": "### Targets, SCSI layout (reported, not enforced)",
        "intro": scsi_intro,
        "dat": "results-scsi.dat",
        "mainline": True,
    },
}
for _bytes in (16384, 65536):
    _lay = "block%dk" % (_bytes // 1024)
    LAYOUTS[_lay] = {
        "title": "pNFS block layout, %d KiB XFS blocks" % (_bytes // 1024),
        "short": "block %d KiB" % (_bytes // 1024),
        "configs": CONFIG_TITLES,
        "type": "LAYOUT_BLOCK_VOLUME",
        "plain_unlayered": False,
        "heading": "## pNFS block layout over %d KiB XFS blocks"
                   % (_bytes // 1024),
        "targets_heading": "### Targets, %d KiB blocks (reported, not "
                           "enforced)" % (_bytes // 1024),
        "intro": (lambda lay: lambda doc, layouts: big_intro(doc, layouts,
                                                               lay))(_lay),
        "dat": "results-%s.dat" % _lay,
        "mainline": False,
        "block_bytes": _bytes,
    }

TARGETS_INTRO = (
    "Each target compares medians; \"within the repeats' spread\" "
    "marks a miss where the two configurations' min..max ranges "
    "overlap, so more repeats could tip it either way.")


def section(doc, lay, res, layouts, workloads, configs, tgts):
    """One layout type's part of results.md, as lines."""
    desc = LAYOUTS[lay]
    lines = []
    if desc["heading"]:
        lines += [desc["heading"], ""]
    for para in desc["intro"](doc, layouts):
        lines += [para, ""]
    lines += table(res, workloads, configs, desc["configs"],
                   desc["mainline"])
    lines += ["", check_line(lay, res, workloads, configs), "",
              desc["targets_heading"], "", TARGETS_INTRO, ""]
    lines += target_lines(tgts)
    lines.append("")
    return lines


def markdown(doc, sections, workloads, tgts):
    """sections: [(layout, res, configs)], in the order run; tgts:
    {layout: targets}."""
    layouts = {lay: res for lay, res, _ in sections}
    lines = ["# pNFS block layout benchmark", "", "**%s**" % TCG_NOTE, ""]
    for lay, res, configs in sections:
        lines += section(doc, lay, res, layouts, workloads, configs,
                         tgts[lay])
    if len(sections) > 1:
        lines += ["## Ours' ratios within each layout type", "",
                  "Medians, each layout type against its own mainline, "
                  "raw disk and plain NFS runs (no mainline over blocks "
                  "above the page: it does no pNFS there).", ""]
        lines += ratio_table(sections, workloads)
        lines.append("")
    lines.append("Generated %s by tools/testing/pnfs-block/bench.sh: %d "
                 "runs in %.0f s of guest time; every run in results.json."
                 % (doc["generated"], len(doc["runs"]), doc["guest_seconds"]))
    return "\n".join(lines) + "\n"


def chart_data(dat, res, workloads, configs):
    """One panel's gnuplot data: a line per workload, for each configuration
    its median, min and max relative to the raw disk's median (NaN where
    either is missing)."""
    with open(dat, "w", encoding="utf-8") as f:
        for w in workloads:
            raw = res.get((w, "raw"))
            base = raw["median"] if raw and raw["median"] else None
            cols = [w]
            for c in configs:
                e = res.get((w, c))
                if base and e and e["median"]:
                    cols += ["%.4g" % (v / base)
                             for v in (e["median"], e["min"], e["max"])]
                else:
                    cols += ["NaN"] * 3
            f.write(" ".join(cols) + "\n")


def chart(out, sections, workloads, cache_mode):
    """results.png: each configuration's median relative to the raw disk
    of its layout type (log scale), with the repeats' min..max as error
    bars; one panel per layout type."""
    if not shutil.which("gnuplot"):
        print("bench-report: gnuplot missing, no chart", file=sys.stderr)
        return False
    script = [
        "set terminal pngcairo size 1400,%d noenhanced" % (700 * len(sections)),
        "set output '%s'" % os.path.join(out, "results.png"),
        "set multiplot layout %d,1" % len(sections),
        "set ylabel 'throughput or IOPS / raw disk (log)'",
        "set logscale y",
        "set grid ytics",
        "set key top right",
        "set style data histogram",
        "set style histogram errorbars gap 2 lw 1",
        "set style fill solid 0.8 border -1",
        "set xtics rotate by -20",
    ]
    for lay, res, lconfigs in sections:
        title, titles = LAYOUTS[lay]["title"], LAYOUTS[lay]["configs"]
        dat = os.path.join(out, LAYOUTS[lay]["dat"])
        chart_data(dat, res, workloads, lconfigs)
        plots = []
        for i, c in enumerate(lconfigs):
            b = 2 + 3 * i
            # one colour per configuration in every panel
            plots.append("'%s' using %d:%d:%d:xtic(1) title '%s' lt %d"
                         % (dat, b, b + 1, b + 2, titles.get(c, c),
                            CONFIG_COLOURS.get(c, 5 + i)))
        script += [
            "set title '%s, relative to the raw disk (median, min..max).  "
            "QEMU TCG, disk cache=%s: compare ratios within this run only'"
            % (title, cache_mode),
            "plot " + ", ".join(plots),
        ]
    script.append("unset multiplot")
    try:
        subprocess.run(["gnuplot"], input="\n".join(script) + "\n",
                       text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print("bench-report: gnuplot failed: %s" % e, file=sys.stderr)
        return False
    return True


def guest_seconds(runs):
    """Guest time from the first run's start to the last one's end."""
    return round(max(r["end_s"] for r in runs) -
                 min(r["start_s"] for r in runs), 1)


def document(a, meta, runs, sections, tgts, workloads, configs):
    """results.json: the block layout's results at the top (where they
    have always been), the SCSI layout's under "scsi"."""
    bylay = {lay: (res, lconfigs) for lay, res, lconfigs in sections}
    res = bylay.get("block", ({}, []))[0]
    doc = {
        "note": TCG_NOTE,
        "generated": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cache_mode": a.cache_mode,
        "meta": meta,
        "workloads": {w: {"title": WORKLOADS[w][0], "unit": WORKLOADS[w][2]}
                      for w in workloads},
        "configs": {c: CONFIG_TITLES.get(c, c) for c in configs},
        "layouts": [lay for lay, _, _ in sections],
        "results": [res[(w, c)] for w in workloads for c in configs
                    if (w, c) in res],
        "targets": tgts.get("block", []),
        "guest_seconds": guest_seconds(runs),
        "runs": runs,
    }
    for lay in tgts:
        if lay in ("block", "scsi"):
            continue
        bres, bconfigs = bylay[lay]
        doc[lay] = {
            "title": LAYOUTS[lay]["title"],
            "block_bytes": LAYOUTS[lay]["block_bytes"],
            "mib": meta.get("big_mib"), "repeats": meta.get("big_repeats"),
            "mainline_pnfs": meta.get("mainline_pnfs_" + lay),
            "mainline_msg": meta.get("mainline_msg_" + lay),
            "configs": {c: CONFIG_TITLES.get(c, c) for c in bconfigs},
            "results": [bres[(w, c)] for w in workloads for c in bconfigs
                        if (w, c) in bres],
            "targets": tgts[lay],
            "layout_verified": all(
                e["layout_check"]["verified"] for e in bres.values()
                if "layout_check" in e),
        }
    if "scsi" in tgts:
        sres = bylay["scsi"][0]
        doc["scsi"] = {
            "title": LAYOUTS["scsi"]["title"],
            "mib": meta.get("scsi_mib"), "repeats": meta.get("scsi_repeats"),
            "disks": meta.get("scsi_disks"),
            "configs": {c: SCSI_CONFIG_TITLES.get(c, c) for c in configs},
            "results": [sres[(w, c)] for w in workloads for c in configs
                        if (w, c) in sres],
            "targets": tgts["scsi"],
            "layout_verified": all(
                e["layout_check"]["verified"] for e in sres.values()
                if "layout_check" in e),
        }
    for lay, _, _ in sections:
        lruns = [r for r in runs if r["layout"] == lay]
        if lruns:
            doc["guest_seconds_" + lay] = guest_seconds(lruns)
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", required=True,
                    help="the guest's results/bench directory")
    ap.add_argument("--out", required=True, help="where results.* go")
    ap.add_argument("--cache-mode", default="unknown",
                    help="QEMU cache mode of the data disks")
    a = ap.parse_args()

    meta = read_env(os.path.join(a.runs, "meta.env"))
    user_hz = int(meta.get("user_hz", 100))
    workloads = [w for w in meta.get("workloads", "").split()
                 if w in WORKLOADS]
    configs = meta.get("configs", "").split()
    runs = load_runs(a.runs, user_hz)
    if not runs:
        print("bench-report: no runs in %s" % a.runs, file=sys.stderr)
        return 1
    layouts = [lay for lay in meta.get("layouts", "block").split()
               if lay in LAYOUTS]
    sections = []
    for lay in layouts:
        lconfigs = [c for c in configs
                    if c != "mainline" or LAYOUTS[lay]["mainline"]]
        sections.append((lay, aggregate(runs, workloads, lconfigs, lay),
                         lconfigs))
    tgts = {lay: targets(res, workloads, lay) for lay, res, _ in sections}
    os.makedirs(a.out, exist_ok=True)
    doc = document(a, meta, runs, sections, tgts, workloads, configs)
    with open(os.path.join(a.out, "results.json"), "w",
              encoding="utf-8") as f:
        json.dump(doc, f, indent=1, allow_nan=False, default=str)
        f.write("\n")
    with open(os.path.join(a.out, "results.md"), "w", encoding="utf-8") as f:
        f.write(markdown(doc, sections, workloads, tgts))
    chart(a.out, sections, workloads, a.cache_mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
