/// Rows a context's read-ahead step (`ContextDefinition.withReadAhead`) loaded for a batch's
/// handlers in one statement, inside the batch's transaction, each taken by the handler that
/// needs it instead of a round trip of its own.
///
/// It lives for one attempt at the batch's transaction: a batch handled again (a handler failed,
/// a conflict) reads ahead anew, so nothing read under a rolled-back transaction is ever used.
/// A row that handlers change is taken once: a second message about the same row reads it from
/// the database, where the first one's writes are.
public final class BatchReadAhead {
    private var rows: [AnyHashable: Any] = [:]

    public init() {}

    public func put(_ row: Any, for key: AnyHashable) {
        rows[key] = row
    }

    /// The row read ahead under `key`, once; nil when none was, or it was taken already.
    public func take<Row>(_ key: AnyHashable, as type: Row.Type) -> Row? {
        guard let row = rows[key] as? Row else { return nil }
        rows[key] = nil
        return row
    }

    /// The row read ahead under `key`, left for other handlers too: only for a row that no
    /// message of the batch changes (the read-ahead step reads nothing ahead for a batch that could).
    public func peek<Row>(_ key: AnyHashable, as type: Row.Type) -> Row? {
        rows[key] as? Row
    }
}
