@testable import B24Sandbox
import Foundation
import Testing

/// What `ISODateTests` leaves out: times before 1970, years outside 0...9999 (written as
/// `String(year)` before the rest), leap days of century years and the last second of a day.
/// The reference is a civil date counted the slow way, year by year and month by month, in the
/// proleptic Gregorian calendar with a year 0 (astronomical numbering, as Hinnant's algorithm and
/// PHP use), and Foundation's formatter where it agrees with that calendar.
@Suite struct ISODateEdgeTests {
    static func isLeap(_ y: Int64) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
    static func daysIn(year y: Int64) -> Int64 { isLeap(y) ? 366 : 365 }
    static func daysIn(month m: Int, of y: Int64) -> Int64 {
        [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    }
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// The civil date and time of a Unix time, counted from 1970-01-01 in 400-year cycles of
    /// 146,097 days, then year by year, then month by month.
    static func civil(_ unix: Double) -> (y: Int64, m: Int, d: Int64, h: Int64, min: Int64, s: Int64) {
        let secs = Int64(unix.rounded(.down))
        var days = floorDiv(secs, 86400)
        let rem = secs - days * 86400
        let cycles = floorDiv(days, 146_097)
        days -= cycles * 146_097
        var y = 1970 + 400 * cycles
        while days >= daysIn(year: y) { days -= daysIn(year: y); y += 1 }
        var m = 1
        while days >= daysIn(month: m, of: y) { days -= daysIn(month: m, of: y); m += 1 }
        return (y, m, days + 1, rem / 3600, rem % 3600 / 60, rem % 60)
    }

    static func two(_ v: some BinaryInteger) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// What `ISODate.format` promises, as PHP's `date('c')`: four digits for 0...9999, a
    /// negative year padded to four digits after its sign, a year past 9999 as it is.
    static func reference(_ unix: Double) -> String {
        let c = civil(unix)
        func pad(_ v: Int64) -> String { String(repeating: "0", count: max(0, 4 - String(v).count)) + String(v) }
        let year = c.y < 0 ? "-" + pad(-c.y) : c.y <= 9999 ? pad(c.y) : String(c.y)
        return "\(year)-\(two(c.m))-\(two(c.d))T\(two(c.h)):\(two(c.min)):\(two(c.s))+00:00"
    }

    static func expectReference(_ t: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        let got = ISODate.format(t)
        #expect(got == reference(t), "\(t)", sourceLocation: sourceLocation)
        // Written through an unsafe buffer: the string must be exactly these ASCII bytes.
        #expect(got.utf8.count == reference(t).utf8.count && got.utf8.allSatisfy { $0 < 0x80 }, "\(t)",
                sourceLocation: sourceLocation)
    }

    /// Pins the reference itself with dates worked out by hand.
    @Test func referenceCalendarAgreesWithKnownDates() {
        #expect(Self.reference(0) == "1970-01-01T00:00:00+00:00")
        #expect(Self.reference(-1) == "1969-12-31T23:59:59+00:00")
        #expect(Self.reference(951_782_400) == "2000-02-29T00:00:00+00:00")
        #expect(Self.reference(-2_203_891_200) == "1900-03-01T00:00:00+00:00")   // 1900 has no Feb 29
        #expect(Self.reference(-62_167_219_200) == "0000-01-01T00:00:00+00:00")
        #expect(Self.reference(-62_167_219_201) == "-0001-12-31T23:59:59+00:00")
        #expect(Self.reference(253_402_300_800) == "10000-01-01T00:00:00+00:00")
    }

    @Test func negativeTimes() {
        let cases: [(Double, String)] = [
            (-0.0, "1970-01-01T00:00:00+00:00"),
            (-1e-300, "1969-12-31T23:59:59+00:00"),  // rounds down, not toward zero
            (-0.5, "1969-12-31T23:59:59+00:00"),
            (-1, "1969-12-31T23:59:59+00:00"),
            (-1.5, "1969-12-31T23:59:58+00:00"),
            (-60, "1969-12-31T23:59:00+00:00"),
            (-3600, "1969-12-31T23:00:00+00:00"),
            (-86_399, "1969-12-31T00:00:01+00:00"),
            (-86_399.5, "1969-12-31T00:00:00+00:00"),
            (-86_400, "1969-12-31T00:00:00+00:00"),
            (-86_400.5, "1969-12-30T23:59:59+00:00"),
            (-86_401, "1969-12-30T23:59:59+00:00"),
            (-31_536_000, "1969-01-01T00:00:00+00:00"),
            (-31_536_001, "1968-12-31T23:59:59+00:00"),
            (-63_158_400, "1968-01-01T00:00:00+00:00"),
            (-2_208_988_800, "1900-01-01T00:00:00+00:00"),
            (-2_203_891_201, "1900-02-28T23:59:59+00:00"),  // 1900 is not a leap year
            (-2_203_891_200, "1900-03-01T00:00:00+00:00"),
            (-12_219_292_800, "1582-10-15T00:00:00+00:00"),  // proleptic: no Julian switch
            (-12_219_292_801, "1582-10-14T23:59:59+00:00"),
            (-62_135_596_800, "0001-01-01T00:00:00+00:00"),
            (-62_135_596_801, "0000-12-31T23:59:59+00:00"),
            (-62_162_035_201, "0000-02-29T23:59:59+00:00"),  // year 0 is a leap year
            (-62_167_219_200, "0000-01-01T00:00:00+00:00"),
        ]
        for (t, want) in cases {
            #expect(ISODate.format(t) == want, "\(t)")
            #expect(Self.reference(t) == want, "reference at \(t)")
        }
    }

    /// Outside 0...9999 the year is written as PHP's `date('c')` writes it: a negative year
    /// padded to four digits after its sign (`-0001`, php-src's test for bug #41844), a year
    /// past 9999 whatever its length; the rest follows.
    @Test func yearsOutsideFourDigits() {
        let cases: [(Double, String)] = [
            (-62_167_219_201, "-0001-12-31T23:59:59+00:00"),
            (-62_198_755_200, "-0001-01-01T00:00:00+00:00"),
            (-62_198_755_201, "-0002-12-31T23:59:59+00:00"),
            (-62_193_657_600, "-0001-03-01T00:00:00+00:00"),
            (-62_261_817_600, "-0003-01-01T02:40:00+00:00"),
            (-62_288_265_601, "-0004-02-29T23:59:59+00:00"),  // -4 is a leap year
            (-93_724_128_000, "-1000-01-01T00:00:00+00:00"),
            (-377_736_739_200, "-10000-01-01T00:00:00+00:00"),
            (-3_374_645_973_904, "-104969-09-23T12:34:56+00:00"),
            (253_402_300_799, "9999-12-31T23:59:59+00:00"),
            (253_402_300_799.999, "9999-12-31T23:59:59+00:00"),
            (253_402_300_800, "10000-01-01T00:00:00+00:00"),
            (253_407_484_799, "10000-02-29T23:59:59+00:00"),  // 10000 is divisible by 400
            (3_250_357_459_200, "104969-09-23T00:00:00+00:00"),
            (8_640_000_000_000, "275760-09-13T00:00:00+00:00"),  // JavaScript's last date, 8.64e15 ms
        ]
        for (t, want) in cases {
            #expect(Self.reference(t) == want, "reference at \(t)")
            #expect(ISODate.format(t) == want, "\(t)")
        }
    }

    /// The first and last second of each day around leap days: of a year divisible by 4, by 100
    /// (not leap) and by 400 (leap), before and after 1970 and outside 0...9999.
    @Test(arguments: [-10_400, -10_000, -401, -400, -100, -4, -1, 0, 4, 100, 400, 1600, 1700, 1800, 1900, 1968, 1969,
                      1972, 2000, 2024, 2100, 2400, 9996, 9999, 10_000, 10_100, 12_000, 100_000])
    func daysAroundTheEndOfFebruary(_ year: Int) {
        // Midnight of March 1st of `year`, found with the reference calendar by bisection.
        var lo: Int64 = -1 << 42, hi: Int64 = 1 << 42
        func before(_ t: Int64) -> Bool {
            let c = Self.civil(Double(t))
            return (c.y, c.m) < (Int64(year), 3)
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if before(mid) { lo = mid } else { hi = mid }
        }
        let march1 = hi
        #expect(Self.civil(Double(march1)) == (Int64(year), 3, 1, 0, 0, 0))
        for day in -3...2 {
            let midnight = Double(march1 + Int64(day) * 86400)
            for t in [midnight - 1, midnight - 0.25, midnight, midnight + 0.5, midnight + 59, midnight + 3599, midnight + 86_399] {
                Self.expectReference(t)
            }
        }
        let feb29 = Self.isLeap(Int64(year))
        #expect(ISODate.format(Double(march1 - 1)).contains(feb29 ? "-02-29T23:59:59" : "-02-28T23:59:59"))
    }

    /// Random times before 1970 and far outside 0...9999, either side of zero.
    @Test func randomTimesMatchTheReferenceCalendar() {
        var rng = SplitMix(seed: 0x150_da7e)
        let spans: [Int64] = [86_400 * 366, 62_167_219_200, 377_705_116_800, 1 << 40, 1 << 50, 1 << 60]
        for _ in 0..<4000 {
            let span = spans[Int(rng.next() % UInt64(spans.count))]
            let magnitude = Int64(rng.next() % UInt64(span))
            let secs = rng.next() % 2 == 0 ? -magnitude : magnitude
            // Whole seconds, a fraction, or the instant before a whole second.
            let t: Double = switch rng.next() % 3 {
            case 0: Double(secs)
            case 1: Double(secs) + Double(rng.next() % 1000) / 1000
            default: Double(secs).nextDown
            }
            Self.expectReference(t)
        }
    }

    /// From the Gregorian reform (1582-10-15) on, Foundation's formatter (the one `ISODateTests`
    /// trusts after 1970) counts Gregorian days too (before it, ICU's calendar is Julian), so it
    /// can check the times between the reform and 1970 directly.
    @Test func negativeTimesAgreeWithFoundationAfter1582() {
        var rng = SplitMix(seed: 1582)
        var times: [Double] = [-1, -0.5, -86_400, -86_401, -2_203_891_201, -2_203_891_200, -12_219_292_800]
        for _ in 0..<2000 { times.append(-Double(rng.next() % 12_219_292_800) - Double(rng.next() % 1000) / 1000) }
        for t in times {
            #expect(ISODate.format(t) == ISODateTests.reference.string(from: Date(timeIntervalSince1970: t)), "\(t)")
        }
    }
}
