/// Model output is untrusted: before it reaches a terminal or a prompt, escape sequences and control characters go.
public enum UntrustedText {
    /// Removes ANSI/VT escape sequences (CSI, OSC, single-character escapes) and C0/C1 controls (carriage
    /// return included, which could overwrite a line) except newline and tab.
    public static func sanitize(_ text: String, keepNewlines: Bool = true) -> String {
        var output = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            switch scalar.value {
            case 0x1B:  // ESC: drop the whole sequence
                guard let next = pending else { break }
                pending = scalars.next()
                if next == "[" {
                    // CSI: parameters and intermediates up to a final byte 0x40-0x7E
                    while let byte = pending, !(0x40...0x7E).contains(byte.value) { pending = scalars.next() }
                    pending = scalars.next()
                } else if next == "]" || next == "P" || next == "_" || next == "^" {
                    // OSC/DCS/APC/PM: up to BEL or ESC \
                    while let byte = pending {
                        pending = scalars.next()
                        if byte.value == 0x07 { break }
                        if byte.value == 0x1B { if pending == "\\" { pending = scalars.next() }; break }
                    }
                }
            case 0x9B:  // 8-bit CSI
                while let byte = pending, !(0x40...0x7E).contains(byte.value) { pending = scalars.next() }
                pending = scalars.next()
            case 0x09:
                output.append(scalar)
            case 0x0A:
                output.append(keepNewlines ? scalar : " ")
            case 0x00...0x1F, 0x7F...0x9F:
                continue
            default:
                output.append(scalar)
            }
        }
        return String(output)
    }
}
