-- Calls every function reachable from `b24` (its tables, metatables, and the Swift primitives
-- reached through the prelude's upvalues) with hostile values, each call under pcall, and
-- renders whatever comes back. Run by HostileValueTests: the process must end by itself, with
-- the closing "walked" line, never a signal.
local only = ...                      -- optional: a name prefix to walk just part of the surface

local stdlib = {}                     -- the standard library: not ours to call with junk
for _, lib in ipairs {_G, string, table, math, io, os, coroutine, utf8, debug, package} do
  stdlib[lib] = true
  for _, v in pairs(lib) do if type(v) == "function" then stdlib[v] = true end end
end
stdlib[io.stdout], stdlib[io.stderr], stdlib[io.stdin] = true, true, true

local found, seen = {}, {}
local function walk(v, name, depth)
  if depth > 8 or stdlib[v] or seen[v] then return end
  local t = type(v)
  if t ~= "function" and t ~= "table" and t ~= "userdata" then return end
  seen[v] = true
  if t == "function" then
    found[#found + 1] = {name = name, f = v}
    for i = 1, 255 do
      local n, uv = debug.getupvalue(v, i)
      if not n then break end
      walk(uv, name .. "^" .. n, depth + 1)
    end
  elseif t == "table" then
    for k, x in next, v do walk(x, name .. "." .. tostring(k), depth + 1) end
  end
  local mt = debug.getmetatable(v)
  if mt then walk(mt, name .. "<mt>", depth + 1) end
end
walk(b24, "b24", 0)
walk(debug.getmetatable(b24.null), "null<mt>", 0)

local function raiser(what)
  return function() error("hostile " .. what) end
end
local evil_mt = {
  __index = raiser("__index"), __newindex = raiser("__newindex"), __len = raiser("__len"),
  __pairs = raiser("__pairs"), __tostring = raiser("__tostring"), __eq = raiser("__eq"),
  __lt = raiser("__lt"), __le = raiser("__le"), __call = raiser("__call"),
  __concat = raiser("__concat"), __name = 42, __close = raiser("__close"),
}
local function evil(t) return setmetatable(t or {}, evil_mt) end
local cyclic = {}; cyclic.self = cyclic; cyclic[1] = cyclic
local deep = {}; do local d = deep; for _ = 1, 300 do d[1] = {}; d = d[1] end end
local wrong_tostring = setmetatable({}, {__tostring = function() return {} end})
local huge = ("x"):rep(1 << 20)

local values = {
  nil, true, false, 0, -1, 1, math.maxinteger, math.mininteger, 0 / 0, 1 / 0, -1 / 0, -0.0,
  2 ^ 53, 2 ^ 63, 1e308, 0.5, "", "abc", "12", " 7 ", "\0\255\254", "lead", "%s%n%d", huge,
  {}, {1, 2, 3}, {[1.5] = 1, [true] = 2}, evil(), evil {1, 2}, cyclic, deep, wrong_tostring,
  print, raiser("call"), coroutine.create(function() end), io.stdout, b24.null,
  b24.array {}, b24.object {}, setmetatable({}, b24.Error),
  setmetatable({code = evil(), status = math.huge, description = deep}, b24.Error),
}
local nvalues = 44                    -- the list holds a nil, so count it by hand
local keyed = {"entity_type", "entity", "user", "chat", "active_only", "method", "params", "halt",
               "concurrency", "stop_on_error", 1, 2, "key", "code", "kind"}

local trace = os.getenv("WALK_TRACE")   -- set it to see which function a crash was in
local calls = 0
local function try(f, ...)
  calls = calls + 1
  local r = table.pack(pcall(f, ...))
  for i = 2, r.n do pcall(tostring, r[i]) end   -- render results and errors: __tostring paths
  if not r[1] and type(r[2]) == "table" then pcall(function() return r[2]:is("usage") end) end
end

for _, entry in ipairs(found) do
  if not only or entry.name:sub(1, #only) == only then
    if trace then io.stderr:write(entry.name, "\n") end
    local f = entry.f
    try(f)
    for i = 1, nvalues do
      local v = values[i]
      try(f, v)
      try(f, v, v)
      try(f, "user.current", v)
      try(f, v, {})
      for _, k in ipairs(keyed) do
        try(f, {[k] = v})
        try(f, {entity_type = "lead", entity = 1205, user = 503, [k] = v})
      end
      for j = 1, nvalues, 7 do try(f, v, values[j], v) end
    end
    try(f, evil(), evil(), evil())
  end
end
collectgarbage()
print(("walked %d functions, %d calls"):format(#found, calls))
