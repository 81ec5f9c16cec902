import CRabbitMQ
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AMQPConnection {
    /// Writes whole frames encoded elsewhere (`PublishFrames`) straight to the connection's
    /// socket. rabbitmq-c keeps no outbound buffer, so nothing of its own can be half written
    /// meanwhile. Waits while the socket is full, up to 30 s.
    func write(_ bytes: [UInt8], operation: String) throws {
        guard !bytes.isEmpty else { return }
        let handle = try requireOpen(operation)
        let socket = amqp_get_sockfd(handle)
        let deadline = Deadline.after(30)
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let count = send(socket, raw.baseAddress! + written, raw.count - written, Int32(MSG_NOSIGNAL))
                if count > 0 {
                    written += count
                } else if count < 0, errno == EINTR {
                    continue
                } else if count < 0, errno == EAGAIN || errno == EWOULDBLOCK, !deadline.hasPassed {
                    var waiting = pollfd(fd: socket, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&waiting, 1, 100)
                } else {
                    throw sendFailed(AMQP_STATUS_SOCKET_ERROR.rawValue, operation)
                }
            }
        }
    }
}
