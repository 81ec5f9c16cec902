import CRabbitMQ
import Foundation

/// The basic properties of a message (content type, headers, delivery mode, ids…).
public struct AMQPProperties: Sendable, Equatable {
    public var contentType: String?
    public var contentEncoding: String?
    public var headers: AMQPTable
    /// Delivery mode 2 (written to disk by the broker) when true, 1 when false.
    public var persistent: Bool
    public var priority: UInt8?
    public var correlationId: String?
    public var replyTo: String?
    /// Per-message TTL in milliseconds, as a decimal string (that is what AMQP carries).
    public var expiration: String?
    public var messageId: String?
    /// Carried in whole seconds; fractions are dropped on the wire.
    public var timestamp: Date?
    public var type: String?
    public var userId: String?
    public var appId: String?

    public init(contentType: String? = nil, contentEncoding: String? = nil, headers: AMQPTable = [:],
                persistent: Bool = true, priority: UInt8? = nil, correlationId: String? = nil,
                replyTo: String? = nil, expiration: String? = nil, messageId: String? = nil,
                timestamp: Date? = nil, type: String? = nil, userId: String? = nil, appId: String? = nil) {
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.headers = headers
        self.persistent = persistent
        self.priority = priority
        self.correlationId = correlationId
        self.replyTo = replyTo
        self.expiration = expiration
        self.messageId = messageId
        self.timestamp = timestamp
        self.type = type
        self.userId = userId
        self.appId = appId
    }
}

extension AMQPProperties {
    private static func flag(_ value: Int32) -> amqp_flags_t { amqp_flags_t(value) }

    /// Copies properties that rabbitmq-c decoded from a content header frame.
    init(decoding raw: amqp_basic_properties_t) {
        let flags = raw._flags
        func text(_ flag: Int32, _ bytes: amqp_bytes_t) -> String? {
            flags & Self.flag(flag) != 0 ? WireDecoding.string(bytes) : nil
        }
        self.init(
            contentType: text(AMQP_BASIC_CONTENT_TYPE_FLAG, raw.content_type),
            contentEncoding: text(AMQP_BASIC_CONTENT_ENCODING_FLAG, raw.content_encoding),
            headers: flags & Self.flag(AMQP_BASIC_HEADERS_FLAG) != 0 ? WireDecoding.table(raw.headers) : [:],
            // A message without a delivery mode is transient for the broker.
            persistent: flags & Self.flag(AMQP_BASIC_DELIVERY_MODE_FLAG) != 0 && raw.delivery_mode == 2,
            priority: flags & Self.flag(AMQP_BASIC_PRIORITY_FLAG) != 0 ? raw.priority : nil,
            correlationId: text(AMQP_BASIC_CORRELATION_ID_FLAG, raw.correlation_id),
            replyTo: text(AMQP_BASIC_REPLY_TO_FLAG, raw.reply_to),
            expiration: text(AMQP_BASIC_EXPIRATION_FLAG, raw.expiration),
            messageId: text(AMQP_BASIC_MESSAGE_ID_FLAG, raw.message_id),
            timestamp: flags & Self.flag(AMQP_BASIC_TIMESTAMP_FLAG) != 0 ? WireTime.date(raw.timestamp) : nil,
            type: text(AMQP_BASIC_TYPE_FLAG, raw.type),
            userId: text(AMQP_BASIC_USER_ID_FLAG, raw.user_id),
            appId: text(AMQP_BASIC_APP_ID_FLAG, raw.app_id))
    }

    /// The C struct for a publish, its strings and headers allocated in `arena`.
    func encoded(in arena: WireArena) -> amqp_basic_properties_t {
        var raw = amqp_basic_properties_t()
        var flags = Self.flag(AMQP_BASIC_DELIVERY_MODE_FLAG)
        raw.delivery_mode = persistent ? 2 : 1
        func set(_ value: String?, _ flag: Int32, _ field: inout amqp_bytes_t) {
            guard let value else { return }
            field = arena.bytes(value)
            flags |= Self.flag(flag)
        }
        set(contentType, AMQP_BASIC_CONTENT_TYPE_FLAG, &raw.content_type)
        set(contentEncoding, AMQP_BASIC_CONTENT_ENCODING_FLAG, &raw.content_encoding)
        set(correlationId, AMQP_BASIC_CORRELATION_ID_FLAG, &raw.correlation_id)
        set(replyTo, AMQP_BASIC_REPLY_TO_FLAG, &raw.reply_to)
        set(expiration, AMQP_BASIC_EXPIRATION_FLAG, &raw.expiration)
        set(messageId, AMQP_BASIC_MESSAGE_ID_FLAG, &raw.message_id)
        set(type, AMQP_BASIC_TYPE_FLAG, &raw.type)
        set(userId, AMQP_BASIC_USER_ID_FLAG, &raw.user_id)
        set(appId, AMQP_BASIC_APP_ID_FLAG, &raw.app_id)
        if !headers.isEmpty {
            raw.headers = arena.table(headers)
            flags |= Self.flag(AMQP_BASIC_HEADERS_FLAG)
        }
        if let priority {
            raw.priority = priority
            flags |= Self.flag(AMQP_BASIC_PRIORITY_FLAG)
        }
        if let timestamp {
            raw.timestamp = WireTime.seconds(timestamp)
            flags |= Self.flag(AMQP_BASIC_TIMESTAMP_FLAG)
        }
        raw._flags = flags
        return raw
    }
}
