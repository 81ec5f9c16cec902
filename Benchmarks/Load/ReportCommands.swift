import ArgumentParser
import Foundation

struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record", abstract: "Appends one figure to a results file.")

    @Option(help: "Results file (JSON lines).") var results: String
    @Option(help: "The benchmark's name.") var benchmark: String
    @Option(help: "What was measured.") var metric: String
    @Option(help: "Its unit.") var unit: String
    @Option(help: "The figure.") var value: Double
    @Option(help: "The target, as '>= N' or '<= N'.") var target: String?

    func validate() throws {
        if let target, Target(target) == nil { throw ValidationError("--target must be '>= N' or '<= N', not '\(target)'") }
    }

    func run() throws {
        try ResultsFile(path: results).append(benchmark, metric, value, unit: unit, target: target)
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Prints the median, min and max of each figure over its runs, against its target.")

    @Option(help: "Results file (JSON lines).") var results: String
    @Option(help: "Also write the table as JSON here.") var json: String?
    @Option(help: "Also write the table as Markdown here (for the README).") var markdown: String?

    func run() throws {
        let rows = BenchmarkTable(try ResultsFile(path: results).figures()).rows
        print(BenchmarkTable.text(rows))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(rows).write(to: URL(fileURLWithPath: json))
        }
        if let markdown {
            try Data(BenchmarkTable.markdown(rows).utf8).write(to: URL(fileURLWithPath: markdown))
        }
    }
}

/// `>= N` or `<= N`.
struct Target {
    let atLeast: Bool
    let bound: Double

    init?(_ text: String) {
        let trimmed = text.replacingOccurrences(of: " ", with: "")
        if trimmed.hasPrefix(">="), let bound = Double(trimmed.dropFirst(2)) {
            (atLeast, self.bound) = (true, bound)
        } else if trimmed.hasPrefix("<="), let bound = Double(trimmed.dropFirst(2)) {
            (atLeast, self.bound) = (false, bound)
        } else {
            return nil
        }
    }

    func isMet(by value: Double) -> Bool { atLeast ? value >= bound : value <= bound }
}

/// Figures grouped by benchmark and metric, in the order they were first recorded.
struct BenchmarkTable {
    struct Row: Codable {
        var benchmark, metric, unit: String
        var runs: Int
        var median, min, max: Double
        var target: String?
        var met: Bool?
    }

    let rows: [Row]

    init(_ figures: [BenchmarkFigure]) {
        var order: [String] = []
        var groups: [String: [BenchmarkFigure]] = [:]
        for figure in figures {
            let key = figure.benchmark + "\u{1}" + figure.metric
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(figure)
        }
        rows = order.map { key in
            let group = groups[key]!
            let values = group.map(\.value).sorted()
            // The lower middle for an even count: a figure that was actually measured.
            let median = values[(values.count - 1) / 2]
            let target = group.compactMap(\.target).last
            return Row(benchmark: group[0].benchmark, metric: group[0].metric, unit: group[0].unit, runs: values.count,
                       median: median, min: values[0], max: values[values.count - 1],
                       target: target, met: target.flatMap(Target.init)?.isMet(by: median))
        }
    }

    static func text(_ rows: [Row]) -> String {
        let header = ["benchmark", "figure", "median", "min", "max", "unit", "runs", "target", ""]
        let cells = rows.map { row in
            [row.benchmark, row.metric, format(row.median), format(row.min), format(row.max), row.unit, String(row.runs),
             row.target ?? "", row.met.map { $0 ? "met" : "MISSED" } ?? ""]
        }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max()! }
        let numeric: Set<Int> = [2, 3, 4, 6]
        func line(_ fields: [String]) -> String {
            fields.enumerated().map { column, field in
                let pad = String(repeating: " ", count: widths[column] - field.count)
                return numeric.contains(column) ? pad + field : field + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + cells.map(line)).joined(separator: "\n")
    }

    static func markdown(_ rows: [Row]) -> String {
        let lines = rows.map { row in
            let verdict = row.met.map { $0 ? "met" : "**missed**" } ?? ""
            return "| \(row.benchmark) | \(row.metric) | \(format(row.median)) | \(format(row.min)) | \(format(row.max)) | "
                + "\(row.unit) | \(row.runs) | \(row.target ?? "") \(verdict) |"
        }
        return (["| benchmark | figure | median | min | max | unit | runs | target |", "|---|---|--:|--:|--:|---|--:|---|"] + lines)
            .joined(separator: "\n") + "\n"
    }

    static func format(_ value: Double) -> String {
        if value >= 100 || value == value.rounded() { return String(format: "%.0f", value) }
        return String(format: value >= 10 ? "%.1f" : "%.2f", value)
    }
}
