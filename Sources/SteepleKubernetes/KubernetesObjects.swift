#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The parts of Kubernetes API objects Steeple reads, decoded from the JSON the API server and the kubelet return
/// (`core/v1` Pod, PodList and Node; field names as the API reference documents them). Fields that are absent decode
/// to empty values, as Go's client does.
public struct ObjectMeta: Sendable, Decodable, Equatable {
    public var name: String
    public var namespace: String
    public var uid: String
    public var labels: [String: String]
    public var ownerReferences: [OwnerReference]

    public init(name: String = "", namespace: String = "", uid: String = "", labels: [String: String] = [:], ownerReferences: [OwnerReference] = []) {
        self.name = name
        self.namespace = namespace
        self.uid = uid
        self.labels = labels
        self.ownerReferences = ownerReferences
    }

    enum CodingKeys: String, CodingKey { case name, namespace, uid, labels, ownerReferences }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        namespace = try container.decodeIfPresent(String.self, forKey: .namespace) ?? ""
        uid = try container.decodeIfPresent(String.self, forKey: .uid) ?? ""
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        ownerReferences = try container.decodeIfPresent([OwnerReference].self, forKey: .ownerReferences) ?? []
    }
}

/// `metadata.ownerReferences[]`: the object that owns a pod, such as its ReplicaSet.
public struct OwnerReference: Sendable, Decodable, Equatable {
    public var kind: String
    public var name: String
    public var uid: String

    public init(kind: String, name: String, uid: String) {
        self.kind = kind
        self.name = name
        self.uid = uid
    }
}

/// A `core/v1` Pod.
public struct Pod: Sendable, Decodable, Equatable {
    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status

    public struct Spec: Sendable, Decodable, Equatable {
        public var nodeName: String
        public var serviceAccountName: String

        enum CodingKeys: String, CodingKey { case nodeName, serviceAccountName }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            nodeName = try container.decodeIfPresent(String.self, forKey: .nodeName) ?? ""
            serviceAccountName = try container.decodeIfPresent(String.self, forKey: .serviceAccountName) ?? ""
        }
    }

    public struct Status: Sendable, Decodable, Equatable {
        public var hostIP: String
        public var containerStatuses: [ContainerStatus]
        public var initContainerStatuses: [ContainerStatus]

        enum CodingKeys: String, CodingKey { case hostIP, containerStatuses, initContainerStatuses }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            hostIP = try container.decodeIfPresent(String.self, forKey: .hostIP) ?? ""
            containerStatuses = try container.decodeIfPresent([ContainerStatus].self, forKey: .containerStatuses) ?? []
            initContainerStatuses = try container.decodeIfPresent([ContainerStatus].self, forKey: .initContainerStatuses) ?? []
        }
    }

    enum CodingKeys: String, CodingKey { case metadata, spec, status }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try container.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
        spec = try container.decodeIfPresent(Spec.self, forKey: .spec) ?? (try JSONDecoderShim.empty(Spec.self))
        status = try container.decodeIfPresent(Status.self, forKey: .status) ?? (try JSONDecoderShim.empty(Status.self))
    }
}

/// `status.containerStatuses[]` of a pod: the container's name, image, image ID and runtime ID
/// (`containerd://<64 hex>`).
public struct ContainerStatus: Sendable, Decodable, Equatable {
    public var name: String
    public var image: String
    public var imageID: String
    public var containerID: String

    public init(name: String, image: String, imageID: String, containerID: String) {
        self.name = name
        self.image = image
        self.imageID = imageID
        self.containerID = containerID
    }

    enum CodingKeys: String, CodingKey { case name, image, imageID, containerID }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        image = try container.decodeIfPresent(String.self, forKey: .image) ?? ""
        imageID = try container.decodeIfPresent(String.self, forKey: .imageID) ?? ""
        containerID = try container.decodeIfPresent(String.self, forKey: .containerID) ?? ""
    }

    /// The ID in `containerID` without its runtime scheme (`containerd://abc…` → `abc…`), as SPIRE compares it.
    public var runtimeContainerID: String? {
        let bytes = Array(containerID.utf8)
        guard bytes.count > 3, let start = (0..<(bytes.count - 2)).first(where: { bytes[$0] == UInt8(ascii: ":") && bytes[$0 + 1] == UInt8(ascii: "/") && bytes[$0 + 2] == UInt8(ascii: "/") }) else {
            return nil
        }
        let id = bytes[(start + 3)...]
        return id.isEmpty ? nil : String(decoding: id, as: UTF8.self)
    }
}

/// A `core/v1` PodList, as the kubelet's `/pods` answers.
public struct PodList: Sendable, Decodable, Equatable {
    public var items: [Pod]

    enum CodingKeys: String, CodingKey { case items }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        items = try container.decodeIfPresent([Pod].self, forKey: .items) ?? []
    }
}

/// A `core/v1` Node: only its metadata is read.
public struct Node: Sendable, Decodable, Equatable {
    public var metadata: ObjectMeta

    enum CodingKeys: String, CodingKey { case metadata }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try container.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
    }
}

/// A `core/v1` Namespace: only its metadata (its labels) is read.
public struct Namespace: Sendable, Decodable, Equatable {
    public var metadata: ObjectMeta

    enum CodingKeys: String, CodingKey { case metadata }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try container.decodeIfPresent(ObjectMeta.self, forKey: .metadata) ?? ObjectMeta()
    }
}

/// Decodes a type from `{}`, so that an absent nested object reads as its empty value.
enum JSONDecoderShim {
    static func empty<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data("{}".utf8))
    }
}
