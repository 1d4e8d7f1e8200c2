using System.Text.Json;
using System.Text.Json.Serialization;
using RobynGateway.Python;

namespace RobynGateway.Workers;

/// <summary>
/// What the front of <c>--processes</c> learnt from the app file, handed to the front's own image
/// (<see cref="FrontExec"/>) so that it never starts Python: the app's <c>app.start(...)</c>
/// arguments, the program that runs the workers (the NativeAOT image when the front runs it, else
/// the program that read the app), the interpreter they embed (and its version, for the start banner), how long the
/// proxy outwaits a worker (the longest route timeout), and the app's health checks (the front asks
/// the workers for them). It travels as JSON in the internal <c>--front-plan</c> option.
/// </summary>
internal sealed record FrontPlan(StartArgs Start, IReadOnlyList<string> WorkerProgram, string Python, string PythonVersion,
    double ProxyActivityTimeoutSeconds, IReadOnlyList<AppHealthCheck> HealthChecks)
{
    public string ToJson() => JsonSerializer.Serialize(this, FrontPlanJson.Default.FrontPlan);

    public static FrontPlan Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, FrontPlanJson.Default.FrontPlan)
                ?? throw new Hosting.UsageException("--front-plan: empty.");
        }
        catch (JsonException ex)
        {
            throw new Hosting.UsageException($"--front-plan (internal, set by the gateway itself): {ex.Message}");
        }
    }
}

// Source-generated: no reflection, and the front loads no serializer machinery it does not use.
[JsonSerializable(typeof(FrontPlan))]
internal sealed partial class FrontPlanJson : JsonSerializerContext;
