using System.Diagnostics;
using System.Text.Json;

namespace RobynGateway.Python;

/// <summary>What the chosen interpreter told us about itself.</summary>
internal sealed record PythonInstall(
    string Executable,
    Version Version,
    string LibraryPath,
    string Prefix,
    string BasePrefix,
    string ChosenBecause);

/// <summary>A Python that cannot host the gateway, with a message that says what to do.</summary>
internal sealed class PythonNotUsableException(string message) : Exception(message);

/// <summary>
/// Chooses the interpreter the way a user expects (first match wins): <c>--python</c>,
/// <c>ROBYN_PYTHON</c>, an active virtualenv (<c>VIRTUAL_ENV</c>), then <c>python3</c> on PATH.
/// The interpreter itself is asked where its shared libpython lives: guessing from names breaks on
/// Debian, where <c>libpython3.11.so</c> is only the -dev symlink.
/// </summary>
internal static class PythonLocator
{
    public static readonly Version Minimum = new(3, 11);

    // Printed by the interpreter under -I (isolated: no user site, no PYTHON* variables).
    const string ProbeScript = """
        import json, sys, sysconfig
        v = sysconfig.get_config_var
        print(json.dumps({
            "executable": sys.executable, "prefix": sys.prefix, "base_prefix": sys.base_prefix,
            "version": "%d.%d.%d" % sys.version_info[:3],
            "libdir": v("LIBDIR") or "", "instsoname": v("INSTSONAME") or "",
            "ldlibrary": v("LDLIBRARY") or "", "multiarch": v("MULTIARCH") or "",
            "shared": v("Py_ENABLE_SHARED") or 0}))
        """;

    public static PythonInstall Locate(string? explicitPath, Func<string, string?> env)
    {
        var (candidate, because) = Choose(explicitPath, env);
        var probe = Probe(candidate, because);
        return Describe(probe, because);
    }

    internal static (string Candidate, string Because) Choose(string? explicitPath, Func<string, string?> env)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath)) return (explicitPath, "--python");
        if (env("ROBYN_PYTHON") is { Length: > 0 } fromEnv) return (fromEnv, "ROBYN_PYTHON");
        if (env("VIRTUAL_ENV") is { Length: > 0 } venv)
        {
            var python = Path.Combine(venv, "bin", "python");
            if (File.Exists(python)) return (python, "the active virtualenv (VIRTUAL_ENV)");
        }
        return ("python3", "python3 on PATH");
    }

    static JsonElement Probe(string candidate, string because)
    {
        var psi = new ProcessStartInfo(candidate)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-I");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(ProbeScript);
        try
        {
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(30_000))
            {
                process.Kill();
                throw new PythonNotUsableException($"'{candidate}' (chosen by {because}) did not answer within 30 s.");
            }
            if (process.ExitCode != 0)
                throw new PythonNotUsableException(
                    $"'{candidate}' (chosen by {because}) failed to run: {stderr.Result.Trim()}");
            return JsonDocument.Parse(stdout.Result).RootElement.Clone();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new PythonNotUsableException(
                $"No Python interpreter at '{candidate}' (chosen by {because}). " +
                "Install CPython 3.11 or newer, or point --python / ROBYN_PYTHON at one.");
        }
    }

    internal static PythonInstall Describe(JsonElement probe, string because)
    {
        string S(string name) => probe.GetProperty(name).ToString();
        var executable = S("executable");
        var version = Version.Parse(S("version"));
        if (version < Minimum)
            throw new PythonNotUsableException(
                $"{executable} is Python {version}; the gateway needs CPython {Minimum} or newer " +
                "(the versions it is tested on). Use --python or ROBYN_PYTHON to pick another interpreter.");
        if (S("shared") != "1")
            throw new PythonNotUsableException(
                $"{executable} was built without a shared libpython (Py_ENABLE_SHARED=0), so it cannot be " +
                "embedded. Use Debian's /usr/bin/python3, or rebuild with --enable-shared " +
                "(pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared).");

        var libdir = S("libdir");
        string[] candidates =
        [
            Path.Combine(libdir, S("instsoname")),
            Path.Combine(libdir, S("multiarch"), S("instsoname")),
            Path.Combine(libdir, S("ldlibrary")),
        ];
        var library = candidates.FirstOrDefault(p => Path.GetFileName(p).Length > 0 && File.Exists(p))
            ?? throw new PythonNotUsableException(
                $"{executable} says it has a shared libpython, but none of {string.Join(", ", candidates)} exists. " +
                "On Debian install libpython3-dev or the matching libpython3.X package.");
        return new PythonInstall(executable, version, library, S("prefix"), S("base_prefix"), because);
    }
}
