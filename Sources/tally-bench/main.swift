// tally-bench: the evaluation stage alone. Loads a project once, then runs its compiled
// plan over the in-memory ledgers several times and reports decisions per second on one
// core (loading, output rendering and writing are excluded).
//
//   swift run -c release tally-bench examples/acme 20
//   swift run -c release tally-bench .bench/projects/medium 3
//   swift run -c release tally-bench .bench/projects/medium 3 none     # trace level
//
// It then renders and chains the last run's decision records the way `tally run` does
// (on one core beside the runner), into /dev/null, and reports records per second:
// evaluation and rendering run side by side in a run, so the slower sets its pace.
// The one load's wall and CPU time (every thread's) are reported too.
import Foundation
import TallyAudit
import TallyDriver
import TallyRun

let arguments = CommandLine.arguments
let project = arguments.count > 1 ? arguments[1] : "examples/acme"
let rounds = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 5) : 5
guard let detail = TraceDetail(rawValue: arguments.count > 3 ? arguments[3] : "full") else {
    FileHandle.standardError.write(Data("tally-bench: the trace level is full, decisive or none\n".utf8))
    exit(2)
}

/// CPU seconds this process has used so far, all threads (user and system).
func processorSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

let loadStart = (wall: DispatchTime.now().uptimeNanoseconds, cpu: processorSeconds())
let load = ProjectLoad.load(project)
// Loading once, on every core it uses: its CPU time varies less than its wall time on a
// shared machine (compare builds by it).
let loadTime = (wall: Double(DispatchTime.now().uptimeNanoseconds - loadStart.wall) / 1e9, cpu: processorSeconds() - loadStart.cpu)
guard let loaded = load.loaded else {
    FileHandle.standardError.write(Data("tally-bench: cannot load \(project): \(load.usageError ?? load.diagnostics.map(\.message).joined(separator: "; "))\n".utf8))
    exit(2)
}
let plan = loaded.plan
var timings: [Double] = []
var decisions = 0
var last: RunResult?
for _ in 0..<rounds {
    last = nil
    let start = DispatchTime.now().uptimeNanoseconds
    let result = Runner.run(plan, ledgers: loaded.ledgers, traceDetail: detail)
    timings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    decisions = result.decisions.count
    last = result
}
timings.sort()
let median = timings[timings.count / 2]

// Rendering: the stream's queue does the work; this thread only hands decisions over.
var renderTimings: [Double] = []
if let result = last {
    let header = RunHeader(program: plan.name, rules: loaded.rules, rulesVersion: plan.rulesVersion, inputs: loaded.inputDigests,
                           asOf: result.asOf, asOfSource: "tally-bench", redactionKey: nil, tokenKeys: loaded.tokenKeys, traceDetail: detail)
    for _ in 0..<rounds {
        guard let sink = FileHandle(forWritingAtPath: "/dev/null") else { break }
        // Each decision with a trace of its own, as a run hands them over (the renderer
        // takes a trace out of its box, which copies a box the result shares), made
        // before the clock starts.
        // Last first, to be moved out of the array in order (iterating it would share
        // each box again).
        var handed: [Decision] = result.decisions.reversed().map { decision in
            var own = decision
            own.restoreTrace(decision.trace)
            return own
        }
        let start = DispatchTime.now().uptimeNanoseconds
        let stream = DecisionLog.Stream(plan: plan, header: header, redactor: nil, file: sink)
        while let decision = handed.popLast() { stream.receive(decision) }
        var log = stream.finish(adjustments: result.adjustments)
        log.close()
        renderTimings.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
renderTimings.sort()
let clicks = loaded.ledgers.clicks.count
let orders = loaded.ledgers.orders.count
print("\(project): \(orders) orders, \(clicks) clicks, \(decisions) decisions, trace \(detail.rawValue)")
print(String(format: "loading, once: %.3f s wall, %.3f s CPU (all threads)", loadTime.wall, loadTime.cpu))
// The fastest round too: on a shared machine the median drifts with the neighbours, the
// fastest round less so (compare builds by it, alternating them).
print(String(format: "evaluation, median of %d: %.3f s = %.0f decisions/s, %.0f orders/s (one core; fastest %.3f s)",
             rounds, median, Double(decisions) / median, Double(orders) / median, timings[0]))
if !renderTimings.isEmpty {
    let render = renderTimings[renderTimings.count / 2]
    print(String(format: "decision records rendered and chained, median of %d: %.3f s = %.0f records/s (one core; fastest %.3f s)",
                 rounds, render, Double(decisions) / render, renderTimings[0]))
}
