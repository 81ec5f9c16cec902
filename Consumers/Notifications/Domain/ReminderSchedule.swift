import Contracts
import Foundation

/// When a confirmed booking's reminders fall due: 24 hours and 2 hours before departure, each
/// only while that moment is still ahead (a booking made 5 hours before departure gets the
/// 2-hour reminder alone).
public enum ReminderSchedule {
    public static let leads: [(NotificationKind, TimeInterval)] = [
        (.reminder24h, 24 * 3600),
        (.reminder2h, 2 * 3600),
    ]

    /// Every reminder of a flight departing then; a booking is owed those still ahead when it is
    /// confirmed (`Reminders.schedule` keeps them by the notifications clock).
    public static func owed(departure: Date) -> [(kind: NotificationKind, dueAt: Date)] {
        leads.map { (kind: $0.0, dueAt: departure.addingTimeInterval(-$0.1)) }
    }

    public static func hoursBefore(_ kind: NotificationKind) -> Int? {
        leads.first { $0.0 == kind }.map { Int($0.1 / 3600) }
    }
}
