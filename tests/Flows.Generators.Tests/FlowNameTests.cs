namespace Flows.Generators.Tests;

public sealed class FlowNameTests
{
    [Theory]
    [InlineData("Hello", false, "hello")]
    [InlineData("EtlJob", false, "etl-job")]
    [InlineData("RunETLJob", false, "run-etl-job")]
    [InlineData("load_data", false, "load-data")]
    [InlineData("Step2Load", false, "step2-load")]
    [InlineData("LoadAsync", true, "load")]
    [InlineData("LoadAsync", false, "load-async")]
    [InlineData("Async", true, "async")]
    [InlineData("HTTPGet", false, "http-get")]
    public void Method_names_become_kebab_case(string method, bool isAsync, string expected)
    {
        Assert.Equal(expected, FlowNames.FromMethod(method, isAsync));
    }
}
