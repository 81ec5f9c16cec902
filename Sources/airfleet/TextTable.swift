/// Columns padded to their widest cell, two spaces apart, for the commands' tables.
enum TextTable {
    static func render(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let lines = [header] + rows
        let widths = header.indices.map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { line in
            line.enumerated().map { column, text in
                if rightAligned.contains(column) { return text.leftPadded(to: widths[column]) }
                // The last column is not padded, so lines carry no trailing blanks.
                return column == line.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
