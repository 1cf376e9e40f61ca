using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;

namespace PlaoImaging.Worker.Dashboard;

/// <summary>The worklist as server-rendered HTML: every value from the database goes through <see cref="WebUtility.HtmlEncode"/>.</summary>
internal static class WorklistHtml
{
    /// <summary>Shown on every page: what the numbers are and who must read them.</summary>
    public const string Disclaimer = "Results of a model trained on synthetic phantoms, for review by a radiologist.";

    private const string Style = """
        :root{color-scheme:light}
        body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#111;background:#fff}
        a{color:#0b4ea2}a:hover{color:#062e61}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,h2:focus-visible{outline:3px solid #b8480b;outline-offset:2px}
        .skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem}.skip:focus{left:.5rem}
        header{display:flex;flex-wrap:wrap;gap:1rem;align-items:baseline;justify-content:space-between;padding:.75rem 1.5rem;border-bottom:2px solid #333}
        header h1{margin:0;font-size:1.5rem}.model{margin:0;font-size:.95rem;flex:1 1 30rem}
        main{padding:0 1.5rem 2rem}h2{font-size:1.15rem;margin:1.25rem 0 .5rem}
        form.filters{display:flex;flex-wrap:wrap;gap:.75rem 1.25rem;align-items:flex-end}
        form.filters label,.search label{display:block;font-size:.9rem;font-weight:600}
        select,input,button{font:inherit;padding:.3rem .45rem;border:1px solid #555;border-radius:3px;background:#fff;color:#111}
        button{background:#0b4ea2;color:#fff;border-color:#0b4ea2;cursor:pointer}
        .search{margin-top:.75rem}.search input{width:22rem;max-width:100%}
        table{border-collapse:collapse;width:100%;margin-top:.5rem}
        caption{text-align:left;font-weight:600;padding:.25rem 0}
        th,td{border-bottom:1px solid #bbb;padding:.4rem .5rem;text-align:left;vertical-align:top}
        th{background:#eef1f5}td.num{text-align:right;font-variant-numeric:tabular-nums}td.fx{font-variant-numeric:tabular-nums;min-width:9rem}.nowrap{white-space:nowrap}
        tr.standout td:first-child{border-left:6px solid #8a1c00}
        .flag{display:inline-block;margin:.15rem .25rem 0 0;padding:0 .35rem;border:1px solid #8a1c00;border-radius:3px;color:#8a1c00;background:#fff4ef;font-size:.85rem;font-weight:600}
        .state{font-weight:600}.note{display:block;font-size:.85rem;color:#333}
        .pages{display:flex;gap:1rem;margin-top:1rem}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        .signout{display:inline}
        nav.ops{display:flex;flex-wrap:wrap;align-items:baseline;gap:.25rem 1rem;flex:1 1 100%}
        nav.ops ul{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;margin:0;padding:0}nav.ops h2{font-size:.95rem;margin:0}
        .download{margin:.25rem 0 0}
        """;

    public static string Page(WorklistQuery q, WorklistPage page, string modelId, string modelVersion, AntiforgeryTokenSet tokens, string? user, bool admin)
    {
        var h = new StringBuilder(16_384);
        int pages = Math.Max(1, (page.Total + WorklistQuery.PageSize - 1) / WorklistQuery.PageSize);
        h.Append(CultureInfo.InvariantCulture, $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Worklist · PlaoImaging</title><style>{{Style}}</style>
            <script src="/dashboard/worklist.js" defer></script></head>
            <body><a class="skip" href="#worklist">Skip to the worklist</a>
            <header><h1>PlaoImaging worklist</h1>
            <p class="model">Model <strong>{{E(modelId)}} {{E(modelVersion)}}</strong>. {{Disclaimer}}</p>
            <form class="signout" method="post" action="/logout"><input type="hidden" name="{{E(tokens.FormFieldName)}}" value="{{E(tokens.RequestToken)}}">
            <span>Signed in as {{E(user)}}</span> <button type="submit">Sign out</button></form>{{(admin ? Operations : "")}}</header>
            <main>
            <h2 id="filters-heading">Filters</h2>
            <form class="filters" method="get" action="/" aria-labelledby="filters-heading">
            """);
        h.Append("<div><label for=\"state\">State</label><select id=\"state\" name=\"state\"><option value=\"\">Any</option>");
        foreach (var (value, label) in WorklistQuery.States)
        {
            h.Append(CultureInfo.InvariantCulture, $"<option value=\"{value}\"{(q.State == value ? " selected" : "")}>{label}</option>");
        }

        h.Append("</select></div><div><label for=\"minGrade\">Highest grade at least</label><select id=\"minGrade\" name=\"minGrade\"><option value=\"\">Any</option>");
        for (int g = 1; g <= 3; g++)
        {
            h.Append(CultureInfo.InvariantCulture, $"<option value=\"{g}\"{(q.MinGrade == g ? " selected" : "")}>Grade {g}</option>");
        }

        h.Append(CultureInfo.InvariantCulture, $"""
            </select></div>
            <div><label for="from">Study date from</label><input type="date" id="from" name="from" value="{q.From?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"></div>
            <div><label for="to">Study date to</label><input type="date" id="to" name="to" value="{q.To?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}"></div>
            <div><input type="checkbox" id="lowConfidence" name="lowConfidence" value="1"{(q.LowConfidence ? " checked" : "")}> <label for="lowConfidence" style="display:inline">Only with review flags</label></div>
            <div><label for="sort">Sort by</label><select id="sort" name="sort">
            """);
        foreach (var (value, label) in WorklistQuery.Sorts)
        {
            h.Append(CultureInfo.InvariantCulture, $"<option value=\"{value}\"{(q.Sort == value ? " selected" : "")}>{label}</option>");
        }

        h.Append(CultureInfo.InvariantCulture, $"""
            </select></div>
            <div><button type="submit">Apply filters</button> <a href="/">Clear filters</a></div></form>
            <div class="search"><label for="search">Find a patient name, patient ID or accession number on this page</label>
            <input type="search" id="search" autocomplete="off" aria-describedby="search-note"><span id="search-note" class="note">Searched in this browser only; it is never sent or put in the address.</span></div>
            <h2 id="worklist" tabindex="-1">Studies</h2>
            <p id="count">{CountText(page.Total, q.Page, pages)}</p>
            <p class="download"><a id="results-csv" href="/api/results.csv{E(q.ToQueryString(page: 1))}" download>Download results (CSV)</a>
            <span class="note">Every study these filters select (all pages), one row per level, with the readers' decisions.</span></p>
            <div id="live" class="visually-hidden" role="status" aria-live="polite"></div>
            <table><caption class="visually-hidden">Studies, {E(WorklistQuery.Sorts.First(s => s.Value == q.Sort).Label)} first</caption><thead><tr>
            <th scope="col">Patient</th><th scope="col">Patient ID</th><th scope="col">Age</th><th scope="col"><a href="/{q.ToQueryString(sort: "date", page: 1)}">Study date</a></th>
            <th scope="col">Modality</th><th scope="col">State</th><th scope="col"><a href="/{q.ToQueryString(sort: "fractures", page: 1)}">Fractured vertebrae</a></th>
            <th scope="col"><a href="/{q.ToQueryString(sort: "grade", page: 1)}">Highest grade</a></th><th scope="col">SDI</th><th scope="col">Model version</th></tr></thead>
            """);
        Rows(h, page, $"/dashboard/rows{q.ToQueryString()}");
        h.Append("</table><nav class=\"pages\" aria-label=\"Pages\">");
        if (q.Page > 1)
        {
            h.Append(CultureInfo.InvariantCulture, $"<a href=\"/{q.ToQueryString(page: q.Page - 1)}\" rel=\"prev\">Previous page</a>");
        }

        if (q.Page < pages)
        {
            h.Append(CultureInfo.InvariantCulture, $"<a href=\"/{q.ToQueryString(page: q.Page + 1)}\" rel=\"next\">Next page</a>");
        }

        h.Append("</nav></main></body></html>");
        return h.ToString();
    }

    /// <summary>The operations links, for admins only: background jobs, metrics, failed exports and reader agreement.</summary>
    private const string Operations = """
        <nav class="ops" aria-labelledby="ops-heading"><h2 id="ops-heading">Operations</h2><ul>
        <li><a href="/hangfire">Background jobs</a></li><li><a href="/metrics">Metrics</a></li>
        <li><a href="/api/exports?state=Failed">Failed exports</a></li><li><a href="/api/agreement">Reader agreement</a></li></ul></nav>
        """;

    /// <summary>The table body alone (what the page's script fetches to update the rows); <paramref name="source"/> is where it comes from.</summary>
    public static string Rows(WorklistPage page, string source)
    {
        var h = new StringBuilder(8_192);
        Rows(h, page, source);
        return h.ToString();
    }

    private static string CountText(int total, int page, int pages) =>
        string.Create(CultureInfo.InvariantCulture, $"{total} {(total == 1 ? "study" : "studies")}; page {page} of {pages}.");

    private static void Rows(StringBuilder h, WorklistPage page, string source)
    {
        h.Append(CultureInfo.InvariantCulture, $"<tbody id=\"rows\" data-source=\"{E(source)}\" data-total=\"{page.Total}\">");
        if (page.Rows.Count == 0)
        {
            h.Append("<tr><td colspan=\"10\">No studies match these filters.</td></tr>");
        }

        foreach (var r in page.Rows)
        {
            bool standout = r.SeveralFractures || r.Adjacent;
            string search = string.Join(' ', new[] { Name(r.PatientName), r.PatientId, r.AccessionNumber }.Where(x => !string.IsNullOrEmpty(x))).ToLowerInvariant();
            string state = r.StateLabel;

            // Figures only for a graded study: an analysis with no result has zeros that mean nothing.
            bool graded = r.State == Persistence.StudyState.Analysed;
            string row = string.Create(CultureInfo.InvariantCulture, $"""
                <td><a href="/studies/{r.Id}">{E(Name(r.PatientName) is { Length: > 0 } n ? n : "(no name)")}</a></td>
                <td class="nowrap">{E(r.PatientId)}</td><td class="num">{(r.Age is { } age ? age.ToString(CultureInfo.InvariantCulture) : "unknown")}</td>
                <td class="nowrap">{E(FormatDate(r.StudyDate))}</td><td>{E(r.Modalities?.Replace('\\', ' '))}</td>
                <td><span class="state"{SignedTitle(r)}>{state}</span>{SignedNote(r)}{(r.ExportFailed ? "<span class=\"note\">Export failed</span>" : "")}{(r.ReviewFlags > 0 ? $"<span class=\"note\">{r.ReviewFlags} review flag{(r.ReviewFlags == 1 ? "" : "s")}</span>" : "")}</td>
                <td class="fx">{(graded ? r.FractureCount?.ToString(CultureInfo.InvariantCulture) : null) ?? "–"}{Flags(r)}</td>
                <td class="num">{(graded ? r.HighestGrade?.ToString(CultureInfo.InvariantCulture) : null) ?? "–"}</td><td class="num">{(graded ? r.Sdi?.ToString("0.#", CultureInfo.InvariantCulture) : null) ?? "–"}</td>
                <td>{E(r.ModelVersion ?? "–")}</td>
                """);
            string stateCode = r.ExportFailed ? "exportfailed" : state.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
            h.Append(CultureInfo.InvariantCulture,
                $"<tr data-id=\"{r.Id}\" data-sig=\"{E(Signature(row))}\" data-state=\"{stateCode}\" data-search=\"{E(search)}\"{(standout ? " class=\"standout\"" : "")}>{row}</tr>");
        }

        h.Append("</tbody>");
    }

    /// <summary>Who signed the review and when, as the state's title (hover) …</summary>
    private static string SignedTitle(WorklistRow r) => r.StateLabel == "Signed" && r.Review is { } v
        ? string.Create(CultureInfo.InvariantCulture, $" title=\"Signed by {E(v.SignedBy)} at {E(When(v.SignedAt))}\"")
        : string.Empty;

    /// <summary>… and in the cell's text, since a title alone is out of reach of touch and keyboard users.</summary>
    private static string SignedNote(WorklistRow r) => r.StateLabel == "Signed" && r.Review is { } v
        ? string.Create(CultureInfo.InvariantCulture, $"<span class=\"note signed\">by {E(v.SignedBy)}, {E(When(v.SignedAt))}</span>")
        : string.Empty;

    private static string When(DateTimeOffset? at) => at?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "unknown time";

    private static string Flags(WorklistRow r)
    {
        var s = new StringBuilder();
        if (r.Adjacent)
        {
            s.Append(CultureInfo.InvariantCulture, $"<br><span class=\"flag adjacent\">Adjacent fractures: {E(string.Join("; ", r.Runs.Select(Run)))}</span>");
        }

        if (r.SeveralFractures)
        {
            s.Append("<br><span class=\"flag several\">Several fractures</span>");
        }

        return s.ToString();
    }

    /// <summary>A run of adjacent levels as "T6–T10 (5 levels)".</summary>
    private static string Run(IReadOnlyList<string> levels) =>
        string.Create(CultureInfo.InvariantCulture, $"{levels[0]}–{levels[^1]} ({levels.Count} levels)");

    /// <summary>A short fingerprint of a row's content: the script replaces a row only when it changed.</summary>
    private static string Signature(string row) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(row)), 0, 8);

    /// <summary>DICOM PN (Family^Given^Middle^Prefix^Suffix) as "Family, Given Middle".</summary>
    internal static string Name(string? pn)
    {
        if (string.IsNullOrWhiteSpace(pn))
        {
            return string.Empty;
        }

        string[] parts = pn.Split('=')[0].Split('^');
        string given = string.Join(' ', parts.Skip(1).Take(2).Where(p => p.Length > 0));
        return given.Length > 0 ? $"{parts[0]}, {given}" : parts[0];
    }

    private static string? FormatDate(string? da) => WorklistRow.Parse(da)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? da;

    /// <summary>The one HTML encoder of the dashboard's pages.</summary>
    internal static string E(string? text) => WebUtility.HtmlEncode(text ?? string.Empty);
}
