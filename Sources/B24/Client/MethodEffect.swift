// What a method does to the portal, as far as retries and dry runs care: a read can be repeated
// freely; an idempotent write (add or remove a chat member) ends in the same state when repeated;
// any other write repeated may act twice.

public enum MethodEffect: Sendable, Equatable {
    case read
    case idempotentWrite
    case write

    public init(method: String) {
        let m = B24Client.normalizedMethod(method)
        if B24Client.idempotentWrites.contains(m) { self = .idempotentWrite }
        else if B24Client.isReadOnly(method: m) { self = .read }
        else { self = .write }
    }

    /// A batch is as safe to repeat as its least safe command.
    public init(batchOf methods: [String]) {
        var effect = MethodEffect.read
        for m in methods {
            switch MethodEffect(method: m) {
            case .write: self = .write; return
            case .idempotentWrite: effect = .idempotentWrite
            case .read: break
            }
        }
        self = effect
    }
}

extension B24Client {
    /// Writes whose repetition leaves the same state: the member is in (or out of) the chat.
    static let idempotentWrites: Set<String> = [
        "imopenlines.crm.chat.user.add", "imopenlines.crm.chat.user.delete",
    ]

    static let readVerbs: Set<String> = [
        "get", "list", "search", "current", "getlastid", "fields", "count", "info", "userfield",
    ]

    static let readMethods: Set<String> = ["methods", "scope", "method.get", "profile", "server.time", "app.info",
                                           "access.name", "user.access", "feature.get"]

    /// Methods known to change nothing: `*.get`, `*.list`, `*.search`, `*.current`, `*.getLastId`,
    /// `*.fields` and a few named ones. Anything else counts as a write (dry runs do not send it).
    public static func isReadOnly(method: String) -> Bool {
        let m = normalizedMethod(method)
        if readMethods.contains(m) { return true }
        guard let last = m.split(separator: ".").last else { return false }
        let verb = last.lowercased()
        // `getLastId`, `getList`, `getFields`: Bitrix24 spells reads with a `get` prefix too.
        return readVerbs.contains(verb) || verb.hasPrefix("get") || verb.hasSuffix("list")
    }

    /// Lower-cased without a `.json` suffix: `User.Get.json` and `user.get` are one method.
    static func normalizedMethod(_ method: String) -> String {
        var m = method.lowercased()
        if m.hasSuffix(".json") { m.removeLast(5) }
        return m
    }
}
