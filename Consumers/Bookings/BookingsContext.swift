import Contracts
import Fleet
import Foundation
import Postgres

/// The Bookings bounded context: the booking saga as a process manager. It holds seats with
/// flights, charges with payments, confirms the seats, and compensates on every way out.
public enum BookingsContext {
    public static let name = "bookings"

    public static func definition(settings: BookingSettings = BookingSettings()) -> ContextDefinition {
        let saga = SagaRunner(settings: settings)
        let answers = SagaHandlers(saga: saga)
        let cancellations = CancellationHandlers(saga: saga)
        var registry = HandlerRegistry(context: name)
        registry.handle(CreateBooking.self, CreateBookingHandler(settings: settings).handle)
        registry.handle(CancelBooking.self, cancellations.cancel)

        // The events the saga follows; registering them binds them to the bookings queue.
        registry.handle(SeatsHeld.self, answers.seatsHeld)
        registry.handle(SeatsHoldRejected.self, answers.holdRejected)
        registry.handle(SeatsHoldExpired.self, answers.holdExpired)
        registry.handle(SeatsConfirmed.self, answers.seatsConfirmed)
        registry.handle(SeatsConfirmRejected.self, answers.confirmRejected)
        registry.handle(PaymentCaptured.self, answers.paymentCaptured)
        registry.handle(PaymentDeclined.self, answers.paymentDeclined)
        registry.handle(PaymentFailed.self, answers.paymentFailed)
        registry.handle(PaymentRefunded.self, answers.paymentRefunded)
        registry.handle(PaymentRefundFailed.self, answers.refundFailed)
        registry.handle(FlightCancelled.self, cancellations.flightCancelled)
        registry.handle(FlightDelayed.self, cancellations.flightDelayed)

        registry.answer(GetBooking.self, BookingQueries.get)
        registry.answer(ListBookings.self, BookingQueries.list)
        registry.answer(CheckBookingRequest.self, BookingQueries.checkRequest)

        registry.schedule("saga-timeouts", every: settings.timeoutSweepInterval) { context in
            try SagaTimeouts.sweep(saga, context)
        }
        return ContextDefinition(registry: registry, migrations: migrations()).withReadAhead(BookingsReadAhead.load)
    }

    /// The context's SQL migrations, shipped as the target's resources.
    public static func migrations() -> [Migration] {
        Migration.shipped(in: .module, by: "Bookings")
    }
}
