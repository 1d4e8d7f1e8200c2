using System.Text.Json;
using RobynGateway.Python;

namespace RobynGateway.Tests.Python;

/// <summary>Interpreter choice and the checks on what it reports, without starting Python.</summary>
public sealed class PythonLocatorTests
{
    static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void Explicit_flag_wins_over_everything()
    {
        var (candidate, because) = PythonLocator.Choose("/opt/py/bin/python3", Env(("ROBYN_PYTHON", "/other"), ("VIRTUAL_ENV", "/venv")));
        Assert.Equal("/opt/py/bin/python3", candidate);
        Assert.Equal("--python", because);
    }

    [Fact]
    public void Robyn_python_variable_wins_over_a_virtualenv()
    {
        var (candidate, because) = PythonLocator.Choose(null, Env(("ROBYN_PYTHON", "/usr/bin/python3"), ("VIRTUAL_ENV", "/venv")));
        Assert.Equal("/usr/bin/python3", candidate);
        Assert.Equal("ROBYN_PYTHON", because);
    }

    [Fact]
    public void Active_virtualenv_is_used_when_its_python_exists()
    {
        var venv = Directory.CreateTempSubdirectory("venv");
        Directory.CreateDirectory(Path.Combine(venv.FullName, "bin"));
        File.WriteAllText(Path.Combine(venv.FullName, "bin", "python"), "");
        var (candidate, _) = PythonLocator.Choose(null, Env(("VIRTUAL_ENV", venv.FullName)));
        Assert.Equal(Path.Combine(venv.FullName, "bin", "python"), candidate);
    }

    [Fact]
    public void Otherwise_python3_on_path()
    {
        Assert.Equal("python3", PythonLocator.Choose(null, Env()).Candidate);
    }

    static JsonElement Probe(string version = "3.11.2", int shared = 1, string libdir = "/nowhere", string soname = "libpython3.11.so.1.0") =>
        JsonDocument.Parse(JsonSerializer.Serialize(new
        {
            executable = "/x/python3", prefix = "/x", base_prefix = "/x", version, libdir,
            instsoname = soname, ldlibrary = "libpython3.11.so", multiarch = "x86_64-linux-gnu", shared,
        })).RootElement;

    [Fact]
    public void Python_older_than_311_is_refused_with_a_way_out()
    {
        var ex = Assert.Throws<PythonNotUsableException>(() => PythonLocator.Describe(Probe(version: "3.10.12"), "test"));
        Assert.Contains("3.11", ex.Message);
        Assert.Contains("--python", ex.Message);
    }

    [Fact]
    public void Static_only_build_is_refused()
    {
        var ex = Assert.Throws<PythonNotUsableException>(() => PythonLocator.Describe(Probe(shared: 0), "test"));
        Assert.Contains("shared libpython", ex.Message);
    }

    [Fact]
    public void Missing_library_file_is_refused()
    {
        Assert.Throws<PythonNotUsableException>(() => PythonLocator.Describe(Probe(), "test"));
    }

    [Fact]
    public void Library_is_found_from_libdir_and_instsoname()
    {
        var dir = Directory.CreateTempSubdirectory("lib");
        File.WriteAllText(Path.Combine(dir.FullName, "libpython3.11.so.1.0"), "");
        var install = PythonLocator.Describe(Probe(libdir: dir.FullName), "test");
        Assert.Equal(Path.Combine(dir.FullName, "libpython3.11.so.1.0"), install.LibraryPath);
        Assert.Equal(new Version(3, 11, 2), install.Version);
    }
}
