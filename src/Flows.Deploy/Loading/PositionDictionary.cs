using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace Flows.Deploy.Loading;

/// <summary>
/// The line and column of every value of a loaded YAML document, keyed by JSON Pointer, kept as a tree shaped like the
/// document: building it costs a small object per value and no pointer strings, and an alias shares its anchor's
/// subtree (its inner values are positioned where the anchor wrote them) instead of copying it.
/// A pointer is known when each of its segments names a child: a mapping key as escaped in pointers, a sequence index
/// written the usual way ("3", not "03").
/// </summary>
public sealed class PositionDictionary(PositionDictionary.Node? root) : IReadOnlyDictionary<string, (int Line, int Column)>
{
    /// <summary>A value's position and those of its children (shared with other nodes when reached through an alias).</summary>
    public sealed class Node((int Line, int Column) position)
    {
        public (int Line, int Column) Position { get; } = position;

        /// <summary>A mapping's values by escaped key, in document order.</summary>
        public List<KeyValuePair<string, Node>>? Keys { get; init; }

        /// <summary>A sequence's items.</summary>
        public List<Node>? Items { get; init; }

        /// <summary>The same children at another position (an alias of this node).</summary>
        public Node At((int Line, int Column) position) => new(position) { Keys = Keys, Items = Items };

        /// <summary>Adds a mapping value. A key given twice (only '&lt;&lt;' can be) overlays the earlier value's
        /// positions with the later's, as writing both into one pointer-keyed map would; shared nodes are not changed.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Add(string key, Node value)
        {
            // Any other key given twice is a duplicate, which fails the load: no need to look for it.
            for (var i = 0; key == "<<" && i < Keys!.Count; i++)
            {
                if (Keys[i].Key == key)
                {
                    Keys[i] = KeyValuePair.Create(key, Overlay(Keys[i].Value, value));
                    return;
                }
            }

            Keys!.Add(KeyValuePair.Create(key, value));
        }

        internal Node? Child(string segment)
        {
            if (Keys is not null)
            {
                foreach (var (key, value) in Keys)
                {
                    if (key == segment)
                    {
                        return value;
                    }
                }
            }

            if (Items is not null && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < Items.Count
                && segment == index.ToString(CultureInfo.InvariantCulture))
            {
                return Items[index];
            }

            return null;
        }

        private static Node Overlay(Node earlier, Node later)
        {
            var keys = earlier.Keys is null && later.Keys is null ? null : new List<KeyValuePair<string, Node>>(earlier.Keys ?? []);
            var result = new Node(later.Position) { Keys = keys, Items = earlier.Items is null && later.Items is null ? null : new List<Node>(earlier.Items ?? []) };
            foreach (var (key, value) in later.Keys ?? [])
            {
                result.Add(key, value);
            }

            for (var i = 0; i < (later.Items?.Count ?? 0); i++)
            {
                if (i < result.Items!.Count)
                {
                    result.Items[i] = Overlay(result.Items[i], later.Items![i]);
                }
                else
                {
                    result.Items.Add(later.Items![i]);
                }
            }

            return result;
        }
    }

    public bool TryGetValue(string key, out (int Line, int Column) value)
    {
        value = default;
        if (root is null || (key.Length > 0 && key[0] != '/'))
        {
            return false;
        }

        var node = root;
        var at = 0;
        while (at < key.Length)
        {
            var next = key.IndexOf('/', at + 1);
            var segment = next < 0 ? key[(at + 1)..] : key[(at + 1)..next];
            node = node.Child(segment);
            if (node is null)
            {
                return false;
            }

            at = next < 0 ? key.Length : next;
        }

        value = node.Position;
        return true;
    }

    public (int Line, int Column) this[string key] => TryGetValue(key, out var value) ? value : throw new KeyNotFoundException(key);

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public IEnumerable<string> Keys => this.Select(p => p.Key);

    public IEnumerable<(int Line, int Column)> Values => this.Select(p => p.Value);

    public int Count => All().Count();

    public IEnumerator<KeyValuePair<string, (int Line, int Column)>> GetEnumerator() => All().GetEnumerator();

    private IEnumerable<KeyValuePair<string, (int Line, int Column)>> All() => root is null ? [] : Flatten("", root);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static IEnumerable<KeyValuePair<string, (int Line, int Column)>> Flatten(string pointer, Node node)
    {
        yield return KeyValuePair.Create(pointer, node.Position);
        foreach (var (key, value) in node.Keys ?? [])
        {
            foreach (var entry in Flatten($"{pointer}/{key}", value))
            {
                yield return entry;
            }
        }

        for (var i = 0; i < (node.Items?.Count ?? 0); i++)
        {
            foreach (var entry in Flatten(string.Create(CultureInfo.InvariantCulture, $"{pointer}/{i}"), node.Items![i]))
            {
                yield return entry;
            }
        }
    }
}
