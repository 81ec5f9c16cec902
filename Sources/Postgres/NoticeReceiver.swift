import CLibPQ
import Logging

/// Routes server notices (RAISE NOTICE, "relation already exists, skipping", WARNINGs) to the
/// connection's logger. libpq's default prints them on stderr, where a headless process's log
/// pipeline would lose their level and context.
///
/// libpq calls back with a bare context pointer; the connection keeps this object alive for as
/// long as the PGconn exists, so the pointer is never dangling.
final class NoticeReceiver {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    func install(on connection: OpaquePointer) {
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = PQsetNoticeReceiver(connection, { context, result in
            guard let context, let result else { return }
            Unmanaged<NoticeReceiver>.fromOpaque(context).takeUnretainedValue().receive(result)
        }, context)
    }

    private func receive(_ result: OpaquePointer) {
        func field(_ code: Character) -> String? {
            guard let value = PQresultErrorField(result, Int32(code.asciiValue!)) else { return nil }
            return String(cString: value)
        }
        let severity = field("V") ?? field("S") ?? "NOTICE"
        let level: Logger.Level
        switch severity {
        case "WARNING": level = .warning
        case "NOTICE": level = .notice
        case "INFO": level = .info
        default: level = .debug  // DEBUG1…5 and LOG, only seen when client_min_messages asks for them
        }
        var metadata: Logger.Metadata = ["postgres.severity": "\(severity)"]
        if let code = field("C") { metadata["postgres.sqlstate"] = "\(code)" }
        if let detail = field("D") { metadata["postgres.detail"] = "\(detail)" }
        if let hint = field("H") { metadata["postgres.hint"] = "\(hint)" }
        if let context = field("W") { metadata["postgres.context"] = "\(context)" }
        let message = field("M") ?? LibPQ.message(PQresultErrorMessage(result)) ?? "(empty notice)"
        logger.log(level: level, "PostgreSQL \(severity): \(message)", metadata: metadata)
    }
}
