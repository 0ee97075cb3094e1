import NIOHTTP1
import SteepleHTTP

import Foundation

/// The calls of SPIRE's membership checks: AWS Organizations `ListAccounts` (JSON 1.1 protocol), EKS
/// `ListNodegroups` and `DescribeNodegroup` (REST), and Auto Scaling `DescribeAutoScalingGroups` (Query), each
/// followed through its pages. Endpoints are the partition's, or the AWS SDKs' `AWS_ENDPOINT_URL_ORGANIZATIONS`,
/// `AWS_ENDPOINT_URL_EKS` and `AWS_ENDPOINT_URL_AUTO_SCALING`.
extension AWSAPIClient {
    private var suffix: String { Self.domain(partition: partition) }

    /// The IDs of the organization's accounts whose status is `ACTIVE`.
    func activeOrganizationAccounts() async throws(AWSAPIError) -> Set<String> {
        // Organizations is a global service, signed for us-east-1 (cn-northwest-1, us-gov-west-1 elsewhere).
        let (endpoint, region) = switch partition {
        case "aws-cn": ("https://organizations.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1")
        case "aws-us-gov": ("https://organizations.us-gov-west-1.amazonaws.com", "us-gov-west-1")
        default: ("https://organizations.us-east-1.amazonaws.com", "us-east-1")
        }
        struct Page: Decodable {
            struct Account: Decodable { var Id: String?; var Status: String? }
            var Accounts: [Account]?
            var NextToken: String?
        }
        var accounts: Set<String> = []
        var next: String?
        repeat {
            struct Request: Encodable { var NextToken: String? }
            let body = (try? JSONEncoder().encode(Request(NextToken: next))).map { Array($0) } ?? Array("{}".utf8)
            let page: Page = try await json(
                endpoint: Self.endpointOverride("ORGANIZATIONS", environment: environment) ?? endpoint, path: "/", region: region, service: "organizations",
                method: .POST, headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts")],
                body: body)
            for account in page.Accounts ?? [] where account.Status == "ACTIVE" {
                if let id = account.Id { accounts.insert(id) }
            }
            next = page.NextToken.flatMap { $0.isEmpty ? nil : $0 }
        } while next != nil
        return accounts
    }

    /// The instance IDs of every Auto Scaling group of every node group of EKS cluster `cluster` in `region`.
    func eksClusterInstances(cluster: String, region: String) async throws(AWSAPIError) -> Set<String> {
        let eks = Self.endpointOverride("EKS", environment: environment) ?? "https://eks.\(region).\(suffix)"
        struct Nodegroups: Decodable { var nodegroups: [String]?; var nextToken: String? }
        struct Described: Decodable {
            struct Nodegroup: Decodable {
                struct Resources: Decodable {
                    struct Group: Decodable { var name: String? }
                    var autoScalingGroups: [Group]?
                }
                var resources: Resources?
            }
            var nodegroup: Nodegroup?
        }
        var groups: [String] = []
        var next: String?
        repeat {
            let query = next.map { "?nextToken=\(AWSSigV4.encode($0))" } ?? ""
            let page: Nodegroups
            do {
                page = try await json(endpoint: eks, path: "/clusters/\(AWSSigV4.encode(cluster))/node-groups" + query, region: region, service: "eks")
            } catch {
                throw AWSAPIError("issue while getting list of EKS Nodegroups: \(error.message)")
            }
            groups += page.nodegroups ?? []
            next = page.nextToken.flatMap { $0.isEmpty ? nil : $0 }
        } while next != nil
        var instances: Set<String> = []
        for group in groups {
            let described: Described
            do {
                described = try await json(
                    endpoint: eks, path: "/clusters/\(AWSSigV4.encode(cluster))/node-groups/\(AWSSigV4.encode(group))", region: region, service: "eks")
            } catch {
                throw AWSAPIError("issue while getting list of EKS Node Groups: \(error.message)")
            }
            for scalingGroup in described.nodegroup?.resources?.autoScalingGroups ?? [] {
                guard let name = scalingGroup.name else { continue }
                instances.formUnion(try await autoScalingGroupInstances(name: name, region: region))
            }
        }
        return instances
    }

    /// The instance IDs of Auto Scaling group `name`.
    private func autoScalingGroupInstances(name: String, region: String) async throws(AWSAPIError) -> Set<String> {
        let endpoint = Self.endpointOverride("AUTO_SCALING", environment: environment) ?? "https://autoscaling.\(region).\(suffix)"
        var instances: Set<String> = []
        var next: String?
        repeat {
            var parameters = [("Action", "DescribeAutoScalingGroups"), ("Version", "2011-01-01"), ("AutoScalingGroupNames.member.1", name)]
            if let next { parameters.append(("NextToken", next)) }
            let answer: SimpleXML
            do {
                answer = try await Self.query(
                    endpoint: endpoint, region: region, service: "autoscaling", parameters: parameters, credentials: credentials, environment: environment)
            } catch {
                throw AWSAPIError("issue while getting list of instances in AutoScalingGroup: \(error.message)")
            }
            let result = answer.child("DescribeAutoScalingGroupsResult")
            for group in result?.child("AutoScalingGroups")?.children ?? [] {
                for instance in group.child("Instances")?.children ?? [] {
                    if let id = instance.value("InstanceId") { instances.insert(id) }
                }
            }
            next = result?.value("NextToken").flatMap { $0.isEmpty ? nil : $0 }
        } while next != nil
        return instances
    }

    /// A signed call to a JSON API, its answer decoded; an error status gives the API's `__type` and `message`.
    private func json<T: Decodable>(
        endpoint: String, path: String, region: String, service: String, method: HTTPMethod = .GET, headers: [(String, String)] = [],
        body: [UInt8] = []
    ) async throws(AWSAPIError) -> T {
        var root = endpoint
        while root.hasSuffix("/") { root.removeLast() }
        guard let url = URL(string: root + path) else { throw AWSAPIError("\(endpoint) does not form a URL") }
        let signature = AWSSigV4(credentials: credentials, region: region, service: service)
            .headers(for: url, date: Date(), method: method.rawValue, body: body)
        let response: HTTPGet.Response
        do {
            response = try await CloudAPIRequest.send(url, method: method, headers: headers + signature, body: body.isEmpty ? nil : body, environment: environment)
        } catch {
            throw AWSAPIError(error.description)
        }
        guard response.status == 200 else {
            let failure = try? JSONDecoder().decode(AWSJSONFailure.self, from: Data(response.body))
            let code = failure?.__type.map { String($0.split(separator: "#").last ?? Substring($0)) } ?? "\(response.status)"
            throw AWSAPIError("api error \(code): \(failure?.message ?? failure?.Message ?? response.reason)")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(response.body))
        } catch {
            throw AWSAPIError("\(service) answered with JSON it does not document: \(error)")
        }
    }
}

/// The error body of AWS's JSON APIs.
private struct AWSJSONFailure: Decodable {
    var __type: String?
    var message: String?
    var Message: String?
}
