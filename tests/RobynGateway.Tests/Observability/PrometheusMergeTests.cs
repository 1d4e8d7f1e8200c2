using RobynGateway.Observability;

namespace RobynGateway.Tests.Observability;

public sealed class PrometheusMergeTests
{
    [Theory]
    [InlineData("up 1", "up{worker=\"0\"} 1")]
    [InlineData("x_total{a=\"b\"} 3 1700000000", "x_total{worker=\"0\",a=\"b\"} 3 1700000000")]
    [InlineData("x{} 2", "x{worker=\"0\"} 2")]
    public void A_sample_gets_the_worker_label(string sample, string labelled) =>
        Assert.Equal(labelled, PrometheusMerge.Label(sample, "0"));

    [Fact]
    public void Families_appear_once_with_every_processs_samples()
    {
        const string front = "# HELP a_total A.\n# TYPE a_total counter\na_total 1\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_count 2\n# EOF\n";
        const string worker = "# HELP a_total A.\n# TYPE a_total counter\na_total 5\n# TYPE b gauge\nb 7\n";
        var merged = PrometheusMerge.Merge([("front", front), ("1", worker)]);
        Assert.Equal(
            "# HELP a_total A.\n# TYPE a_total counter\na_total{worker=\"front\"} 1\na_total{worker=\"1\"} 5\n"
            + "# TYPE h histogram\nh_bucket{worker=\"front\",le=\"1\"} 2\nh_count{worker=\"front\"} 2\n"
            + "# TYPE b gauge\nb{worker=\"1\"} 7\n", merged);
    }
}
