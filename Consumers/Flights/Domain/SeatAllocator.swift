/// Picks `count` seats among the free ones of a cabin: a group sits together in one row when
/// some row has that many adjacent free seats (no aisle between them), otherwise the first free
/// seats front to back. Pure, so the rule is tested without a database.
public enum SeatAllocator {
    public static func pick(_ count: Int, in cabin: CabinLayout, taken: Set<SeatNumber>) -> [SeatNumber]? {
        let free = cabin.seats.filter { !taken.contains($0) }
        guard count > 0, free.count >= count else { return nil }
        if count > 1 {
            for row in cabin.rows {
                var block: [SeatNumber] = []
                for letter in cabin.letters {
                    let seat = SeatNumber(row: row, letter: letter)
                    if letter == "|" || taken.contains(seat) { block = []; continue }
                    block.append(seat)
                    if block.count == count { return block }
                }
            }
        }
        return Array(free.prefix(count))
    }
}
