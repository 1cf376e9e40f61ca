using System.CommandLine;
using PlaoImaging.Cli;

var root = new RootCommand("PlaoImaging command line: DICOM tools and the vertebral fracture pipeline.");
root.Subcommands.Add(DumpCommand.Create());
root.Subcommands.Add(DecodeCommand.Create());
root.Subcommands.Add(RenderCommand.Create());
root.Subcommands.Add(EchoCommand.Create());
root.Subcommands.Add(SendCommand.Create());
root.Subcommands.Add(ListenCommand.Create());
root.Subcommands.Add(AnalyzeCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(StudiesCommand.Create());
return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
