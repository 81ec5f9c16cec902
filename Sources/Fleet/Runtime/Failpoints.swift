import Foundation
import Settings

/// Places in the consumer path where a test can make the process fail on purpose, to prove
/// that a crash at that point loses nothing and doubles nothing.
///
/// `AIRFLEET_FAILPOINTS=after-commit=kill` makes the process SIGKILL itself right after it
/// commits a batch and before it publishes what the batch emitted; `exit` ends it with status 70 instead.
public struct Failpoints: Sendable, Equatable {
    public enum Point: String, Sendable, CaseIterable {
        case beforeCommit = "before-commit"
        case afterCommit = "after-commit"
        case afterPublish = "after-publish"
        case beforeAck = "before-ack"
    }

    public enum Action: String, Sendable {
        case kill, exit
    }

    private let actions: [Point: Action]

    public init(parsing text: String) throws {
        var actions: [Point: Action] = [:]
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let point = Point(rawValue: parts[0]) else {
                throw ConfigurationError("AIRFLEET_FAILPOINTS: unknown point '\(parts[0])'; known: \(Point.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let actionName = parts.count > 1 ? parts[1] : "kill"
            guard let action = Action(rawValue: actionName) else {
                throw ConfigurationError("AIRFLEET_FAILPOINTS: unknown action '\(actionName)' for \(point.rawValue); use kill or exit")
            }
            actions[point] = action
        }
        self.actions = actions
    }

    func hit(_ point: Point) {
        guard let action = actions[point] else { return }
        FileHandle.standardError.write(Data("failpoint \(point.rawValue): \(action.rawValue)\n".utf8))
        switch action {
        case .kill: kill(getpid(), SIGKILL)
        case .exit: Foundation.exit(70)
        }
    }
}
