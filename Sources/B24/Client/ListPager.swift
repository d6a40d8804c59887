// Every item of a list method, page by page (b24-rest-facts §2.5): pages of 50, the next page
// asked with `start = next` until an answer has no `next`. Results that wrap their rows in an
// object (`crm.item.list` → `{"items": [...]}`) are unwrapped.

public struct ListPager: AsyncSequence, Sendable {
    public typealias Element = JSONValue
    public typealias Failure = B24Error

    let client: B24Client
    let method: String
    let params: JSONValue

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, method: method, params: params)
    }

    public struct Iterator: AsyncIteratorProtocol {
        public typealias Element = JSONValue
        public typealias Failure = B24Error

        let client: B24Client
        let method: String
        let params: JSONValue
        var buffer: [JSONValue] = []
        var position = 0
        var nextStart: Int? = 0
        /// Pages fetched so far.
        public private(set) var pages = 0

        public mutating func next() async throws(B24Error) -> JSONValue? {
            while position >= buffer.count {
                guard let start = nextStart else { return nil }
                var p = params.objectValue ?? JSONObject()
                if start > 0 || p["start"] == nil { p["start"] = .int(Int64(start)) }
                let response = try await client.call(method, .object(p))
                pages += 1
                buffer = Self.rows(of: response.result)
                position = 0
                // A page with no `next` is the last; so is an empty one (guards against a loop).
                nextStart = buffer.isEmpty ? nil : response.next
                if let n = nextStart, n <= start { nextStart = nil }
            }
            defer { position += 1 }
            return buffer[position]
        }

        static func rows(of result: JSONValue) -> [JSONValue] {
            if case .array(let a) = result { return a }
            if case .object(let o) = result, o.count == 1, case .array(let a)? = o.first?.value { return a }
            return []
        }
    }
}

extension B24Client {
    /// Iterates every item of a list method (`for try await item in client.list("user.get", [:])`).
    public func list(_ method: String, _ params: JSONValue = [:]) -> ListPager {
        ListPager(client: self, method: method, params: params)
    }
}
