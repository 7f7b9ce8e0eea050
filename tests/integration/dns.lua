-- SPDX-License-Identifier: BSD-2-Clause
--
-- dns.lua - one milter session for dns.sh, described by -D variables:
--   sock, srcdir           as for every script (see mtlib.lua)
--   qid                    queue id sent as macro i (tells log lines apart)
--   addr                   client address (data only: 192.0.2.x, 2001:db8::x)
--   helo, from             HELO name and sender (defaults client.example.test,
--                          sender@example.org)
--   rcpts                  comma-separated recipients
--   want                   comma-separated wanted replies, one per recipient:
--                          CONTINUE, REPLYCODE (a reply with text: reject
--                          or tempfail, told apart by the log), REJECT,
--                          TEMPFAIL
--   eom                    "1": send a message after the recipients and
--                          expect it to pass
--   ar                     wanted Authentication-Results value, inserted
--                          at the top ("" = no such header wanted)
--   tag                    wanted X-Relaywarden-Tag value ("" = none)
-- Prints "HEADER name: value" for each header the filter added, so that
-- dns.sh can show them.

local M = dofile(srcdir .. "/mtlib.lua")
local replies = { CONTINUE = SMFIR_CONTINUE, REPLYCODE = SMFIR_REPLYCODE,
	REJECT = SMFIR_REJECT, TEMPFAIL = SMFIR_TEMPFAIL, ACCEPT = SMFIR_ACCEPT }

local function split(s)
	local t = {}
	for item in string.gmatch(s or "", "[^,]+") do table.insert(t, item) end
	return t
end

qid = qid or "DNS0"
local conn = M.open{ addr = addr, name = "unknown", helo = helo or "client.example.test",
	label = qid }
local mr = M.mail(conn, qid, from or "sender@example.org")
M.check(qid .. ": MAIL", mr, SMFIR_CONTINUE)
if mr ~= SMFIR_CONTINUE then M.die(qid .. ": refused at MAIL, see the daemon's log") end
local r, w = split(rcpts), split(want)
local any = false
for i, rcpt in ipairs(r) do
	local wanted = replies[w[i] or "CONTINUE"]
	if wanted == nil then M.die("bad want " .. tostring(w[i])) end
	local got = M.rcpt(conn, qid, rcpt)
	M.check(string.format("%s: RCPT <%s>", qid, rcpt), got, wanted)
	if got == SMFIR_CONTINUE then any = true end
end
if eom == "1" then
	if not any then M.die(qid .. ": eom wanted but no recipient accepted") end
	M.eom_ok(qid, M.message(conn, "dns.sh " .. qid))
	for _, h in ipairs({ "Authentication-Results", "X-Relaywarden-Tag" }) do
		local v = mt.getheader(conn, h, 0)
		if v ~= nil then mt.echo("HEADER " .. h .. ": " .. v) end
	end
	if ar ~= nil then
		if ar == "" then
			M.check(qid .. ": no Authentication-Results header",
			    mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results") or
			    mt.eom_check(conn, MT_HDRADD, "Authentication-Results"), false)
		else
			M.check(qid .. ": Authentication-Results inserted at the top: " .. ar,
			    mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results", ar, 0), true)
		end
	end
	if tag ~= nil then
		if tag == "" then
			M.check(qid .. ": no X-Relaywarden-Tag header",
			    mt.eom_check(conn, MT_HDRADD, "X-Relaywarden-Tag"), false)
		else
			M.check(qid .. ": X-Relaywarden-Tag: " .. tag,
			    mt.eom_check(conn, MT_HDRADD, "X-Relaywarden-Tag", tag), true)
		end
	end
end
mt.disconnect(conn)
M.finish("dns.lua " .. qid)
