// The method catalog (docs/method-catalog.md): every fact about a REST method that more than one
// layer needs lives here, once: whether it reads or writes and whether repeating it is harmless,
// its inverse, how its result is resolved when the answer is lost, how its parameters and its
// name are normalised, and the batch limits. The client, the `b24` module, dry runs, batches,
// undo and the sandbox read it; nothing else decides these facts.

/// What a method does to the portal, as far as retries, dry runs and the journal care: a read can
/// be repeated freely; an idempotent write (add or remove a chat member) ends in the same state
/// when repeated; any other write repeated may act twice.
public enum MethodEffect: Sendable, Equatable {
    case read
    case idempotentWrite
    case write

    public init(method: String) {
        self = MethodCatalog.effect(of: method)
    }

    /// A batch is as safe to repeat as its least safe command.
    public init(batchOf methods: [String]) {
        var effect = MethodEffect.read
        for m in methods {
            switch MethodCatalog.effect(of: m) {
            case .write: self = .write; return
            case .idempotentWrite: effect = .idempotentWrite
            case .read: break
            }
        }
        self = effect
    }

    public var isWrite: Bool { self != .read }
}

/// How the result of a write is known without its answer: the chat it acted on is the `CHAT_ID`
/// it names, or else the entity's last chat, which `lookup` returns for the `keys` parameters.
public struct ResultResolution: Sendable, Equatable {
    public let param: String
    public let lookup: String
    public let keys: [String]
    /// The lookup's error code that means "no such chat": the result is then 0.
    public let emptyCode: String

    /// The lookup's parameters for a write's `params`.
    public func lookupParams(_ params: JSONValue) -> JSONValue {
        var o = JSONObject()
        for k in keys { o[k] = MethodCatalog.param(k, in: params) ?? .null }
        return .object(o)
    }

    /// The result the params name (a positive `CHAT_ID`), when they name one.
    public func named(in params: JSONValue) -> JSONValue? {
        guard let c = MethodCatalog.param(param, in: params)?.intValue, c > 0 else { return nil }
        return .int(c)
    }
}

/// What a parameter of a known write must be (docs/method-catalog.md): what `undo` checks a
/// journal line against before it sends anything derived from it.
public enum ParameterType: Sendable, Equatable {
    /// An integer above 0: an integer, an integral float or a decimal string, as the portal reads an id.
    case positiveInteger
    /// One of `MethodCatalog.entityTypes`, in any case.
    case entityType

    /// Why `value` does not fit, nil when it does.
    public func problem(with value: JSONValue) -> String? {
        switch self {
        case .positiveInteger:
            switch value {
            case .int, .double, .string:
                if let n = value.intValue, n > 0 { return nil }
                return "a positive integer expected, got \(Self.describe(value))"
            default: return "a positive integer expected, got \(Self.describe(value))"
            }
        case .entityType:
            if let s = value.stringValue, MethodCatalog.entityTypes.contains(s.lowercased()) { return nil }
            return MethodCatalog.entityTypes.joined(separator: ", ") + " expected, got \(Self.describe(value))"
        }
    }

    static func describe(_ v: JSONValue) -> String {
        switch v {
        case .null: "null"
        case .bool(let b): "boolean \(b)"
        case .int(let n): "\(n)"
        case .double(let d): "\(d)"
        case .string(let s): "string \"\(s.prefix(40))\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One parameter of a known write: its name, its type, and whether the method needs it.
public struct ParameterRule: Sendable, Equatable {
    public let name: String
    public let type: ParameterType
    public let required: Bool
}

/// One known method.
public struct MethodEntry: Sendable, Equatable {
    public let name: String
    public let effect: MethodEffect
    /// The method that takes this one back, with the same parameters plus the resolved result.
    public let inverse: String?
    public let resolution: ResultResolution?
    /// The parameters that identify what the write acted on: what its inverse sends again.
    public let identity: [String]
    /// For a chat-membership write: whether the user is a member afterwards.
    public let leavesMember: Bool?
    /// Its parameters' types (docs/bitrix24-rest.md §1): what a journaled call must fit.
    public let parameters: [ParameterRule]

    /// Why `params` (and the `result`, when one is known) cannot be this method's, nil when they
    /// fit: every rule's parameter present when required and of its type; a result that is a chat
    /// id (an integer, 0 or more) or null (not known) when the method resolves to one.
    public func problem(params: JSONValue, result: JSONValue?) -> String? {
        guard params.objectValue != nil else { return "parameters are not an object" }
        for rule in parameters {
            guard let v = MethodCatalog.param(rule.name, in: params), v != .null else {
                if rule.required { return "\(rule.name) is missing" }
                continue
            }
            if let p = rule.type.problem(with: v) { return "\(rule.name): \(p)" }
        }
        // null: confirmed on a retry without learning the chat (`B24Client.confirmedResponse`).
        if resolution != nil, let result, result != .null {
            guard let n = result.intValue, n >= 0, result.stringValue == nil else {
                return "result: a chat id (an integer, 0 or more) expected, got \(ParameterType.describe(result))"
            }
        }
        return nil
    }
}

public enum MethodCatalog {
    /// Commands per `batch` request (docs/bitrix24-rest.md §5).
    public static let batchLimit = 50
    /// Items per page of a list method (docs/bitrix24-rest.md §2.5).
    public static let pageSize = 50
    /// `batch` requests one run keeps in flight at once (the rate limiter paces them further).
    public static let batchesInFlight = 4

    static let chatResolution = ResultResolution(param: "CHAT_ID", lookup: "imopenlines.crm.chat.getLastId",
                                                 keys: ["CRM_ENTITY_TYPE", "CRM_ENTITY"],
                                                 emptyCode: "CRM_CHAT_EMPTY_CRM_DATA")
    static let membershipIdentity = ["CRM_ENTITY_TYPE", "CRM_ENTITY", "USER_ID"]
    /// The CRM entity types an Open Channel chat can belong to (docs/bitrix24-rest.md §1).
    public static let entityTypes = ["lead", "deal", "contact", "company"]
    static let membershipParameters = [
        ParameterRule(name: "CRM_ENTITY_TYPE", type: .entityType, required: true),
        ParameterRule(name: "CRM_ENTITY", type: .positiveInteger, required: true),
        ParameterRule(name: "USER_ID", type: .positiveInteger, required: true),
        ParameterRule(name: "CHAT_ID", type: .positiveInteger, required: false),
    ]

    /// The known writes. Every other method is classified by `isReadOnlyNormalized`'s name rule.
    public static let entries: [String: MethodEntry] = Dictionary(uniqueKeysWithValues: known.map { ($0.name, $0) })

    /// The same, as a list: a name spelt as here is found by comparing it with two, which costs
    /// less than normalising and hashing it (docs/performance.md).
    static let known: [MethodEntry] = [
        MethodEntry(name: "imopenlines.crm.chat.user.add", effect: .idempotentWrite,
                    inverse: "imopenlines.crm.chat.user.delete", resolution: chatResolution, identity: membershipIdentity,
                    leavesMember: true, parameters: membershipParameters),
        MethodEntry(name: "imopenlines.crm.chat.user.delete", effect: .idempotentWrite,
                    inverse: "imopenlines.crm.chat.user.add", resolution: chatResolution, identity: membershipIdentity,
                    leavesMember: false, parameters: membershipParameters),
    ]

    /// The membership read that tells whether an inverse is already in effect, and the scope a
    /// webhook or token needs for it (docs/bitrix24-rest.md §2.6).
    public static let membersMethod = "im.chat.user.list"
    public static let membersScope = "im"

    static let readVerbs: Set<String> = [
        "get", "list", "search", "current", "getlastid", "fields", "count", "info", "userfield",
    ]

    static let readMethods: Set<String> = ["methods", "scope", "method.get", "profile", "server.time", "app.info",
                                           "access.name", "user.access", "feature.get", "user.admin"]

    /// As the portal reads a method name: lower-cased, and without the `.json` format suffix when
    /// something comes before it, so `User.Get.json` and `user.get` are one method. The sandbox
    /// reads names its own way, as the server does, and a test holds the two equal
    /// (docs/method-catalog.md, "Method names").
    public static func normalized(_ method: String) -> String {
        // The common case (lower-case ASCII, no suffix) costs no allocation. Any other byte takes
        // the long way: a letter outside ASCII has a lower case too (KELVIN SIGN's is `k`).
        if method.allUTF8Bytes({ $0 < 0x80 && !($0 >= 0x41 && $0 <= 0x5A) }) && !method.hasUTF8Suffix(".json") {
            return method
        }
        let m = method.lowercased()
        // By bytes, as the portal finds the last dot: not `hasSuffix`, for which a prepended mark
        // (U+0600) and the dot are one Character.
        guard m.hasUTF8Suffix(".json"), m.utf8.count > 5 else { return m }
        return String(decoding: m.utf8.dropLast(5), as: UTF8.self)
    }

    public static func entry(_ method: String) -> MethodEntry? { entries[normalized(method)] }

    public static func effect(of method: String) -> MethodEffect {
        // A name equal to a known one normalises to it, and the lookup below would find it.
        for e in known where e.name == method { return e.effect }
        let m = normalized(method)
        if let e = entries[m] { return e.effect }
        return isReadOnlyNormalized(m) ? .read : .write
    }

    public static func isWrite(_ method: String) -> Bool { effect(of: method) != .read }

    public static func inverse(of method: String) -> String? { entry(method)?.inverse }

    public static func resolution(of method: String) -> ResultResolution? { entry(method)?.resolution }


    static func isReadOnlyNormalized(_ m: String) -> Bool {
        if readMethods.contains(m) { return true }
        guard let last = m.split(separator: ".").last else { return false }
        let verb = last.lowercased()
        // `getLastId`, `getList`, `getFields`: Bitrix24 spells reads with a `get` prefix too.
        return readVerbs.contains(verb) || verb.hasPrefix("get") || verb.hasSuffix("list")
    }

    /// A parameter by name as the portal reads it: keys are case-insensitive.
    public static func param(_ name: String, in params: JSONValue) -> JSONValue? {
        guard let o = params.objectValue else { return nil }
        if let v = o[name] { return v }
        let upper = name.uppercased()
        return o.members.first { $0.key.uppercased() == upper }?.value
    }

    /// The chat (or other result) a write acted on, from what the journal knows: its result when
    /// it answered, else what its params name; nil when only a lookup could tell.
    public static func actedOn(_ method: String, params: JSONValue, result: JSONValue?) -> JSONValue? {
        guard let r = resolution(of: method) else { return result }
        if let result, let n = result.intValue { return .int(n) }
        return r.named(in: params)
    }

    /// The inverse call of a write: the same identifying parameters, and the result it acted on
    /// when known (left out otherwise, so the portal picks the same default again).
    public static func inverseCall(of method: String, params: JSONValue, actedOn: JSONValue?) -> (method: String, params: JSONValue)? {
        guard let e = entry(method), let inverse = e.inverse else { return nil }
        var o = JSONObject()
        for key in e.identity { o[key] = param(key, in: params) ?? .null }
        if let r = e.resolution, let v = actedOn, let n = v.intValue, n > 0 { o[r.param] = .int(n) }
        return (inverse, .object(o))
    }
}
