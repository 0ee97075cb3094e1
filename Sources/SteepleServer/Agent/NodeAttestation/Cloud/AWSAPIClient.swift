import NIOHTTP1
import NIOSSL
import SteepleHTTP

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The AWS calls `aws_iid` makes when it has credentials, as SPIRE's: EC2 `DescribeInstances` (the instance, in the
/// document's region, if pending or running) and IAM `GetInstanceProfile` (its roles), signed with SigV4
/// (``AWSSigV4``). Endpoints are the partition's, or those of the AWS SDKs' `AWS_ENDPOINT_URL_EC2`,
/// `AWS_ENDPOINT_URL_IAM` and `AWS_ENDPOINT_URL` variables.
struct AWSAPIClient: Sendable {
    let credentials: AWSSigV4.Credentials
    let partition: String
    let environment: [String: String]

    /// The `<item>`s of `instancesSet` of every reservation.
    func describeInstances(region: String, instanceID: String) async throws(AWSAPIError) -> [SimpleXML] {
        let endpoint = override("EC2") ?? "https://ec2.\(region).\(Self.domain(partition: partition))"
        let response = try await call(endpoint: endpoint, region: region, service: "ec2", parameters: [
            ("Action", "DescribeInstances"), ("Version", "2016-11-15"), ("InstanceId.1", instanceID),
            ("Filter.1.Name", "instance-state-name"), ("Filter.1.Value.1", "pending"), ("Filter.1.Value.2", "running"),
        ])
        return response.items("reservationSet").flatMap { $0.items("instancesSet") }
    }

    /// The ARNs of the roles of instance profile `name`.
    func instanceProfileRoles(name: String) async throws(AWSAPIError) -> [String] {
        let (host, region) = switch partition {
        case "aws-cn": ("https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1")
        case "aws-us-gov": ("https://iam.us-gov.amazonaws.com", "us-gov-west-1")
        default: ("https://iam.amazonaws.com", "us-east-1")
        }
        let response = try await call(endpoint: override("IAM") ?? host, region: region, service: "iam", parameters: [
            ("Action", "GetInstanceProfile"), ("Version", "2010-05-08"), ("InstanceProfileName", name),
        ])
        let roles = response.child("GetInstanceProfileResult")?.child("InstanceProfile")?.child("Roles")?.children ?? []
        return roles.compactMap { $0.value("Arn") }
    }

    private func override(_ service: String) -> String? {
        Self.endpointOverride(service, environment: environment)
    }

    /// The domain of a partition's regional endpoints.
    static func domain(partition: String) -> String {
        partition == "aws-cn" ? "amazonaws.com.cn" : "amazonaws.com"
    }

    /// The AWS SDKs' endpoint variables: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`.
    static func endpointOverride(_ service: String, environment: [String: String]) -> String? {
        for name in ["AWS_ENDPOINT_URL_\(service)", "AWS_ENDPOINT_URL"] {
            if let value = environment[name], !value.isEmpty { return value }
        }
        return nil
    }

    private func call(endpoint: String, region: String, service: String, parameters: [(String, String)]) async throws(AWSAPIError) -> SimpleXML {
        try await Self.query(endpoint: endpoint, region: region, service: service, parameters: parameters, credentials: credentials, environment: environment)
    }

    /// A call to an AWS Query API (EC2, IAM, STS, Auto Scaling) as the AWS SDKs make it: a `POST` whose
    /// `application/x-www-form-urlencoded` body holds the parameters, signed with SigV4 when `credentials` are given
    /// (STS's `AssumeRoleWithWebIdentity` is not signed). The parameters (a web identity token among them) are never
    /// in the URL, so no error text that names the URL carries them. The answer's XML, or the API's error code and
    /// message.
    static func query(
        endpoint: String, region: String, service: String, parameters: [(String, String)], credentials: AWSSigV4.Credentials?,
        environment: [String: String]
    ) async throws(AWSAPIError) -> SimpleXML {
        let base = endpoint.hasSuffix("/") ? endpoint : endpoint + "/"
        guard let url = URL(string: base) else {
            throw AWSAPIError("\(endpoint) does not form a URL")
        }
        let body = Array(AWSSigV4.canonicalQuery(parameters).utf8)
        let response: HTTPGet.Response
        do {
            let headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
                + (credentials.map { AWSSigV4(credentials: $0, region: region, service: service).headers(for: url, date: Date(), method: "POST", body: body) } ?? [])
            response = try await CloudAPIRequest.send(url, method: .POST, headers: headers, body: body, environment: environment)
        } catch {
            throw AWSAPIError(error.description)
        }
        let document: SimpleXML
        do {
            document = try SimpleXML.parse(response.body)
        } catch {
            throw AWSAPIError("\(service) answered \(response.status) with a body that is not XML: \(error)")
        }
        guard response.status == 200 else {
            // EC2: <Response><Errors><Error><Code>…; IAM: <ErrorResponse><Error><Code>…
            let error = document.child("Errors")?.child("Error") ?? document.child("Error")
            throw AWSAPIError("api error \(error?.value("Code") ?? "\(response.status)"): \(error?.value("Message") ?? response.reason)")
        }
        return document
    }
}

/// An AWS call that failed.
struct AWSAPIError: Error, Sendable, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
