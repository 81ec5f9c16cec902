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

    /// An answer the ingress passes on is a message's data, so the document refers to that
    /// message's schema instead of describing the same object a second time, which would drift.
    func testNoComponentCopiesAMessageSchema() throws {
        let script = """
            import glob, json, os, sys, yaml
            folder = os.path.dirname(sys.argv[1])
            document = yaml.safe_load(open(sys.argv[1]))
            components = document["components"]["schemas"]
            def references(node):
                if isinstance(node, dict):
                    target = node.get("$ref", "")
                    if target.startswith("#/components/schemas/"):
                        yield target.rsplit("/", 1)[1]
                    for value in node.values():
                        yield from references(value)
                elif isinstance(node, list):
                    for value in node:
                        yield from references(value)
            # Only answers: a request body keeps the HTTP side's own input rules (trimming, say).
            answered = set(references([operation.get("responses") for item in document["paths"].values()
                                       for operation in item.values() if isinstance(operation, dict)]
                                      + [document["components"]["responses"]]))
            pending = list(answered)
            while pending:
                for name in references(components[pending.pop()]):
                    if name not in answered:
                        answered.add(name)
                        pending.append(name)
            def objects(node, where):
                if isinstance(node, dict):
                    if node.get("type") == "object" and "properties" in node:
                        yield where, frozenset(node["properties"])
                    for key, value in node.items():
                        yield from objects(value, f"{where}/{key}")
                elif isinstance(node, list):
                    for index, value in enumerate(node):
                        yield from objects(value, f"{where}/{index}")
            shapes = {}
            for path in sorted(glob.glob(os.path.join(folder, "*", "*.schema.json"))):
                for where, keys in objects(json.load(open(path)), "#"):
                    shapes.setdefault(keys, f"{os.path.relpath(path, folder)}{where}")
            for name in sorted(answered):
                schema = components[name]
                keys = frozenset(schema.get("properties", {}))
                if len(keys) > 1 and keys in shapes:
                    print(f"{name} copies {shapes[keys]}: refer to it with $ref")
            """
        let (status, output) = try python(["-c", script, Self.document])
        XCTAssertEqual(status, 0, output)
        XCTAssertEqual(output, "")
    }

    /// The python3 on PATH, which ops/bootstrap gives openapi-spec-validator and PyYAML.
    private func python(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        return try process.runCapturingOutput()
    }
}
