import Contracts
import Crypto
import Fleet
import Foundation
import HTTPDelivery
import HTTPTypes
import Hummingbird

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Endpoints outside the fleet that receive its events as signed POSTs, managed by admins.
///
/// An endpoint's secret is shown once: in the answer that registers the endpoint and in the
/// answer to each rotation. The webhooks context never tells it again, so registering and
/// rotating wait for their outcome whatever the client prefers.
extension IngressRoutes {
    struct WebhookRequest: Decodable, Sendable {
        var url: String
        var events: [String]
        var description: String?
    }

    /// The answer to a registration: the endpoint as registered, and the secret it signs with.
    struct RegisteredWebhook: Encodable, Sendable {
        var webhookId: UUID
        var url: String
        var events: [String]
        var description: String?
        var registeredAt: Date
        var secret: String
    }

    /// The least registering and rotating wait for their outcome: without it there is no secret
    /// to show. A longer `Prefer: wait` is honoured, up to the ingress's maximum.
    static let secretWait = Duration.seconds(10)

    func registerWebhooks(on table: RouteTable) {
        table.add(.get, "/v1/webhooks", access: .admin) { _, context in
            try .json(try await ask(ListWebhooks(), context))
        }

        table.add(.post, "/v1/webhooks", access: .admin) { request, context in
            let admin = try context.authenticated()
            let new = try await body.decode(WebhookRequest.self, from: request, context: context)
            let key = request.headers[.idempotencyKey]
            if let key { try BookingRules.idempotencyKey(key, field: "Idempotency-Key") }
            let webhookId = key.map { Self.webhookId(admin: admin.customerId, idempotencyKey: $0) } ?? UUID()
            let command = RegisterWebhook(webhookId: webhookId, url: new.url, events: new.events, description: new.description)
            try command.validate()
            if !configuration.allowPrivateWebhookAddresses { try WebhookDestination.refuseLocal(command.url) }
            let location = Self.location(of: webhookId)
            return try await sendForSecret(command, subject: webhookId, statusURL: location, request: request, context: context,
                                           rejection: key.map { Self.keyReused($0, by: webhookId) }) {
                (registered: WebhookRegistered) in
                let secret = try await revealSecret(of: webhookId, context).secret
                let answer = RegisteredWebhook(webhookId: webhookId, url: registered.url, events: registered.events,
                                               description: command.description, registeredAt: registered.registeredAt, secret: secret)
                return try .json(answer, status: .created, headers: [.location: location])
            }
        }

        table.add(.get, "/v1/webhooks/:webhookId", access: .admin) { _, context in
            try .json(try await knownWebhook(context))
        }

        table.add(.delete, "/v1/webhooks/:webhookId", access: .admin) { request, context in
            let webhookId = try await knownWebhook(context).webhookId
            return try await send(DeleteWebhook(webhookId: webhookId), subject: webhookId, statusURL: "/v1/webhooks",
                                  request: request, context: context) { message in
                try outcome(message, is: WebhookDeleted.self) ?? unexpectedOutcome(message)
            }
        }

        table.add(.post, "/v1/webhooks/:webhookId/rotate-secret", access: .admin) { request, context in
            let webhookId = try await knownWebhook(context).webhookId
            return try await sendForSecret(RotateWebhookSecret(webhookId: webhookId), subject: webhookId,
                                           statusURL: Self.location(of: webhookId), request: request, context: context) {
                (rotated: WebhookSecretRotated) in
                var answer = try await revealSecret(of: webhookId, context)
                answer.previousSecretExpiresAt = answer.previousSecretExpiresAt ?? rotated.previousSecretExpiresAt
                return try .json(answer)
            }
        }
    }

    static func location(of webhookId: UUID) -> String { "/v1/webhooks/\(webhookId.lowercasedString)" }

    /// The endpoint the path names, or 404.
    private func knownWebhook(_ context: IngressRequestContext) async throws -> WebhookList.Entry {
        let webhookId = try uuid("webhookId", context)
        let missing = Problem.notFound("no webhook endpoint \(webhookId.lowercasedString)")
        do {
            guard let entry = try await ask(ListWebhooks(webhookId: webhookId), context).webhooks.first else { throw missing }
            return entry
        } catch let error as QueryError where error.kind == .notFound {
            throw missing
        }
    }

    /// Publishes `command` and waits for its outcome `M`, which `settled` turns into the answer
    /// (with the secret, read once the outcome is known). With no outcome in time the answer is
    /// 202; a dead letter is a problem: `rejection`, when given, for a command the context rejected.
    private func sendForSecret<C: Command, M: Message>(
        _ command: C, subject: UUID, statusURL: String, request: Request, context: IngressRequestContext,
        rejection: Problem? = nil, settled: (M) async throws -> Response
    ) async throws -> Response {
        try command.validate()
        let preferred = try WaitPreference.parse(request, maximum: configuration.maximumWait) ?? .zero
        let wait = min(max(preferred, Self.secretWait), configuration.maximumWait)
        let dispatch = try await gateway.send(command, subject: subject.lowercasedString, correlationId: context.requestId, wait: wait)
        if let rejection, dispatch.outcome?.failure?.kind == FailureKind.rejected.rawValue { throw rejection }
        return try await CommandAnswer.respond(dispatch, statusURL: statusURL, context: context) { message in
            guard message.carries(M.self) else { return try unexpectedOutcome(message) }
            return try await settled(try message.data(as: M.self))
        }
    }

    /// The endpoint's secret, which the webhooks context tells once after each registration or
    /// rotation. Asked again (a retried registration), it is a 409 rather than an answer
    /// without a secret, which would leave the client unable to check any delivery.
    private func revealSecret(of webhookId: UUID, _ context: IngressRequestContext) async throws -> WebhookSecretAnswer {
        do {
            return try await ask(RevealWebhookSecret(webhookId: webhookId), context)
        } catch let error as QueryError where error.kind == .conflict {
            let id = webhookId.lowercasedString
            throw Problem.conflict("the secret of webhook endpoint \(id) was shown already, to the request that registered or last rotated it, "
                + "and is never shown again; POST /v1/webhooks/\(id)/rotate-secret gives it a new one")
        }
    }

    /// The same admin and key always name the same endpoint, so a retried registration finds
    /// the endpoint its first attempt made instead of making a second one.
    static func webhookId(admin: UUID, idempotencyKey: String) -> UUID {
        var bytes = Array(SHA256.hash(data: Data("airfleet-webhook:\(admin.lowercasedString):\(idempotencyKey)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // version 5 layout (name-based)
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return bytes.withUnsafeBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
    }

    /// The webhooks context rejects a registration only when the endpoint exists with another
    /// url or events: with a key, that is the key used before for another endpoint.
    static func keyReused(_ key: String, by webhookId: UUID) -> Problem {
        Problem.idempotencyKeyReused("Idempotency-Key \(key) was used before for webhook endpoint \(webhookId.lowercasedString) "
            + "with another url or events; use a new key for a new endpoint")
    }
}

/// Refuses at registration an endpoint whose URL names the fleet's own side outright: a
/// loopback, private or link-local address, or `localhost`. A name that merely resolves there
/// is refused by each delivery instead, once it is resolved (`HTTPPoster`).
enum WebhookDestination {
    static func refuseLocal(_ url: String) throws {
        guard var host = URLComponents(string: url)?.host?.lowercased() else { return }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix(".") { host.removeLast() }
        // libcurl answers `localhost` and every name under it with loopback itself.
        let isLocalName = host == "localhost" || host.hasSuffix(".localhost")
        guard isLocalName || literalAddress(host).map(DestinationAddress.isForbidden) == true else { return }
        throw Problem.unprocessable("url: \(host) is a loopback, private or link-local address, which deliveries do not reach; "
            + "give an address the endpoint has on the internet", field: "url")
    }

    /// The address a host that is an IP literal stands for, in the form `DestinationAddress`
    /// reads; nil for a name. IPv4 is read as resolvers read it, so `127.1` and `0x7f000001`
    /// are seen for the loopback addresses they are.
    static func literalAddress(_ host: String) -> String? {
        // Only IPv6 literals have colons (a zone, `%eth0`, makes them unreadable, hence refused).
        if host.contains(":") { return host }
        var address = in_addr()
        guard inet_aton(host, &address) != 0 else { return nil }
        let value = UInt32(bigEndian: address.s_addr)
        return [24, 16, 8, 0].map { String((value >> $0) & 0xFF) }.joined(separator: ".")
    }
}
