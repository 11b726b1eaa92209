//! Hostile text from AWS (a control's disabled reason, which any member-account user can set, an
//! action target's description, an insight's name, an account's name) rendered in every
//! medium: the Markdown plan read through a real CommonMark parser keeps every change visible
//! and lets no HTML through, the text plan carries no control character but shubctl's own
//! colours, the Markdown report neither, and an export keeps such names out of live YAML.

use std::path::Path;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};
use shubctl::model::escape::text::{needs_escape, visible};
use shubctl::model::resource::{ActionTargetValue, ControlValue, InsightValue};
use shubctl::model::{AccountId, Address, Kind, Resource};
use shubctl::plan::Plan;
use shubctl::plan::render::{Format, RenderOptions, render};
use shubctl::provider::snapshot::Snapshot;
use shubctl::spec::diagnostics::{Diagnostics, Severity};

use crate::common::*;

/// Strings that try to close, hide, forge or ring something.
fn corpus() -> Vec<String> {
    let mut v: Vec<String> = [
        "```\n</details>\n\n- 111111111111/us-east-1/hub [nothing to see]\n<!--",
        "~~~\n```` four ````` five `",
        "</details></summary></details>",
        "<!-- the rest is hidden",
        "<script>alert(1)</script><img src=x onerror=alert(1)>",
        "cc @org/team and @alice: approve",
        "a | b || c |",
        "line\r\nbreak\n\n# heading\n> quote",
        "\x1b[2K\x1b[1A\x1b[31mPlan: 0 to create\x1b[0m",
        "bell\x07 nul\0 del\x7f csi\u{9b}2K",
        "\u{202E}esrever\u{202C} \u{2066}isolate\u{2069}",
        "zero\u{200B}width\u{200D}joiner\u{FEFF}mark\u{2028}sep",
        "[click](https://evil.example) ![x](https://evil.example/t.png) <https://evil.example>",
        "**bold** _it_ ~~struck~~ \\` \\| &lt;b&gt; &#64;org",
        "`",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("{}```</details>", "long ".repeat(400)));
    v
}

/// The showcase snapshot with the corpus placed where AWS-side text reaches a plan: disabled
/// reasons of controls the policy wants enabled (one per string), the declared action target's
/// description, and stray insights named after the strings (names have no control characters,
/// as addresses refuse them).
fn hostile_source() -> (shubctl::spec::Policy, Snapshot, Vec<String>) {
    let (p, s) = showcase();
    let mut state = s.state();
    let corpus = corpus();
    let prod = AccountId::parse("333333333333").unwrap();
    let admin = AccountId::parse("222222222222").unwrap();
    let catalog = shubctl::model::catalog::catalog();
    let controls: Vec<String> = catalog
        .controls_in("fsbp/1.0.0")
        .filter(|c| {
            ["S3.", "Lambda.", "RDS."]
                .iter()
                .any(|p| c.id.starts_with(p))
        })
        .map(|c| c.id.clone())
        .collect();
    assert!(controls.len() >= corpus.len(), "{controls:?}");
    for (h, id) in corpus.iter().zip(&controls) {
        state.insert(
            Address::keyed(
                &prod,
                "us-east-1",
                Kind::Control,
                format!("{id}@fsbp/1.0.0"),
            ),
            Resource::Control(ControlValue::disabled(h.clone())),
        );
    }
    for (i, h) in corpus.iter().enumerate() {
        if !h.chars().any(char::is_control) {
            state.insert(
                Address::keyed(&admin, "us-east-1", Kind::Insight, format!("stray {i} {h}")),
                Resource::Insight(InsightValue {
                    group_by: "AwsAccountId".into(),
                    filters: serde_json::json!({}),
                }),
            );
        }
    }
    state.insert(
        Address::keyed(&admin, "us-east-1", Kind::ActionTarget, "SendToJira"),
        Resource::ActionTarget(ActionTargetValue {
            name: "Send to Jira".into(),
            description: corpus.concat(),
        }),
    );
    (p, Snapshot::from_state(s.org.clone(), state), corpus)
}

fn hostile_plan() -> (Plan, Vec<String>) {
    let (p, s, corpus) = hostile_source();
    let plan = plan(&p, &s);
    // The corpus reached the plan: as disabled reasons, a description and insight names.
    let json = serde_json::to_string(&plan).unwrap();
    for h in &corpus {
        let quoted = serde_json::to_string(h).unwrap();
        assert!(
            json.contains(&quoted[1..quoted.len() - 1]),
            "{h:?} is not in the plan"
        );
    }
    (plan, corpus)
}

/// What a reader of the rendered Markdown sees: text outside code, text of code spans and
/// blocks, and the raw HTML that gets through.
#[derive(Default)]
struct Rendered {
    /// Text outside code (where GitHub links mentions).
    text: String,
    /// Text of code spans (no mention, no markup there).
    code: String,
    code_blocks: Vec<String>,
    html: Vec<String>,
}

fn commonmark(md: &str) -> Rendered {
    let mut r = Rendered::default();
    let mut in_block: Option<String> = None;
    let opts = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    for e in Parser::new_ext(md, opts) {
        match e {
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(_))) => {
                in_block = Some(String::new())
            }
            Event::End(TagEnd::CodeBlock) => r.code_blocks.extend(in_block.take()),
            Event::Text(t) => match in_block.as_mut() {
                Some(b) => b.push_str(&t),
                None => {
                    r.text.push_str(&t);
                    r.text.push('\u{1}');
                }
            },
            Event::Code(t) => {
                r.code.push_str(&t);
                r.code.push('\u{1}');
            }
            Event::Html(t) | Event::InlineHtml(t) => r.html.push(t.to_string()),
            Event::Start(Tag::Strikethrough) => r.html.push("<del> from the content".into()),
            Event::Start(Tag::Link { .. } | Tag::Image { .. }) => {
                r.html.push("a link from the content".into())
            }
            Event::SoftBreak | Event::HardBreak => r.text.push('\n'),
            _ => {}
        }
    }
    r
}

/// `@` where GitHub would see a mention: not after a word character, before a name.
fn mentions(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len())
        .filter(|&i| {
            chars[i] == '@'
                && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
                && chars.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric())
        })
        .map(|i| chars[i..(i + 12).min(chars.len())].iter().collect())
        .collect()
}

#[test]
fn the_markdown_plan_keeps_every_change_visible_and_lets_no_html_through() {
    let (plan, _) = hostile_plan();
    let md = render(&plan, Format::Markdown, RenderOptions::default());
    // The plan is small enough for its details: every change is in them.
    assert!(md.contains("<details>"), "details were dropped");
    let r = commonmark(&md);
    // The only HTML is the plan's own: one `<details>` block per account, closed once.
    let accounts: std::collections::BTreeSet<String> = plan
        .changes
        .iter()
        .map(|c| c.address.account.to_string())
        .collect();
    for h in &r.html {
        let own = (h.starts_with("<details><summary>")
            && h.trim_end().ends_with("change(s)</summary>")
            && h.matches('<').count() == 3)
            || h.trim() == "</details>";
        assert!(own, "HTML from the content got through: {h:?}");
    }
    assert_eq!(r.html.len(), 2 * accounts.len(), "{:#?}", r.html);
    // One code block per account, each holding every change of that account on its own line,
    // destructive and weakening marks included.
    assert_eq!(r.code_blocks.len(), accounts.len());
    let blocks = r.code_blocks.concat();
    for c in &plan.changes {
        let local = visible(&c.address.local()).into_owned();
        assert!(
            r.code.contains(&local),
            "{local} is not visible in the table"
        );
        let flag = match (c.weakens_posture, c.destructive) {
            (true, true) => "  [weakens posture, destructive]",
            (true, false) => "  [weakens posture]",
            (false, true) => "  [destructive]",
            (false, false) => "",
        };
        let line = format!("{}/{local}{flag}\n", c.address.region);
        assert!(blocks.contains(&line), "{line:?} is not in the details");
    }
    assert!(blocks.contains("member/999999999999  [weakens posture, destructive]"));
    // No mention, and nothing invisible, in what a reader sees.
    assert_eq!(mentions(&r.text), Vec::<String>::new());
    assert!(
        !r.text.chars().any(needs_escape_but_separator),
        "{:?}",
        r.text
    );
    assert!(!blocks.chars().any(|c| c != '\n' && needs_escape(c)));
    // The source has no control or invisible character but line ends and the joiners that
    // break mentions.
    assert!(
        !md.chars()
            .any(|c| c != '\n' && c != '\u{200D}' && needs_escape(c))
    );
}

fn needs_escape_but_separator(c: char) -> bool {
    c != '\u{1}' && c != '\n' && needs_escape(c) && c != '\u{200D}'
}

/// shubctl's own colour codes, the only escape sequences the text plan may hold.
const OWN_COLOURS: &[&str] = &[
    "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[1m", "\x1b[2m", "\x1b[0m",
];

#[test]
fn the_text_plan_shows_control_characters_and_keeps_its_own_colours() {
    let (plan, corpus) = hostile_plan();
    for color in [false, true] {
        let out = render(
            &plan,
            Format::Text,
            RenderOptions {
                color,
                allow_destroy: false,
            },
        );
        let mut bare = out.clone();
        for code in OWN_COLOURS {
            bare = bare.replace(code, "");
        }
        if color {
            assert_ne!(bare, out, "colours are kept");
        }
        let bad: Vec<(usize, char)> = bare
            .char_indices()
            .filter(|(_, c)| *c != '\n' && needs_escape(*c))
            .collect();
        assert!(bad.is_empty(), "raw control characters at {bad:?}");
        for c in &plan.changes {
            assert!(bare.contains(&*visible(&c.address.local())));
        }
        // The escapes are there to be seen, as escapes.
        assert!(bare.contains("\\x1b[2K\\x1b[1A"));
        assert!(bare.contains("\\u{202e}esrever"));
        assert!(bare.contains("bell\\x07 nul\\x00"));
        // Each hostile reason stays on the one line of its change.
        let lines = bare.lines().filter(|l| l.contains("a | b || c |")).count();
        assert!(lines >= 1, "{corpus:?}");
        assert!(!bare.lines().any(|l| l.starts_with("Plan: 0 to create")));
    }
}

/// The Markdown report with hostile account names, IDs of findings tables escaped alike.
#[test]
fn the_markdown_report_and_an_export_keep_hostile_account_names_inert() {
    let corpus = corpus();
    let mut file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("examples/showcase/snapshot.json")).unwrap(),
    )
    .unwrap();
    for (i, a) in file["organization"]["accounts"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        a["name"] = corpus[i % corpus.len()].clone().into();
    }
    // The administrator's name opens a comment in the export: make it try to end it.
    file["organization"]["accounts"][1]["name"] = "audit\nevil: true\n- x".into();
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("hostile.json");
    std::fs::write(&snap, serde_json::to_string_pretty(&file).unwrap()).unwrap();

    let out = dir.path().join("report.md");
    let o = std::process::Command::new(insta_cmd::get_cargo_bin("shubctl"))
        .current_dir(root())
        .args(["report", "policies", "--snapshot"])
        .arg(&snap)
        .args(["--today", "2026-11-28", "--format", "markdown", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let md = std::fs::read_to_string(&out).unwrap();
    let r = commonmark(&md);
    assert_eq!(r.html, Vec::<String>::new());
    assert_eq!(mentions(&r.text), Vec::<String>::new());
    assert!(
        !md.chars()
            .any(|c| c != '\n' && c != '\u{200D}' && needs_escape(c))
    );
    // Every account is still one row of the set-up table, its ID visible.
    for id in [
        "111111111111",
        "222222222222",
        "333333333333",
        "444444444444",
    ] {
        assert!(r.text.contains(id), "{id}");
    }
    for line in md
        .lines()
        .filter(|l| l.starts_with("| 1") || l.starts_with("| 2"))
    {
        // Columns: account, region and one per service; no `|` of the content splits a row.
        let cells = line.split(" | ").count();
        assert_eq!(cells, 2 + 6, "{line}");
    }

    // Export: the names reach comments only, on one line each.
    let snapshot = Snapshot::load(&snap).unwrap();
    let src = shubctl::cli::commands::export::from_snapshot(&snapshot, &snap, &[]);
    let exported_dir = dir.path().join("policy");
    let req = shubctl::cli::commands::export::Request {
        dir: exported_dir.clone(),
        regions: vec![],
        role: "OrganizationAccountAccessRole".into(),
        external_id: None,
        role_guessed: false,
        today: today(),
    };
    let exported = shubctl::cli::commands::export::export_state(&src, &req);
    shubctl::cli::commands::export::write(&exported_dir, &exported).unwrap();
    let base = &exported.files["baseline.yaml"];
    assert!(
        base.contains("# Security Hub administrator (audit\\nevil: true\\n- x)"),
        "{base}"
    );
    assert!(!base.lines().any(|l| l.starts_with("evil")));
    let mut d = Diagnostics::default();
    shubctl::engine::load_policy(std::slice::from_ref(&exported_dir), &options(), &mut d);
    let errors: Vec<String> = d
        .items
        .iter()
        .filter(|i| i.severity == Severity::Error)
        .map(|i| i.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{base}");
    assert!(Path::new(&exported_dir).join("baseline.yaml").exists());
}
