using System.Runtime.CompilerServices;

namespace Flows.Build.Tests;

internal static class NoInstanceMetadata
{
    /// <summary>The AWS SDK's credential chain ends with EC2 instance metadata (169.254.169.254). Tests send traffic only
    /// to loopback: the SDK (here, and in the dotnet processes the tests start, which inherit this) never asks it.</summary>
    [ModuleInitializer]
    internal static void Disable() => Environment.SetEnvironmentVariable("AWS_EC2_METADATA_DISABLED", "true");
}
