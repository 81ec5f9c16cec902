import Contracts
import Fleet

/// The bounded contexts built into this binary, each with its handlers and migrations.
enum Contexts {
    static let definitions: [ContextDefinition] = []

    static func topology(_ configuration: FleetConfiguration) -> Topology {
        Topology.fleet(settings: configuration.topology, definitions: definitions)
    }

    /// Every context name the fleet knows: the catalogue's and the built-in ones.
    static var names: [String] {
        Array(Set(Catalogue.contextNames + definitions.map(\.name))).sorted()
    }
}
