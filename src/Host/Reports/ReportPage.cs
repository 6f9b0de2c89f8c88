using System.Text;

namespace NativeTV.Host.Reports;

/// <summary>The report's page: a heading, a nav list of the sections, the sections, and its inline style and table-sorting script (no external resources).</summary>
public static class ReportPage
{
    public static string Render(string title, string subtitle, IReadOnlyList<ReportSection> sections)
    {
        var b = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
        b.Append($"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{Html.Esc(title)}</title><style>{Style}</style></head><body>");
        b.Append($"<header><h1>{Html.Esc(title)}</h1><p class=\"muted\">{Html.Esc(subtitle)}</p><nav><ol>");
        foreach (var s in sections) b.Append($"<li><a href=\"#{Html.Esc(s.Id)}\">{Html.Esc(s.Title)}</a></li>");
        b.Append("</ol></nav></header>");
        foreach (var s in sections) b.Append($"<section id=\"{Html.Esc(s.Id)}\"><h2>{Html.Esc(s.Title)}</h2>{s.Body}</section>");
        return b.Append($"<script>{Script}</script></body></html>\n").ToString();
    }

    private const string Style = """
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 0 auto; padding: 0 24px 48px; max-width: 1500px; }
        h1 { font-size: 22px; margin: 20px 0 2px; } h2 { font-size: 18px; border-bottom: 2px solid #ddd; padding-bottom: 3px; margin-top: 34px; }
        h3 { font-size: 15px; margin: 18px 0 4px; } h4 { font-size: 13px; margin: 12px 0 4px; }
        .muted, .src, .cap, figcaption { color: #666; } .src { margin: 2px 0 10px; font-size: 12.5px; } code { font-size: 12px; }
        nav ol { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 6px 10px; margin: 10px 0; list-style: none; background: #f4f6f8; border-radius: 4px; }
        table { border-collapse: collapse; font-size: 12.5px; font-variant-numeric: tabular-nums; }
        th, td { padding: 2px 8px; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; } th, td.num { white-space: nowrap; } td.num { text-align: right; }
        .tablebox { max-width: 100%; overflow-x: auto; }
        table.sortable th { cursor: pointer; background: #f4f6f8; position: sticky; top: 0; user-select: none; }
        th[data-dir="asc"]::after { content: " \25B2"; } th[data-dir="desc"]::after { content: " \25BC"; }
        tbody tr:nth-child(even) { background: #fafafa; } tbody tr:hover { background: #eef4ff; }
        .scroll { max-height: 420px; overflow: auto; border: 1px solid #e6e6e6; display: inline-block; max-width: 100%; }
        .cap { font-size: 12px; margin: 2px 0 8px; }
        dl.kv { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 2px 16px; margin: 4px 0 10px; font-size: 12.5px; }
        dl.kv div { display: flex; justify-content: space-between; gap: 12px; border-bottom: 1px solid #eee; }
        dl.kv dt { color: #666; } dl.kv dd { margin: 0; text-align: right; overflow-wrap: anywhere; min-width: 5em; }
        .items { display: flex; flex-wrap: wrap; gap: 12px; } .item { flex: 1 1 560px; max-width: 760px; min-width: 0; } .csv { min-width: 0; max-width: 100%; }
        .item.wide { flex-basis: 100%; max-width: none; display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; } .item.wide figure { flex: 0 1 760px; }
        figure { margin: 0; } figure img { width: 100%; border: 1px solid #eee; cursor: zoom-in; } figcaption { font-size: 12px; }
        figure.zoom { position: fixed; inset: 2vh 2vw; z-index: 9; background: #fff; box-shadow: 0 0 0 100vmax rgba(0,0,0,.5); overflow: auto; }
        figure.zoom img { cursor: zoom-out; }
        .card { border: 1px solid #ddd; border-radius: 4px; padding: 4px 12px; margin: 10px 0; } .card.failed { border-color: #d9a0a0; background: #fdf6f6; }
        .flag { color: #a61b1b; font-weight: 600; } .findings { margin: 6px 0 12px; padding-left: 20px; }
        details.task { border-bottom: 1px solid #e6e6e6; padding: 4px 0; } details.task > summary { cursor: pointer; font-size: 15px; } details.task > figure { max-width: 760px; }
        .cardbody dl.kv { grid-template-columns: 1fr; }
        .cardbody { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; } .cardbody > div { flex: 1 1 420px; } .cardbody figure { flex: 0 1 500px; }
        .feat { margin: 6px 0 12px; } .exrow { font-size: 12.5px; margin: 2px 0; }
        .act { display: inline-block; min-width: 48px; color: #666; font-variant-numeric: tabular-nums; }
        .tok { white-space: pre; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; padding: 1px 1px; margin-right: 1px; border-radius: 2px; }
        .tok.tgt { outline: 1.5px solid #c0392b; font-weight: 600; } .cut { color: #999; }
        """;

    // Sorts a table by the clicked header (numbers numerically when every non-empty cell of the column is one;
    // empty cells last), toggles the direction, zooms a clicked figure; data-ready tells a test the setup ran.
    private const string Script = """
        document.querySelectorAll("table.sortable").forEach(table => {
          table.querySelectorAll("th").forEach((th, col) => th.addEventListener("click", () => {
            const body = table.tBodies[0], rows = Array.from(body.rows);
            const text = r => (r.cells[col] ? r.cells[col].textContent.trim() : "");
            const numeric = rows.every(r => text(r) === "" || isFinite(Number(text(r))));
            const dir = th.dataset.dir === "asc" ? -1 : 1;
            table.querySelectorAll("th").forEach(h => delete h.dataset.dir);
            th.dataset.dir = dir === 1 ? "asc" : "desc";
            rows.sort((a, b) => {
              const x = text(a), y = text(b);
              if (x === "" || y === "") return (x === "") - (y === "");
              return dir * (numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, { numeric: true }));
            });
            body.append(...rows);
          }));
        });
        document.querySelectorAll("figure img").forEach(img => img.addEventListener("click", () => img.parentElement.classList.toggle("zoom")));
        document.body.dataset.ready = "1";
        """;
}
