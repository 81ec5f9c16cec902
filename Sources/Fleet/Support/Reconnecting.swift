import Logging

/// Runs a worker until it finishes or a stop is requested: connect, then work; after any
/// error, drop the connections and try again after a growing, jittered wait.
///
/// An error lands here only when the work in hand can no longer be settled on these
/// connections (a lost broker or database, a refused publish); unacknowledged deliveries go
/// back to the queue and meet the inbox when they return.
func runReconnecting(_ worker: String, stop: StopSignal, logger: Logger,
                     connect: () throws -> Void, work: () throws -> Void, disconnect: () -> Void) {
    var backoff = Backoff()
    while !stop.isRequested {
        do {
            try connect()
            backoff.reset()
            try work()
            break
        } catch {
            logger.error("\(worker) interrupted; reconnecting", metadata: ["error": "\(error)"])
            disconnect()
            stop.sleep(backoff.next())
        }
    }
    disconnect()
}
