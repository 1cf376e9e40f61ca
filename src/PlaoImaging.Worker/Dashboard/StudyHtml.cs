using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using PlaoImaging.Analysis.Results;
using PlaoImaging.Reporting.Presentation;
using PlaoImaging.Worker.Persistence;

namespace PlaoImaging.Worker.Dashboard;

/// <summary>
/// The study page and its printable report as server-rendered HTML: the header, the state, the image with its SVG
/// overlay in image pixel coordinates, and the per-level table. Every value from the database or the result passes
/// through <see cref="WorklistHtml.E"/>. The review (decisions, moved points, signing) is applied by <c>study.js</c>.
/// </summary>
internal static class StudyHtml
{
    private static readonly string[] PointNames = [.. OverlayLayout.PointNames];

    private const string Style = """
        :root{color-scheme:light}
        [hidden]{display:none !important}
        button kbd{background:transparent;color:inherit;border-color:currentColor}
        details#flags,details#exports{margin:.25rem 0}summary{cursor:pointer}
        .flag.small{font-size:.72rem;font-weight:600;display:block;width:max-content;max-width:7.5rem;white-space:normal;margin-left:1.6rem}
        .nowrap{white-space:nowrap}
        body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#111;background:#fff}
        a{color:#0b4ea2}a:hover{color:#062e61}
        a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible,tr:focus-visible,h2:focus-visible,svg:focus-visible{outline:3px solid #b8480b;outline-offset:2px}
        .skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem}.skip:focus{left:.5rem}
        header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline;justify-content:space-between;padding:.75rem 1.5rem;border-bottom:2px solid #333}
        header h1{margin:0;font-size:1.4rem}.model{margin:0;font-size:.95rem;flex:1 1 30rem}
        header nav a{margin-left:1rem}
        main{padding:0 1.5rem 2rem}h2{font-size:1.15rem;margin:1rem 0 .5rem}
        dl.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:.25rem 1.5rem;margin:.75rem 0}
        dl.facts div{min-width:0}dt{font-size:.85rem;font-weight:600;color:#333}dd{margin:0;overflow-wrap:anywhere}
        .flag{display:inline-block;margin:.15rem .25rem 0 0;padding:0 .35rem;border:1px solid #8a1c00;border-radius:3px;color:#8a1c00;background:#fff4ef;font-size:.9rem}
        ul.flags{list-style:none;padding:0;margin:.25rem 0}
        .state-page{border:2px solid #333;border-radius:4px;padding:1rem 1.25rem;margin:1rem 0;max-width:50rem}
        .state-page p{margin:.25rem 0}
        .work{display:grid;grid-template-columns:minmax(0,1fr);gap:1rem}
        @media (min-width:1800px){.work{grid-template-columns:minmax(0,9fr) minmax(0,11fr)}}
        .toolbar{display:flex;flex-wrap:wrap;gap:.4rem .75rem;align-items:center;margin:.25rem 0 .5rem}
        .toolbar .group{display:flex;gap:.25rem;align-items:center}
        select,input,button{font:inherit;padding:.25rem .45rem;border:1px solid #555;border-radius:3px;background:#fff;color:#111}
        button{background:#0b4ea2;color:#fff;border-color:#0b4ea2;cursor:pointer}
        button.secondary{background:#fff;color:#0b4ea2}
        button[aria-pressed=true]{background:#062e61;color:#fff;box-shadow:inset 0 -3px 0 #f0c000}
        button:disabled{background:#ddd;color:#444;border-color:#999;cursor:not-allowed}
        .viewport{position:relative;height:calc(100vh - 13rem);min-height:420px;background:#000;border:1px solid #333;overflow:hidden;touch-action:none}
        .viewport svg{width:100%;height:100%;display:block;cursor:grab;user-select:none}
        .viewport svg.panning{cursor:grabbing}
        svg .h{stroke-width:2;vector-effect:non-scaling-stroke}
        svg .plate{stroke:#00dcff;stroke-width:1;fill:none;vector-effect:non-scaling-stroke;opacity:.7}
        svg .lm{fill:#00dcff;stroke:#000;stroke-width:1;vector-effect:non-scaling-stroke;pointer-events:none}
        svg .hit{fill:transparent;stroke:none;cursor:move;pointer-events:all}
        svg .ghost{fill:none;stroke:#fff;stroke-width:1.5;stroke-dasharray:3 2;vector-effect:non-scaling-stroke;pointer-events:none;display:none}
        svg .level.moved .ghost{display:inline}
        svg .label{fill:#ffff80;stroke:#000;stroke-width:3;paint-order:stroke;font-weight:600;font-family:system-ui,sans-serif;cursor:pointer}
        svg .level.active .label,svg .level.hover .label{fill:#fff;text-decoration:underline}
        svg .level.hover .h{stroke-width:4}tr.hover td,tr.hover th{background:#f2f6fc}
        svg .level.active .h{stroke-width:4}
        svg .level.active .lm{fill:#fff}
        svg .selected-point{fill:#f0c000 !important;stroke:#000}
        svg.overlay-off .level,svg .level.off{display:none}
        svg .level.reader .h,svg .level.reader .plate{stroke-dasharray:6 4}svg .level.reader .label{font-style:italic}
        .viewport svg.adding{cursor:crosshair}svg .add-mark{fill:#f0c000;stroke:#000;stroke-width:1;vector-effect:non-scaling-stroke;pointer-events:none}
        tr.level-row.reader th{font-style:italic}
        form.add-level{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.5rem 0;padding:.4rem .6rem;border:2px solid #0b4ea2}
        .tablewrap{overflow-x:auto}
        table{border-collapse:collapse;width:100%;font-size:.9rem}
        td[data-f=decision]{min-width:11rem}.actions{flex-wrap:nowrap}
        caption{text-align:left;font-weight:600;padding:.25rem 0}
        th,td{border-bottom:1px solid #bbb;padding:.3rem .4rem;text-align:left;vertical-align:top}
        thead th{background:#eef1f5;font-size:.9rem}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        tr.active td,tr.active th{background:#fff6cc}
        tr.level-row th button{background:none;border:none;color:#0b4ea2;text-decoration:underline;padding:0;font-weight:700}
        .decision{font-weight:600}.decision.rejected{color:#8a1c00}.decision.accepted{color:#0a5c1a}.decision.modified{color:#5a2d91}
        .actions{display:flex;flex-wrap:wrap;gap:.25rem}.actions button{padding:.1rem .4rem;font-size:.9rem}
        form.reason{display:flex;gap:.25rem;margin-top:.25rem}form.reason input{width:12rem}
        .reviewbar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:.5rem 0}
        #review-status{font-weight:600}
        .message{padding:.4rem .6rem;border:2px solid #8a1c00;background:#fff4ef;color:#5c1200;margin:.5rem 0}
        .message:empty{display:none}
        dialog{max-width:40rem;border:2px solid #333;border-radius:4px}dialog::backdrop{background:rgba(0,0,0,.4)}
        #keys ul{columns:2;margin:.25rem 0}
        kbd{border:1px solid #777;border-radius:3px;padding:0 .3rem;background:#f4f4f4;font-size:.9rem}
        .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
        .note{font-size:.9rem;color:#333}
        @media print{
          header nav,.toolbar,.actions,.reviewbar button,.skip,details,#keys,.no-print{display:none !important}
          body{font-size:10pt}main{padding:0}header{padding:0 0 .2cm}header h1{font-size:14pt}h2{font-size:11pt;margin:.2cm 0 .1cm}
          dl.facts{grid-template-columns:repeat(4,1fr);font-size:8.5pt;margin:.15cm 0}details#flags{font-size:8pt}.flag{font-size:7.5pt}
          .work{display:block}.viewport{height:auto;min-height:0;border:none;background:#fff;break-inside:avoid}
          .viewport svg{width:100%;height:9.5cm}
          .tablewrap{overflow:visible}table{font-size:7.5pt;break-inside:auto}th,td{padding:.02cm .08cm}thead th{white-space:nowrap}
          .flag.small{display:inline-block;margin:0 0 0 .1cm;max-width:none;font-size:6.5pt;padding:0 .05cm}td[data-f=decision]{min-width:0}
          @page{size:A4;margin:1.2cm}
        }
        """;

    /// <summary>
    /// When the model serving now is not the one that produced the result: whose rules grade the changes made in review
    /// (the amended report says so too). Empty otherwise.
    /// </summary>
    private static string GradingNote(Review.ReviewModelInfo? other) => other is null
        ? string.Empty
        : $"""<p class="model" id="grading-model" role="note">Changes made in review are graded with the rules of <strong>{E(other.Id)} {E(other.Version)}</strong>, the model loaded now; the points above were found by the model named before it, which is no longer loaded.</p>""";

    /// <summary>The study page (<paramref name="print"/>: the printable one-page report).</summary>
    public static string Page(
        StudyPage p, string modelId, string modelVersion, AntiforgeryTokenSet tokens, string? user, bool print, string preset, IReadOnlyList<string>? levelNames = null,
        bool admin = false, Review.ReviewModelInfo? otherGradingModel = null)
    {
        ArgumentNullException.ThrowIfNull(p);
        ArgumentNullException.ThrowIfNull(tokens);
        var s = p.Study;
        var h = new StringBuilder(32_768);
        string name = WorklistHtml.Name(s.PatientName) is { Length: > 0 } n ? n : "(no name)";
        string mode = print ? "print" : "view";
        h.Append(CultureInfo.InvariantCulture, $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf-token" content="{{E(tokens.RequestToken)}}">
            <title>{{(print ? "Report" : "Study")}} · {{E(name)}} · PlaoImaging</title><style>{{Style}}</style>
            <script src="/dashboard/study.js" defer></script></head>
            <body data-study="{{s.Id}}" data-mode="{{mode}}" data-user="{{E(user)}}" data-graded="{{(p.Graded ? "1" : "0")}}">
            <a class="skip" href="#levels-heading">Skip to the levels</a>
            <header><h1>{{(print ? "Vertebral fracture report: " : "Study: ")}}{{E(name)}}</h1>
            <p class="model">Model <strong>{{E(p.Analysis?.ModelId ?? modelId)}} {{E(p.Analysis?.ModelVersion ?? modelVersion)}}</strong>. {{WorklistHtml.Disclaimer}}</p>{{GradingNote(otherGradingModel)}}
            <nav aria-label="Study pages"><a href="/">Worklist</a>{{(print ? $"<a href=\"/studies/{s.Id}\">Study page</a>" : $"<a href=\"/studies/{s.Id}/print\">Printable report</a>")}}</nav></header>
            <main>
            """);
        Facts(h, p, print);
        if (!print)
        {
            Exports(h, p, admin);
        }

        if (!p.Graded)
        {
            StatePanel(h, p);
            h.Append("</main></body></html>");
            return h.ToString();
        }

        var image = p.Image!;
        if (p.Result!.Summary.FracturedVertebrae == 0)
        {
            h.Append(CultureInfo.InvariantCulture, $"""
                <section class="state-page" aria-labelledby="nofx-heading"><h2 id="nofx-heading">No fracture found</h2>
                <p>{p.Result.Summary.MeasuredLevels} levels measured; none has a Genant grade of 1 or more. Review the levels below.</p></section>
                """);
        }

        h.Append("<div class=\"work\"><section aria-labelledby=\"image-heading\"><h2 id=\"image-heading\">Image</h2>");
        if (!print)
        {
            ImageChoice(h, p);
            Toolbar(h, preset);
        }

        Overlay(h, p, image, preset);
        h.Append("</section><section aria-labelledby=\"levels-heading\"><h2 id=\"levels-heading\" tabindex=\"-1\">Levels</h2>");
        ReviewBar(h, print, levelNames ?? []);
        Table(h, p.Result!, image, print);
        h.Append("</section></div>");
        if (!print)
        {
            h.Append("""
                <details id="audit"><summary>Audit trail of the review</summary><div id="audit-body"><p class="note">Loaded when opened.</p></div></details>
                <dialog id="sign-dialog" aria-labelledby="sign-heading"><form method="dialog">
                <h2 id="sign-heading">Sign the review</h2><p>Differences from the model's result:</p><ul id="sign-differences"></ul>
                <p class="note">Signing writes an amended report with you as the verifying observer and sends it to every destination.</p>
                <p><button type="submit" value="sign" id="sign-confirm">Sign the review</button> <button type="submit" value="cancel" class="secondary">Cancel</button></p></form></dialog>
                <section id="keys" aria-labelledby="keys-heading" hidden><h2 id="keys-heading" tabindex="-1">Keys</h2><ul>
                <li><kbd>j</kbd> / <kbd>k</kbd> (or <kbd>↓</kbd> / <kbd>↑</kbd> in the table): next / previous level</li>
                <li><kbd>a</kbd>: accept the level</li><li><kbd>r</kbd>: reject the level (type a reason, <kbd>Enter</kbd>)</li>
                <li><kbd>p</kbd>: select the level's next landmark; <kbd>←</kbd><kbd>→</kbd><kbd>↑</kbd><kbd>↓</kbd> move it 1 px (<kbd>Shift</kbd>: 10 px)</li>
                <li><kbd>Esc</kbd>: cancel a drag, or release the landmark</li>
                <li><kbd>n</kbd>: add a level the model missed (choose it, then click its six points on the image in the order asked; <kbd>Esc</kbd> cancels)</li>
                <li><kbd>u</kbd> or <kbd>Ctrl</kbd>+<kbd>z</kbd>: undo; <kbd>Shift</kbd>+<kbd>u</kbd> or <kbd>Ctrl</kbd>+<kbd>y</kbd>: redo</li>
                <li><kbd>o</kbd>: overlay on / off</li><li><kbd>1</kbd> <kbd>2</kbd> <kbd>3</kbd>: window presets</li>
                <li><kbd>+</kbd> / <kbd>-</kbd> or the wheel: zoom; <kbd>0</kbd>: fit; drag the image or arrows (no landmark selected): pan</li>
                <li><kbd>?</kbd>: show or hide this list</li></ul></section>
                """);
        }

        h.Append("</main></body></html>");
        return h.ToString();
    }

    private static void Facts(StringBuilder h, StudyPage p, bool print)
    {
        var s = p.Study;
        var r = p.Result;
        h.Append("<section aria-labelledby=\"study-heading\"><h2 id=\"study-heading\" class=\"visually-hidden\">Study</h2><dl class=\"facts\">");
        Fact(h, "Patient ID", s.PatientId);
        Fact(h, "Born", string.Join(", ", new[] { FormatDate(s.PatientBirthDate), s.PatientSex }.Where(x => !string.IsNullOrEmpty(x))));
        Fact(h, "Study date", FormatDate(s.StudyDate));
        Fact(h, "Accession", s.AccessionNumber);
        Fact(h, "Modality", s.Modalities?.Replace('\\', ' '));
        Fact(h, "Description", s.StudyDescription);
        h.Append(CultureInfo.InvariantCulture, $"<div><dt>State</dt><dd><span id=\"study-state\">{E(StateLabel(s.State))}</span>{(s.Reason is { Length: > 0 } reason && s.State != StudyState.Analysed ? $": {E(reason)}" : "")}</dd></div>");
        if (p.Analysis is { } a)
        {
            Fact(h, "Analysed", string.Create(CultureInfo.InvariantCulture, $"{a.FinishedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC, {a.ModelId} {a.ModelVersion}"));
            if (s.State == StudyState.Analysed)
            {
                string sdi = a.Sdi is { } v ? v.ToString("0.#", CultureInfo.InvariantCulture) : "–";
                Fact(h, "Model's findings", string.Create(CultureInfo.InvariantCulture, $"{a.FractureCount} fractured vertebra{(a.FractureCount == 1 ? "" : "e")}, highest grade {a.HighestGrade}, SDI {sdi}"));
            }
        }

        h.Append("</dl>");
        if (r is { ReviewFlags.Count: > 0 })
        {
            string words = string.Join(", ", r.ReviewFlags.GroupBy(f => FlagWords(f.Code)).Select(g => g.Count() > 1 ? $"{g.Key} ×{g.Count()}" : g.Key));
            h.Append(CultureInfo.InvariantCulture, $"<details id=\"flags\"{(print ? " open" : "")}><summary>Review flags ({r.ReviewFlags.Count}): {E(words)}</summary><ul class=\"flags\">");
            foreach (var f in r.ReviewFlags)
            {
                h.Append(CultureInfo.InvariantCulture, $"<li><span class=\"flag\">{E(FlagWords(f.Code))}</span> {E(f.Message)}</li>");
            }

            h.Append("</ul></details>");
        }

        h.Append("</section>");
    }

    /// <param name="admin">An admin gets a Retry button on each failed export (POST /api/exports/{id}/retry).</param>
    private static void Exports(StringBuilder h, StudyPage p, bool admin)
    {
        if (p.Exports.Count == 0 && p.Study.State != StudyState.Analysed)
        {
            return;
        }

        h.Append("<details class=\"no-print\" id=\"exports\"><summary>Export of the reports: ");
        h.Append(E(ExportSummary(p)));
        h.Append("</summary>");
        if (p.Exports.Count > 0)
        {
            h.Append("<div class=\"tablewrap\"><table><thead><tr><th scope=\"col\">Destination</th><th scope=\"col\">Objects</th><th scope=\"col\">State</th><th scope=\"col\">Attempts</th><th scope=\"col\">Last error</th><th scope=\"col\">Sent</th><th scope=\"col\"><span class=\"visually-hidden\">Action</span></th></tr></thead><tbody>");
            foreach (var x in p.Exports)
            {
                string of = (x.ReviewNumber > 0 ? $"amended report, review {x.ReviewNumber}, of " : "report of ") +
                    (x.AnalysisId == p.Study.LatestAnalysisId ? "the latest analysis" : $"analysis {x.AnalysisId}");
                h.Append(CultureInfo.InvariantCulture, $"""
                    <tr data-export="{x.Id}"><td>{E(x.Destination)}</td><td>{E(of)}</td><td>{E(ExportWords(x.State))}</td><td class="num">{x.Attempts}</td><td>{E(x.LastError ?? "–")}</td><td>{E(x.SentAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "–")}</td><td>{(admin && x.State == ExportState.Failed ? $"<button type=\"button\" class=\"retry-export\" data-retry=\"{x.Id}\">Retry</button>" : "")}</td></tr>
                    """);
            }

            h.Append("</tbody></table></div>");
        }

        h.Append("</details>");
    }

    private static string ExportSummary(StudyPage p)
    {
        if (p.Exports.Count == 0)
        {
            return "no destination";
        }

        var latest = p.Exports.Where(x => x.AnalysisId == p.Study.LatestAnalysisId).ToList();
        if (latest.Count == 0)
        {
            return "nothing sent for the latest analysis";
        }

        string Words(IEnumerable<ExportRecord> exports) =>
            string.Join(", ", exports.GroupBy(x => x.State).OrderBy(g => g.Key).Select(g => $"{g.Count()} {ExportWords(g.Key).ToLowerInvariant()}"));
        string text = "report: " + Words(latest.Where(x => x.ReviewNumber == 0));
        if (latest.Where(x => x.ReviewNumber > 0).MaxBy(x => x.ReviewNumber) is { } amended)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"; amended report (review {amended.ReviewNumber}): ") + Words(latest.Where(x => x.ReviewNumber == amended.ReviewNumber));
        }

        return text;
    }

    private static string ExportWords(ExportState state) => state switch
    {
        ExportState.Pending => "Pending",
        ExportState.Retrying => "Retrying",
        ExportState.Sent => "Sent",
        ExportState.Failed => "Failed (an admin can retry it)",
        _ => state.ToString(),
    };

    private static void StatePanel(StringBuilder h, StudyPage p)
    {
        var s = p.Study;
        string reason = E(s.Reason ?? p.Analysis?.Reason ?? p.Result?.Error ?? p.ResultError ?? "no reason was recorded");
        (string title, string text) = s.State switch
        {
            StudyState.Receiving => ("Receiving images", string.Create(CultureInfo.InvariantCulture, $"{s.InputCount} image{(s.InputCount == 1 ? "" : "s")} received so far; the study is analysed once no more arrive for the quiet period.")),
            StudyState.Queued => ("Waiting for analysis", string.Create(CultureInfo.InvariantCulture, $"{s.InputCount} image{(s.InputCount == 1 ? "" : "s")} received; the analysis is queued.")),
            StudyState.Analysing => ("Being analysed", "The model is measuring this study now. Reload the page in a few seconds."),
            StudyState.NoResult => ("No result", $"Nothing could be measured: {reason}."),
            StudyState.Failed => ("The analysis failed", $"Reason: {reason}."),
            StudyState.Analysed when p.Result is null => ("No result to show", $"The stored result cannot be read: {reason}."),
            StudyState.Analysed => ("No measured image", "The analysis measured no vertebra on any image of this study."),
            _ => (s.State.ToString(), reason),
        };
        h.Append(CultureInfo.InvariantCulture, $"""
            <section class="state-page" id="state-page" data-state="{s.State.ToString().ToLowerInvariant()}" aria-labelledby="state-heading"><h2 id="state-heading">{E(title)}</h2><p>{text}</p></section>
            """);
    }

    /// <summary>For MR (or several radiographs): one select per series of its measured slices; the choice is a GET parameter.</summary>
    private static void ImageChoice(StringBuilder h, StudyPage p)
    {
        if (p.Images.Count < 2)
        {
            return;
        }

        h.Append("<div class=\"toolbar\" id=\"image-choice\">");
        int n = 0;
        foreach (var series in p.Images.GroupBy(i => i.Source.SeriesInstanceUid))
        {
            n++;
            var first = series.First();
            string label = first.Kind == "sagittal-mr" ? $"MR {first.MrSequence?.ToUpperInvariant() ?? "series"} slice" : "Radiograph";
            h.Append(CultureInfo.InvariantCulture, $"<form class=\"group\" method=\"get\" action=\"/studies/{p.Study.Id}\"><label for=\"series-{n}\">{E(label)} (series {n})</label><select id=\"series-{n}\" name=\"image\" class=\"image-select\">");
            if (!series.Contains(p.Image))
            {
                h.Append("<option value=\"\">–</option>");
            }

            int k = 0;
            foreach (var i in series)
            {
                k++;
                string value = $"{i.Source.SopInstanceUid}:{i.Source.Frame}";
                int acute = i.Vertebrae.Count(v => v.Marrow is { Acute: true });
                h.Append(CultureInfo.InvariantCulture, $"<option value=\"{E(value)}\"{(ReferenceEquals(i, p.Image) ? " selected" : "")} title=\"{E(i.Note)}\">Measured image {k}: {i.Vertebrae.Count} levels{(acute > 0 ? $", {acute} acute" : "")}</option>");
            }

            h.Append(CultureInfo.InvariantCulture, $"</select><button type=\"submit\" class=\"secondary\">Show <span class=\"visually-hidden\">series {n}</span></button></form>");
        }

        h.Append("</div>");
    }

    private static void Toolbar(StringBuilder h, string preset)
    {
        h.Append("<div class=\"toolbar\" role=\"group\" aria-label=\"Image controls\"><div class=\"group\" role=\"group\" aria-label=\"Window\">");
        int key = 1;
        foreach (var (value, label) in StudyImage.Presets)
        {
            h.Append(CultureInfo.InvariantCulture, $"<button type=\"button\" class=\"preset secondary\" data-preset=\"{value}\" aria-pressed=\"{(value == preset ? "true" : "false")}\" title=\"{E(label)} (key {key})\">{E(label.Split(' ')[0])} <kbd>{key}</kbd></button>");
            key++;
        }

        h.Append("""
            </div><div class="group" role="group" aria-label="Zoom"><button type="button" class="secondary" id="zoom-out" aria-label="Zoom out">−</button><button type="button" class="secondary" id="zoom-in" aria-label="Zoom in">+</button><button type="button" class="secondary" id="zoom-fit">Fit</button></div>
            <div class="group"><input type="checkbox" id="overlay-toggle" checked> <label for="overlay-toggle">Overlay <kbd>o</kbd></label></div>
            <button type="button" class="secondary" id="keys-toggle" aria-expanded="false" aria-controls="keys">Keys <kbd>?</kbd></button></div>
            """);
    }

    private static void Overlay(StringBuilder h, StudyPage p, ImageResult image, string preset)
    {
        int rows = image.Rows, columns = image.Columns;
        double scale = Math.Min(1.0, (double)StudyImage.MaxSide / Math.Max(rows, columns));
        double text = Math.Max(10, Math.Round(rows / 55.0));
        double r = Math.Max(2, rows / 200.0), hit = Math.Max(6, rows / 70.0);
        string src = $"/dashboard/studies/{p.Study.Id}/image?sop={Uri.EscapeDataString(image.Source.SopInstanceUid)}&frame={image.Source.Frame}&preset=";
        h.Append(CultureInfo.InvariantCulture, $"""
            <div class="viewport"><svg id="overlay" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {columns} {rows}" data-columns="{columns}" data-rows="{rows}" data-scale="{scale.ToString("0.######", CultureInfo.InvariantCulture)}"
             data-sop="{E(image.Source.SopInstanceUid)}" data-frame="{image.Source.Frame}" data-src="{E(src)}" data-text="{F(text)}" data-unit="{(image.Vertebrae.All(v => v.Heights.Unit == "mm") ? "mm" : "px")}" tabindex="0" role="img" aria-labelledby="overlay-title">
            <title id="overlay-title">{E(image.Kind == "sagittal-mr" ? "Sagittal MR slice" : "Lateral radiograph")} with {image.Vertebrae.Count} measured levels: {E(string.Join(", ", image.Vertebrae.Select(OverlayLayout.Label)))}</title>
            <image id="frame" href="{E(src + preset)}" x="0" y="0" width="{columns}" height="{rows}" preserveAspectRatio="none"/>
            <g id="marks" transform="translate(0.5 0.5)" font-size="{F(text)}">
            """);
        foreach (var v in image.Vertebrae)
        {
            if (!PointNames.All(n => v.Points.TryGetValue(n, out var xy) && xy is { Length: 2 }))
            {
                continue;
            }

            var pt = v.Points;
            var (cr, cg, cb) = GradeColors.ForGrade(v.GenantGrade, v.Graded);
            string colour = string.Create(CultureInfo.InvariantCulture, $"rgb({cr},{cg},{cb})");
            h.Append(CultureInfo.InvariantCulture, $"<g class=\"level\" id=\"level-{E(v.Level)}\" data-level=\"{E(v.Level)}\" data-grade=\"{v.GenantGrade}\">");
            foreach (var n in PointNames)
            {
                h.Append(CultureInfo.InvariantCulture, $"<circle class=\"ghost\" data-point=\"{n}\" cx=\"{F(pt[n][0])}\" cy=\"{F(pt[n][1])}\" r=\"{F(r * 1.6)}\"/>");
            }

            h.Append(CultureInfo.InvariantCulture, $"<polyline class=\"plate\" data-plate=\"s\" points=\"{Points(pt, "sa", "sm", "sp")}\"/><polyline class=\"plate\" data-plate=\"i\" points=\"{Points(pt, "ia", "im", "ip")}\"/>");
            foreach (var (a, b, which) in new[] { ("sa", "ia", "anterior"), ("sm", "im", "middle"), ("sp", "ip", "posterior") })
            {
                h.Append(CultureInfo.InvariantCulture, $"<line class=\"h\" data-h=\"{which}\" stroke=\"{colour}\" x1=\"{F(pt[a][0])}\" y1=\"{F(pt[a][1])}\" x2=\"{F(pt[b][0])}\" y2=\"{F(pt[b][1])}\"/>");
            }

            foreach (var n in PointNames)
            {
                h.Append(CultureInfo.InvariantCulture, $"<circle class=\"lm\" data-point=\"{n}\" cx=\"{F(pt[n][0])}\" cy=\"{F(pt[n][1])}\" r=\"{F(r)}\"/>");
            }

            foreach (var n in PointNames)
            {
                h.Append(CultureInfo.InvariantCulture, $"<circle class=\"hit\" data-point=\"{n}\" cx=\"{F(pt[n][0])}\" cy=\"{F(pt[n][1])}\" r=\"{F(hit)}\"><title>{E(v.Level)} {PointWords(n)}</title></circle>");
            }

            var (lx, ly, anchor) = LabelPosition(pt, text);
            h.Append(CultureInfo.InvariantCulture, $"<text class=\"label\" x=\"{F(lx)}\" y=\"{F(ly)}\" text-anchor=\"{anchor}\">{E(OverlayLayout.Label(v))}</text></g>");
        }

        h.Append("</g></svg></div>");
    }

    /// <summary>Beside the anterior wall, away from the body (as the presentation states place it).</summary>
    private static (double X, double Y, string Anchor) LabelPosition(IReadOnlyDictionary<string, double[]> pt, double text)
    {
        double ax = (pt["sa"][0] + pt["ia"][0]) / 2, px = (pt["sp"][0] + pt["ip"][0]) / 2;
        double cy = PointNames.Average(n => pt[n][1]) + (text * 0.35);
        double gap = Math.Max(4, Math.Abs(ax - px) * 0.25);
        return ax >= px ? (Math.Max(pt["sa"][0], pt["ia"][0]) + gap, cy, "start") : (Math.Min(pt["sa"][0], pt["ia"][0]) - gap, cy, "end");
    }

    /// <param name="levelNames">The spine levels the model knows, top to bottom: the choice of a level to add.</param>
    private static void ReviewBar(StringBuilder h, bool print, IReadOnlyList<string> levelNames)
    {
        if (!print)
        {
            // "Add level": a level the model missed, placed with six clicks on the image (study.js).
            h.Append(CultureInfo.InvariantCulture, $"""
                <form id="add-form" class="add-level" hidden data-levels="{E(string.Join(' ', levelNames))}"><label for="add-name">Level to add</label>
                <select id="add-name"></select><span id="add-prompt"></span><button type="button" id="add-cancel" class="secondary">Cancel <kbd>Esc</kbd></button></form>
                """);
        }


        h.Append(print
            ? "<p class=\"reviewbar\"><span id=\"review-status\">Review: loading…</span></p>"
            : """
              <div class="reviewbar"><span id="review-status">Review: loading…</span>
              <button type="button" id="undo" class="secondary" disabled>Undo <kbd>u</kbd></button><button type="button" id="redo" class="secondary" disabled>Redo</button>
              <button type="button" id="add-level" class="secondary" disabled>Add level <kbd>n</kbd></button>
              <button type="button" id="change" class="secondary" hidden>Change (new review)</button>
              <button type="button" id="sign" disabled>Sign…</button></div>
              <div id="message" class="message" role="alert"></div><div id="live" class="visually-hidden" role="status" aria-live="polite"></div>
              """);
    }

    private static void Table(StringBuilder h, StudyResult result, ImageResult image, bool print)
    {
        bool mr = image.Kind == "sagittal-mr";
        string headUnit = image.Vertebrae.All(v => v.Heights.Unit == "mm") ? "mm" : "px";
        h.Append(CultureInfo.InvariantCulture, $"""
            <div class="tablewrap"><table id="levels"><caption class="visually-hidden">Measured levels of the image shown, top to bottom</caption><thead><tr>
            <th scope="col">{(print ? "Level" : "Show, level")}</th><th scope="col">Ha {headUnit}</th><th scope="col">Hm {headUnit}</th><th scope="col">Hp {headUnit}</th><th scope="col"><abbr title="anterior / posterior height">Ha/Hp</abbr></th><th scope="col"><abbr title="middle / posterior height">Hm/Hp</abbr></th><th scope="col"><abbr title="posterior height / the neighbours' mean">Hp/nb</abbr></th>
            <th scope="col">Grade</th><th scope="col">Type</th><th scope="col"><abbr title="detection score, or the review's confidence">Conf.</abbr></th><th scope="col">{(mr ? "Oedema / acute" : "Acute")}</th><th scope="col">Decision</th></tr></thead><tbody id="level-rows">
            """);
        foreach (var v in image.Vertebrae)
        {
            string unit = v.Heights.Unit;
            string acute = v.Marrow is { } m
                ? (m.Acute ? "acute" : "not acute") + (m.Ratio is { } ratio ? $" (oedema ratio {ratio.ToString("0.00", CultureInfo.InvariantCulture)})" : "")
                : "–";
            string id = E(v.Level);
            h.Append(CultureInfo.InvariantCulture, $"<tr class=\"level-row\" data-level=\"{id}\" id=\"row-{id}\" tabindex=\"-1\">");
            string show = print ? string.Empty : $"<input type=\"checkbox\" class=\"show-level\" checked aria-label=\"Show {id} on the image\"> ";
            h.Append(CultureInfo.InvariantCulture, $"""
                <th scope="row" class="nowrap">{show}{(print ? id : $"<button type=\"button\" class=\"level-link\">{id}</button>")}{LevelFlags(result, image, v.Level)}</th>
                <td class="num" data-f="ha">{Height(v.Heights.Anterior, unit, headUnit)}</td><td class="num" data-f="hm">{Height(v.Heights.Middle, unit, headUnit)}</td><td class="num" data-f="hp">{Height(v.Heights.Posterior, unit, headUnit)}</td>
                <td class="num" data-f="rap">{Ratio(v.Ratios.AnteriorPosterior)}</td><td class="num" data-f="rmp">{Ratio(v.Ratios.MiddlePosterior)}</td><td class="num" data-f="rpn">{Ratio(v.Ratios.PosteriorNeighbours)}</td>
                <td class="num" data-f="grade">{(v.Graded ? v.GenantGrade.ToString(CultureInfo.InvariantCulture) : "not graded")}</td><td data-f="type">{E(v.Deformity)}</td>
                <td class="num" data-f="confidence">{v.Score.ToString("0.00", CultureInfo.InvariantCulture)}</td><td data-f="acute">{E(acute)}</td>
                <td data-f="decision"><span class="decision undecided">Not reviewed</span>
                """);
            if (!print)
            {
                h.Append(CultureInfo.InvariantCulture, $"""
                    <div class="actions"><button type="button" class="secondary" data-act="accept" disabled>Accept <span class="visually-hidden">{id}</span></button><button type="button" class="secondary" data-act="reject" disabled>Reject <span class="visually-hidden">{id}</span></button><button type="button" class="secondary" data-act="undecided" disabled hidden>Clear <span class="visually-hidden">{id}</span></button></div>
                    <form class="reason" hidden><label class="visually-hidden" for="reason-{id}">Reason for rejecting {id}</label><input id="reason-{id}" name="reason" required placeholder="Reason" autocomplete="off"><button type="submit">Reject</button></form>
                    """);
            }

            h.Append("</td></tr>");
        }

        h.Append("</tbody></table></div>");
        if (image.Vertebrae.Any(v => v.Heights.Unit == "px"))
        {
            h.Append("<p class=\"note\">No pixel spacing: heights are in pixels and the grades rest on height ratios only.</p>");
        }
    }

    /// <summary>The review flags of one level on this image, as small text badges.</summary>
    private static string LevelFlags(StudyResult result, ImageResult image, string level) =>
        string.Concat(result.ReviewFlags
            .Where(f => f.Level == level && (f.SopInstanceUid is null || f.SopInstanceUid == image.Source.SopInstanceUid))
            .Select(f => FlagWords(f.Code)).Distinct(StringComparer.Ordinal)
            .Select(w => $"<span class=\"flag small\">{E(w)}</span>"));

    private static string Points(IReadOnlyDictionary<string, double[]> pt, params string[] names) =>
        string.Join(' ', names.Select(n => $"{F(pt[n][0])},{F(pt[n][1])}"));

    /// <summary>A height as a number; its unit is in the column head, and written out only when it differs from the head's.</summary>
    private static string Height(double value, string unit, string headUnit) =>
        E(value.ToString(unit == "mm" ? "0.0" : "0", CultureInfo.InvariantCulture) + (unit == headUnit ? "" : " " + unit));

    private static string Ratio(double? value) => value is { } v && double.IsFinite(v) ? v.ToString("0.00", CultureInfo.InvariantCulture) : "–";

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string PointWords(string name) => name switch
    {
        "sa" => "superior anterior",
        "sm" => "superior middle",
        "sp" => "superior posterior",
        "ia" => "inferior anterior",
        "im" => "inferior middle",
        "ip" => "inferior posterior",
        _ => name,
    };

    /// <summary>A review flag's code in words.</summary>
    internal static string FlagWords(string code) => code switch
    {
        "image-failed" => "Image not measured",
        "no-vertebrae" => "No vertebra found",
        "missing-spacing" => "No pixel spacing",
        "uncalibrated-spacing" => "Spacing not calibrated",
        "oblique-mr" => "Oblique MR",
        "partial-field-of-view" => "Partial field of view",
        "modalities-disagree" => "Radiograph and MR disagree",
        "low-confidence" => "Low detection score",
        "level-uncertain" => "Level uncertain",
        "possible-fracture" => "Possible mild fracture",
        "grade-uncertain" => "Grade uncertain",
        "level-gap" => "Gap between levels",
        "tilted" => "Tilted vertebra",
        "vertebra-at-edge" => "Vertebra at the image edge",
        _ => code.Replace('-', ' '),
    };

    internal static string StateLabel(StudyState state) => state switch
    {
        StudyState.Receiving or StudyState.Queued => "Received",
        StudyState.Analysing => "Analysing",
        StudyState.Analysed => "Needs review",
        StudyState.NoResult => "No result",
        StudyState.Failed => "Failed",
        _ => state.ToString(),
    };

    private static void Fact(StringBuilder h, string term, string? value) =>
        h.Append(CultureInfo.InvariantCulture, $"<div><dt>{term}</dt><dd>{E(string.IsNullOrEmpty(value) ? "–" : value)}</dd></div>");

    private static string? FormatDate(string? da) => WorklistRow.Parse(da)?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? da;

    private static string E(string? text) => WorklistHtml.E(text);
}
