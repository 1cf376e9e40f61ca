using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace PlaoImaging.Worker.Persistence;

/// <summary>
/// Gives every results-database connection SQLite's own busy handler (<c>PRAGMA busy_timeout</c>). Without it a
/// statement that finds the database locked by another writer fails at once with SQLITE_BUSY, and Microsoft.Data.Sqlite
/// retries it after a fixed 150 ms sleep: in a burst the ingest, the assembler, the analyses and the exports all write,
/// and every collision parked a thread for 150 ms, most of them far longer than the writer they waited for (a commit
/// takes a few milliseconds). SQLite's handler polls in steps of 1–100 ms instead, so a waiter goes on within a
/// millisecond or so of the lock being free. The client's own retry stays as the outer bound (Default Timeout).
/// </summary>
internal sealed class SqliteBusyTimeout(TimeSpan timeout) : DbConnectionInterceptor
{
    private readonly string pragma = $"PRAGMA busy_timeout = {(long)timeout.TotalMilliseconds};";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = pragma;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
