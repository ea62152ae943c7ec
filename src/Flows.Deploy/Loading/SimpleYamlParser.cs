using System.Buffers;
using System.Runtime.CompilerServices;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Flows.Deploy.Loading;

/// <summary>
/// A fast parser for the plain shape most prefect.yaml files have, giving exactly the events YamlDotNet's
/// <see cref="Parser"/> gives for them (values, styles, anchors and start positions, which is all the loader reads).
/// It accepts only: printable ASCII lines indented with spaces; block mappings with plain keys; block sequences
/// (indentless under a key too) whose items are one-line values or compact mappings (<c>- key: value</c>); one-line
/// values that are plain scalars, quoted scalars without escapes, aliases, or flow sequences of such scalars; anchors
/// before a key's value; comments. Anything else (an empty value, a multi-line scalar, tags, block scalars, escapes,
/// documents markers, an error...) makes <see cref="TryCreate"/> answer null, and the caller uses YamlDotNet, which
/// also explains errors. YamlDotNet reads a 500-deployment file in ~15 ms; this in well under a millisecond.
/// </summary>
internal sealed class SimpleYamlParser : IParser
{
    // Printable ASCII and the line feed: any other character (tab, CR, BOM, non-ASCII) goes to YamlDotNet.
    private static readonly SearchValues<char> Allowed = SearchValues.Create("\n !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    private readonly List<ParsingEvent> _events;
    private int _next;

    private SimpleYamlParser(List<ParsingEvent> events) => _events = events;

    public ParsingEvent? Current { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool MoveNext()
    {
        if (_next < _events.Count)
        {
            Current = _events[_next++];
            return true;
        }

        Current = null;
        return false;
    }

    /// <summary>The events of <paramref name="text"/>, or null when it is not of the plain shape this parser knows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static IParser? TryCreate(string text)
    {
        if (text.AsSpan().IndexOfAnyExcept(Allowed) >= 0)
        {
            return null;
        }

        var reader = new Reader(text);
        return reader.Run() ? new SimpleYamlParser(reader.Events) : null;
    }

    /// <summary>Thrown inside the reader when the text leaves the known shape; never escapes <see cref="TryCreate"/>.</summary>
    private sealed class NotSimpleException : Exception;

    private sealed class Reader
    {
        private readonly string _text;
        private readonly List<int> _starts;
        private int _line; // current line (0-based)
        private int _depth;

        // Keys and values repeat from deployment to deployment: each distinct text is one string, each anchor name
        // one AnchorName (whose constructor is not cheap).
        private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
        private readonly Dictionary<string, AnchorName> _anchorNames = new(StringComparer.Ordinal);

        public Reader(string text)
        {
            _text = text;
            // Sized once: a line holds two events or so.
            var lines = text.AsSpan().Count('\n') + 1;
            _starts = new List<int>(lines);
            Events = new List<ParsingEvent>(2 * lines + 8);
            _starts.Add(0);
            for (var i = text.IndexOf('\n', StringComparison.Ordinal); i >= 0; i = text.IndexOf('\n', i + 1))
            {
                _starts.Add(i + 1);
            }
        }

        public List<ParsingEvent> Events { get; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public bool Run()
        {
            try
            {
                // The root must be a block mapping at column 1.
                if (!SkipBlank() || Indent(_line) != 0)
                {
                    return false;
                }

                Events.Add(new StreamStart(Mark.Empty, Mark.Empty));
                Events.Add(new DocumentStart(null, null, true, Mark.Empty, Mark.Empty));
                Mapping(0, _starts[_line], AnchorName.Empty, default);
                if (SkipBlank())
                {
                    return false; // text left at a smaller indent than the root: not ours
                }

                Events.Add(new DocumentEnd(true, Mark.Empty, Mark.Empty));
                Events.Add(new StreamEnd(Mark.Empty, Mark.Empty));
                return true;
            }
            catch (NotSimpleException)
            {
                return false;
            }
        }

        private static NotSimpleException NotSimple() => new();

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private string Text(int from, int to)
        {
            var lookup = _strings.GetAlternateLookup<ReadOnlySpan<char>>();
            var span = _text.AsSpan(from, to - from);
            if (!lookup.TryGetValue(span, out var text))
            {
                text = span.ToString();
                _strings[text] = text;
            }

            return text;
        }

        private AnchorName Anchor(int from, int to)
        {
            var name = Text(from, to);
            if (!_anchorNames.TryGetValue(name, out var anchor))
            {
                anchor = _anchorNames[name] = new AnchorName(name);
            }

            return anchor;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int LineEnd(int line) => line + 1 < _starts.Count ? _starts[line + 1] - 1 : _text.Length;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int Indent(int line)
        {
            var i = _starts[line];
            var end = LineEnd(line);
            while (i < end && _text[i] == ' ')
            {
                i++;
            }

            return i - _starts[line];
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private Mark MarkAt(int index) => new(index, _line + 1, index - _starts[_line] + 1);

        /// <summary>Moves to the next line with content (not blank, not only a comment); false at the end.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool SkipBlank()
        {
            for (; _line < _starts.Count; _line++)
            {
                var i = _starts[_line] + Indent(_line);
                if (i < LineEnd(_line) && _text[i] != '#')
                {
                    return true;
                }
            }

            return false;
        }

        // A block mapping whose first key starts at text index `at` (column `indent`), on the current line.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Mapping(int indent, int at, AnchorName anchor, Mark anchorMark)
        {
            Nest();
            Events.Add(new MappingStart(anchor, TagName.Empty, true, MappingStyle.Block, anchor.IsEmpty ? MarkAt(at) : anchorMark, MarkAt(at)));
            while (true)
            {
                var colon = KeyEnd(at) ?? throw NotSimple();
                Events.Add(new Scalar(AnchorName.Empty, TagName.Empty, Text(at, colon), ScalarStyle.Plain, true, false, MarkAt(at), MarkAt(colon), isKey: true));
                Value(indent, colon + 1);
                if (!SkipBlank() || Indent(_line) < indent)
                {
                    break;
                }

                if (Indent(_line) > indent)
                {
                    throw NotSimple(); // a continuation line, or a mis-indented key
                }

                at = _starts[_line] + indent;
            }

            Events.Add(new MappingEnd(Mark.Empty, Mark.Empty));
            _depth--;
        }

        // Deep nesting is left to YamlDotNet and the loader's own limit (and keeps this recursion shallow).
        private void Nest()
        {
            if (++_depth > 64)
            {
                throw NotSimple();
            }
        }

        // The value after "key:" (at index `i` of the current line) of a mapping at `indent`; leaves the current line behind.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Value(int indent, int i)
        {
            var end = LineEnd(_line);
            i = SkipSpaces(i, end);
            var anchor = AnchorName.Empty;
            var anchorMark = default(Mark);
            if (i < end && _text[i] == '&')
            {
                anchorMark = MarkAt(i);
                var nameEnd = NameEnd(i + 1, end);
                anchor = Anchor(i + 1, nameEnd);
                i = SkipSpaces(nameEnd, end);
            }

            if (i < end && _text[i] != '#')
            {
                Inline(i, end, anchor, anchorMark);
                _line++;
                return;
            }

            // A block node on the next lines: a sequence (at the key's indent or deeper) or a deeper mapping.
            _line++;
            if (!SkipBlank())
            {
                throw NotSimple(); // an empty value
            }

            var childIndent = Indent(_line);
            var first = _starts[_line] + childIndent;
            if (IsDash(first) && childIndent >= indent)
            {
                Sequence(childIndent, anchor, anchorMark);
            }
            else if (childIndent > indent)
            {
                Mapping(childIndent, first, anchor, anchorMark);
            }
            else
            {
                throw NotSimple(); // an empty value
            }
        }

        // A block sequence whose items start with "- " at column `indent`, the first on the current line.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Sequence(int indent, AnchorName anchor, Mark anchorMark)
        {
            Nest();
            var dash = _starts[_line] + indent;
            Events.Add(new SequenceStart(anchor, TagName.Empty, true, SequenceStyle.Block, anchor.IsEmpty ? MarkAt(dash) : anchorMark, MarkAt(dash)));
            while (true)
            {
                var end = LineEnd(_line);
                var i = SkipSpaces(dash + 1, end);
                if (i >= end || _text[i] is '#' or '-' or '&' or '?' or ':')
                {
                    throw NotSimple(); // a nested block, a nested sequence, an anchored item...
                }

                if (KeyEnd(i) is not null)
                {
                    Mapping(i - _starts[_line], i, AnchorName.Empty, default);
                }
                else
                {
                    Inline(i, end, AnchorName.Empty, default);
                    _line++;
                }

                if (!SkipBlank() || Indent(_line) < indent)
                {
                    break;
                }

                dash = _starts[_line] + indent;
                if (Indent(_line) > indent || !IsDash(dash))
                {
                    if (Indent(_line) == indent)
                    {
                        break; // an indentless sequence ends at the parent's next key
                    }

                    throw NotSimple();
                }
            }

            Events.Add(new SequenceEnd(Mark.Empty, Mark.Empty));
            _depth--;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private bool IsDash(int i) => _text[i] == '-' && (i + 1 >= _text.Length || _text[i + 1] is ' ' or '\n');

        // A one-line value from `i` to the end of the line (a comment may follow).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Inline(int i, int end, AnchorName anchor, Mark anchorMark)
        {
            var start = anchor.IsEmpty ? MarkAt(i) : anchorMark;
            int after;
            switch (_text[i])
            {
                case '"' or '\'':
                    after = Quoted(i, end, anchor, start);
                    break;
                case '*':
                    if (!anchor.IsEmpty)
                    {
                        throw NotSimple();
                    }

                    after = NameEnd(i + 1, end);
                    Events.Add(new AnchorAlias(Anchor(i + 1, after), start, MarkAt(after)));
                    break;
                case '[':
                    after = FlowSequence(i, end, anchor, start);
                    break;
                default:
                    after = Plain(i, end, anchor, start, flow: false);
                    break;
            }

            after = SkipSpaces(after, end);
            if (after < end && (_text[after] != '#' || _text[after - 1] != ' '))
            {
                throw NotSimple();
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int Quoted(int i, int end, AnchorName anchor, Mark start)
        {
            var quote = _text[i];
            var close = _text.IndexOf(quote, i + 1, end - i - 1);
            if (close < 0 || (quote == '"' && _text.IndexOf('\\', i + 1, close - i - 1) >= 0) || (quote == '\'' && close + 1 < end && _text[close + 1] == '\''))
            {
                throw NotSimple(); // multi-line, escapes, '' inside single quotes
            }

            Events.Add(new Scalar(anchor, TagName.Empty, Text(i + 1, close), quote == '"' ? ScalarStyle.DoubleQuoted : ScalarStyle.SingleQuoted, false, true, start, MarkAt(close + 1)));
            return close + 1;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int FlowSequence(int i, int end, AnchorName anchor, Mark start)
        {
            Events.Add(new SequenceStart(anchor, TagName.Empty, true, SequenceStyle.Flow, start, MarkAt(i + 1)));
            i = SkipSpaces(i + 1, end);
            if (i < end && _text[i] == ']')
            {
                Events.Add(new SequenceEnd(Mark.Empty, Mark.Empty));
                return i + 1;
            }

            while (true)
            {
                if (i >= end)
                {
                    throw NotSimple();
                }

                i = _text[i] is '"' or '\'' ? Quoted(i, end, AnchorName.Empty, MarkAt(i)) : Plain(i, end, AnchorName.Empty, MarkAt(i), flow: true);
                i = SkipSpaces(i, end);
                if (i < end && _text[i] == ']')
                {
                    Events.Add(new SequenceEnd(Mark.Empty, Mark.Empty));
                    return i + 1;
                }

                if (i >= end || _text[i] != ',')
                {
                    throw NotSimple();
                }

                i = SkipSpaces(i + 1, end);
                if (i < end && _text[i] == ']')
                {
                    throw NotSimple(); // a trailing comma
                }
            }
        }

        // A plain scalar: in a flow sequence it stops at ',' or ']'; a comment (" #") ends it; ": " or a final ':' (a key),
        // and characters that start other YAML constructs, are not ours.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int Plain(int i, int end, AnchorName anchor, Mark start, bool flow)
        {
            var c = _text[i];
            if (c is '!' or '&' or '*' or '|' or '>' or '%' or '@' or '`' or '#' or ',' or '[' or ']' or '{' or '}' or '?' or ':' or '"' or '\''
                || (c == '-' && (i + 1 >= end || !char.IsAsciiDigit(_text[i + 1]))))
            {
                throw NotSimple();
            }

            var j = i;
            var last = i; // one past the last non-space character
            for (; j < end; j++)
            {
                var ch = _text[j];
                if (ch == '#' && _text[j - 1] == ' ')
                {
                    break;
                }

                if (ch == ':' && (j + 1 >= end || _text[j + 1] == ' ' || flow))
                {
                    throw NotSimple();
                }

                if (flow && ch is ',' or ']')
                {
                    break;
                }

                if (flow && ch is '[' or '{' or '}' or '#' or '&' or '*' or '!')
                {
                    throw NotSimple();
                }

                if (ch != ' ')
                {
                    last = j + 1;
                }
            }

            Events.Add(new Scalar(anchor, TagName.Empty, Text(i, last), ScalarStyle.Plain, true, false, start, MarkAt(last)));
            return last;
        }

        // Where the plain key starting at `i` ends (its ':'), or null when the line does not start with such a key.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int? KeyEnd(int i)
        {
            var end = LineEnd(_line);
            if (i >= end)
            {
                return null;
            }

            if (_text[i] == '<' && i + 2 < end && _text[i + 1] == '<' && _text[i + 2] == ':')
            {
                return i + 2 + 1 < end && _text[i + 3] != ' ' ? null : i + 2;
            }

            if (!char.IsAsciiLetterOrDigit(_text[i]) && _text[i] is not ('_' or '$'))
            {
                return null;
            }

            for (var j = i + 1; j < end; j++)
            {
                var c = _text[j];
                if (c == ':')
                {
                    return j + 1 >= end || _text[j + 1] == ' ' ? j : null;
                }

                if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-' or '.' or '$' or '/'))
                {
                    return null;
                }
            }

            return null;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int NameEnd(int i, int end)
        {
            var j = i;
            while (j < end && (char.IsAsciiLetterOrDigit(_text[j]) || _text[j] is '_' or '-'))
            {
                j++;
            }

            if (j == i || (j < end && _text[j] != ' '))
            {
                throw NotSimple();
            }

            return j;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private int SkipSpaces(int i, int end)
        {
            while (i < end && _text[i] == ' ')
            {
                i++;
            }

            return i;
        }
    }
}
