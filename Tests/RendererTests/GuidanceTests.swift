import XCTest
@_spi(Development) @testable import Renderer
import Tensors
import TensorTesting

final class ClassifierFreeGuidanceParityTests: XCTestCase {
    /// Against diffusers' guidance arithmetic and `rescale_noise_cfg` (cfg.safetensors). Tolerance: 1e-4 relative.
    func testGuidanceAndRescaleMatchDiffusers() throws {
        let fixture = try Fixture.safetensors("cfg.safetensors")
        let (uncond, cond) = (try fixture.tensor(named: "uncond"), try fixture.tensor(named: "cond"))
        for scale: Float in [1.0, 3.5, 7.5] {
            assertClose(ClassifierFreeGuidance.combine(unconditional: uncond, conditional: cond, scale: scale),
                        try fixture.tensor(named: "scale\(scale)"), "scale \(scale)")
            for phi: Float in [0.0, 0.7, 1.0] {
                assertClose(ClassifierFreeGuidance.combine(unconditional: uncond, conditional: cond, scale: scale, rescale: phi),
                            try fixture.tensor(named: "scale\(scale).rescale\(phi)"), "scale \(scale) rescale \(phi)")
            }
        }
    }
}

/// The progressive schedule is exact arithmetic on step indices, so these tests compare exactly.
final class ProgressiveGuidanceScheduleTests: XCTestCase {
    func testDefaultIsTwoStagesSplitAtFortyPercent() throws {
        let schedule = try ProgressiveGuidanceSchedule(stepCount: 50)
        XCTAssertEqual(schedule.stageCount, 2)
        XCTAssertEqual(schedule.boundaries, [0, 20, 50])
        XCTAssertEqual(schedule.mode, .paper)
        XCTAssertEqual((0..<50).filter { schedule.stage(atStep: $0) == 0 }.count, 20)
    }

    /// Compares weights to the fractions worked out by hand from Algorithms 1-2 (floating rounding only).
    private func assertWeights(_ schedule: ProgressiveGuidanceSchedule, _ step: Int, _ expected: [Double],
                               _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
        let weights = schedule.weights(atStep: step)
        XCTAssertEqual(weights.count, expected.count, "step \(step) \(message)", file: file, line: line)
        for (found, wanted) in zip(weights, expected) {
            XCTAssertEqual(found, wanted, accuracy: 1e-12, "step \(step): \(weights) vs \(expected) \(message)", file: file, line: line)
        }
    }

    /// The worked numbers: T = 30, split 0.3, so t_end = 9; alpha = 1 - p/2 with p the position in the stage.
    func testPaperModeFollowsAlgorithmsOneAndTwo() throws {
        let schedule = try ProgressiveGuidanceSchedule(stepCount: 30, splits: [0.3], mode: .paper)
        XCTAssertEqual(schedule.boundaries, [0, 9, 30])
        assertWeights(schedule, 0, [1, 0], "the coarse prompt alone at the first step")
        assertWeights(schedule, 1, [17.0 / 18, 1.0 / 18])
        XCTAssertEqual(schedule.weights(atStep: 1)[0], 0.9444, accuracy: 5e-5)
        assertWeights(schedule, 8, [1 - 8.0 / 18, 8.0 / 18], "alpha approaches alpha_min at the stage's end")
        assertWeights(schedule, 9, [0, 1], "stage 2 starts on the fine prompt alone")
        assertWeights(schedule, 29, [10.0 / 21, 11.0 / 21], "the last stage blends with the previous prompt")
        XCTAssertEqual(schedule.weights(atStep: 29)[0], 0.4762, accuracy: 5e-5)
        XCTAssertEqual(schedule.weights(atStep: 29)[1], 0.5238, accuracy: 5e-5)
    }

    func testPaperModeWithThreeAndFourStages() throws {
        let three = try ProgressiveGuidanceSchedule(stepCount: 30, splits: [0.3, 0.6], mode: .paper)
        XCTAssertEqual(three.boundaries, [0, 9, 18, 30])
        assertWeights(three, 3, [5.0 / 6, 1.0 / 6, 0], "stage 1 blends with stage 2")
        assertWeights(three, 9, [0, 1, 0])
        assertWeights(three, 17, [0, 5.0 / 9, 4.0 / 9], "stage 2 blends with stage 3, not with stage 1")
        assertWeights(three, 18, [0, 0, 1])
        assertWeights(three, 29, [0, 11.0 / 24, 13.0 / 24], "the last stage blends with stage 2")
        let four = try ProgressiveGuidanceSchedule(stepCount: 40, splits: [0.25, 0.5, 0.75], mode: .paper)
        XCTAssertEqual(four.boundaries, [0, 10, 20, 30, 40])
        assertWeights(four, 5, [0.75, 0.25, 0, 0])
        assertWeights(four, 15, [0, 0.75, 0.25, 0])
        assertWeights(four, 25, [0, 0, 0.75, 0.25])
        assertWeights(four, 30, [0, 0, 0, 1])
        assertWeights(four, 39, [0, 0, 0.45, 0.55])
    }

    func testPaperModeTakesAnyAlphaBounds() throws {
        let schedule = try ProgressiveGuidanceSchedule(stepCount: 10, splits: [0.5], mode: .paper, alphaMax: 0.9, alphaMin: 0.3)
        assertWeights(schedule, 0, [0.9, 0.1])
        assertWeights(schedule, 4, [0.42, 0.58], "alpha = 0.9 - 0.8 (0.9 - 0.3)")
        assertWeights(schedule, 5, [0.1, 0.9])
        assertWeights(schedule, 9, [0.58, 0.42])
        let constant = try ProgressiveGuidanceSchedule(stepCount: 6, splits: [0.5], mode: .paper, alphaMax: 0.7, alphaMin: 0.7)
        for step in 0..<6 { assertWeights(constant, step, step < 3 ? [0.7, 0.3] : [0.3, 0.7]) }
        for (high, low) in [(1.2, 0.5), (1.0, -0.1), (0.4, 0.6), (Double.nan, 0.5), (1.0, .infinity)] {
            XCTAssertThrowsError(try ProgressiveGuidanceSchedule(stepCount: 10, alphaMax: high, alphaMin: low), "\(high) \(low)") { error in
                XCTAssertTrue("\(error)".contains("alpha_min"), "\(error)")
            }
        }
    }

    /// Boundaries are round(split T) with Python's half-to-even rule.
    func testBoundariesRoundHalfToEven() throws {
        XCTAssertEqual(try ProgressiveGuidanceSchedule(stepCount: 5, splits: [0.5]).boundaries, [0, 2, 5])
        XCTAssertEqual(try ProgressiveGuidanceSchedule(stepCount: 7, splits: [0.5]).boundaries, [0, 4, 7])
        XCTAssertEqual(try ProgressiveGuidanceSchedule(stepCount: 50, splits: [0.45]).boundaries, [0, 22, 50])
        XCTAssertEqual(try ProgressiveGuidanceSchedule(stepCount: 7, splits: [0.3]).boundaries, [0, 2, 7], "2.1 rounds down")
    }

    func testSmoothModeHasNoJump() throws {
        for splits in [[0.4], [0.3, 0.6], [0.25, 0.5, 0.75], [0.1, 0.2, 0.9]] {
            for steps in [10, 25, 50, 51] {
                let schedule = try ProgressiveGuidanceSchedule(stepCount: steps, splits: splits, mode: .smooth)
                XCTAssertEqual(schedule.weights(atStep: 0).first, 1)
                XCTAssertEqual(schedule.weights(atStep: steps - 1).last, 1)
                var largestChange = 0.0
                for step in 1..<steps {
                    let (before, after) = (schedule.weights(atStep: step - 1), schedule.weights(atStep: step))
                    largestChange = max(largestChange, zip(before, after).map { abs($0 - $1) }.max()!)
                }
                // Each step moves weight by 1/(stage length) at most: no more than one stage step at once.
                let shortest = zip(schedule.boundaries, schedule.boundaries.dropFirst()).map { $1 - $0 }.dropLast().min()!
                XCTAssertLessThanOrEqual(largestChange, 1 / Double(shortest) + 1e-12, "\(splits) \(steps)")
            }
        }
        let schedule = try ProgressiveGuidanceSchedule(stepCount: 50, mode: .smooth)
        XCTAssertEqual(schedule.weights(atStep: 10), [0.5, 0.5])
        XCTAssertEqual(schedule.weights(atStep: 19), [1.0 / 20, 19.0 / 20])
        XCTAssertEqual(schedule.weights(atStep: 20), [0, 1])
    }

    func testHardModeSwitchesWithoutBlending() throws {
        let schedule = try ProgressiveGuidanceSchedule(stepCount: 7, splits: [0.4, 0.8], mode: .hard)
        XCTAssertEqual(schedule.boundaries, [0, 3, 6, 7], "round(0.4 * 7) = 3, round(0.8 * 7) = 6")
        XCTAssertEqual((0..<7).map { schedule.weights(atStep: $0) },
                       [[1, 0, 0], [1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1]])
    }

    func testEveryModeGivesConvexWeights() throws {
        for mode in ProgressiveGuidanceSchedule.Mode.allCases {
            for splits in [[0.4], [0.2, 0.5], [0.25, 0.5, 0.75]] {
                let schedule = try ProgressiveGuidanceSchedule(stepCount: 37, splits: splits, mode: mode)
                for step in 0..<37 {
                    let weights = schedule.weights(atStep: step)
                    XCTAssertEqual(weights.count, splits.count + 1)
                    XCTAssertTrue(weights.allSatisfy { $0 >= 0 })
                    XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-12)
                }
            }
        }
    }

    func testConditionCombinesEmbeddings() throws {
        let schedule = try ProgressiveGuidanceSchedule(stepCount: 10, splits: [0.5], mode: .paper)
        let coarse = Tensor(repeating: 2, shape: [1, 3, 2])
        let fine = Tensor(repeating: -1, shape: [1, 3, 2])
        XCTAssertEqual(try schedule.condition(from: [coarse, fine], atStep: 2).scalars, [Float](repeating: 0.8 * 2 + 0.2 * -1, count: 6))
        XCTAssertEqual(try schedule.condition(from: [coarse, fine], atStep: 5), fine)
        XCTAssertThrowsError(try schedule.condition(from: [coarse], atStep: 0))
        XCTAssertThrowsError(try schedule.condition(from: [coarse, Tensor(zeros: [1, 2, 2])], atStep: 0))
    }

    func testInvalidSchedulesAreErrors() {
        XCTAssertThrowsError(try ProgressiveGuidanceSchedule(stepCount: 0))
        XCTAssertThrowsError(try ProgressiveGuidanceSchedule(stepCount: 10, splits: []))
        XCTAssertThrowsError(try ProgressiveGuidanceSchedule(stepCount: 10, splits: [0]))
        XCTAssertThrowsError(try ProgressiveGuidanceSchedule(stepCount: 10, splits: [1]))
        XCTAssertThrowsError(try ProgressiveGuidanceSchedule(stepCount: 10, splits: [0.6, 0.4]))
        XCTAssertThrowsError(try ProgressiveGuidanceSchedule(stepCount: 10, splits: [.nan]))
        XCTAssertThrowsError(try ProgressiveGuidanceSchedule(stepCount: 3, splits: [0.4, 0.45]), "round(1.2) = round(1.35): a stage with no steps")
        XCTAssertThrowsError(try ProgressiveGuidanceSchedule(stepCount: 10, splits: [0.04]), "round(0.4) = 0 leaves stage 1 empty")
    }
}

final class ScheduleChartTests: XCTestCase {
    private let same = { (a: (UInt8, UInt8, UInt8), b: (UInt8, UInt8, UInt8)) in a.0 == b.0 && a.1 == b.1 && a.2 == b.2 }

    func testCurvesAreDrawnWhereTheWeightsAre() throws {
        let schedule = try ProgressiveGuidanceSchedule(stepCount: 11, splits: [0.5], mode: .hard)
        let chart = ScheduleChart(schedule: schedule, width: 324, height: 224)
        XCTAssertEqual(chart.pixels.count, 324 * 224 * 3)
        let blue = ScheduleChart.palette[0], orange = ScheduleChart.palette[1]
        let stepWidth = (chart.plotRight - chart.plotLeft) / 10
        XCTAssertTrue(same(chart.pixel(x: chart.plotLeft + stepWidth, y: chart.plotTop), blue), "coarse at weight 1 early")
        XCTAssertTrue(same(chart.pixel(x: chart.plotLeft + stepWidth * 8, y: chart.plotTop), orange), "fine at weight 1 late")
        XCTAssertTrue(same(chart.pixel(x: chart.plotLeft + stepWidth * 8, y: (chart.plotTop + 3 * chart.plotBottom) / 4), (255, 255, 255)),
                      "nothing between the levels late")
    }

    /// A chart a reader can read on its own: a title above, tick marks with numbers on both axes, an axis name,
    /// and a legend whose swatches carry the curves' colours.
    func testTheChartHasATitleTicksLabelsAndALegend() throws {
        let schedule = try ProgressiveGuidanceSchedule(stepCount: 30, splits: [0.3])
        let chart = ScheduleChart(schedule: schedule)
        func inked(_ xs: Range<Int>, _ ys: Range<Int>) -> Int {
            xs.reduce(0) { sum, x in sum + ys.filter { same(chart.pixel(x: x, y: $0), (0, 0, 0)) }.count }
        }
        XCTAssertGreaterThan(inked(chart.plotLeft..<chart.plotRight, 0..<chart.plotTop), 100, "a title")
        XCTAssertGreaterThan(inked(0..<(chart.plotLeft - 6), chart.plotTop - 8..<chart.plotBottom + 8), 30, "weight labels")
        XCTAssertGreaterThan(inked(chart.plotLeft..<chart.plotRight, (chart.plotBottom + 6)..<(chart.plotBottom + 20)), 60, "step labels")
        XCTAssertEqual(ScheduleChart.tickSteps(count: 30), [0, 5, 10, 15, 20, 25, 29])
        XCTAssertEqual(ScheduleChart.tickSteps(count: 11), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        for stage in 0..<2 {
            let swatch = (chart.plotLeft..<chart.width).contains { x in same(chart.pixel(x: x, y: chart.plotBottom + 44), ScheduleChart.palette[stage]) }
            XCTAssertTrue(swatch, "legend swatch of stage \(stage + 1)")
        }
    }
}
