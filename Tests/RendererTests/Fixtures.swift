import Foundation
import TensorTesting

/// This target's committed parity fixtures (scripts/make-parity-fixtures.py, make-network-fixtures.py,
/// make-audio-fixtures.py, make-talking-fixtures.py).
let Fixture = FixtureFolder(bundle: .module)
