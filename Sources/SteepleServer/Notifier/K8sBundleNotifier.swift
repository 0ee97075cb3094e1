import Logging
import SPIFFE
import ServiceLifecycle
import SteepleKubernetes
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SPIRE's `Notifier "k8sbundle"`: keeps the trust bundle's X.509 authorities, PEM, in a ConfigMap's key (by default
/// `spire/spire-bundle`, key `bundle.crt`) that agents mount as their `trust_bundle_path`. Written at start and at
/// every bundle change; the ConfigMap is read and patched with its resource version, and a `409 Conflict` (someone
/// else wrote it meanwhile) is retried at once. A failure is logged and retried every `retryInterval` until the
/// ConfigMap holds the bundle, and the ConfigMap is checked again every `recheckInterval`, so one that was
/// overwritten or recreated is repaired (SPIRE watches it with an informer).
struct K8sBundleNotifier: Service {
    let settings: K8sBundleNotifierConfiguration
    let apiServer: KubernetesAPIServer
    let bundles: @Sendable () -> AsyncStream<SPIFFEBundle>
    let logger: Logger
    var retryInterval: Duration = .seconds(5)
    var recheckInterval: Duration = .seconds(60)

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            let latest = LatestPEM()
            let (pokes, poke) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await bundle in bundles() {
                        latest.value.withLock { $0 = bundle.x509Bundle.pemRepresentation }
                        poke.yield()
                    }
                }
                group.addTask {
                    while (try? await Task.sleep(for: recheckInterval)) != nil { poke.yield() }
                }
                group.addTask {
                    var written: String?
                    for await _ in pokes {
                        guard let pem = latest.value.withLock({ $0 }) else { continue }
                        do {
                            try await write(pem)
                            if written != pem {
                                logger.info("Bundle written to the ConfigMap", metadata: [
                                    "namespace": "\(settings.namespace)", "config_map": "\(settings.configMap)", "key": "\(settings.configMapKey)",
                                ])
                            }
                            written = pem
                        } catch {
                            logger.error("Unable to write the bundle to the ConfigMap; will retry", metadata: [
                                "namespace": "\(settings.namespace)", "config_map": "\(settings.configMap)", "error": "\(error)",
                            ])
                            guard (try? await Task.sleep(for: retryInterval)) != nil else { return }
                            poke.yield()
                        }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Reads the ConfigMap and patches the key when it differs; a conflict is retried (client-go's RetryOnConflict
    /// tries five times).
    private func write(_ pem: String) async throws {
        for attempt in 1...5 {
            let map: ConfigMap
            do {
                map = try await apiServer.configMap(namespace: settings.namespace, name: settings.configMap)
            } catch {
                throw KubernetesError("unable to get object \(settings.namespace)/\(settings.configMap): \(error.message)")
            }
            if map.data[settings.configMapKey] == pem { return }
            do {
                _ = try await apiServer.setConfigMapData(
                    namespace: settings.namespace, name: settings.configMap, resourceVersion: map.metadata.resourceVersion,
                    key: settings.configMapKey, value: pem)
                return
            } catch {
                // A `catch … where` clause here crashes Swift 6.3.1's SILGen (docs/swift-notes.md): test inside.
                guard error.httpStatus == 409, attempt < 5 else { throw error }
            }
        }
    }
}

/// The PEM the ConfigMap should hold, shared by the task that follows the bundle and the one that writes.
private final class LatestPEM: Sendable {
    let value = Mutex<String?>(nil)
}
