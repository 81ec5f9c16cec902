// swift-tools-version:6.0
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
    ],
    targets: [
        // C libraries from Debian, found through pkg-config.
        .systemLibrary(name: "CRabbitMQ", pkgConfig: "librabbitmq", providers: [.apt(["librabbitmq-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // Fixed-arity wrappers for the variadic C functions Swift cannot call.
        .target(name: "CShims", dependencies: ["CRabbitMQ", "CCurl"]),

        .target(name: "AMQP", dependencies: [
            "CRabbitMQ", "CShims",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Postgres", dependencies: [
            "CLibPQ",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Fleet", dependencies: [
            "AMQP", "Postgres",
            .product(name: "Logging", package: "swift-log"),
        ], resources: [.copy("Migrations")]),
        .target(name: "Contracts", dependencies: ["Fleet"]),
        .executableTarget(name: "airfleet", dependencies: [
            "Fleet", "Contracts",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // Test support: helpers that talk to the real servers ops/test starts, and a consumer
        // process with test handlers that the crash and drain tests start and kill.
        .target(name: "FleetTestSupport", dependencies: [
            "Fleet", "AMQP", "Postgres",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/FleetTestSupport"),
        .executableTarget(name: "fleet-testbed", dependencies: [
            "Fleet", "FleetTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ], path: "Tests/FleetTestbed"),

        .testTarget(name: "AMQPTests", dependencies: ["AMQP", "FleetTestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "FleetTestSupport"]),
        .testTarget(name: "FleetTests", dependencies: ["Fleet", "AMQP", "Postgres", "FleetTestSupport", "fleet-testbed"]),
    ],
    swiftLanguageModes: [.v6]
)
