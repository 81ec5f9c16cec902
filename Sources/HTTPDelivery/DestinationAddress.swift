import Foundation

/// Which addresses a delivery may connect to. Endpoints are given by outsiders (an admin
/// registering a webhook, an operator's gateway URL), so by default nothing inside the fleet's
/// own networks is reachable through them: loopback, private, link-local (cloud metadata
/// services live there), carrier-grade NAT, multicast and reserved ranges are refused.
public enum DestinationAddress {
    /// Whether `address` (IPv4 dotted or IPv6 text, as libcurl or `inet_ntop` writes it) is one
    /// a delivery must not reach; anything that does not parse is refused too.
    public static func isForbidden(_ address: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return isForbidden(v4: UInt32(bigEndian: v4.s_addr))
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return true }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        return isForbidden(v6: bytes)
    }

    static func isForbidden(v4 address: UInt32) -> Bool {
        func within(_ network: UInt32, _ prefix: UInt32) -> Bool {
            address >> (32 - prefix) == network >> (32 - prefix)
        }
        return within(0x0000_0000, 8)          // 0.0.0.0/8, "this network"
            || within(0x0A00_0000, 8)          // 10.0.0.0/8
            || within(0x6440_0000, 10)         // 100.64.0.0/10, carrier-grade NAT
            || within(0x7F00_0000, 8)          // 127.0.0.0/8, loopback
            || within(0xA9FE_0000, 16)         // 169.254.0.0/16, link-local
            || within(0xAC10_0000, 12)         // 172.16.0.0/12
            || within(0xC000_0000, 24)         // 192.0.0.0/24, protocol assignments
            || within(0xC0A8_0000, 16)         // 192.168.0.0/16
            || within(0xC612_0000, 15)         // 198.18.0.0/15, benchmarking
            || within(0xE000_0000, 4)          // 224.0.0.0/4, multicast
            || within(0xF000_0000, 4)          // 240.0.0.0/4, reserved and broadcast
    }

    static func isForbidden(v6 bytes: [UInt8]) -> Bool {
        let isZeroUpTo = { (count: Int) in bytes[0..<count].allSatisfy { $0 == 0 } }
        // ::ffff:a.b.c.d and the deprecated ::a.b.c.d carry an IPv4 address: judge that one.
        if isZeroUpTo(10), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return isForbidden(v4: bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) })
        }
        if isZeroUpTo(15) { return true }                       // :: and ::1
        if isZeroUpTo(12) { return isForbidden(v4: bytes[12..<16].reduce(0) { $0 << 8 | UInt32($1) }) }
        if bytes[0] & 0xFE == 0xFC { return true }              // fc00::/7, unique local
        if bytes[0] == 0xFE, bytes[1] & 0xC0 == 0x80 { return true } // fe80::/10, link-local
        if bytes[0] == 0xFF { return true }                     // ff00::/8, multicast
        return false
    }
}
