import B24Wire

// `batch` (docs/bitrix24-rest.md §5): commands as "method?query" run in order with the outer auth; at most 50;
// `$result[key][field]…` references to earlier results; HTTP 200 even when commands fail.
extension SandboxPortal {
    /// The portal's limit, as the client keeps to it (docs/bitrix24-rest.md §5).
    static let batchMaxLength = MethodCatalog.batchLimit

    func batch(_ s: inout PortalState, _ caller: Caller, _ params: JSONObject, now: Double) -> MethodResult {
        let p = Params(object: params)
        let halt = Self.truthy(p["halt"])
        var commands: [(key: String, value: JSONValue)] = []
        switch p["cmd"] {
        case .object(let o)?: commands = o.members
        case .array(let a)?: commands = a.enumerated().map { (String($0.offset), $0.element) }
        default: break
        }
        var results = JSONObject(), errors = JSONObject(), totals = JSONObject(), nexts = JSONObject(),
            times = JSONObject()
        // Past the 50th, every command gets the same error without being read: one value, shared.
        let overLength = PortalError.batchLengthExceeded.commandError
        for (index, command) in commands.enumerated() {
            if index >= Self.batchMaxLength {
                errors[command.key] = overLength
                if halt { break }
                continue
            }
            do throws(PortalError) {
                let text = command.value.stringValue ?? ""
                let q = text.firstIndex(of: "?")
                let method = MethodName.normalized(String(text[..<(q ?? text.endIndex)]))
                let query = q.map { String(text[text.index(after: $0)...]) } ?? ""
                guard method != "batch" else { throw .batchMethodNotAllowed }
                let cmdParams = BatchReferences.substitute(in: PHPQuery.parse(query), results: results)
                let (r, t) = try call(&s, caller, method, cmdParams, now: now)
                results[command.key] = r.result
                if let total = r.total { totals[command.key] = .int(total) }
                if let next = r.next { nexts[command.key] = .int(next) }
                times[command.key] = t.json
            } catch {
                errors[command.key] = error.commandError
                if halt { break }
            }
        }
        return MethodResult(result: ["result": PHPArray.json(results), "result_error": PHPArray.json(errors),
                                     "result_total": PHPArray.json(totals), "result_next": PHPArray.json(nexts),
                                     "result_time": PHPArray.json(times)])
    }

    /// `halt` as sent: JSON booleans, 0/1, or their string forms.
    static func truthy(_ v: JSONValue?) -> Bool {
        switch v {
        case .bool(let b)?: b
        case .string(let s)?: !PHP.isEmpty(.string(s)) && s.lowercased() != "false" && s.uppercased() != "N"
        default: PHP.intval(v) != 0
        }
    }
}

extension PortalError {
    /// How `batch` reports a command's failure in `result_error`.
    var commandError: JSONValue { ["error": .string(code), "error_description": .string(description)] }
}

/// `$result[key][field][0]` inside a command's parameters ([S] `rest_provider.php`): a value that
/// is wholly a reference becomes the referenced value (arrays too); references embedded in text
/// become scalars; a reference to nothing becomes empty.
package enum BatchReferences {
    static let marker = "$result["

    package static func substitute(in params: JSONObject, results: JSONObject) -> JSONObject {
        var out = JSONObject()
        out.reserveCapacity(params.count)
        for (k, v) in params { out[k] = substitute(v, results) }
        return out
    }

    static func substitute(_ v: JSONValue, _ results: JSONObject) -> JSONValue {
        switch v {
        case .string(let s) where s.contains(marker):
            if s.hasPrefix(marker), let (value, end) = reference(in: s[...], results), end == s.endIndex {
                return value ?? .string("")
            }
            var out = ""
            var rest = s[...]
            // A marker after the last "]" cannot close: stop there, so "$result[" repeated
            // without brackets costs one pass, not one pass per marker.
            let lastClose = s.lastIndex(of: "]")
            while let r = rest.firstRange(of: marker), let lastClose, r.lowerBound < lastClose {
                out += rest[..<r.lowerBound]
                if let (value, end) = reference(in: rest[r.lowerBound...], results) {
                    out += scalar(value)
                    rest = rest[end...]
                } else {
                    out += marker
                    rest = rest[r.upperBound...]
                }
            }
            return .string(out + rest)
        case .object(let o): return .object(substitute(in: o, results: results))
        case .array(let a): return .array(a.map { substitute($0, results) })
        default: return v
        }
    }

    /// The value of the reference starting at `s` (which begins with the marker) and where it ends.
    static func reference(in s: Substring, _ results: JSONObject) -> (JSONValue?, String.Index)? {
        var path: [String] = []
        var i = s.startIndex
        i = s.index(i, offsetBy: marker.count - 1)   // at the first "["
        while i < s.endIndex, s[i] == "[" {
            guard let close = s[i...].firstIndex(of: "]") else { break }
            path.append(String(s[s.index(after: i)..<close]))
            i = s.index(after: close)
        }
        guard let first = path.first else { return nil }
        var value: JSONValue? = results[first]
        for seg in path.dropFirst() {
            switch value {
            case .object(let o)?: value = o[seg]
            case .array(let a)?: value = Int(seg).flatMap { a.indices.contains($0) ? a[$0] : nil }
            default: value = nil
            }
        }
        return (value, i)
    }

    static func scalar(_ v: JSONValue?) -> String {
        guard let v else { return "" }
        switch v {
        case .bool(let b): return b ? "1" : ""
        case .array, .object, .null: return ""
        default: return PHPString(v)
        }
    }
}
