namespace Flows.Server.Storage;

/// <summary>
/// Schema versions, applied in order at start. Each row keeps the resource's API JSON in <c>body</c>
/// (the DTO is the record) plus the columns that filters, uniqueness and ordering need. DDL is the
/// common subset of SQLite and PostgreSQL. Append new versions; never edit a shipped one.
/// </summary>
internal static class Migrations
{
    public sealed record Migration(int Version, IReadOnlyList<string> Statements);

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1,
        [
            "CREATE TABLE flows (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, tags TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE TABLE deployments (id TEXT PRIMARY KEY, flow_id TEXT NOT NULL, name TEXT NOT NULL, tags TEXT NOT NULL, work_pool_name TEXT, work_queue_name TEXT, created TEXT NOT NULL, updated TEXT NOT NULL, body TEXT NOT NULL, UNIQUE (flow_id, name))",
            "CREATE TABLE work_pools (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL, created TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE TABLE work_queues (id TEXT PRIMARY KEY, work_pool_id TEXT NOT NULL, name TEXT NOT NULL, priority INTEGER NOT NULL, is_paused INTEGER NOT NULL, last_polled TEXT, body TEXT NOT NULL, UNIQUE (work_pool_id, name))",
            "CREATE TABLE workers (id TEXT PRIMARY KEY, work_pool_id TEXT NOT NULL, name TEXT NOT NULL, last_heartbeat_time TEXT, body TEXT NOT NULL, UNIQUE (work_pool_id, name))",
            "CREATE TABLE flow_runs (id TEXT PRIMARY KEY, flow_id TEXT NOT NULL, deployment_id TEXT, work_pool_id TEXT, work_queue_id TEXT, work_queue_name TEXT, name TEXT, tags TEXT NOT NULL, state_type TEXT, state_name TEXT, expected_start_time TEXT, next_scheduled_start_time TEXT, start_time TEXT, end_time TEXT, idempotency_key TEXT, auto_scheduled INTEGER NOT NULL, created TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE UNIQUE INDEX ix_flow_runs_idempotency ON flow_runs (flow_id, idempotency_key)",
            "CREATE INDEX ix_flow_runs_due ON flow_runs (work_pool_id, state_type, next_scheduled_start_time)",
            "CREATE INDEX ix_flow_runs_deployment ON flow_runs (deployment_id, state_type)",
            "CREATE TABLE flow_run_states (id TEXT PRIMARY KEY, flow_run_id TEXT NOT NULL, timestamp TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE INDEX ix_flow_run_states_run ON flow_run_states (flow_run_id, timestamp)",
            "CREATE TABLE logs (id TEXT PRIMARY KEY, flow_run_id TEXT, task_run_id TEXT, level INTEGER NOT NULL, timestamp TEXT NOT NULL, message TEXT NOT NULL, body TEXT NOT NULL)",
            "CREATE INDEX ix_logs_flow_run ON logs (flow_run_id, timestamp)",
            "CREATE INDEX ix_logs_timestamp ON logs (timestamp)",
            "CREATE TABLE variables (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, body TEXT NOT NULL)",
        ]),
        new(2,
        [
            // get_scheduled_flow_runs scans each queue's due runs in time order.
            "CREATE INDEX ix_flow_runs_queue_due ON flow_runs (work_queue_id, state_type, next_scheduled_start_time)",
        ]),
        new(3,
        [
            // The web UI pages newest-first by id (UUIDv7) overall, per state type and per deployment, and
            // counts runs per state type from the first index alone.
            "CREATE INDEX ix_flow_runs_state_id ON flow_runs (state_type, id)",
            "CREATE INDEX ix_flow_runs_deployment_id ON flow_runs (deployment_id, id)",
            // A run's logs in (timestamp, id) order, the order of every log page, with the level in the index
            // so a level filter skips rows without reading them. It replaces (flow_run_id, timestamp).
            "CREATE INDEX ix_logs_run_time_level ON logs (flow_run_id, timestamp, id, level)",
            "DROP INDEX ix_logs_flow_run",
            "CREATE INDEX ix_deployments_name ON deployments (name, id)",
            "CREATE INDEX ix_workers_pool_heartbeat ON workers (work_pool_id, last_heartbeat_time)",
        ]),
        new(4,
        [
            // The last prefect.flow-run.heartbeat event of each run (POST /events), for finding runs whose runner died.
            "CREATE TABLE flow_run_heartbeats (flow_run_id TEXT PRIMARY KEY, last_heartbeat TEXT NOT NULL)",
        ]),
    ];
}
