import Contracts
import Foundation
import Mustache

/// The rendered parts of one email.
public struct RenderedEmail: Sendable, Equatable {
    public var subject: String
    public var text: String
    public var html: String
}

/// The email templates (Templates/*.mustache, shipped as resources): for each kind a subject,
/// a text and an HTML body, the bodies filling the blocks of a shared layout.
public struct NotificationTemplates: Sendable {
    private let library: MustacheLibrary

    public init() throws {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw TemplateError("the email templates are missing from the resources bundle; ship airfleet_Notifications.resources beside the binary")
        }
        var library = MustacheLibrary()
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mustache") }
        for file in files {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            do {
                try library.register(text, named: String(file.dropLast(".mustache".count)))
            } catch {
                throw TemplateError("template \(file) does not parse: \(error)")
            }
        }
        for kind in NotificationKind.allCases {
            for part in ["subject", "text", "html"] where library.getTemplate(named: "\(kind.rawValue).\(part)") == nil {
                throw TemplateError("template \(kind.rawValue).\(part).mustache is missing")
            }
        }
        self.library = library
    }

    public func render(_ kind: NotificationKind, _ model: [String: Any]) throws -> RenderedEmail {
        func part(_ name: String) throws -> String {
            guard let text = library.render(model, withTemplate: "\(kind.rawValue).\(name)") else {
                throw TemplateError("template \(kind.rawValue).\(name) is missing")
            }
            return text
        }
        let subject = try part("subject").split(whereSeparator: \.isNewline).joined(separator: " ").trimmingWhitespace()
        var model = model
        model["subject"] = subject
        let text = library.render(model, withTemplate: "\(kind.rawValue).text") ?? ""
        let html = library.render(model, withTemplate: "\(kind.rawValue).html") ?? ""
        return RenderedEmail(subject: subject, text: Self.tidy(text), html: html.trimmingWhitespace() + "\n")
    }

    /// Trims the blank lines that standalone tags leave at either end and lets no more than one
    /// blank line stand in a row.
    ///
    /// Lines are cut on UTF-8 bytes, and a line of ASCII blanks is known blank without looking at
    /// its characters: this runs over every email's whole text.
    static func tidy(_ text: String) -> String {
        func isBlank(_ line: Substring) -> Bool {
            line.utf8.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
                || (line.utf8.contains { $0 >= 0x80 } && line.allSatisfy(\.isWhitespace))
        }
        var lines: [Substring] = []
        for bytes in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let line = Substring(bytes)
            let blank = isBlank(line)
            if blank, lines.last.map(\.isEmpty) ?? true { continue }
            lines.append(blank ? "" : line)
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        return lines.joined(separator: "\n") + "\n"
    }
}

public struct TemplateError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
