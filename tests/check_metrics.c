/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_metrics - unit tests for milter/metrics.c
 * DESCRIPTION
 *	The counters as rw_metrics_render() shows them: a verdict row per
 *	stage, check, action and mode; histogram buckets cumulative with
 *	+Inf equal to _count; configured lists shown at zero and kept
 *	across a "reload" that drops them; list names escaped; check names
 *	past the table's size counted as "other"; no row for a list that
 *	was never configured but "other". metrics.c keeps process-wide
 *	state: Check runs each test in a child of its own, and the tests
 *	compare against what they read before, or use names of their own,
 *	so that they also hold with CK_FORK=no in the order given.
 *
 *	Table-driven where there are rows; "got X, want Y" messages.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "rw_policy.h"

/* sample - the value of the row named exactly "key" (labels included),
 * -1 when absent */
static double
sample(const char *text, const char *key)
{
	const char *p = text;
	size_t	kl = strlen(key);

	while ((p = strstr(p, key)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[kl] == ' ')
			return strtod(p + kl + 1, NULL);
		p += kl;
	}
	return -1;
}

static char *
render(void)
{
	size_t	len = 0;
	char	*t = rw_metrics_render(&len);

	ck_assert_msg(t != NULL, "render: got NULL, want text");
	ck_assert_msg(strlen(t) == len, "render: length %zu, want %zu", len,
	    strlen(t));
	return t;
}

struct verdict_row {
	const char	*label;
	enum rw_stage	 stage;
	const char	*check;
	enum rw_action	 action;
	bool		 dryrun;
	int		 times;
	const char	*key;
};

static const struct verdict_row verdict_rows[] = {
	{ "dnsbl reject at rcpt", RW_STAGE_RCPT, "dnsbl", RW_ACT_REJECT, false, 3,
	    "relaywarden_verdicts_total{stage=\"rcpt\",check=\"dnsbl\","
	    "action=\"reject\",mode=\"enforce\"}" },
	{ "dryrun reject", RW_STAGE_RCPT, "dnsbl", RW_ACT_REJECT, true, 2,
	    "relaywarden_verdicts_total{stage=\"rcpt\",check=\"dnsbl\","
	    "action=\"reject\",mode=\"dryrun\"}" },
	{ "spf tag at mail", RW_STAGE_MAIL, "spf", RW_ACT_TAG, false, 1,
	    "relaywarden_verdicts_total{stage=\"mail\",check=\"spf\","
	    "action=\"tag\",mode=\"enforce\"}" },
	{ "no check: none", RW_STAGE_RCPT, NULL, RW_ACT_CONTINUE, false, 4,
	    "relaywarden_verdicts_total{stage=\"rcpt\",check=\"none\","
	    "action=\"continue\",mode=\"enforce\"}" },
};

START_TEST(test_verdicts)
{
	const struct verdict_row *r = &verdict_rows[_i];
	char	*t, check[32];
	double	 before, got;
	int	 i;

	t = render();
	before = sample(t, r->key);
	free(t);
	if (before < 0)
		before = 0;
	for (i = 0; i < r->times; i++) {
		/* a copy: names are compared by content, not address */
		if (r->check != NULL)
			snprintf(check, sizeof(check), "%s", r->check);
		rw_metrics_verdict(r->stage, r->check != NULL ? check : NULL,
		    r->action, r->dryrun, 0.001);
	}
	t = render();
	got = sample(t, r->key);
	free(t);
	ck_assert_msg(got == before + r->times, "%s: %s: got %g, want %g",
	    r->label, r->key, got, before + r->times);
}
END_TEST

/* histogram: 0.003 -> le 0.005; 0.3 -> le 0.5; 20 -> only +Inf */
START_TEST(test_histogram)
{
	char	*t;
	static const struct { const char *le; double want; } b[] = {
		{ "0.005", 1 }, { "0.25", 1 }, { "0.5", 2 }, { "10", 2 },
		{ "+Inf", 3 },
	};
	char	key[128];
	size_t	i;

	rw_metrics_verdict(RW_STAGE_EOH, "h", RW_ACT_CONTINUE, false, 0.003);
	rw_metrics_verdict(RW_STAGE_EOH, "h", RW_ACT_CONTINUE, false, 0.3);
	rw_metrics_verdict(RW_STAGE_EOH, "h", RW_ACT_CONTINUE, false, 20);
	t = render();
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		snprintf(key, sizeof(key), "relaywarden_verdict_wait_seconds_bucket"
		    "{stage=\"eoh\",le=\"%s\"}", b[i].le);
		ck_assert_msg(sample(t, key) == b[i].want, "bucket le=%s: got %g, "
		    "want %g", b[i].le, sample(t, key), b[i].want);
	}
	ck_assert_msg(sample(t, "relaywarden_verdict_wait_seconds_count"
	    "{stage=\"eoh\"}") == 3, "count: got %g, want 3", sample(t,
	    "relaywarden_verdict_wait_seconds_count{stage=\"eoh\"}"));
	ck_assert_msg(sample(t, "relaywarden_verdict_wait_seconds_sum"
	    "{stage=\"eoh\"}") > 20.30 && sample(t,
	    "relaywarden_verdict_wait_seconds_sum{stage=\"eoh\"}") < 20.31,
	    "sum: got %g, want 20.303", sample(t,
	    "relaywarden_verdict_wait_seconds_sum{stage=\"eoh\"}"));
	free(t);
}
END_TEST

/* lists: shown at zero, counted by name, kept when a reload drops them,
 * escaped; an unknown name is "other" */
START_TEST(test_lists)
{
	struct rw_config *cfg;
	char	err[RW_ERR_MAX], *t;

	cfg = rw_config_parse("dnsbl = one@bl1.example, bl2.example\n",
	    "test.conf", NULL, NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "config: %s", err);
	rw_metrics_lists(cfg);
	rw_config_free(cfg);
	t = render();
	ck_assert_msg(sample(t, "relaywarden_dnsbl_hits_total{list=\"one\"}") ==
	    0, "configured list at zero: got %g", sample(t,
	    "relaywarden_dnsbl_hits_total{list=\"one\"}"));
	ck_assert_msg(sample(t, "relaywarden_dnsbl_suspended"
	    "{list=\"bl2.example\"}") == 0, "list without a name: by zone");
	ck_assert_msg(sample(t, "relaywarden_dnsbl_hits_total{list=\"other\"}")
	    < 0, "\"other\" shown before use");
	free(t);

	rw_metrics_list_lookup("one", false);
	rw_metrics_list_lookup("one", true);
	rw_metrics_list_answer("one", RW_DNS_OK, true, false);
	rw_metrics_list_answer("one", RW_DNS_TIMEOUT, false, false);
	rw_metrics_list_answer("one", RW_DNS_SERVFAIL, false, false);
	rw_metrics_list_answer("one", RW_DNS_OK, false, true);
	rw_metrics_list_suspended("bl1.example", true);
	rw_metrics_list_lookup("never-configured", false);

	/* a reload without list "one" */
	cfg = rw_config_parse("dnsbl = three@bl3.example\n", "test.conf", NULL,
	    NULL, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "config: %s", err);
	rw_metrics_lists(cfg);
	rw_config_free(cfg);

	t = render();
	static const struct { const char *key; double want; } rows[] = {
		{ "relaywarden_dnsbl_lookups_total{list=\"one\"}", 2 },
		{ "relaywarden_dnsbl_cache_hits_total{list=\"one\"}", 1 },
		{ "relaywarden_dnsbl_hits_total{list=\"one\"}", 1 },
		{ "relaywarden_dnsbl_timeouts_total{list=\"one\"}", 1 },
		{ "relaywarden_dnsbl_servfails_total{list=\"one\"}", 1 },
		{ "relaywarden_dnsbl_list_errors_total{list=\"one\"}", 1 },
		{ "relaywarden_dnsbl_suspended{list=\"one\"}", 1 },
		{ "relaywarden_dnsbl_hits_total{list=\"three\"}", 0 },
		{ "relaywarden_dnsbl_lookups_total{list=\"other\"}", 1 },
		{ "relaywarden_dnsbl_lookups_total{list=\"bl2.example\"}", 0 },
	};
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		ck_assert_msg(sample(t, rows[i].key) == rows[i].want, "%s: got %g, "
		    "want %g", rows[i].key, sample(t, rows[i].key), rows[i].want);
	ck_assert_msg(strstr(t, "never-configured") == NULL, "an unconfigured "
	    "name became a label");
	free(t);
}
END_TEST

/* check names beyond the table: "other", and the table stays bounded */
START_TEST(test_check_overflow)
{
	char	name[RW_METRICS_CHECKS + 8][16], *t;
	size_t	i, rows = 0;
	const char *p;

	for (i = 0; i < sizeof(name) / sizeof(name[0]); i++) {
		snprintf(name[i], sizeof(name[i]), "c%zu", i);
		rw_metrics_verdict(RW_STAGE_CONNECT, name[i], RW_ACT_REJECT, false,
		    0);
	}
	t = render();
	for (p = t; (p = strstr(p, "relaywarden_verdicts_total{")) != NULL; p++)
		rows++;
	ck_assert_msg(sample(t, "relaywarden_verdicts_total{stage=\"connect\","
	    "check=\"other\",action=\"reject\",mode=\"enforce\"}") > 0,
	    "no \"other\" row after %d names", RW_METRICS_CHECKS + 8);
	ck_assert_msg(rows <= RW_METRICS_CHECKS * 2 + 8, "verdict rows: got "
	    "%zu, want a bounded number", rows);
	free(t);
}
END_TEST

/* SPF by identity; DNS answers by status; the in-flight gauge */
static unsigned int
seven(void)
{
	return 7;
}

START_TEST(test_spf_dns_gauge)
{
	char	*t;

	rw_metrics_spf(true, RW_SPF_PASS);
	rw_metrics_spf(false, RW_SPF_FAIL);
	rw_metrics_spf(false, RW_SPF_FAIL);
	rw_metrics_dns_query();
	rw_metrics_dns_answer(RW_DNS_NXDOMAIN, 0.002);
	rw_metrics_set_inflight(seven);
	t = render();
	ck_assert_msg(sample(t, "relaywarden_spf_results_total{identity=\"helo\","
	    "result=\"pass\"}") == 1, "spf helo pass");
	ck_assert_msg(sample(t, "relaywarden_spf_results_total{identity="
	    "\"mailfrom\",result=\"fail\"}") == 2, "spf mailfrom fail");
	ck_assert_msg(sample(t, "relaywarden_dns_queries_total") == 1, "queries");
	ck_assert_msg(sample(t, "relaywarden_dns_answers_total{status="
	    "\"nxdomain\"}") == 1, "answers nxdomain");
	ck_assert_msg(sample(t, "relaywarden_dns_answer_seconds_bucket"
	    "{le=\"0.005\"}") == 1, "dns latency bucket");
	ck_assert_msg(sample(t, "relaywarden_sessions_in_flight") == 7,
	    "in flight: got %g, want 7", sample(t,
	    "relaywarden_sessions_in_flight"));
	free(t);
}
END_TEST

/* the content stage: messages, bytes, truncated ones, defects by kind,
 * rule hits by name (a copied name: the configuration may be freed),
 * names past RW_METRICS_RULES as "other", a quoted name escaped */
START_TEST(test_content)
{
	char	name[RW_METRICS_RULES + 4][16], *t, buf[128];
	size_t	i, rows = 0;
	const char *p;

	rw_metrics_content_message(1000, false);
	rw_metrics_content_message(1048576, true);
	rw_metrics_content_defects(RW_MIME_BAD_BOUNDARY | RW_MIME_TRUNCATED);
	rw_metrics_content_defects(RW_MIME_BAD_BOUNDARY);
	snprintf(buf, sizeof(buf), "hex\"url");
	rw_metrics_rule_hit(buf);
	buf[0] = 'X';			/* the caller's copy changes: ours not */
	rw_metrics_rule_hit("hex\"url");
	for (i = 0; i < sizeof(name) / sizeof(name[0]); i++) {
		snprintf(name[i], sizeof(name[i]), "r%zu", i);
		rw_metrics_rule_hit(name[i]);
	}
	t = render();
	ck_assert_msg(sample(t, "relaywarden_content_messages_total") == 2,
	    "messages: got %g, want 2", sample(t,
	    "relaywarden_content_messages_total"));
	ck_assert_msg(sample(t, "relaywarden_content_bytes_total") == 1049576,
	    "bytes: got %g, want 1049576", sample(t,
	    "relaywarden_content_bytes_total"));
	ck_assert_msg(sample(t, "relaywarden_content_truncated_total") == 1,
	    "truncated: got %g, want 1", sample(t,
	    "relaywarden_content_truncated_total"));
	ck_assert_msg(sample(t, "relaywarden_mime_defects_total{kind="
	    "\"bad_boundary\"}") == 2, "bad_boundary: want 2");
	ck_assert_msg(sample(t, "relaywarden_mime_defects_total{kind="
	    "\"truncated\"}") == 1, "truncated defect: want 1");
	ck_assert_msg(sample(t, "relaywarden_mime_defects_total{kind="
	    "\"bad_charset\"}") == 0, "bad_charset: want 0");
	ck_assert_msg(sample(t, "relaywarden_rule_hits_total{rule="
	    "\"hex\\\"url\"}") == 2, "rule hex\"url: got %g, want 2",
	    sample(t, "relaywarden_rule_hits_total{rule=\"hex\\\"url\"}"));
	ck_assert_msg(sample(t, "relaywarden_rule_hits_total{rule=\"r0\"}") == 1,
	    "rule r0: want 1");
	/* 1 + 63 names fit; r63 .. r67 are "other" */
	ck_assert_msg(sample(t, "relaywarden_rule_hits_total{rule=\"other\"}")
	    == 5, "other: got %g, want 5", sample(t,
	    "relaywarden_rule_hits_total{rule=\"other\"}"));
	for (p = t; (p = strstr(p, "\nrelaywarden_rule_hits_total{")) != NULL;
	    p++)
		rows++;
	ck_assert_msg(rows == RW_METRICS_RULES + 1, "rule rows: got %zu, want "
	    "%d", rows, RW_METRICS_RULES + 1);
	free(t);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("core");

	tcase_add_loop_test(tc, test_verdicts, 0,
	    (int)(sizeof(verdict_rows) / sizeof(verdict_rows[0])));
	tcase_add_test(tc, test_histogram);
	tcase_add_test(tc, test_lists);
	tcase_add_test(tc, test_check_overflow);
	tcase_add_test(tc, test_spf_dns_gauge);
	tcase_add_test(tc, test_content);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(metrics_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
