import Foundation

/// The process's memory for stage timings (`TALLY_TIMING`): profiling only, never in
/// outputs. Peak memory is half of the reference workload's goal, so every timing line
/// says where it was reached.
public enum ProcessMemory {
    /// ", resident N MiB, peak N MiB" from /proc (empty where there is none).
    public static var summary: String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "" }
        func mebibytes(_ field: String) -> String {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
                  let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return "?" }
            return String(kilobytes / 1024)
        }
        return ", resident \(mebibytes("VmRSS")) MiB, peak \(mebibytes("VmHWM")) MiB"
    }
}
