/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	testconf.h - a configuration text the test expects to be valid
 * DESCRIPTION
 *	Most unit tests start from a configuration written in the test
 *	itself. test_config() parses it as relaywarden would (no file
 *	reader: included files are not used by these tests) and fails the
 *	test, naming the case and the parser's file:line errors, when the
 *	text does not parse. One helper, so that every test reports a bad
 *	fixture the same way.
 */
#ifndef RW_TEST_TESTCONF_H
#define RW_TEST_TESTCONF_H

#include <check.h>

#include "rw_policy.h"

static inline struct rw_config *
test_config(const char *label, const char *source, const char *text)
{
	struct rw_config *cfg;
	char	err[RW_ERR_MAX] = "";

	cfg = rw_config_parse(text, source, NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s: configuration: got errors \"%s\", "
	    "want none", label, err);
	return cfg;
}

#endif
