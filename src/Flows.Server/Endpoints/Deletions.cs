using System.Data.Common;
using Flows.Server.Storage;

namespace Flows.Server.Endpoints;

/// <summary>
/// What deleting a flow, a run or a deployment takes with it, as Prefect's foreign keys do: a flow its deployments and
/// runs; a run its states and logs; a deployment its runs that have not started. Used by the single and bulk deletes.
/// </summary>
internal static class Deletions
{
    public static async Task<bool> DeleteFlowAsync(DbConnection c, DbTransaction t, string id)
    {
        if (await c.ExecuteAsync(t, "DELETE FROM flows WHERE id = @id", ("id", id)) == 0)
        {
            return false;
        }

        await c.ExecuteAsync(t, "DELETE FROM flow_run_states WHERE flow_run_id IN (SELECT id FROM flow_runs WHERE flow_id = @id)", ("id", id));
        await c.ExecuteAsync(t, "DELETE FROM logs WHERE flow_run_id IN (SELECT id FROM flow_runs WHERE flow_id = @id)", ("id", id));
        await c.ExecuteAsync(t, "DELETE FROM flow_runs WHERE flow_id = @id", ("id", id));
        await c.ExecuteAsync(t, "DELETE FROM deployments WHERE flow_id = @id", ("id", id));
        return true;
    }

    public static async Task<bool> DeleteFlowRunAsync(DbConnection c, DbTransaction t, string id)
    {
        if (await c.ExecuteAsync(t, "DELETE FROM flow_runs WHERE id = @id", ("id", id)) == 0)
        {
            return false;
        }

        await c.ExecuteAsync(t, "DELETE FROM flow_run_states WHERE flow_run_id = @id", ("id", id));
        await c.ExecuteAsync(t, "DELETE FROM logs WHERE flow_run_id = @id", ("id", id));
        return true;
    }

    public static async Task<bool> DeleteDeploymentAsync(DbConnection c, DbTransaction t, string id)
    {
        if (await c.ExecuteAsync(t, "DELETE FROM deployments WHERE id = @id", ("id", id)) == 0)
        {
            return false;
        }

        // Prefect deletes the deployment's runs that have not started yet.
        await c.ExecuteAsync(t, "DELETE FROM flow_runs WHERE deployment_id = @id AND state_type = 'SCHEDULED'", ("id", id));
        return true;
    }
}
