using System.Net;
using Flows.Api.Client;

namespace Flows.Cli.Commands;

/// <summary>Runs one API interaction and turns its failures into one error line and an exit code.</summary>
internal static class ApiCall
{
    public static async Task<int> RunAsync(CliConsole console, PrefectClient client, Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (PrefectApiException e) when (e.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.UnprocessableEntity or HttpStatusCode.Conflict)
        {
            await console.Error.WriteLineAsync($"error {CliDiagnosticCodes.ServerError}: {e.Message}").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (Exception e) when (e is PrefectApiException or HttpRequestException)
        {
            await console.Error.WriteLineAsync($"error {CliDiagnosticCodes.ServerError}: {client.Options.ApiUrl}: {e.Message} (is the server running? set PREFECT_API_URL, or start one with 'flows-deploy server start')").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }
}
