import FaceAnalysis
import Foundation
import TensorTesting

let Fixture = FixtureFolder(bundle: .module)

/// The repository's data folder (data/astronaut.png lives there).
let repositoryData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../data").standardized

/// One detector for the whole target: the weights `make test` puts in place (scripts/fetch-face-weights.py).
let sharedDetector: Result<FaceDetector, Error> = Result { try FaceDetector() }

func detector() throws -> FaceDetector { try sharedDetector.get() }
