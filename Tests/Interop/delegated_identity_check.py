"""SPIRE's agent admin APIs against a running steeple-agent, with a client generated from SPIRE's own protos.

The messages and stubs are generated at run time by grpcio-tools (PyPI) from the .proto files of SPIRE's public API
SDK, vendored unchanged under Tests/Interop/spire-api-sdk (Apache-2.0, see its LICENSE) - not from Steeple's protos.
SVIDs, keys, bundles and JWT-SVIDs are read with Python's `cryptography`, as a node proxy would read them. Every
check prints one line; the exit status is 1 if any failed.

    python delegated_identity_check.py delegate ADMIN_SOCKET WORKLOAD_PID SERVER_BINARY SERVER_SOCKET PARENT_ID
    python delegated_identity_check.py refused ADMIN_SOCKET

`delegate` runs as an authorized delegate: it asks for the identities of the process WORKLOAD_PID (a process of
uid 4242, which an entry selects) by PID and by selectors, follows a change pushed on an open subscription, and reads
the Debug and Logger APIs. `refused` runs as a caller that has an identity but is not an authorized delegate.
"""

import base64
import json
import os
import queue
import subprocess
import sys
import threading
import time

import grpc
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from interop_common import check, finish, generate_spire_api, spiffe_id, uri_sans

TD = "spiffe://example.org"
WORKLOAD = "spiffe://example.org/workload"
SECOND = "spiffe://example.org/workload-2"
WORKLOAD_SELECTOR = ("unix", "uid:4242")


def selector(pb, kind, value):
    return pb.Selector(type=kind, value=value)


def messages_of(stream):
    """A queue of a server stream's messages, read on a thread; the RpcError that ends the stream is queued too."""
    box = queue.Queue()

    def read():
        try:
            for message in stream:
                box.put(message)
        except grpc.RpcError as error:
            box.put(error)

    threading.Thread(target=read, daemon=True).start()
    return box


def until_ok(call, timeout=20.0, retry_details=("no identity issued",)):
    """Calls until it stops failing with one of `retry_details` (entries reach the agent asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except grpc.RpcError as error:
            if error.details() not in retry_details or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def split_der(blob):
    """Concatenated DER certificates (SPIRE's `ca_certificates` values) as a list of certificates."""
    certs, offset = [], 0
    while offset < len(blob):
        assert blob[offset] == 0x30, f"not a DER SEQUENCE at offset {offset}"
        length, header = blob[offset + 1], 2
        if length & 0x80:
            count = length & 0x7F
            length, header = int.from_bytes(blob[offset + 2:offset + 2 + count], "big"), 2 + count
        certs.append(x509.load_der_x509_certificate(blob[offset:offset + header + length]))
        offset += header + length
    return certs


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jwt(token, jwks):
    """Verifies a compact JWS against a JWKS document as a relying party would; returns the claims or raises."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(b64url(header_b64))
    key = next(k for k in jwks["keys"] if k.get("kid") == header["kid"])
    signed = f"{header_b64}.{payload_b64}".encode()
    signature = b64url(signature_b64)
    number = lambda field: int.from_bytes(b64url(key[field]), "big")
    if key["kty"] == "EC":
        curve, digest = {"P-256": (ec.SECP256R1(), hashes.SHA256()), "P-384": (ec.SECP384R1(), hashes.SHA384())}[key["crv"]]
        public = ec.EllipticCurvePublicNumbers(number("x"), number("y"), curve).public_key()
        half = len(signature) // 2
        der = encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big"))
        public.verify(der, signed, ec.ECDSA(digest))
    elif key["kty"] == "RSA":
        public = rsa.RSAPublicNumbers(number("e"), number("n")).public_key()
        public.verify(signature, signed, padding.PKCS1v15(), {"RS256": hashes.SHA256(), "RS384": hashes.SHA384(), "RS512": hashes.SHA512()}[header["alg"]])
    else:
        raise ValueError(f"unexpected key type {key['kty']}")
    return header, json.loads(b64url(payload_b64))


def check_x509_svid(label, svid, expected_id, authorities):
    """A node proxy's reading of one X509SVIDWithKey: the chain parses, the leaf names the workload, the key is the
    leaf's and the chain ends at one of the trust domain's authorities."""
    chain = [x509.load_der_x509_certificate(der) for der in svid.x509_svid.cert_chain]
    leaf = chain[0]
    check(f"{label}: id field is {expected_id}", spiffe_id(svid.x509_svid.id) == expected_id, spiffe_id(svid.x509_svid.id))
    check(f"{label}: the leaf's only URI SAN is {expected_id}", uri_sans(leaf) == [expected_id], uri_sans(leaf))
    check(f"{label}: expires_at is the leaf's notAfter", svid.x509_svid.expires_at == int(leaf.not_valid_after_utc.timestamp()),
          (svid.x509_svid.expires_at, leaf.not_valid_after_utc))
    key = serialization.load_der_private_key(svid.x509_svid_key, password=None)
    same = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == \
        leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    check(f"{label}: x509_svid_key (PKCS#8 DER) is the leaf's private key", same)
    issuers = chain[1:] + authorities
    verified = False
    current = leaf
    for _ in range(len(chain) + 1):
        issuer = next((i for i in issuers if i.subject == current.issuer), None)
        if issuer is None:
            break
        try:
            current.verify_directly_issued_by(issuer)
        except (InvalidSignature, ValueError, TypeError):
            break
        if issuer in authorities:
            verified = True
            break
        current = issuer
    check(f"{label}: the chain verifies up to a bundle authority", verified)


def delegate(channel, workload_pid, server_binary, server_socket, parent_id):
    from spire.api.agent.debug.v1 import debug_pb2, debug_pb2_grpc
    from spire.api.agent.delegatedidentity.v1 import delegatedidentity_pb2 as di, delegatedidentity_pb2_grpc as di_grpc
    from spire.api.agent.logger.v1 import logger_pb2, logger_pb2_grpc
    from spire.api.types import logger_pb2 as logger_types, selector_pb2

    stub = di_grpc.DelegatedIdentityStub(channel)
    workload_selector = selector(selector_pb2, *WORKLOAD_SELECTOR)

    # Bundles first: they are what the SVIDs and JWT-SVIDs are checked against.
    bundles = messages_of(stub.SubscribeToX509Bundles(di.SubscribeToX509BundlesRequest())).get(timeout=15)
    check("SubscribeToX509Bundles: one entry, the local trust domain", not isinstance(bundles, Exception) and list(bundles.ca_certificates) == [TD], bundles)
    authorities = split_der(bundles.ca_certificates[TD]) if not isinstance(bundles, Exception) else []
    check("SubscribeToX509Bundles: the value is the concatenated DER of self-signed CA certificates",
          authorities and all(c.issuer == c.subject and c.extensions.get_extension_for_class(x509.BasicConstraints).value.ca for c in authorities), authorities)
    jwt_bundles = messages_of(stub.SubscribeToJWTBundles(di.SubscribeToJWTBundlesRequest())).get(timeout=15)
    jwks = json.loads(jwt_bundles.bundles[TD]) if not isinstance(jwt_bundles, Exception) else {"keys": []}
    # SPIRE sends a standard JWKS here: JWT authorities only, with kid, and no SPIFFE parameters (use, sequence, hint).
    check("SubscribeToJWTBundles: a standard JWKS of the JWT authorities (kid, no use/x5c/spiffe_*)",
          jwks["keys"] and all(k.get("kid") and "use" not in k and "x5c" not in k for k in jwks["keys"])
          and not any(key.startswith("spiffe_") for key in jwks), jwks)

    # JWT-SVIDs for the workload, by selectors.
    jwt = until_ok(lambda: stub.FetchJWTSVIDs(di.FetchJWTSVIDsRequest(audience=["mesh", "other"], selectors=[workload_selector])))
    check("FetchJWTSVIDs: one SVID for the workload", [spiffe_id(s.id) for s in jwt.svids] == [WORKLOAD], jwt)
    try:
        _, claims = verify_jwt(jwt.svids[0].token, jwks)
    except (InvalidSignature, StopIteration, KeyError, ValueError) as error:
        check("FetchJWTSVIDs: the token verifies against the JWT bundle", False, repr(error))
        claims = {"sub": None, "aud": [], "exp": None, "iat": None}
    check("FetchJWTSVIDs: the token verifies against the JWT bundle; sub and aud as asked",
          claims["sub"] == WORKLOAD and sorted(claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]) == ["mesh", "other"], claims)
    check("FetchJWTSVIDs: expires_at and issued_at are the token's exp and iat",
          (jwt.svids[0].expires_at, jwt.svids[0].issued_at) == (claims["exp"], claims["iat"]), (jwt.svids[0], claims))
    try:
        stub.FetchJWTSVIDs(di.FetchJWTSVIDsRequest(selectors=[workload_selector]))
        check("FetchJWTSVIDs without an audience is InvalidArgument", False, "succeeded")
    except grpc.RpcError as error:
        check("FetchJWTSVIDs without an audience is InvalidArgument", error.code() == grpc.StatusCode.INVALID_ARGUMENT, (error.code(), error.details()))

    # By PID: the identities of another process (uid 4242), attested by the agent from /proc.
    by_pid = messages_of(stub.SubscribeToX509SVIDs(di.SubscribeToX509SVIDsRequest(pid=workload_pid))).get(timeout=15)
    check("SubscribeToX509SVIDs by PID: the other process's one SVID", not isinstance(by_pid, Exception) and len(by_pid.x509_svids) == 1, by_pid)
    if not isinstance(by_pid, Exception) and by_pid.x509_svids:
        check_x509_svid("by PID", by_pid.x509_svids[0], WORKLOAD, authorities)

    # By selectors, kept open: a second entry for the same selectors is pushed on the stream.
    call = stub.SubscribeToX509SVIDs(di.SubscribeToX509SVIDsRequest(selectors=[workload_selector]))
    messages = messages_of(call)
    first = messages.get(timeout=15)
    check("SubscribeToX509SVIDs by selectors: the workload's SVID", not isinstance(first, Exception) and [spiffe_id(s.x509_svid.id) for s in first.x509_svids] == [WORKLOAD], first)
    if not isinstance(first, Exception) and first.x509_svids:
        check_x509_svid("by selectors", first.x509_svids[0], WORKLOAD, authorities)
    result = subprocess.run([server_binary, "entry", "create", "-parentID", parent_id, "-spiffeID", SECOND,
                             "-selector", ":".join(WORKLOAD_SELECTOR), "-socketPath", server_socket], capture_output=True, text=True)
    check("steeple-server entry create (second workload entry)", result.returncode == 0, result.stderr)
    started = time.monotonic()
    update = messages.get(timeout=20)
    ids = sorted(spiffe_id(s.x509_svid.id) for s in update.x509_svids) if not isinstance(update, Exception) else update
    check(f"the open subscription receives both SVIDs after the entry is created ({(time.monotonic() - started) * 1000:.0f} ms)", ids == [WORKLOAD, SECOND], ids)
    call.cancel()

    # Neither or both of PID and selectors: InvalidArgument, SPIRE's message.
    both = messages_of(stub.SubscribeToX509SVIDs(di.SubscribeToX509SVIDsRequest(pid=workload_pid, selectors=[workload_selector]))).get(timeout=15)
    check("SubscribeToX509SVIDs with PID and selectors is InvalidArgument",
          isinstance(both, grpc.RpcError) and both.code() == grpc.StatusCode.INVALID_ARGUMENT
          and both.details() == "must provide either selectors or non-zero PID, but not both", both)

    # The Debug and Logger APIs on the same socket.
    info = debug_pb2_grpc.DebugStub(channel).GetInfo(debug_pb2.GetInfoRequest())
    check("Debug GetInfo: the agent's SVID chain ends at the trust domain", len(info.svid_chain) >= 2 and spiffe_id(info.svid_chain[0].id) == parent_id
          and spiffe_id(info.svid_chain[-1].id) == TD, info.svid_chain)
    check("Debug GetInfo: uptime and a last sync", info.uptime >= 0 and info.last_sync_success > 0, info)
    logger = logger_pb2_grpc.LoggerStub(channel)
    current = logger.GetLogger(logger_pb2.GetLoggerRequest())
    check("Logger GetLogger: INFO at launch", current.current_level == logger_types.INFO and current.launch_level == logger_types.INFO, current)
    changed = logger.SetLogLevel(logger_pb2.SetLogLevelRequest(new_level=logger_types.DEBUG))
    check("Logger SetLogLevel DEBUG", changed.current_level == logger_types.DEBUG, changed)
    reset = logger.ResetLogLevel(logger_pb2.ResetLogLevelRequest())
    check("Logger ResetLogLevel: back to INFO", reset.current_level == logger_types.INFO, reset)


def refused(channel):
    from spire.api.agent.delegatedidentity.v1 import delegatedidentity_pb2 as di, delegatedidentity_pb2_grpc as di_grpc
    from spire.api.types import selector_pb2

    stub = di_grpc.DelegatedIdentityStub(channel)
    request = di.FetchJWTSVIDsRequest(audience=["mesh"], selectors=[selector(selector_pb2, *WORKLOAD_SELECTOR)])
    try:
        until_ok(lambda: stub.FetchJWTSVIDs(request))
        check("a caller that is not an authorized delegate is refused", False, "FetchJWTSVIDs succeeded")
    except grpc.RpcError as error:
        check("a caller that is not an authorized delegate is PermissionDenied",
              error.code() == grpc.StatusCode.PERMISSION_DENIED and error.details() == "caller not configured as an authorized delegate",
              (error.code(), error.details()))
    stream = messages_of(stub.SubscribeToX509Bundles(di.SubscribeToX509BundlesRequest())).get(timeout=15)
    check("... and so is its SubscribeToX509Bundles", isinstance(stream, grpc.RpcError) and stream.code() == grpc.StatusCode.PERMISSION_DENIED, stream)


def main():
    mode, admin_socket = sys.argv[1], sys.argv[2]
    generate_spire_api()
    channel = grpc.insecure_channel("unix://" + admin_socket)
    if mode == "delegate":
        delegate(channel, int(sys.argv[3]), *sys.argv[4:7])
    elif mode == "refused":
        refused(channel)
    else:
        raise SystemExit(f"unknown mode {mode}: use delegate or refused")
    channel.close()
    finish()


if __name__ == "__main__":
    main()
