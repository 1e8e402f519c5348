import AnnotationRecord
import ArgumentParser
import Renderer
import Store

// Closed sets of option values: ArgumentParser checks them and lists the choices in --help and in its errors.
extension ProgressiveGuidanceSchedule.Mode: ExpressibleByArgument {}
extension AnnotationMode: ExpressibleByArgument {}
extension ReviewStatus: ExpressibleByArgument {}
