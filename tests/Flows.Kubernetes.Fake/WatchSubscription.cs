using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// One open watch: its filter and the lines still to write. Lines are queued under the store's lock, so every
/// watcher sees changes in resourceVersion order; the HTTP side drains the channel.
/// </summary>
internal sealed class WatchSubscription
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public WatchSubscription(ResourceKind kind, string? @namespace, LabelSelector labels, FieldSelector fields, bool bookmarks)
    {
        Kind = kind;
        Namespace = @namespace;
        Labels = labels;
        Fields = fields;
        Bookmarks = bookmarks;
    }

    public ResourceKind Kind { get; }

    public string? Namespace { get; }

    public LabelSelector Labels { get; }

    public FieldSelector Fields { get; }

    public bool Bookmarks { get; }

    public ChannelReader<string> Lines => _lines.Reader;

    public bool Matches(JsonObject obj) => Labels.Matches(obj) && Fields.Matches(obj);

    /// <summary>
    /// Queues the change as this watcher sees it: an object that starts matching the selector arrives as ADDED and one
    /// that stops matching as DELETED, as the real watch cache filters.
    /// </summary>
    public void Offer(StoredChange change)
    {
        if (change.Kind != Kind || (Namespace is not null && change.Namespace != Namespace))
        {
            return;
        }

        var now = Matches(change.Object);
        var before = change.Previous is not null && Matches(change.Previous);
        var type = change.Type switch
        {
            "MODIFIED" when now && !before => "ADDED",
            "MODIFIED" when !now && before => "DELETED",
            "MODIFIED" when !now => null,
            _ when !now => null,
            var t => t,
        };
        if (type is not null)
        {
            Write(type, change.Object);
        }
    }

    public void Write(string type, JsonObject obj) =>
        _lines.Writer.TryWrite(new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString());

    public void Complete() => _lines.Writer.TryComplete();
}
