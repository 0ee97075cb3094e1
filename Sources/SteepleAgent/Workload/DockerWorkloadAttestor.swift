import SteepleHTTP
import SteepleKubernetes

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's `docker` workload attestor: the caller's container from its cgroups (``DockerContainerLocator``), then
/// `GET /containers/<id>/json` and `GET /images/<image>/json` on the Docker Engine API's Unix socket, and SPIRE's
/// selectors: `docker:label:<key>:<value>`, `docker:env:<KEY=value>`, `docker:image_id:<Config.Image>` and
/// `docker:image_config_digest:<image ID>`. A process in no container gets no `docker` selectors; an engine that
/// cannot be reached (or does not know the container) fails the attestation.
struct DockerWorkloadAttestor: Sendable {
    /// The Engine API's socket (`docker_socket_path`, `unix:///var/run/docker.sock` by default).
    let socketPath: String
    /// `docker_version`: an API version prefix such as `1.41`; empty uses the engine's own.
    let apiVersion: String
    let procRoot: String

    init(socketPath: String, apiVersion: String = "", procRoot: String = "/proc") {
        self.socketPath = socketPath
        self.apiVersion = apiVersion
        self.procRoot = procRoot
    }

    func selectors(for caller: WorkloadCaller) async throws -> Set<String> {
        guard let id = try CallerCgroups.locate(caller, procRoot: procRoot, attestor: "docker", DockerContainerLocator.containerID(cgroupFile:)) else {
            return []
        }
        struct Container: Decodable {
            struct Config: Decodable {
                var Labels: [String: String]?
                var Env: [String]?
                var Image: String?
            }
            var Config: Config?
        }
        struct Image: Decodable { var Id: String? }
        let container = try await get("/containers/\(id)/json", as: Container.self)
        var selectors: Set<String> = []
        for (key, value) in container.Config?.Labels ?? [:] { selectors.insert("docker:label:\(key):\(value)") }
        for variable in container.Config?.Env ?? [] { selectors.insert("docker:env:\(variable)") }
        if let image = container.Config?.Image, !image.isEmpty {
            selectors.insert("docker:image_id:\(image)")
            // As SPIRE: the image's config digest when the engine can say it; its absence is not an error.
            // The name goes into the path as Docker's own client sends it (slashes and all); a name with anything
            // else than an image reference's characters is not asked about.
            if Self.isImageReference(image), let imageID = (try? await get("/images/\(image)/json", as: Image.self))?.Id, !imageID.isEmpty {
                selectors.insert("docker:image_config_digest:\(imageID)")
            }
        }
        return selectors
    }

    private func get<T: Decodable>(_ path: String, as type: T.Type) async throws -> T {
        let prefix = apiVersion.isEmpty ? "" : "/v\(apiVersion)"
        guard let url = URL(string: "http://docker\(prefix)\(path)") else {
            throw WorkloadAttestationError(message: "docker: \(prefix)\(path) is not a request path")
        }
        var request = HTTPGet(url: url, transport: .unixSocket(socketPath))
        request.timeout = .seconds(5)
        let response: HTTPGet.Response
        do {
            response = try await request.run()
        } catch {
            throw WorkloadAttestationError(message: "docker: the Engine API at \(socketPath) cannot be reached: \(error.message)")
        }
        guard response.status == 200 else {
            let message = (try? JSONDecoder().decode([String: String].self, from: Data(response.body)))?["message"] ?? String(decoding: response.body.prefix(200), as: UTF8.self)
            throw WorkloadAttestationError(message: "docker: GET \(path): \(response.status) \(response.reason): \(message)")
        }
        do {
            return try JSONDecoder().decode(type, from: Data(response.body))
        } catch {
            throw WorkloadAttestationError(message: "docker: GET \(path): the answer is not the Engine API's JSON: \(error)")
        }
    }

    /// Letters, digits and `._-/:@`: what image references are made of.
    static func isImageReference(_ text: String) -> Bool {
        !text.contains("..") && text.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || Array("._-/:@".utf8).contains(byte)
        }
    }
}
