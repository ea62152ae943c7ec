using System.Text.Json;

namespace Flows.Server.Filtering;

/// <summary>How the server answers one field of a Prefect filter object.</summary>
internal enum FieldSupport
{
    /// <summary>Filters with Prefect's semantics.</summary>
    Implemented,

    /// <summary>
    /// Prefect's semantics need objects this server never stores (task runs): the criterion is accepted and,
    /// as on a Prefect server without such objects, matches nothing.
    /// </summary>
    MatchesNothing,

    /// <summary>Answered with 422 naming the field: the server cannot honour it (the reason says why).</summary>
    Refused,
}

/// <summary>A field of a filter object: a leaf criterion or a nested filter object.</summary>
internal abstract record FilterNode;

/// <summary>
/// One criterion (<c>any_</c>, <c>like_</c>, <c>before_</c> …). <see cref="ToSql"/> turns the JSON value into a SQL
/// condition, or null when Prefect treats that value as no criterion (an empty <c>like_</c>).
/// </summary>
internal sealed record FilterLeaf(FieldSupport Support, Func<FilterScope, JsonElement, string?>? ToSql, string? Reason = null) : FilterNode
{
    public static FilterLeaf Sql(Func<FilterScope, JsonElement, string?> toSql) => new(FieldSupport.Implemented, toSql);

    public static FilterLeaf Refused(string reason) => new(FieldSupport.Refused, null, reason);

    public static FilterLeaf NoTaskRuns { get; } = new(FieldSupport.MatchesNothing, null, "this server stores no task runs");
}

/// <summary>A Prefect filter object (<paramref name="Component"/> names its OpenAPI schema); <c>operator</c> (and_/or_) when it has one.</summary>
internal sealed record FilterGroup(string Component, bool HasOperator, IReadOnlyDictionary<string, FilterNode> Fields) : FilterNode;

/// <summary>Where a criterion is compiled: the row alias, the parameters, the database (for JSON fields) and the field's location.</summary>
internal sealed class FilterScope(Storage.SqlWhere where, Storage.Database database, string alias, IReadOnlyList<string> location)
{
    public Storage.SqlWhere Where { get; } = where;

    public Storage.Database Database { get; } = database;

    public string Alias { get; } = alias;

    /// <summary>e.g. body, flow_runs, id, any_: what a 422 names.</summary>
    public IReadOnlyList<string> Location { get; } = location;

    /// <summary>Workers' status is derived from heartbeats: the ids of the workers online now (set by the workers' filter).</summary>
    public IReadOnlyCollection<string>? OnlineWorkerIds { get; init; }

    public FilterScope At(string field) => new(Where, Database, Alias, [.. Location, field]) { OnlineWorkerIds = OnlineWorkerIds };

    public FilterScope WithAlias(string alias) => new(Where, Database, alias, Location) { OnlineWorkerIds = OnlineWorkerIds };

    public string Column(string name) => $"{Alias}.{name}";

    public string Json(string path) => Database.JsonText($"{Alias}.body", path);
}
