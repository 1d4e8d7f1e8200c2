using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace RobynGateway.Web;

/// <summary>
/// The text of a health answer, as before HealthChecks wrote it: the first line is the gateway's
/// state (<c>ready</c>, <c>starting</c>, <c>stopping</c>, <c>hung: ...</c>, <c>live</c>), or
/// <c>unhealthy</c> when only an app check failed; then one line per app check, <c>NAME: healthy</c>
/// or <c>NAME: unhealthy: WHY</c>. Exceptions are never written: a check's traceback is in the log.
/// </summary>
internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var text = new StringBuilder();
        string? first = null;
        foreach (var (name, entry) in report.Entries)
        {
            if (name.StartsWith(HealthChecksSetup.OwnPrefix + "gateway", StringComparison.Ordinal)
                || name.StartsWith(HealthChecksSetup.OwnPrefix + "live", StringComparison.Ordinal))
            {
                first = entry.Description;
                continue;
            }
            if (name.StartsWith(HealthChecksSetup.OwnPrefix, StringComparison.Ordinal))
            {
                // A front's lines from its workers, each named already (none while no worker is ready).
                if (!string.IsNullOrEmpty(entry.Description)) text.Append('\n').Append(entry.Description);
            }
            else
                text.Append('\n').Append(name).Append(": ")
                    .Append(entry.Status == HealthStatus.Unhealthy ? "unhealthy: " + entry.Description : entry.Description);
        }
        // Gateway ready (or asked only for the app's checks) and an app check failed.
        if (first is null || (first.StartsWith(Readiness.Ready, StringComparison.Ordinal) && report.Status == HealthStatus.Unhealthy))
            first = report.Status == HealthStatus.Unhealthy ? "unhealthy" : Readiness.Ready;
        var body = first + text;
        var response = context.Response;
        response.ContentType = "text/plain";
        response.ContentLength = Encoding.UTF8.GetByteCount(body);
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.WriteAsync(body);
    }
}
