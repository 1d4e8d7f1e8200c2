namespace RobynGateway.Tests.Infrastructure;

/// <summary>
/// For tests that resolve the gateway's options: an empty app.py in a folder of its own (robyn.env
/// and appsettings.json are looked for beside the app), removed after each test.
/// </summary>
public abstract class TempAppFile : IDisposable
{
    protected TempAppFile() => File.WriteAllText(AppFile, "");

    protected string Dir { get; } = Directory.CreateTempSubdirectory("robyn-app-").FullName;

    protected string AppFile => Path.Combine(Dir, "app.py");

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
