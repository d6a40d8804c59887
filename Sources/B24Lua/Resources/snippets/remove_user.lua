-- Remove a user from a set of CRM chats (every chat they are in, by default).
--
-- Usage:
--   local remove_user = require "b24.snippets.remove_user"
--   local report = remove_user.run{user = 503}                      -- every chat 503 is in
--   local report = remove_user.run{user = 503, types = {"lead"}}    -- only the chats of leads
--   local report = remove_user.run{user = 503, chats = my_chats}    -- chats you found yourself
--   b24lua snippets run --sandbox --journal out.jsonl remove_user 503 [TYPE...]
--
-- Parameters (one table):
--   user         the user id to remove (required)
--   chats        chat records {chat=, entity_type=, entity=} (from entity_chats or user_chats);
--                default: user_chats.find with the next three
--   types, filter, active_only   as in b24.snippets.entity_chats
--   stop_on_error, concurrency   passed to b24.each
--
-- Returns: the b24.each report {ok=, failed={{item=<chat record>, error=}}, skipped=}.
--
-- Writes: one imopenlines.crm.chat.user.delete per chat (journaled under --journal, planned
-- only under --dry-run). A chat that fails stays as it was; the others are still done.
local b24 = require "b24"
local user_chats = require "b24.snippets.user_chats"

local M = {}

function M.run(opts)
  opts = opts or {}
  local user = user_chats.user_id(opts.user, "remove_user")
  local chats = opts.chats
  if chats == nil then
    local found, reads = user_chats.find{user = user, types = opts.types, filter = opts.filter,
                                         active_only = opts.active_only}
    user_chats.refuse_if_incomplete("remove_user", reads.failed)
    chats = found
  end
  return b24.each(chats, function(c)
    b24.chat_user_delete{entity_type = c.entity_type, entity = c.entity, user = user, chat = c.chat}
  end, {stop_on_error = opts.stop_on_error, concurrency = opts.concurrency})
end

--- Prints a b24.each report's failures, one line per chat (what remove_bot_from_line shares).
function M.print_failures(report)
  for _, f in ipairs(report.failed) do
    print(("  chat %d (%s %d): %s"):format(f.item.chat, f.item.entity_type, f.item.entity, tostring(f.error)))
  end
end

--- As a script: USER [TYPE...]; prints what was done and every failure.
M.usage = "USER [TYPE...]"

function M.main(user, ...)
  if user == nil then error("usage: b24lua snippets run remove_user " .. M.usage, 0) end
  local types = select("#", ...) > 0 and {...} or nil
  local report = M.run{user = user, types = types}
  print(("%s user %s from %d chat(s), %d failed"):format(b24.dry_run and "would remove" or "removed", user,
                                                          report.ok, #report.failed))
  M.print_failures(report)
  return report
end

return M
