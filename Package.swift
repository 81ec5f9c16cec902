// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "airfleet",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "airfleet", targets: ["airfleet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.1.0"),
        // OTLP over HTTP only: the gRPC exporter would bring a second HTTP/2 stack to build.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // Fixed-arity wrappers for the variadic C functions Swift cannot call.
        .target(name: "CShims", dependencies: ["CRabbitMQ", "CCurl"]),

        .target(name: "AMQP", dependencies: [
            "CRabbitMQ", "CShims", "Identifiers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Small vocabulary every layer shares, such as the text form of ids.
        .target(name: "Identifiers"),
        // How every process reads its settings, and remembers where each value came from.
        .target(name: "Settings", dependencies: [
            "Identifiers",
            .product(name: "Configuration", package: "swift-configuration"),
        ]),
        .target(name: "Postgres", dependencies: [
            "CLibPQ", "Identifiers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // libcurl's easy handles, pooled with their connections; SMTP and HTTP deliveries use them.
        .target(name: "Curl", dependencies: ["CCurl", "CShims"]),
        .target(name: "SMTP", dependencies: [
            "CCurl", "CShims", "Curl", "Settings", "Identifiers",
        ]),
        // POSTs to endpoints outside the fleet (webhooks, SMS and push gateways), signed as
        // Standard Webhooks says, never to the fleet's own networks unless allowed.
        .target(name: "HTTPDelivery", dependencies: [
            "CCurl", "CShims", "Curl",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Fleet", dependencies: [
            "AMQP", "Postgres", "Identifiers", "Settings",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Tracing", package: "swift-distributed-tracing"),
        ], resources: [.copy("Migrations")]),
        // A context's figures (queues, retries, dead letters, outbox) for `airfleet status` and the console.
        .target(name: "FleetStatus", dependencies: [
            "Fleet", "AMQP", "Postgres", "Settings",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The message types are generated from Schemas/, the contracts' one source.
        .executableTarget(name: "generate-contracts", dependencies: [
            .product(name: "Yams", package: "Yams"),
        ], path: "Sources/ContractsGenerator"),
        .plugin(name: "ContractsFromSchemas", capability: .buildTool(), dependencies: ["generate-contracts"]),
        .target(name: "Contracts", dependencies: ["Fleet"], plugins: ["ContractsFromSchemas"]),
        // bcrypt as the fleet uses it: the ingress and the tools hash, the customers context verifies.
        .target(name: "Passwords", dependencies: [
            "Contracts", "Fleet",
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        ]),

        // Bounded contexts: each depends on the runtime and the contracts, never on another context.
        .target(name: "Customers", dependencies: [
            "Fleet", "Contracts", "Passwords", "Postgres",
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Consumers/Customers", resources: [.copy("Migrations")]),
        .target(name: "Flights", dependencies: [
            "Fleet", "Contracts", "Postgres",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Consumers/Flights", exclude: ["README.md"], resources: [.copy("Migrations")]),
        .target(name: "Bookings", dependencies: [
            "Fleet", "Contracts", "Postgres",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Consumers/Bookings", exclude: ["README.md"], resources: [.copy("Migrations")]),
        .target(name: "Payments", dependencies: [
            "Fleet", "Contracts", "Postgres",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Consumers/Payments", exclude: ["README.md"], resources: [.copy("Migrations")]),
        .target(name: "Notifications", dependencies: [
            "Fleet", "Contracts", "Postgres", "SMTP", "HTTPDelivery",
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Consumers/Notifications", exclude: ["README.md"], resources: [.copy("Migrations"), .copy("Templates")]),

        .target(name: "Webhooks", dependencies: [
            "Fleet", "Contracts", "Postgres", "AMQP", "HTTPDelivery",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Consumers/Webhooks", exclude: ["README.md"], resources: [.copy("Migrations")]),

        // HTTP → commands and queries; knows the contracts, never a context.
        .target(name: "Ingress", dependencies: [
            "Fleet", "FleetStatus", "Contracts", "Passwords", "AMQP", "HTTPDelivery",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Tracing", package: "swift-distributed-tracing"),
        ], resources: [.copy("Console/Assets"), .copy("Console/Templates")]),

        .executableTarget(name: "airfleet", dependencies: [
            "Fleet", "FleetStatus", "Contracts", "Passwords", "Customers", "Flights", "Bookings", "Payments", "Notifications", "Webhooks", "SMTP", "Postgres", "Ingress",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "OTel", package: "swift-otel"),
        ], linkerSettings: [
            // The release binary links the Swift libraries in: it needs no exported symbols, and
            // packed relative relocations spare every process megabytes of relocated pages.
            .unsafeFlags(["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs", "-Xlinker", "--no-export-dynamic"],
                         .when(platforms: [.linux], configuration: .release)),
        ]),

        // Test support: the real servers ops/test starts; test contexts and a consumer process
        // with their handlers, which the crash and drain tests start and kill.
        .target(name: "TestServers", path: "Tests/TestServers"),
        .target(name: "FleetTestSupport", dependencies: [
            "Fleet", "AMQP", "Postgres", "TestServers",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/FleetTestSupport"),
        .executableTarget(name: "fleet-testbed", dependencies: [
            "Fleet", "FleetTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/FleetTestbed"),

        // Measures the runtime against this machine's raw broker ceilings (ops/bench runs it).
        .executableTarget(name: "airfleet-bench", dependencies: [
            "Fleet", "AMQP", "Postgres", "FleetTestSupport", "Flights", "Contracts",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/RuntimeBench"),
        // Bookings confirmed per second through flights, payments and the saga.
        .executableTarget(name: "bookings-bench", dependencies: [
            "Bookings", "Payments", "Flights", "Contracts", "Fleet", "Postgres", "FleetTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/BookingsBench"),
        // HTTP booking and search load through the ingress, with latencies in HdrHistograms.
        .executableTarget(name: "airfleet-load", dependencies: [
            "AMQP", "Fleet", "Postgres",
            .product(name: "Histogram", package: "hdrhistogram-swift"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Benchmarks/Load"),

        .testTarget(name: "AMQPTests", dependencies: [
            "AMQP", "Identifiers", "TestServers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "PostgresTests", dependencies: [
            "Postgres", "Identifiers", "TestServers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "FleetTests", dependencies: [
            "Fleet", "AMQP", "Postgres", "FleetTestSupport", "TestServers", "fleet-testbed",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "CustomersTests", dependencies: [
            "Customers", "Contracts", "Passwords", "Fleet", "AMQP", "Postgres", "FleetTestSupport", "TestServers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The airfleet command line, run as a process against real servers.
        .testTarget(name: "AirfleetTests", dependencies: [
            "airfleet", "Flights", "Notifications", "Contracts", "Fleet", "AMQP", "FleetTestSupport", "TestServers", "Settings",
            "HTTPDelivery", "Webhooks",
        ]),
        // The ingress over real HTTP, with customers and flights consumers on a real broker and database.
        .testTarget(name: "IngressTests", dependencies: [
            "Ingress", "Customers", "Flights", "Bookings", "Payments", "Webhooks", "Contracts", "Passwords", "Fleet", "FleetStatus", "AMQP", "Postgres", "FleetTestSupport", "TestServers",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "FlightsTests", dependencies: [
            "Flights", "Contracts", "Fleet", "AMQP", "Postgres", "FleetTestSupport", "TestServers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "BookingsTests", dependencies: [
            "Bookings", "Payments", "Flights", "airfleet", "Contracts", "Fleet", "AMQP", "Postgres", "FleetTestSupport",
            "TestServers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "SMTPTests", dependencies: ["SMTP", "CCurl", "Settings"]),
        // Deliveries to real HTTP receivers (Python's http.server) that check the signature.
        .testTarget(name: "HTTPDeliveryTests", dependencies: ["HTTPDelivery", "TestServers"]),
        .testTarget(name: "ContractsGeneratorTests", dependencies: ["generate-contracts"]),
        .testTarget(name: "SettingsTests", dependencies: ["Settings"]),
        // The fault drill's checks on what they read: mail headers, fault windows.
        .testTarget(name: "DrillCheckTests", dependencies: ["airfleet-load"]),
        .testTarget(name: "ContractsTests", dependencies: ["Contracts", "Fleet", "FleetTestSupport"]),
        .testTarget(name: "NotificationsTests", dependencies: [
            "Notifications", "airfleet", "SMTP", "HTTPDelivery", "Contracts", "Fleet", "AMQP", "Postgres", "FleetTestSupport", "TestServers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Endpoints, fan-out and signed deliveries to real HTTP receivers.
        .testTarget(name: "WebhooksTests", dependencies: [
            "Webhooks", "HTTPDelivery", "Contracts", "Fleet", "AMQP", "Postgres", "FleetTestSupport", "TestServers",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "PaymentsTests", dependencies: [
            "Payments", "Contracts", "Fleet", "AMQP", "Postgres", "FleetTestSupport", "TestServers",
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
