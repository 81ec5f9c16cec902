import ArgumentParser
import Contracts
import Foundation
import Notifications
import SMTP

struct NotificationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notifications",
        abstract: "Look at the emails the notifications context sends.",
        subcommands: [PreviewCommand.self])

    struct PreviewCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "preview",
            abstract: "Render an email with sample data to stdout, without sending it.",
            discussion: "Kinds: \(NotificationKind.allCases.map(\.rawValue).joined(separator: ", ")).")

        enum Part: String, ExpressibleByArgument, CaseIterable {
            case all, subject, text, html
            /// The whole message as it goes to the SMTP server: headers, MIME parts, CRLF.
            case mime
        }

        @Argument(help: "The kind of email.", transform: { text in
            guard let kind = NotificationKind(rawValue: text) else {
                throw ArgumentParser.ValidationError("unknown kind '\(text)'; known: \(NotificationKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return kind
        })
        var kind: NotificationKind

        @Option(help: "What to print: \(Part.allCases.map(\.rawValue).joined(separator: ", ")).")
        var part: Part = .all

        func run() throws {
            let email = try NotificationTemplates().render(kind, SampleEmails.model(kind))
            switch part {
            case .subject: print(email.subject)
            case .text: print(email.text, terminator: "")
            case .html: print(email.html, terminator: "")
            case .all:
                print("Subject: \(email.subject)\n\n--- text ---\n\(email.text)\n--- html ---\n\(email.html)", terminator: "")
            case .mime:
                let message = MailMessage(from: MailAddress("no-reply@airfleet.local", name: "Airfleet"),
                                          to: MailAddress("zoe@example.com", name: "Zoë Ångström"), subject: email.subject,
                                          text: email.text, html: email.html,
                                          messageId: "\(kind.rawValue).1.preview@airfleet.local")
                FileHandle.standardOutput.write(message.rendered())
            }
        }
    }
}
