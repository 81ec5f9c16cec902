import Contracts
import Fleet
import Foundation
import HTTPDelivery
import Logging
import Postgres
import SMTP

/// The Notifications bounded context: follows bookings, flights and subscriptions, keeps what
/// it needs in its own schema, and writes emails through SMTP, at least once per delivery key
/// (and once, unless a sender dies inside its SMTP exchange).
public enum NotificationsContext {
    public static let name = "notifications"

    public struct Settings: Sendable {
        public var smtp: SMTPSettings
        /// How often each process looks for due reminders (`AIRFLEET_REMINDER_SWEEP_INTERVAL`).
        public var reminderSweepInterval: Duration
        /// Reminders one sweep takes at most.
        public var reminderBatch: Int
        /// How long an email may stay `sending` before its sender counts as dead and it is sent
        /// again (`AIRFLEET_EMAIL_RESEND_AFTER`); nil for `defaultResendAfter`.
        public var resendAfter: Duration?
        /// Where SMS go (`AIRFLEET_SMS_GATEWAY_URL`), and the secret that signs them
        /// (`AIRFLEET_SMS_GATEWAY_SECRET`); without a URL no SMS is sent.
        public var smsGatewayURL: String?
        public var smsGatewaySecret: WebhookSecret?
        /// Where push notices go (`AIRFLEET_PUSH_GATEWAY_URL`), one POST per device, and the
        /// secret that signs them (`AIRFLEET_PUSH_GATEWAY_SECRET`); without a URL none is sent.
        public var pushGatewayURL: String?
        public var pushGatewaySecret: WebhookSecret?
        /// How gateway deliveries go out: timeouts, and whether private addresses may be reached
        /// (`AIRFLEET_WEBHOOK_ALLOW_PRIVATE`).
        public var delivery: HTTPPoster.Settings

        public init(smtp: SMTPSettings = SMTPSettings(), reminderSweepInterval: Duration = .seconds(5), reminderBatch: Int = 50,
                    resendAfter: Duration? = nil, smsGatewayURL: String? = nil, smsGatewaySecret: WebhookSecret? = nil,
                    delivery: HTTPPoster.Settings = HTTPPoster.Settings()) {
            self.smtp = smtp
            self.reminderSweepInterval = reminderSweepInterval
            self.reminderBatch = reminderBatch
            self.resendAfter = resendAfter
            self.smsGatewayURL = smsGatewayURL
            self.smsGatewaySecret = smsGatewaySecret
            self.delivery = delivery
        }

        /// Four SMTP timeouts: a sender silent that long is not inside an exchange any more.
        public var defaultResendAfter: Duration { smtp.totalTimeout * 4 }
    }

    public static func definition(settings: Settings = Settings()) throws -> ContextDefinition {
        let logger = Logger(label: "airfleet.notifications")
        let ledger = DeliveryLedger(logger: logger, gracePeriod: settings.resendAfter ?? settings.defaultResendAfter)
        let directory = FlightDirectory(logger: logger)
        let postman = Postman(templates: try NotificationTemplates(), mailer: SMTPMailer(settings: settings.smtp), ledger: ledger)
        let messenger = GatewayMessenger(
            sms: settings.smsGatewayURL.map { GatewayMessenger.Gateway(url: $0, secret: settings.smsGatewaySecret) },
            push: settings.pushGatewayURL.map { GatewayMessenger.Gateway(url: $0, secret: settings.pushGatewaySecret) },
            poster: HTTPPoster(settings: settings.delivery), ledger: ledger)
        let notifier = Notifier(postman: postman, messenger: messenger, flights: directory)
        let bookings = BookingHandlers(notifier: notifier)
        let flights = FlightHandlers(notifier: notifier)

        var registry = HandlerRegistry(context: name)
        registry.handle(BookingConfirmed.self, bookings.confirmed)
        registry.handle(BookingCancelled.self, bookings.cancelled)
        registry.handle(BookingFailed.self, bookings.failed)
        registry.handle(BookingExpired.self, bookings.expired)
        registry.handle(FlightScheduled.self, flights.scheduled)
        registry.handle(FlightUpdated.self, flights.updated)
        registry.handle(FlightDelayed.self, flights.delayed)
        registry.handle(FlightGateChanged.self, flights.gateChanged)
        registry.handle(FlightCancelled.self, flights.cancelled)
        registry.handle(SubscriptionCreated.self, SubscriptionHandlers.created)
        registry.handle(SubscriptionDeleted.self, SubscriptionHandlers.deleted)
        registry.handle(CustomerRegistered.self, CustomerHandlers.registered)
        registry.handle(CustomerUpdated.self, CustomerHandlers.updated)
        registry.handle(DeviceRegistered.self, CustomerHandlers.deviceRegistered)
        registry.handle(DeviceUnregistered.self, CustomerHandlers.deviceUnregistered)
        registry.answer(ListNotifications.self, NotificationQueries.list)
        let batch = settings.reminderBatch
        registry.schedule("reminders", every: settings.reminderSweepInterval) { context in
            try Reminders.sendDue(notifier, batch: batch, context)
        }
        registry.schedule("in-doubt emails", every: settings.reminderSweepInterval) { context in
            try InDoubtEmails.resend(postman, batch: batch, context)
        }
        return ContextDefinition(registry: registry, migrations: migrations()).withStartup { configuration, _ in
            ledger.configure(try configuration.database(for: name), schema: configuration.schema(for: name))
            directory.configure(configuration)
        }.withBeforeBatch(bookings.sendConfirmationsAhead)
            .withConcurrentCalls(SMTPMailer.poolSize)
    }

    /// Reads the SMTP settings (`AIRFLEET_SMTP_*`), `AIRFLEET_REMINDER_SWEEP_INTERVAL`,
    /// `AIRFLEET_EMAIL_RESEND_AFTER`, the SMS and push gateways' (`AIRFLEET_SMS_GATEWAY_URL`,
    /// `AIRFLEET_PUSH_GATEWAY_URL` and their `_SECRET`s) and `AIRFLEET_WEBHOOK_ALLOW_PRIVATE`.
    public static func settings(_ reader: SettingsReader) throws -> Settings {
        var settings = Settings(smtp: try SMTPSettings.read(reader))
        settings.reminderSweepInterval = try reader.duration("AIRFLEET_REMINDER_SWEEP_INTERVAL", default: settings.reminderSweepInterval)
        let resendAfter = try reader.duration("AIRFLEET_EMAIL_RESEND_AFTER", default: settings.defaultResendAfter)
        guard resendAfter > settings.smtp.totalTimeout else {
            throw ConfigurationError(
                "AIRFLEET_EMAIL_RESEND_AFTER (\(formatDuration(resendAfter))) must be longer than the SMTP timeout "
                    + "(\(formatDuration(settings.smtp.totalTimeout))): an email still inside its SMTP exchange would be sent twice")
        }
        if reader.isSet("AIRFLEET_EMAIL_RESEND_AFTER") { settings.resendAfter = resendAfter }
        (settings.smsGatewayURL, settings.smsGatewaySecret) = try gateway("SMS", reader)
        (settings.pushGatewayURL, settings.pushGatewaySecret) = try gateway("PUSH", reader)
        settings.delivery.allowPrivateAddresses = try reader.boolean("AIRFLEET_WEBHOOK_ALLOW_PRIVATE", default: false)
        return settings
    }

    /// `AIRFLEET_<channel>_GATEWAY_URL` and `AIRFLEET_<channel>_GATEWAY_SECRET`.
    private static func gateway(_ channel: String, _ reader: SettingsReader) throws -> (String?, WebhookSecret?) {
        var url: String?, secret: WebhookSecret?
        if let text = reader.string("AIRFLEET_\(channel)_GATEWAY_URL") {
            if let problem = endpointURLProblem(text) { throw ConfigurationError("AIRFLEET_\(channel)_GATEWAY_URL \(problem)") }
            url = text
        }
        if let text = reader.string("AIRFLEET_\(channel)_GATEWAY_SECRET", secret: true) {
            do {
                secret = try WebhookSecret(text)
            } catch {
                throw ConfigurationError("AIRFLEET_\(channel)_GATEWAY_SECRET: \(error)")
            }
        }
        return (url, secret)
    }

    /// The context's SQL migrations, shipped as the target's resources.
    public static func migrations() -> [Migration] {
        Migration.shipped(in: .module, by: "Notifications")
    }
}
