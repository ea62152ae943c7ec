using Flows.Api.Models;

namespace Flows.Api.Client;

/// <summary>Flow run logs.</summary>
public interface ILogOperations
{
    /// <summary>
    /// <c>POST /logs/</c>: stores a batch. Retried: our server derives each line's id from its content, so a batch
    /// whose first answer was lost is not stored twice. (Prefect's server has no such key: there a retried batch
    /// may repeat lines; Prefect's own clients retry log batches the same way.)
    /// </summary>
    Task CreateLogsAsync(IEnumerable<LogCreate> logs, CancellationToken cancellationToken = default);

    /// <summary><c>POST /logs/filter</c>.</summary>
    Task<IReadOnlyList<Log>> ReadLogsAsync(LogFilterRequest? filter = null, CancellationToken cancellationToken = default);
}

internal sealed class LogOperations(PrefectTransport transport) : ILogOperations
{
    public Task CreateLogsAsync(IEnumerable<LogCreate> logs, CancellationToken cancellationToken = default)
        => transport.SendAsync(HttpMethod.Post, "logs/", logs.ToList(), idempotent: true, cancellationToken);

    public async Task<IReadOnlyList<Log>> ReadLogsAsync(LogFilterRequest? filter = null, CancellationToken cancellationToken = default)
        => await transport.SendAsync<List<Log>>(HttpMethod.Post, "logs/filter", filter ?? new LogFilterRequest(), idempotent: true, cancellationToken).ConfigureAwait(false);
}
