import AMQP
import Foundation
import Logging

/// A delivery read as far as the runtime can before running a handler: either ready to run,
/// or failed for a reason that no retry can cure.
struct InboundMessage {
    enum Content {
        case ready(header: EnvelopeHeader, data: any Sendable, run: (HandlerContext) throws -> Void)
        case failed(MessageFailure)
    }

    let delivery: AMQPDelivery
    let content: Content
    /// The envelope id when the body has one; the id the inbox deduplicates on.
    let id: String
    /// 1 for a first delivery; carried by `x-airfleet-attempt` through the retry ladder.
    let attempt: Int
    /// The span its handler runs in, when the process traces; the worker ends it.
    private(set) var trace: MessageTrace?

    init(delivery: AMQPDelivery, registry: HandlerRegistry, decoder: JSONDecoder) {
        self.delivery = delivery
        self.attempt = max(1, Int(delivery.properties.headers[FailureHeaders.attempt]?.intValue ?? 1))
        let fallbackID = delivery.properties.messageId ?? "delivery-\(delivery.deliveryTag)"
        // The type the publisher set on the message, when it names a handler, lets a well-formed
        // body be read in one pass; anything else goes the long way, which says what is wrong.
        if let typeName = delivery.properties.type, let type = MessageType(parsing: typeName),
           case .found(let handler) = registry.resolveHandler(type), let prepareInOnePass = handler.prepareInOnePass,
           let prepared = try? prepareInOnePass(delivery.body, decoder), prepared.header.type == typeName {
            self.id = prepared.header.id
            self.content = .ready(header: prepared.header, data: prepared.data, run: prepared.run)
            self.trace = MessageTracing.startProcessing(prepared.header, queue: Topology.queue(of: registry.context))
            return
        }
        let header: EnvelopeHeader
        do {
            header = try decoder.decode(EnvelopeHeader.self, from: delivery.body)
            try header.validate()
        } catch {
            self.id = fallbackID
            self.content = .failed(Self.envelopeFailure(error, body: delivery.body))
            return
        }
        self.id = header.id
        let type = header.messageType!
        switch registry.resolveHandler(type) {
        case .unknownType:
            content = .failed(MessageFailure(kind: .unknownType, reason: "context '\(registry.context)' has no handler for \(type)"))
        case .unsupportedVersion(let supported):
            let versions = supported.map { "v\($0)" }.joined(separator: ", ")
            content = .failed(MessageFailure(kind: .unsupportedVersion, reason: "context '\(registry.context)' accepts \(type.name) at \(versions), not v\(type.version)"))
        case .found(let handler):
            do {
                let prepared = try handler.prepare(header, delivery.body, decoder)
                content = .ready(header: header, data: prepared.data, run: prepared.run)
                trace = MessageTracing.startProcessing(header, queue: Topology.queue(of: registry.context))
            } catch {
                content = .failed(MessageFailure.from(handlerError: error))
            }
        }
    }

    private static func envelopeFailure(_ error: any Error, body: Data) -> MessageFailure {
        if let validation = error as? ValidationError {
            return MessageFailure(kind: .malformed, reason: "envelope \(validation)")
        }
        let (field, reason) = describeDecodingFailure(error, root: "envelope", document: body)
        if field == "envelope" { return MessageFailure(kind: .malformed, reason: "body \(reason)") }
        return MessageFailure(kind: .malformed, reason: "\(field) \(reason)")
    }
}

extension InboundMessage {
    /// What a log line about this message says of it.
    var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["message_id": "\(id)", "attempt": "\(attempt)"]
        if case .ready(let header, _, _) = content {
            metadata["type"] = "\(header.type)"
            metadata["correlation_id"] = "\(header.correlationid ?? header.id)"
            // Log lines join the handler's span, or the trace the message came in when not tracing.
            metadata.merge(MessageTracing.logMetadata(span: trace?.headers, incoming: header.traceHeaders)) { $1 }
        } else if let type = delivery.properties.type {
            metadata["type"] = "\(type)"
        }
        return metadata
    }
}
