-- Every Open Channel chat of the CRM entities this webhook can see.
--
-- Usage:
--   local entity_chats = require "b24.snippets.entity_chats"
--   for e in entity_chats.entities{types = {"lead"}} do print(e.entity_type, e.entity, e.title) end
--   local chats, report = entity_chats.chats{types = {"lead", "deal"}, filter = {[">=id"] = 1300}}
--   for _, c in ipairs(chats) do print(c.chat, c.entity_type, c.entity, c.connector) end
--   b24lua snippets run --sandbox entity_chats [TYPE...]
--
-- Parameters (one table; every key optional):
--   types        entity types to enumerate: "lead", "deal", "contact", "company" (default all four)
--   filter       a crm.item.list filter applied to every type, e.g. {["%title"] = "acme"}
--   active_only  true (default): only active chats; false: closed ones too
--
-- Returns: entities() an iterator of {entity_type=, entity=, title=};
--   chats() an array of {chat=, entity_type=, entity=, title=, connector=, connector_title=}
--   ordered by entity type then entity id, plus the b24.each report of the chat.get reads
--   (entities whose chats could not be read are in report.failed).
--
-- Writes: nothing. Reads crm.item.list (paged by 50) and one imopenlines.crm.chat.get per
-- entity, sent in batches by b24.each.
local b24 = require "b24"

local M = {}

-- crm.item.list speaks entityTypeId; the chat methods speak the type's name.
M.entity_type_ids = {lead = 1, deal = 2, contact = 3, company = 4}
M.all_types = {"lead", "deal", "contact", "company"}

local function type_list(types)
  if types == nil then return M.all_types end
  if type(types) == "string" then types = {types} end
  for _, t in ipairs(types) do
    if not M.entity_type_ids[string.lower(t)] then
      error(("entity_chats: unknown entity type '%s' (lead, deal, contact or company)"):format(tostring(t)), 3)
    end
  end
  return types
end

--- An iterator over the entities of `types` this webhook can see: {entity_type=, entity=, title=}.
function M.entities(opts)
  opts = opts or {}
  local types = type_list(opts.types)
  return coroutine.wrap(function()
    for _, t in ipairs(types) do
      t = string.lower(t)
      local params = {entityTypeId = M.entity_type_ids[t]}
      if opts.filter then params.filter = opts.filter end
      for item in b24.list("crm.item.list", params) do
        coroutine.yield({entity_type = t, entity = math.tointeger(item.id) or tonumber(item.id), title = item.title})
      end
    end
  end)
end

--- The chat records of `chats` on one Open Channel line: `line` is its connector id
--- ("livechat", "telegrambot", ...) or its title ("Live Chat"), in any case. `who` names the
--- caller in the error for a line that is not a non-empty string.
function M.of_line(chats, line, who)
  if type(line) ~= "string" or line == "" then
    error(("%s: 'line' must be the connector id or title of the line"):format(who or "entity_chats"), 3)
  end
  line = string.lower(line)
  local out = {}
  for _, c in ipairs(chats) do
    if string.lower(c.connector or "") == line or string.lower(c.connector_title or "") == line then
      out[#out + 1] = c
    end
  end
  return out
end

--- Every chat of those entities, and the b24.each report of reading them.
function M.chats(opts)
  opts = opts or {}
  local entities = {}
  for e in M.entities(opts) do entities[#entities + 1] = e end
  local found = {}
  local active_only = opts.active_only ~= false
  local report = b24.each(entities, function(e)
    found[e] = b24.chat_get{entity_type = e.entity_type, entity = e.entity, active_only = active_only}
  end)
  local chats = {}
  for _, e in ipairs(entities) do
    for _, c in ipairs(found[e] or {}) do
      chats[#chats + 1] = {chat = c.chat, entity_type = e.entity_type, entity = e.entity, title = e.title,
                           connector = c.connector, connector_title = c.connector_title}
    end
  end
  return chats, report
end

--- As a script: one line per chat, "CHAT<TAB>TYPE<TAB>ENTITY<TAB>CONNECTOR<TAB>TITLE".
M.usage = "[TYPE...]"

function M.main(...)
  local types = select("#", ...) > 0 and {...} or nil
  local chats, report = M.chats{types = types}
  for _, c in ipairs(chats) do
    print(("%d\t%s\t%d\t%s\t%s"):format(c.chat, c.entity_type, c.entity, c.connector, c.title or ""))
  end
  for _, f in ipairs(report.failed) do
    io.stderr:write(("entity_chats: %s %d: %s\n"):format(f.item.entity_type, f.item.entity, tostring(f.error)))
  end
  return report
end

return M
