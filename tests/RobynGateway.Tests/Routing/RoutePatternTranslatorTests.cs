using RobynGateway.Routing;

namespace RobynGateway.Tests.Routing;

public sealed class RoutePatternTranslatorTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/users", "/users")]
    [InlineData("/users/:id", "/users/{id}")]
    [InlineData("/a/:x/b/:y", "/a/{x}/b/{y}")]
    [InlineData("/files/*path", "/files/{**path:minlength(1)}")]
    [InlineData("/odd/{brace}", "/odd/{{brace}}")]
    public void Robyn_syntax_becomes_an_aspnet_template(string robyn, string template)
    {
        Assert.Equal(template, RoutePatternTranslator.ToTemplate(robyn));
    }

    [Fact]
    public void Routes_differing_only_in_parameter_names_have_the_same_shape()
    {
        Assert.Equal(RoutePatternTranslator.Shape("/a/:x"), RoutePatternTranslator.Shape("/a/:y"));
        Assert.NotEqual(RoutePatternTranslator.Shape("/a/:x"), RoutePatternTranslator.Shape("/a/b"));
    }
}
