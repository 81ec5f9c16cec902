import FleetTestSupport
import Foundation
import Ingress
import XCTest

/// Schemas/openapi.yaml is a valid OpenAPI 3.1 document, and it lists exactly the routes the
/// router serves, each with the access the router enforces.
final class OpenAPIDocumentTests: XCTestCase {
    static let document = SchemaCheck.folder.appendingPathComponent("openapi.yaml").path

    func testDocumentPassesTheOpenAPIValidator() throws {
        let (status, output) = try python(["-m", "openapi_spec_validator", Self.document])
        XCTAssertEqual(status, 0, output)
        XCTAssertTrue(output.contains("OK"), output)
    }

    func testRouterAndDocumentListTheSameRoutes() async throws {
        let script = """
            import json, sys, yaml
            document = yaml.safe_load(open(sys.argv[1]))
            methods = {"get", "put", "post", "delete", "patch", "head", "options"}
            print(json.dumps({f"{m.upper()} {p}": o.get("x-access") for p, item in document["paths"].items()
                              for m, o in item.items() if m in methods}))
            """
        let (status, output) = try python(["-c", script, Self.document])
        XCTAssertEqual(status, 0, output)
        let documented = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: String] ?? [:]
        let rules = await IngressServer.routeRules()
        let served = Dictionary(uniqueKeysWithValues: rules.map { rule -> (String, String) in
            let access = switch rule.access {
            case .anyone: "anyone"
            case .signedIn: "signedIn"
            case .roles(let roles): roles == [.admin] ? "admin" : roles == [.agent, .admin] ? "staff" : rule.access.description
            }
            return ("\(rule.method) \(rule.openAPIPath)", access)
        })
        XCTAssertEqual(Set(documented.keys).subtracting(served.keys), [], "documented but not served")
        XCTAssertEqual(Set(served.keys).subtracting(documented.keys), [], "served but not documented")
        for (route, access) in served { XCTAssertEqual(documented[route], access, "x-access of \(route)") }
    }

    /// The python3 on PATH, which ops/bootstrap gives openapi-spec-validator and PyYAML.
    private func python(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        return try process.runCapturingOutput()
    }
}
