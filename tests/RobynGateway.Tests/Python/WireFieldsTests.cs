using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
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
        using var scope = Gil.Acquire();
        var gil = scope.Held;
        using var wire = PyHandle.Import("robyn._wire", gil);
        using var requestFields = wire.GetAttr("REQUEST_FIELDS", gil);
        using var resultFields = wire.GetAttr("RESULT_FIELDS", gil);
        Assert.Equal(Enum.GetNames<RequestField>().Select(Snake), requestFields.Texts(gil));
        Assert.Equal(WireFields.RequestCount, requestFields.Texts(gil).Count);
        Assert.Equal(Enum.GetNames<ResultField>().Select(Snake), resultFields.Texts(gil));
        using var declared = wire.GetAttr("RESULT_KINDS", gil);
        using var items = declared.CallMethod("items", gil);
        var kinds = items.Select(gil, static (item, g) => KeyValuePair.Create(item.TextAt(0, g), item.IntAt(1, g)))
            .ToDictionary();
        Assert.Equal(Enum.GetValues<ResultKind>().ToDictionary(k => Snake(k.ToString()).ToUpperInvariant(), k => (int)k), kinds);
    }
}
