-- The b24 module's Lua half: the public API of README "A tour of b24" over the Swift primitives in
-- `core` (call, batch, batch_start/batch_wait, confirm, ...): the Lua-side argument checks and
-- the b24.each scheduler; everything a call does after that (dry run, journal, retries) is the
-- Swift call pipeline's (docs/call-pipeline.md). Runs once per state, before any sandboxing, so
-- it keeps its own references to what --safe removes.
local core = ...

local type, pairs, ipairs, tostring, tonumber, select, error, pcall, setmetatable, getmetatable =
      type, pairs, ipairs, tostring, tonumber, select, error, pcall, setmetatable, getmetatable
local rawget, rawequal, next = rawget, rawequal, next
local math_type, floor = math.type, math.floor
local co_running, co_yield, co_create, co_resume, co_status =
      coroutine.running, coroutine.yield, coroutine.create, coroutine.resume, coroutine.status
local traceback = debug.traceback
local concat, unpack = table.concat, table.unpack
local stderr = io.stderr
local fmt = string.format

local b24 = {}
local Error = core.Error
b24.Error = Error
b24.null = core.null
b24.portal = core.portal
b24.dry_run = core.dry_run

---------------------------------------------------------------------------------------------
-- errors

local function is_error(v)
  return type(v) == "table" and rawequal(getmetatable(v), Error)
end
b24.is_error = is_error

-- A usage error (bad Lua arguments), raised before any request, at the caller's level.
local function usage(fname, method, message, argument)
  local e = core.make_error {
    code = "INVALID_ARGUMENT", kind = "usage", retryable = false, outcome_unknown = false,
    description = message, method = method, argument = argument,
  }
  e.traceback = traceback("", 3)
  error(e, 0)
end

local function describe(v)
  if type(v) == "string" then return fmt("string %q", v) end
  if v == nil then return "no value" end
  return fmt("%s %s", math_type(v) or type(v), tostring(v))
end

---------------------------------------------------------------------------------------------
-- JSON markers

function b24.array(t)
  t = t or {}
  if type(t) ~= "table" then usage("array", nil, "bad argument #1 to 'array' (table expected, got " .. describe(t) .. ")") end
  return setmetatable(t, core.array_mt)
end

function b24.object(t)
  t = t or {}
  if type(t) ~= "table" then usage("object", nil, "bad argument #1 to 'object' (table expected, got " .. describe(t) .. ")") end
  return setmetatable(t, core.object_mt)
end

---------------------------------------------------------------------------------------------
-- progress bars (stderr, only on a terminal and without --quiet)

local Progress = {}
Progress.__index = Progress

local function progress(label, total)
  if not core.progress then return nil end
  return setmetatable({label = label, total = total, done = 0, started = core.now(), drawn = 0}, Progress)
end

function Progress:step(n, total)
  self.done = self.done + (n or 1)
  if total then self.total = total end
  local now = core.now()
  if now - self.drawn < 0.1 and self.done ~= self.total then return end
  if self.drawn == 0 then core.progress_line(true) end  -- a stop's summary then starts a new line
  self.drawn = now
  local elapsed = now - self.started
  local rate = elapsed > 0 and self.done / elapsed or 0
  local line
  if self.total and self.total > 0 then
    local width = 24
    local filled = floor(width * self.done / self.total)
    local eta = rate > 0 and (self.total - self.done) / rate or 0
    line = fmt("%s [%s%s] %d/%d  %.1f/s  ETA %ds", self.label, ("#"):rep(filled), ("."):rep(width - filled),
               self.done, self.total, rate, floor(eta + 0.5))
  else
    line = fmt("%s %d  %.1f/s", self.label, self.done, rate)
  end
  stderr:write("\r", line, "\27[K")
end

function Progress:finish()
  stderr:write("\r\27[K")
  core.progress_line(false)
end

---------------------------------------------------------------------------------------------
-- sending: directly, or through the b24.each scheduler when called from one of its coroutines

local REQUEST = {}          -- what a scheduled coroutine yields to ask for a request
local scheduled = setmetatable({}, {__mode = "k"})

-- Sends one request and returns its result, or its whole envelope when `envelope` is set;
-- raises a b24.Error. Under --dry-run the Swift side answers the writes instead of sending
-- them (docs/call-pipeline.md): nothing here tells a read from a write.
local function request(method, params, envelope)
  local co = co_running()
  if scheduled[co] then
    local ok, res = co_yield(REQUEST, method, params, envelope)
    if ok then return res end
    res.traceback = traceback("", 2)
    error(res, 0)
  end
  if envelope then return core.request(method, params) end
  return core.call(method, params)
end

-- The same for parameters given as name, value, name, value, ... (a nil value leaves its name
-- out). Outside b24.each they go to Swift as they are: no table is built only to be walked
-- again there (docs/performance.md). Names in byte order keep the wire order of a table's.
local function request_fields(method, ...)
  if scheduled[co_running()] then
    local p = {}
    for i = 1, select("#", ...), 2 do
      local k, v = select(i, ...)
      p[k] = v
    end
    return request(method, p)
  end
  return core.call_fields(method, ...)
end

---------------------------------------------------------------------------------------------
-- argument checks for the chat functions

local entity_types = core.entity_types  -- the method catalog's set: {lead = true, ...}

local function positive_integer(fname, method, key, v, optional)
  if math_type(v) == "integer" and v >= 1 then return v end  -- the common case, in one check
  if v == nil then
    if optional then return nil end
    usage(fname, method, fmt("bad argument '%s' to '%s' (positive integer expected, got no value)", key, fname), key)
  end
  local n = v
  if type(v) == "string" and v:match("^%s*%d+%s*$") then n = tonumber(v) end
  if math_type(n) == "float" and n == floor(n) and n >= 1 and n < 2^53 then n = floor(n) end
  if math_type(n) ~= "integer" or n < 1 then
    usage(fname, method, fmt("bad argument '%s' to '%s' (positive integer expected, got %s)", key, fname, describe(v)), key)
  end
  return n
end

local function chat_params(fname, method, t, allowed)
  if type(t) ~= "table" then
    usage(fname, method, fmt("bad argument #1 to '%s' (table expected, got %s)", fname, describe(t)))
  end
  for k in pairs(t) do
    if allowed[k] ~= true then  -- the set also lists the names by position (for messages)
      usage(fname, method, fmt("bad argument #1 to '%s' (unknown key '%s'; expected %s)", fname, tostring(k),
                               concat(allowed, ", ")), tostring(k))
    end
  end
  local et = t.entity_type
  if not entity_types[et] then  -- lower case already, the common spelling: no new string
    et = type(et) == "string" and et:lower() or et
    if type(et) ~= "string" or not entity_types[et] then
      usage(fname, method, fmt("bad argument 'entity_type' to '%s' (\"lead\", \"deal\", \"contact\" or \"company\" expected, got %s)",
                               fname, describe(t.entity_type)), "entity_type")
    end
  end
  return et, positive_integer(fname, method, "entity", t.entity)
end

local function keys(list)
  local set = {}
  for i, k in ipairs(list) do set[k] = true; set[i] = k end
  return set
end

local membership_keys = keys {"entity_type", "entity", "user", "chat"}

local function integer_result(v)
  if math_type(v) == "integer" then return v end
  local n = tonumber(v)
  if n and n == floor(n) then return floor(n) end
  return v
end

local function membership(fname, method)
  return function(t)
    local et, entity = chat_params(fname, method, t, membership_keys)
    local user = positive_integer(fname, method, "user", t.user)
    local chat = positive_integer(fname, method, "chat", t.chat, true)
    return integer_result(request_fields(method, "CHAT_ID", chat, "CRM_ENTITY", entity, "CRM_ENTITY_TYPE", et,
                                         "USER_ID", user))
  end
end

b24.chat_user_delete = membership("chat_user_delete", "imopenlines.crm.chat.user.delete")
b24.chat_user_add = membership("chat_user_add", "imopenlines.crm.chat.user.add")

local chat_get_keys = keys {"entity_type", "entity", "active_only"}

function b24.chat_get(t)
  local method = "imopenlines.crm.chat.get"
  local et, entity = chat_params("chat_get", method, t, chat_get_keys)
  local p = {CRM_ENTITY_TYPE = et, CRM_ENTITY = entity}
  if t.active_only ~= nil then
    if type(t.active_only) ~= "boolean" then
      usage("chat_get", method, fmt("bad argument 'active_only' to 'chat_get' (boolean expected, got %s)",
                                    describe(t.active_only)), "active_only")
    end
    p.ACTIVE_ONLY = t.active_only and "Y" or "N"
  end
  local out = {}
  for i, c in ipairs(request(method, p) or {}) do
    out[i] = {chat = integer_result(c.CHAT_ID), connector = c.CONNECTOR_ID, connector_title = c.CONNECTOR_TITLE}
  end
  return out
end

local last_id_keys = keys {"entity_type", "entity"}

function b24.chat_last_id(t)
  local method = "imopenlines.crm.chat.getLastId"
  local et, entity = chat_params("chat_last_id", method, t, last_id_keys)
  return integer_result(request_fields(method, "CRM_ENTITY", entity, "CRM_ENTITY_TYPE", et))
end

---------------------------------------------------------------------------------------------
-- generic access

local function method_name(fname, m)
  if type(m) ~= "string" or m == "" then
    usage(fname, nil, fmt("bad argument #1 to '%s' (method name expected, got %s)", fname, describe(m)))
  end
  return m
end

local function params_table(fname, method, p)
  if p ~= nil and type(p) ~= "table" then
    usage(fname, method, fmt("bad argument #2 to '%s' (table expected, got %s)", fname, describe(p)))
  end
  return p or {}
end

function b24.call(method, params)
  method = method_name("call", method)
  return request(method, params_table("call", method, params))
end

function b24.request(method, params)
  method = method_name("request", method)
  return request(method, params_table("request", method, params), true)
end

-- b24.batch(commands, {halt=false}) -> results, errors, keyed as `commands`.
function b24.batch(commands, opts)
  if type(commands) ~= "table" then
    usage("batch", "batch", "bad argument #1 to 'batch' (table of {method, params} expected, got " .. describe(commands) .. ")")
  end
  opts = opts or {}
  local list, keys_in_order = {}, {}
  local is_seq = #commands > 0 or next(commands) == nil
  local function add(k, c)
    if type(c) ~= "table" then
      usage("batch", "batch", fmt("bad command '%s' to 'batch' ({method, params} expected, got %s)", tostring(k), describe(c)))
    end
    local m, p = c[1] or c.method, c[2] or c.params
    m = method_name("batch", m)
    p = params_table("batch", m, p)
    keys_in_order[#keys_in_order + 1] = k
    list[#list + 1] = {key = tostring(k), method = m, params = p}
  end
  if is_seq then
    for i, c in ipairs(commands) do add(i, c) end
  else
    local names = {}
    for k in pairs(commands) do names[#names + 1] = k end
    table.sort(names, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(names) do add(k, commands[k]) end
  end
  local results, errors = {}, {}
  local bar = #list > core.batch_limit and progress("batch", #list) or nil
  local outcomes = #list > 0 and core.batch(list, opts.halt and true or false) or {}
  for i, o in ipairs(outcomes) do
    local k = keys_in_order[i]
    if o.ok then results[k] = o.result else errors[k] = o.error end
  end
  if bar then bar:step(#list) bar:finish() end
  return results, errors
end

-- The id cursor of list methods (`start = -1`: no count, filter on "> last id", ordered by
-- id), which huge lists need: offset paging makes the portal count and skip every time.
local function crm_cursor(field)
  return {filter = "filter", key = ">" .. field, field = field,
          order = function(p) p.order = {[field] = "ASC"} end}
end
local user_cursor = {filter = "FILTER", key = ">ID", field = "ID",
                     order = function(p) p.sort = "ID"; p.order = "ASC" end}
local cursors = {["crm.item.list"] = crm_cursor("id"), ["user.get"] = user_cursor, ["user.search"] = user_cursor}

local function cursor_for(method)
  local m = core.normalized(method)
  return cursors[m] or (m:match("^crm%.%w+%.list$") and crm_cursor("ID")) or nil
end

local function copy(t)
  local c = {}
  for k, v in pairs(t or {}) do c[k] = v end
  return c
end

local function items_of(r)
  if type(r) == "table" and r.items ~= nil and #r == 0 then return r.items end
  return r or {}
end

-- A portal or proxy whose paging does not move on would make a listing run forever (or repeat
-- items): the listing ends with a protocol error instead (README "A tour of b24").
local PAGE = core.page_size

local function bad_paging(method, message)
  local e = core.make_error {
    code = "BAD_RESPONSE", kind = "protocol", retryable = false, outcome_unknown = false,
    status = 200, method = method, description = message,
  }
  e.traceback = traceback("", 3)
  error(e, 0)
end

-- The offset to ask for next: `next` must be an integer past `start`, and not past `total`.
local function next_offset(method, env, start)
  local n = env.next
  if n == nil then return nil end
  if type(n) == "number" and n == floor(n) then n = floor(n) end
  if math_type(n) ~= "integer" then
    bad_paging(method, fmt("the answer's 'next' is not an integer (%s); listing stopped", describe(n)))
  end
  local from = tonumber(start) or 0   -- the first page's start is the caller's, as given
  if n <= from then
    bad_paging(method, fmt("the answer's 'next' (%d) does not advance past start %s; listing stopped", n, tostring(start)))
  end
  local total = env.total
  if math_type(total) == "integer" and n > total then
    bad_paging(method, fmt("the answer's 'next' (%d) is past its 'total' (%d); listing stopped", n, total))
  end
  return n
end

-- The id cursor's next bound: a full page must end on an id greater than the last bound.
local function next_cursor(method, field, page, last)
  local item = page[#page]
  local id = type(item) == "table" and item[field] or nil
  local n, before = tonumber(id), tonumber(last)
  if n == nil or (before ~= nil and n <= before) then
    bad_paging(method, fmt("the id cursor does not advance (last %s %s after %s); listing stopped",
                           field, describe(id), describe(last)))
  end
  return id
end

-- b24.list(method, params) -> iterator over every item, 50 per request: by offset
-- (`start`/`next`), or by id cursor when params.start is -1.
function b24.list(method, params)
  method = method_name("list", method)
  local base = params_table("list", method, params)
  local cursor = base.start == -1 and cursor_for(method)
  if base.start == -1 and not cursor then
    usage("list", method, fmt("bad argument #2 to 'list' (start = -1: no id cursor is known for %s; page by offset)", method), "start")
  end
  local page, i, start, done, last = nil, 0, base.start or 0, false, nil
  local bar
  local function fetch()
    local p = copy(base)
    if cursor then
      local f = copy(base[cursor.filter])
      if last ~= nil then f[cursor.key] = last end
      p[cursor.filter] = f
      cursor.order(p)
      p.start = -1
    else
      p.start = start
    end
    local env = request(method, p, true)
    page, i = items_of(env.result), 0
    if cursor then
      done = #page < PAGE
      if not done then last = next_cursor(method, cursor.field, page, last) end
    else
      local n = next_offset(method, env, start)
      if env.total and env.total > PAGE and not bar and core.progress then bar = progress(method, env.total) end
      if n then start = n else done = true end
    end
  end
  return function()
    while true do
      if page and i < #page then
        i = i + 1
        if bar then bar:step(1) end
        return page[i]
      end
      if done then
        if bar then bar:finish() bar = nil end
        return nil
      end
      fetch()
    end
  end
end

---------------------------------------------------------------------------------------------
-- b24.each: every item in its own coroutine; their calls gathered into batches of up to 50

local BATCH_LIMIT, MAX_IN_FLIGHT = core.batch_limit, core.batches_in_flight

function b24.each(items, fn, opts)
  if type(items) ~= "table" then usage("each", nil, "bad argument #1 to 'each' (table expected, got " .. describe(items) .. ")") end
  if type(fn) ~= "function" then usage("each", nil, "bad argument #2 to 'each' (function expected, got " .. describe(fn) .. ")") end
  opts = opts or {}
  local concurrency = opts.concurrency or BATCH_LIMIT  -- enough coroutines to fill one batch
  if math_type(concurrency) ~= "integer" or concurrency < 1 then
    usage("each", nil, "bad option 'concurrency' to 'each' (positive integer expected, got " .. describe(opts.concurrency) .. ")")
  end
  local stop_on_error = opts.stop_on_error and true or false
  local total = #items
  -- already_done: items whose writes a resumed run's journal shows done (--resume), none sent again
  local report = {ok = 0, failed = {}, skipped = 0, already_done = 0}
  local resuming = core.resuming
  local resumed, sent_write = {}, {}  -- per coroutine, under --resume
  local bar = progress("each", total)
  local nexti, alive, stopping = 1, 0, false
  local item_of = {}
  local pending = {}        -- {co=, method=, params=}
  local in_flight = {}      -- handle -> list of pending entries
  local handles = {}

  local function finish(co, ok, err)
    alive = alive - 1
    if ok and resumed[co] and not sent_write[co] then
      report.already_done = report.already_done + 1
    elseif ok then
      report.ok = report.ok + 1
    else
      report.failed[#report.failed + 1] = {item = item_of[co], error = err}
      if stop_on_error then stopping = true end
    end
    item_of[co] = nil
    resumed[co], sent_write[co] = nil, nil
    if bar then bar:step(1) end
  end

  -- Runs `co` until it asks for a request, finishes, or fails.
  local function step(co, ...)
    local args = table.pack(...)
    while true do
      local ok, a, b, c, d = co_resume(co, unpack(args, 1, args.n))
      if not ok then return finish(co, false, a) end
      if co_status(co) == "dead" then return finish(co, true) end
      if a == REQUEST then
        pending[#pending + 1] = {co = co, method = b, params = c, envelope = d}
        return
      end
      args = table.pack()  -- a plain yield of the item's own: resume it at once
    end
  end

  local function start_items()
    while not stopping and alive < concurrency and nexti <= total do
      local co = co_create(fn)
      scheduled[co] = true
      item_of[co] = items[nexti]
      alive = alive + 1
      local item = items[nexti]
      nexti = nexti + 1
      step(co, item)
    end
  end

  local function flush()
    while #pending > 0 and #handles < MAX_IN_FLIGHT do
      local chunk, cmds = {}, {}
      while #chunk < BATCH_LIMIT and #pending > 0 do
        local e = table.remove(pending, 1)
        chunk[#chunk + 1] = e
        cmds[#cmds + 1] = {key = tostring(#cmds + 1), method = e.method, params = e.params}
      end
      local h = core.batch_start(cmds)
      in_flight[h] = chunk
      handles[#handles + 1] = h
    end
  end

  local function collect()
    local h, outcomes, err = core.batch_wait(handles)
    for i, x in ipairs(handles) do if x == h then table.remove(handles, i) break end end
    local chunk = in_flight[h]
    in_flight[h] = nil
    for i, e in ipairs(chunk) do
      if outcomes then
        local o = outcomes[i]
        if resuming then
          if o.resumed then resumed[e.co] = true elseif core.is_write(e.method) then sent_write[e.co] = true end
          o.resumed = nil
        end
        if o.ok then
          if e.envelope then
            o.ok = nil
            step(e.co, true, o)
          else
            step(e.co, true, o.result)
          end
        else
          step(e.co, false, o.error)
        end
      else
        step(e.co, false, err)
      end
    end
  end

  while true do
    start_items()
    flush()
    if #handles == 0 and #pending == 0 then
      if alive == 0 and (stopping or nexti > total) then break end
      if alive > 0 then error("b24.each: an item's coroutine is stuck (it yielded to something other than b24)") end
    end
    if #handles > 0 then collect() end
  end
  if stopping then report.skipped = total - nexti + 1 end
  if bar then bar:finish() end
  if #report.failed > 0 then core.mark_failed() end
  return report
end

---------------------------------------------------------------------------------------------
-- the rest of the surface

function b24.confirm(question)
  if question ~= nil and type(question) ~= "string" then
    usage("confirm", nil, "bad argument #1 to 'confirm' (string expected, got " .. describe(question) .. ")")
  end
  return core.confirm(question or "Continue?")
end

if core.sandbox_members then
  b24.sandbox = {members = core.sandbox_members, state = core.sandbox_state}
end

-- Argument keys, for the REPL's completion inside b24.chat_user_delete{ ... }.
b24._arguments = {
  chat_user_delete = {"entity_type", "entity", "user", "chat"},
  chat_user_add = {"entity_type", "entity", "user", "chat"},
  chat_get = {"entity_type", "entity", "active_only"},
  chat_last_id = {"entity_type", "entity"},
}
-- The help texts (doc.lua), compiled on first use: most runs never read them, and compiling
-- them was a third of the start-up's Lua work (docs/performance.md). Any read of a key, or
-- pairs(), fills the table and drops this metatable; keys a script set itself are kept.
local rawset = rawset
local doc_mt = {}
local function fill_doc(t)
  if getmetatable(t) ~= doc_mt then return end
  setmetatable(t, nil)
  for name, text in pairs(core.doc()) do
    if rawget(t, name) == nil then rawset(t, name, text) end
  end
end
doc_mt.__index = function(t, k) fill_doc(t) return rawget(t, k) end
doc_mt.__pairs = function(t) fill_doc(t) return next, t, nil end
b24._doc = setmetatable({}, doc_mt)

-- b24.try.f(...) -> the value, or nil, err instead of raising a b24.Error.
local try = {}
for name, f in pairs(b24) do
  if type(f) == "function" then
    try[name] = function(...)
      local r = table.pack(pcall(f, ...))
      if r[1] then return unpack(r, 2, r.n) end
      if is_error(r[2]) then return nil, r[2] end
      error(r[2], 0)
    end
  end
end
try._arguments = b24._arguments   -- the REPL completes b24.try.chat_user_delete{ as the function
b24.try = try

-- A misspelt name (`b24.chat_user_delet{...}`) raises naming the nearest ones, as `b24lua doc`
-- does, instead of "attempt to call a nil value". Fields that may be absent (`portal` with no
-- portal, `sandbox` off the sandbox) and `_` names read as nil; rawget reads anything.
local may_be_absent = {portal = true, sandbox = true}
local function missing(t, k, where)
  if type(k) ~= "string" or may_be_absent[k] or k:sub(1, 1) == "_" then return nil end
  local names = {}
  for name in next, t do
    if type(name) == "string" and name:sub(1, 1) ~= "_" then names[#names + 1] = name end
  end
  error(fmt("%s has no field '%s'%s", where, k, core.near_names(k, names)), 2)
end
setmetatable(b24, {__index = function(t, k) return missing(t, k, "b24") end})
setmetatable(try, {__index = function(t, k) return missing(t, k, "b24.try") end})

return b24
