-- Remove a bot from every CRM chat of one Open Channel line.
--
-- Usage:
--   local remove_bot_from_line = require "b24.snippets.remove_bot_from_line"
--   local report = remove_bot_from_line.run{bot = 506, line = "livechat"}
--   b24lua snippets run --sandbox --journal out.jsonl remove_bot_from_line 506 livechat
--
-- Parameters (one table):
--   bot          the bot's user id (required)
--   line         the line, as imopenlines.crm.chat.get names it: its connector id
--                ("livechat", "telegrambot", ...) or its title ("Live Chat"); case-insensitive
--   types, filter   as in b24.snippets.entity_chats (default: every entity type)
--   active_only  true (default): only active chats; false: closed chats too
--   stop_on_error, concurrency   passed to b24.each
--
-- Returns: the b24.each report of the deletes {ok=, failed={{item=<chat record>, error=}}, skipped=},
--   and the chat records of the line the bot was found in (what the deletes were sent for).
--
-- Writes: one imopenlines.crm.chat.user.delete per chat of the line the bot is in (journaled
-- under --journal). Chats of other lines, and chats the bot is not in, are not touched.
local b24 = require "b24"
local user_chats = require "b24.snippets.user_chats"
local remove_user = require "b24.snippets.remove_user"
local entity_chats = require "b24.snippets.entity_chats"

local M = {}

function M.run(opts)
  opts = opts or {}
  local bot = user_chats.user_id(opts.bot, "remove_bot_from_line")
  entity_chats.of_line({}, opts.line, "remove_bot_from_line")  -- a bad `line` fails before any read
  local all, reads = entity_chats.chats{types = opts.types, filter = opts.filter, active_only = opts.active_only}
  local of_line = entity_chats.of_line(all, opts.line, "remove_bot_from_line")
  local chats, members = user_chats.find{user = bot, chats = of_line}
  user_chats.refuse_if_incomplete("remove_bot_from_line", reads.failed, members.failed)
  return remove_user.run{user = bot, chats = chats, stop_on_error = opts.stop_on_error,
                         concurrency = opts.concurrency}, chats
end

--- As a script: BOT LINE; prints what was done and every failure.
M.usage = "BOT LINE"

function M.main(bot, line)
  if bot == nil or line == nil then error("usage: b24lua snippets run remove_bot_from_line " .. M.usage, 0) end
  local report = M.run{bot = bot, line = line}
  print(("%s bot %s from %d chat(s) of line %s, %d failed"):format(b24.dry_run and "would remove" or "removed",
                                                                   bot, report.ok, line, #report.failed))
  remove_user.print_failures(report)
  return report
end

return M
