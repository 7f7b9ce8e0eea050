-- SPDX-License-Identifier: BSD-2-Clause
--
-- snapshot.lua - a reload applies to new sessions only.
--   miltertest -D sock=... -D srcdir=... -D reload='SHELL COMMAND' -s snapshot.lua
-- The running configuration trusts authenticated clients; the reload
-- command installs one with trust_authenticated = no and sends SIGHUP.
-- A session opened before the reload keeps the policy it started with
-- (DESIGN.md: sessions hold their snapshot from connect to close); a
-- session opened after it gets the new one.

local t = dofile(srcdir .. "/mtlib.lua")
local OUT = "alice@outside.test"

local old = t.open{ label = "before reload", addr = "192.0.2.10" }
t.check("before reload: MAIL", t.mail(old, "SNAP1", "sender@example.org", "alice@example.test"),
    SMFIR_CONTINUE)
t.check("before reload: RCPT outside", t.rcpt(old, "SNAP1", OUT), SMFIR_CONTINUE)

local ok = os.execute(reload)
if not ok then t.die("reload command failed: " .. tostring(reload)) end

t.check("old session after reload: RCPT outside", t.rcpt(old, "SNAP1", "second@outside.test"),
    SMFIR_CONTINUE)
t.eom_ok("old session", t.message(old, "snapshot"))
mt.disconnect(old)

t.session{ label = "new session after reload", addr = "192.0.2.10", qid = "SNAP2",
	auth = "alice@example.test", rcpts = { { OUT, SMFIR_REPLYCODE } } }

t.finish("snapshot.lua")
