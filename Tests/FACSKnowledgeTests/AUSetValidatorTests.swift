import FACSKnowledge
import XCTest

final class AUSetValidatorTests: XCTestCase {
    var validator: AUSetValidator!

    override func setUpWithError() throws {
        validator = AUSetValidator(table: try FACSTable.bundled())
    }

    private func kinds(_ findings: [Finding]) -> [FindingKind] { findings.map(\.kind) }

    func testPrototypeAtItsLevelHasNoFindings() {
        XCTAssertEqual(validator.validate(text: "AU6C + AU12C", emotion: "happy", level: .moderate), [])
        XCTAssertEqual(validator.validate(text: "1D+2D+4D+5D+20D+26D", emotion: "fear", level: .intense), [])
        XCTAssertEqual(validator.validate(text: "", emotion: "neutral"), [])
    }

    func testUnknownCodeIsAnError() {
        let findings = validator.validate(text: "AU99")
        XCTAssertEqual(kinds(findings), [.unknownCode])
        XCTAssertEqual(findings[0].severity, .error)
        XCTAssertEqual(findings[0].codes, [99])
        XCTAssertTrue(findings[0].message.contains("AU99"))
    }

    func testMissingAndUnexpectedAUs() {
        let findings = validator.validate(text: "AU12 and AU9", emotion: "happy")
        XCTAssertEqual(findings.filter { $0.kind == .missingCoreAU }.map(\.codes), [[6]])
        XCTAssertEqual(findings.filter { $0.kind == .unexpectedAU }.map(\.codes), [[9]])
        XCTAssertTrue(findings.allSatisfy { $0.severity == .warning })
    }

    func testAVariantsCodeIsNotUnexpected() {
        // 25 belongs to the FACS 1978 happiness variant; 7 to the iMotions fear variant.
        XCTAssertFalse(kinds(validator.validate(text: "6+12+25", emotion: "happy")).contains(.unexpectedAU))
        XCTAssertFalse(kinds(validator.validate(text: "1+2+4+5+7+20+26", emotion: "fear")).contains(.unexpectedAU))
    }

    func testMissingCodeThatAnotherVariantLacksIsOnlyInfo() {
        // Fear's default has 26; the lips-part variant uses 25 instead, so 26 missing is a variant choice.
        let findings = validator.validate(text: "1+2+4+5+20+25", emotion: "fear")
        let missing = findings.filter { $0.kind == .missingCoreAU }
        XCTAssertEqual(missing.map(\.codes), [[26]])
        XCTAssertEqual(missing.first?.severity, .info)
    }

    func testContradictions() {
        let exclusive = validator.validate(text: "AU26 + AU27")
        XCTAssertEqual(exclusive.map(\.kind), [.exclusiveCodes])
        XCTAssertEqual(exclusive.first?.severity, .error)
        let opposing = validator.validate(text: "AU12 + AU15", emotion: "happy")
        XCTAssertTrue(opposing.contains { $0.kind == .opposingActions && $0.codes == [12, 15] && $0.severity == .warning })
        // Fear's prototype itself raises and lowers the brows: no contradiction reported there.
        XCTAssertFalse(kinds(validator.validate(text: "1+2+4+5+20+26", emotion: "fear")).contains(.opposingActions))
        XCTAssertTrue(kinds(validator.validate(text: "1+2+4", emotion: "happy")).contains(.opposingActions))
    }

    func testIntensityFarFromTheLevel() {
        let findings = validator.validate(text: "6A+12A", emotion: "happy", level: .intense)
        XCTAssertEqual(findings.filter { $0.kind == .intensityMismatch }.map(\.codes), [[6], [12]])
        XCTAssertEqual(validator.validate(text: "6C+12D", emotion: "happy", level: .intense), [])
    }

    func testUnknownEmotionAndNonEmotionCodes() {
        XCTAssertEqual(kinds(validator.validate(text: "AU12", emotion: "bored")), [.unknownEmotion])
        let head = validator.validate(text: "AU51 AU12", emotion: "happy")
        XCTAssertTrue(head.contains { $0.kind == .nonEmotionCode && $0.codes == [51] && $0.severity == .info })
    }

    func testNeutralFlagsAnyAction() {
        XCTAssertEqual(kinds(validator.validate(text: "AU12", emotion: "neutral")), [.unexpectedAU])
    }
}
