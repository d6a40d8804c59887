-- remove-departing-user.lua — take a departing employee (or a retired bot) out of every Open
-- Channel chat of the CRM leads, deals, contacts and companies this webhook can see.
--
-- It reads first (every entity, its chats, their members: b24.snippets.user_chats), shows what
-- it found, asks, and only then removes (b24.snippets.remove_user, batched by b24.each). Chats
-- that could not be read are named on stderr and left alone. Preview with --dry-run; keep a
-- journal to take the run back with `b24lua undo`.
--
--   b24lua --sandbox examples/remove-departing-user.lua 503
--   b24lua --sandbox --dry-run examples/remove-departing-user.lua 503
--   b24lua --webhook https://HOST/rest/1/CODE/ --journal leave.jsonl examples/remove-departing-user.lua 503
--   b24lua undo leave.jsonl --webhook https://HOST/rest/1/CODE/
--
-- Arguments: USER_ID [--closed]   (--closed: closed chats too, not only active ones)
-- Exit status: 0 done (or declined), 2 bad arguments, 3 some chats could not be read or changed.

local user_chats = require "b24.snippets.user_chats"
local remove_user = require "b24.snippets.remove_user"

local user = math.tointeger(tonumber(arg[1] or ""))
local include_closed = arg[2] == "--closed"
if not user or user <= 0 or (arg[2] and not include_closed) then
  io.stderr:write("usage: remove-departing-user.lua USER_ID [--closed]\n")
  os.exit(2)
end

local found, reads = user_chats.find{user = user, active_only = not include_closed}
for _, f in ipairs(reads.failed) do
  local what = f.item.chat and ("chat " .. f.item.chat) or (f.item.entity_type .. " " .. f.item.entity)
  io.stderr:write(("cannot read %s: %s\n"):format(what, tostring(f.error)))
end
print(("user %d is in %d chat(s) on %s%s"):format(user, #found, b24.portal, b24.dry_run and " (dry run)" or ""))
for _, c in ipairs(found) do
  print(("  %s %d chat %d (%s)"):format(c.entity_type, c.entity, c.chat, c.connector))
end
if #found == 0 then return end

if not b24.dry_run and not b24.confirm(("Remove user %d from these %d chat(s)?"):format(user, #found)) then
  print("nothing changed (not confirmed; pass --yes to run unattended)")
  return
end

local report = remove_user.run{user = user, chats = found}
for _, f in ipairs(report.failed) do
  print(("  failed: %s %d chat %d: %s"):format(f.item.entity_type, f.item.entity, f.item.chat, tostring(f.error)))
end
print(("%s user %d from %d of %d chat(s); %d failed"):format(
  b24.dry_run and "would remove" or "removed", user, report.ok, #found, #report.failed))
