/// A `core/v1` ConfigMap: its resource version (for optimistic concurrency) and data.
public struct ConfigMap: Sendable, Decodable, Equatable {
    public var metadata: Metadata
    public var data: [String: String]

    public struct Metadata: Sendable, Decodable, Equatable {
        public var name: String
        public var namespace: String
        public var resourceVersion: String

        enum CodingKeys: String, CodingKey { case name, namespace, resourceVersion }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
            namespace = try container.decodeIfPresent(String.self, forKey: .namespace) ?? ""
            resourceVersion = try container.decodeIfPresent(String.self, forKey: .resourceVersion) ?? ""
        }
    }

    enum CodingKeys: String, CodingKey { case metadata, data }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try container.decode(Metadata.self, forKey: .metadata)
        data = try container.decodeIfPresent([String: String].self, forKey: .data) ?? [:]
    }
}
