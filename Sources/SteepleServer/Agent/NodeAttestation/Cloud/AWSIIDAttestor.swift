import Crypto
import SPIFFE
import SteepleDatastore
import X509
import _CryptoExtras

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `NodeAttestor "aws_iid"`, as SPIRE's where no AWS API is needed: the payload is SPIRE's
/// `{"document":…,"signature":…,"rsa2048":…}` from the instance metadata service. As SPIRE, `rsa2048` (a PKCS #7
/// SignedData holding the document, ``PKCS7SignedData``) is verified when present, else the document's `signature`
/// (RSA PKCS #1 v1.5 with SHA-256, base64); either with one of the AWS certificates of `aws_ca_certificate_path`.
///
/// SPIRE then always calls EC2's DescribeInstances (and IAM), for the block device check and for tag, security group
/// and IAM role selectors. Steeple calls no AWS API, so the block device check cannot run: an instance is accepted
/// only when its account is in `account_ids_for_local_validation` (SPIRE skips the check for those) or
/// `skip_block_device = true`. Agent ID from `agent_path_template` (SPIRE's default
/// `spiffe://<td>/spire/agent/aws_iid/<account>/<region>/<instance id>`), trust on first use, selectors from the
/// document only: `aws_iid:account_id:`, `az:`, `image:id:`, `instance:id:`, `region:`.
struct AWSIIDAttestor: NodeAttestor {
    static let templateFields: Set<String> = ["PluginName", "InstanceID", "AccountID", "Region", "TrustDomain"]

    let trustDomain: TrustDomain
    let certificates: [Certificate]
    let accountIDsForLocalValidation: [String]
    let skipBlockDevice: Bool
    let pathTemplate: AgentPathTemplate
    let nodes: any AttestedNodeStore

    var name: String { "aws_iid" }

    struct AttestationData: Decodable {
        var document: String?
        var signature: String?
        var rsa2048: String?
    }

    /// The fields SPIRE reads of the instance identity document.
    struct InstanceIdentityDocument: Decodable {
        var accountId: String?
        var availabilityZone: String?
        var imageId: String?
        var instanceId: String?
        var region: String?
    }

    func attest(payload: [UInt8], challenge _: ([UInt8]) async throws -> [UInt8]) async throws -> NodeAttestationResult {
        guard !payload.isEmpty else { throw APIRefusal(.invalidRequest, "missing attestation payload") }
        let data: AttestationData
        do {
            data = try JSONDecoder().decode(AttestationData.self, from: Data(payload))
        } catch {
            throw APIRefusal(.invalidRequest, "failed to unmarshal the attestation data: \(error)")
        }
        let documentText = data.document ?? ""
        let document: InstanceIdentityDocument
        do {
            document = try JSONDecoder().decode(InstanceIdentityDocument.self, from: Data(documentText.utf8))
        } catch {
            throw APIRefusal(.invalidRequest, "failed to unmarshal the IID: \(error)")
        }
        // As SPIRE: the rsa2048 PKCS #7 signature when the agent sent one, else the document's signature.
        if let rsa2048 = data.rsa2048, !rsa2048.isEmpty {
            try verifyPKCS7(document: documentText, signature: rsa2048)
        } else {
            let signature = data.signature ?? ""
            guard !signature.isEmpty else { throw APIRefusal(.invalidRequest, "instance identity cryptographic signature is required") }
            try verify(document: documentText, signature: signature)
        }

        let accountID = document.accountId ?? ""
        if !skipBlockDevice, !accountIDsForLocalValidation.contains(accountID) {
            throw APIRefusal(
                .attestationFailed,
                "failed aws ec2 attestation: account \"\(accountID)\" is not in account_ids_for_local_validation, and the block device check it would need calls EC2's DescribeInstances, which Steeple does not: list the account or set skip_block_device = true")
        }
        let path = pathTemplate.execute([
            "PluginName": name, "InstanceID": document.instanceId ?? "", "AccountID": accountID, "Region": document.region ?? "", "TrustDomain": "",
        ])
        let agentID = try CloudAttestation.agentID(trustDomain: trustDomain, path: path)
        try await CloudAttestation.assessTOFU(agentID, nodes: nodes)
        let values = [
            "account_id:\(accountID)",
            "image:id:\(document.imageId ?? "")",
            "instance:id:\(document.instanceId ?? "")",
            "region:\(document.region ?? "")",
            "az:\(document.availabilityZone ?? "")",
        ].sorted()
        return NodeAttestationResult(
            agentID: agentID,
            selectors: try values.map { value throws(DatastoreError) in try Selector(type: name, value: value) },
            canReattest: false)
    }

    /// SPIRE's RSA-2048 path: a PKCS #7 SignedData (base64, as the metadata service gives it) whose signer is a
    /// configured certificate and whose attached content is the document.
    private func verifyPKCS7(document: String, signature: String) throws {
        guard let der = Data(base64Encoded: signature, options: .ignoreUnknownCharacters), !der.isEmpty else {
            throw APIRefusal(.invalidRequest, "failed to decode the instance identity cryptographic signature")
        }
        let signed: PKCS7SignedData
        do {
            signed = try PKCS7SignedData(ber: Array(der))
        } catch {
            throw APIRefusal(.invalidRequest, "failed to parse the instance identity cryptographic signature: \(error)")
        }
        var failure = "no certificate"
        var verified = false
        for certificate in certificates where !verified {
            do {
                try signed.verify(with: certificate)
                verified = true
            } catch {
                failure = "\(error)"
            }
        }
        guard verified else {
            throw APIRefusal(.invalidRequest, "failed verification of instance identity cryptographic signature: \(failure)")
        }
        guard signed.content == Array(document.utf8) else {
            throw APIRefusal(.invalidRequest, "instance identity document does not match the verified PKCS7 content")
        }
    }

    /// SPIRE's RSA path: SHA-256 of the document, PKCS #1 v1.5, with any configured certificate's key.
    private func verify(document: String, signature: String) throws {
        guard let bytes = Data(base64Encoded: signature, options: .ignoreUnknownCharacters) else {
            throw APIRefusal(.invalidRequest, "failed to decode the IID signature: illegal base64 data")
        }
        let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: bytes)
        let digest = SHA256.hash(data: Array(document.utf8))
        for certificate in certificates {
            guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else { continue }
            if key.isValidSignature(rsaSignature, for: digest, padding: .insecurePKCS1v1_5) { return }
        }
        throw APIRefusal(.invalidRequest, "failed to verify the cryptographic signature: crypto/rsa: verification error")
    }
}
