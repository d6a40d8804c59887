import B24Run
import Testing
@Test func tmpParseTiming() throws {
    let clock = ContinuousClock()
    _ = try B24Flags.read(["--dry-run"])
    let a = clock.measure { for _ in 0..<100 { _ = B24Flags() } }
    let b = clock.measure { for _ in 0..<100 { _ = try? B24Flags.parse(["--dry-run"]) } }
    let c = clock.measure { for _ in 0..<100 { _ = try? B24Flags.parse([]) } }
    let d = clock.measure { for _ in 0..<100 { _ = B24Flags.option(named: "save-state") } }
    print("TIMING init: \(a / 100); parse1: \(b / 100); parse0: \(c / 100); lookup: \(d / 100)")
}
