import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension IngressRoutes {
    /// `/console`: the operator console. Its routes are not in the route table, which lists the
    /// API that Schemas/openapi.yaml describes.
    func registerConsole(on table: RouteTable) {
        Console.register(on: table.router, routes: self)
    }
}

/// The operator console: pages for agents and admins, signed in with a session cookie.
struct Console: Sendable {
    typealias Context = IngressRequestContext
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    let routes: IngressRoutes
    let pages: ConsolePages
    let sessions: ConsoleSessions
    /// The fleet's figures and dead letters; nil with `unavailable` when the settings cannot be read.
    let figures: FleetFigures?
    let deadLetters: ConsoleDeadLetters?
    let unavailable: String?

    static func register(on router: Router<Context>, routes: IngressRoutes) {
        let logger = Logger(label: "airfleet.console")
        let group = router.group("console").add(middleware: ConsoleHeadersMiddleware())
        let pages: ConsolePages
        do {
            pages = try ConsolePages()
        } catch {
            logger.error("the console is unavailable", metadata: ["error": "\(error)"])
            group.get { _, _ in Response(status: .serviceUnavailable, body: .init(byteBuffer: .init(string: "The console is unavailable: \(error)"))) }
            return
        }
        var figures: FleetFigures?, deadLetters: ConsoleDeadLetters?, unavailable: String?
        switch ConsoleSettings.resolve(amqp: routes.configuration.amqp) {
        case .success(let settings):
            figures = FleetFigures(settings: settings, logger: logger)
            deadLetters = ConsoleDeadLetters(amqp: settings.fleet.amqp, contexts: settings.contexts, logger: logger)
        case .failure(let error):
            unavailable = "The fleet's settings cannot be read, so its figures cannot be shown: \(error)"
        }
        let console = Console(routes: routes, pages: pages, sessions: ConsoleSessions(secret: routes.configuration.jwtSecret, tokens: routes.tokens),
                              figures: figures, deadLetters: deadLetters, unavailable: unavailable)
        console.registerSignIn(on: group)
        console.registerFleet(on: group)
        console.registerDeadLetters(on: group)
        console.registerFlights(on: group)
        console.registerBookings(on: group)
        group.get("assets/:name") { _, context in
            guard let response = pages.asset(context.parameters.get("name") ?? "") else { return Response(status: .notFound) }
            return response
        }
    }

    // MARK: Guards

    /// A page for signed-in staff; anyone else is sent to the sign-in page.
    func page(_ handler: @escaping @Sendable (Request, Context, ConsoleSession) async throws -> Response) -> Handler {
        { request, context in
            guard let session = await sessions.session(of: request) else { return ConsolePages.redirect(to: "/console/sign-in") }
            do {
                return try await handler(request, context, session)
            } catch let error as ConsoleError {
                return message("Not possible", error.description, failed: true, session: session, status: .badRequest)
            } catch {
                context.logger.error("console: page failed", metadata: ["path": "\(request.uri.path)", "user": "\(session.who)", "error": "\(error)"])
                return message("Something went wrong", "\(error)", failed: true, session: session, status: .internalServerError)
            }
        }
    }

    /// A state-changing request: refused with 403 unless it comes from a signed-in session and
    /// carries that session's CSRF token (form field `csrf` or header `X-CSRF-Token`).
    func action(_ name: String, _ handler: @escaping @Sendable (Request, Context, ConsoleSession, ConsoleForm) async throws -> Response) -> Handler {
        { request, context in
            let form = try await ConsoleForm(request)
            guard let session = await sessions.session(of: request) else {
                context.logger.notice("console: refused, no session", metadata: ["action": "\(name)"])
                return message("Not signed in", "Your session has ended: sign in again.", failed: true, session: nil,
                               status: .forbidden, back: "/console/sign-in")
            }
            guard sessions.checkCSRF(form["csrf"] ?? request.headers[.csrfToken], for: "session:" + session.token) else {
                context.logger.notice("console: refused, CSRF token missing or wrong", metadata: ["action": "\(name)", "user": "\(session.who)"])
                return message("Refused", "This request did not come from a console page (its CSRF token is missing or wrong): reload the page and try again.",
                               failed: true, session: session, status: .forbidden)
            }
            do {
                return try await handler(request, context, session, form)
            } catch let error as ConsoleError {
                context.logger.notice("console: refused", metadata: ["action": "\(name)", "user": "\(session.who)", "reason": "\(error)"])
                return message("Not done", error.description, failed: true, session: session, status: .badRequest)
            } catch {
                context.logger.error("console: failed", metadata: ["action": "\(name)", "user": "\(session.who)", "error": "\(error)"])
                return message("Something went wrong", "\(error)", failed: true, session: session, status: .internalServerError)
            }
        }
    }

    func message(_ title: String, _ text: String, failed: Bool = false, session: ConsoleSession?,
                 status: HTTPResponse.Status = .ok, back: String? = nil) -> Response {
        var values: [String: Any] = ["message": text, "failed": failed]
        values["back"] = back
        return pages.page("message", title: title, session: session, values: values, status: status)
    }

    /// Whether the browser reached us over TLS, directly or through a proxy that says so.
    static func overTLS(_ request: Request) -> Bool {
        request.head.scheme == "https" || request.headers[.xForwardedProto]?.lowercased() == "https"
    }

    static func cookie(_ name: String, _ value: String, maxAge: Int, request: Request) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: ConsoleSession.path, secure: overTLS(request), httpOnly: true,
               sameSite: .strict)
    }
}

extension HTTPField.Name {
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
}
