import HTTPTypes

/// Which methods the ingress serves on each path it knows, so that a known path asked with
/// another method is told apart from a path that does not exist.
struct ServedMethods: Sendable {
    /// A route's path split into segments; `nil` stands for a parameter, which matches any one
    /// segment.
    private typealias Pattern = [String?]
    private let methodsByPattern: [(pattern: Pattern, methods: [HTTPRequest.Method])]

    init(_ rules: [RouteRule]) {
        var methods: [Pattern: Set<HTTPRequest.Method>] = [:]
        for rule in rules {
            methods[Self.pattern(rule.path), default: []].insert(rule.method)
        }
        methodsByPattern = methods.map { pattern, served in (pattern, served.sorted { $0.rawValue < $1.rawValue }) }
    }

    /// The methods served on a request path, sorted; `nil` when no route has that path.
    func methods(forPath path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/").map(String.init)
        return methodsByPattern.first { Self.matches($0.pattern, segments) }?.methods
    }

    private static func pattern(_ routePath: String) -> Pattern {
        routePath.split(separator: "/").map { $0.hasPrefix(":") ? nil : String($0) }
    }

    private static func matches(_ pattern: Pattern, _ segments: [String]) -> Bool {
        pattern.count == segments.count && zip(pattern, segments).allSatisfy { literal, segment in literal.map { $0 == segment } ?? true }
    }
}
