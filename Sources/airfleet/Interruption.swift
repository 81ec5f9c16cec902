import Fleet
import Foundation

/// Turns the first SIGINT or SIGTERM into a stop request, so a long command can finish what it
/// has in hand and give the rest back; a second one ends the process at once (which loses
/// nothing either, it only skips the tidy end).
final class Interruption {
    let stop = StopSignal()
    private var sources: [any DispatchSourceSignal] = []

    init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [stop] in
                if stop.isRequested {
                    signal(number, SIG_DFL)
                    kill(getpid(), number)
                }
                stop.request()
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        sources.forEach { $0.cancel() }
    }
}
