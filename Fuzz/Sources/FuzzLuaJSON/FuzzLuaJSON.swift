import B24Fuzzing

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _LuaJSONFuzzing.roundTrip(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
