import LuaHost

/// Tab completion over the live Lua state, luaprompt-style: globals and keywords, fields of
/// dotted paths (following `__index` tables), methods after ':', and the argument keys of
/// `b24` calls from `<table>._arguments[<function name>]`. Reads are raw: completing never
/// runs Lua code. Functions complete with "(" (with "{" when they take one table of
/// arguments: those listed in `_arguments`), tables with ".", argument keys with " = ". Fields
/// whose name starts with "_" (`b24._doc`, `b24._arguments`: internals) are offered only once
/// an "_" is typed.
struct REPLCompleter {
    let stack: LuaStack

    static let commands = [":help", ":quit"]

    /// Replacements for libedit's `word`, given the text before the cursor.
    func complete(word: String, before: String) -> [String] {
        if before.hasPrefix(":"), !before.contains(" ") {
            return Self.commands.filter { $0.hasPrefix(before) }
        }
        guard let context = CompletionContext.parse(before) else { return [] }
        let typed = context.wordPrefix + context.partial
        // libedit may see a longer word than Lua does ("$x"); keep its extra lead.
        guard word.hasSuffix(typed) else { return [] }
        let lead = String(word.dropLast(typed.count)) + context.wordPrefix

        let top = stack.top
        defer { stack.top = top }
        guard stack.reserve(8) else { return [] }
        let names: [(String, String)]
        switch context.kind {
        case .name:
            names = globalNames(context.partial)
        case .field(let path, let method):
            guard resolve(path) else { return [] }
            names = fields(of: stack.absolute(-1), prefix: context.partial, methodsOnly: method)
        case .argumentKey(let function, let given):
            let keys = argumentKeys(function).filter { $0.hasPrefix(context.partial) && !given.contains($0) }
            names = keys.isEmpty ? globalNames(context.partial) : keys.map { ($0, " = ") }
        }
        return names.map { lead + $0.0 + $0.1 }.sorted()
    }

    private func globalNames(_ prefix: String) -> [(String, String)] {
        stack.pushGlobalTable()
        let globals = fields(of: stack.absolute(-1), prefix: prefix, methodsOnly: false, hidingInternals: false)
        stack.pop()
        let keywords = InspectedValue.keywords.filter { $0.hasPrefix(prefix) }.map { ($0, "") }
        return globals + keywords
    }

    /// Pushes the value at `path` from the globals; false when a step is missing or the value is
    /// nil (callers restore the stack top either way).
    private func resolve(_ path: [String]) -> Bool {
        stack.pushGlobalTable()
        let slot = stack.absolute(-1)
        for name in path {
            guard lookUp(name, in: slot) else { stack.pop(); return false }
            stack.replace(at: slot)
        }
        return !stack.isNoneOrNil(slot)
    }

    /// Pushes value[name], read raw from the value if it is a table, then from the `__index`
    /// tables of the metatables (a few levels, as classes go; strings reach the string
    /// library this way). False, with nothing pushed, when it is not found.
    private func lookUp(_ name: String, in value: Int32) -> Bool {
        let base = stack.top
        var current = value
        for _ in 0..<8 {
            if stack.type(at: current) == .table {
                if stack.rawGet(current, key: name) != .nil {
                    stack.copy(from: -1, to: base + 1)
                    stack.top = base + 1
                    return true
                }
                stack.pop()
            }
            guard let next = indexTable(of: current) else { break }
            current = next
        }
        stack.top = base
        return false
    }

    /// Pushes the `__index` table of the value's metatable and returns its index; nil (with
    /// the stack as it was) when there is none or it is a function (that would run code).
    private func indexTable(of value: Int32) -> Int32? {
        let base = stack.top
        guard stack.pushMetatable(ofValueAt: value), stack.rawGet(-1, key: "__index") == .table else {
            stack.top = base
            return nil
        }
        return stack.absolute(-1)
    }

    /// Identifier keys of the value and of its `__index` tables that start with `prefix`.
    /// Globals (`hidingInternals: false`) keep `_G`, `_VERSION` and `_`.
    private func fields(of value: Int32, prefix: String, methodsOnly: Bool,
                        hidingInternals: Bool = true) -> [(String, String)] {
        let base = stack.top
        defer { stack.top = base }
        var found: [String: String] = [:]
        var current = value
        let hide = hidingInternals && !prefix.hasPrefix("_")
        for _ in 0..<8 {
            let takesTable = argumentLists(in: current)
            stack.forEachEntry(inTableAt: current) { k, v in
                if stack.type(at: k) == .string, let key = stack.string(at: k),
                   key.hasPrefix(prefix), InspectedValue.isIdentifier(key), found[key] == nil,
                   !(hide && key.hasPrefix("_")) {
                    let type = stack.type(at: v)
                    if !methodsOnly || type == .function {
                        found[key] = type == .function ? (takesTable[key] != nil ? "{" : "(")
                            : type == .table ? "." : ""
                    }
                }
                return true
            }
            guard let next = indexTable(of: current) else { break }
            current = next
        }
        return found.map { ($0.key, $0.value) }
    }

    /// The `_arguments` of the table at `index`, read raw as what it is: the functions that take
    /// one table of arguments, each with its key names in order (`b24._arguments.chat_user_delete`
    /// for `b24.chat_user_delete`). Anything else there completes nothing.
    private func argumentLists(in index: Int32) -> [String: [String]] {
        let top = stack.top
        defer { stack.top = top }
        guard stack.type(at: index) == .table, stack.rawGet(index, key: "_arguments") == .table else { return [:] }
        return (try? stack.read([String: [String]].self, at: -1)) ?? [:]
    }

    /// The key names of `function`'s table of arguments, from the `_arguments` of the table that
    /// holds it (or of the globals, for a global function).
    private func argumentKeys(_ function: [String]) -> [String] {
        let top = stack.top
        defer { stack.top = top }
        let container = Array(function.dropLast())
        if container.isEmpty { stack.pushGlobalTable() } else if !resolve(container) { return [] }
        guard let name = function.last else { return [] }
        return argumentLists(in: stack.absolute(-1))[name] ?? []
    }
}
