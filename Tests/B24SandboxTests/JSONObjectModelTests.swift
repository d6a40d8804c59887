@testable import B24
@testable import B24Wire
import B24Sandbox
import Testing

/// `JSONObject` is one array of members, with a hashed index only from `indexedFrom` members on
/// (docs/performance.md). These tests drive it across that threshold both ways and check it
/// after every step against the plainest model of an ordered object: an array of pairs searched
/// with `==`. (`SplitMix`, the seeded generator, is B24Sandbox's.)
@Suite struct JSONObjectModelTests {
    /// The reference: keys compared with String `==`, as the object compares them below the
    /// threshold and as its `[String: Int]` index hashes them above it.
    struct Model {
        var pairs: [(key: String, value: JSONValue)] = []

        func position(of key: String) -> Int? { pairs.firstIndex { $0.key == key } }

        subscript(key: String) -> JSONValue? {
            get { position(of: key).map { pairs[$0].value } }
            set {
                switch (position(of: key), newValue) {
                case (let i?, let v?): pairs[i].value = v  // keeps its place and its first spelling
                case (nil, let v?): pairs.append((key, v))
                case (let i?, nil): pairs.remove(at: i)
                case (nil, nil): break
                }
            }
        }
    }

    /// Keys for the random walk: plain ones, prefixes of each other, the empty key, and spellings
    /// that are canonically equivalent (so String `==` calls them one key) but differ in bytes.
    static let pool: [String] = {
        var keys = (0..<30).map { "k\($0)" }
        keys += ["", "k", "K1", "ID", "id", "TITLE", "ключ", "😀", "a b", "\u{0}",
                 "\u{E9}", "e\u{301}",                  // é precomposed, e + combining acute
                 "\u{C5}", "A\u{30A}", "\u{212B}",      // Å, A + ring, ANGSTROM SIGN
                 "K", "\u{212A}",                       // K, KELVIN SIGN (canonically K)
                 "\u{D55C}", "\u{1112}\u{1161}\u{11AB}", // 한 and its jamo
                 "\u{FB01}", "fi"]                      // ﬁ: only compatibility-equivalent to fi
        return keys
    }()

    /// Keys never stored, looked up after every step.
    static let absent = ["absent", "k30", "k1 ", " k1", "e", "e\u{301}\u{301}", "\u{E9}\u{301}", "A", "k\u{301}",
                         "\u{0}\u{0}", "kk"]

    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Everything the object says about itself, against the model.
    static func check(_ o: JSONObject, _ m: Model, _ step: String, sourceLocation: SourceLocation = #_sourceLocation) {
        func fail(_ what: String) { Issue.record("\(step): \(what)", sourceLocation: sourceLocation) }
        if o.count != m.pairs.count { fail("count \(o.count) vs \(m.pairs.count)") }
        if o.isEmpty != m.pairs.isEmpty { fail("isEmpty") }
        if o.underestimatedCount != m.pairs.count { fail("underestimatedCount") }
        // Keys compared byte for byte: which spelling the object keeps is part of what it does.
        if o.keys.map(bytes) != m.pairs.map({ bytes($0.key) }) { fail("keys \(o.keys) vs \(m.pairs.map(\.key))") }
        if o.values != m.pairs.map(\.value) { fail("values") }
        let members = o.members
        if members.map({ bytes($0.key) }) != m.pairs.map({ bytes($0.key) }) || members.map(\.value) != m.pairs.map(\.value) {
            fail("members")
        }
        var iterated: [(key: String, value: JSONValue)] = []
        for member in o { iterated.append(member) }
        if iterated.map({ bytes($0.key) }) != m.pairs.map({ bytes($0.key) }) || iterated.map(\.value) != m.pairs.map(\.value) {
            fail("iteration")
        }
        switch (o.first, m.pairs.first) {
        case (nil, nil): break
        case (let a?, let b?) where bytes(a.key) == bytes(b.key) && a.value == b.value: break
        default: fail("first \(String(describing: o.first)) vs \(String(describing: m.pairs.first))")
        }
        for key in pool + absent where o[key] != m[key] {
            fail("lookup \(bytes(key)): \(String(describing: o[key])) vs \(String(describing: m[key]))")
        }
        // Rebuilt from its members the object is equal and hashes equal, whichever side of the
        // threshold each copy's history left it on.
        let rebuilt = JSONObject(m.pairs.map { ($0.key, $0.value) })
        if rebuilt != o { fail("not equal to the object rebuilt from the model") }
        if rebuilt.hashValue != o.hashValue { fail("hash differs from the object rebuilt from the model") }
        if JSONValue.object(rebuilt).hashValue != JSONValue.object(o).hashValue { fail("JSONValue hash") }
    }

    /// Thousands of random sets, replacements, removals and reservations per seed, with a target
    /// size that moves between empty, around the threshold and well past it.
    @Test(arguments: 0..<8)
    func randomWalkAcrossTheThresholdMatchesTheModel(_ seed: Int) {
        var rng = SplitMix(seed: 0x0b1e_c700 + UInt64(seed))
        func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func randomValue() -> JSONValue {
            switch pick(6) {
            case 0: .int(Int64(pick(1000)))
            case 1: .string("v\(pick(50))")
            case 2: .null
            case 3: .bool(pick(2) == 0)
            case 4: .double(Double(pick(100)) / 4)
            default: .object(["n": .int(Int64(pick(3)))])
            }
        }
        var o = JSONObject()
        var m = Model()
        var target = 0
        var crossedUp = 0, crossedDown = 0
        let threshold = JSONObject.indexedFrom
        for step in 0..<2500 {
            if step % 60 == 0 { target = [0, 3, threshold - 1, threshold, threshold + 1, 24, 40][pick(7)] }
            let before = o.count
            let label: String
            let r = pick(100)
            if r < 5 {
                let n = pick(48)
                o.reserveCapacity(n)
                label = "reserveCapacity(\(n))"
            } else if r < 10 {
                // A copy must not see later changes to the original (copy-on-write of both storages).
                let copy = o, copyModel = m
                let key = Self.pool[pick(Self.pool.count)]
                // Not a `?:` here: with JSONValue ExpressibleByNilLiteral, `c ? value : nil` is
                // typed JSONValue and its nil is `.null`, which would set the key, not remove it.
                if m[key] == nil {
                    let v = randomValue()
                    o[key] = v
                    m[key] = v
                } else {
                    o[key] = nil
                    m[key] = nil
                }
                Self.check(copy, copyModel, "seed \(seed) step \(step): the copy before toggling \(Self.bytes(key))")
                label = "toggle \(Self.bytes(key)) after copying"
            } else if r < 14 {
                let key = Self.absent[pick(Self.absent.count)]
                o[key] = nil
                m[key] = nil
                label = "remove absent \(Self.bytes(key))"
            } else if r < 22 {
                // Any spelling from the pool: the model decides whether it is new or a replacement.
                let key = Self.pool[pick(Self.pool.count)]
                let v = randomValue()
                o[key] = v
                m[key] = v
                label = "set \(Self.bytes(key))"
            } else {
                let grow = m.pairs.count < target ? pick(100) < 75 : pick(100) < 25
                let present = m.pairs.map(\.key)
                let missing = Self.pool.filter { m[$0] == nil }
                if grow, !missing.isEmpty {
                    let key = missing[pick(missing.count)]
                    let v = randomValue()
                    o[key] = v
                    m[key] = v
                    label = "insert \(Self.bytes(key))"
                } else if !present.isEmpty, pick(3) == 0 {
                    let key = present[pick(present.count)]
                    let v = randomValue()
                    o[key] = v
                    m[key] = v
                    label = "replace \(Self.bytes(key))"
                } else if !present.isEmpty {
                    let key = present[pick(present.count)]
                    o[key] = nil
                    m[key] = nil
                    label = "remove \(Self.bytes(key))"
                } else {
                    label = "nothing"
                }
            }
            if before < threshold, o.count >= threshold { crossedUp += 1 }
            if before >= threshold, o.count < threshold { crossedDown += 1 }
            Self.check(o, m, "seed \(seed) step \(step) (\(label), size \(before) -> \(o.count))")
        }
        // The walk is only worth something if it really crossed the threshold, both ways.
        #expect(crossedUp >= 3 && crossedDown >= 3, "crossed up \(crossedUp), down \(crossedDown)")
    }

    /// `é` and `e` + U+0301 are one key to String `==` and to Dictionary, so they are one key to
    /// the object below the threshold (compared) and above it (hashed), and when it crosses it in
    /// between: set with either spelling they replace one another, the first spelling stays as the
    /// stored key, and either spelling finds and removes it.
    @Test(arguments: [0, 5, JSONObject.indexedFrom - 2, JSONObject.indexedFrom - 1, JSONObject.indexedFrom, 40])
    func canonicallyEquivalentKeysAreOneKeyOnBothSidesOfTheThreshold(_ filler: Int) {
        let precomposed = "\u{E9}", decomposed = "e\u{301}"
        #expect(Self.bytes(precomposed) != Self.bytes(decomposed))
        var o = JSONObject()
        for i in 0..<filler { o["f\(i)"] = .int(Int64(i)) }
        o[precomposed] = 1
        o[decomposed] = 2  // may cross the threshold here, if it were a second key
        #expect(o.count == filler + 1)
        #expect(o[precomposed] == 2 && o[decomposed] == 2)
        #expect(o.keys.last.map(Self.bytes) == Self.bytes(precomposed))
        // Growing past the threshold afterwards: the hashed index finds the key by either spelling.
        for i in filler..<(filler + JSONObject.indexedFrom) { o["g\(i)"] = .int(Int64(i)) }
        #expect(o[decomposed] == 2 && o[precomposed] == 2)
        o[decomposed] = 3
        #expect(o.count == filler + 1 + JSONObject.indexedFrom)
        #expect(o.keys[filler].utf8.elementsEqual(precomposed.utf8) && o.values[filler] == 3)
        o[decomposed] = nil
        #expect(o[precomposed] == nil && o.count == filler + JSONObject.indexedFrom)
        #expect(o.keys == (0..<filler).map { "f\($0)" } + (filler..<(filler + JSONObject.indexedFrom)).map { "g\($0)" })

        // Objects that differ only in the spelling of a key are equal and hash equal, as their
        // keys are equal Strings.
        var a = JSONObject(), b = JSONObject()
        for i in 0..<filler { a["f\(i)"] = 0; b["f\(i)"] = 0 }
        a[precomposed] = 1
        b[decomposed] = 1
        #expect(a == b && a.hashValue == b.hashValue)
        // The parser stores members through the same subscript: one member, the last value.
        let text = "{" + (0..<filler).map { "\"f\($0)\":0," }.joined() + #""\u00e9":1,"e\u0301":2}"#
        let parsed = try? JSONValue.parse(text).objectValue
        #expect(parsed?.count == filler + 1 && parsed?[precomposed] == 2 && parsed?[decomposed] == 2)
    }

    /// Keys that are only compatibility-equivalent (ﬁ and fi), or differ by a case, stay apart.
    @Test func keysThatAreNotCanonicallyEquivalentStayApart() {
        for filler in [0, 30] {
            var o = JSONObject()
            for i in 0..<filler { o["f\(i)"] = 0 }
            o["\u{FB01}"] = 1; o["fi"] = 2; o["K1"] = 3; o["k1"] = 4; o["e"] = 5; o["e\u{301}"] = 6
            #expect(o.count == filler + 6)
            #expect(o["\u{FB01}"] == 1 && o["fi"] == 2 && o["K1"] == 3 && o["k1"] == 4 && o["e"] == 5)
            #expect(o["\u{E9}"] == 6)
        }
    }

    /// `init(_:)` with repeated keys: the first place, the last value; the same whether the
    /// distinct keys reach the threshold before the repeats, after them or never.
    @Test func repeatedKeysInTheInitializerKeepTheFirstPlaceAndTheLastValue() {
        for distinct in [3, JSONObject.indexedFrom - 1, JSONObject.indexedFrom, JSONObject.indexedFrom + 1, 25] {
            var members: [(String, JSONValue)] = (0..<distinct).map { ("k\($0)", .int(Int64($0))) }
            members.insert(("k0", "early repeat"), at: min(2, members.count))
            members.append(("k1", "late repeat"))
            members.append(("k\(distinct - 1)", "repeat of the last"))
            members.append(("e\u{301}", "decomposed"))
            members.append(("\u{E9}", "precomposed"))
            let o = JSONObject(members)
            #expect(o.count == distinct + 1)
            #expect(o.keys == (0..<distinct).map { "k\($0)" } + ["e\u{301}"])
            #expect(Self.bytes(o.keys.last!) == Self.bytes("e\u{301}"))
            #expect(o["k0"] == "early repeat" && o["k1"] == "late repeat" && o["k\(distinct - 1)"] == "repeat of the last")
            #expect(o["e\u{301}"] == "precomposed")
            for i in 2..<(distinct - 1) { #expect(o["k\(i)"] == .int(Int64(i))) }
        }
        // The dictionary literal goes through the same path (Swift's own Dictionary would trap).
        let literal: JSONObject = ["b": 1, "a": 2, "b": 3]
        #expect(literal.keys == ["b", "a"] && literal["b"] == 3)
    }

    /// `init(distinctMembers:)` keeps the given order and finds every key, below and at the threshold.
    @Test func distinctMembersBelowAndPastTheThreshold() {
        let few = JSONObject(distinctMembers: ["z": 1, "a": 2, "\u{E9}": 3])
        #expect(few.keys == ["z", "a", "\u{E9}"] && few["a"] == 2 && few["e\u{301}"] == 3 && few["b"] == nil)
        #expect(few == JSONObject([("z", 1), ("a", 2), ("\u{E9}", 3)]))
        let many = JSONObject(distinctMembers: [
            "m0": 0, "m1": 1, "m2": 2, "m3": 3, "m4": 4, "m5": 5, "m6": 6, "m7": 7,
            "m8": 8, "m9": 9, "m10": 10, "m11": 11, "m12": 12, "m13": 13, "m14": 14, "m15": 15,
        ])
        #expect(many.count == JSONObject.indexedFrom)
        #expect(many.keys == (0..<16).map { "m\($0)" })
        for i in 0..<16 { #expect(many["m\(i)"] == .int(Int64(i))) }
        #expect(many["m16"] == nil)
        var grown = many
        grown["m16"] = 16
        grown["m3"] = "three"
        grown["m0"] = nil
        #expect(grown.keys == (1..<17).map { "m\($0)" } && grown["m3"] == "three" && grown["m16"] == 16)
        #expect(many.count == 16 && many["m0"] == 0 && many["m3"] == 3)  // the original is untouched
        var shrunk = many
        for i in 0..<14 { shrunk["m\(i)"] = nil }
        #expect(shrunk.keys == ["m14", "m15"] && shrunk["m15"] == 15 && shrunk["m0"] == nil)
    }

    /// Reserving room for many members before storing a few hashes the keys early; the object must
    /// still behave, and compare and hash, as one built without the reservation.
    @Test func reservingPastTheThresholdBeforeAFewMembers() {
        for reserve in [JSONObject.indexedFrom, 64, 1000] {
            var o = JSONObject()
            o.reserveCapacity(reserve)
            #expect(o.isEmpty && o["a"] == nil && o.first == nil)
            o["a"] = 1; o["b"] = 2; o["c"] = 3
            o["b"] = 20
            #expect(o.keys == ["a", "b", "c"] && o["b"] == 20 && o["z"] == nil)
            o["a"] = nil
            #expect(o.keys == ["b", "c"] && o["b"] == 20 && o["c"] == 3 && o["a"] == nil)
            o["a"] = 1
            #expect(o.keys == ["b", "c", "a"] && o["a"] == 1)
            let plain = JSONObject([("b", 20), ("c", 3), ("a", 1)])
            #expect(o == plain && o.hashValue == plain.hashValue)
            o.reserveCapacity(reserve * 2)  // again, with the index there already
            #expect(o == plain && o["c"] == 3)
            // Reserving with members already there indexes them all.
            var p = JSONObject([("x", 1), ("y", 2), ("x", 3)])
            p.reserveCapacity(reserve)
            #expect(p.keys == ["x", "y"] && p["x"] == 3 && p["y"] == 2)
            p["y"] = nil
            p["x"] = nil
            #expect(p.isEmpty && p["x"] == nil && p == JSONObject())
        }
    }

    /// Order is part of the value: the same members in another order are another object.
    @Test func equalityIsOrderSensitive() {
        for filler in [0, 20] {
            var a = JSONObject(), b = JSONObject()
            for i in 0..<filler { a["f\(i)"] = 0; b["f\(i)"] = 0 }
            a["x"] = 1; a["y"] = 2
            b["y"] = 2; b["x"] = 1
            #expect(a != b)
            #expect(JSONValue.object(a) != JSONValue.object(b))
            b["y"] = nil; b["y"] = 2
            #expect(a == b && a.hashValue == b.hashValue)
            b["y"] = 3
            #expect(a != b)
            var c = a
            c["extra"] = .null  // a null member is a member
            #expect(c != a && c.count == a.count + 1 && c["extra"] == .null)
        }
    }

    /// 200,000 distinct keys through the parser (the linear-time case of docs/sandbox-wire.md),
    /// then every one of them looked up, in order, some by another spelling; absent keys are not
    /// found and a removal near the front shifts the rest. `HostileRequestTests` looks up one key.
    @Test func twoHundredThousandParsedKeysAreEachFound() throws {
        let n = 200_000
        // Every third key non-ASCII, every third written with a JSON escape for "é".
        func key(_ i: Int, escaped: Bool) -> String {
            switch i % 3 {
            case 0: "k\(i)"
            case 1: "ключ\(i)"
            default: escaped ? "\\u00e9\(i)" : "\u{E9}\(i)"
            }
        }
        var body = "{"
        body.reserveCapacity(n * 16)
        for i in 0..<n { body += "\"\(key(i, escaped: true))\":\(i)," }
        body += "\"k0\":-1}"  // a repeat of the first key, at the end: it keeps its place
        var o = try #require(try JSONValue.parse(body).objectValue)
        #expect(o.count == n)
        var misses = 0
        for i in 0..<n where o[key(i, escaped: false)] != .int(i == 0 ? -1 : Int64(i)) { misses += 1 }
        #expect(misses == 0)
        var decomposedMisses = 0
        for i in stride(from: 2, to: n, by: 3) where o["e\u{301}\(i)"] != .int(Int64(i)) { decomposedMisses += 1 }
        #expect(decomposedMisses == 0)
        var orderMismatches = 0
        for (i, k) in o.keys.enumerated() where k != key(i, escaped: false) { orderMismatches += 1 }
        #expect(orderMismatches == 0)
        #expect(o["k\(n)"] == nil && o["k1"] == nil && o["ключ0"] == nil && o[""] == nil)
        o["k3"] = nil
        #expect(o.count == n - 1 && o["k3"] == nil && o["ключ4"] == 4 && o.keys[3] == "ключ4")
        #expect(o[key(n - 1, escaped: false)] == .int(Int64(n - 1)))
    }
}
