import Foundation
import XCTest

/// One prompt of the committed corpus (`Fixtures/tokenizer-cases.json`, written by
/// scripts/make-parity-fixtures.py): transformers' padded ids, and its count of every token before truncation.
struct TokenizerCase: Decodable {
    let text: String
    let ids: [Int]
    let tokenCount: Int

    private struct Corpus: Decodable {
        let cases: [TokenizerCase]
    }

    static func corpus() throws -> [TokenizerCase] {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "tokenizer-cases", withExtension: "json", subdirectory: "Fixtures"))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Corpus.self, from: Data(contentsOf: url)).cases
    }
}
