/// e^x for softmax, written as straight-line float and integer arithmetic so the compiler vectorises the loops
/// that call it (expf is a library call per element and dominated large attention). Cody-Waite reduction
/// x = n ln2 + r with |r| <= ln2/2, a degree-6 polynomial for e^r (relative error under 1e-6), and 2^n built in
/// the exponent bits. n comes from the 1.5 * 2^23 rounding trick: adding it leaves n in the low mantissa bits.
/// Inputs below -87.3 give 0 (softmax rows are shifted by their maximum, so only negligible terms are cut).
@inline(__always)
package func exponential(_ x: Float) -> Float {
    let clamped = x < -87.3 ? -87.3 : (x > 88.3 ? 88.3 : x)
    let shifted = clamped * 1.44269504088896341 + 12_582_912
    let n = shifted - 12_582_912
    // ln 2 split in two so n * ln2 is subtracted without rounding error.
    var r = clamped - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p: Float = 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let scale = Float(bitPattern: (shifted.bitPattern &+ 127) &<< 23)
    return x < -87.3 ? 0 : p * scale
}
