import Foundation

/// Random draws that a seed decides, so that a run that failed can be drawn again:
/// SplitMix64 (Steele, Lea and Flood, 2014), small and good enough for choosing test inputs.
struct SeededGenerator: RandomNumberGenerator {
    let seed: UInt64
    private var state: UInt64

    init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    /// Seeded from `AIRFLEET_TEST_SEED` when set (to repeat a run), else from the system.
    static func fromEnvironment() -> SeededGenerator {
        if let text = ProcessInfo.processInfo.environment["AIRFLEET_TEST_SEED"], let seed = UInt64(text) {
            return SeededGenerator(seed: seed)
        }
        return SeededGenerator(seed: UInt64.random(in: 0...UInt64.max))
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
