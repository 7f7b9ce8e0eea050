/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	rules - the content rules file: parsed, compiled, matched
 * DESCRIPTION
 *	SKELETON: the contract of rw_policy.h ("content: rules") with no
 *	implementation yet; the rules work replaces this file.
 */
#include "config.h"

#include "rw_policy.h"

unsigned int
rw_content_needs(const struct rw_config *cfg)
{
	/* the URI lists read the message's links (uribl.c) */
	return rw_uribl_lists(cfg) ? RW_NEED_BODY : 0;
}
