-- SPDX-License-Identifier: BSD-2-Clause
--
-- dryrun.lua - mode = dryrun: nothing is refused; the end of message adds
--   X-Relaywarden-Dryrun: rcpt <c@d>: would reject (relay): 550 5.7.1 <c@d>: Relaying denied
-- when something would have been, and nothing otherwise.

local t = dofile(srcdir .. "/mtlib.lua")
local C = SMFIR_CONTINUE
local OUT = "alice@outside.test"

-- DRY1: outsider to an outside recipient and an address trick.
do
	local conn = t.open{ label = "dryrun outsider", addr = "192.0.2.10" }
	t.check("dryrun: MAIL", t.mail(conn, "DRY1", "sender@example.org"), C)
	t.check("dryrun: RCPT local", t.rcpt(conn, "DRY1", "bob@example.test"), C)
	t.check("dryrun: RCPT outside", t.rcpt(conn, "DRY1", OUT), C)
	t.check("dryrun: RCPT percent hack", t.rcpt(conn, "DRY1", "u%outside.test@example.test"), C)
	t.eom_ok("dryrun", t.message(conn, "dryrun"))
	t.check("dryrun: X-Relaywarden-Dryrun added",
	    mt.eom_check(conn, MT_HDRADD, "X-Relaywarden-Dryrun"), true)
	local h = mt.getheader(conn, "X-Relaywarden-Dryrun", 0)
	mt.echo("     X-Relaywarden-Dryrun: " .. tostring(h))
	local want = "rcpt <" .. OUT .. ">: would reject (relay): 550 5.7.1 <" .. OUT .. ">: Relaying denied"
	if h ~= nil and string.find(h, want, 1, true) then
		t.ok("dryrun: header names the outside recipient and the reply")
	else
		t.bad("dryrun: header " .. tostring(h) .. " lacks \"" .. want .. "\"")
	end
	if h ~= nil and string.find(h, "u%outside.test@example.test", 1, true) then
		t.ok("dryrun: header names the percent-hack recipient")
	else
		t.bad("dryrun: header lacks u%outside.test@example.test")
	end
	if h ~= nil and string.find(h, "bob@example.test", 1, true) then
		t.bad("dryrun: header names the accepted recipient bob@example.test")
	else
		t.ok("dryrun: header does not name the accepted recipient")
	end
	mt.disconnect(conn)
end

-- DRY2: a message with nothing to refuse gets no header.
do
	local conn = t.open{ label = "dryrun clean", addr = "192.0.2.10" }
	t.check("dryrun clean: MAIL", t.mail(conn, "DRY2", "sender@example.org"), C)
	t.check("dryrun clean: RCPT local", t.rcpt(conn, "DRY2", "bob@example.test"), C)
	t.eom_ok("dryrun clean", t.message(conn, "dryrun clean"))
	t.check("dryrun clean: no X-Relaywarden-Dryrun",
	    mt.eom_check(conn, MT_HDRADD, "X-Relaywarden-Dryrun"), false)
	mt.disconnect(conn)
end

-- DRY3: client_access REJECT would refuse at MAIL: in dryrun it passes.
t.session{ label = "dryrun client REJECT", addr = "203.0.113.5", qid = "DRY3", eom = true,
	rcpts = { { "bob@example.test", C } } }

-- DRY4: max_recipients in dryrun: the 6th recipient passes too.
t.session{ label = "dryrun max_recipients", addr = "192.0.2.10", qid = "DRY4",
	rcpts = { { "d1@example.test", C }, { "d2@example.test", C }, { "d3@example.test", C },
		{ "d4@example.test", C }, { "d5@example.test", C }, { "d6@example.test", C } } }

t.finish("dryrun.lua")
