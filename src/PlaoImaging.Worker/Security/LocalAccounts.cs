using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PlaoImaging.Worker.Configuration;

namespace PlaoImaging.Worker.Security;

/// <summary>One checked local account.</summary>
public sealed record LocalAccount(string Name, IReadOnlyList<string> Roles);

/// <summary>
/// The local accounts from <c>Auth:Users</c>, or the generated first-start admin. Password checks are PBKDF2 (slow on
/// purpose); a successful check is remembered for five minutes as a keyed digest, so an API client sending Basic
/// credentials on every request does not pay 600,000 iterations each time.
/// </summary>
public sealed partial class LocalAccounts
{
    private static readonly TimeSpan Remember = TimeSpan.FromMinutes(5);
    private readonly Dictionary<string, (string Hash, LocalAccount Account)> accounts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> verified = new(StringComparer.Ordinal);
    private readonly byte[] cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly TimeProvider time;

    public LocalAccounts(IOptions<AuthSettings> settings, StoragePaths paths, TimeProvider time, ILogger<LocalAccounts> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(paths);
        this.time = time;
        foreach (var user in settings.Value.Users)
        {
            accounts[user.Name] = (user.PasswordHash, new LocalAccount(user.Name, user.Roles.ToList()));
        }

        if (settings.Value.Users.Count == 0 && settings.Value.OpenIdConnect is null)
        {
            // The password file is written whole under a temporary name and linked into place only if none is there
            // yet, so a crash leaves either no file or a complete one, and of two instances starting on one data
            // folder the first one's password is the password of both; its hash is made from what the file holds.
            string file = Path.Combine(paths.DataFolder, "secrets", "admin-password");
            if (!File.Exists(file))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                string password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
                string temp = $"{file}.{Environment.ProcessId}.{Guid.NewGuid():N}.new";
                WriteOwnerOnly(temp, password + "\n");
                try
                {
                    File.Move(temp, file, overwrite: false);
                    LogGenerated(logger, file);
                }
                catch (IOException) when (File.Exists(file))
                {
                    File.Delete(temp);
                }
            }

            accounts["admin"] = (PasswordHasher.Hash(File.ReadAllText(file).Trim()), new LocalAccount("admin", [Roles.Admin, Roles.Radiologist]));
            GeneratedAdminPasswordFile = file;
        }
    }

    /// <summary>Whether there is any local account (none when only OpenID Connect is configured).</summary>
    public bool HasAccounts => accounts.Count > 0;

    /// <summary>Where the generated admin password was written, when there is one.</summary>
    public string? GeneratedAdminPasswordFile { get; }

    public LocalAccount? Check(string name, string password)
    {
        if (!accounts.TryGetValue(name, out var entry))
        {
            return null;
        }

        string key = Convert.ToHexString(HMACSHA256.HashData(cacheKey, Encoding.UTF8.GetBytes(name + "\0" + password + "\0" + entry.Hash)));
        var now = time.GetUtcNow();
        if (verified.TryGetValue(key, out var until) && until > now)
        {
            return entry.Account;
        }

        if (!PasswordHasher.Verify(password, entry.Hash))
        {
            return null;
        }

        verified[key] = now + Remember;
        return entry.Account;
    }

    private static void WriteOwnerOnly(string path, string text)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        stream.Write(Encoding.UTF8.GetBytes(text));
        stream.Flush(flushToDisk: true);
    }

    [LoggerMessage(EventId = 1700, Level = LogLevel.Warning, Message = "No accounts are configured: an admin account was made; its password is in {File} (set Auth:Users to replace it)")]
    private static partial void LogGenerated(ILogger logger, string file);
}
