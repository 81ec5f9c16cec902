import Contracts
import Crypto
import Fleet
import Foundation
import HTTPTypes
import Hummingbird

/// Booking seats and paying, reading bookings, cancelling them.
extension IngressRoutes {
    struct NewBooking: Decodable, Sendable {
        var flightId: UUID
        var cabin: Cabin
        var passengers: [PassengerDetails]
        /// Where the confirmation goes; the account's email when absent.
        var contactEmail: String?
        var paymentToken: String
    }

    struct BookingCancellation: Decodable, Sendable {
        var reason: String?
    }

    /// The messages that answer a booking's creation for a client that waits: its outcomes, its
    /// refusal, or the booking its idempotency key already made.
    static let bookingAnswers: Set<MessageType> = [
        BookingConfirmed.messageType, BookingFailed.messageType, BookingExpired.messageType,
        BookingCancelled.messageType, BookingDeduplicated.messageType, BookingRejected.messageType,
    ]
    /// The messages that answer a cancellation for a client that waits.
    static let cancellationAnswers: Set<MessageType> = [BookingCancelled.messageType, BookingCancelRejected.messageType]

    func registerBookings(on table: RouteTable) {
        table.add(.post, "/v1/bookings", access: .signedIn) { request, context in
            let identity = try context.authenticated()
            let new = try await body.decode(NewBooking.self, from: request, context: context)
            let key = request.headers[.idempotencyKey]
            if let key { try BookingRules.idempotencyKey(key, field: "Idempotency-Key") }
            let bookingId = key.map { Self.bookingId(customer: identity.customerId, idempotencyKey: $0) } ?? UUID.timeOrdered()
            let command = CreateBooking(bookingId: bookingId, customerId: identity.customerId, flightId: new.flightId, cabin: new.cabin,
                                        passengers: new.passengers, contactEmail: new.contactEmail ?? identity.email,
                                        paymentToken: new.paymentToken, idempotencyKey: key)
            try command.validate()
            // A malformed Prefer is refused by `send`, after these checks, as every command's is.
            let waits = (try? WaitPreference.parse(request, maximum: configuration.maximumWait))?.map { $0 > .zero } ?? false
            try await admit(command, key: key, waits: waits, context: context)
            let subject = bookingId.lowercasedString
            let location = "/v1/bookings/\(subject)"
            return try await send(command, subject: bookingId, statusURL: location, request: request, context: context,
                                  answeredBy: Self.bookingAnswers) { message in
                if message.carries(BookingRejected.self) {
                    let rejection = try message.data(as: BookingRejected.self)
                    guard let key else { throw Problem.conflict(rejection.detail, field: "bookingId") }
                    throw IdempotencyKeys.reused(key, by: rejection.existingBookingId)
                }
                // The final booking as GET shows it: 201 when it was confirmed now, 200 otherwise. If it
                // cannot be read just now, the client is told where to look rather than given an error
                // for a booking that went through.
                guard let view = try? await ask(GetBooking(bookingId: bookingId), context).booking else {
                    return try CommandAnswer.accepted(commandId: nil, statusURL: location, context: context)
                }
                let status: HTTPResponse.Status = message.carries(BookingConfirmed.self) ? .created : .ok
                return try .json(view, status: status, headers: [.location: location])
            }
        }

        table.add(.get, "/v1/bookings", access: .signedIn) { request, context in
            let identity = try context.authenticated()
            let parameters = request.uri.queryParameters
            let query = ListBookings(customerId: identity.customerId, states: try Self.states(parameters),
                                     page: try parameters.integer("page"), pageSize: try parameters.integer("pageSize"))
            try query.validate()
            return try .json(try await ask(query, context))
        }

        table.add(.get, "/v1/bookings/:booking", access: .signedIn) { _, context in
            try .json(try await visibleBooking(context))
        }

        table.add(.post, "/v1/bookings/:booking/cancel", access: .signedIn) { request, context in
            let identity = try context.authenticated()
            let booking = try await visibleBooking(context)
            let cancellation = try await body.decodeIfPresent(BookingCancellation.self, from: request, context: context)
                ?? BookingCancellation(reason: nil)
            let actor: BookingActor = identity.roles.contains(.admin) ? .admin : identity.roles.contains(.agent) ? .agent : .customer
            let command = CancelBooking(bookingId: booking.bookingId, requestedBy: identity.customerId, actor: actor,
                                        reason: cancellation.reason)
            let subject = booking.bookingId.lowercasedString
            let location = "/v1/bookings/\(subject)"
            return try await send(command, subject: booking.bookingId, statusURL: location, request: request, context: context,
                                  answeredBy: Self.cancellationAnswers) { message in
                if message.carries(BookingCancelRejected.self) {
                    let rejection = try message.data(as: BookingCancelRejected.self)
                    switch rejection.reason {
                    case .notFound: throw Problem.notFound("no booking \(subject)")
                    case .notCancellable, .alreadyCancelled:
                        throw Problem.conflict("booking \(subject) cannot be cancelled: \(rejection.reason.rawValue)")
                    }
                }
                return try .json(try await ask(GetBooking(bookingId: booking.bookingId), context).booking, headers: [.location: location])
            }
        }

        table.add(.get, "/v1/flights/:flightId/bookings", access: .staff) { request, context in
            let parameters = request.uri.queryParameters
            let query = ListBookings(flightId: try uuid("flightId", context), states: try Self.states(parameters),
                                     page: try parameters.integer("page"), pageSize: try parameters.integer("pageSize"))
            try query.validate()
            return try .json(try await ask(query, context))
        }
    }

    /// Refuses at once a booking that could only fail later: a flight that cannot be booked, a
    /// key reused with another body. A client that waits hears of a reused key from the command's
    /// own answer (booking.rejected.v1, the same 422), so its key is asked about only when
    /// something else needs the answer; one that does not wait must hear of it now. A retry of a
    /// booking that exists goes through, to be answered with that booking even if it could not be
    /// made now.
    private func admit(_ command: CreateBooking, key: String?, waits: Bool, context: IngressRequestContext) async throws {
        let correlationId = context.requestId
        // Both checks at once, so a booking waits for the slower round trip, not for the two.
        async let flightProblem: (any Error)? = {
            do { try await bookableFlights.check(command, correlationId: correlationId) } catch { return error }
            return nil
        }()
        guard let key else {
            if let problem = await flightProblem { throw problem }
            return
        }
        let isRetry = { try await self.idempotencyKeys.isRetry(command, key: key, correlationId: correlationId) }
        if !waits, try await isRetry() { return }
        if let problem = await flightProblem {
            guard waits, try await isRetry() else { throw problem }
            return
        }
        do {
            try idempotencyKeys.remember(command, key: key)
        } catch let inUse where waits {
            // Another body went out under this key moments ago; whether that request is done
            // (422) or still on its way (409), the bookings context knows.
            guard try await isRetry() else { throw inUse }
        }
    }

    /// The booking the path names (by id or record locator), if the caller may see it: its owner,
    /// agents and admins. Anyone else gets 404, as if it did not exist.
    private func visibleBooking(_ context: IngressRequestContext) async throws -> BookingView {
        let identity = try context.authenticated()
        let reference = context.parameters.get("booking") ?? ""
        let query: GetBooking
        if let id = UUID(uuidString: reference) {
            query = GetBooking(bookingId: id)
        } else {
            query = GetBooking(pnr: reference.uppercased())
            do { try query.validate() } catch { throw Problem.invalid("booking", "must be a booking id (UUID) or a 6-character record locator") }
        }
        // Someone else's booking and no booking at all get the same answer.
        let hidden = Problem.notFound("no booking \(reference)")
        let booking: BookingView
        do {
            booking = try await ask(query, context).booking
        } catch let error as QueryError where error.kind == .notFound {
            throw hidden
        }
        guard booking.customerId == identity.customerId || identity.isStaff else { throw hidden }
        return booking
    }

    /// The same customer and key always name the same booking, so a retried request finds the
    /// booking its first attempt started, and its status URL is right from the first answer.
    static func bookingId(customer: UUID, idempotencyKey: String) -> UUID {
        var bytes = Array(SHA256.hash(data: Data("airfleet-booking:\(customer.lowercasedString):\(idempotencyKey)".utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50  // version 5 layout (name-based)
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    static func states(_ parameters: Parameters) throws -> [BookingState]? {
        guard let text = parameters.get("state") else { return nil }
        let names = text.split(separator: ",", omittingEmptySubsequences: true)
        guard !names.isEmpty else { throw Problem.invalid("state", "name at least one state, or leave the parameter out") }
        return try names.map { name in
            guard let state = BookingState(rawValue: String(name)) else {
                throw Problem.invalid("state", "must be one or more of \(BookingState.allCases.map(\.rawValue).joined(separator: ", ")), comma-separated")
            }
            return state
        }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
