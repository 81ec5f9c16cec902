import Contracts
import Fleet
import Foundation
import Hummingbird

/// The signed-in customer's own profile, saved passengers and flight subscriptions.
extension IngressRoutes {
    struct ProfileChange: Decodable, Sendable {
        var name: String?
        var passengers: [SavedPassenger]?
        /// `"phone": null` removes the number, as the command's empty string does.
        var phone: String?
        var notificationPreferences: NotificationPreferencesChange?

        private enum CodingKeys: String, CodingKey { case name, passengers, phone, notificationPreferences }

        init(from decoder: any Decoder) throws {
            let fields = try decoder.container(keyedBy: CodingKeys.self)
            name = try fields.decodeIfPresent(String.self, forKey: .name)
            passengers = try fields.decodeIfPresent([SavedPassenger].self, forKey: .passengers)
            if fields.contains(.phone) { phone = try fields.decodeIfPresent(String.self, forKey: .phone) ?? "" }
            notificationPreferences = try fields.decodeIfPresent(NotificationPreferencesChange.self, forKey: .notificationPreferences)
            if notificationPreferences != nil {
                // A kind of notice misspelt would otherwise change nothing without a word.
                let kinds = try fields.nestedContainer(keyedBy: AnyKey.self, forKey: .notificationPreferences)
                if let stranger = kinds.allKeys.first(where: { !Self.kindsOfNotice.contains($0.stringValue) }) {
                    throw ValidationError(field: "notificationPreferences.\(stranger.stringValue)",
                                          "is not a kind of notice; the kinds are confirmations, reminders and flightChanges")
                }
            }
        }

        private static let kindsOfNotice: Set<String> = ["confirmations", "reminders", "flightChanges"]

        private struct AnyKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    struct PassengerList: Codable, Sendable {
        var passengers: [SavedPassenger]
    }

    struct SubscriptionRequest: Decodable, Sendable {
        var flightId: UUID
    }

    func registerProfile(on table: RouteTable) {
        table.add(.get, "/v1/me", access: .signedIn) { _, context in
            try .json(try await ask(GetCustomer(customerId: try context.authenticated().customerId), context))
        }

        table.add(.patch, "/v1/me", access: .signedIn) { request, context in
            let change = try await body.decode(ProfileChange.self, from: request, context: context)
            let customerId = try context.authenticated().customerId
            let command = UpdateCustomer(customerId: customerId, name: change.name, passengers: change.passengers,
                                         phone: change.phone, notificationPreferences: change.notificationPreferences)
            try command.validate()
            if command.phone != nil || command.notificationPreferences != nil {
                // Well-formed, but refused for what the profile holds now.
                let profile = try await ask(GetCustomer(customerId: customerId), context)
                do {
                    try command.checkSMSReachable(from: profile)
                } catch let error as ValidationError {
                    throw Problem.unprocessable(error.description, field: error.field)
                }
            }
            return try await send(command, subject: customerId, statusURL: "/v1/me", request: request, context: context) { message in
                try outcome(message, is: CustomerUpdated.self) ?? unexpectedOutcome(message)
            }
        }

        table.add(.get, "/v1/me/passengers", access: .signedIn) { _, context in
            let profile = try await ask(GetCustomer(customerId: try context.authenticated().customerId), context)
            return try .json(PassengerList(passengers: profile.passengers))
        }

        table.add(.put, "/v1/me/passengers", access: .signedIn) { request, context in
            let list = try await body.decode(PassengerList.self, from: request, context: context)
            let customerId = try context.authenticated().customerId
            let command = UpdateCustomer(customerId: customerId, passengers: list.passengers)
            return try await send(command, subject: customerId, statusURL: "/v1/me/passengers", request: request, context: context) { message in
                guard message.carries(CustomerUpdated.self) else { return try unexpectedOutcome(message) }
                return try .json(PassengerList(passengers: try message.data(as: CustomerUpdated.self).passengers))
            }
        }

        table.add(.get, "/v1/me/subscriptions", access: .signedIn) { _, context in
            try .json(try await ask(ListSubscriptions(customerId: try context.authenticated().customerId), context))
        }

        table.add(.post, "/v1/me/subscriptions", access: .signedIn) { request, context in
            let subscription = try await body.decode(SubscriptionRequest.self, from: request, context: context)
            let customerId = try context.authenticated().customerId
            do {
                _ = try await ask(GetFlight(flightId: subscription.flightId), context)
            } catch let error as QueryError where error.kind == .notFound {
                throw Problem.unprocessable("flightId: no flight \(subscription.flightId.lowercasedString)", field: "flightId")
            }
            let command = CreateSubscription(subscriptionId: UUID(), customerId: customerId, flightId: subscription.flightId)
            return try await send(command, subject: customerId, statusURL: "/v1/me/subscriptions", request: request, context: context) { message in
                try outcome(message, is: SubscriptionCreated.self, status: .created, headers: [.location: "/v1/me/subscriptions"])
                    ?? unexpectedOutcome(message)
            }
        }

        table.add(.delete, "/v1/me/subscriptions/:flightId", access: .signedIn) { request, context in
            let flightId = try uuid("flightId", context)
            let customerId = try context.authenticated().customerId
            let command = DeleteSubscription(customerId: customerId, flightId: flightId)
            return try await send(command, subject: customerId, statusURL: "/v1/me/subscriptions", request: request, context: context) { message in
                try outcome(message, is: SubscriptionDeleted.self) ?? unexpectedOutcome(message)
            }
        }
    }
}
