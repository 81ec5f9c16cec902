import Fleet
import Foundation

/// What one drill client does over HTTP: sign a customer in, and book until the ingress
/// accepts or refuses the booking or its deadline passes.
struct DrillClient: Sendable {
    struct Customer: Sendable {
        let customerId: String
        let token: String
    }

    /// One exchange's result: an answer, or an error without one ("timeout" or "connection").
    struct Answer {
        var status: Int?
        var error: String?
        var detail = ""
        var response: HTTPConnection.Response?

        var json: [String: Any] {
            guard let body = response?.body else { return [:] }
            return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        }
        var text: String { response.map { String(decoding: $0.body.prefix(300), as: UTF8.self) } ?? "" }
    }

    static let password = "Chaos-drill-42"
    let host: String
    let port: Int
    let timeout: Double

    /// Registers a customer of this run (again, harmlessly, after a failure) and signs it in.
    func signIn(run: String, index: Int) throws -> Customer {
        let email = "chaos-\(run)-\(index)@example.com"
        let giveUp = Date().addingTimeInterval(120)
        var registered = false
        var last = Answer()
        while Date() < giveUp {
            if !registered {
                last = exchange("/v1/auth/register", ["email": email, "password": Self.password, "name": "Chaos Drill \(index)"],
                                headers: ["Prefer": "wait=10"], timeout: 30)
                guard let status = last.status, [200, 201, 202, 409].contains(status) else {
                    Thread.sleep(forTimeInterval: 1)
                    continue
                }
                registered = true
            }
            last = exchange("/v1/auth/login", ["email": email, "password": Self.password], timeout: 30)
            if last.status == 200, let id = last.json["customerId"] as? String, let token = last.json["accessToken"] as? String {
                return Customer(customerId: id, token: token)
            }
            // 401 while the registration is still on its way; 503 while the broker is away.
            Thread.sleep(forTimeInterval: 1)
        }
        throw FleetError("could not register and sign in \(email) within 120 s (last answer: \(last.status.map(String.init) ?? last.error ?? "none") \(last.text))")
    }

    func book(index: Int, run: String, customer: Customer, flight: String, waits: Bool, deadline: Double,
              tally: DrillTally) -> DrillBooking {
        let key = "chaos-\(run)-\(index)"
        let body: [String: Any] = [
            "flightId": flight, "cabin": "economy", "paymentToken": "tok_visa",
            "passengers": [["firstName": "Chaos", "lastName": "Drill\(index)", "dateOfBirth": "1990-01-01"]],
        ]
        var headers = ["Authorization": "Bearer \(customer.token)", "Idempotency-Key": key]
        if waits { headers["Prefer"] = "wait=5" }
        var booking = DrillBooking(key: key, customerId: customer.customerId, flightId: flight)
        let giveUp = Date().addingTimeInterval(deadline)
        while true {
            booking.attempts += 1
            let answer = exchange("/v1/bookings", body, headers: headers, timeout: timeout)
            tally.record(answer, key: key)
            booking.lastStatus = answer.status.map(String.init) ?? answer.error
            if let status = answer.status, [200, 201, 202].contains(status) {
                booking.accepted = true
                booking.acceptedAt = Date().timeIntervalSince1970
                let view = answer.json
                let location = answer.response?.header("Location") ?? ""
                let id = (view["bookingId"] as? String) ?? location.split(separator: "/").last.map(String.init)
                booking.bookingId = id?.lowercased()
                booking.pnr = view["pnr"] as? String
                return booking
            }
            if let status = answer.status, (400..<500).contains(status), status != 429 {
                booking.refusal = answer.text
                return booking
            }
            if Date() >= giveUp {
                booking.gaveUp = true
                return booking
            }
            let retryAfter = answer.response?.header("Retry-After").flatMap(Double.init) ?? 1
            Thread.sleep(forTimeInterval: min([429, 503].contains(answer.status ?? 0) ? retryAfter : 1, 10) + Double.random(in: 0...0.2))
        }
    }

    /// POSTs JSON on this thread's own keep-alive connection.
    private func exchange(_ path: String, _ body: [String: Any], headers: [String: String] = [:], timeout: Double) -> Answer {
        let connectionKey = "drill-connection-\(timeout)"
        let connection = Thread.current.threadDictionary[connectionKey] as? HTTPConnection
            ?? HTTPConnection(host: host, port: port, timeout: timeout)
        Thread.current.threadDictionary[connectionKey] = connection
        let json = (try? JSONSerialization.data(withJSONObject: body)) ?? Data()
        do {
            let response = try connection.send(HTTPConnection.post(path, host: host, port: port, headers: headers, json: Array(json)))
            return Answer(status: response.status, response: response)
        } catch let failure as HTTPConnection.Failure {
            return Answer(error: failure.timedOut ? "timeout" : "connection", detail: failure.description)
        } catch {
            return Answer(error: "connection", detail: "\(error)")
        }
    }
}
