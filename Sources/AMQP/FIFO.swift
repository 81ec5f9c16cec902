/// A first-in first-out queue with O(1) removal at the front, for buffered deliveries and
/// publish sequence numbers (Array.removeFirst would make draining a large buffer quadratic).
struct FIFO<Element> {
    // Optional so that a popped element is released at once, not when the storage compacts.
    private var storage: [Element?] = []
    private var head = 0

    var isEmpty: Bool { head == storage.count }
    var count: Int { storage.count - head }
    var first: Element? { isEmpty ? nil : storage[head] }
    /// The elements, front first, without removing them.
    var elements: some Sequence<Element> { storage[head...].lazy.compactMap { $0 } }

    mutating func append(_ element: Element) {
        storage.append(element)
    }

    mutating func popFirst() -> Element? {
        guard !isEmpty else { return nil }
        let element = storage[head]
        storage[head] = nil
        head += 1
        compact()
        return element
    }

    /// Removes and returns, in order, the elements that match.
    mutating func removeAll(where matches: (Element) -> Bool) -> [Element] {
        var removed: [Element] = []
        var kept: [Element?] = []
        kept.reserveCapacity(count)
        for case let element? in storage[head...] {
            if matches(element) { removed.append(element) } else { kept.append(element) }
        }
        storage = kept
        head = 0
        return removed
    }

    private mutating func compact() {
        if isEmpty {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1_024 && head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
    }
}
