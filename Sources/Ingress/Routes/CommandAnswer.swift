import Fleet
import Foundation
import HTTPTypes
import Hummingbird

/// The answer to a write: 202 Accepted with the command id and where to watch its effect, or,
/// for a client that sent `Prefer: wait=N` and got the outcome in time, the outcome itself.
struct CommandAnswer {
    /// What a 202 says.
    struct Accepted: Codable, Sendable {
        /// Absent when the answer comes after the command was handled.
        var commandId: String?
        var status: String
        /// Where the command's effect shows once handled.
        var statusUrl: String
        var correlationId: String
    }

    /// 202 when the outcome is not known (yet); a problem when the command was dead-lettered;
    /// otherwise what `settled` makes of the outcome.
    static func respond(_ dispatch: BrokerClient.Dispatch, statusURL: String, context: IngressRequestContext,
                        settled: (ReplyMessage) async throws -> Response) async throws -> Response {
        guard let outcome = dispatch.outcome else {
            return try accepted(commandId: dispatch.commandId, statusURL: statusURL, context: context)
        }
        if let failure = outcome.failure { throw problem(for: failure) }
        return try await settled(outcome)
    }

    static func accepted(commandId: String?, statusURL: String, context: IngressRequestContext) throws -> Response {
        try .json(Accepted(commandId: commandId, status: "accepted", statusUrl: statusURL, correlationId: context.requestId),
                  status: .accepted, headers: [.location: statusURL])
    }

    /// A dead letter's reason as a problem. Handlers write reasons as `field: what is wrong`.
    static func problem(for failure: ReplyMessage.Failure) -> Problem {
        var field: String?
        var detail = failure.reason
        if let colon = failure.reason.firstIndex(of: ":") {
            let candidate = failure.reason[..<colon]
            if !candidate.isEmpty, !candidate.contains(" ") {
                field = String(candidate)
                detail = failure.reason[failure.reason.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        switch failure.kind {
        case FailureKind.invalid.rawValue, FailureKind.rejected.rawValue:
            return field.map { .unprocessable("\($0): \(detail)", field: $0) } ?? .unprocessable(detail)
        default:
            return Problem(.badGateway, kind: "command-failed", title: "The command failed",
                           detail: "\(failure.kind): \(failure.reason)", field: field)
        }
    }
}
