-- who-is-where.lua — list every Open Channel chat a user (or bot) is a member of, with the
-- CRM entity it belongs to and whether it is still active. Read-only: safe on any portal.
--
-- Useful before remove-departing-user.lua, or to answer "why does Anna see this customer?".
-- The search is b24.snippets.user_chats over closed chats too; one more chat.get per chat
-- found tells the active ones from the closed ("?": that read failed). Needs the im scope
-- (im.chat.user.list) besides imopenlines and crm.
--
--   b24lua --sandbox examples/who-is-where.lua 503
--   b24lua --webhook https://HOST/rest/1/CODE/ examples/who-is-where.lua 506
--
-- Arguments: USER_ID
-- Exit status: 0 done, 2 bad arguments, 3 some entities or chats could not be read.

local user_chats = require "b24.snippets.user_chats"

local user = math.tointeger(tonumber(arg[1] or ""))
if not user or user <= 0 then
  io.stderr:write("usage: who-is-where.lua USER_ID\n")
  os.exit(2)
end

local chats, reads = user_chats.find{user = user, active_only = false}

-- chat.get lists only the active chats unless asked for all: ask once per chat found.
local state = {}
local checks = b24.each(chats, function(c)
  local now = "closed"
  for _, a in ipairs(b24.chat_get{entity_type = c.entity_type, entity = c.entity}) do
    if a.chat == c.chat then now = "active" end
  end
  state[c] = now
end)

print(("user %d is in %d chat(s) on %s"):format(user, #chats, b24.portal))
for _, c in ipairs(chats) do
  print(("  %-7s %-6d chat %-6d %-12s %-6s %s"):format(c.entity_type, c.entity, c.chat, c.connector,
    state[c] or "?", c.title or ""))
end
for _, report in ipairs{reads, checks} do
  for _, f in ipairs(report.failed) do
    local what = f.item.chat and ("chat " .. f.item.chat) or (f.item.entity_type .. " " .. f.item.entity)
    io.stderr:write(("cannot read %s: %s\n"):format(what, tostring(f.error)))
  end
end
