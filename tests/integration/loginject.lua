-- SPDX-License-Identifier: BSD-2-Clause
--
-- loginject.lua - client text with CR and LF at log_level = debug
-- (issue 12 item 6). protocol.sh runs it against a daemon of its own
-- with "log_level = debug" and then checks that no line of that
-- daemon's log begins with the injected text.
--   LOG1 connect name, HELO and MAIL FROM each carry CR/LF and a
--        forged line; the replies are not judged, only the log.

local t = dofile(srcdir .. "/mtlib.lua")

local conn = mt.connect(sock, 20, 0.25)
if conn == nil then t.die("mt.connect(" .. tostring(sock) .. ") failed") end
local name = "evil.example.test\r\nFORGED-NAME relaywarden: action=accept"
t.must("macro connect", mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.test",
    "{client_addr}", "192.0.2.10", "{client_name}", name))
t.must("conninfo", mt.conninfo(conn, name, "192.0.2.10"))
t.ok("LOG1: connect -> " .. t.name(mt.getreply(conn)))
t.must("helo", mt.helo(conn, "helo.example.test\nFORGED-HELO relaywarden: x"))
t.ok("LOG1: helo -> " .. t.name(mt.getreply(conn)))
local from = "a@example.org\r\nFORGED-FROM relaywarden: action=accept"
t.must("macro mail", mt.macro(conn, SMFIC_MAIL, "i", "LOG1", "{mail_addr}", from))
t.must("mailfrom", mt.mailfrom(conn, "<" .. from .. ">"))
t.ok("LOG1: mail -> " .. t.name(mt.getreply(conn)))
mt.disconnect(conn)
t.finish("loginject.lua")
