-- The help texts of b24lua: name -> text, for every function of the `b24` module and every
-- error code a `b24` call can raise. Loaded into `b24._doc` (the REPL's `help()` reads it) and
-- printed by `b24lua doc [NAME]`. The first line of each text is its one-line summary.
local doc = {}

-- Functions ------------------------------------------------------------------------------------

doc.chat_user_delete = [==[
Remove a user or bot from the Open Channel chat of a CRM lead, deal, contact or company.

  b24.chat_user_delete{entity_type=, entity=, user=, chat=} -> integer

REST method: imopenlines.crm.chat.user.delete (scope imopenlines)

Parameters (one table; unknown keys are an error):
  entity_type  "lead" | "deal" | "contact" | "company", any case      -> CRM_ENTITY_TYPE
  entity       CRM entity id, positive integer (or "123", 123.0)       -> CRM_ENTITY
  user         id of the user or bot to remove, positive integer       -> USER_ID
  chat         optional chat id; omitted = the entity's last chat      -> CHAT_ID

Result:
  the integer id of the chat the user was removed from; 0 when `chat` was omitted and the
  entity has no chat (nothing was done). Under --dry-run nothing is sent and the chat id the
  call would most likely return is given back.

Errors (raised as b24.Error; use b24.try.chat_user_delete to get nil, err instead):
  INVALID_ARGUMENT (usage)            bad Lua arguments, before any request
  CRM_CHAT_EMPTY_USER (argument)      user missing or <= 0 (checked first by the portal)
  CRM_CHAT_EMPTY_CRM_DATA (argument)  entity_type or entity empty
  ERROR_ARGUMENT (argument)           entity not a positive number (argument = "CRM_ENTITY")
  IM_NOT_INSTALLED (state)            the messenger module is missing
  ACCESS_DENIED (access)              no access to the entity, or an unknown entity type
  CHAT_NOT_IN_CRM (not_found)         the chat does not belong to this entity
  CHAT_DELETE_USER_PERMISSION_DENIED (access)  the webhook user may not manage the line
  CRM_CHAT_USER_NOT_ACTIVE (state)    the user does not exist or is inactive
  WRONG_REQUEST (state)               the user is already not in the chat
  plus the common errors: auth, limit, server, network, protocol kinds

Example:
  local chat = b24.chat_user_delete{entity_type = "lead", entity = 1205, user = 503}
  if chat == 0 then print("lead 1205 has no chat") end
  local _, err = b24.try.chat_user_delete{entity_type = "deal", entity = 2001, user = 503, chat = 1801}
  if err and err:is("WRONG_REQUEST") then print("already gone") end
]==]

doc.chat_user_add = [==[
Add a user or bot to the Open Channel chat of a CRM lead, deal, contact or company.

  b24.chat_user_add{entity_type=, entity=, user=, chat=} -> integer

REST method: imopenlines.crm.chat.user.add (scope imopenlines)

Parameters (one table; unknown keys are an error):
  entity_type  "lead" | "deal" | "contact" | "company", any case      -> CRM_ENTITY_TYPE
  entity       CRM entity id, positive integer                         -> CRM_ENTITY
  user         id of the user or bot to add, positive integer          -> USER_ID
  chat         optional chat id; omitted = the entity's last chat      -> CHAT_ID

Result:
  the integer id of the chat the user was added to; 0 when `chat` was omitted and the entity
  has no chat (nothing was done).

Errors:
  INVALID_ARGUMENT (usage)            bad Lua arguments, before any request
  ERROR_ARGUMENT (argument)           entity_type or entity empty or invalid; user <= 0
  IM_NOT_INSTALLED (state)            the messenger module is missing
  ACCESS_DENIED (access)              no access to the entity or the line; or the added user
                                      cannot see the entity or the line's history
  CHAT_NOT_IN_CRM (not_found)         the chat does not belong to this entity
  CRM_CHAT_USER_NOT_ACTIVE (state)    the user does not exist or is inactive
  WRONG_REQUEST (state)               the user is already a member of the chat
  plus the common errors: auth, limit, server, network, protocol kinds

Example:
  local chat = b24.chat_user_add{entity_type = "deal", entity = 2001, user = 504}
  print("added to chat " .. chat)
  local _, err = b24.try.chat_user_add{entity_type = "lead", entity = 1205, user = 503}
  if err and err:is("WRONG_REQUEST") then print("already a member") end
]==]

doc.chat_get = [==[
List the Open Channel chats of a CRM entity.

  b24.chat_get{entity_type=, entity=, active_only=true} -> array of {chat=, connector=, connector_title=}

REST method: imopenlines.crm.chat.get (scope imopenlines)

Parameters:
  entity_type  "lead" | "deal" | "contact" | "company", any case      -> CRM_ENTITY_TYPE
  entity       CRM entity id, positive integer                         -> CRM_ENTITY
  active_only  optional boolean, default true (false lists closed chats too) -> ACTIVE_ONLY Y/N

Result:
  a sequence of tables {chat = <integer>, connector = "livechat", connector_title = "Live Chat"}
  (the portal sends CHAT_ID as a string; it comes back as an integer). An entity that does not
  exist gives an empty sequence.

Errors:
  INVALID_ARGUMENT (usage)            bad Lua arguments, before any request
  ERROR_ARGUMENT (argument)           entity_type or entity empty or invalid
  ACCESS_DENIED (access)              no access to the entity, or an unknown entity type
  plus the common errors

Example:
  for _, c in ipairs(b24.chat_get{entity_type = "deal", entity = 2001, active_only = false}) do
    print(c.chat, c.connector, c.connector_title)
  end
]==]

doc.chat_last_id = [==[
The id of the last (highest) Open Channel chat of a CRM entity.

  b24.chat_last_id{entity_type=, entity=} -> integer

REST method: imopenlines.crm.chat.getLastId (scope imopenlines)

Parameters:
  entity_type  "lead" | "deal" | "contact" | "company", any case      -> CRM_ENTITY_TYPE
  entity       CRM entity id, positive integer                         -> CRM_ENTITY

Result:
  the chat id. The method never returns 0: an entity without a chat is an error.

Errors:
  INVALID_ARGUMENT (usage)            bad Lua arguments, before any request
  CRM_CHAT_EMPTY_CRM_DATA (argument)  a parameter is missing, or "Could not find CRM entity":
                                      no chat, no such entity, unknown type or no access
  ERROR_ARGUMENT (argument)           entity is not a positive number
  plus the common errors

Example:
  local id, err = b24.try.chat_last_id{entity_type = "lead", entity = 1206}
  if not id then print("no chat: " .. tostring(err)) else print("last chat", id) end
]==]

doc.call = [==[
Call any REST method and return its `result`.

  b24.call(method, params) -> value

REST method: `method` itself, e.g. "user.get", "crm.item.get", "im.chat.user.list".

Parameters:
  method  string, the REST method name
  params  optional table, sent as the JSON body as is (REST parameter names, e.g. {ID = 1}).
          Use b24.null, b24.array{} and b24.object{} for null, [] and {}.

Result:
  the `result` value mapped to Lua: objects -> tables, arrays -> sequences, null -> b24.null
  inside arrays. Use b24.request for `total`, `next` and `time`. Under --dry-run a method not
  known to be read-only is not sent (see b24.dry_run).

Errors:
  INVALID_ARGUMENT (usage)            bad method name or params not a table
  ERROR_METHOD_NOT_FOUND (not_found)  no such method
  insufficient_scope (access)         the webhook lacks the method's scope
  any REST code the method itself raises, plus the common errors

Example:
  local me = b24.call("user.current")
  print(me.ID, me.NAME)
  local members = b24.call("im.chat.user.list", {CHAT_ID = 1763})
]==]

doc.request = [==[
Call any REST method and return the whole answer envelope.

  b24.request(method, params) -> {result=, total=, next=, time={...}}

REST method: `method` itself.

Parameters:
  method  string, the REST method name
  params  optional table, the REST parameters

Result:
  the envelope: `result`; `total` and `next` for list methods (next is nil on the last page);
  `time` with start, finish, duration, processing, operating, operating_reset_at.

Errors:
  the same as b24.call

Example:
  local page = b24.request("user.get", {start = 0})
  print(#page.result, "of", page.total, "next page at", page.next)
]==]

doc.batch = [==[
Send many REST calls in `batch` requests of up to 50 commands.

  b24.batch(commands, {halt=false}) -> results, errors

REST method: batch (commands go as `method?query` with PHP brackets; scope basic)

Parameters:
  commands  a sequence of {method, params}, or a map name -> {method, params}; more than 50
            are split into several batch requests. "$result[name]" references work inside
            one chunk of 50.
  halt      optional boolean -> halt: stop at the first failing command (the rest end as
            BATCH_HALTED)

Result:
  two tables keyed like `commands`: results[k] is the command's result, errors[k] its
  b24.Error (one of the two is set for every command).

Errors:
  raised only for the batch as a whole: INVALID_ARGUMENT (usage) for a malformed command list,
  and the common errors (auth, limit, server, network, protocol). Each command's own failure
  (ACCESS_DENIED, WRONG_REQUEST, ...) is in `errors`, not raised.

Example:
  local res, errs = b24.batch{
    {"imopenlines.crm.chat.get", {CRM_ENTITY_TYPE = "lead", CRM_ENTITY = 1205}},
    {"user.get", {ID = 503}}}
  for k, e in pairs(errs) do print(k, e) end
]==]

doc.list = [==[
Iterate over every item of a list method, page after page.

  b24.list(method, params) -> iterator

REST method: `method` itself, called with `start` = 0, 50, 100, ... (or the id cursor with
start = -1 where the method allows it).

Parameters:
  method  string, a list method: "user.get", "crm.item.list", "user.search", ...
  params  optional table of REST parameters (filter, order, select, entityTypeId, ...)

Result:
  an iterator for a generic `for`, yielding one item at a time (for crm.item.list, the
  elements of `items`). Pages are fetched as the loop needs them.

Errors:
  raised from inside the loop, as b24.call raises them (INVALID_ARGUMENT, ACCESS_DENIED,
  insufficient_scope, ERROR_METHOD_NOT_FOUND, and the common errors)

Example:
  for lead in b24.list("crm.item.list", {entityTypeId = 1, filter = {[">id"] = 1300}}) do
    print(lead.id, lead.title)
  end
]==]

doc.each = [==[
Run a function for every item, with the b24 calls it makes batched together.

  b24.each(items, fn, {concurrency=50, stop_on_error=false}) -> {ok=, failed=, skipped=, already_done=}

REST method: batch (the calls made by the coroutines are gathered into batches of up to 50).

Parameters:
  items          a sequence (or an iterator such as b24.list(...))
  fn             function(item); runs in its own coroutine, calls b24 functions as usual
  concurrency    optional: coroutines alive at once (default 50)
  stop_on_error  optional: stop starting new items after the first failure (default false)

Result:
  a report {ok = <count>, failed = {{item = ..., error = <b24.Error or message>}, ...},
  skipped = <count>, already_done = <count>}. skipped: items not started after a failure with
  stop_on_error. already_done: under --resume JOURNAL, items whose every write the journal
  shows done (not sent again; not in ok). A progress bar is drawn on stderr when it is a
  terminal. A run in which a b24.each finished with failed items exits with status 3.

Errors:
  an error raised by `fn` does not stop the others: it goes to report.failed (its kind tells
  what happened: access, state, not_found, ...). INVALID_ARGUMENT (usage) for bad arguments.

Example:
  local chats = b24.chat_get{entity_type = "deal", entity = 2001}
  local report = b24.each(chats, function(c)
    b24.chat_user_delete{entity_type = "deal", entity = 2001, user = 506, chat = c.chat}
  end)
  print(report.ok, #report.failed, report.skipped)
]==]

doc.try = [==[
Call any b24 function without raising: get the value, or nil and the error object.

  b24.try.NAME(...) -> value | nil, err

Mirrors every function of b24 (b24.try.chat_user_delete, b24.try.call, b24.try.batch, ...),
with the same parameters and REST methods as the function it wraps.

Parameters:
  the same as b24.NAME

Result:
  what b24.NAME returns; or nil and a b24.Error when it fails. pcall(b24.NAME, ...) also
  works and yields the same error object.

Errors:
  none raised for b24 failures (they are returned); a Lua error inside your own code still raises.

Example:
  local chat, err = b24.try.chat_user_delete{entity_type = "lead", entity = 1205, user = 504}
  if not chat and err:is("state") then print("not in the chat:", err.description) end
]==]

doc.is_error = [==[
Tell whether a value is a b24 error object.

  b24.is_error(v) -> boolean

Parameters:
  v  any value

Result:
  true when v is a table whose metatable is b24.Error, false otherwise.

Errors:
  none

Example:
  local ok, e = pcall(b24.chat_last_id, {entity_type = "lead", entity = 1206})
  if not ok and b24.is_error(e) then print(e.code) else error(e) end
]==]

doc.null = [==[
The marker for JSON null.

  b24.null

Sent as null in params; received as the value of null elements inside arrays (fields that are
null in objects are simply absent in Lua).

Parameters: none (a field, not a function).

Result:
  a unique value; compare with ==.

Errors: none

Example:
  b24.call("crm.item.update", {entityTypeId = 1, id = 1205, fields = {assignedById = b24.null}})
  for _, v in ipairs(b24.call("some.list")) do if v == b24.null then print("null") end end
]==]

doc.array = [==[
Mark a table to be sent as a JSON array, even when empty.

  b24.array(t) -> t

Parameters:
  t  optional table (default {}); a Lua table has no array/object distinction when empty

Result:
  t itself, marked; b24.array() is [] on the wire.

Errors:
  INVALID_ARGUMENT (usage) when t is not a table

Example:
  b24.call("user.get", {FILTER = {ID = b24.array()}})
]==]

doc.object = [==[
Mark a table to be sent as a JSON object, even when empty.

  b24.object(t) -> t

Parameters:
  t  optional table (default {})

Result:
  t itself, marked; b24.object() is {} on the wire.

Errors:
  INVALID_ARGUMENT (usage) when t is not a table

Example:
  b24.call("crm.item.list", {entityTypeId = 2, filter = b24.object()})
]==]

doc.confirm = [==[
Ask a yes/no question on the terminal before doing something irreversible.

  b24.confirm(question) -> boolean

Parameters:
  question  string, shown with " [y/N] "

Result:
  true when the user answered y/yes; false otherwise, and false without asking when there is
  no terminal, unless the run has --yes (then true without asking).

Errors:
  INVALID_ARGUMENT (usage) when question is not a string

Example:
  if not b24.confirm("Remove user 503 from 12 chats?") then
    print("nothing done"); return
  end
]==]

doc.portal = [==[
The host of the portal this run talks to.

  b24.portal -> string

Parameters: none (a field, not a function).

Result:
  a string such as "mycompany.bitrix24.com" ("sandbox.example" under --sandbox). It never
  holds the webhook code or a token.

Errors: none

Example:
  print("working on " .. b24.portal .. (b24.dry_run and " (dry run)" or ""))
]==]

doc.dry_run = [==[
True when the run has --dry-run: writes are recorded, not sent.

  b24.dry_run -> boolean

Parameters: none (a field, not a function).

Result:
  true under --dry-run, false otherwise. Under --dry-run, chat_user_add, chat_user_delete and
  any generic method not known to be read-only are not sent; they return what the real call
  would most likely return (the chat id, resolving an omitted chat through
  imopenlines.crm.chat.getLastId) and are printed as a plan at the end. Reads are sent, so the
  script follows its real path.

Errors: none

Example:
  if b24.dry_run then print("dry run: nothing will change") end
  b24.chat_user_delete{entity_type = "lead", entity = 1205, user = 503}  -- planned only
]==]

doc.sandbox = [==[
Inspect the embedded sandbox portal (present only under --sandbox).

  b24.sandbox.members(chat) -> sequence of user ids | nil
  b24.sandbox.state() -> table (the data set as fixture JSON, plus request statistics)

Parameters:
  chat  chat id, positive integer

Result:
  members: the chat's current members, nil when there is no such chat; state: the whole data
  set (users, lines, entities, chats with members) and "stats" (requests, by_status, by_method).
  b24.sandbox is nil against a real portal, so `if b24.sandbox then ... end` guards test code.

Errors:
  INVALID_ARGUMENT (usage) for a bad chat id

Example:
  b24.chat_user_delete{entity_type = "lead", entity = 1205, user = 503, chat = 1763}
  assert(not table.concat(b24.sandbox.members(1763), ","):find("503"))
]==]

doc.Error = [==[
The metatable of every error a b24 function raises (__name = "b24.Error").

  err.code, err.description, err.status, err.method, err.argument, err.kind, err.retryable,
  err.outcome_unknown, err.traceback; err:is(code_or_kind); tostring(err)

Fields:
  code             the REST `error` string ("ACCESS_DENIED", "WRONG_REQUEST", ...) or a client
                   code (INVALID_ARGUMENT, NETWORK_ERROR, TIMEOUT, BAD_RESPONSE, CONFIG_ERROR)
  description      the REST error_description, or the client's message
  status           HTTP status (integer); nil when no answer arrived
  method           the REST method
  argument         the offending parameter where known ("CRM_ENTITY", "user")
  kind             usage | argument | access | not_found | state | auth | limit | server |
                   network | protocol
  retryable        boolean: whether waiting and trying again can help (the client already
                   retried limits, 5xx and network errors before raising)
  outcome_unknown  true when a write may have been applied (timeout, dropped connection)
  traceback        the Lua traceback where the error was raised

Methods:
  err:is(x)        true when x equals the code or the kind
  tostring(err)    one line: b24: CODE (STATUS) METHOD: description

Errors: none. See `b24lua doc CODE` for every code.

Example:
  local ok, err = pcall(b24.chat_user_delete, {entity_type = "lead", entity = 1205, user = 504})
  if not ok and err:is("WRONG_REQUEST") then print("not in the chat") end
  if not ok and err:is("access") then print(err.code, err.status, err.description) end
]==]

-- Error codes ----------------------------------------------------------------------------------

-- One entry per code: what it means, its HTTP status, kind, whether retrying helps, what to do.
local function code(c)
  doc[c.code] = table.concat({
    c.summary,
    "",
    "  code       " .. c.code .. (c.client and "  (raised by the client; never sent by the portal)" or ""),
    "  status     " .. c.status,
    "  kind       " .. c.kind,
    "  retryable  " .. c.retryable,
    "",
    "Meaning:",
    "  " .. c.meaning:gsub("\n", "\n  "),
    "",
    "What to do:",
    "  " .. c.todo:gsub("\n", "\n  "),
    "",
  }, "\n")
end

-- argument
code{code = "ERROR_ARGUMENT", status = "400", kind = "argument", retryable = "no",
  summary = "A REST parameter is missing or has an invalid value.",
  meaning = "The portal refused a parameter: empty CRM_ENTITY_TYPE/CRM_ENTITY, a CRM_ENTITY that is\n"
         .. "not a positive number, USER_ID <= 0 on add, malformed JSON. err.argument names it.",
  todo = "Fix the value named by err.argument; b24.chat_* functions check most of these before sending."}
code{code = "CRM_CHAT_EMPTY_USER", status = "400", kind = "argument", retryable = "no",
  summary = "imopenlines.crm.chat.user.delete was called without a user.",
  meaning = "\"Empty User ID\": USER_ID missing or <= 0. Delete checks it before anything else.",
  todo = "Pass user = <positive id>."}
code{code = "CRM_CHAT_EMPTY_CRM_DATA", status = "400", kind = "argument", retryable = "no",
  summary = "The CRM entity is missing, or getLastId could not find it.",
  meaning = "\"Empty CRM data\": entity_type or entity empty. From chat_last_id also \"Could not find\n"
         .. "CRM entity\": no chat, no such entity, unknown type, or no access to it.",
  todo = "Check entity_type and entity; for chat_last_id, an entity without a chat is this error\n"
      .. "(use b24.try.chat_last_id, or b24.chat_get which returns an empty list)."}
code{code = "INVALID_REQUEST", status = "400", kind = "argument", retryable = "no",
  summary = "The portal requires HTTPS.",
  meaning = "\"Https required\": the request was sent over plain http.",
  todo = "Use an https:// webhook URL (plain http is only for loopback test servers)."}
code{code = "ERROR_BATCH_LENGTH_EXCEEDED", status = "400 (per command, inside an HTTP 200 batch)", kind = "argument",
  retryable = "no",
  summary = "A batch held more than 50 commands.",
  meaning = "\"Max batch length exceeded\": commands past the 50th of one batch request.",
  todo = "b24.batch splits into chunks of 50 itself; this appears only from hand-made b24.call(\"batch\")."}

-- access
code{code = "ACCESS_DENIED", status = "403", kind = "access", retryable = "no",
  summary = "The webhook user may not do this (entity, line, plan or target user).",
  meaning = "Per method: no access to the CRM entity (or an unknown entity type); on add also when the\n"
         .. "added user cannot see the entity or the line's history. Portal-wide: \"REST API is\n"
         .. "available only on commercial plans\". Read err.description to tell which.\n"
         .. "The portal words the history case \"This user does not have access to the chat because he\n"
         .. "does not have access to this view chat history\" (its own text, kept as sent): the user\n"
         .. "being added may not view this Open Channel line's chat history.",
  todo = "Use a webhook of a user with access to the entity and line (an admin sees everything),\n"
      .. "or give the target user access first (for the history case: let them view the line's\n"
      .. "history, or make them a manager of the line, in the Contact Center settings)."}
code{code = "CHAT_DELETE_USER_PERMISSION_DENIED", status = "403", kind = "access", retryable = "no",
  summary = "The webhook user may not manage this Open Channel line.",
  meaning = "\"You don't have access to delete a user from this chat\": the caller sees the entity but\n"
         .. "is not a manager of the chat's line.",
  todo = "Make the webhook user a manager of the line (Contact Center settings) or use an admin's webhook."}
code{code = "insufficient_scope", status = "401 or 403", kind = "access", retryable = "no",
  summary = "The webhook or app lacks the scope of the method.",
  meaning = "The request needs higher privileges than the webhook token provides, e.g. imopenlines.* without\n"
         .. "the imopenlines scope, or im.chat.user.list without im.",
  todo = "Edit the inbound webhook (or the app) and tick the scope (imopenlines, crm, user, im)."}
code{code = "user_access_error", status = "403", kind = "access", retryable = "no",
  summary = "The user may not use this application.",
  meaning = "The portal admin restricted the app to certain users.",
  todo = "Ask the admin to allow the user in the application's access settings."}
code{code = "INVALID_CREDENTIALS", status = "401 or 403", kind = "access", retryable = "no",
  summary = "The webhook's user id and code do not match, or its user lacks rights.",
  meaning = "\"Invalid request credentials\".",
  todo = "Copy the webhook URL again from the portal (https://HOST/rest/USER/CODE/)."}
code{code = "METHOD_CONFIRM_DENIED", status = "403", kind = "access", retryable = "no",
  summary = "An administrator refused the method for this application.",
  meaning = "The method needs admin confirmation and it was denied.",
  todo = "Ask the portal administrator to allow it."}

-- not_found
code{code = "CHAT_NOT_IN_CRM", status = "400", kind = "not_found", retryable = "no",
  summary = "The chat does not belong to the CRM entity being checked.",
  meaning = "The chat id given is not linked to this entity, or no chat has that id.",
  todo = "Take chat ids from b24.chat_get{entity_type=, entity=} for the same entity, or omit chat\n"
      .. "to act on the entity's last chat."}
code{code = "ERROR_METHOD_NOT_FOUND", status = "404", kind = "not_found", retryable = "no",
  summary = "No such REST method.",
  meaning = "\"Method not found!\": a typo, a module not installed, or a REST 3.0-only method.",
  todo = "Check the method name (b24lua doc call)."}
code{code = "ERROR_MANIFEST_IS_NOT_AVAILABLE", status = "404", kind = "not_found", retryable = "no",
  summary = "The manifest is not available.",
  meaning = "A manifest-based method was called for a manifest the portal does not have.",
  todo = "Check the call's parameters; nothing to retry."}
code{code = "PORTAL_DELETED", status = "403 or 500", kind = "not_found", retryable = "no",
  summary = "The portal was deleted, or its public part is closed.",
  meaning = "\"Portal was deleted\".",
  todo = "Check the portal address; nothing a script can do."}

-- state
code{code = "WRONG_REQUEST", status = "400", kind = "state", retryable = "no",
  summary = "The membership change was refused: already (not) in the chat, or not allowed.",
  meaning = "delete: \"You don't have access or user already not in chat\".\n"
         .. "add: \"You don't have access or user already member in chat\".\n"
         .. "After a timeout the client repeats add/delete once and reports this answer as success.",
  todo = "Usually nothing: the membership is already as wanted. b24.try and err:is(\"WRONG_REQUEST\")\n"
      .. "let a script treat it as done."}
code{code = "CRM_CHAT_USER_NOT_ACTIVE", status = "400", kind = "state", retryable = "no",
  summary = "The user does not exist or is deactivated.",
  meaning = "\"User not active\": USER_ID names no user, or a dismissed one.",
  todo = "Check the id with b24.call(\"user.get\", {ID = id}); dismissed users cannot be added or removed."}
code{code = "IM_NOT_INSTALLED", status = "400", kind = "state", retryable = "no",
  summary = "The messenger module is not installed on the portal.",
  meaning = "\"Messenger is not installed.\": Open Channel chats are unavailable.",
  todo = "Install the im module (on-premise) — nothing a script can do."}
code{code = "ERROR_BATCH_METHOD_NOT_ALLOWED", status = "405", kind = "state", retryable = "no",
  summary = "The method may not run inside batch.",
  meaning = "batch inside batch, download and upload are refused in a batch.",
  todo = "Call the method with b24.call instead of b24.batch."}
code{code = "METHOD_CONFIRM_WAITING", status = "401", kind = "state", retryable = "no",
  summary = "The method waits for an administrator's confirmation.",
  meaning = "The application asked to use the method; an admin has not answered yet.",
  todo = "Ask the administrator to confirm, then run again."}
code{code = "BATCH_HALTED", status = "none (inside a batch)", kind = "state", retryable = "no", client = true,
  summary = "Not run: an earlier command of a halting batch failed.",
  meaning = "b24.batch(commands, {halt = true}) stops at the first failure; every later command ends so.",
  todo = "Look at the first failing command's error; run again without halt to try every command."}

-- auth
code{code = "NO_AUTH_FOUND", status = "401", kind = "auth", retryable = "no",
  summary = "Wrong authorization data: bad or missing webhook code or access token.",
  meaning = "\"Wrong authorization data\". Refreshing a token does not help unless it was garbage.",
  todo = "Check the webhook URL (or B24_ACCESS_TOKEN / the profile's tokens)."}
code{code = "expired_token", status = "401", kind = "auth", retryable = "yes (by refreshing)",
  summary = "The OAuth access token has expired.",
  meaning = "\"The access token provided has expired\" (tokens live one hour).",
  todo = "Nothing: the client refreshes once and repeats the call. Seen in a script only when the\n"
      .. "refresh itself failed: check B24_REFRESH_TOKEN, B24_CLIENT_ID and B24_CLIENT_SECRET."}
code{code = "invalid_token", status = "401", kind = "auth", retryable = "no",
  summary = "The access token is not valid.",
  meaning = "Undocumented on the cloud; a custom auth provider's refusal.",
  todo = "Get a new token pair (run the app's OAuth flow again)."}
code{code = "wrong_client", status = "401 (unknown)", kind = "auth", retryable = "no",
  summary = "The token belongs to another application.",
  meaning = "Undocumented; the PHP SDK maps it to WrongClientException.",
  todo = "Check B24_CLIENT_ID against the application that issued the token."}

-- limit
code{code = "QUERY_LIMIT_EXCEEDED", status = "503 (older docs: 429)", kind = "limit", retryable = "yes",
  summary = "Too many requests: the portal's leaky bucket is full.",
  meaning = "More requests in a short time than the plan's burst, faster than its drain rate (the\n"
      .. "plans' figures: `b24lua --help`, under --plan).",
  todo = "Nothing usually: the client paces requests and retries with backoff. If it reaches a\n"
      .. "script, set --plan to the portal's plan, or use b24.each/b24.batch to send fewer requests."}
code{code = "OPERATION_TIME_LIMIT", status = "429", kind = "limit", retryable = "yes",
  summary = "The method used up its time budget for this webhook (10-minute window).",
  meaning = "\"Method is blocked due to operation time limit.\" Only this method is paused; others work.",
  todo = "The client waits until time.operating_reset_at and retries. Spread heavy work over time."}
code{code = "OVERLOAD_LIMIT", status = "503", kind = "limit", retryable = "no",
  summary = "REST API is blocked due to overload (a manual block by Bitrix24 support).",
  meaning = "Support blocked the webhook or app; retrying only adds load.",
  todo = "Contact Bitrix24 support."}

-- server
code{code = "INTERNAL_SERVER_ERROR", status = "500", kind = "server", retryable = "yes",
  summary = "The portal failed internally.",
  meaning = "\"Internal server error\".",
  todo = "The client retries with backoff; if it persists, contact support. For writes, check the\n"
      .. "result (err.outcome_unknown) before running again."}
code{code = "ERROR_UNEXPECTED_ANSWER", status = "500", kind = "server", retryable = "yes",
  summary = "The server returned an unexpected response.",
  meaning = "A server-side failure.",
  todo = "Retried by the client; if it persists, contact support."}
code{code = "ERROR_CORE", status = "400 or 500", kind = "server", retryable = "yes when 5xx",
  summary = "A generic core error (SQL errors give 500).",
  meaning = "The portal's core raised an error outside the method's own checks.",
  todo = "Read err.description; 5xx are retried by the client, 400 needs a change in the call."}

-- client codes
code{code = "INVALID_ARGUMENT", status = "none (no request was sent)", kind = "usage", retryable = "no",
  client = true,
  summary = "Bad Lua arguments to a b24 function, refused before any request.",
  meaning = "An unknown key (typo), a missing or non-positive id, a wrong type, a bad method name.\n"
         .. "err.argument names the offending parameter.",
  todo = "Fix the call: `b24lua doc NAME` lists every parameter."}
code{code = "NETWORK_ERROR", status = "none (no answer)", kind = "network", retryable = "yes", client = true,
  summary = "The portal could not be reached, or the connection dropped.",
  meaning = "DNS, connect, TLS or a dropped connection. err.outcome_unknown = true when a write may\n"
         .. "have been applied anyway.",
  todo = "The client retried with backoff before raising: check the network and the portal address.\n"
      .. "For an unknown outcome, check the state (or `b24lua undo` the journal)."}
code{code = "TIMEOUT", status = "none (no answer)", kind = "network", retryable = "yes", client = true,
  summary = "No answer within the timeout.",
  meaning = "The request may or may not have been processed; err.outcome_unknown says whether a write\n"
         .. "may have been applied.",
  todo = "Run again: add/delete are safe to repeat (\"already\" answers count as done)."}
code{code = "BAD_RESPONSE", status = "the answer's, if any", kind = "protocol", retryable = "yes when 5xx",
  client = true,
  summary = "The answer was not a REST envelope (HTML page, empty or truncated body).",
  meaning = "A proxy's error page, a maintenance page, or a wrong URL. The description quotes the start.",
  todo = "Check the portal URL; a proxy's 502/504 page is retried like any 5xx."}
code{code = "CONFIG_ERROR", status = "none (no request was sent)", kind = "usage", retryable = "no",
  client = true,
  summary = "No usable portal configuration.",
  meaning = "No portal configured, a bad webhook URL, plain http to a non-loopback host, a missing profile\n"
         .. "or fixture. The run exits with status 2.",
  todo = "Pass --sandbox, --webhook https://HOST/rest/USER/CODE/, OAuth variables, or --profile NAME\n"
      .. "(see `b24lua --help`)."}

-- Types, for editors and linters (`b24lua doc --emit luals`, `--emit luacheck`; README "Editors
-- and linters"): each function's parameters and results and each field's type, in LuaLS's
-- notation. What they mean is the text above of the same name (`doc` = the entry, when it is
-- not the name itself). The tests check these names against the b24 table a run holds.
local types = {}

types.aliases = {
  {"b24.EntityType", '"lead"|"deal"|"contact"|"company"',
   "A CRM entity type of the chat functions (the portal accepts any case)."},
  {"b24.ErrorKind", '"usage"|"argument"|"access"|"not_found"|"state"|"auth"|"limit"|"server"|"network"|"protocol"',
   "What kind of failure a b24.Error is (err.kind; err:is(kind))."},
}

-- Classes: the tables the functions take and give. A class marked exact has no other keys:
-- the functions refuse unknown keys.
types.classes = {
  {"b24.ChatMembershipArgs", exact = true, doc = "chat_user_delete", fields = {
    {"entity_type", "b24.EntityType"}, {"entity", "integer|string"}, {"user", "integer|string"},
    {"chat?", "integer|string"}}},
  {"b24.ChatGetArgs", exact = true, doc = "chat_get", fields = {
    {"entity_type", "b24.EntityType"}, {"entity", "integer|string"}, {"active_only?", "boolean"}}},
  {"b24.ChatEntityArgs", exact = true, doc = "chat_last_id", fields = {
    {"entity_type", "b24.EntityType"}, {"entity", "integer|string"}}},
  {"b24.Chat", doc = "chat_get", fields = {
    {"chat", "integer"}, {"connector", "string"}, {"connector_title", "string"}}},
  {"b24.Envelope", doc = "request", fields = {
    {"result", "any"}, {"total?", "integer"}, {"next?", "integer"}, {"time?", "table"}}},
  {"b24.BatchOptions", exact = true, doc = "batch", fields = {{"halt?", "boolean"}}},
  {"b24.EachOptions", exact = true, doc = "each", fields = {{"concurrency?", "integer"}, {"stop_on_error?", "boolean"}}},
  {"b24.EachFailure", doc = "each", fields = {{"item", "any"}, {"error", "b24.Error|string"}}},
  {"b24.EachReport", doc = "each", fields = {{"ok", "integer"}, {"failed", "b24.EachFailure[]"}, {"skipped", "integer"},
                                            {"already_done", "integer"}}},
  {"b24.Error", doc = "Error", fields = {
    {"code", "string"}, {"description", "string"}, {"status", "integer?"}, {"method", "string?"},
    {"argument", "string?"}, {"kind", "b24.ErrorKind"}, {"retryable", "boolean"}, {"outcome_unknown", "boolean"},
    {"traceback", "string?"}, {"is", "fun(self: b24.Error, code_or_kind: string): boolean"}}},
  {"b24.Null", doc = "null", fields = {}},
}

-- The functions of b24, in the order the definition file lists them. `try` says what
-- b24.try.NAME returns instead of raising (every function of b24 has one).
types.functions = {
  {"chat_user_delete", params = {{"t", "b24.ChatMembershipArgs"}}, returns = {{"integer", "chat"}}},
  {"chat_user_add", params = {{"t", "b24.ChatMembershipArgs"}}, returns = {{"integer", "chat"}}},
  {"chat_get", params = {{"t", "b24.ChatGetArgs"}}, returns = {{"b24.Chat[]", "chats"}}},
  {"chat_last_id", params = {{"t", "b24.ChatEntityArgs"}}, returns = {{"integer", "chat"}}},
  {"call", params = {{"method", "string"}, {"params?", "table"}}, returns = {{"any", "result"}}},
  {"request", params = {{"method", "string"}, {"params?", "table"}}, returns = {{"b24.Envelope", "envelope"}}},
  {"batch", params = {{"commands", "table"}, {"opts?", "b24.BatchOptions"}},
   returns = {{"table", "results"}, {"table<any, b24.Error>", "errors"}}},
  {"list", params = {{"method", "string"}, {"params?", "table"}}, returns = {{"fun(): any", "iterator"}}},
  {"each", params = {{"items", "any[]"}, {"fn", "fun(item: any)"}, {"opts?", "b24.EachOptions"}},
   returns = {{"b24.EachReport", "report"}}},
  {"is_error", params = {{"v", "any"}}, returns = {{"boolean"}}},
  {"array", params = {{"t?", "table"}}, returns = {{"table", "t"}}},
  {"object", params = {{"t?", "table"}}, returns = {{"table", "t"}}},
  {"confirm", params = {{"question?", "string"}}, returns = {{"boolean", "yes"}}},
}

-- The fields of b24 that are not functions; a table of functions lists them.
types.fields = {
  {"Error", "b24.Error"},
  {"null", "b24.Null"},
  {"portal", "string"},
  {"dry_run", "boolean"},
  {"try", functions = "try"},
  {"sandbox", optional = true, functions = {
    {"members", params = {{"chat", "integer"}}, returns = {{"integer[]?", "members"}}},
    {"state", params = {}, returns = {{"table", "state"}}},
  }},
}

return doc, types
