-- who-is-where.lua — list every Open Channel chat a user (or bot) is a member of, with the
-- CRM entity it belongs to and whether it is still active. Read-only: safe on any portal.
--
-- Useful before remove-departing-user.lua, or to answer "why does Anna see this customer?".
-- Needs the im scope (im.chat.user.list) besides imopenlines and crm.
--
--   b24lua --sandbox examples/who-is-where.lua 503
--   b24lua --webhook https://HOST/rest/1/CODE/ examples/who-is-where.lua 506
--
-- Arguments: USER_ID
-- Exit status: 0 done, 2 bad arguments, 3 some entities or chats could not be read.

local user = math.tointeger(tonumber(arg[1] or ""))
if not user or user <= 0 then
  io.stderr:write("usage: who-is-where.lua USER_ID\n")
  os.exit(2)
end

local TYPES = {{name = "lead", id = 1}, {name = "deal", id = 2}, {name = "contact", id = 3}, {name = "company", id = 4}}

local entities = {}
for _, t in ipairs(TYPES) do
  for item in b24.list("crm.item.list", {entityTypeId = t.id, select = {"id", "title"}}) do
    entities[#entities + 1] = {type = t.name, order = t.id, id = math.tointeger(tonumber(item.id)), title = item.title}
  end
end

local rows = {}
local report = b24.each(entities, function(e)
  local active = {}
  for _, c in ipairs(b24.chat_get{entity_type = e.type, entity = e.id}) do active[c.chat] = true end
  for _, c in ipairs(b24.chat_get{entity_type = e.type, entity = e.id, active_only = false}) do
    for _, id in ipairs(b24.call("im.chat.user.list", {CHAT_ID = c.chat})) do
      if math.tointeger(tonumber(id)) == user then
        rows[#rows + 1] = {entity = e, chat = c, active = active[c.chat] == true}
      end
    end
  end
end)

table.sort(rows, function(a, b)
  if a.entity.order ~= b.entity.order then return a.entity.order < b.entity.order end
  if a.entity.id ~= b.entity.id then return a.entity.id < b.entity.id end
  return a.chat.chat < b.chat.chat
end)

print(("user %d is in %d chat(s) on %s"):format(user, #rows, b24.portal))
for _, r in ipairs(rows) do
  print(("  %-7s %-6d chat %-6d %-12s %-6s %s"):format(r.entity.type, r.entity.id, r.chat.chat,
    r.chat.connector, r.active and "active" or "closed", r.entity.title or ""))
end
for _, f in ipairs(report.failed) do
  io.stderr:write(("cannot read %s %d: %s\n"):format(f.item.type, f.item.id, tostring(f.error)))
end
