import Hummingbird
import NIOCore

/// A request context that keeps the connection's channel: the sandbox needs the peer address
/// (test hooks answer loopback only) and the channel itself (to drop a connection unanswered).
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    var peerIsLoopback: Bool {
        guard let address = channel.remoteAddress else { return true }   // unix socket
        guard let ip = address.ipAddress else { return true }
        return ip == "::1" || ip.hasPrefix("127.") || ip.hasPrefix("::ffff:127.")
    }
}
