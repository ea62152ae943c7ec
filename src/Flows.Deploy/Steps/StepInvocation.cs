using System.Text.Json.Nodes;
using Flows.Deploy.Planning;

namespace Flows.Deploy.Steps;

/// <summary>What a step sees: its templated inputs, the project it runs for, the environment, and where to record
/// what it plans (images) or warns about.</summary>
public sealed record StepInvocation(
    JsonObject Inputs,
    string ProjectDirectory,
    string? ProjectFile,
    Func<string, string?> Environment,
    StepRecorder Recorder);

/// <summary>Collects what steps plan rather than do (images) and their warnings; one per plan.</summary>
public sealed class StepRecorder
{
    private readonly List<PlannedImage> _images = [];
    private readonly List<string> _warnings = [];

    public IReadOnlyList<PlannedImage> Images => _images;

    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Records an image to build; the same image planned twice is kept once (built once per distinct image).</summary>
    public void PlanImage(PlannedImage image)
    {
        if (!_images.Contains(image))
        {
            _images.Add(image);
        }
    }

    public void Warn(string message) => _warnings.Add(message);
}
