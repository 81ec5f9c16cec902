import Foundation

/// Dead letters counted by context, type and reason (the error kind), with the oldest failure
/// of each group and one of its errors for a person to read. Holds one entry per group, however
/// many messages are added.
public struct DeadLetterSummary: Sendable {
    public struct Key: Hashable, Sendable, Comparable {
        public let context: String
        public let type: String
        public let kind: String

        public static func < (lhs: Key, rhs: Key) -> Bool {
            (lhs.context, lhs.type, lhs.kind) < (rhs.context, rhs.type, rhs.kind)
        }
    }

    public struct Group: Sendable, Equatable, Codable {
        public let context: String
        public let queue: String
        public let type: String
        public let kind: String
        public var count: Int
        public var oldestFailedAt: Date?
        /// The error of the oldest message of the group.
        public var example: String

        /// Seconds since the oldest message of the group failed.
        public func oldestAge(now: Date) -> Int? {
            oldestFailedAt.map { max(0, Int(now.timeIntervalSince($0))) }
        }
    }

    private var groups: [Key: Group] = [:]

    public init() {}

    public mutating func add(_ letter: DeadLetter) {
        let key = Key(context: letter.context, type: letter.type, kind: letter.kind)
        guard var group = groups[key] else {
            groups[key] = Group(context: letter.context, queue: Topology.deadLetterQueue(of: letter.context), type: letter.type,
                                kind: letter.kind, count: 1, oldestFailedAt: letter.failedAt, example: letter.error)
            return
        }
        group.count += 1
        if let failedAt = letter.failedAt, group.oldestFailedAt.map({ failedAt < $0 }) ?? true {
            group.oldestFailedAt = failedAt
            group.example = letter.error
        }
        groups[key] = group
    }

    /// By context, then type, then reason.
    public var sortedGroups: [Group] {
        groups.keys.sorted().map { groups[$0]! }
    }

    public var total: Int { groups.values.reduce(0) { $0 + $1.count } }
}
