@testable import Bookings
import Contracts
import Fleet
import Foundation
import XCTest

/// The saga's transitions, the refund policy, record locators, ticket numbers and request
/// fingerprints: pure Swift, no broker, no database.
final class SagaTransitionTests: XCTestCase {
    private func step(_ state: BookingState, captured: Int? = nil, _ input: SagaInput) -> SagaStep {
        BookingSaga.step(from: state, captured: captured, on: input)
    }

    func testTheHappyPathHoldsChargesConfirms() {
        XCTAssertEqual(step(.requested, .seatsHeld), SagaStep(next: .seatsHeld, commands: [.chargePayment]))
        XCTAssertEqual(step(.seatsHeld, .paymentCaptured(amount: 900)),
                       SagaStep(next: .paid, commands: [.confirmSeats], capture: 900))
        XCTAssertEqual(step(.paid, captured: 900, .seatsConfirmed), SagaStep(next: .confirmed))
    }

    func testHoldRefusalsFailTheBookingWithTheirReasonAndHoldNothing() {
        XCTAssertEqual(step(.requested, .holdRejected(.soldOut)).failure, .soldOut)
        XCTAssertEqual(step(.requested, .holdRejected(.seatTaken)).failure, .seatTaken)
        XCTAssertEqual(step(.requested, .holdRejected(.flightCancelled)).failure, .flightUnavailable)
        XCTAssertEqual(step(.requested, .holdRejected(.soldOut)).commands, [])
        XCTAssertEqual(step(.requested, .holdRejected(.seatNotInCabin, seats: ["3D", "3F"])).failure, .seatNotInCabin)
        XCTAssertEqual(step(.requested, .holdRejected(.seatNotInCabin, seats: ["3D", "3F"])).detail, "3D,3F")
        XCTAssertEqual(step(.requested, .holdRejected(.flightDeparted)).detail, "flight-departed")
    }

    func testPaymentFailuresReleaseTheSeats() {
        let declined = step(.seatsHeld, .paymentDeclined(.insufficientFunds))
        XCTAssertEqual(declined.next, .failed)
        XCTAssertEqual(declined.failure, .paymentDeclined)
        XCTAssertEqual(declined.detail, "insufficient-funds")
        XCTAssertEqual(declined.commands, [.releaseSeats(includeSold: false)])
        let unavailable = step(.seatsHeld, .paymentFailed)
        XCTAssertEqual(unavailable.failure, .paymentUnavailable)
        XCTAssertEqual(unavailable.commands, [.releaseSeats(includeSold: false)])
    }

    func testAConfirmationFailingAfterPaymentRefundsAndReleases() {
        let expired = step(.paid, captured: 900, .confirmRejected(.holdExpired))
        XCTAssertEqual(expired.next, .expired)
        XCTAssertEqual(expired.commands, [.refund(amount: 900), .releaseSeats(includeSold: false)])
        let cancelled = step(.paid, captured: 900, .confirmRejected(.flightCancelled))
        XCTAssertEqual(cancelled.failure, .seatConfirmationFailed)
        XCTAssertEqual(cancelled.commands, [.refund(amount: 900), .releaseSeats(includeSold: false)])
    }

    func testAHoldThatExpiresBeforePaymentExpiresTheBookingAndALatePaymentIsRefunded() {
        XCTAssertEqual(step(.seatsHeld, .holdExpired), SagaStep(next: .expired))
        let late = step(.expired, .paymentCaptured(amount: 900))
        XCTAssertNil(late.next, "a late answer never overwrites the state")
        XCTAssertEqual(late.capture, 900)
        XCTAssertEqual(late.commands, [.refund(amount: 900)])
        let again = step(.expired, captured: 900, .paymentCaptured(amount: 900))
        XCTAssertEqual(again.commands, [], "refunded once")
        for state in [BookingState.failed, .cancelled] {
            XCTAssertEqual(step(state, .paymentCaptured(amount: 5)).commands, [.refund(amount: 5)], "\(state)")
        }
    }

    func testSeatsHeldAfterTheBookingEndedAreReleased() {
        for state in [BookingState.failed, .expired, .cancelled] {
            let late = step(state, .seatsHeld)
            XCTAssertNil(late.next)
            XCTAssertEqual(late.commands, [.releaseSeats(includeSold: true)])
        }
    }

    func testDuplicatesAndStrayAnswersChangeNothing() {
        let cases: [(BookingState, SagaInput)] = [
            (.seatsHeld, .seatsHeld), (.paid, .paymentCaptured(amount: 1)), (.confirmed, .seatsConfirmed),
            (.confirmed, .seatsHeld), (.confirmed, .paymentCaptured(amount: 1)), (.confirmed, .holdExpired),
            (.confirmed, .timedOut), (.requested, .paymentCaptured(amount: 1)), (.failed, .holdRejected(.soldOut)),
            (.cancelled, .flightCancelled), (.expired, .seatsConfirmed),
        ]
        for (state, input) in cases {
            let result = step(state, captured: state == .paid || state == .confirmed ? 1 : nil, input)
            XCTAssertNil(result.next, "\(state) + \(input)")
            XCTAssertEqual(result.commands, [], "\(state) + \(input)")
            XCTAssertNotNil(result.ignored, "\(state) + \(input)")
        }
    }

    func testTimeoutsGiveUpOnTheStepAndCompensate() {
        XCTAssertEqual(step(.requested, .timedOut).commands, [.releaseSeats(includeSold: false)])
        XCTAssertEqual(step(.requested, .timedOut).failure, .timedOut)
        XCTAssertEqual(step(.seatsHeld, .timedOut).next, .expired)
        XCTAssertEqual(step(.paid, captured: 7, .timedOut).commands, [.refund(amount: 7), .releaseSeats(includeSold: true)])
    }

    func testCancellationRefundsWhatThePolicyAllowsAndReleasesSoldSeats() {
        let confirmed = step(.confirmed, captured: 900, .cancel(.customer, refund: 850))
        XCTAssertEqual(confirmed.next, .cancelled)
        XCTAssertEqual(confirmed.cancellation, .customerRequest)
        XCTAssertEqual(confirmed.commands, [.refund(amount: 850), .releaseSeats(includeSold: true)])
        XCTAssertEqual(step(.confirmed, captured: 900, .cancel(.agent, refund: 0)).commands, [.releaseSeats(includeSold: true)])
        XCTAssertEqual(step(.confirmed, captured: 900, .cancel(.agent, refund: 0)).cancellation, .agentRequest)
        XCTAssertEqual(step(.confirmed, captured: 900, .cancel(.customer, refund: 5000)).commands.first, .refund(amount: 900),
                       "never more than was charged")
        XCTAssertEqual(step(.seatsHeld, .cancel(.customer, refund: 0)).commands, [.releaseSeats(includeSold: true)])
        XCTAssertEqual(step(.paid, captured: 900, .cancel(.customer, refund: 0)).commands,
                       [.refund(amount: 900), .releaseSeats(includeSold: true)], "unconfirmed: everything back")
        XCTAssertEqual(step(.cancelled, .cancel(.customer, refund: 0)).cancelRejection, .alreadyCancelled)
        XCTAssertEqual(step(.failed, .cancel(.customer, refund: 0)).cancelRejection, .notCancellable)
    }

    func testAFlightCancellationRefundsInFull() {
        let confirmed = step(.confirmed, captured: 900, .flightCancelled)
        XCTAssertEqual(confirmed.cancellation, .flightCancelled)
        XCTAssertEqual(confirmed.commands, [.refund(amount: 900), .releaseSeats(includeSold: true)])
        XCTAssertEqual(step(.seatsHeld, .flightCancelled).commands, [.releaseSeats(includeSold: true)])
    }
}

final class BookingRulesTests: XCTestCase {
    func testTheRefundPolicy() {
        let policy = RefundPolicy.standard
        let departure = Date(timeIntervalSince1970: 2_000_000_000)
        XCTAssertEqual(policy.refund(paid: 90_000, departure: departure, now: departure.addingTimeInterval(-48 * 3600)), 90_000)
        XCTAssertEqual(policy.refund(paid: 90_000, departure: departure, now: departure.addingTimeInterval(-24 * 3600)), 90_000)
        XCTAssertEqual(policy.refund(paid: 90_000, departure: departure, now: departure.addingTimeInterval(-24 * 3600 + 1)), 85_000)
        XCTAssertEqual(policy.refund(paid: 3_000, departure: departure, now: departure.addingTimeInterval(-60)), 0)
        XCTAssertEqual(policy.refund(paid: 90_000, departure: departure, now: departure), 0)
        XCTAssertEqual(policy.refund(paid: 90_000, departure: nil, now: departure), 90_000)
    }

    func testRecordLocatorsUseTheUnambiguousAlphabet() {
        var generator = SystemRandomNumberGenerator()
        let locators = (0..<2000).map { _ in RecordLocator.generate(using: &generator) }
        XCTAssertTrue(locators.allSatisfy(RecordLocator.isValid))
        XCTAssertTrue(locators.allSatisfy { $0.count == 6 })
        XCTAssertFalse(locators.joined().contains { "IL0O1".contains($0) })
        XCTAssertGreaterThan(Set(locators).count, 1990)
        XCTAssertFalse(RecordLocator.isValid("K7WQ2O"))
        XCTAssertFalse(RecordLocator.isValid("k7wq2m"))
    }

    func testTicketNumbersAreThirteenDigitsWithACheckDigit() {
        XCTAssertEqual(TicketNumber.make(serial: 1), "9990000000013")
        XCTAssertEqual(TicketNumber.make(serial: 2), "9990000000024")
        XCTAssertEqual(TicketNumber.make(serial: 123_456_789).count, 13)
        XCTAssertTrue(TicketNumber.isValid(TicketNumber.make(serial: 987_654)))
        XCTAssertFalse(TicketNumber.isValid("9990000000014"))
        XCTAssertFalse(TicketNumber.isValid("999000000001"))
    }

    func testTheFingerprintIgnoresTheBookingIdButNotTheRequest() throws {
        let request = CreateBooking(bookingId: UUID(), customerId: UUID(), flightId: UUID(), cabin: .economy,
                                    passengers: SchemaTests.passengers, contactEmail: "Ana@Example.com",
                                    paymentToken: "tok_visa", idempotencyKey: "k")
        var retry = request
        retry.bookingId = UUID()
        retry.contactEmail = "ana@example.com"
        XCTAssertEqual(try BookingFingerprint.of(request), try BookingFingerprint.of(retry))
        var other = retry
        other.passengers[1].seat = "12C"
        XCTAssertNotEqual(try BookingFingerprint.of(request), try BookingFingerprint.of(other))
    }

    func testAFingerprintStaysWhatItWasWhenStored() throws {
        let request = CreateBooking(bookingId: UUID(uuidString: "6f1c1e2a-0b7d-4c3e-9a55-2d4f8e6b1a01")!,
                                    customerId: UUID(uuidString: "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a")!,
                                    flightId: UUID(uuidString: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d")!, cabin: .economy,
                                    passengers: SchemaTests.passengers, contactEmail: "Ana@Example.com",
                                    paymentToken: "tok_visa", idempotencyKey: "k")
        XCTAssertEqual(try BookingFingerprint.of(request), "7008d7ecd610b2c589e3f33c3304c7fef2badf409851bca5a3dbe6c79700a998")
    }

    func testACabinTheFleetDoesNotHaveIsRefusedWhenTheRequestIsRead() throws {
        var request = try JSONSerialization.jsonObject(with: FleetJSON.encoder().encode(CreateBooking(
            bookingId: UUID(), customerId: UUID(), flightId: UUID(), cabin: .economy, passengers: SchemaTests.passengers,
            contactEmail: "ana@example.com", paymentToken: "tok_visa"))) as! [String: Any]
        request["cabin"] = "cargo"
        let document = try JSONSerialization.data(withJSONObject: request)
        XCTAssertThrowsError(try FleetJSON.decoder().decode(CreateBooking.self, from: document)) { error in
            let (field, reason) = describeDecodingFailure(error, document: document)
            XCTAssertEqual(field, "data.cabin")
            XCTAssertEqual(reason, #"must be one of first, business, premium-economy, economy, got "cargo""#)
        }
    }

    func testABookingRequestNamesItsBadField() {
        func field(_ change: (inout CreateBooking) -> Void) -> String? {
            var request = CreateBooking(bookingId: UUID(), customerId: UUID(), flightId: UUID(), cabin: .economy,
                                        passengers: SchemaTests.passengers, contactEmail: "ana@example.com",
                                        paymentToken: "tok_visa")
            change(&request)
            do {
                try request.validate()
                return nil
            } catch {
                return (error as? ValidationError)?.field
            }
        }
        XCTAssertNil(field { _ in })
        XCTAssertEqual(field { $0.passengers = [] }, "passengers")
        XCTAssertEqual(field { $0.passengers = Array(repeating: SchemaTests.passengers[0], count: 10) }, "passengers")
        XCTAssertEqual(field { $0.passengers[1].lastName = " " }, "passengers[1].lastName")
        XCTAssertEqual(field { $0.passengers[0].dateOfBirth = "2999-01-01" }, "passengers[0].dateOfBirth")
        XCTAssertEqual(field { $0.passengers[1].seat = "12" }, "passengers[1].seat")
        XCTAssertEqual(field { $0.passengers[1].seat = nil }, "passengers[1].seat")
        XCTAssertEqual(field { $0.passengers[1].seat = "12A" }, "passengers[1].seat")
        XCTAssertEqual(field { $0.contactEmail = "ana" }, "contactEmail")
        XCTAssertEqual(field { $0.paymentToken = "4111111111111111" }, "paymentToken")
        XCTAssertEqual(field { $0.idempotencyKey = "" }, "idempotencyKey")
        XCTAssertEqual(field { $0.idempotencyKey = "with space" }, "idempotencyKey")
    }
}
