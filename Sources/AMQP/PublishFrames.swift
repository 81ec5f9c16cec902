import CRabbitMQ
import Foundation

/// The frames of many basic.publish on one channel, encoded with rabbitmq-c's own encoders into
/// one buffer, for one write to the socket: rabbitmq-c's `amqp_basic_publish` writes the method,
/// header and body frames of each message with a system call each. A channel keeps one, so its
/// buffers are allocated once.
final class PublishFrames {
    private(set) var bytes: [UInt8] = []
    private let channel: UInt16
    private let maxBodyPerFrame: Int
    /// Where rabbitmq-c encodes a method or properties; a frame's payload never exceeds frame_max.
    private var scratch: [UInt8]

    init(channel: UInt16, frameMax: Int) {
        self.channel = channel
        maxBodyPerFrame = frameMax - 8
        scratch = [UInt8](repeating: 0, count: frameMax)
        bytes.reserveCapacity(32_768)
    }

    func removeAll() { bytes.removeAll(keepingCapacity: true) }

    /// Appends one message's frames; returns rabbitmq-c's status for an encoding that failed
    /// (a properties table too large for a frame), or nil.
    func append(exchange: amqp_bytes_t, routingKey: amqp_bytes_t, mandatory: Bool,
                         properties: inout amqp_basic_properties_t, body: UnsafeRawBufferPointer) -> Int32? {
        var method = amqp_basic_publish_t(ticket: 0, exchange: exchange, routing_key: routingKey,
                                          mandatory: mandatory ? 1 : 0, immediate: 0)
        let methodLength = scratch.withUnsafeMutableBytes { raw in
            amqp_encode_method(AMQP_BASIC_PUBLISH_METHOD, &method, amqp_bytes_t(len: raw.count, bytes: raw.baseAddress))
        }
        guard methodLength >= 0 else { return methodLength }
        let messageStart = bytes.count
        appendFrameHeader(type: UInt8(AMQP_FRAME_METHOD), payloadLength: 4 + Int(methodLength))
        appendBigEndian(UInt32(AMQP_BASIC_PUBLISH_METHOD))
        bytes.append(contentsOf: scratch[0..<Int(methodLength)])
        bytes.append(UInt8(AMQP_FRAME_END))

        let propertiesLength = scratch.withUnsafeMutableBytes { raw in
            amqp_encode_properties(UInt16(AMQP_BASIC_CLASS), &properties, amqp_bytes_t(len: raw.count - 12, bytes: raw.baseAddress))
        }
        guard propertiesLength >= 0 else {
            bytes.removeSubrange(messageStart...)
            return propertiesLength
        }
        appendFrameHeader(type: UInt8(AMQP_FRAME_HEADER), payloadLength: 12 + Int(propertiesLength))
        appendBigEndian(UInt16(AMQP_BASIC_CLASS))
        appendBigEndian(UInt16(0)) // weight
        appendBigEndian(UInt64(body.count))
        bytes.append(contentsOf: scratch[0..<Int(propertiesLength)])
        bytes.append(UInt8(AMQP_FRAME_END))

        var offset = 0
        while offset < body.count {
            let length = min(maxBodyPerFrame, body.count - offset)
            appendFrameHeader(type: UInt8(AMQP_FRAME_BODY), payloadLength: length)
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: body[offset..<offset + length]))
            bytes.append(UInt8(AMQP_FRAME_END))
            offset += length
        }
        return nil
    }

    private func appendFrameHeader(type: UInt8, payloadLength: Int) {
        bytes.append(type)
        appendBigEndian(channel)
        appendBigEndian(UInt32(payloadLength))
    }

    private func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
