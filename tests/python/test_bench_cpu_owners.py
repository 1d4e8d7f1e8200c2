"""bench/lib/cpu_owners.py, which turns two `perf report` outputs (bench/profile.sh) into the
README's "where the rest goes" table: each sample goes to the right thread and owner, and samples
become microseconds per request of each server."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.version_independent

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "bench", "lib", "cpu_owners.py")

# The lines perf writes with -n --sort comm,dso,sym --field-separator='|' (names as seen on this machine).
GATEWAY = """\
# Samples: 400  of event 'cpu-clock:ppp'
 20.00% | 80         |.NET TP Worker |[kernel.kallsyms]   |[k] finish_task_switch.isra.0
 10.00% | 40         |robyn-sync-0   |libpython3.11.so.1.0 |[.] _PyEval_EvalFrameDefault
  5.00% | 20         |robyn-sync-0   |[JIT] tid 42        |[.] instance void [RobynGateway] RobynGateway.Python.SyncWorkerPool::Run(class RobynGateway.Python.TripSlot)[Optimized]
  5.00% | 20         |.NET TP Worker |[JIT] tid 42        |[.] instance void [Microsoft.AspNetCore.Http] Microsoft.AspNetCore.Http.Timeouts.RequestTimeoutsMiddleware::Invoke()[OptimizedTier1]
  5.00% | 20         |.NET TP Worker |[JIT] tid 42        |[.] instance valuetype System.Threading.CancellationTokenRegistration [System.Private.CoreLib] System.Threading.CancellationTokenSource::Register()[OptimizedTier1]
 10.00% | 40         |.NET TP Worker |[JIT] tid 42        |[.] instance bool [Microsoft.AspNetCore.Server.Kestrel.Core] Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.Http1Connection::ParseRequest()[OptimizedTier1]
  5.00% | 20         |dotnet         |uvloop/loop.cpython-311-x86_64-linux-gnu.so |[.] 0x0000000000012345
 40.00% | 160        |.NET Sockets   |[kernel.kallsyms]   |[k] do_epoll_wait
"""

BARE = """\
 50.00% | 100        |.NET TP Worker |[kernel.kallsyms]   |[k] finish_task_switch.isra.0
 50.00% | 100        |.NET TP Worker |[JIT] tid 7         |[.] instance bool [Microsoft.AspNetCore.Server.Kestrel.Core] Microsoft.AspNetCore.Server.Kestrel.Core.Internal.Http.Http1Connection::ParseRequest()[OptimizedTier1]
"""


def run(tmp_path, gateway_requests: int, bare_requests: int) -> dict:
    (tmp_path / "g.report").write_text(GATEWAY)
    (tmp_path / "b.report").write_text(BARE)
    done = subprocess.run(
        [sys.executable, SCRIPT, "1000", str(tmp_path / "g.report"), str(gateway_requests),
         str(tmp_path / "b.report"), str(bare_requests)],
        capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    rows = {}
    for line in done.stdout.splitlines():
        parts = line.rsplit(None, 3)
        if len(parts) == 4 and parts[1].replace(".", "").isdigit():
            rows.setdefault(parts[0].strip(), (float(parts[1]), float(parts[2]), float(parts[3])))
    return rows


def test_each_sample_goes_to_its_thread_and_owner_in_microseconds_per_request(tmp_path):
    # 1000 samples a second: a sample is 1 ms; over 1000 requests, 1 us per request.
    rows = run(tmp_path, gateway_requests=1000, bare_requests=1000)
    assert rows["Python: sync workers"] == (60.0, 0.0, 60.0)
    assert rows["Python: event loop"] == (20.0, 0.0, 20.0)
    assert rows["socket engine"] == (160.0, 0.0, 160.0)
    assert rows["Python (libpython, extensions)"] == (60.0, 0.0, 60.0)  # libpython and uvloop
    assert rows["gateway C#"] == (20.0, 0.0, 20.0)
    assert rows["ASP.NET request timeouts"] == (20.0, 0.0, 20.0)
    assert rows["cancellation tokens, timers, locks"] == (20.0, 0.0, 20.0)
    assert rows["Kestrel"] == (40.0, 100.0, -60.0)
    assert rows["kernel (system calls, switches, TCP)"] == (240.0, 100.0, 140.0)


def test_each_server_is_divided_by_its_own_requests(tmp_path):
    rows = run(tmp_path, gateway_requests=4000, bare_requests=2000)
    assert rows["total"] == (100.0, 100.0, 0.0)  # 400 samples / 4000 requests, 200 / 2000
    assert rows["thread pool"] == (40.0, 100.0, -60.0)
