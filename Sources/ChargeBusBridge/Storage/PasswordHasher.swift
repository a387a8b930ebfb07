import Crypto
import _CryptoExtras
import Foundation

/// Charger passwords (OCPP AuthorizationKey) stored as salted PBKDF2-HMAC-SHA256.
///
/// Format: `pbkdf2-sha256$<rounds>$<salt base64>$<hash base64>`. The rounds are modest because
/// charger keys are 16–40 random bytes rather than human passwords, and a reconnect storm of
/// thousands of chargers must not stall the bridge; successful checks are also cached.
public enum PasswordHasher {
    public static let defaultRounds = 10_000

    public static func hash(_ password: String, rounds: Int = defaultRounds) -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: .min ... .max, using: &generator) }
        let derived = derive(password, salt: salt, rounds: rounds)
        return "pbkdf2-sha256$\(rounds)$\(Data(salt).base64EncodedString())$\(Data(derived).base64EncodedString())"
    }

    public static func verify(_ password: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let rounds = Int(parts[1]), rounds > 0,
              let salt = Data(base64Encoded: String(parts[2])), let expected = Data(base64Encoded: String(parts[3]))
        else { return false }
        let derived = derive(password, salt: Array(salt), rounds: rounds)
        return constantTimeEquals(derived, Array(expected))
    }

    private static func derive(_ password: String, salt: [UInt8], rounds: Int) -> [UInt8] {
        // deriveKey only throws for invalid parameters, which these are not.
        let key = try! KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    /// A digest of a presented password, for the verified-credentials cache (never stored on disk).
    static func cacheDigest(_ password: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(password.utf8)))
    }
}
