#!/usr/bin/env python3
"""Asks the kernel to page out one process's mapped pages of a file (MADV_PAGEOUT through process_madvise(2)), to
see how much of that file's resident memory the process really needs: page it out, exercise the process, read its
RSS again (/proc/PID/status). Needs Linux 5.10+ and the right to ptrace the process (root here).

    dev/page-out-code.py PID [steeple-agent]

Measured with it: docs/performance.md, "Agent resident memory".
"""
import ctypes
import sys

SYS_PIDFD_OPEN = 434
SYS_PROCESS_MADVISE = 440
MADV_PAGEOUT = 21


class IOVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    pid = int(sys.argv[1])
    name = sys.argv[2] if len(sys.argv) > 2 else "steeple-agent"
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = libc.syscall(SYS_PIDFD_OPEN, pid, 0)
    if pidfd < 0:
        print(f"pidfd_open({pid}) failed: errno {ctypes.get_errno()}")
        return 1
    advised = 0
    with open(f"/proc/{pid}/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) < 6 or name not in fields[5]:
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            vector = IOVec(start, end - start)
            result = libc.syscall(SYS_PROCESS_MADVISE, pidfd, ctypes.byref(vector), 1, MADV_PAGEOUT, 0)
            if result < 0:
                print(f"process_madvise failed on {line.strip()}: errno {ctypes.get_errno()}")
                return 1
            advised += result
    print(f"paged out up to {advised} bytes of {name} in process {pid}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
