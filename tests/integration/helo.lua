-- SPDX-License-Identifier: BSD-2-Clause
--
-- helo.lua - helo_foreign_literal over the milter protocol.
-- protocol.sh runs it twice: with "helo_foreign_literal = reject"
-- (-D mode=reject) and with "= tag" (-D mode=tag).
--   HLO1 an outsider whose HELO is another address: refused at MAIL FROM
--        (reject) or tagged at end of message (tag)
--   HLO2 the client's own address literal: passes, no tag
--   HLO3 an authenticated user HELO-ing with a private literal: passes
--   HLO4 an IPv6 client, foreign IPv6 literal: as HLO1

local t = dofile(srcdir .. "/mtlib.lua")
local C, R = SMFIR_CONTINUE, SMFIR_REPLYCODE
local TAG = "X-Relaywarden-Tag"

local function tagged(label, conn, want)
	if want then
		t.check(label .. ": " .. TAG .. ": helo=foreign-literal",
		    mt.eom_check(conn, MT_HDRADD, TAG, "helo=foreign-literal"), true)
	else
		t.check(label .. ": no " .. TAG, mt.eom_check(conn, MT_HDRADD, TAG), false)
	end
end

local function case(o)
	local refused = mode == "reject" and o.foreign
	local conn = t.session{ label = o.label, addr = o.addr, helo = o.helo,
	    qid = o.qid, auth = o.auth, want_mail = refused and R or C,
	    rcpts = { { "bob@example.test", C } }, eom = not refused, keep = true }
	if not refused then tagged(o.label, conn, o.foreign and mode == "tag") end
	mt.disconnect(conn)
end

case{ label = "foreign literal", addr = "192.0.2.10", helo = "[192.0.2.99]",
	qid = "HLO1", foreign = true }
case{ label = "own literal", addr = "192.0.2.10", helo = "[192.0.2.10]",
	qid = "HLO2", foreign = false }
case{ label = "authenticated, private literal", addr = "192.0.2.10",
	helo = "[192.168.1.5]", qid = "HLO3", auth = "alice", foreign = false }
case{ label = "IPv6 foreign literal", addr = "3fff::20",
	helo = "[IPv6:3fff::21]", qid = "HLO4", foreign = true }

t.finish("helo.lua " .. mode)
