-- Replace one member of CRM chats with another: add the new one, then remove the old one.
--
-- Usage:
--   local replace_member = require "b24.snippets.replace_member"
--   local report = replace_member.run{old = 503, new = 1001}                    -- every chat 503 is in
--   local report = replace_member.run{old = 503, new = 1001, types = {"deal"}}
--   b24lua snippets run --sandbox --journal out.jsonl replace_member 503 1001 [TYPE...]
--
-- Parameters (one table):
--   old          the user id to take out (required)
--   new          the user id to put in (required)
--   chats        chat records {chat=, entity_type=, entity=}; default: the chats `old` is in
--                (user_chats.find with the next three)
--   types, filter, active_only   as in b24.snippets.entity_chats
--   stop_on_error, concurrency   passed to b24.each
--
-- Returns: the b24.each report {ok=, failed={{item=<chat record>, error=}}, skipped=}; a failed
--   item's record has `step = "add"` or `step = "delete"`.
--
-- Writes: per chat, imopenlines.crm.chat.user.add of `new`, then imopenlines.crm.chat.user.delete
-- of `old`, each journaled under --journal. When the add fails the delete is not sent, so no
-- chat loses its member without gaining the replacement; `new` already being a member
-- (WRONG_REQUEST on the add) counts as added, `old` already gone (WRONG_REQUEST on the delete)
-- as removed, so a chat that already has the replacement and not the old member is done.
local b24 = require "b24"
local user_chats = require "b24.snippets.user_chats"

local M = {}

function M.run(opts)
  opts = opts or {}
  local old = user_chats.user_id(opts.old, "replace_member")
  local new = user_chats.user_id(opts.new, "replace_member")
  if old == new then error("replace_member: 'old' and 'new' are the same user", 2) end
  local chats = opts.chats
  if chats == nil then
    local found, reads = user_chats.find{user = old, types = opts.types, filter = opts.filter,
                                         active_only = opts.active_only}
    user_chats.refuse_if_incomplete("replace_member", reads.failed)
    chats = found
  end
  return b24.each(chats, function(c)
    local where = {entity_type = c.entity_type, entity = c.entity, chat = c.chat}
    c.step = "add"
    local ok, err = b24.try.chat_user_add{entity_type = where.entity_type, entity = where.entity,
                                          chat = where.chat, user = new}
    if not ok and not err:is("WRONG_REQUEST") then error(err, 0) end
    c.step = "delete"
    ok, err = b24.try.chat_user_delete{entity_type = where.entity_type, entity = where.entity,
                                       chat = where.chat, user = old}
    if not ok and not err:is("WRONG_REQUEST") then error(err, 0) end
    c.step = nil
  end, {stop_on_error = opts.stop_on_error, concurrency = opts.concurrency})
end

--- As a script: OLD NEW [TYPE...]; prints what was done and every failure.
function M.main(old, new, ...)
  if old == nil or new == nil then error("usage: b24lua snippets run replace_member OLD NEW [TYPE...]", 0) end
  local types = select("#", ...) > 0 and {...} or nil
  local report = M.run{old = old, new = new, types = types}
  print(("replaced user %s with %s in %d chat(s), %d failed"):format(old, new, report.ok, #report.failed))
  for _, f in ipairs(report.failed) do
    print(("  chat %d (%s %d), %s: %s"):format(f.item.chat, f.item.entity_type, f.item.entity,
                                              f.item.step or "?", tostring(f.error)))
  end
  return report
end

return M
