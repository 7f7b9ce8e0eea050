-- SPDX-License-Identifier: BSD-2-Clause
--
-- forgery.lua - the HELO and forgery checks, and client_access by host
-- name, over the milter protocol. forgery.sh runs it twice:
--   -D part=helo   the HELO and forgery checks (helo_names_us and
--                  bounce_multiple_rcpts = reject, the rest at their defaults), with
--                  j = mx.example.test and {daemon_addr} = 192.0.2.1
--     FG1 HELO our own name (j): refused at MAIL FROM (helo_names_us)
--     FG2 HELO the address it connected to: refused at MAIL FROM
--     FG3 HELO a bare machine name: passes, X-Relaywarden-Tag: helo=not-fqdn
--     FG4 HELO "mail_1.example.net." (underscore, trailing dot): no tag
--     FG5 HELO "[IPv6:3fff::99]" from 3fff::20: helo=foreign-literal tag
--     FG6 sender in local_domains, not authenticated: sender=forged-local
--     FG7 the same authenticated: no tag
--     FG8 a bounce to two recipients: the second refused at RCPT TO
--   -D part=names  client_access by verified name (real DNS: unbound)
--     NM1 192.0.2.10, PTR dsl-10.pool.example.test -> A 192.0.2.10:
--         verified, matches "dsl-*.pool.example.test REJECT": 550 at RCPT
--     NM2 192.0.2.11, PTR dsl-11.pool.example.test -> A 192.0.2.99:
--         NOT verified: the same entry must not match, accepted
--     NM3 192.0.2.12, PTR dyn12.isp.example.test (verified): the PCRE2
--         entry, 450 at RCPT
--     NM4 3fff::10, PTR dsl-v6.pool.example.test -> AAAA 3fff::10: 550
--     NM5 192.0.2.13, PTR good.pool.example.test (verified): the exact
--         OK entry beats the glob, accepted

local t = dofile(srcdir .. "/mtlib.lua")
local C, R = SMFIR_CONTINUE, SMFIR_REPLYCODE
local TAG = "X-Relaywarden-Tag"

-- open - connect with the macros a Postfix with {daemon_addr} sends
local function open(o)
	local conn = mt.connect(sock, 20, 0.25)
	if conn == nil then t.die("mt.connect(" .. tostring(sock) .. ") failed") end
	local macaddr = o.addr
	if string.find(o.addr, ":", 1, true) then macaddr = "IPv6:" .. o.addr end
	t.must("macro connect", mt.macro(conn, SMFIC_CONNECT,
	    "j", "mx.example.test", "{daemon_name}", "smtpd",
	    "{daemon_addr}", o.server or "192.0.2.1",
	    "{client_addr}", macaddr, "{client_name}", "unknown"))
	t.must("conninfo", mt.conninfo(conn, "unknown", o.addr))
	t.check(o.label .. ": connect", mt.getreply(conn), C)
	t.must("helo", mt.helo(conn, o.helo or "client.example.net"))
	t.check(o.label .. ": helo", mt.getreply(conn), C)
	return conn
end

-- case - one transaction; tag: the X-Relaywarden-Tag wanted, false: none
local function case(o)
	local conn = open(o)
	local want_mail = o.want_mail or C
	t.check(o.label .. ": MAIL", t.mail(conn, o.qid, o.from or "a@example.net",
	    o.auth), want_mail)
	if want_mail == C then
		t.rcpts(conn, o.qid, o.label, o.rcpts or { { "bob@example.test", C } })
		if o.eom then
			t.eom_ok(o.label, t.message(conn))
			if o.tag then
				t.check(o.label .. ": " .. TAG .. ": " .. o.tag,
				    mt.eom_check(conn, MT_HDRADD, TAG, o.tag), true)
			else
				t.check(o.label .. ": no " .. TAG,
				    mt.eom_check(conn, MT_HDRADD, TAG), false)
			end
		end
	end
	mt.disconnect(conn)
end

if part == "helo" then
	case{ label = "our name", qid = "FG1", addr = "192.0.2.50",
	    helo = "mx.example.test", want_mail = R }
	case{ label = "the address connected to", qid = "FG2", addr = "192.0.2.50",
	    helo = "[192.0.2.1]", want_mail = R }
	case{ label = "bare machine name", qid = "FG3", addr = "192.0.2.50",
	    helo = "exchange", eom = true, tag = "helo=not-fqdn" }
	case{ label = "underscore, trailing dot", qid = "FG4", addr = "192.0.2.50",
	    helo = "mail_1.example.net.", eom = true, tag = false }
	case{ label = "IPv6 foreign literal", qid = "FG5", addr = "3fff::20",
	    server = "3fff::1", helo = "[IPv6:3fff::99]", eom = true,
	    tag = "helo=foreign-literal" }
	case{ label = "forged local sender", qid = "FG6", addr = "192.0.2.50",
	    from = "ceo@example.test", eom = true, tag = "sender=forged-local" }
	case{ label = "local sender, authenticated", qid = "FG7",
	    addr = "192.0.2.50", from = "ceo@example.test", auth = "ceo",
	    eom = true, tag = false }
	case{ label = "bounce to two", qid = "FG8", addr = "192.0.2.50", from = "",
	    rcpts = { { "bob@example.test", C }, { "carol@example.test", R } },
	    eom = true, tag = false }
	t.finish("forgery.lua helo")
else
	case{ label = "verified pool name", qid = "NM1", addr = "192.0.2.10",
	    rcpts = { { "bob@example.test", R } } }
	case{ label = "unverified pool name", qid = "NM2", addr = "192.0.2.11",
	    eom = true, tag = false }
	case{ label = "verified PCRE2 name", qid = "NM3", addr = "192.0.2.12",
	    rcpts = { { "bob@example.test", R } } }
	case{ label = "verified IPv6 pool name", qid = "NM4", addr = "3fff::10",
	    rcpts = { { "bob@example.test", R } } }
	case{ label = "exact OK beats the glob", qid = "NM5", addr = "192.0.2.13",
	    eom = true, tag = false }
	t.finish("forgery.lua names")
end
