import Foundation

/// One figure of one run of one benchmark.
struct BenchmarkFigure: Codable {
    var benchmark: String
    var metric: String
    var unit: String
    var value: Double
    /// What the figure should reach, as `>= N` or `<= N`, judged on the median.
    var target: String?
}

/// The JSON-lines file a whole ops/bench run collects its figures in; each run of a benchmark
/// appends its own, and the report takes medians over the runs.
struct ResultsFile {
    let path: String

    func append(_ benchmark: String, _ metric: String, _ value: Double, unit: String, target: String? = nil) throws {
        try append(BenchmarkFigure(benchmark: benchmark, metric: metric, unit: unit, value: value, target: target))
    }

    func append(_ figure: BenchmarkFigure) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var line = try encoder.encode(figure)
        line.append(UInt8(ascii: "\n"))
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ResultsError("cannot create \(path)")
            }
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: line)
    }

    func figures() throws -> [BenchmarkFigure] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(whereSeparator: \.isNewline).enumerated().map { index, line in
            do {
                return try JSONDecoder().decode(BenchmarkFigure.self, from: Data(line.utf8))
            } catch {
                throw ResultsError("\(path) line \(index + 1) is not a benchmark figure: \(error)")
            }
        }
    }
}

struct ResultsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
