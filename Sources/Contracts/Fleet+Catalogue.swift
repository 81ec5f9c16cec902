import Fleet

extension Topology {
    /// The whole fleet's topology: the catalogue plus what the given contexts' handlers add.
    public static func fleet(settings: TopologySettings, definitions: [ContextDefinition]) -> Topology {
        Topology(settings: settings, contexts: Catalogue.contexts + definitions.map(\.topology))
    }
}
