import Contracts
import Fleet
import Foundation
import Hummingbird

/// Finding a booking by its record locator (PNR) or id.
extension Console {
    func registerBookings(on group: RouterGroup<Context>) {
        group.get("bookings", use: page { request, context, session in
            var values: [String: Any] = ["page": "bookings"]
            guard let reference = request.uri.queryParameters["q"].map({ String($0).trimmingCharacters(in: .whitespaces) }),
                  !reference.isEmpty else {
                return pages.page("bookings", title: "Bookings", session: session, current: "bookings", values: values)
            }
            values["q"] = reference
            let query: GetBooking
            if let id = UUID(uuidString: reference) {
                query = GetBooking(bookingId: id)
            } else {
                query = GetBooking(pnr: reference.uppercased())
                guard (try? query.validate()) != nil else {
                    values["error"] = "Search by a 6-character record locator (PNR) or a booking id (UUID)."
                    return pages.page("bookings", title: "Bookings", session: session, current: "bookings", values: values, status: .badRequest)
                }
            }
            do {
                let booking = try await routes.ask(query, context).booking
                values["booking"] = Self.details(of: booking)
                context.logger.info("console: booking looked up", metadata: ["user": "\(session.who)", "booking": "\(booking.bookingId)"])
            } catch let error as QueryError where error.kind == .notFound {
                values["error"] = "No booking \(reference)."
            }
            return pages.page("bookings", title: "Bookings", session: session, current: "bookings", values: values)
        })
    }

    static func details(of booking: BookingView) -> [String: Any] {
        func money(_ amount: Int?) -> String {
            guard let amount else { return "–" }
            return "\(amount / 100).\(String(format: "%02d", amount % 100)) \(booking.currency ?? "")"
        }
        var details: [String: Any] = [
            "bookingId": booking.bookingId.lowercasedString, "pnr": booking.pnr ?? "–", "state": booking.state.rawValue,
            "flightId": booking.flightId.lowercasedString, "cabin": booking.cabin.rawValue, "email": booking.contactEmail,
            "customerId": booking.customerId.lowercasedString, "total": money(booking.total), "charged": money(booking.charged),
            "createdAt": FleetRow.time(booking.createdAt), "updatedAt": FleetRow.time(booking.updatedAt),
            "passengers": booking.passengers.map { passenger in
                ["name": "\(passenger.firstName) \(passenger.lastName)", "dateOfBirth": passenger.dateOfBirth,
                 "seat": passenger.seat ?? "–", "ticket": passenger.ticketNumber ?? "–"]
            },
        ]
        let reason = [booking.reason, booking.detail].compactMap { $0 }.joined(separator: ": ")
        if !reason.isEmpty { details["reason"] = reason }
        return details
    }
}
