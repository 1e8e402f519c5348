import FACSKnowledge
import Foundation
import XCTest

final class FACSTableTests: XCTestCase {
    var table: FACSTable!

    override func setUpWithError() throws {
        table = try FACSTable.bundled()
    }

    func testEveryRequiredCodeIsPresentWithItsKind() {
        let actionUnits = [1, 2] + Array(4...28) + [38, 39] + Array(41...46)
        let descriptors = Array(29...37) + [40]
        let head = Array(51...58)
        let eye = Array(61...66)
        for number in actionUnits {
            XCTAssertEqual(table.code(number)?.kind, number == 19 ? .actionDescriptor : .actionUnit, "AU\(number)")
        }
        for number in descriptors { XCTAssertEqual(table.code(number)?.kind, .actionDescriptor, "AU\(number)") }
        for number in head { XCTAssertEqual(table.code(number)?.kind, .head, "AU\(number)") }
        for number in eye { XCTAssertEqual(table.code(number)?.kind, .eye, "AU\(number)") }
        XCTAssertNil(table.code(3), "AU3 is Baby FACS only")
        XCTAssertEqual(table.codes.count, actionUnits.count + descriptors.count + head.count + eye.count)
    }

    func testRowsAreComplete() {
        for code in table.codes {
            XCTAssertFalse(code.name.isEmpty)
            XCTAssertTrue(code.appearance.hasSuffix("."), "AU\(code.code) appearance is a sentence")
            XCTAssertFalse(code.region.isEmpty)
            if code.kind == .actionUnit && code.code != 19 {
                XCTAssertFalse(code.muscles.isEmpty, "AU\(code.code) names its muscles")
            }
        }
    }

    func testKnownRowsMatchThePublishedTable() {
        XCTAssertEqual(table.code(12)?.name, "Lip corner puller")
        XCTAssertEqual(table.code(12)?.muscles, ["zygomaticus major"])
        XCTAssertEqual(table.code(6)?.muscles, ["orbicularis oculi, pars orbitalis"])
        XCTAssertEqual(table.code(15)?.name, "Lip corner depressor")
        XCTAssertTrue(table.code(4)?.muscles.contains("corrugator supercilii") ?? false)
        XCTAssertEqual(table.code(45)?.detectors.contains("openface2"), true)
        XCTAssertEqual(table.code(11)?.detectors.contains("openface2"), false)
    }

    func testEveryEmotionHasOneDefaultVariantOfRealCodes() {
        let names = Set(table.emotions.map(\.emotion))
        XCTAssertEqual(names, ["angry", "contempt", "disgusted", "fear", "happy", "neutral", "sad", "surprised"])
        for prototype in table.emotions {
            XCTAssertEqual(prototype.variants.filter(\.isDefault).count, 1, prototype.emotion)
            for variant in prototype.variants {
                XCTAssertFalse(variant.source.isEmpty)
                for au in variant.aus { XCTAssertNotNil(table.code(au.code), "\(prototype.emotion) AU\(au.code)") }
            }
        }
        XCTAssertEqual(table.emotion("happiness")?.defaultVariant.aus.map(\.code), [6, 12])
        XCTAssertEqual(table.emotion("anger")?.emotion, "angry")
        XCTAssertEqual(table.emotion("contempt")?.defaultVariant.aus.map(\.description), ["R12A", "R14A"])
        XCTAssertEqual(table.emotion("neutral")?.defaultVariant.aus, [])
    }

    func testEveryRelationNamesRealCodes() {
        let relations = table.relations
        let named = relations.exclusive.flatMap(\.codes) + relations.ordered.flatMap(\.codes)
            + relations.opposing.flatMap { $0.first + $0.second } + relations.synergies.flatMap(\.codes)
        XCTAssertFalse(named.isEmpty)
        for number in named { XCTAssertNotNil(table.code(number), "relation names AU\(number)") }
        XCTAssertTrue(relations.exclusive.contains { Set($0.codes).isSuperset(of: [26, 27]) })
        XCTAssertTrue(relations.opposing.contains { $0.first == [12] && $0.second == [15] })
    }

    func testLevelRuleGivesLettersPerLevel() throws {
        let fear = try XCTUnwrap(table.emotion("fear"))
        XCTAssertEqual(table.expectedAUs(for: fear, level: .intense).map(\.description), ["1D", "2D", "4D", "5D", "20D", "26D"])
        XCTAssertEqual(table.expectedAUs(for: fear, level: .mild).map(\.description), ["1B", "2B", "4B", "5B", "20B", "26B"])
        let surprise = try XCTUnwrap(table.emotion("surprised"))
        // 5B is fixed by the source: it moves one letter with the level instead of taking the level's letter.
        XCTAssertEqual(table.expectedAUs(for: surprise, level: .intense).map(\.description), ["1D", "2D", "5C", "26D"])
        let contempt = try XCTUnwrap(table.emotion("contempt"))
        XCTAssertEqual(table.expectedAUs(for: contempt, level: .mild).map(\.description), ["R12A", "R14A"])
    }

    func testLookupByNameAliasMuscleAndText() {
        XCTAssertEqual(table.resolve("AU 12").map(\.code), [12])
        XCTAssertEqual(table.resolve("lip-corner puller").map(\.code), [12])
        XCTAssertEqual(table.resolve("Zygomaticus Major").map(\.code), [12])
        XCTAssertEqual(table.codes(muscle: "frontalis").map(\.code), [1, 2])
        XCTAssertEqual(table.codes(muscle: "orbicularis oculi, pars orbitalis").map(\.code), [6])
        XCTAssertEqual(table.resolve("99"), [])
        XCTAssertEqual(table.search("brow").map(\.code), [1, 2, 4])
        XCTAssertTrue(table.search("lip corner").map(\.code).contains(15))
        XCTAssertEqual(table.search(""), [])
    }

    func testMalformedTablesAreErrorsNamingFileAndProblem() throws {
        let original = try XCTUnwrap(EmbeddedTableBytes.load())
        func failure(_ mutate: (inout [String: Any]) -> Void) throws -> String {
            var object = try XCTUnwrap(JSONSerialization.jsonObject(with: original) as? [String: Any])
            mutate(&object)
            let data = try JSONSerialization.data(withJSONObject: object)
            do {
                _ = try FACSTable(data: data, origin: "/tmp/bad-facs.json")
                XCTFail("table should be rejected")
                return ""
            } catch let error as FACSTableError {
                XCTAssertEqual(error.origin, "/tmp/bad-facs.json")
                return error.description
            }
        }
        XCTAssertTrue(try failure { $0.removeValue(forKey: "codes") }.contains("codes"))
        XCTAssertTrue(try failure { $0["schema_version"] = 99 }.contains("schema_version 99"))
        XCTAssertTrue(try failure { object in
            var relations = object["relations"] as! [String: Any]
            relations["exclusive"] = [["codes": [26, 77], "reason": "x"]]
            object["relations"] = relations
        }.contains("unknown code 77"))
        XCTAssertTrue(try failure { object in
            var codes = object["codes"] as! [[String: Any]]
            codes.append(codes[0])
            object["codes"] = codes
        }.contains("appears twice"))
        XCTAssertThrowsError(try FACSTable(data: Data("{not json".utf8), origin: "x.json")) { error in
            XCTAssertTrue("\(error)".hasPrefix("FACS table x.json:"))
        }
        XCTAssertThrowsError(try FACSTable(contentsOf: URL(fileURLWithPath: "/nonexistent/facs.json"))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/facs.json"))
        }
    }
}

/// The committed table file, read from the source tree so malformed copies can be made from it.
enum EmbeddedTableBytes {
    static func load() -> Data? {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return FileManager.default.contents(atPath: root.appendingPathComponent("Resources/facs.json").path)
    }
}
