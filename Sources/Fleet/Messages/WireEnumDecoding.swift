import Foundation

/// Every string enum of the wire (Codable, CaseIterable, with String raw values) refuses an
/// unknown value by naming the values it takes, so a dead letter, a CLI error or an HTTP problem
/// says `data.cabin must be one of first, business, premium-economy, economy, got "cargo"`.
/// More constrained than the standard library's RawRepresentable decoding, so it is the one used.
extension RawRepresentable where Self: CaseIterable & Decodable, RawValue == String {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "must be one of \(Self.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = value
    }
}
