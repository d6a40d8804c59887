import B24Fuzzing
import B24Sandbox

// One portal for the run, reset now and then so state a hostile input leaves cannot pile up.
nonisolated(unsafe) var portal = SandboxPortal(options: .unlimited)
nonisolated(unsafe) var runs = 0

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    runs += 1
    if runs % 10_000 == 0 { portal.reset() }
    _SandboxFuzzing.router(Array(UnsafeBufferPointer(start: data, count: size)), portal: portal)
    return 0
}
