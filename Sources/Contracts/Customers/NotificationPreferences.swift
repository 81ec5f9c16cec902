import Fleet

// How a customer wants to hear from the fleet: the rules of the preferences that their schemas
// (Schemas/customers/) cannot express.

/// Which channels each kind of notice takes.
extension NotificationPreferences {
    /// What a customer has who never chose, and what every customer had before they could: email
    /// for every kind of notice.
    public static let emailOnly = NotificationPreferences(confirmations: [.email], reminders: [.email], flightChanges: [.email])

    /// Checks that no list names a channel twice; `path` is where the preferences sit.
    public func validate(at path: String) throws {
        try NotificationChannel.checkList(confirmations, field: "\(path).confirmations")
        try NotificationChannel.checkList(reminders, field: "\(path).reminders")
        try NotificationChannel.checkList(flightChanges, field: "\(path).flightChanges")
    }

    /// These preferences with `change` applied: the kinds it names take its channels.
    public func applying(_ change: NotificationPreferencesChange) -> NotificationPreferences {
        NotificationPreferences(confirmations: change.confirmations ?? confirmations,
                                reminders: change.reminders ?? reminders,
                                flightChanges: change.flightChanges ?? flightChanges)
    }

    /// Preferences as a context keeps them: one text array of channel names per kind.
    public init(storedConfirmations confirmations: [String], reminders: [String], flightChanges: [String]) throws {
        func channels(_ names: [String]) throws -> [NotificationChannel] {
            try names.map { name in
                guard let channel = NotificationChannel(rawValue: name) else {
                    throw FleetError("unknown notification channel '\(name)' in a stored preference")
                }
                return channel
            }
        }
        self.init(confirmations: try channels(confirmations), reminders: try channels(reminders), flightChanges: try channels(flightChanges))
    }

    /// Whether some kind of notice goes by `channel`.
    public func uses(_ channel: NotificationChannel) -> Bool {
        confirmations.contains(channel) || reminders.contains(channel) || flightChanges.contains(channel)
    }

    /// The kinds of notice that go by `channel`, as their fields are named.
    public func kinds(using channel: NotificationChannel) -> [String] {
        [("confirmations", confirmations), ("reminders", reminders), ("flightChanges", flightChanges)]
            .filter { $0.1.contains(channel) }.map(\.0)
    }
}

/// The kinds of notice whose channels change.
extension NotificationPreferencesChange {
    public func validate(at path: String) throws {
        guard confirmations != nil || reminders != nil || flightChanges != nil else {
            throw ValidationError(field: path, "must name at least one of confirmations, reminders and flightChanges")
        }
        if let confirmations { try NotificationChannel.checkList(confirmations, field: "\(path).confirmations") }
        if let reminders { try NotificationChannel.checkList(reminders, field: "\(path).reminders") }
        if let flightChanges { try NotificationChannel.checkList(flightChanges, field: "\(path).flightChanges") }
    }
}

extension NotificationChannel {
    static func checkList(_ channels: [NotificationChannel], field: String) throws {
        var seen = Set<NotificationChannel>()
        for (index, channel) in channels.enumerated() where !seen.insert(channel).inserted {
            throw ValidationError(field: "\(field)[\(index)]", "names \(channel.rawValue) a second time; name each channel once")
        }
    }
}
