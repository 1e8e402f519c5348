import Foundation
import TensorTesting

let Fixture = FixtureFolder(bundle: .module)

/// Where scripts/make-eval-network-fixtures.py wrote this target's network fixtures.
let networkFixtures = "networks/"

/// The repository root, for scripts/ and .venv-scripts.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized
