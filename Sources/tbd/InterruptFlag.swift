import Foundation

/// Set by SIGINT (Ctrl-C) so rendering stops between denoising steps and cleans up, instead of dying mid-write.
final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var set = false
    private var source: DispatchSourceSignal?

    var isSet: Bool { lock.withLock { set } }

    static func install() -> InterruptFlag {
        let flag = InterruptFlag()
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak flag] in
            guard let flag else { return }
            flag.lock.withLock { flag.set = true }
            FileHandle.standardError.write(Data("\ninterrupt: stopping after the current step\n".utf8))
        }
        source.resume()
        flag.source = source
        return flag
    }

    /// For commands whose finished work is already committed as it completes (batch units, a stored annotation):
    /// Ctrl-C ends the process at once with status 130, after a line saying how to go on.
    static func exitOnInterrupt(saying text: String) {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            FileHandle.standardError.write(Data("\ninterrupted: \(text)\n".utf8))
            exit(130)
        }
        source.resume()
        interruptSources.append(source)
    }

    /// Signal sources live as long as the process.
    nonisolated(unsafe) private static var interruptSources: [DispatchSourceSignal] = []
}
