using PlaoImaging.Dicom;

namespace PlaoImaging.Cli;

/// <summary>Typed failures of a verb: a message on stderr and exit code 2.</summary>
internal static class CliErrors
{
    public static int Guard(string verb, FileInfo input, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (DicomException e)
        {
            return Fail(verb, input, e.Message);
        }
        catch (IOException e)
        {
            return Fail(verb, input, e.Message);
        }
        catch (UnauthorizedAccessException e)
        {
            return Fail(verb, input, e.Message);
        }
        catch (NotSupportedException e)
        {
            return Fail(verb, input, e.Message);
        }
    }

    public static int Fail(string verb, FileInfo input, string message)
    {
        Console.Error.WriteLine($"plao {verb}: {input.Name}: {message}");
        return 2;
    }
}
