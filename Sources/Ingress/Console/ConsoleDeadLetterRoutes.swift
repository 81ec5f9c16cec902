import Fleet
import Foundation
import Hummingbird

/// The dead letters page: groups as `airfleet dlq list` counts them, a group's messages, one
/// message, and replay or purge of a group, each first as a dry run that counts.
extension Console {
    func registerDeadLetters(on group: RouterGroup<Context>) {
        group.get("dead-letters", use: page { _, _, session in
            guard let deadLetters else { return message("Dead letters", unavailable ?? "", failed: true, session: session) }
            let (groups, held) = try await deadLetters.groups()
            let now = Date()
            let rows: [[String: Any]] = groups.map { group in
                let summary = group.summary
                return ["context": summary.context, "type": summary.type, "kind": summary.kind, "count": summary.count,
                        "oldest": Self.when(summary.oldestFailedAt, now: now), "newest": Self.when(group.newestFailedAt, now: now),
                        "example": String(summary.example.prefix(160)),
                        "link": "/console/dead-letters/group?" + Self.query(["context": summary.context, "type": summary.type, "kind": summary.kind])]
            }
            let values: [String: Any] = ["page": "dead-letters", "groups": rows, "hasGroups": !rows.isEmpty, "held": held,
                                         "total": groups.map(\.summary.count).reduce(0, +)]
            return pages.page("dead-letters", title: "Dead letters", session: session, current: "dead_letters", values: values)
        })

        group.get("dead-letters/group", use: page { request, _, session in
            guard let deadLetters else { return message("Dead letters", unavailable ?? "", failed: true, session: session) }
            let key = try Self.key(request.uri.queryParameters["context"].map(String.init), request.uri.queryParameters["type"].map(String.init),
                                   request.uri.queryParameters["kind"].map(String.init))
            let limit = 200
            let letters = try await deadLetters.letters(of: key, limit: limit)
            let rows: [[String: Any]] = letters.map { letter in
                ["id": letter.id, "failedAt": letter.failedAt.map(FleetRow.time) ?? "–", "attempts": letter.attempts.map(String.init) ?? "–",
                 "replays": letter.replays, "error": String(letter.error.prefix(200)),
                 "link": "/console/dead-letters/message?" + Self.query(["context": key.context, "id": letter.id])]
            }
            let values: [String: Any] = ["page": "dead-letter-group", "context": key.context, "type": key.type, "kind": key.kind,
                                         "letters": rows, "truncated": letters.count >= limit, "shown": letters.count]
            return pages.page("dead-letter-group", title: "Dead letters of \(key.type)", session: session, current: "dead_letters", values: values)
        })

        group.get("dead-letters/message", use: page { request, _, session in
            guard let deadLetters else { return message("Dead letters", unavailable ?? "", failed: true, session: session) }
            guard let context = request.uri.queryParameters["context"].map(String.init),
                  let id = request.uri.queryParameters["id"].map(String.init) else {
                return message("Dead letter", "Name the context and the message id.", failed: true, session: session, status: .badRequest)
            }
            guard let letter = try await deadLetters.letter(id, context: context) else {
                return message("Dead letter", "There is no dead letter \(id) in \(context) (any more).", failed: true, session: session,
                               status: .notFound, back: "/console/dead-letters")
            }
            return pages.page("dead-letter", title: "Dead letter \(id)", session: session, current: "dead_letters", values: Self.values(of: letter))
        })

        group.post("dead-letters/replay", use: action("dead-letters replay") { _, context, session, form in
            guard let deadLetters else { return message("Replay", unavailable ?? "", failed: true, session: session) }
            let key = try Self.key(form.text("context"), form["type"], form["kind"])
            let confirmed = form["confirm"] == "yes"
            let outcome = try await deadLetters.replay(key, dryRun: !confirmed)
            context.logger.notice(confirmed ? "console: replayed dead letters" : "console: counted dead letters to replay", metadata: [
                "user": "\(session.who)", "context": "\(key.context)", "type": "\(key.type)", "reason": "\(key.kind)",
                "matched": "\(outcome.matched)", "replayed": "\(outcome.moved)", "failed": "\(outcome.failed)"])
            if confirmed {
                let failed = outcome.failed > 0 ? "; \(outcome.failed) could not be replayed and stay in the dead letters" : ""
                return message("Replayed", "Replayed \(outcome.moved) dead letter(s) of \(key.type) (\(key.kind)) to their queue\(failed).",
                               failed: outcome.failed > 0, session: session, back: "/console/dead-letters")
            }
            return confirmation(key, session: session, action: "/console/dead-letters/replay", title: "Replay dead letters",
                                summary: "\(outcome.matched) dead letter(s) of \(key.type) in \(key.context) (\(key.kind)) would be replayed to the queue they failed in. They keep their ids, so a message already handled is still refused by the context's inbox.",
                                button: "Replay \(outcome.matched)", buttonClass: "", matched: outcome.matched)
        })

        group.post("dead-letters/purge", use: action("dead-letters purge") { _, context, session, form in
            guard let deadLetters else { return message("Purge", unavailable ?? "", failed: true, session: session) }
            let key = try Self.key(form.text("context"), form["type"], form["kind"])
            let confirmed = form["confirm"] == "yes"
            let outcome = try await deadLetters.purge(key, dryRun: !confirmed)
            context.logger.notice(confirmed ? "console: purged dead letters" : "console: counted dead letters to purge", metadata: [
                "user": "\(session.who)", "context": "\(key.context)", "type": "\(key.type)", "reason": "\(key.kind)",
                "matched": "\(outcome.matched)", "deleted": "\(outcome.moved)"])
            if confirmed {
                return message("Purged", "Deleted \(outcome.moved) dead letter(s) of \(key.type) (\(key.kind)) for good.",
                               session: session, back: "/console/dead-letters")
            }
            return confirmation(key, session: session, action: "/console/dead-letters/purge", title: "Purge dead letters",
                                summary: "\(outcome.matched) dead letter(s) of \(key.type) in \(key.context) (\(key.kind)) would be deleted for good. Nothing can bring them back; airfleet dlq export keeps a copy.",
                                button: "Delete \(outcome.matched) for good", buttonClass: "danger", matched: outcome.matched)
        })
    }

    private func confirmation(_ key: ConsoleDeadLetters.Key, session: ConsoleSession, action: String, title: String, summary: String,
                              button: String, buttonClass: String, matched: Int) -> Response {
        let values: [String: Any] = ["page": "dead-letter-confirm", "context": key.context, "type": key.type, "kind": key.kind,
                                     "action": action, "summary": matched == 0 ? "No dead letters of this group are left." : summary,
                                     "button": button, "buttonClass": buttonClass, "canAct": matched > 0]
        return pages.page("dead-letter-confirm", title: title, session: session, current: "dead_letters", values: values)
    }

    private static func key(_ context: String?, _ type: String?, _ kind: String?) throws -> ConsoleDeadLetters.Key {
        guard let context, let type, let kind else { throw ConsoleError("a group is named by its context, type and reason; one is missing") }
        return ConsoleDeadLetters.Key(context: context, type: type, kind: kind)
    }

    private static func values(of letter: DeadLetter) -> [String: Any] {
        let json = (try? JSONSerialization.data(withJSONObject: letter.jsonObject(), options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        return [
            "page": "dead-letter", "id": letter.id, "context": letter.context, "type": letter.type, "kind": letter.kind, "error": letter.error,
            "failedAt": letter.failedAt.map(FleetRow.time) ?? "–", "attempts": letter.attempts.map(String.init) ?? "–",
            "consumer": letter.consumer ?? "–", "origin": letter.origin, "replays": letter.replays, "json": json,
            "failures": letter.failures.map { failure -> [String: Any] in
                ["attempt": failure.attempt.map(String.init) ?? "–", "kind": failure.kind, "error": failure.error,
                 "consumer": failure.consumer ?? "–", "at": failure.at ?? "–"]
            },
            "back": "/console/dead-letters/group?" + query(["context": letter.context, "type": letter.type, "kind": letter.kind]),
        ]
    }

    /// A time and how long ago it was.
    private static func when(_ date: Date?, now: Date) -> String {
        guard let date else { return "–" }
        return "\(FleetRow.age(max(0, Int(now.timeIntervalSince(date))))) ago"
    }

    private static func query(_ parameters: [String: String]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return parameters.sorted { $0.key < $1.key }
            .map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }
}
