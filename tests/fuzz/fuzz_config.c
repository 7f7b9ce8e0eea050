/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	fuzz_config - libFuzzer target: the configuration parser from text
 * DESCRIPTION
 *	The input is a configuration file. It is parsed with the core's key
 *	table and the daemon's (rw_daemon_conf_parse(), which calls
 *	rw_config_parse_extra()), with a reader that serves "file:" lists
 *	from a fixed text, as the daemon does it: the main part (the text
 *	with its "[profile]" sections blanked), then, when that parsed, the
 *	profiles (policy/profile.c). On success the summary "relaywarden -t"
 *	prints is built; a failure always says why.
 */
#include "config.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "rw_policy.h"
#include "daemonconf.h"
#include "fuzz.h"

/* reader - every "file:" list is the same small list */
static char *
reader(const char *path, void *ctx, char *err, size_t errlen)
{
	(void)ctx;
	if (strstr(path, "missing") != NULL) {
		snprintf(err, errlen, "%s: no such file", path);
		return NULL;
	}
	return strdup("# a list\n192.0.2.0/24\nexample.test\n");
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rw_daemon_conf dc;
	struct rw_config *cfg;
	struct rw_profiles ps;
	struct rw_listener li = { "submission", "587", "127.0.0.1" };
	char	*text = fuzz_str(data, size), err[RW_ERR_MAX], *sum, *main_text;
	const size_t sumlen = 65536;

	err[0] = '\0';
	if ((main_text = rw_profiles_main_text(text)) == NULL)
		abort();
	cfg = rw_daemon_conf_parse(main_text, "fuzz.conf", reader, NULL, &dc,
	    err, sizeof(err));
	free(main_text);
	assert(strlen(err) < sizeof(err));
	if (cfg != NULL) {
		if (rw_profiles_parse(text, "fuzz.conf", reader, NULL, &ps, err,
		    sizeof(err))) {
			(void)rw_profiles_select(&ps, &li);
			rw_profiles_free(&ps);
		} else {
			assert(err[0] != '\0' && ps.n == 0);
		}
		if ((sum = malloc(sumlen)) == NULL)
			abort();
		rw_daemon_conf_summary(cfg, &dc, sum, sumlen);
		assert(strlen(sum) < sumlen);
		free(sum);
		rw_daemon_conf_free(&dc);
		rw_config_free(cfg);
	} else {
		assert(err[0] != '\0');	/* a failure always says why */
	}
	free(text);
	return 0;
}
