import B24Run

/// The tables the bash and zsh completion scripts read, in the syntax both shells share: which
/// options, subcommands and arguments each command has (`_b24lua_spec NODE`), and what the
/// value of each option is (`_b24lua_value NODE OPTION`). A node is the words of a command
/// after `b24lua` ("" for b24lua itself, "sandbox serve"); "script" is everything after a
/// script's name, which is the script's own.
enum ShellCompletionData {
    static func kind(_ c: CommandLineOption.Completion) -> String {
        switch c {
        case .none: "none"
        case .file: "file"
        case .directory: "dir"
        case .values(let v): "values:" + v.joined(separator: " ")
        case .dynamic(let k): "dynamic:" + k
        }
    }

    static func functions(_ tree: CommandTree) -> String {
        var spec: [String] = []
        var values: [(pattern: String, kind: String)] = []
        for c in tree.main.all {
            let node = c.path.joined(separator: " ")
            let opts = c.options.flatMap(\.names).joined(separator: " ")
            let valopts = c.options.filter { $0.value != nil && !$0.valueIsOptional }.flatMap(\.names).joined(separator: " ")
            let subs = c.subcommands.map(\.name).joined(separator: " ")
            let args = c.arguments.first.map { kind($0.completion) } ?? "none"
            spec.append("        \(quote(node))) opts=\(quote(opts)) valopts=\(quote(valopts)) subs=\(quote(subs)) args=\(quote(args)) ;;")
            for o in c.options where o.value != nil && o.completion != .none {
                values.append((o.names.map { quote(node + "|" + $0) }.joined(separator: "|"), kind(o.completion)))
            }
        }
        // Values of the same kind share one case.
        var grouped: [(kinds: String, patterns: [String])] = []
        for v in values {
            if let i = grouped.firstIndex(where: { $0.kinds == v.kind }) { grouped[i].patterns.append(v.pattern) }
            else { grouped.append((v.kind, [v.pattern])) }
        }
        let valueCases = grouped.map { "        \($0.patterns.joined(separator: "|"))) echo \(quote($0.kinds)) ;;" }
        return """
            # _b24lua_spec NODE: sets opts, valopts (options whose value is the next word), subs, args.
            _b24lua_spec() {
                case $1 in
            \(spec.joined(separator: "\n"))
                    *) opts="" valopts="" subs="" args="file" ;;
                esac
            }

            # _b24lua_value NODE OPTION: what the option's value is (file, dir, values:..., dynamic:KIND, none).
            _b24lua_value() {
                case "$1|$2" in
            \(valueCases.joined(separator: "\n"))
                    *) echo none ;;
                esac
            }
            """
    }

    /// A word in double quotes, for the shell.
    static func quote(_ s: String) -> String {
        "\"" + s.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"")
            .replacing("$", with: "\\$").replacing("`", with: "\\`") + "\""
    }
}
