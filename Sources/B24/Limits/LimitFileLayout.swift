// The bytes of the shared limit file (docs/shared-limit.md, "The file"): a fixed header, one
// record per method whose budget state still matters, a checksum. Little-endian throughout;
// times are CLOCK_BOOTTIME seconds, NaN is "none".
//
//     0  magic "B24L"             4  layout version (2)       8  boot id (16 bytes)
//    24  key hash (FNV-1a 64)    32  generation (+1 a write)  40  length of the file
//    44  method records          48  bucket level             56  bucket time
//    64  bucket drain rate       72  bucket slowed at         80  safety margin
//    88  margin changed at       96  flags (1: margin grew)  104  reserved (0)
//   112  records: name length (1 byte), name, then operating, reset at, paused until,
//        last sent (8 bytes each)
//   length − 8: FNV-1a 64 of every byte before it

enum LimitFileLayout {
    static let magic: UInt32 = 0x4C34_3242  // "B24L"
    static let version: UInt32 = 2
    static let headerSize = 112
    static let checksumSize = 8
    /// Method names are at most 200 bytes (RequestEncoder.validMethodName).
    static let maxNameBytes = 200
    static let maxMethods = 64
    static let recordFixed = 1 + 4 * 8
    static let maxSize = headerSize + maxMethods * (recordFixed + maxNameBytes) + checksumSize

    enum Offset {
        static let magic = 0, version = 4, boot = 8, key = 24, generation = 32, length = 40, methods = 44
        static let level = 48, updated = 56, rate = 64, slowed = 72, margin = 80, marginChanged = 88, flags = 96
    }

    /// What a file's bytes hold, judged without taking anything from them.
    enum Verdict: Equatable {
        /// Nothing yet.
        case empty
        /// A valid file of another boot (its times mean nothing now) or another key.
        case foreign
        /// Not a valid file of this layout (truncated, garbled, another version).
        case corrupt(String)
        case valid(generation: UInt64, checksum: UInt64)
    }

    static func judge(_ b: UnsafeRawBufferPointer, boot: [UInt8], keyHash: UInt64) -> Verdict {
        if b.isEmpty { return .empty }
        guard b.count >= headerSize + checksumSize else { return .corrupt("truncated at \(b.count) bytes") }
        guard u32(b, Offset.magic) == magic else { return .corrupt("not a b24lua limit file") }
        guard u32(b, Offset.version) == version else { return .corrupt("layout version \(u32(b, Offset.version))") }
        let length = Int(u32(b, Offset.length))
        guard length == b.count else { return .corrupt("\(b.count) bytes where the header says \(length)") }
        let sum = u64(b, length - checksumSize)
        guard sum == fnv1a(UnsafeRawBufferPointer(rebasing: b[..<(length - checksumSize)])) else { return .corrupt("bad checksum") }
        guard Int(u32(b, Offset.methods)) <= maxMethods else { return .corrupt("\(u32(b, Offset.methods)) method records") }
        guard b[Offset.boot..<(Offset.boot + 16)].elementsEqual(boot), u64(b, Offset.key) == keyHash else { return .foreign }
        return .valid(generation: u64(b, Offset.generation), checksum: sum)
    }

    /// Takes a valid file's state into `limiter` (values out of bounds are brought within them).
    /// Nothing is taken, and the reason is returned, when its method records do not fill it
    /// exactly or it holds a state no process of this plan and boot could have written
    /// (RateLimiter.implausible): a time far ahead of `now`, NaN, a rate no bucket drains at.
    static func adopt(_ b: UnsafeRawBufferPointer, into limiter: inout RateLimiter, now: Double) -> String? {
        guard let methods = records(b) else { return "bad method records" }
        let bucket = (level: f64(b, Offset.level), updated: f64(b, Offset.updated), rate: f64(b, Offset.rate),
                      slowed: optional(f64(b, Offset.slowed)))
        let margin = (value: f64(b, Offset.margin), changedAt: optional(f64(b, Offset.marginChanged)))
        if let why = limiter.implausible(bucket: bucket, margin: margin, methods: methods, now: now) { return why }
        limiter.adoptBucket(level: bucket.level, updated: bucket.updated, rate: bucket.rate, slowed: bucket.slowed)
        limiter.adoptMargin(value: margin.value, changedAt: margin.changedAt, grew: u64(b, Offset.flags) & 1 != 0)
        limiter.adoptBudget(methods)
        return nil
    }

    /// Writes `limiter`'s state into `out` (at least `maxSize` bytes) and returns its length.
    /// The checksum is left for `seal`.
    static func encode(_ limiter: RateLimiter, now: Double, boot: [UInt8], keyHash: UInt64, generation: UInt64,
                       into out: UnsafeMutableRawBufferPointer) -> Int {
        var methods = limiter.budget.sharedMethods(now: now)
        if methods.contains(where: { $0.name.utf8.count > maxNameBytes }) { methods.removeAll { $0.name.utf8.count > maxNameBytes } }
        if methods.count > maxMethods {
            // The ones that matter longest (pauses among them) stay.
            methods = Array(methods.sorted { $0.state.mattersUntil > $1.state.mattersUntil }.prefix(maxMethods)).sorted { $0.name < $1.name }
        }
        put(out, Offset.magic, magic)
        put(out, Offset.version, version)
        for (i, byte) in boot.prefix(16).enumerated() { out[Offset.boot + i] = byte }
        put(out, Offset.key, keyHash)
        put(out, Offset.generation, generation)
        put(out, Offset.methods, UInt32(methods.count))
        let bucket = limiter.bucket?.shared
        put(out, Offset.level, bucket?.level ?? 0)
        put(out, Offset.updated, bucket?.updated ?? 0)
        put(out, Offset.rate, bucket?.rate ?? .nan)
        put(out, Offset.slowed, bucket?.slowed ?? .nan)
        put(out, Offset.margin, limiter.margin.value)
        put(out, Offset.marginChanged, limiter.margin.changedAt ?? .nan)
        put(out, Offset.flags, UInt64(limiter.margin.grew ? 1 : 0))
        put(out, Offset.flags + 8, UInt64(0))
        var o = headerSize
        for (name, s) in methods {
            out[o] = UInt8(name.utf8.count)
            o += 1
            for byte in name.utf8 {
                out[o] = byte
                o += 1
            }
            put(out, o, s.operating)
            put(out, o + 8, s.resetAt ?? .nan)
            put(out, o + 16, s.pausedUntil ?? .nan)
            put(out, o + 24, s.lastSentAt ?? .nan)
            o += 32
        }
        let length = o + checksumSize
        put(out, Offset.length, UInt32(length))
        return length
    }

    /// Sets the generation and the checksum of an encoded file of `length` bytes; returns the checksum.
    @discardableResult
    static func seal(_ out: UnsafeMutableRawBufferPointer, length: Int, generation: UInt64) -> UInt64 {
        put(out, Offset.generation, generation)
        let sum = fnv1a(UnsafeRawBufferPointer(rebasing: out[..<(length - checksumSize)]))
        put(out, length - checksumSize, sum)
        return sum
    }

    /// The method records of a file whose length is checked, or nil when they do not fill it exactly.
    static func records(_ b: UnsafeRawBufferPointer) -> [(name: String, state: OperatingBudget.MethodState)]? {
        let count = Int(u32(b, Offset.methods))
        let end = b.count - checksumSize
        var out: [(name: String, state: OperatingBudget.MethodState)] = []
        out.reserveCapacity(count)
        var o = headerSize
        for _ in 0..<count {
            guard o < end else { return nil }
            let n = Int(b[o])
            guard n > 0, n <= maxNameBytes, o + 1 + n + 32 <= end else { return nil }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: b[(o + 1)..<(o + 1 + n)]), as: UTF8.self)
            o += 1 + n
            let state = OperatingBudget.MethodState(operating: f64(b, o), resetAt: optional(f64(b, o + 8)),
                                                    pausedUntil: optional(f64(b, o + 16)), lastSentAt: optional(f64(b, o + 24)))
            o += 32
            out.append((name, state))
        }
        return o == end ? out : nil
    }

    static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        return h
    }

    static func fnv1a(_ s: String) -> UInt64 {
        var s = s
        return s.withUTF8 { fnv1a(UnsafeRawBufferPointer($0)) }
    }

    /// /proc/sys/kernel/random/boot_id as 16 bytes (zeros when it cannot be read).
    static func bootID() -> [UInt8] {
        var id = [UInt8](repeating: 0, count: 16)
        let fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return id }
        defer { close(fd) }
        var text = [UInt8](repeating: 0, count: 64)
        let n = text.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n > 0 else { return id }
        let hex = text[..<n].compactMap { c -> UInt8? in
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        guard hex.count >= 32 else { return id }
        for i in 0..<16 { id[i] = hex[2 * i] << 4 | hex[2 * i + 1] }
        return id
    }

    // Unaligned little-endian fields.
    static func u32(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt32 { UInt32(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
    static func u64(_ b: UnsafeRawBufferPointer, _ o: Int) -> UInt64 { UInt64(littleEndian: b.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
    static func f64(_ b: UnsafeRawBufferPointer, _ o: Int) -> Double { Double(bitPattern: u64(b, o)) }
    static func optional(_ v: Double) -> Double? { v.isNaN ? nil : v }
    static func put(_ b: UnsafeMutableRawBufferPointer, _ o: Int, _ v: UInt32) { b.storeBytes(of: v.littleEndian, toByteOffset: o, as: UInt32.self) }
    static func put(_ b: UnsafeMutableRawBufferPointer, _ o: Int, _ v: UInt64) { b.storeBytes(of: v.littleEndian, toByteOffset: o, as: UInt64.self) }
    static func put(_ b: UnsafeMutableRawBufferPointer, _ o: Int, _ v: Double) { put(b, o, v.bitPattern) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
