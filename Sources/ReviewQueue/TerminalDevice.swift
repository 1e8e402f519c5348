import Store
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The write end of the pipe that wakes the screen's loop; a signal handler may only write to a descriptor.
private var wakePipeWriter: Int32 = -1

private func wake(_ byte: UInt8) {
    var value = byte
    _ = write(wakePipeWriter, &value, 1)
}

/// The controlling terminal in raw mode on the alternate screen, plus a self-pipe that turns SIGWINCH, SIGTERM,
/// SIGHUP and background work into events of one poll loop.
final class TerminalDevice {
    enum Event: Equatable {
        case input([UInt8])
        case resize
        case pictureReady
        case terminate
        case timeout
    }

    static let resizeByte = UInt8(ascii: "W")
    static let pictureByte = UInt8(ascii: "P")
    static let terminateByte = UInt8(ascii: "T")

    private var saved = termios()
    private var isRaw = false
    private let wakeReader: Int32

    /// Whether standard input and output are a terminal the screen can take over.
    static var isAvailable: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    init() throws {
        guard Self.isAvailable else {
            throw StoreError.invalidInput("tbd review needs a terminal; in scripts use its subcommands (list, show, approve, reject, edit, stats)")
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw StoreError.invalidInput("cannot create a pipe: \(String(cString: strerror(errno)))") }
        wakeReader = fds[0]
        wakePipeWriter = fds[1]
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        signal(SIGWINCH) { _ in wake(TerminalDevice.resizeByte) }
        signal(SIGTERM) { _ in wake(TerminalDevice.terminateByte) }
        signal(SIGHUP) { _ in wake(TerminalDevice.terminateByte) }
    }

    deinit {
        leaveRawMode()
        signal(SIGWINCH, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        signal(SIGHUP, SIG_DFL)
        close(wakeReader)
        close(wakePipeWriter)
        wakePipeWriter = -1
    }

    /// Lets background work wake the loop.
    func notifyPictureReady() {
        wake(Self.pictureByte)
    }

    func enterRawMode() {
        guard !isRaw else { return }
        tcgetattr(STDIN_FILENO, &saved)
        var raw = saved
        raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        raw.c_oflag &= ~tcflag_t(OPOST)
        raw.c_cflag |= tcflag_t(CS8)
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw)
        isRaw = true
        send("\u{1B}[?1049h\u{1B}[?25l\u{1B}[2J")
    }

    func leaveRawMode() {
        guard isRaw else { return }
        send("\u{1B}[0m\u{1B}[2J\u{1B}[?25h\u{1B}[?1049l")
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
        isRaw = false
    }

    /// Columns and rows; 80x24 when the terminal does not say.
    func size() -> (width: Int, height: Int) {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 {
            return (Int(size.ws_col), Int(size.ws_row))
        }
        return (80, 24)
    }

    func send(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return
            }
            offset += written
        }
    }

    /// Waits for input, a signal or a wake-up, at most `timeout` milliseconds.
    func next(timeout: Int32) -> Event {
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)]
        let ready = poll(&fds, 2, timeout)
        if ready == 0 { return .timeout }
        if ready < 0 { return errno == EINTR ? .resize : .terminate }
        if fds[1].revents & Int16(POLLIN) != 0 {
            var bytes = [UInt8](repeating: 0, count: 64)
            let count = read(wakeReader, &bytes, bytes.count)
            let received = bytes.prefix(max(0, count))
            if received.contains(Self.terminateByte) { return .terminate }
            if received.contains(Self.resizeByte) { return .resize }
            return .pictureReady
        }
        if fds[0].revents & Int16(POLLIN | POLLHUP) != 0 {
            var bytes = [UInt8](repeating: 0, count: 256)
            let count = read(STDIN_FILENO, &bytes, bytes.count)
            if count <= 0 { return .terminate }
            return .input(Array(bytes.prefix(count)))
        }
        return .terminate
    }
}
