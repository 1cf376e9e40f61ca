using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using PlaoImaging.Tests.Shared;

namespace PlaoImaging.Dicom.Hosting.Tests;

/// <summary>A generic host with in-memory configuration and the SCP registered from its "Dicom:Scp" section.</summary>
internal static class ScpHost
{
    /// <summary>Settings for a loopback SCP on a free port storing under a fresh scratch folder.</summary>
    public static Dictionary<string, string?> LoopbackSettings(string name, out string storageRoot)
    {
        storageRoot = Path.Combine(Peers.ScratchDirectory(name), "store");
        return new Dictionary<string, string?>
        {
            ["Dicom:Scp:AETitle"] = "PLAO",
            ["Dicom:Scp:Port"] = "0",
            ["Dicom:Scp:BindAddress"] = "127.0.0.1",
            ["Dicom:Scp:StorageRoot"] = storageRoot,
        };
    }

    public static IHost Build(IDictionary<string, string?> settings, Action<IServiceCollection>? services = null, TimeSpan? shutdownTimeout = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddDicomScp(builder.Configuration.GetSection(DicomScpSettings.DefaultSectionPath));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(10));
        services?.Invoke(builder.Services);
        return builder.Build();
    }

    public static IPEndPoint EndPoint(IHost host) =>
        host.Services.GetRequiredService<IDicomScpStatus>().LocalEndPoint ?? throw new InvalidOperationException("the SCP is not listening");

    /// <summary>Whether a TCP connection to the endpoint is accepted now.</summary>
    public static async Task<bool> AcceptsConnectionAsync(IPEndPoint endPoint)
    {
        using var client = new TcpClient();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(endPoint, timeout.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
