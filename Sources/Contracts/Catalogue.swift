import Fleet

/// The public message catalogue: which context owns which commands and answers which queries.
///
/// The topology binds these from the start, so a command published before its context's
/// processes run waits in that context's queue instead of being lost. Events a context follows
/// are bound by that context's handler registry.
public enum Catalogue {
    public static let contexts: [ContextTopology] = [
        ContextTopology(
            name: "customers",
            commands: types("customer.register.v1", "customer.update.v1", "subscription.create.v1", "subscription.delete.v1"),
            queries: types("customer.login.v1", "customer.get.v1", "subscription.list.v1")),
        ContextTopology(
            name: "flights",
            commands: types("flight.schedule.v1", "flight.update.v1", "flight.delay.v1", "flight.change-gate.v1",
                            "flight.cancel.v1", "seats.hold.v1", "seats.release.v1", "seats.confirm.v1"),
            queries: types("flight.search.v1", "flight.get.v1", "flight.seat-map.v1", "airport.list.v1")),
        ContextTopology(
            name: "bookings",
            commands: types("booking.create.v1", "booking.cancel.v1"),
            queries: types("booking.get.v1", "booking.list.v1", "booking.check-request.v1")),
        ContextTopology(
            name: "payments",
            commands: types("payment.charge.v1", "payment.refund.v1"),
            queries: types("payment.get.v1")),
        ContextTopology(
            name: "notifications",
            queries: types("notification.list.v1")),
    ]

    public static var contextNames: [String] { contexts.map(\.name) }

    private static func types(_ names: String...) -> [MessageType] {
        names.map { MessageType(parsing: $0)! }
    }
}
