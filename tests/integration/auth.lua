-- SPDX-License-Identifier: BSD-2-Clause
--
-- auth.lua - one authenticated outsider sending to an outside recipient.
--   miltertest -D sock=... -D srcdir=... -D qid=QID -D want_auth=accept|reject -s auth.lua
-- protocol.sh runs it after each reload: trust_authenticated = yes must
-- accept, trust_authenticated = no must refuse.

local t = dofile(srcdir .. "/mtlib.lua")
local want = SMFIR_CONTINUE
if want_auth == "reject" then want = SMFIR_REPLYCODE end

t.session{ label = "authenticated (" .. tostring(want_auth) .. ")", addr = "192.0.2.10",
	qid = qid, auth = "alice@example.test",
	rcpts = { { "bob@example.test", SMFIR_CONTINUE }, { "alice@outside.test", want } } }

t.finish("auth.lua " .. tostring(qid))
