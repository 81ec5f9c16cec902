import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// The console's HTML, rendered from the Mustache templates in Templates/ (which escape every
/// value), and its script and style sheet from Assets/, all read from the binary's resources once.
struct ConsolePages: Sendable {
    private let library: MustacheLibrary
    private let assets: [String: Asset]

    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
    }

    struct MissingResource: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        guard let templates = Bundle.module.url(forResource: "Templates", withExtension: nil),
              let assetFolder = Bundle.module.url(forResource: "Assets", withExtension: nil) else {
            throw MissingResource(description: "the console's Templates and Assets are not among the ingress's resources")
        }
        var library = MustacheLibrary()
        for file in try FileManager.default.contentsOfDirectory(atPath: templates.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: templates.appendingPathComponent(file), encoding: .utf8)
            try library.register(text, named: String(file.dropLast(".mustache".count)))
        }
        self.library = library
        var assets: [String: Asset] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: assetFolder.path) {
            let type = file.hasSuffix(".js") ? "text/javascript; charset=utf-8"
                : file.hasSuffix(".css") ? "text/css; charset=utf-8" : "application/octet-stream"
            let data = try Data(contentsOf: assetFolder.appendingPathComponent(file))
            assets[file] = Asset(body: ByteBuffer(bytes: data), contentType: type)
        }
        self.assets = assets
    }

    /// The page `template` with `values`, and the session's user and CSRF token for the layout.
    func page(_ template: String, title: String, session: ConsoleSession?, current: String? = nil,
              values: [String: Any] = [:], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var values = values
        values["title"] = title
        if let session {
            values["session"] = ["who": session.who, "role": session.role, "csrf": session.csrfToken]
            values["csrf"] = session.csrfToken
        }
        if let current { values["nav_\(current)"] = true }
        let html = library.render(values, withTemplate: template) ?? "template \(template) is missing"
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func asset(_ name: String) -> Response? {
        guard let asset = assets[name] else { return nil }
        // Names do not change with the content, so browsers ask again after an hour at most.
        return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "max-age=3600"],
                        body: .init(byteBuffer: asset.body))
    }

    /// 303 to `location`: after a form, the browser loads the next page with GET.
    static func redirect(to location: String, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }
}
