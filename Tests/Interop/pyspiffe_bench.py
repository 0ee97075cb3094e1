"""py-spiffe latency against a running agent: N client processes (one WorkloadApiClient each) call the API and report
per-call latencies. Usage: pyspiffe_bench.py SOCKET_PATH CONCURRENCY CALLS_PER_CLIENT
Prints one line per RPC: "<rpc> <calls> <elapsed_s> <p50_ms> <p99_ms> <max_ms>".
"""
import multiprocessing
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)


def worker(socket, calls, barrier, results):
    from spiffe import WorkloadApiClient

    with WorkloadApiClient(socket_path="unix://" + socket) as client:
        client.fetch_x509_svid()
        client.fetch_jwt_svid(audience={"bench"})
        for name, call in (("FetchX509SVID", client.fetch_x509_svid),
                           ("FetchJWTSVID", lambda: client.fetch_jwt_svid(audience={"bench"}))):
            barrier.wait()
            samples = []
            for _ in range(calls):
                start = time.perf_counter()
                call()
                samples.append(time.perf_counter() - start)
            results.put((name, samples))


def main():
    socket, concurrency, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    barrier = multiprocessing.Barrier(concurrency + 1)
    results = multiprocessing.Queue()
    processes = [multiprocessing.Process(target=worker, args=(socket, calls, barrier, results)) for _ in range(concurrency)]
    for process in processes:
        process.start()
    for name in ("FetchX509SVID", "FetchJWTSVID"):
        barrier.wait()
        start = time.perf_counter()
        samples = []
        for _ in range(concurrency):
            got_name, got = results.get(timeout=600)
            assert got_name == name, (got_name, name)
            samples += got
        elapsed = time.perf_counter() - start
        samples.sort()
        p = lambda q: samples[min(len(samples) - 1, len(samples) * q // 100)] * 1000  # noqa: E731
        print(f"{name} {len(samples)} {elapsed:.3f} {p(50):.3f} {p(99):.3f} {samples[-1] * 1000:.3f}", flush=True)
    for process in processes:
        process.join()


if __name__ == "__main__":
    main()
