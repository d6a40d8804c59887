import B24Wire
import Synchronization

/// The `time` block of a successful answer (docs/bitrix24-rest.md §7).
struct TimeBlock {
    var start: Double
    var finish: Double
    var processing: Double
    var operating: Double
    var operatingResetAt: Double

    var json: JSONValue {
        // Most answers start and finish within one second: ISODate formats it once.
        .object(JSONObject(distinctMembers: [
            ("start", .double(start)), ("finish", .double(finish)), ("duration", .double(finish - start)),
            ("processing", .double(processing)), ("date_start", .string(ISODate.format(start))),
            ("date_finish", .string(ISODate.format(finish))), ("operating_reset_at", .int(Int64(operatingResetAt))),
            ("operating", .double(operating))]))
    }
}

/// ISO-8601 with an explicit offset, as PHP's `date('c')` prints it (the sandbox runs in UTC).
enum ISODate {
    /// The second formatted last: answers within one second carry the same dates.
    private static let recent = Mutex<(second: Int64, text: String)?>(nil)

    static func format(_ unix: Double) -> String {
        let secs = Int64(unix.rounded(.down))
        if let r = recent.withLock({ $0 }), r.second == secs { return r.text }
        let text = format(seconds: secs)
        recent.withLock { $0 = (secs, text) }
        return text
    }

    private static func format(seconds secs: Int64) -> String {
        let days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400
        let rem = secs - days * 86400
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        // PHP pads a negative year to four digits after its sign (`-0001`), and prints a
        // year past 9999 as it is.
        if y < 0 {
            let digits = String(-y)
            return "-" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits + format(year: nil, m, d, rem)
        }
        if y > 9999 { return String(y) + format(year: nil, m, d, rem) }
        return format(year: y, m, d, rem)
    }

    /// Written as bytes into the string's own buffer: string interpolation cost more than the
    /// rest of a sandbox call. `year` nil: the caller writes it (outside 0...9999).
    private static func format(year: Int64?, _ m: Int64, _ d: Int64, _ rem: Int64) -> String {
        String(unsafeUninitializedCapacity: 25) { out in
            var n = 0
            func put(_ c: UInt8) { out[n] = c; n += 1 }
            if let y = year {
                put(0x30 + UInt8(y / 1000)); put(0x30 + UInt8(y / 100 % 10))
                put(0x30 + UInt8(y / 10 % 10)); put(0x30 + UInt8(y % 10))
            }
            func two(_ v: Int64, _ sep: UInt8) { put(sep); put(0x30 + UInt8(v / 10)); put(0x30 + UInt8(v % 10)) }
            two(m, UInt8(ascii: "-"))
            two(d, UInt8(ascii: "-"))
            two(rem / 3600, UInt8(ascii: "T"))
            two(rem % 3600 / 60, UInt8(ascii: ":"))
            two(rem % 60, UInt8(ascii: ":"))
            for c in "+00:00".utf8 { put(c) }
            return n
        }
    }
}
