import Foundation

/// Runs blocking work (rabbitmq-c, libpq) on a thread of its own, never on the Swift
/// concurrency pool, whose few threads such work would starve.
func startWorkerThread(named name: String, _ body: @escaping () -> Void) {
    let handOver = HandOver(body)
    let thread = Thread { handOver.value() }
    thread.name = name
    thread.start()
}

/// Carries a value to the one thread that will use it. The value is never touched by the
/// sending thread afterwards, so it is not shared, though the compiler cannot prove it.
struct HandOver<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// Runs blocking work on a thread of its own and awaits its result.
func onWorkerThread<T: Sendable>(named name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        startWorkerThread(named: name) { continuation.resume(with: Result { try body() }) }
    }
}
