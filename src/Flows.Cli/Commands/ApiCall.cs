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
            return console.Fail(CliDiagnosticCodes.ServerError, e.Message, exitCode: ExitCodes.BadInput);
        }
        catch (Exception e) when (e is PrefectApiException or HttpRequestException)
        {
            return console.Fail(CliDiagnosticCodes.ServerError, $"{client.Options.ApiUrl}: {e.Message} (is the server running? set PREFECT_API_URL, or start one with 'flows-deploy server start')", exitCode: ExitCodes.Failure);
        }
    }
}
