/// Which end of the handshake a TLS context is for.
enum SPIFFETLSRole: Sendable {
    case server
    case client
}
