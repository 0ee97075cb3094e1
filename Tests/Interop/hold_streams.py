"""Opens N concurrent FetchX509SVID streams on the agent (py-spiffe's generated stubs over grpcio), holds them, reports
the agent's RSS before, while holding and after closing, then checks that the agent still answers.

Usage: hold_streams.py SOCKET_PATH AGENT_PID N
"""
import sys
import threading
import time

import grpc
from spiffe._proto import workload_pb2, workload_pb2_grpc


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def main():
    socket, pid, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    metadata = (("workload.spiffe.io", "true"),)
    before = rss_kib(pid)
    channels, calls, first = [], [], threading.Semaphore(0)
    # 100 streams per connection, like many workloads each holding an X509Source.
    for i in range(count):
        if i % 100 == 0:
            channels.append(grpc.insecure_channel("unix://" + socket))
        stub = workload_pb2_grpc.SpiffeWorkloadAPIStub(channels[-1])
        call = stub.FetchX509SVID(workload_pb2.X509SVIDRequest(), metadata=metadata)
        calls.append(call)

        def drain(call=call):
            try:
                for _ in call:
                    first.release()
            except grpc.RpcError:
                pass

        threading.Thread(target=drain, daemon=True).start()
    start = time.monotonic()
    for _ in range(count):
        if not first.acquire(timeout=60):
            print("FAIL not every stream got its first message in 60 s")
            sys.exit(1)
    opened = time.monotonic() - start
    time.sleep(1)
    holding = rss_kib(pid)
    for call in calls:
        call.cancel()
    for channel in channels:
        channel.close()
    time.sleep(2)
    after = rss_kib(pid)
    print(f"ok {count} streams open (first message on all within {opened:.2f}s); agent RSS before {before / 1024:.1f} MiB, "
          f"holding {holding / 1024:.1f} MiB, after closing {after / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
