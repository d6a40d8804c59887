@testable import B24Sandbox
import Foundation
import Testing

/// The `time` block's dates are written byte by byte (docs/performance.md); Foundation's
/// formatter says what PHP's `date('c')` prints in UTC.
@Suite struct ISODateTests {
    static let reference: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ssxxxxx"
        return f
    }()

    @Test func agreesWithFoundationAcrossCenturiesAndLeapDays() {
        var times: [Double] = [0, 59.999, 86_399.5, 951_782_400, 951_868_799, 4_107_542_399, 1_764_633_600.25,
                               253_402_300_799]  // 9999-12-31T23:59:59
        var random = SplitMix(seed: 14)
        for _ in 0..<2000 {
            let x = random.next()
            times.append(Double(x % 253_402_300_800) + Double(x % 1000) / 1000)
        }
        for t in times {
            #expect(ISODate.format(t) == Self.reference.string(from: Date(timeIntervalSince1970: t)), "\(t)")
        }
    }
}
