import Synchronization

/// The node of a cluster that a process's connections go to first: the last one that answered.
///
/// Every connection of a process starts there, so after a node dies only the first connection
/// that meets the dead node pays for trying it; the others go straight to the node that took
/// over. A process that starts picks a node at random, so a fleet spreads over the cluster.
enum NodeFailover {
    private static let preferred = Mutex<[[AMQPConfiguration.Node]: Int]>([:])

    /// The nodes in the order to try them.
    static func order(_ nodes: [AMQPConfiguration.Node]) -> [AMQPConfiguration.Node] {
        guard nodes.count > 1 else { return nodes }
        let start = preferred.withLock { table in
            if let start = table[nodes] { return start }
            let start = Int.random(in: 0..<nodes.count)
            table[nodes] = start
            return start
        }
        return Array(nodes[start...] + nodes[..<start])
    }

    /// Remembers the node that answered.
    static func answered(_ node: AMQPConfiguration.Node, of nodes: [AMQPConfiguration.Node]) {
        guard nodes.count > 1, let index = nodes.firstIndex(of: node) else { return }
        preferred.withLock { $0[nodes] = index }
    }
}
