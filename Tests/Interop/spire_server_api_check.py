"""SPIRE's server API on a running steeple-server's admin socket, with a client generated from SPIRE's own protos.

The messages and stubs are generated at run time by grpcio-tools (PyPI) from the .proto files of SPIRE's public API
SDK, vendored unchanged under Tests/Interop/spire-api-sdk - not from Steeple's protos. Certificates, keys and JWTs
are read with Python's `cryptography`; the entry it registers is fetched from the agent's Workload API with py-spiffe.
Every check prints one line; the exit status is 1 if any failed.

    python spire_server_api_check.py SERVER_ADMIN_SOCKET AGENT_WORKLOAD_SOCKET AGENT_ID

It replays what spire-controller-manager does on a reconcile (paged ListEntries, BatchCreateEntry with a duplicate,
BatchUpdateEntry with an input mask, BatchDeleteEntry, GetBundle, and the TrustDomain API's federation relationships), then walks the Agent, Bundle (federated bundles
with every delete mode), SVID and Debug APIs, bad input, the calls the admin socket must refuse, and the
LocalAuthority API's forced rotation, taint and revoke, and AppendBundle.
"""

import base64
import datetime
import json
import os
import sys
import time

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.x509.oid import NameOID

from interop_common import check, dns_sans, finish, generate_spire_api, spiffe_id, uri_sans

TD = "example.org"


def sid(path, td=TD):
    from spire.api.types import spiffeid_pb2
    return spiffeid_pb2.SPIFFEID(trust_domain=td, path=path)


def error_of(call):
    try:
        call()
    except grpc.RpcError as error:
        return error
    return None


def is_error(error, code, text=None):
    return error is not None and error.code() == code and (text is None or text in error.details())


def list_all(entry, entry_pb2, page_size, **kwargs):
    """Every entry, page by page, as spire-controller-manager lists them; returns the entries and the page count."""
    entries, token, pages = [], "", 0
    while True:
        response = entry.ListEntries(entry_pb2.ListEntriesRequest(page_size=page_size, page_token=token, **kwargs))
        entries += response.entries
        pages += 1
        token = response.next_page_token
        if not token:
            return entries, pages


def make_ca(name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER), key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def csr_for(uris, dns=()):
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.UniformResourceIdentifier(u) for u in uris] + [x509.DNSName(d) for d in dns]
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([]))
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_es256(token, jwt_authorities):
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(b64url(header_b64))
    key = next((a for a in jwt_authorities if a.key_id == header["kid"]), None)
    if key is None:
        return None
    public = serialization.load_der_public_key(key.public_key)
    signature = b64url(signature_b64)
    half = len(signature) // 2
    public.verify(encode_dss_signature(int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")),
                  f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
    return json.loads(b64url(claims_b64))


def reconcile(channel, workload_socket, agent_id):
    """The calls of a spire-controller-manager reconcile, in its order, and the entry reaching a workload."""
    from spire.api.server.bundle.v1 import bundle_pb2, bundle_pb2_grpc
    from spire.api.server.entry.v1 import entry_pb2, entry_pb2_grpc
    from spire.api.types import entry_pb2 as types_entry, selector_pb2
    from google.protobuf import wrappers_pb2

    entry = entry_pb2_grpc.EntryStub(channel)
    bundle = bundle_pb2_grpc.BundleStub(channel).GetBundle(bundle_pb2.GetBundleRequest())
    check("GetBundle: the trust domain and its X.509 authorities", bundle.trust_domain == TD and len(bundle.x509_authorities) >= 1, bundle.trust_domain)
    roots = [x509.load_der_x509_certificate(a.asn1) for a in bundle.x509_authorities]
    check("GetBundle: the authorities are CA certificates of the trust domain",
          all(r.extensions.get_extension_for_class(x509.BasicConstraints).value.ca for r in roots) and uri_sans(roots[0]) == [f"spiffe://{TD}"],
          [uri_sans(r) for r in roots])
    check("GetBundle: JWT authorities are PKIX keys with key IDs",
          len(bundle.jwt_authorities) >= 1 and all(a.key_id and serialization.load_der_public_key(a.public_key) for a in bundle.jwt_authorities))
    from spire.api.types import bundle_pb2 as types_bundle
    masked = bundle_pb2_grpc.BundleStub(channel).GetBundle(bundle_pb2.GetBundleRequest(output_mask=types_bundle.BundleMask(jwt_authorities=True)))
    check("GetBundle with an output mask: only the JWT authorities", len(masked.x509_authorities) == 0 and len(masked.jwt_authorities) >= 1)

    parent = sid(agent_id.split(TD, 1)[1])
    uid = os.getuid()
    before, _ = list_all(entry, entry_pb2, 2)

    def new(path, selectors, **fields):
        return types_entry.Entry(spiffe_id=sid(path), parent_id=parent,
                                 selectors=[selector_pb2.Selector(type=t, value=v) for t, v in selectors], **fields)

    batch = [
        new("/cm/web", [("unix", f"uid:{uid}")], hint="web", x509_svid_ttl=600),
        new("/cm/db", [("unix", "uid:4301")], downstream=True),
        new("/cm/web", [("unix", f"uid:{uid}")]),  # a duplicate of the first
        new("/cm/bad", []),  # no selectors
        types_entry.Entry(id="custom-id-1", spiffe_id=sid("/cm/custom"), parent_id=parent, selectors=[selector_pb2.Selector(type="unix", value="uid:4302")]),
    ]
    created = entry.BatchCreateEntry(entry_pb2.BatchCreateEntryRequest(entries=batch)).results
    codes = [r.status.code for r in created]
    check("BatchCreateEntry: one status per entry, in order (OK, OK, ALREADY_EXISTS, INVALID_ARGUMENT, OK)",
          codes == [0, 0, grpc.StatusCode.ALREADY_EXISTS.value[0], grpc.StatusCode.INVALID_ARGUMENT.value[0], 0],
          [(r.status.code, r.status.message) for r in created])
    web, db = created[0].entry, created[1].entry
    check("... created entries carry IDs, revision 0, created_at and every field", web.id and web.revision_number == 0 and web.created_at > 0
          and web.hint == "web" and web.x509_svid_ttl == 600 and spiffe_id(web.spiffe_id) == f"spiffe://{TD}/cm/web", web)
    check("... the duplicate says 'similar entry already exists' and returns the existing entry",
          created[2].status.message == "similar entry already exists" and created[2].entry.id == web.id, created[2])
    check("... the invalid entry's message names the problem", created[3].status.message.startswith("failed to convert entry: ")
          and "selector" in created[3].status.message and not created[3].HasField("entry"), created[3].status.message)
    check("... a caller-chosen entry ID is kept", created[4].entry.id == "custom-id-1", created[4].entry.id)

    after, pages = list_all(entry, entry_pb2, 2)
    check("ListEntries in pages of 2: every entry exactly once", sorted(e.id for e in after) == sorted([e.id for e in before] + [web.id, db.id, "custom-id-1"])
          and len({e.id for e in after}) == len(after) and pages >= 2, (len(after), pages))
    ids_only = entry.ListEntries(entry_pb2.ListEntriesRequest(output_mask=types_entry.EntryMask(spiffe_id=True))).entries
    check("ListEntries with an output mask: IDs and SPIFFE IDs only", all(e.id and e.HasField("spiffe_id") and not e.HasField("parent_id")
          and not e.selectors and e.revision_number == 0 for e in ids_only) and len(ids_only) == len(after))
    check("CountEntries agrees", entry.CountEntries(entry_pb2.CountEntriesRequest()).count == len(after))

    def filtered(**kwargs):
        return sorted(spiffe_id(e.spiffe_id) for e in entry.ListEntries(entry_pb2.ListEntriesRequest(filter=entry_pb2.ListEntriesRequest.Filter(**kwargs))).entries)
    check("filter by_spiffe_id", filtered(by_spiffe_id=sid("/cm/db")) == [f"spiffe://{TD}/cm/db"])
    check("filter by_hint", filtered(by_hint=wrappers_pb2.StringValue(value="web")) == [f"spiffe://{TD}/cm/web"])
    check("filter by_downstream", filtered(by_downstream=wrappers_pb2.BoolValue(value=True)) == [f"spiffe://{TD}/cm/db"])
    check("filter by_downstream false filters nothing, as SPIRE's datastore (its CLI always sends it)",
          len(filtered(by_downstream=wrappers_pb2.BoolValue(value=False))) == len(after))
    check("filter by_selectors (superset)", filtered(by_selectors=selector_pb2.SelectorMatch(
        selectors=[selector_pb2.Selector(type="unix", value="uid:4301")], match=selector_pb2.SelectorMatch.MATCH_SUPERSET)) == [f"spiffe://{TD}/cm/db"])
    check("filter by_parent_id and count by_parent_id", entry.CountEntries(entry_pb2.CountEntriesRequest(
        filter=entry_pb2.CountEntriesRequest.Filter(by_parent_id=parent))).count == len([e for e in after if spiffe_id(e.parent_id) == agent_id]))
    empty = error_of(lambda: entry.ListEntries(entry_pb2.ListEntriesRequest(filter=entry_pb2.ListEntriesRequest.Filter(by_selectors=selector_pb2.SelectorMatch()))))
    check("an empty selector filter is INVALID_ARGUMENT", is_error(empty, grpc.StatusCode.INVALID_ARGUMENT, "malformed selectors filter: empty selector set"), empty)

    # BatchUpdateEntry with an input mask: only DNS names change; the selectors the request leaves out are kept.
    update = types_entry.Entry(id=web.id, dns_names=["web.example.org"], hint="ignored: not in the mask")
    updated = entry.BatchUpdateEntry(entry_pb2.BatchUpdateEntryRequest(entries=[update], input_mask=types_entry.EntryMask(dns_names=True))).results
    stored = entry.GetEntry(entry_pb2.GetEntryRequest(id=web.id))
    check("BatchUpdateEntry with input_mask {dns_names}: OK, revision 1, only the DNS names changed",
          updated[0].status.code == 0 and stored.revision_number == 1 and list(stored.dns_names) == ["web.example.org"]
          and stored.hint == "web" and len(stored.selectors) == 1 and stored.x509_svid_ttl == 600, (updated[0].status, stored))
    nothing = entry.BatchUpdateEntry(entry_pb2.BatchUpdateEntryRequest(entries=[update], input_mask=types_entry.EntryMask())).results
    check("an input mask that names nothing: INVALID_ARGUMENT per item, nothing written",
          nothing[0].status.code == grpc.StatusCode.INVALID_ARGUMENT.value[0] and "input_mask names no field" in nothing[0].status.message
          and entry.GetEntry(entry_pb2.GetEntryRequest(id=web.id)).revision_number == 1, nothing[0].status)
    missing = entry.BatchUpdateEntry(entry_pb2.BatchUpdateEntryRequest(entries=[types_entry.Entry(id="no-such-entry", hint="x")],
                                                                     input_mask=types_entry.EntryMask(hint=True))).results
    check("updating a missing entry: NOT_FOUND per item", missing[0].status.code == grpc.StatusCode.NOT_FOUND.value[0], missing[0].status)
    # SPIRE's additional attributes are stored and returned; masked updates change them alone.
    attributes = types_entry.Entry.AdditionalAttributes(jwt_svid_include_jti=True, disable_x509_svid_prefetch=True)
    set_attributes = entry.BatchUpdateEntry(entry_pb2.BatchUpdateEntryRequest(entries=[types_entry.Entry(id=web.id, additional_attributes=attributes)],
                                                                            input_mask=types_entry.EntryMask(additional_attributes=True))).results
    stored = entry.GetEntry(entry_pb2.GetEntryRequest(id=web.id))
    check("BatchUpdateEntry of additional_attributes: both stored and returned, nothing else changed",
          set_attributes[0].status.code == 0 and stored.HasField("additional_attributes") and stored.additional_attributes.jwt_svid_include_jti
          and stored.additional_attributes.disable_x509_svid_prefetch and list(stored.dns_names) == ["web.example.org"], (set_attributes[0].status, stored))
    cleared = entry.BatchUpdateEntry(entry_pb2.BatchUpdateEntryRequest(entries=[types_entry.Entry(id=web.id)],
                                                                     input_mask=types_entry.EntryMask(additional_attributes=True))).results
    stored = entry.GetEntry(entry_pb2.GetEntryRequest(id=web.id))
    check("... and an update without them clears both (an entry without attributes sends none, as SPIRE's)",
          cleared[0].status.code == 0 and not stored.HasField("additional_attributes"), (cleared[0].status, stored))

    deleted = entry.BatchDeleteEntry(entry_pb2.BatchDeleteEntryRequest(ids=[db.id, "no-such-entry", ""])).results
    check("BatchDeleteEntry: OK, NOT_FOUND 'entry not found', INVALID_ARGUMENT 'missing entry ID'",
          [(r.id, r.status.code, r.status.message) for r in deleted] == [(db.id, 0, "OK"), ("no-such-entry", 5, "entry not found"), ("", 3, "missing entry ID")],
          [(r.id, r.status.code, r.status.message) for r in deleted])
    gone = error_of(lambda: entry.GetEntry(entry_pb2.GetEntryRequest(id=db.id)))
    check("GetEntry of the deleted entry: NOT_FOUND 'entry not found'", is_error(gone, grpc.StatusCode.NOT_FOUND, "entry not found"), gone)
    bad_token = error_of(lambda: entry.ListEntries(entry_pb2.ListEntriesRequest(page_size=2, page_token="not-a-token")))
    check("a page token that is not ours: INVALID_ARGUMENT 'could not parse token'", is_error(bad_token, grpc.StatusCode.INVALID_ARGUMENT, "could not parse token"), bad_token)

    # The entry reaches the workload, with the DNS name of the update.
    from spiffe import WorkloadApiClient
    deadline, names = time.time() + 20, None
    with WorkloadApiClient(socket_path="unix://" + workload_socket) as client:
        while time.time() < deadline:
            svids = [s for s in client.fetch_x509_svids() if str(s.spiffe_id) == f"spiffe://{TD}/cm/web"]
            names = svids and dns_sans(svids[0].leaf)
            if names == ["web.example.org"]:
                break
            time.sleep(0.2)
    check("the created and updated entry reaches the workload through the agent (py-spiffe), with the new DNS name", names == ["web.example.org"], names)
    return web.id


def agents(channel, agent_id):
    from spire.api.server.agent.v1 import agent_pb2, agent_pb2_grpc
    from spire.api.types import agent_pb2 as types_agent
    from google.protobuf import wrappers_pb2

    agent = agent_pb2_grpc.AgentStub(channel)
    listed = agent.ListAgents(agent_pb2.ListAgentsRequest()).agents
    check("ListAgents: the attested agent, by join token, with its SVID serial and expiry",
          [spiffe_id(a.id) for a in listed] == [agent_id] and listed[0].attestation_type == "join_token"
          and listed[0].x509svid_serial_number and listed[0].x509svid_expires_at > time.time(), listed)
    got = agent.GetAgent(agent_pb2.GetAgentRequest(id=listed[0].id, output_mask=types_agent.AgentMask(attestation_type=True)))
    check("GetAgent with an output mask", got.attestation_type == "join_token" and not got.x509svid_serial_number and spiffe_id(got.id) == agent_id, got)
    check("CountAgents by attestation type and by banned",
          agent.CountAgents(agent_pb2.CountAgentsRequest(filter=agent_pb2.CountAgentsRequest.Filter(by_attestation_type="join_token"))).count == 1
          and agent.CountAgents(agent_pb2.CountAgentsRequest(filter=agent_pb2.CountAgentsRequest.Filter(by_banned=wrappers_pb2.BoolValue(value=True)))).count == 0)
    token = agent.CreateJoinToken(agent_pb2.CreateJoinTokenRequest(ttl=600))
    check("CreateJoinToken: a value and an expiry 600 s ahead", len(token.value) == 36 and abs(token.expires_at - time.time() - 600) < 30, token)
    chosen = agent.CreateJoinToken(agent_pb2.CreateJoinTokenRequest(ttl=60, token="chosen-token", agent_id=sid("/node/alias")))
    check("CreateJoinToken with a chosen token and an alias", chosen.value == "chosen-token", chosen)
    no_ttl = error_of(lambda: agent.CreateJoinToken(agent_pb2.CreateJoinTokenRequest()))
    check("CreateJoinToken without ttl: INVALID_ARGUMENT 'ttl is required, you must provide one'",
          is_error(no_ttl, grpc.StatusCode.INVALID_ARGUMENT, "ttl is required, you must provide one"), no_ttl)
    for name, call in (("GetAgent", agent.GetAgent), ("DeleteAgent", agent.DeleteAgent), ("BanAgent", agent.BanAgent)):
        request = {"GetAgent": agent_pb2.GetAgentRequest, "DeleteAgent": agent_pb2.DeleteAgentRequest, "BanAgent": agent_pb2.BanAgentRequest}[name]
        missing = error_of(lambda: call(request(id=sid("/spire/agent/join_token/nobody"))))
        check(f"{name} of an unknown agent: NOT_FOUND 'agent not found'", is_error(missing, grpc.StatusCode.NOT_FOUND, "agent not found"), missing)


def bundles(channel, web_id):
    from spire.api.server.bundle.v1 import bundle_pb2, bundle_pb2_grpc
    from spire.api.server.entry.v1 import entry_pb2, entry_pb2_grpc
    from spire.api.types import bundle_pb2 as types_bundle, entry_pb2 as types_entry, selector_pb2

    stub = bundle_pb2_grpc.BundleStub(channel)
    entry = entry_pb2_grpc.EntryStub(channel)
    cert, jwt_key = make_ca("other.org CA")

    def federated(td, refresh_hint=300):
        return types_bundle.Bundle(trust_domain=td, x509_authorities=[types_bundle.X509Certificate(asn1=cert)],
                                   jwt_authorities=[types_bundle.JWTKey(key_id="other-key", public_key=jwt_key)],
                                   refresh_hint=refresh_hint, sequence_number=7)

    created = stub.BatchCreateFederatedBundle(bundle_pb2.BatchCreateFederatedBundleRequest(
        bundle=[federated("other.org"), federated("other.org"), federated(TD), types_bundle.Bundle(trust_domain="bad.org", x509_authorities=[types_bundle.X509Certificate(asn1=b"junk")])])).results
    check("BatchCreateFederatedBundle: OK, ALREADY_EXISTS, own trust domain refused, garbage refused",
          [r.status.code for r in created] == [0, 6, 3, 3] and created[1].status.message == "bundle already exists"
          and created[2].status.message == "creating a federated bundle for the server's own trust domain is not allowed"
          and created[3].status.message.startswith("failed to convert bundle: "), [(r.status.code, r.status.message) for r in created])
    got = stub.GetFederatedBundle(bundle_pb2.GetFederatedBundleRequest(trust_domain="other.org"))
    check("GetFederatedBundle: the certificate and JWT key as given", [a.asn1 for a in got.x509_authorities] == [cert]
          and [(k.key_id, k.public_key) for k in got.jwt_authorities] == [("other-key", jwt_key)] and got.refresh_hint == 300 and got.sequence_number == 7, got)
    updated = stub.BatchUpdateFederatedBundle(bundle_pb2.BatchUpdateFederatedBundleRequest(
        bundle=[types_bundle.Bundle(trust_domain="other.org", refresh_hint=60)], input_mask=types_bundle.BundleMask(refresh_hint=True))).results
    got = stub.GetFederatedBundle(bundle_pb2.GetFederatedBundleRequest(trust_domain="other.org"))
    check("BatchUpdateFederatedBundle with input_mask {refresh_hint}: only the hint changes",
          updated[0].status.code == 0 and got.refresh_hint == 60 and [a.asn1 for a in got.x509_authorities] == [cert], (updated[0].status, got.refresh_hint))
    set_results = stub.BatchSetFederatedBundle(bundle_pb2.BatchSetFederatedBundleRequest(bundle=[federated("third.org"), federated("other.org", 90)])).results
    check("BatchSetFederatedBundle creates and replaces", [r.status.code for r in set_results] == [0, 0]
          and stub.GetFederatedBundle(bundle_pb2.GetFederatedBundleRequest(trust_domain="other.org")).refresh_hint == 90)
    listed = []
    token = ""
    while True:
        page = stub.ListFederatedBundles(bundle_pb2.ListFederatedBundlesRequest(page_size=1, page_token=token))
        listed += [b.trust_domain for b in page.bundles]
        token = page.next_page_token
        if not token:
            break
    check("ListFederatedBundles in pages of 1: the federated bundles, not the own one", sorted(listed) == ["other.org", "third.org"], listed)
    check("CountBundles counts the own bundle too", stub.CountBundles(bundle_pb2.CountBundlesRequest()).count == 3)

    # Entries federating with other.org and third.org, then each delete mode.
    entry.BatchUpdateEntry(entry_pb2.BatchUpdateEntryRequest(entries=[types_entry.Entry(id=web_id, federates_with=["other.org"])],
                                                             input_mask=types_entry.EntryMask(federates_with=True)))
    restricted = stub.BatchDeleteFederatedBundle(bundle_pb2.BatchDeleteFederatedBundleRequest(trust_domains=["other.org"])).results
    check("BatchDeleteFederatedBundle RESTRICT while an entry federates: FAILED_PRECONDITION, bundle kept",
          restricted[0].status.code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
          and stub.GetFederatedBundle(bundle_pb2.GetFederatedBundleRequest(trust_domain="other.org")).trust_domain == "other.org", restricted[0].status)
    dissociated = stub.BatchDeleteFederatedBundle(bundle_pb2.BatchDeleteFederatedBundleRequest(
        trust_domains=["other.org"], mode=bundle_pb2.BatchDeleteFederatedBundleRequest.DISSOCIATE)).results
    check("DISSOCIATE: deleted, and the entry no longer federates with it", dissociated[0].status.code == 0
          and list(entry.GetEntry(entry_pb2.GetEntryRequest(id=web_id)).federates_with) == [], dissociated[0].status)
    doomed = entry.BatchCreateEntry(entry_pb2.BatchCreateEntryRequest(entries=[types_entry.Entry(
        spiffe_id=sid("/cm/federated"), parent_id=sid("/spire/server"), selectors=[selector_pb2.Selector(type="unix", value="uid:4303")],
        federates_with=["third.org"])])).results[0]
    removed = stub.BatchDeleteFederatedBundle(bundle_pb2.BatchDeleteFederatedBundleRequest(
        trust_domains=["third.org", "nowhere.org", TD], mode=bundle_pb2.BatchDeleteFederatedBundleRequest.DELETE)).results
    gone = error_of(lambda: entry.GetEntry(entry_pb2.GetEntryRequest(id=doomed.entry.id)))
    check("DELETE: deleted with its entries; an unknown bundle is NOT_FOUND; the own one is refused",
          [r.status.code for r in removed] == [0, 5, 3] and is_error(gone, grpc.StatusCode.NOT_FOUND), ([(r.status.code, r.status.message) for r in removed], doomed.status))


def svids(channel):
    from spire.api.server.bundle.v1 import bundle_pb2, bundle_pb2_grpc
    from spire.api.server.svid.v1 import svid_pb2, svid_pb2_grpc

    stub = svid_pb2_grpc.SVIDStub(channel)
    bundle = bundle_pb2_grpc.BundleStub(channel).GetBundle(bundle_pb2.GetBundleRequest())
    minted = stub.MintX509SVID(svid_pb2.MintX509SVIDRequest(csr=csr_for([f"spiffe://{TD}/minted"], ["minted.example.org"]), ttl=300)).svid
    leaf = x509.load_der_x509_certificate(minted.cert_chain[0])
    roots = [x509.load_der_x509_certificate(a.asn1) for a in bundle.x509_authorities]
    issuer = ([x509.load_der_x509_certificate(c) for c in minted.cert_chain[1:]] + roots)
    check("MintX509SVID: the CSR's SPIFFE ID and DNS name, the requested TTL, signed by the trust domain",
          spiffe_id(minted.id) == f"spiffe://{TD}/minted" and uri_sans(leaf) == [f"spiffe://{TD}/minted"] and dns_sans(leaf) == ["minted.example.org"]
          and abs(minted.expires_at - time.time() - 300) < 30 and any(leaf.issuer == c.subject for c in issuer), minted)
    for label, csr, text in (("no CSR", b"", "missing CSR"), ("a malformed CSR", b"junk", "malformed CSR"),
                             ("a CSR without a URI SAN", csr_for([]), "CSR URI SAN is required"),
                             ("a CSR with two URI SANs", csr_for([f"spiffe://{TD}/a", f"spiffe://{TD}/b"]), "only one URI SAN is expected"),
                             ("a CSR of another trust domain", csr_for(["spiffe://other.org/x"]), "CSR URI SAN is invalid")):
        error = error_of(lambda: stub.MintX509SVID(svid_pb2.MintX509SVIDRequest(csr=csr)))
        check(f"MintX509SVID with {label}: INVALID_ARGUMENT '{text}'", is_error(error, grpc.StatusCode.INVALID_ARGUMENT, text), error)
    jwt = stub.MintJWTSVID(svid_pb2.MintJWTSVIDRequest(id=sid("/minted"), audience=["aud-1"], ttl=120)).svid
    claims = verify_es256(jwt.token, bundle.jwt_authorities)
    check("MintJWTSVID: a token signed by a key of GetBundle, with sub and aud, and its times",
          claims is not None and claims["sub"] == f"spiffe://{TD}/minted" and claims["aud"] in (["aud-1"], "aud-1")
          and jwt.expires_at == claims["exp"] and jwt.issued_at == claims.get("iat") and spiffe_id(jwt.id) == f"spiffe://{TD}/minted", (claims, jwt))
    no_audience = error_of(lambda: stub.MintJWTSVID(svid_pb2.MintJWTSVIDRequest(id=sid("/minted"))))
    check("MintJWTSVID without an audience: INVALID_ARGUMENT", is_error(no_audience, grpc.StatusCode.INVALID_ARGUMENT, "at least one audience is required"), no_audience)


def debug(channel):
    from spire.api.server.debug.v1 import debug_pb2, debug_pb2_grpc
    from spire.api.server.agent.v1 import agent_pb2, agent_pb2_grpc
    from spire.api.server.entry.v1 import entry_pb2, entry_pb2_grpc

    info = debug_pb2_grpc.DebugStub(channel).GetInfo(debug_pb2.GetInfoRequest())
    entries = entry_pb2_grpc.EntryStub(channel).CountEntries(entry_pb2.CountEntriesRequest()).count
    agents = agent_pb2_grpc.AgentStub(channel).CountAgents(agent_pb2.CountAgentsRequest()).count
    check("Debug GetInfo: the server's SVID chain up to the root, and the counts",
          len(info.svid_chain) >= 2 and spiffe_id(info.svid_chain[0].id) == f"spiffe://{TD}/spire/server" and spiffe_id(info.svid_chain[-1].id) == f"spiffe://{TD}"
          and info.entries_count == entries and info.agents_count == agents and info.federated_bundles_count == 0 and info.uptime >= 0, info)


def logger(channel):
    from spire.api.server.logger.v1 import logger_pb2, logger_pb2_grpc
    from spire.api.types import logger_pb2 as types_logger

    stub = logger_pb2_grpc.LoggerStub(channel)
    launch = stub.GetLogger(logger_pb2.GetLoggerRequest())
    check("Logger GetLogger: current and launch levels", launch.current_level == launch.launch_level != types_logger.UNSPECIFIED, launch)
    changed = stub.SetLogLevel(logger_pb2.SetLogLevelRequest(new_level=types_logger.TRACE))
    check("Logger SetLogLevel TRACE", changed.current_level == types_logger.TRACE and changed.launch_level == launch.launch_level, changed)
    unspecified = error_of(lambda: stub.SetLogLevel(logger_pb2.SetLogLevelRequest()))
    check("Logger SetLogLevel without a level: INVALID_ARGUMENT", is_error(unspecified, grpc.StatusCode.INVALID_ARGUMENT, "LogLevel_UNSPECIFIED"), unspecified)
    reset = stub.ResetLogLevel(logger_pb2.ResetLogLevelRequest())
    check("Logger ResetLogLevel: back to the launch level", reset.current_level == launch.launch_level, reset)


def health(channel, channel_target):
    """grpc.health.v1 at the wire level (its proto is not part of SPIRE's SDK): field 1 of the request is the service
    name, field 1 of the response the status (1 SERVING)."""
    check_call = channel.unary_unary("/grpc.health.v1.Health/Check", request_serializer=bytes, response_deserializer=bytes)
    check("grpc.health.v1 Check of the server: SERVING", check_call(b"") == b"\x08\x01", check_call(b""))
    unknown = error_of(lambda: check_call(b"\x0a\x07nothing"))
    check("grpc.health.v1 Check of an unknown service: NOT_FOUND", is_error(unknown, grpc.StatusCode.NOT_FOUND, "unknown service"), unknown)
    # Its own connection: cancelling it must not disturb the calls that follow on the shared one.
    with grpc.insecure_channel(channel_target) as own:
        watch = own.unary_stream("/grpc.health.v1.Health/Watch", request_serializer=bytes, response_deserializer=bytes)(b"")
        check("grpc.health.v1 Watch: SERVING first", next(watch) == b"\x08\x01")
        watch.cancel()


def refused(channel):
    """SPIRE's authorization table: what only agents and downstream servers may call is refused to local callers."""
    from spire.api.server.agent.v1 import agent_pb2, agent_pb2_grpc
    from spire.api.server.bundle.v1 import bundle_pb2, bundle_pb2_grpc
    from spire.api.server.entry.v1 import entry_pb2, entry_pb2_grpc
    from spire.api.server.svid.v1 import svid_pb2, svid_pb2_grpc

    entry, agent = entry_pb2_grpc.EntryStub(channel), agent_pb2_grpc.AgentStub(channel)
    svid, bundle = svid_pb2_grpc.SVIDStub(channel), bundle_pb2_grpc.BundleStub(channel)
    calls = {
        "/spire.api.server.entry.v1.Entry/GetAuthorizedEntries": lambda: entry.GetAuthorizedEntries(entry_pb2.GetAuthorizedEntriesRequest()),
        "/spire.api.server.entry.v1.Entry/SyncAuthorizedEntries": lambda: list(entry.SyncAuthorizedEntries(iter([entry_pb2.SyncAuthorizedEntriesRequest()]))),
        "/spire.api.server.agent.v1.Agent/RenewAgent": lambda: agent.RenewAgent(agent_pb2.RenewAgentRequest()),
        "/spire.api.server.agent.v1.Agent/PostStatus": lambda: agent.PostStatus(agent_pb2.PostStatusRequest()),
        "/spire.api.server.svid.v1.SVID/BatchNewX509SVID": lambda: svid.BatchNewX509SVID(svid_pb2.BatchNewX509SVIDRequest()),
        "/spire.api.server.svid.v1.SVID/NewJWTSVID": lambda: svid.NewJWTSVID(svid_pb2.NewJWTSVIDRequest()),
        "/spire.api.server.svid.v1.SVID/NewDownstreamX509CA": lambda: svid.NewDownstreamX509CA(svid_pb2.NewDownstreamX509CARequest()),
        "/spire.api.server.bundle.v1.Bundle/PublishJWTAuthority": lambda: bundle.PublishJWTAuthority(bundle_pb2.PublishJWTAuthorityRequest()),
    }
    for method, call in calls.items():
        error = error_of(call)
        check(f"{method} on the admin socket: PERMISSION_DENIED", is_error(error, grpc.StatusCode.PERMISSION_DENIED, f"authorization denied for method {method}"),
              error and f"{error.code()}: {error.details()}")


def federation(channel):
    """The TrustDomain API as spire-controller-manager's ClusterFederatedTrustDomain reconcile drives it."""
    from spire.api.server.bundle.v1 import bundle_pb2, bundle_pb2_grpc
    from spire.api.server.trustdomain.v1 import trustdomain_pb2 as td_pb2, trustdomain_pb2_grpc
    from spire.api.types import bundle_pb2 as types_bundle, federationrelationship_pb2 as fr

    stub = trustdomain_pb2_grpc.TrustDomainStub(channel)
    listed = stub.ListFederationRelationships(td_pb2.ListFederationRelationshipsRequest())
    check("ListFederationRelationships: none stored yet", list(listed.federation_relationships) == [] and listed.next_page_token == "", listed)
    cert, _ = make_ca("peer.test CA")
    web = fr.FederationRelationship(trust_domain="web.test", bundle_endpoint_url="https://web.test/bundle", https_web=fr.HTTPSWebProfile())
    peer_bundle = types_bundle.Bundle(trust_domain="peer.test", x509_authorities=[types_bundle.X509Certificate(asn1=cert)], sequence_number=3)
    spiffe = fr.FederationRelationship(trust_domain="peer.test", bundle_endpoint_url="https://127.0.0.1:1/",
                                       https_spiffe=fr.HTTPSSPIFFEProfile(endpoint_spiffe_id="spiffe://peer.test/spire/server"),
                                       trust_domain_bundle=peer_bundle)
    own = fr.FederationRelationship(trust_domain=TD, bundle_endpoint_url="https://x.test/", https_web=fr.HTTPSWebProfile())
    plain = fr.FederationRelationship(trust_domain="plain.test", bundle_endpoint_url="http://plain.test/", https_web=fr.HTTPSWebProfile())
    mismatched = fr.FederationRelationship(trust_domain="third.test", bundle_endpoint_url="https://third.test/", https_web=fr.HTTPSWebProfile(),
                                           trust_domain_bundle=types_bundle.Bundle(trust_domain="peer.test", x509_authorities=[types_bundle.X509Certificate(asn1=cert)]))
    no_profile = fr.FederationRelationship(trust_domain="noprofile.test", bundle_endpoint_url="https://noprofile.test/")
    created = stub.BatchCreateFederationRelationship(td_pb2.BatchCreateFederationRelationshipRequest(
        federation_relationships=[web, spiffe, web, own, plain, mismatched, no_profile])).results
    codes = [(r.status.code, r.status.message) for r in created]
    check("BatchCreateFederationRelationship: OK, OK, ALREADY_EXISTS, own trust domain, http URL, mismatched bundle and no profile refused",
          [c for c, _ in codes] == [0, 0, 6, 3, 3, 3, 3]
          and codes[3][1] == "unable to create federation relationship for server trust domain"
          and codes[4][1].startswith("failed to convert federation relationship: bundle endpoint URL must use the https scheme")
          and "must match the trust domain of the federation relationship" in codes[5][1], codes)
    check("BatchCreateFederationRelationship: the created relationship is returned with its bundle",
          created[1].federation_relationship.https_spiffe.endpoint_spiffe_id == "spiffe://peer.test/spire/server"
          and created[1].federation_relationship.trust_domain_bundle.x509_authorities[0].asn1 == cert, created[1])

    got = stub.GetFederationRelationship(td_pb2.GetFederationRelationshipRequest(trust_domain="peer.test"))
    check("GetFederationRelationship: profile, URL and the bundle stored with it",
          got.WhichOneof("bundle_endpoint_profile") == "https_spiffe" and got.bundle_endpoint_url == "https://127.0.0.1:1/"
          and got.trust_domain_bundle.sequence_number == 3 and got.trust_domain_bundle.x509_authorities[0].asn1 == cert, got)
    masked = stub.GetFederationRelationship(td_pb2.GetFederationRelationshipRequest(
        trust_domain="spiffe://peer.test", output_mask=fr.FederationRelationshipMask(bundle_endpoint_url=True)))
    check("GetFederationRelationship with an output mask: the trust domain and the URL only",
          masked.trust_domain == "peer.test" and masked.bundle_endpoint_url and masked.WhichOneof("bundle_endpoint_profile") is None
          and not masked.HasField("trust_domain_bundle"), masked)
    missing = error_of(lambda: stub.GetFederationRelationship(td_pb2.GetFederationRelationshipRequest(trust_domain="nope.test")))
    check("GetFederationRelationship of an unknown trust domain: NOT_FOUND 'federation relationship does not exist'",
          is_error(missing, grpc.StatusCode.NOT_FOUND, "federation relationship does not exist"), missing)

    names, token, pages = [], "", 0
    while True:
        page = stub.ListFederationRelationships(td_pb2.ListFederationRelationshipsRequest(page_size=1, page_token=token))
        names += [r.trust_domain for r in page.federation_relationships]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    check("ListFederationRelationships paged by one: both relationships, in trust domain order", names == ["peer.test", "web.test"], (names, pages))
    bad_token = error_of(lambda: stub.ListFederationRelationships(td_pb2.ListFederationRelationshipsRequest(page_size=1, page_token="not-a-token")))
    check("ListFederationRelationships with a page token that is not ours: INVALID_ARGUMENT", is_error(bad_token, grpc.StatusCode.INVALID_ARGUMENT, "could not parse token"), bad_token)

    moved = fr.FederationRelationship(trust_domain="web.test", bundle_endpoint_url="https://moved.test/bundle",
                                      https_spiffe=fr.HTTPSSPIFFEProfile(endpoint_spiffe_id="spiffe://web.test/x"))
    ghost = fr.FederationRelationship(trust_domain="ghost.test", bundle_endpoint_url="https://ghost.test/", https_web=fr.HTTPSWebProfile())
    updated = stub.BatchUpdateFederationRelationship(td_pb2.BatchUpdateFederationRelationshipRequest(
        federation_relationships=[moved, ghost], input_mask=fr.FederationRelationshipMask(bundle_endpoint_url=True))).results
    check("BatchUpdateFederationRelationship with an input mask: only the URL changes; an unknown trust domain is NOT_FOUND",
          [r.status.code for r in updated] == [0, 5] and updated[0].federation_relationship.bundle_endpoint_url == "https://moved.test/bundle"
          and updated[0].federation_relationship.WhichOneof("bundle_endpoint_profile") == "https_web", [(r.status.code, r.status.message) for r in updated])

    unreachable = error_of(lambda: stub.RefreshBundle(td_pb2.RefreshBundleRequest(trust_domain="peer.test")))
    check("RefreshBundle of an unreachable endpoint: INTERNAL 'failed to refresh bundle', the stored bundle kept",
          is_error(unreachable, grpc.StatusCode.INTERNAL, "failed to refresh bundle")
          and bundle_pb2_grpc.BundleStub(channel).GetFederatedBundle(bundle_pb2.GetFederatedBundleRequest(trust_domain="peer.test")).sequence_number == 3, unreachable)
    unknown = error_of(lambda: stub.RefreshBundle(td_pb2.RefreshBundleRequest(trust_domain="nope.test")))
    check("RefreshBundle without a relationship: NOT_FOUND", is_error(unknown, grpc.StatusCode.NOT_FOUND, 'no relationship with trust domain "nope.test"'), unknown)

    deleted = stub.BatchDeleteFederationRelationship(td_pb2.BatchDeleteFederationRelationshipRequest(
        trust_domains=["web.test", "spiffe://peer.test", "nope.test", "", "Bad.test"])).results
    check("BatchDeleteFederationRelationship: OK, OK (ID form, answered as a name), NOT_FOUND, missing, malformed",
          [(r.trust_domain, r.status.code) for r in deleted] == [("web.test", 0), ("peer.test", 0), ("nope.test", 5), ("", 3), ("Bad.test", 3)]
          and deleted[2].status.message == "federation relationship not found" and deleted[3].status.message == "missing trust domain",
          [(r.trust_domain, r.status.code, r.status.message) for r in deleted])
    kept = bundle_pb2_grpc.BundleStub(channel).GetFederatedBundle(bundle_pb2.GetFederatedBundleRequest(trust_domain="peer.test"))
    check("a deleted relationship's bundle is kept, as in SPIRE", kept.x509_authorities[0].asn1 == cert, kept)
    bundle_pb2_grpc.BundleStub(channel).BatchDeleteFederatedBundle(bundle_pb2.BatchDeleteFederatedBundleRequest(trust_domains=["peer.test"]))


def local_authority(channel):
    """Forced rotation through the LocalAuthority API: prepare, activate, taint (GetBundle marks it), revoke (gone from
    GetBundle), for the X.509 CA and the JWT key; SPIRE's refusals for a wrong ID, an untainted revoke and an upstream
    call without an upstream; WIT answered Unimplemented as SPIRE does."""
    from spire.api.server.localauthority.v1 import localauthority_pb2 as la, localauthority_pb2_grpc
    from spire.api.server.bundle.v1 import bundle_pb2, bundle_pb2_grpc

    stub = localauthority_pb2_grpc.LocalAuthorityStub(channel)
    bundles = bundle_pb2_grpc.BundleStub(channel)

    def skid(der):
        return x509.load_der_x509_certificate(der).extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex()

    def x509_marks():
        return {skid(authority.asn1): authority.tainted for authority in bundles.GetBundle(bundle_pb2.GetBundleRequest()).x509_authorities}

    state = stub.GetX509AuthorityState(la.GetX509AuthorityStateRequest())
    old = state.active.authority_id
    check("LocalAuthority GetX509AuthorityState: the active authority is named by the CA's subject key ID in the bundle",
          old in x509_marks() and state.active.expires_at > time.time() and state.active.upstream_authority_subject_key_id == "", state)
    prepared = stub.PrepareX509Authority(la.PrepareX509AuthorityRequest()).prepared_authority
    check("LocalAuthority PrepareX509Authority: a new authority, published", prepared.authority_id not in ("", old) and prepared.authority_id in x509_marks(), prepared)
    wrong = error_of(lambda: stub.ActivateX509Authority(la.ActivateX509AuthorityRequest(authority_id=old)))
    check("LocalAuthority ActivateX509Authority of the active one: INVALID_ARGUMENT", is_error(wrong, grpc.StatusCode.INVALID_ARGUMENT, "unexpected authority ID"), wrong)
    activated = stub.ActivateX509Authority(la.ActivateX509AuthorityRequest(authority_id=prepared.authority_id)).activated_authority
    shown = stub.GetX509AuthorityState(la.GetX509AuthorityStateRequest())
    check("LocalAuthority ActivateX509Authority: the prepared one signs, the previous one is old",
          activated.authority_id == shown.active.authority_id == prepared.authority_id and shown.old.authority_id == old, shown)
    untainted = error_of(lambda: stub.RevokeX509Authority(la.RevokeX509AuthorityRequest(authority_id=old)))
    check("LocalAuthority RevokeX509Authority before a taint: INTERNAL, SPIRE's datastore words",
          is_error(untainted, grpc.StatusCode.INTERNAL, "it is not possible to revoke an untainted root CA"), untainted)
    tainted = stub.TaintX509Authority(la.TaintX509AuthorityRequest(authority_id=old)).tainted_authority
    marks = x509_marks()
    check("LocalAuthority TaintX509Authority: GetBundle marks that authority tainted, and only it",
          tainted.authority_id == old and marks == {old: True, prepared.authority_id: False}, marks)
    upstream = error_of(lambda: stub.TaintX509UpstreamAuthority(la.TaintX509UpstreamAuthorityRequest(subject_key_id=old)))
    check("LocalAuthority TaintX509UpstreamAuthority without an upstream: FAILED_PRECONDITION",
          is_error(upstream, grpc.StatusCode.FAILED_PRECONDITION, "upstream authority is not configured"), upstream)
    stub.RevokeX509Authority(la.RevokeX509AuthorityRequest(authority_id=old))
    marks = x509_marks()
    check("LocalAuthority RevokeX509Authority: gone from GetBundle", marks == {prepared.authority_id: False}, marks)

    def jwt_marks():
        return {key.key_id: key.tainted for key in bundles.GetBundle(bundle_pb2.GetBundleRequest()).jwt_authorities}

    old_kid = stub.GetJWTAuthorityState(la.GetJWTAuthorityStateRequest()).active.authority_id
    next_kid = stub.PrepareJWTAuthority(la.PrepareJWTAuthorityRequest()).prepared_authority.authority_id
    stub.ActivateJWTAuthority(la.ActivateJWTAuthorityRequest(authority_id=next_kid))
    current = error_of(lambda: stub.TaintJWTAuthority(la.TaintJWTAuthorityRequest(authority_id=next_kid)))
    check("LocalAuthority TaintJWTAuthority of the active key: INVALID_ARGUMENT", is_error(current, grpc.StatusCode.INVALID_ARGUMENT, "unable to taint current local authority"), current)
    stub.TaintJWTAuthority(la.TaintJWTAuthorityRequest(authority_id=old_kid))
    marks = jwt_marks()
    check("LocalAuthority TaintJWTAuthority: GetBundle marks that key tainted", marks.get(old_kid) is True and marks.get(next_kid) is False, marks)
    stub.RevokeJWTAuthority(la.RevokeJWTAuthorityRequest(authority_id=old_kid))
    marks = jwt_marks()
    check("LocalAuthority RevokeJWTAuthority: the key is gone from GetBundle", old_kid not in marks and next_kid in marks, marks)
    wit = error_of(lambda: stub.GetWITAuthorityState(la.GetWITAuthorityStateRequest()))
    check("LocalAuthority GetWITAuthorityState: UNIMPLEMENTED, as SPIRE", is_error(wit, grpc.StatusCode.UNIMPLEMENTED, "WIT-SVID"), wit)


def append_bundle(channel, workload_socket):
    """AppendBundle: SPIRE's refusals for nothing or garbage to append; an appended root and JWT key published once
    (the sequence bumped once) in GetBundle, and the root in the workload's bundle through the agent (py-spiffe)."""
    from spire.api.server.bundle.v1 import bundle_pb2, bundle_pb2_grpc
    from spire.api.types import bundle_pb2 as types_bundle

    stub = bundle_pb2_grpc.BundleStub(channel)
    empty = error_of(lambda: stub.AppendBundle(bundle_pb2.AppendBundleRequest()))
    check("AppendBundle with nothing: INVALID_ARGUMENT 'no authorities to append'", is_error(empty, grpc.StatusCode.INVALID_ARGUMENT, "no authorities to append"), empty)
    garbage = error_of(lambda: stub.AppendBundle(bundle_pb2.AppendBundleRequest(x509_authorities=[types_bundle.X509Certificate(asn1=b"not DER")])))
    check("AppendBundle of a non-certificate: INVALID_ARGUMENT 'failed to convert X.509 authority'",
          is_error(garbage, grpc.StatusCode.INVALID_ARGUMENT, "failed to convert X.509 authority"), garbage)
    cert_der, key_der = make_ca("appended root")
    no_kid = error_of(lambda: stub.AppendBundle(bundle_pb2.AppendBundleRequest(jwt_authorities=[types_bundle.JWTKey(public_key=key_der)])))
    check("AppendBundle of a JWT key without key_id: INVALID_ARGUMENT 'failed to convert JWT authority'",
          is_error(no_kid, grpc.StatusCode.INVALID_ARGUMENT, "failed to convert JWT authority"), no_kid)

    before = stub.GetBundle(bundle_pb2.GetBundleRequest())
    request = bundle_pb2.AppendBundleRequest(
        x509_authorities=[types_bundle.X509Certificate(asn1=cert_der)],
        jwt_authorities=[types_bundle.JWTKey(public_key=key_der, key_id="appended", expires_at=int(time.time()) + 3600)])
    appended = stub.AppendBundle(request)
    check("AppendBundle: the root and the JWT key are in the answer and in GetBundle, the sequence bumped",
          cert_der in [a.asn1 for a in appended.x509_authorities] and "appended" in [k.key_id for k in appended.jwt_authorities]
          and appended.sequence_number == before.sequence_number + 1
          and cert_der in [a.asn1 for a in stub.GetBundle(bundle_pb2.GetBundleRequest()).x509_authorities], appended)
    again = stub.AppendBundle(request)
    check("AppendBundle again: nothing added twice, the sequence kept",
          [a.asn1 for a in again.x509_authorities].count(cert_der) == 1 and again.sequence_number == appended.sequence_number, again)

    from spiffe import TrustDomain, WorkloadApiClient
    appended_cert = x509.load_der_x509_certificate(cert_der)
    deadline, found = time.time() + 20, False
    with WorkloadApiClient(socket_path="unix://" + workload_socket) as client:
        while time.time() < deadline and not found:
            bundle = client.fetch_x509_bundles().get_bundle_for_trust_domain(TrustDomain(TD))
            found = bundle is not None and appended_cert in bundle.x509_authorities
            time.sleep(0.2)
    check("the appended root reaches the workload's bundle through the agent (py-spiffe)", found)


def main():
    admin_socket, workload_socket, agent_id = sys.argv[1:4]
    generate_spire_api()
    channel = grpc.insecure_channel("unix://" + admin_socket)
    web_id = reconcile(channel, workload_socket, agent_id)
    agents(channel, agent_id)
    bundles(channel, web_id)
    svids(channel)
    debug(channel)
    logger(channel)
    health(channel, "unix://" + admin_socket)
    federation(channel)
    refused(channel)
    local_authority(channel)
    append_bundle(channel, workload_socket)
    channel.close()
    finish()


if __name__ == "__main__":
    main()
