# SPDX-License-Identifier: GPL-2.0
"""commit.c as the series' last patch makes it: the generic client of
the series lets ->prepare_layoutcommit fail.  Prints the edited file."""
import sys
s = open(sys.argv[1]).read()
edits = [
(""" * The generic client of 6.12 (pnfs_layoutcommit_inode()) accepts only two
 * answers from ->prepare_layoutcommit: %0, and %-ENOSPC, which sends the
 * commit and keeps the inode marked for another.  On any other error it
 * frees the commit without putting the layout segments it had pinned for
 * it, so the layout header is never freed and unmount waits for ever.
 * Every failure here therefore still gives a valid body (at worst one
 * listing nothing) and %-ENOSPC.  A generic client that gives those
 * segments back (PNFS_PREPARE_LAYOUTCOMMIT_MAY_FAIL, fs/nfs/pnfs/) is
 * told the error instead, and sends nothing.
""",
""" * ->prepare_layoutcommit answers %0, %-ENOSPC, which sends the commit
 * and keeps the inode marked for another, or the error that left the
 * body empty: pnfs_layoutcommit_inode() then sends nothing and keeps the
 * layout segments pinned for the next commit.
"""),
(""" * Return: %0, or %-ENOSPC when written extents are left for another
 * commit (more than one commit lists, or this one could list nothing):
 * the generic client sends this one and keeps the inode marked.  On a
 * stock 6.12 generic client never anything else (see the top of this
 * file); on one that allows it, the error that left the body empty.
""",
""" * Return: %0, %-ENOSPC when written extents are left for another commit
 * (more than one commit lists): the generic client sends this one and
 * keeps the inode marked; or the error that left the body empty, and
 * nothing is sent.
"""),
("""#ifdef PNFS_PREPARE_LAYOUTCOMMIT_MAY_FAIL
""", ""),
("""		return nr;
	}
#endif
	if (nr < 0 || bl_ext_has_written(&bl->ext))
""",
"""		return nr;
	}
	if (bl_ext_has_written(&bl->ext))
"""),
]
for a, b in edits:
    if s.count(a) != 1:
        sys.exit("patches.sh: commit.c changed; update commit_c_in_tree: " + a.splitlines()[0])
    s = s.replace(a, b)
sys.stdout.write(s)
