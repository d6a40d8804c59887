-- The CRM chats a user is a member of (checked with im.chat.user.list).
--
-- Usage:
--   local user_chats = require "b24.snippets.user_chats"
--   local chats, report = user_chats.find{user = 503, types = {"lead", "deal"}}
--   for _, c in ipairs(chats) do print(c.chat, c.entity_type, c.entity) end
--   b24lua snippets run --sandbox user_chats 503 [TYPE...]
--
-- Parameters (one table):
--   user         the user id to look for (required)
--   chats        the chats to check (records of entity_chats.chats); default: every chat of the
--                entities this webhook can see, narrowed by the next three
--   types, filter, active_only   as in b24.snippets.entity_chats
--
-- Returns: an array of chat records {chat=, entity_type=, entity=, title=, connector=,
--   connector_title=} that list the user among their members, and the b24.each report of the
--   membership reads; report.failed holds the chats whose members could not be read and the
--   entities whose chats could not be read.
--
-- Writes: nothing. Reads im.chat.user.list once per chat, in batches (plus what
-- entity_chats reads when `chats` is not given).
local b24 = require "b24"
local entity_chats = require "b24.snippets.entity_chats"

local M = {}

local function user_id(v, who)
  local id = math.tointeger(tonumber(v))
  if not id or id <= 0 then error(("%s: 'user' must be a positive integer, got %s"):format(who, tostring(v)), 3) end
  return id
end
M.user_id = user_id

--- True when `members` (an im.chat.user.list result) holds `user`.
function M.has_member(members, user)
  for _, m in ipairs(members or {}) do
    if math.tointeger(tonumber(m)) == user then return true end
  end
  return false
end

--- Raises, before anything is written, when any of the given failure lists has an entry:
--- a snippet that writes must not act on a partial search. Blames the writer's caller.
function M.refuse_if_incomplete(caller, ...)
  local n, first = 0, nil
  for i = 1, select("#", ...) do
    local failed = select(i, ...)
    n = n + #failed
    first = first or failed[1]
  end
  if n > 0 then
    error(("%s: could not search every chat (%d read(s) failed; nothing was changed); first: %s"):format(
      caller, n, tostring(first.error)), 3)
  end
end

function M.find(opts)
  opts = opts or {}
  local user = user_id(opts.user, "user_chats")
  local chats, reads = opts.chats, nil
  if chats == nil then
    chats, reads = entity_chats.chats{types = opts.types, filter = opts.filter, active_only = opts.active_only}
  end
  local member = {}
  local report = b24.each(chats, function(c)
    member[c] = M.has_member(b24.call("im.chat.user.list", {CHAT_ID = c.chat}), user)
  end)
  -- Entities whose chats could not be read are failures of the search too.
  for _, f in ipairs(reads and reads.failed or {}) do table.insert(report.failed, f) end
  local out = {}
  for _, c in ipairs(chats) do
    if member[c] then out[#out + 1] = c end
  end
  return out, report
end

--- As a script: USER [TYPE...]; one line per chat, "CHAT<TAB>TYPE<TAB>ENTITY<TAB>CONNECTOR".
M.usage = "USER [TYPE...]"

function M.main(user, ...)
  if user == nil then error("usage: b24lua snippets run user_chats " .. M.usage, 0) end
  local types = select("#", ...) > 0 and {...} or nil
  local chats, report = M.find{user = user, types = types}
  for _, c in ipairs(chats) do
    print(("%d\t%s\t%d\t%s"):format(c.chat, c.entity_type, c.entity, c.connector))
  end
  for _, f in ipairs(report.failed) do
    local what = f.item.chat and ("chat " .. f.item.chat) or (f.item.entity_type .. " " .. f.item.entity)
    io.stderr:write(("user_chats: %s: %s\n"):format(what, tostring(f.error)))
  end
  return report
end

return M
