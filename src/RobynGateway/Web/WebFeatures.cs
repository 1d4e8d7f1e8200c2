using Microsoft.AspNetCore.Cors.Infrastructure;
using RobynGateway.Hosting;
using RobynGateway.Python;

namespace RobynGateway.Web;

/// <summary>What the gateway answers without Python, decided once at start.</summary>
internal sealed record WebFeatures(bool Compression, CorsPolicy? Cors, IReadOnlyList<ServedMount> Mounts);

/// <summary>
/// The parts of a request that never need Python, from the app's declarations and the command
/// line: response compression, CORS, static directories. They sit in that order between the 405
/// filter and routing, so compression wraps every answer and a refused origin reaches neither a
/// file nor a handler.
/// </summary>
internal static class WebFeaturesExtensions
{
    public static IServiceCollection AddRobynWeb(this IServiceCollection services, AppDeclarations declared,
        GatewayOptions options, Serilog.ILogger log)
    {
        var features = new WebFeatures(
            options.Compression,
            declared.Cors is { } cors ? CorsSetup.PolicyFor(cors) : null,
            StaticMounts.Prepare(declared.StaticMounts, log));
        if (features.Compression) services.AddRobynCompression();
        if (features.Cors is { } policy)
        {
            services.AddRobynCors(policy);
            log.Information("CORS: origins {Origins}, headers {Headers}", declared.Cors!.Origins, policy.Headers);
        }
        if (features.Mounts.Any(m => m.ShowListing)) services.AddDirectoryBrowser();
        return services.AddSingleton(features);
    }

    /// <summary>Goes after the 405 filter and before UseRouting.</summary>
    public static IApplicationBuilder UseRobynWeb(this IApplicationBuilder app)
    {
        var features = app.ApplicationServices.GetRequiredService<WebFeatures>();
        if (features.Compression) app.UseResponseCompression();
        if (features.Cors is not null) app.UseRobynCors();
        app.UseStaticMounts(features.Mounts);
        return app;
    }
}
