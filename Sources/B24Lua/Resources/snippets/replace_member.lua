-- Replace one member of CRM chats with another: add the new one, then remove the old one.
--
-- Usage:
--   local replace_member = require "b24.snippets.replace_member"
--   local report = replace_member.run{old = 503, new = 1001}                    -- every chat 503 is in
--   local report = replace_member.run{old = 503, new = 1001, types = {"deal"}}
--   local report = replace_member.run{old = 503, new = 508, line = "livechat"}  -- one line's chats only
--   b24lua snippets run --sandbox --journal out.jsonl replace_member 503 508 [TYPE...] [line=LINE]
--
-- Parameters (one table):
--   old          the user id to take out (required)
--   new          the user id to put in (required)
--   chats        chat records {chat=, entity_type=, entity=}; default: the chats `old` is in
--                (user_chats.find with the next three)
--   types, filter, active_only   as in b24.snippets.entity_chats
--   line         only the chats of this Open Channel line: its connector id ("livechat") or
--                title ("Live Chat"), as in b24.snippets.remove_bot_from_line; default: every line
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
local entity_chats = require "b24.snippets.entity_chats"

local M = {}

function M.run(opts)
  opts = opts or {}
  local old = user_chats.user_id(opts.old, "replace_member")
  local new = user_chats.user_id(opts.new, "replace_member")
  if old == new then error("replace_member: 'old' and 'new' are the same user", 2) end
  if opts.line ~= nil then entity_chats.of_line({}, opts.line, "replace_member") end  -- fails before any read
  local chats = opts.chats
  if chats == nil then
    local found, reads = user_chats.find{user = old, types = opts.types, filter = opts.filter,
                                         active_only = opts.active_only}
    user_chats.refuse_if_incomplete("replace_member", reads.failed)
    chats = found
  end
  if opts.line ~= nil then chats = entity_chats.of_line(chats, opts.line, "replace_member") end
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

--- As a script: OLD NEW [TYPE...] [line=LINE]; prints what was done and every failure.
M.usage = "OLD NEW [TYPE...] [line=LINE]"

function M.main(old, new, ...)
  if old == nil or new == nil then error("usage: b24lua snippets run replace_member " .. M.usage, 0) end
  local types, line = {}, nil
  for _, a in ipairs{...} do
    local value = a:match("^line=(.*)$")
    if value then line = value else types[#types + 1] = a end
  end
  if #types == 0 then types = nil end
  local report = M.run{old = old, new = new, types = types, line = line}
  print(("%s user %s with %s in %d chat(s)%s, %d failed"):format(b24.dry_run and "would replace" or "replaced",
        old, new, report.ok, line and (" of line " .. line) or "", #report.failed))
  for _, f in ipairs(report.failed) do
    print(("  chat %d (%s %d), %s: %s"):format(f.item.chat, f.item.entity_type, f.item.entity,
                                              f.item.step or "?", tostring(f.error)))
  end
  return report
end

return M
