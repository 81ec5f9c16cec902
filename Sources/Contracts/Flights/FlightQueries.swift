import Fleet
import Foundation

/// Flights from `origin` to `destination` leaving on `date` as the calendar reads at the origin
/// airport, with at least `passengers` seats left in `cabin`. Only flights that can still be
/// booked are listed: cancelled flights and flights whose departure is not later than the
/// moment of the search are left out.
public struct SearchFlights: Query, Hashable {
    public static let messageType = MessageType("flight.search", version: 1)
    public static let maximumPageSize = 100

    public enum Sort: String, Codable, Sendable, CaseIterable {
        case price, departure
    }

    public var origin: String
    public var destination: String
    /// `YYYY-MM-DD`, in the origin airport's time zone.
    public var date: String
    public var passengers: Int
    public var cabin: Cabin
    public var sort: Sort?
    /// 1-based.
    public var page: Int?
    public var pageSize: Int?

    public init(origin: String, destination: String, date: String, passengers: Int = 1, cabin: Cabin = .economy,
                sort: Sort? = nil, page: Int? = nil, pageSize: Int? = nil) {
        self.origin = origin
        self.destination = destination
        self.date = date
        self.passengers = passengers
        self.cabin = cabin
        self.sort = sort
        self.page = page
        self.pageSize = pageSize
    }

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

    public struct Response: Codable, Sendable, Equatable {
        public var flights: [FlightOffer]
        public var page: Int
        public var pageSize: Int
        /// Matching flights over all pages.
        public var total: Int

        public init(flights: [FlightOffer], page: Int, pageSize: Int, total: Int) {
            self.flights = flights
            self.page = page
            self.pageSize = pageSize
            self.total = total
        }
    }
}

/// One search result: a flight with the price and seats left in the cabin asked for.
public struct FlightOffer: Codable, Sendable, Equatable {
    public var flightId: UUID
    public var number: String
    public var origin: String
    public var destination: String
    public var departure: Date
    public var arrival: Date
    /// The departure's date and time at the origin, `2026-12-01T18:30` (no offset).
    public var localDeparture: String
    public var status: String
    public var aircraftType: String
    public var cabin: Cabin
    /// The current price of one seat, in minor units of `currency`.
    public var pricePerPassenger: Int
    public var totalPrice: Int
    public var currency: String
    public var seatsLeft: Int

    public init(flightId: UUID, number: String, origin: String, destination: String, departure: Date, arrival: Date,
                localDeparture: String, status: String, aircraftType: String, cabin: Cabin, pricePerPassenger: Int,
                totalPrice: Int, currency: String, seatsLeft: Int) {
        self.flightId = flightId
        self.number = number
        self.origin = origin
        self.destination = destination
        self.departure = departure
        self.arrival = arrival
        self.localDeparture = localDeparture
        self.status = status
        self.aircraftType = aircraftType
        self.cabin = cabin
        self.pricePerPassenger = pricePerPassenger
        self.totalPrice = totalPrice
        self.currency = currency
        self.seatsLeft = seatsLeft
    }
}

public struct GetFlight: Query, Equatable {
    public static let messageType = MessageType("flight.get", version: 1)
    public var flightId: UUID
    public init(flightId: UUID) { self.flightId = flightId }

    public struct Response: Codable, Sendable, Equatable {
        public var flight: FlightSnapshot
        public var cabins: [CabinAvailability]
        public init(flight: FlightSnapshot, cabins: [CabinAvailability]) {
            self.flight = flight
            self.cabins = cabins
        }
    }
}

public struct CabinAvailability: Codable, Sendable, Equatable {
    public var cabin: Cabin
    public var seats: Int
    public var seatsLeft: Int
    public var baseFare: Int
    /// Base fare times the load-factor multiplier, now.
    public var currentPrice: Int
    public init(cabin: Cabin, seats: Int, seatsLeft: Int, baseFare: Int, currentPrice: Int) {
        self.cabin = cabin
        self.seats = seats
        self.seatsLeft = seatsLeft
        self.baseFare = baseFare
        self.currentPrice = currentPrice
    }
}

/// Every seat of a flight with its state.
public struct GetSeatMap: Query, Equatable {
    public static let messageType = MessageType("flight.seat-map", version: 1)
    public var flightId: UUID
    public init(flightId: UUID) { self.flightId = flightId }

    public struct Response: Codable, Sendable, Equatable {
        public var flightId: UUID
        public var aircraftType: String
        public var seats: [SeatState]
        public init(flightId: UUID, aircraftType: String, seats: [SeatState]) {
            self.flightId = flightId
            self.aircraftType = aircraftType
            self.seats = seats
        }
    }
}

public struct SeatState: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable, CaseIterable {
        case available, held, sold
    }
    public var seat: String
    public var row: Int
    public var letter: String
    public var cabin: Cabin
    public var state: State
    public init(seat: String, row: Int, letter: String, cabin: Cabin, state: State) {
        self.seat = seat
        self.row = row
        self.letter = letter
        self.cabin = cabin
        self.state = state
    }
}

public struct ListAirports: Query, Equatable {
    public static let messageType = MessageType("airport.list", version: 1)
    /// ISO 3166-1 alpha-2; all countries when absent.
    public var country: String?
    public init(country: String? = nil) { self.country = country }

    public func validate() throws {
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            throw ValidationError(field: "country", "must be an ISO 3166-1 alpha-2 code such as FR")
        }
    }

    public struct Response: Codable, Sendable, Equatable {
        public var airports: [Airport]
        public init(airports: [Airport]) { self.airports = airports }
    }
}

public struct Airport: Codable, Sendable, Equatable {
    public var code: String
    public var name: String
    public var city: String
    public var country: String
    /// IANA time zone, such as America/New_York.
    public var timeZone: String
    public var latitude: Double
    public var longitude: Double
    public init(code: String, name: String, city: String, country: String, timeZone: String, latitude: Double,
                longitude: Double) {
        self.code = code
        self.name = name
        self.city = city
        self.country = country
        self.timeZone = timeZone
        self.latitude = latitude
        self.longitude = longitude
    }
}
