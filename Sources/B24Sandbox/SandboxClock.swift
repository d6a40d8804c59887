#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOConcurrencyHelpers

/// Where the sandbox reads the time: unix seconds with a fraction. Injected so the leaky bucket,
/// the operating budget and token expiry can be tested without waiting.
public protocol SandboxClock: Sendable {
    func now() -> Double
}

public struct SystemSandboxClock: SandboxClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
}

/// A clock that moves only when told to.
public final class ManualSandboxClock: SandboxClock, @unchecked Sendable {
    private let lock = NIOLock()
    private var t: Double

    public init(_ start: Double = 1_773_814_361) { t = start }

    public func now() -> Double { lock.withLock { t } }
    public func advance(by seconds: Double) { lock.withLock { t += seconds } }
    public func set(_ seconds: Double) { lock.withLock { t = seconds } }
}
