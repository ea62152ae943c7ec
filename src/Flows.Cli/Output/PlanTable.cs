using System.Text.Json;
using Flows.Deploy.Planning;

namespace Flows.Cli.Output;

/// <summary>The plan as a readable table (the JSON form is <see cref="PlanJson"/>).</summary>
public static class PlanTable
{
    public static void Write(DeploymentPlan plan, bool dryRun, TextWriter output)
    {
        if (plan.Images.Count > 0)
        {
            output.WriteLine("Images (each built and pushed once):");
            Table(output, ["IMAGE", "PLATFORM", "FROM"], plan.Images.Select(i => new[]
            {
                i.Reference, i.Platform ?? "-", i.Dockerfile == "auto" ? $"{i.Project ?? "project"} (SDK container)" : $"Dockerfile {i.Dockerfile}",
            }));
            output.WriteLine();
        }

        output.WriteLine("Deployments:");
        Table(output, ["DEPLOYMENT", "ENTRYPOINT", "WORK POOL", "IMAGE", "SCHEDULES", "TAGS", "PARAMETERS"], plan.Deployments.Select(d => new[]
        {
            d.FullName,
            d.Body.Entrypoint ?? "-",
            d.Body.WorkPoolName is null ? "-" : d.Body.WorkQueueName is null ? d.Body.WorkPoolName : $"{d.Body.WorkPoolName}/{d.Body.WorkQueueName}",
            d.Body.JobVariables?.TryGetValue("image", out var image) == true && image.ValueKind == JsonValueKind.String ? image.GetString()! : "-",
            d.Body.Schedules is { Count: > 0 } s ? string.Join("; ", s.Select(x => x.Schedule.Cron ?? (x.Schedule.Interval is { } n ? $"every {n}s" : x.Schedule.Rrule))) : "-",
            d.Body.Tags is { Count: > 0 } t ? string.Join(",", t) : "-",
            d.Body.Parameters is { Count: > 0 } p ? JsonSerializer.Serialize(p) : "-",
        }));
        output.WriteLine();
        output.WriteLine(dryRun
            ? $"Dry run: {plan.Deployments.Count} deployment(s) planned; nothing was built, pushed or registered (-o json shows the exact API bodies)."
            : $"{plan.Deployments.Count} deployment(s) planned.");
    }

    private static void Table(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = new[] { header }.Concat(rows).ToList();
        var widths = header.Select((_, c) => all.Max(r => r[c].Length)).ToArray();
        foreach (var row in all)
        {
            output.WriteLine("  " + string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }
    }
}
