import Fleet
import Foundation

/// Flights from `origin` to `destination` leaving on `date` as the calendar reads at the origin
/// airport, with at least `passengers` seats left in `cabin`. Only flights that can still be
/// booked are listed: cancelled flights and flights whose departure is not later than the
/// moment of the search are left out.
extension SearchFlights {
    public static let maximumPageSize = 100

    public var effectiveSort: Sort { sort ?? .departure }
    public var effectivePage: Int { page ?? 1 }
    public var effectivePageSize: Int { pageSize ?? 20 }

    public func validate() throws {
        try FlightRules.airport(origin, field: "origin")
        try FlightRules.airport(destination, field: "destination")
        _ = try FlightRules.localDate(date, field: "date")
        guard (1...HoldSeats.maximumSeats).contains(passengers) else {
            throw ValidationError(field: "passengers", "must be 1 to \(HoldSeats.maximumSeats)")
        }
        if let page, !(1...10_000).contains(page) { throw ValidationError(field: "page", "must be 1 to 10000") }
        if let pageSize, !(1...Self.maximumPageSize).contains(pageSize) {
            throw ValidationError(field: "pageSize", "must be 1 to \(Self.maximumPageSize)")
        }
    }
}

extension ListAirports {
    public func validate() throws {
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            throw ValidationError(field: "country", "must be an ISO 3166-1 alpha-2 code such as FR")
        }
    }
}
