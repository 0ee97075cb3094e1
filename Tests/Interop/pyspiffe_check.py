"""py-spiffe (PyPI `spiffe`), an unmodified real client, against a running steeple-agent.

Usage: pyspiffe_check.py SOCKET_PATH MODE
  MODE basic   : X509-SVID, X509 context, both bundle kinds, JWT-SVID validated locally and through the API,
                 1,000 fetch-and-cancel calls on one client (SWIFT-NOTES §6: the rapid-reset limit)
  MODE rotation: an X509Source sees its SVID replaced (run with a short-TTL entry)
  MODE denied  : the caller has no identity: fetch_x509_svid must fail with PERMISSION_DENIED
Prints one line per check, "ok <name> ..." or "FAIL <name>: reason"; exits 1 if any check failed.
"""
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

from spiffe import JwtSource, JwtSvid, WorkloadApiClient, X509Source  # noqa: E402

failures = 0


def check(name, fn):
    global failures
    try:
        detail = fn()
        print(f"ok {name}" + (f" {detail}" if detail else ""), flush=True)
    except Exception as error:  # noqa: BLE001 - report every failure and go on
        failures += 1
        print(f"FAIL {name}: {type(error).__name__}: {error}", flush=True)


def basic(client, socket):
    check("fetch_x509_svid", lambda: str(client.fetch_x509_svid().spiffe_id))

    def context():
        ctx = client.fetch_x509_context()
        svid = ctx.default_svid
        bundle = ctx.x509_bundle_set.get_bundle_for_trust_domain(svid.spiffe_id.trust_domain)
        assert bundle is not None and len(bundle.x509_authorities) >= 1, "no bundle for the SVID's trust domain"
        leaf = svid.leaf
        assert any(leaf.issuer == ca.subject for ca in bundle.x509_authorities), "leaf not issued by a bundle CA"
        return f"{len(ctx.x509_svids)} svid(s)"

    check("fetch_x509_context", context)

    def x509_bundles():
        bundles = client.fetch_x509_bundles()
        return f"{len(bundles.bundles)} bundle(s)" if hasattr(bundles, "bundles") else "ok"

    check("fetch_x509_bundles", x509_bundles)

    def jwt():
        svid = client.fetch_jwt_svid(audience={"steeple-test"})
        bundles = client.fetch_jwt_bundles()
        bundle = bundles.get_bundle_for_trust_domain(svid.spiffe_id.trust_domain)
        assert bundle is not None, "no JWT bundle for the SVID's trust domain"
        JwtSvid.parse_and_validate(svid.token, bundle, {"steeple-test"})
        remote = client.validate_jwt_svid(svid.token, "steeple-test")
        assert str(remote.spiffe_id) == str(svid.spiffe_id), f"{remote.spiffe_id} != {svid.spiffe_id}"
        return str(svid.spiffe_id)

    check("fetch_jwt_svid+validate(local,api)", jwt)

    def wrong_audience():
        svid = client.fetch_jwt_svid(audience={"steeple-test"})
        try:
            client.validate_jwt_svid(svid.token, "someone-else")
        except Exception as error:  # noqa: BLE001
            return f"refused: {type(error).__name__}"
        raise AssertionError("a token for another audience was accepted")

    check("validate_jwt_svid(wrong audience) refused", wrong_audience)

    def sources():
        with X509Source(socket_path=socket) as x509, JwtSource(socket_path=socket) as jwts:
            svid = x509.get_x509_context().default_svid if hasattr(x509, "get_x509_context") else x509.svid
            token = jwts.fetch_svid(audience={"steeple-test"})
            return f"{svid.spiffe_id} {token.spiffe_id}"

    check("X509Source+JwtSource", sources)

    def fetch_loop():
        start = time.monotonic()
        for _ in range(1000):
            client.fetch_x509_svid()
        elapsed = time.monotonic() - start
        return f"1000 calls on one client in {elapsed:.2f}s ({1000 / elapsed:.0f}/s)"

    check("fetch_x509_svid x1000 (fetch-and-cancel)", fetch_loop)


def rotation(socket):
    def rotated():
        with X509Source(socket_path=socket) as source:
            first = source.get_x509_context().default_svid.leaf.serial_number
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                time.sleep(0.25)
                now = source.get_x509_context().default_svid.leaf.serial_number
                if now != first:
                    return f"serial changed after {60 - (deadline - time.monotonic()):.1f}s"
            raise AssertionError("no rotation seen in 60 s")

    check("X509Source sees rotation", rotated)


def denied(client):
    def refused():
        try:
            client.fetch_x509_svid()
        except Exception as error:  # noqa: BLE001
            text = str(error)
            assert "PERMISSION_DENIED" in text or "no identity issued" in text, text
            return "PERMISSION_DENIED"
        raise AssertionError("a caller without an entry got an SVID")

    check("no entry -> PermissionDenied", refused)


def main():
    socket, mode = sys.argv[1], sys.argv[2]
    with WorkloadApiClient(socket_path="unix://" + socket) as client:
        if mode == "basic":
            basic(client, "unix://" + socket)
        elif mode == "rotation":
            rotation("unix://" + socket)
        elif mode == "denied":
            denied(client)
        else:
            raise SystemExit(f"unknown mode {mode}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
