using System.Net;
using System.Text;

namespace Flows.Api.Tests;

/// <summary>Answers requests from a queue of canned responses and records what was sent.</summary>
internal sealed class StubHandler : HttpMessageHandler
{
    private readonly Queue<Func<string?, HttpResponseMessage>> _answers = new();

    public List<(HttpRequestMessage Request, string? Body)> Requests { get; } = [];

    public StubHandler Answer(HttpStatusCode status, string? json = null, Action<HttpResponseMessage>? configure = null)
    {
        _answers.Enqueue(_ =>
        {
            var response = new HttpResponseMessage(status);
            if (json is not null)
            {
                response.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            configure?.Invoke(response);
            return response;
        });
        return this;
    }

    /// <summary>Answers with JSON made from the request's body (e.g. echoing an id the client generated).</summary>
    public StubHandler Answer(HttpStatusCode status, Func<string, string> jsonFromRequestBody)
    {
        _answers.Enqueue(body => new HttpResponseMessage(status) { Content = new StringContent(jsonFromRequestBody(body ?? string.Empty), Encoding.UTF8, "application/json") });
        return this;
    }

    public StubHandler Fail()
    {
        _answers.Enqueue(_ => throw new HttpRequestException("connection refused"));
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add((request, body));
        return _answers.Dequeue()(body);
    }
}
