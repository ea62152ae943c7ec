namespace Flows.Server.Endpoints;

/// <summary>The answer of Prefect's <c>/…/paginate</c> routes: one page of results, the total count and the page count.</summary>
internal static class Pages
{
    public static Dictionary<string, object> Of<T>(IReadOnlyList<T> results, long count, int page, int limit) => new()
    {
        ["results"] = results,
        ["count"] = count,
        ["limit"] = limit,
        ["pages"] = limit == 0 ? 0 : (count + limit - 1) / limit,
        ["page"] = page,
    };
}
