using System.Text.Json;
using Flows.Api.Models;
using Flows.Api.WorkPools;
using Flows.Server.Hosting;

namespace Flows.Server.WorkPools;

/// <summary>
/// The server's side of <see cref="ProtectedJobVariables"/> (one rule with the worker): a flow run that sets a job
/// variable only the pool and the deployment choose (<c>cluster_config</c> of a kubernetes pool, <c>command</c> of a
/// process pool) is refused with a 422 naming them, on create_flow_run, <c>POST /flow_runs/</c> and PATCH of a run.
/// </summary>
internal static class RunOverrides
{
    /// <summary>Throws the 422 when <paramref name="asked"/> sets a protected variable to another value than <paramref name="allowed"/> holds.</summary>
    public static void Check(WorkPool pool, IDictionary<string, JsonElement>? asked, IDictionary<string, JsonElement>? allowed)
    {
        if (ProtectedJobVariables.Refused(pool, asked, allowed) is { Count: > 0 } refused)
        {
            throw ApiException.Validation(["body", "job_variables", refused[0]], ProtectedJobVariables.Explain(pool, refused), "job_variable_not_overridable");
        }
    }
}
