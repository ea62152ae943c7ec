using System.Text;
using System.Text.RegularExpressions;

namespace Flows.Deploy.Docker;

/// <summary>
/// <c>.dockerignore</c> as the docker CLI reads and applies it (moby/patternmatcher and its <c>ignorefile</c>): a line
/// starting with <c>#</c> is a comment; lines are trimmed; <c>!</c> makes an exception; each pattern is cleaned like Go's
/// <c>filepath.Clean</c> and a leading <c>/</c> dropped; <c>*</c> and <c>?</c> never cross <c>/</c>, <c>**</c> matches any
/// number of directories (also none), <c>[…]</c> are classes, <c>\</c> escapes. A path is excluded when the last pattern
/// matching it (or one of its parent directories) is not an exception. Hand-written rather than built on
/// Microsoft.Extensions.FileSystemGlobbing: that library has include/exclude sets, not Docker's ordered "last match
/// wins" with exceptions, and its <c>*</c>/<c>**</c> rules differ at the edges (a pattern matching a directory).
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<Rule> _rules;

    private DockerIgnore(List<Rule> rules) => _rules = rules;

    /// <summary>Ignores nothing.</summary>
    public static DockerIgnore Empty { get; } = new([]);

    /// <summary>The cleaned patterns in order, exceptions with their <c>!</c>.</summary>
    public IReadOnlyList<string> Patterns => _rules.Select(r => r.Exception ? "!" + r.Pattern : r.Pattern).ToList();

    /// <summary>Whether any pattern is an exception (then an excluded directory may still hold included files).</summary>
    public bool HasExceptions => _rules.Any(r => r.Exception);

    /// <summary>Reads <c>.dockerignore</c> text. Throws <see cref="FormatException"/> naming the line of a bad pattern.</summary>
    public static DockerIgnore Parse(string text)
    {
        var rules = new List<Rule>();
        var lineNumber = 0;
        foreach (var raw in text.TrimStart('\uFEFF').Split('\n'))
        {
            lineNumber++;
            // As ignorefile.ReadAll: a comment is a '#' at the very start of the line, checked before trimming.
            if (raw.StartsWith('#'))
            {
                continue;
            }

            var pattern = raw.Trim();
            if (pattern.Length == 0)
            {
                continue;
            }

            var exception = pattern[0] == '!';
            if (exception)
            {
                pattern = pattern[1..].Trim();
            }

            if (pattern.Length > 0)
            {
                pattern = Clean(pattern);
                if (pattern.Length > 1 && pattern[0] == '/')
                {
                    pattern = pattern[1..];
                }
            }

            try
            {
                rules.Add(new Rule(pattern, exception, Compile(pattern)));
            }
            catch (ArgumentException e)
            {
                throw new FormatException($"line {lineNumber}: '{raw.Trim()}' is not a valid pattern ({e.Message})", e);
            }
        }

        return new DockerIgnore(rules);
    }

    /// <summary>A copy with <c>!path</c> appended when <paramref name="path"/> would be excluded: the docker CLI does this
    /// for the Dockerfile and <c>.dockerignore</c>, which the daemon always needs.</summary>
    public DockerIgnore Keeping(string path) => IsExcluded(path) ? new DockerIgnore([.. _rules, new Rule(Clean(path), true, Compile(Clean(path)))]) : this;

    /// <summary>Whether <paramref name="path"/> (relative to the context, <c>/</c>-separated) is left out of the context.</summary>
    public bool IsExcluded(string path)
    {
        var file = Clean(path);
        var slash = file.LastIndexOf('/');
        var parents = slash > 0 ? file[..slash].Split('/') : [];
        var matched = false;
        foreach (var rule in _rules)
        {
            // An inclusion cannot change an already excluded path, nor an exception a path not yet excluded.
            if (rule.Exception != matched)
            {
                continue;
            }

            var match = rule.Regex.IsMatch(file);
            for (var i = 0; !match && i < parents.Length; i++)
            {
                match = rule.Regex.IsMatch(string.Join('/', parents, 0, i + 1));
            }

            if (match)
            {
                matched = !rule.Exception;
            }
        }

        return matched;
    }

    /// <summary>Go's <c>filepath.Clean</c> for <c>/</c>-separated paths: no empty or <c>.</c> elements, <c>..</c> resolved
    /// where it can be, <c>.</c> for nothing.</summary>
    internal static string Clean(string path)
    {
        var rooted = path.StartsWith('/');
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == ".." && parts.Count > 0 && parts[^1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".." || !rooted)
            {
                parts.Add(part);
            }
        }

        var joined = string.Join('/', parts);
        return rooted ? "/" + joined : joined.Length == 0 ? "." : joined;
    }

    // patternmatcher's translation to a regular expression, for '/' as the separator.
    private static Regex Compile(string pattern)
    {
        var regex = new StringBuilder("^");
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var ch = pattern[i];
            if (ch == '*' && !inClass)
            {
                if (i + 1 < pattern.Length && pattern[i + 1] == '*')
                {
                    i++;
                    if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                    {
                        i++; // "**/" is "**"
                    }

                    // "**" at the end accepts everything (as .gitignore); elsewhere any number of directories, even none.
                    regex.Append(i + 1 == pattern.Length ? ".*" : "(.*/)?");
                }
                else
                {
                    regex.Append("[^/]*");
                }
            }
            else if (ch == '?' && !inClass)
            {
                regex.Append("[^/]");
            }
            else if (ch == '\\')
            {
                // filepath.Match reads "\x" as a literal x; a trailing '\' stays a literal backslash.
                regex.Append(i + 1 < pattern.Length ? Regex.Escape(pattern[++i].ToString()) : @"\\");
            }
            else if (ch == '[' && !inClass)
            {
                inClass = true;
                regex.Append(ch);
            }
            else if (ch == ']' && inClass)
            {
                inClass = false;
                regex.Append(ch);
            }
            else if (".+()|{}$^".Contains(ch) && !(inClass && ch == '^'))
            {
                regex.Append('\\').Append(ch);
            }
            else
            {
                regex.Append(ch);
            }
        }

        if (inClass)
        {
            throw new ArgumentException("unterminated '['");
        }

        regex.Append('$');
        return new Regex(regex.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    private sealed record Rule(string Pattern, bool Exception, Regex Regex);
}
