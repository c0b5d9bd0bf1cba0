import Crypto
import Foundation
import TallySource
import TallyValues

/// A signed tracking token: which referrer (and campaign) a link belongs to, until when,
/// and which key signed it. Written `tly1.KEY.PAYLOAD.SIGNATURE`: PAYLOAD is base64url of
/// `{"r":referrer,"c":campaign,"e":"YYYY-MM-DD"}` (campaign and expiry optional),
/// SIGNATURE is base64url of the first 16 bytes of HMAC-SHA-256(key, `tly1.KEY.PAYLOAD`).
public struct TrackingToken: Sendable, Equatable {
    public var keyID: String
    public var referrer: String
    public var campaign: String?
    /// The last local day (program time zone) the token is valid on.
    public var expires: CivilDate?

    public init(keyID: String, referrer: String, campaign: String? = nil, expires: CivilDate? = nil) {
        self.keyID = keyID
        self.referrer = referrer
        self.campaign = campaign
        self.expires = expires
    }

    static let version = "tly1"

    /// The token, signed with `secret`.
    public func signed(with secret: [UInt8]) -> String {
        var members: [(String, JSON)] = [("r", .string(referrer))]
        if let campaign { members.append(("c", .string(campaign))) }
        if let expires { members.append(("e", .string(expires.description))) }
        let payload = TrackingToken.base64url(Array(JSON.object(members).rendered().utf8))
        let signedPart = "\(TrackingToken.version).\(keyID).\(payload)"
        return signedPart + "." + TrackingToken.base64url(TrackingToken.signature(signedPart, secret: secret))
    }

    static func signature(_ text: String, secret: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: SymmetricKey(data: secret)).prefix(16))
    }

    /// Why a token does not stand, in words for rejects.csv.
    public enum Problem: Error, Equatable, Sendable {
        case malformed
        case unknownKey(String)
        case forged
        case expired(CivilDate)
        case otherReferrer(token: String, click: String)
        case otherCampaign(token: String, click: String)

        public var words: String {
            switch self {
            case .malformed: return "the tracking token is malformed (not a `tly1.KEY.PAYLOAD.SIGNATURE` token)"
            case .unknownKey(let id): return "the tracking token is signed with key `\(id)`, which tally.yaml does not list (unknown or retired key)"
            case .forged: return "the tracking token is forged: its signature does not match its content"
            case .expired(let date): return "the tracking token expired on \(date)"
            case .otherReferrer(let token, let click): return "the tracking token is forged: it was issued for referrer `\(token)`, the click names `\(click)`"
            case .otherCampaign(let token, let click): return "the tracking token was issued for campaign `\(token)`, the click names `\(click)`"
            }
        }
    }

    /// Reads and checks a token against the listed keys (id -> secret). Expiry and the
    /// click's referrer are the caller's to check (see `check`).
    public static func verify(_ text: String, keys: [String: [UInt8]]) -> Result<TrackingToken, Problem> {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == version, !parts[1].isEmpty else { return .failure(.malformed) }
        let keyID = String(parts[1])
        guard let secret = keys[keyID] else { return .failure(.unknownKey(keyID)) }
        guard let given = bytes(base64url: parts[3]), given.count == 16 else { return .failure(.forged) }
        let expected = signature("\(parts[0]).\(parts[1]).\(parts[2])", secret: secret)
        // Constant time: the comparison does not reveal how many bytes matched.
        guard zip(given, expected).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 else { return .failure(.forged) }
        guard let payload = bytes(base64url: parts[2]),
              let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
              let referrer = object["r"] as? String else { return .failure(.malformed) }
        var token = TrackingToken(keyID: keyID, referrer: referrer, campaign: object["c"] as? String)
        if let date = object["e"] as? String {
            guard let expires = CivilDate(iso: Substring(date)) else { return .failure(.malformed) }
            token.expires = expires
        }
        return .success(token)
    }

    /// A click's token checked in full: signature, expiry at the click's local date, and
    /// that it names the click's referrer and campaign (when the click names them).
    public static func check(_ text: String, keys: [String: [UInt8]], clickDate: CivilDate, referrer: String,
                             campaign: String) -> Result<TrackingToken, Problem> {
        switch verify(text, keys: keys) {
        case .failure(let problem): return .failure(problem)
        case .success(let token):
            if !referrer.isEmpty, token.referrer != referrer { return .failure(.otherReferrer(token: token.referrer, click: referrer)) }
            if let expected = token.campaign, !campaign.isEmpty, expected != campaign {
                return .failure(.otherCampaign(token: expected, click: campaign))
            }
            if let expires = token.expires, clickDate > expires { return .failure(.expired(expires)) }
            return .success(token)
        }
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func bytes(base64url text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        guard let bytes = Data(base64Encoded: standard).map({ [UInt8]($0) }) else { return nil }
        // One spelling per token: unused low bits must be zero, as `base64url` writes them.
        return base64url(bytes) == text ? bytes : nil
    }
}
