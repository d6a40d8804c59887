-- The require searcher of README "Snippets", installed in place of Lua's own file searcher
-- (package.searchers[2]). Order: package.path up to the end of b24lua's templates (the script's
-- directory, B24LUA_PATH, the user snippet directory), then the library shipped inside the
-- binary, then the rest of package.path (Lua's standard paths). One searcher, so a failed
-- require lists every place once, in the order searched.
-- Called with: the templates as one path string, a table module name -> source text, and
-- under --safe `confined`, the host's search of the templates (each file opened beneath its
-- template's directory, docs/lua-host.md): then only it and the shipped library are searched,
-- never package.path.
local templates, shipped, confined = ...
local type = type
local package, load, loadfile, error = package, load, loadfile, error
local find, sub = string.find, string.sub
local searchpath = package.searchpath
local namespace = "b24.snippets."

-- The part of package.path b24lua owns ends at its templates; the rest is Lua's. A script that
-- edited package.path still gets its entries: without our block, all of it comes first.
local function split(path)
  local s, e = find(path, templates, 1, true)
  if not s then return path, "" end
  return sub(path, 1, e), sub(path, e + 2)
end

local function from_file(name, file, mode)
  local chunk, err = loadfile(file, mode)
  if not chunk then
    error(("error loading module '%s' from file '%s':\n\t%s"):format(name, file, err), 3)
  end
  return chunk, file
end

local function search(name)
  local ours, rest = "", ""
  if not confined then
    -- as Lua's own searcher says it
    if type(package.path) ~= "string" then error("'package.path' must be a string", 0) end
    ours, rest = split(package.path)
  end
  local misses = {}
  if confined then
    local chunk, file, err = confined(name)
    if chunk then return chunk, file end
    if file then
      error(("error loading module '%s' from file '%s':\n\t%s"):format(name, file, err), 2)
    end
    if err ~= "" then misses[#misses + 1] = err end
  elseif ours ~= "" then
    local file, err = searchpath(name, ours)
    if file then return from_file(name, file, "t") end  -- snippets: text only, never bytecode
    misses[#misses + 1] = err
  end
  local source = shipped[name]
  if source then
    local chunk, err = load(source, "=" .. name, "t")
    if not chunk then error(("error loading shipped snippet '%s':\n\t%s"):format(name, err), 2) end
    return chunk, "shipped:" .. name
  end
  -- Only names of the shipped namespace can be shipped: other misses read as lua's do.
  if sub(name, 1, #namespace) == namespace then
    misses[#misses + 1] = ("no shipped snippet '%s'"):format(name)
  end
  if rest ~= "" then
    local file, err = searchpath(name, rest)
    if file then return from_file(name, file, "bt") end  -- Lua's standard paths load as lua does
    misses[#misses + 1] = err
  end
  return table.concat(misses, "\n\t")
end

package.searchers[2] = search
return search
