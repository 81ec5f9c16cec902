import Foundation

/// Runs a blocking call (a provider's HTTP request, an SMTP exchange) for each item at once, on
/// threads of its own and never on Swift's cooperative pool, at most `width` at a time; returns
/// the results in the items' order once every call has returned.
///
/// A batch's calls then take about one call's time instead of one call's time per item: the
/// handlers of a batch wait on the outside world together.
public func blockingFanOut<Item, Output>(_ items: [Item], width: Int, _ call: @escaping (Item) -> Output) -> [Output] {
    guard items.count > 1, width > 1 else { return items.map(call) }
    let slots = FanOutSlots<Output>(count: items.count)
    let done = DispatchGroup()
    // `width` threads at most, each taking the next item until none is left: a batch of a
    // hundred emails starts sixteen threads, not a hundred. Each thread only reads the items and
    // the call and writes the slots it took, and every one has finished before this returns.
    let shared = HandOver((items, call, slots))
    for _ in 0..<min(width, items.count) {
        done.enter()
        let thread = Thread {
            let (items, call, slots) = shared.value
            while let index = slots.takeNext() { slots.set(index, call(items[index])) }
            done.leave()
        }
        thread.stackSize = 256 << 10
        thread.start()
    }
    done.wait()
    return slots.values
}

/// One result per item, each written by the thread that took the item.
private final class FanOutSlots<Output>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Output?]
    private var next = 0

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// The next item no thread has taken, or nil when all are taken.
    func takeNext() -> Int? {
        lock.withLock {
            guard next < slots.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func set(_ index: Int, _ value: Output) { lock.withLock { slots[index] = value } }

    var values: [Output] { lock.withLock { slots.map { $0! } } }
}
