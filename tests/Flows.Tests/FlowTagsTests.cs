using Flows;

namespace Flows.Tests;

public sealed class FlowTagsTests
{
    [Fact]
    public async Task Tags_apply_inside_the_scope_nest_and_survive_awaits()
    {
        IReadOnlyList<string> inner;
        IReadOnlyList<string> outer;
        using (FlowTags.Use("local"))
        {
            using (FlowTags.Use("nightly", "local"))
            {
                inner = await SampleFlows.TagsAfterAwaitAsync();
            }

            outer = await SampleFlows.TagsAfterAwaitAsync();
        }

        var none = await SampleFlows.TagsAfterAwaitAsync();

        Assert.Equal(["local", "nightly"], inner);
        Assert.Equal(["local"], outer);
        Assert.Empty(none);
    }

    [Fact]
    public async Task Parallel_scopes_do_not_leak_into_each_other()
    {
        async Task<IReadOnlyList<string>> Tagged(string tag)
        {
            using (FlowTags.Use(tag))
            {
                await Task.Yield();
                return await SampleFlows.TagsAfterAwaitAsync();
            }
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Tagged("t" + i)));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(["t" + i], results[i]);
        }
    }

    [Fact]
    public void The_start_message_shows_the_tags()
    {
        var capture = new FlowLogCapture();
        using (FlowLogging.Capture(capture))
        using (FlowTags.Use("local"))
        {
            SampleFlows.Greet();
        }

        Assert.Contains(capture.Records, r => r.Message.StartsWith("Beginning flow run '", StringComparison.Ordinal) && r.Message.EndsWith("for flow 'greet' with tags [local]", StringComparison.Ordinal));
    }
}
