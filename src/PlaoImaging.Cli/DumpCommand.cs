using System.CommandLine;
using System.Globalization;
using System.Text;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.Json;

namespace PlaoImaging.Cli;

/// <summary><c>plao dump FILE [--json] [--bulk-omit]</c>: a dataset as text or as DICOM JSON (PS3.18 F).</summary>
internal static class DumpCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "DICOM file (Part 10 or a bare dataset)" };
        var json = new Option<bool>("--json") { Description = "Write the dataset as DICOM JSON (PS3.18 Annex F)" };
        var bulkOmit = new Option<bool>("--bulk-omit") { Description = "Leave binary values (OB, OW, UN...) out of the JSON" };
        var meta = new Option<bool>("--meta") { Description = "Also show the File Meta Information (text output)" };
        var headerOnly = new Option<bool>("--header-only") { Description = "Stop before the pixel data" };
        var command = new Command("dump", "Show a DICOM dataset as text or as DICOM JSON.") { file, json, bulkOmit, meta, headerOnly };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            try
            {
                var dicom = DicomFile.Open(path.FullName, new DicomReadOptions { StopBeforePixelData = parse.GetValue(headerOnly) });
                foreach (var warning in dicom.Warnings)
                {
                    Console.Error.WriteLine($"warning: {warning}");
                }

                using var stdout = Console.OpenStandardOutput();
                if (parse.GetValue(json))
                {
                    DicomJsonWriter.Write(stdout, dicom.Dataset, new DicomJsonWriteOptions { OmitBulkData = parse.GetValue(bulkOmit) });
                    stdout.Write("\n"u8);
                }
                else
                {
                    var text = new StringBuilder();
                    if (parse.GetValue(meta))
                    {
                        text.Append("# File Meta Information\n");
                        DicomTextDump.Append(text, dicom.FileMetaInformation, 0);
                    }

                    text.Append(CultureInfo.InvariantCulture, $"# Dataset ({dicom.TransferSyntax.Name})\n");
                    DicomTextDump.Append(text, dicom.Dataset, 0);
                    stdout.Write(Encoding.UTF8.GetBytes(text.ToString()));
                }

                return 0;
            }
            catch (DicomException e)
            {
                Console.Error.WriteLine($"plao dump: {path.Name}: {e.Message}");
                return 2;
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"plao dump: {path.Name}: {e.Message}");
                return 2;
            }
            catch (UnauthorizedAccessException e)
            {
                Console.Error.WriteLine($"plao dump: {path.Name}: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
