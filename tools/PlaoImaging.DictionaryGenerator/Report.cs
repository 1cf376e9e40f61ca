namespace PlaoImaging.DictionaryGenerator;

/// <summary>Collects what an import noticed, grouped by heading, and prints it at the end.</summary>
internal sealed class Report
{
    private readonly List<(string Heading, string Line)> _lines = [];
    private string _heading = "Notes";

    public void Section(string heading) => _heading = heading;

    public void Note(string line) => _lines.Add((_heading, line));

    public void WriteTo(TextWriter writer)
    {
        foreach (var group in _lines.GroupBy(l => l.Heading))
        {
            writer.WriteLine($"== {group.Key} ({group.Count()})");
            foreach (var (_, line) in group)
            {
                writer.WriteLine($"   {line}");
            }
        }
    }
}
