-- SPDX-License-Identifier: BSD-2-Clause
--
-- uribl.lua - one milter session with a message body, for uribl.sh,
-- described by -D variables:
--   sock, srcdir   as for every script (see mtlib.lua)
--   qid            queue id sent as macro i (tells log lines apart)
--   addr           client address (data only: 192.0.2.x)
--   ctype          the message's Content-Type ("text/plain" if unset)
--   bodyfile       a file holding the body, sent as it is (CRLF lines)
--   want           the wanted end of message reply: PASS (ACCEPT or
--                  CONTINUE), REPLYCODE (a reply with text: reject or
--                  tempfail, told apart by the log), TEMPFAIL, REJECT
-- The session goes through connect, HELO, MAIL, one RCPT, the header, the
-- body and the end of message; only the last reply is the URI lists'.

local M = dofile(srcdir .. "/mtlib.lua")
local replies = { REPLYCODE = SMFIR_REPLYCODE, REJECT = SMFIR_REJECT,
	TEMPFAIL = SMFIR_TEMPFAIL }

qid = qid or "URI0"
local f = io.open(bodyfile, "rb")
if f == nil then M.die("cannot read " .. tostring(bodyfile)) end
local body = f:read("a")
f:close()

local conn = M.open{ addr = addr, name = "unknown", label = qid }
M.check(qid .. ": MAIL", M.mail(conn, qid, "sender@example.org"), SMFIR_CONTINUE)
M.check(qid .. ": RCPT", M.rcpt(conn, qid, "user@example.test"), SMFIR_CONTINUE)
if not mt.test_option(conn, SMFIP_NOHDRS) then
	M.must("header", mt.header(conn, "From", "<sender@example.org>"))
	M.must("header", mt.header(conn, "Subject", "uribl.sh " .. qid))
	M.must("header", mt.header(conn, "MIME-Version", "1.0"))
	M.must("header", mt.header(conn, "Content-Type", (ctype or "text/plain") ..
	    "; charset=utf-8"))
end
if not mt.test_option(conn, SMFIP_NOEOH) then M.must("eoh", mt.eoh(conn)) end
if mt.test_option(conn, SMFIP_NOBODY) then
	M.bad(qid .. ": the filter declined the body (SMFIP_NOBODY) though URI lists are set")
else
	M.must("body", mt.bodystring(conn, body))
end
M.must("eom", mt.eom(conn))
local r = mt.getreply(conn)
if want == "PASS" then
	M.eom_ok(qid, r)
else
	M.check(qid .. ": eom", r, replies[want])
end
mt.disconnect(conn)
M.finish("uribl.lua " .. qid)
