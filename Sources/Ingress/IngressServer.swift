import Fleet
import Foundation
import Hummingbird
import Logging

/// The HTTP ingress: builds the router and runs it with its broker gateway.
public enum IngressServer {
    /// The router with every route and middleware, and the list of its routes.
    public static func makeRouter(gateway: BrokerGateway, tokens: AccessTokens,
                                  configuration: IngressConfiguration) -> (router: Router<IngressRequestContext>, rules: [RouteRule]) {
        _ = ProcessMetrics.registry
        let router = Router(context: IngressRequestContext.self)
        router.add(middleware: RequestIdMiddleware())
        if MessageTracing.isEnabled { router.add(middleware: TracingMiddleware()) }
        router.add(middleware: TraceContextMiddleware())
        // Outside the problem middleware, so it counts the status the client got.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware(maximumBodyBytes: configuration.maximumBodyBytes))
        router.add(middleware: AuthenticationMiddleware(tokens: tokens))
        if let limit = configuration.rateLimit {
            router.add(middleware: RateLimitMiddleware(limiter: RateLimiter(perSecond: limit.perSecond, burst: limit.burst)))
        }
        let table = RouteTable(router: router)
        IngressRoutes(gateway: gateway, tokens: tokens, configuration: configuration).register(on: table)
        // After the routes on purpose: only requests that no route took pass through it.
        router.add(middleware: MethodNotAllowedMiddleware(served: ServedMethods(table.rules)))
        return (router, table.rules)
    }

    /// Every route the ingress serves and who may call it, without connecting to anything.
    public static func routeRules() async -> [RouteRule] {
        let configuration = IngressConfiguration(amqp: try! .init(url: "amqp://localhost"), jwtSecret: String(repeating: "x", count: 32))
        let gateway = BrokerGateway(amqp: configuration.amqp, topology: nil, source: configuration.source, logger: Logger(label: "routes"))
        return makeRouter(gateway: gateway, tokens: await AccessTokens(secret: configuration.jwtSecret, lifetime: .seconds(60)),
                          configuration: configuration).rules
    }

    /// The application, ready to run; the caller starts and stops `gateway` around it.
    public static func makeApplication(configuration: IngressConfiguration, gateway: BrokerGateway, logger: Logger,
                                       onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        async -> some ApplicationProtocol {
        let tokens = await AccessTokens(secret: configuration.jwtSecret, lifetime: configuration.tokenLifetime)
        let (router, _) = makeRouter(gateway: gateway, tokens: tokens, configuration: configuration)
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "airfleet"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }

    /// Connects to RabbitMQ, serves until SIGTERM or SIGINT, then lets requests in flight finish.
    public static func run(configuration: IngressConfiguration, topology: Topology?, logger: Logger) async throws {
        let gateway = BrokerGateway(amqp: configuration.amqp, topology: topology, source: configuration.source, logger: logger)
        gateway.start()
        defer { gateway.shutdown() }
        if !(await gateway.waitUntilReady(timeout: .seconds(10))) {
            logger.warning("RabbitMQ is not reachable yet; serving anyway (readyz answers 503 until it is)")
        }
        let app = await makeApplication(configuration: configuration, gateway: gateway, logger: logger) { port in
            logger.notice("ingress listening", metadata: ["address": "\(configuration.host):\(port)"])
        }
        try await app.runService()
    }
}
