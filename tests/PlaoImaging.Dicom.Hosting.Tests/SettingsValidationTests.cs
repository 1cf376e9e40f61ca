using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PlaoImaging.Tests.Shared;
using Xunit;

namespace PlaoImaging.Dicom.Hosting.Tests;

/// <summary>Bad settings stop the host at start with an <see cref="OptionsValidationException"/> naming the configuration key.</summary>
[Trait("Category", "unit")]
public sealed class SettingsValidationTests
{
    public static TheoryData<string, string?, string> BadValues()
    {
        string file = Path.Combine(Peers.ScratchDirectory("hosting-bad-root"), "a-file");
        File.WriteAllText(file, "not a folder");
        return new TheoryData<string, string?, string>
        {
            { "Port", "70000", "Dicom:Scp:Port: 70000 is not a TCP port" },
            { "Port", "-1", "Dicom:Scp:Port: -1 is not a TCP port" },
            { "AETitle", "SEVENTEEN-CHARS-X", "Dicom:Scp:AETitle: 'SEVENTEEN-CHARS-X' has 17 characters" },
            { "AETitle", "PL\\AO", "Dicom:Scp:AETitle: 'PL\\AO' contains a backslash" },
            { "AETitle", "PL\tAO", "Dicom:Scp:AETitle: the AE title contains a control character" },
            { "AETitle", "   ", "Dicom:Scp:AETitle: an AE title may not be empty" },
            { "BindAddress", "localhost.example", "Dicom:Scp:BindAddress: 'localhost.example' is not an IP address" },
            { "MaxAssociations", "0", "Dicom:Scp:MaxAssociations: 0 is not a number of associations" },
            { "ArtimTimeout", "00:00:00", "Dicom:Scp:ArtimTimeout: 00:00:00 is not a timeout" },
            { "PduTimeout", "-00:00:05", "Dicom:Scp:PduTimeout: -00:00:05 is not a timeout" },
            { "StorageRoot", Path.Combine(file, "below"), "Dicom:Scp:StorageRoot: '" },
            { "AcceptedCallingAETitles:0", "WAY-TOO-LONG-A-TITLE", "Dicom:Scp:AcceptedCallingAETitles:0: 'WAY-TOO-LONG-A-TITLE' has 20 characters" },
            { "AcceptedCallingAddresses:0", "10.0.0.0/99", "Dicom:Scp:AcceptedCallingAddresses:0: '10.0.0.0/99' is not an IP address or CIDR network" },
            { "AcceptedSopClasses:0", "1.2.x", "Dicom:Scp:AcceptedSopClasses:0: '1.2.x' is not a UID" },
            { "Tls:CertificatePath", "/nonexistent/scp.pem", "Dicom:Scp:Tls:CertificatePath: '/nonexistent/scp.pem' does not exist" },
        };
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task StartAsync_BadSetting_ThrowsNamingTheKey(string key, string? value, string expected)
    {
        var settings = ScpHost.LoopbackSettings("hosting-bad", out _);
        settings["Dicom:Scp:" + key] = value;
        using var host = ScpHost.Build(settings);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.False(host.Services.GetRequiredService<IDicomScpStatus>().IsListening);
    }

    [Fact]
    public async Task StartAsync_AddressAllowListWithoutTitles_ThrowsNamingTheKey()
    {
        var settings = ScpHost.LoopbackSettings("hosting-bad-addresses", out _);
        settings["Dicom:Scp:AcceptedCallingAddresses:0"] = "127.0.0.1";
        using var host = ScpHost.Build(settings);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Dicom:Scp:AcceptedCallingAddresses: an address allow-list needs AcceptedCallingAETitles", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SeveralBadSettings_ReportsEveryKey()
    {
        var settings = ScpHost.LoopbackSettings("hosting-bad-several", out _);
        settings["Dicom:Scp:Port"] = "65536";
        settings["Dicom:Scp:MaxAssociations"] = "-3";
        using var host = ScpHost.Build(settings);

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Dicom:Scp:Port: 65536", e.Message, StringComparison.Ordinal);
        Assert.Contains("Dicom:Scp:MaxAssociations: -3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_SettingsInCode_ValidatedUnderTheDefaultSection()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        string root = Path.Combine(Peers.ScratchDirectory("hosting-code"), "store");
        builder.Services.AddDicomScp(s =>
        {
            s.Port = 0;
            s.BindAddress = "127.0.0.1";
            s.StorageRoot = root;
            s.AETitle = "A-TITLE-FAR-TOO-LONG";
        });
        using var host = builder.Build();

        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Dicom:Scp:AETitle: 'A-TITLE-FAR-TOO-LONG' has 20 characters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_PortTaken_ThrowsStartExceptionNamingThePort()
    {
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;
        var settings = ScpHost.LoopbackSettings("hosting-port-taken", out _);
        settings["Dicom:Scp:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var host = ScpHost.Build(settings);

        var e = await Assert.ThrowsAsync<DicomScpStartException>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Equal("Dicom:Scp:Port", e.Key);
        Assert.StartsWith($"Dicom:Scp:Port: cannot listen on 127.0.0.1:{port}", e.Message, StringComparison.Ordinal);
        Assert.False(host.Services.GetRequiredService<IDicomScpStatus>().IsListening);
    }

    [Fact]
    public async Task StartAsync_GoodSettings_ListensBeforeReturningAndCreatesTheStorageRoot()
    {
        var settings = ScpHost.LoopbackSettings("hosting-good", out string root);
        using var host = ScpHost.Build(settings);

        await host.StartAsync(TestContext.Current.CancellationToken);
        var status = host.Services.GetRequiredService<IDicomScpStatus>();

        Assert.True(status.IsListening);
        Assert.NotNull(status.LocalEndPoint);
        Assert.NotEqual(0, status.LocalEndPoint.Port);
        Assert.True(Directory.Exists(root));
        Assert.True(await ScpHost.AcceptsConnectionAsync(status.LocalEndPoint));
        await host.StopAsync(TestContext.Current.CancellationToken);
        Assert.False(status.IsListening);
    }
}
