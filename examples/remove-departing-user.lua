-- remove-departing-user.lua — take a departing employee (or a retired bot) out of every Open
-- Channel chat of the CRM leads, deals, contacts and companies this webhook can see.
--
-- It reads first (every entity, its chats, their members), shows what it found, asks, and only
-- then removes, with the removals batched by b24.each. Preview with --dry-run; keep a journal to
-- take the run back with `b24lua undo`.
--
--   b24lua --sandbox examples/remove-departing-user.lua 503
--   b24lua --sandbox --dry-run examples/remove-departing-user.lua 503
--   b24lua --webhook https://HOST/rest/1/CODE/ --journal leave.jsonl examples/remove-departing-user.lua 503
--   b24lua undo leave.jsonl --webhook https://HOST/rest/1/CODE/
--
-- Arguments: USER_ID [--closed]   (--closed: closed chats too, not only active ones)
-- Exit status: 0 done (or declined), 2 bad arguments, 3 some chats could not be changed.

local user = math.tointeger(tonumber(arg[1] or ""))
local include_closed = arg[2] == "--closed"
if not user or user <= 0 or (arg[2] and not include_closed) then
  io.stderr:write("usage: remove-departing-user.lua USER_ID [--closed]\n")
  os.exit(2)
end

local TYPES = {"lead", "deal", "contact", "company"}
local TYPE_IDS = {lead = 1, deal = 2, contact = 3, company = 4}

-- Every entity of the four CRM types the webhook user can see, paged by b24.list.
local function entities()
  local out = {}
  for _, t in ipairs(TYPES) do
    for item in b24.list("crm.item.list", {entityTypeId = TYPE_IDS[t], select = {"id"}}) do
      out[#out + 1] = {type = t, id = math.tointeger(tonumber(item.id))}
    end
  end
  return out
end

-- The chats of the entities that hold `user`. Reads only; b24.each batches them 50 at a time.
-- Chats whose members cannot be read are kept: removing from them is harmless ("already not in chat").
local function chats_holding(user, list)
  local found, unreadable = {}, {}
  b24.each(list, function(e)
    local chats, err = b24.try.chat_get{entity_type = e.type, entity = e.id, active_only = not include_closed}
    if not chats then unreadable[#unreadable + 1] = ("%s %d: %s"):format(e.type, e.id, tostring(err)); return end
    for _, c in ipairs(chats) do
      local members = b24.try.call("im.chat.user.list", {CHAT_ID = c.chat})
      local member = members == nil
      for _, id in ipairs(members or {}) do
        if math.tointeger(tonumber(id)) == user then member = true end
      end
      if member then
        found[#found + 1] = {type = e.type, entity = e.id, chat = c.chat, connector = c.connector}
      end
    end
  end)
  local order = {lead = 1, deal = 2, contact = 3, company = 4}
  table.sort(found, function(a, b)
    if a.type ~= b.type then return order[a.type] < order[b.type] end
    if a.entity ~= b.entity then return a.entity < b.entity end
    return a.chat < b.chat
  end)
  return found, unreadable
end

local found, unreadable = chats_holding(user, entities())
for _, line in ipairs(unreadable) do io.stderr:write("cannot read ", line, "\n") end
print(("user %d is in %d chat(s) on %s%s"):format(user, #found, b24.portal, b24.dry_run and " (dry run)" or ""))
for _, f in ipairs(found) do
  print(("  %s %d chat %d (%s)"):format(f.type, f.entity, f.chat, f.connector))
end
if #found == 0 then return end

if not b24.dry_run and not b24.confirm(("Remove user %d from these %d chat(s)?"):format(user, #found)) then
  print("nothing changed (not confirmed; pass --yes to run unattended)")
  return
end

local report = b24.each(found, function(f)
  b24.chat_user_delete{entity_type = f.type, entity = f.entity, user = user, chat = f.chat}
end)

for _, failure in ipairs(report.failed) do
  local f = failure.item
  print(("  failed: %s %d chat %d: %s"):format(f.type, f.entity, f.chat, tostring(failure.error)))
end
print(("%s user %d from %d of %d chat(s); %d failed"):format(
  b24.dry_run and "would remove" or "removed", user, report.ok, #found, #report.failed))
