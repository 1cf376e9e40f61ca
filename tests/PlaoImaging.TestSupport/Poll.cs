using Xunit;

namespace PlaoImaging.Tests.Shared;

/// <summary>
/// A bounded wait for a condition that a peer or a worker process makes true in its own time: asked again at an
/// interval until it holds; after the timeout the test fails naming what it waited for and the state the caller
/// describes then (a process's last output, a database's counts).
/// </summary>
public static class Poll
{
    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    /// <param name="condition">Asked first at once, then after each <paramref name="interval"/>.</param>
    /// <param name="timeout">How long to wait before the test fails.</param>
    /// <param name="what">What is awaited, in words, for the failure message.</param>
    /// <param name="describe">The state to show when the wait fails; null: none.</param>
    /// <param name="interval">The pause between two askings.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string>? describe, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition().ConfigureAwait(false))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached in {timeout}: {what}\n{describe?.Invoke()}");
            await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, TimeSpan, string, Func{string}?, TimeSpan, CancellationToken)"/>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string>? describe, TimeSpan interval, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return UntilAsync(() => Task.FromResult(condition()), timeout, what, describe, interval, cancellationToken);
    }
}
