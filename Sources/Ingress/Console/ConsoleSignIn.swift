import Contracts
import Crypto
import Fleet
import Foundation
import Hummingbird

/// Sign-in with an existing agent or admin account, and sign-out.
extension Console {
    func registerSignIn(on group: RouterGroup<Context>) {
        group.get { request, _ in
            await sessions.session(of: request) == nil ? ConsolePages.redirect(to: "/console/sign-in") : ConsolePages.redirect(to: "/console/fleet")
        }

        group.get("sign-in") { request, _ in
            if await sessions.session(of: request) != nil { return ConsolePages.redirect(to: "/console/fleet") }
            return signInPage(request)
        }

        group.post("sign-in") { request, context in
            let form = try await ConsoleForm(request)
            let nonce = request.cookies[ConsoleSession.signInCookieName]?.value ?? ""
            guard !nonce.isEmpty, sessions.checkCSRF(form["csrf"], for: "sign-in:" + nonce) else {
                context.logger.notice("console: sign-in refused, CSRF token missing or wrong")
                return signInPage(request, error: "This sign-in form had expired or did not come from the console; here is a fresh one.",
                                  status: .forbidden)
            }
            let email = form.text("email") ?? ""
            let login = CustomerLogin(email: email, password: form["password"] ?? "")
            let identity: CustomerIdentity
            do {
                // An email or password no account can have is refused like a wrong one.
                guard (try? login.validate()) != nil else { throw QueryError(kind: .unauthorized, message: "invalid credentials") }
                identity = try await routes.ask(login, context)
            } catch let error as QueryError where error.kind == .unauthorized {
                context.logger.notice("console: sign-in refused, wrong email or password", metadata: ["email": "\(email)"])
                return signInPage(request, error: "The email or password is not right.", email: email, status: .unauthorized)
            } catch {
                context.logger.error("console: sign-in could not be checked", metadata: ["email": "\(email)", "error": "\(error)"])
                return signInPage(request, error: "Sign-in could not be checked just now (\(error)); try again shortly.", email: email,
                                  status: .serviceUnavailable)
            }
            guard !Set(identity.roles).isDisjoint(with: [.agent, .admin]) else {
                context.logger.notice("console: sign-in refused, not staff", metadata: ["user": "\(identity.email)"])
                return signInPage(request, error: "Customer accounts cannot sign in here: the console is for agents and admins.",
                                  status: .forbidden)
            }
            let issued = try await sessions.issue(for: identity)
            context.logger.notice("console: signed in", metadata: ["user": "\(identity.email)", "roles": "\(identity.roles.map(\.rawValue))"])
            var response = ConsolePages.redirect(to: "/console/fleet")
            response.setCookie(Self.cookie(ConsoleSession.cookieName, issued.accessToken, maxAge: sessions.lifetimeSeconds, request: request))
            response.setCookie(Self.cookie(ConsoleSession.signInCookieName, "", maxAge: 0, request: request))
            return response
        }

        group.post("sign-out", use: action("sign-out") { request, context, session, _ in
            await sessions.signOut(session)
            context.logger.notice("console: signed out", metadata: ["user": "\(session.who)"])
            var response = ConsolePages.redirect(to: "/console/sign-in")
            response.setCookie(Self.cookie(ConsoleSession.cookieName, "", maxAge: 0, request: request))
            return response
        })
    }

    /// The form, with a fresh random value in a cookie that its CSRF token is derived from.
    private func signInPage(_ request: Request, error: String? = nil, email: String = "", status: HTTPResponse.Status = .ok) -> Response {
        let nonce = Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }).base64URLEncodedString()
        var values: [String: Any] = ["csrf": sessions.csrfToken(for: "sign-in:" + nonce), "email": email, "page": "sign-in"]
        values["error"] = error
        var response = pages.page("sign-in", title: "Sign in", session: nil, values: values, status: status)
        response.setCookie(Self.cookie(ConsoleSession.signInCookieName, nonce, maxAge: 3600, request: request))
        return response
    }
}
