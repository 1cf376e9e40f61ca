using Microsoft.Extensions.Logging;

namespace PlaoImaging.Tests.Shared;

/// <summary>Keeps every log entry, for tests that check what was logged and how often.</summary>
public class ListLogger : ILogger
{
    private readonly List<(int EventId, LogLevel Level, string Message)> entries = [];

    public IReadOnlyList<(int EventId, LogLevel Level, string Message)> Entries
    {
        get
        {
            lock (entries)
            {
                return entries.ToList();
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (entries)
        {
            entries.Add((eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}

/// <summary>A <see cref="ListLogger"/> for a class that asks for its own category.</summary>
public sealed class ListLogger<T> : ListLogger, ILogger<T>;
