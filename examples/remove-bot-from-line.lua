-- remove-bot-from-line.lua — take a bot (or any user) out of every chat of one Open Channel
-- line, e.g. when a chatbot is retired from the Telegram channel but stays on the others.
--
-- Lines are told apart by their connector ("livechat", "telegrambot", "whatsappbyedna", ...),
-- as imopenlines.crm.chat.get reports it. Chats of other lines are left alone.
--
--   b24lua --sandbox examples/remove-bot-from-line.lua 506 telegrambot
--   b24lua --sandbox --dry-run examples/remove-bot-from-line.lua 506 livechat
--   b24lua --webhook https://HOST/rest/1/CODE/ --journal bot.jsonl examples/remove-bot-from-line.lua 506 telegrambot
--
-- Arguments: BOT_ID CONNECTOR
-- Exit status: 0 done, 2 bad arguments, 3 some chats could not be changed.

local bot = math.tointeger(tonumber(arg[1] or ""))
local connector = arg[2]
if not bot or bot <= 0 or not connector or connector == "" then
  io.stderr:write("usage: remove-bot-from-line.lua BOT_ID CONNECTOR   (e.g. 506 telegrambot)\n")
  os.exit(2)
end

local TYPES = {{name = "lead", id = 1}, {name = "deal", id = 2}, {name = "contact", id = 3}, {name = "company", id = 4}}

local entities = {}
for _, t in ipairs(TYPES) do
  for item in b24.list("crm.item.list", {entityTypeId = t.id, select = {"id"}}) do
    entities[#entities + 1] = {type = t.name, id = math.tointeger(tonumber(item.id))}
  end
end

-- One pass: b24.each batches the chat lookups and the removals of all entities together.
-- "Already not in chat" is what we want, so it counts as done, not as a failure.
local removed, absent = {}, 0
local report = b24.each(entities, function(e)
  for _, c in ipairs(b24.chat_get{entity_type = e.type, entity = e.id}) do
    if c.connector == connector then
      local chat, err = b24.try.chat_user_delete{entity_type = e.type, entity = e.id, user = bot, chat = c.chat}
      if chat then
        removed[#removed + 1] = ("%s %d chat %d"):format(e.type, e.id, chat)
      elseif err:is("WRONG_REQUEST") then
        absent = absent + 1
      else
        error(err)
      end
    end
  end
end)

table.sort(removed)
for _, r in ipairs(removed) do print("  removed from " .. r) end
for _, f in ipairs(report.failed) do
  print(("  failed: %s %d: %s"):format(f.item.type, f.item.id, tostring(f.error)))
end
print(("%s %d from %d %s chat(s); %d already without it; %d entit%s failed"):format(
  b24.dry_run and "would remove" or "removed", bot, #removed, connector, absent, #report.failed,
  #report.failed == 1 and "y" or "ies"))
