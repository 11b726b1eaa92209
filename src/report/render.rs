//! The report as JSON (SIEM imports), Markdown (a PR comment or a wiki page), CSV (one long
//! table for spreadsheets: filter on its first column) and HTML (one self-contained file,
//! printable, with inline SVG charts; a Content-Security-Policy forbids every external load,
//! so a browser proves it needs no network).

use std::fmt::Write;

use super::{Cell, Report, SERVICES, SEVERITIES};
use crate::model::escape::html::text as esc;
use crate::model::escape::markdown::{cell_code, code, inline as md_escape};

pub fn json(r: &Report) -> String {
    let mut s = serde_json::to_string_pretty(r).expect("a report serialises");
    s.push('\n');
    s
}

fn service_title(s: &str) -> &str {
    match s {
        "hub" => "Security Hub",
        "standards" => "Standards",
        "guardduty" => "GuardDuty",
        "inspector" => "Inspector",
        "macie" => "Macie",
        "access_analyzer" => "Access Analyzer",
        other => other,
    }
}

fn cell_text(c: &Cell) -> String {
    match (c.status.as_str(), c.detail.is_empty()) {
        ("on", true) => "on".into(),
        ("on", false) => c.detail.clone(),
        (s, true) => s.to_string(),
        (s, false) => format!("{s} ({})", c.detail),
    }
}

/// Gaps per service, most first (ties in column order).
fn gaps_most_first(r: &Report) -> Vec<(&'static str, usize)> {
    let mut v: Vec<(&'static str, usize)> = SERVICES
        .iter()
        .map(|s| (*s, r.matrix.gaps.get(*s).copied().unwrap_or(0)))
        .collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.1));
    v
}

fn account_label(account: &str, name: &str) -> String {
    if name.is_empty() {
        account.to_string()
    } else {
        format!("{account} ({name})")
    }
}

// ---------------------------------------------------------------- Markdown

// Every cell and every line of outside text (names, reasons, IDs from findings) through
// `model::escape::markdown`.

pub fn markdown(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Security Hub report\n");
    let _ = writeln!(
        o,
        "State from {}, as of {}. {} account × region pair(s); {} change(s) of drift; {} exception(s).\n",
        code(&r.source),
        r.today,
        r.matrix.rows.len(),
        r.drift.changes.len(),
        r.exceptions.len()
    );
    md_setup(r, &mut o);
    md_drift(r, &mut o);
    md_exceptions(r, &mut o);
    md_findings(r, &mut o);
    o
}

/// The effective set-up matrix.
fn md_setup(r: &Report, o: &mut String) {
    let _ = writeln!(o, "## Effective set-up\n");
    let mut head = String::from("| account | region |");
    let mut rule = String::from("|---|---|");
    for s in SERVICES {
        let _ = write!(head, " {} |", service_title(s));
        rule.push_str("---|");
    }
    let _ = writeln!(o, "{head}\n{rule}");
    for row in &r.matrix.rows {
        let _ = write!(
            o,
            "| {} | {} |",
            md_escape(&account_label(&row.account, &row.account_name)),
            md_escape(&row.region)
        );
        for s in SERVICES {
            let c = &row.cells[*s];
            let t = md_escape(&cell_text(c));
            // Gaps in bold, so they stand out in a PR comment.
            if c.is_gap() {
                let _ = write!(o, " **{t}** |");
            } else {
                let _ = write!(o, " {t} |");
            }
        }
        o.push('\n');
    }
    let gaps: Vec<String> = gaps_most_first(r)
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{} {n}", service_title(s)))
        .collect();
    if !gaps.is_empty() {
        let _ = writeln!(o, "\nGaps (off, paused or unknown): {}.", gaps.join(", "));
    }
}

/// Drift against the policy.
fn md_drift(r: &Report, o: &mut String) {
    let _ = writeln!(o, "\n## Drift against the policy\n");
    if r.drift.changes.is_empty() && r.drift.scopes_unread.is_empty() {
        let _ = writeln!(o, "None: the set-up matches the policy.");
    } else {
        if !r.drift.changes.is_empty() {
            let _ = writeln!(
                o,
                "| action | address | why | weakens posture | destructive |\n|---|---|---|---|---|"
            );
            for c in &r.drift.changes {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} |",
                    md_escape(&c.action),
                    cell_code(&c.address),
                    md_escape(&c.reason),
                    if c.weakens_posture { "yes" } else { "" },
                    if c.destructive { "yes" } else { "" }
                );
            }
        }
        for u in &r.drift.scopes_unread {
            let _ = writeln!(o, "- not read (drift unknown): {}", md_escape(u));
        }
    }
}

/// The exception register.
fn md_exceptions(r: &Report, o: &mut String) {
    let _ = writeln!(o, "\n## Exception register\n");
    if r.exceptions.is_empty() {
        let _ = writeln!(o, "No exceptions.");
    } else {
        let _ = writeln!(
            o,
            "| controls | standards | accounts | regions | reason | owner | ticket | expires | days left | status | source |\n|---|---|---|---|---|---|---|---|---|---|---|"
        );
        for e in &r.exceptions {
            let status = match e.status.as_str() {
                "expired" | "expiring soon" => format!("**{}**", e.status),
                s => s.to_string(),
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {}:{} |",
                md_escape(&e.controls.join(", ")),
                md_escape(&e.standards),
                md_escape(&e.accounts),
                md_escape(&e.regions),
                md_escape(&e.reason),
                md_escape(&e.owner),
                md_escape(&e.ticket),
                e.expires.map(|d| d.to_string()).unwrap_or_default(),
                e.days_left.map(|d| d.to_string()).unwrap_or_default(),
                status,
                md_escape(&e.file),
                e.line
            );
        }
    }
}

/// The findings picture.
fn md_findings(r: &Report, o: &mut String) {
    let _ = writeln!(o, "\n## Findings\n");
    let f = &r.findings;
    if let Some(why) = &f.unavailable {
        let _ = writeln!(o, "Not available: {}.", md_escape(why));
    } else {
        let _ = writeln!(
            o,
            "Read from {} ({} GetFindings call(s)).\n",
            md_escape(&f.read_from),
            f.calls
        );
        let _ = writeln!(
            o,
            "Active findings by account:\n\n| account | {} | total |\n|---|{}---|",
            SEVERITIES.join(" | "),
            "---|".repeat(SEVERITIES.len())
        );
        for (a, by) in &f.by_account {
            let counts: Vec<String> = SEVERITIES
                .iter()
                .map(|s| by.get(*s).copied().unwrap_or(0).to_string())
                .collect();
            let total: u64 = by.values().sum();
            let _ = writeln!(o, "| {} | {} | {total} |", md_escape(a), counts.join(" | "));
        }
        let _ = writeln!(
            o,
            "\nTop failing controls:\n\n| control | failed resources |\n|---|---|"
        );
        for (c, n) in f.top_failing_controls.iter().take(10) {
            let _ = writeln!(o, "| {} | {n} |", md_escape(c));
        }
        let _ = writeln!(o, "\nFailed control findings ({}):\n", f.failed.len());
        if f.failed.is_empty() {
            let _ = writeln!(o, "None.");
        } else {
            let _ = writeln!(
                o,
                "| control | title | severity | resource | account | region |\n|---|---|---|---|---|---|"
            );
            for x in f.failed.iter().take(MD_FAILED_ROWS) {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} `{}` | {} | {} |",
                    md_escape(&x.control),
                    md_escape(&x.title),
                    md_escape(&x.severity),
                    md_escape(&x.resource_type),
                    md_escape(&x.resource),
                    md_escape(&x.account),
                    md_escape(&x.region)
                );
            }
            if f.failed.len() > MD_FAILED_ROWS {
                let _ = writeln!(
                    o,
                    "\nThe first {MD_FAILED_ROWS} of {} (most severe first); the CSV and JSON reports list every one.",
                    f.failed.len()
                );
            }
        }
    }
}

/// Failed control findings the Markdown report lists (it has to fit a comment or a wiki
/// page); the CSV and JSON list them all, and the Markdown says so when it stops.
const MD_FAILED_ROWS: usize = 200;

// ---------------------------------------------------------------- CSV

fn csv_field(s: &str) -> String {
    // Formula injection: a cell starting with these runs in a spreadsheet (a leading tab or
    // carriage return too, which spreadsheets strip before reading a formula). A number is
    // left as it is, so a negative `days_left` still sorts as a number.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_number(s) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// An optionally signed decimal number (`-159`, `+2.5`): nothing a spreadsheet runs.
fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// Column names of the CSV: `table` says which part of the report a row is from.
pub const CSV_COLUMNS: &[&str] = &[
    "table",
    "account",
    "region",
    "subject",
    "status",
    "detail",
    "owner",
    "ticket",
    "expires",
    "days_left",
    "source",
];

pub fn csv(r: &Report) -> String {
    let mut o = String::new();
    let mut line = |fields: &[&str]| {
        let row: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        o.push_str(&row.join(","));
        o.push_str("\r\n");
    };
    line(CSV_COLUMNS);
    for row in &r.matrix.rows {
        for s in SERVICES {
            let c = &row.cells[*s];
            line(&[
                "setup",
                &row.account,
                &row.region,
                s,
                &c.status,
                &c.detail,
                "",
                "",
                "",
                "",
                "",
            ]);
        }
    }
    for c in &r.drift.changes {
        let (account, region) = split_address(&c.address);
        // The status says what the other renderings show beside the action.
        let flags: Vec<&str> = [
            (c.weakens_posture, "weakens posture"),
            (c.destructive, "destructive"),
        ]
        .into_iter()
        .filter_map(|(on, what)| on.then_some(what))
        .collect();
        let status = match flags.is_empty() {
            true => c.action.clone(),
            false => format!("{} ({})", c.action, flags.join(", ")),
        };
        line(&[
            "drift", account, region, &c.address, &status, &c.reason, "", "", "", "", "",
        ]);
    }
    for e in &r.exceptions {
        let expires = e.expires.map(|d| d.to_string()).unwrap_or_default();
        let days = e.days_left.map(|d| d.to_string()).unwrap_or_default();
        let source = format!("{}:{}", e.file, e.line);
        let scope = format!(
            "accounts: {}; regions: {}; standards: {}",
            e.accounts, e.regions, e.standards
        );
        let detail = format!("{} ({scope})", e.reason);
        line(&[
            "exception",
            "",
            "",
            &e.controls.join(" "),
            &e.status,
            &detail,
            &e.owner,
            &e.ticket,
            &expires,
            &days,
            &source,
        ]);
    }
    for f in &r.findings.failed {
        let detail = format!("{} [{}] {}", f.title, f.resource_type, f.resource);
        line(&[
            "failed-control",
            &f.account,
            &f.region,
            &f.control,
            &f.severity,
            &detail,
            "",
            "",
            "",
            "",
            "",
        ]);
    }
    o
}

fn split_address(a: &str) -> (&str, &str) {
    let mut parts = a.splitn(3, '/');
    (parts.next().unwrap_or(""), parts.next().unwrap_or(""))
}

// ---------------------------------------------------------------- HTML

/// An address that wraps only after a `/`, never inside an account, a region (`us-east-1`
/// would break at its hyphens) or a kind.
fn address_html(a: &str) -> String {
    a.split('/')
        .map(|part| format!("<span class=\"nb\">{}</span>", esc(part)))
        .collect::<Vec<_>>()
        .join("/<wbr>")
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1b1f23;margin:2rem auto;max-width:1200px;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.gap{background:#ffebe9;color:#82071e;font-weight:600}td.unknown{background:#fff8c5;color:#6a5200;font-weight:600}
td.on{color:#116329}.expired{color:#82071e;font-weight:700}.soon{color:#9a6700;font-weight:700}
.summary{display:flex;gap:1rem;flex-wrap:wrap}.summary div{border:1px solid #d0d7de;border-radius:6px;padding:.5rem 1rem}
.summary b{display:block;font-size:1.4rem}figure{margin:1rem 0}figcaption{font-weight:600}.muted{color:#57606a}
code{font-size:.85em}.nb{white-space:nowrap}td.why{min-width:16em}svg text{font:12px system-ui,sans-serif}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}tr,figure{break-inside:avoid}}
";

const SEVERITY_COLOURS: &[&str] = &["#82071e", "#cf222e", "#bf8700", "#0969da", "#8c959f"];

/// A horizontal bar chart; each bar may be split in coloured segments.
fn bars(title: &str, rows: &[(String, Vec<u64>)], colours: &[&str], legend: &[&str]) -> String {
    let max = rows
        .iter()
        .map(|(_, v)| v.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_w, bar_w, row_h) = (220.0, 520.0, 22.0);
    let legend_h = if legend.len() > 1 { 24.0 } else { 0.0 };
    let height = legend_h + row_h * rows.len() as f64 + 8.0;
    let mut s = format!(
        "<figure><figcaption>{}</figcaption><svg role=\"img\" aria-label=\"{}\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\">",
        esc(title),
        esc(title),
        label_w + bar_w + 60.0,
        label_w + bar_w + 60.0
    );
    if legend.len() > 1 {
        for (i, l) in legend.iter().enumerate() {
            let x = label_w + i as f64 * 105.0;
            let _ = write!(
                s,
                "<rect x=\"{x}\" y=\"4\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"14\">{}</text>",
                colours[i % colours.len()],
                x + 16.0,
                esc(l)
            );
        }
    }
    for (i, (label, values)) in rows.iter().enumerate() {
        let y = legend_h + i as f64 * row_h;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            label_w - 6.0,
            y + 15.0,
            esc(label)
        );
        let mut x = label_w;
        for (j, v) in values.iter().enumerate() {
            let w = bar_w * (*v as f64) / (max as f64);
            if *v > 0 {
                let _ = write!(
                    s,
                    "<rect x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"><title>{}: {v}</title></rect>",
                    y + 3.0,
                    row_h - 6.0,
                    colours[j % colours.len()],
                    esc(legend.get(j).copied().unwrap_or(label))
                );
            }
            x += w;
        }
        let total: u64 = values.iter().sum();
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\">{total}</text>",
            x + 4.0,
            y + 15.0
        );
    }
    s.push_str("</svg></figure>\n");
    s
}

pub fn html(r: &Report) -> String {
    let mut o = String::new();
    let _ = write!(
        o,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>Security Hub report — {}</title>\n<style>{STYLE}</style></head><body>\n",
        r.today
    );
    let _ = writeln!(
        o,
        "<h1>Security Hub report</h1><p class=\"muted\">State from <code>{}</code>, as of {}.</p>",
        esc(&r.source),
        r.today
    );
    let expired = r
        .exceptions
        .iter()
        .filter(|e| e.status == "expired")
        .count();
    let soon = r
        .exceptions
        .iter()
        .filter(|e| e.status == "expiring soon")
        .count();
    let gaps: usize = r.matrix.gaps.values().sum();
    let _ = writeln!(
        o,
        "<div class=\"summary\" id=\"summary\"><div><b>{}</b>account × region pairs</div><div><b>{gaps}</b>gaps</div><div><b>{}</b>changes of drift</div><div><b>{}</b>exceptions ({expired} expired, {soon} expiring soon)</div></div>",
        r.matrix.rows.len(),
        r.drift.changes.len(),
        r.exceptions.len()
    );

    html_setup(r, &mut o);
    html_drift(r, &mut o);
    html_exceptions(r, &mut o);
    html_findings(r, &mut o);
    o.push_str("</body></html>\n");
    o
}

/// The effective set-up: the gaps per service, then the matrix.
fn html_setup(r: &Report, o: &mut String) {
    let _ = writeln!(o, "<h2 id=\"setup\">Effective set-up</h2>");
    let gap_rows: Vec<(String, Vec<u64>)> = gaps_most_first(r)
        .into_iter()
        .map(|(s, n)| (service_title(s).to_string(), vec![n as u64]))
        .collect();
    o.push_str(&bars(
        "Gaps by service (account × region pairs off, paused or unknown)",
        &gap_rows,
        &["#cf222e"],
        &["gaps"],
    ));
    o.push_str("<table id=\"matrix\"><thead><tr><th>account</th><th>region</th>");
    for s in SERVICES {
        let _ = write!(o, "<th>{}</th>", service_title(s));
    }
    o.push_str("</tr></thead><tbody>\n");
    for row in &r.matrix.rows {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td>",
            esc(&account_label(&row.account, &row.account_name)),
            esc(&row.region)
        );
        for s in SERVICES {
            let c = &row.cells[*s];
            let class = match c.status.as_str() {
                "on" => "on",
                "unknown" => "unknown",
                super::NOT_WANTED => "muted",
                _ => "gap",
            };
            let _ = write!(o, "<td class=\"{class}\">{}</td>", esc(&cell_text(c)));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody></table>\n");
}

fn html_drift(r: &Report, o: &mut String) {
    let _ = writeln!(o, "<h2 id=\"drift\">Drift against the policy</h2>");
    if r.drift.changes.is_empty() && r.drift.scopes_unread.is_empty() {
        o.push_str("<p>None: the set-up matches the policy.</p>\n");
    } else {
        o.push_str("<table id=\"drift-changes\"><thead><tr><th>action</th><th>address</th><th>why</th><th>weakens posture</th><th>destructive</th></tr></thead><tbody>\n");
        let flag = |b: bool| {
            if b {
                (" class=\"gap\"", "yes")
            } else {
                ("", "")
            }
        };
        for c in &r.drift.changes {
            let (wc, wt) = flag(c.weakens_posture);
            let (dc, dt) = flag(c.destructive);
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"why\">{}</td><td{wc}>{wt}</td><td{dc}>{dt}</td></tr>",
                esc(&c.action),
                address_html(&c.address),
                esc(&c.reason),
            );
        }
        o.push_str("</tbody></table>\n");
        for u in &r.drift.scopes_unread {
            let _ = writeln!(
                o,
                "<p class=\"soon\">Not read (drift unknown): {}</p>",
                esc(u)
            );
        }
    }
}

fn html_exceptions(r: &Report, o: &mut String) {
    let _ = writeln!(o, "<h2 id=\"exceptions\">Exception register</h2>");
    if r.exceptions.is_empty() {
        o.push_str("<p>No exceptions.</p>\n");
    } else {
        o.push_str("<table id=\"exception-register\"><thead><tr><th>controls</th><th>standards</th><th>accounts</th><th>regions</th><th>reason</th><th>owner</th><th>ticket</th><th>expires</th><th>days left</th><th>status</th><th>source</th></tr></thead><tbody>\n");
        for e in &r.exceptions {
            let class = match e.status.as_str() {
                "expired" => " class=\"expired\"",
                "expiring soon" => " class=\"soon\"",
                _ => "",
            };
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"why\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td{class}>{}</td><td><code>{}:{}</code></td></tr>",
                esc(&e.controls.join(", ")),
                esc(&e.standards),
                esc(&e.accounts),
                esc(&e.regions),
                esc(&e.reason),
                esc(&e.owner),
                esc(&e.ticket),
                e.expires.map(|d| d.to_string()).unwrap_or_default(),
                e.days_left.map(|d| d.to_string()).unwrap_or_default(),
                esc(&e.status),
                esc(&e.file),
                e.line
            );
        }
        o.push_str("</tbody></table>\n");
    }
}

fn html_findings(r: &Report, o: &mut String) {
    let _ = writeln!(o, "<h2 id=\"findings\">Findings</h2>");
    let f = &r.findings;
    if let Some(why) = &f.unavailable {
        let _ = writeln!(o, "<p class=\"muted\">Not available: {}.</p>", esc(why));
    } else {
        let _ = writeln!(
            o,
            "<p class=\"muted\">Read from {} ({} GetFindings call(s)).</p>",
            esc(&f.read_from),
            f.calls
        );
        let rows: Vec<(String, Vec<u64>)> = f
            .by_account
            .iter()
            .map(|(a, by)| {
                let v = SEVERITIES
                    .iter()
                    .map(|s| by.get(*s).copied().unwrap_or(0))
                    .collect();
                (a.clone(), v)
            })
            .collect();
        o.push_str(&bars(
            "Active findings by account and severity",
            &rows,
            SEVERITY_COLOURS,
            SEVERITIES,
        ));
        let top: Vec<(String, Vec<u64>)> = f
            .top_failing_controls
            .iter()
            .take(15)
            .map(|(c, n)| (c.clone(), vec![*n]))
            .collect();
        o.push_str(&bars(
            "Top failing controls (failed resources)",
            &top,
            &["#cf222e"],
            &["failed"],
        ));
        o.push_str("<table id=\"failed-controls\"><thead><tr><th>control</th><th>title</th><th>severity</th><th>resource</th><th>account</th><th>region</th></tr></thead><tbody>\n");
        for x in &f.failed {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} <code>{}</code></td><td>{}</td><td>{}</td></tr>",
                esc(&x.control),
                esc(&x.title),
                esc(&x.severity),
                esc(&x.resource_type),
                esc(&x.resource),
                esc(&x.account),
                esc(&x.region)
            );
        }
        o.push_str("</tbody></table>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Drift, DriftRow, ExceptionRow, FailedControl, Findings, Matrix};

    fn report() -> Report {
        let mut findings = Findings {
            read_from: "222222222222/us-east-1".into(),
            ..Findings::default()
        };
        let failed = |control: &str, severity: &str| FailedControl {
            control: control.into(),
            title: format!("{control} title"),
            severity: severity.into(),
            resource_type: "AwsS3Bucket".into(),
            resource: "arn:aws:s3:::b".into(),
            account: "333333333333".into(),
            region: "us-east-1".into(),
        };
        findings.add_failed([
            failed("A.1", "LOW"),
            failed("B.1", "CRITICAL"),
            failed("C.1", "MEDIUM"),
            failed("D.1", "HIGH"),
        ]);
        Report {
            source: "aws".into(),
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            matrix: Matrix {
                rows: vec![],
                gaps: [("hub", 1), ("guardduty", 3), ("macie", 2)]
                    .into_iter()
                    .map(|(s, n)| (s.to_string(), n))
                    .collect(),
            },
            drift: Drift {
                changes: vec![DriftRow {
                    action: "delete".into(),
                    address: "333333333333/us-east-1/standard/cis/1.4.0".into(),
                    reason: "not in the policy".into(),
                    weakens_posture: true,
                    destructive: true,
                }],
                scopes_unread: vec![],
                warnings: vec![],
            },
            exceptions: vec![ExceptionRow {
                controls: vec!["EC2.6".into()],
                standards: "all".into(),
                accounts: "all".into(),
                regions: "all".into(),
                reason: "=cmd|' /C calc'!A0".into(),
                owner: "\tteam".into(),
                ticket: "\r1+1".into(),
                expires: None,
                days_left: Some(-159),
                status: "expired".into(),
                file: "p.yaml".into(),
                line: 3,
            }],
            findings,
        }
    }

    #[test]
    fn csv_neutralises_formulas_but_not_numbers() {
        let text = csv(&report());
        let row = text.lines().find(|l| l.starts_with("exception,")).unwrap();
        // A negative number stays a number, so expired rows sort by urgency.
        assert!(row.contains(",-159,"), "{row}");
        assert!(row.contains("'=cmd"), "{row}");
        // A leading tab or carriage return is neutralised too.
        assert!(row.contains(",'\tteam,"), "{row}");
        assert!(row.contains(",\"'\r1+1\","), "{row}");
        assert_eq!(csv_field("+2.5"), "+2.5");
        assert_eq!(csv_field("-1+cmd"), "'-1+cmd");
        assert_eq!(csv_field("-"), "'-");
    }

    #[test]
    fn csv_drift_rows_say_what_weakens_posture_and_what_is_destructive() {
        let text = csv(&report());
        let row = text.lines().find(|l| l.starts_with("drift,")).unwrap();
        assert!(
            row.contains(",\"delete (weakens posture, destructive)\","),
            "{row}"
        );
    }

    #[test]
    fn markdown_lists_the_failed_control_findings_most_severe_first() {
        let md = markdown(&report());
        let at = |s: &str| md.find(s).unwrap_or_else(|| panic!("{s} missing:\n{md}"));
        assert!(at("Failed control findings (4):") < at("| B.1 | B.1 title | CRITICAL |"));
        assert!(at("| B.1 | B.1 title |") < at("| D.1 | D.1 title |"));
        assert!(at("| D.1 | D.1 title |") < at("| C.1 | C.1 title |"));
        assert!(at("| C.1 | C.1 title |") < at("| A.1 | A.1 title |"));
        // The drift table says what is destructive.
        assert!(md.contains("| yes | yes |"), "{md}");
    }

    #[test]
    fn gaps_are_listed_most_first() {
        let md = markdown(&report());
        assert!(
            md.contains("Gaps (off, paused or unknown): GuardDuty 3, Macie 2, Security Hub 1."),
            "{md}"
        );
        let html = html(&report());
        let g = html.find(">GuardDuty</text>").unwrap();
        let m = html.find(">Macie</text>").unwrap();
        let h = html.find(">Security Hub</text>").unwrap();
        assert!(g < m && m < h);
    }

    #[test]
    fn html_addresses_break_only_between_their_parts() {
        let a = address_html("333333333333/us-east-1/standard/cis/1.4.0");
        assert_eq!(
            a,
            "<span class=\"nb\">333333333333</span>/<wbr><span class=\"nb\">us-east-1</span>/<wbr><span class=\"nb\">standard</span>/<wbr><span class=\"nb\">cis</span>/<wbr><span class=\"nb\">1.4.0</span>"
        );
        assert!(STYLE.contains(".nb{white-space:nowrap}"));
    }
}
