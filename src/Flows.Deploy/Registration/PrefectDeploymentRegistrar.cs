using System.Net;
using Flows.Api.Client;
using Flows.Api.Models;
using Flows.Deploy.Planning;

namespace Flows.Deploy.Registration;

/// <summary>
/// Registers through Prefect's REST API: upsert the flow by name, then the deployment. The API has no transaction, so
/// all-or-nothing is kept by compensation: each deployment's stored form is read before it is written, and when a later
/// write fails the ones already written are undone (new ones deleted, replaced ones written back as they were) before
/// <see cref="DeploymentRegistrationException"/> says what failed and what was undone. Flows created on the way stay
/// (a flow without deployments is harmless and Prefect's own deploy leaves them too).
/// </summary>
public sealed class PrefectDeploymentRegistrar(PrefectClient client) : IDeploymentRegistrar
{
    public async Task<IReadOnlyList<Guid>> RegisterAsync(DeploymentPlan plan, CancellationToken cancellationToken = default)
    {
        var flowIds = new Dictionary<string, Guid>(StringComparer.Ordinal);
        var written = new List<(PlannedDeployment Deployment, Guid Id, DeploymentResponse? Before)>();
        foreach (var deployment in plan.Deployments)
        {
            try
            {
                if (!flowIds.TryGetValue(deployment.FlowName, out var flowId))
                {
                    flowId = (await client.Flows.CreateFlowAsync(new FlowCreate { Name = deployment.FlowName }, cancellationToken).ConfigureAwait(false)).Id;
                    flowIds[deployment.FlowName] = flowId;
                }

                var before = await ReadOrNullAsync(deployment, cancellationToken).ConfigureAwait(false);
                var created = await client.Deployments.CreateDeploymentAsync(deployment.Body with { FlowId = flowId }, cancellationToken).ConfigureAwait(false);
                written.Add((deployment, created.Id, before));
            }
            catch (Exception e) when (e is PrefectApiException or HttpRequestException or TaskCanceledException)
            {
                // Undo with a fresh token: the caller's may be the reason we stopped.
                var undone = await UndoAsync(written, CancellationToken.None).ConfigureAwait(false);
                throw new DeploymentRegistrationException(deployment.FullName, e, undone);
            }
        }

        return written.Select(w => w.Id).ToList();
    }

    private async Task<DeploymentResponse?> ReadOrNullAsync(PlannedDeployment deployment, CancellationToken cancellationToken)
    {
        try
        {
            return await client.Deployments.ReadDeploymentByNameAsync(deployment.FlowName, deployment.Body.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (PrefectApiException e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Undoes the writes newest first; returns one line per deployment saying what happened to it.</summary>
    private async Task<IReadOnlyList<string>> UndoAsync(List<(PlannedDeployment Deployment, Guid Id, DeploymentResponse? Before)> written, CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        for (var i = written.Count - 1; i >= 0; i--)
        {
            var (deployment, id, before) = written[i];
            try
            {
                if (before is null)
                {
                    await client.Deployments.DeleteDeploymentAsync(id, cancellationToken).ConfigureAwait(false);
                    lines.Add($"{deployment.FullName}: new, deleted again");
                }
                else
                {
                    await client.Deployments.CreateDeploymentAsync(AsCreate(before), cancellationToken).ConfigureAwait(false);
                    lines.Add($"{deployment.FullName}: restored to what it was");
                }
            }
            catch (Exception e) when (e is PrefectApiException or HttpRequestException or TaskCanceledException)
            {
                lines.Add($"{deployment.FullName}: NOT undone ({e.Message.TrimEnd('.')}); it is registered with the new values");
            }
        }

        return lines;
    }

    /// <summary>A stored deployment as the upsert body that writes it back.</summary>
    private static DeploymentCreate AsCreate(DeploymentResponse d) => new()
    {
        Name = d.Name,
        FlowId = d.FlowId,
        Paused = d.Paused,
        Schedules = d.Schedules.Select(s => new DeploymentScheduleCreate { Schedule = s.Schedule, Active = s.Active, MaxScheduledRuns = s.MaxScheduledRuns, Parameters = s.Parameters, Slug = s.Slug }).ToList(),
        ConcurrencyLimit = d.ConcurrencyLimit,
        EnforceParameterSchema = d.EnforceParameterSchema,
        ParameterOpenapiSchema = d.ParameterOpenapiSchema,
        Parameters = d.Parameters,
        Tags = d.Tags,
        Labels = d.Labels,
        PullSteps = d.PullSteps,
        WorkQueueName = d.WorkQueueName,
        WorkPoolName = d.WorkPoolName,
        Description = d.Description,
        Path = d.Path,
        Version = d.Version,
        Entrypoint = d.Entrypoint,
        JobVariables = d.JobVariables,
    };
}
