#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest entry point: run the suite named in /t/env (PNFSBL_SUITE).
. /t/env
exec "/t/$PNFSBL_SUITE.sh"
