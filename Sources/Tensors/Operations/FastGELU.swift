/// GELU with the exact (erf) form, 0.5 x (1 + erf(x / sqrt 2)), as straight-line float arithmetic the compiler
/// vectorises: `erff` is a library call per element, and wav2vec 2.0's feature encoder applies GELU to about
/// 32 million values per 10 s of audio (measured: 1.2 s single-threaded through erff on this machine).
///
/// 1 + erf(x / sqrt 2) is written through erfc(|x| / sqrt 2) (Abramowitz & Stegun 7.1.26: a degree-5 polynomial in
/// t = 1 / (1 + p z) times e^(-z^2), absolute error under 1.5e-7) as 2 - erfc for x >= 0 and erfc itself for
/// x < 0, so the negative tail keeps its relative precision instead of losing it to 1 - (almost 1).
@inline(__always)
package func gaussianErrorLinearUnit(_ x: Float) -> Float {
    let z = abs(x) * 0.70710678118654752
    let t = 1 / (1 + 0.3275911 * z)
    var p: Float = 1.061405429
    p = p * t - 1.453152027
    p = p * t + 1.421413741
    p = p * t - 0.284496736
    p = p * t + 0.254829592
    let complement = p * t * exponential(-z * z)
    return 0.5 * x * (x >= 0 ? 2 - complement : complement)
}
