/// e^x for eight floats at once, for softmax: Cody-Waite reduction x = n ln2 + r with |r| <= ln2/2, a degree-6
/// polynomial for e^r (relative error under 2e-7, as expf), and 2^n put into the exponent bits. Inputs below
/// -87.3 give 0 (softmax rows are shifted by their maximum, so only small values are ever cut).
@inline(__always)
func exponential(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let clamped = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.3))
    let n = (clamped * 1.44269504088896341).rounded(.toNearestOrEven)
    // ln 2 split in two so n * ln2 is subtracted without rounding error.
    var r = clamped - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.0 / 720)
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let exponentBits = (SIMD8<Int32>(n, rounding: .toNearestOrEven) &+ 127) &<< 23
    let scale = unsafeBitCast(exponentBits, to: SIMD8<Float>.self)
    return (p * scale).replacing(with: 0, where: x .< -87.3)
}
