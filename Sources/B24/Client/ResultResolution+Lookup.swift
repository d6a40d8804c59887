import B24Wire

// The half of the method catalog's result resolution (docs/method-catalog.md) that reads a
// lookup's outcome: it speaks `B24Error`, the client's error, so it lives with the client while
// the catalog's facts live in B24Wire, where the sandbox reads them too.

extension ResultResolution {
    /// "The chat named, else the entity's last chat" (docs/method-catalog.md), given what the
    /// lookup answered: its chat id, 0 when the entity has none (`emptyCode`, or an answer that
    /// is not a number), its failure otherwise. The one answer for direct calls, batches
    /// (`b24.each`), dry runs and undo; each decides only what a failed lookup means to it.
    public func chat(fromLookup outcome: Result<JSONValue, B24Error>) -> Result<JSONValue, B24Error> {
        switch outcome {
        case .success(let v): .success(.int(v.intValue ?? 0))
        case .failure(let e) where e.code == emptyCode: .success(.int(0))
        case .failure(let e): .failure(e)
        }
    }

    /// The same for one write: the chat its params name, else the lookup sent with `read`.
    public func chat(for params: JSONValue,
                     read: (String, JSONValue) async throws(B24Error) -> JSONValue) async -> Result<JSONValue, B24Error> {
        if let named = named(in: params) { return .success(named) }
        do throws(B24Error) {
            return chat(fromLookup: .success(try await read(lookup, lookupParams(params))))
        } catch {
            return chat(fromLookup: .failure(error))
        }
    }
}
