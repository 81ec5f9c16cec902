import Contracts
import Fleet
import Foundation
import HTTPTypes
import Hummingbird

/// What every route handler needs: the broker, tokens, settings and the body reader.
struct IngressRoutes: Sendable {
    let gateway: BrokerGateway
    let tokens: AccessTokens
    let configuration: IngressConfiguration
    let body: JSONBody
    let airports: AirportDirectory
    let searchAnswers: SearchAnswers
    let bookableFlights: BookableFlights
    let idempotencyKeys: IdempotencyKeys

    init(gateway: BrokerGateway, tokens: AccessTokens, configuration: IngressConfiguration) {
        self.gateway = gateway
        self.tokens = tokens
        self.configuration = configuration
        body = JSONBody(limit: configuration.maximumBodyBytes)
        airports = AirportDirectory(gateway: gateway, timeout: configuration.queryTimeout)
        searchAnswers = SearchAnswers(freshness: configuration.searchFreshness, feed: gateway.flightUpdates)
        let checkTimeout = min(configuration.queryTimeout, Self.bookingCheckTimeout)
        bookableFlights = BookableFlights(gateway: gateway, timeout: checkTimeout)
        idempotencyKeys = IdempotencyKeys(gateway: gateway, timeout: checkTimeout)
    }

    /// The longest a booking waits for the checks made before it is published. They only
    /// refuse early what the contexts refuse anyway, so a context that is slow or away must not
    /// hold bookings up: past this, the booking goes ahead unchecked.
    static let bookingCheckTimeout = Duration.seconds(2)

    func register(on table: RouteTable) {
        registerAuth(on: table)
        registerProfile(on: table)
        registerDevices(on: table)
        registerAirports(on: table)
        registerFlights(on: table)
        registerBookings(on: table)
        registerFlightUpdates(on: table)
        registerWebhooks(on: table)
        registerOperational(on: table)
        registerConsole(on: table)
    }

    // MARK: Shared steps

    func ask<Q: Query>(_ query: Q, _ context: IngressRequestContext) async throws -> Q.Response {
        try await gateway.ask(query, correlationId: context.requestId, timeout: configuration.queryTimeout)
    }

    /// Checks a command's rules, publishes it and answers as `CommandAnswer` says. A client that
    /// waits gets the first message the command caused, or with `answeredBy` the first of those
    /// types about the command's subject, and only those are copied back to the ingress.
    func send<C: Command>(_ command: C, subject: UUID, statusURL: String, request: Request, context: IngressRequestContext,
                          answeredBy types: Set<MessageType>? = nil,
                          settled: (ReplyMessage) async throws -> Response) async throws -> Response {
        try command.validate()
        let wait = try WaitPreference.parse(request, maximum: configuration.maximumWait)
        let subjectText = subject.lowercasedString
        let settles: @Sendable (ReplyMessage, String) -> Bool
        if let types {
            settles = { message, _ in
                guard let type = message.messageType, message.envelope?.subject == subjectText else { return false }
                return types.contains(type)
            }
        } else {
            settles = BrokerClient.causedDirectly
        }
        let dispatch = try await gateway.send(command, subject: subjectText, correlationId: context.requestId,
                                              wait: wait, replyTypes: types, settles: settles)
        return try await CommandAnswer.respond(dispatch, statusURL: statusURL, context: context, settled: settled)
    }

    /// A path parameter that must be a UUID.
    func uuid(_ name: String, _ context: IngressRequestContext) throws -> UUID {
        guard let text = context.parameters.get(name), let id = UUID(uuidString: text) else {
            throw Problem.invalid(name, "must be a UUID such as 0b6c9d4e-1f2a-4b3c-8d4e-5f6a7b8c9d0e")
        }
        return id
    }
}

/// The outcome `M` as the response: `M`'s data with `status`, when the outcome is of type `M`.
func outcome<M: Message>(_ message: ReplyMessage, is type: M.Type, status: HTTPResponse.Status = .ok,
                         headers: HTTPFields = [:]) throws -> Response? {
    guard message.carries(M.self) else { return nil }
    return try .json(try message.data(as: M.self), status: status, headers: headers)
}

/// An outcome the route did not expect (a newer context, say): shown as it came, with 200.
func unexpectedOutcome(_ message: ReplyMessage) throws -> Response {
    Response(status: .ok, headers: [.contentType: "application/cloudevents+json"],
             body: .init(byteBuffer: .init(bytes: message.body)))
}
