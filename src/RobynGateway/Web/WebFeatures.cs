using RobynGateway.Hosting;
using RobynGateway.Python;

namespace RobynGateway.Web;

/// <summary>What the gateway answers without Python, decided once at start.</summary>
internal sealed record WebFeatures(IReadOnlyList<ServedMount> Mounts);

/// <summary>
/// The parts of a request that never need Python, from the app's declarations and the command
/// line: static directories. They sit between the 405 filter and routing.
/// </summary>
internal static class WebFeaturesExtensions
{
    public static IServiceCollection AddRobynWeb(this IServiceCollection services, AppDeclarations declared,
        GatewayOptions options, Serilog.ILogger log)
    {
        var features = new WebFeatures(StaticMounts.Prepare(declared.StaticMounts, log));
        if (features.Mounts.Any(m => m.ShowListing)) services.AddDirectoryBrowser();
        return services.AddSingleton(features);
    }

    /// <summary>Goes after the 405 filter and before UseRouting.</summary>
    public static IApplicationBuilder UseRobynWeb(this IApplicationBuilder app)
    {
        var features = app.ApplicationServices.GetRequiredService<WebFeatures>();
        app.UseStaticMounts(features.Mounts);
        return app;
    }
}
