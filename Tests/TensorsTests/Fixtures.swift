import Foundation
import TensorTesting

/// This target's committed parity fixtures (scripts/make-parity-fixtures.py: operations and dtypes).
let Fixture = FixtureFolder(bundle: .module)
