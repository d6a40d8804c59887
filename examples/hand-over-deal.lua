-- hand-over-deal.lua — hand a deal's customer conversations from one employee to another:
-- add TO_USER to every active Open Channel chat of the deal, then remove FROM_USER from them.
--
-- The new person joins first, so no chat is left without someone; if adding TO_USER to a chat
-- fails, FROM_USER stays in that chat and the script exits 1.
--
--   b24lua --sandbox examples/hand-over-deal.lua 2001 503 1
--   b24lua --webhook https://HOST/rest/1/CODE/ --journal handover.jsonl examples/hand-over-deal.lua 2001 503 1
--
-- Arguments: DEAL_ID FROM_USER TO_USER
-- Exit status: 0 handed over, 1 some chat could not be handed over, 2 bad arguments.

local function id(s) local n = math.tointeger(tonumber(s or "")); return n and n > 0 and n or nil end
local deal, from, to = id(arg[1]), id(arg[2]), id(arg[3])
if not (deal and from and to) or from == to then
  io.stderr:write("usage: hand-over-deal.lua DEAL_ID FROM_USER TO_USER (two different users)\n")
  os.exit(2)
end

local chats = b24.chat_get{entity_type = "deal", entity = deal}
if #chats == 0 then
  print(("deal %d has no active chat; nothing to hand over"):format(deal))
  return
end

local stuck = 0
for _, c in ipairs(chats) do
  local where = ("deal %d chat %d (%s)"):format(deal, c.chat, c.connector)
  local ok, err = b24.try.chat_user_add{entity_type = "deal", entity = deal, user = to, chat = c.chat}
  if ok or err:is("WRONG_REQUEST") then
    local added = ok and ("added %d"):format(to) or ("%d already there"):format(to)
    local gone, derr = b24.try.chat_user_delete{entity_type = "deal", entity = deal, user = from, chat = c.chat}
    if gone or derr:is("WRONG_REQUEST") then
      print(("%s: %s, %s"):format(where, added, gone and ("removed %d"):format(from) or ("%d was not in it"):format(from)))
    else
      stuck = stuck + 1
      print(("%s: %s, but removing %d failed: %s"):format(where, added, from, tostring(derr)))
    end
  else
    stuck = stuck + 1
    print(("%s: adding %d failed, %d stays: %s"):format(where, to, from, tostring(err)))
  end
end

if stuck > 0 then
  error(("%d of %d chat(s) of deal %d not handed over"):format(stuck, #chats, deal), 0)
end
print(("deal %d: %d chat(s) handed over from %d to %d%s"):format(deal, #chats, from, to,
  b24.dry_run and " (dry run: nothing sent)" or ""))
