import Foundation
import XCTest

/// `unroll report` as a reader sees it: the page is rendered in headless Chromium (Debian's
/// `chromium`; `Tools/test.sh` installs it) at 1024 pixels wide, and a script in the rendered page
/// checks that every section is there with its plots and tables, and that nothing sticks out of
/// the page (wide tables and the summary scroll inside their own boxes). Skipped, with the reason,
/// where no Chromium is installed.
final class ReportBrowserTests: XCTestCase {
    let fm = FileManager.default

    func chromium() throws -> String {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where fm.isExecutableFile(atPath: path) {
            return path
        }
        throw XCTSkip("no Chromium (apt-get install chromium, or Tools/install-deps.sh --for-tests)")
    }

    /// The checks, run by the browser after layout; their result lands in `body[data-check]`.
    static let probe = """
        <script>
        const out = {};
        out.sections = [...document.querySelectorAll('h2')].map(h => h.id);
        out.figures = document.querySelectorAll('figure svg').length;
        out.tables = document.querySelectorAll('table').length;
        out.historyRows = document.querySelectorAll('#history ~ .table tr').length - 1;
        out.markers = [...document.querySelectorAll('figure svg text')].map(t => t.textContent).filter(t => t.startsWith('best') || t.startsWith('stopped'));
        out.pageOverflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
        const right = document.body.getBoundingClientRect().right;
        out.overflowing = [...document.querySelectorAll('body *')].filter(el => {
          if (el.closest('.table, pre, details')) return false;   // these scroll inside their box
          return el.getBoundingClientRect().right > right + 1;
        }).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : ''));
        out.smallestChart = Math.min(...[...document.querySelectorAll('figure:not(#fig-confusion) svg')].map(s => s.getBoundingClientRect().width));
        out.confusionCell = document.querySelector('#fig-confusion svg').getBoundingClientRect().width / document.querySelector('#fig-confusion svg').viewBox.baseVal.width * 44;
        document.body.setAttribute('data-check', JSON.stringify(out));
        </script>
        """

    func testTheReportRendersCompleteAndNothingOverflows() throws {
        let browser = try chromium()
        let dir = fm.temporaryDirectory.appendingPathComponent("unroll-report-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        // Tagging with validation, early stopping (so best and stopped epochs can differ), clipping
        // and the gradient-flow recorder: every section has something to show.
        try Data(
            tinyTaggingSpec(
                name: "report-check", seed: 4, learningRate: 0.05,
                extra: """
                    clipping: {global_norm: 0.5}
                    batch_size: 16
                    epochs: 6
                    callbacks: [{type: gradient_flow, every: 2}, {type: early_stopping, monitor: val_loss, patience: 1}]
                    verbosity: quiet
                    """
            ).utf8
        ).write(to: dir.appendingPathComponent("run.yaml"))
        let train = try runUnroll(["train", "run.yaml"], in: dir)
        XCTAssertEqual(train.code, 0, train.err)
        let report = try runUnroll(["report", "out"], in: dir)
        XCTAssertEqual(report.code, 0, report.err)
        let page = try String(contentsOf: dir.appendingPathComponent("out/report.html"), encoding: .utf8)
        let checked = dir.appendingPathComponent("out/checked.html")
        try Data(page.replacingOccurrences(of: "</body>", with: Self.probe + "</body>").utf8).write(to: checked)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: browser)
        p.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1024,800", "--virtual-time-budget=3000",
            "--dump-dom", checked.absoluteString,
        ]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let dom = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard let start = dom.range(of: "data-check=\""), let end = dom[start.upperBound...].range(of: "\"") else {
            return XCTFail("the browser did not run the checks; its DOM:\n\(dom.prefix(2000))")
        }
        let json = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
        let check = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(
            check["sections"] as? [String], ["data", "model", "training", "curves", "test", "gradient-flow", "history"])
        // loss, metrics, confusion matrix, gradient flow
        XCTAssertEqual(check["figures"] as? Int, 4, "\(check)")
        let epochs =
            try String(contentsOf: dir.appendingPathComponent("out/history.csv"), encoding: .utf8)
            .split(separator: "\n").count - 1
        XCTAssertEqual(check["historyRows"] as? Int, epochs)
        XCTAssertFalse((check["markers"] as? [String] ?? []).isEmpty, "best/stopped epochs marked: \(check)")
        XCTAssertEqual(check["pageOverflow"] as? Int, 0, "the page scrolls sideways: \(check)")
        XCTAssertEqual(check["overflowing"] as? [String], [], "elements past the page's right edge")
        // Line charts as wide as the text (760 of its 980 pixels), confusion cells drawn 44 pixels wide.
        XCTAssertGreaterThanOrEqual(
            check["smallestChart"] as? Double ?? 0, 700, "charts large enough to read: \(check)")
        XCTAssertGreaterThanOrEqual(check["confusionCell"] as? Double ?? 0, 40, "\(check)")
    }
}
