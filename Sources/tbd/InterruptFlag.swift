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
}
