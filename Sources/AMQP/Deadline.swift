import Foundation

/// When a wait ends, on the monotonic clock.
enum Deadline {
    case forever
    case immediate
    case at(nanoseconds: UInt64)

    static func after(_ seconds: Double?) -> Deadline {
        guard let seconds else { return .forever }
        guard seconds > 0 else { return .immediate }
        return .at(nanoseconds: DispatchTime.now().uptimeNanoseconds + UInt64(min(seconds, 1e9) * 1e9))
    }

    var hasPassed: Bool {
        switch self {
        case .forever: return false
        case .immediate: return true
        case .at(let end): return DispatchTime.now().uptimeNanoseconds >= end
        }
    }

    /// The wait to hand to amqp_simple_wait_frame_noblock; nil waits forever.
    /// Never exactly zero: with a zero timeval rabbitmq-c skips its heartbeat-timeout check
    /// (the deadline then always wins), with one microsecond it makes it.
    var waitTime: timeval? {
        switch self {
        case .forever: return nil
        case .immediate: return timeval(tv_sec: 0, tv_usec: 1)
        case .at(let end):
            let now = DispatchTime.now().uptimeNanoseconds
            let left = end > now ? end - now : 0
            return timeval(tv_sec: Int(left / 1_000_000_000), tv_usec: max(1, Int(left % 1_000_000_000 / 1_000)))
        }
    }
}

extension timeval {
    init(seconds: Double) {
        let whole = seconds.rounded(.down)
        self.init(tv_sec: Int(whole), tv_usec: Int((seconds - whole) * 1_000_000))
    }
}
