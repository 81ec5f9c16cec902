import CRabbitMQ
import CShims
import Foundation

/// Opening a connection: TCP connect with a timeout, then the AMQP handshake and PLAIN login.
enum ConnectionHandshake {
    static func open(_ handle: amqp_connection_state_t, _ configuration: AMQPConfiguration,
                     operation: String) throws {
        guard let socket = amqp_tcp_socket_new(handle) else {
            throw AMQPError(.connectionFailed, operation: operation, reason: "amqp_tcp_socket_new failed (out of memory)")
        }
        var connectTimeout = timeval(seconds: configuration.connectTimeout)
        let opened = WireArena.with { arena in
            amqp_socket_open_noblock(socket, arena.cString(configuration.host), Int32(configuration.port), &connectTimeout)
        }
        guard opened == AMQP_STATUS_OK.rawValue else {
            let address = "\(configuration.host):\(configuration.port)"
            let reason: String
            if opened == AMQP_STATUS_TIMEOUT.rawValue {
                reason = "TCP connect to \(address) did not complete within \(configuration.connectTimeout) s"
            } else {
                // rabbitmq-c keeps the socket's own error (SO_ERROR) to itself, and errno
                // only says EINPROGRESS, so the likely causes are spelled out.
                var cause = String(cString: amqp_error_string2(opened))
                if opened == AMQP_STATUS_SOCKET_ERROR.rawValue { cause += " (nothing listening there, or the host is unreachable)" }
                reason = "TCP connect to \(address) failed: \(cause)"
            }
            throw AMQPError(.connectionFailed, operation: operation, reason: reason)
        }
        // Without these, a broker that accepts TCP but never answers would hang the login and
        // the final connection.close forever.
        amqp_set_handshake_timeout(handle, &connectTimeout)
        var rpcTimeout = timeval(seconds: configuration.rpcTimeout)
        amqp_set_rpc_timeout(handle, &rpcTimeout)

        let reply = WireArena.with { arena in
            var properties = arena.table(clientProperties(configuration))
            return airfleet_amqp_login_plain_with_properties(
                handle, arena.cString(configuration.virtualHost), 0, Int32(configuration.frameMax),
                Int32(configuration.heartbeat), &properties, arena.cString(configuration.user),
                arena.cString(configuration.password))
        }
        try check(login: reply, configuration, operation: operation)
    }

    /// What the management UI shows for the connection, and the protocol extensions this
    /// client handles (the broker only sends basic.nack, basic.cancel and connection.blocked
    /// to clients that announce them). rabbitmq-c merges these over its own defaults.
    static func clientProperties(_ configuration: AMQPConfiguration) -> AMQPTable {
        var properties: AMQPTable = [
            "product": "airfleet",
            "platform": "Swift",
            "information": .string("rabbitmq-c \(String(cString: amqp_version()))"),
            "capabilities": [
                "publisher_confirms": true,
                "consumer_cancel_notify": true,
                "basic.nack": true,
                "connection.blocked": true,
                "exchange_exchange_bindings": true,
                "authentication_failure_close": true,
                "per_consumer_qos": true,
            ],
        ]
        for (name, value) in configuration.clientProperties {
            properties[name] = .string(value)
        }
        if let name = configuration.connectionName {
            properties["connection_name"] = .string(name)
        }
        return properties
    }

    private static func check(login reply: amqp_rpc_reply_t, _ configuration: AMQPConfiguration,
                              operation: String) throws {
        let who = "log in as '\(configuration.user)' to virtual host '\(configuration.virtualHost)'"
        switch reply.reply_type {
        case AMQP_RESPONSE_NORMAL:
            return
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            if reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD, let decoded = reply.reply.decoded {
                let close = decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
                let text = WireDecoding.string(close.reply_text)
                throw AMQPError(.connectionFailed, operation: operation,
                                reason: "could not \(who): the broker answered \(close.reply_code) \(text)",
                                replyCode: Int(close.reply_code), replyText: text)
            }
            throw AMQPError(.connectionFailed, operation: operation,
                            reason: "could not \(who): the broker answered with method \(methodName(reply.reply.id))")
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            let status = reply.library_error
            var reason = "could not \(who): \(String(cString: amqp_error_string2(status)))"
            if status == AMQP_STATUS_CONNECTION_CLOSED.rawValue || status == AMQP_STATUS_SOCKET_CLOSED.rawValue {
                reason += " (the broker hung up: wrong user or password, or no access to the virtual host)"
            }
            throw AMQPError(.connectionFailed, operation: operation, reason: reason)
        default:
            throw AMQPError(.connectionFailed, operation: operation,
                            reason: "could not \(who): the broker closed the connection during the handshake")
        }
    }

    static func methodName(_ id: amqp_method_number_t) -> String {
        guard let name = amqp_method_name(id) else { return String(format: "0x%08x", id) }
        return String(cString: name)
    }
}
