using PlaoImaging.Worker;
using PlaoImaging.Worker.Security;

// `plao-worker hash-password` reads a password from standard input and prints the hash for Auth:Users.
if (args is ["hash-password"])
{
    Console.Out.WriteLine(PasswordHasher.Hash(Console.In.ReadLine() ?? string.Empty));
    return 0;
}

// appsettings.json ships beside the binary; relative paths in settings (./data) are taken from the working directory.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddPlaoWorker();
var app = builder.Build();
app.MapPlaoWorker();
await app.RunAsync();
return 0;

/// <summary>The entry point, visible to the tests' host factory.</summary>
public partial class Program;
