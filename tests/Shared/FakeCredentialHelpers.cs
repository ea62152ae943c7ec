using System.Runtime.Versioning;

namespace Flows.Testing;

/// <summary>
/// A folder of fake <c>docker-credential-NAME</c> executables (POSIX shell scripts) speaking the credential-helper
/// protocol, handed to the code under test as its PATH, so no test changes the process's PATH (other tests start
/// processes meanwhile). Linked from tests/Shared into the tests of both users of src/Shared/DockerAuthFile.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal sealed class FakeCredentialHelpers : IDisposable
{
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("flows-credential-helpers-").FullName;

    /// <summary>A helper answering <paramref name="user"/> and <c>SERVER-secret</c>, SERVER being what it read on stdin;
    /// each server it was asked for is appended to <see cref="AskedFile"/>.</summary>
    public void Answering(string name, string user) => Write(name, $$"""
        read server
        echo "$server" >> '{{AskedFile(name)}}'
        printf '{"ServerURL":"%s","Username":"{{user}}","Secret":"%s-secret"}' "$server" "$server"
        """);

    /// <summary>A helper saying "credentials not found" the way the real ones do (exit 1).</summary>
    public void NotFound(string name) => Write(name, "echo 'credentials not found in native keychain'\nexit 1");

    /// <summary>A helper that never answers (a keychain waiting for a click).</summary>
    public void Hanging(string name) => Write(name, "sleep 600");

    /// <summary>A helper whose output is not the protocol's JSON, and holds <paramref name="secret"/>.</summary>
    public void Garbled(string name, string secret) => Write(name, $"echo 'Username={secret}'");

    public string AskedFile(string name) => Path.Combine(Directory, name + ".asked");

    public string[] Asked(string name) => File.Exists(AskedFile(name)) ? File.ReadAllLines(AskedFile(name)) : [];

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private void Write(string name, string body)
    {
        var path = Path.Combine(Directory, "docker-credential-" + name);
        File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
