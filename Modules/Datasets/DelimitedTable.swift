import Foundation

/// A CSV/TSV table: RFC 4180 quoting (`"a, b"`, `""` for a quote, delimiters and newlines inside
/// quotes), a header row with column names, and the line each record starts on.
public struct DelimitedTable: Sendable {
    public var columns: [String]
    public var rows: [[String]]
    /// 1-based line on which each row starts.
    public var lines: [Int]
    public var path: String

    /// Parses a file. The delimiter defaults to a tab for `.tsv`/`.tab` files and a comma otherwise.
    /// A row with the wrong number of fields is an error, or skipped and reported.
    public static func load(
        _ url: URL, delimiter: Character? = nil, header: Bool = true, onBadRecord: OnBadRecord = .fail
    ) throws -> (table: DelimitedTable, report: LoadReport) {
        let text = try FileText.read(url)
        let d = delimiter ?? (["tsv", "tab"].contains(url.pathExtension.lowercased()) ? "\t" : ",")
        var records = try parse(text, delimiter: d, path: url.path)
        var report = LoadReport()
        var columns: [String]
        if header {
            guard let first = records.first else {
                throw DataError.io(path: url.path, message: "the file is empty (no header row)")
            }
            columns = first.fields
            records.removeFirst()
        } else {
            columns = (0..<(records.first?.fields.count ?? 0)).map { "column_\($0 + 1)" }
        }
        var rows: [[String]] = []
        var lines: [Int] = []
        for r in records {
            if r.fields == [""] { continue }  // blank line
            guard r.fields.count == columns.count else {
                try report.bad(
                    .record(
                        path: url.path, line: r.line,
                        message:
                            "\(r.fields.count) fields, expected \(columns.count) (\(columns.joined(separator: ", ")))"),
                    onBadRecord)
                continue
            }
            rows.append(r.fields)
            lines.append(r.line)
        }
        report.loaded = rows.count
        return (DelimitedTable(columns: columns, rows: rows, lines: lines, path: url.path), report)
    }

    /// The index of a column, or an error listing the columns.
    public func column(_ name: String) throws -> Int {
        guard let i = columns.firstIndex(of: name) else {
            throw DataError.column(path: path, name: name, columns: columns)
        }
        return i
    }

    /// The rows whose `column` equals `value`.
    public func filter(_ column: String, equals value: String) throws -> DelimitedTable {
        let c = try self.column(column)
        let keep = rows.indices.filter { rows[$0][c] == value }
        return DelimitedTable(columns: columns, rows: keep.map { rows[$0] }, lines: keep.map { lines[$0] }, path: path)
    }

    struct Record {
        var fields: [String]
        var line: Int
    }

    static func parse(_ text: String, delimiter: Character, path: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var quotedField = false
        var line = 1
        var recordLine = 1
        var chars = text.makeIterator()
        var pending: Character? = nil
        func endField() {
            fields.append(field)
            field = ""
            quotedField = false
        }
        func endRecord() {
            endField()
            records.append(Record(fields: fields, line: recordLine))
            fields = []
        }
        while let c = pending ?? chars.next() {
            pending = nil
            if inQuotes {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" {
                            field.append("\"")
                        } else {
                            inQuotes = false
                            pending = n
                        }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty && !quotedField:
                inQuotes = true
                quotedField = true
            case delimiter:
                endField()
            case "\n", "\r\n":
                endRecord()
                line += 1
                recordLine = line
            case "\r":
                continue
            default:
                field.append(c)
            }
        }
        if inQuotes {
            throw DataError.record(
                path: path, line: recordLine, message: "a quoted field is not closed before the end of the file")
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return records
    }
}
