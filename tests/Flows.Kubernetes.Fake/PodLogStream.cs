using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// GET pods/{name}/log: the lines tests appended, as text/plain. With follow=true the stream stays open and carries
/// new lines until the pod is Succeeded/Failed or deleted, as the kubelet's stream ends with the container.
/// </summary>
internal static class PodLogStream
{
    public static async Task WriteAsync(HttpContext context, Cluster cluster, string @namespace, string name, CancellationToken stopping)
    {
        var query = context.Request.Query;
        var pod = cluster.Store.Get(ResourceKind.Pods, @namespace, name) ?? throw StatusException.NotFound(ResourceKind.Pods, name);
        EnsureContainerStarted(pod, query["container"].FirstOrDefault());
        var follow = query["follow"] == "true";
        var timestamps = query["timestamps"] == "true";
        var (lines, next) = cluster.Logs.Read(@namespace, name, 0);
        var written = lines.Count;
        if (int.TryParse(query["tailLines"], out var tail) && tail < lines.Count)
        {
            lines = lines.Skip(lines.Count - tail).ToList();
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        await context.Response.StartAsync(linked.Token);
        await WriteLinesAsync(context, lines, timestamps, linked.Token);
        while (follow)
        {
            var current = cluster.Store.Get(ResourceKind.Pods, @namespace, name);
            (lines, next) = cluster.Logs.Read(@namespace, name, written);
            written += lines.Count;
            await WriteLinesAsync(context, lines, timestamps, linked.Token);
            // Lines appended before the pod ended were just written: only then does the stream end.
            if (current is null || current["status"].String("phase") is "Succeeded" or "Failed")
            {
                break;
            }

            if (lines.Count == 0)
            {
                await next.WaitAsync(linked.Token);
            }
        }
    }

    private static async Task WriteLinesAsync(HttpContext context, IReadOnlyList<(DateTimeOffset Time, string Line)> lines, bool timestamps, CancellationToken cancellationToken)
    {
        if (lines.Count == 0)
        {
            return;
        }

        var text = string.Concat(lines.Select(l => (timestamps ? l.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z' ", System.Globalization.CultureInfo.InvariantCulture) : "") + l.Line + "\n"));
        await context.Response.WriteAsync(text, cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>The kubelet's refusals: which container (needed when there are several), and not before it started.</summary>
    private static void EnsureContainerStarted(JsonObject pod, string? container)
    {
        var name = pod.Name()!;
        var containers = (pod["spec"]?["containers"] as JsonArray ?? []).Select(c => c.String("name") ?? "").ToList();
        if (container is null)
        {
            if (containers.Count != 1)
            {
                throw StatusException.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", containers)}]");
            }

            container = containers[0];
        }
        else if (!containers.Contains(container))
        {
            throw StatusException.BadRequest($"container {container} is not valid for pod {name}");
        }

        var status = (pod["status"]?["containerStatuses"] as JsonArray)?.FirstOrDefault(s => s.String("name") == container);
        var waiting = status?["state"]?["waiting"];
        if (status is null || waiting is not null)
        {
            var reason = waiting.String("reason") ?? "ContainerCreating";
            throw StatusException.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: {reason}");
        }
    }
}
