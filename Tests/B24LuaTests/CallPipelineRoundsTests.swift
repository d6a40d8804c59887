import B24Lua
import B24Sandbox
import Testing

/// Calls that share a key (undo: the same member of the same entity) never share a round, so
/// their order survives concurrent chunks (docs/journal.md, "Undo").
@Suite struct CallPipelineRoundsTests {
    @Test func aRepeatedKeyStartsANewRound() {
        #expect(CallPipeline.rounds(keys: []) == [])
        #expect(CallPipeline.rounds(keys: ["a", "b", "c"]) == [[0, 1, 2]])
        #expect(CallPipeline.rounds(keys: ["a", "b", "a", "c", "b", "a"]) == [[0, 1], [2, 3, 4], [5]])
        #expect(CallPipeline.rounds(keys: ["a", "a", "a"]) == [[0], [1], [2]])
    }

    @Test(arguments: 0..<20)
    func everyPositionOnceInOrderAndNoKeyTwiceInARound(_ seed: Int) {
        var rng = SplitMix(seed: UInt64(seed))
        let keys = (0..<300).map { _ in "k\(rng.next() % 40)" }
        let rounds = CallPipeline.rounds(keys: keys)
        #expect(rounds.flatMap { $0 } == Array(keys.indices))
        for round in rounds { #expect(Set(round.map { keys[$0] }).count == round.count) }
    }
}
