import B24

/// The `time` block of a successful answer (docs/bitrix24-rest.md §7).
struct TimeBlock {
    var start: Double
    var finish: Double
    var processing: Double
    var operating: Double
    var operatingResetAt: Double

    var json: JSONValue {
        ["start": .double(start), "finish": .double(finish), "duration": .double(finish - start),
         "processing": .double(processing), "date_start": .string(ISODate.format(start)),
         "date_finish": .string(ISODate.format(finish)), "operating_reset_at": .int(Int64(operatingResetAt)),
         "operating": .double(operating)]
    }
}

/// ISO-8601 with an explicit offset, as PHP's `date('c')` prints it (the sandbox runs in UTC).
enum ISODate {
    static func format(_ unix: Double) -> String {
        let secs = Int64(unix.rounded(.down))
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
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(rem / 3600)):\(two(rem % 3600 / 60)):\(two(rem % 60))+00:00"
    }
}
