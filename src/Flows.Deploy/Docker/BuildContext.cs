using System.Formats.Tar;

namespace Flows.Deploy.Docker;

/// <summary>
/// The build context the docker CLI sends to <c>POST /build</c>: a tar of the context directory without what
/// <c>.dockerignore</c> excludes (the Dockerfile and <c>.dockerignore</c> themselves are always sent), entries owned by
/// root as the CLI writes them, file modes and symbolic links kept (links are not followed). A Dockerfile outside the
/// context is added under a generated name, as the CLI does, and <see cref="DockerfilePath"/> names it.
/// </summary>
internal sealed class BuildContext
{
    private BuildContext(string dockerfilePath, int files)
    {
        DockerfilePath = dockerfilePath;
        Files = files;
    }

    /// <summary>The Dockerfile's path inside the tar (the build's <c>dockerfile</c> parameter).</summary>
    public string DockerfilePath { get; }

    /// <summary>How many regular files were sent.</summary>
    public int Files { get; }

    /// <summary>Writes the context of <paramref name="directory"/> for <paramref name="dockerfile"/> (a full path) to
    /// <paramref name="output"/>. IO problems surface as <see cref="IOException"/>/<see cref="UnauthorizedAccessException"/>
    /// naming the file.</summary>
    public static async Task<BuildContext> WriteAsync(string directory, string dockerfile, DockerIgnore ignore, Stream output, CancellationToken cancellationToken = default)
    {
        var root = Path.GetFullPath(directory);
        var relative = Path.GetRelativePath(root, dockerfile).Replace(Path.DirectorySeparatorChar, '/');
        var outside = relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative);
        var rules = ignore.Keeping(".dockerignore");
        string dockerfilePath;
        if (outside)
        {
            dockerfilePath = $".dockerfile.{Guid.NewGuid():N}"[..30];
        }
        else
        {
            dockerfilePath = relative;
            rules = rules.Keeping(relative);
        }

        var files = 0;
        await using (var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            files += await AddDirectoryAsync(tar, root, "", rules, cancellationToken).ConfigureAwait(false);
            if (outside)
            {
                await AddFileAsync(tar, dockerfile, dockerfilePath, cancellationToken).ConfigureAwait(false);
                files++;
            }
        }

        return new BuildContext(dockerfilePath, files);
    }

    private static async Task<int> AddDirectoryAsync(TarWriter tar, string root, string prefix, DockerIgnore rules, CancellationToken cancellationToken)
    {
        var files = 0;
        var directory = prefix.Length == 0 ? root : Path.Combine(root, prefix);
        // Sorted so the same tree gives the same tar (the classic builder's COPY cache keys on content, not order, but
        // a stable order makes the stream reproducible and diffs of it readable).
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = prefix.Length == 0 ? entry.Name : prefix + "/" + entry.Name;
            var excluded = rules.IsExcluded(name);
            if (entry.LinkTarget is { } target)
            {
                if (!excluded)
                {
                    await tar.WriteEntryAsync(Root(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target }, entry), cancellationToken).ConfigureAwait(false);
                }
            }
            else if (entry is DirectoryInfo)
            {
                // As the CLI: an excluded directory is skipped whole unless an exception could bring back something in it.
                if (excluded && !rules.HasExceptions)
                {
                    continue;
                }

                if (!excluded)
                {
                    await tar.WriteEntryAsync(Root(new PaxTarEntry(TarEntryType.Directory, name + "/"), entry), cancellationToken).ConfigureAwait(false);
                }

                files += await AddDirectoryAsync(tar, root, name, rules, cancellationToken).ConfigureAwait(false);
            }
            else if (!excluded && entry is FileInfo)
            {
                await AddFileAsync(tar, entry.FullName, name, cancellationToken).ConfigureAwait(false);
                files++;
            }
        }

        return files;
    }

    private static async Task AddFileAsync(TarWriter tar, string path, string name, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            var entry = Root(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = stream }, new FileInfo(path));
            await tar.WriteEntryAsync(entry, cancellationToken).ConfigureAwait(false);
        }
    }

    // The CLI sends the context owned by root (uid/gid 0) whoever runs it, so COPY without --chown gives root files.
    private static PaxTarEntry Root(PaxTarEntry entry, FileSystemInfo info)
    {
        entry.Uid = 0;
        entry.Gid = 0;
        entry.ModificationTime = info.LastWriteTimeUtc;
        if (!OperatingSystem.IsWindows())
        {
            entry.Mode = info.UnixFileMode;
        }
        else
        {
            entry.Mode = (UnixFileMode)0b111_101_101; // Windows has no modes: the CLI sends everything as 0755
        }

        return entry;
    }
}
