"""spiffe-tls (PyPI `spiffe-tls`, py-spiffe's pyOpenSSL mTLS), an unmodified real peer of the SPIFFENIOSSL tests.

Its identity comes from an X509Source on SPIFFE_ENDPOINT_SOCKET.

Usage: spiffetls_peer.py client HOST:PORT EXPECTED_SERVER_ID MESSAGE
         dials with authorize_id(EXPECTED_SERVER_ID), sends MESSAGE, prints "REPLY <reply>"
       spiffetls_peer.py server EXPECTED_CLIENT_ID
         listens in MTLS mode with authorize_id(EXPECTED_CLIENT_ID) on 127.0.0.1, prints "LISTENING <port>",
         accepts one connection, echoes one message and prints "PEER <client SPIFFE ID>"
Exits 1 with "FAIL <reason>" on any error.
"""
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

from cryptography import x509  # noqa: E402
from spiffe import SpiffeId, X509Source  # noqa: E402
from spiffetls import ListenOptions, ServerTlsMode, dial, listen  # noqa: E402
from spiffetls.tlsconfig.authorize import authorize_id  # noqa: E402


def peer_id(connection):
    certificate = connection.get_peer_certificate().to_cryptography()
    sans = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return sans.get_values_for_type(x509.UniformResourceIdentifier)[0]


def client(source, address, expected, message):
    connection = dial(address, source, authorize_fn=authorize_id(SpiffeId(expected)))
    connection.sendall(message.encode())
    reply = connection.recv(4096).decode()
    print(f"REPLY {reply}", flush=True)
    connection.shutdown()
    connection.close()


def server(source, expected):
    options = ListenOptions(tls_mode=ServerTlsMode.MTLS, authorize_fn=authorize_id(SpiffeId(expected)))
    listener = listen("127.0.0.1:0", source, options)
    print(f"LISTENING {listener.getsockname()[1]}", flush=True)
    connection, _ = listener.accept()
    connection.do_handshake()
    message = connection.recv(4096)
    connection.sendall(message)
    print(f"PEER {peer_id(connection)}", flush=True)
    connection.shutdown()
    connection.close()
    listener.close()


def main():
    source = X509Source(timeout_in_seconds=60)
    try:
        if sys.argv[1] == "client":
            client(source, sys.argv[2], sys.argv[3], sys.argv[4])
        else:
            server(source, sys.argv[2])
    finally:
        source.close()


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # noqa: BLE001 - the test reads the reason
        print(f"FAIL {type(error).__name__}: {error}", flush=True)
        sys.exit(1)
