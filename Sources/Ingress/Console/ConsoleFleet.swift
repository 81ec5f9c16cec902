import FleetStatus
import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle

/// The fleet page: each context's figures, and a stream of them for the page's script.
extension Console {
    static let fleetInterval = Duration.seconds(2)

    func registerFleet(on group: RouterGroup<Context>) {
        group.get("fleet", use: page { _, _, session in
            var values: [String: Any] = ["page": "fleet", "rows": [[String: Any]](), "readAt": "–"]
            if let figures {
                do {
                    let reading = try await figures.read()
                    values["rows"] = reading.contexts.map { FleetRow($0).values }
                    values["readAt"] = FleetRow.time(reading.readAt)
                } catch {
                    values["error"] = "\(error)"
                }
            } else {
                values["error"] = unavailable
            }
            return pages.page("fleet", title: "Fleet", session: session, current: "fleet", values: values)
        })

        // Server-sent events: `figures` every two seconds, `problem` when they cannot be read.
        group.get("fleet/events") { request, _ in
            guard await sessions.session(of: request) != nil else {
                return Response(status: .unauthorized, body: .init(byteBuffer: .init(string: "sign in first")))
            }
            guard let figures else { return Response(status: .serviceUnavailable) }
            let body = ResponseBody { writer in
                // A slow reading skips ticks instead of queueing them.
                let (ticks, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
                let clock = Task {
                    while !Task.isCancelled {
                        continuation.yield()
                        try? await Task.sleep(for: Self.fleetInterval)
                    }
                }
                defer { clock.cancel() }
                // The stream ends when the client goes (the next write fails), the session ends
                // (signed out or expired) or the server shuts down.
                try await withGracefulShutdownHandler {
                    for await _ in ticks {
                        guard await sessions.session(of: request) != nil else { break }
                        try await writer.write(ByteBuffer(string: await Self.figuresEvent(figures)))
                    }
                } onGracefulShutdown: {
                    continuation.finish()
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
        }
    }
}

extension Console {
    /// One server-sent event: the figures, or why they could not be read.
    static func figuresEvent(_ figures: FleetFigures) async -> String {
        do {
            let reading = try await figures.read()
            let update = FleetUpdate(readAt: FleetRow.time(reading.readAt), rows: reading.contexts.map { FleetRow($0) })
            return "event: figures\ndata: \(String(decoding: try JSONEncoder().encode(update), as: UTF8.self))\n\n"
        } catch {
            let problem = (try? JSONEncoder().encode(["message": "\(error)"])) ?? Data("{}".utf8)
            return "event: problem\ndata: \(String(decoding: problem, as: UTF8.self))\n\n"
        }
    }
}

/// What the page's script receives: the cells as the page shows them.
struct FleetUpdate: Encodable {
    var readAt: String
    var rows: [FleetRow]
}

/// One context's figures as the fleet page shows them.
struct FleetRow: Encodable {
    var context: String
    var cells: [String: String]
    var deadAlert: Bool

    init(_ figures: ContextFigures) {
        context = figures.context
        func number(_ value: Int?) -> String { value.map(String.init) ?? "–" }
        cells = [
            "consumers": number(figures.consumers), "ready": number(figures.ready), "unacknowledged": number(figures.unacknowledged),
            "retrying": number(figures.retrying), "dead": number(figures.dead),
            "oldestDead": figures.oldestDeadSeconds.map(Self.age) ?? "–", "outbox": number(figures.outbox),
        ]
        deadAlert = figures.dead > 0
    }

    var values: [String: Any] {
        var values: [String: Any] = cells
        values["context"] = context
        values["deadAlert"] = deadAlert
        return values
    }

    /// "42s", "17m", "5h", "3d", as `airfleet dlq list` writes ages.
    static func age(_ seconds: Int) -> String {
        seconds < 120 ? "\(seconds)s" : seconds < 7200 ? "\(seconds / 60)m" : seconds < 172_800 ? "\(seconds / 3600)h" : "\(seconds / 86_400)d"
    }

    static func time(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
