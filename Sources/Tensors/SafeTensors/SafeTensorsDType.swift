/// The element types of the safetensors format, with their sizes in bytes.
public enum SafeTensorsDType: String, CaseIterable, Sendable {
    case bool = "BOOL"
    case u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
    case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32"
    case i64 = "I64", u64 = "U64", f64 = "F64"

    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .i64, .u64, .f64: return 8
        }
    }

    /// Whether `SafeTensorsFile.tensor(named:)` converts this type to Float32.
    public var convertsToFloat32: Bool { [.f32, .f16, .bf16].contains(self) }
}

/// IEEE half precision bits to Float, including subnormals, infinities and NaN.
@inline(__always)
package func float32(fromHalfBits bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = UInt32(bits & 0x3FF)
    if exponent == 0 {
        // Zero or subnormal: mantissa * 2^-24, exact in Float.
        let magnitude = Float(mantissa) * 5.9604644775390625e-8
        return sign == 0 ? magnitude : -magnitude
    }
    if exponent == 0x1F {
        return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
    }
    return Float(bitPattern: sign | (UInt32(exponent + 112) << 23) | (mantissa << 13))
}

/// bfloat16 is the top half of a Float32.
@inline(__always)
package func float32(fromBFloat16Bits bits: UInt16) -> Float {
    Float(bitPattern: UInt32(bits) << 16)
}
