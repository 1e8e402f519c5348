import Foundation

/// The MFCCs syncnet_python feeds its audio tower: `python_speech_features.mfcc(audio, sample_rate)` (version 0.6)
/// with its defaults, on 16-bit samples as `scipy.io.wavfile.read` gives them (not scaled to [-1, 1]): 25 ms
/// frames every 10 ms (100 per second), zero-padded at the end to a whole frame, no window; pre-emphasis 0.97 over
/// the whole signal first; the power spectrum of a 512-point FFT divided by 512; 26 triangular mel filters from
/// 0 Hz to half the rate; the natural log; the orthonormal DCT-II, 13 coefficients kept; a sine lifter of 22; and
/// coefficient 0 replaced by the log of the frame's total power. Everything in double precision, as numpy
/// computes it; a zero energy becomes the float epsilon before its log, as there.
package enum MelFrequencyCepstrum {
    package static let coefficients = 13
    static let filters = 26
    static let fftSize = 512
    static let preEmphasis = 0.97
    static let lifter = 22.0

    /// [frames][13] for SAMPLES (16-bit values as Double) at RATE samples per second.
    package static func compute(_ samples: [Double], sampleRate: Int) -> [[Double]] {
        guard !samples.isEmpty else { return [] }
        let frameLength = Int((0.025 * Double(sampleRate)).rounded(.toNearestOrAwayFromZero))
        let frameStep = Int((0.01 * Double(sampleRate)).rounded(.toNearestOrAwayFromZero))
        var emphasised = samples
        for index in stride(from: samples.count - 1, to: 0, by: -1) {
            emphasised[index] = samples[index] - preEmphasis * samples[index - 1]
        }
        let frameCount = samples.count <= frameLength
            ? 1 : 1 + Int((Double(samples.count - frameLength) / Double(frameStep)).rounded(.up))
        // numpy's rfft(frames, 512) keeps the first 512 samples of a longer frame.
        let used = min(frameLength, fftSize)
        let bins = fftSize / 2 + 1
        let table = (0..<fftSize).map { 2 * Double.pi * Double($0) / Double(fftSize) }
        let (cosines, sines) = (table.map { cos($0) }, table.map { sin($0) })
        let bank = filterBank(sampleRate: sampleRate)
        let epsilon = Double.ulpOfOne
        var result: [[Double]] = []
        result.reserveCapacity(frameCount)
        var frame = [Double](repeating: 0, count: used)
        var power = [Double](repeating: 0, count: bins)
        for index in 0..<frameCount {
            let start = index * frameStep
            for n in 0..<used { frame[n] = start + n < emphasised.count ? emphasised[start + n] : 0 }
            for k in 0..<bins {
                var real = 0.0, imaginary = 0.0
                for n in 0..<used {
                    let phase = (k * n) % fftSize
                    real += frame[n] * cosines[phase]
                    imaginary -= frame[n] * sines[phase]
                }
                power[k] = (real * real + imaginary * imaginary) / Double(fftSize)
            }
            var energy = power.reduce(0, +)
            if energy == 0 { energy = epsilon }
            let logFilters = bank.map { filter -> Double in
                var sum = 0.0
                for (bin, weight) in filter { sum += power[bin] * weight }
                return log(sum == 0 ? epsilon : sum)
            }
            var cepstrum = (0..<coefficients).map { k -> Double in
                var sum = 0.0
                for (n, value) in logFilters.enumerated() {
                    sum += value * cos(Double.pi * Double(k) * Double(2 * n + 1) / Double(2 * filters))
                }
                return sum * (k == 0 ? (1 / Double(filters)).squareRoot() : (2 / Double(filters)).squareRoot())
            }
            for k in 0..<coefficients { cepstrum[k] *= 1 + lifter / 2 * sin(Double.pi * Double(k) / lifter) }
            cepstrum[0] = log(energy)
            result.append(cepstrum)
        }
        return result
    }

    /// `get_filterbanks(26, 512, rate, 0, rate / 2)`: per filter, its nonzero (FFT bin, weight) pairs.
    static func filterBank(sampleRate: Int) -> [[(bin: Int, weight: Double)]] {
        func melFromHertz(_ hertz: Double) -> Double { 2595 * log10(1 + hertz / 700) }
        func hertzFromMel(_ mel: Double) -> Double { 700 * (pow(10, mel / 2595) - 1) }
        let high = melFromHertz(Double(sampleRate) / 2)
        // numpy's linspace: i x step + start, the last point set to the end exactly.
        let step = high / Double(filters + 1)
        let points = (0...(filters + 1)).map { $0 == filters + 1 ? high : Double($0) * step }
        let edges = points.map { (Double(fftSize + 1) * hertzFromMel($0) / Double(sampleRate)).rounded(.down) }
        return (0..<filters).map { j in
            var filter: [(bin: Int, weight: Double)] = []
            for i in Int(edges[j])..<max(Int(edges[j]), Int(edges[j + 1])) {
                filter.append((i, (Double(i) - edges[j]) / (edges[j + 1] - edges[j])))
            }
            for i in Int(edges[j + 1])..<max(Int(edges[j + 1]), Int(edges[j + 2])) {
                filter.append((i, (edges[j + 2] - Double(i)) / (edges[j + 2] - edges[j + 1])))
            }
            return filter
        }
    }
}
