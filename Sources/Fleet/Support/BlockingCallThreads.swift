import Foundation

/// Threads for blocking calls (a provider's HTTP request, an SMTP exchange), never Swift's
/// cooperative pool: `map` runs a call for each item at once, at most `width` at a time, and
/// returns the results in the items' order once every call has returned.
///
/// A batch's calls then take about one call's time instead of one call's time per item: the
/// handlers of a batch wait on the outside world together. The threads start on first use and
/// stay, so a batch does not pay for starting and ending threads of its own.
public final class BlockingCallThreads: @unchecked Sendable {
    public let width: Int
    private let name: String
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var runs: [Run] = []
    private var started = 0

    /// A thread's share of one `map`: it takes items until none is left.
    private final class Run: @unchecked Sendable {
        let work: () -> Void
        init(_ work: @escaping () -> Void) { self.work = work }
    }

    public init(width: Int, name: String) {
        self.width = width
        self.name = name
    }

    public func map<Item, Output>(_ items: [Item], _ call: @escaping (Item) -> Output) -> [Output] {
        guard items.count > 1, width > 1 else { return items.map(call) }
        let slots = FanOutSlots<Output>(count: items.count)
        let done = DispatchGroup()
        let threads = min(width, items.count)
        condition.withLock {
            for _ in 0..<threads {
                done.enter()
                // Each run only reads the items and the call and writes the slots it took, and
                // every one has finished before this returns.
                runs.append(Run {
                    while let index = slots.takeNext() { slots.set(index, call(items[index])) }
                    done.leave()
                })
            }
            while started < threads { startThread(number: started + 1) }
            condition.broadcast()
        }
        done.wait()
        return slots.values
    }

    /// Called with `condition` locked.
    private func startThread(number: Int) {
        started += 1
        let thread = Thread { [self] in
            while true {
                let run = condition.withLock {
                    while runs.isEmpty { condition.wait() }
                    return runs.removeFirst()
                }
                run.work()
            }
        }
        thread.name = "\(name)-\(number)"
        thread.stackSize = 256 << 10
        thread.start()
    }
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
