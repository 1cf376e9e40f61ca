using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PlaoImaging.Dicom.Hosting;

/// <summary>Registers the hosted storage SCP: settings, their validation at start, the hosted service and <see cref="IDicomScpStatus"/>.</summary>
public static class DicomScpServiceCollectionExtensions
{
    /// <summary>
    /// The SCP with its settings bound from <paramref name="section"/> (usually <c>configuration.GetSection("Dicom:Scp")</c>)
    /// and validated when the host starts; failures name the keys under the section's path. To act on each stored
    /// instance, register an <see cref="Network.IDicomStoreHandler"/> (singleton or transient); without one the instances are only stored.
    /// </summary>
    public static IServiceCollection AddDicomScp(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(section);
        string path = section is IConfigurationSection named ? named.Path : string.Empty;
        services.AddOptions<DicomScpSettings>().Bind(section).ValidateOnStart();
        return AddCore(services, path);
    }

    /// <summary>The SCP with settings set in code (validated at start like bound ones; messages name the keys under <see cref="DicomScpSettings.DefaultSectionPath"/>).</summary>
    public static IServiceCollection AddDicomScp(this IServiceCollection services, Action<DicomScpSettings> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<DicomScpSettings>().Configure(configure).ValidateOnStart();
        return AddCore(services, DicomScpSettings.DefaultSectionPath);
    }

    private static IServiceCollection AddCore(IServiceCollection services, string sectionPath)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DicomScpSettings>>(new DicomScpSettingsValidator(sectionPath)));
        services.TryAddSingleton(new DicomScpSection(sectionPath));
        services.TryAddSingleton<DicomScpStatus>();
        services.TryAddSingleton<IDicomScpStatus>(sp => sp.GetRequiredService<DicomScpStatus>());
        services.AddHostedService<DicomScpHostedService>();
        return services;
    }
}
