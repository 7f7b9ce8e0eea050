-- SPDX-License-Identifier: BSD-2-Clause
--
-- mtlib.lua - helpers shared by relaywarden's miltertest scripts.
--
-- Loaded by each script with dofile(srcdir .. "/mtlib.lua"); protocol.sh
-- runs them as
--     miltertest -D sock=unix:/path/rw.sock -D srcdir=DIR -s NAME.lua
-- and then checks the daemon's log for the lines each session should
-- have produced. Every session sends its own queue id (macro "i") so that
-- its log lines can be told apart.
--
-- miltertest pitfalls (Debian miltertest 1.6.0):
--   * error() exits 1 without printing its message: mt.echo() it first.
--   * mt.macro() replaces all macros of that stage: one call per stage,
--     with the full set, before the command.
--   * A reply with text (smfi_setreply) comes back as SMFIR_REPLYCODE for
--     reject and tempfail alike; the code and text are in the log only.

local M = { passes = 0, fails = 0 }

local names = {
	[SMFIR_CONTINUE] = "CONTINUE", [SMFIR_ACCEPT] = "ACCEPT",
	[SMFIR_REJECT] = "REJECT", [SMFIR_TEMPFAIL] = "TEMPFAIL",
	[SMFIR_REPLYCODE] = "REPLYCODE", [SMFIR_DISCARD] = "DISCARD",
}

function M.name(r)
	return names[r] or tostring(r)
end

function M.die(msg)
	mt.echo("FATAL " .. msg)
	error(msg)
end

-- M.must(what, err): a miltertest call returned an error string
function M.must(what, err)
	if err ~= nil then M.die(what .. ": " .. tostring(err)) end
end

function M.ok(what)
	M.passes = M.passes + 1
	mt.echo("ok   " .. what)
end

function M.bad(what)
	M.fails = M.fails + 1
	mt.echo("FAIL " .. what)
end

-- M.check(what, got, want): compare two values (replies by name)
function M.check(what, got, want)
	if got == want then
		M.ok(what)
	elseif names[want] ~= nil then
		M.bad(string.format("%s: got %s, want %s", what, M.name(got), M.name(want)))
	else
		M.bad(string.format("%s: got %q, want %q", what, tostring(got), tostring(want)))
	end
end

-- M.open{addr=, name=, helo=, label=} -> conn, after connect and HELO.
-- {client_addr} is sent the way Postfix and sendmail send it (IPv6
-- addresses with an "IPv6:" prefix); the connect information carries the
-- plain address.
function M.open(o)
	local label = o.label or o.addr
	local name = o.name or "client.example.test"
	local conn = mt.connect(sock, 20, 0.25)
	if conn == nil then M.die("mt.connect(" .. tostring(sock) .. ") failed") end
	local macaddr = o.addr
	if string.find(o.addr, ":", 1, true) then macaddr = "IPv6:" .. o.addr end
	M.must("macro connect", mt.macro(conn, SMFIC_CONNECT,
	    "j", "mx.example.test", "{daemon_name}", "mx.example.test",
	    "{client_addr}", macaddr, "{client_name}", name,
	    "{client_ptr}", name))
	M.must("conninfo", mt.conninfo(conn, name, o.addr))
	M.check(label .. ": connect", mt.getreply(conn), o.want_connect or SMFIR_CONTINUE)
	M.must("helo", mt.helo(conn, o.helo or name))
	M.check(label .. ": helo", mt.getreply(conn), SMFIR_CONTINUE)
	return conn
end

-- M.mail(conn, qid, from, auth) -> reply to MAIL FROM. auth: nil, a
-- login name ({auth_type} PLAIN + {auth_authen}), or a table of extra
-- MAIL macros.
function M.mail(conn, qid, from, auth)
	local args = { "i", qid, "{mail_addr}", from }
	if type(auth) == "string" then
		table.insert(args, "{auth_type}"); table.insert(args, "PLAIN")
		table.insert(args, "{auth_authen}"); table.insert(args, auth)
	elseif type(auth) == "table" then
		for _, v in ipairs(auth) do table.insert(args, v) end
	end
	M.must("macro mail", mt.macro(conn, SMFIC_MAIL, table.unpack(args)))
	M.must("mailfrom", mt.mailfrom(conn, "<" .. from .. ">"))
	return mt.getreply(conn)
end

-- M.rcpt(conn, qid, rcpt) -> reply to RCPT TO. rcpt is sent as given
-- between angle brackets.
function M.rcpt(conn, qid, rcpt)
	M.must("macro rcpt", mt.macro(conn, SMFIC_RCPT, "i", qid, "{rcpt_addr}", rcpt))
	M.must("rcptto", mt.rcptto(conn, "<" .. rcpt .. ">"))
	return mt.getreply(conn)
end

-- M.rcpts(conn, qid, label, list): list of { rcpt, wanted reply }
function M.rcpts(conn, qid, label, list)
	for _, c in ipairs(list) do
		M.check(string.format("%s: RCPT <%s>", label, c[1]), M.rcpt(conn, qid, c[1]), c[2])
	end
end

-- M.message(conn, subject) -> reply to end of message (headers, body,
-- eom). Stages the filter declined at negotiation (SMFIP_NOHDRS ...) are
-- not sent: miltertest raises an error for them.
function M.message(conn, subject)
	if not mt.test_option(conn, SMFIP_NOHDRS) then
		M.must("header", mt.header(conn, "From", "<sender@example.org>"))
		M.must("header", mt.header(conn, "Subject", subject or "relaywarden miltertest"))
	end
	if not mt.test_option(conn, SMFIP_NOEOH) then M.must("eoh", mt.eoh(conn)) end
	if not mt.test_option(conn, SMFIP_NOBODY) then
		M.must("body", mt.bodystring(conn, "test message\r\n"))
	end
	M.must("eom", mt.eom(conn))
	return mt.getreply(conn)
end

-- M.eom_ok(label, reply): end of message passed the message on
function M.eom_ok(label, reply)
	if reply == SMFIR_ACCEPT or reply == SMFIR_CONTINUE then
		M.ok(label .. ": eom -> " .. M.name(reply))
	else
		M.bad(label .. ": eom -> " .. M.name(reply) .. ", want ACCEPT or CONTINUE")
	end
end

-- M.session(o): one whole connection with one transaction.
-- o = { label, addr, qid, from, auth, want_mail, rcpts = {{rcpt, want}...},
--       eom = true (send the message and expect it to pass) }
-- Returns the connection's eom state for header checks (conn, still open
-- when o.keep is set; closed otherwise).
function M.session(o)
	local conn = M.open(o)
	local want_mail = o.want_mail or SMFIR_CONTINUE
	M.check(o.label .. ": MAIL <" .. (o.from or "sender@example.org") .. ">",
	    M.mail(conn, o.qid, o.from or "sender@example.org", o.auth), want_mail)
	if want_mail == SMFIR_CONTINUE then
		M.rcpts(conn, o.qid, o.label, o.rcpts or {})
		if o.eom then M.eom_ok(o.label, M.message(conn, o.subject)) end
	end
	if o.keep then return conn end
	mt.disconnect(conn)
	return nil
end

-- M.finish(): print the totals and fail the script if anything failed
function M.finish(script)
	mt.echo(string.format("%s: %d checks passed, %d failed", script, M.passes, M.fails))
	if M.fails > 0 then M.die(script .. ": " .. M.fails .. " check(s) failed") end
end

return M
