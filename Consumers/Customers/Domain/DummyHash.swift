import Contracts
import Foundation
import HummingbirdBcrypt
import Passwords

/// A hash of a random secret nobody knows, verified against when a login names an unknown email,
/// so that answer costs one bcrypt verification like a wrong password does. Made once per cost,
/// on first use, not at start-up (building a context definition stays cheap).
final class DummyHash: @unchecked Sendable {
    // `hash` is guarded by `lock`.
    private let lock = NSLock()
    private var hash: String?
    let cost: Int

    init(cost: Int) { self.cost = cost }

    var value: String {
        lock.lock(); defer { lock.unlock() }
        if let hash { return hash }
        let secret = (0..<4).map { _ in UUID().uuidString }.joined()
        let made = (try? PasswordHashing.hashUnchecked(secret, cost: cost)) ?? Bcrypt.hash(secret, cost: 12)
        hash = made
        return made
    }
}
