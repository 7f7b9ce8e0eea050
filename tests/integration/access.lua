-- SPDX-License-Identifier: BSD-2-Clause
--
-- access.lua - client_access and sender_access over the milter protocol.
-- protocol.sh's configuration has
--   client_access = 203.0.113.0/24 REJECT Go away, 203.0.113.128/25 OK,
--                   198.18.0.0/15 TEMPFAIL
--   sender_access = spammer@bad.test REJECT No spam here, @bad.test TEMPFAIL,
--                   bad.test REJECT Domain refused, friend@bad.test OK
-- Verdicts of client_access come at MAIL FROM, not at connect.

local t = dofile(srcdir .. "/mtlib.lua")
local C, R = SMFIR_CONTINUE, SMFIR_REPLYCODE
local OUT = "alice@outside.test"

-- ACC1: REJECT: connect passes, MAIL FROM gets 550 5.7.1 Go away.
t.session{ label = "client REJECT", addr = "203.0.113.5", qid = "ACC1", want_mail = R }
-- ACC2: the longest prefix wins: 203.0.113.200 is OK. OK skips
-- max_recipients but does not grant relaying.
t.session{ label = "client OK", addr = "203.0.113.200", qid = "ACC2", eom = true,
	rcpts = {
		{ "k1@example.test", C }, { "k2@example.test", C }, { "k3@example.test", C },
		{ "k4@example.test", C }, { "k5@example.test", C }, { "k6@example.test", C },
		{ "k7@example.test", C },
		{ OUT, R },
	} }
-- ACC3: TEMPFAIL with the default text: 450 4.7.1 Access temporarily denied.
t.session{ label = "client TEMPFAIL", addr = "198.19.1.1", qid = "ACC3", want_mail = R }
-- ACC4: IPv6 client not listed: no verdict at MAIL.
t.session{ label = "client unlisted v6", addr = "3fff::20", qid = "ACC4",
	rcpts = { { "bob@example.test", C } } }

-- SNDx: the most specific sender key wins.
t.session{ label = "sender address REJECT", addr = "192.0.2.10", qid = "SND1",
	from = "spammer@bad.test", want_mail = R }
t.session{ label = "sender @domain TEMPFAIL", addr = "192.0.2.10", qid = "SND2",
	from = "other@bad.test", want_mail = R }
t.session{ label = "sender subdomain REJECT", addr = "192.0.2.10", qid = "SND3",
	from = "x@sub.bad.test", want_mail = R }
t.session{ label = "sender address OK", addr = "192.0.2.10", qid = "SND4",
	from = "friend@bad.test", rcpts = { { "bob@example.test", C }, { OUT, R } } }
t.session{ label = "sender unlisted", addr = "192.0.2.10", qid = "SND5",
	from = "someone@good.test", rcpts = { { "bob@example.test", C } } }

t.finish("access.lua")
