import B24
import B24Wire
#if canImport(Glibc)
import Glibc
#endif

/// When the reader of standard output goes away (`b24lua job.lua | head`), b24lua ends as
/// lua(1) and cat(1) do: quietly, killed by SIGPIPE (141 in a shell), so a pipeline sees that
/// the job did not finish. This cannot be left to the kernel: the HTTP layer (SwiftNIO) ignores
/// SIGPIPE for the whole process once it opens a socket, after which a run against a real
/// portal would go on with its writes while its output went nowhere, and Foundation's
/// FileHandle would trap on the EPIPE. So a thread waits for the pipe's error condition (the
/// kernel raises it on the write end when no reader is left) and ends the process then. The
/// journal is durable at that point: each line is written and synced before its request goes.
enum ReaderWatch {
    static func endWhenStandardOutputIsGone() {
        var st = stat()
        guard fstat(STDOUT_FILENO, &st) == 0 else { return }
        let type = st.st_mode & S_IFMT
        guard type == S_IFIFO || type == S_IFSOCK else { return }  // a terminal or a file has no reader to lose
        SystemThread.start {
            var out = pollfd(fd: STDOUT_FILENO, events: 0, revents: 0)
            while true {
                let n = poll(&out, 1, -1)
                if n < 0, errno == EINTR { continue }
                guard n > 0, out.revents & Int16(POLLNVAL) == 0 else { return }
                if out.revents & Int16(POLLERR | POLLHUP) != 0 { break }
            }
            endBySIGPIPE()
        }
    }

    /// The death a write into a closed pipe gives, whatever NIO did to the disposition.
    static func endBySIGPIPE() -> Never {
        signal(SIGPIPE, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGPIPE)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(SIGPIPE)
        _exit(128 + SIGPIPE)  // not reached: the default action ends the process
    }
}
