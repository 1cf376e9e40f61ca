using System.Globalization;
using Xunit;

namespace PlaoImaging.Tests.Shared;

/// <summary>
/// A private, throw-away PostgreSQL cluster for one test: <c>initdb</c> into a scratch folder, <c>pg_ctl start</c> on a
/// free loopback port with its unix socket in the same folder and trust authentication (loopback only), one database
/// (<c>plao</c>). When the tests run as root, initdb and the server run as the unprivileged <c>postgres</c> user
/// (PostgreSQL refuses root) through <c>runuser</c>, and the folder is handed to that user. <see cref="Dispose"/> stops
/// the server (<c>pg_ctl stop -m immediate</c>) and removes the folder. Missing binaries: fails in CI, skips elsewhere
/// (<see cref="Peers.Require"/>).
/// </summary>
public sealed class PostgresCluster : IDisposable
{
    private const string ServiceUser = "postgres";
    private readonly string bin;
    private readonly bool asServiceUser;
    private bool disposed;

    private PostgresCluster(string folder, string bin, bool asServiceUser, int port)
    {
        Folder = folder;
        this.bin = bin;
        this.asServiceUser = asServiceUser;
        Port = port;
    }

    /// <summary>The scratch folder: <c>data/</c> (the cluster), the socket and the server log.</summary>
    public string Folder { get; }

    /// <summary>The loopback TCP port the server listens on.</summary>
    public int Port { get; }

    /// <summary>The database every test gets.</summary>
    public string Database => "plao";

    /// <summary>An Npgsql connection string to <see cref="Database"/> over loopback TCP, as the superuser <c>postgres</c> (trust).</summary>
    public string ConnectionString =>
        $"Host=127.0.0.1;Port={Port.ToString(CultureInfo.InvariantCulture)};Database={Database};Username={ServiceUser};Pooling=true;Maximum Pool Size=20;Timeout=15;Command Timeout=60";

    /// <summary>The server log (for assertion messages).</summary>
    public string Log => File.Exists(LogPath) ? File.ReadAllText(LogPath) : string.Empty;

    private string DataDirectory => Path.Combine(Folder, "data");

    private string LogPath => Path.Combine(Folder, "server.log");

    /// <summary>Creates and starts a cluster with one empty database; skips (fails in CI) when PostgreSQL is not installed.</summary>
    public static PostgresCluster Start(string name)
    {
        string bin = FindBinaries();
        bool root = Environment.UserName == "root" || string.Equals(Peers.RunProcess("id", ["-u"], timeoutSeconds: 10).Stdout.Trim(), "0", StringComparison.Ordinal);
        if (root && Peers.RunProcess("id", ["-u", ServiceUser], timeoutSeconds: 10).ExitCode != 0)
        {
            Unavailable($"running as root and there is no '{ServiceUser}' user to run PostgreSQL as (the postgresql package creates it)");
        }

        // Outside the repository: the server user must be able to reach the folder, and /tmp is open to everyone.
        string folder = Path.Combine(Path.GetTempPath(), "plao-pg-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        if (root)
        {
            Peers.RunProcess("chown", [ServiceUser, folder], timeoutSeconds: 10);
        }

        string failures = string.Empty;
        for (int attempt = 0; attempt < 3; attempt++)
        {
            var cluster = new PostgresCluster(folder, bin, root, PeerProcess.FreeTcpPort());
            try
            {
                if (attempt == 0)
                {
                    cluster.RunOk("initdb", ["-D", cluster.DataDirectory, "-U", ServiceUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"], 120);
                }

                var (code, stdout, stderr) = cluster.Run("pg_ctl",
                [
                    "-D", cluster.DataDirectory, "-l", cluster.LogPath, "-w", "-t", "60", "start",
                    "-o", cluster.ServerOptions,
                ], 90);
                if (code == 0)
                {
                    cluster.RunOk("createdb", ["-h", folder, "-p", cluster.Port.ToString(CultureInfo.InvariantCulture), "-U", ServiceUser, cluster.Database], 60);
                    return cluster;
                }

                failures += $"pg_ctl start exited {code}: {stdout}{stderr}\n{cluster.Log}\n";
            }
            catch
            {
                cluster.Dispose();
                throw;
            }
        }

        new PostgresCluster(folder, bin, root, 0).Dispose();
        Assert.Fail("PostgreSQL did not start: " + failures);
        throw new InvalidOperationException();
    }

    /// <summary>Runs one SQL statement with <c>psql</c> and returns its rows, one line each, fields separated by <c>|</c> (unaligned, no headers).</summary>
    public IReadOnlyList<string> Query(string sql)
    {
        var (code, stdout, stderr) = Run("psql",
            ["-h", Folder, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", ServiceUser, "-d", Database, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql], 60);
        Assert.True(code == 0, $"psql -c \"{sql}\" exited {code}: {stderr}");
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>A query that returns one number.</summary>
    public long Scalar(string sql) => long.Parse(Query(sql).Single(), CultureInfo.InvariantCulture);

    /// <summary>Stops the server at once (as a crash or a lost database host would: open connections are cut), keeping its data.</summary>
    public void Stop() => RunOk("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"], 60);

    /// <summary>Starts the stopped server again on the same port.</summary>
    public void Restart() => RunOk("pg_ctl",
    [
        "-D", DataDirectory, "-l", LogPath, "-w", "-t", "60", "start",
        "-o", ServerOptions,
    ], 90);

    /// <summary>
    /// The server's options: this cluster's port and socket folder, loopback only, no flushing to the disk (a test's data
    /// is thrown away, and <see cref="Stop"/> ends the server, not the machine, so what reached the kernel survives it).
    /// Commits stay synchronous: with <c>synchronous_commit=off</c> an immediate stop loses the last commits the server
    /// had already acknowledged, which no production database does, and a test then saw a job it had finished come back
    /// as fetched and unfinished (invisible to every worker until <c>Jobs:InvisibilityTimeout</c>).
    /// </summary>
    private string ServerOptions =>
        $"-p {Port.ToString(CultureInfo.InvariantCulture)} -k {Folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200";

    /// <summary>Stops the server at once (no checkpoint) and removes the folder.</summary>
    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        try
        {
            if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            {
                Run("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"], 60);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(Folder, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>
    /// PostgreSQL's server binaries (initdb, pg_ctl, createdb, psql in one folder): Debian's
    /// <c>/usr/lib/postgresql/N/bin</c> (the newest), else the folder of <c>initdb</c> on PATH, links followed.
    /// </summary>
    private static string FindBinaries()
    {
        static bool Complete(string dir) => new[] { "initdb", "pg_ctl", "createdb", "psql" }.All(t => File.Exists(Path.Combine(dir, t)));

        const string debian = "/usr/lib/postgresql";
        if (Directory.Exists(debian))
        {
            var newest = Directory.GetDirectories(debian)
                .Select(d => (Dir: Path.Combine(d, "bin"), Version: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : -1))
                .Where(d => Complete(d.Dir))
                .OrderByDescending(d => d.Version)
                .FirstOrDefault();
            if (newest.Dir is not null)
            {
                return newest.Dir;
            }
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var initdb = new FileInfo(Path.Combine(dir, "initdb"));
            if (initdb.Exists && (initdb.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb.FullName) is { } real
                && Path.GetDirectoryName(real) is { } realDir && Complete(realDir))
            {
                return realDir;
            }
        }

        Unavailable("PostgreSQL's initdb, pg_ctl, createdb and psql are not installed in one folder (Debian package postgresql; ./build.sh test installs it)");
        return string.Empty;
    }

    private static void Unavailable(string reason) => Peers.Unavailable(reason);

    private (int ExitCode, string Stdout, string Stderr) Run(string tool, IReadOnlyList<string> arguments, int timeoutSeconds)
    {
        string executable = Path.Combine(bin, tool);
        return asServiceUser
            ? Peers.RunProcess("runuser", ["-u", ServiceUser, "--", executable, .. arguments], Folder, timeoutSeconds)
            : Peers.RunProcess(executable, arguments, Folder, timeoutSeconds);
    }

    private void RunOk(string tool, IReadOnlyList<string> arguments, int timeoutSeconds)
    {
        var (code, stdout, stderr) = Run(tool, arguments, timeoutSeconds);
        Assert.True(code == 0, $"{tool} {string.Join(' ', arguments)} exited {code}: {stdout}{stderr}\n{Log}");
    }
}
