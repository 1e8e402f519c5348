import Tensors
import XCTest

/// Asserts |actual - expected| <= relative * max(|expected|, mean |expected|) for every element: a relative
/// tolerance whose floor is the tensor's typical magnitude, so values that cross zero are judged at its scale.
public func assertClose(_ actual: Tensor, _ expected: Tensor, relative: Float = 1e-4, _ message: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.shape, expected.shape, "shape \(message)", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    let scale = expected.scalars.reduce(0) { $0 + abs($1) } / Float(max(1, expected.count))
    var worst: (index: Int, excess: Float)?
    for index in 0..<expected.count {
        let bound = relative * max(abs(expected.scalars[index]), scale)
        let error = abs(actual.scalars[index] - expected.scalars[index])
        if !(error <= bound), error - bound > (worst?.excess ?? -1) { worst = (index, error - bound) }
    }
    if let worst {
        XCTFail("\(message): element \(worst.index) is \(actual.scalars[worst.index]), expected \(expected.scalars[worst.index]) (relative tolerance \(relative))",
                file: file, line: line)
    }
}

/// |actual - expected| / |expected| over the whole tensor, summed in Double: how far a network's output moved when
/// its arithmetic changed (BF16 operands, Winograd's transforms).
public func relativeL2(_ actual: Tensor, _ expected: Tensor) -> Double {
    var difference = 0.0, norm = 0.0
    for (a, e) in zip(actual.scalars, expected.scalars) {
        difference += Double(a - e) * Double(a - e)
        norm += Double(e) * Double(e)
    }
    return (difference / norm).squareRoot()
}
