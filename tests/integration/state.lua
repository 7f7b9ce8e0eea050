-- SPDX-License-Identifier: BSD-2-Clause
--
-- state.lua - rate limits over the milter protocol, on the embedded store.
-- protocol.sh reloads a configuration with
--     rate_limit = concurrency 2 for all, refused 2/60s for all,
--                  messages 2/60s by sender for all
-- (the store is opened by that reload) and checks the log afterwards.
--   RAT1 concurrency: two sessions from 192.0.2.50 open, a third is
--        refused at connect; one closes (its count is lowered), a new
--        one is accepted
--   RAT2 refused recipients: one refused by relay control (550), one the
--        MTA refused itself ({rcpt_mailer} = error, SMFIP_RCPT_REJ): the
--        next recipient gets 451 (refused limit), though local
--   RAT3 messages by sender: bulk@example.org's third message in the
--        window is refused at MAIL; another sender is not

local t = dofile(srcdir .. "/mtlib.lua")
local C, R = SMFIR_CONTINUE, SMFIR_REPLYCODE

local function connect(addr, want, label)
	local conn = mt.connect(sock, 20, 0.25)
	if conn == nil then t.die("mt.connect failed") end
	t.must("macro connect", mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.test",
	    "{client_addr}", addr, "{client_name}", "client.example.test"))
	t.must("conninfo", mt.conninfo(conn, "client.example.test", addr))
	t.check(label, mt.getreply(conn), want)
	return conn
end

-- RAT1
local a = connect("192.0.2.50", C, "RAT1: first session")
local b = connect("192.0.2.50", C, "RAT1: second session")
local c = connect("192.0.2.50", R, "RAT1: third session at once: refused")
mt.disconnect(c)
mt.disconnect(a)
mt.sleep(1)	-- the daemon's close callbacks run after the disconnects
local d = connect("192.0.2.50", C, "RAT1: after one closed: accepted")
mt.disconnect(b)
mt.disconnect(d)

-- RAT2
local conn = t.open{ label = "RAT2", addr = "192.0.2.60" }
t.check("RAT2: MAIL", t.mail(conn, "RAT2", "sender@example.org"), C)
t.check("RAT2: relay refused (550)", t.rcpt(conn, "RAT2", "x@elsewhere.test"), R)
t.must("macro rcpt", mt.macro(conn, SMFIC_RCPT, "i", "RAT2", "{rcpt_addr}",
    "nosuch@example.test", "{rcpt_mailer}", "error"))
t.must("rcptto", mt.rcptto(conn, "<nosuch@example.test>"))
t.check("RAT2: a recipient the MTA refused is only counted", mt.getreply(conn), C)
t.check("RAT2: the next recipient, local: 451 refused limit",
    t.rcpt(conn, "RAT2", "bob@example.test"), R)
mt.disconnect(conn)

-- RAT3
for i = 1, 3 do
	local want = C
	if i == 3 then want = R end
	t.session{ label = "RAT3." .. i, addr = "192.0.2." .. (70 + i),
	    qid = "RAT3", from = "bulk@example.org", want_mail = want,
	    rcpts = { { "bob@example.test", C } }, eom = true }
end
t.session{ label = "RAT3 other sender", addr = "192.0.2.80", qid = "RAT3O",
    from = "other@example.org", rcpts = { { "bob@example.test", C } }, eom = true }

t.finish("state.lua")
