import Contracts

extension EventPattern {
    /// The POSIX regular expression PostgreSQL matches an event's type against when it fans the
    /// event out: the binding key's meaning, `*` one word and a last `#` any number.
    var typeExpression: String {
        let words = bindingKey.split(separator: ".").map { $0 == "*" ? "[^.]+" : String($0) }
        guard words.last == "#" else { return "^" + words.joined(separator: "\\.") + "$" }
        let head = words.dropLast()
        return head.isEmpty ? "^.+$" : "^" + head.joined(separator: "\\.") + "(\\..+)?$"
    }
}
