using Npgsql;

namespace PlaoImaging.Worker.Persistence;

/// <summary>
/// A PostgreSQL session advisory lock that workers sharing one database hold while they create or upgrade a schema
/// (the results database's migrations, Hangfire's tables). Workers started together otherwise run the same DDL at
/// the same moment, and Hangfire.PostgreSql's installer fails (<c>could not find tuple for constraint</c>), logs it and
/// goes on with whatever half of the schema it made. The lock ends with its connection.
/// </summary>
internal sealed class PostgresSchemaLock : IDisposable, IAsyncDisposable
{
    /// <summary>Takes the lock; its key is "PLAO" in ASCII (0x504C414F), so that it reads as ours in <c>pg_locks</c>.</summary>
    private const string LockSql = "SELECT pg_advisory_lock(1347174735)";

    private readonly NpgsqlConnection connection;

    private PostgresSchemaLock(NpgsqlConnection connection) => this.connection = connection;

    /// <summary>Waits for the lock (as long as other workers hold it) and returns it held.</summary>
    public static PostgresSchemaLock Acquire(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            connection.Open();
            using var command = new NpgsqlCommand(LockSql, connection) { CommandTimeout = 0 };
            command.ExecuteNonQuery();
            return new PostgresSchemaLock(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc cref="Acquire"/>
    public static async Task<PostgresSchemaLock> AcquireAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var command = new NpgsqlCommand(LockSql, connection) { CommandTimeout = 0 };
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return new PostgresSchemaLock(connection);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void Dispose() => connection.Dispose();

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
