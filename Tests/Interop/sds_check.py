"""Envoy SDS v3 against a running steeple-agent, with a client built from Envoy's own published protos.

The messages and stubs come from the PyPI package xds-protos (generated from envoyproxy/data-plane-api by
grpcio-tools), not from Steeple's protos; certificates are read with Python's `cryptography`. Entries and bundles are
changed through the real `steeple-server` CLI. Every check prints one line; the exit status is 1 if any failed.

    python sds_check.py MODE AGENT_SOCKET SERVER_BINARY ADMIN_SOCKET PARENT_ID

MODE: `full` (the whole scenario, run as the user the entries select), `nobody` (a caller with no entry: bundles
only), `disabled` (the agent runs with disable_sds_api: Unimplemented).
"""

import os
import queue
import socket
import ssl
import tempfile
import subprocess
import sys
import threading
import time

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import datetime

from envoy.config.core.v3 import base_pb2
from envoy.extensions.transport_sockets.tls.v3 import secret_pb2, tls_spiffe_validator_config_pb2
from envoy.service.discovery.v3 import discovery_pb2
from envoy.service.secret.v3 import sds_pb2_grpc
from google.rpc import status_pb2

from interop_common import check, dns_sans, finish, uri_sans

SECRET_TYPE = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
SPIFFE_VALIDATOR = "envoy.tls.cert_validator.spiffe"
TD = "spiffe://example.org"
FEDERATED = "spiffe://federated.test"
ENVOY_ID = "spiffe://example.org/envoy"
LATE_ID = "spiffe://example.org/late"

class Admin:
    def __init__(self, binary, socket, parent_id):
        self.binary, self.socket, self.parent_id = binary, socket, parent_id

    def run(self, *args, stdin=None):
        result = subprocess.run([self.binary, *args, "-socketPath", self.socket], input=stdin, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"steeple-server {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def create_entry(self, spiffe_id, *extra):
        out = self.run("entry", "create", "-parentID", self.parent_id, "-spiffeID", spiffe_id,
                       "-selector", f"unix:uid:{os.getuid()}", *extra)
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Entry ID"))


def node(**metadata):
    n = base_pb2.Node(id="envoy-test", cluster="sds-check")
    for key, value in metadata.items():
        if isinstance(value, bool):
            n.metadata.fields[key].bool_value = value
        else:
            n.metadata.fields[key].string_value = value
    return n


def secrets_of(resources):
    out = {}
    for any_message in resources:
        assert any_message.type_url == SECRET_TYPE, any_message.type_url
        secret = secret_pb2.Secret()
        any_message.Unpack(secret)
        out[secret.name] = secret
    return out


def certificates(pem_bytes):
    return x509.load_pem_x509_certificates(pem_bytes)


def spiffe_validator(secret):
    context = secret.validation_context
    if context.custom_validator_config.name != SPIFFE_VALIDATOR:
        return None
    config = tls_spiffe_validator_config_pb2.SPIFFECertValidatorConfig()
    context.custom_validator_config.typed_config.Unpack(config)
    return {td.name: certificates(td.trust_bundle.inline_bytes) for td in config.trust_domains}


def check_tls_certificate(label, secret, spiffe_id, authorities):
    """The secret is a tls_certificate whose chain names spiffe_id, whose key is the leaf's, signed by a bundle CA."""
    if not secret.HasField("tls_certificate"):
        check(label + " is a tls_certificate", False, secret)
        return None
    chain = certificates(secret.tls_certificate.certificate_chain.inline_bytes)
    key = serialization.load_pem_private_key(secret.tls_certificate.private_key.inline_bytes, None)
    leaf = chain[0]
    check(label + " names " + spiffe_id, uri_sans(leaf) == [spiffe_id], uri_sans(leaf))
    same_key = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) == \
        leaf.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    check(label + " key is the leaf's (PKCS#8 PEM)", same_key and b"BEGIN PRIVATE KEY" in secret.tls_certificate.private_key.inline_bytes)
    issuer = chain[1] if len(chain) > 1 else None
    signed = False
    for ca in ([issuer] if issuer else []) + authorities:
        try:
            leaf.verify_directly_issued_by(ca)
            signed = True
            break
        except Exception:
            pass
    check(label + " chain is signed by the trust domain's CA", signed)
    return leaf


def mtls_handshake(tls_secret, ca_pem):
    """An mTLS handshake between two OpenSSL endpoints (Python's ssl), each presenting the secret's chain and key and
    trusting only ca_pem, as two Envoys configured from these secrets would; returns the peer's URI SANs."""
    with tempfile.TemporaryDirectory() as directory:
        chain, key = os.path.join(directory, "chain.pem"), os.path.join(directory, "key.pem")
        with open(chain, "wb") as f:
            f.write(tls_secret.tls_certificate.certificate_chain.inline_bytes)
        with open(key, "wb") as f:
            f.write(tls_secret.tls_certificate.private_key.inline_bytes)
        contexts = []
        for purpose in (ssl.PROTOCOL_TLS_SERVER, ssl.PROTOCOL_TLS_CLIENT):
            context = ssl.SSLContext(purpose)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_cert_chain(chain, key)
            context.load_verify_locations(cadata=ca_pem.decode())
            contexts.append(context)
        left, right = socket.socketpair()
        result = {}

        def serve():
            try:
                with contexts[0].wrap_socket(left, server_side=True) as tls:
                    result["server_saw"] = tls.getpeercert()
            except Exception as error:
                result["server_error"] = error

        thread = threading.Thread(target=serve)
        thread.start()
        with contexts[1].wrap_socket(right, server_side=False) as tls:
            peer = tls.getpeercert()
        thread.join()
        if "server_error" in result:
            raise result["server_error"]
        return [value for kind, value in peer.get("subjectAltName", ()) if kind == "URI"]


def fetch(stub, names, n=None, type_url=SECRET_TYPE):
    request = discovery_pb2.DiscoveryRequest(resource_names=names, type_url=type_url, node=n or node())
    return stub.FetchSecrets(request, timeout=15)


def fetch_error(stub, names, **kwargs):
    try:
        fetch(stub, names, **kwargs)
        return None
    except grpc.RpcError as error:
        return error


class Stream:
    """One bidirectional SDS stream: requests go in through a queue, responses come out through another."""

    def __init__(self, stub, method):
        self.requests = queue.Queue()
        self.responses = queue.Queue()
        self.call = getattr(stub, method)(iter(self.requests.get, None))
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            for response in self.call:
                self.responses.put(response)
        except grpc.RpcError as error:
            self.responses.put(error)

    def send(self, request):
        self.requests.put(request)

    def receive(self, timeout=15.0):
        try:
            item = self.responses.get(timeout=timeout)
        except queue.Empty:
            return None
        if isinstance(item, grpc.RpcError):
            raise RuntimeError(f"stream failed: {item.code()} {item.details()}")
        return item

    def close(self):
        self.requests.put(None)
        self.call.cancel()


def wait_for(stub, names, predicate=lambda r: True, timeout=20.0):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            response = fetch(stub, names)
            if predicate(response):
                return response
            last = "predicate not met"
        except grpc.RpcError as error:
            last = f"{error.code()} {error.details()}"
        time.sleep(0.1)
    raise RuntimeError(f"FetchSecrets {names} did not succeed in {timeout} s: {last}")


def make_ca(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, __import__("cryptography.hazmat.primitives.hashes", fromlist=["SHA256"]).SHA256()))
    return cert


def full(stub, admin):
    federated_ca = make_ca("federated.test")
    admin.run("bundle", "set", "-id", FEDERATED, "-format", "pem",
              stdin=federated_ca.public_bytes(serialization.Encoding.PEM).decode())
    envoy_entry = admin.create_entry(ENVOY_ID, "-federatesWith", FEDERATED, "-dns", "one.example.org")
    wait_for(stub, ["default"])

    # FetchSecrets: every name SPIRE serves, all in one request (SPIRE serves one of TD/ROOTCA/ALL per request).
    names = ["default", "ROOTCA", "ALL", TD, FEDERATED, ENVOY_ID]
    response = fetch(stub, names)
    secrets = secrets_of(response.resources)
    check("fetch: one secret per requested name", sorted(secrets) == sorted(names), sorted(secrets))
    check("fetch: type_url and no version or nonce", response.type_url == SECRET_TYPE and response.version_info == "" and response.nonce == "",
          (response.type_url, response.version_info, response.nonce))
    own = spiffe_validator(secrets["ROOTCA"])
    check("ROOTCA: SPIFFE validator with example.org only", own is not None and list(own) == ["example.org"], own)
    authorities = (own or {}).get("example.org", [])
    check_tls_certificate("default", secrets["default"], ENVOY_ID, authorities)
    check_tls_certificate("by SPIFFE ID", secrets[ENVOY_ID], ENVOY_ID, authorities)
    check("by trust domain ID: same validation context as ROOTCA",
          secrets[TD].validation_context == secrets["ROOTCA"].validation_context)
    everything = spiffe_validator(secrets["ALL"])
    check("ALL: SPIFFE validator with both trust domains, sorted", everything is not None and list(everything) == ["example.org", "federated.test"], everything)
    check("ALL: the federated bundle is the one set", everything is not None and everything.get("federated.test") == [federated_ca])
    federated = spiffe_validator(secrets[FEDERATED])
    check("federated trust domain by ID", federated == {"federated.test": [federated_ca]}, federated)

    # Plain trusted_ca: disabled by node metadata (bool or string), or an Envoy older than 1.18.
    for label, n in [("metadata bool", node(disable_spiffe_cert_validation=True)),
                     ("metadata string", node(disable_spiffe_cert_validation="true"))]:
        plain = secrets_of(fetch(stub, ["ROOTCA", "ALL"], n=n).resources)
        check(f"{label}: ROOTCA is trusted_ca", certificates(plain["ROOTCA"].validation_context.trusted_ca.inline_bytes) == authorities)
        check(f"{label}: ALL is trusted_ca of both trust domains",
              len(certificates(plain["ALL"].validation_context.trusted_ca.inline_bytes)) == len(authorities) + 1)
    plain = secrets_of(fetch(stub, ["default", "ROOTCA"], n=node(disable_spiffe_cert_validation=True)).resources)
    try:
        peer = mtls_handshake(plain["default"], plain["ROOTCA"].validation_context.trusted_ca.inline_bytes)
        check("mTLS handshake with default and ROOTCA (OpenSSL): both sides verified, peer " + ENVOY_ID, peer == [ENVOY_ID], peer)
    except Exception as error:
        check("mTLS handshake with default and ROOTCA (OpenSSL)", False, error)
    stranger = make_ca("stranger")
    try:
        mtls_handshake(plain["default"], stranger.public_bytes(serialization.Encoding.PEM))
        check("mTLS handshake trusting another CA fails", False, "handshake succeeded")
    except ssl.SSLError:
        check("mTLS handshake trusting another CA fails", True)
    old = node()
    old.user_agent_build_version.version.major_number = 1
    old.user_agent_build_version.version.minor_number = 17
    plain = secrets_of(fetch(stub, ["ROOTCA"], n=old).resources)
    check("Envoy 1.17: ROOTCA is trusted_ca", plain["ROOTCA"].validation_context.HasField("trusted_ca"))
    new = node(disable_spiffe_cert_validation="no-a-bool")
    new.user_agent_build_version.version.major_number = 1
    new.user_agent_build_version.version.minor_number = 30
    check("Envoy 1.30, unreadable metadata: SPIFFE validator", spiffe_validator(secrets_of(fetch(stub, ["ROOTCA"], n=new).resources)["ROOTCA"]) is not None)

    # Empty names: SPIRE's "everything": bundles and SVIDs by ID, not the default names.
    everything_names = sorted(secrets_of(fetch(stub, []).resources))
    check("fetch of no names: bundles and SVIDs by ID", everything_names == sorted([TD, FEDERATED, ENVOY_ID]), everything_names)

    error = fetch_error(stub, ["default", "spiffe://example.org/other"])
    check("fetch of a name the workload has no identity for: InvalidArgument in SPIRE's words",
          error is not None and error.code() == grpc.StatusCode.INVALID_ARGUMENT
          and error.details() == 'workload is not authorized for the requested identities ["spiffe://example.org/other"]',
          error and (error.code(), error.details()))
    error = fetch_error(stub, ["default"], type_url="type.googleapis.com/envoy.config.cluster.v3.Cluster")
    check("fetch of another resource type: InvalidArgument naming the served type",
          error is not None and error.code() == grpc.StatusCode.INVALID_ARGUMENT and SECRET_TYPE in error.details(),
          error and (error.code(), error.details()))

    # StreamSecrets: versions, nonces, ACK, push on change, NACK without a loop, a narrower subscription.
    stream = Stream(stub, "StreamSecrets")
    stream.send(discovery_pb2.DiscoveryRequest(node=node(), resource_names=["default", "ROOTCA"], type_url=SECRET_TYPE))
    first = stream.receive()
    check("stream: first response, version 1, both secrets", first is not None and first.version_info == "1"
          and sorted(secrets_of(first.resources)) == ["ROOTCA", "default"] and first.nonce != "", first)
    stream.send(discovery_pb2.DiscoveryRequest(version_info=first.version_info, response_nonce=first.nonce,
                                               resource_names=["default", "ROOTCA"], type_url=SECRET_TYPE))
    check("stream: an ACK gets no response", stream.receive(timeout=1.5) is None)
    old_serial = certificates(secrets_of(first.resources)["default"].tls_certificate.certificate_chain.inline_bytes)[0].serial_number
    started = time.monotonic()
    admin.run("entry", "update", "-entryID", envoy_entry, "-parentID", admin.parent_id, "-spiffeID", ENVOY_ID,
              "-selector", f"unix:uid:{os.getuid()}", "-federatesWith", FEDERATED, "-dns", "two.example.org")
    second = stream.receive()
    elapsed_ms = (time.monotonic() - started) * 1000
    leaf = second and certificates(secrets_of(second.resources)["default"].tls_certificate.certificate_chain.inline_bytes)[0]
    check("stream: the entry change is pushed as version 2 with a new SVID", second is not None and second.version_info == "2"
          and leaf.serial_number != old_serial and dns_sans(leaf) == ["two.example.org"], second and second.version_info)
    print(f"figure: entry update (CLI call included) to new SDS version on an open stream: {elapsed_ms:.1f} ms", flush=True)
    nack = discovery_pb2.DiscoveryRequest(version_info="1", response_nonce=second.nonce, resource_names=["default", "ROOTCA"],
                                          type_url=SECRET_TYPE, error_detail=status_pb2.Status(code=3, message="cannot load the certificate"))
    stream.send(nack)
    check("stream: a NACK is not answered with the same secrets again", stream.receive(timeout=1.5) is None)
    stream.send(discovery_pb2.DiscoveryRequest(version_info="stale", response_nonce="00000000", resource_names=["ALL"], type_url=SECRET_TYPE))
    check("stream: a request with a stale nonce is ignored", stream.receive(timeout=1.5) is None)
    stream.send(discovery_pb2.DiscoveryRequest(version_info=second.version_info, response_nonce=second.nonce,
                                               resource_names=["ROOTCA"], type_url=SECRET_TYPE))
    third = stream.receive()
    check("stream: a narrower subscription gets version 3 with only ROOTCA", third is not None and third.version_info == "3"
          and sorted(secrets_of(third.resources)) == ["ROOTCA"], third and (third.version_info, sorted(secrets_of(third.resources))))
    stream.close()

    # A name that does not exist yet is waited for on a stream, and sent when its entry appears.
    stream = Stream(stub, "StreamSecrets")
    stream.send(discovery_pb2.DiscoveryRequest(node=node(), resource_names=[LATE_ID], type_url=SECRET_TYPE))
    check("stream: nothing is sent for a name that does not exist yet", stream.receive(timeout=1.5) is None)
    late_entry = admin.create_entry(LATE_ID)
    late = stream.receive()
    check("stream: the name is sent once its entry exists", late is not None and list(secrets_of(late.resources)) == [LATE_ID])
    if late:
        check_tls_certificate("late", secrets_of(late.resources)[LATE_ID], LATE_ID, authorities)
    stream.close()

    # DeltaSecrets: only what changed, removals named, reconnects with initial_resource_versions.
    delta = Stream(stub, "DeltaSecrets")
    delta.send(discovery_pb2.DeltaDiscoveryRequest(node=node(), type_url=SECRET_TYPE, resource_names_subscribe=["default", "ROOTCA", ENVOY_ID]))
    first = delta.receive()
    versions = {r.name: r.version for r in first.resources} if first else {}
    check("delta: the three subscribed secrets, each with a version", sorted(versions) == sorted(["default", "ROOTCA", ENVOY_ID])
          and all(versions.values()), versions)
    delta.send(discovery_pb2.DeltaDiscoveryRequest(type_url=SECRET_TYPE, response_nonce=first.nonce))
    check("delta: an ACK gets no response", delta.receive(timeout=1.5) is None)
    admin.run("entry", "update", "-entryID", envoy_entry, "-parentID", admin.parent_id, "-spiffeID", ENVOY_ID,
              "-selector", f"unix:uid:{os.getuid()}", "-federatesWith", FEDERATED, "-dns", "three.example.org")
    changed = delta.receive()
    changed_names = sorted(r.name for r in changed.resources) if changed else None
    check("delta: an SVID change sends the two names of that SVID, not ROOTCA", changed_names == sorted(["default", ENVOY_ID])
          and not changed.removed_resources, changed_names)
    for r in changed.resources if changed else []:
        versions[r.name] = r.version
    delta.send(discovery_pb2.DeltaDiscoveryRequest(type_url=SECRET_TYPE, response_nonce=changed.nonce,
                                                   resource_names_subscribe=["ALL"], resource_names_unsubscribe=["ROOTCA"]))
    added = delta.receive()
    check("delta: subscribing to ALL sends ALL only", added is not None and [r.name for r in added.resources] == ["ALL"]
          and not added.removed_resources, added)
    admin.run("entry", "delete", "-entryID", envoy_entry)
    removed = delta.receive()
    check("delta: deleting the entry names its SVID in removed_resources and moves default to the other entry",
          removed is not None and list(removed.removed_resources) == [ENVOY_ID]
          and [r.name for r in removed.resources] in (["default"], ["ALL", "default"]), removed)
    delta.close()

    # Reconnect with what the client holds: nothing unchanged is sent again.
    held = {r.name: r.version for r in removed.resources} if removed else {}
    reconnect = Stream(stub, "DeltaSecrets")
    reconnect.send(discovery_pb2.DeltaDiscoveryRequest(node=node(), type_url=SECRET_TYPE, resource_names_subscribe=["default", "ROOTCA"],
                                                       initial_resource_versions={"default": held.get("default", ""), "ROOTCA": versions["ROOTCA"]}))
    check("delta reconnect: secrets the client holds in their current version are not sent", reconnect.receive(timeout=1.5) is None)
    reconnect.close()
    admin.run("entry", "delete", "-entryID", late_entry)


def nobody(stub):
    response = wait_for(stub, ["ROOTCA"])
    check("no entry: ROOTCA is served (the bundle is public, as SPIRE)", list(secrets_of(response.resources)) == ["ROOTCA"])
    error = fetch_error(stub, ["default"])
    check("no entry: default is InvalidArgument", error is not None and error.code() == grpc.StatusCode.INVALID_ARGUMENT,
          error and (error.code(), error.details()))


def disabled(stub):
    error = fetch_error(stub, ["ROOTCA"])
    check("disable_sds_api: FetchSecrets is Unimplemented", error is not None and error.code() == grpc.StatusCode.UNIMPLEMENTED,
          error and (error.code(), error.details()))


def main():
    mode, agent_socket = sys.argv[1], sys.argv[2]
    channel = grpc.insecure_channel("unix://" + agent_socket)
    stub = sds_pb2_grpc.SecretDiscoveryServiceStub(channel)
    if mode == "full":
        full(stub, Admin(*sys.argv[3:6]))
    elif mode == "nobody":
        nobody(stub)
    elif mode == "disabled":
        disabled(stub)
    else:
        raise SystemExit(f"unknown mode {mode}: use full, nobody or disabled")
    channel.close()
    finish()


if __name__ == "__main__":
    main()
