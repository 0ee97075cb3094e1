import Crypto
import SwiftASN1

/// RSASSA-PSS verification (RFC 8017 §8.1.2, EMSA-PSS with MGF1-SHA-256) that accepts any salt length, as Go's
/// `rsa.VerifyPSS` does with `PSSSaltLengthAuto`. swift-crypto verifies PSS only with a salt as long as the digest,
/// and SPIRE's agent signs x509pop challenges with the longest salt its key allows. Public-key arithmetic only: no
/// secret is involved, so constant time does not matter here.
package enum RSAPSSVerifier {
    /// Whether `signature` is a PSS signature of `digest` (SHA-256) under the RSA key in `subjectPublicKeyInfo` (DER).
    package static func isValid(signature: [UInt8], digest: [UInt8], subjectPublicKeyInfo: [UInt8]) -> Bool {
        guard digest.count == 32, let (modulus, exponent) = try? publicNumbers(subjectPublicKeyInfo) else { return false }
        let n = BigNumber(bigEndian: modulus)
        let modulusBytes = (n.bitWidth + 7) / 8
        guard signature.count == modulusBytes, n.isOdd, n.bitWidth >= 512, n.bitWidth <= 8192 else { return false }
        // Go's bound on the public exponent: odd, 3 to 2³¹−1 (a huge one would cost seconds of arithmetic).
        let e = BigNumber(bigEndian: exponent)
        guard e.isOdd, e.bitWidth >= 2, e.bitWidth <= 31 else { return false }
        let s = BigNumber(bigEndian: signature)
        guard s < n else { return false }
        let m = Montgomery(modulus: n).power(s, exponent: e)
        let emBits = n.bitWidth - 1
        let emLength = (emBits + 7) / 8
        guard let encoded = m.bigEndianBytes(count: emLength) else { return false }
        return emsaPSSVerify(digest: digest, encoded: encoded, emBits: emBits)
    }

    /// EMSA-PSS-VERIFY with the salt length recovered from the encoding.
    static func emsaPSSVerify(digest: [UInt8], encoded: [UInt8], emBits: Int) -> Bool {
        let hashLength = 32
        let emLength = encoded.count
        guard emLength >= hashLength + 2, encoded.last == 0xbc else { return false }
        let maskedDB = Array(encoded[0..<(emLength - hashLength - 1)])
        let h = Array(encoded[(emLength - hashLength - 1)..<(emLength - 1)])
        let unusedBits = 8 * emLength - emBits
        let topMask: UInt8 = unusedBits == 0 ? 0 : ~(0xff >> unusedBits)
        guard maskedDB[0] & topMask == 0 else { return false }
        var db = zip(maskedDB, mgf1(seed: h, length: maskedDB.count)).map { $0 ^ $1 }
        db[0] &= ~topMask
        guard let one = db.firstIndex(where: { $0 != 0 }), db[one] == 0x01 else { return false }
        let salt = db[(one + 1)...]
        let check = Array(SHA256.hash(data: [UInt8](repeating: 0, count: 8) + digest + salt))
        return check == h
    }

    static func mgf1(seed: [UInt8], length: Int) -> [UInt8] {
        var output: [UInt8] = []
        var counter: UInt32 = 0
        while output.count < length {
            let c = [UInt8(counter >> 24 & 0xff), UInt8(counter >> 16 & 0xff), UInt8(counter >> 8 & 0xff), UInt8(counter & 0xff)]
            output += SHA256.hash(data: seed + c)
            counter += 1
        }
        return Array(output.prefix(length))
    }

    /// The modulus and public exponent (big-endian, unsigned) of an RSA SubjectPublicKeyInfo.
    static func publicNumbers(_ spki: [UInt8]) throws -> ([UInt8], [UInt8]) {
        let info = try DER.parse(spki)
        guard case .constructed(let nodes) = info.content else { throw ASN1Error.unexpectedFieldType(info.identifier) }
        var iterator = nodes.makeIterator()
        _ = iterator.next()  // AlgorithmIdentifier
        guard let bits = iterator.next() else { throw ASN1Error.invalidASN1Object(reason: "no subjectPublicKey") }
        let key = try ASN1BitString(derEncoded: bits)
        let rsa = try DER.parse(Array(key.bytes))
        guard case .constructed(let fields) = rsa.content else { throw ASN1Error.unexpectedFieldType(rsa.identifier) }
        var numbers = fields.makeIterator()
        guard let modulus = numbers.next(), let exponent = numbers.next(), modulus.identifier == .integer, exponent.identifier == .integer,
            case .primitive(let modulusBytes) = modulus.content, case .primitive(let exponentBytes) = exponent.content
        else {
            throw ASN1Error.invalidASN1Object(reason: "not an RSAPublicKey")
        }
        return (Array(modulusBytes.drop { $0 == 0 }), Array(exponentBytes.drop { $0 == 0 }))
    }
}

/// An unsigned integer in 32-bit limbs, least significant first, with no leading zero limbs.
struct BigNumber: Comparable {
    var limbs: [UInt32]

    init(limbs: [UInt32]) {
        var limbs = limbs
        while limbs.last == 0 { limbs.removeLast() }
        self.limbs = limbs
    }

    init(bigEndian bytes: [UInt8]) {
        var limbs: [UInt32] = []
        var index = bytes.count
        while index > 0 {
            let start = max(0, index - 4)
            limbs.append(bytes[start..<index].reduce(0) { $0 << 8 | UInt32($1) })
            index = start
        }
        self.init(limbs: limbs)
    }

    var bitWidth: Int { limbs.last.map { (limbs.count - 1) * 32 + (32 - $0.leadingZeroBitCount) } ?? 0 }
    var isOdd: Bool { (limbs.first ?? 0) & 1 == 1 }

    func bit(_ index: Int) -> Bool {
        let limb = index / 32
        return limb < limbs.count && limbs[limb] >> (index % 32) & 1 == 1
    }

    /// Big-endian, left-padded to `count` bytes; nil when it does not fit.
    func bigEndianBytes(count: Int) -> [UInt8]? {
        guard (bitWidth + 7) / 8 <= count else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        for (i, limb) in limbs.enumerated() {
            for j in 0..<4 where count - 1 - (i * 4 + j) >= 0 {
                bytes[count - 1 - (i * 4 + j)] = UInt8(limb >> (8 * j) & 0xff)
            }
        }
        return bytes
    }

    static func < (lhs: BigNumber, rhs: BigNumber) -> Bool {
        if lhs.limbs.count != rhs.limbs.count { return lhs.limbs.count < rhs.limbs.count }
        for i in stride(from: lhs.limbs.count - 1, through: 0, by: -1) where lhs.limbs[i] != rhs.limbs[i] {
            return lhs.limbs[i] < rhs.limbs[i]
        }
        return false
    }
}

/// Montgomery arithmetic modulo an odd `modulus` (CIOS multiplication, R = 2^(32·k)).
struct Montgomery {
    let n: [UInt32]
    let k: Int
    /// -n⁻¹ mod 2³².
    let nPrime: UInt32
    /// R² mod n.
    let rSquared: [UInt32]

    init(modulus: BigNumber) {
        n = modulus.limbs
        k = n.count
        var inverse: UInt32 = 1
        for _ in 0..<5 { inverse = inverse &* (2 &- n[0] &* inverse) }
        nPrime = 0 &- inverse
        // R² mod n by doubling 1 modulo n, 2·32·k times.
        var value = [UInt32](repeating: 0, count: k)
        value[0] = 1
        for _ in 0..<(64 * k) { value = Self.doubleMod(value, n) }
        rSquared = value
    }

    func power(_ base: BigNumber, exponent: BigNumber) -> BigNumber {
        var b = base.limbs + [UInt32](repeating: 0, count: k - base.limbs.count)
        b = multiply(b, rSquared)  // to Montgomery form
        var one = [UInt32](repeating: 0, count: k)
        one[0] = 1
        var result = multiply(one, rSquared)
        for i in stride(from: exponent.bitWidth - 1, through: 0, by: -1) {
            result = multiply(result, result)
            if exponent.bit(i) { result = multiply(result, b) }
        }
        return BigNumber(limbs: multiply(result, one))  // out of Montgomery form
    }

    /// a·b·R⁻¹ mod n, for a, b < n.
    func multiply(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var t = [UInt64](repeating: 0, count: k + 2)
        for i in 0..<k {
            var carry: UInt64 = 0
            let ai = UInt64(a[i])
            for j in 0..<k {
                let sum = t[j] + ai * UInt64(b[j]) + carry
                t[j] = sum & 0xffff_ffff
                carry = sum >> 32
            }
            var sum = t[k] + carry
            t[k] = sum & 0xffff_ffff
            t[k + 1] = sum >> 32
            let m = UInt64(UInt32(truncatingIfNeeded: t[0]) &* nPrime)
            sum = t[0] + m * UInt64(n[0])
            carry = sum >> 32
            for j in 1..<k {
                sum = t[j] + m * UInt64(n[j]) + carry
                t[j - 1] = sum & 0xffff_ffff
                carry = sum >> 32
            }
            sum = t[k] + carry
            t[k - 1] = sum & 0xffff_ffff
            t[k] = t[k + 1] + (sum >> 32)
            t[k + 1] = 0
        }
        var result = t[0..<k].map { UInt32($0) }
        if t[k] != 0 || !Self.less(result, n) { result = Self.subtract(result, n) }
        return result
    }

    static func less(_ a: [UInt32], _ b: [UInt32]) -> Bool {
        for i in stride(from: a.count - 1, through: 0, by: -1) where a[i] != b[i] { return a[i] < b[i] }
        return false
    }

    /// a − b mod 2^(32·k) (callers ensure the true difference is non-negative, or wraps from an overflow limb).
    static func subtract(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var result = a
        var borrow: UInt64 = 0
        for i in 0..<a.count {
            let difference = UInt64(a[i]) &- UInt64(b[i]) &- borrow
            result[i] = UInt32(truncatingIfNeeded: difference)
            borrow = difference >> 63
        }
        return result
    }

    /// 2a mod n, for a < n.
    static func doubleMod(_ a: [UInt32], _ n: [UInt32]) -> [UInt32] {
        var result = a
        var carry: UInt32 = 0
        for i in 0..<a.count {
            let shifted = a[i] << 1 | carry
            carry = a[i] >> 31
            result[i] = shifted
        }
        if carry != 0 || !less(result, n) { result = subtract(result, n) }
        return result
    }
}
