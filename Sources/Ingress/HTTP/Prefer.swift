import HTTPTypes
import Foundation
import Hummingbird

/// The `wait` preference of RFC 7240 (`Prefer: wait=10`): how long the client is willing to
/// wait for the outcome of what it asked, bounded by the ingress's maximum.
enum WaitPreference {
    static func parse(_ request: Request, maximum: Duration) throws -> Duration? {
        let values = request.headers[values: .prefer]
        for value in values {
            for preference in value.split(separator: ",") {
                let parts = preference.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.first?.lowercased() == "wait" else { continue }
                guard parts.count == 2, let seconds = Int(parts[1]), seconds >= 0 else {
                    throw Problem.invalid("Prefer", "wait must be a whole number of seconds, as in 'Prefer: wait=10'")
                }
                return min(.seconds(seconds), maximum)
            }
        }
        return nil
    }
}
