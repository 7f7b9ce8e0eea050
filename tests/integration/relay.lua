-- SPDX-License-Identifier: BSD-2-Clause
--
-- relay.lua - relay control over the milter protocol (enforce mode).
-- Run by protocol.sh against the configuration it writes:
--   trusted_networks = 127.0.0.0/8, ::1/128, 198.51.100.0/24, 2001:db8::/32
--   trust_authenticated = yes
--   local_domains = example.test, .example.test   relay_domains = relay.example.test
--   max_recipients = 5
-- protocol.sh then checks the log line each queue id below must produce.

local t = dofile(srcdir .. "/mtlib.lua")
local C, R = SMFIR_CONTINUE, SMFIR_REPLYCODE
local OUT = "alice@outside.test"

-- RLY1: an outsider may send to local and relay domains, nowhere else.
t.session{ label = "outsider v4", addr = "192.0.2.10", qid = "RLY1", eom = true,
	rcpts = {
		{ "bob@example.test", C },
		{ "bob@Sub.Example.TEST", C },		-- .example.test: subdomains, any case
		{ "carol@relay.example.test", C },
		{ "postmaster", C },			-- bare local part is local
		{ OUT, R },
		{ "dave@example.test.outside.test", R },	-- suffix is not a subdomain
		{ "erin@notexample.test", R },
	} }

-- TRK1: address tricks from an outsider. Every routing hop must be ours.
t.session{ label = "tricks", addr = "192.0.2.10", qid = "TRK1",
	rcpts = {
		{ "u%outside.test@example.test", R },		-- percent hack
		{ "outside.test!u@example.test", R },		-- bang path
		{ "@example.test:u@outside.test", R },		-- source route, last hop out
		{ "@outside.test,@example.test:u@example.test", R },	-- source route, first hop out
		{ "\"u@outside.test\"@example.test", R },	-- quoted local part with @
		{ "\"u%outside.test\"@example.test", R },	-- quoted local part with %
		{ "u@outside.test@example.test", R },		-- doubled @
		{ "a!u%b@example.test", R },			-- ! and % in one local part
		{ "u%h1.example.test%h2.example.test%h3.example.test%h4.example.test%h5.example.test%h6.example.test%h7.example.test%h8.example.test%h9.example.test@example.test", R },	-- more than 8 hops
		-- controls: the same forms with every hop ours are fine
		{ "u%relay.example.test@example.test", C },
		{ "relay.example.test!u@example.test", C },
		{ "@relay.example.test:u@example.test", C },
	} }

-- INS1/INS2: insiders (127.0.0.1; a trusted_networks CIDR) relay anywhere,
-- and max_recipients does not apply to them.
t.session{ label = "insider 127.0.0.1", addr = "127.0.0.1", name = "localhost", qid = "INS1",
	eom = true,
	rcpts = { { OUT, C }, { "u%outside.test@example.test", C },
		{ "r1@outside.test", C }, { "r2@outside.test", C }, { "r3@outside.test", C },
		{ "r4@outside.test", C }, { "r5@outside.test", C } } }
t.session{ label = "insider trusted CIDR", addr = "198.51.100.7", qid = "INS2",
	rcpts = { { OUT, C } } }

-- AUTH1: {auth_authen} at MAIL makes an outsider an insider.
t.session{ label = "authenticated", addr = "192.0.2.10", qid = "AUTH1", eom = true,
	auth = "alice@example.test", rcpts = { { OUT, C } } }
-- AUTH2: {auth_type} without {auth_authen}: an outsider, plus a warning.
t.session{ label = "auth_type only", addr = "192.0.2.10", qid = "AUTH2",
	auth = { "{auth_type}", "PLAIN" }, rcpts = { { OUT, R } } }
-- AUTH3: an empty {auth_authen} is not authentication.
t.session{ label = "empty auth_authen", addr = "192.0.2.10", qid = "AUTH3",
	auth = { "{auth_type}", "PLAIN", "{auth_authen}", "" }, rcpts = { { OUT, R } } }

-- V6xx: IPv6 clients. 2001:db8::/32 is trusted, 3fff::/20 is not;
-- IPv4-mapped addresses are judged as IPv4.
t.session{ label = "v6 trusted", addr = "2001:db8::10", qid = "V6IN", rcpts = { { OUT, C } } }
t.session{ label = "v6 outsider", addr = "3fff::10", qid = "V6OUT",
	rcpts = { { "bob@example.test", C }, { OUT, R } } }
t.session{ label = "v6 loopback", addr = "::1", name = "localhost", qid = "V6LO", rcpts = { { OUT, C } } }
t.session{ label = "v4-mapped outsider", addr = "::ffff:192.0.2.10", qid = "V6MAPO", rcpts = { { OUT, R } } }
t.session{ label = "v4-mapped trusted", addr = "::ffff:198.51.100.7", qid = "V6MAPI", rcpts = { { OUT, C } } }

-- MAX1: the 6th accepted recipient of an outsider gets 452 4.5.3;
-- refused recipients do not count towards the limit.
t.session{ label = "max_recipients", addr = "192.0.2.10", qid = "MAX1", eom = true,
	rcpts = {
		{ OUT, R },
		{ "m1@example.test", C }, { "m2@example.test", C }, { "m3@example.test", C },
		{ "m4@example.test", C }, { "m5@example.test", C },
		{ "m6@example.test", R }, { "m7@example.test", R },
	} }

-- TXN1: two transactions on one connection: the recipient count and the
-- verdicts start again with the second MAIL FROM.
do
	local conn = t.open{ label = "two transactions", addr = "192.0.2.10" }
	t.check("txn 1: MAIL", t.mail(conn, "TXN1", "sender@example.org"), C)
	for i = 1, 5 do
		t.check("txn 1: RCPT " .. i, t.rcpt(conn, "TXN1", "n" .. i .. "@example.test"), C)
	end
	t.eom_ok("txn 1", t.message(conn, "txn 1"))
	t.check("txn 2: MAIL", t.mail(conn, "TXN2", "sender@example.org"), C)
	for i = 1, 5 do
		t.check("txn 2: RCPT " .. i, t.rcpt(conn, "TXN2", "o" .. i .. "@example.test"), C)
	end
	t.check("txn 2: RCPT outside", t.rcpt(conn, "TXN2", OUT), R)
	t.eom_ok("txn 2", t.message(conn, "txn 2"))
	mt.disconnect(conn)
end

-- EOM1: enforce mode never adds the dryrun header.
do
	local conn = t.open{ label = "no header", addr = "192.0.2.10" }
	t.check("no header: MAIL", t.mail(conn, "EOM1", "sender@example.org"), C)
	t.check("no header: RCPT local", t.rcpt(conn, "EOM1", "bob@example.test"), C)
	t.check("no header: RCPT outside", t.rcpt(conn, "EOM1", OUT), R)
	t.eom_ok("no header", t.message(conn, "no header"))
	t.check("enforce mode adds no X-Relaywarden-Dryrun",
	    mt.eom_check(conn, MT_HDRADD, "X-Relaywarden-Dryrun"), false)
	mt.disconnect(conn)
end

t.finish("relay.lua")
