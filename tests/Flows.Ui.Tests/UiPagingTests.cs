using System.Net;
using System.Text.RegularExpressions;
using Flows.Api.Models;
using Flows.Server.Storage;
using Flows.Server.Ui;
using Microsoft.Data.Sqlite;

namespace Flows.Ui.Tests;

/// <summary>Every list is a page; the links walk all rows exactly once; the queries are index-backed.</summary>
public sealed partial class UiPagingTests
{
    [GeneratedRegex("<tr><td><a href=\"/runs/([0-9a-f-]{36})\">")]
    private static partial Regex RunRow();

    [GeneratedRegex("<a class=\"older\" href=\"([^\"]+)\">")]
    private static partial Regex NextLink();

    [GeneratedRegex("<tr class=\"level-(\\w+)\" data-id=\"([0-9a-f-]{36})\">")]
    private static partial Regex LogRow();

    private static string? Next(string page) => NextLink().Match(page) is { Success: true } m ? System.Net.WebUtility.HtmlDecode(m.Groups[1].Value) : null;

    private static async Task<List<List<string>>> WalkAsync(UiServer server, string path, Regex row, int group = 1)
    {
        var pages = new List<List<string>>();
        for (string? next = path; next is not null;)
        {
            var (status, body, _) = await server.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, status);
            pages.Add(row.Matches(body).Select(m => m.Groups[group].Value).ToList());
            next = Next(body);
        }

        return pages;
    }

    [Fact]
    public async Task Runs_page_newest_first_fifty_at_a_time_with_counts_per_state()
    {
        await using var server = await UiServer.StartAsync();
        var api = server.Client;
        await api.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = "pool", Type = "process" });
        var flow = await api.Flows.CreateFlowAsync(new FlowCreate { Name = "f" });
        var deployment = await api.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "d", FlowId = flow.Id, WorkPoolName = "pool" });
        var ids = new List<Guid>();
        for (var i = 0; i < 120; i++)
        {
            var state = i % 12 < 7 ? new StateCreate { Type = StateType.Completed } : null;
            ids.Add((await api.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id, new DeploymentFlowRunCreate { State = state })).Id);
        }

        var newestFirst = (await api.FlowRuns.ReadFlowRunsAsync(new FlowRunFilterRequest { Limit = 200 })).Select(r => r.Id.ToString()).ToList();
        var pages = await WalkAsync(server, "/", RunRow());
        Assert.Equal([50, 50, 20], pages.Select(p => p.Count));
        Assert.Equal(newestFirst, pages.SelectMany(p => p));

        var completed = await WalkAsync(server, "/?state=COMPLETED", RunRow());
        Assert.Equal([50, 20], completed.Select(p => p.Count));
        var completedIds = (await api.FlowRuns.ReadFlowRunsAsync(new FlowRunFilterRequest
        {
            FlowRuns = new FlowRunFilter { State = new FlowRunStateFilter { Type = new StateTypeFilter { Any = [StateType.Completed] } } }, Limit = 200,
        })).Select(r => r.Id.ToString());
        Assert.Equal(completedIds, completed.SelectMany(p => p));

        var (_, dashboard, _) = await server.GetAsync("/");
        Assert.Contains("data-state=\"COMPLETED\"><span class=\"n\">70</span>", dashboard);
        Assert.Contains("data-state=\"SCHEDULED\"><span class=\"n\">50</span>", dashboard);
        Assert.Contains("<span class=\"n\">120</span> All", dashboard);

        // The deployment page shows its newest 20.
        var (_, deploymentPage, _) = await server.GetAsync($"/deployments/{deployment.Id}");
        Assert.Equal(newestFirst.Take(20), RunRow().Matches(deploymentPage).Select(m => m.Groups[1].Value));
    }

    [Fact]
    public async Task Log_pages_walk_every_line_once_and_filter_by_level()
    {
        await using var server = await UiServer.StartAsync();
        var api = server.Client;
        var flow = await api.Flows.CreateFlowAsync(new FlowCreate { Name = "f" });
        var deployment = await api.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = "d", FlowId = flow.Id });
        var run = await api.Deployments.CreateFlowRunFromDeploymentAsync(deployment.Id);
        var start = DateTimeOffset.UtcNow;
        // 450 lines, several per instant, so the (timestamp, id) cursor must break ties.
        var lines = Enumerable.Range(0, 450).Select(i => new LogCreate
        {
            Name = "t", Level = i % 10 == 0 ? 40 : 20, Message = $"line {i}", Timestamp = start.AddMilliseconds(i / 3), FlowRunId = run.Id,
        }).ToList();
        await api.Logs.CreateLogsAsync(lines);
        var all = (await ReadAllLogsAsync(api, run.Id)).Select(l => l.Id.ToString()).ToList();

        var pages = await WalkAsync(server, $"/runs/{run.Id}", LogRow(), group: 2);
        Assert.Equal([200, 200, 50], pages.Select(p => p.Count));
        Assert.Equal(all, pages.SelectMany(p => p));

        var errors = await WalkAsync(server, $"/runs/{run.Id}?level=40", LogRow(), group: 1);
        Assert.Equal(45, Assert.Single(errors).Count);
        Assert.All(errors[0], level => Assert.Equal("error", level));

        var (_, tail, _) = await server.GetAsync($"/runs/{run.Id}?tail=1");
        Assert.Equal(all.TakeLast(200), LogRow().Matches(tail).Select(m => m.Groups[2].Value));
    }

    private static async Task<List<Log>> ReadAllLogsAsync(Flows.Api.Client.PrefectClient api, Guid runId)
    {
        var all = new List<Log>();
        while (true)
        {
            var page = await api.Logs.ReadLogsAsync(new LogFilterRequest { Logs = new LogFilter { FlowRunId = new IdFilter { Any = [runId] } }, Limit = 200, Offset = all.Count });
            all.AddRange(page);
            if (page.Count < 200)
            {
                return all;
            }
        }
    }

    [Fact]
    public async Task Deployments_and_pools_page_by_name()
    {
        await using var server = await UiServer.StartAsync();
        var api = server.Client;
        var flow = await api.Flows.CreateFlowAsync(new FlowCreate { Name = "f" });
        for (var i = 0; i < 55; i++)
        {
            await api.Deployments.CreateDeploymentAsync(new DeploymentCreate { Name = $"d{i:00}", FlowId = flow.Id });
            await api.WorkPools.CreateWorkPoolAsync(new WorkPoolCreate { Name = $"p{i:00}", Type = "process" });
        }

        var deployments = await WalkAsync(server, "/deployments", new Regex("<a href=\"/deployments/[0-9a-f-]{36}\">f/(d\\d\\d)</a>"));
        Assert.Equal(Enumerable.Range(0, 55).Select(i => $"d{i:00}"), deployments.SelectMany(p => p));
        Assert.Equal([50, 5], deployments.Select(p => p.Count));
        var pools = await WalkAsync(server, "/work-pools", new Regex("<tr id=\"pool-(p\\d\\d)\">"));
        Assert.Equal(Enumerable.Range(0, 55).Select(i => $"p{i:00}"), pools.SelectMany(p => p));
    }

    /// <summary>The plan, not the clock: SQLite answers each page from an index, with no sort of the whole table.</summary>
    [Fact]
    public async Task The_page_queries_use_indexes_for_filter_and_order()
    {
        await using var server = await UiServer.StartAsync();
        var db = (SqliteDatabase)server.Host.Database;
        var cases = new (string Sql, List<(string, object?)> Parameters, string Index)[]
        {
            Tuple(UiQueries.RunsSql(null, null, null, 51), "sqlite_autoindex_flow_runs_1"),
            Tuple(UiQueries.RunsSql(null, null, Guid.NewGuid().ToString(), 51), "sqlite_autoindex_flow_runs_1"),
            Tuple(UiQueries.RunsSql("FAILED", null, Guid.NewGuid().ToString(), 51), "ix_flow_runs_state_id"),
            Tuple(UiQueries.RunsSql(null, Guid.NewGuid(), null, 21), "ix_flow_runs_deployment_id"),
            Tuple(UiQueries.LogsSql(Guid.NewGuid(), 0, null, null, tail: false, 201), "ix_logs_run_time_level"),
            Tuple(UiQueries.LogsSql(Guid.NewGuid(), 40, "2026-01-01T00:00:00.000000Z", Guid.NewGuid().ToString(), tail: false, 201), "ix_logs_run_time_level"),
            Tuple(UiQueries.LogsSql(Guid.NewGuid(), 30, null, null, tail: true, 201), "ix_logs_run_time_level"),
            Tuple(("SELECT state_type, COUNT(*) FROM flow_runs GROUP BY state_type", []), "COVERING INDEX ix_flow_runs_state_id"),
        };
        foreach (var (sql, parameters, index) in cases)
        {
            var plan = await db.ReadAsync(async c =>
            {
                await using var command = c.CreateCommand();
                command.CommandText = "EXPLAIN QUERY PLAN " + sql;
                foreach (var (name, value) in parameters)
                {
                    command.Parameters.Add(new SqliteParameter(name, value ?? DBNull.Value));
                }

                var details = new List<string>();
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    details.Add(reader.GetString(3));
                }

                return string.Join(" | ", details);
            }, CancellationToken.None);
            Assert.Contains(index, plan);
            Assert.DoesNotContain("TEMP B-TREE", plan);
            // A bare "SCAN <table>" reads every row; "SCAN … USING INDEX" walks an index in order and stops at LIMIT.
            Assert.DoesNotContain(plan.Split(" | "), step => step is "SCAN flow_runs" or "SCAN logs");
        }

        static (string, List<(string, object?)>, string) Tuple((string Sql, List<(string, object?)> Parameters) q, string index) => (q.Sql, q.Parameters, index);
    }
}
