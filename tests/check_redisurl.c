/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * NAME
 *	check_redisurl - unit tests of the Redis URL grammar (milter/redisurl.c)
 * DESCRIPTION
 *	Table-driven, a label per row, "got X, want Y" messages: the URL
 *	forms relaywarden.conf(5) documents, taken apart; and the forms it
 *	refuses, each with the words its message must hold. Then the
 *	configuration check: a bad Redis URL in state_store is a file:line
 *	error of rw_daemon_conf_parse(), a good one passes. No server, no
 *	name lookup.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemonconf.h"
#include "redisurl.h"
#include "rw_policy.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

struct good_case {
	const char	*label;
	const char	*url;
	bool		 unix_socket;
	const char	*host;		/* or the path */
	bool		 bracketed;
	int		 port;
	unsigned int	 db;
	const char	*user;
};

static const struct good_case good[] = {
	{ "address, port, database", "redis://127.0.0.1:6380/3", false,
	    "127.0.0.1", false, 6380, 3, "" },
	{ "defaults: port 6379, database 0", "redis://127.0.0.1", false,
	    "127.0.0.1", false, 6379, 0, "" },
	{ "a trailing slash is database 0", "redis://127.0.0.1/", false,
	    "127.0.0.1", false, 6379, 0, "" },
	{ "a name (resolved later, by the store)", "redis://redis.example:7000/1",
	    false, "redis.example", false, 7000, 1, "" },
	{ "IPv6 in brackets", "redis://[::1]:6379/2", false, "::1", true, 6379,
	    2, "" },
	{ "IPv6 in brackets, no port", "redis://[2001:db8::5]/0", false,
	    "2001:db8::5", true, 6379, 0, "" },
	{ "an ACL user", "redis://relay@127.0.0.1:6379/0", false, "127.0.0.1",
	    false, 6379, 0, "relay" },
	{ "an ACL user and IPv6", "redis://relay@[::1]:1/100000", false, "::1",
	    true, 1, 100000, "relay" },
	{ "unix socket", "redis+unix:/run/redis/redis.sock", true,
	    "/run/redis/redis.sock", false, 0, 0, "" },
	{ "unix socket with a database", "redis+unix:/run/redis.sock?db=7",
	    true, "/run/redis.sock", false, 0, 7, "" },
	{ "unix socket, URL style", "redis+unix:///run/redis.sock?db=0", true,
	    "/run/redis.sock", false, 0, 0, "" },
};

START_TEST(test_redisurl_good)
{
	const struct good_case *c = &good[_i];
	struct rw_redis_url u;
	char err[256] = "";

	ck_assert_msg(rw_redisurl_parse(c->url, &u, err, sizeof(err)),
	    "%s: %s refused: %s", c->label, c->url, err);
	ck_assert_msg(u.unix_socket == c->unix_socket, "%s: unix_socket got %d, "
	    "want %d", c->label, u.unix_socket, c->unix_socket);
	if (c->unix_socket)
		ck_assert_msg(strcmp(u.path, c->host) == 0, "%s: path got %s, "
		    "want %s", c->label, u.path, c->host);
	else {
		ck_assert_msg(strcmp(u.host, c->host) == 0, "%s: host got %s, "
		    "want %s", c->label, u.host, c->host);
		ck_assert_msg(u.port == c->port, "%s: port got %d, want %d",
		    c->label, u.port, c->port);
		ck_assert_msg(u.bracketed == c->bracketed, "%s: bracketed got "
		    "%d, want %d", c->label, u.bracketed, c->bracketed);
	}
	ck_assert_msg(u.db == c->db, "%s: db got %u, want %u", c->label, u.db,
	    c->db);
	ck_assert_msg(strcmp(u.user, c->user) == 0, "%s: user got \"%s\", want "
	    "\"%s\"", c->label, u.user, c->user);
}
END_TEST

struct bad_case {
	const char	*label;
	const char	*url;
	const char	*want;		/* in the message */
};

static const struct bad_case bad[] = {
	{ "a password", "redis://:secret@127.0.0.1:6379/0",
	    "a password does not belong in the URL" },
	{ "user and password", "redis://u:secret@127.0.0.1/0",
	    "a password does not belong in the URL" },
	{ "empty user", "redis://@127.0.0.1/0", "bad user name" },
	{ "IPv6 without brackets", "redis://::1:6379/0",
	    "an IPv6 address goes in brackets" },
	{ "unclosed bracket", "redis://[::1:6379/0", "'[' without ']'" },
	{ "IPv4 in brackets", "redis://[127.0.0.1]:6379/0",
	    "is not an IPv6 address" },
	{ "junk after the bracket", "redis://[::1]x/0", "junk after ']'" },
	{ "no host", "redis:///0", "no host" },
	{ "no host, port only", "redis://:6379/0", "no host" },
	{ "port 0", "redis://127.0.0.1:0/0", "bad port" },
	{ "port too big", "redis://127.0.0.1:65536/0", "bad port" },
	{ "port not a number", "redis://127.0.0.1:63a9/0", "bad port" },
	{ "port with a sign", "redis://127.0.0.1:+6379/0", "bad port" },
	{ "empty port", "redis://127.0.0.1:/0", "bad port" },
	{ "database not a number", "redis://127.0.0.1/x",
	    "the database after '/' must be a number" },
	{ "database too big", "redis://127.0.0.1/100001",
	    "the database after '/' must be a number" },
	{ "a query after the database", "redis://127.0.0.1/1?db=2",
	    "the database after '/' must be a number" },
	{ "a space in the host", "redis://red is/0", "bad or overlong host" },
	{ "an overlong host",
	    "redis://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example/0",
	    "bad or overlong host" },
	{ "relative socket path", "redis+unix:run/redis.sock",
	    "needs an absolute path" },
	{ "unknown query", "redis+unix:/run/redis.sock?database=1",
	    "only \"?db=N\"" },
	{ "bad socket database", "redis+unix:/run/redis.sock?db=-1",
	    "only \"?db=N\"" },
	{ "overlong socket path",
	    "redis+unix:/0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678.sock",
	    "socket path longer than" },
	{ "another scheme", "rediss://127.0.0.1/0",
	    "must start with redis:// or redis+unix:" },
};

START_TEST(test_redisurl_bad)
{
	const struct bad_case *c = &bad[_i];
	struct rw_redis_url u;
	char err[256] = "";

	ck_assert_msg(!rw_redisurl_parse(c->url, &u, err, sizeof(err)),
	    "%s: %s accepted", c->label, c->url);
	ck_assert_msg(strstr(err, c->want) != NULL, "%s: got \"%s\", want "
	    "\"%s\" in it", c->label, err, c->want);
}
END_TEST

/*
 * the configuration check: file:line for a bad Redis URL (or for any,
 * in a build without Redis)
 */
START_TEST(test_redisurl_config)
{
	struct rw_daemon_conf dc;
	struct rw_config *cfg;
	char err[RW_ERR_MAX] = "";

	memset(&dc, 0, sizeof(dc));
	cfg = rw_daemon_conf_parse("log_level = info\n"
	    "state_store = redis://:pw@127.0.0.1/0\n", "test.conf", NULL, NULL,
	    &dc, err, sizeof(err));
	ck_assert_msg(cfg == NULL, "a password in the URL was accepted");
#ifdef RW_HAVE_REDIS
	ck_assert_msg(strstr(err, "test.conf:2:") != NULL &&
	    strstr(err, "a password does not belong in the URL") != NULL,
	    "got \"%s\", want test.conf:2: and the reason", err);
#else
	ck_assert_msg(strstr(err, "test.conf:2:") != NULL &&
	    strstr(err, "built without Redis") != NULL,
	    "got \"%s\", want test.conf:2: built without Redis", err);
	return;
#endif

	memset(&dc, 0, sizeof(dc));
	err[0] = '\0';
	cfg = rw_daemon_conf_parse("state_store = redis://relay@[::1]:6380/2\n",
	    "test.conf", NULL, NULL, &dc, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "a good URL was refused: %s", err);
	ck_assert_str_eq(dc.state_store, "redis://relay@[::1]:6380/2");
	rw_config_free(cfg);
	rw_daemon_conf_free(&dc);
}
END_TEST

static Suite *
redisurl_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("redisurl");
	tc = tcase_create("grammar");
	tcase_add_loop_test(tc, test_redisurl_good, 0, N(good));
	tcase_add_loop_test(tc, test_redisurl_bad, 0, N(bad));
	tcase_add_test(tc, test_redisurl_config);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(redisurl_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
