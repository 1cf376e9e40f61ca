using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using PlaoImaging.Tests.Shared;
using PlaoImaging.Worker.Configuration;
using PlaoImaging.Worker.Security;
using Xunit;

namespace PlaoImaging.Worker.Tests;

/// <summary>Settings bound from configuration as the worker binds them, then validated: every failure names its key.</summary>
[Trait("Category", "unit")]
public sealed class WorkerSettingsValidatorTests
{
    private const string GoodHash = "pbkdf2-sha256$10000$c2FsdHNhbHQ=$MDEyMzQ1Njc4OWFiY2RlZg==";

    [Fact]
    public void Validate_Defaults_Succeed()
    {
        Assert.Empty(Failures());
    }

    [Fact]
    public void Validate_AGoodFullConfiguration_Succeeds()
    {
        Assert.Empty(Failures(
            ("Storage:Provider", "PostgreSql"), ("Storage:ConnectionString", "Host=db;Database=plao"),
            ("Export:Destinations:0:Name", "pacs"), ("Export:Destinations:0:Host", "pacs.local"), ("Export:Destinations:0:Port", "104"),
            ("Export:Destinations:1:Name", "web"), ("Export:Destinations:1:StowRsUrl", "https://pacs.local/dicomweb/studies"),
            ("Export:Destinations:0:KeepAssociationOpen", "00:00:00"), ("Export:RetryDelays:0", "00:00:01"), ("Auth:Users:0:Name", "ann"), ("Auth:Users:0:PasswordHash", GoodHash),
            ("Auth:Users:0:Roles:0", "radiologist"), ("Auth:Users:0:Roles:1", "admin"), ("Assembly:QuietPeriod", "00:00:00")));
    }

    [Theory]
    [InlineData("Storage:Provider", "Oracle", "Storage:Provider is 'Oracle'")]
    [InlineData("Assembly:QuietPeriod", "-00:00:01", "Assembly:QuietPeriod is -00:00:01")]
    [InlineData("Assembly:QuietPeriod", "1.00:00:01", "Assembly:QuietPeriod is 1.00:00:01")]
    [InlineData("Assembly:PollInterval", "00:00:00.010", "Assembly:PollInterval is 00:00:00.0100000")]
    [InlineData("Export:Destinations:0:Port", "0", "Export:Destinations:0:Port is 0")]
    [InlineData("Export:Destinations:0:Port", "65536", "Export:Destinations:0:Port is 65536")]
    [InlineData("Export:Destinations:0:CalledAETitle", "SEVENTEEN-CHARS-X", "Export:Destinations:0:CalledAETitle is 'SEVENTEEN-CHARS-X'")]
    [InlineData("Export:Destinations:0:Name", "pacs one", "Export:Destinations:0:Name is 'pacs one'")]
    [InlineData("Export:Destinations:0:StowRsUrl", "ftp://pacs/studies", "Export:Destinations:0:StowRsUrl is not an http(s) URL")]
    [InlineData("Export:Destinations:0:KeepAssociationOpen", "-00:00:01", "Export:Destinations:0:KeepAssociationOpen is -00:00:01")]
    [InlineData("Export:Destinations:0:KeepAssociationOpen", "00:10:01", "Export:Destinations:0:KeepAssociationOpen is 00:10:01")]
    [InlineData("Export:RetryDelays:0", "-00:00:01", "Export:RetryDelays has a negative delay")]
    [InlineData("Export:CallingAETitle", "PL\\AO", "Export:CallingAETitle is 'PL\\AO'")]
    [InlineData("Jobs:RealtimeWorkers", "0", "Jobs:RealtimeWorkers is 0")]
    [InlineData("Jobs:BatchWorkers", "65", "Jobs:BatchWorkers is 65")]
    [InlineData("Jobs:BatchAnalyses", "-1", "Jobs:BatchAnalyses is -1")]
    [InlineData("Jobs:StorageProbeInterval", "00:00:00.01", "Jobs:StorageProbeInterval is 00:00:00.0100000")]
    [InlineData("Jobs:StorageProbeInterval", "01:00:00", "Jobs:StorageProbeInterval is 01:00:00")]
    [InlineData("Retention:KeepImagesDays", "-1", "Retention:KeepImagesDays is -1")]
    [InlineData("Retention:Schedule", "daily", "Retention:Schedule 'daily' is not a cron expression")]
    [InlineData("Analysis:Provider", "tpu", "Analysis:Provider is 'tpu'")]
    [InlineData("Analysis:Model", "/nonexistent/model.json", "Analysis:Model '/nonexistent/model.json' does not exist")]
    [InlineData("Analysis:Threads", "-2", "Analysis:Threads is -2")]
    [InlineData("Auth:OpenIdConnect:Authority", "not a url", "Auth:OpenIdConnect:Authority is not an absolute URL")]
    public void Validate_OneBadSetting_FailsNamingTheKey(string key, string value, string expected)
    {
        var settings = new List<(string, string)> { (key, value) };
        if (key.StartsWith("Export:Destinations:0:", StringComparison.Ordinal))
        {
            settings.AddRange(Destination(0, "pacs").Where(s => s.Key != key));
        }

        var failures = Failures([.. settings]);

        Assert.Contains(failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_PostgreSqlWithoutConnectionString_NamesTheConnectionString()
    {
        var failures = Failures(("Storage:Provider", "PostgreSql"));

        Assert.Contains(failures, f => f.Contains("Storage:ConnectionString is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_TwoDestinationsWithOneName_NamesTheSecond()
    {
        var failures = Failures([.. Destination(0, "pacs"), .. Destination(1, "pacs")]);

        var failure = Assert.Single(failures);
        Assert.Contains("Export:Destinations:1:Name 'pacs' is used by another destination", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DestinationWithoutHostOrUrl_NamesTheHost()
    {
        var failures = Failures(("Export:Destinations:0:Name", "pacs"));

        Assert.Contains(failures, f => f.Contains("Export:Destinations:0:Host is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_DestinationTlsFilesMissingOrUnreadable_NamesEachKey()
    {
        string folder = Peers.ScratchDirectory("validate-destination-tls");
        string notPem = Path.Combine(folder, "not.pem");
        File.WriteAllText(notPem, "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");
        string empty = Path.Combine(folder, "empty.pem");
        File.WriteAllText(empty, string.Empty);
        string missing = Path.Combine(folder, "missing.pem");

        var failures = Failures([
            .. Destination(0, "a"), ("Export:Destinations:0:Tls:Enabled", "true"), ("Export:Destinations:0:Tls:TrustedCertificatesPath", missing),
            ("Export:Destinations:0:Tls:ClientCertificatePath", notPem),
            .. Destination(1, "b"), ("Export:Destinations:1:Tls:Enabled", "true"), ("Export:Destinations:1:Tls:TrustedCertificatesPath", notPem),
            ("Export:Destinations:1:Tls:ClientKeyPath", empty),
            .. Destination(2, "c"), ("Export:Destinations:2:Tls:Enabled", "true"), ("Export:Destinations:2:Tls:TrustedCertificatesPath", empty),
            ("Export:Destinations:2:Tls:ClientCertificatePath", empty), ("Export:Destinations:2:Tls:ClientKeyPath", missing),
            .. Destination(3, "d"), ("Export:Destinations:3:Tls:TrustedCertificatesPath", empty),
            ("Export:Destinations:4:Name", "e"), ("Export:Destinations:4:StowRsUrl", "https://pacs/studies"), ("Export:Destinations:4:Tls:Enabled", "true"),
        ]);

        Assert.Contains(failures, f => f.Contains($"Export:Destinations:0:Tls:TrustedCertificatesPath: '{missing}' does not exist", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains($"Export:Destinations:0:Tls:ClientCertificatePath: '{notPem}' cannot be loaded as a PEM certificate", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains($"Export:Destinations:1:Tls:TrustedCertificatesPath: '{notPem}' cannot be read as PEM certificates", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Export:Destinations:1:Tls:ClientCertificatePath is required when Export:Destinations:1:Tls:ClientKeyPath is set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains($"Export:Destinations:2:Tls:TrustedCertificatesPath: '{empty}' holds no PEM certificate", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains($"Export:Destinations:2:Tls:ClientKeyPath: '{missing}' does not exist", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Export:Destinations:3:Tls:Enabled is false but Export:Destinations:3:Tls:TrustedCertificatesPath is set", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Export:Destinations:4:Tls:Enabled applies to C-STORE destinations", StringComparison.Ordinal));
        Assert.Equal(8, failures.Count);
    }

    [Fact]
    [Trait("Category", "peer")]
    public void Validate_DestinationTlsWithReadableFiles_Succeeds_AClientCertificateWithoutItsKeyFails()
    {
        var pki = TlsTestCertificates.Create("validate-destination-tls-good");

        Assert.Empty(Failures([
            .. Destination(0, "pacs"), ("Export:Destinations:0:Tls:Enabled", "true"), ("Export:Destinations:0:Tls:TrustedCertificatesPath", pki.Authority),
            ("Export:Destinations:0:Tls:ClientCertificatePath", pki.ClientCertificate), ("Export:Destinations:0:Tls:ClientKeyPath", pki.ClientKey),
            ("Export:Destinations:0:Tls:ServerName", TlsTestCertificates.ServerName),
            .. Destination(1, "system-store"), ("Export:Destinations:1:Tls:Enabled", "true"),
        ]));
        var failure = Assert.Single(Failures([
            .. Destination(0, "pacs"), ("Export:Destinations:0:Tls:Enabled", "true"), ("Export:Destinations:0:Tls:ClientCertificatePath", pki.ClientCertificate),
        ]));
        Assert.Contains("Export:Destinations:0:Tls:ClientCertificatePath", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PlainTextPassword_NamesThePasswordHash()
    {
        var failures = Failures(("Auth:Users:0:Name", "ann"), ("Auth:Users:0:PasswordHash", "hunter2"), ("Auth:Users:0:Roles:0", "admin"));

        var failure = Assert.Single(failures);
        Assert.Contains("Auth:Users:0:PasswordHash is not a pbkdf2-sha256 hash", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("superuser")]
    [InlineData("Admin")]
    public void Validate_UnknownRole_NamesTheRoles(string role)
    {
        var failures = Failures(("Auth:Users:0:Name", "ann"), ("Auth:Users:0:PasswordHash", GoodHash), ("Auth:Users:0:Roles:0", role));

        Assert.Contains(failures, f => f.Contains("Auth:Users:0:Roles must list radiologist and/or admin", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UserWithoutRolesOrWithAColonInTheName_NamesEachKey()
    {
        var failures = Failures(
            ("Auth:Users:0:Name", "ann"), ("Auth:Users:0:PasswordHash", GoodHash),
            ("Auth:Users:1:Name", "a:b"), ("Auth:Users:1:PasswordHash", GoodHash), ("Auth:Users:1:Roles:0", "admin"));

        Assert.Contains(failures, f => f.Contains("Auth:Users:0:Roles must list", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Auth:Users:1:Name is empty or has a ':'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_OpenIdConnectWithoutClientId_NamesTheClientId()
    {
        var failures = Failures(("Auth:OpenIdConnect:Authority", "https://login.example/"));

        Assert.Contains(failures, f => f.Contains("Auth:OpenIdConnect:ClientId is required", StringComparison.Ordinal));
    }

    [Fact]
    public void Bind_RetryDelaysConfigured_ReplaceTheDefaults()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new("Export:RetryDelays:0", "00:00:00.500"), new("Export:RetryDelays:1", "00:00:01")])
            .Build();

        var export = Bind<ExportSettings>(configuration, ExportSettings.Section);

        Assert.Equal([TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)], export.RetryDelays);
    }

    [Fact]
    public void Bind_NoRetryDelaysConfigured_KeepsTheDefaults()
    {
        var export = Bind<ExportSettings>(new ConfigurationBuilder().Build(), ExportSettings.Section);

        Assert.Empty(export.RetryDelays);
        Assert.Equal(6, export.EffectiveRetryDelays.Count);
        Assert.Equal(TimeSpan.FromSeconds(10), export.EffectiveRetryDelays[0]);
    }

    private static (string Key, string Value)[] Destination(int index, string name) =>
    [
        ($"Export:Destinations:{index}:Name", name),
        ($"Export:Destinations:{index}:Host", "127.0.0.1"),
        ($"Export:Destinations:{index}:Port", "104"),
    ];

    [Theory]
    [InlineData(0, 2, 2, 1)] // the shipped defaults on 2 cores: one thread for each of the two analyses at once
    [InlineData(0, 16, 2, 8)]
    [InlineData(0, 1, 2, 1)] // never below one
    [InlineData(0, 6, 4, 1)]
    [InlineData(3, 2, 2, 3)] // a configured count wins
    public void ThreadsPerAnalysis_DividesTheCoresAmongTheAnalysesAtOnce_UnlessConfigured(int configured, int cores, int atOnce, int expected)
        => Assert.Equal(expected, new AnalysisSettings { Threads = configured }.ThreadsPerAnalysis(cores, atOnce));

    [Fact]
    public void BatchAnalyses_DefaultsToTheRealtimeWorkers_UnlessConfigured()
    {
        Assert.Equal(2, new JobsSettings().EffectiveBatchAnalyses);
        Assert.Equal(4, new JobsSettings { RealtimeWorkers = 4 }.EffectiveBatchAnalyses);
        Assert.Equal(1, new JobsSettings { RealtimeWorkers = 4, BatchAnalyses = 1 }.EffectiveBatchAnalyses);
    }

    /// <summary>Binds every validated section from the given keys (as the worker does) and returns every failure message.</summary>
    private static List<string> Failures(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var validator = new WorkerSettingsValidator();
        var results = new[]
        {
            validator.Validate(null, Bind<StorageSettings>(configuration, StorageSettings.Section)),
            validator.Validate(null, Bind<AssemblySettings>(configuration, AssemblySettings.Section)),
            validator.Validate(null, Bind<ExportSettings>(configuration, ExportSettings.Section)),
            validator.Validate(null, Bind<JobsSettings>(configuration, JobsSettings.Section)),
            validator.Validate(null, Bind<AuthSettings>(configuration, AuthSettings.Section)),
            validator.Validate(null, Bind<RetentionSettings>(configuration, RetentionSettings.Section)),
            validator.Validate(null, Bind<AnalysisSettings>(configuration, AnalysisSettings.Section)),
        };
        return results.Where(r => r.Failed).SelectMany(r => r.Failures ?? [r.FailureMessage ?? string.Empty]).ToList();
    }

    private static T Bind<T>(IConfiguration configuration, string section)
        where T : class, new()
    {
        var options = new T();
        configuration.GetSection(section).Bind(options);
        return options;
    }
}
