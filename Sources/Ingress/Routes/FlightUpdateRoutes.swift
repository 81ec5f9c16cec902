import Contracts
import Fleet
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /v1/flights/{flightId}/updates`: a flight's status changes as server-sent events.
///
/// The stream opens with the flight as it is now (`event: status`), then carries each
/// `flight.*` event as it is published (`event: flight.delayed.v1`, `id:` the message id,
/// `data:` the event's data), with a comment every 15 s so proxies keep the connection open.
extension IngressRoutes {
    static let keepAliveInterval = Duration.seconds(15)

    private enum StreamItem: Sendable {
        case update(FlightUpdateFeed.Update)
        case keepAlive
    }

    func registerFlightUpdates(on table: RouteTable) {
        table.add(.get, "/v1/flights/:flightId/updates", access: .anyone) { _, context in
            let flightId = try uuid("flightId", context)
            // Follow first, then read the current state: a change between the two is sent
            // (perhaps after a status that already shows it), never lost.
            let updates = gateway.flightUpdates.follow(flightId)
            let current = try await ask(GetFlight(flightId: flightId), context)
            let opening = try FleetJSON.standardEncoder.encode(current.flight)
            let body = ResponseBody { writer in
                try await writer.write(ByteBuffer(string: Self.event("status", id: nil, data: opening)))
                let (items, continuation) = AsyncStream<StreamItem>.makeStream()
                let forward = Task {
                    for await update in updates { continuation.yield(.update(update)) }
                    continuation.finish()
                }
                let beat = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: Self.keepAliveInterval)
                        continuation.yield(.keepAlive)
                    }
                }
                defer {
                    forward.cancel()
                    beat.cancel()
                }
                // A stream never ends by itself: it ends when the client goes (the next write fails)
                // or when the server shuts down, which must not wait for it.
                try await withGracefulShutdownHandler {
                    for await item in items {
                        switch item {
                        case .update(let update):
                            try await writer.write(ByteBuffer(string: Self.event(update.type, id: update.id, data: update.data)))
                        case .keepAlive:
                            try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        }
                    }
                } onGracefulShutdown: {
                    continuation.finish()
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
        }
    }

    /// One server-sent event; JSON has no raw newlines, so `data` fits on one line.
    static func event(_ name: String, id: String?, data: Data) -> String {
        var text = "event: \(name)\n"
        if let id { text += "id: \(id)\n" }
        text += "data: \(String(decoding: data, as: UTF8.self))\n\n"
        return text
    }
}
