// BridgeBench: micro-benchmarks of the bridge between Kestrel and Python, without a socket.
//
//   ROBYN_PYTHON=/usr/bin/python3 dotnet run -c Release --project bench/BridgeBench
//   dotnet run -c Release --project bench/BridgeBench -- --filter '*Dispatch*' --job short
//
// Arguments after `--` go to BenchmarkDotNet (--filter, --job short|medium|long, --list flat, ...).
// The interpreter is chosen as the gateway chooses it (ROBYN_PYTHON, a virtualenv, python3 on
// PATH). Benchmarks run in this process (BenchmarkDotNet's in-process toolchain): an interpreter
// can be started once per process, and the benchmarks share it as the gateway's requests do.
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using BridgeBench;

// Reports go to bench/results/bridge/ of the checkout this was built from (not tracked by git).
var root = new DirectoryInfo(AppContext.BaseDirectory);
while (root is not null && !File.Exists(Path.Combine(root.FullName, "bench", "run.sh"))) root = root.Parent;
var artifacts = Path.Combine(root?.FullName ?? Directory.GetCurrentDirectory(), "bench", "results", "bridge");

var config = DefaultConfig.Instance.WithArtifactsPath(artifacts).WithOptions(ConfigOptions.JoinSummary);
if (!args.Contains("--inProcess")) args = [.. args, "--inProcess"];
BenchmarkRunner.Run<BridgeBenchmarks>(config, args);
return 0;
