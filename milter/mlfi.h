/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	mlfi.h - the libmilter filter description
 */
#ifndef RW_MLFI_H
#define RW_MLFI_H

#include <libmilter/mfapi.h>

extern struct smfiDesc rw_milter_desc;

#endif /* RW_MLFI_H */
