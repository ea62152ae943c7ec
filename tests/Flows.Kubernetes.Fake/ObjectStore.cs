using System.Globalization;
using System.Text.Json.Nodes;

namespace Flows.Kubernetes.Fake;

/// <summary>
/// The fake's etcd: objects by (resource, namespace, name), one global increasing resourceVersion, a bounded
/// history of changes for watches that resume from a resourceVersion, and the open watches. Everything happens
/// under <see cref="Gate"/>, which the controller also takes to make multi-step changes atomic.
/// </summary>
internal sealed class ObjectStore
{
    private readonly Dictionary<(string Resource, string Namespace, string Name), JsonObject> _objects = [];
    private readonly LinkedList<StoredChange> _history = new();
    private readonly List<WatchSubscription> _watchers = [];
    private readonly Dictionary<(string Resource, string Namespace, string Name), long> _createdAt = [];
    private readonly int _historyLimit;
    private long _resourceVersion = 1;
    private long _compactedThrough = 1;
    private TaskCompletionSource _changed = NewSignal();

    public ObjectStore(int historyLimit) => _historyLimit = historyLimit;

    public object Gate { get; } = new();

    public long ResourceVersion
    {
        get
        {
            lock (Gate)
            {
                return _resourceVersion;
            }
        }
    }

    public int OpenWatches
    {
        get
        {
            lock (Gate)
            {
                return _watchers.Count;
            }
        }
    }

    /// <summary>Completes at the next commit: lets test helpers wait for "something changed" without polling.</summary>
    public Task Changed
    {
        get
        {
            lock (Gate)
            {
                return _changed.Task;
            }
        }
    }

    public JsonObject? Get(ResourceKind kind, string? @namespace, string name)
    {
        lock (Gate)
        {
            return _objects.TryGetValue(Key(kind, @namespace, name), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    /// <summary>Copies of the objects of a kind (in a namespace, or all) that pass <paramref name="match"/>, tested before copying.</summary>
    public List<JsonObject> Find(ResourceKind kind, string? @namespace, Func<JsonObject, bool> match)
    {
        lock (Gate)
        {
            return _objects
                .Where(p => p.Key.Resource == kind.Plural && (@namespace is null || p.Key.Namespace == @namespace) && match(p.Value))
                .OrderBy(p => p.Key.Namespace, StringComparer.Ordinal).ThenBy(p => p.Key.Name, StringComparer.Ordinal)
                .Select(p => (JsonObject)p.Value.DeepClone())
                .ToList();
        }
    }

    public (List<JsonObject> Items, long ResourceVersion) List(ResourceKind kind, string? @namespace, LabelSelector labels, FieldSelector fields)
    {
        lock (Gate)
        {
            var items = _objects
                .Where(p => p.Key.Resource == kind.Plural && (@namespace is null || p.Key.Namespace == @namespace))
                .Where(p => labels.Matches(p.Value) && fields.Matches(p.Value))
                .OrderBy(p => p.Key.Namespace, StringComparer.Ordinal).ThenBy(p => p.Key.Name, StringComparer.Ordinal)
                .Select(p => (JsonObject)p.Value.DeepClone())
                .ToList();
            return (items, _resourceVersion);
        }
    }

    /// <summary>Stores a new object with the next resourceVersion; the caller checked it does not exist.</summary>
    public JsonObject Add(ResourceKind kind, string? @namespace, JsonObject obj) => Commit(kind, @namespace, obj, "ADDED", previous: null);

    public JsonObject Update(ResourceKind kind, string? @namespace, JsonObject obj, JsonObject previous) => Commit(kind, @namespace, obj, "MODIFIED", previous);

    public JsonObject Remove(ResourceKind kind, string? @namespace, JsonObject obj) => Commit(kind, @namespace, obj, "DELETED", previous: null);

    /// <summary>The resourceVersion an object was created at: creation order, which later changes do not disturb.</summary>
    public long CreatedAt(ResourceKind kind, string? @namespace, string name)
    {
        lock (Gate)
        {
            return _createdAt.TryGetValue(Key(kind, @namespace, name), out var at) ? at : long.MaxValue;
        }
    }

    public bool Exists(ResourceKind kind, string? @namespace, string name)
    {
        lock (Gate)
        {
            return _objects.ContainsKey(Key(kind, @namespace, name));
        }
    }

    /// <summary>
    /// Opens a watch. No resourceVersion (or "0"): synthetic ADDED for what exists now, then changes. A resourceVersion:
    /// the changes after it from history, or 410 Gone (as a watch ERROR event, like the real server) when history no
    /// longer reaches back that far.
    /// </summary>
    public WatchSubscription Watch(WatchSubscription subscription, string? resourceVersion, bool sendInitialEvents)
    {
        lock (Gate)
        {
            if (string.IsNullOrEmpty(resourceVersion) || resourceVersion == "0" || sendInitialEvents)
            {
                foreach (var obj in List(subscription.Kind, subscription.Namespace, subscription.Labels, subscription.Fields).Items)
                {
                    subscription.Write("ADDED", obj);
                }

                if (sendInitialEvents && subscription.Bookmarks)
                {
                    subscription.Write("BOOKMARK", Bookmark(subscription.Kind, initialEventsEnd: true));
                }
            }
            else
            {
                if (!long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var from))
                {
                    throw StatusException.BadRequest($"invalid resource version: {resourceVersion}");
                }

                if (from < _compactedThrough)
                {
                    subscription.Write("ERROR", StatusException.Gone($"too old resource version: {from} ({_compactedThrough})").ToStatus());
                    subscription.Complete();
                    return subscription;
                }

                foreach (var change in _history.Where(c => c.ResourceVersion > from))
                {
                    subscription.Offer(change);
                }
            }

            _watchers.Add(subscription);
            return subscription;
        }
    }

    public void StopWatching(WatchSubscription subscription)
    {
        lock (Gate)
        {
            _watchers.Remove(subscription);
        }

        subscription.Complete();
    }

    /// <summary>Forgets all history, as an etcd compaction does: watches from any older resourceVersion get 410 Gone.</summary>
    public void Compact()
    {
        lock (Gate)
        {
            _history.Clear();
            _compactedThrough = _resourceVersion;
        }
    }

    /// <summary>Sends a BOOKMARK (the current resourceVersion, no object data) to every watch that allowed them.</summary>
    public void SendBookmarks()
    {
        lock (Gate)
        {
            foreach (var watcher in _watchers.Where(w => w.Bookmarks))
            {
                watcher.Write("BOOKMARK", Bookmark(watcher.Kind, initialEventsEnd: false));
            }
        }
    }

    public void CloseAllWatches()
    {
        lock (Gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Complete();
            }

            _watchers.Clear();
        }
    }

    private JsonObject Bookmark(ResourceKind kind, bool initialEventsEnd)
    {
        var metadata = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        return new JsonObject { ["kind"] = kind.Kind, ["apiVersion"] = kind.ApiVersion, ["metadata"] = metadata };
    }

    private JsonObject Commit(ResourceKind kind, string? @namespace, JsonObject obj, string type, JsonObject? previous)
    {
        lock (Gate)
        {
            _resourceVersion++;
            var stored = (JsonObject)obj.DeepClone();
            stored["metadata"]!["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
            var key = Key(kind, @namespace, stored["metadata"]!["name"]!.GetValue<string>());
            if (type == "DELETED")
            {
                _objects.Remove(key);
                _createdAt.Remove(key);
            }
            else if (type == "ADDED")
            {
                _objects[key] = stored;
                _createdAt[key] = _resourceVersion;
            }
            else
            {
                _objects[key] = stored;
            }

            var change = new StoredChange(_resourceVersion, kind, @namespace, type, stored, previous);
            _history.AddLast(change);
            while (_history.Count > _historyLimit)
            {
                _compactedThrough = _history.First!.Value.ResourceVersion;
                _history.RemoveFirst();
            }

            foreach (var watcher in _watchers)
            {
                watcher.Offer(change);
            }

            var changed = _changed;
            _changed = NewSignal();
            changed.TrySetResult();
            return (JsonObject)stored.DeepClone();
        }
    }

    private static (string, string, string) Key(ResourceKind kind, string? @namespace, string name) =>
        (kind.Plural, kind.Namespaced ? @namespace ?? "" : "", name);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
