using Docker.DotNet;
using Docker.DotNet.Models;

namespace Flows.Testing;

/// <summary>
/// An image of a built flows app, as a <c>dockerfile:</c> deploy makes it: the runtime image, the app's folder in /app,
/// <c>dotnet /app/&lt;dll&gt;</c> as the entrypoint; built with the Engine, pushed to localhost:5000, and the local copy
/// removed so that a run has to pull it. Shared by the Docker and node tests and the chaos scenario (tests/Shared).
/// </summary>
internal static class AppImage
{
    public const string RuntimeImage = "localhost:5000/dotnet/runtime:10.0";

    public static Task<string> PushAsync(IDockerClient docker, string appDll, string repository, string scratchDirectory) =>
        PushAsync(docker, appDll, repository, scratchDirectory, RuntimeImage, ["dotnet", "/app/" + Path.GetFileName(appDll)], onlyFile: false);

    /// <summary>The same on any base with any entrypoint; <paramref name="onlyFile"/> copies the app file alone (a native
    /// executable), not its folder.</summary>
    public static async Task<string> PushAsync(IDockerClient docker, string app, string repository, string scratchDirectory, string baseImage, IReadOnlyList<string> entrypoint, bool onlyFile)
    {
        var tag = $"localhost:5000/flows-workers-tests/{repository}:{Guid.NewGuid().ToString("N")[..12]}";
        var context = Path.Combine(scratchDirectory, repository + "-image-" + Guid.NewGuid().ToString("N")[..8]);
        if (onlyFile)
        {
            Directory.CreateDirectory(Path.Combine(context, "app"));
            File.Copy(app, Path.Combine(context, "app", Path.GetFileName(app)));
        }
        else
        {
            CopyDirectory(Path.GetDirectoryName(app)!, Path.Combine(context, "app"));
        }

        // The label makes this image's ID its own. Without it the build cache hands parallel tests that build the same app
        // one image ID under their own tags, and one test removing its tag (with force, image and all) could take the
        // image from under another test's push ("tag does not exist").
        var command = string.Join(", ", entrypoint.Select(a => $"\"{a}\""));
        await File.WriteAllTextAsync(Path.Combine(context, "Dockerfile"), $"FROM {baseImage}\nCOPY app /app\nWORKDIR /app\nENTRYPOINT [{command}]\nLABEL io.flows.tests.image=\"{tag}\"\n");
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using (var tar = new MemoryStream())
        {
            await System.Formats.Tar.TarFile.CreateFromDirectoryAsync(context, tar, includeBaseDirectory: false);
            tar.Position = 0;
            var build = new EngineMessages();
            await docker.Images.BuildImageFromDockerfileAsync(new ImageBuildParameters { Tags = [tag], Remove = true }, tar, null, null, build, limit.Token);
            build.ThrowIfFailed("build " + tag);
        }

        var push = new EngineMessages();
        await docker.Images.PushImageAsync(tag, new ImagePushParameters(), new AuthConfig(), push, limit.Token);
        push.ThrowIfFailed("push " + tag);
        try
        {
            // NoPrune keeps the cached parent images (app layer, entrypoint) that a parallel build of the same app may be
            // building on at this moment; only this test's labelled image goes.
            await docker.Images.DeleteImageAsync(tag, new ImageDeleteParameters { Force = true, NoPrune = true }, limit.Token);
        }
        catch (DockerImageNotFoundException)
        {
            // Not there: nothing to remove.
        }

        Directory.Delete(context, recursive: true);
        return tag;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    /// <summary>Keeps the first error of an Engine JSON message stream (build and push report failures only there).</summary>
    private sealed class EngineMessages : IProgress<JSONMessage>
    {
        private string? _error;

        public void Report(JSONMessage value)
        {
            if (value?.Error?.Message is { Length: > 0 } message)
            {
                Interlocked.CompareExchange(ref _error, message, null);
            }
        }

        public void ThrowIfFailed(string what)
        {
            if (_error is { } error)
            {
                throw new InvalidOperationException($"{what} failed: {error}");
            }
        }
    }
}
