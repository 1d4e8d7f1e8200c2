using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Python.Runtime;
using RobynGateway.Python;

namespace RobynGateway.Tests.Python;

/// <summary>
/// The wire format is declared once on each side: C#'s RequestField, ResultField and ResultKind, and
/// Python's robyn._wire. This pins the two together (names in snake_case on Python's side).
/// </summary>
public sealed class WireFieldsTests(CoreAppFactory factory) : IClassFixture<CoreAppFactory>
{
    static string Snake(string name) => Regex.Replace(name, "(?<=[a-z])([A-Z])", "_$1").ToLowerInvariant();

    [Fact]
    public void Both_sides_declare_the_same_request_fields_result_fields_and_kinds()
    {
        _ = factory.Services.GetRequiredService<PythonApp>(); // the interpreter, with the robyn package on its path
        using var gil = Gil.Acquire();
        using var wire = Py.Import("robyn._wire");
        Assert.Equal(Enum.GetNames<RequestField>().Select(Snake), wire.GetAttr("REQUEST_FIELDS").As<string[]>());
        Assert.Equal(WireFields.RequestCount, wire.GetAttr("REQUEST_FIELDS").Length());
        Assert.Equal(Enum.GetNames<ResultField>().Select(Snake), wire.GetAttr("RESULT_FIELDS").As<string[]>());
        using var declared = wire.GetAttr("RESULT_KINDS");
        var kinds = new PyIterable(declared.InvokeMethod("items"))
            .ToDictionary(item => item[0].As<string>(), item => item[1].As<int>());
        Assert.Equal(Enum.GetValues<ResultKind>().ToDictionary(k => Snake(k.ToString()).ToUpperInvariant(), k => (int)k), kinds);
    }
}
