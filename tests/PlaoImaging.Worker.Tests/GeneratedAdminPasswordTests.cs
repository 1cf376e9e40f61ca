using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PlaoImaging.Dicom.Hosting;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Security;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>
/// The admin account made when none is configured: its password file is complete or absent whatever moment a start
/// is interrupted at, and instances starting together on one data folder all accept the one password the file holds.
/// </summary>
[Trait("Category", "unit")]
[Trait("Category", "slow")]
public sealed class GeneratedAdminPasswordTests
{
    [Fact]
    public async Task TwoStartsAtOnceOnOneDataFolder_BothAcceptThePasswordTheFileHolds()
    {
        var paths = Paths("admin-password-race");
        var starts = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => Create(paths), TestContext.Current.CancellationToken)));

        string password = File.ReadAllText(PasswordFile(paths)).Trim();
        Assert.All(starts, accounts => Assert.NotNull(accounts.Check("admin", password)));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(PasswordFile(paths))!));
    }

    [Fact]
    public void AnInterruptedEarlierStart_LeftoversDoNotBlockTheNextStart_AndAnExistingPasswordIsKept()
    {
        var paths = Paths("admin-password-leftovers");
        string secrets = Directory.CreateDirectory(Path.GetDirectoryName(PasswordFile(paths))!).FullName;

        // A temporary file a crash left behind, and a hash file of an earlier version: neither is the password.
        File.WriteAllText(Path.Combine(secrets, "admin-password.1234.0123456789abcdef.new"), "half");
        File.WriteAllText(Path.Combine(secrets, "admin-password.hash"), "pbkdf2-sha256$600000$stale$stale");
        var first = Create(paths);
        string password = File.ReadAllText(PasswordFile(paths)).Trim();
        Assert.NotNull(first.Check("admin", password));
        Assert.Null(first.Check("admin", "half"));

        var second = Create(paths);
        Assert.Equal(password, File.ReadAllText(PasswordFile(paths)).Trim());
        Assert.NotNull(second.Check("admin", password));
    }

    private static StoragePaths Paths(string name)
    {
        string folder = Peers.ScratchDirectory(name);
        return new StoragePaths(
            Options.Create(new WorkerSettings { DataFolder = Path.Combine(folder, "data") }),
            Options.Create(new DicomScpSettings { StorageRoot = Path.Combine(folder, "data", "dicom") }));
    }

    private static string PasswordFile(StoragePaths paths) => Path.Combine(paths.DataFolder, "secrets", "admin-password");

    private static LocalAccounts Create(StoragePaths paths) =>
        new(Options.Create(new AuthSettings()), paths, TimeProvider.System, NullLogger<LocalAccounts>.Instance);
}
