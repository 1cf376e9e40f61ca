using System.CommandLine;
using System.Text;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Dicom;
using PlaoImaging.Dicom.StructuredReport;
using PlaoImaging.Reporting.Sr;

namespace PlaoImaging.Cli;

/// <summary>
/// <c>plao report FILE [--codes] [--json]</c>: an SR document as an indented content tree (any SR, ours or another
/// tool's, with a TID 1500 summary when it is a measurement report); with <c>--json</c>, one of our vertebral reports
/// read back as a study result in the <c>plao-study-result/1</c> JSON form.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "SR document (Part 10)" };
        var json = new Option<bool>("--json") { Description = "Print the study result a PlaoImaging report carries, as JSON (schema plao-study-result/1)" };
        var codes = new Option<bool>("--codes") { Description = "Show every code as (value, scheme, \"meaning\")" };
        var command = new Command("report", "Show a structured report (any TID 1500 measurement report) as a readable tree.") { file, json, codes };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            try
            {
                var dataset = DicomFile.Open(path.FullName).Dataset;
                var document = SrDocument.Read(dataset);
                using var stdout = Console.OpenStandardOutput();
                string text = parse.GetValue(json)
                    ? StudyResultJson.Serialize(VertebralReportReader.Read(document)) + "\n"
                    : ReportPrinter.Format(document, parse.GetValue(codes));
                stdout.Write(Encoding.UTF8.GetBytes(text));
                return 0;
            }
            catch (DicomException e)
            {
                Console.Error.WriteLine($"plao report: {path.Name}: {e.Message}");
                return 2;
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"plao report: {path.Name}: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
