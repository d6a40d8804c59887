-- hand-over-deal.lua — hand a deal's customer conversations from one employee to another:
-- add TO_USER to every active Open Channel chat of the deal, then remove FROM_USER from them.
--
-- b24.snippets.replace_member does it per chat: the new person joins first, so no chat is left
-- without someone; if adding TO_USER to a chat fails, FROM_USER stays in that chat and the
-- script exits 1. TO_USER already in a chat, or FROM_USER already gone, counts as done.
--
--   b24lua --sandbox examples/hand-over-deal.lua 2001 503 1
--   b24lua --webhook https://HOST/rest/1/CODE/ --journal handover.jsonl examples/hand-over-deal.lua 2001 503 1
--
-- Arguments: DEAL_ID FROM_USER TO_USER
-- Exit status: 0 handed over, 1 some chat could not be handed over, 2 bad arguments.

local replace_member = require "b24.snippets.replace_member"

local function id(s) local n = math.tointeger(tonumber(s or "")); return n and n > 0 and n or nil end
local deal, from, to = id(arg[1]), id(arg[2]), id(arg[3])
if not (deal and from and to) or from == to then
  io.stderr:write("usage: hand-over-deal.lua DEAL_ID FROM_USER TO_USER (two different users)\n")
  os.exit(2)
end

local chats = b24.chat_get{entity_type = "deal", entity = deal}
if #chats == 0 then
  print(("deal %d has no active chat; nothing to hand over"):format(deal))
  return
end
for _, c in ipairs(chats) do c.entity_type, c.entity = "deal", deal end

local report = replace_member.run{old = from, new = to, chats = chats}

for _, f in ipairs(report.failed) do
  local c, what = f.item, ("%d in, but removing %d failed"):format(to, from)
  if c.step == "add" then what = ("adding %d failed, %d stays"):format(to, from) end
  print(("deal %d chat %d (%s): %s: %s"):format(deal, c.chat, c.connector, what, tostring(f.error)))
end

if #report.failed > 0 then
  error(("%d of %d chat(s) of deal %d not handed over"):format(#report.failed, #chats, deal), 0)
end
print(("deal %d: %d chat(s) handed over from %d to %d%s"):format(deal, #chats, from, to,
  b24.dry_run and " (dry run: nothing sent)" or ""))
