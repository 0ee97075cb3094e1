"""A stock SPIRE agent's calls to a running steeple-server, over TCP and TLS, with a client generated from SPIRE's
own protos by PyPI's grpcio-tools (the vendored spire-api-sdk/, not Steeple's protos).

TLS is Python's `ssl` (OpenSSL), as a SPIRE agent does it: the server's chain is verified against the trust bundle
and its URI SAN must be spiffe://<td>/spire/server (no host name check: SVIDs name SPIFFE IDs, not hosts). grpcio
cannot skip the host name check, so each connection goes through a small local bridge: grpc speaks h2c to the bridge,
the bridge speaks TLS (with the agent SVID as client certificate once it has one) to the server. Every check prints
one line; the exit status is 1 if any failed.

As a stock SPIRE agent does, the attestation connection presents no client certificate at all (the server asks for
one and accepts its absence); a connection with a certificate that is no agent SVID is then refused agent calls.

    python spire_agent_check.py SERVER_ADMIN_SOCKET HOST PORT [X509POP_CA_DIR]

The server's configuration must name spiffe://example.org/ops/admin and spiffe://other.org/ops/admin (an admin of a
federated trust domain, whose bundle the script stores) in `admin_ids`. With X509POP_CA_DIR (holding
ca.pem, the server's x509pop `ca_bundle_path`, and its key ca.key) the agent also attests with x509pop as SPIRE's
agent does (pkg/common/plugin/x509pop): JSON payload, JSON challenge, ECDSA over SHA-256 of both nonces.
"""

import base64
import datetime
import hashlib
import queue
import select
import json
import os
import socket
import ssl
import sys
import tempfile
import threading
import time

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, decode_dss_signature, encode_dss_signature
from cryptography.x509.oid import NameOID

from interop_common import check, finish, generate_spire_api, spiffe_id, uri_sans

TD = "example.org"


class TLSBridge:
    """A local plaintext listener whose every connection is relayed over TLS to the server."""

    def __init__(self, host, port, roots_pem, cert_pem=None, key_pem=None):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.context.check_hostname = False
        self.context.verify_mode = ssl.CERT_REQUIRED
        self.context.load_verify_locations(cadata=roots_pem)
        self.context.set_alpn_protocols(["h2"])
        if cert_pem:
            directory = tempfile.mkdtemp(prefix="spire-agent-")
            cert_path, key_path = os.path.join(directory, "svid.pem"), os.path.join(directory, "key.pem")
            open(cert_path, "w").write(cert_pem)
            open(key_path, "w").write(key_pem)
            self.context.load_cert_chain(cert_path, key_path)
        self.target = (host, port)
        self.server_chains = []
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(8)
        threading.Thread(target=self.accept, daemon=True).start()

    @property
    def address(self):
        return f"127.0.0.1:{self.listener.getsockname()[1]}"

    def accept(self):
        while True:
            downstream, _ = self.listener.accept()
            try:
                upstream = self.context.wrap_socket(socket.create_connection(self.target))
            except (ssl.SSLError, OSError) as error:
                print(f"bridge: TLS to the server failed: {error}", flush=True)
                downstream.close()
                continue
            self.server_chains.append(upstream.getpeercert(binary_form=True))
            threading.Thread(target=self.relay, args=(downstream, upstream), daemon=True).start()

    @staticmethod
    def relay(downstream, upstream):
        """Both directions of one connection on one thread: an SSL socket read on one thread while written on another
        (two pumps) once lost a record, and grpcio saw 'Socket closed' in the middle of a call."""
        upstream.setblocking(False)
        downstream.setblocking(False)
        peers = {downstream: upstream, upstream: downstream}
        try:
            while True:
                ready = [upstream] if upstream.pending() else select.select([downstream, upstream], [], [], 1.0)[0]
                for source in ready:
                    try:
                        data = source.recv(65536)
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                        continue
                    if not data:
                        return
                    sink = peers[source]
                    sink.setblocking(True)
                    try:
                        sink.sendall(data)
                    finally:
                        sink.setblocking(False)
        except OSError:
            pass
        finally:
            for end in (downstream, upstream):
                try:
                    end.close()
                except OSError:
                    pass

    def channel(self):
        return grpc.insecure_channel(self.address)


def csr_and_key():
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([])).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.DER), key


def csr_for(uri):
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
           .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(uri)]), critical=False).sign(key, hashes.SHA256()))
    return csr.public_bytes(serialization.Encoding.DER), key


def pem(der_certs):
    return "".join(x509.load_der_x509_certificate(c).public_bytes(serialization.Encoding.PEM).decode() for c in der_certs)


def chains_to(chain_der, roots):
    """Whether the chain's leaf is signed, through the chain's intermediates, by one of the roots."""
    chain = [x509.load_der_x509_certificate(c) for c in chain_der]
    for child, parent in zip(chain, chain[1:] + [None]):
        issuers = [parent] if parent is not None else [r for r in roots if r.subject == child.issuer]
        if not issuers:
            return False
        try:
            issuers[0].public_key().verify(child.signature, child.tbs_certificate_bytes, ec.ECDSA(child.signature_hash_algorithm))
        except Exception:
            return False
    return True


def error_of(call):
    try:
        call()
    except grpc.RpcError as error:
        return error
    return None


def is_error(error, code, text):
    """Whether a call failed with `code` and details that contain `text`."""
    return error is not None and error.code() == code and text in error.details()


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64(data):
    return base64.b64encode(data).decode()


def go_bytes(number):
    """Go's big.Int.Bytes(): big-endian, no leading zeros."""
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


def federated_admin_checks(host, port, roots_pem, admin):
    """An admin ID of a federated trust domain (admin_ids names spiffe://other.org/ops/admin): its SVID, issued by
    other.org's CA, must verify against other.org's stored bundle."""
    from spire.api.server.bundle.v1 import bundle_pb2, bundle_pb2_grpc
    from spire.api.server.entry.v1 import entry_pb2, entry_pb2_grpc
    from spire.api.types import bundle_pb2 as types_bundle
    now = datetime.datetime.now(datetime.timezone.utc)

    def ca(name):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                .not_valid_after(now + datetime.timedelta(hours=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
                .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier("spiffe://other.org")]), critical=False)
                .sign(key, hashes.SHA256()))
        return key, cert

    def svid(ca_key, ca_cert, uri):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(x509.Name([])).issuer_name(ca_cert.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                .not_valid_after(now + datetime.timedelta(minutes=30))
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(True, False, True, False, True, False, False, False, False), critical=True)
                .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(uri)]), critical=True)
                .sign(ca_key, hashes.SHA256()))
        return (cert.public_bytes(serialization.Encoding.PEM).decode(),
                key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())

    other_key, other_ca = ca("other.org CA")
    stranger_key, stranger_ca = ca("not other.org's CA")

    def list_as(cert_key):
        remote = TLSBridge(host, port, roots_pem, *cert_key).channel()
        try:
            return entry_pb2_grpc.EntryStub(remote).CountEntries(entry_pb2.CountEntriesRequest()), None
        except grpc.RpcError as error:
            return None, error
        finally:
            remote.close()

    _, before = list_as(svid(other_key, other_ca, "spiffe://other.org/ops/admin"))
    check("a federated admin ID before other.org's bundle is stored: PERMISSION_DENIED", before is not None
          and before.code() == grpc.StatusCode.PERMISSION_DENIED, before)
    created = bundle_pb2_grpc.BundleStub(admin).BatchCreateFederatedBundle(bundle_pb2.BatchCreateFederatedBundleRequest(bundle=[types_bundle.Bundle(
        trust_domain="other.org", x509_authorities=[types_bundle.X509Certificate(asn1=other_ca.public_bytes(serialization.Encoding.DER))])])).results
    check("other.org's bundle stored (BatchCreateFederatedBundle)", created[0].status.code == 0, created[0].status)
    counted, error = list_as(svid(other_key, other_ca, "spiffe://other.org/ops/admin"))
    check("spiffe://other.org/ops/admin (in admin_ids), issued by other.org's CA: CountEntries answers over TCP", counted is not None, error)
    _, error = list_as(svid(other_key, other_ca, "spiffe://other.org/ops/nobody"))
    check("another ID of other.org, not in admin_ids: PERMISSION_DENIED", error is not None and error.code() == grpc.StatusCode.PERMISSION_DENIED, error)
    _, error = list_as(svid(stranger_key, stranger_ca, "spiffe://other.org/ops/admin"))
    check("the admin ID of other.org issued by a CA not in other.org's bundle: PERMISSION_DENIED", error is not None
          and error.code() == grpc.StatusCode.PERMISSION_DENIED, error)


def x509pop_checks(host, port, roots_pem, roots, ca_dir):
    """x509pop attestation as a stock SPIRE agent makes it, then the refusals a forged proof or payload get."""
    from spire.api.server.agent.v1 import agent_pb2, agent_pb2_grpc
    from spire.api.types import attestation_pb2
    with open(os.path.join(ca_dir, "ca.key"), "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), None)
    with open(os.path.join(ca_dir, "ca.pem"), "rb") as f:
        ca_cert = x509.load_pem_x509_certificate(f.read())

    def node_certificate(key, digital_signature=True):
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stock-node")]))
                   .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=1)).not_valid_after(now + datetime.timedelta(hours=1))
                   .add_extension(x509.SubjectAlternativeName([
                       x509.UniformResourceIdentifier(f"x509pop://{TD}/datacenter/us-east-1")]), critical=False))
        if digital_signature:
            builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        return builder.sign(ca_key, hashes.SHA256())

    def attest(certificate, answer):
        """Runs AttestAgent: params with the JSON payload, then `answer(challenge)` as the challenge response."""
        requests = queue.Queue()
        csr, _ = csr_and_key()
        payload = json.dumps({"certificates": [b64(certificate.public_bytes(serialization.Encoding.DER))]}).encode()
        requests.put(agent_pb2.AttestAgentRequest(params=agent_pb2.AttestAgentRequest.Params(
            data=attestation_pb2.AttestationData(type="x509pop", payload=payload), params=agent_pb2.AgentX509SVIDParams(csr=csr))))

        def produce():
            while (item := requests.get()) is not None:
                yield item

        bridge = TLSBridge(host, port, roots_pem)
        channel = bridge.channel()
        try:
            challenge, result = None, None
            for response in agent_pb2_grpc.AgentStub(channel).AttestAgent(produce()):
                if response.HasField("result"):
                    result = response.result
                    break
                challenge = json.loads(response.challenge)
                requests.put(agent_pb2.AttestAgentRequest(challenge_response=answer(challenge)))
            return challenge, result, None
        except grpc.RpcError as error:
            return None, None, error
        finally:
            requests.put(None)
            channel.close()

    def ecdsa_answer(key):
        def answer(challenge):
            mine = os.urandom(32)
            digest = hashlib.sha256(base64.b64decode(challenge["ecdsa_signature"]["nonce"]) + mine).digest()
            r, s = decode_dss_signature(key.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256()))))
            return json.dumps({"rsa_signature": None, "ecdsa_signature": {"nonce": b64(mine), "r": b64(go_bytes(r)), "s": b64(go_bytes(s))}}).encode()
        return answer

    node_key = ec.generate_private_key(ec.SECP256R1())
    node = node_certificate(node_key)
    challenge, result, error = attest(node, ecdsa_answer(node_key))
    fingerprint = hashlib.sha1(node.public_bytes(serialization.Encoding.DER)).hexdigest()
    agent_id = f"spiffe://{TD}/spire/agent/x509pop/{fingerprint}"
    check("x509pop: the challenge is SPIRE's JSON, an ECDSA nonce of 32 bytes and no RSA one",
          challenge is not None and challenge.get("rsa_signature") is None and len(base64.b64decode(challenge["ecdsa_signature"]["nonce"])) == 32, (challenge, error))
    chain = list(result.svid.cert_chain) if result else []
    check("x509pop: the answer is accepted; the agent SVID is spiffe://example.org/spire/agent/x509pop/<SHA-1 of the leaf>, re-attestable, chaining to the bundle",
          result is not None and spiffe_id(result.svid.id) == agent_id and result.reattestable and chains_to(chain, roots)
          and uri_sans(x509.load_der_x509_certificate(chain[0])) == [agent_id], (error, result and spiffe_id(result.svid.id)))
    _, again, error = attest(node, ecdsa_answer(node_key))
    check("x509pop: the same node attests again (re-attestation)", again is not None and spiffe_id(again.svid.id) == agent_id, error)

    # RSA as Go's SPIRE agent signs it: PSS over the combined nonces with the longest salt the key allows.
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa_node = node_certificate(rsa_key)

    def rsa_answer(challenge):
        mine = os.urandom(32)
        digest = hashlib.sha256(base64.b64decode(challenge["rsa_signature"]["nonce"]) + mine).digest()
        signature = rsa_key.sign(digest, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH), Prehashed(hashes.SHA256()))
        return json.dumps({"rsa_signature": {"nonce": b64(mine), "signature": b64(signature)}, "ecdsa_signature": None}).encode()
    challenge, result, error = attest(rsa_node, rsa_answer)
    rsa_id = f"spiffe://{TD}/spire/agent/x509pop/{hashlib.sha1(rsa_node.public_bytes(serialization.Encoding.DER)).hexdigest()}"
    check("x509pop with an RSA-2048 key: an RSA challenge, and PSS with Go's longest salt (222 bytes) is accepted",
          challenge is not None and challenge.get("ecdsa_signature") is None and result is not None and spiffe_id(result.svid.id) == rsa_id,
          (challenge, error))

    _, forged, error = attest(node, ecdsa_answer(ec.generate_private_key(ec.SECP256R1())))
    check("x509pop: a signature by another key: PERMISSION_DENIED 'ECDSA signature verify failed'", forged is None and error is not None
          and error.code() == grpc.StatusCode.PERMISSION_DENIED and "ECDSA signature verify failed" in error.details(), error)

    def short_nonce(challenge):
        return json.dumps({"ecdsa_signature": {"nonce": b64(b"short"), "r": b64(b"\x01"), "s": b64(b"\x01")}}).encode()
    _, _, error = attest(node, short_nonce)
    check("x509pop: a response nonce that is not 32 bytes: PERMISSION_DENIED 'invalid response nonce'", error is not None
          and error.code() == grpc.StatusCode.PERMISSION_DENIED and "invalid response nonce" in error.details(), error)
    _, _, error = attest(node, lambda challenge: b"not json")
    check("x509pop: a challenge response that is not JSON: INVALID_ARGUMENT", error is not None
          and error.code() == grpc.StatusCode.INVALID_ARGUMENT and "challenge response" in error.details(), error)

    stranger_key = ec.generate_private_key(ec.SECP256R1())
    stranger_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "stranger")])
    now = datetime.datetime.now(datetime.timezone.utc)
    stranger = (x509.CertificateBuilder().subject_name(stranger_name).issuer_name(stranger_name).public_key(stranger_key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                .not_valid_after(now + datetime.timedelta(hours=1))
                .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
                .sign(stranger_key, hashes.SHA256()))
    challenge, _, error = attest(stranger, ecdsa_answer(stranger_key))
    check("x509pop: a certificate that does not chain to ca_bundle_path: PERMISSION_DENIED before any challenge", challenge is None
          and error is not None and error.code() == grpc.StatusCode.PERMISSION_DENIED and "certificate verification failed" in error.details(), error)

    no_usage_key = ec.generate_private_key(ec.SECP256R1())
    challenge, _, error = attest(node_certificate(no_usage_key, digital_signature=False), ecdsa_answer(no_usage_key))
    check("x509pop: a leaf whose key usage lacks digitalSignature gets no challenge (SPIRE's 'not intended for digital signature use')",
          challenge is None and error is not None and "not intended for digital signature use" in error.details(), error)

    bridge = TLSBridge(host, port, roots_pem)
    channel = bridge.channel()
    csr, _ = csr_and_key()
    garbage = error_of(lambda: list(agent_pb2_grpc.AgentStub(channel).AttestAgent(iter([agent_pb2.AttestAgentRequest(params=agent_pb2.AttestAgentRequest.Params(
        data=attestation_pb2.AttestationData(type="x509pop", payload=b"\x30\x82 DER, not JSON"), params=agent_pb2.AgentX509SVIDParams(csr=csr)))]))))
    check("x509pop: a payload that is not SPIRE's JSON: INVALID_ARGUMENT naming it", garbage is not None
          and garbage.code() == grpc.StatusCode.INVALID_ARGUMENT and "failed to unmarshal data" in garbage.details(), garbage)
    channel.close()


def main():
    admin_socket, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    generate_spire_api()
    from spire.api.server.agent.v1 import agent_pb2, agent_pb2_grpc
    from spire.api.server.bundle.v1 import bundle_pb2, bundle_pb2_grpc
    from spire.api.server.debug.v1 import debug_pb2, debug_pb2_grpc
    from spire.api.server.entry.v1 import entry_pb2, entry_pb2_grpc
    from spire.api.server.svid.v1 import svid_pb2, svid_pb2_grpc
    from spire.api.types import attestation_pb2, entry_pb2 as types_entry, selector_pb2, spiffeid_pb2

    # An operator's set-up on the admin socket: a join token, an entry under the agent it will attest.
    admin = grpc.insecure_channel("unix://" + admin_socket)
    token = agent_pb2_grpc.AgentStub(admin).CreateJoinToken(agent_pb2.CreateJoinTokenRequest(ttl=600)).value
    agent_id = f"spiffe://{TD}/spire/agent/join_token/{token}"
    created = entry_pb2_grpc.EntryStub(admin).BatchCreateEntry(entry_pb2.BatchCreateEntryRequest(entries=[types_entry.Entry(
        spiffe_id=spiffeid_pb2.SPIFFEID(trust_domain=TD, path="/stock/workload"),
        parent_id=spiffeid_pb2.SPIFFEID(trust_domain=TD, path=f"/spire/agent/join_token/{token}"),
        selectors=[selector_pb2.Selector(type="unix", value="uid:5001")], dns_names=["stock.example.org"])])).results[0]
    entry_id = created.entry.id
    bundle = bundle_pb2_grpc.BundleStub(admin).GetBundle(bundle_pb2.GetBundleRequest())
    roots = [x509.load_der_x509_certificate(a.asn1) for a in bundle.x509_authorities]
    roots_pem = pem([a.asn1 for a in bundle.x509_authorities])

    # Attestation over TLS with no client certificate, as SPIRE's agent attests.
    bridge = TLSBridge(host, port, roots_pem)
    channel = bridge.channel()
    agent = agent_pb2_grpc.AgentStub(channel)
    csr, key = csr_and_key()
    params = agent_pb2.AttestAgentRequest(params=agent_pb2.AttestAgentRequest.Params(
        data=attestation_pb2.AttestationData(type="join_token", payload=token.encode()), params=agent_pb2.AgentX509SVIDParams(csr=csr)))
    responses = list(agent.AttestAgent(iter([params])))
    server_leaf = x509.load_der_x509_certificate(bridge.server_chains[0])
    check("TLS: the server presents an SVID of spiffe://example.org/spire/server that chains to the bundle",
          uri_sans(server_leaf) == [f"spiffe://{TD}/spire/server"], uri_sans(server_leaf))
    result = responses[-1].result if responses and responses[-1].HasField("result") else None
    check("AttestAgent with a join token: one result, the agent SVID for the token's agent ID, not re-attestable",
          len(responses) == 1 and result is not None and spiffe_id(result.svid.id) == agent_id and not result.reattestable, responses)
    svid_chain = list(result.svid.cert_chain)
    leaf = x509.load_der_x509_certificate(svid_chain[0])
    check("... the agent SVID names the agent, is for this CSR's key and chains to the bundle",
          uri_sans(leaf) == [agent_id] and leaf.public_key().public_numbers() == key.public_key().public_numbers()
          and chains_to(svid_chain, roots) and result.svid.expires_at == int(leaf.not_valid_after_utc.timestamp()), uri_sans(leaf))
    again = error_of(lambda: list(agent.AttestAgent(iter([params]))))
    check("the same join token again is refused", again is not None and again.code() in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.INVALID_ARGUMENT), again)
    garbage = error_of(lambda: list(agent.AttestAgent(iter([agent_pb2.AttestAgentRequest(challenge_response=b"junk")]))))
    check("an attestation that starts with a challenge response: INVALID_ARGUMENT 'malformed param: missing params'",
          garbage is not None and garbage.code() == grpc.StatusCode.INVALID_ARGUMENT and "malformed param: missing params" in garbage.details(), garbage)
    no_csr = error_of(lambda: list(agent.AttestAgent(iter([agent_pb2.AttestAgentRequest(params=agent_pb2.AttestAgentRequest.Params(
        data=attestation_pb2.AttestationData(type="join_token", payload=b"x")))]))))
    check("an attestation without a CSR: INVALID_ARGUMENT 'malformed param'", no_csr is not None and no_csr.code() == grpc.StatusCode.INVALID_ARGUMENT
          and "malformed param: missing X509-SVID parameters" in no_csr.details(), no_csr)
    anonymous = error_of(lambda: entry_pb2_grpc.EntryStub(channel).GetAuthorizedEntries(entry_pb2.GetAuthorizedEntriesRequest()))
    check("without a client certificate, GetAuthorizedEntries is refused", anonymous is not None
          and anonymous.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED), anonymous)
    anonymous_admin = error_of(lambda: entry_pb2_grpc.EntryStub(channel).ListEntries(entry_pb2.ListEntriesRequest()))
    check("without a client certificate, ListEntries (an admin method) is PERMISSION_DENIED", anonymous_admin is not None
          and anonymous_admin.code() == grpc.StatusCode.PERMISSION_DENIED, anonymous_admin)
    channel.close()

    # A client certificate that is no agent SVID (what Steeple's own agent presents to attest) passes TLS, not agent calls.
    throwaway_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attestation")])
    now = datetime.datetime.now(datetime.timezone.utc)
    throwaway = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(throwaway_key.public_key())
                 .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
                 .not_valid_after(now + datetime.timedelta(hours=1)).sign(throwaway_key, hashes.SHA256()))
    bridge = TLSBridge(host, port, roots_pem, throwaway.public_bytes(serialization.Encoding.PEM).decode(),
                       throwaway_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode())
    channel = bridge.channel()
    unauthenticated = error_of(lambda: entry_pb2_grpc.EntryStub(channel).GetAuthorizedEntries(entry_pb2.GetAuthorizedEntriesRequest()))
    check("with a certificate that is no agent SVID, GetAuthorizedEntries is refused", unauthenticated is not None
          and unauthenticated.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED), unauthenticated)
    check("with a certificate that is no agent SVID, GetBundle (any caller) answers",
          bundle_pb2_grpc.BundleStub(channel).GetBundle(bundle_pb2.GetBundleRequest()).x509_authorities[0].asn1 == bundle.x509_authorities[0].asn1)
    channel.close()

    # As the attested agent: its SVID as the client certificate.
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    bridge = TLSBridge(host, port, roots_pem, pem(svid_chain), key_pem)
    channel = bridge.channel()
    entries = entry_pb2_grpc.EntryStub(channel)
    authorized = entries.GetAuthorizedEntries(entry_pb2.GetAuthorizedEntriesRequest()).entries
    check("GetAuthorizedEntries: the entry registered under this agent", [e.id for e in authorized] == [entry_id]
          and spiffe_id(authorized[0].spiffe_id) == f"spiffe://{TD}/stock/workload", [(e.id, spiffe_id(e.spiffe_id)) for e in authorized])
    synced = list(entries.SyncAuthorizedEntries(iter([entry_pb2.SyncAuthorizedEntriesRequest()])))
    check("SyncAuthorizedEntries: below the page size, the full entries in one response",
          len(synced) == 1 and [e.id for e in synced[0].entries] == [entry_id] and not synced[0].entry_revisions and not synced[0].more, synced)
    # Past SPIRE's sync page size (500): revisions first, then the entries asked for by ID, in pages.
    for batch in range(2):
        extra = [types_entry.Entry(spiffe_id=spiffeid_pb2.SPIFFEID(trust_domain=TD, path=f"/stock/many-{batch}-{i}"),
                                   parent_id=spiffeid_pb2.SPIFFEID(trust_domain=TD, path=f"/spire/agent/join_token/{token}"),
                                   selectors=[selector_pb2.Selector(type="unix", value=f"uid:{6000 + batch * 300 + i}")]) for i in range(300)]
        results = entry_pb2_grpc.EntryStub(admin).BatchCreateEntry(entry_pb2.BatchCreateEntryRequest(entries=extra)).results
        check(f"300 more entries under the agent (batch {batch + 1})", all(r.status.code == 0 for r in results))
    # The entry index applies committed changes asynchronously (it follows the change log), within milliseconds.
    deadline = time.time() + 10
    while True:
        all_ids = sorted(e.id for e in entries.GetAuthorizedEntries(entry_pb2.GetAuthorizedEntriesRequest()).entries)
        if len(all_ids) == 601 or time.time() > deadline:
            break
        time.sleep(0.05)
    check("GetAuthorizedEntries: all 601", len(all_ids) == 601, len(all_ids))
    wanted = all_ids[::2]
    requests = iter([entry_pb2.SyncAuthorizedEntriesRequest(), entry_pb2.SyncAuthorizedEntriesRequest(ids=wanted)])
    responses, revisions, full = entries.SyncAuthorizedEntries(requests), [], []
    for response in responses:
        revisions += response.entry_revisions
        full += response.entries
        if response.entries and not response.more:
            break
    check("SyncAuthorizedEntries past 500 entries: every revision (pages of 500), then the 301 entries asked for",
          sorted(r.id for r in revisions) == all_ids and all(r.revision_number == 0 and r.created_at > 0 for r in revisions)
          and sorted(e.id for e in full) == wanted, (len(revisions), len(full)))
    masked = error_of(lambda: list(entries.SyncAuthorizedEntries(iter([entry_pb2.SyncAuthorizedEntriesRequest(output_mask=types_entry.EntryMask(spiffe_id=True))]))))
    check("SyncAuthorizedEntries masking the revision number: INVALID_ARGUMENT", masked is not None and masked.code() == grpc.StatusCode.INVALID_ARGUMENT
          and "revision number cannot be masked" in masked.details(), masked)
    workload_csr, workload_key = csr_and_key()
    svids = svid_pb2_grpc.SVIDStub(channel).BatchNewX509SVID(svid_pb2.BatchNewX509SVIDRequest(params=[
        svid_pb2.NewX509SVIDParams(entry_id=entry_id, csr=workload_csr), svid_pb2.NewX509SVIDParams(entry_id="not-mine", csr=workload_csr)])).results
    workload_leaf = x509.load_der_x509_certificate(svids[0].svid.cert_chain[0]) if svids[0].status.code == 0 else None
    check("BatchNewX509SVID: the workload's X509-SVID, with its DNS name, chaining to the bundle",
          workload_leaf is not None and uri_sans(workload_leaf) == [f"spiffe://{TD}/stock/workload"]
          and workload_leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName) == ["stock.example.org"]
          and chains_to(list(svids[0].svid.cert_chain), roots) and spiffe_id(svids[0].svid.id) == f"spiffe://{TD}/stock/workload", svids[0].status)
    check("... and NOT_FOUND 'entry not found or not authorized' for an entry not the agent's",
          svids[1].status.code == grpc.StatusCode.NOT_FOUND.value[0] and svids[1].status.message == "entry not found or not authorized", svids[1].status)
    jwt = svid_pb2_grpc.SVIDStub(channel).NewJWTSVID(svid_pb2.NewJWTSVIDRequest(entry_id=entry_id, audience=["stock"])).svid
    header, claims, signature = jwt.token.split(".")
    key_id = json.loads(b64url(header))["kid"]
    public = serialization.load_der_public_key(next(k.public_key for k in bundle.jwt_authorities if k.key_id == key_id))
    raw = b64url(signature)
    public.verify(encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")), f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    check("NewJWTSVID: a JWT-SVID for the entry, verified with the bundle's key", json.loads(b64url(claims))["sub"] == f"spiffe://{TD}/stock/workload"
          and spiffe_id(jwt.id) == f"spiffe://{TD}/stock/workload")
    renew_csr, _ = csr_and_key()
    renewed = agent_pb2_grpc.AgentStub(channel).RenewAgent(agent_pb2.RenewAgentRequest(params=agent_pb2.AgentX509SVIDParams(csr=renew_csr))).svid
    renewed_leaf = x509.load_der_x509_certificate(renewed.cert_chain[0])
    check("RenewAgent: a new SVID for the same agent ID", spiffe_id(renewed.id) == agent_id and uri_sans(renewed_leaf) == [agent_id]
          and renewed_leaf.serial_number != leaf.serial_number and chains_to(list(renewed.cert_chain), roots))
    posted = error_of(lambda: agent_pb2_grpc.AgentStub(channel).PostStatus(agent_pb2.PostStatusRequest(agent_version="1.12.0", current_bundle_serial=bundle.sequence_number)))
    too_long = error_of(lambda: agent_pb2_grpc.AgentStub(channel).PostStatus(agent_pb2.PostStatusRequest(agent_version="v" * 256)))
    check("PostStatus: OK; a version over 255 characters is INVALID_ARGUMENT", posted is None and too_long is not None
          and too_long.code() == grpc.StatusCode.INVALID_ARGUMENT and "agent version is too long" in too_long.details(), (posted, too_long))
    shown = agent_pb2_grpc.AgentStub(admin).GetAgent(agent_pb2.GetAgentRequest(id=spiffeid_pb2.SPIFFEID(trust_domain=TD, path=f"/spire/agent/join_token/{token}")))
    check("... and the reported version is stored: GetAgent on the admin socket shows agent_version 1.12.0", shown.agent_version == "1.12.0", shown.agent_version)
    again_csr, _ = csr_and_key()
    agent_pb2_grpc.AgentStub(channel).RenewAgent(agent_pb2.RenewAgentRequest(params=agent_pb2.AgentX509SVIDParams(csr=again_csr)))
    shown = agent_pb2_grpc.AgentStub(admin).GetAgent(agent_pb2.GetAgentRequest(id=spiffeid_pb2.SPIFFEID(trust_domain=TD, path=f"/spire/agent/join_token/{token}")))
    check("... and a renewal after the report keeps it", shown.agent_version == "1.12.0", shown.agent_version)
    check("GetBundle as the agent", bundle_pb2_grpc.BundleStub(channel).GetBundle(bundle_pb2.GetBundleRequest()).trust_domain == TD)
    for name, call in (("/spire.api.server.entry.v1.Entry/ListEntries", lambda: entries.ListEntries(entry_pb2.ListEntriesRequest())),
                       ("/spire.api.server.svid.v1.SVID/MintX509SVID", lambda: svid_pb2_grpc.SVIDStub(channel).MintX509SVID(svid_pb2.MintX509SVIDRequest(csr=workload_csr))),
                       ("/spire.api.server.agent.v1.Agent/CreateJoinToken", lambda: agent_pb2_grpc.AgentStub(channel).CreateJoinToken(agent_pb2.CreateJoinTokenRequest(ttl=60)))):
        error = error_of(call)
        check(f"{name} as an agent over TCP: PERMISSION_DENIED", error is not None and error.code() == grpc.StatusCode.PERMISSION_DENIED
              and f"authorization denied for method {name}" in error.details(), error)
    channel.close()

    # Remote admins and downstream servers over TCP: an SVID whose ID is in admin_ids (the test server's config names
    # spiffe://example.org/ops/admin) or has an -admin entry may call the admin methods; a -downstream entry's may
    # not; any other SVID may not either. Their SVIDs are minted on the admin socket.
    def connect_as(path):
        csr, key = csr_for(f"spiffe://{TD}{path}")
        minted = svid_pb2_grpc.SVIDStub(admin).MintX509SVID(svid_pb2.MintX509SVIDRequest(csr=csr)).svid
        key_text = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
        return TLSBridge(host, port, roots_pem, pem(list(minted.cert_chain)), key_text).channel()
    flagged = entry_pb2_grpc.EntryStub(admin).BatchCreateEntry(entry_pb2.BatchCreateEntryRequest(entries=[
        types_entry.Entry(spiffe_id=spiffeid_pb2.SPIFFEID(trust_domain=TD, path="/ops/entry-admin"), admin=True,
                          parent_id=spiffeid_pb2.SPIFFEID(trust_domain=TD, path=f"/spire/agent/join_token/{token}"),
                          selectors=[selector_pb2.Selector(type="unix", value="uid:7001")]),
        types_entry.Entry(spiffe_id=spiffeid_pb2.SPIFFEID(trust_domain=TD, path="/ops/downstream"), downstream=True,
                          parent_id=spiffeid_pb2.SPIFFEID(trust_domain=TD, path=f"/spire/agent/join_token/{token}"),
                          selectors=[selector_pb2.Selector(type="unix", value="uid:7002")])])).results
    check("an -admin entry and a -downstream entry", all(r.status.code == 0 for r in flagged), [r.status for r in flagged])
    for path, why in (("/ops/admin", "in admin_ids"), ("/ops/entry-admin", "of an -admin entry")):
        remote = connect_as(path)
        counted = entry_pb2_grpc.EntryStub(remote).CountEntries(entry_pb2.CountEntriesRequest()).count
        token_made = agent_pb2_grpc.AgentStub(remote).CreateJoinToken(agent_pb2.CreateJoinTokenRequest(ttl=60)).value
        check(f"an SVID {why} over TCP: CountEntries and CreateJoinToken answer", counted >= 603 and len(token_made) > 0, (counted, token_made))
        for name, call in (("/spire.api.server.debug.v1.Debug/GetInfo", lambda: debug_pb2_grpc.DebugStub(remote).GetInfo(debug_pb2.GetInfoRequest())),
                           ("/spire.api.server.entry.v1.Entry/GetAuthorizedEntries", lambda: entry_pb2_grpc.EntryStub(remote).GetAuthorizedEntries(entry_pb2.GetAuthorizedEntriesRequest()))):
            error = error_of(call)
            check(f"... but not {name} (local or agent only): PERMISSION_DENIED", error is not None and error.code() in
                  (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED), error)
        remote.close()
    # A self-signed certificate naming an admin ID (not issued by the trust domain) is no admin.
    forged_key = ec.generate_private_key(ec.SECP256R1())
    forged_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "forged")])
    forged = (x509.CertificateBuilder().subject_name(forged_name).issuer_name(forged_name).public_key(forged_key.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
              .not_valid_after(now + datetime.timedelta(hours=1))
              .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"spiffe://{TD}/ops/admin")]), critical=False)
              .sign(forged_key, hashes.SHA256()))
    remote = TLSBridge(host, port, roots_pem, forged.public_bytes(serialization.Encoding.PEM).decode(),
                       forged_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()).channel()
    error = error_of(lambda: entry_pb2_grpc.EntryStub(remote).ListEntries(entry_pb2.ListEntriesRequest()))
    check("a self-signed certificate naming the admin ID over TCP: ListEntries is PERMISSION_DENIED", error is not None
          and error.code() == grpc.StatusCode.PERMISSION_DENIED, error)
    remote.close()
    for path, why in (("/ops/downstream", "of a -downstream entry"), ("/ops/nobody", "with no role")):
        remote = connect_as(path)
        error = error_of(lambda: entry_pb2_grpc.EntryStub(remote).ListEntries(entry_pb2.ListEntriesRequest()))
        check(f"an SVID {why} over TCP: ListEntries is PERMISSION_DENIED", error is not None and error.code() == grpc.StatusCode.PERMISSION_DENIED
              and "authorization denied for method /spire.api.server.entry.v1.Entry/ListEntries" in error.details(), error)
        remote.close()
    downstream_checks(connect_as, roots)
    federated_admin_checks(host, port, roots_pem, admin)
    if len(sys.argv) > 4:
        x509pop_checks(host, port, roots_pem, roots, sys.argv[4])
    admin.close()
    finish()


def downstream_checks(connect_as, roots):
    """Nested servers, as SPIRE's `spire` upstream authority calls them: a -downstream entry's SVID gets a CA for its
    CSR's key, chained to the bundle's roots, and publishes a JWT key; an SVID with no role gets neither."""
    from spire.api.server.bundle.v1 import bundle_pb2, bundle_pb2_grpc
    from spire.api.server.svid.v1 import svid_pb2, svid_pb2_grpc
    from spire.api.types import bundle_pb2 as types_bundle

    remote = connect_as("/ops/downstream")
    ca_key = ec.generate_private_key(ec.SECP384R1())
    csr = (x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
           .add_extension(x509.SubjectAlternativeName([x509.UniformResourceIdentifier(f"spiffe://{TD}")]), critical=False)
           .sign(ca_key, hashes.SHA384()))
    answer = svid_pb2_grpc.SVIDStub(remote).NewDownstreamX509CA(svid_pb2.NewDownstreamX509CARequest(
        csr=csr.public_bytes(serialization.Encoding.DER), preferred_ttl=600))
    chain = [x509.load_der_x509_certificate(c) for c in answer.ca_cert_chain]
    authorities = [x509.load_der_x509_certificate(c) for c in answer.x509_authorities]
    ca = chain[0]
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints).value
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    lifetime = (ca.not_valid_after_utc - ca.not_valid_before_utc).total_seconds()
    check("NewDownstreamX509CA as a -downstream SVID: a CA (critical keyCertSign, cRLSign) for the CSR's key, the trust domain's URI SAN, OU=DOWNSTREAM-1, preferred_ttl honoured",
          constraints.ca and usage.key_cert_sign and usage.crl_sign
          and ca.public_key().public_numbers() == ca_key.public_key().public_numbers()
          and uri_sans(ca) == [f"spiffe://{TD}"]
          and [a.value for a in ca.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)] == ["DOWNSTREAM-1"]
          and 600 <= lifetime <= 611, (ca.subject.rfc4514_string(), lifetime))
    issuer = next((root for root in authorities if root.subject == chain[-1].issuer), None)
    verified = False
    if issuer is not None:
        try:
            chain[-1].verify_directly_issued_by(issuer)
            verified = all(child.verify_directly_issued_by(parent) is None for child, parent in zip(chain, chain[1:]))
        except Exception as error:  # noqa: BLE001
            verified = error
    check("NewDownstreamX509CA: the chain verifies up to x509_authorities, which are the bundle's roots",
          verified is True and sorted(c.fingerprint(hashes.SHA256()) for c in authorities) == sorted(c.fingerprint(hashes.SHA256()) for c in roots),
          verified)
    error = error_of(lambda: svid_pb2_grpc.SVIDStub(remote).NewDownstreamX509CA(svid_pb2.NewDownstreamX509CARequest(csr=b"not a csr")))
    check("NewDownstreamX509CA with a malformed CSR: INVALID_ARGUMENT", is_error(error, grpc.StatusCode.INVALID_ARGUMENT, "malformed CSR"), error)

    jwt_key = ec.generate_private_key(ec.SECP256R1())
    spki = jwt_key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    expires = int(time.time()) + 600
    published = bundle_pb2_grpc.BundleStub(remote).PublishJWTAuthority(bundle_pb2.PublishJWTAuthorityRequest(
        jwt_authority=types_bundle.JWTKey(public_key=spki, key_id="downstream-kid-1", expires_at=expires)))
    mine = [k for k in published.jwt_authorities if k.key_id == "downstream-kid-1"]
    check("PublishJWTAuthority as a -downstream SVID: the answer lists the bundle's JWT authorities, the new key among them",
          len(mine) == 1 and mine[0].public_key == spki and len(published.jwt_authorities) >= 2, [k.key_id for k in published.jwt_authorities])
    bundle = bundle_pb2_grpc.BundleStub(remote).GetBundle(bundle_pb2.GetBundleRequest())
    check("GetBundle afterwards: the published key is in the trust domain's bundle", any(k.key_id == "downstream-kid-1" for k in bundle.jwt_authorities),
          [k.key_id for k in bundle.jwt_authorities])
    error = error_of(lambda: bundle_pb2_grpc.BundleStub(remote).PublishJWTAuthority(bundle_pb2.PublishJWTAuthorityRequest()))
    check("PublishJWTAuthority without a key: INVALID_ARGUMENT \"missing JWT authority\"", is_error(error, grpc.StatusCode.INVALID_ARGUMENT, "missing JWT authority"), error)
    remote.close()

    nobody = connect_as("/ops/nobody")
    for method, call in (("/spire.api.server.svid.v1.SVID/NewDownstreamX509CA",
                          lambda: svid_pb2_grpc.SVIDStub(nobody).NewDownstreamX509CA(svid_pb2.NewDownstreamX509CARequest(csr=csr.public_bytes(serialization.Encoding.DER)))),
                         ("/spire.api.server.bundle.v1.Bundle/PublishJWTAuthority",
                          lambda: bundle_pb2_grpc.BundleStub(nobody).PublishJWTAuthority(bundle_pb2.PublishJWTAuthorityRequest(
                              jwt_authority=types_bundle.JWTKey(public_key=spki, key_id="impostor", expires_at=expires))))):
        error = error_of(call)
        check(f"{method} as an SVID without -downstream: PERMISSION_DENIED", is_error(error, grpc.StatusCode.PERMISSION_DENIED, f"authorization denied for method {method}"), error)
    nobody.close()


if __name__ == "__main__":
    main()
