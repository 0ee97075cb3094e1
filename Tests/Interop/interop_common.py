"""What every interop check script shares: one-line checks with a final exit status, certificate SANs, and a client
generated at run time by PyPI's grpcio-tools from SPIRE's vendored protos (spire-api-sdk/, not Steeple's)."""

import importlib.resources
import os
import sys
import tempfile

from cryptography import x509

SDK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spire-api-sdk")

failures = []


def check(name, condition, detail=""):
    print(("ok   " if condition else "FAIL ") + name + ("" if condition else ": " + str(detail)), flush=True)
    if not condition:
        failures.append(name)


def finish():
    """Prints the summary and exits 1 if any check failed."""
    print(f"{len(failures)} failed" if failures else "all passed", flush=True)
    sys.exit(1 if failures else 0)


def uri_sans(cert):
    return [str(u) for u in cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.UniformResourceIdentifier)]


def dns_sans(cert):
    return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)


def spiffe_id(message):
    """The string form of SPIRE's SPIFFEID message."""
    return f"spiffe://{message.trust_domain}{message.path}"


def generate_spire_api():
    """Runs grpcio-tools' protoc over SPIRE's vendored protos into a fresh directory and puts it on sys.path."""
    from grpc_tools import protoc

    out = tempfile.mkdtemp(prefix="spire-api-sdk-")
    protos = sorted(os.path.relpath(os.path.join(d, f), SDK)
                    for d, _, files in os.walk(os.path.join(SDK, "spire")) for f in files if f.endswith(".proto"))
    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    status = protoc.main(["protoc", f"-I{SDK}", f"-I{well_known}", f"--python_out={out}", f"--grpc_python_out={out}", *protos])
    if status != 0:
        raise SystemExit(f"grpc_tools.protoc failed with status {status} on {protos}")
    sys.path.insert(0, out)
    print(f"generated {len(protos)} SPIRE API protos with grpcio-tools into {out}", flush=True)
