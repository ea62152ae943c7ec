using System.Reflection;
using Docker.DotNet;

namespace Flows.Workers.Tests.Docker;

/// <summary>
/// A Docker client whose named container operation fails the first <c>failures</c> times it is called (the Engine
/// dropping a connection, a stream breaking), then goes to the real Engine.
/// </summary>
public class FlakyDocker : DispatchProxy
{
    private object _target = null!;
    private Func<MethodInfo, object?[]?, object?>? _override;

    public static IDockerClient FailContainerCall(IDockerClient docker, string method, int failures, Func<Exception> failure)
    {
        var left = failures;
        var containers = Create<IContainerOperations>(docker.Containers, (called, _) =>
            called.Name == method && Interlocked.Decrement(ref left) >= 0 ? FailedTask(called.ReturnType, failure()) : null);
        return WithContainers(docker, containers);
    }

    /// <summary>
    /// A Docker client whose named container operation (one returning a plain Task) never answers the first
    /// <c>hangs</c> times: it waits until the caller's cancellation token fires, as a request to a hung Engine does.
    /// </summary>
    public static IDockerClient HangContainerCall(IDockerClient docker, string method, int hangs)
    {
        var left = hangs;
        var containers = Create<IContainerOperations>(docker.Containers, (called, args) =>
            called.Name == method && Interlocked.Decrement(ref left) >= 0
                ? Task.Delay(Timeout.Infinite, args!.OfType<CancellationToken>().Single())
                : null);
        return WithContainers(docker, containers);
    }

    private static IDockerClient WithContainers(IDockerClient docker, IContainerOperations containers) =>
        Create<IDockerClient>(docker, (called, _) => called.Name == "get_" + nameof(IDockerClient.Containers) ? containers : null);

    // A faulted Task or Task<T> of the method's own return type.
    private static object FailedTask(Type taskType, Exception exception)
    {
        if (!taskType.IsGenericType)
        {
            return Task.FromException(exception);
        }

        var fromException = typeof(Task).GetMethods().Single(m => m.Name == nameof(Task.FromException) && m.IsGenericMethod);
        return fromException.MakeGenericMethod(taskType.GetGenericArguments()[0]).Invoke(null, [exception])!;
    }

    private static T Create<T>(T target, Func<MethodInfo, object?[]?, object?> @override)
        where T : class
    {
        var proxy = Create<T, FlakyDocker>();
        var flaky = (FlakyDocker)(object)proxy;
        flaky._target = target;
        flaky._override = @override;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return _override?.Invoke(targetMethod, args) ?? targetMethod.Invoke(_target, args);
    }
}
