/// Why a QR Code could not be made.
public enum QRCodeError: Error, Sendable, Equatable {
    /// The text needs more than a version 40 symbol holds at the requested error-correction level.
    case tooLong
}

/// A QR Code symbol (ISO/IEC 18004) holding UTF-8 text in byte mode, e.g. an otpauth URI to scan.
public struct QRCode: Sendable {
    /// How much of the symbol may be damaged and still read: about 7, 15, 25 or 30 percent.
    public enum ErrorCorrection: Int, Sendable, CaseIterable {
        case low, medium, quartile, high

        /// The two level bits of the format information.
        var formatBits: Int {
            switch self {
            case .low: 0b01
            case .medium: 0b00
            case .quartile: 0b11
            case .high: 0b10
            }
        }
    }

    /// The symbol version, 1 to 40.
    public let version: Int
    /// The error-correction level the symbol was made at.
    public let level: ErrorCorrection
    /// The data mask pattern, 0 to 7.
    public let mask: Int
    /// The width and height in modules, 17 + 4 × version, without the quiet zone.
    public let size: Int
    private let modules: [Bool]

    /// The smallest symbol holding `text` at `level`; `mask` forces a pattern instead of the lowest-penalty one.
    public init(text: String, level: ErrorCorrection = .medium, mask: Int? = nil) throws {
        precondition(mask.map { (0...7).contains($0) } ?? true, "mask must be 0 to 7")
        let data = Array(text.utf8)
        guard let version = (1...40).first(where: { Self.fits(byteCount: data.count, version: $0, level: level) }) else {
            throw QRCodeError.tooLong
        }
        var matrix = Matrix(version: version)
        matrix.place(Self.codewords(for: data, version: version, level: level))
        let candidates = (mask.map { [$0] } ?? Array(0...7)).map { pattern in
            var masked = matrix
            masked.applyMask(pattern)
            masked.drawFormat(level: level, mask: pattern)
            return (mask: pattern, matrix: masked, penalty: masked.penalty())
        }
        // Ties go to the lower mask number.
        let best = candidates.dropFirst().reduce(candidates[0]) { $1.penalty < $0.penalty ? $1 : $0 }
        self.version = version
        self.level = level
        self.mask = best.mask
        self.size = best.matrix.size
        self.modules = best.matrix.dark
    }

    /// Whether the module at column `x`, row `y` is dark; anything outside the symbol is light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard (0..<size).contains(x), (0..<size).contains(y) else { return false }
        return modules[y * size + x]
    }

    /// A standalone SVG image, `moduleSize` pixels a module, with a light border of `quietZone` modules.
    public func svg(moduleSize: Int = 4, quietZone: Int = 4) -> String {
        let side = size + 2 * quietZone
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                var run = 1
                while isDark(x: x + run, y: y) { run += 1 }
                path += "M\(x + quietZone) \(y + quietZone)h\(run)v1h-\(run)z"
                x += run
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(side * moduleSize)" height="\(side * moduleSize)" \
            viewBox="0 0 \(side) \(side)" shape-rendering="crispEdges" role="img">\
            <rect width="\(side)" height="\(side)" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }

    // MARK: - Data and error correction

    private static func fits(byteCount: Int, version: Int, level: ErrorCorrection) -> Bool {
        4 + countBits(version: version) + 8 * byteCount <= 8 * dataCodewords(version: version, level: level)
    }

    /// Bits of the byte-mode character count: 8 up to version 9, 16 from version 10.
    private static func countBits(version: Int) -> Int {
        version < 10 ? 8 : 16
    }

    /// All codewords of a symbol: data and error-correction codewords, split into blocks and interleaved.
    private static func codewords(for data: [UInt8], version: Int, level: ErrorCorrection) -> [UInt8] {
        let capacity = dataCodewords(version: version, level: level)
        var bits = BitWriter()
        bits.append(0b0100, count: 4)
        bits.append(data.count, count: countBits(version: version))
        for byte in data { bits.append(Int(byte), count: 8) }
        bits.append(0, count: min(4, capacity * 8 - bits.count))
        bits.append(0, count: (8 - bits.count % 8) % 8)
        var padded = bits.bytes
        for index in 0..<(capacity - padded.count) { padded.append(index % 2 == 0 ? 0xEC : 0x11) }

        let eccLength = eccPerBlock[level.rawValue][version - 1]
        let blockCount = blockCounts[level.rawValue][version - 1]
        let total = totalCodewords(version: version)
        let longBlocks = total % blockCount
        let shortData = total / blockCount - eccLength
        var blocks: [[UInt8]] = []
        var start = 0
        for block in 0..<blockCount {
            let length = shortData + (block >= blockCount - longBlocks ? 1 : 0)
            blocks.append(Array(padded[start..<start + length]))
            start += length
        }
        let generator = ReedSolomon.generator(degree: eccLength)
        let eccBlocks = blocks.map { ReedSolomon.remainder(of: $0, generator: generator) }

        var result: [UInt8] = []
        result.reserveCapacity(total)
        for index in 0...shortData {
            for block in blocks where index < block.count { result.append(block[index]) }
        }
        for index in 0..<eccLength {
            for block in eccBlocks { result.append(block[index]) }
        }
        return result
    }

    private static func dataCodewords(version: Int, level: ErrorCorrection) -> Int {
        totalCodewords(version: version) - eccPerBlock[level.rawValue][version - 1] * blockCounts[level.rawValue][version - 1]
    }

    /// Whole codewords in the modules left once the function patterns are drawn.
    private static func totalCodewords(version: Int) -> Int {
        let size = 17 + 4 * version
        let positions = alignmentPositions[version - 1].count
        let alignmentModules = positions == 0 ? 0 : 25 * (positions * positions - 3) - 10 * (positions - 2)
        let versionModules = version >= 7 ? 36 : 0
        // Finders with separators, format information and the dark module, timing rows, alignment, version.
        return (size * size - 3 * 64 - 31 - 2 * (size - 16) - alignmentModules - versionModules) / 8
    }

    /// Error-correction codewords in each block, by level (L, M, Q, H) and version.
    private static let eccPerBlock: [[Int]] = [
        [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
         28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
         26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
         28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
         30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]

    /// Error-correction blocks, by level (L, M, Q, H) and version.
    private static let blockCounts: [[Int]] = [
        [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
         8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
         17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
         23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
         25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]

    /// Row and column centres of the alignment patterns, by version.
    fileprivate static let alignmentPositions: [[Int]] = [
        [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
        [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62],
        [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82], [6, 30, 58, 86],
        [6, 34, 62, 90],
        [6, 28, 50, 72, 94], [6, 26, 50, 74, 98], [6, 30, 54, 78, 102], [6, 28, 54, 80, 106],
        [6, 32, 58, 84, 110], [6, 30, 58, 86, 114], [6, 34, 62, 90, 118],
        [6, 26, 50, 74, 98, 122], [6, 30, 54, 78, 102, 126], [6, 26, 52, 78, 104, 130],
        [6, 30, 56, 82, 108, 134], [6, 34, 60, 86, 112, 138], [6, 30, 58, 86, 114, 142],
        [6, 34, 62, 90, 118, 146],
        [6, 30, 54, 78, 102, 126, 150], [6, 24, 50, 76, 102, 128, 154], [6, 28, 54, 80, 106, 132, 158],
        [6, 32, 58, 84, 110, 136, 162], [6, 26, 54, 82, 110, 138, 166], [6, 30, 58, 86, 114, 142, 170],
    ]
}

/// Bits appended most significant first and read back as whole bytes.
private struct BitWriter {
    private(set) var count = 0
    private(set) var bytes: [UInt8] = []

    mutating func append(_ value: Int, count length: Int) {
        for shift in stride(from: length - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 { bytes[bytes.count - 1] |= 0x80 >> UInt8(count % 8) }
            count += 1
        }
    }
}

/// Reed–Solomon error correction over GF(256) with the QR field polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D).
private enum ReedSolomon {
    /// Powers of the generator α = 2, twice over so products need no modulo.
    static let exponents: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for index in 0..<255 {
            table[index] = UInt8(value)
            table[index + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    static let logarithms: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for index in 0..<255 { table[Int(exponents[index])] = index }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        a == 0 || b == 0 ? 0 : exponents[logarithms[Int(a)] + logarithms[Int(b)]]
    }

    /// The coefficients after the leading 1 of (x − α⁰)(x − α¹)…(x − α^(degree−1)), highest power first.
    static func generator(degree: Int) -> [UInt8] {
        var polynomial: [UInt8] = [1]
        for power in 0..<degree {
            let root = exponents[power]
            var next = polynomial + [0]
            for index in 1..<next.count { next[index] ^= multiply(polynomial[index - 1], root) }
            polynomial = next
        }
        return Array(polynomial.dropFirst())
    }

    /// The remainder of data × x^degree divided by the generator: the error-correction codewords.
    static func remainder(of data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var remainder = [UInt8](repeating: 0, count: generator.count)
        for byte in data {
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            for index in remainder.indices { remainder[index] ^= multiply(generator[index], factor) }
        }
        return remainder
    }
}

/// The module grid while a symbol is built: colours plus which modules belong to function patterns.
private struct Matrix {
    let size: Int
    private(set) var dark: [Bool]
    private var reserved: [Bool]

    /// A grid with every function pattern drawn and the format area reserved.
    init(version: Int) {
        size = 17 + 4 * version
        dark = [Bool](repeating: false, count: size * size)
        reserved = dark
        for index in 0..<size {
            setFunction(x: 6, y: index, dark: index % 2 == 0)
            setFunction(x: index, y: 6, dark: index % 2 == 0)
        }
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 where (0..<size).contains(cx + dx) && (0..<size).contains(cy + dy) {
                    let ring = max(abs(dx), abs(dy))
                    setFunction(x: cx + dx, y: cy + dy, dark: ring != 2 && ring != 4)
                }
            }
        }
        let centres = QRCode.alignmentPositions[version - 1]
        let last = size - 7
        for cx in centres {
            for cy in centres {
                guard !(cx == 6 && cy == 6), !(cx == 6 && cy == last), !(cx == last && cy == 6) else { continue }
                for dy in -2...2 {
                    for dx in -2...2 { setFunction(x: cx + dx, y: cy + dy, dark: max(abs(dx), abs(dy)) != 1) }
                }
            }
        }
        drawFormat(level: .medium, mask: 0)
        setFunction(x: 8, y: size - 8, dark: true)
        if version >= 7 {
            let bits = version << 12 | Self.bchRemainder(version, dataBits: 6, generator: 0x1F25)
            for index in 0..<18 {
                let bit = (bits >> index) & 1 == 1
                setFunction(x: size - 11 + index % 3, y: index / 3, dark: bit)
                setFunction(x: index / 3, y: size - 11 + index % 3, dark: bit)
            }
        }
    }

    /// Fills the free modules with the codeword bits in the two-column zigzag from the bottom right;
    /// leftover remainder bits stay light.
    mutating func place(_ codewords: [UInt8]) {
        var bitIndex = 0
        var right = size - 1
        var upward = true
        while right > 0 {
            if right == 6 { right = 5 }
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in [right, right - 1] where !reserved[y * size + x] {
                    if bitIndex < codewords.count * 8 {
                        dark[y * size + x] = (codewords[bitIndex / 8] >> (7 - bitIndex % 8)) & 1 == 1
                    }
                    bitIndex += 1
                }
            }
            upward.toggle()
            right -= 2
        }
    }

    /// Inverts the data modules where mask pattern `mask` holds (i = row, j = column).
    mutating func applyMask(_ mask: Int) {
        for i in 0..<size {
            for j in 0..<size where !reserved[i * size + j] {
                let invert = switch mask {
                case 0: (i + j) % 2 == 0
                case 1: i % 2 == 0
                case 2: j % 3 == 0
                case 3: (i + j) % 3 == 0
                case 4: (i / 2 + j / 3) % 2 == 0
                case 5: (i * j) % 2 + (i * j) % 3 == 0
                case 6: ((i * j) % 2 + (i * j) % 3) % 2 == 0
                default: ((i + j) % 2 + (i * j) % 3) % 2 == 0
                }
                if invert { dark[i * size + j].toggle() }
            }
        }
    }

    /// Writes both copies of the 15-bit format information for a level and mask.
    mutating func drawFormat(level: QRCode.ErrorCorrection, mask: Int) {
        let data = level.formatBits << 3 | mask
        let bits = (data << 10 | Self.bchRemainder(data, dataBits: 5, generator: 0x537)) ^ 0b101010000010010
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }
        for index in 0..<6 { setFunction(x: 8, y: index, dark: bit(index)) }
        setFunction(x: 8, y: 7, dark: bit(6))
        setFunction(x: 8, y: 8, dark: bit(7))
        setFunction(x: 7, y: 8, dark: bit(8))
        for index in 9..<15 { setFunction(x: 14 - index, y: 8, dark: bit(index)) }
        for index in 0..<8 { setFunction(x: size - 1 - index, y: 8, dark: bit(index)) }
        for index in 8..<15 { setFunction(x: 8, y: size - 15 + index, dark: bit(index)) }
    }

    /// The penalty score of ISO/IEC 18004 §7.8.3: long runs, 2×2 blocks, finder-like patterns (the
    /// area outside the symbol counts as light) and imbalance of dark and light.
    func penalty() -> Int {
        var score = 0
        let lines = (0..<size).map { y in (0..<size).map { dark[y * size + $0] } }
            + (0..<size).map { x in (0..<size).map { dark[$0 * size + x] } }
        let finderBefore: [Bool] = [true, false, true, true, true, false, true, false, false, false, false]
        let finderAfter = Array(finderBefore.reversed())
        for line in lines {
            var run = 1
            for index in 1...size {
                if index < size, line[index] == line[index - 1] {
                    run += 1
                } else {
                    if run >= 5 { score += run - 2 }
                    run = 1
                }
            }
            let padded = [Bool](repeating: false, count: 4) + line + [Bool](repeating: false, count: 4)
            for start in 0...(padded.count - 11) {
                let window = padded[start..<start + 11]
                if window.elementsEqual(finderBefore) { score += 40 }
                if window.elementsEqual(finderAfter) { score += 40 }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = dark[y * size + x]
                if dark[y * size + x + 1] == colour, dark[(y + 1) * size + x] == colour,
                   dark[(y + 1) * size + x + 1] == colour {
                    score += 3
                }
            }
        }
        let darkCount = dark.count(where: { $0 })
        score += 10 * (abs(20 * darkCount - 10 * dark.count) / dark.count)
        return score
    }

    private mutating func setFunction(x: Int, y: Int, dark isDark: Bool) {
        dark[y * size + x] = isDark
        reserved[y * size + x] = true
    }

    /// The BCH check bits of `data` for the given generator polynomial.
    private static func bchRemainder(_ data: Int, dataBits: Int, generator: Int) -> Int {
        let degree = Int.bitWidth - generator.leadingZeroBitCount - 1
        var remainder = data << degree
        for bit in stride(from: dataBits + degree - 1, through: degree, by: -1) where (remainder >> bit) & 1 == 1 {
            remainder ^= generator << (bit - degree)
        }
        return remainder
    }
}
