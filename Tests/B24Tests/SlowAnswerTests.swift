import B24
import B24Wire
import Foundation
import Glibc
import Testing

/// A request's timeout bounds the whole answer, its body included (README "The REST client"):
/// a portal, or a proxy in front of it, that sends the head at once and then the body a byte at
/// a time must not hold a call for as long as it likes. The transport's deadline used to end
/// with the head, so such an answer held the call for as long as its body took.
@Suite struct SlowAnswerTests {
    /// A loopback server on a thread of its own (docs/testing.md): it reads a request, sends
    /// the head of an answer whose body is `bodyBytes` long, then one byte every `pause`.
    final class TricklingServer: @unchecked Sendable {
        let port: UInt16
        private let listener: Int32

        init(bodyBytes: Int, pause: useconds_t) throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard ok else { close(fd); throw POSIXError(.EADDRINUSE) }
            listener = fd
            port = UInt16(bigEndian: address.sin_port)
            Thread.detachNewThread {
                let c = accept(fd, nil, nil)
                guard c >= 0 else { return }
                defer { close(c) }
                var buffer = [UInt8](repeating: 0, count: 65_536)
                var seen: [UInt8] = []
                while !seen.containsHeadEnd {
                    let n = read(c, &buffer, buffer.count)
                    guard n > 0 else { return }
                    seen += buffer[..<n]
                }
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(bodyBytes)\r\n\r\n"
                guard write(c, head, head.utf8.count) > 0 else { return }
                for _ in 0..<bodyBytes {
                    usleep(pause)
                    guard write(c, " ", 1) == 1 else { return }  // the client went away
                }
            }
        }

        deinit { close(listener) }
    }

    @Test func aBodyThatTricklesEndsAtTheRequestTimeout() async throws {
        // 600 bytes, one each 100 ms: a minute of body, against a timeout of a second.
        let server = try TricklingServer(bodyBytes: 600, pause: 100_000)
        let transport = HTTPTransport()
        let request = WireRequest(method: "POST", path: "/rest/1/abcdefgh12345/user.current.json")
        let outcome: Result<WireResponse, B24Error>
        do {
            outcome = .success(try await transport.send(request, to: Endpoint(scheme: "http", host: "127.0.0.1", port: Int(server.port)),
                                                        timeout: .seconds(1)))
        } catch {
            outcome = .failure(error)
        }
        await transport.shutdown()
        guard case .failure(let error) = outcome else {
            Issue.record("the whole slow body was waited for: \(outcome)")
            return
        }
        #expect(error.code == "TIMEOUT", "\(error)")
        #expect(error.kind == .network)
        // The head had come: the request reached the portal (a write's outcome is unknown).
        #expect(error.requestMayHaveArrived, "\(error)")
        #expect(!error.description.contains("abcdefgh12345"))
    }
}

private extension Array where Element == UInt8 {
    var containsHeadEnd: Bool {
        count >= 4 && indices.dropLast(3).contains { self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10 }
    }
}
