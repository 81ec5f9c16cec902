/// Splits a SQL script into statements the way psql does, so a migration runs one statement at a
/// time and a failure can name the statement and its line (the server gives a position only for
/// parse errors, not for a duplicate key or an existing table).
///
/// Semicolons do not split inside quotes ('…', E'…', "…"), dollar quotes ($$…$$, $tag$…$tag$),
/// comments (--, nested /* */), parentheses, or the BEGIN ATOMIC … END body of a CREATE FUNCTION
/// or PROCEDURE (psql's heuristic).
enum SQLScript {
    struct Statement: Equatable {
        /// The statement without its terminating semicolon.
        var text: String
        /// 1-based line of the statement's first token in the script.
        var line: Int
        /// The first word, lower-cased ("create", "begin", …).
        var keyword: String
        /// The line the statement starts on, for messages.
        var firstLine: String
    }

    static func split(_ script: String) -> [Statement] {
        let bytes = Array(script.utf8)
        var statements: [Statement] = []
        var scanner = State()
        var index = 0
        var start = 0
        var line = 1

        func emit(upTo end: Int) {
            if let tokenStart = scanner.firstToken {
                let text = String(decoding: bytes[start..<end], as: UTF8.self)
                var lineEnd = tokenStart
                while lineEnd < end, bytes[lineEnd] != newline { lineEnd += 1 }
                let first = String(decoding: bytes[tokenStart..<lineEnd], as: UTF8.self)
                let more = lineEnd < end
                statements.append(Statement(text: text, line: scanner.firstLine, keyword: scanner.keyword,
                                            firstLine: more ? first + " …" : first))
            }
            scanner = State()
        }

        while index < bytes.count {
            let byte = bytes[index]
            let next: UInt8? = index + 1 < bytes.count ? bytes[index + 1] : nil
            if byte == newline { line += 1; index += 1; continue }
            if byte == space || byte == tab || byte == carriageReturn { index += 1; continue }
            if byte == dash, next == dash {
                while index < bytes.count, bytes[index] != newline { index += 1 }
                continue
            }
            if byte == slash, next == star {
                var depth = 0
                repeat {
                    if bytes[index] == slash, index + 1 < bytes.count, bytes[index + 1] == star { depth += 1; index += 2; continue }
                    if bytes[index] == star, index + 1 < bytes.count, bytes[index + 1] == slash { depth -= 1; index += 2; continue }
                    if bytes[index] == newline { line += 1 }
                    index += 1
                } while depth > 0 && index < bytes.count
                continue
            }
            if byte == semicolon, scanner.parenDepth == 0, scanner.beginDepth == 0 {
                emit(upTo: index)  // an empty statement (";;") emits nothing
                index += 1
                start = index
                continue
            }
            // Everything else is part of a statement.
            scanner.noteToken(at: index, line: line)
            switch byte {
            case quote:
                index = skipQuoted(bytes, from: index, delimiter: quote, backslashEscapes: false, line: &line)
            case doubleQuote:
                index = skipQuoted(bytes, from: index, delimiter: doubleQuote, backslashEscapes: false, line: &line)
            case dollar:
                if let tag = dollarTag(bytes, at: index) {
                    index = skipDollarQuoted(bytes, from: index, tag: tag, line: &line)
                } else {
                    index += 1
                }
            case openParen:
                scanner.parenDepth += 1
                index += 1
            case closeParen:
                scanner.parenDepth = max(0, scanner.parenDepth - 1)
                index += 1
            default:
                if isIdentifierStart(byte) {
                    var end = index
                    while end < bytes.count, isIdentifierPart(bytes[end]) { end += 1 }
                    let word = String(decoding: bytes[index..<end], as: UTF8.self).lowercased()
                    // E'…' is the one string form where backslash escapes a quote.
                    if word == "e", end < bytes.count, bytes[end] == quote {
                        index = skipQuoted(bytes, from: end, delimiter: quote, backslashEscapes: true, line: &line)
                    } else {
                        scanner.noteWord(word)
                        index = end
                    }
                } else {
                    index += 1
                }
            }
        }
        emit(upTo: bytes.count)
        return statements
    }

    /// What psql tracks per statement.
    private struct State {
        var firstToken: Int?
        var firstLine = 0
        var keyword = ""
        var parenDepth = 0
        var beginDepth = 0
        var words = 0
        /// Initials of the leading CREATE / OR / REPLACE / FUNCTION / PROCEDURE words.
        var initials: [Character?] = [nil, nil, nil, nil]

        mutating func noteToken(at index: Int, line: Int) {
            if firstToken == nil {
                firstToken = index
                firstLine = line
            }
        }

        mutating func noteWord(_ word: String) {
            if words == 0 { keyword = word }
            if words < initials.count, ["create", "or", "replace", "function", "procedure"].contains(word) {
                initials[words] = word.first
            }
            words += 1
            let definesRoutine = initials[0] == "c" && (initials[1] == "f" || initials[1] == "p"
                || (initials[1] == "o" && initials[2] == "r" && (initials[3] == "f" || initials[3] == "p")))
            guard definesRoutine, parenDepth == 0 else { return }
            switch word {
            case "begin": beginDepth += 1
            case "case": if beginDepth > 0 { beginDepth += 1 }  // CASE … END inside a body
            case "end": if beginDepth > 0 { beginDepth -= 1 }
            default: break
            }
        }
    }

    private static func skipQuoted(_ bytes: [UInt8], from start: Int, delimiter: UInt8, backslashEscapes: Bool, line: inout Int) -> Int {
        var index = start + 1
        while index < bytes.count {
            let byte = bytes[index]
            if byte == newline { line += 1 }
            if backslashEscapes, byte == backslash { index += 2; continue }
            if byte == delimiter {
                // A doubled delimiter is an escaped one.
                if index + 1 < bytes.count, bytes[index + 1] == delimiter { index += 2; continue }
                return index + 1
            }
            index += 1
        }
        return index
    }

    /// `$$` or `$tag$` at index (a `$1` parameter is not a tag).
    private static func dollarTag(_ bytes: [UInt8], at index: Int) -> [UInt8]? {
        if index > 0, isIdentifierPart(bytes[index - 1]) { return nil }  // part of an identifier like a$b
        var end = index + 1
        if end < bytes.count, bytes[end] == dollar { return [dollar, dollar] }
        guard end < bytes.count, isIdentifierStart(bytes[end]) else { return nil }
        while end < bytes.count, bytes[end] != dollar {
            guard isIdentifierPart(bytes[end]) else { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        return Array(bytes[index...end])
    }

    private static func skipDollarQuoted(_ bytes: [UInt8], from start: Int, tag: [UInt8], line: inout Int) -> Int {
        var index = start + tag.count
        while index < bytes.count {
            if bytes[index] == newline { line += 1 }
            if bytes[index] == dollar, index + tag.count <= bytes.count, Array(bytes[index..<index + tag.count]) == tag {
                return index + tag.count
            }
            index += 1
        }
        return index
    }

    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == underscore || byte >= 0x80
    }

    private static func isIdentifierPart(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == dollar
    }
}

private let newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r"), space = UInt8(ascii: " "), tab = UInt8(ascii: "\t")
private let dash = UInt8(ascii: "-"), slash = UInt8(ascii: "/"), star = UInt8(ascii: "*"), semicolon = UInt8(ascii: ";")
private let quote = UInt8(ascii: "'"), doubleQuote = UInt8(ascii: "\""), dollar = UInt8(ascii: "$"), backslash = UInt8(ascii: "\\")
private let openParen = UInt8(ascii: "("), closeParen = UInt8(ascii: ")"), underscore = UInt8(ascii: "_")
