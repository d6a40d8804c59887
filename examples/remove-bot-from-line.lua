-- remove-bot-from-line.lua — take a bot (or any user) out of every chat of one Open Channel
-- line, e.g. when a chatbot is retired from the Telegram channel but stays on the others.
--
-- Lines are told apart by their connector ("livechat", "telegrambot", "whatsappbyedna", ...) or
-- their title, as imopenlines.crm.chat.get reports them. b24.snippets.remove_bot_from_line does
-- the work: it reads every chat of the line and its members first, then removes the bot from
-- the chats it is in, in batches. Chats of other lines, and chats without the bot, are not
-- touched; if any read fails, nothing is changed.
--
--   b24lua --sandbox examples/remove-bot-from-line.lua 506 telegrambot
--   b24lua --sandbox --dry-run examples/remove-bot-from-line.lua 506 livechat
--   b24lua --webhook https://HOST/rest/1/CODE/ --journal bot.jsonl examples/remove-bot-from-line.lua 506 telegrambot
--
-- Arguments: BOT_ID CONNECTOR
-- Exit status: 0 done, 1 the line could not be searched (nothing changed), 2 bad arguments,
-- 3 some chats could not be changed.

local remove_bot_from_line = require "b24.snippets.remove_bot_from_line"

local bot = math.tointeger(tonumber(arg[1] or ""))
local connector = arg[2]
if not bot or bot <= 0 or not connector or connector == "" then
  io.stderr:write("usage: remove-bot-from-line.lua BOT_ID CONNECTOR   (e.g. 506 telegrambot)\n")
  os.exit(2)
end

local report, chats = remove_bot_from_line.run{bot = bot, line = connector}

local failed = {}
for _, f in ipairs(report.failed) do failed[f.item] = tostring(f.error) end
for _, c in ipairs(chats) do
  local where = ("%s %d chat %d"):format(c.entity_type, c.entity, c.chat)
  print(failed[c] and ("  failed: %s: %s"):format(where, failed[c]) or ("  removed from " .. where))
end
print(("%s %d from %d %s chat(s); %d failed"):format(
  b24.dry_run and "would remove" or "removed", bot, report.ok, connector, #report.failed))
