using PlaoImaging.Worker.Jobs;
using PlaoImaging.Worker.Security;

namespace PlaoImaging.Worker.Operations;

/// <summary>
/// Loads the model and the accounts at start, before the SCP listens: a model that cannot load stops the start naming
/// the setting, and a first start writes (and logs where it wrote) the generated admin password.
/// </summary>
public sealed class ModelWarmUp(AnalysisEngine engine, LocalAccounts accounts) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(engine);
        GC.KeepAlive(accounts);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
