// SPDX-License-Identifier: GPL-2.0
/*
 * pNFS block and SCSI layout client: tracepoint instances.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
