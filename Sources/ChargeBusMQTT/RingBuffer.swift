/// A minimal growable FIFO queue (amortised O(1) append and removeFirst). Not thread-safe; lives inside a Mutex.
struct RingBuffer<Element> {
    private var storage: [Element?] = []
    private var head = 0
    private(set) var count = 0

    init() {}

    var isEmpty: Bool { count == 0 }

    mutating func append(_ element: Element) {
        if count == storage.count {
            grow()
        }
        storage[(head + count) % storage.count] = element
        count += 1
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return element
    }

    /// Removes the first element for which `predicate` is true (O(n)); order of the others is kept.
    mutating func removeFirst(where predicate: (Element) -> Bool) -> Element? {
        var remaining = RingBuffer()
        var removed: Element?
        while let element = popFirst() {
            if removed == nil, predicate(element) {
                removed = element
            } else {
                remaining.append(element)
            }
        }
        self = remaining
        return removed
    }

    mutating func removeAll() -> [Element] {
        var all: [Element] = []
        all.reserveCapacity(count)
        while let element = popFirst() {
            all.append(element)
        }
        storage = []
        head = 0
        return all
    }

    private mutating func grow() {
        let newCapacity = Swift.max(16, storage.count * 2)
        var newStorage = [Element?](repeating: nil, count: newCapacity)
        for offset in 0..<count {
            newStorage[offset] = storage[(head + offset) % storage.count]
        }
        storage = newStorage
        head = 0
    }
}
