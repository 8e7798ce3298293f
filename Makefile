# SPDX-License-Identifier: GPL-2.0
#
# pNFS block and SCSI layout client for Linux 6.12.
#
# In a kernel tree the driver builds from fs/nfs/blocklayout/Makefile.
# Here, out of tree:
#   make [modules]   build blocklayoutdriver.ko against KDIR
#   make demo        boot a guest, show I/O going over the block layout
#   make check       static checks, KUnit (UML), end-to-end tests (QEMU)
#   make bench       benchmark ours vs mainline vs plain NFS vs raw disk
#                    (QEMU; not part of make check)
#   make fuzz        fuzz the decoders, volume trees and extent cache on
#                    the host, FUZZ_SECONDS (60) per target; the short
#                    run is check.sh's fuzz step, part of make check
#   make install     install the module under updates/ of KDIR's release
#   make deb         the Debian package pnfs-blocklayout-dkms_VERSION_all.deb
#                    in .out/deb/ (DKMS builds the module where installed)
#   make dkms-src    the DKMS source tree in .out/dkms-src/, for dkms add
#   make patches     the upstream series (git format-patch, cover letter)
#                    in .out/patches/, against the pinned linux-source-6.12
#   make fresh-install  the README's Install and Use it on a fresh Debian 12
#                    (debootstrap, chroot, then its own kernel in QEMU;
#                    fresh-install.sh; not part of make check)
#   make patches-check  check.sh patches: the series applies (git am),
#                    checkpatch --strict, every prefix builds fs/nfs/
#                    in-tree =m and =y (4-5 minutes warm, 12-20 cold;
#                    not part of make check)
# make check runs the end-to-end suites with both mainline's driver and
# ours; make demo uses ours (PNFSBL_DRIVER=mainline for the other).

ifneq ($(KERNELRELEASE),)
obj-y += fs/nfs/blocklayout/
else

KVER ?= 6.12.117+deb12-amd64
KDIR ?= /usr/src/linux-headers-$(KVER)
T := tools/testing/pnfs-block

export PNFSBL_KHDR := $(KDIR)

.PHONY: all modules deps demo check static kunit e2e bench fuzz install deb \
	dkms-src patches patches-check fresh-install clean
all: modules

deps:
	$(T)/deps.sh all

modules: deps
	$(T)/build.sh module

demo: deps
	$(T)/demo.sh

check:
	$(T)/check.sh

static: deps
	$(T)/check.sh static

kunit: deps
	$(T)/check.sh kunit-plain kunit-kasan

e2e: deps
	$(T)/check.sh e2e-block-mainline e2e-block-dkms e2e-blockx-ours \
		e2e-blockfail-ours e2e-scsi-mainline e2e-scsi-ours \
		e2e-mds-mainline e2e-mds-ours e2e-mds-hostile-ours \
		e2e-mds-topo-ours e2e-generic-ours-patched \
		e2e-mds-recall-ours-patched e2e-failret-ours-patched

bench: deps
	$(T)/bench.sh

fuzz: deps
	$(T)/fuzz.sh run

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/.out/obj/fs/nfs/blocklayout \
		INSTALL_MOD_DIR=updates CONFIG_MODULE_SIG_ALL= modules_install
	depmod -a $(KVER)

fresh-install:
	$(T)/deps.sh host
	$(T)/fresh-install.sh

deb:
	$(T)/deps.sh deb
	$(T)/dkms.sh deb

dkms-src:
	$(T)/deps.sh deb
	$(T)/dkms.sh src

patches: deps
	$(T)/patches.sh series

patches-check: deps
	$(T)/check.sh patches

clean:
	rm -rf .out
endif
