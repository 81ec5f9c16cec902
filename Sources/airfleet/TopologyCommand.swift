import AMQP
import ArgumentParser
import Fleet
import FleetStatus
import Foundation

struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Declare or show the RabbitMQ exchanges, queues and bindings of the fleet.",
        subcommands: [Declare.self, Show.self])

    struct Declare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Declare every exchange, queue and binding (idempotent).",
            discussion: "A setting that differs from what the broker already has (for example another retry ladder) is reported with the broker's reason; nothing is deleted.")

        func run() throws {
            let configuration = try Environment.load()
            let topology = try Contexts.topology(configuration)
            let connection = try AMQPConnection(configuration.amqp.withConnectionName("airfleet topology"), logger: Environment.logger)
            defer { connection.close() }
            try topology.declare(on: try connection.openChannel())
            let declarations = topology.declarations
            let queues = declarations.filter { if case .queue = $0 { true } else { false } }.count
            let bindings = declarations.filter { if case .binding = $0 { true } else { false } }.count
            print("declared \(declarations.count - queues - bindings) exchanges, \(queues) queues and \(bindings) bindings on \(connection.configuration.redactedURL)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the topology, with each queue's messages and consumers as the broker reports them.",
            discussion: "With AIRFLEET_RABBITMQ_API (http://user:password@host:15672) set, also where each queue lives: a quorum queue's leader and members, a classic queue's node.")

        @Flag(help: "Only print what the code declares; do not ask the broker.")
        var offline = false

        func run() throws {
            let configuration = try Environment.load()
            let topology = try Contexts.topology(configuration)
            var channel: AMQPChannel?
            var connection: AMQPConnection?
            if !offline {
                connection = try AMQPConnection(configuration.amqp.withConnectionName("airfleet topology"), logger: Environment.logger)
                channel = try connection?.openChannel()
            }
            defer { connection?.close() }
            let placement = offline ? [:] : Self.placement(configuration.amqp.virtualHost)
            print("broker: \(connection?.configuration.redactedURL ?? configuration.amqp.redactedURLs)")
            print("retry ladder: \(configuration.topology.retryLadder)  delivery limit: \(configuration.topology.deliveryLimit)")
            print("\nexchanges")
            for case .exchange(let name, let type, let arguments) in topology.declarations {
                print("  \(name.padding(toLength: 28, withPad: " ", startingAt: 0)) \(type.rawValue)\(describe(arguments))")
            }
            print("\nqueues\(offline ? "" : "                                     messages  consumers")")
            for case .queue(let name, let arguments, _) in topology.declarations {
                var line = "  \(name.padding(toLength: 42, withPad: " ", startingAt: 0))"
                if let channel {
                    if let state = try channel.inspectQueue(name) {
                        line += "\(String(state.messageCount).leftPadded(to: 9))  \(String(state.consumerCount).leftPadded(to: 9))"
                    } else {
                        line += "  missing: run airfleet topology declare"
                    }
                }
                print(line + describe(arguments) + (placement[name].map { "\n      \($0)" } ?? ""))
            }
            print("\nbindings")
            for case .binding(let queue, let exchange, let routingKey) in topology.declarations {
                print("  \(exchange) --\(routingKey.isEmpty ? "(all)" : routingKey)--> \(queue)")
            }
        }

        /// Where each queue lives, from the management API when `AIRFLEET_RABBITMQ_API` is set: a
        /// quorum queue's leader and members, a classic queue's node.
        static func placement(_ virtualHost: String) -> [String: String] {
            let path = "/api/queues/\(ManagementClient.path(of: virtualHost))?columns=name,type,node,leader,members,online"
            guard let queues = ManagementClient(Environment.settings)?.json(path) as? [[String: Any]] else { return [:] }
            var placement: [String: String] = [:]
            for queue in queues {
                guard let name = queue["name"] as? String else { continue }
                if let members = queue["members"] as? [String] {
                    let online = Set(queue["online"] as? [String] ?? [])
                    let listed = members.sorted().map { online.contains($0) ? $0 : "\($0) (down)" }.joined(separator: ", ")
                    placement[name] = "leader \(queue["leader"] as? String ?? "none"); members \(listed)"
                } else if let node = queue["node"] as? String {
                    placement[name] = "on \(node)"
                }
            }
            return placement
        }

        private func describe(_ arguments: AMQPTable) -> String {
            guard !arguments.isEmpty else { return "" }
            let text = arguments.keys.sorted().map { key -> String in
                let value = arguments[key]!
                if let text = value.stringValue { return "\(key)=\(text.isEmpty ? "\"\" (the default exchange)" : text)" }
                return "\(key)=\(value.intValue.map(String.init) ?? "\(value)")"
            }
            return "  [" + text.joined(separator: " ") + "]"
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
